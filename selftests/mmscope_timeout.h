/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Included first by the build's copy of kselftest_harness.h (see Makefile),
 * which calls the hooks below around every test:
 *
 *  - mmscope_test_begin(): the test's limit is its TEST_F_TIMEOUT (or the
 *    default) times $MMSCOPE_TIMEOUT_SCALE, a positive real number that
 *    selftests/run_suite sets from the speed it measures in the guest at boot
 *    (times a floor for the slow debug kernel).  One place at run time, so
 *    a busy host lengthens every limit alike.  SIGALRM comes at every
 *    quarter of the limit (the harness's handler restarts its waitpid()).
 *  - mmscope_test_due(): called first in the harness's SIGALRM handler.  At
 *    half and three quarters of the limit it prints where the test's
 *    processes are (a slow test says why it is slow even when it passes),
 *    and returns 0: the test goes on.  At the limit it prints the same, then
 *    returns 1 and the harness kills the test's process group.
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
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static inline double mmscope_timeout_scale(void)
{
	const char *s = getenv("MMSCOPE_TIMEOUT_SCALE");
	double k = s ? strtod(s, NULL) : 1;

	return k >= 1 && k <= 100 ? k : 1;
}

static struct timespec mmscope_test_t0;
static double mmscope_test_limit;

static inline double mmscope_test_elapsed(void)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - mmscope_test_t0.tv_sec) + (t1.tv_nsec - mmscope_test_t0.tv_nsec) / 1e9;
}

static inline void mmscope_test_begin(int timeout)
{
	struct itimerval q = { { 0, 0 }, { 0, 0 } };

	clock_gettime(CLOCK_MONOTONIC, &mmscope_test_t0);
	mmscope_test_limit = ceil(timeout * mmscope_timeout_scale());
	q.it_value.tv_sec = q.it_interval.tv_sec = (time_t)ceil(mmscope_test_limit / 4);
	setitimer(ITIMER_REAL, &q, NULL);
}

static inline void mmscope_test_end(const char *fixture, const char *name, int timed_out)
{
	printf("# mmscope-time: %s.%s %.1f %.0f%s\n", fixture, name, mmscope_test_elapsed(),
	       mmscope_test_limit, timed_out ? " timeout" : "");
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

/*
 * Whether a thread still schedules and makes progress: its context switches
 * (from status) and its minor faults so far (stat field 10).
 */
static inline void mmscope_dump_switches(const char *pid, const char *tid)
{
	char path[96], line[1024], *rp;
	unsigned long vol = 0, nonvol = 0, minflt = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%.20s/task/%.20s/status", pid, tid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		sscanf(line, "voluntary_ctxt_switches: %lu", &vol);
		sscanf(line, "nonvoluntary_ctxt_switches: %lu", &nonvol);
	}
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "/proc/%.20s/task/%.20s/stat", pid, tid);
	f = fopen(path, "re");
	if (f && fgets(line, sizeof(line), f) && (rp = strrchr(line, ')')))
		sscanf(rp + 2, "%*c %*d %*d %*d %*d %*d %*u %lu", &minflt);
	if (f)
		fclose(f);
	printf("#     switches: %lu voluntary, %lu involuntary; minor faults %lu\n",
	       vol, nonvol, minflt);
}

/*
 * One thread's /proc stat: state, process group, user and system CPU time
 * (ticks) and the CPU it last ran on; the command name into @comm.  0, or -1.
 */
static inline int mmscope_thread_stat(const char *pid, const char *tid, char *comm,
				      size_t comm_len, char *state, int *pgrp,
				      unsigned long *ut, unsigned long *st, int *cpu)
{
	char path[96], stat[1024], *rp, *lp, *tok, *save = NULL;
	int field = 3;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%.20s/task/%.20s/stat", pid, tid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (!fgets(stat, sizeof(stat), f))
		stat[0] = 0;
	fclose(f);
	lp = strchr(stat, '(');
	rp = strrchr(stat, ')');	/* comm may hold spaces */
	if (!lp || !rp || rp < lp)
		return -1;
	snprintf(comm, comm_len, "%.*s", (int)(rp - lp - 1), lp + 1);
	*cpu = -1;
	for (tok = strtok_r(rp + 2, " ", &save); tok; tok = strtok_r(NULL, " ", &save), field++) {
		if (field == 3)
			*state = tok[0];
		else if (field == 5)
			*pgrp = atoi(tok);
		else if (field == 14)
			*ut = strtoul(tok, NULL, 10);
		else if (field == 15)
			*st = strtoul(tok, NULL, 10);
		else if (field == 39)
			*cpu = atoi(tok);
	}
	return field > 39 ? 0 : -1;
}

/*
 * A thread that runs in the kernel has no stack in /proc: sample it with
 * bpftrace (a few seconds of kernel stacks, the most frequent first).
 */
static inline void mmscope_profile_thread(const char *tid)
{
	char cmd[512], line[512];
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "timeout -k 5 60 bpftrace -e 'profile:hz:97 /tid == %.20s/ { @[kstack(14)] = count(); } "
		 "interval:s:5 { exit(); }' 2>&1", tid);
	p = popen(cmd, "r");
	if (!p)
		return;
	printf("#     kernel stacks of %s over 5 s (bpftrace):\n", tid);
	while (fgets(line, sizeof(line), p))
		if (strcmp(line, "\n"))
			printf("#       %s%s", line, strchr(line, '\n') ? "" : "\n");
	pclose(p);
}

/*
 * What each CPU is doing besides tasks: interrupts since boot per CPU (the
 * local timer apart) and the busiest softirqs.  Two dumps a quarter of the
 * limit apart show a storm; a task starved on a CPU that only serves
 * interrupts looks like one at 100% system time.
 */
static inline void mmscope_dump_irqs(void)
{
	static const char *const want[] = { "LOC:", "RES:", "CAL:", "TLB:", "TIMER:",
					    "HRTIMER:", "RCU:", "SCHED:", "NET_RX:" };
	const char *files[] = { "/proc/interrupts", "/proc/softirqs" };
	char line[1024], up[64] = "?";
	unsigned long long tot[8] = {};
	unsigned int i, j, k;
	FILE *f = fopen("/proc/uptime", "re");

	if (f) {
		if (!fgets(up, sizeof(up), f))
			snprintf(up, sizeof(up), "?");
		up[strcspn(up, " \n")] = 0;
		fclose(f);
	}
	printf("#   uptime %s s; interrupts and softirqs per CPU since boot:\n", up);
	for (i = 0; i < 2; i++) {
		f = fopen(files[i], "re");
		while (f && fgets(line, sizeof(line), f)) {
			char *w = line, *end;

			while (*w == ' ')
				w++;
			for (j = 0; j < sizeof(want) / sizeof(want[0]); j++)
				if (!strncmp(w, want[j], strlen(want[j])))
					break;
			if (i == 0 && strchr(w, ':') && w[0] != 'E' && w[0] != 'M') {
				/* every interrupt line: sum the per-CPU columns */
				char *c = strchr(w, ':') + 1;

				for (k = 0; k < 8; k++, c = end) {
					unsigned long long v = strtoull(c, &end, 10);

					if (end == c)
						break;
					tot[k] += v;
				}
			}
			if (j < sizeof(want) / sizeof(want[0])) {
				line[strcspn(line, "\n")] = 0;
				printf("#     %.160s\n", w);
			}
		}
		if (f)
			fclose(f);
	}
	printf("#     all interrupts:");
	for (k = 0; k < 8 && tot[k]; k++)
		printf(" cpu%u %llu", k, tot[k]);
	printf("\n");
}

/*
 * Where the test's threads (process group @pgrp) are: state, CPU, CPU time,
 * wait channel, kernel stack; and every other thread of the machine that is
 * running or in uninterruptible sleep (what may be keeping the test waiting).
 */
static inline void mmscope_test_where(int pgrp, const char *what)
{
	DIR *dir = opendir("/proc");
	struct dirent *d;
	int pass, profiled = 0;
	char load[128] = "?\n";
	FILE *f = fopen("/proc/loadavg", "re");

	if (f) {
		if (!fgets(load, sizeof(load), f))
			snprintf(load, sizeof(load), "?\n");
		fclose(f);
	}
	printf("# %s: %.0f s of %.0f s; the test's threads (process group %d), then the machine's running (R) and blocked (D) ones; load %s",
	       what, mmscope_test_elapsed(), mmscope_test_limit, pgrp, load);
	/*
	 * A diagnostic knob, never set by make check (the kernel log gets
	 * stack traces, which fail a run): every CPU's backtrace by NMI, also
	 * of a CPU that spins with interrupts off.
	 */
	if (getenv("MMSCOPE_SYSRQ_ON_SLOW")) {
		FILE *t = fopen("/proc/sysrq-trigger", "we");

		if (t) {
			fputs("l", t);
			fclose(t);
		}
	}
	for (pass = 0; pass < 2 && dir; pass++) {
		rewinddir(dir);
		while ((d = readdir(dir))) {
			char path[64], comm[64], state = 0;
			struct dirent *t;
			unsigned long ut = 0, st = 0;
			int pg = -1, cpu;
			DIR *tasks;

			if (d->d_name[0] < '1' || d->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "/proc/%.20s/task", d->d_name);
			tasks = opendir(path);
			while (tasks && (t = readdir(tasks))) {
				if (t->d_name[0] < '1' || t->d_name[0] > '9' ||
				    mmscope_thread_stat(d->d_name, t->d_name, comm, sizeof(comm),
							&state, &pg, &ut, &st, &cpu))
					continue;
				if (pass == 0 && pg == pgrp) {
					printf("#   %s/%s (%s) %c cpu %d, user %lu sys %lu ticks\n",
					       d->d_name, t->d_name, comm, state, cpu, ut, st);
					mmscope_dump_file(d->d_name, t->d_name, "wchan");
					mmscope_dump_switches(d->d_name, t->d_name);
					mmscope_dump_file(d->d_name, t->d_name, "stack");
					if (state == 'R' && st > ut && !profiled++)
						mmscope_profile_thread(t->d_name);
				} else if (pass == 1 && pg != pgrp && (state == 'R' || state == 'D')) {
					printf("#   other %s/%s (%s) %c cpu %d, user %lu sys %lu ticks\n",
					       d->d_name, t->d_name, comm, state, cpu, ut, st);
					if (state == 'D')
						mmscope_dump_file(d->d_name, t->d_name, "stack");
				}
			}
			if (tasks)
				closedir(tasks);
		}
	}
	if (dir)
		closedir(dir);
	mmscope_dump_irqs();
	fflush(stdout);
}

/* In the SIGALRM handler: 1 when the test is out of time, else 0 (go on). */
static inline int mmscope_test_due(int pgrp)
{
	double e = mmscope_test_elapsed();

	if (e >= mmscope_test_limit - 0.5) {
		mmscope_test_where(pgrp, "timeout");
		return 1;
	}
	if (e >= mmscope_test_limit / 2 - 0.5)
		mmscope_test_where(pgrp, "slow");
	return 0;
}

#endif /* _MMSCOPE_TIMEOUT_H */
