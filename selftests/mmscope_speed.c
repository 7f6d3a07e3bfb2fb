// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope_speed - how fast is this guest now, against a quiet reference.
 *
 * Runs a small fixed workload of the kind the suite is made of (fork and
 * wait, anonymous page faults, munmap, small /proc reads) five times and
 * prints the median time and its ratio to MMSCOPE_SPEED_REF_MS, the median
 * measured on a quiet host in the 6.1 guest under single-threaded TCG:
 *
 *     speed: 1.73 (median 412 ms, reference 238 ms, runs 398..455 ms)
 *
 * selftests/run_suite scales every time limit by that ratio (never below
 * 1), so a busy host or a slow kernel (the debug kernel does the same work
 * several times slower) lengthens every limit alike instead of failing
 * tests.  It decides nothing else: no verdict depends on it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#define MMSCOPE_SPEED_REF_MS	90.0
#define RUNS			5

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int workload(void)
{
	char buf[4096];
	int i, j;

	for (i = 0; i < 20; i++) {
		pid_t c = fork();

		if (c < 0)
			return -1;
		if (!c)
			_exit(0);
		if (waitpid(c, NULL, 0) != c)
			return -1;
	}
	for (i = 0; i < 4; i++) {
		size_t len = 4UL << 20;
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return -1;
		madvise(p, len, MADV_NOHUGEPAGE);
		for (j = 0; j < (int)(len / 4096); j++)
			p[j * 4096] = j;
		munmap(p, len);
	}
	for (i = 0; i < 100; i++) {
		int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);

		if (fd < 0 || read(fd, buf, sizeof(buf)) <= 0)
			return -1;
		close(fd);
	}
	return 0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(void)
{
	double t[RUNS], t0;
	int i;

	if (workload())		/* warm up: page cache, binaries, allocator */
		goto fail;
	for (i = 0; i < RUNS; i++) {
		t0 = now_ms();
		if (workload())
			goto fail;
		t[i] = now_ms() - t0;
	}
	qsort(t, RUNS, sizeof(t[0]), cmp);
	printf("speed: %.2f (median %.0f ms, reference %.0f ms, runs %.0f..%.0f ms)\n",
	       t[RUNS / 2] / MMSCOPE_SPEED_REF_MS, t[RUNS / 2], MMSCOPE_SPEED_REF_MS,
	       t[0], t[RUNS - 1]);
	return 0;
fail:
	perror("mmscope_speed: workload");
	return 1;
}
