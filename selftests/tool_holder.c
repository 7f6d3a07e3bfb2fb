// SPDX-License-Identifier: GPL-2.0
/*
 * tool_test's holder: a static program (it shares no library page with the
 * mmscope command that looks at it) that maps known memory, says so on
 * stdout, and waits until its stdin closes.
 *   tool_holder FILE   FILE: at least HOLDER_FILE_LEN bytes on a block device
 * Mappings: HOLDER_ANON_LEN private anonymous bytes written, the first
 * HOLDER_FILE_LEN bytes of FILE private and read, HOLDER_SHMEM_LEN bytes of a
 * memfd shared and written.
 *   tool_holder --touch N   write N new anonymous pages, print its own
 * getrusage() minor and major faults on stderr ("self MINOR MAJOR"), exit:
 * a command for "mmscope faults --".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "tool_holder.h"

int main(int argc, char **argv)
{
	volatile char sum = 0;
	char *a, *f, *s, c;
	unsigned long i;
	int fd, mfd;

	if (argc == 3 && !strcmp(argv[1], "--touch")) {
		unsigned long n = strtoul(argv[2], NULL, 10);
		struct rusage ru;
		char line[64];
		int len;

		a = mmap(NULL, n * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (a == MAP_FAILED)
			return 1;
		madvise(a, n * 4096, MADV_NOHUGEPAGE);
		for (i = 0; i < n; i++)
			a[i * 4096] = 1;
		/*
		 * Everything after the measurement runs once before it, so
		 * the report and _exit() fault nothing new: what the exit
		 * itself may touch is all that comes after.
		 */
		getrusage(RUSAGE_SELF, &ru);
		len = snprintf(line, sizeof(line), "self %ld %ld\n", ru.ru_minflt, ru.ru_majflt);
		if (write(2, line, 0) < 0)
			return 1;
		getrusage(RUSAGE_SELF, &ru);
		len = snprintf(line, sizeof(line), "self %ld %ld\n", ru.ru_minflt, ru.ru_majflt);
		if (write(2, line, len) != len)
			_exit(1);
		_exit(0);
	}
	if (argc != 2)
		return 2;
	prctl(PR_SET_NAME, HOLDER_COMM);
	a = mmap(NULL, HOLDER_ANON_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	f = fd < 0 ? MAP_FAILED : mmap(NULL, HOLDER_FILE_LEN, PROT_READ, MAP_PRIVATE, fd, 0);
	mfd = memfd_create("mmscope-tool", MFD_CLOEXEC);
	s = mfd < 0 || ftruncate(mfd, HOLDER_SHMEM_LEN) ? MAP_FAILED :
	    mmap(NULL, HOLDER_SHMEM_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (a == MAP_FAILED || f == MAP_FAILED || s == MAP_FAILED)
		return 1;
	madvise(a, HOLDER_ANON_LEN, MADV_NOHUGEPAGE);
	for (i = 0; i < HOLDER_ANON_LEN; i += 4096)
		a[i] = 1;
	for (i = 0; i < HOLDER_FILE_LEN; i += 4096)
		sum += f[i];
	for (i = 0; i < HOLDER_SHMEM_LEN; i += 4096)
		s[i] = 1;
	if (write(1, "r", 1) != 1)
		return 1;
	while (read(0, &c, 1) < 0 && errno == EINTR)
		;
	return 0;
}
