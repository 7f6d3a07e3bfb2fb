// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope fault-classification tests: MMSCOPE_IOC_TRACK, MMSCOPE_IOC_FAULT_STATS,
 * MMSCOPE_IOC_FAULT_STREAM and the mmscope:mmscope_fault tracepoint.
 *
 * Each class test builds N faults of one class in the test process (tracked
 * as pid 0 by the fixture) between two snapshots, and requires:
 *  - the class's counter grew by exactly N on every axis the test fixes;
 *  - every other class of those axes grew by at most NOISE in all;
 *  - minor + major grew exactly as getrusage()'s ru_minflt + ru_majflt
 *    (mm_account_fault()'s rule), and the module missed nothing;
 *  - the event stream saw every counted fault, and exactly N of them fall in
 *    the region, each with the expected classes.
 * The oracle for "N of that class" is the construction itself; where the
 * kernel keeps its own count (thp_fault_alloc, mincore(), pagemap swap bits,
 * HugePages_Free), the test checks the construction worked against it.
 *
 * Noise: the snapshots are taken in a tight region with no library call that
 * allocates, after warm() has populated every private mapping the process
 * had (text, data, heap, a 256 KiB stack) -- after fork() too, since fork
 * write-protects the parent's anonymous pages.  So a test expects no fault
 * besides its own; NOISE = 2 leaves room for a fault of a page the harness
 * touched for the first time (a text page past the populated ones), and any
 * such fault is logged with its address so it can be told apart.
 */
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdint.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <linux/mempolicy.h>
#include <linux/userfaultfd.h>

#include "kselftest_harness.h"
#include "mmscope_test.h"

_Static_assert(sizeof(struct mmscope_track) == MMSCOPE_TRACK_SIZE_VER0, "track size");
_Static_assert(sizeof(struct mmscope_fault_stats) == MMSCOPE_FAULT_STATS_SIZE_VER0, "stats size");
_Static_assert(sizeof(struct mmscope_fault_stream) == MMSCOPE_FAULT_STREAM_SIZE_VER0, "stream size");
_Static_assert(sizeof(struct mmscope_fault_event) == MMSCOPE_FAULT_EVENT_SIZE, "event size");
_Static_assert(sizeof(struct mmscope_tracked_rec) == MMSCOPE_TRACKED_REC_SIZE_VER0, "tracked size");
_Static_assert(sizeof(struct mmscope_module_mem_rec) == MMSCOPE_MODULE_MEM_REC_SIZE_VER0,
	       "module memory size");

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22
#define MADV_POPULATE_WRITE	23
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT		21
#endif

#define PG		MMSCOPE_PAGE
#define HPAGE		(2UL << 20)
#define N		64		/* faults per class test */
#define N_THP		32		/* THPs (64 MiB to zero under emulation) */
#define N_THREADS	4
#define NOISE		2		/* see the top comment */
#define RING		4096		/* records in the fixture's stream */
#define FA_STRIDE	16		/* pages per default fault-around window */

#define FAB_FILE	"/sys/kernel/debug/fault_around_bytes"
/* NUMA balancing: on, and its scanner started at once and run often */
static const char *const nb_files[3] = {
	"/proc/sys/kernel/numa_balancing",
	"/sys/kernel/debug/sched/numa_balancing/scan_delay_ms",
	"/sys/kernel/debug/sched/numa_balancing/scan_period_min_ms",
};
#define THP_ENABLED	"/sys/kernel/mm/transparent_hugepage/enabled"
#define USE_ZERO_PAGE	"/sys/kernel/mm/transparent_hugepage/use_zero_page"
#define CG_ROOT		"/sys/fs/cgroup"
#define PAGE_CLUSTER	"/proc/sys/vm/page-cluster"
#define DROP_CACHES	"/proc/sys/vm/drop_caches"
#define TASKS_DIR	MMSCOPE_DEBUGFS "/tasks"

static const char *const origin_names[] = { MMSCOPE_ORIGIN_NAMES };
static const char *const access_names[] = { MMSCOPE_ACCESS_NAMES };
static const char *const result_names[] = { MMSCOPE_RESULT_NAMES };
static const char *const memory_names[] = { MMSCOPE_MEM_NAMES };
static const char *const cause_names[] = { MMSCOPE_CAUSE_NAMES };
_Static_assert(sizeof(cause_names) / sizeof(cause_names[0]) == MMSCOPE_NR_CAUSES, "causes");

enum { AX_ORIGIN, AX_ACCESS, AX_RESULT, AX_MEMORY, AX_CAUSE, AX_NR };
static const char *const axis_names[AX_NR] = { "origin", "access", "result", "memory", "cause" };
static const char *const *const class_names[AX_NR] = {
	origin_names, access_names, result_names, memory_names, cause_names,
};
static const int axis_len[AX_NR] = {
	MMSCOPE_NR_ORIGINS, MMSCOPE_NR_ACCESSES, MMSCOPE_NR_RESULTS,
	MMSCOPE_NR_MEMS, MMSCOPE_NR_CAUSES,
};

static const __u64 *axis_of(const struct mmscope_fault_stats *s, int ax)
{
	switch (ax) {
	case AX_ORIGIN: return s->origin;
	case AX_ACCESS: return s->access;
	case AX_RESULT: return s->result;
	case AX_MEMORY: return s->memory;
	default: return s->cause;
	}
}

static int event_class(const struct mmscope_fault_event *e, int ax)
{
	switch (ax) {
	case AX_ORIGIN: return e->origin;
	case AX_ACCESS: return e->access;
	case AX_RESULT: return e->result;
	case AX_MEMORY: return e->memory;
	default: return e->cause;
	}
}

static const char *class_name(int ax, int c)
{
	return c >= 0 && c < axis_len[ax] ? class_names[ax][c] : "?";
}

/*
 * Snapshots and events live in .bss, which warm() populates, so taking them
 * faults nothing.
 */
static struct mmscope_fault_stats st0, st1;
static struct rusage ru0, ru1;
static struct mmscope_fault_event evs[RING];
static long nr_evs;
static struct mmscope_fault_event evs2[1024];	/* a test's own stream */
static char maps_buf[64 << 10];

/* ---- keeping the harness quiet ------------------------------------------- */

static void pin_to_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void __attribute__((noinline)) touch_stack(void)
{
	volatile char buf[256 << 10];
	size_t i;

	for (i = 0; i < sizeof(buf); i += PG)
		buf[i] = 1;
}

#define MAX_WARM 128
static struct { unsigned long start, end; int write; } warm_vmas[MAX_WARM];
static int nr_warm;

/* The private mappings the process has now: the ones warm() populates. */
static void warm_record(void)
{
	char *line, *next;

	touch_stack();
	if (mmscope_slurp_file("/proc/self/maps", maps_buf, sizeof(maps_buf)) < 0)
		return;
	nr_warm = 0;
	for (line = maps_buf; line && *line && nr_warm < MAX_WARM; line = next) {
		unsigned long s, e;
		char perms[8];

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		if (sscanf(line, "%lx-%lx %7s", &s, &e, perms) != 3)
			continue;
		if (perms[3] != 'p' || perms[0] != 'r' || strstr(line, "[v") ||
		    e - s > (64UL << 20))
			continue;
		warm_vmas[nr_warm].start = s;
		warm_vmas[nr_warm].end = e;
		warm_vmas[nr_warm].write = perms[1] == 'w';
		nr_warm++;
	}
}

/* Map every recorded page, writable ones privately (breaks COW after fork). */
static void warm(void)
{
	int i;

	touch_stack();
	for (i = 0; i < nr_warm; i++)
		madvise((void *)warm_vmas[i].start, warm_vmas[i].end - warm_vmas[i].start,
			warm_vmas[i].write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ);
}

/* ---- measuring ------------------------------------------------------------ */

static void drain(int sfd)
{
	while (read(sfd, evs, sizeof(evs)) > 0)
		;
}

static void collect(int sfd)
{
	ssize_t got;

	nr_evs = 0;
	while (nr_evs < RING &&
	       (got = read(sfd, evs + nr_evs, (RING - nr_evs) * sizeof(*evs))) > 0)
		nr_evs += got / sizeof(*evs);
}

struct want {
	int cls[AX_NR];		/* expected class per axis, -1: any */
};
#define ANY (-1)
#define WANT(o, a, r, m, c) ((struct want){ .cls = { o, a, r, m, c } })

static __u64 delta(int ax, int c)
{
	return axis_of(&st1, ax)[c] - axis_of(&st0, ax)[c];
}

static long ru_delta(void)
{
	return (ru1.ru_minflt - ru0.ru_minflt) + (ru1.ru_majflt - ru0.ru_majflt);
}

/* The counters that moved, in one line for the log (and the report). */
static void log_deltas(struct __test_metadata *_metadata, const char *what)
{
	char line[1536];
	int off, ax, c;

	off = snprintf(line, sizeof(line), "%s: total +%llu", what,
		       (unsigned long long)(st1.total - st0.total));
	for (ax = 0; ax < AX_NR; ax++)
		for (c = 0; c < axis_len[ax]; c++)
			if (delta(ax, c) && off < (int)sizeof(line) - 64)
				off += snprintf(line + off, sizeof(line) - off, " %s.%s=%llu",
						axis_names[ax], class_names[ax][c],
						(unsigned long long)delta(ax, c));
	if (st1.faultaround_pages != st0.faultaround_pages)
		off += snprintf(line + off, sizeof(line) - off, " faultaround_pages=%llu",
				(unsigned long long)(st1.faultaround_pages - st0.faultaround_pages));
	snprintf(line + off, sizeof(line) - off, " | rusage min +%ld maj +%ld",
		 ru1.ru_minflt - ru0.ru_minflt, ru1.ru_majflt - ru0.ru_majflt);
	TH_LOG("%s", line);
}

static void log_event(struct __test_metadata *_metadata, const char *what,
		      const struct mmscope_fault_event *e)
{
	TH_LOG("%s: addr %#llx ip %#llx tid %u %s/%s/%s/%s/%s fa %u dropped %u", what,
	       (unsigned long long)e->address, (unsigned long long)e->ip, e->tid,
	       class_name(AX_ORIGIN, e->origin), class_name(AX_ACCESS, e->access),
	       class_name(AX_RESULT, e->result), class_name(AX_MEMORY, e->memory),
	       class_name(AX_CAUSE, e->cause), e->faultaround, e->dropped);
}

/*
 * The checks every class test makes (see the top comment) for @n faults in
 * [@lo, @lo + @len).  A fault the kernel retries (VM_FAULT_RETRY: mmap_lock
 * dropped for I/O or a page lock, or on 6.12 a per-VMA-lock attempt redone
 * under mmap_lock) is counted twice, as documented: once with result retry
 * and once with its final result.  Both attempts are the same fault, so the
 * retried one must carry the same origin, access, memory and cause; only
 * the result axis tells them apart.  Retries, R, are allowed up to one per
 * fault and logged.
 */
static void expect_faults(struct __test_metadata *_metadata, const char *what,
			  struct want w, long n, const void *lo, size_t len)
{
	unsigned long a0 = (unsigned long)lo, a1 = a0 + len;
	__u64 total = st1.total - st0.total, sum, r = 0, want_n, others;
	long in = 0, in_retry = 0, bad = 0, noise = 0, i;
	int ax, c;

	log_deltas(_metadata, what);
	if (w.cls[AX_RESULT] == MMSCOPE_RESULT_MINOR || w.cls[AX_RESULT] == MMSCOPE_RESULT_MAJOR)
		r = delta(AX_RESULT, MMSCOPE_RESULT_RETRY);
	if (r)
		TH_LOG("%s: %llu retried attempts", what, (unsigned long long)r);
	EXPECT_GE(n, (long)r);
	EXPECT_EQ(st0.missed, st1.missed);
	EXPECT_LE(n + r, total);
	EXPECT_GE(n + r + NOISE, total);
	for (ax = 0; ax < AX_NR; ax++) {
		sum = 0;
		for (c = 0; c < axis_len[ax]; c++)
			sum += delta(ax, c);
		EXPECT_EQ(total, sum) {
			TH_LOG("axis %s does not add up to the total", axis_names[ax]);
		}
		if (w.cls[ax] < 0)
			continue;
		want_n = ax == AX_RESULT ? n : n + r;
		EXPECT_EQ(want_n, delta(ax, w.cls[ax])) {
			TH_LOG("%s %s: expected +%llu", axis_names[ax],
			       class_name(ax, w.cls[ax]), (unsigned long long)want_n);
		}
		others = total - delta(ax, w.cls[ax]) - (ax == AX_RESULT ? r : 0);
		EXPECT_GE(NOISE, others) {
			TH_LOG("other %s classes moved by %llu", axis_names[ax],
			       (unsigned long long)others);
		}
	}
	EXPECT_EQ(ru_delta(), (long)(delta(AX_RESULT, MMSCOPE_RESULT_MINOR) +
				     delta(AX_RESULT, MMSCOPE_RESULT_MAJOR))) {
		TH_LOG("minor+major against getrusage ru_minflt+ru_majflt");
	}
	/* and each on its own: mm_account_fault() charges maj_flt or min_flt */
	EXPECT_EQ(ru1.ru_majflt - ru0.ru_majflt, (long)delta(AX_RESULT, MMSCOPE_RESULT_MAJOR)) {
		TH_LOG("major against getrusage ru_majflt");
	}

	/* the stream: every counted fault, N of them in the region, as wanted */
	EXPECT_EQ((long)total, nr_evs);
	for (i = 0; i < nr_evs; i++) {
		const struct mmscope_fault_event *e = &evs[i];
		int ok = 1, retry = r && e->result == MMSCOPE_RESULT_RETRY;

		if (e->dropped)
			log_event(_metadata, "dropped before", e);
		if (e->address < a0 || e->address >= a1) {
			if (noise++ < 8)
				log_event(_metadata, "outside the region", e);
			continue;
		}
		in++;
		in_retry += retry;
		for (ax = 0; ax < AX_NR; ax++)
			if (w.cls[ax] >= 0 && event_class(e, ax) != w.cls[ax] &&
			    !(retry && ax == AX_RESULT))
				ok = 0;
		if (!ok && bad++ < 6)
			log_event(_metadata, "unexpected class", e);
	}
	EXPECT_EQ(n, in - in_retry);
	EXPECT_GE((long)r, in_retry);
	EXPECT_EQ(0, bad);
}

/* ---- the fixture ----------------------------------------------------------- */

FIXTURE(fault)
{
	int fd;			/* ioctls */
	int sfd;		/* stream of this process's faults */
	pid_t pid;
	int tracked;
	char skip[256];
	/* system state a test changed, restored in teardown */
	char fab[32], thp[32], cluster[32], ra[32], ra_path[160];
	struct mmscope_disk disk;
	int disk_fd;		/* the scratch file, open and mapped by the test */
	void *map;
	size_t map_len;
	struct mmscope_swap swap;
	pid_t child, bpf;
	pid_t child_tracked;	/* a tracked child, untracked at teardown */
	char zp[32];		/* THP use_zero_page, restored */
	char nb[3][32];		/* NUMA balancing: sysctl, scan delay, period */
	char cg[160];		/* a memory cgroup of the test's, removed */
	char cg_home[200];	/* the cgroup this process came from */
	int cg_moved;		/* this process is in cg: moved back */
};

/*
 * A memory cgroup of the test's own under CG_ROOT (cgroup2, memory
 * controller on in the root), as phys_test.c makes them: self->cg, with
 * memory.max @max, no swap and no group kill.  Returns 0, or -1 with the
 * reason in self->skip.  cg_remove() (teardown) moves this process back if
 * it moved itself in, and removes the cgroup.
 */
static int cg_write(FIXTURE_DATA(fault) *self, const char *file, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", self->cg, file);
	return mmscope_write_file(path, val);
}

/* The value of @key in the cgroup's flat-keyed @file (memory.events); -1. */
static long long cg_key(FIXTURE_DATA(fault) *self, const char *file, const char *key)
{
	char path[256], k[64];
	long long v, ret = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", self->cg, file);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", k, &v) == 2)
		if (!strcmp(k, key))
			ret = v;
	fclose(f);
	return ret;
}

static int cg_make(FIXTURE_DATA(fault) *self, const char *tag, const char *max)
{
	char path[256];
	int ret;

	if (access(CG_ROOT "/cgroup.subtree_control", W_OK)) {
		snprintf(self->skip, sizeof(self->skip), "no writable cgroup2 at " CG_ROOT);
		return -1;
	}
	mmscope_write_file(CG_ROOT "/cgroup.subtree_control", "+memory");
	snprintf(self->cg, sizeof(self->cg), CG_ROOT "/mmscope_fault_%s_%d", tag, getpid());
	rmdir(self->cg);
	if (mkdir(self->cg, 0755)) {
		snprintf(self->skip, sizeof(self->skip), "mkdir %s: %s", self->cg, strerror(errno));
		self->cg[0] = 0;
		return -1;
	}
	ret = cg_write(self, "memory.max", max);
	if (!ret) {
		snprintf(path, sizeof(path), "%s/memory.swap.max", self->cg);
		if (!access(path, F_OK))
			ret = cg_write(self, "memory.swap.max", "0");
	}
	if (!ret)
		ret = cg_write(self, "memory.oom.group", "0");
	if (ret) {
		snprintf(self->skip, sizeof(self->skip), "cannot set up %s: %s", self->cg,
			 strerror(-ret));
		return -1;
	}
	return 0;
}

/* Move @pid (its whole thread group) into self->cg; 0 or -errno. */
static int cg_enter(FIXTURE_DATA(fault) *self, pid_t pid)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", pid);
	return cg_write(self, "cgroup.procs", buf);
}

/* Move this process into self->cg, remembering where it was; 0 or -errno. */
static int cg_enter_self(FIXTURE_DATA(fault) *self)
{
	char line[256];
	int ret;

	if (mmscope_read_line("/proc/self/cgroup", line, sizeof(line)) || strncmp(line, "0::", 3))
		return -ENOENT;
	snprintf(self->cg_home, sizeof(self->cg_home), CG_ROOT "%.150s/cgroup.procs", line + 3);
	ret = cg_enter(self, getpid());
	self->cg_moved = !ret;
	return ret;
}

static void cg_leave_self(FIXTURE_DATA(fault) *self)
{
	char buf[16];

	if (!self->cg_moved)
		return;
	snprintf(buf, sizeof(buf), "%d", getpid());
	if (mmscope_write_file(self->cg_home, buf))
		fprintf(stderr, "# cannot move back to %s\n", self->cg_home);
	self->cg_moved = 0;
}

static void cg_remove(FIXTURE_DATA(fault) *self)
{
	int i;

	cg_leave_self(self);
	if (!self->cg[0])
		return;
	/* a killed child leaves the cgroup once it has exited */
	for (i = 0; i < 100 && rmdir(self->cg) && errno == EBUSY; i++)
		usleep(50000);
	if (i == 100)
		fprintf(stderr, "# cannot remove %s\n", self->cg);
	self->cg[0] = 0;
}

FIXTURE_SETUP(fault)
{
	int ret;

	self->fd = self->sfd = self->disk_fd = -1;
	self->pid = getpid();
	self->fd = mmscope_open();
	ASSERT_LE(0, self->fd) {
		TH_LOG("open %s: %s", MMSCOPE_DEV, strerror(-self->fd));
	}
	ASSERT_TRUE(mmscope_has_faults(self->fd)) TH_LOG("module lacks MMSCOPE_FEATURE_FAULTS");
	pin_to_cpu0();
	ret = mmscope_track_ioc(self->fd, 0, 0);
	ASSERT_EQ(0, ret) {
		TH_LOG("TRACK self: %s", strerror(-ret));
	}
	self->tracked = 1;
	self->sfd = open(MMSCOPE_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, self->sfd);
	ret = mmscope_fault_stream(self->sfd, self->pid, RING, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("FAULT_STREAM: %s", strerror(-ret));
	}
	warm_record();
	warm();
}

FIXTURE_TEARDOWN(fault)
{
	if (self->bpf > 0) {
		kill(self->bpf, SIGKILL);
		waitpid(self->bpf, NULL, 0);
	}
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		waitpid(self->child, NULL, 0);
	}
	if (self->child_tracked > 0)
		mmscope_track_ioc(self->fd, self->child_tracked, MMSCOPE_TRACK_REMOVE);
	if (self->tracked)
		mmscope_track_ioc(self->fd, 0, MMSCOPE_TRACK_REMOVE);
	if (self->fab[0])
		mmscope_write_file(FAB_FILE, self->fab);
	if (self->thp[0])
		mmscope_write_file(THP_ENABLED, self->thp);
	if (self->cluster[0])
		mmscope_write_file(PAGE_CLUSTER, self->cluster);
	if (self->zp[0])
		mmscope_write_file(USE_ZERO_PAGE, self->zp);
	for (int i = 0; i < 3; i++)
		if (self->nb[i][0])
			mmscope_write_file(nb_files[i], self->nb[i]);
	cg_remove(self);
	if (self->ra[0])
		mmscope_write_file(self->ra_path, self->ra);
	mmscope_zram_swap_off(&self->swap);
	if (self->map)
		munmap(self->map, self->map_len);
	if (self->disk_fd >= 0)
		close(self->disk_fd);
	mmscope_disk_teardown(&self->disk);
	if (self->sfd >= 0)
		close(self->sfd);
	if (self->fd >= 0)
		close(self->fd);
}

#define SKIP_IF_UNSET_UP() do { \
	if (self->skip[0]) \
		SKIP(return, "%s", self->skip); \
} while (0)

/* Snapshot before the faults; nothing between here and end() but them. */
static void begin(FIXTURE_DATA(fault) *self)
{
	drain(self->sfd);
	mmscope_fault_stats(self->fd, 0, &st0);
	getrusage(RUSAGE_SELF, &ru0);
}

static void end(FIXTURE_DATA(fault) *self)
{
	getrusage(RUSAGE_SELF, &ru1);
	mmscope_fault_stats(self->fd, 0, &st1);
	collect(self->sfd);
}

/* ---- memory ---------------------------------------------------------------- */

/* Private anonymous 4 KiB pages (MADV_NOHUGEPAGE). */
static char *map_anon(size_t npages)
{
	char *p = mmap(NULL, npages * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, npages * PG, MADV_NOHUGEPAGE);
	return p;
}

/* @len bytes of address space aligned to @align (the rest unmapped). */
static char *map_aligned(size_t len, size_t align)
{
	char *p = mmap(NULL, len + align, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long a;

	if (p == MAP_FAILED)
		return NULL;
	a = ((unsigned long)p + align - 1) & ~(align - 1);
	if (a > (unsigned long)p)
		munmap(p, a - (unsigned long)p);
	munmap((char *)a + len, (unsigned long)p + align - a);
	return (char *)a;
}

/* @n 2 MiB-aligned huge-page-sized pieces, MADV_HUGEPAGE; NULL on failure. */
static char *map_thp(size_t n)
{
	char *p = map_aligned(n * HPAGE, HPAGE);

	if (p && madvise(p, n * HPAGE, MADV_HUGEPAGE)) {
		munmap(p, n * HPAGE);
		return NULL;
	}
	return p;
}

static void __attribute__((noinline)) touch_read(const char *p, size_t n, size_t stride)
{
	size_t i;

	for (i = 0; i < n; i++)
		(void)*(volatile const char *)(p + i * stride);
}

static void __attribute__((noinline)) touch_write(char *p, size_t n, size_t stride)
{
	size_t i;

	for (i = 0; i < n; i++)
		*(volatile char *)(p + i * stride) = (char)(i + 1);
}

/* Page contents no other page has (zram stores same-filled pages apart). */
static void fill_unique(char *p, size_t npages)
{
	size_t i, j;

	for (i = 0; i < npages; i++)
		for (j = 0; j < PG / sizeof(long); j++)
			((unsigned long *)(p + i * PG))[j] = (i + 1) * 0x9e3779b97f4a7c15UL + j;
}

/* A file of @npages written pages on the scratch ext2; fd or -1 (@why set). */
static int disk_file(FIXTURE_DATA(fault) *self, size_t npages)
{
	char path[300], page[PG];
	size_t i;
	int fd;

	if (mmscope_disk_setup(&self->disk, "fault", 16, self->skip, sizeof(self->skip)))
		return -1;
	snprintf(path, sizeof(path), "%s/data", self->disk.mnt);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(self->skip, sizeof(self->skip), "create %.200s: %s", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < npages; i++) {
		memset(page, (int)(i % 251) + 1, sizeof(page));
		if (write(fd, page, sizeof(page)) != (ssize_t)sizeof(page)) {
			snprintf(self->skip, sizeof(self->skip), "write %.200s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
	}
	fsync(fd);
	self->disk_fd = fd;
	return fd;
}

/* Map the scratch file; unmapped in teardown, before the unmount. */
static char *map_disk_file(FIXTURE_DATA(fault) *self, void *at, size_t len, int prot, int flags)
{
	char *p = mmap(at, len, prot, flags | (at ? MAP_FIXED : 0), self->disk_fd, 0);

	if (p == MAP_FAILED)
		return NULL;
	self->map = p;
	self->map_len = len;
	return p;
}

#define DISK_FILE(self, npages) do { \
	if (disk_file(self, npages) < 0) \
		SKIP(return, "%s", (self)->skip); \
} while (0)

/* Pages of [p, p + n pages) that mincore() says are resident. */
static long resident(const void *p, size_t npages)
{
	unsigned char vec[4096];
	long r = 0;
	size_t i;

	if (npages > sizeof(vec) || mincore((void *)p, npages * PG, vec))
		return -1;
	for (i = 0; i < npages; i++)
		r += vec[i] & 1;
	return r;
}

/*
 * A child that shares this process's memory (fork) and holds it until the
 * write end *@hold is closed.  Its pid, or -1.
 */
static pid_t fork_sharer(int *hold)
{
	int pipefd[2];
	pid_t pid;
	char c;

	if (pipe2(pipefd, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(pipefd[1]);
		while (read(pipefd[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(pipefd[0]);
	*hold = pipefd[1];
	return pid;
}

/* ---- anonymous memory -------------------------------------------------------- */

TEST_F(fault, zero_page_read)
{
	char *p;

	SKIP_IF_UNSET_UP();
	p = map_anon(N);
	ASSERT_NE(NULL, p);
	begin(self);
	touch_read(p, N, PG);
	end(self);
	expect_faults(_metadata, "zero page read",
		      WANT(MMSCOPE_ORIGIN_USER, MMSCOPE_ACCESS_READ, MMSCOPE_RESULT_MINOR,
			   MMSCOPE_MEM_ANON, MMSCOPE_CAUSE_ZERO_PAGE), N, p, N * PG);
}

/* A write on the zero page is a copy (from zero) with a new PFN. */
TEST_F(fault, zero_page_then_write)
{
	char *p;

	SKIP_IF_UNSET_UP();
	p = map_anon(N);
	ASSERT_NE(NULL, p);
	touch_read(p, N, PG);
	begin(self);
	touch_write(p, N, PG);
	end(self);
	expect_faults(_metadata, "write on the zero page",
		      WANT(MMSCOPE_ORIGIN_USER, MMSCOPE_ACCESS_WRITE, MMSCOPE_RESULT_MINOR,
			   MMSCOPE_MEM_ANON, MMSCOPE_CAUSE_COW_COPY), N, p, N * PG);
}

TEST_F(fault, anon_first_write)
{
	char *p;

	SKIP_IF_UNSET_UP();
	p = map_anon(N);
	ASSERT_NE(NULL, p);
	begin(self);
	touch_write(p, N, PG);
	end(self);
	expect_faults(_metadata, "anon first write",
		      WANT(MMSCOPE_ORIGIN_USER, MMSCOPE_ACCESS_WRITE, MMSCOPE_RESULT_MINOR,
			   MMSCOPE_MEM_ANON, MMSCOPE_CAUSE_ANON_NEW), N, p, N * PG);
}

/* The parent writes while a child still maps the pages: copies. */
TEST_F(fault, fork_cow_copy)
{
	char *p;
	int hold;

	SKIP_IF_UNSET_UP();
	p = map_anon(N);
	ASSERT_NE(NULL, p);
	touch_write(p, N, PG);
	self->child = fork_sharer(&hold);
	ASSERT_LE(0, self->child);
	warm();
	begin(self);
	touch_write(p, N, PG);
	end(self);
	close(hold);
	waitpid(self->child, NULL, 0);
	self->child = 0;
	expect_faults(_metadata, "fork, parent writes",
		      WANT(MMSCOPE_ORIGIN_USER, MMSCOPE_ACCESS_WRITE, MMSCOPE_RESULT_MINOR,
			   MMSCOPE_MEM_ANON, MMSCOPE_CAUSE_COW_COPY), N, p, N * PG);
}

/* The child exited first: the write-protected pages are the parent's alone. */
TEST_F(fault, wp_reuse_after_child_exit)
{
	char *p;

	SKIP_IF_UNSET_UP();
	p = map_anon(N);
	ASSERT_NE(NULL, p);
	touch_write(p, N, PG);
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0)
		_exit(0);
	waitpid(self->child, NULL, 0);
	self->child = 0;
	warm();
	begin(self);
	touch_write(p, N, PG);
	end(self);
	expect_faults(_metadata, "write after the COW child exited",
		      WANT(MMSCOPE_ORIGIN_USER, MMSCOPE_ACCESS_WRITE, MMSCOPE_RESULT_MINOR,
			   MMSCOPE_MEM_ANON, MMSCOPE_CAUSE_WP_REUSE), N, p, N * PG);
}

/* ---- files and shmem ---------------------------------------------------------- */

/* MAP_PRIVATE file, read (page cache mapped read-only), then written. */
TEST_F(fault, private_file_cow)
{
	char *p;

	SKIP_IF_UNSET_UP();
	DISK_FILE(self, N);
	p = map_disk_file(self, NULL, N * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, madvise(p, N * PG, MADV_POPULATE_READ));
	begin(self);
	touch_write(p, N, PG);
	end(self);
	expect_faults(_metadata, "private file COW",
		      WANT(MMSCOPE_ORIGIN_USER, MMSCOPE_ACCESS_WRITE, MMSCOPE_RESULT_MINOR,
			   MMSCOPE_MEM_FILE, MMSCOPE_CAUSE_COW_COPY), N, p, N * PG);
}

/* A write on a private file page not mapped yet: do_cow_fault(). */
TEST_F(fault, private_file_write_unmapped)
{
	char *p;

	SKIP_IF_UNSET_UP();
	DISK_FILE(self, N);
	p = map_disk_file(self, NULL, N * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ASSERT_NE(NULL, p);
	begin(self);
	touch_write(p, N, PG);
	end(self);
	expect_faults(_metadata, "private file write, not mapped before",
		      WANT(MMSCOPE_ORIGIN_USER, MMSCOPE_ACCESS_WRITE, MMSCOPE_RESULT_MINOR,
			   MMSCOPE_MEM_FILE, MMSCOPE_CAUSE_COW_COPY), N, p, N * PG);
}

/* MAP_SHARED file, read first: write-notify maps it read-only; same PFN after. */
TEST_F(fault, shared_file_write)
{
	char *p;

	SKIP_IF_UNSET_UP();
	DISK_FILE(self, N);
	p = map_disk_file(self, NULL, N * PG, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, madvise(p, N * PG, MADV_POPULATE_READ));
	begin(self);
	touch_write(p, N, PG);
	end(self);
	expect_faults(_metadata, "shared file write on a read-only pte",
		      WANT(MMSCOPE_ORIGIN_USER, MMSCOPE_ACCESS_WRITE, MMSCOPE_RESULT_MINOR,
			   MMSCOPE_MEM_FILE, MMSCOPE_CAUSE_WP_REUSE), N, p, N * PG);
}

static char *map_memfd(size_t npages, int *fdp)
{
	int fd = memfd_create("mmscope-fault", MFD_CLOEXEC);
	char *p;

	if (fd < 0 || ftruncate(fd, npages * PG))
		return NULL;
	p = mmap(NULL, npages * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	*fdp = fd;
	return p == MAP_FAILED ? NULL : p;
}

/* Holes of a memfd: not cached, so no fault-around; shmem_fault() fills them. */
TEST_F(fault, shmem_read_hole)
{
	char *p;
	int fd;

	SKIP_IF_UNSET_UP();
	p = map_memfd(N, &fd);
	ASSERT_NE(NULL, p);
	begin(self);
	touch_read(p, N, PG);
	end(self);
	expect_faults(_metadata, "memfd read of holes",
		      WANT(MMSCOPE_ORIGIN_USER, MMSCOPE_ACCESS_READ, MMSCOPE_RESULT_MINOR,
			   MMSCOPE_MEM_SHMEM, MMSCOPE_CAUSE_CACHE_HIT), N, p, N * PG);
	EXPECT_EQ(st0.faultaround_pages, st1.faultaround_pages);
	close(fd);
}

TEST_F(fault, shmem_write_hole)
{
	char *p;
	int fd;

	SKIP_IF_UNSET_UP();
	p = map_memfd(N, &fd);
	ASSERT_NE(NULL, p);
	begin(self);
	touch_write(p, N, PG);
	end(self);
	expect_faults(_metadata, "memfd write of holes",
		      WANT(MMSCOPE_ORIGIN_USER, MMSCOPE_ACCESS_WRITE, MMSCOPE_RESULT_MINOR,
			   MMSCOPE_MEM_SHMEM, MMSCOPE_CAUSE_CACHE_HIT), N, p, N * PG);
	close(fd);
}

/*
 * Fault-around on (64 KiB): reading the first page of each 16-page window
 * of a cached file maps the other 15 with it.
 */
TEST_F(fault, faultaround_on)
{
	size_t npages = N * FA_STRIDE;
	char *p, *q;
	int ret;

	SKIP_IF_UNSET_UP();
	ret = mmscope_knob_set(FAB_FILE, "65536", self->fab, sizeof(self->fab));
	if (ret)
		SKIP(return, "cannot set %s: %s", FAB_FILE, strerror(-ret));
	DISK_FILE(self, npages);
	/* each window must lie in the VMA: align the mapping to 64 KiB */
	q = map_aligned(npages * PG, FA_STRIDE * PG);
	ASSERT_NE(NULL, q);
	p = map_disk_file(self, q, npages * PG, PROT_READ, MAP_SHARED);
	ASSERT_EQ(q, p);
	ASSERT_EQ((long)npages, resident(p, npages)) {
		TH_LOG("the file is not all in the page cache");
	}
	begin(self);
	touch_read(p, N, FA_STRIDE * PG);
	end(self);
	expect_faults(_metadata, "cached file read, fault-around 64K",
		      WANT(MMSCOPE_ORIGIN_USER, MMSCOPE_ACCESS_READ, MMSCOPE_RESULT_MINOR,
			   MMSCOPE_MEM_FILE, MMSCOPE_CAUSE_CACHE_HIT), N, p, npages * PG);
	EXPECT_EQ(N * (FA_STRIDE - 1), (long)(st1.faultaround_pages - st0.faultaround_pages));
}

TEST_F(fault, faultaround_off)
{
	char *p;
	int ret;

	SKIP_IF_UNSET_UP();
	DISK_FILE(self, N);
	p = map_disk_file(self, NULL, N * PG, PROT_READ, MAP_SHARED);
	ASSERT_NE(NULL, p);
	ret = mmscope_knob_set(FAB_FILE, "4096", self->fab, sizeof(self->fab));
	if (ret)
		SKIP(return, "cannot set %s: %s", FAB_FILE, strerror(-ret));
	begin(self);
	touch_read(p, N, PG);
	end(self);
	expect_faults(_metadata, "cached file read, fault-around off",
		      WANT(MMSCOPE_ORIGIN_USER, MMSCOPE_ACCESS_READ, MMSCOPE_RESULT_MINOR,
			   MMSCOPE_MEM_FILE, MMSCOPE_CAUSE_CACHE_HIT), N, p, N * PG);
	EXPECT_EQ(st0.faultaround_pages, st1.faultaround_pages);
}

/*
 * A file on a block device with its cache dropped, MADV_RANDOM and no
 * device readahead: every page is read at its fault (major).
 */
TEST_F(fault, cache_miss)
{
	char *p;

	SKIP_IF_UNSET_UP();
	DISK_FILE(self, N);
	mmscope_disk_queue_path(&self->disk, "read_ahead_kb", self->ra_path, sizeof(self->ra_path));
	if (mmscope_knob_set(self->ra_path, "0", self->ra, sizeof(self->ra)))
		SKIP(return, "cannot turn readahead off in %s", self->ra_path);
	p = map_disk_file(self, NULL, N * PG, PROT_READ, MAP_SHARED);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, madvise(p, N * PG, MADV_RANDOM));
	ASSERT_EQ(0, posix_fadvise(self->disk_fd, 0, 0, POSIX_FADV_DONTNEED));
	ASSERT_EQ(0, mmscope_write_file(DROP_CACHES, "1"));
	ASSERT_EQ(0, resident(p, N)) {
		TH_LOG("the file's pages are still cached");
	}
	begin(self);
	touch_read(p, N, PG);
	end(self);
	expect_faults(_metadata, "uncached file read",
		      WANT(MMSCOPE_ORIGIN_USER, MMSCOPE_ACCESS_READ, MMSCOPE_RESULT_MAJOR,
			   MMSCOPE_MEM_FILE, MMSCOPE_CAUSE_CACHE_MISS), N, p, N * PG);
}

/* ---- swap ----------------------------------------------------------------------- */

/*
 * N unique anonymous pages paged out to zram (page-cluster 0: no swap
 * readahead); NULL with the reason in self->skip.
 */
static char *swapped_out(FIXTURE_DATA(fault) *self)
{
	__u64 pm[N];
	int tries, i, swapped = 0;
	char *p;

	if (mmscope_zram_swap_on(&self->swap, self->skip, sizeof(self->skip)))
		return NULL;
	if (mmscope_knob_set(PAGE_CLUSTER, "0", self->cluster, sizeof(self->cluster))) {
		snprintf(self->skip, sizeof(self->skip), "cannot set %s", PAGE_CLUSTER);
		return NULL;
	}
	p = map_anon(N);
	if (!p)
		return NULL;
	fill_unique(p, N);
	for (tries = 0; tries < 5 && swapped < N; tries++) {
		madvise(p, N * PG, MADV_PAGEOUT);
		if (mmscope_pagemap(0, (unsigned long)p, N, pm))
			break;
		for (i = 0, swapped = 0; i < N; i++)
			swapped += !!(pm[i] & MMSCOPE_PM_SWAP);
	}
	if (swapped < N) {
		snprintf(self->skip, sizeof(self->skip),
			 "MADV_PAGEOUT swapped %d of %d pages out", swapped, N);
		return NULL;
	}
	return p;
}

TEST_F(fault, swapin_io)
{
	char *p;

	SKIP_IF_UNSET_UP();
	p = swapped_out(self);
	if (!p)
		SKIP(return, "%s", self->skip);
	ASSERT_EQ(0, resident(p, N)) {
		TH_LOG("pages in the swap cache after MADV_PAGEOUT");
	}
	begin(self);
	touch_read(p, N, PG);
	end(self);
	expect_faults(_metadata, "swap-in from zram",
		      WANT(MMSCOPE_ORIGIN_USER, MMSCOPE_ACCESS_READ, MMSCOPE_RESULT_MAJOR,
			   MMSCOPE_MEM_ANON, MMSCOPE_CAUSE_SWAPIN_IO), N, p, N * PG);
}

/* MADV_WILLNEED reads the swap entries into the swap cache, ptes unchanged. */
TEST_F(fault, swapin_cache)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	__u64 pm[N];
	char *p;
	int i;

	SKIP_IF_UNSET_UP();
	p = swapped_out(self);
	if (!p)
		SKIP(return, "%s", self->skip);
	ASSERT_EQ(0, madvise(p, N * PG, MADV_WILLNEED));
	nanosleep(&ts, NULL);	/* let the reads finish: no page-lock wait */
	ASSERT_EQ(N, resident(p, N)) {
		TH_LOG("MADV_WILLNEED did not bring the pages into the swap cache");
	}
	ASSERT_EQ(0, mmscope_pagemap(0, (unsigned long)p, N, pm));
	for (i = 0; i < N; i++)
		ASSERT_TRUE(pm[i] & MMSCOPE_PM_SWAP);
	begin(self);
	touch_read(p, N, PG);
	end(self);
	expect_faults(_metadata, "swap-in from the swap cache",
		      WANT(MMSCOPE_ORIGIN_USER, MMSCOPE_ACCESS_READ, MMSCOPE_RESULT_MINOR,
			   MMSCOPE_MEM_ANON, MMSCOPE_CAUSE_SWAPIN_CACHE), N, p, N * PG);
}

/* ---- huge pages ------------------------------------------------------------------ */

static long vmstat(const char *key)
{
	char line[256], k[128];
	long long v;
	long ret = -1;
	FILE *f = fopen("/proc/vmstat", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %lld", k, &v) == 2 && !strcmp(k, key))
			ret = v;
	fclose(f);
	return ret;
}

TEST_F_TIMEOUT(fault, thp_alloc, 60)
{
	long alloc0, alloc1, fb0, fb1;
	char mode[32], line[128];
	char *p;

	SKIP_IF_UNSET_UP();
	if (mmscope_read_line(THP_ENABLED, line, sizeof(line)))
		SKIP(return, "no THP (%s)", THP_ENABLED);
	if (strstr(line, "[never]")) {
		if (mmscope_knob_set(THP_ENABLED, "madvise", mode, sizeof(mode)))
			SKIP(return, "THP is off and cannot be turned on");
		snprintf(self->thp, sizeof(self->thp), "%s", mode);
	}
	p = map_thp(N_THP);
	ASSERT_NE(NULL, p);
	alloc0 = vmstat("thp_fault_alloc");
	fb0 = vmstat("thp_fault_fallback");
	begin(self);
	touch_write(p, N_THP, HPAGE);
	end(self);
	alloc1 = vmstat("thp_fault_alloc");
	fb1 = vmstat("thp_fault_fallback");
	if (alloc1 - alloc0 < N_THP) {
		log_deltas(_metadata, "THP write");
		SKIP(return, "only %ld of %d huge pages allocated (fallback %ld)",
		     alloc1 - alloc0, N_THP, fb1 - fb0);
	}
	expect_faults(_metadata, "THP write",
		      WANT(MMSCOPE_ORIGIN_USER, MMSCOPE_ACCESS_WRITE, MMSCOPE_RESULT_MINOR,
			   MMSCOPE_MEM_ANON, MMSCOPE_CAUSE_THP_ALLOC), N_THP, p, N_THP * HPAGE);
	munmap(p, N_THP * HPAGE);
}

/*
 * A VM_HUGEPAGE VMA that covers whole aligned 2 MiB ranges, with THP made
 * unavailable (enabled=never): each first fault in a PMD gets a PTE table.
 */
TEST_F(fault, thp_fallback)
{
	long alloc0, alloc1;
	char *p;

	SKIP_IF_UNSET_UP();
	if (access(THP_ENABLED, F_OK))
		SKIP(return, "no THP (%s)", THP_ENABLED);
	ASSERT_EQ(0, mmscope_knob_set(THP_ENABLED, "never", self->thp, sizeof(self->thp)));
	p = map_thp(N);
	ASSERT_NE(NULL, p);
	alloc0 = vmstat("thp_fault_alloc");
	begin(self);
	touch_write(p, N, HPAGE);
	end(self);
	alloc1 = vmstat("thp_fault_alloc");
	EXPECT_EQ(alloc0, alloc1);
	expect_faults(_metadata, "write in a VM_HUGEPAGE VMA, THP never",
		      WANT(MMSCOPE_ORIGIN_USER, MMSCOPE_ACCESS_WRITE, MMSCOPE_RESULT_MINOR,
			   MMSCOPE_MEM_ANON, MMSCOPE_CAUSE_THP_FALLBACK), N, p, N * HPAGE);
	munmap(p, N * HPAGE);
}

TEST_F(fault, hugetlb)
{
	long long nfree = 0;
	long n;
	char *p;

	SKIP_IF_UNSET_UP();
	if (mmscope_proc_value("/proc/meminfo", "HugePages_Free", &nfree) || nfree < 1)
		SKIP(return, "no free hugetlb pages (boot with hugepages=16)");
	n = nfree < 16 ? nfree : 16;
	p = mmap(NULL, n * HPAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p == MAP_FAILED)
		SKIP(return, "MAP_HUGETLB: %s", strerror(errno));
	begin(self);
	touch_write(p, n, HPAGE);
	end(self);
	expect_faults(_metadata, "hugetlb write",
		      WANT(MMSCOPE_ORIGIN_USER, MMSCOPE_ACCESS_WRITE, MMSCOPE_RESULT_MINOR,
			   MMSCOPE_MEM_HUGETLB, MMSCOPE_CAUSE_HUGETLB), n, p, n * HPAGE);
	munmap(p, n * HPAGE);
}

/* THP for MADV_HUGEPAGE ranges: "never" becomes "madvise" (restored in teardown). */
static int thp_madvise_on(FIXTURE_DATA(fault) *self)
{
	char line[128], mode[32];

	if (mmscope_read_line(THP_ENABLED, line, sizeof(line)))
		return -1;
	if (strstr(line, "[never]")) {
		if (mmscope_knob_set(THP_ENABLED, "madvise", mode, sizeof(mode)))
			return -1;
		if (!self->thp[0])
			snprintf(self->thp, sizeof(self->thp), "%s", mode);
	}
	return 0;
}

/* pagemap PFN of @addr in this process, or 0 when not present. */
static __u64 pfn_of(const void *addr)
{
	__u64 pm = 0;

	if (mmscope_pagemap(0, (unsigned long)addr, 1, &pm) || !(pm & MMSCOPE_PM_PRESENT))
		return 0;
	return pm & MMSCOPE_PM_PFN_MASK;
}

static int kpf_has(__u64 pfn, int bit)
{
	__u64 f = 0;

	return !mmscope_kpageflags(pfn, &f) && (f & (1ULL << bit));
}

/*
 * Reads in an aligned MADV_HUGEPAGE range with use_zero_page = 1:
 * do_huge_pmd_anonymous_page() maps the huge zero page read-only at the
 * PMD (set_huge_zero_page()): the module's zero_page (a zero page, huge
 * after).  The huge zero page is allocated once (thp_zero_page_alloc grows
 * by at most 1, by 0 if it exists already); pagemap gives every range the
 * same 2 MiB-aligned PFN, subpages contiguous, and kpageflags marks it
 * ZERO_PAGE and THP (the 4 KiB zero page is ZERO_PAGE alone).
 */
TEST_F(fault, thp_zero_page_read)
{
	long zp0, zp1, alloc0, alloc1, i;
	__u64 pfn0 = 0, pfn;
	char *p;

	SKIP_IF_UNSET_UP();
	ASSERT_EQ(0, thp_madvise_on(self)) TH_LOG("THP cannot be made available");
	ASSERT_EQ(0, mmscope_knob_set(USE_ZERO_PAGE, "1", self->zp, sizeof(self->zp)));
	p = map_thp(N_THP);
	ASSERT_NE(NULL, p);
	zp0 = vmstat("thp_zero_page_alloc");
	alloc0 = vmstat("thp_fault_alloc");
	begin(self);
	touch_read(p, N_THP, HPAGE);
	end(self);
	zp1 = vmstat("thp_zero_page_alloc");
	alloc1 = vmstat("thp_fault_alloc");
	TH_LOG("vmstat thp_zero_page_alloc +%ld thp_fault_alloc +%ld", zp1 - zp0, alloc1 - alloc0);
	expect_faults(_metadata, "THP read, huge zero page",
		      WANT(MMSCOPE_ORIGIN_USER, MMSCOPE_ACCESS_READ, MMSCOPE_RESULT_MINOR,
			   MMSCOPE_MEM_ANON, MMSCOPE_CAUSE_ZERO_PAGE), N_THP, p, N_THP * HPAGE);
	EXPECT_LE(zp0, zp1);
	EXPECT_GE(zp0 + 1, zp1);
	EXPECT_EQ(alloc0, alloc1);
	for (i = 0; i < N_THP; i++) {
		pfn = pfn_of(p + i * HPAGE);
		if (!i)
			pfn0 = pfn;
		EXPECT_EQ(pfn0, pfn) TH_LOG("range %ld", i);
		EXPECT_EQ(pfn + 7, pfn_of(p + i * HPAGE + 7 * PG)) TH_LOG("range %ld", i);
	}
	EXPECT_NE(0, pfn0);
	EXPECT_EQ(0, pfn0 & (HPAGE / PG - 1));
	EXPECT_TRUE(kpf_has(pfn0, MMSCOPE_KPF_ZERO_PAGE)) TH_LOG("pfn %#llx", pfn0);
	EXPECT_TRUE(kpf_has(pfn0, MMSCOPE_KPF_THP)) TH_LOG("pfn %#llx", pfn0);
	munmap(p, N_THP * HPAGE);
}

/*
 * thp_fallback through a failed memcg charge.  This process moves into a
 * memory cgroup of 1 MiB (no swap): a 2 MiB THP never fits, whatever the
 * usage, while the 4 KiB page and PTE table of the fallback do.  The huge
 * page is allocated, its charge fails (try_charge_memcg(): reclaim finds
 * nothing, and mem_cgroup_oom() declines orders above
 * PAGE_ALLOC_COSTLY_ORDER, so no OOM event and no kill), and
 * do_huge_pmd_anonymous_page() counts THP_FAULT_FALLBACK and
 * THP_FAULT_FALLBACK_CHARGE and returns VM_FAULT_FALLBACK: a PTE table.
 * The oracles: vmstat thp_fault_fallback_charge and thp_fault_fallback
 * grow by exactly the number of faults, thp_fault_alloc by 0, and the
 * cgroup's memory.events counts no oom.
 */
#define N_CHARGE	16

TEST_F(fault, thp_fallback_charge)
{
	long fbc0, fbc1, fb0, fb1, alloc0, alloc1;
	long long oom0, oom1, kill1, max0, max1;
	char *p;
	int ret;

	SKIP_IF_UNSET_UP();
	ASSERT_EQ(0, thp_madvise_on(self)) TH_LOG("THP cannot be made available");
	p = map_thp(N_CHARGE);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, cg_make(self, "charge", "1048576")) TH_LOG("%s", self->skip);
	ret = cg_enter_self(self);
	ASSERT_EQ(0, ret) TH_LOG("cannot move into %s: %s", self->cg, strerror(-ret));
	oom0 = cg_key(self, "memory.events", "oom");
	max0 = cg_key(self, "memory.events", "max");
	fbc0 = vmstat("thp_fault_fallback_charge");
	fb0 = vmstat("thp_fault_fallback");
	alloc0 = vmstat("thp_fault_alloc");
	begin(self);
	touch_write(p, N_CHARGE, HPAGE);
	end(self);
	fbc1 = vmstat("thp_fault_fallback_charge");
	fb1 = vmstat("thp_fault_fallback");
	alloc1 = vmstat("thp_fault_alloc");
	oom1 = cg_key(self, "memory.events", "oom");
	kill1 = cg_key(self, "memory.events", "oom_kill");
	max1 = cg_key(self, "memory.events", "max");
	cg_leave_self(self);
	TH_LOG("vmstat thp_fault_fallback_charge +%ld thp_fault_fallback +%ld thp_fault_alloc +%ld; "
	       "memory.events max +%lld oom +%lld oom_kill %lld",
	       fbc1 - fbc0, fb1 - fb0, alloc1 - alloc0, max1 - max0, oom1 - oom0, kill1);
	expect_faults(_metadata, "THP write over the memcg limit",
		      WANT(MMSCOPE_ORIGIN_USER, MMSCOPE_ACCESS_WRITE, MMSCOPE_RESULT_MINOR,
			   MMSCOPE_MEM_ANON, MMSCOPE_CAUSE_THP_FALLBACK), N_CHARGE, p,
		      N_CHARGE * HPAGE);
	EXPECT_EQ(N_CHARGE, fbc1 - fbc0);
	EXPECT_EQ(N_CHARGE, fb1 - fb0);
	EXPECT_EQ(alloc0, alloc1);
	EXPECT_LE(N_CHARGE, max1 - max0);
	EXPECT_EQ(oom0, oom1);
	EXPECT_EQ(0, kill1);
	munmap(p, N_CHARGE * HPAGE);
}

/*
 * N_TCOW THPs written in an aligned MADV_HUGEPAGE range, each one
 * PMD-mapped: the first page of each range a THP head (kpageflags), its
 * subpages contiguous.  The PFN of page @off of each range in @pfns.
 */
#define N_TCOW		8
#define TCOW_OFF	5	/* the page written after the fork */

static char *thp_written(struct __test_metadata *_metadata, FIXTURE_DATA(fault) *self,
			 __u64 *pfns)
{
	long alloc0, alloc1, i;
	__u64 head;
	char *p;

	ASSERT_EQ(0, thp_madvise_on(self)) TH_LOG("THP cannot be made available");
	p = map_thp(N_TCOW);
	ASSERT_NE(NULL, p);
	alloc0 = vmstat("thp_fault_alloc");
	touch_write(p, N_TCOW, HPAGE);
	alloc1 = vmstat("thp_fault_alloc");
	ASSERT_EQ(N_TCOW, alloc1 - alloc0) TH_LOG("huge pages not allocated (fragmented memory?)");
	for (i = 0; i < N_TCOW; i++) {
		head = pfn_of(p + i * HPAGE);
		ASSERT_EQ(0, head & (HPAGE / PG - 1));
		ASSERT_TRUE(kpf_has(head, MMSCOPE_KPF_THP));
		pfns[i] = pfn_of(p + i * HPAGE + TCOW_OFF * PG);
		ASSERT_EQ(head + TCOW_OFF, pfns[i]);
	}
	return p;
}

/*
 * fork() with the THPs mapped, the child alive: the parent's write finds a
 * read-only huge PMD (copy_huge_pmd() write-protected both and cleared
 * PageAnonExclusive).  do_huge_pmd_wp_page() cannot reuse a folio the
 * child maps too (refcount > 1): it splits the PMD (__split_huge_pmd(),
 * THP_SPLIT_PMD) and returns VM_FAULT_FALLBACK; the same fault goes on in
 * handle_pte_fault() -> do_wp_page() on the subpage, now a read-only pte,
 * and copies it (a subpage of a large folio is never reused: 6.1 finds the
 * refcount > 3, 6.12's wp_can_reuse_anon_folio() refuses large folios).
 * Same code in 6.1 and 6.12: one fault per THP, cow_copy, the written page
 * a new 4 KiB page, the next page still the THP's subpage through a pte,
 * and vmstat thp_split_pmd grows by exactly N_TCOW.
 */
TEST_F(fault, thp_cow_copy_splits_pmd)
{
	__u64 pfns[N_TCOW], pfn;
	long split0, split1, i;
	char *p;
	int hold;

	SKIP_IF_UNSET_UP();
	p = thp_written(_metadata, self, pfns);
	self->child = fork_sharer(&hold);
	ASSERT_LE(0, self->child);
	warm();
	split0 = vmstat("thp_split_pmd");
	begin(self);
	touch_write(p + TCOW_OFF * PG, N_TCOW, HPAGE);
	end(self);
	split1 = vmstat("thp_split_pmd");
	for (i = 0; i < N_TCOW; i++) {
		pfn = pfn_of(p + i * HPAGE + TCOW_OFF * PG);
		EXPECT_NE(pfns[i], pfn) TH_LOG("range %ld: the written page was not copied", i);
		EXPECT_FALSE(kpf_has(pfn, MMSCOPE_KPF_THP)) TH_LOG("range %ld", i);
		EXPECT_EQ(pfns[i] + 1, pfn_of(p + i * HPAGE + (TCOW_OFF + 1) * PG))
			TH_LOG("range %ld: the next page left the THP", i);
	}
	close(hold);
	waitpid(self->child, NULL, 0);
	self->child = 0;
	TH_LOG("vmstat thp_split_pmd +%ld", split1 - split0);
	expect_faults(_metadata, "fork with THPs, parent writes",
		      WANT(MMSCOPE_ORIGIN_USER, MMSCOPE_ACCESS_WRITE, MMSCOPE_RESULT_MINOR,
			   MMSCOPE_MEM_ANON, MMSCOPE_CAUSE_COW_COPY), N_TCOW, p, N_TCOW * HPAGE);
	EXPECT_EQ(N_TCOW, split1 - split0);
	munmap(p, N_TCOW * HPAGE);
}

/*
 * The child exited first: each THP is mapped by the parent alone, its
 * refcount 1, so do_huge_pmd_wp_page() reuses it where it is (the PMD made
 * writable, no split): wp_reuse, same PFN, still a THP, thp_split_pmd +0.
 */
TEST_F(fault, thp_cow_reuse_after_child_exit)
{
	__u64 pfns[N_TCOW];
	long split0, split1, i;
	char *p;

	SKIP_IF_UNSET_UP();
	p = thp_written(_metadata, self, pfns);
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0)
		_exit(0);
	waitpid(self->child, NULL, 0);
	self->child = 0;
	warm();
	split0 = vmstat("thp_split_pmd");
	begin(self);
	touch_write(p + TCOW_OFF * PG, N_TCOW, HPAGE);
	end(self);
	split1 = vmstat("thp_split_pmd");
	for (i = 0; i < N_TCOW; i++) {
		EXPECT_EQ(pfns[i], pfn_of(p + i * HPAGE + TCOW_OFF * PG)) TH_LOG("range %ld", i);
		EXPECT_TRUE(kpf_has(pfns[i], MMSCOPE_KPF_THP)) TH_LOG("range %ld", i);
	}
	expect_faults(_metadata, "THP write after the fork child exited",
		      WANT(MMSCOPE_ORIGIN_USER, MMSCOPE_ACCESS_WRITE, MMSCOPE_RESULT_MINOR,
			   MMSCOPE_MEM_ANON, MMSCOPE_CAUSE_WP_REUSE), N_TCOW, p, N_TCOW * HPAGE);
	EXPECT_EQ(split0, split1);
	munmap(p, N_TCOW * HPAGE);
}

/* ---- faults the kernel takes for the process ---------------------------------- */

static void expect_kernel_ips(struct __test_metadata *_metadata)
{
	long i;

	for (i = 0; i < nr_evs; i++)
		if (evs[i].origin == MMSCOPE_ORIGIN_KERNEL)
			EXPECT_EQ(0, evs[i].ip);
}

TEST_F(fault, populate_map)
{
	char *p;

	SKIP_IF_UNSET_UP();
	begin(self);
	p = mmap(NULL, N * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	end(self);
	ASSERT_NE(MAP_FAILED, p);
	expect_faults(_metadata, "MAP_POPULATE",
		      WANT(MMSCOPE_ORIGIN_KERNEL, MMSCOPE_ACCESS_WRITE, MMSCOPE_RESULT_MINOR,
			   MMSCOPE_MEM_ANON, MMSCOPE_CAUSE_ANON_NEW), N, p, N * PG);
	expect_kernel_ips(_metadata);
}

TEST_F(fault, populate_write_madvise)
{
	char *p;
	int ret;

	SKIP_IF_UNSET_UP();
	p = map_anon(N);
	ASSERT_NE(NULL, p);
	begin(self);
	ret = madvise(p, N * PG, MADV_POPULATE_WRITE);
	end(self);
	ASSERT_EQ(0, ret);
	expect_faults(_metadata, "MADV_POPULATE_WRITE",
		      WANT(MMSCOPE_ORIGIN_KERNEL, MMSCOPE_ACCESS_WRITE, MMSCOPE_RESULT_MINOR,
			   MMSCOPE_MEM_ANON, MMSCOPE_CAUSE_ANON_NEW), N, p, N * PG);
	expect_kernel_ips(_metadata);
}

TEST_F(fault, mlock_populates)
{
	char *p;
	int ret;

	SKIP_IF_UNSET_UP();
	p = map_anon(N);
	ASSERT_NE(NULL, p);
	begin(self);
	ret = mlock(p, N * PG);
	end(self);
	ASSERT_EQ(0, ret);
	expect_faults(_metadata, "mlock",
		      WANT(MMSCOPE_ORIGIN_KERNEL, MMSCOPE_ACCESS_WRITE, MMSCOPE_RESULT_MINOR,
			   MMSCOPE_MEM_ANON, MMSCOPE_CAUSE_ANON_NEW), N, p, N * PG);
	expect_kernel_ips(_metadata);
	munlock(p, N * PG);
}

/* ---- errors and other accesses --------------------------------------------------- */

static sigjmp_buf segv_env;

static void segv_handler(int sig)
{
	siglongjmp(segv_env, 1);
}

/* Read @n pages, each a fault that raises a signal whose handler jumps to @env. */
static void __attribute__((noinline)) touch_trapping(const char *p, size_t n, sigjmp_buf env)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!sigsetjmp(env, 1))
			(void)*(volatile const char *)(p + i * PG);
}

static void touch_prot_none(const char *p, size_t n)
{
	touch_trapping(p, n, segv_env);
}

/* Access errors: SIGSEGV raised before handle_mm_fault(), counted from the signal. */
TEST_F(fault, sigsegv_prot_none)
{
	struct sigaction sa = { .sa_handler = segv_handler };
	char *p, *warmup;

	SKIP_IF_UNSET_UP();
	ASSERT_EQ(0, sigaction(SIGSEGV, &sa, NULL));
	p = mmap(NULL, N * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	warmup = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_NE(MAP_FAILED, warmup);
	touch_prot_none(warmup, 1);	/* the signal path's pages */
	begin(self);
	touch_prot_none(p, N);
	end(self);
	expect_faults(_metadata, "read of PROT_NONE",
		      WANT(MMSCOPE_ORIGIN_USER, MMSCOPE_ACCESS_READ, MMSCOPE_RESULT_SIGSEGV,
			   MMSCOPE_MEM_NONE, MMSCOPE_CAUSE_OTHER), N, p, N * PG);
}

/*
 * SIGBUS: reads of pages past the end of a file (filemap_fault() and
 * shmem_fault() return VM_FAULT_SIGBUS; fault-around maps nothing past
 * EOF).  A result of mm_account_fault()'s errors: neither min_flt nor
 * maj_flt moves.  The oracle for the count is the kernel's own signals:
 * one SIGBUS (BUS_ADRERR) in the region per fault.
 */
static sigjmp_buf bus_env;
static unsigned long bus_lo, bus_hi;
static long bus_in, bus_out;

static void bus_handler(int sig, siginfo_t *si, void *uc)
{
	unsigned long a = (unsigned long)si->si_addr;

	if (si->si_code == BUS_ADRERR && a >= bus_lo && a < bus_hi)
		bus_in++;
	else
		bus_out++;
	siglongjmp(bus_env, 1);
}


/*
 * @p maps @fd (N + 2 pages); the file is cut to one page, the last page
 * takes the signal path's first faults, then the N pages in between are read.
 */
static void expect_sigbus(struct __test_metadata *_metadata, FIXTURE_DATA(fault) *self,
			  const char *what, int fd, const char *p, int memory)
{
	struct sigaction sa = { .sa_sigaction = bus_handler, .sa_flags = SA_SIGINFO };
	struct sigaction old;

	ASSERT_EQ(0, sigaction(SIGBUS, &sa, &old));
	ASSERT_EQ(0, ftruncate(fd, PG));
	bus_lo = (unsigned long)p + PG;
	bus_hi = bus_lo + N * PG;
	touch_trapping(p + (N + 1) * PG, 1, bus_env);		/* warm-up, outside the region */
	EXPECT_EQ(1, bus_out);
	bus_in = bus_out = 0;
	begin(self);
	touch_trapping(p + PG, N, bus_env);
	end(self);
	sigaction(SIGBUS, &old, NULL);
	expect_faults(_metadata, what,
		      WANT(MMSCOPE_ORIGIN_USER, MMSCOPE_ACCESS_READ, MMSCOPE_RESULT_SIGBUS,
			   memory, MMSCOPE_CAUSE_OTHER), N, p + PG, N * PG);
	EXPECT_EQ(N, bus_in);
	EXPECT_EQ(0, bus_out);
	EXPECT_EQ(0, ru1.ru_minflt - ru0.ru_minflt);
	EXPECT_EQ(0, ru1.ru_majflt - ru0.ru_majflt);
}

TEST_F(fault, sigbus_file_past_eof)
{
	char *p;

	SKIP_IF_UNSET_UP();
	DISK_FILE(self, N + 2);
	p = map_disk_file(self, NULL, (N + 2) * PG, PROT_READ, MAP_SHARED);
	ASSERT_NE(NULL, p);
	expect_sigbus(_metadata, self, "file read past EOF", self->disk_fd, p, MMSCOPE_MEM_FILE);
}

TEST_F(fault, sigbus_shmem_past_eof)
{
	char *p;
	int fd;

	SKIP_IF_UNSET_UP();
	p = map_memfd(N + 2, &fd);
	ASSERT_NE(NULL, p);
	expect_sigbus(_metadata, self, "memfd read past EOF", fd, p, MMSCOPE_MEM_SHMEM);
	munmap(p, (N + 2) * PG);
	close(fd);
}

/*
 * Instruction fetches from a freshly mapped memfd: one "ret" every 16 pages,
 * holes between, so fault-around has nothing else to map.
 */
TEST_F(fault, exec_fault)
{
	size_t npages = N * FA_STRIDE, i;
	unsigned char ret_insn = 0xc3;
	char *p;
	int fd;

	SKIP_IF_UNSET_UP();
	fd = memfd_create("mmscope-exec", MFD_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, npages * PG));
	for (i = 0; i < N; i++)
		ASSERT_EQ(1, pwrite(fd, &ret_insn, 1, i * FA_STRIDE * PG));
	p = mmap(NULL, npages * PG, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	begin(self);
	for (i = 0; i < N; i++)
		((void (*)(void))(p + i * FA_STRIDE * PG))();
	end(self);
	expect_faults(_metadata, "exec of a fresh code page",
		      WANT(MMSCOPE_ORIGIN_USER, MMSCOPE_ACCESS_EXEC, MMSCOPE_RESULT_MINOR,
			   MMSCOPE_MEM_SHMEM, MMSCOPE_CAUSE_CACHE_HIT), N, p, npages * PG);
	EXPECT_EQ(st0.faultaround_pages, st1.faultaround_pages);
	close(fd);
}

/*
 * memory "special": [vdso], a special mapping (vm_ops, no file, not
 * PFNMAP) whose pages special_mapping_fault() -> vdso_fault() maps.
 * MADV_DONTNEED zaps its ptes (only VM_PFNMAP, VM_LOCKED and hugetlb VMAs
 * refuse it, in 6.1 and 6.12), so each round of DONTNEED + a read of every
 * page is one fault per page.  [vvar] would be the VM_PFNMAP kind, but its
 * one faultable page (vvar_fault() returns SIGBUS for the pvclock, hvclock
 * and timens pages outside a time namespace) is mapped once per mm,
 * copied at fork, and cannot be zapped by MADV_DONTNEED.  Nothing between
 * begin() and end() reads the clock, which would run the vDSO.  The
 * oracles: min_flt (expect_faults()) and pagemap, which shows the pages
 * absent after MADV_DONTNEED and present after the reads.
 */
static int vdso_range(unsigned long *start, unsigned long *end)
{
	char *line;

	if (mmscope_slurp_file("/proc/self/maps", maps_buf, sizeof(maps_buf)) < 0)
		return -1;
	line = strstr(maps_buf, "[vdso]");
	if (!line)
		return -1;
	while (line > maps_buf && line[-1] != '\n')
		line--;
	return sscanf(line, "%lx-%lx", start, end) == 2 ? 0 : -1;
}

TEST_F(fault, special_mapping_vdso)
{
	unsigned long vstart, vend;
	long npages, rounds, r, i;
	__u64 pm[16];

	SKIP_IF_UNSET_UP();
	ASSERT_EQ(0, vdso_range(&vstart, &vend));
	npages = (vend - vstart) / PG;
	ASSERT_TRUE(npages > 0 && npages <= 16) TH_LOG("[vdso] has %ld pages", npages);
	rounds = N / npages;
	ASSERT_EQ(0, madvise((void *)vstart, vend - vstart, MADV_DONTNEED));
	ASSERT_EQ(0, mmscope_pagemap(0, vstart, npages, pm));
	for (i = 0; i < npages; i++)
		EXPECT_FALSE(pm[i] & MMSCOPE_PM_PRESENT) TH_LOG("vdso page %ld after DONTNEED", i);
	begin(self);
	for (r = 0; r < rounds; r++) {
		madvise((void *)vstart, vend - vstart, MADV_DONTNEED);
		touch_read((const char *)vstart, npages, PG);
	}
	end(self);
	ASSERT_EQ(0, mmscope_pagemap(0, vstart, npages, pm));
	for (i = 0; i < npages; i++)
		EXPECT_TRUE(pm[i] & MMSCOPE_PM_PRESENT) TH_LOG("vdso page %ld after the reads", i);
	expect_faults(_metadata, "[vdso] reads after MADV_DONTNEED",
		      WANT(MMSCOPE_ORIGIN_USER, MMSCOPE_ACCESS_READ, MMSCOPE_RESULT_MINOR,
			   MMSCOPE_MEM_SPECIAL, MMSCOPE_CAUSE_OTHER),
		      rounds * npages, (void *)vstart, vend - vstart);
	/*
	 * 6.12 tries each under the VMA lock first, and do_read_fault() gives
	 * it back (VM_FAULT_RETRY: no ->map_pages) to run under mmap_lock:
	 * every fault or none is retried.
	 */
	r = delta(AX_RESULT, MMSCOPE_RESULT_RETRY);
	EXPECT_TRUE(r == 0 || r == rounds * npages) TH_LOG("%ld retried attempts", r);
}

/* ---- threads ----------------------------------------------------------------------- */

struct thr {
	char *p;
	pid_t tid;
	pthread_barrier_t *ready, *go, *done, *leave;
};

static void *thr_main(void *arg)
{
	struct thr *t = arg;

	t->tid = gettid();
	touch_stack();
	pthread_barrier_wait(t->ready);
	pthread_barrier_wait(t->go);
	touch_write(t->p, N, PG);
	pthread_barrier_wait(t->done);
	pthread_barrier_wait(t->leave);
	return NULL;
}

/*
 * 4 threads write N fresh pages each.  The region's anon_vma is prepared
 * first (one page written beforehand) so the count is of page allocations.
 */
TEST_F(fault, threads)
{
	pthread_barrier_t ready, go, done, leave;
	struct thr t[N_THREADS];
	pthread_t th[N_THREADS];
	long per[N_THREADS] = { 0 }, i, k;
	size_t len = N_THREADS * N * PG;
	char *p;

	SKIP_IF_UNSET_UP();
	p = map_anon(N_THREADS * N + 1);
	ASSERT_NE(NULL, p);
	p[len] = 1;
	pthread_barrier_init(&ready, NULL, N_THREADS + 1);
	pthread_barrier_init(&go, NULL, N_THREADS + 1);
	pthread_barrier_init(&done, NULL, N_THREADS + 1);
	pthread_barrier_init(&leave, NULL, N_THREADS + 1);
	for (i = 0; i < N_THREADS; i++) {
		t[i] = (struct thr){ p + i * N * PG, 0, &ready, &go, &done, &leave };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, thr_main, &t[i]));
	}
	pthread_barrier_wait(&ready);
	begin(self);
	pthread_barrier_wait(&go);
	pthread_barrier_wait(&done);
	end(self);
	pthread_barrier_wait(&leave);
	for (i = 0; i < N_THREADS; i++)
		pthread_join(th[i], NULL);

	expect_faults(_metadata, "4 threads x N first writes",
		      WANT(MMSCOPE_ORIGIN_USER, MMSCOPE_ACCESS_WRITE, MMSCOPE_RESULT_MINOR,
			   MMSCOPE_MEM_ANON, MMSCOPE_CAUSE_ANON_NEW), N_THREADS * N, p, len);
	for (i = 0; i < nr_evs; i++) {
		unsigned long a = evs[i].address;

		if (a < (unsigned long)p || a >= (unsigned long)p + len)
			continue;
		k = (a - (unsigned long)p) / (N * PG);
		EXPECT_EQ(t[k].tid, (pid_t)evs[i].tid);
		EXPECT_EQ(self->pid, (pid_t)evs[i].pid);
		per[k]++;
	}
	for (i = 0; i < N_THREADS; i++) {
		EXPECT_EQ(N, per[i]);
		for (k = 0; k < i; k++)
			EXPECT_NE(t[k].tid, t[i].tid);
		EXPECT_NE(self->pid, t[i].tid);
	}
}

/*
 * migration_wait: a read of a page whose pte is a migration entry waits in
 * migration_entry_wait() (do_swap_page()).  The guest has one node, so
 * move_pages() and migrate_pages() have nowhere to move a page, and
 * compaction (/proc/sys/vm/compact_memory) in a mostly free guest migrates
 * next to nothing once memory is compact (measured: 0 pages in later
 * rounds, since the free scanner skips free pageblocks).  Taking a memory
 * block offline migrates every page in use in it (do_migrate_range()), so
 * the test offlines the 128 MiB block that holds most of a fresh 64 MiB
 * region while two reader threads (one per CPU) read every page of the
 * region in a loop; a reader that touches a page between try_to_migrate()
 * and remove_migration_ptes() takes the fault, then the block goes back
 * online.  Measured: several such faults per 256 pages migrated.  A block
 * the kernel refuses (an unmovable page: -EBUSY) is skipped for the next;
 * an offline that does not finish in MIG_OFFLINE_SECS (scaled) is
 * interrupted.  Oracles: every page of the region that was in the block is
 * at another PFN afterwards (pagemap), vmstat pgmigrate_success grew by at
 * least that many, and each migration_wait fault in the region is a read
 * of one of those pages.  Besides the classes: minor + major = getrusage().
 */
#define MIG_ROUNDS		8
#define MIG_PAGES		(64 * 256)
#define MIG_READERS		2
#define MIG_OFFLINE_SECS	60
#define MEM_BLOCKS		"/sys/devices/system/memory"

static struct {
	char *p;
	volatile int stop;
	__u64 pm0[MIG_PAGES], pm1[MIG_PAGES];
} mig;

static void *mig_reader(void *arg)
{
	cpu_set_t set;
	size_t i;

	CPU_ZERO(&set);
	CPU_SET((long)arg, &set);
	sched_setaffinity(0, sizeof(set), &set);
	while (!mig.stop)
		for (i = 0; i < MIG_PAGES; i++)
			(void)*(volatile const char *)(mig.p + i * PG);
	return NULL;
}

static void mig_interrupt(int sig)
{
}

/*
 * Write @state to memory block @nr.  offline_pages() retries until a signal
 * is pending: a timer sends this thread SIGUSR1 after @secs, whose handler
 * (no SA_RESTART) ends the write with EINTR.  0, -errno, or -ETIME.
 */
static int mem_block_set(long nr, const char *state, int secs)
{
	struct sigaction sa = { .sa_handler = mig_interrupt }, old;
	struct sigevent sev = {
		.sigev_notify = SIGEV_THREAD_ID,
		.sigev_signo = SIGUSR1,
	};
	struct itimerspec its = { .it_value.tv_sec = secs };
	char path[96];
	timer_t tm;
	int err;

	snprintf(path, sizeof(path), MEM_BLOCKS "/memory%ld/state", nr);
	sev._sigev_un._tid = gettid();	/* sigev_notify_thread_id */
	if (sigaction(SIGUSR1, &sa, &old))
		return -errno;
	if (timer_create(CLOCK_MONOTONIC, &sev, &tm)) {
		err = -errno;
		sigaction(SIGUSR1, &old, NULL);
		return err;
	}
	timer_settime(tm, 0, &its, NULL);
	err = mmscope_write_file(path, state);
	timer_delete(tm);
	sigaction(SIGUSR1, &old, NULL);
	return err == -EINTR ? -ETIME : err;
}

/* The memory block of the most pages of pm[] that no earlier try refused. */
static long mig_pick_block(const __u64 *pm, unsigned long block_pages,
			   const long *refused, int nr_refused, long *count)
{
	long best = -1, i, b, n;
	int k;

	*count = 0;
	for (i = 0; i < MIG_PAGES; i++) {
		b = (pm[i] & MMSCOPE_PM_PFN_MASK) / block_pages;
		for (k = 0; k < nr_refused && refused[k] != b; k++)
			;
		if (k < nr_refused || b == best)
			continue;
		for (n = 0, k = 0; k < MIG_PAGES; k++)
			n += (long)((pm[k] & MMSCOPE_PM_PFN_MASK) / block_pages) == b;
		if (n > *count) {
			*count = n;
			best = b;
		}
	}
	return best;
}

TEST_F_TIMEOUT(fault, migration_wait_under_offline, 600)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	long round, i, t, hits = 0, moved, bad, pgm0, pgm_round = 0, block = -1, in_block = 0;
	long refused[64];
	char *ballast[MIG_ROUNDS];
	unsigned long block_pages;
	int nr_refused = 0, nr_ballast = 0, err = 0;
	pthread_t th[MIG_READERS];
	char buf[64];
	FILE *f;

	SKIP_IF_UNSET_UP();
	ASSERT_LE(2, sysconf(_SC_NPROCESSORS_ONLN)) TH_LOG("the readers need a CPU each");
	f = fopen(MEM_BLOCKS "/block_size_bytes", "r");
	ASSERT_NE(NULL, f) TH_LOG("no memory hotplug in this kernel: %s", strerror(errno));
	ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
	fclose(f);
	block_pages = strtoul(buf, NULL, 16) / PG;
	ASSERT_LT(0, block_pages);
	/* no NUMA balancing (6.12 has two nodes): only the offline migrates */
	ASSERT_EQ(0, mmscope_read_line(nb_files[0], self->nb[0], sizeof(self->nb[0])) < 0);
	ASSERT_EQ(0, mmscope_write_file(nb_files[0], "0"));
	for (round = 0; round < MIG_ROUNDS && !hits; round++) {
		mig.p = map_anon(MIG_PAGES);
		ASSERT_NE(NULL, mig.p);
		touch_write(mig.p, MIG_PAGES, PG);
		ASSERT_EQ(0, mmscope_pagemap(0, (unsigned long)mig.p, MIG_PAGES, mig.pm0));
		mig.stop = 0;
		for (t = 0; t < MIG_READERS; t++)
			ASSERT_EQ(0, pthread_create(&th[t], NULL, mig_reader, (void *)(t % 2 ? 0L : 1L)));
		nanosleep(&ts, NULL);
		pgm0 = vmstat("pgmigrate_success");
		begin(self);
		/*
		 * The block with most of the region that the kernel lets go:
		 * one with an unmovable page (-EBUSY), or that spans two zones
		 * or a hole (-EINVAL: the first and last blocks), is refused
		 * for the rest of the test.
		 */
		do {
			block = mig_pick_block(mig.pm0, block_pages, refused, nr_refused, &in_block);
			if (block < 0)
				break;
			err = mem_block_set(block, "offline",
					    MIG_OFFLINE_SECS * mmscope_timeout_scale());
			if (err && err != -ETIME && nr_refused < (int)ARRAY_SIZE(refused))
				refused[nr_refused++] = block;
		} while (err && err != -ETIME);
		nanosleep(&ts, NULL);
		/* the readers end first: no fault of theirs is half counted */
		mig.stop = 1;
		for (t = 0; t < MIG_READERS; t++)
			pthread_join(th[t], NULL);
		end(self);
		if (!err && block >= 0)
			ASSERT_EQ(0, mem_block_set(block, "online", MIG_OFFLINE_SECS))
				TH_LOG("memory block %ld stays offline", block);
		pgm_round = vmstat("pgmigrate_success") - pgm0;
		ASSERT_EQ(0, mmscope_pagemap(0, (unsigned long)mig.p, MIG_PAGES, mig.pm1));
		TH_LOG("round %ld: memory block %ld (%ld pages of the region): %s; "
		       "pgmigrate_success +%ld", round, block, in_block,
		       block < 0 ? "no block left" : err ? strerror(-err) : "offline, online",
		       pgm_round);
		/* every round: the module's completed faults are the kernel's */
		EXPECT_EQ(ru_delta(), (long)(delta(AX_RESULT, MMSCOPE_RESULT_MINOR) +
					     delta(AX_RESULT, MMSCOPE_RESULT_MAJOR)));
		EXPECT_EQ(st0.missed, st1.missed);
		EXPECT_EQ((long)(st1.total - st0.total), nr_evs);
		/* a read never allocates an anonymous page: one that races
		 * migration and finds the page back is "other" */
		for (i = 0, bad = 0; i < nr_evs; i++)
			bad += evs[i].cause == MMSCOPE_CAUSE_ANON_NEW &&
			       evs[i].access == MMSCOPE_ACCESS_READ;
		EXPECT_EQ(0, bad) TH_LOG("read faults classed anon_new");
		hits = 0;
		if (!err && block >= 0) {
			/* the block is empty now: every page of it moved */
			for (i = 0, moved = 0; i < MIG_PAGES; i++)
				moved += (long)((mig.pm0[i] & MMSCOPE_PM_PFN_MASK) / block_pages) == block &&
					 (mig.pm1[i] & MMSCOPE_PM_PFN_MASK) != (mig.pm0[i] & MMSCOPE_PM_PFN_MASK);
			EXPECT_EQ(in_block, moved);
			EXPECT_LE(in_block, pgm_round);
		}
		/*
		 * The offline moves other processes' and the page cache's pages
		 * too, and this process's text or stack may be among them: a
		 * wait there is real but unchecked; each one in the region must
		 * be a reader's, on a page that moved.
		 */
		if (delta(AX_CAUSE, MMSCOPE_CAUSE_MIGRATION_WAIT)) {
			log_deltas(_metadata, "memory offline beside two readers");
			for (i = 0, bad = 0; i < nr_evs; i++) {
				const struct mmscope_fault_event *e = &evs[i];
				unsigned long a = e->address - (unsigned long)mig.p;

				if (e->cause != MMSCOPE_CAUSE_MIGRATION_WAIT)
					continue;
				log_event(_metadata, "migration_wait", e);
				if (e->address < (unsigned long)mig.p || a >= MIG_PAGES * PG)
					continue;
				hits++;
				if (e->access != MMSCOPE_ACCESS_READ || e->memory != MMSCOPE_MEM_ANON ||
				    (mig.pm0[a / PG] & MMSCOPE_PM_PFN_MASK) ==
				    (mig.pm1[a / PG] & MMSCOPE_PM_PFN_MASK))
					bad++;
			}
			EXPECT_EQ(0, bad) TH_LOG("migration_wait faults in the region off a migrated page");
		}
		/*
		 * A region that lay only in refused blocks stays mapped: the
		 * next region then takes its pages elsewhere.
		 */
		if (err || block < 0)
			ballast[nr_ballast++] = mig.p;
		else
			munmap(mig.p, MIG_PAGES * PG);
	}
	while (nr_ballast)
		munmap(ballast[--nr_ballast], MIG_PAGES * PG);
	TH_LOG("%ld rounds: %ld migration_wait faults in the region in the last", round, hits);
	ASSERT_LE(1, hits) TH_LOG("no reader met a migration entry in %ld rounds", round);
}

/* ---- a tracked process that exits ------------------------------------------------- */

/* Compare the debugfs view of @pid with @s, class by class. */
static void expect_debugfs_matches(struct __test_metadata *_metadata, pid_t pid,
				   const struct mmscope_fault_stats *s, const char *state)
{
	char path[128], line[512], a[64], c[64];
	unsigned long long v;
	int ax, cl, seen = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d/faults", TASKS_DIR, pid);
	f = fopen(path, "re");
	ASSERT_NE(NULL, f) {
		TH_LOG("open %s: %s", path, strerror(errno));
	}
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		if (sscanf(line, "state %63s", a) == 1) {
			EXPECT_STREQ(state, a);
			seen++;
		} else if (sscanf(line, "total %llu", &v) == 1) {
			EXPECT_EQ(s->total, v);
			seen++;
		} else if (sscanf(line, "faultaround_pages %llu", &v) == 1) {
			EXPECT_EQ(s->faultaround_pages, v);
		} else if (sscanf(line, "%63s %63s %llu", a, c, &v) == 3) {
			for (ax = 0; ax < AX_NR; ax++) {
				if (strcmp(a, axis_names[ax]))
					continue;
				for (cl = 0; cl < axis_len[ax]; cl++)
					if (!strcmp(c, class_names[ax][cl])) {
						EXPECT_EQ(axis_of(s, ax)[cl], v) {
							TH_LOG("debugfs %s %s", a, c);
						}
						seen++;
					}
			}
		}
	}
	fclose(f);
	EXPECT_EQ(2 + MMSCOPE_NR_ORIGINS + MMSCOPE_NR_ACCESSES + MMSCOPE_NR_RESULTS +
		  MMSCOPE_NR_MEMS + MMSCOPE_NR_CAUSES, seen);
}

TEST_F(fault, exited_process_freezes)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	struct mmscope_fault_stats a, b;
	int go[2], rep[2], ret;
	char c = 0;

	SKIP_IF_UNSET_UP();
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(rep, O_CLOEXEC));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		char *p = map_anon(N + 1);

		if (!p)
			_exit(1);
		p[N * PG] = 1;	/* its anon_vma */
		warm();
		if (write(rep[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(1);
		touch_write(p, N, PG);
		_exit(0);
	}
	ASSERT_EQ(1, read(rep[0], &c, 1));
	ret = mmscope_track_ioc(self->fd, self->child, 0);
	ASSERT_EQ(0, ret) {
		TH_LOG("TRACK child: %s", strerror(-ret));
	}
	self->child_tracked = self->child;
	ASSERT_EQ(0, mmscope_fault_stats(self->fd, self->child, &a));
	EXPECT_EQ(0, a.flags & MMSCOPE_FAULT_EXITED);
	ASSERT_EQ(1, write(go[1], &c, 1));
	ASSERT_EQ(self->child, waitpid(self->child, &ret, 0));
	EXPECT_TRUE(WIFEXITED(ret) && WEXITSTATUS(ret) == 0);

	ASSERT_EQ(0, mmscope_fault_stats(self->fd, self->child, &a));
	EXPECT_TRUE(a.flags & MMSCOPE_FAULT_EXITED);
	TH_LOG("exited child: total %llu anon_new %llu", (unsigned long long)a.total,
	       (unsigned long long)a.cause[MMSCOPE_CAUSE_ANON_NEW]);
	EXPECT_LE(N, a.cause[MMSCOPE_CAUSE_ANON_NEW]);
	EXPECT_GE(N + NOISE, a.cause[MMSCOPE_CAUSE_ANON_NEW]);
	nanosleep(&ts, NULL);
	ASSERT_EQ(0, mmscope_fault_stats(self->fd, self->child, &b));
	EXPECT_EQ(0, memcmp(&a, &b, sizeof(a))) {
		TH_LOG("counts moved after the exit");
	}
	expect_debugfs_matches(_metadata, self->child, &b, "exited");
	self->child = 0;	/* reaped */
	EXPECT_EQ(0, mmscope_track_ioc(self->fd, b.pid, MMSCOPE_TRACK_REMOVE));
	self->child_tracked = 0;
}

/* ---- the event stream ---------------------------------------------------------------- */

static long read_all(int sfd, struct mmscope_fault_event *buf, long max)
{
	long n = 0;
	ssize_t got;

	while (n < max && (got = read(sfd, buf + n, (max - n) * sizeof(*buf))) > 0)
		n += got / sizeof(*buf);
	return n;
}

TEST_F(fault, stream_burst_in_order)
{
	long n, i, in = 0;
	int sfd, ret;
	char *p;

	SKIP_IF_UNSET_UP();
	p = map_anon(N + 1);
	ASSERT_NE(NULL, p);
	p[N * PG] = 1;		/* anon_vma ready: one fault per page */
	sfd = open(MMSCOPE_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, sfd);
	ret = mmscope_fault_stream(sfd, self->pid, 256, NULL);
	ASSERT_EQ(0, ret);
	memset(evs2, 0, sizeof(evs2));
	read_all(sfd, evs2, 1024);
	begin(self);
	touch_write(p, N, PG);
	end(self);
	n = read_all(sfd, evs2, 1024);
	EXPECT_EQ(nr_evs, n);
	for (i = 0; i < n; i++) {
		const struct mmscope_fault_event *e = &evs2[i];

		EXPECT_EQ(0, e->dropped);
		EXPECT_EQ(self->pid, (pid_t)e->pid);
		EXPECT_EQ(self->pid, (pid_t)e->tid);
		if (i)
			EXPECT_LE(evs2[i - 1].time_ns, e->time_ns);
		if (e->address < (unsigned long)p || e->address >= (unsigned long)p + N * PG) {
			log_event(_metadata, "outside the burst", e);
			continue;
		}
		EXPECT_EQ((unsigned long)p + in * PG, e->address) {
			log_event(_metadata, "out of order", e);
		}
		EXPECT_NE(0, e->ip);
		EXPECT_EQ(MMSCOPE_CAUSE_ANON_NEW, e->cause);
		EXPECT_EQ((unsigned long)p, e->vma_start);
		in++;
	}
	EXPECT_EQ(N, in);
	close(sfd);
}

/*
 * 64 faults into a 16-record ring nobody reads: 16 delivered, 48 dropped,
 * and the next record delivered (a marker fault) carries the 48.
 */
TEST_F(fault, stream_overflow_reports_drops)
{
	struct mmscope_fault_stream out = { 0 };
	long n1, n2, i, dropped = 0;
	int sfd, ret;
	char *p;

	SKIP_IF_UNSET_UP();
	p = map_anon(N + 2);
	ASSERT_NE(NULL, p);
	p[(N + 1) * PG] = 1;
	sfd = open(MMSCOPE_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, sfd);
	memset(evs2, 0, sizeof(evs2));
	mmscope_fault_stats(self->fd, 0, &st0);
	ret = mmscope_fault_stream(sfd, self->pid, 16, NULL);
	ASSERT_EQ(0, ret);
	touch_write(p, N, PG);
	n1 = read_all(sfd, evs2, 1024);
	touch_write(p + N * PG, 1, PG);		/* the marker */
	n2 = read_all(sfd, evs2 + n1, 1024 - n1);
	ret = mmscope_fault_stream(sfd, self->pid, 16, &out);
	mmscope_fault_stats(self->fd, 0, &st1);
	ASSERT_EQ(0, ret);

	for (i = 0; i < n1 + n2; i++)
		dropped += evs2[i].dropped;
	TH_LOG("ring 16, burst %d + marker: delivered %ld + %ld, dropped fields %ld, "
	       "FAULT_STREAM dropped %llu delivered %llu, faults counted %llu", N, n1, n2,
	       dropped, (unsigned long long)out.dropped, (unsigned long long)out.delivered,
	       (unsigned long long)(st1.total - st0.total));
	EXPECT_EQ(16, n1);
	EXPECT_EQ(1, n2);
	for (i = 0; i < n1; i++)
		EXPECT_EQ(0, evs2[i].dropped);
	EXPECT_EQ((unsigned long)p + N * PG, evs2[n1].address);
	EXPECT_EQ(N - 16, evs2[n1].dropped);
	EXPECT_EQ(N + 1, dropped + n1 + n2);
	EXPECT_EQ((long)(st1.total - st0.total), dropped + n1 + n2);
	EXPECT_EQ((__u64)dropped, out.dropped);
	EXPECT_EQ((__u64)(n1 + n2), out.delivered);
	close(sfd);
}

/* FAULT_STREAM with @flags and @watermark; 0 or -errno, the answer in @out. */
static int stream_wm(int fd, pid_t pid, __u32 ring, __u32 flags, __u32 watermark,
		     struct mmscope_fault_stream *out)
{
	struct mmscope_fault_stream a = {
		.size = sizeof(a), .flags = flags, .pid = pid, .ring_records = ring,
		.watermark = watermark,
	};

	if (ioctl(fd, MMSCOPE_IOC_FAULT_STREAM, &a))
		return -errno;
	if (out)
		*out = a;
	return 0;
}

/*
 * A watermark of 64 and 8 faults: poll() still reports them, once they have
 * waited MMSCOPE_STREAM_FLUSH_MS (the 10 s limit only bounds a failure), and
 * a blocking read() returns all 8.  Then a watermark of 16 set by a second
 * call, kept by a call without the flag, and 32 faults: reported and read.
 */
TEST_F(fault, stream_watermark_holds_then_flushes)
{
	struct mmscope_fault_stream out = { 0 };
	struct pollfd pf;
	long n, i, ours;
	int sfd;
	char *p;

	SKIP_IF_UNSET_UP();
	p = map_anon(40);
	ASSERT_NE(NULL, p);
	sfd = open(MMSCOPE_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, sfd);
	ASSERT_EQ(0, stream_wm(sfd, self->pid, 256, MMSCOPE_STREAM_WATERMARK, 64, &out));
	EXPECT_EQ(64, out.watermark);
	touch_write(p, 8, PG);
	pf = (struct pollfd){ .fd = sfd, .events = POLLIN };
	ASSERT_EQ(1, poll(&pf, 1, 10000)) TH_LOG("8 records below the watermark never reported");
	EXPECT_TRUE(pf.revents & POLLIN);
	n = read(sfd, evs2, sizeof(evs2));
	ASSERT_LT(0, n) TH_LOG("read: %s", strerror(errno));
	n /= sizeof(evs2[0]);
	for (i = 0, ours = 0; i < n; i++)
		ours += evs2[i].address >= (unsigned long)p && evs2[i].address < (unsigned long)p + 8 * PG;
	EXPECT_EQ(8, ours);

	ASSERT_EQ(0, stream_wm(sfd, self->pid, 256, MMSCOPE_STREAM_WATERMARK, 16, &out));
	EXPECT_EQ(16, out.watermark);
	ASSERT_EQ(0, stream_wm(sfd, self->pid, 256, 0, 0, &out));
	EXPECT_EQ(16, out.watermark);		/* a call without the flag keeps it */
	touch_write(p + 8 * PG, 32, PG);
	pf = (struct pollfd){ .fd = sfd, .events = POLLIN };
	ASSERT_EQ(1, poll(&pf, 1, 10000));
	for (ours = 0; ours < 32; ) {
		n = read(sfd, evs2, sizeof(evs2));
		ASSERT_LT(0, n) TH_LOG("read: %s", strerror(errno));
		for (i = 0; i < n / (long)sizeof(evs2[0]); i++)
			ours += evs2[i].address >= (unsigned long)p + 8 * PG &&
				evs2[i].address < (unsigned long)p + 40 * PG;
	}
	EXPECT_EQ(32, ours);
	close(sfd);
	munmap(p, 40 * PG);
}

/* One test per watermark rule: abi.md's EINVAL cases, and the largest allowed. */
TEST_F(fault, stream_watermark_rules)
{
	struct mmscope_fault_stream out = { 0 };
	int sfd;

	SKIP_IF_UNSET_UP();
	sfd = open(MMSCOPE_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, sfd);
	EXPECT_EQ(-EINVAL, stream_wm(sfd, self->pid, 16, 0, 4, NULL));
	EXPECT_EQ(-EINVAL, stream_wm(sfd, self->pid, 16, MMSCOPE_STREAM_WATERMARK, 0, NULL));
	EXPECT_EQ(-EINVAL, stream_wm(sfd, self->pid, 16, MMSCOPE_STREAM_WATERMARK, 9, NULL));
	EXPECT_EQ(-EINVAL, stream_wm(sfd, self->pid, 16, MMSCOPE_STREAM_FLAGS_ALL << 1, 0, NULL));
	ASSERT_EQ(0, stream_wm(sfd, self->pid, 16, MMSCOPE_STREAM_WATERMARK, 8, &out));
	EXPECT_EQ(8, out.watermark);
	close(sfd);
	/* without the flag the watermark is 1: every record */
	sfd = open(MMSCOPE_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, sfd);
	ASSERT_EQ(0, stream_wm(sfd, self->pid, 16, 0, 0, &out));
	EXPECT_EQ(1, out.watermark);
	close(sfd);
}

/* Whether @pid sleeps (state S in /proc/PID/stat), read without stdio. */
static int sleeping(pid_t pid)
{
	char path[64], *s;
	ssize_t got;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	got = read(fd, maps_buf, 4095);
	close(fd);
	if (got <= 0)
		return 0;
	maps_buf[got] = 0;
	s = strrchr(maps_buf, ')');
	return s && s[1] == ' ' && s[2] == 'S';
}

/* A child sleeps in poll() on the stream; one fault of ours wakes it. */
TEST_F(fault, stream_poll_wakes)
{
	struct timespec ts = { 0, 200 * 1000 * 1000 };
	struct pollfd pfd;
	int go[2], rep[2], sfd, tries;
	struct { int ret, revents; long ms; } res;
	char *p, c = 0;
	long n, i, found = 0;

	SKIP_IF_UNSET_UP();
	p = map_anon(2);
	ASSERT_NE(NULL, p);
	p[PG] = 1;
	sfd = open(MMSCOPE_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, sfd);
	ASSERT_EQ(0, mmscope_fault_stream(sfd, self->pid, 256, NULL));
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(rep, O_CLOEXEC));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		struct timespec t0, t1;

		if (read(go[0], &c, 1) != 1)
			_exit(1);
		pfd = (struct pollfd){ .fd = sfd, .events = POLLIN };
		clock_gettime(CLOCK_MONOTONIC, &t0);
		res.ret = poll(&pfd, 1, 20000);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		res.revents = pfd.revents;
		res.ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		_exit(write(rep[1], &res, sizeof(res)) == sizeof(res) ? 0 : 1);
	}
	warm();
	read_all(sfd, evs2, 1024);
	pfd = (struct pollfd){ .fd = sfd, .events = POLLIN };
	ASSERT_EQ(0, poll(&pfd, 1, 0)) {
		TH_LOG("the drained ring reports events");
	}
	ASSERT_EQ(1, write(go[1], &c, 1));
	for (tries = 0; tries < 50 && !sleeping(self->child); tries++)
		nanosleep(&ts, NULL);
	nanosleep(&ts, NULL);
	p[0] = 1;		/* the fault */
	ASSERT_EQ((ssize_t)sizeof(res), read(rep[0], &res, sizeof(res)));
	waitpid(self->child, NULL, 0);
	self->child = 0;
	TH_LOG("poll returned %d revents %#x after %ld ms", res.ret, res.revents, res.ms);
	EXPECT_EQ(1, res.ret);
	EXPECT_TRUE(res.revents & POLLIN);
	EXPECT_GT(10000, res.ms);
	n = read_all(sfd, evs2, 1024);
	for (i = 0; i < n; i++)
		found += evs2[i].address == (unsigned long)p;
	EXPECT_EQ(1, found);
	close(sfd);
}

/* ---- the per-VMA table ------------------------------------------------------------------ */

/*
 * The VMA table of FAULT_STATS (vmas[], nr_vmas, other_vmas) against a
 * construction whose answer is known: a child writes a known, different
 * number of fresh pages into each of several anonymous VMAs that cannot
 * merge.  The oracles: /proc/PID/maps (each VMA's start and end), and
 * /proc/PID/pagemap (the pages present in it: one first-touch write fault
 * maps exactly one page).  The module counts a retried attempt as a fault
 * of its own (result retry; on 6.12 a first write under the per-VMA lock
 * whose anon_vma_prepare() cannot take mmap_lock at once); such an attempt
 * leaves the entry empty, so its cause is "other": each VMA's faults are
 * exactly its pages present plus the retried attempts the stream shows in
 * it, and its anon_new cause exactly its pages present.  A fault with no
 * VMA is only a SIGSEGV counted from the signal (memory "none"); the child
 * takes none, so the returned VMAs and other_vmas add up to total.
 *
 * (Measured on 6.12 with a thread taking mmap_lock for writing in a loop:
 * 23 of 400 such first writes retried, each a retry/other event then a
 * minor/anon_new one in the same VMA.)
 *
 * The layout: one PROT_NONE reservation (MADV_NOHUGEPAGE) in which VMA i,
 * VT_PAGES pages made read-write by mprotect(), starts at page
 * 1 + i * (VT_PAGES + 1): a PROT_NONE page before each VMA and after the
 * last.  It is made before the fork, so both processes know the
 * addresses; only the child touches them.
 */
#define VT_PAGES	72		/* pages per VMA, more than any writes */
#define VT_MAX		40
#define VT_RING		16384		/* records: far more than the child faults */
#define VT_MAPS		512

static char *vt_vma(char *base, int i)
{
	return base + (1 + (size_t)i * (VT_PAGES + 1)) * PG;
}

static size_t vt_len(int n)
{
	return (1 + (size_t)n * (VT_PAGES + 1)) * PG;
}

static char *vt_reserve(int n)
{
	char *base = mmap(NULL, vt_len(n), PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	int i;

	if (base == MAP_FAILED)
		return NULL;
	if (madvise(base, vt_len(n), MADV_NOHUGEPAGE))
		goto fail;
	for (i = 0; i < n; i++)
		if (mprotect(vt_vma(base, i), VT_PAGES * PG, PROT_READ | PROT_WRITE))
			goto fail;
	return base;
fail:
	munmap(base, vt_len(n));
	return NULL;
}

/*
 * The child: says ready on @rep (after its warm()), then at a byte on @go
 * writes @touch[i] fresh pages of VMA i, i in order, says done, and exits
 * at the next byte.  It sleeps in read() whenever it is not writing.
 */
static pid_t vt_child(char *base, const int *touch, int n, int go, int rep)
{
	pid_t pid = fork();
	char c = 0;
	int i;

	if (pid)
		return pid;
	warm();
	if (write(rep, &c, 1) != 1 || read(go, &c, 1) != 1)
		_exit(1);
	for (i = 0; i < n; i++)
		touch_write(vt_vma(base, i), touch[i], PG);
	if (write(rep, &c, 1) != 1)
		_exit(1);
	while (read(go, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

struct vt_map {
	unsigned long start, end;
	char perms[8];
};

static struct {
	char *base;
	int n;
	const int *touch;
	struct mmscope_fault_stats st;		/* the module's answer */
	struct mmscope_fault_event *ev;		/* the child's whole stream */
	long nr_ev;
	struct vt_map maps[VT_MAPS];		/* /proc/PID/maps */
	int nr_maps;
	long present[VT_MAX];			/* pages present per pagemap */
	struct { unsigned long start; long n; } seen[VT_MAPS];	/* VMAs in the stream */
	int nr_seen;
} vt;

/* /proc/@pid/maps into @m (at most VT_MAPS lines); the count, or -1. */
static int vt_read_maps(pid_t pid, struct vt_map *m)
{
	char path[64], *line, *next;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	if (mmscope_slurp_file(path, maps_buf, sizeof(maps_buf)) < 0)
		return -1;
	for (line = maps_buf; line && *line && n < VT_MAPS; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		if (sscanf(line, "%lx-%lx %7s", &m[n].start, &m[n].end, m[n].perms) == 3)
			n++;
	}
	return n;
}

static const struct vt_map *vt_map_at(unsigned long start)
{
	int i;

	for (i = 0; i < vt.nr_maps; i++)
		if (vt.maps[i].start == start)
			return &vt.maps[i];
	return NULL;
}

/* The oracle: maps and the pages present in each VMA of the layout. */
static void vt_oracle(struct __test_metadata *_metadata, pid_t pid, long *present,
		      struct vt_map *maps, int *nr_maps)
{
	static __u64 pm[VT_PAGES];
	int i, j;

	*nr_maps = vt_read_maps(pid, maps);
	ASSERT_LT(0, *nr_maps);
	ASSERT_GT(VT_MAPS, *nr_maps);
	for (i = 0; i < vt.n; i++) {
		ASSERT_EQ(0, mmscope_pagemap(pid, (unsigned long)vt_vma(vt.base, i), VT_PAGES, pm));
		for (j = 0, present[i] = 0; j < VT_PAGES; j++)
			present[i] += !!(pm[j] & MMSCOPE_PM_PRESENT);
	}
}

/* Wait (bounded) until @pid sleeps: it is in its read() of the pipe. */
static int vt_wait_sleeping(pid_t pid)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int tries;

	for (tries = 0; tries < 3000; tries++) {
		if (sleeping(pid))
			return 0;
		nanosleep(&ts, NULL);
	}
	return -1;
}

/* The child's events in the VMA that starts at @start. */
static void vt_tally(unsigned long start, long *all, long *retry)
{
	long i;

	*all = *retry = 0;
	for (i = 0; i < vt.nr_ev; i++) {
		if (vt.ev[i].memory == MMSCOPE_MEM_NONE || vt.ev[i].vma_start != start)
			continue;
		(*all)++;
		*retry += vt.ev[i].result == MMSCOPE_RESULT_RETRY;
	}
}

/*
 * Run the child over @n VMAs with @touch[i] writes in VMA i, and take, with
 * the child asleep: the oracle, the module's table, the oracle again (the
 * same), and the whole stream of the child's faults since it was tracked
 * (asleep, before its first fault of the run).
 */
static void vt_run(struct __test_metadata *_metadata, FIXTURE_DATA(fault) *self,
		   const int *touch, int n)
{
	static struct vt_map maps2[VT_MAPS];
	struct mmscope_fault_stats again;
	struct mmscope_fault_stream out = { 0 };
	long present2[VT_MAX];
	int go[2], rep[2], sfd, nr_maps2, i, j, ret;
	ssize_t got;
	char c = 0;

	ASSERT_GE(VT_MAX, n);
	vt.n = n;
	vt.touch = touch;
	vt.base = vt_reserve(n);
	ASSERT_NE(NULL, vt.base);
	vt.ev = calloc(VT_RING, sizeof(*vt.ev));
	ASSERT_NE(NULL, vt.ev);
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(rep, O_CLOEXEC));
	self->child = vt_child(vt.base, touch, n, go[0], rep[1]);
	ASSERT_LT(0, self->child);
	ASSERT_EQ(1, read(rep[0], &c, 1));
	ASSERT_EQ(0, vt_wait_sleeping(self->child));
	ret = mmscope_track_ioc(self->fd, self->child, 0);
	ASSERT_EQ(0, ret) {
		TH_LOG("TRACK child: %s", strerror(-ret));
	}
	self->child_tracked = self->child;
	sfd = open(MMSCOPE_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, sfd);
	ret = mmscope_fault_stream(sfd, self->child, VT_RING, NULL);
	ASSERT_EQ(0, ret) {
		TH_LOG("FAULT_STREAM child: %s", strerror(-ret));
	}
	/* asleep since before it was tracked: nothing counted yet */
	ASSERT_EQ(0, mmscope_fault_stats(self->fd, self->child, &vt.st));
	ASSERT_EQ(0, vt.st.total);

	ASSERT_EQ(1, write(go[1], &c, 1));
	ASSERT_EQ(1, read(rep[0], &c, 1));
	ASSERT_EQ(0, vt_wait_sleeping(self->child));

	/* oracle, module, oracle: the same before and after */
	vt_oracle(_metadata, self->child, vt.present, vt.maps, &vt.nr_maps);
	ASSERT_EQ(0, mmscope_fault_stats(self->fd, self->child, &vt.st));
	vt_oracle(_metadata, self->child, present2, maps2, &nr_maps2);
	ASSERT_EQ(0, mmscope_fault_stats(self->fd, self->child, &again));
	ASSERT_EQ(vt.nr_maps, nr_maps2);
	ASSERT_EQ(0, memcmp(vt.maps, maps2, vt.nr_maps * sizeof(maps2[0])));
	ASSERT_EQ(0, memcmp(vt.present, present2, n * sizeof(present2[0])));
	ASSERT_EQ(0, memcmp(&vt.st, &again, sizeof(again))) {
		TH_LOG("the asleep child's counts moved");
	}

	vt.nr_ev = 0;
	while (vt.nr_ev < VT_RING &&
	       (got = read(sfd, vt.ev + vt.nr_ev, (VT_RING - vt.nr_ev) * sizeof(*vt.ev))) > 0)
		vt.nr_ev += got / sizeof(*vt.ev);
	ASSERT_EQ(0, mmscope_fault_stream(sfd, self->child, VT_RING, &out));
	close(sfd);
	EXPECT_EQ(0, out.dropped);
	EXPECT_EQ((__u64)vt.nr_ev, out.delivered);
	/* the stream saw every fault counted */
	ASSERT_EQ((long)vt.st.total, vt.nr_ev);

	/* the VMAs the stream shows, with their faults */
	vt.nr_seen = 0;
	for (i = 0; i < vt.nr_ev; i++) {
		if (vt.ev[i].memory == MMSCOPE_MEM_NONE)
			continue;
		for (j = 0; j < vt.nr_seen && vt.seen[j].start != vt.ev[i].vma_start; j++)
			;
		if (j == vt.nr_seen) {
			ASSERT_GT(VT_MAPS, vt.nr_seen);
			vt.seen[vt.nr_seen].start = vt.ev[i].vma_start;
			vt.seen[vt.nr_seen++].n = 0;
		}
		vt.seen[j].n++;
	}

	ASSERT_EQ(1, write(go[1], &c, 1));
	ASSERT_EQ(self->child, waitpid(self->child, &ret, 0));
	self->child = 0;
	EXPECT_TRUE(WIFEXITED(ret) && WEXITSTATUS(ret) == 0);
	close(go[0]); close(go[1]); close(rep[0]); close(rep[1]);
}

/* Index of the layout's VMA starting at @start, or -1 (another VMA). */
static int vt_index(unsigned long start)
{
	int i;

	for (i = 0; i < vt.n; i++)
		if ((unsigned long)vt_vma(vt.base, i) == start)
			return i;
	return -1;
}

/*
 * The checks both tests make on the table: well formed and in order; it
 * adds up; each VMA returned has all its faults (the stream's count for
 * it), and other_vmas all the others'; the layout's VMAs in it are its
 * @want busiest, in order, each with the span maps shows and exactly the
 * faults pagemap and the stream say.
 */
static void vt_expect_table(struct __test_metadata *_metadata, int want)
{
	const struct mmscope_fault_stats *s = &vt.st;
	__u64 skew, vsum = 0, others = 0;
	long all, retry, least;
	int i, k, t, order[VT_MAX];
	char why[256];

	for (i = 0; i < (int)s->nr_vmas; i++) {
		const struct mmscope_fault_vma *v = &s->vmas[i];

		TH_LOG("vmas[%d] [%#llx, %#llx) faults %llu anon_new %llu other %llu (layout VMA %d)",
		       i, (unsigned long long)v->start, (unsigned long long)v->end,
		       (unsigned long long)v->faults,
		       (unsigned long long)v->cause[MMSCOPE_CAUSE_ANON_NEW],
		       (unsigned long long)v->cause[MMSCOPE_CAUSE_OTHER], vt_index(v->start));
	}
	TH_LOG("total %llu, other_vmas %llu, nr_vmas %u; the stream: %ld events in %d VMAs",
	       (unsigned long long)s->total, (unsigned long long)s->other_vmas, s->nr_vmas,
	       vt.nr_ev, vt.nr_seen);
	EXPECT_EQ(0, mmscope_fault_stats_check(s, 1, &skew, why, sizeof(why))) {
		TH_LOG("%s", why);
	}

	/* the child took no SIGSEGV: every fault had a VMA */
	EXPECT_EQ(0, s->memory[MMSCOPE_MEM_NONE]);
	for (i = 0; i < (int)s->nr_vmas; i++)
		vsum += s->vmas[i].faults;
	EXPECT_EQ(s->total - s->memory[MMSCOPE_MEM_NONE], vsum + s->other_vmas);
	EXPECT_EQ((__u32)(vt.nr_seen < MMSCOPE_FAULT_TOP_VMAS ? vt.nr_seen : MMSCOPE_FAULT_TOP_VMAS),
		  s->nr_vmas);
	for (i = 1; i < (int)s->nr_vmas; i++)
		EXPECT_TRUE(s->vmas[i - 1].faults > s->vmas[i].faults ||
			    (s->vmas[i - 1].faults == s->vmas[i].faults &&
			     s->vmas[i - 1].start < s->vmas[i].start)) {
			TH_LOG("vmas[%d] and vmas[%d] out of order", i - 1, i);
		}
	for (i = 0; i < (int)s->nr_vmas; i++) {
		vt_tally(s->vmas[i].start, &all, &retry);
		EXPECT_EQ(all, (long)s->vmas[i].faults) {
			TH_LOG("vmas[%d]: the stream has %ld faults in it", i, all);
		}
	}
	for (k = 0; k < vt.nr_seen; k++) {
		for (i = 0; i < (int)s->nr_vmas && s->vmas[i].start != vt.seen[k].start; i++)
			;
		if (i == (int)s->nr_vmas)
			others += vt.seen[k].n;
	}
	EXPECT_EQ(others, s->other_vmas);

	/* the construction: the pages written are the pages present */
	for (i = 0; i < vt.n; i++)
		EXPECT_EQ(vt.touch[i], vt.present[i]) {
			TH_LOG("layout VMA %d: %ld pages present, %d written", i, vt.present[i],
			       vt.touch[i]);
		}
	/* the layout's VMAs, busiest first (all written a distinct number) */
	for (i = 0; i < vt.n; i++) {
		for (k = i; k > 0 && vt.touch[order[k - 1]] < vt.touch[i]; k--)
			order[k] = order[k - 1];
		order[k] = i;
	}
	for (i = 1; i < vt.n; i++)
		ASSERT_GT(vt.touch[order[i - 1]], vt.touch[order[i]]);
	/* no other VMA of the child's is as busy as the @want-th of them */
	least = vt.touch[order[want - 1]];
	for (k = 0; k < vt.nr_seen; k++)
		if (vt_index(vt.seen[k].start) < 0)
			EXPECT_GT(least, vt.seen[k].n) {
				TH_LOG("VMA at %#lx, not the layout's, took %ld faults",
				       vt.seen[k].start, vt.seen[k].n);
			}
	ASSERT_LE(want, (int)s->nr_vmas);
	for (k = 0; k < want; k++) {
		const struct mmscope_fault_vma *v = &s->vmas[k];
		unsigned long start = (unsigned long)vt_vma(vt.base, order[k]);
		const struct vt_map *m = vt_map_at(v->start);

		t = order[k];
		EXPECT_EQ(start, v->start) {
			TH_LOG("vmas[%d] is not layout VMA %d (%d pages written)", k, t, vt.touch[t]);
		}
		if (start != v->start)
			continue;
		EXPECT_EQ(start + VT_PAGES * PG, v->end);
		EXPECT_NE(NULL, m) {
			TH_LOG("no line of maps starts at %#lx", start);
		}
		if (m) {
			EXPECT_EQ(m->end, v->end);
			EXPECT_STREQ("rw-p", m->perms);
		}
		vt_tally(start, &all, &retry);
		if (retry)
			TH_LOG("layout VMA %d: %ld retried attempts", t, retry);
		EXPECT_EQ(vt.present[t] + retry, (long)v->faults);
		EXPECT_EQ(vt.present[t], (long)v->cause[MMSCOPE_CAUSE_ANON_NEW]);
		EXPECT_EQ(retry, (long)v->cause[MMSCOPE_CAUSE_OTHER]);
	}
}

static void vt_done(void)
{
	munmap(vt.base, vt_len(vt.n));
	free(vt.ev);
}

/* Six VMAs, written in an order that is not the order of their counts. */
static const int vt_touch6[] = { 12, 40, 20, 33, 9, 27 };

TEST_F(fault, vma_table_matches_maps_and_pagemap)
{
	SKIP_IF_UNSET_UP();
	vt_run(_metadata, self, vt_touch6, MMSCOPE_ARRAY_LEN(vt_touch6));
	vt_expect_table(_metadata, MMSCOPE_ARRAY_LEN(vt_touch6));
	vt_done();
}

/*
 * 40 VMAs for the module's 32 slots (MMSCOPE_FAULT_VMA_SLOTS, faults.md):
 * 32 written 1 to 32 pages, 8 written 40 to 68 (the busiest), two of these
 * first, two after 20 small ones, four after the 12 others.  Each new VMA
 * past 32 evicts the slot with the fewest faults; a VMA written in one go
 * is complete when the next one comes, so one of the 8 busiest is never
 * the least of 32 (at most 7 VMAs have more faults).  The 8 returned are
 * exactly those 8, and everything else is in other_vmas.
 */
#define VT_SLOTS	32
static const int vt_touch40[] = {
	60, 44,
	17, 3, 29, 8, 22, 1, 31, 12, 26, 5, 19, 14, 32, 7, 24, 10, 28, 2, 21, 15,
	68, 40,
	9, 30, 4, 25, 13, 18, 6, 27, 11, 23, 16, 20,
	52, 48, 64, 56,
};
_Static_assert(MMSCOPE_ARRAY_LEN(vt_touch40) == VT_MAX, "40 VMAs");

TEST_F(fault, vma_table_keeps_busiest_when_full)
{
	SKIP_IF_UNSET_UP();
	vt_run(_metadata, self, vt_touch40, MMSCOPE_ARRAY_LEN(vt_touch40));
	/* more VMAs faulted than the slots: some were evicted */
	EXPECT_LT(VT_SLOTS, vt.nr_seen);
	EXPECT_LT(0, vt.st.other_vmas);
	vt_expect_table(_metadata, MMSCOPE_FAULT_TOP_VMAS);
	vt_done();
}

/* ---- latency ----------------------------------------------------------------------------- */

/*
 * latency_ns is the time spent in one handle_mm_fault() call, from its
 * entry to its return (ktime_get_ns(), which is CLOCK_MONOTONIC).  Both
 * bounds below are causal, not guesses at the machine's speed: a call is
 * inside the access that made it, so it starts after the faulting thread
 * read the clock before the access, ends before the clock read after it,
 * and lasts less than the two apart; a call that waits for a userfaultfd
 * reply lasts at least from the moment the server read the message (the
 * fault was queued from inside the call) to the moment it started the
 * UFFDIO_COPY that woke it, and the server sleeps LAT_DELAY_NS in between.
 *
 * A userfaultfd fault is two handle_mm_fault() calls, so two events: the
 * first waits in handle_userfault() and returns VM_FAULT_RETRY (result
 * retry, cause uffd); the architecture's handler then calls it again, and
 * that call finds the entry UFFDIO_COPY installed (cause other).  That
 * second one is the completed fault mm_account_fault() charges: major on
 * 6.1 (FAULT_FLAG_TRIED after any retry), minor on 6.12 (the first call
 * ran under the per-VMA lock, and its retry under mmap_lock is a new try);
 * getrusage(RUSAGE_THREAD) says which, independently.
 */
#define LAT_DELAY_NS	(200 * 1000 * 1000L)

static struct {
	int ufd, ready_wr, err;
	char *src;
	__u64 t_msg, t_copy;	/* CLOCK_MONOTONIC: message read, copy started */
	__u64 addr;		/* the faulting address of the message */
} lat;

/* Serve one fault: read its message, sleep LAT_DELAY_NS, copy the page. */
static void *lat_serve(void *arg)
{
	struct timespec d = { 0, LAT_DELAY_NS }, rem;
	struct uffdio_copy copy;
	struct uffd_msg msg;
	char c = 0;

	touch_stack();
	if (write(lat.ready_wr, &c, 1) != 1) {
		lat.err = errno;
		return NULL;
	}
	while (read(lat.ufd, &msg, sizeof(msg)) != sizeof(msg)) {
		if (errno != EINTR && errno != EAGAIN) {
			lat.err = errno;
			return NULL;
		}
	}
	lat.t_msg = mmscope_now_ns();
	while (nanosleep(&d, &rem))
		d = rem;
	lat.addr = msg.arg.pagefault.address;
	copy = (struct uffdio_copy){
		.dst = msg.arg.pagefault.address & ~(__u64)(PG - 1),
		.src = (unsigned long)lat.src,
		.len = PG,
	};
	lat.t_copy = mmscope_now_ns();
	if (ioctl(lat.ufd, UFFDIO_COPY, &copy))
		lat.err = errno;
	return NULL;
}

static void log_latency(struct __test_metadata *_metadata, const char *what,
			const struct mmscope_fault_event *e, __u64 t0)
{
	TH_LOG("%s: %s/%s, entry +%llu ns, latency %llu ns, returned +%llu ns", what,
	       class_name(AX_RESULT, e->result), class_name(AX_CAUSE, e->cause),
	       (unsigned long long)(e->time_ns - e->latency_ns - t0),
	       (unsigned long long)e->latency_ns, (unsigned long long)(e->time_ns - t0));
}

/* The events of this thread at [@p, @p + PG) in evs (collect()), in order. */
static int events_at(const char *p, pid_t tid, const struct mmscope_fault_event **out, int max)
{
	int n = 0;
	long i;

	for (i = 0; i < nr_evs; i++)
		if (evs[i].address >= (unsigned long)p && evs[i].address < (unsigned long)p + PG &&
		    (pid_t)evs[i].tid == tid) {
			if (n < max)
				out[n] = &evs[i];
			n++;
		}
	return n;
}

TEST_F(fault, latency_uffd_wait_bounds)
{
	struct uffdio_api api = { .api = UFFD_API };
	const struct mmscope_fault_event *e[4];
	struct uffdio_register reg;
	struct rusage r0, r1;
	__u64 t0, t1;
	pid_t tid = gettid();
	int pfd[2], n, i, other = 0;
	pthread_t th;
	char *p, c;

	SKIP_IF_UNSET_UP();
	p = map_anon(2);
	lat.src = map_anon(1);
	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, lat.src);
	touch_write(lat.src, 1, PG);
	/* its anon_vma first (shared by both halves once the registration
	 * splits the VMA): the write's first call goes to handle_userfault() */
	p[PG] = 1;
	lat.ufd = syscall(__NR_userfaultfd, O_CLOEXEC);
	ASSERT_LE(0, lat.ufd) {
		TH_LOG("userfaultfd: %s", strerror(errno));
	}
	ASSERT_EQ(0, ioctl(lat.ufd, UFFDIO_API, &api));
	reg = (struct uffdio_register){
		.range = { .start = (unsigned long)p, .len = PG },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	ASSERT_EQ(0, ioctl(lat.ufd, UFFDIO_REGISTER, &reg));
	ASSERT_EQ(0, pipe2(pfd, O_CLOEXEC));
	lat.ready_wr = pfd[1];
	ASSERT_EQ(0, pthread_create(&th, NULL, lat_serve, NULL));
	ASSERT_EQ(1, read(pfd[0], &c, 1));

	mmscope_now_ns();	/* its vDSO page mapped: no fault of its own below */
	drain(self->sfd);
	getrusage(RUSAGE_THREAD, &r0);
	t0 = mmscope_now_ns();
	touch_write(p, 1, PG);
	t1 = mmscope_now_ns();
	getrusage(RUSAGE_THREAD, &r1);
	collect(self->sfd);
	pthread_join(th, NULL);

	ASSERT_EQ(0, lat.err) {
		TH_LOG("server: %s", strerror(lat.err));
	}
	EXPECT_EQ((unsigned long)p, lat.addr);
	TH_LOG("access %llu ns; server: message at +%llu ns, copy at +%llu ns",
	       (unsigned long long)(t1 - t0), (unsigned long long)(lat.t_msg - t0),
	       (unsigned long long)(lat.t_copy - t0));
	ASSERT_LE(LAT_DELAY_NS, (long)(lat.t_copy - lat.t_msg));

	n = events_at(p, tid, e, 4);
	for (i = 0; i < n && i < 4; i++)
		log_latency(_metadata, "event", e[i], t0);
	for (i = 0; i < nr_evs; i++)
		if (evs[i].address - (unsigned long)p >= PG && other++ < 8)
			log_event(_metadata, "elsewhere", &evs[i]);
	ASSERT_EQ(2, n);
	/* the call that waited */
	EXPECT_EQ(MMSCOPE_RESULT_RETRY, e[0]->result);
	EXPECT_EQ(MMSCOPE_CAUSE_UFFD, e[0]->cause);
	EXPECT_LE(t0, e[0]->time_ns - e[0]->latency_ns);
	EXPECT_GE(lat.t_msg, e[0]->time_ns - e[0]->latency_ns);
	EXPECT_LE(lat.t_copy, e[0]->time_ns);
	EXPECT_LE(lat.t_copy - lat.t_msg, e[0]->latency_ns);
	EXPECT_LE((__u64)LAT_DELAY_NS, e[0]->latency_ns);
	/* the call after the retry, which completed the fault */
	EXPECT_EQ(MMSCOPE_CAUSE_OTHER, e[1]->cause);
	EXPECT_TRUE(e[1]->result == MMSCOPE_RESULT_MINOR || e[1]->result == MMSCOPE_RESULT_MAJOR);
	EXPECT_EQ(1, (r1.ru_minflt - r0.ru_minflt) + (r1.ru_majflt - r0.ru_majflt));
	EXPECT_EQ(e[1]->result == MMSCOPE_RESULT_MAJOR, r1.ru_majflt - r0.ru_majflt);
	EXPECT_LT(0, e[1]->latency_ns);
	EXPECT_LE(e[0]->time_ns, e[1]->time_ns - e[1]->latency_ns);
	EXPECT_GE(t1, e[1]->time_ns);
	EXPECT_GT(t1 - t0, e[0]->latency_ns + e[1]->latency_ns);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(MMSCOPE_ORIGIN_USER, e[i]->origin);
		EXPECT_EQ(MMSCOPE_ACCESS_WRITE, e[i]->access);
		EXPECT_EQ(MMSCOPE_MEM_ANON, e[i]->memory);
		EXPECT_EQ((unsigned long)p, e[i]->vma_start);
	}
	close(lat.ufd);
	close(pfd[0]);
	close(pfd[1]);
}

/* A plain first write: one call, inside the access and shorter than it. */
TEST_F(fault, latency_plain_fault_bounds)
{
	const struct mmscope_fault_event *e[4];
	pid_t tid = gettid();
	__u64 t0, t1;
	int n, i;
	char *p;

	SKIP_IF_UNSET_UP();
	p = map_anon(2);
	ASSERT_NE(NULL, p);
	p[PG] = 1;		/* anon_vma ready: one call, no retry */
	mmscope_now_ns();	/* its vDSO page mapped */
	drain(self->sfd);
	t0 = mmscope_now_ns();
	touch_write(p, 1, PG);
	t1 = mmscope_now_ns();
	collect(self->sfd);

	n = events_at(p, tid, e, 4);
	for (i = 0; i < n && i < 4; i++)
		log_latency(_metadata, "event", e[i], t0);
	TH_LOG("access %llu ns", (unsigned long long)(t1 - t0));
	ASSERT_EQ(1, n);
	EXPECT_EQ(MMSCOPE_RESULT_MINOR, e[0]->result);
	EXPECT_EQ(MMSCOPE_CAUSE_ANON_NEW, e[0]->cause);
	EXPECT_LT(0, e[0]->latency_ns);
	EXPECT_GT(t1 - t0, e[0]->latency_ns);
	EXPECT_LE(t0, e[0]->time_ns - e[0]->latency_ns);
	EXPECT_GE(t1, e[0]->time_ns);
}

/* ---- bpftrace as an oracle ------------------------------------------------------------- */

/*
 * The programs say READY from an interval probe, not BEGIN: BEGIN is a uprobe
 * on bpftrace's own binary, which never fired on the debug kernel (bpftrace
 * 0.17 stalled before attaching); interval probes are perf timers.  It comes
 * last, so it is attached after the probes that count.
 */
#define BT_READY "interval:ms:100 /@ready == 0/ { printf(\"READY\\n\"); @ready = 1; } "
#define BT_READY_SECS	200	/* bpftrace took 30-150 s to attach on a busy host */
#define BT_TEST_SECS	300

struct bpftrace {
	pid_t pid;
	int out;		/* its stdout and stderr */
	char buf[16384];
	size_t len;
};

/*
 * Start bpftrace -e @prog @arg (the program's $1); 0, 1 when bpftrace is not
 * installed (@why says so), -1.
 */
static int bpftrace_start(struct bpftrace *b, const char *prog, pid_t arg,
			  char *why, size_t why_len)
{
	char a[16];
	int pfd[2];

	if (access("/usr/bin/bpftrace", X_OK) && access("/usr/local/bin/bpftrace", X_OK)) {
		snprintf(why, why_len, "bpftrace is not installed");
		return 1;
	}
	snprintf(a, sizeof(a), "%d", arg);
	if (pipe2(pfd, O_CLOEXEC))
		return -1;
	b->len = 0;
	b->pid = fork();
	if (b->pid < 0)
		return -1;
	if (b->pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		setenv("BPFTRACE_NO_CPP_DEMANGLE", "1", 1);
		execlp("bpftrace", "bpftrace", "-e", prog, a, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	b->out = pfd[0];
	return 0;
}

/* Read its output until @token appears, EOF, or @secs pass; 1 found, 0 not. */
static int bpftrace_wait(struct bpftrace *b, const char *token, int secs)
{
	struct pollfd pfd = { .fd = b->out, .events = POLLIN };
	time_t t_end = time(NULL) + secs * mmscope_timeout_scale();	/* debug kernel */
	ssize_t got;

	while (time(NULL) < t_end) {
		b->buf[b->len] = 0;
		if (token && strstr(b->buf, token))
			return 1;
		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		got = read(b->out, b->buf + b->len, sizeof(b->buf) - 1 - b->len);
		if (got <= 0)
			return 0;
		b->len += got;
	}
	b->buf[b->len] = 0;
	return token && strstr(b->buf, token);
}

/*
 * Collect the map it prints and reap it.  The programs end themselves when
 * the workload child exits (exit() from sched_process_exit): a SIGINT to a
 * bpftrace started from the harness's child went unanswered for 80 s on 6.1,
 * while bpftrace started from a shell exits at once.  SIGINT is the fallback.
 */
static void bpftrace_stop(struct bpftrace *b)
{
	int i;

	if (bpftrace_wait(b, NULL, 60) == 0 && waitpid(b->pid, NULL, WNOHANG) == 0) {
		kill(b->pid, SIGINT);
		bpftrace_wait(b, NULL, 30);
	}
	close(b->out);
	for (i = 0; i < 100 && waitpid(b->pid, NULL, WNOHANG) == 0; i++)
		usleep(100000);
	if (i == 100) {
		kill(b->pid, SIGKILL);
		waitpid(b->pid, NULL, 0);
	}
	b->pid = 0;
}

/* One byte from @fd into @c within @secs (scaled); 1, or 0 on timeout/EOF. */
static int read_byte_timeout(int fd, int secs, char *c)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, secs * mmscope_timeout_scale() * 1000) == 1 && read(fd, c, 1) == 1;
}

static struct bpftrace bt;

/*
 * The workload child builds each class in a region of its own, so the
 * count of every class is known.  The basic workload needs nothing from the
 * system: N first writes of anonymous pages (anon_new), N reads of other
 * untouched anonymous pages (zero_page), N writes on those zero-page ptes
 * (cow_copy), N writes on pages a grandchild shared until it exited
 * (wp_reuse), N reads of memfd holes (cache_hit, shmem_fault()) and BT_SEGV
 * reads of PROT_NONE pages (SIGSEGV).  The full workload adds what needs the
 * system set up (bt_full_setup()): BT_SWAP pages swapped in from the swap
 * cache and BT_SWAP from zram, BT_THP first writes in a MADV_HUGEPAGE range,
 * BT_HUGETLB hugetlb first writes, BT_UFFD reads of userfaultfd-registered
 * missing pages (a thread of the child serves them), and on a file of the
 * scratch ext2: BT_MISS reads of uncached pages (MADV_RANDOM, no readahead),
 * BT_FA reads of cached 16-page windows (fault-around maps each window) and
 * BT_FWRITE writes of cached pages through MAP_SHARED.
 *
 * Before it says ready the child calls warm(), like the fixture: fork()
 * write-protected its private pages and left its file ptes unmapped, so
 * warm() maps them again and the workload takes no fault but its own.
 */
#define BT_SEGV		8
#define BT_SWAP		16
#define BT_THP		4
#define BT_HUGETLB	4
#define BT_UFFD		16
#define BT_MISS		16
#define BT_FA		4
#define BT_FWRITE	16
#define BT_FILE_PAGES	(BT_MISS + BT_FA * FA_STRIDE + BT_FWRITE)

struct bt_setup {
	int full;
	int file_fd;		/* the scratch file: BT_FILE_PAGES, the first BT_MISS uncached */
};

/* The child's one-byte answers: ready, or the set-up step that failed. */
enum { BT_OK, BT_E_SIGACTION, BT_E_MMAP, BT_E_FORK, BT_E_SWAPOUT, BT_E_SWAPCACHE,
       BT_E_FILEMAP, BT_E_FILECACHE, BT_E_UFFD, BT_E_THREAD, BT_E_NR };
static const char *const bt_steps[BT_E_NR] = {
	"ready", "sigaction", "mmap", "fork", "swap-out (MADV_PAGEOUT)",
	"swap cache (MADV_WILLNEED)",
	"file mappings", "file cache state (mincore)", "userfaultfd", "userfaultfd thread",
};

/* The workload child's regions (in .bss: set up before its warm()). */
static struct {
	char *a, *z, *r, *m, *none, *sw, *thp, *htlb, *uf, *fmiss, *ffa, *fw;
} bw;

/* The thread of the child that serves its userfaultfd faults. */
static struct {
	int ufd, ready_wr;
	char *src;		/* the page copied into each faulting page */
} uffd_srv;

static void *uffd_serve(void *arg)
{
	struct uffdio_copy copy;
	struct uffd_msg msg;
	char c = 0;

	touch_stack();		/* so serving faults nothing in this thread */
	if (write(uffd_srv.ready_wr, &c, 1) != 1)
		return NULL;
	for (;;) {
		if (read(uffd_srv.ufd, &msg, sizeof(msg)) != sizeof(msg)) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return NULL;
		}
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		copy = (struct uffdio_copy){
			.dst = msg.arg.pagefault.address & ~(__u64)(PG - 1),
			.src = (unsigned long)uffd_srv.src,
			.len = PG,
		};
		ioctl(uffd_srv.ufd, UFFDIO_COPY, &copy);
	}
}

/* The full workload's regions; BT_OK or the step that failed. */
static int bt_prepare_full(const struct bt_setup *su)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	__u64 pm[2 * BT_SWAP];
	int i, tries, swapped = 0, pfd[2];
	pthread_t th;
	char *q, c;

	bw.sw = map_anon(2 * BT_SWAP);
	bw.uf = map_anon(BT_UFFD);
	uffd_srv.src = map_anon(1);
	bw.thp = map_aligned(BT_THP * HPAGE, HPAGE);
	bw.htlb = mmap(NULL, BT_HUGETLB * HPAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (!bw.sw || !bw.uf || !uffd_srv.src || !bw.thp || bw.htlb == MAP_FAILED ||
	    madvise(bw.thp, BT_THP * HPAGE, MADV_HUGEPAGE))
		return BT_E_MMAP;

	/* swap: all of sw paged out to zram, then its first half read back
	 * into the swap cache (page-cluster 0: no readahead) */
	fill_unique(bw.sw, 2 * BT_SWAP);
	for (tries = 0; tries < 5 && swapped < 2 * BT_SWAP; tries++) {
		madvise(bw.sw, 2 * BT_SWAP * PG, MADV_PAGEOUT);
		if (mmscope_pagemap(0, (unsigned long)bw.sw, 2 * BT_SWAP, pm))
			return BT_E_SWAPOUT;
		for (i = 0, swapped = 0; i < 2 * BT_SWAP; i++)
			swapped += !!(pm[i] & MMSCOPE_PM_SWAP);
	}
	if (swapped < 2 * BT_SWAP || resident(bw.sw, 2 * BT_SWAP))
		return BT_E_SWAPOUT;
	if (madvise(bw.sw, BT_SWAP * PG, MADV_WILLNEED))
		return BT_E_SWAPCACHE;
	nanosleep(&ts, NULL);	/* let the reads finish: no page-lock wait */
	if (resident(bw.sw, BT_SWAP) != BT_SWAP || resident(bw.sw + BT_SWAP * PG, BT_SWAP) ||
	    mmscope_pagemap(0, (unsigned long)bw.sw, 2 * BT_SWAP, pm))
		return BT_E_SWAPCACHE;
	for (i = 0; i < 2 * BT_SWAP; i++)
		if (!(pm[i] & MMSCOPE_PM_SWAP))
			return BT_E_SWAPCACHE;

	/* the file, in three mappings so no fault-around window spans two */
	bw.fmiss = mmap(NULL, BT_MISS * PG, PROT_READ, MAP_SHARED, su->file_fd, 0);
	q = map_aligned(BT_FA * FA_STRIDE * PG, FA_STRIDE * PG);
	bw.ffa = q ? mmap(q, BT_FA * FA_STRIDE * PG, PROT_READ, MAP_SHARED | MAP_FIXED,
			  su->file_fd, BT_MISS * PG) : MAP_FAILED;
	bw.fw = mmap(NULL, BT_FWRITE * PG, PROT_READ | PROT_WRITE, MAP_SHARED, su->file_fd,
		     (BT_MISS + BT_FA * FA_STRIDE) * PG);
	if (bw.fmiss == MAP_FAILED || bw.ffa == MAP_FAILED || bw.fw == MAP_FAILED ||
	    madvise(bw.fmiss, BT_MISS * PG, MADV_RANDOM))
		return BT_E_FILEMAP;
	if (resident(bw.fmiss, BT_MISS) ||
	    resident(bw.ffa, BT_FA * FA_STRIDE) != BT_FA * FA_STRIDE ||
	    resident(bw.fw, BT_FWRITE) != BT_FWRITE)
		return BT_E_FILECACHE;

	/* userfaultfd: the missing pages of uf, served by a thread */
	touch_write(uffd_srv.src, 1, PG);
	uffd_srv.ufd = syscall(__NR_userfaultfd, O_CLOEXEC);
	reg = (struct uffdio_register){
		.range = { .start = (unsigned long)bw.uf, .len = BT_UFFD * PG },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	if (uffd_srv.ufd < 0 || ioctl(uffd_srv.ufd, UFFDIO_API, &api) ||
	    ioctl(uffd_srv.ufd, UFFDIO_REGISTER, &reg))
		return BT_E_UFFD;
	if (pipe2(pfd, O_CLOEXEC))
		return BT_E_THREAD;
	uffd_srv.ready_wr = pfd[1];
	if (pthread_create(&th, NULL, uffd_serve, NULL) || read(pfd[0], &c, 1) != 1)
		return BT_E_THREAD;
	return BT_OK;
}

/* All regions; BT_OK or the step that failed. */
static int bt_prepare(const struct bt_setup *su)
{
	pid_t gc;
	int mfd, ret;

	bw.a = map_anon(N);
	bw.z = map_anon(N);
	bw.r = map_anon(N);
	bw.m = map_memfd(N, &mfd);
	bw.none = mmap(NULL, BT_SEGV * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!bw.a || !bw.z || !bw.r || !bw.m || bw.none == MAP_FAILED)
		return BT_E_MMAP;
	/* r: written, shared with a grandchild, which exits: read-only ptes
	 * on pages the child alone maps */
	touch_write(bw.r, N, PG);
	gc = fork();
	if (gc < 0)
		return BT_E_FORK;
	if (gc == 0)
		_exit(0);
	if (waitpid(gc, NULL, 0) != gc)
		return BT_E_FORK;
	if (su->full) {
		ret = bt_prepare_full(su);
		if (ret)
			return ret;
	}
	warm();
	return BT_OK;
}

static void bt_workload(const struct bt_setup *su)
{
	touch_write(bw.a, N, PG);
	touch_read(bw.z, N, PG);
	touch_write(bw.z, N, PG);
	touch_write(bw.r, N, PG);
	touch_read(bw.m, N, PG);
	if (su->full) {
		touch_read(bw.sw, 2 * BT_SWAP, PG);
		touch_write(bw.thp, BT_THP, HPAGE);
		touch_write(bw.htlb, BT_HUGETLB, HPAGE);
		touch_read(bw.uf, BT_UFFD, PG);
		touch_read(bw.fmiss, BT_MISS, PG);
		touch_read(bw.ffa, BT_FA, FA_STRIDE * PG);
		touch_write(bw.fw, BT_FWRITE, PG);
	}
	touch_prot_none(bw.none, BT_SEGV);
}

/*
 * An untracked-at-fork child that sets up the workload, says so on @rep_wr
 * (BT_OK or the step that failed), runs it when a byte comes on @go_rd,
 * says so, and exits at the next byte.
 */
static pid_t workload_child(int go_rd, int rep_wr, const struct bt_setup *su)
{
	pid_t pid = fork();
	struct sigaction sa = { .sa_handler = segv_handler };
	char c;

	if (pid)
		return pid;
	c = sigaction(SIGSEGV, &sa, NULL) ? BT_E_SIGACTION : bt_prepare(su);
	if (write(rep_wr, &c, 1) != 1 || c != BT_OK || read(go_rd, &c, 1) != 1)
		_exit(1);
	bt_workload(su);
	c = BT_OK;
	if (write(rep_wr, &c, 1) != 1)
		_exit(1);
	while (read(go_rd, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

/* minflt and majflt of process @pid, all its threads (/proc/PID/stat); 0 or -1. */
static int proc_faults(pid_t pid, unsigned long *min, unsigned long *maj)
{
	char path[64], buf[1024], *rp;
	ssize_t got;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	got = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (got <= 0)
		return -1;
	buf[got] = 0;
	rp = strrchr(buf, ')');		/* comm may hold spaces */
	if (!rp || sscanf(rp + 2, "%*c %*d %*d %*d %*d %*d %*u %lu %*u %lu", min, maj) != 2)
		return -1;
	return 0;
}

/* The kernel's own counts around the workload: the child's, and vmstat's. */
static unsigned long bt_minflt[2], bt_majflt[2];
static long bt_thp_alloc[2], bt_thp_fallback[2];

static int bt_snapshot(pid_t child, int i)
{
	bt_thp_alloc[i] = vmstat("thp_fault_alloc");
	bt_thp_fallback[i] = vmstat("thp_fault_fallback");
	return proc_faults(child, &bt_minflt[i], &bt_majflt[i]);
}

/*
 * Start the workload child, track it, start bpftrace with @prog (its $1 is
 * the child's pid; it prints READY once its probes are attached, BT_READY),
 * run the workload between two FAULT_STATS of the child, stop bpftrace.
 * 0; 1 when bpftrace is not installed; -1 with the reason in self->skip:
 * bpftrace that never says READY (a probe or tracepoint it cannot attach,
 * an error in the program) is a failure, not a missing prerequisite.
 */
static int bpftrace_around_workload(struct __test_metadata *_metadata,
				    FIXTURE_DATA(fault) *self, const char *prog,
				    const struct bt_setup *su)
{
	int go[2], rep[2], ret;
	time_t t0 = time(NULL), t1, t2;
	char c = 0;

#define BT_FAIL(...) do { \
	snprintf(self->skip, sizeof(self->skip), __VA_ARGS__); \
	return -1; \
} while (0)
	if (pipe2(go, O_CLOEXEC) || pipe2(rep, O_CLOEXEC))
		BT_FAIL("pipe: %s", strerror(errno));
	self->child = workload_child(go[0], rep[1], su);
	if (self->child < 0)
		BT_FAIL("fork: %s", strerror(errno));
	if (!read_byte_timeout(rep[0], 60, &c))
		BT_FAIL("the workload child did not report its set-up");
	if (c != BT_OK)
		BT_FAIL("the workload child's set-up failed: %s",
			c > 0 && c < BT_E_NR ? bt_steps[(int)c] : "?");
	ret = mmscope_track_ioc(self->fd, self->child, 0);
	if (ret)
		BT_FAIL("TRACK %d: %s", self->child, strerror(-ret));
	self->child_tracked = self->child;
	ret = bpftrace_start(&bt, prog, self->child, self->skip, sizeof(self->skip));
	if (ret > 0)
		return 1;
	if (ret)
		BT_FAIL("cannot start bpftrace: %s", strerror(errno));
	self->bpf = bt.pid;
	/*
	 * READY on a line of its own: a warning echoes the program, whose
	 * printf("READY\n") is not that (a probe bpftrace cannot attach
	 * warns, then the attach fails, and bpftrace exits).
	 */
	if (!bpftrace_wait(&bt, "\nREADY\n", BT_READY_SECS) || strstr(bt.buf, "ERROR")) {
		bpftrace_stop(&bt);
		self->bpf = 0;
		TH_LOG("bpftrace output: %s", bt.buf);
		BT_FAIL("bpftrace did not say READY (a probe it cannot attach, or over %.0f s): "
			"%.120s", BT_READY_SECS * mmscope_timeout_scale(), bt.buf);
	}
	t1 = time(NULL);
	TH_LOG("bpftrace ready after %lds", (long)(t1 - t0));
	ret = mmscope_fault_stats(self->fd, self->child, &st0);
	if (ret)
		BT_FAIL("FAULT_STATS: %s", strerror(-ret));
	if (bt_snapshot(self->child, 0))
		BT_FAIL("cannot read /proc/%d/stat", self->child);
	if (write(go[1], &c, 1) != 1 || !read_byte_timeout(rep[0], 60, &c))
		BT_FAIL("the workload did not finish");
	TH_LOG("workload done");
	if (bt_snapshot(self->child, 1))
		BT_FAIL("cannot read /proc/%d/stat", self->child);
	ret = mmscope_fault_stats(self->fd, self->child, &st1);
	if (ret)
		BT_FAIL("FAULT_STATS: %s", strerror(-ret));
	/* the child exits: bpftrace's sched_process_exit probe ends it */
	if (write(go[1], &c, 1) != 1)
		BT_FAIL("write: %s", strerror(errno));
	bpftrace_stop(&bt);
	self->bpf = 0;
	t2 = time(NULL);
	TH_LOG("bpftrace ready after %lds, stopped %lds later; output: %s",
	       (long)(t1 - t0), (long)(t2 - t1), bt.buf);
#undef BT_FAIL
	memset(&ru0, 0, sizeof(ru0));
	memset(&ru1, 0, sizeof(ru1));
	log_deltas(_metadata, "workload child");
	return 0;
}

/*
 * The sum of the values bpftrace printed for map @name: "@name: v", or each
 * "@name[k]: v" whose key has (k & mask) == want; want BT_NONZERO: != 0.
 */
#define BT_NONZERO (-1L)
static unsigned long long bt_get(const char *name, long mask, long want)
{
	unsigned long long v, sum = 0;
	char pat[64];
	const char *p, *q;
	size_t len;
	long k;

	len = snprintf(pat, sizeof(pat), "\n@%s", name);
	for (p = strstr(bt.buf, pat); p; p = strstr(p + 1, pat)) {
		q = p + len;
		if (*q == ':' && sscanf(q, ": %llu", &v) == 1)
			sum += v;
		else if (*q == '[' && sscanf(q, "[%ld]: %llu", &k, &v) == 2 &&
			 (want == BT_NONZERO ? (k & mask) != 0 : (k & mask) == want))
			sum += v;
	}
	return sum;
}

TEST_F_TIMEOUT(fault, bpftrace_handle_mm_fault_agrees, BT_TEST_SECS)
{
	struct bt_setup su = { .full = 0 };
	unsigned long long count;
	int ret;

	SKIP_IF_UNSET_UP();
	ret = bpftrace_around_workload(_metadata, self,
		"kretprobe:handle_mm_fault /pid == $1/ { @hmf = count(); } "
		"tracepoint:sched:sched_process_exit /pid == $1/ { exit(); } "
		BT_READY, &su);
	if (ret == 1)
		SKIP(return, "%s", self->skip);
	ASSERT_EQ(0, ret) {
		TH_LOG("%s", self->skip);
	}
	count = bt_get("hmf", 0, 0);
	EXPECT_EQ(BT_SEGV, st1.memory[MMSCOPE_MEM_NONE] - st0.memory[MMSCOPE_MEM_NONE]);
	EXPECT_EQ(st1.missed, st0.missed);
	/* SIGSEGVs counted from the signal never reached handle_mm_fault() */
	EXPECT_EQ((st1.total - st0.total) -
		  (st1.memory[MMSCOPE_MEM_NONE] - st0.memory[MMSCOPE_MEM_NONE]), count);
	EXPECT_LE(5 * N, count);
}

/* ---- the tracepoint against the kernel's own functions and counters ---- */

/* Values of the kernel (include/linux/mm_types.h, the same in 6.1 and 6.12). */
#define K_VM_FAULT_OOM		0x1
#define K_VM_FAULT_SIGBUS	0x2
#define K_VM_FAULT_MAJOR	0x4
#define K_VM_FAULT_HWPOISON	0x30	/* HWPOISON | HWPOISON_LARGE */
#define K_VM_FAULT_SIGSEGV	0x40
#define K_VM_FAULT_NOPAGE	0x100
#define K_VM_FAULT_RETRY	0x400
#define K_VM_FAULT_FALLBACK	0x800
#define K_VM_FAULT_ERRORS	(K_VM_FAULT_OOM | K_VM_FAULT_SIGBUS | K_VM_FAULT_HWPOISON | \
				 K_VM_FAULT_SIGSEGV)
#define K_FAULT_FLAG_TRIED	0x20
#define K_SIGSEGV		11
#define K_STR_(x)		#x
#define K_STR(x)		K_STR_(x)

/*
 * One bpftrace program: the tracepoint's events by (cause, result, memory),
 * and beside them, for the same child, every call of the kernel functions
 * that only one kind of fault reaches.  Each is a global or static function
 * that is not inlined in the Debian 6.1 and 6.12 kernels: listed in
 * available_filter_functions and by `bpftrace -l` in both guests (checked;
 * their System.map files are placeholders).  do_anonymous_page(),
 * wp_page_copy(), do_numa_page() and do_read_fault() are inlined in one or
 * both, so they are not used.  Where the kernel's function tells classes
 * apart by its return value, a kretprobe keys it: VM_FAULT_MAJOR (the page
 * was read), FALLBACK, RETRY, errors.  @tried is the attempt's
 * FAULT_FLAG_TRIED from handle_mm_fault()'s flags, kept per thread for the
 * kretprobes below it.
 */
static const char bt_causes_prog[] =
	"tracepoint:mmscope:mmscope_fault /args->pid == $1/ { "
	"	@tp[args->cause, args->result, args->memory] = count(); "
	"	@faultaround = sum(args->faultaround); } "
	"kprobe:handle_mm_fault /pid == $1/ { "
	"	@hmf = count(); @tried[tid] = arg2 & " K_STR(K_FAULT_FLAG_TRIED) "; } "
	"tracepoint:signal:signal_generate /pid == $1 && args->sig == " K_STR(K_SIGSEGV) "/ { "
	"	@segv = count(); } "
	"kretprobe:do_wp_page /pid == $1/ { "
	"	@do_wp_page[retval & " K_STR(K_VM_FAULT_RETRY) "] = count(); } "
	"kretprobe:do_swap_page /pid == $1/ { "
	"	@do_swap_page[(retval & " K_STR(K_VM_FAULT_MAJOR) ") | @tried[tid]] = count(); } "
	"kprobe:migration_entry_wait /pid == $1/ { @migration_entry_wait = count(); } "
	"kretprobe:do_huge_pmd_anonymous_page /pid == $1/ { "
	"	@do_huge_pmd_anonymous_page[retval & 0xffff] = count(); } "
	"kretprobe:hugetlb_fault /pid == $1/ { @hugetlb_fault[retval & 0xffff] = count(); } "
	"kprobe:handle_userfault /pid == $1/ { @handle_userfault = count(); } "
	"kretprobe:filemap_fault /pid == $1/ { "
	"	@filemap_fault[(retval & " K_STR(K_VM_FAULT_MAJOR) ") | @tried[tid]] = count(); } "
	"kretprobe:shmem_fault /pid == $1/ { "
	"	@shmem_fault[(retval & " K_STR(K_VM_FAULT_MAJOR) ") | @tried[tid]] = count(); } "
	"kretprobe:filemap_map_pages /pid == $1 && (retval & " K_STR(K_VM_FAULT_NOPAGE) ")/ { "
	"	@filemap_map_pages_nopage[@tried[tid]] = count(); } "
	"tracepoint:sched:sched_process_exit /pid == $1/ { clear(@tried); exit(); } "
	BT_READY;

/* Set the system up for the full workload; 0, or -1 with the reason in self->skip. */
static int bt_full_setup(FIXTURE_DATA(fault) *self, struct bt_setup *su)
{
	char line[128], mode[32];
	long long nfree = 0;

	if (mmscope_proc_value("/proc/meminfo", "HugePages_Free", &nfree) || nfree < BT_HUGETLB) {
		snprintf(self->skip, sizeof(self->skip),
			 "%lld free hugetlb pages, %d needed (boot with hugepages=16)",
			 nfree, BT_HUGETLB);
		return -1;
	}
	if (mmscope_read_line(THP_ENABLED, line, sizeof(line))) {
		snprintf(self->skip, sizeof(self->skip), "no THP (%s)", THP_ENABLED);
		return -1;
	}
	if (strstr(line, "[never]")) {
		if (mmscope_knob_set(THP_ENABLED, "madvise", mode, sizeof(mode))) {
			snprintf(self->skip, sizeof(self->skip),
				 "THP is off and cannot be turned on");
			return -1;
		}
		snprintf(self->thp, sizeof(self->thp), "%s", mode);
	}
	if (mmscope_zram_swap_on(&self->swap, self->skip, sizeof(self->skip)))
		return -1;
	if (mmscope_knob_set(PAGE_CLUSTER, "0", self->cluster, sizeof(self->cluster))) {
		snprintf(self->skip, sizeof(self->skip), "cannot set %s", PAGE_CLUSTER);
		return -1;
	}
	su->file_fd = disk_file(self, BT_FILE_PAGES);
	if (su->file_fd < 0)
		return -1;
	mmscope_disk_queue_path(&self->disk, "read_ahead_kb", self->ra_path, sizeof(self->ra_path));
	if (mmscope_knob_set(self->ra_path, "0", self->ra, sizeof(self->ra))) {
		snprintf(self->skip, sizeof(self->skip), "cannot turn readahead off in %s",
			 self->ra_path);
		return -1;
	}
	/* written and synced: clean, so this drops them from the page cache */
	if (posix_fadvise(su->file_fd, 0, BT_MISS * PG, POSIX_FADV_DONTNEED)) {
		snprintf(self->skip, sizeof(self->skip), "POSIX_FADV_DONTNEED failed");
		return -1;
	}
	return 0;
}

TEST_F_TIMEOUT(fault, bpftrace_tracepoint_causes_agree, BT_TEST_SECS)
{
	unsigned long long tp[MMSCOPE_NR_CAUSES][MMSCOPE_NR_RESULTS] = { { 0 } };
	unsigned long long all[MMSCOPE_NR_CAUSES] = { 0 }, done[MMSCOPE_NR_CAUSES] = { 0 };
	unsigned long long res[MMSCOPE_NR_RESULTS] = { 0 };
	unsigned long long v, total = 0, none = 0, hit, miss;
	struct bt_setup su = { .full = 1 };
	int ret, c, r, m;
	char *line;

	SKIP_IF_UNSET_UP();
	/* only the workload child tracked: the tracepoint is module-wide */
	ASSERT_EQ(0, mmscope_track_ioc(self->fd, 0, MMSCOPE_TRACK_REMOVE));
	self->tracked = 0;
	if (bt_full_setup(self, &su))
		SKIP(return, "%s", self->skip);
	ret = bpftrace_around_workload(_metadata, self, bt_causes_prog, &su);
	if (ret == 1)
		SKIP(return, "%s", self->skip);
	ASSERT_EQ(0, ret) {
		TH_LOG("%s", self->skip);
	}
	for (line = strstr(bt.buf, "\n@tp["); line; line = strstr(line + 1, "\n@tp[")) {
		if (sscanf(line, "\n@tp[%d, %d, %d]: %llu", &c, &r, &m, &v) != 4)
			continue;
		ASSERT_TRUE(c >= 0 && c < MMSCOPE_NR_CAUSES && r >= 0 && r < MMSCOPE_NR_RESULTS &&
			    m >= 0 && m < MMSCOPE_NR_MEMS);
		tp[c][r] += v;
		total += v;
		if (m == MMSCOPE_MEM_NONE)
			none += v;
	}
	for (c = 0; c < MMSCOPE_NR_CAUSES; c++) {
		for (r = 0; r < MMSCOPE_NR_RESULTS; r++) {
			all[c] += tp[c][r];
			res[r] += tp[c][r];
			if (r != MMSCOPE_RESULT_RETRY)
				done[c] += tp[c][r];
		}
		if (all[c])
			TH_LOG("tracepoint: %s %llu (%llu retried attempts)", cause_names[c],
			       all[c], all[c] - done[c]);
	}
	TH_LOG("kernel: minflt +%lu majflt +%lu, vmstat thp_fault_alloc +%ld "
	       "thp_fault_fallback +%ld",
	       bt_minflt[1] - bt_minflt[0], bt_majflt[1] - bt_majflt[0],
	       bt_thp_alloc[1] - bt_thp_alloc[0], bt_thp_fallback[1] - bt_thp_fallback[0]);

	/*
	 * 1. Every event against the kernel.  Each handle_mm_fault() call is
	 * one event (a retried fault calls it, and is counted, once per
	 * attempt); a SIGSEGV from an access error never calls it and is the
	 * event with memory "none", one per signal_generate of SIGSEGV (no
	 * handle_mm_fault() of this workload returns VM_FAULT_SIGSEGV, which
	 * would make one event of both).
	 */
	EXPECT_EQ(bt_get("segv", 0, 0), none);
	EXPECT_EQ(bt_get("hmf", 0, 0), total - none);
	/*
	 * The result axis against the kernel's own accounting,
	 * mm_account_fault(): minflt and majflt of the child grew by its
	 * completed faults; retried attempts and errors count in neither.
	 */
	EXPECT_EQ(bt_minflt[1] - bt_minflt[0], res[MMSCOPE_RESULT_MINOR]);
	EXPECT_EQ(bt_majflt[1] - bt_majflt[0], res[MMSCOPE_RESULT_MAJOR]);

	/*
	 * 2. Each cause against the kernel function that only its faults
	 * reach, call for call.
	 *
	 * do_wp_page(): a write on a present read-only pte (anonymous or the
	 * zero page; the workload has no uffd-wp and no shared file pte
	 * mapped read-only).  A call that is not retried copies (cow_copy,
	 * the zero page included) or reuses (wp_reuse): no traceable function
	 * of both kernels tells the two apart (wp_page_copy() is inlined in
	 * 6.12, wp_page_reuse() is not traceable in either), so their sum.
	 * A call that returned VM_FAULT_RETRY left the pte as it was (6.12:
	 * an anon_vma to prepare under the VMA lock while mmap_lock is
	 * taken): "other".
	 */
	EXPECT_EQ(bt_get("do_wp_page", K_VM_FAULT_RETRY, 0),
		  all[MMSCOPE_CAUSE_COW_COPY] + all[MMSCOPE_CAUSE_WP_REUSE]);
	/*
	 * do_swap_page(): every non-present, non-none pte; here swap entries,
	 * or migration entries if the kernel migrated a page meanwhile (then
	 * migration_entry_wait(), called from there alone for a pte; no pte
	 * marker or device entry in this workload).  The swap-in read the
	 * page when it returns VM_FAULT_MAJOR, and an attempt after a retry
	 * (FAULT_FLAG_TRIED) is major too, for mmscope as for
	 * mm_account_fault(): swapin_io.  The rest found the page in the swap
	 * cache, or waited for a migration.
	 */
	EXPECT_EQ(bt_get("do_swap_page", K_VM_FAULT_MAJOR | K_FAULT_FLAG_TRIED, BT_NONZERO),
		  all[MMSCOPE_CAUSE_SWAPIN_IO]);
	EXPECT_EQ(bt_get("do_swap_page", K_VM_FAULT_MAJOR | K_FAULT_FLAG_TRIED, 0),
		  all[MMSCOPE_CAUSE_SWAPIN_CACHE] + all[MMSCOPE_CAUSE_MIGRATION_WAIT]);
	EXPECT_EQ(bt_get("migration_entry_wait", 0, 0), all[MMSCOPE_CAUSE_MIGRATION_WAIT]);
	/*
	 * do_huge_pmd_anonymous_page(): the first fault in each empty PMD of
	 * the MADV_HUGEPAGE range (THP enabled), the only anonymous VMA the
	 * child faults in that may have THPs (map_anon() sets NOHUGEPAGE).
	 * It returns 0 when it mapped a huge page (only writes there, so not
	 * the huge zero page): thp_alloc; VM_FAULT_FALLBACK when it could
	 * not, and do_anonymous_page() then maps a PTE table: thp_fallback.
	 */
	EXPECT_EQ(bt_get("do_huge_pmd_anonymous_page", 0xffff, 0), all[MMSCOPE_CAUSE_THP_ALLOC]);
	EXPECT_EQ(bt_get("do_huge_pmd_anonymous_page", K_VM_FAULT_FALLBACK, K_VM_FAULT_FALLBACK),
		  all[MMSCOPE_CAUSE_THP_FALLBACK]);
	/* and the system-wide vmstat counters grew by at least as much */
	EXPECT_LE(all[MMSCOPE_CAUSE_THP_ALLOC],
		  (unsigned long long)(bt_thp_alloc[1] - bt_thp_alloc[0]));
	EXPECT_LE(all[MMSCOPE_CAUSE_THP_FALLBACK],
		  (unsigned long long)(bt_thp_fallback[1] - bt_thp_fallback[0]));
	/* hugetlb_fault(): every fault in a hugetlb VMA; an error is "other" */
	EXPECT_EQ(bt_get("hugetlb_fault", K_VM_FAULT_ERRORS, 0), all[MMSCOPE_CAUSE_HUGETLB]);
	/* handle_userfault(): a missing page of a userfaultfd-registered VMA */
	EXPECT_EQ(bt_get("handle_userfault", 0, 0), all[MMSCOPE_CAUSE_UFFD]);
	/*
	 * Faults on an empty pte of a file or shmem VMA: do_read_fault()
	 * first lets fault-around map cached pages (filemap_map_pages(), for
	 * ext2 and shmem alike); it returns VM_FAULT_NOPAGE when it mapped the
	 * faulting page, and only otherwise ->fault() runs: filemap_fault()
	 * (ext2) or shmem_fault() (memfd).  Writes through MAP_SHARED
	 * (do_shared_fault()) call ->fault() directly.  So each attempt is one
	 * ->fault() call or one NOPAGE from fault-around; the workload has no
	 * private file write on an empty pte (do_cow_fault(): cow_copy).  A
	 * miss is an attempt whose ->fault() read the page (VM_FAULT_MAJOR) or
	 * that follows a retry (FAULT_FLAG_TRIED): a cache miss first reads
	 * the page and returns VM_FAULT_RETRY, then the second attempt maps
	 * it, usually by fault-around, so a miss is two events.
	 */
	hit = bt_get("filemap_fault", K_VM_FAULT_MAJOR | K_FAULT_FLAG_TRIED, 0) +
	      bt_get("shmem_fault", K_VM_FAULT_MAJOR | K_FAULT_FLAG_TRIED, 0) +
	      bt_get("filemap_map_pages_nopage", K_FAULT_FLAG_TRIED, 0);
	miss = bt_get("filemap_fault", K_VM_FAULT_MAJOR | K_FAULT_FLAG_TRIED, BT_NONZERO) +
	       bt_get("shmem_fault", K_VM_FAULT_MAJOR | K_FAULT_FLAG_TRIED, BT_NONZERO) +
	       bt_get("filemap_map_pages_nopage", K_FAULT_FLAG_TRIED, BT_NONZERO);
	EXPECT_EQ(hit, all[MMSCOPE_CAUSE_CACHE_HIT]);
	EXPECT_EQ(miss, all[MMSCOPE_CAUSE_CACHE_MISS]);

	/*
	 * 3. What the workload built (workload_child()): each fault once, so
	 * the completed attempts of each cause.  Faults that may be retried
	 * (here every cache miss is) count once; a userfaultfd fault returns
	 * VM_FAULT_RETRY by design, so its events are all attempts.
	 */
	EXPECT_EQ(N, done[MMSCOPE_CAUSE_ANON_NEW]);
	EXPECT_EQ(N, done[MMSCOPE_CAUSE_ZERO_PAGE]);
	EXPECT_EQ(N, done[MMSCOPE_CAUSE_COW_COPY]);
	EXPECT_EQ(N, done[MMSCOPE_CAUSE_WP_REUSE]);
	EXPECT_EQ(N + BT_FA + BT_FWRITE, done[MMSCOPE_CAUSE_CACHE_HIT]);
	EXPECT_EQ(BT_MISS, done[MMSCOPE_CAUSE_CACHE_MISS]);
	EXPECT_EQ(BT_SWAP, done[MMSCOPE_CAUSE_SWAPIN_CACHE]);
	EXPECT_EQ(BT_SWAP, done[MMSCOPE_CAUSE_SWAPIN_IO]);
	EXPECT_EQ(BT_THP, done[MMSCOPE_CAUSE_THP_ALLOC] + done[MMSCOPE_CAUSE_THP_FALLBACK]);
	EXPECT_EQ(BT_HUGETLB, done[MMSCOPE_CAUSE_HUGETLB]);
	EXPECT_EQ(BT_UFFD, all[MMSCOPE_CAUSE_UFFD]);
	EXPECT_EQ(0, all[MMSCOPE_CAUSE_NUMA_HINT]);	/* one node: no NUMA balancing */
	EXPECT_EQ(BT_SEGV, none);
	/*
	 * "other" besides the SIGSEGVs: the attempt after each userfaultfd
	 * retry, which finds the pte UFFDIO_COPY installed and has nothing
	 * to do (major on 6.1, which sets FAULT_FLAG_TRIED after any retry;
	 * minor on 6.12 after a retry from under the VMA lock).
	 */
	EXPECT_EQ(BT_UFFD, all[MMSCOPE_CAUSE_OTHER] - none);
	EXPECT_EQ(BT_FA * (FA_STRIDE - 1), bt_get("faultaround", 0, 0));

	/* 4. Not an oracle, the same module call: FAULT_STATS saw the same events. */
	for (c = 0; c < MMSCOPE_NR_CAUSES; c++) {
		EXPECT_EQ(st1.cause[c] - st0.cause[c], all[c]) {
			TH_LOG("cause %s", cause_names[c]);
		}
	}
	EXPECT_EQ(st1.total - st0.total, total);
	EXPECT_EQ(st1.missed, st0.missed);
}

/* ---- out of memory ----------------------------------------------------------------------- */

/*
 * result "oom": VM_FAULT_OOM from a failed memcg charge, without the OOM
 * killer.  A child whose memory was all charged before it moved into a
 * memory cgroup with memory.max 0 (usage 0 there: charges stay where they
 * were made) has OOM_THREADS threads, each with its clear_child_tid on a
 * page never touched.  A thread that exits writes 0 there from
 * mm_release() (put_user(), a kernel-mode fault) and then wakes the futex
 * (FUTEX_WAKE, shared: get_user_pages_fast(FOLL_WRITE), a GUP fault), two
 * write faults on an empty pte of a VMA whose anon_vma and PTE table exist.
 * Each needs a page charged to the cgroup; try_charge_memcg() finds no
 * room and nothing to reclaim, counts MEMCG_OOM in mem_cgroup_oom(), and
 * mem_cgroup_out_of_memory() returns at task_is_dying() (PF_EXITING)
 * without calling the OOM killer; the retry then gives up
 * (passed_oom && task_is_dying()): -ENOMEM, do_anonymous_page() returns
 * VM_FAULT_OOM, the uaccess fixup and GUP's -ENOMEM absorb it.  So 2 oom
 * results per thread, of origin kernel, access write, memory anon, and
 * nothing else; the oracles: the cgroup's memory.events oom grows by
 * exactly as many (one per failed charge), oom_kill stays 0, the child's
 * min_flt and maj_flt do not move (errors are not accounted), and the
 * stream shows each fault at its thread's clear_child_tid address.
 *
 * The OOM killer's victim is oom_killer_victim below.
 */
#define OOM_THREADS	4
#define OOM_STACK	16	/* pages */

static struct {
	char *tids;		/* 2 pages a thread: written, untouched (its tid word) */
	char *stacks;
	int go_rd, ready_wr;
} oomc;

static int oom_thread(void *arg)
{
	long i = (long)arg;
	char c = 0;

	syscall(SYS_set_tid_address, (int *)(oomc.tids + (2 * i + 1) * PG));
	if (syscall(SYS_write, oomc.ready_wr, &c, 1) != 1)
		syscall(SYS_exit, 1);
	while (syscall(SYS_read, oomc.go_rd, &c, 1) != 1)
		;
	syscall(SYS_exit, 0);
	return 0;
}

/* Threads of @pid still listed in /proc/PID/task. */
static int nr_threads(pid_t pid)
{
	char path[64];
	struct dirent *e;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

TEST_F_TIMEOUT(fault, oom_exiting_threads_in_full_memcg, 120)
{
	struct mmscope_fault_stats a, b;
	unsigned long min0, maj0, min1, maj1;
	long long oom0, oom1, kill0, kill1, cur;
	int go[2], ready[2], hold[2], sfd, ret, i, n;
	long at[OOM_THREADS] = { 0 }, bad = 0, k;
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	char c = 0, buf[OOM_THREADS];
	time_t t_end;

	SKIP_IF_UNSET_UP();
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(hold, O_CLOEXEC));
	/* mapped here, so its address is known here; touched by the child only */
	oomc.tids = map_aligned(2 * OOM_THREADS * PG, 2 * OOM_THREADS * PG);
	ASSERT_NE(NULL, oomc.tids);
	ASSERT_EQ(0, madvise(oomc.tids, 2 * OOM_THREADS * PG, MADV_NOHUGEPAGE));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		long t;

		oomc.stacks = map_anon(OOM_THREADS * OOM_STACK);
		if (!oomc.stacks)
			_exit(1);
		for (t = 0; t < OOM_THREADS; t++)
			oomc.tids[2 * t * PG] = 1;	/* anon_vma, PTE table */
		touch_write(oomc.stacks, OOM_THREADS * OOM_STACK, PG);
		oomc.go_rd = go[0];
		oomc.ready_wr = ready[1];
		warm();
		for (t = 0; t < OOM_THREADS; t++)
			if (clone(oom_thread, oomc.stacks + (t + 1) * OOM_STACK * PG,
				  CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
				  CLONE_SYSVSEM, (void *)t) < 0)
				_exit(1);
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		while (read(hold[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	/* every thread and the child ready: nothing more of theirs is charged */
	for (n = 0; n < OOM_THREADS + 1; n += ret) {
		ret = read(ready[0], buf, sizeof(buf));
		ASSERT_LT(0, ret);
	}
	ret = mmscope_track_ioc(self->fd, self->child, 0);
	ASSERT_EQ(0, ret) TH_LOG("TRACK child: %s", strerror(-ret));
	self->child_tracked = self->child;
	sfd = open(MMSCOPE_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, sfd);
	ASSERT_EQ(0, mmscope_fault_stream(sfd, self->child, 256, NULL));
	ASSERT_EQ(0, cg_make(self, "oom", "0")) TH_LOG("%s", self->skip);
	ret = cg_enter(self, self->child);
	ASSERT_EQ(0, ret) TH_LOG("move the child into %s: %s", self->cg, strerror(-ret));
	ASSERT_EQ(0, cg_key(self, "memory.stat", "anon"));
	oom0 = cg_key(self, "memory.events", "oom");
	kill0 = cg_key(self, "memory.events", "oom_kill");
	ASSERT_EQ(0, mmscope_fault_stats(self->fd, self->child, &a));
	ASSERT_EQ(0, proc_faults(self->child, &min0, &maj0));
	read_all(sfd, evs2, 1024);

	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(OOM_THREADS, write(go[1], buf, OOM_THREADS));
	t_end = time(NULL) + 60 * mmscope_timeout_scale();
	while ((n = nr_threads(self->child)) > 1 && time(NULL) < t_end)
		nanosleep(&ts, NULL);
	ASSERT_EQ(1, n) TH_LOG("the threads did not exit");

	ASSERT_EQ(0, mmscope_fault_stats(self->fd, self->child, &b));
	ASSERT_EQ(0, proc_faults(self->child, &min1, &maj1));
	oom1 = cg_key(self, "memory.events", "oom");
	kill1 = cg_key(self, "memory.events", "oom_kill");
	cur = cg_key(self, "memory.stat", "anon");
	n = read_all(sfd, evs2, 1024);
	close(sfd);
	kill(self->child, SIGKILL);
	waitpid(self->child, NULL, 0);
	self->child = 0;

	st0 = a;
	st1 = b;
	memset(&ru0, 0, sizeof(ru0));
	memset(&ru1, 0, sizeof(ru1));
	log_deltas(_metadata, "exiting threads, memory.max 0");
	TH_LOG("memory.events oom +%lld oom_kill +%lld; memory.stat anon %lld; "
	       "child minflt +%lu majflt +%lu", oom1 - oom0, kill1 - kill0, cur,
	       min1 - min0, maj1 - maj0);
	EXPECT_EQ(2 * OOM_THREADS, b.total - a.total);
	EXPECT_EQ(2 * OOM_THREADS, b.result[MMSCOPE_RESULT_OOM] - a.result[MMSCOPE_RESULT_OOM]);
	EXPECT_EQ(2 * OOM_THREADS, b.origin[MMSCOPE_ORIGIN_KERNEL] - a.origin[MMSCOPE_ORIGIN_KERNEL]);
	EXPECT_EQ(2 * OOM_THREADS, b.access[MMSCOPE_ACCESS_WRITE] - a.access[MMSCOPE_ACCESS_WRITE]);
	EXPECT_EQ(2 * OOM_THREADS, b.memory[MMSCOPE_MEM_ANON] - a.memory[MMSCOPE_MEM_ANON]);
	EXPECT_EQ(2 * OOM_THREADS, b.cause[MMSCOPE_CAUSE_OTHER] - a.cause[MMSCOPE_CAUSE_OTHER]);
	EXPECT_EQ(a.missed, b.missed);
	/* the kernel's counts */
	EXPECT_EQ(b.result[MMSCOPE_RESULT_OOM] - a.result[MMSCOPE_RESULT_OOM], oom1 - oom0);
	EXPECT_EQ(kill0, kill1);
	EXPECT_EQ(0, cur);
	EXPECT_EQ(min0, min1);
	EXPECT_EQ(maj0, maj1);
	/* the stream: each fault at a clear_child_tid word, two per thread */
	EXPECT_EQ(2 * OOM_THREADS, n);
	for (i = 0; i < n; i++) {
		const struct mmscope_fault_event *e = &evs2[i];
		unsigned long off = e->address - (unsigned long)oomc.tids;

		k = off / (2 * PG);
		if (e->address < (unsigned long)oomc.tids || k >= OOM_THREADS ||
		    off != (2 * k + 1) * PG || e->result != MMSCOPE_RESULT_OOM ||
		    e->origin != MMSCOPE_ORIGIN_KERNEL || e->ip) {
			if (bad++ < 8)
				log_event(_metadata, "not a clear_child_tid oom fault", e);
			continue;
		}
		at[k]++;
	}
	EXPECT_EQ(0, bad);
	for (k = 0; k < OOM_THREADS; k++)
		EXPECT_EQ(2, at[k]) TH_LOG("thread %ld", k);
	close(go[0]); close(go[1]); close(ready[0]); close(ready[1]); close(hold[0]); close(hold[1]);
	munmap(oomc.tids, 2 * OOM_THREADS * PG);
}

/* ---- invalid input: one errno each ------------------------------------------------------ */

/*
 * A child asleep in read() of a pipe until its write end (*@pipe_out) is
 * closed: it faults no more (its post-fork faults are over).  Pid or -1.
 */
static pid_t fork_idle(int *pipe_out)
{
	int pfd[2];
	pid_t pid;
	char c;

	if (pipe2(pfd, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(pfd[1]);
		while (read(pfd[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(pfd[0]);
	*pipe_out = pfd[1];
	while (pid > 0 && !sleeping(pid))
		usleep(10000);
	return pid;
}

FIXTURE(inval)
{
	int fd;
	pid_t idle;		/* a child that sleeps in read() */
	int idle_pipe;
	int idle_tracked, self_tracked;
	char skip[128];
};

FIXTURE_SETUP(inval)
{
	self->fd = mmscope_open();
	ASSERT_LE(0, self->fd);
	ASSERT_TRUE(mmscope_has_faults(self->fd)) TH_LOG("module lacks MMSCOPE_FEATURE_FAULTS");
	self->idle = fork_idle(&self->idle_pipe);
	ASSERT_LE(0, self->idle);
}

FIXTURE_TEARDOWN(inval)
{
	if (self->idle_tracked)
		mmscope_track_ioc(self->fd, self->idle, MMSCOPE_TRACK_REMOVE);
	if (self->self_tracked)
		mmscope_track_ioc(self->fd, 0, MMSCOPE_TRACK_REMOVE);
	if (self->idle > 0) {
		close(self->idle_pipe);
		kill(self->idle, SIGKILL);
		waitpid(self->idle, NULL, 0);
	}
	close(self->fd);
}

#define SKIP_IF_NO_FAULTS() do { \
	if (self->skip[0]) \
		SKIP(return, "%s", self->skip); \
} while (0)

TEST_F(inval, track_unknown_flag)
{
	SKIP_IF_NO_FAULTS();
	EXPECT_EQ(-EINVAL, mmscope_track_ioc(self->fd, self->idle, 1U << 7));
}

TEST_F(inval, track_remove_with_children)
{
	SKIP_IF_NO_FAULTS();
	EXPECT_EQ(-EINVAL, mmscope_track_ioc(self->fd, self->idle,
					     MMSCOPE_TRACK_REMOVE | MMSCOPE_TRACK_CHILDREN));
}

TEST_F(inval, track_remove_with_on_close)
{
	SKIP_IF_NO_FAULTS();
	EXPECT_EQ(-EINVAL, mmscope_track_ioc(self->fd, self->idle,
					     MMSCOPE_TRACK_REMOVE | MMSCOPE_TRACK_ON_CLOSE));
}

/* Is @pid tracked?  FAULT_STATS answers for every entry in the table. */
static int is_tracked_now(int fd, pid_t pid)
{
	struct mmscope_fault_stats s;

	return mmscope_fault_stats(fd, pid, &s) == 0;
}

/*
 * MMSCOPE_TRACK_ON_CLOSE: the entry goes when the file it was made on is
 * released (its last descriptor closed), not before; an entry removed and
 * made again without the flag no longer belongs to the file.
 */
TEST_F(inval, track_on_close_goes_with_the_file)
{
	int a, b, c;

	SKIP_IF_NO_FAULTS();
	a = mmscope_open();
	ASSERT_LE(0, a);
	b = dup(a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, mmscope_track_ioc(a, self->idle, MMSCOPE_TRACK_ON_CLOSE));
	self->idle_tracked = 1;
	EXPECT_TRUE(is_tracked_now(self->fd, self->idle));
	close(a);
	EXPECT_TRUE(is_tracked_now(self->fd, self->idle));	/* b holds the file */
	close(b);
	EXPECT_FALSE(is_tracked_now(self->fd, self->idle));
	EXPECT_EQ(-ENOENT, mmscope_track_ioc(self->fd, self->idle, MMSCOPE_TRACK_REMOVE));

	c = mmscope_open();
	ASSERT_LE(0, c);
	ASSERT_EQ(0, mmscope_track_ioc(c, self->idle, MMSCOPE_TRACK_ON_CLOSE));
	ASSERT_EQ(0, mmscope_track_ioc(self->fd, self->idle, MMSCOPE_TRACK_REMOVE));
	ASSERT_EQ(0, mmscope_track_ioc(self->fd, self->idle, 0));
	close(c);
	EXPECT_TRUE(is_tracked_now(self->fd, self->idle));
}

/* A tool killed with SIGKILL leaves nothing tracked: the exit releases its file. */
TEST_F(inval, track_on_close_after_sigkill)
{
	int rep[2];
	pid_t tool;
	char c;

	SKIP_IF_NO_FAULTS();
	ASSERT_EQ(0, pipe2(rep, O_CLOEXEC));
	tool = fork();
	ASSERT_LE(0, tool);
	if (tool == 0) {
		int fd = mmscope_open();

		c = fd >= 0 && !mmscope_track_ioc(fd, self->idle, MMSCOPE_TRACK_ON_CLOSE) ? 'y' : 'n';
		if (write(rep[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(rep[1]);
	ASSERT_EQ(1, read(rep[0], &c, 1));
	close(rep[0]);
	ASSERT_EQ('y', c);
	self->idle_tracked = 1;
	EXPECT_TRUE(is_tracked_now(self->fd, self->idle));
	kill(tool, SIGKILL);
	ASSERT_EQ(tool, waitpid(tool, NULL, 0));
	/* exit closes the files before the parent can reap it */
	EXPECT_FALSE(is_tracked_now(self->fd, self->idle));
}

/*
 * ON_CLOSE with CHILDREN: the children adopted from the process go with the
 * file too, and none is adopted after it (a child forked just before the
 * close is dropped, not listed).
 */
TEST_F_TIMEOUT(inval, track_on_close_takes_children, 120)
{
	enum { KIDS = 4 };
	int go[2], rep[2], fd, i, listed = 0;
	pid_t parent, kids[KIDS];

	SKIP_IF_NO_FAULTS();
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(rep, O_CLOEXEC));
	parent = fork();
	ASSERT_LE(0, parent);
	if (parent == 0) {
		char c;

		close(go[1]);
		close(rep[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		for (i = 0; i < KIDS; i++) {
			pid_t k = fork();

			if (k == 0) {
				while (read(go[0], &c, 1) < 0 && errno == EINTR)
					;
				_exit(0);
			}
			if (k < 0 || write(rep[1], &k, sizeof(k)) != sizeof(k))
				_exit(1);
		}
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(go[0]);
	close(rep[1]);
	fd = mmscope_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mmscope_track_ioc(fd, parent, MMSCOPE_TRACK_ON_CLOSE | MMSCOPE_TRACK_CHILDREN));
	ASSERT_EQ(1, write(go[1], "g", 1));
	for (i = 0; i < KIDS; i++)
		ASSERT_EQ(sizeof(kids[i]), read(rep[0], &kids[i], sizeof(kids[i])));
	/* the children are listed by a work item: let it run */
	for (i = 0; i < 50 * mmscope_timeout_scale(); i++) {
		int k;

		for (k = 0, listed = 0; k < KIDS; k++)
			listed += is_tracked_now(self->fd, kids[k]);
		if (listed == KIDS)
			break;
		usleep(100000);
	}
	EXPECT_EQ(KIDS, listed);
	EXPECT_TRUE(is_tracked_now(self->fd, parent));
	close(fd);
	EXPECT_FALSE(is_tracked_now(self->fd, parent));
	for (i = 0, listed = 0; i < KIDS; i++)
		listed += is_tracked_now(self->fd, kids[i]);
	EXPECT_EQ(0, listed) {
		TH_LOG("%d children still tracked after the file was closed", listed);
	}
	close(go[1]);		/* every process of the family exits */
	close(rep[0]);
	kill(parent, SIGKILL);
	waitpid(parent, NULL, 0);
}

TEST_F(inval, track_vanished_pid)
{
	pid_t pid;

	SKIP_IF_NO_FAULTS();
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(pid, waitpid(pid, NULL, 0));
	EXPECT_EQ(-ESRCH, mmscope_track_ioc(self->fd, pid, 0));
}

TEST_F(inval, track_twice)
{
	SKIP_IF_NO_FAULTS();
	ASSERT_EQ(0, mmscope_track_ioc(self->fd, self->idle, 0));
	self->idle_tracked = 1;
	EXPECT_EQ(-EEXIST, mmscope_track_ioc(self->fd, self->idle, 0));
}

TEST_F(inval, remove_untracked)
{
	SKIP_IF_NO_FAULTS();
	EXPECT_EQ(-ENOENT, mmscope_track_ioc(self->fd, self->idle, MMSCOPE_TRACK_REMOVE));
}

TEST_F(inval, stats_untracked)
{
	struct mmscope_fault_stats s;

	SKIP_IF_NO_FAULTS();
	EXPECT_EQ(-ENOENT, mmscope_fault_stats(self->fd, self->idle, &s));
}

TEST_F(inval, stats_nonzero_flags)
{
	struct mmscope_fault_stats s;

	SKIP_IF_NO_FAULTS();
	ASSERT_EQ(0, mmscope_track_ioc(self->fd, self->idle, 0));
	self->idle_tracked = 1;
	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.pid = self->idle;
	s.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, MMSCOPE_IOC_FAULT_STATS, &s));
	EXPECT_EQ(EINVAL, errno);
}

static void expect_ring_errno(struct __test_metadata *_metadata, int fd, __u32 ring,
			      int err)
{
	EXPECT_EQ(-err, mmscope_fault_stream(fd, 0, ring, NULL)) {
		TH_LOG("ring_records %u", ring);
	}
}
#define expect_ring_einval(m, fd, ring) expect_ring_errno(m, fd, ring, EINVAL)

TEST_F(inval, stream_ring_0)
{
	SKIP_IF_NO_FAULTS();
	expect_ring_einval(_metadata, self->fd, 0);
}

TEST_F(inval, stream_ring_8)
{
	SKIP_IF_NO_FAULTS();
	expect_ring_einval(_metadata, self->fd, 8);
}

TEST_F(inval, stream_ring_100)
{
	SKIP_IF_NO_FAULTS();
	expect_ring_einval(_metadata, self->fd, 100);
}

TEST_F(inval, stream_ring_131072)
{
	SKIP_IF_NO_FAULTS();
	expect_ring_errno(_metadata, self->fd, 131072, E2BIG);
}

TEST_F(inval, read_before_stream)
{
	struct mmscope_fault_event e;

	SKIP_IF_NO_FAULTS();
	EXPECT_EQ(-1, read(self->fd, &e, sizeof(e)));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(inval, read_short_buffer)
{
	char buf[10];

	SKIP_IF_NO_FAULTS();
	ASSERT_EQ(0, mmscope_fault_stream(self->fd, 0, 16, NULL));
	EXPECT_EQ(-1, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(EINVAL, errno);
}

/* The stream of a tracked process asleep in read(): empty. */
TEST_F(inval, read_nonblock_empty)
{
	struct mmscope_fault_event e;
	int fd;

	SKIP_IF_NO_FAULTS();
	ASSERT_EQ(0, mmscope_track_ioc(self->fd, self->idle, 0));
	self->idle_tracked = 1;
	fd = open(MMSCOPE_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mmscope_fault_stream(fd, self->idle, 16, NULL));
	EXPECT_EQ(-1, read(fd, &e, sizeof(e)));
	EXPECT_EQ(EAGAIN, errno);
	close(fd);
}

/* ---- the table read back: TRACKED, MODULE_MEMORY ----------------------------------- */

FIXTURE(table)
{
	int fd;
	pid_t idle;		/* a child that sleeps in read() */
	int idle_pipe;
	pid_t untrack[4];	/* tracked here: removed at teardown */
};

FIXTURE_SETUP(table)
{
	self->fd = mmscope_open();
	ASSERT_LE(0, self->fd);
	if (!mmscope_has_introspect(self->fd))
		SKIP(return, "module lacks MMSCOPE_FEATURE_INTROSPECT");
	self->idle = fork_idle(&self->idle_pipe);
	ASSERT_LE(0, self->idle);
}

FIXTURE_TEARDOWN(table)
{
	int i;

	for (i = 0; i < 4; i++)
		if (self->untrack[i])
			mmscope_track_ioc(self->fd, self->untrack[i], MMSCOPE_TRACK_REMOVE);
	if (self->idle > 0) {
		close(self->idle_pipe);
		kill(self->idle, SIGKILL);
		waitpid(self->idle, NULL, 0);
	}
	close(self->fd);
}

/*
 * Each entry's flags say how it came to be tracked: ON_CLOSE for one made
 * on a file with MMSCOPE_TRACK_ON_CLOSE, CHILDREN for a CHILDREN parent,
 * CHILDREN|ADOPTED for the child it forks, EXITED once that child is
 * reaped; the list is the table's order, and an exited child's
 * faults_total is FAULT_STATS' total.
 */
TEST_F_TIMEOUT(table, tracked_flags_follow_track, 120)
{
	struct mmscope_tracked_rec base[MMSCOPE_TRACK_MAX], r[MMSCOPE_TRACK_MAX];
	const struct mmscope_tracked_rec *e;
	struct mmscope_fault_stats st;
	int go[2], cgo[2], rep[2], a, n0, n = 0, i;
	pid_t parent, child = 0;
	char c;

	n0 = mmscope_tracked(self->fd, base);
	ASSERT_LE(0, n0);
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(cgo, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(rep, O_CLOEXEC));
	parent = fork();
	ASSERT_LE(0, parent);
	if (parent == 0) {
		pid_t k;

		close(go[1]);
		close(rep[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		k = fork();
		if (k == 0) {
			char *p = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			close(cgo[1]);
			if (p != MAP_FAILED)
				touch_write(p, 16, PG);
			while (read(cgo[0], &c, 1) < 0 && errno == EINTR)
				;
			_exit(0);
		}
		close(cgo[1]);
		if (k < 0 || write(rep[1], &k, sizeof(k)) != sizeof(k))
			_exit(1);
		if (waitpid(k, NULL, 0) != k || write(rep[1], "r", 1) != 1)
			_exit(1);
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(go[0]);
	close(cgo[0]);
	close(rep[1]);
	/* opened after the fork: only this process holds the ON_CLOSE file */
	a = mmscope_open();
	ASSERT_LE(0, a);
	ASSERT_EQ(0, mmscope_track_ioc(a, self->idle, MMSCOPE_TRACK_ON_CLOSE));
	self->untrack[0] = self->idle;
	ASSERT_EQ(0, mmscope_track_ioc(self->fd, parent, MMSCOPE_TRACK_CHILDREN));
	self->untrack[1] = parent;
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(sizeof(child), read(rep[0], &child, sizeof(child)));
	self->untrack[2] = child;
	/* the child is listed by a work item: let it run */
	for (i = 0; i < 50 * mmscope_timeout_scale(); i++) {
		n = mmscope_tracked(self->fd, r);
		ASSERT_LE(0, n);
		if (mmscope_tracked_find(r, n, child))
			break;
		usleep(100000);
	}
	ASSERT_EQ(n0 + 3, n);
	EXPECT_EQ(0, memcmp(base, r, n0 * sizeof(*r)));	/* what was there stays first */
	EXPECT_EQ(self->idle, r[n0].pid);
	EXPECT_EQ(MMSCOPE_TRACKED_ON_CLOSE, r[n0].flags);
	EXPECT_EQ(parent, r[n0 + 1].pid);
	EXPECT_EQ(MMSCOPE_TRACKED_CHILDREN, r[n0 + 1].flags);
	EXPECT_EQ(child, r[n0 + 2].pid);
	EXPECT_EQ(MMSCOPE_TRACKED_CHILDREN | MMSCOPE_TRACKED_ADOPTED, r[n0 + 2].flags);
	EXPECT_EQ(0, r[n0].parent);
	EXPECT_EQ(0, r[n0 + 1].parent);
	EXPECT_EQ(parent, r[n0 + 2].parent);	/* the tracked process that forked it */
	for (i = n0; i < n; i++)
		EXPECT_EQ(0, r[i].__pad0 | r[i].__reserved[0]);

	/* the child exits and its parent reaps it: the entry stays, EXITED */
	close(cgo[1]);
	ASSERT_EQ(1, read(rep[0], &c, 1));
	n = mmscope_tracked(self->fd, r);
	ASSERT_EQ(n0 + 3, n);
	e = mmscope_tracked_find(r, n, child);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(MMSCOPE_TRACKED_CHILDREN | MMSCOPE_TRACKED_ADOPTED | MMSCOPE_TRACKED_EXITED,
		  e->flags);
	ASSERT_EQ(0, mmscope_fault_stats(self->fd, child, &st));
	EXPECT_EQ(st.total, e->faults_total);	/* both final: it has exited */
	EXPECT_LE(16, e->faults_total);
	e = mmscope_tracked_find(r, n, parent);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(MMSCOPE_TRACKED_CHILDREN, e->flags);

	/* the ON_CLOSE entry goes with its file, the others stay */
	close(a);
	n = mmscope_tracked(self->fd, r);
	ASSERT_EQ(n0 + 2, n);
	EXPECT_EQ(NULL, mmscope_tracked_find(r, n, self->idle));
	EXPECT_NE(NULL, mmscope_tracked_find(r, n, parent));
	EXPECT_NE(NULL, mmscope_tracked_find(r, n, child));
	TH_LOG("child %d: %llu faults", child, (unsigned long long)st.total);
	close(go[1]);
	close(rep[0]);
	kill(parent, SIGKILL);
	waitpid(parent, NULL, 0);
}

/* buf_len 0 only counts; a short buffer gets the first records and nr_total. */
TEST_F(table, tracked_count_only_and_short_buffer)
{
	struct mmscope_tracked_rec all[MMSCOPE_TRACK_MAX];
	struct mmscope_phys_snap s;
	unsigned char buf[4 * 40];
	int n, i;

	ASSERT_EQ(0, mmscope_track_ioc(self->fd, self->idle, 0));
	self->untrack[0] = self->idle;
	ASSERT_EQ(0, mmscope_track_ioc(self->fd, 0, 0));
	self->untrack[1] = getpid();
	n = mmscope_tracked(self->fd, all);
	ASSERT_LE(2, n);

	ASSERT_EQ(0, mmscope_phys_ioc(self->fd, MMSCOPE_IOC_TRACKED, sizeof(all[0]), NULL, 0, &s));
	EXPECT_EQ(0, s.nr_recs);
	EXPECT_EQ(n, s.nr_total);

	/* room for one record and a half: one is written, nothing after it */
	memset(buf, 0xa5, sizeof(buf));
	ASSERT_EQ(0, mmscope_phys_ioc(self->fd, MMSCOPE_IOC_TRACKED, sizeof(all[0]), buf,
				      sizeof(all[0]) + sizeof(all[0]) / 2, &s));
	EXPECT_EQ(1, s.nr_recs);
	EXPECT_EQ(n, s.nr_total);
	EXPECT_EQ(all[0].pid, ((struct mmscope_tracked_rec *)buf)->pid);
	for (i = sizeof(all[0]); i < (int)sizeof(buf); i++)
		ASSERT_EQ(0xa5, buf[i]) TH_LOG("byte %d past the record written", i);

	/* a larger rec_size: records that far apart, the tail zeroed */
	memset(buf, 0xa5, sizeof(buf));
	ASSERT_EQ(0, mmscope_phys_ioc(self->fd, MMSCOPE_IOC_TRACKED, 40, buf, 2 * 40, &s));
	EXPECT_EQ(2, s.nr_recs);
	for (i = 0; i < 2; i++) {	/* a tracked test process faults on: not its total */
		const struct mmscope_tracked_rec *t = (const void *)(buf + 40 * i);

		EXPECT_EQ(all[i].pid, t->pid);
		EXPECT_EQ(all[i].flags, t->flags);
	}
	for (i = sizeof(all[0]); i < 40; i++)
		EXPECT_EQ(0, buf[i] | buf[40 + i]);
	EXPECT_EQ(0xa5, buf[80]);

	/* below the first published record: EINVAL */
	EXPECT_EQ(-EINVAL, mmscope_phys_ioc(self->fd, MMSCOPE_IOC_TRACKED,
					    MMSCOPE_TRACKED_REC_SIZE_VER0 - 8, buf, sizeof(buf), &s));
}

/* The track file (format 1) lists the same pids, in the same order and states. */
TEST_F(table, tracked_agrees_with_track_file)
{
	struct mmscope_tracked_rec r[MMSCOPE_TRACK_MAX];
	char text[8192], state[16], *l, *nl;
	int n, i = 0, pid;

	ASSERT_EQ(0, mmscope_track_ioc(self->fd, self->idle, 0));
	self->untrack[0] = self->idle;
	n = mmscope_tracked(self->fd, r);
	ASSERT_LE(1, n);
	ASSERT_LT(0, mmscope_slurp_file(MMSCOPE_DEBUGFS "/track", text, sizeof(text)));
	ASSERT_TRUE(mmscope_has_header(text, "track"));
	EXPECT_EQ(0, strncmp(text, "# mmscope track format 1\n", 25));
	for (l = text; (nl = strchr(l, '\n')); l = nl + 1) {
		if (*l == '#')
			continue;
		ASSERT_EQ(2, sscanf(l, "%d %15s", &pid, state));
		ASSERT_GT(n, i);
		EXPECT_EQ(r[i].pid, pid);
		EXPECT_STREQ(r[i].flags & MMSCOPE_TRACKED_EXITED ? "exited" : "live", state);
		i++;
	}
	EXPECT_EQ(n, i);
}

/* MODULE_MEMORY's records in order, the total their sum; @what the names. */
static void check_module_memory(struct __test_metadata *_metadata,
				const struct mmscope_module_mem_rec *r, int n)
{
	static const char *const what[] = { "tracked", "rings", "files" };
	__u64 bytes = 0, objects = 0;
	int i;

	ASSERT_EQ(MMSCOPE_MODULE_MEM_NR + 1, n);
	for (i = 0; i < MMSCOPE_MODULE_MEM_NR; i++) {
		EXPECT_EQ(i, r[i].kind);
		EXPECT_STREQ(what[i], r[i].what);
		EXPECT_EQ(0, r[i].__pad0 | r[i].__reserved[0] | r[i].__reserved[1]);
		bytes += r[i].bytes;
		objects += r[i].objects;
	}
	EXPECT_EQ(MMSCOPE_MODULE_MEM_TOTAL, r[n - 1].kind);
	EXPECT_STREQ("total", r[n - 1].what);
	EXPECT_EQ(bytes, r[n - 1].bytes);
	EXPECT_EQ(objects, r[n - 1].objects);
}

/*
 * One more tracked process is one more "tracked" object of one entry's
 * bytes (every entry the same size), one more open file one more "files"
 * object; undoing each gives the figures back.
 */
TEST_F(table, module_memory_counts_entries_and_files)
{
	struct mmscope_module_mem_rec r0[16], r1[16], r2[16];
	const int T = MMSCOPE_MODULE_MEM_TRACKED, F = MMSCOPE_MODULE_MEM_FILES;
	__u64 entry;
	int n, fd2;

	n = mmscope_module_memory(self->fd, r0);
	check_module_memory(_metadata, r0, n);
	ASSERT_EQ(0, mmscope_track_ioc(self->fd, self->idle, 0));
	self->untrack[0] = self->idle;
	n = mmscope_module_memory(self->fd, r1);
	check_module_memory(_metadata, r1, n);
	EXPECT_EQ(r0[T].objects + 1, r1[T].objects);
	entry = r1[T].bytes - r0[T].bytes;
	EXPECT_LT(0, entry);
	EXPECT_EQ(r1[T].objects * entry, r1[T].bytes);
	EXPECT_EQ(r0[F].bytes, r1[F].bytes);
	EXPECT_EQ(r0[n - 1].bytes + entry, r1[n - 1].bytes);

	fd2 = mmscope_open();
	ASSERT_LE(0, fd2);
	n = mmscope_module_memory(self->fd, r2);
	check_module_memory(_metadata, r2, n);
	EXPECT_EQ(r1[F].objects + 1, r2[F].objects);
	EXPECT_LT(r1[F].bytes, r2[F].bytes);
	EXPECT_EQ(r1[T].bytes, r2[T].bytes);
	close(fd2);

	ASSERT_EQ(0, mmscope_track_ioc(self->fd, self->idle, MMSCOPE_TRACK_REMOVE));
	self->untrack[0] = 0;
	n = mmscope_module_memory(self->fd, r2);
	check_module_memory(_metadata, r2, n);
	EXPECT_EQ(0, memcmp(r0, r2, n * sizeof(r0[0])));
	TH_LOG("one tracked entry: %llu bytes", (unsigned long long)entry);
}

/* The memory file and the stats file's "held" lines show the records' figures. */
TEST_F(table, module_memory_agrees_with_text)
{
	struct mmscope_module_mem_rec r[16];
	char text[8192], what[32], *l, *nl;
	unsigned long long b, o;
	int n, i = 0, held = 0, j;

	ASSERT_EQ(0, mmscope_track_ioc(self->fd, self->idle, 0));
	self->untrack[0] = self->idle;
	n = mmscope_module_memory(self->fd, r);
	check_module_memory(_metadata, r, n);
	ASSERT_LT(0, mmscope_slurp_file(MMSCOPE_DEBUGFS "/memory", text, sizeof(text)));
	EXPECT_EQ(0, strncmp(text, "# mmscope memory format 1\n", 26));
	for (l = text; (nl = strchr(l, '\n')); l = nl + 1) {
		if (*l == '#')
			continue;
		ASSERT_EQ(3, sscanf(l, "%31s %llu %llu", what, &b, &o));
		ASSERT_GT(n, i);
		EXPECT_STREQ(r[i].what, what);
		EXPECT_EQ(r[i].bytes, b);
		EXPECT_EQ(r[i].objects, o);
		i++;
	}
	EXPECT_EQ(n, i);
	ASSERT_LT(0, mmscope_slurp_file(MMSCOPE_DEBUGFS "/stats", text, sizeof(text)));
	for (l = text; (nl = strchr(l, '\n')); l = nl + 1) {
		if (sscanf(l, "held %31s %llu %llu", what, &b, &o) != 3)
			continue;
		for (j = 0; j < n && strcmp(r[j].what, what); j++)
			;
		ASSERT_GT(n, j) TH_LOG("stats: held %s is no record", what);
		EXPECT_EQ(r[j].bytes, b);
		EXPECT_EQ(r[j].objects, o);
		held++;
	}
	EXPECT_EQ(n, held);
}

/*
 * Fork a child that writes the @n pages at @p (COW copies of the parent's),
 * sends its whole getrusage() over @rep and waits for a byte on @go.
 */
static pid_t fork_writer(char *p, size_t n, int go, int rep)
{
	pid_t pid = fork();
	struct rusage ru;
	char c;

	if (pid)
		return pid;
	touch_write(p, n, PG);
	getrusage(RUSAGE_SELF, &ru);	/* a new process starts at 0 */
	if (write(rep, &ru, sizeof(ru)) != sizeof(ru))
		_exit(1);
	while (read(go, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

/* MMSCOPE_TRACK_CHILDREN: a child counts from its very first fault. */
TEST_F(fault, children_tracked_when_asked)
{
	struct mmscope_fault_stats *s = &st1;
	int go[2], rep[2], i, ret = -1;
	struct rusage ru;
	char *p = map_anon(N), c = 0;
	pid_t child;

	SKIP_IF_UNSET_UP();
	ASSERT_NE(NULL, p);
	touch_write(p, N, PG);
	ASSERT_EQ(0, mmscope_track_ioc(self->fd, 0, MMSCOPE_TRACK_REMOVE));
	ASSERT_EQ(0, mmscope_track_ioc(self->fd, 0, MMSCOPE_TRACK_CHILDREN));
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(rep, O_CLOEXEC));
	child = fork_writer(p, N, go[0], rep[1]);
	ASSERT_LT(0, child);
	self->child = child;
	ASSERT_EQ(sizeof(ru), read(rep[0], &ru, sizeof(ru)));
	/* its entry was counting from fork; it is listed by a work item */
	for (i = 0; i < 50 * mmscope_timeout_scale() && (ret = mmscope_fault_stats(self->fd, child, s));
	     i++)
		usleep(100000);
	ASSERT_EQ(0, ret);
	self->child_tracked = self->child;
	/*
	 * Compare once it has exited: the child can still fault after it
	 * sent its getrusage() (its stack in write() and read()), while
	 * wait4() reports every fault of its life and the module's counts
	 * freeze at exit.
	 */
	ASSERT_EQ(1, write(go[1], &c, 1));
	ASSERT_EQ(child, wait4(child, NULL, 0, &ru));
	self->child = 0;
	ASSERT_EQ(0, mmscope_fault_stats(self->fd, child, s));
	EXPECT_EQ((unsigned long long)(ru.ru_minflt + ru.ru_majflt),
		  s->result[MMSCOPE_RESULT_MINOR] + s->result[MMSCOPE_RESULT_MAJOR]);
	EXPECT_LE(N, s->cause[MMSCOPE_CAUSE_COW_COPY]);
	EXPECT_GE(N + 8, s->cause[MMSCOPE_CAUSE_COW_COPY]);	/* + its stack */
	TH_LOG("child: %llu faults, %llu COW copies, rusage at exit %ld",
	       s->total, s->cause[MMSCOPE_CAUSE_COW_COPY], ru.ru_minflt + ru.ru_majflt);
	close(go[0]); close(go[1]); close(rep[0]); close(rep[1]);
}

TEST_F(fault, children_not_tracked_unless_asked)
{
	int go[2], rep[2];
	char path[96], *p = map_anon(N), c = 0;
	struct rusage ru;
	pid_t child;

	SKIP_IF_UNSET_UP();
	ASSERT_NE(NULL, p);
	touch_write(p, N, PG);
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(rep, O_CLOEXEC));
	child = fork_writer(p, N, go[0], rep[1]);
	ASSERT_LT(0, child);
	self->child = child;
	ASSERT_EQ(sizeof(ru), read(rep[0], &ru, sizeof(ru)));
	usleep(300000);
	EXPECT_EQ(-ENOENT, mmscope_fault_stats(self->fd, child, &st1));
	snprintf(path, sizeof(path), "/sys/kernel/debug/mmscope/tasks/%d", child);
	EXPECT_NE(0, access(path, F_OK));
	ASSERT_EQ(1, write(go[1], &c, 1));
	waitpid(child, NULL, 0);
	self->child = 0;
	close(go[0]); close(go[1]); close(rep[0]); close(rep[1]);
}

/*
 * Track self->child and start bpftrace on it with the probes @probes; the
 * program ends itself when the child exits.  Fails the test (ASSERT) on any
 * error: a probe bpftrace cannot attach is a failure, not a skip.
 */
static void trace_child(struct __test_metadata *_metadata, FIXTURE_DATA(fault) *self,
			const char *probes)
{
	char prog[1024];
	int ret;

	ret = mmscope_track_ioc(self->fd, self->child, 0);
	ASSERT_EQ(0, ret) TH_LOG("TRACK %d: %s", self->child, strerror(-ret));
	self->child_tracked = self->child;
	snprintf(prog, sizeof(prog), "%s%s%s", probes,
		 "tracepoint:sched:sched_process_exit /pid == $1/ { exit(); } ", BT_READY);
	ret = bpftrace_start(&bt, prog, self->child, self->skip, sizeof(self->skip));
	ASSERT_EQ(0, ret) TH_LOG("%s", self->skip);
	self->bpf = bt.pid;
	ASSERT_TRUE(bpftrace_wait(&bt, "\nREADY\n", BT_READY_SECS) && !strstr(bt.buf, "ERROR"))
		TH_LOG("bpftrace did not say READY: %.300s", bt.buf);
}

/* ---- NUMA hinting faults (the guest entry with two nodes) ------------------------ */

#define NH_PAGES	256
#define NH_MIN_HINTS	32

static int numa_nodes(void)
{
	char buf[64];
	int a, b;

	if (mmscope_read_line("/sys/devices/system/node/online", buf, sizeof(buf)) < 0)
		return 1;
	if (sscanf(buf, "%d-%d", &a, &b) == 2)
		return b - a + 1;
	return 1;
}

/*
 * The child: its pages bound to node 1 while it makes them, then the
 * default policy, so the kernel finds them misplaced for a task on CPU 0
 * (node 0).  A single-threaded task whose pages are local gets no hinting
 * faults at all (change_prot_numa() leaves them alone).  It reads its pages
 * until told to stop, then waits to be told to exit.
 */
static pid_t numa_child(int go_rd, int rep_wr, char **region)
{
	unsigned long node1 = 2;
	volatile char sink;
	char *p, c = 0;
	pid_t pid;
	size_t i;

	p = map_anon(NH_PAGES);
	if (!p)
		return -1;
	*region = p;
	pid = fork();
	if (pid)
		return pid;
	if (syscall(SYS_set_mempolicy, MPOL_BIND, &node1, 8 * sizeof(node1)))
		c = 1;
	touch_write(p, NH_PAGES, PG);
	if (syscall(SYS_set_mempolicy, MPOL_DEFAULT, NULL, 0))
		c = 1;
	if (write(rep_wr, &c, 1) != 1 || c || read(go_rd, &c, 1) != 1)
		_exit(1);
	fcntl(go_rd, F_SETFL, O_NONBLOCK);
	for (;;) {
		for (i = 0; i < NH_PAGES; i++)
			sink = p[i * PG];
		if (read(go_rd, &c, 1) == 1)
			break;
	}
	(void)sink;
	while (read(go_rd, &c, 1) != 1)
		usleep(1000);
	_exit(0);
}

/* Nodes of the child's region pages (move_pages() without moving). */
static int numa_where(pid_t pid, char *p, int *on)
{
	void *pages[NH_PAGES];
	int status[NH_PAGES], i;

	for (i = 0; i < NH_PAGES; i++)
		pages[i] = p + (size_t)i * PG;
	if (syscall(SYS_move_pages, pid, NH_PAGES, pages, NULL, status, 0))
		return -1;
	on[0] = on[1] = 0;
	for (i = 0; i < NH_PAGES; i++)
		if (status[i] == 0 || status[i] == 1)
			on[status[i]]++;
	return 0;
}

/*
 * NUMA hinting faults against the kernel's own call: every hinting fault
 * that finds its page calls task_numa_fault() once (do_numa_page(),
 * do_huge_pmd_numa_page()); bpftrace counts those calls of the child while
 * the module counts its numa_hint faults over the same stretch.  The pages
 * the faults moved to the task's node are seen with move_pages().
 */
TEST_F_TIMEOUT(fault, numa_hint_against_task_numa_fault, BT_TEST_SECS)
{
	static const char *const want[3] = { "1", "0", "100" };
	long h0, h1, m0, m1;
	int go[2], rep[2], i, on0[2], on1[2];
	unsigned long long hints = 0;
	time_t t_end;
	char *p = NULL, c;

	SKIP_IF_UNSET_UP();
	if (numa_nodes() < 2)
		SKIP(return, "one NUMA node: the kernel makes no hinting faults");
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, mmscope_read_line(nb_files[i], self->nb[i], sizeof(self->nb[i])) < 0)
			TH_LOG("cannot read %s", nb_files[i]);
		ASSERT_EQ(0, mmscope_write_file(nb_files[i], want[i]))
			TH_LOG("cannot write %s", nb_files[i]);
	}
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(rep, O_CLOEXEC));
	self->child = numa_child(go[0], rep[1], &p);
	ASSERT_LT(0, self->child);
	ASSERT_EQ(1, read_byte_timeout(rep[0], 60, &c));
	ASSERT_EQ(0, c) TH_LOG("set_mempolicy failed in the child");
	ASSERT_EQ(0, numa_where(self->child, p, on0));
	TH_LOG("region: %d pages on node 0, %d on node 1", on0[0], on0[1]);
	ASSERT_EQ(NH_PAGES, on0[1]);
	trace_child(_metadata, self,
		"kprobe:task_numa_fault /pid == $1/ { @tnf = count(); } ");
	ASSERT_EQ(0, mmscope_fault_stats(self->fd, self->child, &st0));
	h0 = vmstat("numa_hint_faults");
	m0 = vmstat("numa_pages_migrated");
	ASSERT_EQ(1, write(go[1], &c, 1));
	/* wait for the scanner's work, bounded by the test's limit */
	t_end = time(NULL) + BT_TEST_SECS * mmscope_timeout_scale() / 2;
	do {
		usleep(200000);
		ASSERT_EQ(0, mmscope_fault_stats(self->fd, self->child, &st1));
	} while (st1.cause[MMSCOPE_CAUSE_NUMA_HINT] - st0.cause[MMSCOPE_CAUSE_NUMA_HINT] <
		 NH_MIN_HINTS && time(NULL) < t_end);
	ASSERT_EQ(1, write(go[1], &c, 1));	/* stop reading */
	usleep(100000);
	ASSERT_EQ(0, mmscope_fault_stats(self->fd, self->child, &st1));
	h1 = vmstat("numa_hint_faults");
	m1 = vmstat("numa_pages_migrated");
	ASSERT_EQ(0, numa_where(self->child, p, on1));
	ASSERT_EQ(1, write(go[1], &c, 1));	/* exit: bpftrace ends */
	bpftrace_stop(&bt);
	self->bpf = 0;
	waitpid(self->child, NULL, 0);
	self->child = 0;
	hints = bt_get("tnf", 0, 0);
	memset(&ru0, 0, sizeof(ru0));
	memset(&ru1, 0, sizeof(ru1));
	log_deltas(_metadata, "reading misplaced pages");
	TH_LOG("numa_hint: module +%llu, task_numa_fault() calls %llu, vmstat numa_hint_faults +%ld; "
	       "region then %d pages on node 0, %d on node 1; numa_pages_migrated +%ld",
	       (unsigned long long)delta(AX_CAUSE, MMSCOPE_CAUSE_NUMA_HINT), hints, h1 - h0,
	       on1[0], on1[1], m1 - m0);
	EXPECT_LE(NH_MIN_HINTS, (long)delta(AX_CAUSE, MMSCOPE_CAUSE_NUMA_HINT));
	EXPECT_EQ(hints, delta(AX_CAUSE, MMSCOPE_CAUSE_NUMA_HINT));
	EXPECT_LE((long)delta(AX_CAUSE, MMSCOPE_CAUSE_NUMA_HINT), h1 - h0);
	/* the pages that moved went to the reader's node, each by a fault */
	EXPECT_LT(0, on1[0]);
	EXPECT_EQ(NH_PAGES, on1[0] + on1[1]);
	EXPECT_LE(on1[0], (long)delta(AX_CAUSE, MMSCOPE_CAUSE_NUMA_HINT));
	EXPECT_LE(on1[0], m1 - m0);
	munmap(p, NH_PAGES * PG);
	close(go[0]); close(go[1]); close(rep[0]); close(rep[1]);
}

/*
 * result "oom" as the OOM killer's victim: a child alone in a memory cgroup
 * of 8 MiB (no swap, no group kill) writes fresh pages until a charge
 * fails; mem_cgroup_out_of_memory() picks it, the only task there, and
 * kills it; its retried charge fails again and, the task dying, gives up:
 * handle_mm_fault() returns VM_FAULT_OOM and the signal ends it.  (Should
 * the oom_reaper, 2 s after the kill, free its memory before that retry,
 * the charge succeeds and the fault is minor: the oracle sees that too.)
 * Oracles: bpftrace counts the child's handle_mm_fault() returns, those
 * with VM_FAULT_OOM apart; memory.events oom_kill grows by one; the child
 * dies of SIGKILL.  The stack dump_header() prints is announced to the
 * runner (mmscope_kmsg()), which otherwise fails the run on it.
 */
#define OOMV_PAGES	(64 << 8)	/* 64 MiB for a cgroup of 8 */

TEST_F_TIMEOUT(fault, oom_killer_victim, BT_TEST_SECS)
{
	long long kill0, kill1;
	int go[2], status = 0;
	unsigned long long oom, all;
	char *p, c = 0;

	SKIP_IF_UNSET_UP();
	ASSERT_EQ(0, cg_make(self, "victim", "8M")) TH_LOG("%s", self->skip);
	p = map_anon(OOMV_PAGES);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (!self->child) {
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		touch_write(p, OOMV_PAGES, PG);
		_exit(0);	/* not reached: 64 MiB in 8 */
	}
	ASSERT_EQ(0, cg_enter(self, self->child));
	trace_child(_metadata, self,
		"kretprobe:handle_mm_fault /pid == $1/ { @all = count(); } "
		"kretprobe:handle_mm_fault /pid == $1 && (retval & 1)/ { @oom = count(); } ");
	kill0 = cg_key(self, "memory.events", "oom_kill");
	ASSERT_EQ(0, mmscope_fault_stats(self->fd, self->child, &st0));
	ASSERT_EQ(0, mmscope_kmsg(MMSCOPE_KMSG_OOM_BEGIN));
	ASSERT_EQ(1, write(go[1], &c, 1));
	ASSERT_EQ(self->child, waitpid(self->child, &status, 0));
	mmscope_kmsg(MMSCOPE_KMSG_OOM_END);
	self->child = 0;
	bpftrace_stop(&bt);
	self->bpf = 0;
	kill1 = cg_key(self, "memory.events", "oom_kill");
	ASSERT_EQ(0, mmscope_fault_stats(self->fd, self->child_tracked, &st1));
	oom = bt_get("oom", 0, 0);
	all = bt_get("all", 0, 0);
	memset(&ru0, 0, sizeof(ru0));
	memset(&ru1, 0, sizeof(ru1));
	log_deltas(_metadata, "the OOM killer's victim");
	TH_LOG("handle_mm_fault() returned %llu times, %llu with VM_FAULT_OOM; oom_kill +%lld; "
	       "status 0x%x", all, oom, kill1 - kill0, status);
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	EXPECT_EQ(1, kill1 - kill0);
	EXPECT_NE(0, st1.flags & MMSCOPE_FAULT_EXITED);
	EXPECT_EQ(st0.missed, st1.missed);
	EXPECT_EQ(all, st1.total - st0.total);
	EXPECT_EQ(oom, delta(AX_RESULT, MMSCOPE_RESULT_OOM));
	/* the reaper did not win the race: the case this test is for */
	EXPECT_EQ(1, oom);
	close(go[0]);
	close(go[1]);
	munmap(p, OOMV_PAGES * PG);
}

TEST_HARNESS_MAIN
