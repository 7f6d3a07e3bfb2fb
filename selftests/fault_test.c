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

#include "kselftest_harness.h"
#include "mmscope_test.h"

_Static_assert(sizeof(struct mmscope_track) == MMSCOPE_TRACK_SIZE_VER0, "track size");
_Static_assert(sizeof(struct mmscope_fault_stats) == MMSCOPE_FAULT_STATS_SIZE_VER0, "stats size");
_Static_assert(sizeof(struct mmscope_fault_stream) == MMSCOPE_FAULT_STREAM_SIZE_VER0, "stream size");
_Static_assert(sizeof(struct mmscope_fault_event) == MMSCOPE_FAULT_EVENT_SIZE, "event size");

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
#define THP_ENABLED	"/sys/kernel/mm/transparent_hugepage/enabled"
#define PAGE_CLUSTER	"/proc/sys/vm/page-cluster"
#define DROP_CACHES	"/proc/sys/vm/drop_caches"
#define TASKS_DIR	MMSCOPE_DEBUGFS "/tasks"

static const char *const origin_names[] = { "user", "kernel" };
static const char *const access_names[] = { "read", "write", "exec" };
static const char *const result_names[] = {
	"minor", "major", "retry", "sigsegv", "sigbus", "oom",
};
static const char *const memory_names[] = {
	"anon", "file", "shmem", "hugetlb", "special", "none",
};
static const char *const cause_names[] = {
	"zero_page", "anon_new", "cow_copy", "wp_reuse", "cache_hit",
	"cache_miss", "swapin_cache", "swapin_io", "thp_alloc", "thp_fallback",
	"hugetlb", "numa_hint", "uffd", "migration_wait", "other",
};

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
	ssize_t got, len = 0;
	char *line, *next;
	int fd;

	touch_stack();
	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	while ((got = read(fd, maps_buf + len, sizeof(maps_buf) - 1 - len)) > 0)
		len += got;
	close(fd);
	maps_buf[len] = 0;
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
};

FIXTURE_SETUP(fault)
{
	int ret;

	self->fd = self->sfd = self->disk_fd = -1;
	self->pid = getpid();
	self->fd = mmscope_open();
	ASSERT_LE(0, self->fd) {
		TH_LOG("open %s: %s", MMSCOPE_DEV, strerror(-self->fd));
	}
	if (!mmscope_has_faults(self->fd)) {
		snprintf(self->skip, sizeof(self->skip), "module lacks MMSCOPE_FEATURE_FAULTS");
		return;
	}
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
	int pipefd[2];
	char *p, c;

	SKIP_IF_UNSET_UP();
	p = map_anon(N);
	ASSERT_NE(NULL, p);
	touch_write(p, N, PG);
	ASSERT_EQ(0, pipe2(pipefd, O_CLOEXEC));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (self->child == 0) {
		close(pipefd[1]);
		while (read(pipefd[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(pipefd[0]);
	warm();
	begin(self);
	touch_write(p, N, PG);
	end(self);
	close(pipefd[1]);
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
	p = map_aligned(N_THP * HPAGE, HPAGE);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, madvise(p, N_THP * HPAGE, MADV_HUGEPAGE));
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
	p = map_aligned(N * HPAGE, HPAGE);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, madvise(p, N * HPAGE, MADV_HUGEPAGE));
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

static void __attribute__((noinline)) touch_prot_none(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!sigsetjmp(segv_env, 1))
			(void)*(volatile const char *)(p + i * PG);
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

/* ---- bpftrace as an oracle ------------------------------------------------------------- */

/*
 * The programs say READY from an interval probe, not BEGIN: BEGIN is a uprobe
 * on bpftrace's own binary, which never fired on the debug kernel (bpftrace
 * 0.17 stalled before attaching); interval probes are perf timers.  It comes
 * last, so it is attached after the probes that count.
 */
#define BT_READY "interval:ms:100 /@ready == 0/ { printf(\"READY\\n\"); @ready = 1; } "

struct bpftrace {
	pid_t pid;
	int out;		/* its stdout and stderr */
	char buf[16384];
	size_t len;
};

/* Start bpftrace -e @prog; 0, or -1 with the reason in @why. */
static int bpftrace_start(struct bpftrace *b, const char *prog, char *why, size_t why_len)
{
	int pfd[2];

	if (access("/usr/bin/bpftrace", X_OK) && access("/usr/local/bin/bpftrace", X_OK)) {
		snprintf(why, why_len, "bpftrace is not installed");
		return -1;
	}
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
		execlp("bpftrace", "bpftrace", "-e", prog, (char *)NULL);
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

/* One byte from @fd within @secs; 1, or 0 on timeout/EOF. */
static int read_byte_timeout(int fd, int secs)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char c;

	return poll(&pfd, 1, secs * 1000) == 1 && read(fd, &c, 1) == 1;
}

static struct bpftrace bt;

/*
 * An untracked-at-fork child that runs a mixed workload on command:
 * anonymous writes, zero-page reads, memfd reads, PROT_NONE SIGSEGVs.
 */
#define BT_SEGV 8
static pid_t workload_child(int go_rd, int rep_wr)
{
	pid_t pid = fork();
	char c = 0;

	if (pid)
		return pid;
	{
		struct sigaction sa = { .sa_handler = segv_handler };
		char *a = map_anon(N), *z = map_anon(N);
		char *none = mmap(NULL, BT_SEGV * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		int mfd;
		char *m = map_memfd(N, &mfd);

		if (!a || !z || none == MAP_FAILED || !m || sigaction(SIGSEGV, &sa, NULL))
			_exit(1);
		if (write(rep_wr, &c, 1) != 1 || read(go_rd, &c, 1) != 1)
			_exit(1);
		touch_write(a, N, PG);
		touch_read(z, N, PG);
		touch_read(m, N, PG);
		touch_prot_none(none, BT_SEGV);
		if (write(rep_wr, &c, 1) != 1)
			_exit(1);
		while (read(go_rd, &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
}

/*
 * Start the workload child, track it, start bpftrace with @prog (which
 * prints READY once its probes are attached, BT_READY), run the
 * workload between two FAULT_STATS of the child, stop bpftrace.
 */
static int bpftrace_around_workload(struct __test_metadata *_metadata,
				    FIXTURE_DATA(fault) *self, const char *prog_fmt)
{
	int go[2], rep[2], ret;
	char prog[512], c = 0;
	time_t t0 = time(NULL), t1, t2;

	if (pipe2(go, O_CLOEXEC) || pipe2(rep, O_CLOEXEC))
		return -1;
	self->child = workload_child(go[0], rep[1]);
	if (self->child < 0 || !read_byte_timeout(rep[0], 20))
		return -1;
	ret = mmscope_track_ioc(self->fd, self->child, 0);
	if (ret)
		return ret;
	self->child_tracked = self->child;
	snprintf(prog, sizeof(prog), prog_fmt, self->child, self->child);
	if (bpftrace_start(&bt, prog, self->skip, sizeof(self->skip)))
		return 1;
	self->bpf = bt.pid;
	if (!bpftrace_wait(&bt, "READY", 150)) {
		bpftrace_stop(&bt);
		self->bpf = 0;
		snprintf(self->skip, sizeof(self->skip), "bpftrace did not start: %.200s", bt.buf);
		return 1;
	}
	t1 = time(NULL);
	ret = mmscope_fault_stats(self->fd, self->child, &st0);
	if (ret)
		return ret;
	TH_LOG("bpftrace ready after %lds", (long)(t1 - t0));
	if (write(go[1], &c, 1) != 1 || !read_byte_timeout(rep[0], 20))
		return -1;
	TH_LOG("workload done");
	ret = mmscope_fault_stats(self->fd, self->child, &st1);
	if (ret)
		return ret;
	/* the child exits: bpftrace's sched_process_exit probe ends it */
	if (write(go[1], &c, 1) != 1)
		return -1;
	bpftrace_stop(&bt);
	self->bpf = 0;
	t2 = time(NULL);
	TH_LOG("bpftrace ready after %lds, stopped %lds later; output: %.400s",
	       (long)(t1 - t0), (long)(t2 - t1), bt.buf);
	memset(&ru0, 0, sizeof(ru0));
	memset(&ru1, 0, sizeof(ru1));
	log_deltas(_metadata, "workload child");
	return 0;
}

TEST_F_TIMEOUT(fault, bpftrace_handle_mm_fault_agrees, 200)
{
	unsigned long long count = 0;
	char *at;
	int ret;

	SKIP_IF_UNSET_UP();
	ret = bpftrace_around_workload(_metadata, self,
		"kretprobe:handle_mm_fault /pid == %d/ { @ = count(); } "
		"tracepoint:sched:sched_process_exit /pid == %d/ { exit(); } "
		BT_READY);
	if (ret == 1)
		SKIP(return, "%s", self->skip);
	ASSERT_EQ(0, ret);
	at = strstr(bt.buf, "@: ");
	if (at)
		count = strtoull(at + 3, NULL, 10);
	EXPECT_EQ(BT_SEGV, st1.memory[MMSCOPE_MEM_NONE] - st0.memory[MMSCOPE_MEM_NONE]);
	EXPECT_EQ(st1.missed, st0.missed);
	/* SIGSEGVs counted from the signal never reached handle_mm_fault() */
	EXPECT_EQ((st1.total - st0.total) -
		  (st1.memory[MMSCOPE_MEM_NONE] - st0.memory[MMSCOPE_MEM_NONE]), count);
	EXPECT_LE(3 * N, count);
}

TEST_F_TIMEOUT(fault, bpftrace_tracepoint_causes_agree, 200)
{
	unsigned long long seen[MMSCOPE_NR_CAUSES] = { 0 }, v, sum = 0;
	char *line;
	int ret, c;

	SKIP_IF_UNSET_UP();
	/* only the workload child tracked: the tracepoint is module-wide */
	ASSERT_EQ(0, mmscope_track_ioc(self->fd, 0, MMSCOPE_TRACK_REMOVE));
	self->tracked = 0;
	ret = bpftrace_around_workload(_metadata, self,
		"tracepoint:mmscope:mmscope_fault /args->pid == %d/ { @[args->cause] = count(); } "
		"tracepoint:sched:sched_process_exit /pid == %d/ { exit(); } "
		BT_READY);
	if (ret == 1)
		SKIP(return, "%s", self->skip);
	ASSERT_EQ(0, ret);
	for (line = strstr(bt.buf, "@["); line; line = strstr(line + 1, "@[")) {
		if (sscanf(line, "@[%d]: %llu", &c, &v) != 2)
			continue;
		ASSERT_TRUE(c >= 0 && c < MMSCOPE_NR_CAUSES);
		seen[c] = v;
		sum += v;
	}
	for (c = 0; c < MMSCOPE_NR_CAUSES; c++) {
		EXPECT_EQ(st1.cause[c] - st0.cause[c], seen[c]) {
			TH_LOG("cause %s", cause_names[c]);
		}
	}
	EXPECT_EQ(st1.total - st0.total, sum);
}

/* ---- invalid input: one errno each ------------------------------------------------------ */

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
	int pfd[2];
	char c;

	self->fd = mmscope_open();
	ASSERT_LE(0, self->fd);
	if (!mmscope_has_faults(self->fd)) {
		snprintf(self->skip, sizeof(self->skip), "module lacks MMSCOPE_FEATURE_FAULTS");
		return;
	}
	ASSERT_EQ(0, pipe2(pfd, O_CLOEXEC));
	self->idle = fork();
	ASSERT_LE(0, self->idle);
	if (self->idle == 0) {
		close(pfd[1]);
		while (read(pfd[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(pfd[0]);
	self->idle_pipe = pfd[1];
	/* asleep in read(): it faults no more (its post-fork faults are over) */
	while (!sleeping(self->idle))
		usleep(10000);
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
	for (i = 0; i < 50 && (ret = mmscope_fault_stats(self->fd, child, s)); i++)
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

TEST_HARNESS_MAIN
