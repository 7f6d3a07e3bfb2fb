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
 *   tool_holder --serve N   say "r" and obey one letter at a time on stdin
 * (EOF ends it), each answered with a line on stdout that ends with its own
 * minor+major faults since it began to wait for the letter (getrusage()):
 *   t  write N new anonymous pages: "t ADDRESS OWN"
 *   f  fork a child that writes N new anonymous pages and exits; once it
 *      is a zombie (not reaped): "f CHILD OWN"
 *   w  reap it: "w MINOR MAJOR OWN", the child's wait4() rusage
 * Every path runs once before "r", so waiting and answering fault nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "tool_holder.h"

static long own_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt + ru.ru_majflt;
}

static char *touch(unsigned long n)
{
	char *a = mmap(NULL, n * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long i;

	if (a == MAP_FAILED)
		_exit(1);
	madvise(a, n * 4096, MADV_NOHUGEPAGE);
	for (i = 0; i < n; i++)
		a[i * 4096] = 1;
	return a;
}

static void say(const char *line)
{
	size_t len = strlen(line);

	if (write(1, line, len) != (ssize_t)len)
		_exit(1);
}

/* The answer line and, in its last byte, the letter read. */
#define SERVE_IO	256

/* One letter: what it asks, the answer in @line (see above). */
static void serve_one(char c, unsigned long n, long before, pid_t *child, char *line, size_t len)
{
	struct rusage ru;
	siginfo_t si;
	char *a;

	switch (c) {
	case 't':
		a = touch(n);
		snprintf(line, len, "t %lx %ld\n", (unsigned long)a, own_faults() - before);
		break;
	case 'f':
		*child = fork();
		if (*child == 0) {
			touch(n);
			_exit(0);
		}
		while (waitid(P_PID, *child, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
			;
		/*
		 * The fork made our pages copy-on-write: write now, before
		 * measuring, what measuring, answering and the next read()
		 * write (the stack below, the line and the letter, which
		 * share @line's buffer): the same calls once, then for real.
		 */
		memset(line, 0, SERVE_IO);
		snprintf(line, len, "f %d %ld\n", (int)*child, own_faults() - before);
		snprintf(line, len, "f %d %ld\n", (int)*child, own_faults() - before);
		break;
	case 'w':
		memset(&ru, 0, sizeof(ru));
		while (wait4(*child, NULL, 0, &ru) < 0 && errno == EINTR)
			;
		snprintf(line, len, "w %ld %ld %ld\n", ru.ru_minflt, ru.ru_majflt,
			 own_faults() - before);
		break;
	default:
		snprintf(line, len, "? 0\n");
	}
}

static int serve(unsigned long n)
{
	char io[SERVE_IO], *line = io;
	size_t len = SERVE_IO - 1;
	pid_t child = 0;
	long before;
	ssize_t got;

	/* every path once, so what follows faults only in what it is asked */
	if (read(0, &io[len], 0) < 0)
		return 1;
	serve_one('t', 1, own_faults(), &child, line, len);
	serve_one('f', 1, own_faults(), &child, line, len);
	serve_one('w', 1, own_faults(), &child, line, len);
	before = own_faults();
	say("r\n");
	for (;;) {
		before = own_faults();
		got = read(0, &io[len], 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got != 1)
			return 0;
		if (io[len] == '\n')
			continue;
		serve_one(io[len], n, before, &child, line, len);
		say(line);
	}
}

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
	if (argc == 3 && !strcmp(argv[1], "--serve"))
		return serve(strtoul(argv[2], NULL, 10));
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
