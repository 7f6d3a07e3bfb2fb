// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope concurrency stress tests, each bounded in time.
 *
 * Every test runs a workload that keeps changing what the module looks at
 * while threads of the test process call the module, and requires that every
 * call returns 0 or an errno the ABI documents for the situation, that what
 * comes back is sane, and that the kernel stays quiet (scripts/vm fails a run
 * on any WARNING, BUG, KASAN, lockdep or hung-task report):
 *  - walks_vs_mutations: PT_WALK (resumed from walk_end, with and without
 *    runs), MM_SUMMARY, the tasks/PID files and every physical-memory view,
 *    while a target's threads mmap, munmap, mprotect, mremap, madvise, fork
 *    and exit, and khugepaged collapses a region of it;
 *  - faults_vs_exit_exec: FAULT_STATS, a blocking and a polling FAULT_STREAM
 *    reader and the faults files, while a process tracked with its children
 *    has threads that fault and exit and children that exec;
 *  - track_untrack_race: TRACK and the track file from several threads on
 *    the same pids, some of them exiting, the table full or nearly empty;
 *  - unload_with_blocked_readers: delete_module() while readers sleep in
 *    read() and poll() on streams and debugfs files are open;
 *  - load_unload_cycles: finit_module() and delete_module() cycles with the
 *    device and debugfs used in between.
 *
 * Worker threads never use the harness's ASSERT/EXPECT (an ASSERT longjmps
 * into the main thread's frame): they note failures, which the main thread
 * reports.  Each test logs its figures: duration, calls of each kind and
 * their outcomes.
 *
 * Knobs: MMSCOPE_STRESS_SECS (default 15) is the length of walks_vs_mutations;
 * faults_vs_exit_exec and track_untrack_race run two thirds of it.
 * MMSCOPE_STRESS_CYCLES (default 1000) is the number of load/unload cycles.
 * MMSCOPE_STRESS_ONLY, a comma-separated list of test names, skips the others.
 * The unload tests need MMSCOPE_MODULE and MMSCOPE_LOADER (exported by
 * scripts/vm-guest) and skip without them; whatever happens they leave the
 * module loaded (the fixture's teardown loads it again), since later tests
 * and the runner's final rmmod need it.
 */
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <time.h>
#include <sys/prctl.h>

#include "kselftest_harness.h"
#include "mmscope_test.h"

#ifndef MADV_COLD
#define MADV_COLD	20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif

#define PG		MMSCOPE_PAGE
#define HPAGE		(2UL << 20)
#define TRACK_FILE	MMSCOPE_DEBUGFS "/track"
#define TASKS_DIR	MMSCOPE_DEBUGFS "/tasks"
#define STATS_FILE	MMSCOPE_DEBUGFS "/stats"
#define THP_DIR		"/sys/kernel/mm/transparent_hugepage"
#define KHP_DIR		THP_DIR "/khugepaged"
#define MODULE_DIR	"/sys/module/mmscope"
#define EXEC_ENV	"MMSCOPE_STRESS_EXEC"
#define FILE_BUF	(1 << 20)	/* a debugfs file read whole */

/* ---- time, knobs, randomness --------------------------------------------- */


static void sleep_until(double t)
{
	double d;

	while ((d = t - mmscope_now()) > 0)
		usleep(d > 0.1 ? 100000 : (useconds_t)(d * 1e6) + 1);
}



static void sched_idle(void)
{
	struct sched_param p = { 0 };

	/* the calling thread only; khugepaged (nice 19) then gets its turn */
	sched_setscheduler(0, SCHED_IDLE, &p);
}

/* ---- failures seen by worker threads ------------------------------------- */

#define MAX_NOTES	6

static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;
static long nr_fails;
static char fail_notes[MAX_NOTES][320];

static void __attribute__((format(printf, 1, 2))) note_fail(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&fail_lock);
	if (nr_fails < MAX_NOTES) {
		va_start(ap, fmt);
		vsnprintf(fail_notes[nr_fails], sizeof(fail_notes[0]), fmt, ap);
		va_end(ap);
	}
	nr_fails++;
	pthread_mutex_unlock(&fail_lock);
}

static void expect_no_fails(struct __test_metadata *_metadata)
{
	long i;

	for (i = 0; i < nr_fails && i < MAX_NOTES; i++)
		TH_LOG("worker failure %ld of %ld: %s", i + 1, nr_fails, fail_notes[i]);
	EXPECT_EQ(0, nr_fails);
}

/* ---- calls of one kind and their outcomes -------------------------------- */

#define NR_ERRNO	134

struct kstat {
	const char *name;
	long calls;
	long err[NR_ERRNO];	/* [0]: calls that succeeded */
};

static void kcount(struct kstat *k, int err)
{
	if (err < 0 || err >= NR_ERRNO)
		err = NR_ERRNO - 1;
	__atomic_add_fetch(&k->calls, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&k->err[err], 1, __ATOMIC_RELAXED);
}

/*
 * Count a call that ended with @err (0 or a positive errno); an errno not in
 * the zero-terminated @ok is a failure.  Returns @err.
 */
static int kcheck(struct kstat *k, int err, const int *ok, const char *what)
{
	kcount(k, err);
	if (!err)
		return 0;
	for (; *ok; ok++)
		if (*ok == err)
			return err;
	note_fail("%s (%s): errno %d (%s) is not documented here", k->name, what, err,
		  strerror(err));
	return err;
}

static const char *errname(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "E?";
}

static void kstat_log(struct __test_metadata *_metadata, const struct kstat *k, double secs)
{
	char buf[400];
	size_t n = 0;
	int e;

	buf[0] = 0;
	for (e = 1; e < NR_ERRNO && n < sizeof(buf) - 40; e++)
		if (k->err[e])
			n += snprintf(buf + n, sizeof(buf) - n, ", %s %ld", errname(e), k->err[e]);
	TH_LOG("  %-22s %7ld calls %8.1f/s  ok %ld%s", k->name, k->calls,
	       secs > 0 ? k->calls / secs : 0.0, k->err[0], buf);
}

static const int no_errnos[] = { 0 };

/* ---- files ---------------------------------------------------------------- */

/*
 * Read @path to its end, keeping the first @len - 1 bytes in @buf
 * (NUL-terminated).  Returns the bytes read in all, or -errno of the open or
 * of a read.
 */
static long slurp(const char *path, char *buf, size_t len)
{
	char sink[4096];
	long total = 0, ret;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	for (;;) {
		if ((size_t)total < len - 1)
			n = read(fd, buf + total, len - 1 - total);
		else
			n = read(fd, sink, sizeof(sink));
		if (n < 0) {
			ret = -errno;
			close(fd);
			buf[(size_t)total < len ? total : len - 1] = 0;
			return ret;
		}
		if (!n)
			break;
		total += n;
	}
	close(fd);
	buf[(size_t)total < len ? total : len - 1] = 0;
	return total;
}


/*
 * Lines "START END ..." (hex) that are not comments must be ascending and
 * must not overlap.  Returns the number of such lines, or -1 (with the
 * offending line in @bad).  A last line without its newline (the file was
 * cut to the buffer) is ignored.
 */
static long check_ranges(const char *buf, char *bad, size_t bad_len)
{
	unsigned long long s, e, prev = 0;
	const char *l = buf, *nl;
	long n = 0;

	for (; (nl = strchr(l, '\n')); l = nl + 1) {
		if (*l == '#')
			continue;
		if (sscanf(l, "%llx %llx", &s, &e) != 2 || e <= s || s < prev) {
			snprintf(bad, bad_len, "line %ld after end %#llx: %.*s", n + 1, prev,
				 (int)(nl - l > 120 ? 120 : nl - l), l);
			return -1;
		}
		prev = e;
		n++;
	}
	return n;
}

/* "pid state" lines of the track file: pids, and states (1: exited). */
static int track_list(pid_t *pids, int *exited, int max)
{
	char buf[16384], state[16], *l, *nl;
	int n = 0, pid;
	long ret = slurp(TRACK_FILE, buf, sizeof(buf));

	if (ret < 0)
		return ret;
	for (l = buf; (nl = strchr(l, '\n')); l = nl + 1) {
		if (*l == '#')
			continue;
		if (sscanf(l, "%d %15s", &pid, state) != 2 || pid <= 0 ||
		    (strcmp(state, "live") && strcmp(state, "exited")))
			return -EPROTO;
		if (n < max) {
			pids[n] = pid;
			if (exited)
				exited[n] = !strcmp(state, "exited");
		}
		n++;
	}
	return n;
}

/*
 * The track file read by a racing thread, counted in @k (no errno is
 * documented for reading it): the number listed, or -1 when the read failed.
 * A list longer than the table is a failure; *max_listed keeps the longest.
 */
static int list_tracked(struct kstat *k, pid_t *pids, int *exited, long *max_listed)
{
	int n = track_list(pids, exited, MMSCOPE_TRACK_MAX * 2);

	if (kcheck(k, n < 0 ? -n : 0, no_errnos, "track list"))
		return -1;
	if (n > MMSCOPE_TRACK_MAX)
		note_fail("track lists %d processes", n);
	if (n > *max_listed)
		*max_listed = n;
	return n;
}

#define count_task_dirs mmscope_count_task_dirs

/*
 * Bytes the module holds, from the stats file: the "held total BYTES
 * OBJECTS" line (stats format 2), or a "memory ... held_bytes N" line.
 * -ENOENT when the file has neither.
 */
static long long held_bytes(void)
{
	char buf[8192], *line, *save, *tok, *save2;
	long long bytes;
	long ret = slurp(STATS_FILE, buf, sizeof(buf));

	if (ret < 0)
		return ret;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "held total %lld", &bytes) == 1)
			return bytes;
		if (strncmp(line, "memory ", 7))
			continue;
		for (tok = strtok_r(line + 7, " \t", &save2); tok;
		     tok = strtok_r(NULL, " \t", &save2)) {
			if (!strncmp(tok, "held_bytes=", 11))
				return atoll(tok + 11);
			if (!strcmp(tok, "held_bytes")) {
				tok = strtok_r(NULL, " \t", &save2);
				return tok ? atoll(tok) : -EPROTO;
			}
		}
	}
	return -ENOENT;
}

/* A number from a one-line sysfs file, or -1. */
static long read_long(const char *path)
{
	char buf[64];

	return mmscope_read_line(path, buf, sizeof(buf)) ? -1 : atol(buf);
}

/* Whether thread @tid of this process sleeps (state S in its stat). */
static int thread_sleeping(pid_t tid)
{
	char path[64], buf[512], *s;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	if (mmscope_read_line(path, buf, sizeof(buf)))
		return 0;
	s = strrchr(buf, ')');
	return s && s[1] == ' ' && s[2] == 'S';
}

/* ---- the module itself ----------------------------------------------------- */

/*
 * $MMSCOPE_MODULE copied when the program starts, so reloading loads that
 * module even if the build tree is rebuilt meanwhile (the guest sees the
 * host's files live).
 */
static char module_copy[512];
static pid_t module_copier;

static void __attribute__((constructor)) snapshot_module(void)
{
	const char *m = getenv("MMSCOPE_MODULE");
	char buf[65536];
	int in, out = -1;
	ssize_t n = 0;

	if (getenv(EXEC_ENV) || !m || !*m)
		return;
	snprintf(module_copy, sizeof(module_copy), "%s/mmscope-stress-%d.ko", mmscope_tmpdir(),
		 getpid());
	in = open(m, O_RDONLY | O_CLOEXEC);
	if (in >= 0)
		out = open(module_copy, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	while (out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			n = -1;
	if (in < 0 || out < 0 || n < 0) {
		if (out >= 0)
			unlink(module_copy);
		module_copy[0] = 0;
	} else {
		module_copier = getpid();
	}
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
}

static void __attribute__((destructor)) drop_module_snapshot(void)
{
	if (module_copier && module_copier == getpid())
		unlink(module_copy);
}

static const char *module_path(void)
{
	return module_copy[0] ? module_copy : getenv("MMSCOPE_MODULE");
}

/* Whether the module loaded now was built from other sources than the file. */
static int module_file_differs(void)
{
	char loaded[64], want[80], *buf;
	int fd = open(module_path(), O_RDONLY | O_CLOEXEC), ret = 0;
	ssize_t n;

	if (fd < 0 || mmscope_read_line(MODULE_DIR "/srcversion", loaded, sizeof(loaded))) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	buf = malloc(16 << 20);
	n = buf ? read(fd, buf, 16 << 20) : -1;
	close(fd);
	snprintf(want, sizeof(want), "srcversion=%s", loaded);
	if (n > 0 && !memmem(buf, n, want, strlen(want)))
		ret = 1;
	free(buf);
	return ret;
}

static int module_live(void)
{
	char s[32];

	return !mmscope_read_line(MODULE_DIR "/initstate", s, sizeof(s)) && !strcmp(s, "live");
}

static int have_loader(void)
{
	const char *l = getenv("MMSCOPE_LOADER"), *m = getenv("MMSCOPE_MODULE");

	return l && *l && m && *m && !access(l, X_OK) && !access(m, R_OK);
}

/* Wait up to 5 s for the device node (devtmpfs); 0 or -errno. */
static int wait_dev(void)
{
	int i, fd = -1;

	for (i = 0; i < 100; i++) {
		fd = open(MMSCOPE_DEV, O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		usleep(50000);
	}
	return -errno;
}

/* "$MMSCOPE_LOADER $MMSCOPE_MODULE"; 0, or -1 with the reason in @why. */
static int load_module(char *why, size_t len)
{
	char cmd[1200];
	int ret;

	if (!have_loader()) {
		snprintf(why, len, "MMSCOPE_LOADER/MMSCOPE_MODULE not set or not usable");
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "'%s' '%s'", getenv("MMSCOPE_LOADER"), module_path());
	fflush(stdout);
	fflush(stderr);
	ret = system(cmd);
	if (ret) {
		snprintf(why, len, "%.200s: status %#x", cmd, ret);
		return -1;
	}
	ret = wait_dev();
	if (ret) {
		snprintf(why, len, "%s after loading: %s", MMSCOPE_DEV, strerror(-ret));
		return -1;
	}
	return 0;
}

static int unload_module(unsigned int flags)
{
	return syscall(SYS_delete_module, "mmscope", flags) ? errno : 0;
}

/* delete_module(), retrying up to @secs while something still holds it. */
static int unload_module_wait(double secs, long *retries)
{
	double until = mmscope_now() + secs;
	int err;

	while ((err = unload_module(O_NONBLOCK)) == EWOULDBLOCK && mmscope_now() < until) {
		if (retries)
			(*retries)++;
		usleep(10000);
	}
	return err;
}

/* ---- the fixture ----------------------------------------------------------- */

#define MAX_THREADS	32
#define MAX_KIDS	96
#define MAX_KNOBS	8

FIXTURE(stress)
{
	int fd;
	pthread_t threads[MAX_THREADS];
	int nthreads;
	volatile int *stop;		/* the running test's stop flag */
	struct { pid_t pid; int group; } kids[MAX_KIDS];
	int nkids;
	struct { char path[128]; char old[64]; } knobs[MAX_KNOBS];
	int nknobs;
	struct mmscope_swap swap;
	int left_out;			/* not in MMSCOPE_STRESS_ONLY */
	int untrack;			/* teardown: untrack whatever is tracked */
	int reload;			/* teardown: load the module if it is gone */
};

static void on_wake(int sig)
{
}

/* Whether $MMSCOPE_STRESS_ONLY leaves test @name out. */
static int left_out(const char *name)
{
	const char *only = getenv("MMSCOPE_STRESS_ONLY"), *p;
	size_t len = strlen(name);

	if (!only || !*only)
		return 0;
	for (p = only; (p = strstr(p, name)); p += len)
		if ((p == only || p[-1] == ',') && (!p[len] || p[len] == ','))
			return 0;
	return 1;
}

FIXTURE_SETUP(stress)
{
	struct sigaction sa = { .sa_handler = on_wake };	/* no SA_RESTART */
	char why[256];

	self->fd = -1;
	self->left_out = left_out(_metadata->name);
	if (self->left_out)
		return;		/* the test body skips (this harness runs it anyway) */
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	/* orphans of the targets come back to this process, to be reaped */
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	if (!module_live()) {
		ASSERT_EQ(0, load_module(why, sizeof(why))) {
			TH_LOG("mmscope is not loaded and cannot be: %s", why);
		}
	}
}

#define SKIP_IF_LEFT_OUT() do { \
	if (self->left_out) \
		SKIP(return, "not in MMSCOPE_STRESS_ONLY"); \
} while (0)

static int start_thread(FIXTURE_DATA(stress) *self, void *(*fn)(void *), void *arg)
{
	if (self->nthreads == MAX_THREADS || pthread_create(&self->threads[self->nthreads],
							    NULL, fn, arg))
		return -1;
	self->nthreads++;
	return 0;
}

/* Set the stop flag, wake threads sleeping in the module, join them all. */
static void stop_threads(FIXTURE_DATA(stress) *self)
{
	struct timespec ts;
	double give_up = mmscope_now() + 60;
	int i;

	if (self->stop)
		*self->stop = 1;
	for (i = 0; i < self->nthreads; i++) {
		for (;;) {
			pthread_kill(self->threads[i], SIGUSR1);
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 100 * 1000 * 1000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			if (!pthread_timedjoin_np(self->threads[i], NULL, &ts))
				break;
			if (mmscope_now() > give_up) {
				fprintf(stderr, "# thread %d does not stop\n", i);
				break;
			}
		}
	}
	self->nthreads = 0;
	self->stop = NULL;	/* the test may free it now */
}

static void add_kid(FIXTURE_DATA(stress) *self, pid_t pid, int group)
{
	if (self->nkids < MAX_KIDS) {
		self->kids[self->nkids].pid = pid;
		self->kids[self->nkids].group = group;
		self->nkids++;
	}
}

/* Forget a kid the test reaped itself. */
static void forget_kid(FIXTURE_DATA(stress) *self, pid_t pid)
{
	int i;

	for (i = 0; i < self->nkids; i++)
		if (self->kids[i].pid == pid)
			self->kids[i].pid = 0;
}

/* Reap every child, orphans included, for up to @secs. */
static void reap_all(double secs)
{
	double until = mmscope_now() + secs;

	while (mmscope_now() < until) {
		pid_t p = waitpid(-1, NULL, WNOHANG);

		if (p < 0 && errno == ECHILD)
			return;
		if (p <= 0)
			usleep(10000);
	}
}

static void kill_kids(FIXTURE_DATA(stress) *self)
{
	int i;

	for (i = 0; i < self->nkids; i++) {
		if (self->kids[i].pid <= 0)
			continue;
		if (self->kids[i].group)
			kill(-self->kids[i].pid, SIGKILL);
		kill(self->kids[i].pid, SIGKILL);
	}
	for (i = 0; i < self->nkids; i++)
		if (self->kids[i].pid > 0)
			waitpid(self->kids[i].pid, NULL, 0);
	self->nkids = 0;
	reap_all(10);
}

/* Set a sysfs knob, remembering its old value for the teardown. */
static int knob_set(FIXTURE_DATA(stress) *self, const char *path, const char *val)
{
	char old[64];
	int ret;

	if (self->nknobs == MAX_KNOBS)
		return -ENOSPC;
	ret = mmscope_knob_set(path, val, old, sizeof(old));
	if (old[0]) {
		snprintf(self->knobs[self->nknobs].path, sizeof(self->knobs[0].path), "%s", path);
		snprintf(self->knobs[self->nknobs].old, sizeof(self->knobs[0].old), "%s", old);
		self->nknobs++;
	}
	return ret;
}

/*
 * Untrack everything the track file lists, until it lists nothing (a child
 * being adopted may appear late).  Returns what is still listed.
 */
static int untrack_everything(void)
{
	pid_t pids[MMSCOPE_TRACK_MAX * 2];
	int fd = mmscope_open(), round, i, n = -1, empty = 0;

	if (fd < 0)
		return -1;
	for (round = 0; round < 50; round++) {
		n = track_list(pids, NULL, MMSCOPE_TRACK_MAX * 2);
		/*
		 * Empty twice, 100 ms x scale apart: children of a CHILDREN
		 * process are listed by a work item that a slow guest may run
		 * after the first empty listing.
		 */
		if (n <= 0 && empty++)
			break;
		if (n <= 0) {
			usleep(100000 * mmscope_timeout_scale());
			continue;
		}
		empty = 0;
		for (i = 0; i < n && i < MMSCOPE_TRACK_MAX * 2; i++)
			mmscope_track_ioc(fd, pids[i], MMSCOPE_TRACK_REMOVE);
		usleep(20000);
	}
	close(fd);
	return n;
}

FIXTURE_TEARDOWN(stress)
{
	char why[256];
	int i;

	stop_threads(self);
	kill_kids(self);
	if (self->untrack && module_live())
		untrack_everything();
	if (self->fd >= 0)
		close(self->fd);
	for (i = self->nknobs - 1; i >= 0; i--)
		if (mmscope_write_file(self->knobs[i].path, self->knobs[i].old))
			TH_LOG("cannot restore %s to %s", self->knobs[i].path, self->knobs[i].old);
	mmscope_zram_swap_off(&self->swap);
	if (self->reload && !module_live() && load_module(why, sizeof(why)))
		TH_LOG("could not load mmscope again: %s", why);
}

/* ---- fault statistics: what every snapshot must satisfy ------------------- */

/*
 * Check one FAULT_STATS answer (mmscope_fault_stats_check()); for an exited
 * process its counters are frozen.  For a live one an axis that does not
 * add up is only counted in *@skewed and *@max_skew.  Returns 0, or -1
 * after noting a failure.
 */
static int check_fault_stats(const struct mmscope_fault_stats *s, const char *who,
			     long *skewed, long *max_skew)
{
	int exited = s->flags & MMSCOPE_FAULT_EXITED;
	char why[256];
	__u64 skew;

	if (mmscope_fault_stats_check(s, exited, &skew, why, sizeof(why))) {
		note_fail("%s%s: %s", who, exited ? " (exited)" : "", why);
		return -1;
	}
	if (skew) {
		__atomic_add_fetch(skewed, 1, __ATOMIC_RELAXED);
		if ((long)skew > *max_skew)
			*max_skew = skew;
	}
	return 0;
}

/*
 * The debugfs faults file of a tracked process: total and the sum of each
 * axis.  Returns 0 with *@exited set, -EPROTO for a malformed file.
 */
static int parse_faults_file(const char *buf, int *exited, unsigned long long *total,
			     unsigned long long *axis)
{
	static const char *const names[5] = { "origin", "access", "result", "memory", "cause" };
	const char *l, *nl;
	char k[32], cls[32], st[16];
	unsigned long long v;
	int a, have_total = 0, have_state = 0;

	memset(axis, 0, 5 * sizeof(*axis));
	for (l = buf; (nl = strchr(l, '\n')); l = nl + 1) {
		if (*l == '#')
			continue;
		if (sscanf(l, "state %15s", st) == 1) {
			*exited = !strcmp(st, "exited");
			have_state = 1;
		} else if (sscanf(l, "total %llu", &v) == 1) {
			*total = v;
			have_total = 1;
		} else if (sscanf(l, "%31s %31s %llu", k, cls, &v) == 3) {
			for (a = 0; a < 5; a++)
				if (!strcmp(k, names[a]))
					axis[a] += v;
		}
	}
	return have_total && have_state ? 0 : -EPROTO;
}

/* Fields of a stream record in range, padding zero. */
static int event_ok(const struct mmscope_fault_event *e)
{
	return e->origin < MMSCOPE_NR_ORIGINS && e->access < MMSCOPE_NR_ACCESSES &&
	       e->result < MMSCOPE_NR_RESULTS && e->memory < MMSCOPE_NR_MEMS &&
	       e->cause < MMSCOPE_NR_CAUSES && !e->__pad[0] && !e->__pad[1] &&
	       !e->__pad[2] && e->pid && e->tid;
}

/* ==== 1. walks and snapshots while the target mutates ==================== */

enum {
	OP_MMAP, OP_MUNMAP, OP_MPROTECT, OP_MREMAP, OP_MREMAP_FAILED, OP_DONTNEED,
	OP_FREE, OP_REMOVE, OP_PAGEOUT, OP_COLD, OP_HUGEPAGE, OP_MLOCK, OP_TOUCH,
	OP_FORK, OP_THREAD, OP_THP_ROUND, OP_THP_SPLIT, OP_COLLAPSE, OP_COLLAPSE_FAILED, OP_NR
};

static const char *const op_names[OP_NR] = {
	"mmap", "munmap", "mprotect", "mremap", "mremap_failed", "madv_dontneed",
	"madv_free", "madv_remove", "madv_pageout", "madv_cold", "madv_(no)hugepage",
	"mlock/munlock", "touch", "fork+exit", "thread+exit", "thp_touch_round", "thp_split",
	"madv_collapse",
	"madv_collapse_failed",
};

/* Shared between the test and its target (MAP_SHARED). */
struct t1_shared {
	int ready;			/* 1 ready, -1 setup failed */
	pid_t child;			/* the target's latest child */
	unsigned long thp_start, thp_len;
	long ops[OP_NR];
	int collapse_errno;		/* of the last MADV_COLLAPSE that failed */
	char why[160];
};

#define T1_SLOTS	16
#define T1_MAX_PAGES	64
#define T1_MUTATORS	3
#define T1_THP_LEN	(8UL << 20)
#define T1_HOLE		8	/* the last page of every 8 stays empty */

struct t1_targ {
	struct t1_shared *sh;
	double limit;
	__u64 seed;
	char *collapse;			/* a 2 MiB region for MADV_COLLAPSE */
};

static void op_inc(struct t1_shared *sh, int op)
{
	__atomic_add_fetch(&sh->ops[op], 1, __ATOMIC_RELAXED);
}

struct mslot {
	char *p;
	size_t npages;
	int shared;		/* MAP_SHARED of the thread's memfd */
	int mixed;		/* parts may not be writable */
	int locked;
};

static void slot_touch(struct t1_shared *sh, struct mslot *m, __u64 *r)
{
	size_t i, step = 1 + mmscope_rnd(r) % 3;

	if (m->mixed) {
		if (mprotect(m->p, m->npages * PG, PROT_READ | PROT_WRITE))
			return;
		m->mixed = 0;
	}
	for (i = 0; i < m->npages; i += step)
		m->p[i * PG] = (char)i;
	op_inc(sh, OP_TOUCH);
}

static void slot_map(struct t1_shared *sh, struct mslot *m, int mfd, __u64 *r)
{
	size_t n = 1 + mmscope_rnd(r) % T1_MAX_PAGES;
	int shared = mfd >= 0 && !(mmscope_rnd(r) % 3);
	void *p;

	/* shared ones map the start of a T1_MAX_PAGES memfd: never past its end */
	p = mmap(NULL, n * PG, PROT_READ | PROT_WRITE,
		 shared ? MAP_SHARED : MAP_PRIVATE | MAP_ANONYMOUS, shared ? mfd : -1, 0);
	if (p == MAP_FAILED)
		return;
	m->p = p;
	m->npages = n;
	m->shared = shared;
	m->mixed = 0;
	m->locked = 0;
	op_inc(sh, OP_MMAP);
	slot_touch(sh, m, r);
}

/* A target thread: its own mappings, changed every way there is. */
static void *t1_mutator(void *arg)
{
	static const int prots[3] = { PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE };
	struct t1_targ *a = arg;
	struct t1_shared *sh = a->sh;
	struct mslot s[T1_SLOTS];
	__u64 r = a->seed;
	int mfd = memfd_create("mmscope-stress", MFD_CLOEXEC), pageout = 1;

	memset(s, 0, sizeof(s));
	if (mfd >= 0 && ftruncate(mfd, T1_MAX_PAGES * PG)) {
		close(mfd);
		mfd = -1;
	}
	sched_idle();
	while (mmscope_now() < a->limit) {
		struct mslot *m = &s[mmscope_rnd(&r) % T1_SLOTS];
		size_t a0, n, newn;
		void *q;

		if (!m->p) {
			slot_map(sh, m, mfd, &r);
			continue;
		}
		a0 = mmscope_rnd(&r) % m->npages;
		n = 1 + mmscope_rnd(&r) % (m->npages - a0);
		switch (mmscope_rnd(&r) % 16) {
		case 0:
			munmap(m->p, m->npages * PG);
			m->p = NULL;
			op_inc(sh, OP_MUNMAP);
			break;
		case 1:
			if (a0) {
				munmap(m->p + a0 * PG, (m->npages - a0) * PG);
				m->npages = a0;
				op_inc(sh, OP_MUNMAP);
			}
			break;
		case 2:
		case 3:
			mprotect(m->p + a0 * PG, n * PG, prots[mmscope_rnd(&r) % 3]);
			m->mixed = 1;
			op_inc(sh, OP_MPROTECT);
			break;
		case 4:
			newn = 1 + mmscope_rnd(&r) % T1_MAX_PAGES;
			q = mremap(m->p, m->npages * PG, newn * PG, MREMAP_MAYMOVE);
			if (q == MAP_FAILED) {
				op_inc(sh, OP_MREMAP_FAILED);	/* several VMAs by now */
			} else {
				m->p = q;
				m->npages = newn;
				op_inc(sh, OP_MREMAP);
			}
			break;
		case 5:
			madvise(m->p + a0 * PG, n * PG, MADV_DONTNEED);
			op_inc(sh, OP_DONTNEED);
			break;
		case 6:
			if (m->shared) {
				madvise(m->p + a0 * PG, n * PG, MADV_REMOVE);
				op_inc(sh, OP_REMOVE);
			} else {
				madvise(m->p + a0 * PG, n * PG, MADV_FREE);
				op_inc(sh, OP_FREE);
			}
			break;
		case 7:
			if (pageout && madvise(m->p + a0 * PG, n * PG, MADV_PAGEOUT) &&
			    errno == EINVAL && !m->mixed)
				pageout = 0;	/* not on this kernel */
			else if (pageout)
				op_inc(sh, OP_PAGEOUT);
			break;
		case 8:
			madvise(m->p + a0 * PG, n * PG, MADV_COLD);
			op_inc(sh, OP_COLD);
			break;
		case 9:
			madvise(m->p + a0 * PG, n * PG,
				mmscope_rnd(&r) & 1 ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
			op_inc(sh, OP_HUGEPAGE);
			break;
		case 10:
			if (m->locked)
				munlock(m->p, m->npages * PG);
			else
				mlock(m->p + a0 * PG, (n > 8 ? 8 : n) * PG);
			m->locked = !m->locked;
			op_inc(sh, OP_MLOCK);
			break;
		default:
			slot_touch(sh, m, &r);
			break;
		}
	}
	return NULL;
}

static int thp_touched(size_t i)
{
	return i % T1_HOLE != T1_HOLE - 1;
}

/*
 * Keeps the MADV_HUGEPAGE region touched (holes stay empty) for khugepaged,
 * and now and then zaps one page of it, which splits the PMD so there is
 * something to collapse again.  Also MADV_COLLAPSE of its own region.
 */
static void *t1_thp(void *arg)
{
	struct t1_targ *a = arg;
	struct t1_shared *sh = a->sh;
	char *p = (char *)sh->thp_start;
	size_t i, npages = sh->thp_len / PG;
	double next_split = mmscope_now() + 1.5, next_collapse = mmscope_now() + 0.5;
	__u64 r = a->seed;
	int collapse = a->collapse != NULL;

	/* not SCHED_IDLE: it sleeps most of the time, and must keep up */
	while (mmscope_now() < a->limit) {
		for (i = 0; i < npages; i++) {
			if (thp_touched(i))
				p[i * PG]++;
			if (i % 256 == 255 && (mmscope_now() >= next_split ||
					       (collapse && mmscope_now() >= next_collapse)))
				break;	/* the round is slow (COW after forks) */
		}
		op_inc(sh, OP_THP_ROUND);
		if (mmscope_now() >= next_split) {
			i = (mmscope_rnd(&r) % npages) & ~(size_t)(T1_HOLE - 1);
			madvise(p + i * PG, PG, MADV_DONTNEED);
			op_inc(sh, OP_THP_SPLIT);
			next_split = mmscope_now() + 1.0;
		}
		if (collapse && mmscope_now() >= next_collapse) {
			i = mmscope_rnd(&r) % (HPAGE / PG);
			madvise(a->collapse + i * PG, PG, MADV_DONTNEED);
			a->collapse[((i + 1) % (HPAGE / PG)) * PG]++;
			if (!madvise(a->collapse, HPAGE, MADV_COLLAPSE)) {
				op_inc(sh, OP_COLLAPSE);
			} else {
				op_inc(sh, OP_COLLAPSE_FAILED);
				sh->collapse_errno = errno;
				if (errno == EINVAL)
					collapse = 0;	/* before 6.1, or THP off */
			}
			next_collapse = mmscope_now() + 0.5;
		}
		usleep(20000);
	}
	return NULL;
}

/* Children that COW part of the THP region and exit. */
static void *t1_forker(void *arg)
{
	struct t1_targ *a = arg;
	struct t1_shared *sh = a->sh;
	__u64 r = a->seed;
	size_t npages = sh->thp_len / PG;

	sched_idle();
	while (mmscope_now() < a->limit) {
		struct timespec ts = { 0, (1 + mmscope_rnd(&r) % 3) * 1000000 };
		pid_t c = fork();

		if (c == 0) {
			char *p = (char *)sh->thp_start, *q;
			int i;

			for (i = 0; i < 16; i++)
				p[(mmscope_rnd(&r) % npages) * PG] = 1;
			q = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (q != MAP_FAILED)
				memset(q, 1, 8 * PG);
			nanosleep(&ts, NULL);
			_exit(0);
		}
		if (c < 0) {
			usleep(10000);
			continue;
		}
		__atomic_store_n(&sh->child, c, __ATOMIC_RELAXED);
		waitpid(c, NULL, 0);
		op_inc(sh, OP_FORK);
	}
	return NULL;
}

/* A thread that maps, touches and unmaps (long)@arg pages, then exits. */
static void *short_thread(void *arg)
{
	size_t len = (long)arg * PG;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p != MAP_FAILED) {
		memset(p, 1, len);
		munmap(p, len);
	}
	return NULL;
}

/* Threads that fault and exit. */
static void *t1_churner(void *arg)
{
	struct t1_targ *a = arg;
	pthread_t t;

	sched_idle();
	while (mmscope_now() < a->limit) {
		if (pthread_create(&t, NULL, short_thread, (void *)8L)) {
			usleep(10000);
			continue;
		}
		pthread_join(t, NULL);
		op_inc(a->sh, OP_THREAD);
	}
	return NULL;
}

static void __attribute__((noreturn)) t1_target(struct t1_shared *sh, double limit)
{
	struct t1_targ a[T1_MUTATORS + 3];
	pthread_t t;
	char *raw, *p, *cp = NULL;
	size_t i;
	int n;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	sched_idle();
	raw = mmap(NULL, T1_THP_LEN + HPAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED) {
		snprintf(sh->why, sizeof(sh->why), "mmap: %s", strerror(errno));
		sh->ready = -1;
		_exit(1);
	}
	/* 4 KiB pages with holes first, then MADV_HUGEPAGE: for khugepaged */
	p = (char *)(((unsigned long)raw + HPAGE - 1) & ~(HPAGE - 1));
	madvise(p, T1_THP_LEN, MADV_NOHUGEPAGE);
	for (i = 0; i < T1_THP_LEN / PG; i++)
		if (thp_touched(i))
			p[i * PG] = 1;
	if (madvise(p, T1_THP_LEN, MADV_HUGEPAGE)) {
		snprintf(sh->why, sizeof(sh->why), "MADV_HUGEPAGE: %s", strerror(errno));
		sh->ready = -1;
		_exit(1);
	}
	sh->thp_start = (unsigned long)p;
	sh->thp_len = T1_THP_LEN;
	raw = mmap(NULL, 2 * HPAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw != MAP_FAILED) {
		cp = (char *)(((unsigned long)raw + HPAGE - 1) & ~(HPAGE - 1));
		memset(cp, 1, HPAGE);
	}
	for (n = 0; n < T1_MUTATORS + 3; n++) {
		a[n].sh = sh;
		a[n].limit = limit;
		a[n].seed = 0x9e3779b97f4a7c15UL * (n + 1);
		a[n].collapse = cp;
		if (pthread_create(&t, NULL, n < T1_MUTATORS ? t1_mutator :
				   n == T1_MUTATORS ? t1_thp :
				   n == T1_MUTATORS + 1 ? t1_forker : t1_churner, &a[n])) {
			snprintf(sh->why, sizeof(sh->why), "pthread_create: %s", strerror(errno));
			sh->ready = -1;
			_exit(1);
		}
	}
	__atomic_store_n(&sh->ready, 1, __ATOMIC_RELEASE);
	while (mmscope_now() < limit)	/* the test kills it long before */
		sleep(1);
	_exit(0);
}

enum {
	K1_WALK, K1_WALK_RUNS, K1_WALK_THP, K1_SUMMARY, K1_DFS_SUMMARY, K1_DFS_VMAS,
	K1_DFS_PAGETABLE, K1_ZONES, K1_BUDDY, K1_LRU, K1_STATS, K1_SLAB, K1_DFS_ZONES,
	K1_DFS_BUDDY, K1_DFS_LRU, K1_DFS_SLAB, K1_DFS_STATS, K1_CHILD_WALK,
	K1_CHILD_SUMMARY, K1_PAGEBLOCKS, K1_DFS_PAGEBLOCKS, K1_NR
};

static const char *const k1_names[K1_NR] = {
	"PT_WALK", "PT_WALK runs", "PT_WALK runs THP", "MM_SUMMARY", "debugfs summary",
	"debugfs vmas", "debugfs pagetable", "PHYS_ZONES", "PHYS_BUDDY", "PHYS_LRU",
	"PHYS_STATS", "PHYS_SLAB", "debugfs zones", "debugfs buddy", "debugfs lru",
	"debugfs slab", "debugfs stats", "PT_WALK child", "MM_SUMMARY child",
	"PHYS_PAGEBLOCKS", "debugfs pageblocks",
};

struct t1 {
	int fd;
	pid_t target;
	struct t1_shared *sh;
	volatile int stop;
	int target_dead;		/* SIGKILL sent: ESRCH from now on */
	__u64 limit;			/* end of the user address space */
	struct kstat k[K1_NR];
	long passes[3], recs[3];	/* complete walks: plain, runs, THP region */
	long thp_pmd_max, thp_pmd_walks;	/* PMD leaves in one walk of the region */
	long long anon_huge_max;
	long summary_rss_min, summary_rss_max;
	long dfs_lines_max[3];
};

static int target_dead(struct t1 *c)
{
	return __atomic_load_n(&c->target_dead, __ATOMIC_SEQ_CST);
}

/*
 * One walk of [start, end) of @pid, resumed at walk_end with room for @cap
 * records a call, checking what the ABI promises of every answer: progress,
 * records in order within [start, walk_end), a full buffer whenever the
 * walk stopped early, fields in range.  @pid may exit when @may_exit, else
 * only once the test killed it.  Returns 0 when the range was done, else the
 * errno of the call that ended it (EPROTO after noting a broken promise,
 * -1 when the test stopped).
 */
static int walk_pass(struct t1 *c, struct kstat *k, pid_t pid, __u32 flags, __u64 start,
		     __u64 end, struct mmscope_pt_rec *buf, unsigned int cap, int may_exit,
		     long *nrecs, long *pmds)
{
	static const int ok[] = { ESRCH, EINTR, 0 };
	__u64 cur = start;

	while (cur < end) {
		struct mmscope_pt_walk w;
		__u64 prev = cur;
		unsigned int i;
		int err;

		if (c->stop)
			return -1;
		mmscope_walk_init(&w, pid, flags, cur, end, buf, cap * sizeof(*buf));
		err = ioctl(c->fd, MMSCOPE_IOC_PT_WALK, &w) ? errno : 0;
		if (kcheck(k, err, ok, "PT_WALK")) {
			if (err == ESRCH && !may_exit && !target_dead(c))
				note_fail("%s: ESRCH while the target lives", k->name);
			if (err == ESRCH && !may_exit)
				usleep(1000);	/* it is gone: do not spin */
			return err;
		}
		if (w.nr_recs > cap || w.walk_end <= cur || w.walk_end > end ||
		    (w.walk_end < end && w.nr_recs != cap)) {
			note_fail("%s: pid %d [%#llx, %#llx) room %u: nr_recs %llu walk_end %#llx",
				  k->name, pid, (unsigned long long)cur, (unsigned long long)end,
				  cap, (unsigned long long)w.nr_recs,
				  (unsigned long long)w.walk_end);
			return EPROTO;
		}
		for (i = 0; i < w.nr_recs; i++) {
			const struct mmscope_pt_rec *r = &buf[i];
			__u64 max = r->level == MMSCOPE_LEVEL_PTE ? 1 :
				    r->level == MMSCOPE_LEVEL_PMD ? 512 : 512 * 512;

			if (r->addr < prev || r->addr % PG || !r->nr_pages ||
			    r->addr + r->nr_pages * PG > w.walk_end || r->vma_start > r->addr ||
			    r->level < MMSCOPE_LEVEL_PTE || r->level > MMSCOPE_LEVEL_PUD ||
			    r->type < MMSCOPE_ENTRY_PRESENT || r->type > MMSCOPE_ENTRY_OTHER ||
			    r->kind > MMSCOPE_KIND_SPECIAL ||
			    (!(flags & MMSCOPE_WALK_RUNS) && r->nr_pages > max)) {
				note_fail("%s: pid %d record %u of [%#llx, %#llx): addr %#llx pages %llu vma %#llx level %u type %u kind %u, previous end %#llx",
					  k->name, pid, i, (unsigned long long)cur,
					  (unsigned long long)w.walk_end,
					  (unsigned long long)r->addr,
					  (unsigned long long)r->nr_pages,
					  (unsigned long long)r->vma_start, r->level, r->type,
					  r->kind, (unsigned long long)prev);
				return EPROTO;
			}
			if (pmds && r->level == MMSCOPE_LEVEL_PMD &&
			    r->type == MMSCOPE_ENTRY_PRESENT)
				*pmds += (r->nr_pages + 511) / 512;
			prev = r->addr + r->nr_pages * PG;
		}
		*nrecs += w.nr_recs;
		cur = w.walk_end;
	}
	return 0;
}

static void *t1_walker(void *arg)
{
	struct t1 *c = arg;
	struct mmscope_pt_rec buf[7];
	long n = 0;

	sched_idle();
	while (!c->stop)
		if (!walk_pass(c, &c->k[K1_WALK], c->target, 0, 0, c->limit, buf, 7, 0,
			       &n, NULL)) {
			c->passes[0]++;
			c->recs[0] = n;
			n = 0;
		}
	return NULL;
}

static void *t1_run_walker(void *arg)
{
	struct t1 *c = arg;
	struct mmscope_pt_rec buf[3];
	long n = 0, m, pmds;

	sched_idle();
	while (!c->stop) {
		if (!walk_pass(c, &c->k[K1_WALK_RUNS], c->target, MMSCOPE_WALK_RUNS, 0, c->limit,
			       buf, 3, 0, &n, NULL)) {
			c->passes[1]++;
			c->recs[1] = n;
		}
		n = 0;
		/* the khugepaged region, two runs a call */
		m = pmds = 0;
		if (!walk_pass(c, &c->k[K1_WALK_THP], c->target, MMSCOPE_WALK_RUNS,
			       c->sh->thp_start, c->sh->thp_start + c->sh->thp_len, buf, 2, 0,
			       &m, &pmds)) {
			c->passes[2]++;
			c->recs[2] = m;
			c->thp_pmd_walks += pmds > 0;
			if (pmds > c->thp_pmd_max)
				c->thp_pmd_max = pmds;
		}
	}
	return NULL;
}

/* What one MM_SUMMARY must satisfy whatever the target does. */
static int summary_sane(const struct mmscope_mm_summary *s)
{
	return s->rss == s->rss_anon + s->rss_file + s->rss_shmem &&
	       s->anonymous == s->rss_anon &&
	       s->shared_clean + s->shared_dirty + s->private_clean + s->private_dirty == s->rss &&
	       s->pss <= s->rss && s->anon_huge <= s->rss_anon && s->lazyfree <= s->anonymous &&
	       s->referenced <= s->rss && s->ksm <= s->rss_anon && s->nr_vmas > 0;
}

static void *t1_summarizer(void *arg)
{
	static const int ok[] = { ESRCH, EINTR, 0 };
	struct t1 *c = arg;
	struct mmscope_mm_summary s;
	int err;

	sched_idle();
	while (!c->stop) {
		err = -mmscope_summary(c->fd, c->target, &s);
		if (kcheck(&c->k[K1_SUMMARY], err, ok, "MM_SUMMARY")) {
			if (err == ESRCH && !target_dead(c))
				note_fail("MM_SUMMARY: ESRCH while the target lives");
			usleep(1000);
			continue;
		}
		if (!summary_sane(&s)) {
			note_fail("MM_SUMMARY: rss %llu = anon %llu + file %llu + shmem %llu? anonymous %llu, clean/dirty %llu %llu %llu %llu, pss %llu, anon_huge %llu, vmas %llu",
				  (unsigned long long)s.rss, (unsigned long long)s.rss_anon,
				  (unsigned long long)s.rss_file, (unsigned long long)s.rss_shmem,
				  (unsigned long long)s.anonymous,
				  (unsigned long long)s.shared_clean,
				  (unsigned long long)s.shared_dirty,
				  (unsigned long long)s.private_clean,
				  (unsigned long long)s.private_dirty, (unsigned long long)s.pss,
				  (unsigned long long)s.anon_huge, (unsigned long long)s.nr_vmas);
			continue;
		}
		if ((long long)s.anon_huge > c->anon_huge_max)
			c->anon_huge_max = s.anon_huge;
		if (!c->summary_rss_min || (long)(s.rss >> 10) < c->summary_rss_min)
			c->summary_rss_min = s.rss >> 10;
		if ((long)(s.rss >> 10) > c->summary_rss_max)
			c->summary_rss_max = s.rss >> 10;
	}
	return NULL;
}

static void *t1_dfs_tasks(void *arg)
{
	static const char *const files[3] = { "summary", "vmas", "pagetable" };
	static const int ok[] = { ESRCH, EINTR, 0 };
	struct t1 *c = arg;
	char path[128], bad[200], *buf = malloc(FILE_BUF);
	long i, n;
	int f, err;

	if (!buf) {
		note_fail("malloc");
		return NULL;
	}
	sched_idle();
	for (i = 0; !c->stop; i++) {
		f = i % 3;
		snprintf(path, sizeof(path), TASKS_DIR "/%d/%s", c->target, files[f]);
		n = slurp(path, buf, FILE_BUF);
		err = n < 0 ? -n : 0;
		if (kcheck(&c->k[K1_DFS_SUMMARY + f], err, ok, path)) {
			if (err == ESRCH && !target_dead(c))
				note_fail("%s: ESRCH while the target lives", path);
			continue;
		}
		if (!mmscope_has_header(buf, files[f])) {
			note_fail("%s: no header: %.60s", path, buf);
			continue;
		}
		if (f == 0) {
			if (!target_dead(c) && !strstr(buf, "\nState: live\n"))
				note_fail("%s: not live while the target lives", path);
			continue;
		}
		n = check_ranges(buf, bad, sizeof(bad));
		if (n < 0)
			note_fail("%s: %s", path, bad);
		else if (n > c->dfs_lines_max[f])
			c->dfs_lines_max[f] = n;
	}
	free(buf);
	return NULL;
}

#define NR_PHYS_VIEWS	6

static const struct {
	unsigned long cmd;
	size_t rec;
	unsigned int cap;
	const char *file;
} phys_views[NR_PHYS_VIEWS] = {
	{ MMSCOPE_IOC_PHYS_ZONES, sizeof(struct mmscope_zone_rec), 32, "zones" },
	{ MMSCOPE_IOC_PHYS_BUDDY, sizeof(struct mmscope_buddy_rec), 32, "buddy" },
	{ MMSCOPE_IOC_PHYS_LRU, sizeof(struct mmscope_lru_rec), 256, "lru" },
	{ MMSCOPE_IOC_PHYS_STATS, sizeof(struct mmscope_phys_stat_rec), 8, "stats" },
	{ MMSCOPE_IOC_PHYS_SLAB, sizeof(struct mmscope_slab_rec), 1024, "slab" },
	{ MMSCOPE_IOC_PHYS_PAGEBLOCKS, sizeof(struct mmscope_pageblock_rec), 2048, "pageblocks" },
};

static const int phys_kinds[NR_PHYS_VIEWS] = {
	K1_ZONES, K1_BUDDY, K1_LRU, K1_STATS, K1_SLAB, K1_PAGEBLOCKS,
};
static const int phys_file_kinds[NR_PHYS_VIEWS] = {
	K1_DFS_ZONES, K1_DFS_BUDDY, K1_DFS_LRU, K1_DFS_STATS, K1_DFS_SLAB, K1_DFS_PAGEBLOCKS,
};

/* The physical-memory snapshots: counting only, one record, all of them. */
static void *t1_phys(void *arg)
{
	static const int ok[] = { EINTR, ENOMEM, 0 };
	static const int ok_slab[] = { EINTR, ENOMEM, ENODATA, 0 };
	struct t1 *c = arg;
	void *buf = malloc(1024 * sizeof(struct mmscope_slab_rec));
	struct mmscope_phys_snap s;
	unsigned int v, cap;
	__u64 want, i;
	long it;
	int err;

	if (!buf) {
		note_fail("malloc");
		return NULL;
	}
	sched_idle();
	for (it = 0; !c->stop; it++) {
		v = it % NR_PHYS_VIEWS;
		cap = (it / NR_PHYS_VIEWS) % 3 == 0 ? 0 : (it / NR_PHYS_VIEWS) % 3 == 1 ? 1 :
		      phys_views[v].cap;
		memset(&s, 0, sizeof(s));
		s.size = sizeof(s);
		s.rec_size = phys_views[v].rec;
		s.buf = (unsigned long)buf;
		s.buf_len = cap * phys_views[v].rec;
		err = ioctl(c->fd, phys_views[v].cmd, &s) ? errno : 0;
		if (kcheck(&c->k[phys_kinds[v]], err, v == 4 ? ok_slab : ok, "snapshot"))
			continue;
		want = s.nr_total < cap ? s.nr_total : cap;
		if (s.nr_recs != want || !s.nr_total ||
		    (v == 3 && s.nr_total != MMSCOPE_VIEW_NR)) {
			note_fail("%s: room %u, nr_recs %llu, nr_total %llu", k1_names[phys_kinds[v]],
				  cap, (unsigned long long)s.nr_recs,
				  (unsigned long long)s.nr_total);
			continue;
		}
		if (v == 0)
			for (i = 0; i < s.nr_recs; i++) {
				const struct mmscope_zone_rec *z =
					(const struct mmscope_zone_rec *)buf + i;

				if (z->managed > z->present || z->present > z->spanned ||
				    z->nr_zones > MMSCOPE_MAX_ZONES)
					note_fail("zone %u %.16s: managed %llu present %llu spanned %llu",
						  z->zone, z->name, (unsigned long long)z->managed,
						  (unsigned long long)z->present,
						  (unsigned long long)z->spanned);
			}
	}
	free(buf);
	return NULL;
}

static void *t1_dfs_phys(void *arg)
{
	static const int ok[] = { EINTR, ENOMEM, 0 };
	struct t1 *c = arg;
	char path[128], *buf = malloc(FILE_BUF);
	unsigned int v;
	long it, n;

	if (!buf) {
		note_fail("malloc");
		return NULL;
	}
	sched_idle();
	for (it = 0; !c->stop; it++) {
		v = it % NR_PHYS_VIEWS;
		snprintf(path, sizeof(path), MMSCOPE_DEBUGFS "/%s", phys_views[v].file);
		n = slurp(path, buf, FILE_BUF);
		if (kcheck(&c->k[phys_file_kinds[v]], n < 0 ? -n : 0, ok, path))
			continue;
		if (!mmscope_has_header(buf, phys_views[v].file))
			note_fail("%s: no header: %.60s", path, buf);
	}
	free(buf);
	return NULL;
}

/* The target's children: they come and go, so ESRCH any time. */
static void *t1_children(void *arg)
{
	static const int ok[] = { ESRCH, EINTR, 0 };
	struct t1 *c = arg;
	struct mmscope_pt_rec buf[16];
	struct mmscope_mm_summary s;
	pid_t pid, gone = 0;
	long n = 0;
	int err;

	sched_idle();
	while (!c->stop) {
		pid = __atomic_load_n(&c->sh->child, __ATOMIC_RELAXED);
		if (pid <= 0 || pid == gone) {
			usleep(1000);	/* wait for the next child */
			continue;
		}
		err = walk_pass(c, &c->k[K1_CHILD_WALK], pid, MMSCOPE_WALK_RUNS, 0, c->limit, buf,
				16, 1, &n, NULL);
		if (err == ESRCH)
			gone = pid;
		err = -mmscope_summary(c->fd, pid, &s);
		if (err == ESRCH)
			gone = pid;
		if (!kcheck(&c->k[K1_CHILD_SUMMARY], err, ok, "MM_SUMMARY") && !summary_sane(&s))
			note_fail("MM_SUMMARY of child %d: rss %llu vs split %llu/%llu/%llu", pid,
				  (unsigned long long)s.rss, (unsigned long long)s.rss_anon,
				  (unsigned long long)s.rss_file, (unsigned long long)s.rss_shmem);
	}
	return NULL;
}

static __u64 user_limit(int fd)
{
	struct mmscope_api api;

	memset(&api, 0, sizeof(api));
	api.size = sizeof(api);
	if (ioctl(fd, MMSCOPE_IOC_GET_API, &api))
		return 0;
	return 1ULL << (api.pgtable_levels == 5 ? 56 : 47);
}

#define T1_PROGRESS_WAIT 120	/* s x MMSCOPE_TIMEOUT_SCALE: at most this for every kind of call */

/*
 * What walks_vs_mutations still waits for before it kills the target: a
 * complete walk of each kind and a successful call of each view, or NULL.
 */
static const char *t1_missing(struct t1 *c)
{
	unsigned int i;

	for (i = 0; i < 2; i++)
		if (!__atomic_load_n(&c->passes[i], __ATOMIC_RELAXED))
			return i ? "a complete PT_WALK with runs" : "a complete plain PT_WALK";
	for (i = 0; i < K1_NR; i++) {
		if (i == K1_SLAB && __atomic_load_n(&c->k[i].err[ENODATA], __ATOMIC_RELAXED))
			continue;	/* loaded without the slab layout */
		if (!__atomic_load_n(&c->k[i].err[0], __ATOMIC_RELAXED))
			return k1_names[i];
	}
	return NULL;
}

TEST_F_TIMEOUT(stress, walks_vs_mutations, 300)
{
	static void *(*const fns[])(void *) = {
		t1_walker, t1_run_walker, t1_summarizer, t1_dfs_tasks, t1_phys, t1_dfs_phys,
		t1_children,
	};
	double secs = mmscope_env_long("MMSCOPE_STRESS_SECS", 15), t0, t_kill, t_end, took;
	long coll0, coll1, scans0, scans1, ops_total = 0;
	char why[256], cur[64], path[128], buf[4096];
	struct mmscope_pt_rec recs[8];
	struct mmscope_mm_summary s;
	struct mmscope_pt_walk w;
	struct t1 *c;
	unsigned int i;
	pid_t pid;
	int ret;

	SKIP_IF_LEFT_OUT();
	c = calloc(1, sizeof(*c));
	ASSERT_NE(NULL, c);
	for (i = 0; i < K1_NR; i++)
		c->k[i].name = k1_names[i];
	self->fd = c->fd = mmscope_open();
	ASSERT_LE(0, c->fd) {
		TH_LOG("open %s: %s", MMSCOPE_DEV, strerror(-c->fd));
	}
	ASSERT_TRUE(mmscope_has_process_memory(c->fd) && mmscope_has_faults(c->fd))
		TH_LOG("module lacks process memory or faults");
	c->limit = user_limit(c->fd);
	ASSERT_NE(0, c->limit);

	/* swap makes MADV_PAGEOUT of anonymous and shmem pages do something */
	if (mmscope_zram_swap_on(&self->swap, why, sizeof(why)))
		TH_LOG("no swap (%s): MADV_PAGEOUT leaves anonymous pages in place", why);

	/* khugepaged: THP on (madvise at least), scanning often and much */
	ret = mmscope_read_line(THP_DIR "/enabled", buf, sizeof(buf));
	if (ret)
		TH_LOG("no THP (%s): nothing for khugepaged to collapse", strerror(-ret));
	else if (strstr(buf, "[never]") && knob_set(self, THP_DIR "/enabled", "madvise"))
		TH_LOG("cannot set THP enabled=madvise");
	knob_set(self, KHP_DIR "/scan_sleep_millisecs", "10");
	knob_set(self, KHP_DIR "/alloc_sleep_millisecs", "10");
	knob_set(self, KHP_DIR "/pages_to_scan", "16384");
	mmscope_read_line(THP_DIR "/enabled", cur, sizeof(cur));
	coll0 = read_long(KHP_DIR "/pages_collapsed");
	scans0 = read_long(KHP_DIR "/full_scans");

	c->sh = mmap(NULL, sizeof(*c->sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		     -1, 0);
	ASSERT_NE(MAP_FAILED, c->sh);
	t0 = mmscope_now();
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		t1_target(c->sh, t0 + secs + T1_PROGRESS_WAIT * mmscope_timeout_scale() + 60);
	add_kid(self, pid, 1);
	c->target = pid;
	while (!__atomic_load_n(&c->sh->ready, __ATOMIC_ACQUIRE) && mmscope_now() < t0 + 60 &&
	       waitpid(pid, NULL, WNOHANG) != pid)
		usleep(10000);
	ASSERT_EQ(1, c->sh->ready) {
		TH_LOG("target setup: %s", c->sh->why);
	}
	ret = mmscope_track_ioc(c->fd, pid, 0);
	ASSERT_EQ(0, ret) {
		TH_LOG("TRACK %d: %s", pid, strerror(-ret));
	}
	self->untrack = 1;

	self->stop = &c->stop;
	t0 = mmscope_now();
	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		ASSERT_EQ(0, start_thread(self, fns[i], c));
	/* the last second: the target is killed under the walkers */
	t_end = t0 + secs;
	t_kill = t_end - (secs > 10 ? 1.0 : secs / 10);
	sleep_until(t_kill);
	/*
	 * Every walker must have finished a walk and every view answered once
	 * before the target dies, however slow the guest: on the debug kernel a
	 * plain walk (some 400 calls of 7 records) by an idle-class thread
	 * among a dozen others took longer than the whole run once.  Wait for
	 * that progress, not for a fixed time; the wait is bounded.
	 */
	while (t1_missing(c) &&
	       mmscope_now() < t_kill + T1_PROGRESS_WAIT * mmscope_timeout_scale())
		usleep(100000);
	if (mmscope_now() - t_kill >= 0.1)
		TH_LOG("every kind of call done after %.1f s (%.1f s more than planned)",
		       mmscope_now() - t0, mmscope_now() - t_kill);
	t_end += mmscope_now() - t_kill;
	__atomic_store_n(&c->target_dead, 1, __ATOMIC_SEQ_CST);
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	forget_kid(self, pid);
	sleep_until(t_end);
	stop_threads(self);
	took = mmscope_now() - t0;
	coll1 = read_long(KHP_DIR "/pages_collapsed");
	scans1 = read_long(KHP_DIR "/full_scans");

	TH_LOG("%.1f s (MMSCOPE_STRESS_SECS=%.0f), THP enabled: %s", took, secs, cur);
	TH_LOG("target %d, operations of its threads:", pid);
	for (i = 0; i < OP_NR; i++) {
		TH_LOG("  %-18s %7ld", op_names[i], c->sh->ops[i]);
		ops_total += c->sh->ops[i];
	}
	TH_LOG("module calls of the walker threads:");
	for (i = 0; i < K1_NR; i++)
		kstat_log(_metadata, &c->k[i], took);
	TH_LOG("complete walks: %ld plain (last %ld records), %ld runs (last %ld), %ld of the THP region (last %ld runs)",
	       c->passes[0], c->recs[0], c->passes[1], c->recs[1], c->passes[2], c->recs[2]);
	TH_LOG("THP region: PMD leaves seen in %ld walks, at most %ld of %lu; AnonHugePages up to %lld kB; Rss %ld..%ld kB",
	       c->thp_pmd_walks, c->thp_pmd_max, T1_THP_LEN / HPAGE, c->anon_huge_max >> 10,
	       c->summary_rss_min, c->summary_rss_max);
	TH_LOG("debugfs: up to %ld vmas lines, %ld pagetable lines", c->dfs_lines_max[1],
	       c->dfs_lines_max[2]);
	TH_LOG("khugepaged pages_collapsed %ld -> %ld, full_scans %ld -> %ld", coll0, coll1,
	       scans0, scans1);
	if (c->sh->ops[OP_COLLAPSE_FAILED])
		TH_LOG("MADV_COLLAPSE last failed with %s", errname(c->sh->collapse_errno));
	if (coll1 <= coll0)
		TH_LOG("khugepaged collapsed nothing during the run (logged, not asserted)");
	expect_no_fails(_metadata);
	EXPECT_LT(0, ops_total);
	EXPECT_TRUE(!t1_missing(c)) {
		TH_LOG("after %.0f s: no %s", took, t1_missing(c));
	}
	EXPECT_LT(0, c->passes[0]);
	EXPECT_LT(0, c->passes[1]);
	for (i = 0; i < K1_NR; i++) {
		if (i == K1_SLAB && c->k[i].err[ENODATA])
			continue;	/* loaded without the slab layout */
		EXPECT_LT(0, c->k[i].err[0]) {
			TH_LOG("no successful %s", k1_names[i]);
		}
	}

	/* reaped: every view of it says so */
	mmscope_walk_init(&w, pid, 0, 0, c->limit, recs, sizeof(recs));
	EXPECT_EQ(-1, ioctl(c->fd, MMSCOPE_IOC_PT_WALK, &w));
	EXPECT_EQ(ESRCH, errno);
	mmscope_walk_init(&w, pid, MMSCOPE_WALK_RUNS, 0, c->limit, recs, sizeof(recs));
	EXPECT_EQ(-1, ioctl(c->fd, MMSCOPE_IOC_PT_WALK, &w));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-ESRCH, mmscope_summary(c->fd, pid, &s));
	snprintf(path, sizeof(path), TASKS_DIR "/%d/pagetable", pid);
	EXPECT_EQ(-ESRCH, slurp(path, buf, sizeof(buf)));
	snprintf(path, sizeof(path), TASKS_DIR "/%d/summary", pid);
	EXPECT_LT(0, slurp(path, buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "\nState: exited\n"));
	snprintf(path, sizeof(path), TASKS_DIR "/%d/vmas", pid);
	EXPECT_LT(0, slurp(path, buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "# process exited"));
	EXPECT_EQ(0, mmscope_track_ioc(c->fd, pid, MMSCOPE_TRACK_REMOVE));
	munmap(c->sh, sizeof(*c->sh));
	free(c);
}

/* ==== 2. fault tracking while threads exit and children exec =============== */

/* Mode of the test binary exec()ed by a tracked process's children. */
static void *exec_mode_thread(void *arg)
{
	for (;;) {
		char *p = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p != MAP_FAILED) {
			memset(p, 1, 16 * PG);
			munmap(p, 16 * PG);
		}
	}
	return NULL;
}

/*
 * $MMSCOPE_STRESS_EXEC=1: threads fault while the main thread execs
 * /bin/true (de_thread() kills them); =2: fault, fork a child that faults,
 * exit.  Before main(): the harness never starts.
 */
static void __attribute__((constructor)) stress_exec_mode(void)
{
	static char *const argv[] = { "true", NULL }, *const envp[] = { NULL };
	const char *mode = getenv(EXEC_ENV);
	pthread_t t;
	char *p;
	pid_t pid;
	int i;

	if (!mode)
		return;
	p = mmap(NULL, 32 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(2);
	memset(p, 1, 32 * PG);
	if (!strcmp(mode, "1")) {
		for (i = 0; i < 2; i++)
			pthread_create(&t, NULL, exec_mode_thread, NULL);
		usleep(2000);
		execve("/bin/true", argv, envp);
		_exit(127);
	}
	pid = fork();
	if (pid == 0) {
		memset(p, 2, 32 * PG);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	_exit(0);
}

enum { P_THREADS, P_EXECS, P_EXEC_FAILED, P_SEGV, P_TOUCH, P_NR };
static const char *const p_names[P_NR] = {
	"threads+exit", "fork+exec", "exec failed", "sigsegv", "touch rounds",
};

struct t2_shared {
	long ops[P_NR];
};

struct t2_targ {
	struct t2_shared *sh;
	double limit;
	int kind;
};

static __thread sigjmp_buf segv_env;
static __thread volatile int segv_armed;

static void on_segv(int sig)
{
	if (!segv_armed) {
		signal(SIGSEGV, SIG_DFL);	/* a real crash: die of it */
		return;
	}
	siglongjmp(segv_env, 1);
}

static void *t2_churner(void *arg)
{
	struct t2_targ *a = arg;
	pthread_t t[3];
	int i, n;

	while (mmscope_now() < a->limit) {
		for (n = 0; n < 3 && !pthread_create(&t[n], NULL, short_thread, (void *)16L); n++)
			;
		for (i = 0; i < n; i++)
			pthread_join(t[i], NULL);
		__atomic_add_fetch(&a->sh->ops[P_THREADS], n, __ATOMIC_RELAXED);
		if (!n)
			usleep(10000);
	}
	return NULL;
}

/* Children that exec: the test binary in either mode, or /bin/true. */
static void *t2_execer(void *arg)
{
	static char *const self_argv[] = { "stress_test", NULL };
	static char *const true_argv[] = { "true", NULL };
	static char *const env1[] = { EXEC_ENV "=1", NULL }, *const env2[] = { EXEC_ENV "=2", NULL };
	static char *const env0[] = { NULL };
	struct t2_targ *a = arg;
	unsigned int n;
	int status;

	for (n = a->kind; mmscope_now() < a->limit; n++) {
		pid_t c = fork();

		if (c == 0) {
			if (n % 3 == 0)
				execve("/proc/self/exe", self_argv, env1);
			else if (n % 3 == 1)
				execve("/proc/self/exe", self_argv, env2);
			else
				execve("/bin/true", true_argv, env0);
			_exit(127);
		}
		if (c < 0) {
			usleep(10000);
			continue;
		}
		if (waitpid(c, &status, 0) == c && (!WIFEXITED(status) || WEXITSTATUS(status)))
			__atomic_add_fetch(&a->sh->ops[P_EXEC_FAILED], 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&a->sh->ops[P_EXECS], 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* SIGSEGV on a PROT_NONE page: the signal probe's faults. */
static void *t2_segv(void *arg)
{
	struct t2_targ *a = arg;
	char *p = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	while (mmscope_now() < a->limit) {
		if (!sigsetjmp(segv_env, 1)) {
			segv_armed = 1;
			*(volatile char *)p = 1;
		}
		segv_armed = 0;
		__atomic_add_fetch(&a->sh->ops[P_SEGV], 1, __ATOMIC_RELAXED);
		usleep(2000);
	}
	return NULL;
}

static void __attribute__((noreturn)) t2_target(struct t2_shared *sh, int ready, int go,
						double limit)
{
	struct sigaction sa = { .sa_handler = on_segv };
	struct t2_targ a[4];
	pthread_t t;
	int mfd, i;
	char c = 1;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	mfd = memfd_create("mmscope-stress", MFD_CLOEXEC);
	if (mfd >= 0 && ftruncate(mfd, 64 * PG))
		_exit(1);
	/* quiet until tracked: the test compares its stream with its counters */
	if (write(ready, &c, 1) != 1 || read(go, &c, 1) != 1)
		_exit(1);
	for (i = 0; i < 4; i++) {
		a[i].sh = sh;
		a[i].limit = limit;
		a[i].kind = i;
		pthread_create(&t, NULL, i == 0 ? t2_churner : i == 3 ? t2_segv : t2_execer,
			       &a[i]);
	}
	while (mmscope_now() < limit) {
		char *p = mmap(NULL, 32 * PG, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		char *q = mfd < 0 ? MAP_FAILED : mmap(NULL, 64 * PG, PROT_READ | PROT_WRITE,
						      MAP_SHARED, mfd, 0);

		if (p != MAP_FAILED) {
			for (i = 0; i < 32; i++) {
				c += p[i * PG];		/* the zero page, then a write */
				p[i * PG] = c;
			}
			munmap(p, 32 * PG);
		}
		if (q != MAP_FAILED) {
			for (i = 0; i < 64; i++)
				q[i * PG]++;
			madvise(q, 64 * PG, MADV_REMOVE);
			munmap(q, 64 * PG);
		}
		__atomic_add_fetch(&sh->ops[P_TOUCH], 1, __ATOMIC_RELAXED);
		usleep(1000);
	}
	_exit(0);
}

enum {
	K2_STATS, K2_STATS_CHILD, K2_READ_A, K2_POLL_B, K2_READ_B, K2_DFS_FAULTS,
	K2_DFS_CHILD, K2_TRACK_LIST, K2_UNTRACK, K2_NR
};

static const char *const k2_names[K2_NR] = {
	"FAULT_STATS", "FAULT_STATS child", "read() stream A", "poll() stream B",
	"read() stream B", "debugfs faults", "debugfs faults child", "debugfs track",
	"untrack exited child",
};

#define T2_RING_A	4096
#define T2_RING_B	64	/* small: drops */
#define T2_PROGRESS_WAIT 120	/* s x MMSCOPE_TIMEOUT_SCALE: at most this for every kind of operation */

struct t2 {
	int fd, afd, bfd;
	pid_t target;
	volatile int stop;
	struct kstat k[K2_NR];
	long evs_a, evs_b, drops_a, drops_b;	/* records read, their "dropped" */
	long skewed, max_skew;			/* live snapshots not adding up */
	long exited_checked, children_seen, max_listed;
	pid_t child_hint;			/* a child seen in the track list */
};

static void *t2_stats(void *arg)
{
	static const int ok_child[] = { ENOENT, 0 };
	struct t2 *c = arg;
	struct mmscope_fault_stats s;
	char who[64];
	long i;
	pid_t p;
	int err;

	for (i = 0; !c->stop; i++) {
		err = -mmscope_fault_stats(c->fd, c->target, &s);
		if (!kcheck(&c->k[K2_STATS], err, no_errnos, "FAULT_STATS"))
			check_fault_stats(&s, "FAULT_STATS of the target", &c->skewed,
					  &c->max_skew);
		p = __atomic_load_n(&c->child_hint, __ATOMIC_RELAXED);
		if (!(i % 4) && p > 0) {
			err = -mmscope_fault_stats(c->fd, p, &s);
			snprintf(who, sizeof(who), "FAULT_STATS of child %d", p);
			if (!kcheck(&c->k[K2_STATS_CHILD], err, ok_child, who))
				check_fault_stats(&s, who, &c->skewed, &c->max_skew);
		}
	}
	return NULL;
}

static int check_events(const struct mmscope_fault_event *ev, long n, pid_t only,
			const char *who, long *drops)
{
	long i;

	for (i = 0; i < n; i++) {
		if (!event_ok(&ev[i]) || (only && ev[i].pid != (__u32)only)) {
			note_fail("%s: record pid %u tid %u origin %u access %u result %u memory %u cause %u",
				  who, ev[i].pid, ev[i].tid, ev[i].origin, ev[i].access,
				  ev[i].result, ev[i].memory, ev[i].cause);
			return -1;
		}
		*drops += ev[i].dropped;
	}
	return 0;
}

/* Stream A, every tracked process: blocking read(). */
static void *t2_reader_a(void *arg)
{
	static const int ok[] = { EINTR, 0 };
	struct t2 *c = arg;
	struct mmscope_fault_event ev[32];
	ssize_t n;

	while (!c->stop) {
		n = read(c->afd, ev, sizeof(ev));
		if (kcheck(&c->k[K2_READ_A], n < 0 ? errno : 0, ok, "read"))
			continue;
		if (!n || n % sizeof(ev[0])) {
			note_fail("stream A: read returned %zd", n);
			continue;
		}
		c->evs_a += n / sizeof(ev[0]);
		check_events(ev, n / sizeof(ev[0]), 0, "stream A", &c->drops_a);
	}
	return NULL;
}

/* Read a non-blocking stream until EAGAIN; records read, or -1. */
static long drain_stream(int fd, struct kstat *k, pid_t only, const char *who, long *drops)
{
	static const int ok[] = { EAGAIN, EINTR, 0 };
	struct mmscope_fault_event ev[32];
	long total = 0;
	ssize_t n;

	for (;;) {
		n = read(fd, ev, sizeof(ev));
		if (k && kcheck(k, n < 0 ? errno : 0, ok, "read"))
			return total;
		if (n < 0)
			return errno == EAGAIN ? total : -1;
		if (!n || n % sizeof(ev[0])) {
			note_fail("%s: read returned %zd", who, n);
			return -1;
		}
		total += n / sizeof(ev[0]);
		if (check_events(ev, n / sizeof(ev[0]), only, who, drops))
			return -1;
	}
}

/* Stream B, the target only, a small ring: poll() then drain. */
static void *t2_reader_b(void *arg)
{
	static const int ok[] = { EINTR, 0 };
	struct t2 *c = arg;
	struct pollfd p;
	long n;
	int r;

	while (!c->stop) {
		p.fd = c->bfd;
		p.events = POLLIN;
		p.revents = 0;
		r = poll(&p, 1, 100);
		if (kcheck(&c->k[K2_POLL_B], r < 0 ? errno : 0, ok, "poll") || !r)
			continue;
		if (!(p.revents & POLLIN)) {
			note_fail("stream B: poll revents %#x", p.revents);
			continue;
		}
		n = drain_stream(c->bfd, &c->k[K2_READ_B], c->target, "stream B", &c->drops_b);
		if (n > 0)
			c->evs_b += n;
	}
	return NULL;
}

/* One faults file; @may_vanish for children the reaper untracks. */
static void t2_faults_file(struct t2 *c, pid_t pid, struct kstat *k, int may_vanish,
			   char *buf)
{
	static const int ok[] = { EINTR, 0 };
	static const int ok_vanish[] = { ENOENT, EIO, EINTR, 0 };
	unsigned long long total = 0, axis[5];
	char path[96];
	int exited = 0, a;
	long n;

	snprintf(path, sizeof(path), TASKS_DIR "/%d/faults", pid);
	n = slurp(path, buf, 65536);
	if (kcheck(k, n < 0 ? -n : 0, may_vanish ? ok_vanish : ok, path))
		return;
	if (!mmscope_has_header(buf, "faults") || parse_faults_file(buf, &exited, &total, axis)) {
		note_fail("%s: malformed: %.80s", path, buf);
		return;
	}
	for (a = 0; a < 5; a++) {
		if (axis[a] == total)
			continue;
		if (exited)
			note_fail("%s (exited): axis %d adds up to %llu, total %llu", path, a,
				  axis[a], total);
		else
			__atomic_add_fetch(&c->skewed, 1, __ATOMIC_RELAXED);
		break;
	}
}

static void *t2_dfs(void *arg)
{
	struct t2 *c = arg;
	char *buf = malloc(65536);
	pid_t p;
	long i;

	if (!buf) {
		note_fail("malloc");
		return NULL;
	}
	for (i = 0; !c->stop; i++) {
		t2_faults_file(c, c->target, &c->k[K2_DFS_FAULTS], 0, buf);
		p = __atomic_load_n(&c->child_hint, __ATOMIC_RELAXED);
		if (p > 0)
			t2_faults_file(c, p, &c->k[K2_DFS_CHILD], 1, buf);
		usleep(1000);
	}
	free(buf);
	return NULL;
}

/*
 * Children tracked with the target stay listed after they exit: check the
 * exited ones' frozen counters, then untrack them (ioctl and debugfs in
 * turn), so the table does not stay full.
 */
static void *t2_reaper(void *arg)
{
	static const int ok[] = { ENOENT, 0 };
	struct t2 *c = arg;
	pid_t pids[MMSCOPE_TRACK_MAX * 2];
	int exited[MMSCOPE_TRACK_MAX * 2], n, i, err;
	struct mmscope_fault_stats s;
	char who[64], cmd[24];
	long round;

	for (round = 0; !c->stop; round++) {
		n = list_tracked(&c->k[K2_TRACK_LIST], pids, exited, &c->max_listed);
		if (n < 0)
			continue;
		for (i = 0; i < n && i < MMSCOPE_TRACK_MAX * 2; i++) {
			if (pids[i] == c->target)
				continue;
			c->children_seen++;
			if (!exited[i]) {
				__atomic_store_n(&c->child_hint, pids[i], __ATOMIC_RELAXED);
				continue;
			}
			snprintf(who, sizeof(who), "FAULT_STATS of exited child %d", pids[i]);
			err = -mmscope_fault_stats(c->fd, pids[i], &s);
			if (kcheck(&c->k[K2_STATS_CHILD], err, no_errnos, who))
				continue;
			if (!(s.flags & MMSCOPE_FAULT_EXITED))
				note_fail("%s: listed exited, no MMSCOPE_FAULT_EXITED", who);
			if (!check_fault_stats(&s, who, &c->skewed, &c->max_skew))
				c->exited_checked++;
			if (round & 1) {
				err = -mmscope_track_ioc(c->fd, pids[i], MMSCOPE_TRACK_REMOVE);
			} else {
				snprintf(cmd, sizeof(cmd), "-%d", pids[i]);
				err = -mmscope_write_file(TRACK_FILE, cmd);
			}
			kcheck(&c->k[K2_UNTRACK], err, ok, "untrack");
		}
		usleep(50000);
	}
	return NULL;
}

TEST_F_TIMEOUT(stress, faults_vs_exit_exec, 300)
{
	static void *(*const fns[])(void *) = {
		t2_stats, t2_reader_a, t2_reader_b, t2_dfs, t2_reaper,
	};
	double secs = mmscope_env_long("MMSCOPE_STRESS_SECS", 15) * 2.0 / 3, t0, took;
	struct mmscope_fault_stream sa = { 0 }, sb = { 0 };
	struct mmscope_fault_stats st0, st;
	struct t2_shared *sh;
	char buf[65536], path[96], *l;
	int ready[2], go[2], ret, status;
	long skewed, dropped_children = -1;
	struct t2 *c;
	unsigned int i;
	pid_t pid;
	char ch = 1;

	SKIP_IF_LEFT_OUT();
	c = calloc(1, sizeof(*c));
	ASSERT_NE(NULL, c);
	for (i = 0; i < K2_NR; i++)
		c->k[i].name = k2_names[i];
	c->afd = c->bfd = -1;
	self->fd = c->fd = mmscope_open();
	ASSERT_LE(0, c->fd);
	ASSERT_TRUE(mmscope_has_faults(c->fd)) TH_LOG("module lacks MMSCOPE_FEATURE_FAULTS");
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	t0 = mmscope_now();
	pid = fork();
	ASSERT_LE(0, pid);
	/* the target's threads run until it is killed (the limit is a backstop) */
	if (pid == 0)
		t2_target(sh, ready[1], go[0], t0 + secs + T2_PROGRESS_WAIT * mmscope_timeout_scale() + 60);
	add_kid(self, pid, 1);
	c->target = pid;
	ASSERT_EQ(1, read(ready[0], &ch, 1));

	/* tracked, streams open, a baseline: then it may run */
	ret = mmscope_track_ioc(c->fd, pid, MMSCOPE_TRACK_CHILDREN);
	ASSERT_EQ(0, ret) {
		TH_LOG("TRACK %d with children: %s", pid, strerror(-ret));
	}
	self->untrack = 1;
	c->afd = open(MMSCOPE_DEV, O_RDWR | O_CLOEXEC);
	c->bfd = open(MMSCOPE_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, c->afd);
	ASSERT_LE(0, c->bfd);
	ASSERT_EQ(0, mmscope_fault_stream(c->afd, 0, T2_RING_A, NULL));
	ASSERT_EQ(0, mmscope_fault_stream(c->bfd, pid, T2_RING_B, NULL));
	ASSERT_EQ(0, mmscope_fault_stats(c->fd, pid, &st0));
	self->stop = &c->stop;
	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		ASSERT_EQ(0, start_thread(self, fns[i], c));
	t0 = mmscope_now();
	ASSERT_EQ(1, write(go[1], &ch, 1));
	sleep_until(t0 + secs);
	/*
	 * Every kind of operation must have happened at least once before the
	 * target dies, however slow the guest: on the debug kernel under one
	 * emulated CPU a fork+exec can take seconds.  Wait for that progress,
	 * not for a fixed time; the test's own limit bounds the wait.
	 */
	while (!(sh->ops[P_EXECS] && sh->ops[P_THREADS] && sh->ops[P_SEGV] && sh->ops[P_TOUCH] &&
		 __atomic_load_n(&c->exited_checked, __ATOMIC_RELAXED)) &&
	       mmscope_now() < t0 + secs + T2_PROGRESS_WAIT * mmscope_timeout_scale())
		usleep(100000);
	TH_LOG("every kind of operation seen, and an exited child checked, after %.1f s",
	       mmscope_now() - t0);

	/* the target and every descendant die; then its counters are final */
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	forget_kid(self, pid);
	reap_all(10);
	usleep(300000);		/* late children: listed by a work item */
	stop_threads(self);
	took = mmscope_now() - t0;

	/* what is left in the rings */
	ASSERT_EQ(0, fcntl(c->afd, F_SETFL, O_NONBLOCK));
	ret = drain_stream(c->afd, NULL, 0, "stream A", &c->drops_a);
	ASSERT_LE(0, ret);
	c->evs_a += ret;
	ret = drain_stream(c->bfd, NULL, pid, "stream B", &c->drops_b);
	ASSERT_LE(0, ret);
	c->evs_b += ret;
	ASSERT_EQ(0, mmscope_fault_stream(c->afd, 0, T2_RING_A, &sa));
	ASSERT_EQ(0, mmscope_fault_stream(c->bfd, pid, T2_RING_B, &sb));
	ASSERT_EQ(0, mmscope_fault_stats(c->fd, pid, &st));
	skewed = c->skewed;
	check_fault_stats(&st, "FAULT_STATS of the dead target", &c->skewed, &c->max_skew);
	snprintf(path, sizeof(path), TASKS_DIR "/%d/faults", pid);
	l = slurp(path, buf, sizeof(buf)) > 0 ? strstr(buf, "\nchildren_dropped ") : NULL;
	if (l)
		dropped_children = atol(l + 18);

	TH_LOG("%.1f s; target %d (%s), operations of its threads:", took, pid,
	       WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? "killed" : "ended early");
	for (i = 0; i < P_NR; i++)
		TH_LOG("  %-14s %7ld", p_names[i], sh->ops[i]);
	TH_LOG("module calls of the test's threads:");
	for (i = 0; i < K2_NR; i++)
		kstat_log(_metadata, &c->k[i], took);
	TH_LOG("target: %llu faults (minor %llu major %llu retry %llu sigsegv %llu), %llu before the start, missed %llu",
	       (unsigned long long)st.total,
	       (unsigned long long)st.result[MMSCOPE_RESULT_MINOR],
	       (unsigned long long)st.result[MMSCOPE_RESULT_MAJOR],
	       (unsigned long long)st.result[MMSCOPE_RESULT_RETRY],
	       (unsigned long long)st.result[MMSCOPE_RESULT_SIGSEGV],
	       (unsigned long long)st0.total, (unsigned long long)st.missed);
	TH_LOG("stream A (all, %d records): read %ld, delivered %llu, dropped %llu (records carried %ld)",
	       T2_RING_A, c->evs_a, (unsigned long long)sa.delivered,
	       (unsigned long long)sa.dropped, c->drops_a);
	TH_LOG("stream B (target, %d records): read %ld, delivered %llu, dropped %llu (records carried %ld)",
	       T2_RING_B, c->evs_b, (unsigned long long)sb.delivered,
	       (unsigned long long)sb.dropped, c->drops_b);
	TH_LOG("children: seen %ld times in the list, %ld exited ones checked, at most %ld listed, children_dropped %ld",
	       c->children_seen, c->exited_checked, c->max_listed, dropped_children);
	TH_LOG("live snapshots whose axes did not add up to total: %ld (largest difference %ld)",
	       skewed, c->max_skew);
	expect_no_fails(_metadata);
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	EXPECT_EQ(0, sh->ops[P_EXEC_FAILED]);
	EXPECT_LT(0, sh->ops[P_EXECS]);
	EXPECT_LT(0, sh->ops[P_THREADS]);
	EXPECT_TRUE(st.flags & MMSCOPE_FAULT_EXITED);
	EXPECT_LT(0, st.total);
	EXPECT_LT(0, c->exited_checked);
	/* every record read was delivered; stream B saw every fault of the target */
	EXPECT_EQ(c->evs_a, sa.delivered);
	EXPECT_EQ(c->evs_b, sb.delivered);
	EXPECT_GE(sa.dropped, (__u64)c->drops_a);
	EXPECT_GE(sb.dropped, (__u64)c->drops_b);
	if (!st.missed) {
		EXPECT_EQ(st.total - st0.total, sb.delivered + sb.dropped) {
			TH_LOG("stream B lost faults of the target");
		}
	}
	munmap(sh, sizeof(*sh));
	free(c);
}

/* ==== 3. track and untrack from several threads =========================== */

#define T3_HOLDERS	72	/* more than the table holds: the fill meets ENOSPC */
#define T3_SHORT	48
#define T3_RACERS	4
#define T3_SHORT_ALIVE	8

enum {
	K3_TRACK, K3_TRACK_CHILDREN, K3_UNTRACK, K3_TRACK_DFS, K3_UNTRACK_DFS, K3_LIST,
	K3_TASK_FILE, K3_STATS, K3_STREAM, K3_CLEAN, K3_FILL, K3_DRAIN, K3_NR
};

static const char *const k3_names[K3_NR] = {
	"TRACK", "TRACK children", "TRACK remove", "track file PID", "track file -PID",
	"track list", "tasks/PID files", "FAULT_STATS", "FAULT_STREAM pid", "untrack others",
	"TRACK holders (fill)", "TRACK remove (drain)",
};

struct t3 {
	int fd;
	volatile int stop, narrow;
	pid_t holders[T3_HOLDERS];
	pid_t shortp[T3_SHORT];		/* the spawner's children, exited or not */
	pid_t thread_ids[T3_RACERS];
	pid_t listed[MMSCOPE_TRACK_MAX * 2];	/* the lister's last view */
	int nlisted;
	struct kstat k[K3_NR];
	long spawned, phases, max_listed, skewed, max_skew, empty_seen;
	long narrow_phases, drains;
	double drain_secs;
};

/* A process that faults now and then, and forks a child now and then. */
/*
 * A holder lives until the test kills it (teardown, or PDEATHSIG should the
 * test die); the limit is only a backstop.  Its pace scales with the kernel
 * (MMSCOPE_TIMEOUT_SCALE): 72 holders at full pace saturated the debug
 * kernel's single emulated CPU thread so much that forking them all took
 * longer than a limit counted from before the first fork, and the first
 * half had exited before the fill reached them.
 */
static void __attribute__((noreturn)) t3_holder(void)
{
	unsigned int scale = mmscope_timeout_scale();
	double limit = mmscope_now() + 600.0 * scale;
	long i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (i = 0; mmscope_now() < limit; i++) {
		char *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);
		pid_t c;

		if (p != MAP_FAILED) {
			*p = 1;
			munmap(p, PG);
		}
		if (!(i % 8)) {
			c = fork();
			if (c == 0)
				_exit(0);
			if (c > 0)
				waitpid(c, NULL, 0);
		}
		usleep(20000 * scale);
	}
	_exit(0);
}

/* Short-lived children, their pids kept in shortp[] after they are reaped. */
static void *t3_spawner(void *arg)
{
	struct t3 *c = arg;
	pid_t alive[T3_SHORT_ALIVE];
	__u64 r = 12345;
	int nalive = 0, i, slot = 0;

	while (!c->stop) {
		for (i = 0; i < nalive; i++)
			if (waitpid(alive[i], NULL, WNOHANG) == alive[i])
				alive[i--] = alive[--nalive];
		if (nalive < T3_SHORT_ALIVE) {
			struct timespec ts = { 0, (mmscope_rnd(&r) % 30) * 1000000 };
			pid_t p = fork();

			if (p == 0) {
				char *q = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
					       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

				if (q != MAP_FAILED)
					memset(q, 1, 4 * PG);
				nanosleep(&ts, NULL);
				_exit(0);
			}
			if (p > 0) {
				alive[nalive++] = p;
				__atomic_store_n(&c->shortp[slot++ % T3_SHORT], p,
						 __ATOMIC_RELAXED);
				c->spawned++;
			}
		}
		usleep(2000);
	}
	for (i = 0; i < nalive; i++) {
		kill(alive[i], SIGKILL);
		waitpid(alive[i], NULL, 0);
	}
	return NULL;
}

static int t3_in_pool(struct t3 *c, pid_t pid)
{
	int i;

	if (pid == getpid())
		return 1;
	for (i = 0; i < T3_HOLDERS; i++)
		if (c->holders[i] == pid)
			return 1;
	for (i = 0; i < T3_SHORT; i++)
		if (__atomic_load_n(&c->shortp[i], __ATOMIC_RELAXED) == pid)
			return 1;
	return 0;
}

/* The narrow phase's few pids: the table then goes empty and back often. */
static int t3_hot(struct t3 *c, pid_t pid)
{
	return pid == c->holders[0] || pid == c->holders[1] ||
	       pid == __atomic_load_n(&c->shortp[0], __ATOMIC_RELAXED);
}

static pid_t t3_pick(struct t3 *c, __u64 *r)
{
	unsigned long x = mmscope_rnd(r);

	if (c->narrow) {
		switch (x % 3) {
		case 0: return c->holders[0];
		case 1: return c->holders[1];
		default: return __atomic_load_n(&c->shortp[0], __ATOMIC_RELAXED);
		}
	}
	x %= 100;
	if (x == 0)
		return getpid();		/* this process: its threads fault */
	if (x == 1)
		return c->thread_ids[mmscope_rnd(r) % T3_RACERS];	/* not a tgid: ESRCH */
	if (x < 40)
		return c->holders[x % T3_HOLDERS];
	return __atomic_load_n(&c->shortp[x % T3_SHORT], __ATOMIC_RELAXED);
}

static void *t3_racer(void *arg)
{
	static const int ok[] = { EEXIST, ENOENT, ESRCH, ENOSPC, 0 };
	struct t3 *c = ((void **)arg)[0];
	long id = (long)((void **)arg)[1];
	__u64 r = 0x1234567 * (id + 1);
	char cmd[24];
	pid_t pid;
	int op, err;

	c->thread_ids[id] = gettid();
	while (!c->stop) {
		pid = t3_pick(c, &r);
		if (c->narrow && (mmscope_rnd(&r) & 1)) {
			/* help empty the table: untrack something listed */
			int n = __atomic_load_n(&c->nlisted, __ATOMIC_RELAXED);

			if (n > 0)
				pid = __atomic_load_n(&c->listed[mmscope_rnd(&r) % n], __ATOMIC_RELAXED);
			if (pid > 0 && !t3_hot(c, pid)) {
				err = -mmscope_track_ioc(c->fd, pid, MMSCOPE_TRACK_REMOVE);
				kcheck(&c->k[K3_CLEAN], err, ok, "untrack");
				continue;
			}
		}
		if (pid <= 0)
			continue;
		/* the whole pool: track more than untrack, so the table fills */
		op = mmscope_rnd(&r) % 20;
		op = c->narrow ? op % 5 : op < 5 ? 0 : op < 8 ? 1 : op < 11 ? 2 : op < 16 ? 3 : 4;
		switch (op) {
		case 0:
			err = -mmscope_track_ioc(c->fd, pid, 0);
			break;
		case 1:
			err = -mmscope_track_ioc(c->fd, pid, MMSCOPE_TRACK_CHILDREN);
			break;
		case 2:
			err = -mmscope_track_ioc(c->fd, pid, MMSCOPE_TRACK_REMOVE);
			break;
		case 3:
			snprintf(cmd, sizeof(cmd), "%d", pid);
			err = -mmscope_write_file(TRACK_FILE, cmd);
			break;
		default:
			snprintf(cmd, sizeof(cmd), "-%d", pid);
			err = -mmscope_write_file(TRACK_FILE, cmd);
			break;
		}
		kcheck(&c->k[K3_TRACK + op], err, ok, "track/untrack");
	}
	return NULL;
}

/* Lists, reads and streams what is tracked; untracks what is not ours. */
static void *t3_lister(void *arg)
{
	static const int ok_file[] = { ENOENT, EIO, EINTR, 0 };
	static const int ok_gone[] = { ENOENT, 0 };
	static const char *const files[4] = { "summary", "faults", "vmas", "pagetable" };
	struct t3 *c = arg;
	pid_t pids[MMSCOPE_TRACK_MAX * 2], pid;
	struct mmscope_fault_stats s;
	char path[96], who[64], *buf = malloc(FILE_BUF);
	__u64 r = 777;
	int n, i, j, dup, err, sfd;
	long ret, it;

	if (!buf) {
		note_fail("malloc");
		return NULL;
	}
	for (it = 0; !c->stop; it++) {
		n = list_tracked(&c->k[K3_LIST], pids, NULL, &c->max_listed);
		if (n < 0)
			continue;
		for (i = 0; i < n && i < MMSCOPE_TRACK_MAX * 2; i++)
			__atomic_store_n(&c->listed[i], pids[i], __ATOMIC_RELAXED);
		__atomic_store_n(&c->nlisted, n < MMSCOPE_TRACK_MAX * 2 ? n : MMSCOPE_TRACK_MAX * 2,
				 __ATOMIC_RELAXED);
		c->empty_seen += !n;
		for (i = dup = 0; i < n && i < MMSCOPE_TRACK_MAX * 2; i++)
			for (j = 0; j < i; j++)
				dup |= pids[i] == pids[j];
		if (dup)
			note_fail("track lists a pid twice");
		err = count_task_dirs();
		if (err < 0 || err > MMSCOPE_TRACK_MAX)
			note_fail("tasks directory: %d", err);
		if (n > 0 && !(it % 4)) {
			pid = pids[mmscope_rnd(&r) % n];
			snprintf(path, sizeof(path), TASKS_DIR "/%d/%s", pid, files[mmscope_rnd(&r) % 4]);
			ret = slurp(path, buf, FILE_BUF);
			/* pagetable of an exited process: ESRCH at open, documented */
			if (ret == -ESRCH && strstr(path, "pagetable"))
				ret = 0;
			kcheck(&c->k[K3_TASK_FILE], ret < 0 ? -ret : 0, ok_file, path);
			err = -mmscope_fault_stats(c->fd, pid, &s);
			snprintf(who, sizeof(who), "FAULT_STATS of %d", pid);
			if (!kcheck(&c->k[K3_STATS], err, ok_gone, who))
				check_fault_stats(&s, who, &c->skewed, &c->max_skew);
			sfd = open(MMSCOPE_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
			if (sfd >= 0) {
				err = -mmscope_fault_stream(sfd, pid, 16, NULL);
				kcheck(&c->k[K3_STREAM], err, ok_gone, "FAULT_STREAM");
				close(sfd);
			}
		}
		for (i = 0; i < n && i < MMSCOPE_TRACK_MAX * 2; i++) {
			if (t3_in_pool(c, pids[i]) && (!c->narrow || t3_hot(c, pids[i])))
				continue;
			err = -mmscope_track_ioc(c->fd, pids[i], MMSCOPE_TRACK_REMOVE);
			kcheck(&c->k[K3_CLEAN], err, ok_gone, "untrack");
		}
		usleep(2000);
	}
	free(buf);
	return NULL;
}

TEST_F_TIMEOUT(stress, track_untrack_race, 300)
{
	double secs = mmscope_env_long("MMSCOPE_STRESS_SECS", 15) * 2.0 / 3, t0, took;
	long long held0, held1 = -1;
	void *args[T3_RACERS][2];
	int i, left, dirs;
	struct t3 *c;
	pid_t pid;

	SKIP_IF_LEFT_OUT();
	/* before this test opens anything */
	held0 = held_bytes();
	c = calloc(1, sizeof(*c));
	ASSERT_NE(NULL, c);
	for (i = 0; i < K3_NR; i++)
		c->k[i].name = k3_names[i];
	self->fd = c->fd = mmscope_open();
	ASSERT_LE(0, c->fd);
	ASSERT_TRUE(mmscope_has_faults(c->fd)) TH_LOG("module lacks MMSCOPE_FEATURE_FAULTS");
	if (access(TRACK_FILE, W_OK))
		SKIP(return, "no %s", TRACK_FILE);
	t0 = mmscope_now();
	for (i = 0; i < T3_HOLDERS; i++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0)
			t3_holder();
		add_kid(self, pid, 0);
		c->holders[i] = pid;
	}
	TH_LOG("%d holders forked in %.1f s", T3_HOLDERS, mmscope_now() - t0);
	self->untrack = 1;
	self->stop = &c->stop;
	ASSERT_EQ(0, start_thread(self, t3_spawner, c));
	ASSERT_EQ(0, start_thread(self, t3_lister, c));
	for (i = 0; i < T3_RACERS; i++) {
		args[i][0] = c;
		args[i][1] = (void *)(long)i;
		ASSERT_EQ(0, start_thread(self, t3_racer, args[i]));
	}
	t0 = mmscope_now();
	while (mmscope_now() < t0 + secs) {
		double start, until;
		int n, j, others, drained = 0;
		pid_t pids[MMSCOPE_TRACK_MAX * 2];

		/*
		 * Two seconds of the whole pool, the table filled at once
		 * (the holders' children fill what they leave)...
		 */
		c->narrow = 0;
		c->phases++;
		for (i = 0; i < T3_HOLDERS; i++)
			kcheck(&c->k[K3_FILL],
			       -mmscope_track_ioc(c->fd, c->holders[i], MMSCOPE_TRACK_CHILDREN),
			       (const int[]){ EEXIST, ENOSPC, 0 }, "fill");
		sleep_until(mmscope_now() + 2);
		if (mmscope_now() >= t0 + secs)
			break;
		/*
		 * ...then three seconds of three pids: the table drained to
		 * them, they come and go, and the fault hooks with them.
		 */
		c->narrow = 1;
		c->phases++;
		c->narrow_phases++;
		start = mmscope_now();
		until = start + 3;
		while (mmscope_now() < until) {
			n = track_list(pids, NULL, MMSCOPE_TRACK_MAX * 2);
			for (j = others = 0; j < n && j < MMSCOPE_TRACK_MAX * 2; j++) {
				if (t3_hot(c, pids[j]))
					continue;
				others++;
				kcheck(&c->k[K3_DRAIN],
				       -mmscope_track_ioc(c->fd, pids[j], MMSCOPE_TRACK_REMOVE),
				       (const int[]){ ENOENT, 0 }, "drain");
			}
			if (!others && !drained) {
				drained = 1;
				c->drains++;
				c->drain_secs += mmscope_now() - start;
			}
			if (!others)
				usleep(20000);
		}
	}
	stop_threads(self);
	took = mmscope_now() - t0;
	kill_kids(self);

	left = untrack_everything();
	dirs = count_task_dirs();
	close(c->fd);
	self->fd = -1;
	/* entries are freed after an RCU grace period: 2 s x scale at most */
	for (i = 0; i < 20 * mmscope_timeout_scale(); i++) {
		held1 = held_bytes();
		if (held1 == held0)
			break;
		usleep(100000);
	}

	TH_LOG("%.1f s, %ld phases; %d holders, %ld short-lived children, %d racing threads",
	       took, c->phases, T3_HOLDERS, c->spawned, T3_RACERS);
	for (i = 0; i < K3_NR; i++)
		kstat_log(_metadata, &c->k[i], took);
	TH_LOG("at most %ld listed, seen empty %ld times; live snapshots not adding up: %ld",
	       c->max_listed, c->empty_seen, c->skewed);
	TH_LOG("narrow phases drained to their 3 pids: %ld of %ld, in %.1f s on average",
	       c->drains, c->narrow_phases, c->drains ? c->drain_secs / c->drains : 0.0);
	expect_no_fails(_metadata);
	EXPECT_LT(0, c->k[K3_TRACK].err[0] + c->k[K3_TRACK_DFS].err[0]);
	EXPECT_LT(0, c->k[K3_UNTRACK].err[0] + c->k[K3_UNTRACK_DFS].err[0]);
	/*
	 * Whether the racers met a full table depends on how fast the host
	 * forks (a busy CI host reached 47 of 64): logged, not asserted.
	 * limits_test fills the table deterministically.
	 */
	TH_LOG("ENOSPC met by the racers %ld times, by the fill %ld times",
	       c->k[K3_TRACK].err[ENOSPC] + c->k[K3_TRACK_CHILDREN].err[ENOSPC] +
	       c->k[K3_TRACK_DFS].err[ENOSPC], c->k[K3_FILL].err[ENOSPC]);
	EXPECT_EQ(0, left) {
		TH_LOG("the track file still lists %d processes", left);
	}
	EXPECT_EQ(0, dirs);
	if (held0 == -ENOENT || held1 == -ENOENT) {
		TH_LOG("the stats file has no held-memory line: not checked");
	} else {
		TH_LOG("memory held by the module: %lld bytes before, %lld after", held0, held1);
		EXPECT_LE(0, held0);
		EXPECT_EQ(held0, held1);
	}
	free(c);
}

/* ==== 4. unloading while readers sleep in the module ====================== */

struct t4 {
	int rfd, pfd;
	pid_t rtid, ptid;
	volatile int rdone, pdone;
	ssize_t rret, pread_ret;
	int rerr, pret, perr, prevents;
	struct mmscope_fault_event rev[8], pev[8];
};

static void *t4_reader(void *arg)
{
	struct t4 *c = arg;

	c->rtid = gettid();
	c->rret = read(c->rfd, c->rev, sizeof(c->rev));
	c->rerr = errno;
	c->rdone = 1;
	return NULL;
}

static void *t4_poller(void *arg)
{
	struct t4 *c = arg;
	struct pollfd p = { .fd = c->pfd, .events = POLLIN };

	c->ptid = gettid();
	c->pret = poll(&p, 1, 120000);
	c->perr = errno;
	c->prevents = p.revents;
	if (c->pret == 1)
		c->pread_ret = read(c->pfd, c->pev, sizeof(c->pev));
	c->pdone = 1;
	return NULL;
}

/*
 * A tracked child that faults one new page per 'f' (and answers with its
 * address), or keeps faulting after 'c'.
 */
static void __attribute__((noreturn)) t4_child(int cmd, int rep, double limit)
{
	char *p = mmap(NULL, 1024 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	unsigned long addr;
	size_t next = 0;
	char ch;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (p == MAP_FAILED)
		_exit(1);
	/* ready: its fork COW faults are behind it, before it is tracked */
	addr = 0;
	if (write(rep, &addr, sizeof(addr)) != sizeof(addr))
		_exit(1);
	while (read(cmd, &ch, 1) == 1) {
		if (ch == 'f') {
			addr = (unsigned long)(p + (next++ % 1024) * PG);
			*(volatile char *)addr = 1;
			if (write(rep, &addr, sizeof(addr)) != sizeof(addr))
				_exit(1);
			continue;
		}
		while (mmscope_now() < limit) {
			char *q = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (q != MAP_FAILED) {
				memset(q, 1, 4 * PG);
				munmap(q, 4 * PG);
			}
		}
		_exit(0);
	}
	_exit(0);
}

static int found_addr(const struct mmscope_fault_event *ev, long n, unsigned long addr,
		      pid_t pid)
{
	long i;

	for (i = 0; i < n; i++)
		if (ev[i].address == addr && ev[i].pid == (__u32)pid)
			return 1;
	return 0;
}

TEST_F_TIMEOUT(stress, unload_with_blocked_readers, 300)
{
	struct mmscope_fault_event more[64];
	struct mmscope_fault_stats st;
	char buf[65536], path[96], why[256], refcnt[32] = "?";
	int cmd[2], rep[2], fd, dfd, tfd, err, err0, i, found;
	double t0 = mmscope_now();
	unsigned long addr;
	double t_start = mmscope_now();
	struct t4 *c;
	pthread_t rt, pt;
	ssize_t n;
	pid_t pid;
	long retries = 0;

	SKIP_IF_LEFT_OUT();
	if (!have_loader())
		SKIP(return, "MMSCOPE_LOADER and MMSCOPE_MODULE are not set (scripts/vm sets them)");
	self->reload = 1;
	if (module_file_differs())
		TH_LOG("note: %s is not the build of the loaded module (rebuilt since?)",
		       getenv("MMSCOPE_MODULE"));
	c = calloc(1, sizeof(*c));
	ASSERT_NE(NULL, c);
	/* the child first, so it inherits no descriptor of the module */
	ASSERT_EQ(0, pipe2(cmd, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(rep, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		t4_child(cmd[0], rep[1], t0 + 200);
	add_kid(self, pid, 0);
	/* tracked only once it is quiet: a late fault of its start would wake the readers */
	ASSERT_EQ(sizeof(addr), read(rep[0], &addr, sizeof(addr)));

	fd = self->fd = mmscope_open();
	ASSERT_LE(0, fd);
	ASSERT_TRUE(mmscope_has_faults(fd)) TH_LOG("module lacks MMSCOPE_FEATURE_FAULTS");
	ASSERT_EQ(0, mmscope_track_ioc(fd, pid, 0));
	self->untrack = 1;
	c->rfd = open(MMSCOPE_DEV, O_RDWR | O_CLOEXEC);
	c->pfd = open(MMSCOPE_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, c->rfd);
	ASSERT_LE(0, c->pfd);
	ASSERT_EQ(0, mmscope_fault_stream(c->rfd, pid, 64, NULL));
	ASSERT_EQ(0, mmscope_fault_stream(c->pfd, pid, 64, NULL));
	/* debugfs files open, one of them half read */
	dfd = open(STATS_FILE, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), TASKS_DIR "/%d/faults", pid);
	tfd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, dfd);
	ASSERT_LE(0, tfd);
	ASSERT_EQ(16, read(dfd, buf, 16));

	ASSERT_EQ(0, pthread_create(&rt, NULL, t4_reader, c));
	ASSERT_EQ(0, pthread_create(&pt, NULL, t4_poller, c));
	for (i = 0; i < 100 && !(c->rtid && c->ptid && thread_sleeping(c->rtid) &&
				 thread_sleeping(c->ptid)); i++)
		usleep(100000);
	usleep(200000);
	ASSERT_TRUE(thread_sleeping(c->rtid) && thread_sleeping(c->ptid)) {
		TH_LOG("the reader and the poller do not sleep");
	}
	ASSERT_FALSE(c->rdone || c->pdone);

	/* unloading fails while they sleep, whichever way it is asked */
	mmscope_read_line(MODULE_DIR "/refcnt", refcnt, sizeof(refcnt));
	err0 = unload_module(O_NONBLOCK);
	err = unload_module(0);
	TH_LOG("readers asleep, refcnt %s: delete_module(O_NONBLOCK) %s, delete_module(0) %s",
	       refcnt, errname(err0), errname(err));
	EXPECT_TRUE(err0 == EWOULDBLOCK || err0 == EBUSY);
	EXPECT_TRUE(err == EWOULDBLOCK || err == EBUSY);
	ASSERT_TRUE(module_live());
	usleep(200000);
	EXPECT_FALSE(c->rdone || c->pdone) {
		TH_LOG("a reader woke up: read %zd (%s), poll %d (%s)", c->rret,
		       strerror(c->rerr), c->pret, strerror(c->perr));
	}

	/* and they still work: one fault wakes both */
	ASSERT_EQ(1, write(cmd[1], "f", 1));
	ASSERT_EQ(sizeof(addr), read(rep[0], &addr, sizeof(addr)));
	for (i = 0; i < 100 && !(c->rdone && c->pdone); i++)
		usleep(100000);
	ASSERT_TRUE(c->rdone && c->pdone) {
		TH_LOG("read done %d, poll done %d after the fault", c->rdone, c->pdone);
	}
	pthread_join(rt, NULL);
	pthread_join(pt, NULL);
	EXPECT_LT(0, c->rret) {
		TH_LOG("read: %s", strerror(c->rerr));
	}
	EXPECT_EQ(0, c->rret % (ssize_t)sizeof(struct mmscope_fault_event));
	EXPECT_EQ(1, c->pret) {
		TH_LOG("poll: %s", strerror(c->perr));
	}
	EXPECT_TRUE(c->prevents & POLLIN);
	EXPECT_LT(0, c->pread_ret);
	found = c->rret > 0 && found_addr(c->rev, c->rret / sizeof(c->rev[0]), addr, pid);
	fcntl(c->rfd, F_SETFL, O_NONBLOCK);
	n = read(c->rfd, more, sizeof(more));
	if (n > 0)
		found |= found_addr(more, n / sizeof(more[0]), addr, pid);
	EXPECT_TRUE(found) {
		TH_LOG("stream (read) has no record of the fault at %#lx", addr);
	}
	found = c->pread_ret > 0 && found_addr(c->pev, c->pread_ret / sizeof(c->pev[0]), addr,
					       pid);
	n = read(c->pfd, more, sizeof(more));
	if (n > 0)
		found |= found_addr(more, n / sizeof(more[0]), addr, pid);
	EXPECT_TRUE(found) {
		TH_LOG("stream (poll) has no record of the fault at %#lx", addr);
	}
	/* the debugfs files opened before read on */
	n = read(dfd, buf, sizeof(buf) - 1);
	EXPECT_LT(0, n);
	n = read(tfd, buf, sizeof(buf) - 1);
	ASSERT_LT(0, n);
	buf[n] = 0;
	snprintf(path, sizeof(path), "\npid %d\n", pid);
	EXPECT_NE(NULL, strstr(buf, path));

	/* only the debugfs files open: they hold the module as well */
	close(c->rfd);
	close(c->pfd);
	close(fd);
	self->fd = -1;
	mmscope_read_line(MODULE_DIR "/refcnt", refcnt, sizeof(refcnt));
	err = unload_module(O_NONBLOCK);
	TH_LOG("only 2 debugfs files open, refcnt %s: delete_module %s", refcnt, errname(err));
	if (err) {
		EXPECT_TRUE(err == EWOULDBLOCK || err == EBUSY);
		EXPECT_TRUE(module_live());
		EXPECT_LE(0, lseek(dfd, 0, SEEK_SET));
		EXPECT_LT(0, read(dfd, buf, sizeof(buf)));
	} else {
		/* not pinned on this kernel: a removed file must fail cleanly */
		n = read(dfd, buf, sizeof(buf));
		TH_LOG("module gone under an open debugfs file: read %zd (%s)", n,
		       n < 0 ? strerror(errno) : "data");
		EXPECT_EQ(-1, n);
	}
	close(dfd);
	close(tfd);

	/* nothing open, the child tracked and faulting: unloading untracks it */
	if (module_live()) {
		ASSERT_EQ(1, write(cmd[1], "c", 1));
		usleep(300000);
		t0 = mmscope_now();
		err = unload_module_wait(10, &retries);
		TH_LOG("nothing open, tracked child faulting: delete_module %s after %.2f s, %ld retries",
		       errname(err), mmscope_now() - t0, retries);
		ASSERT_EQ(0, err);
	}
	EXPECT_NE(0, access(MODULE_DIR, F_OK));
	EXPECT_NE(0, access(MMSCOPE_DEBUGFS, F_OK));
	EXPECT_EQ(0, kill(pid, 0));	/* the child faults on, unharmed */

	ASSERT_EQ(0, load_module(why, sizeof(why))) {
		TH_LOG("%s", why);
	}
	fd = self->fd = mmscope_open();
	ASSERT_LE(0, fd);
	EXPECT_TRUE(mmscope_has_faults(fd));
	EXPECT_EQ(0, track_list(NULL, NULL, 0));
	EXPECT_EQ(-ENOENT, mmscope_fault_stats(fd, pid, &st));
	TH_LOG("%.1f s: 3 unloads refused, 1 done, 1 reload", mmscope_now() - t_start);
	free(c);
}

/* ==== 5. load and unload, many times ====================================== */

/* The slab layout parameters, from the tool beside the loader. */
static int slab_params(char *out, size_t len, char *why, size_t why_len)
{
	char cmd[1200], *d;
	FILE *f;
	int rc;

	out[0] = 0;
	snprintf(cmd, sizeof(cmd), "%s", getenv("MMSCOPE_LOADER"));
	d = strrchr(cmd, '/');
	if (!d) {
		snprintf(why, why_len, "no directory in MMSCOPE_LOADER");
		return -1;
	}
	snprintf(d + 1, cmd + sizeof(cmd) - d - 1, "mmscope-slab-layout");
	fflush(stdout);
	fflush(stderr);
	f = popen(cmd, "re");
	if (!f) {
		snprintf(why, why_len, "popen %.200s: %s", cmd, strerror(errno));
		return -1;
	}
	if (!fgets(out, len, f))
		out[0] = 0;
	rc = pclose(f);
	out[strcspn(out, "\n")] = 0;
	if (rc || !out[0]) {
		snprintf(why, why_len, "%.200s: status %#x", cmd, rc);
		out[0] = 0;
		return -1;
	}
	return 0;
}

static long meminfo_kb(const char *key)
{
	long long v = -1;

	mmscope_proc_value("/proc/meminfo", key, &v);
	return v;
}

static const char *const meminfo_keys[] = {
	"MemFree", "MemAvailable", "Slab", "SUnreclaim", "VmallocUsed", "Percpu",
};
#define NR_MEMINFO	(sizeof(meminfo_keys) / sizeof(meminfo_keys[0]))

static int idle(void *arg, void *out)
{
	return 0;
}

/* A cycle's use of the module: device, GET_API, four debugfs files. */
static int use_module(int track_pid, char *why, size_t len)
{
	static const char *const files[4] = { "version", "zones", "stats", "track" };
	struct mmscope_api api;
	char path[96], buf[65536];
	int fd, i, ret = 0;
	long n;

	fd = mmscope_open();
	if (fd < 0) {
		snprintf(why, len, "open %s: %s", MMSCOPE_DEV, strerror(-fd));
		return -1;
	}
	memset(&api, 0, sizeof(api));
	api.size = sizeof(api);
	if (ioctl(fd, MMSCOPE_IOC_GET_API, &api) || api.api_version != MMSCOPE_API_VERSION) {
		snprintf(why, len, "GET_API: %s, version %u", strerror(errno), api.api_version);
		ret = -1;
	}
	i = !ret && track_pid ? mmscope_track_ioc(fd, track_pid, 0) : 0;
	if (i) {
		snprintf(why, len, "TRACK %d: %s", track_pid, strerror(-i));
		ret = -1;
	}
	for (i = 0; !ret && i < 4; i++) {
		snprintf(path, sizeof(path), MMSCOPE_DEBUGFS "/%s", files[i]);
		n = slurp(path, buf, sizeof(buf));
		if (n < 0 || !mmscope_has_header(buf, files[i])) {
			snprintf(why, len, "%s: %s", path, n < 0 ? strerror(-n) : "no header");
			ret = -1;
		} else if (i == 0 && !strstr(buf, "\nabi_version 1\n")) {
			snprintf(why, len, "%s: no abi_version 1", path);
			ret = -1;
		} else if (i == 3 && !track_pid && track_list(NULL, NULL, 0)) {
			snprintf(why, len, "a fresh module tracks something");
			ret = -1;
		}
	}
	close(fd);
	return ret;
}

TEST_F_TIMEOUT(stress, load_unload_cycles, 300)
{
	long cycles = mmscope_env_long("MMSCOPE_STRESS_CYCLES", 1000), done = 0, retries = 0;
	/* the guest's speed scales the budget, as it scales the test's limit */
	double budget = mmscope_env_long("MMSCOPE_STRESS_CYCLE_SECS", 240) * mmscope_timeout_scale();
	double t0, ta, tb, tc, td, took;
	double t_load = 0, t_use = 0, t_unload = 0, max_load = 0, max_use = 0, max_unload = 0;
	char params[4096], why[256];
	long mem0[NR_MEMINFO], mem1[NR_MEMINFO];
	struct mmscope_holder holder = { 0 };
	unsigned int i;
	int mfd, err;
	char none;

	SKIP_IF_LEFT_OUT();
	if (!have_loader())
		SKIP(return, "MMSCOPE_LOADER and MMSCOPE_MODULE are not set (scripts/vm sets them)");
	self->reload = 1;
	if (module_file_differs())
		TH_LOG("note: %s is not the build of the loaded module (rebuilt since?)",
		       getenv("MMSCOPE_MODULE"));
	if (slab_params(params, sizeof(params), why, sizeof(why)))
		TH_LOG("no slab layout (%s): loading without it", why);
	mfd = open(module_path(), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, mfd);
	/* a process to track now and then: unloading untracks it, hooks on */
	ASSERT_EQ(0, mmscope_holder_start(&holder, idle, NULL, &none, 0));
	add_kid(self, holder.pid, 0);
	for (i = 0; i < NR_MEMINFO; i++)
		mem0[i] = meminfo_kb(meminfo_keys[i]);

	err = unload_module_wait(5, &retries);
	ASSERT_EQ(0, err) {
		TH_LOG("unloading the module loaded before: %s", strerror(err));
	}
	t0 = mmscope_now();
	while (done < cycles) {
		int track = done % 100 == 99;

		if (mmscope_now() - t0 > budget) {
			TH_LOG("stopped after %ld of %ld cycles: %.0f s budget (MMSCOPE_STRESS_CYCLE_SECS x scale) spent",
			       done, cycles, budget);
			break;
		}
		ta = mmscope_now();
		err = syscall(SYS_finit_module, mfd, params, 0) ? errno : 0;
		ASSERT_EQ(0, err) {
			TH_LOG("cycle %ld: finit_module: %s", done, strerror(err));
		}
		tb = mmscope_now();
		ASSERT_EQ(0, use_module(track ? holder.pid : 0, why, sizeof(why))) {
			TH_LOG("cycle %ld: %s", done, why);
		}
		tc = mmscope_now();
		err = unload_module_wait(5, &retries);
		ASSERT_EQ(0, err) {
			TH_LOG("cycle %ld: delete_module: %s", done, strerror(err));
		}
		td = mmscope_now();
		t_load += tb - ta;
		t_use += tc - tb;
		t_unload += td - tc;
		max_load = tb - ta > max_load ? tb - ta : max_load;
		max_use = tc - tb > max_use ? tc - tb : max_use;
		max_unload = td - tc > max_unload ? td - tc : max_unload;
		done++;
	}
	took = mmscope_now() - t0;
	for (i = 0; i < NR_MEMINFO; i++)
		mem1[i] = meminfo_kb(meminfo_keys[i]);
	close(mfd);
	ASSERT_EQ(0, load_module(why, sizeof(why))) {
		TH_LOG("%s", why);
	}

	TH_LOG("%ld load/unload cycles in %.1f s: %.1f ms a cycle (slab layout %s)", done, took,
	       done ? took * 1000 / done : 0.0, params[0] ? "passed" : "absent");
	if (done)
		TH_LOG("  finit_module %.1f ms (max %.1f), use %.1f ms (max %.1f), delete_module %.1f ms (max %.1f), %ld retries for EWOULDBLOCK",
		       t_load * 1000 / done, max_load * 1000, t_use * 1000 / done, max_use * 1000,
		       t_unload * 1000 / done, max_unload * 1000, retries);
	for (i = 0; i < NR_MEMINFO; i++)
		TH_LOG("  /proc/meminfo %-12s %8ld kB -> %8ld kB (%+ld)", meminfo_keys[i], mem0[i],
		       mem1[i], mem1[i] - mem0[i]);
	EXPECT_EQ(cycles, done);
	mmscope_holder_stop(&holder);
	forget_kid(self, holder.pid);
}

TEST_HARNESS_MAIN
