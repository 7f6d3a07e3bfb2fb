/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Included first by the build's copy of kselftest_harness.h (see Makefile),
 * which calls the three hooks below around every test:
 *
 *  - mmscope_test_begin(): the test's limit is its TEST_F_TIMEOUT (or the
 *    default) times $MMSCOPE_TIMEOUT_SCALE, a positive real number that
 *    selftests/run_suite sets from the speed it measures in the guest at boot
 *    (times a floor for the slow debug kernel).  One place at run time, so
 *    a busy host lengthens every limit alike.
 *  - mmscope_test_timeout(): called in the harness's SIGALRM handler before
 *    it kills the test's process group: prints, for each process of the
 *    group, its state, wait channel and kernel stack, so a test killed at
 *    its limit says where it was waiting.
 *  - mmscope_test_end(): prints one line per test,
 *        # mmscope-time: FIXTURE.TEST SECONDS LIMIT [timeout]
 *    which scripts/check reads for the longest test's share of its limit.
 */
#ifndef _MMSCOPE_TIMEOUT_H
#define _MMSCOPE_TIMEOUT_H

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static inline double mmscope_timeout_scale(void)
{
	const char *s = getenv("MMSCOPE_TIMEOUT_SCALE");
	double k = s ? strtod(s, NULL) : 1;

	return k >= 1 && k <= 100 ? k : 1;
}

static struct timespec mmscope_test_t0;

static inline void mmscope_test_begin(int timeout)
{
	clock_gettime(CLOCK_MONOTONIC, &mmscope_test_t0);
	alarm((unsigned int)ceil(timeout * mmscope_timeout_scale()));
}

static inline void mmscope_test_end(const char *fixture, const char *name, int timeout,
				    int timed_out)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# mmscope-time: %s.%s %.1f %.0f%s\n", fixture, name,
	       (t1.tv_sec - mmscope_test_t0.tv_sec) + (t1.tv_nsec - mmscope_test_t0.tv_nsec) / 1e9,
	       ceil(timeout * mmscope_timeout_scale()), timed_out ? " timeout" : "");
	fflush(stdout);
}

/* Print one small /proc file of a thread, line by line, prefixed for TAP. */
static inline void mmscope_dump_file(const char *pid, const char *tid, const char *file)
{
	char path[96], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%.20s/task/%.20s/%.20s", pid, tid, file);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		printf("#     %s: %s%s", file, line, strchr(line, '\n') ? "" : "\n");
	fclose(f);
}

/* Where each process of the killed test's group (pgid @pgrp) waits. */
static inline void mmscope_test_timeout(int pgrp)
{
	struct dirent *d;
	DIR *dir = opendir("/proc");

	printf("# timeout: processes of the test (process group %d) before SIGKILL:\n", pgrp);
	while (dir && (d = readdir(dir))) {
		char path[64], stat[512], *rp;
		struct dirent *t;
		DIR *tasks;
		int pg = -1;
		FILE *f;

		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.20s/stat", d->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (!fgets(stat, sizeof(stat), f))
			stat[0] = 0;
		fclose(f);
		rp = strrchr(stat, ')');	/* comm may hold spaces */
		if (!rp || sscanf(rp + 2, "%*c %*d %d", &pg) != 1 || pg != pgrp)
			continue;
		printf("#   pid %s %.*s\n", d->d_name, (int)(rp - stat + 3), stat);
		snprintf(path, sizeof(path), "/proc/%.20s/task", d->d_name);
		tasks = opendir(path);
		while (tasks && (t = readdir(tasks))) {
			if (t->d_name[0] < '1' || t->d_name[0] > '9')
				continue;
			printf("#    thread %s\n", t->d_name);
			mmscope_dump_file(d->d_name, t->d_name, "wchan");
			mmscope_dump_file(d->d_name, t->d_name, "stack");
		}
		if (tasks)
			closedir(tasks);
	}
	if (dir)
		closedir(dir);
	fflush(stdout);
}

#endif /* _MMSCOPE_TIMEOUT_H */
