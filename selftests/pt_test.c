// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope process-memory tests: MMSCOPE_IOC_PT_WALK and MMSCOPE_IOC_MM_SUMMARY
 * against oracles the module does not compute.
 *
 * For each kind of memory (the "mem" fixture's variants) a holder child sets
 * the memory up and then sleeps in read(), so it does not move while it is
 * measured.  Each variant is checked, one behaviour per test, by:
 *  - pagemap_agrees:     PT_WALK records, page by page, against
 *                        /proc/PID/pagemap, /proc/kpageflags and the VMAs of
 *                        /proc/PID/smaps;
 *  - records_as_set_up:  what the test built (kind, level, RW, mapcount...);
 *  - summary_matches_smaps_rollup, nr_vmas_matches_maps,
 *    pt_tables_match_vmpte: MM_SUMMARY against /proc/PID/smaps_rollup,
 *                        /proc/PID/maps and VmPTE of /proc/PID/status;
 *  - debugfs_summary_matches_ioctl: the tracked task's debugfs summary.
 * Then the walk's cursor, its cost on a sparse 64 TiB reservation, every
 * invalid argument, targets that exit under the walker, and the debugfs
 * "track" file's errors.
 */
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <time.h>
#include <linux/magic.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/swap.h>

#include "kselftest_harness.h"
#include "mmscope_test.h"

_Static_assert(sizeof(struct mmscope_mm_summary) == MMSCOPE_MM_SUMMARY_SIZE_VER0, "summary size");
_Static_assert(sizeof(struct mmscope_pt_walk) == MMSCOPE_PT_WALK_SIZE_VER0, "walk size");
_Static_assert(sizeof(struct mmscope_pt_rec) == MMSCOPE_PT_REC_SIZE_VER0, "record size");

#define PG		MMSCOPE_PAGE
#define HPAGE		(2UL << 20)
#define MAX_RECS	4096
#define MAX_VMAS	4096
#define TRACK_FILE	MMSCOPE_DEBUGFS "/track"
#define TASKS_DIR	MMSCOPE_DEBUGFS "/tasks"
#define KSM_DIR		"/sys/kernel/mm/ksm"
#define ZRAM_DEV	"/dev/zram0"
#define ZRAM_SYS	"/sys/block/zram0"

static const char *kind_name(unsigned int kind)
{
	static const char * const names[] = {
		"none", "anon", "file", "shmem", "ksm", "zero", "hugetlb", "special",
	};

	return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}

static const char *tmpdir(void)
{
	const char *d = getenv("MMSCOPE_TMP");

	if (!d || !*d)
		d = getenv("TMPDIR");
	return d && *d ? d : "/tmp";
}

/* Fill a page with bytes that differ from every other page's (KSM, zram). */
static void fill_unique(char *p, unsigned long seed)
{
	unsigned long *w = (unsigned long *)p;
	size_t i;

	for (i = 0; i < PG / sizeof(*w); i++)
		w[i] = (seed + 1) * 0x9e3779b97f4a7c15UL + i;
}

static void pin_to_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* ---- the memory kinds ---------------------------------------------------- */

/* What a holder built, sent back to the parent. */
struct region {
	unsigned long start;
	size_t npages;
	unsigned long old_start;	/* mremap: where it was (must be empty now) */
	size_t old_npages;
	size_t nsplit;			/* kind-specific: pages of the first part */
	char why[200];			/* reason when the setup could not be done */
};

/* Holder setup results. */
#define SETUP_SKIP	1

FIXTURE(mem)
{
	int fd;
	struct mmscope_holder holder;
	struct region reg;
	char skip[256];
	/* system state a variant changed, to restore */
	char disk_img[256], disk_mnt[256];
	int disk_mounted;
	int swap_on, zram_loaded_by_us;
	char ksm_saved[3][32];
	int ksm_changed;
	int tracked;
};

struct _test_data_mem;
typedef void (*expect_fn)(struct __test_metadata *_metadata,
			  struct _test_data_mem *self,
			  const struct mmscope_pt_rec *recs, long n);

FIXTURE_VARIANT(mem)
{
	int (*setup)(void *self, void *reg);		/* in the holder */
	int (*sys_setup)(struct _test_data_mem *self);	/* in the parent */
	void (*sys_teardown)(struct _test_data_mem *self);
	expect_fn expect;
};

static void *map_anon(size_t npages, int prot, int flags)
{
	void *p = mmap(NULL, npages * PG, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, npages * PG, MADV_NOHUGEPAGE);
	return p;
}

static int fail(struct region *r, const char *what)
{
	int err = errno ? errno : EIO;

	snprintf(r->why, sizeof(r->why), "%s: %s", what, strerror(err));
	return -err;
}

static int skip(struct region *r, const char *why)
{
	snprintf(r->why, sizeof(r->why), "%s", why);
	return SETUP_SKIP;
}

#define ANON_PAGES 64

static int setup_anon_4k(void *s, void *out)
{
	struct region *r = out;
	char *p = map_anon(ANON_PAGES, PROT_READ | PROT_WRITE, 0);
	size_t i;

	if (!p)
		return fail(r, "mmap");
	for (i = 0; i < ANON_PAGES; i++)
		fill_unique(p + i * PG, i);
	r->start = (unsigned long)p;
	r->npages = ANON_PAGES;
	return 0;
}

static int setup_zero_page(void *s, void *out)
{
	struct region *r = out;
	volatile char *p = map_anon(ANON_PAGES, PROT_READ | PROT_WRITE, 0);
	size_t i;

	if (!p)
		return fail(r, "mmap");
	for (i = 0; i < ANON_PAGES; i++)
		(void)p[i * PG];
	r->start = (unsigned long)p;
	r->npages = ANON_PAGES;
	return 0;
}

#define FILE_PAGES 32

/* A file of FILE_PAGES distinct pages in @dir; returns the fd or -errno. */
static int make_file(struct region *r, const char *dir)
{
	char path[512], buf[PG];
	size_t i;
	int fd;

	snprintf(path, sizeof(path), "%s/mmscope-pt-XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0)
		return fail(r, "mkstemp");
	unlink(path);
	for (i = 0; i < FILE_PAGES; i++) {
		fill_unique(buf, 1000 + i);
		if (write(fd, buf, PG) != PG)
			return fail(r, "write");
	}
	if (fsync(fd))
		return fail(r, "fsync");
	return fd;
}

static int map_file(struct region *r, const char *dir, int shared, int write_from)
{
	int fd = make_file(r, dir);
	char *p;
	size_t i;

	if (fd < 0)
		return fd;
	p = mmap(NULL, FILE_PAGES * PG, PROT_READ | PROT_WRITE,
		 shared ? MAP_SHARED : MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return fail(r, "mmap file");
	madvise(p, FILE_PAGES * PG, MADV_NOHUGEPAGE);
	for (i = 0; i < FILE_PAGES; i++) {
		if ((int)i >= write_from)
			fill_unique(p + i * PG, 2000 + i);
		else
			(void)*(volatile char *)(p + i * PG);
	}
	r->start = (unsigned long)p;
	r->npages = FILE_PAGES;
	r->nsplit = write_from;
	return 0;
}

static int setup_file_private_read_tmpfs(void *s, void *out)
{
	return map_file(out, tmpdir(), 0, FILE_PAGES);
}

static int setup_file_private_written(void *s, void *out)
{
	/* Read all, then write the second half: that half becomes anon. */
	struct region *r = out;
	int ret = map_file(r, tmpdir(), 0, FILE_PAGES);
	size_t i;

	if (ret)
		return ret;
	for (i = FILE_PAGES / 2; i < FILE_PAGES; i++)
		fill_unique((char *)r->start + i * PG, 3000 + i);
	r->nsplit = FILE_PAGES / 2;
	return 0;
}

static int setup_file_shared_written_tmpfs(void *s, void *out)
{
	return map_file(out, tmpdir(), 1, 0);
}

static int setup_file_private_read_disk(void *s, void *out)
{
	return map_file(out, ((struct _test_data_mem *)s)->disk_mnt, 0, FILE_PAGES);
}

static int setup_file_shared_written_disk(void *s, void *out)
{
	return map_file(out, ((struct _test_data_mem *)s)->disk_mnt, 1, 0);
}

static int setup_memfd_shared(void *s, void *out)
{
	struct region *r = out;
	int fd = memfd_create("mmscope-pt", MFD_CLOEXEC);
	char *p;
	size_t i;

	if (fd < 0)
		return fail(r, "memfd_create");
	if (ftruncate(fd, FILE_PAGES * PG))
		return fail(r, "ftruncate");
	p = mmap(NULL, FILE_PAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return fail(r, "mmap memfd");
	/* Write the first half, read holes in the second. */
	for (i = 0; i < FILE_PAGES; i++) {
		if (i < FILE_PAGES / 2)
			fill_unique(p + i * PG, 4000 + i);
		else
			(void)*(volatile char *)(p + i * PG);
	}
	r->start = (unsigned long)p;
	r->npages = FILE_PAGES;
	r->nsplit = FILE_PAGES / 2;
	return 0;
}

static int setup_shared_anon(void *s, void *out)
{
	struct region *r = out;
	char *p = mmap(NULL, FILE_PAGES * PG, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	size_t i;

	if (p == MAP_FAILED)
		return fail(r, "mmap");
	for (i = 0; i < FILE_PAGES; i++)
		fill_unique(p + i * PG, 5000 + i);
	r->start = (unsigned long)p;
	r->npages = FILE_PAGES;
	return 0;
}

static int setup_thp(void *s, void *out)
{
	struct region *r = out;
	char *p = mmap(NULL, 2 * HPAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long a;
	__u64 pm, kpf;

	if (p == MAP_FAILED)
		return fail(r, "mmap");
	a = ((unsigned long)p + HPAGE - 1) & ~(HPAGE - 1);
	if (madvise((void *)a, HPAGE, MADV_HUGEPAGE))
		return skip(r, "MADV_HUGEPAGE refused: no THP");
	*(volatile char *)a = 1;
	r->start = a;
	r->npages = HPAGE / PG;
	/* The oracle says whether it became huge, not the module. */
	if (mmscope_pagemap(0, a, 1, &pm) || !(pm & MMSCOPE_PM_PRESENT) ||
	    mmscope_kpageflags(pm & MMSCOPE_PM_PFN_MASK, &kpf) ||
	    !(kpf & (1ULL << MMSCOPE_KPF_THP)))
		return skip(r, "no huge page after the fault (kpageflags has no THP bit)");
	return 0;
}

static int setup_hugetlb(void *s, void *out)
{
	struct region *r = out;
	char *p = mmap(NULL, HPAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);

	if (p == MAP_FAILED) {
		snprintf(r->why, sizeof(r->why), "MAP_HUGETLB: %s (boot with hugepages=16)",
			 strerror(errno));
		return SETUP_SKIP;
	}
	memset(p, 0x5a, HPAGE);
	r->start = (unsigned long)p;
	r->npages = HPAGE / PG;
	return 0;
}

static int setup_swapped(void *s, void *out)
{
	struct region *r = out;
	char *p;
	__u64 pm[ANON_PAGES];
	size_t i, swapped = 0;
	int tries;

	pin_to_cpu0();
	p = map_anon(ANON_PAGES, PROT_READ | PROT_WRITE, 0);
	if (!p)
		return fail(r, "mmap");
	for (i = 0; i < ANON_PAGES; i++)
		fill_unique(p + i * PG, 6000 + i);
	r->start = (unsigned long)p;
	r->npages = ANON_PAGES;
	for (tries = 0; tries < 3 && !swapped; tries++) {
		if (madvise(p, ANON_PAGES * PG, MADV_PAGEOUT))
			return skip(r, "MADV_PAGEOUT unsupported");
		if (mmscope_pagemap(0, r->start, ANON_PAGES, pm))
			return fail(r, "pagemap");
		for (i = 0; i < ANON_PAGES; i++)
			swapped += !!(pm[i] & MMSCOPE_PM_SWAP);
	}
	if (!swapped)
		return skip(r, "MADV_PAGEOUT swapped nothing out");
	return 0;
}

#define MPROT_FIRST	16
#define MPROT_PAGES	32

static int setup_mprotected(void *s, void *out)
{
	struct region *r = out;
	int ret = setup_anon_4k(s, out);

	if (ret)
		return ret;
	if (mprotect((char *)r->start + MPROT_FIRST * PG, MPROT_PAGES * PG, PROT_READ))
		return fail(r, "mprotect");
	return 0;
}

static int setup_cow_shared(void *s, void *out)
{
	struct region *r = out;
	int ret = setup_anon_4k(s, out);
	int keep[2];
	pid_t pid;
	char c;

	if (ret)
		return ret;
	/* A second process maps the same pages until this holder exits. */
	if (pipe(keep))
		return fail(r, "pipe");
	pid = fork();
	if (pid < 0)
		return fail(r, "fork");
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(keep[1]);
		while (read(keep[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(keep[0]);
	return 0;
}

#define KSM_SAME	16
#define KSM_PAGES	32

/* Pages of process @pid (0: self) that KSM merged; -1 if unknown. */
static long ksm_merging_pages(pid_t pid)
{
	char path[64], buf[32];

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/ksm_merging_pages", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/ksm_merging_pages");
	if (mmscope_read_line(path, buf, sizeof(buf)))
		return -1;
	return atol(buf);
}

static int setup_ksm(void *s, void *out)
{
	struct region *r = out;
	char *p = map_anon(KSM_PAGES, PROT_READ | PROT_WRITE, 0);
	struct timespec t0, t;
	size_t i;

	if (!p)
		return fail(r, "mmap");
	for (i = 0; i < KSM_PAGES; i++) {
		if (i < KSM_SAME)
			memset(p + i * PG, 0x6b, PG);
		else
			fill_unique(p + i * PG, 7000 + i);
	}
	r->start = (unsigned long)p;
	r->npages = KSM_PAGES;
	r->nsplit = KSM_SAME;
	if (madvise(p, KSM_PAGES * PG, MADV_MERGEABLE))
		return skip(r, "MADV_MERGEABLE refused: no KSM");
	/*
	 * Wait for this process's own count to reach every identical page.
	 * (The global pages_sharing is no measure: ksmd drops the stale rmap
	 * items of an earlier, exited test process only as it runs again.)
	 */
	if (ksm_merging_pages(0) < 0)
		return skip(r, "no /proc/self/ksm_merging_pages");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		if (ksm_merging_pages(0) >= KSM_SAME)
			return 0;
		usleep(20000);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < 20);
	return skip(r, "ksmd did not merge the identical pages in 20 s");
}

#define MREMAP_PAGES 32

static int setup_mremapped(void *s, void *out)
{
	struct region *r = out;
	char *a = map_anon(MREMAP_PAGES, PROT_READ | PROT_WRITE, 0);
	char *b = map_anon(MREMAP_PAGES + 2, PROT_NONE, 0);	/* target + guards */
	char *n;
	size_t i;

	if (!a || !b)
		return fail(r, "mmap");
	for (i = 0; i < MREMAP_PAGES; i++)
		fill_unique(a + i * PG, 8000 + i);
	n = mremap(a, MREMAP_PAGES * PG, MREMAP_PAGES * PG,
		   MREMAP_MAYMOVE | MREMAP_FIXED, b + PG);
	if (n == MAP_FAILED)
		return fail(r, "mremap");
	r->start = (unsigned long)n;
	r->npages = MREMAP_PAGES;
	r->old_start = (unsigned long)a;
	r->old_npages = MREMAP_PAGES;
	return 0;
}

static int setup_soft_dirty(void *s, void *out)
{
	struct region *r = out;
	int ret = setup_anon_4k(s, out);
	size_t i;

	if (ret)
		return ret;
	/* Clear the soft-dirty bits (and the VMA's), then dirty the first half. */
	if (mmscope_write_file("/proc/self/clear_refs", "4"))
		return skip(r, "clear_refs 4 refused: no soft-dirty tracking");
	for (i = 0; i < ANON_PAGES / 2; i++)
		fill_unique((char *)r->start + i * PG, 9000 + i);
	r->nsplit = ANON_PAGES / 2;
	return 0;
}

#define LOCK_PAGES 16

static int setup_mlocked(void *s, void *out)
{
	struct region *r = out;
	char *p = map_anon(LOCK_PAGES, PROT_READ | PROT_WRITE, 0);

	if (!p)
		return fail(r, "mmap");
	if (mlock(p, LOCK_PAGES * PG))
		return fail(r, "mlock");
	r->start = (unsigned long)p;
	r->npages = LOCK_PAGES;
	return 0;
}

/* ---- system state some kinds need (parent side) -------------------------- */

/* A scratch ext2 on a loop device: page cache that is not shmem. */
static int disk_sys_setup(struct _test_data_mem *self)
{
	char cmd[1536];
	struct statfs st;

	snprintf(self->disk_img, sizeof(self->disk_img), "%s/mmscope-pt-%d.img", tmpdir(), getpid());
	snprintf(self->disk_mnt, sizeof(self->disk_mnt), "%s/mmscope-pt-%d.mnt", tmpdir(), getpid());
	snprintf(cmd, sizeof(cmd),
		 "modprobe loop 2>/dev/null; truncate -s 8M %s && mkfs.ext2 -q -F %s >/dev/null 2>&1 && "
		 "mkdir -p %s && mount -o loop %s %s 2>/dev/null",
		 self->disk_img, self->disk_img, self->disk_mnt, self->disk_img, self->disk_mnt);
	if (system(cmd)) {
		snprintf(self->skip, sizeof(self->skip),
			 "no block-backed filesystem (loop + ext2 on %s failed)", tmpdir());
		unlink(self->disk_img);
		rmdir(self->disk_mnt);
		return SETUP_SKIP;
	}
	self->disk_mounted = 1;
	if (statfs(self->disk_mnt, &st) || st.f_type == TMPFS_MAGIC) {
		snprintf(self->skip, sizeof(self->skip), "scratch mount is not a disk filesystem");
		return SETUP_SKIP;
	}
	return 0;
}

static void disk_sys_teardown(struct _test_data_mem *self)
{
	char cmd[300];

	if (self->disk_mounted) {
		/* mount -o loop set autoclear: umount frees the loop device. */
		snprintf(cmd, sizeof(cmd), "umount %s", self->disk_mnt);
		if (system(cmd))
			fprintf(stderr, "# cannot unmount %s\n", self->disk_mnt);
		self->disk_mounted = 0;
	}
	if (self->disk_img[0]) {
		rmdir(self->disk_mnt);
		unlink(self->disk_img);
	}
}

static int swap_sys_setup(struct _test_data_mem *self)
{
	char buf[64];

	self->zram_loaded_by_us = access("/sys/module/zram", F_OK) != 0;
	if (system("modprobe zram 2>/dev/null") || access(ZRAM_SYS, F_OK)) {
		snprintf(self->skip, sizeof(self->skip), "no zram: cannot set up swap");
		return SETUP_SKIP;
	}
	if (!mmscope_read_line(ZRAM_SYS "/disksize", buf, sizeof(buf)) && atoll(buf)) {
		snprintf(self->skip, sizeof(self->skip), "%s is in use by someone else", ZRAM_DEV);
		return SETUP_SKIP;
	}
	if (mmscope_write_file(ZRAM_SYS "/disksize", "256M") ||
	    system("mkswap " ZRAM_DEV " >/dev/null 2>&1")) {
		snprintf(self->skip, sizeof(self->skip), "cannot make %s a swap device", ZRAM_DEV);
		mmscope_write_file(ZRAM_SYS "/reset", "1");
		return SETUP_SKIP;
	}
	if (swapon(ZRAM_DEV, 0)) {
		snprintf(self->skip, sizeof(self->skip), "swapon %s: %s", ZRAM_DEV, strerror(errno));
		mmscope_write_file(ZRAM_SYS "/reset", "1");
		return SETUP_SKIP;
	}
	self->swap_on = 1;
	return 0;
}

static void swap_sys_teardown(struct _test_data_mem *self)
{
	if (self->swap_on) {
		if (swapoff(ZRAM_DEV))
			fprintf(stderr, "# swapoff %s: %s\n", ZRAM_DEV, strerror(errno));
		mmscope_write_file(ZRAM_SYS "/reset", "1");
		self->swap_on = 0;
	}
	if (self->zram_loaded_by_us && system("modprobe -r zram 2>/dev/null"))
		fprintf(stderr, "# cannot unload zram\n");
}

static const char * const ksm_knobs[3] = { "run", "pages_to_scan", "sleep_millisecs" };

static int ksm_sys_setup(struct _test_data_mem *self)
{
	static const char * const want[3] = { "1", "5000", "10" };
	char path[128];
	int i;

	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), KSM_DIR "/%s", ksm_knobs[i]);
		if (mmscope_read_line(path, self->ksm_saved[i], sizeof(self->ksm_saved[i]))) {
			snprintf(self->skip, sizeof(self->skip), "no KSM (%s)", path);
			return SETUP_SKIP;
		}
	}
	self->ksm_changed = 1;
	/* run last, so ksmd starts with the fast settings */
	for (i = 2; i >= 0; i--) {
		snprintf(path, sizeof(path), KSM_DIR "/%s", ksm_knobs[i]);
		if (mmscope_write_file(path, want[i])) {
			snprintf(self->skip, sizeof(self->skip), "cannot set %s", path);
			return SETUP_SKIP;
		}
	}
	return 0;
}

static void ksm_sys_teardown(struct _test_data_mem *self)
{
	char path[128];
	int i;

	if (!self->ksm_changed)
		return;
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), KSM_DIR "/%s", ksm_knobs[i]);
		if (mmscope_write_file(path, self->ksm_saved[i]))
			fprintf(stderr, "# cannot restore %s to %s\n", path, self->ksm_saved[i]);
	}
	self->ksm_changed = 0;
}

/* ---- what each kind must look like --------------------------------------- */

/* The records are @recs[0..n); REC_PAGE is a record's page index in the region. */
#define for_each_rec(i) for (i = 0; i < n; i++)
#define REC_PAGE(r) (((r)->addr - self->reg.start) / PG)

static void expect_all(struct __test_metadata *_metadata, const struct mmscope_pt_rec *recs,
		       long n, size_t npages, unsigned int kind, unsigned int level)
{
	size_t pages = 0;
	long i;

	for_each_rec(i) {
		EXPECT_EQ(MMSCOPE_ENTRY_PRESENT, recs[i].type);
		EXPECT_EQ(kind, recs[i].kind) {
			TH_LOG("record %ld at %#llx: kind %s, want %s", i,
			       (unsigned long long)recs[i].addr, kind_name(recs[i].kind),
			       kind_name(kind));
		}
		EXPECT_EQ(level, recs[i].level);
		EXPECT_TRUE(recs[i].hw & MMSCOPE_HW_USER);
		pages += recs[i].nr_pages;
	}
	EXPECT_EQ(npages, pages);
}

static void expect_anon_4k(struct __test_metadata *_metadata, struct _test_data_mem *self,
			   const struct mmscope_pt_rec *recs, long n)
{
	long i;

	ASSERT_EQ(ANON_PAGES, n);
	expect_all(_metadata, recs, n, ANON_PAGES, MMSCOPE_KIND_ANON, MMSCOPE_LEVEL_PTE);
	for_each_rec(i) {
		EXPECT_EQ(MMSCOPE_HW_RW | MMSCOPE_HW_DIRTY, recs[i].hw & (MMSCOPE_HW_RW | MMSCOPE_HW_DIRTY));
		EXPECT_EQ(1, recs[i].mapcount);
		EXPECT_TRUE(recs[i].sw & MMSCOPE_SW_EXCLUSIVE);
		EXPECT_NE(0, recs[i].pfn);
	}
}

static void expect_zero_page(struct __test_metadata *_metadata, struct _test_data_mem *self,
			     const struct mmscope_pt_rec *recs, long n)
{
	struct mmscope_mm_summary s;
	long i;

	ASSERT_EQ(ANON_PAGES, n);
	expect_all(_metadata, recs, n, ANON_PAGES, MMSCOPE_KIND_ZERO, MMSCOPE_LEVEL_PTE);
	for_each_rec(i) {
		EXPECT_FALSE(recs[i].hw & MMSCOPE_HW_RW);
		EXPECT_EQ(recs[0].pfn, recs[i].pfn);	/* one zero page */
	}
	/* Counted as zero page, not as Rss (smaps_rollup checks the Rss side). */
	ASSERT_EQ(0, mmscope_summary(self->fd, self->holder.pid, &s));
	EXPECT_LE(ANON_PAGES * PG, s.zero_page);
}

static void expect_shmem_ro(struct __test_metadata *_metadata, struct _test_data_mem *self,
			    const struct mmscope_pt_rec *recs, long n)
{
	long i;

	ASSERT_EQ(FILE_PAGES, n);
	expect_all(_metadata, recs, n, FILE_PAGES, MMSCOPE_KIND_SHMEM, MMSCOPE_LEVEL_PTE);
	for_each_rec(i) {
		EXPECT_FALSE(recs[i].hw & MMSCOPE_HW_RW);	/* private: COW on write */
		EXPECT_EQ(1, recs[i].mapcount);
	}
}

static void expect_file_ro(struct __test_metadata *_metadata, struct _test_data_mem *self,
			   const struct mmscope_pt_rec *recs, long n)
{
	long i;

	ASSERT_EQ(FILE_PAGES, n);
	expect_all(_metadata, recs, n, FILE_PAGES, MMSCOPE_KIND_FILE, MMSCOPE_LEVEL_PTE);
	for_each_rec(i) {
		EXPECT_FALSE(recs[i].hw & MMSCOPE_HW_RW);
		EXPECT_EQ(1, recs[i].mapcount);
	}
}

static void expect_private_written(struct __test_metadata *_metadata, struct _test_data_mem *self,
				   const struct mmscope_pt_rec *recs, long n)
{
	long i;

	ASSERT_EQ(FILE_PAGES, n);
	for_each_rec(i) {
		int cowed = REC_PAGE(&recs[i]) >= self->reg.nsplit;

		EXPECT_EQ(cowed ? MMSCOPE_KIND_ANON : MMSCOPE_KIND_SHMEM, recs[i].kind) {
			TH_LOG("page %lu: kind %s", (unsigned long)REC_PAGE(&recs[i]),
			       kind_name(recs[i].kind));
		}
		EXPECT_EQ(cowed, !!(recs[i].hw & MMSCOPE_HW_RW));
	}
}

static void expect_shared_written(struct __test_metadata *_metadata, struct _test_data_mem *self,
				  const struct mmscope_pt_rec *recs, long n, unsigned int kind)
{
	long i;

	ASSERT_EQ(FILE_PAGES, n);
	expect_all(_metadata, recs, n, FILE_PAGES, kind, MMSCOPE_LEVEL_PTE);
	for_each_rec(i) {
		EXPECT_EQ(MMSCOPE_HW_RW | MMSCOPE_HW_DIRTY, recs[i].hw & (MMSCOPE_HW_RW | MMSCOPE_HW_DIRTY));
		EXPECT_EQ(1, recs[i].mapcount);
	}
}

static void expect_shared_written_shmem(struct __test_metadata *_metadata, struct _test_data_mem *self,
					const struct mmscope_pt_rec *recs, long n)
{
	expect_shared_written(_metadata, self, recs, n, MMSCOPE_KIND_SHMEM);
}

static void expect_shared_written_file(struct __test_metadata *_metadata, struct _test_data_mem *self,
				       const struct mmscope_pt_rec *recs, long n)
{
	expect_shared_written(_metadata, self, recs, n, MMSCOPE_KIND_FILE);
}

static void expect_memfd(struct __test_metadata *_metadata, struct _test_data_mem *self,
			 const struct mmscope_pt_rec *recs, long n)
{
	long i;

	ASSERT_EQ(FILE_PAGES, n);
	expect_all(_metadata, recs, n, FILE_PAGES, MMSCOPE_KIND_SHMEM, MMSCOPE_LEVEL_PTE);
	for_each_rec(i)
		if (REC_PAGE(&recs[i]) < self->reg.nsplit)
			EXPECT_TRUE(recs[i].hw & MMSCOPE_HW_DIRTY);
}

static void expect_shared_anon(struct __test_metadata *_metadata, struct _test_data_mem *self,
			       const struct mmscope_pt_rec *recs, long n)
{
	ASSERT_EQ(FILE_PAGES, n);
	expect_all(_metadata, recs, n, FILE_PAGES, MMSCOPE_KIND_SHMEM, MMSCOPE_LEVEL_PTE);
}

static void expect_thp(struct __test_metadata *_metadata, struct _test_data_mem *self,
		       const struct mmscope_pt_rec *recs, long n)
{
	ASSERT_EQ(1, n);
	expect_all(_metadata, recs, n, HPAGE / PG, MMSCOPE_KIND_ANON, MMSCOPE_LEVEL_PMD);
	EXPECT_EQ(self->reg.start, recs[0].addr);
	EXPECT_TRUE(recs[0].hw & MMSCOPE_HW_PSE);
	EXPECT_TRUE(recs[0].sw & MMSCOPE_SW_LARGE);
	EXPECT_EQ(0, recs[0].pfn % (HPAGE / PG));
	EXPECT_EQ(1, recs[0].mapcount);
}

static void expect_hugetlb(struct __test_metadata *_metadata, struct _test_data_mem *self,
			   const struct mmscope_pt_rec *recs, long n)
{
	ASSERT_EQ(1, n);
	expect_all(_metadata, recs, n, HPAGE / PG, MMSCOPE_KIND_HUGETLB, MMSCOPE_LEVEL_PMD);
	EXPECT_TRUE(recs[0].hw & MMSCOPE_HW_PSE);
	EXPECT_EQ(0, recs[0].pfn % (HPAGE / PG));
}

static void expect_swapped(struct __test_metadata *_metadata, struct _test_data_mem *self,
			   const struct mmscope_pt_rec *recs, long n)
{
	long i, swapped = 0;

	for_each_rec(i) {
		if (recs[i].type != MMSCOPE_ENTRY_SWAP) {
			EXPECT_EQ(MMSCOPE_ENTRY_PRESENT, recs[i].type);
			EXPECT_EQ(MMSCOPE_KIND_ANON, recs[i].kind);
			continue;
		}
		swapped++;
		EXPECT_EQ(MMSCOPE_KIND_NONE, recs[i].kind);
		EXPECT_EQ(0, recs[i].mapcount);
		EXPECT_FALSE(recs[i].hw & MMSCOPE_HW_PRESENT);
		EXPECT_NE(0, recs[i].pfn);	/* offset 0 is the swap header */
	}
	EXPECT_LT(0, swapped);
}

static void expect_mprotected(struct __test_metadata *_metadata, struct _test_data_mem *self,
			      const struct mmscope_pt_rec *recs, long n)
{
	long i;

	ASSERT_EQ(ANON_PAGES, n);
	expect_all(_metadata, recs, n, ANON_PAGES, MMSCOPE_KIND_ANON, MMSCOPE_LEVEL_PTE);
	for_each_rec(i) {
		unsigned long pg = REC_PAGE(&recs[i]);
		int ro = pg >= MPROT_FIRST && pg < MPROT_FIRST + MPROT_PAGES;

		EXPECT_EQ(!ro, !!(recs[i].hw & MMSCOPE_HW_RW)) {
			TH_LOG("page %lu (%s): hw %#x", pg, ro ? "read-only" : "writable", recs[i].hw);
		}
		EXPECT_EQ(self->reg.start + (ro ? MPROT_FIRST * PG : pg < MPROT_FIRST ? 0 :
			  (MPROT_FIRST + MPROT_PAGES) * PG), recs[i].vma_start);
	}
}

static void expect_cow_shared(struct __test_metadata *_metadata, struct _test_data_mem *self,
			      const struct mmscope_pt_rec *recs, long n)
{
	long i;

	ASSERT_EQ(ANON_PAGES, n);
	expect_all(_metadata, recs, n, ANON_PAGES, MMSCOPE_KIND_ANON, MMSCOPE_LEVEL_PTE);
	for_each_rec(i) {
		EXPECT_EQ(2, recs[i].mapcount);
		EXPECT_FALSE(recs[i].hw & MMSCOPE_HW_RW);
		EXPECT_FALSE(recs[i].sw & MMSCOPE_SW_EXCLUSIVE);
	}
}

static void expect_ksm(struct __test_metadata *_metadata, struct _test_data_mem *self,
		       const struct mmscope_pt_rec *recs, long n)
{
	long i;

	ASSERT_EQ(KSM_PAGES, n);
	/* The region is the holder's only mergeable memory. */
	EXPECT_EQ(KSM_SAME, ksm_merging_pages(self->holder.pid));
	for_each_rec(i) {
		int same = REC_PAGE(&recs[i]) < self->reg.nsplit;

		EXPECT_EQ(same ? MMSCOPE_KIND_KSM : MMSCOPE_KIND_ANON, recs[i].kind) {
			TH_LOG("page %lu: kind %s", (unsigned long)REC_PAGE(&recs[i]),
			       kind_name(recs[i].kind));
		}
		if (same) {
			EXPECT_EQ(recs[0].pfn, recs[i].pfn);
			EXPECT_LE(KSM_SAME, recs[i].mapcount);
			EXPECT_FALSE(recs[i].hw & MMSCOPE_HW_RW);
		}
	}
}

static void expect_mremapped(struct __test_metadata *_metadata, struct _test_data_mem *self,
			     const struct mmscope_pt_rec *recs, long n)
{
	struct mmscope_pt_rec old[4];
	long i;

	ASSERT_EQ(MREMAP_PAGES, n);
	expect_all(_metadata, recs, n, MREMAP_PAGES, MMSCOPE_KIND_ANON, MMSCOPE_LEVEL_PTE);
	for_each_rec(i)
		EXPECT_EQ(self->reg.start, recs[i].vma_start);
	/* Nothing is left where it was. */
	EXPECT_EQ(0, mmscope_walk_all(self->fd, self->holder.pid, 0, self->reg.old_start,
				      self->reg.old_start + self->reg.old_npages * PG,
				      old, 4, NULL));
}

static void expect_soft_dirty(struct __test_metadata *_metadata, struct _test_data_mem *self,
			      const struct mmscope_pt_rec *recs, long n)
{
	long i;

	ASSERT_EQ(ANON_PAGES, n);
	for_each_rec(i) {
		unsigned long pg = REC_PAGE(&recs[i]);

		EXPECT_EQ(pg < self->reg.nsplit, !!(recs[i].sw & MMSCOPE_SW_SOFT_DIRTY)) {
			TH_LOG("page %lu: sw %#x", pg, recs[i].sw);
		}
	}
}

static void expect_mlocked(struct __test_metadata *_metadata, struct _test_data_mem *self,
			   const struct mmscope_pt_rec *recs, long n)
{
	long i;

	ASSERT_EQ(LOCK_PAGES, n);
	expect_all(_metadata, recs, n, LOCK_PAGES, MMSCOPE_KIND_ANON, MMSCOPE_LEVEL_PTE);
	for_each_rec(i)
		EXPECT_TRUE(recs[i].sw & MMSCOPE_SW_LOCKED_VMA);
}

#define MEM_VARIANT(name, ...) \
	FIXTURE_VARIANT_ADD(mem, name) { .setup = setup_##name, __VA_ARGS__ }

MEM_VARIANT(anon_4k, .expect = expect_anon_4k);
MEM_VARIANT(zero_page, .expect = expect_zero_page);
MEM_VARIANT(file_private_read_tmpfs, .expect = expect_shmem_ro);
MEM_VARIANT(file_private_read_disk, .expect = expect_file_ro,
	    .sys_setup = disk_sys_setup, .sys_teardown = disk_sys_teardown);
MEM_VARIANT(file_private_written, .expect = expect_private_written);
MEM_VARIANT(file_shared_written_tmpfs, .expect = expect_shared_written_shmem);
MEM_VARIANT(file_shared_written_disk, .expect = expect_shared_written_file,
	    .sys_setup = disk_sys_setup, .sys_teardown = disk_sys_teardown);
MEM_VARIANT(memfd_shared, .expect = expect_memfd);
MEM_VARIANT(shared_anon, .expect = expect_shared_anon);
MEM_VARIANT(thp, .expect = expect_thp);
MEM_VARIANT(hugetlb, .expect = expect_hugetlb);
MEM_VARIANT(swapped, .expect = expect_swapped,
	    .sys_setup = swap_sys_setup, .sys_teardown = swap_sys_teardown);
MEM_VARIANT(mprotected, .expect = expect_mprotected);
MEM_VARIANT(cow_shared, .expect = expect_cow_shared);
MEM_VARIANT(ksm, .expect = expect_ksm,
	    .sys_setup = ksm_sys_setup, .sys_teardown = ksm_sys_teardown);
MEM_VARIANT(mremapped, .expect = expect_mremapped);
MEM_VARIANT(soft_dirty, .expect = expect_soft_dirty);
MEM_VARIANT(mlocked, .expect = expect_mlocked);

FIXTURE_SETUP(mem)
{
	int ret;

	self->holder.pid = 0;
	self->fd = mmscope_open();
	ASSERT_LE(0, self->fd) {
		TH_LOG("open %s: %s", MMSCOPE_DEV, strerror(-self->fd));
	}
	if (!mmscope_has_process_memory(self->fd)) {
		snprintf(self->skip, sizeof(self->skip),
			 "module lacks MMSCOPE_FEATURE_PROCESS_MEMORY");
		return;
	}
	if (variant->sys_setup && variant->sys_setup(self))
		return;
	ret = mmscope_holder_start(&self->holder, variant->setup, self,
				   &self->reg, sizeof(self->reg));
	if (ret == SETUP_SKIP) {
		snprintf(self->skip, sizeof(self->skip), "%s", self->reg.why);
		return;
	}
	ASSERT_EQ(0, ret) {
		TH_LOG("setting the memory up failed: %s", self->reg.why);
	}
}

FIXTURE_TEARDOWN(mem)
{
	char buf[32];

	if (self->tracked) {
		snprintf(buf, sizeof(buf), "-%d", self->holder.pid);
		mmscope_write_file(TRACK_FILE, buf);
	}
	mmscope_holder_stop(&self->holder);
	if (variant->sys_teardown)
		variant->sys_teardown(self);
	if (self->fd >= 0)
		close(self->fd);
}

#define SKIP_IF_UNSET_UP() do { \
	if (self->skip[0]) \
		SKIP(return, "%s", self->skip); \
} while (0)

/* ---- oracle: pagemap, kpageflags, smaps VMAs ------------------------------ */

/*
 * The kind /proc/kpageflags implies for a mapped page.  Where the kernel's
 * KSM bit is unreliable, KSM pages look like anonymous ones.
 */
static unsigned int kpf_kind(__u64 kpf, int ksm_ok)
{
	if (kpf & (1ULL << MMSCOPE_KPF_ZERO_PAGE))
		return MMSCOPE_KIND_ZERO;
	if (ksm_ok && (kpf & (1ULL << MMSCOPE_KPF_KSM)))
		return MMSCOPE_KIND_KSM;
	if (kpf & (1ULL << MMSCOPE_KPF_HUGE))
		return MMSCOPE_KIND_HUGETLB;
	if (kpf & (1ULL << MMSCOPE_KPF_ANON))
		return MMSCOPE_KIND_ANON;
	if (kpf & (1ULL << MMSCOPE_KPF_SWAPBACKED))
		return MMSCOPE_KIND_SHMEM;
	return MMSCOPE_KIND_FILE;
}

#define PM_CHECK(cond, fmt, ...) do { \
	if (!(cond) && bad++ < 12) \
		TH_LOG("page %#lx: " fmt, addr, ##__VA_ARGS__); \
} while (0)

/*
 * Expand the flags=0 records of [start, start + npages pages) of @pid and
 * hold every page against pagemap, kpageflags and the VMA list.
 */
static void check_pagemap(struct __test_metadata *_metadata, pid_t pid,
			  unsigned long start, size_t npages,
			  const struct mmscope_pt_rec *recs, long n)
{
	struct mmscope_vma *vmas = calloc(MAX_VMAS, sizeof(*vmas));
	__u64 *pm = calloc(npages, sizeof(*pm));
	long *cover = malloc(npages * sizeof(*cover));
	unsigned long end = start + npages * PG, addr = start, prev = start;
	int nv, v, bad = 0, ksm_ok = mmscope_kpf_ksm_trustworthy();
	size_t k;
	long i;

	ASSERT_TRUE(vmas && pm && cover);
	if (!ksm_ok)
		TH_LOG("kpageflags mark every anonymous page KSM on this kernel: "
		       "KSM and anon are told apart by ksm_merging_pages only");
	ASSERT_EQ(0, mmscope_pagemap(pid, start, npages, pm));
	nv = mmscope_read_vmas(pid, vmas, MAX_VMAS);
	ASSERT_LT(0, nv);
	for (k = 0; k < npages; k++)
		cover[k] = -1;

	for (i = 0; i < n; i++) {
		const struct mmscope_pt_rec *r = &recs[i];
		static const __u8 zero[7];

		addr = r->addr;
		PM_CHECK(r->addr % PG == 0 && r->addr >= prev && r->nr_pages >= 1 &&
			 r->addr + r->nr_pages * PG <= end,
			 "record %ld out of order or range (%llu pages)", i,
			 (unsigned long long)r->nr_pages);
		if (bad)
			continue;
		prev = r->addr + r->nr_pages * PG;
		PM_CHECK(r->level != MMSCOPE_LEVEL_PTE || r->nr_pages == 1,
			 "PTE record of %llu pages", (unsigned long long)r->nr_pages);
		PM_CHECK(r->level != MMSCOPE_LEVEL_PMD ||
			 (r->addr & ~(HPAGE - 1)) == ((prev - 1) & ~(HPAGE - 1)),
			 "PMD record crosses 2 MiB");
		PM_CHECK(!memcmp(r->__pad, zero, sizeof(zero)), "padding not zero");
		for (v = 0; v < nv; v++)
			if (vmas[v].start <= r->addr && r->addr < vmas[v].end)
				break;
		PM_CHECK(v < nv, "record outside every VMA");
		if (v < nv) {
			PM_CHECK(r->vma_start == vmas[v].start, "vma_start %#llx, maps says %#lx",
				 (unsigned long long)r->vma_start, vmas[v].start);
			PM_CHECK(prev <= vmas[v].end, "record runs past its VMA's end %#lx",
				 vmas[v].end);
		}
		for (k = 0; k < r->nr_pages; k++)
			cover[(r->addr - start) / PG + k] = i;
	}
	ASSERT_EQ(0, bad);

	for (k = 0, v = 0; k < npages; k++) {
		const struct mmscope_pt_rec *r = cover[k] >= 0 ? &recs[cover[k]] : NULL;
		__u64 e = pm[k], frame = e & MMSCOPE_PM_PFN_MASK;
		__u64 off = r ? (start + k * PG - r->addr) / PG : 0;
		int present = r && r->type == MMSCOPE_ENTRY_PRESENT;
		int swap = r && r->type == MMSCOPE_ENTRY_SWAP;

		addr = start + k * PG;
		PM_CHECK(!!(e & MMSCOPE_PM_PRESENT) == present, "pagemap present %d, record type %d",
			 !!(e & MMSCOPE_PM_PRESENT), r ? r->type : 0);
		PM_CHECK(!!(e & MMSCOPE_PM_SWAP) == swap, "pagemap swapped %d, record type %d",
			 !!(e & MMSCOPE_PM_SWAP), r ? r->type : 0);
		while (v < nv && vmas[v].end <= addr)
			v++;
		if (v < nv && vmas[v].start <= addr && !vmas[v].soft_dirty)
			PM_CHECK(!!(e & MMSCOPE_PM_SOFT_DIRTY) ==
				 !!(r && (r->sw & MMSCOPE_SW_SOFT_DIRTY)),
				 "pagemap soft-dirty %d, sw %#x", !!(e & MMSCOPE_PM_SOFT_DIRTY),
				 r ? r->sw : 0);
		if (present) {
			__u64 kpf = 0;
			int has_page = r->kind != MMSCOPE_KIND_ZERO && r->kind != MMSCOPE_KIND_SPECIAL;

			PM_CHECK(frame == r->pfn + off, "pagemap PFN %#llx, record %#llx",
				 (unsigned long long)frame, (unsigned long long)(r->pfn + off));
			/* pagemap files private hugetlb as anon; the record says hugetlb */
			if (r->kind != MMSCOPE_KIND_HUGETLB)
				PM_CHECK(!!(e & MMSCOPE_PM_FILE) ==
					 (r->kind == MMSCOPE_KIND_FILE || r->kind == MMSCOPE_KIND_SHMEM),
					 "pagemap file/shared %d, kind %s", !!(e & MMSCOPE_PM_FILE),
					 kind_name(r->kind));
			PM_CHECK(!!(e & MMSCOPE_PM_EXCLUSIVE) == (has_page && r->mapcount == 1),
				 "pagemap exclusive %d, kind %s mapcount %u",
				 !!(e & MMSCOPE_PM_EXCLUSIVE), kind_name(r->kind), r->mapcount);
			PM_CHECK(!mmscope_kpageflags(frame, &kpf), "kpageflags unreadable");
			PM_CHECK(kpf_kind(kpf, ksm_ok) == r->kind ||
				 (!ksm_ok && r->kind == MMSCOPE_KIND_KSM &&
				  kpf_kind(kpf, ksm_ok) == MMSCOPE_KIND_ANON),
				 "kpageflags %#llx say %s, record %s", (unsigned long long)kpf,
				 kind_name(kpf_kind(kpf, ksm_ok)), kind_name(r->kind));
		} else if (swap) {
			PM_CHECK((frame & 31) == r->swap_type, "pagemap swap type %llu, record %u",
				 (unsigned long long)(frame & 31), r->swap_type);
			PM_CHECK((frame >> 5) == r->pfn + off, "pagemap swap offset %#llx, record %#llx",
				 (unsigned long long)(frame >> 5), (unsigned long long)(r->pfn + off));
			PM_CHECK(!(e & (MMSCOPE_PM_FILE | MMSCOPE_PM_EXCLUSIVE)),
				 "swapped page: pagemap %#llx", (unsigned long long)e);
		}
	}
	EXPECT_EQ(0, bad);
	free(vmas);
	free(pm);
	free(cover);
}

static long walk_region(struct __test_metadata *_metadata, struct _test_data_mem *self,
			struct mmscope_pt_rec **out)
{
	struct mmscope_pt_rec *recs = calloc(MAX_RECS, sizeof(*recs));
	long n;

	ASSERT_NE(NULL, recs);
	n = mmscope_walk_all(self->fd, self->holder.pid, 0, self->reg.start,
			     self->reg.start + self->reg.npages * PG, recs, MAX_RECS, NULL);
	ASSERT_LE(0, n) {
		TH_LOG("PT_WALK of pid %d: %s", self->holder.pid, strerror(-n));
	}
	*out = recs;
	return n;
}

TEST_F_TIMEOUT(mem, pagemap_agrees, 60)
{
	struct mmscope_pt_rec *recs;
	long n;

	SKIP_IF_UNSET_UP();
	n = walk_region(_metadata, self, &recs);
	check_pagemap(_metadata, self->holder.pid, self->reg.start, self->reg.npages, recs, n);
	if (self->reg.old_npages) {
		n = mmscope_walk_all(self->fd, self->holder.pid, 0, self->reg.old_start,
				     self->reg.old_start + self->reg.old_npages * PG,
				     recs, MAX_RECS, NULL);
		ASSERT_LE(0, n);
		check_pagemap(_metadata, self->holder.pid, self->reg.old_start,
			      self->reg.old_npages, recs, n);
	}
	free(recs);
}

TEST_F_TIMEOUT(mem, records_as_set_up, 60)
{
	struct mmscope_pt_rec *recs;
	long n;

	SKIP_IF_UNSET_UP();
	n = walk_region(_metadata, self, &recs);
	variant->expect(_metadata, self, recs, n);
	free(recs);
}

/* ---- oracle: smaps_rollup, maps, status ---------------------------------- */

static void rollup_path(char *buf, size_t len, pid_t pid)
{
	snprintf(buf, len, "/proc/%d/smaps_rollup", pid);
}

/*
 * Oracle, module, oracle: @file read before and after the summary must agree
 * (up to three tries) and is returned in @kb.
 */
static void summary_between(struct __test_metadata *_metadata, int fd, pid_t pid,
			    const char *file, long long *kb, struct mmscope_mm_summary *s)
{
	long long again[MMSCOPE_NR_ROLLUP_KEYS];
	int tries;

	for (tries = 0; tries < 3; tries++) {
		ASSERT_EQ(0, mmscope_read_kb_keys(file, kb));
		ASSERT_EQ(0, mmscope_summary(fd, pid, s)) {
			TH_LOG("MM_SUMMARY of pid %d: %s", pid, strerror(errno));
		}
		ASSERT_EQ(0, mmscope_read_kb_keys(file, again));
		if (!memcmp(kb, again, sizeof(again)))
			return;
	}
	ASSERT_TRUE(0) {
		TH_LOG("%s kept changing between reads", file);
	}
}

static void expect_kb_equal(struct __test_metadata *_metadata, const long long *kb,
			    const struct mmscope_mm_summary *s)
{
	size_t i;

	for (i = 0; i < MMSCOPE_NR_ROLLUP_KEYS; i++) {
		__u64 bytes = mmscope_summary_field(s, mmscope_rollup_keys[i].off);

		if (kb[i] < 0)
			continue;	/* this kernel does not print the key */
		EXPECT_EQ(kb[i], (long long)(bytes >> 10)) {
			TH_LOG("%s: %lld kB, summary %llu bytes (%llu kB)", mmscope_rollup_keys[i].key,
			       kb[i], (unsigned long long)bytes, (unsigned long long)(bytes >> 10));
		}
	}
}

TEST_F_TIMEOUT(mem, summary_matches_smaps_rollup, 60)
{
	long long kb[MMSCOPE_NR_ROLLUP_KEYS];
	struct mmscope_mm_summary s;
	char path[64];

	SKIP_IF_UNSET_UP();
	rollup_path(path, sizeof(path), self->holder.pid);
	summary_between(_metadata, self->fd, self->holder.pid, path, kb, &s);
	ASSERT_LE(0, kb[0]) {
		TH_LOG("%s has no Rss line", path);
	}
	expect_kb_equal(_metadata, kb, &s);
	EXPECT_EQ(sizeof(s), s.size);
	/* The module's own split adds up to its Rss. */
	EXPECT_EQ(s.rss, s.rss_anon + s.rss_file + s.rss_shmem);
	EXPECT_EQ(s.hugetlb, s.shared_hugetlb + s.private_hugetlb);
	EXPECT_LE(s.ksm, s.rss_anon);
}

TEST_F_TIMEOUT(mem, nr_vmas_matches_maps, 60)
{
	struct mmscope_mm_summary s;
	char path[64];
	int lines;

	SKIP_IF_UNSET_UP();
	snprintf(path, sizeof(path), "/proc/%d/maps", self->holder.pid);
	ASSERT_EQ(0, mmscope_summary(self->fd, self->holder.pid, &s));
	/* [vsyscall] is the gate area, listed by maps but no VMA of the mm */
	lines = mmscope_count_lines(path, "[vsyscall]");
	ASSERT_LT(0, lines);
	EXPECT_EQ(lines, s.nr_vmas);
}

TEST_F_TIMEOUT(mem, pt_tables_match_vmpte, 60)
{
	struct mmscope_mm_summary s;
	long long vmpte = -1, thp_kb = -1;
	char path[64];
	__u64 tables;

	SKIP_IF_UNSET_UP();
	snprintf(path, sizeof(path), "/proc/%d/status", self->holder.pid);
	ASSERT_EQ(0, mmscope_summary(self->fd, self->holder.pid, &s));
	ASSERT_EQ(0, mmscope_proc_value(path, "VmPTE", &vmpte));
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", self->holder.pid);
	ASSERT_EQ(0, mmscope_proc_value(path, "AnonHugePages", &thp_kb));
	tables = s.pt_tables[0] + s.pt_tables[1] + s.pt_tables[2];
	/*
	 * VmPTE also counts the PTE table that x86 deposits with each
	 * PMD-mapped anonymous THP (for a later split), which no VMA reaches.
	 * None of these targets maps the huge zero page, which deposits too.
	 */
	EXPECT_EQ(vmpte, (long long)tables * 4 + thp_kb / 2048 * 4) {
		TH_LOG("VmPTE %lld kB; summary PTE %llu + PMD %llu + PUD %llu tables = %llu kB, "
		       "+ %lld kB deposited with %lld THPs",
		       vmpte, (unsigned long long)s.pt_tables[0],
		       (unsigned long long)s.pt_tables[1], (unsigned long long)s.pt_tables[2],
		       (unsigned long long)tables * 4, thp_kb / 2048 * 4, thp_kb / 2048);
	}
	EXPECT_EQ(1, s.pt_tables[4]);
}

/* ---- debugfs views ------------------------------------------------------- */

static int track_pid(pid_t pid, int untrack)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%s%d", untrack ? "-" : "", pid);
	return mmscope_write_file(TRACK_FILE, buf);
}

/* Whether a debugfs file of a tracked task starts with mmscope's header. */
static int has_header(const char *path)
{
	char line[256];

	return !mmscope_read_line(path, line, sizeof(line)) && !strncmp(line, "# mmscope ", 10);
}

/* The debugfs summary's keys for mmscope's own fields. */
static void expect_extra_keys(struct __test_metadata *_metadata, const char *path,
			      const struct mmscope_mm_summary *s)
{
	static const struct { const char *key; size_t off; } bytes[] = {
		{ "RssAnon", offsetof(struct mmscope_mm_summary, rss_anon) },
		{ "RssFile", offsetof(struct mmscope_mm_summary, rss_file) },
		{ "RssShmem", offsetof(struct mmscope_mm_summary, rss_shmem) },
		{ "ZeroPage", offsetof(struct mmscope_mm_summary, zero_page) },
		{ "Hugetlb", offsetof(struct mmscope_mm_summary, hugetlb) },
	};
	static const char * const tables[5] = {
		"PageTablesPte", "PageTablesPmd", "PageTablesPud", "PageTablesP4d", "PageTablesPgd",
	};
	long long v;
	size_t i;

	for (i = 0; i < sizeof(bytes) / sizeof(bytes[0]); i++) {
		ASSERT_EQ(0, mmscope_proc_value(path, bytes[i].key, &v)) {
			TH_LOG("%s: no %s line", path, bytes[i].key);
		}
		EXPECT_EQ(v, (long long)(mmscope_summary_field(s, bytes[i].off) >> 10)) {
			TH_LOG("%s: file %lld kB, ioctl %llu bytes", bytes[i].key, v,
			       (unsigned long long)mmscope_summary_field(s, bytes[i].off));
		}
	}
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, mmscope_proc_value(path, tables[i], &v)) {
			TH_LOG("%s: no %s line", path, tables[i]);
		}
		EXPECT_EQ(v, (long long)s->pt_tables[i] * 4) {
			TH_LOG("%s: file %lld kB, ioctl %llu tables", tables[i], v,
			       (unsigned long long)s->pt_tables[i]);
		}
	}
	ASSERT_EQ(0, mmscope_proc_value(path, "Vmas", &v));
	EXPECT_EQ(v, (long long)s->nr_vmas);
}

TEST_F_TIMEOUT(mem, debugfs_summary_matches_ioctl, 60)
{
	long long kb[MMSCOPE_NR_ROLLUP_KEYS];
	struct mmscope_mm_summary s;
	char dir[128], path[192];

	SKIP_IF_UNSET_UP();
	if (access(TRACK_FILE, W_OK))
		SKIP(return, "no %s", TRACK_FILE);
	ASSERT_EQ(0, track_pid(self->holder.pid, 0));
	self->tracked = 1;
	snprintf(dir, sizeof(dir), TASKS_DIR "/%d", self->holder.pid);
	snprintf(path, sizeof(path), "%s/vmas", dir);
	EXPECT_TRUE(has_header(path));
	snprintf(path, sizeof(path), "%s/pagetable", dir);
	EXPECT_TRUE(has_header(path));
	snprintf(path, sizeof(path), "%s/summary", dir);
	summary_between(_metadata, self->fd, self->holder.pid, path, kb, &s);
	ASSERT_LE(0, kb[0]) {
		TH_LOG("%s has no Rss line", path);
	}
	expect_kb_equal(_metadata, kb, &s);

	expect_extra_keys(_metadata, path, &s);

	ASSERT_EQ(0, track_pid(self->holder.pid, 1));
	self->tracked = 0;
	EXPECT_NE(0, access(dir, F_OK));
}

/* ---- the walk itself: cursor, cost, arguments ---------------------------- */

FIXTURE(walk)
{
	int fd;
	char *map;
	size_t npages;
	struct mmscope_pt_rec recs[16];
	struct mmscope_pt_walk w;
	int unsupported;
};

#define WALK_PAGES 4

FIXTURE_SETUP(walk)
{
	size_t i;

	self->fd = mmscope_open();
	ASSERT_LE(0, self->fd) {
		TH_LOG("open %s: %s", MMSCOPE_DEV, strerror(-self->fd));
	}
	self->unsupported = !mmscope_has_process_memory(self->fd);
	self->npages = WALK_PAGES;
	self->map = map_anon(WALK_PAGES, PROT_READ | PROT_WRITE, 0);
	ASSERT_NE(NULL, self->map);
	for (i = 0; i < WALK_PAGES; i++)
		self->map[i * PG] = 1;
	mmscope_walk_init(&self->w, 0, 0, (unsigned long)self->map,
			  (unsigned long)self->map + WALK_PAGES * PG,
			  self->recs, sizeof(self->recs));
}

FIXTURE_TEARDOWN(walk)
{
	munmap(self->map, WALK_PAGES * PG);
	close(self->fd);
}

#define SKIP_IF_UNSUPPORTED() do { \
	if (self->unsupported) \
		SKIP(return, "module lacks MMSCOPE_FEATURE_PROCESS_MEMORY"); \
} while (0)

#define EXPECT_WALK_ERRNO(err) do { \
	EXPECT_EQ(-1, ioctl(self->fd, MMSCOPE_IOC_PT_WALK, &self->w)); \
	EXPECT_EQ(err, errno) { \
		TH_LOG("errno %d (%s), want %d (%s)", errno, strerror(errno), err, strerror(err)); \
	} \
} while (0)

TEST_F(walk, valid_baseline)
{
	SKIP_IF_UNSUPPORTED();
	ASSERT_EQ(0, ioctl(self->fd, MMSCOPE_IOC_PT_WALK, &self->w));
	EXPECT_EQ(WALK_PAGES, self->w.nr_recs);
	EXPECT_EQ(self->w.end, self->w.walk_end);
	EXPECT_LT(0, self->w.tables);
	EXPECT_EQ(sizeof(self->w), self->w.size);
	EXPECT_EQ((unsigned long)self->map, self->recs[0].addr);
}

/* A caller with a bigger record gets the same records, rec_size apart. */
TEST_F(walk, larger_rec_size)
{
	struct { struct mmscope_pt_rec r; __u64 future; } big[WALK_PAGES];
	size_t i;

	SKIP_IF_UNSUPPORTED();
	ASSERT_EQ(0, ioctl(self->fd, MMSCOPE_IOC_PT_WALK, &self->w));
	memset(big, 0xa5, sizeof(big));
	self->w.rec_size = sizeof(big[0]);
	self->w.buf = (unsigned long)big;
	self->w.buf_len = sizeof(big);
	self->w.nr_recs = self->w.walk_end = self->w.tables = 0;
	ASSERT_EQ(0, ioctl(self->fd, MMSCOPE_IOC_PT_WALK, &self->w));
	ASSERT_EQ(WALK_PAGES, self->w.nr_recs);
	for (i = 0; i < WALK_PAGES; i++) {
		EXPECT_EQ(0, memcmp(&self->recs[i], &big[i].r, sizeof(big[i].r)));
		EXPECT_EQ(0, big[i].future);	/* beyond the module's record: zeroed */
	}
}

TEST_F(walk, unknown_flag)
{
	SKIP_IF_UNSUPPORTED();
	self->w.flags = MMSCOPE_WALK_FLAGS_ALL << 1;
	EXPECT_WALK_ERRNO(EINVAL);
}

TEST_F(walk, unknown_flag_high)
{
	SKIP_IF_UNSUPPORTED();
	self->w.flags = 1U << 31;
	EXPECT_WALK_ERRNO(EINVAL);
}

TEST_F(walk, reserved0_nonzero)
{
	SKIP_IF_UNSUPPORTED();
	self->w.__reserved[0] = 1;
	EXPECT_WALK_ERRNO(EINVAL);
}

TEST_F(walk, reserved1_nonzero)
{
	SKIP_IF_UNSUPPORTED();
	self->w.__reserved[1] = 1ULL << 63;
	EXPECT_WALK_ERRNO(EINVAL);
}

TEST_F(walk, size_below_ver0)
{
	SKIP_IF_UNSUPPORTED();
	self->w.size = MMSCOPE_PT_WALK_SIZE_VER0 - 8;
	EXPECT_WALK_ERRNO(EINVAL);
}

TEST_F(walk, rec_size_0)
{
	SKIP_IF_UNSUPPORTED();
	self->w.rec_size = 0;
	EXPECT_WALK_ERRNO(EINVAL);
}

TEST_F(walk, rec_size_52)
{
	SKIP_IF_UNSUPPORTED();
	self->w.rec_size = 52;
	EXPECT_WALK_ERRNO(EINVAL);
}

TEST_F(walk, rec_size_60)
{
	SKIP_IF_UNSUPPORTED();
	self->w.rec_size = 60;
	EXPECT_WALK_ERRNO(EINVAL);
}

TEST_F(walk, rec_size_8192)
{
	SKIP_IF_UNSUPPORTED();
	self->w.rec_size = 8192;
	self->w.buf_len = 1 << 20;	/* not what fails */
	EXPECT_WALK_ERRNO(EINVAL);
}

TEST_F(walk, start_unaligned)
{
	SKIP_IF_UNSUPPORTED();
	self->w.start += 1;
	EXPECT_WALK_ERRNO(EDOM);
}

TEST_F(walk, end_unaligned)
{
	SKIP_IF_UNSUPPORTED();
	self->w.end -= 1;
	EXPECT_WALK_ERRNO(EDOM);
}

TEST_F(walk, start_equals_end)
{
	SKIP_IF_UNSUPPORTED();
	self->w.end = self->w.start;
	EXPECT_WALK_ERRNO(ERANGE);
}

TEST_F(walk, start_above_end)
{
	SKIP_IF_UNSUPPORTED();
	self->w.end = self->w.start - PG;
	EXPECT_WALK_ERRNO(ERANGE);
}

TEST_F(walk, end_above_57_bits)
{
	SKIP_IF_UNSUPPORTED();
	self->w.end = (1ULL << 57) + PG;
	EXPECT_WALK_ERRNO(ERANGE);
}

TEST_F(walk, end_at_top_of_u64)
{
	SKIP_IF_UNSUPPORTED();
	self->w.end = ~(__u64)(PG - 1);
	EXPECT_WALK_ERRNO(ERANGE);
}

TEST_F(walk, buf_len_below_one_record)
{
	SKIP_IF_UNSUPPORTED();
	self->w.buf_len = sizeof(struct mmscope_pt_rec) - 8;
	EXPECT_WALK_ERRNO(ENOBUFS);
}

TEST_F(walk, buf_len_zero)
{
	SKIP_IF_UNSUPPORTED();
	self->w.buf_len = 0;
	EXPECT_WALK_ERRNO(ENOBUFS);
}

TEST_F(walk, buf_null)
{
	SKIP_IF_UNSUPPORTED();
	self->w.buf = 0;
	self->w.buf_len = 1 << 20;
	EXPECT_WALK_ERRNO(EFAULT);
}

TEST_F(walk, buf_read_only)
{
	SKIP_IF_UNSUPPORTED();
	ASSERT_EQ(0, mprotect(self->map, WALK_PAGES * PG, PROT_READ));
	self->w.buf = (unsigned long)self->map;
	self->w.buf_len = PG;
	EXPECT_WALK_ERRNO(EFAULT);
}

static pid_t reaped_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return pid;
}

TEST_F(walk, pid_reaped)
{
	SKIP_IF_UNSUPPORTED();
	self->w.pid = reaped_pid();
	ASSERT_LT(0, self->w.pid);
	EXPECT_WALK_ERRNO(ESRCH);
}

TEST_F(walk, pid_negative)
{
	SKIP_IF_UNSUPPORTED();
	self->w.pid = -5;
	EXPECT_WALK_ERRNO(ESRCH);
}

TEST_F(walk, summary_unknown_flag)
{
	struct mmscope_mm_summary s;

	SKIP_IF_UNSUPPORTED();
	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, MMSCOPE_IOC_MM_SUMMARY, &s));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(walk, summary_reserved_nonzero)
{
	struct mmscope_mm_summary s;

	SKIP_IF_UNSUPPORTED();
	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.__reserved0 = 1;
	EXPECT_EQ(-1, ioctl(self->fd, MMSCOPE_IOC_MM_SUMMARY, &s));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(walk, summary_vanished_pid)
{
	struct mmscope_mm_summary s;
	pid_t pid;

	SKIP_IF_UNSUPPORTED();
	pid = reaped_pid();
	ASSERT_LT(0, pid);
	EXPECT_EQ(-ESRCH, mmscope_summary(self->fd, pid, &s));
}

TEST_F(walk, summary_of_self)
{
	struct mmscope_mm_summary s;

	SKIP_IF_UNSUPPORTED();
	ASSERT_EQ(0, mmscope_summary(self->fd, 0, &s));
	EXPECT_EQ(sizeof(s), s.size);
	EXPECT_LE(WALK_PAGES * PG, s.rss_anon);
	EXPECT_LT(0, s.nr_vmas);
	EXPECT_EQ(0, s.__reserved[0] | s.__reserved[1] | s.__reserved[2] | s.__reserved[3]);
}

/*
 * A mixed region in this process: written pages, zero pages and holes in a
 * pattern, a read-only stretch (its own VMA) and a shared memfd in the middle.
 */
#define MIX_PAGES	1024

static char *map_mixed(struct __test_metadata *_metadata)
{
	char *p = map_anon(MIX_PAGES, PROT_READ | PROT_WRITE, 0);
	int mfd = memfd_create("mmscope-mix", MFD_CLOEXEC);
	size_t i;

	ASSERT_NE(NULL, p);
	ASSERT_LE(0, mfd);
	for (i = 0; i < MIX_PAGES; i++) {
		unsigned int r = (i * 7919) % 37;

		if (r < 15)
			p[i * PG] = 1;
		else if (r < 22)
			(void)*(volatile char *)(p + i * PG);
	}
	ASSERT_EQ(0, mprotect(p + 200 * PG, 64 * PG, PROT_READ));
	ASSERT_EQ(0, ftruncate(mfd, 64 * PG));
	ASSERT_NE(MAP_FAILED, mmap(p + 600 * PG, 64 * PG, PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_FIXED, mfd, 0));
	close(mfd);
	for (i = 0; i < 32; i++)
		p[(600 + 2 * i) * PG] = 2;
	return p;
}

static void check_resume(struct __test_metadata *_metadata, int fd, __u32 flags)
{
	struct mmscope_pt_rec *one = calloc(MAX_RECS, sizeof(*one));
	struct mmscope_pt_rec *pieces = calloc(MAX_RECS, sizeof(*pieces));
	char *p = map_mixed(_metadata);
	__u64 start = (unsigned long)p, end = start + MIX_PAGES * PG, at = start;
	struct mmscope_pt_walk w;
	long n, got = 0, i, calls = 0;

	ASSERT_TRUE(one && pieces);
	mmscope_walk_init(&w, 0, flags, start, end, one, MAX_RECS * sizeof(*one));
	ASSERT_EQ(0, ioctl(fd, MMSCOPE_IOC_PT_WALK, &w));
	ASSERT_EQ(end, w.walk_end);
	n = w.nr_recs;
	ASSERT_LT(3 * 10, n);	/* enough calls to resume in many places */

	while (at < end) {
		ASSERT_LT(calls++, 4 * MIX_PAGES) {
			TH_LOG("no progress at %#llx", (unsigned long long)at);
		}
		ASSERT_LE(got + 3, MAX_RECS);
		mmscope_walk_init(&w, 0, flags, at, end, pieces + got, 3 * sizeof(*pieces));
		ASSERT_EQ(0, ioctl(fd, MMSCOPE_IOC_PT_WALK, &w)) {
			TH_LOG("resume at %#llx: %s", (unsigned long long)at, strerror(errno));
		}
		ASSERT_GE(3, w.nr_recs);
		ASSERT_LT(at, w.walk_end);
		ASSERT_GE(end, w.walk_end);
		got += w.nr_recs;
		at = w.walk_end;
	}
	ASSERT_EQ(n, got);
	for (i = 0; i < n; i++)
		EXPECT_EQ(0, memcmp(&one[i], &pieces[i], sizeof(one[i]))) {
			TH_LOG("record %ld: addr %#llx/%#llx pages %llu/%llu", i,
			       (unsigned long long)one[i].addr, (unsigned long long)pieces[i].addr,
			       (unsigned long long)one[i].nr_pages,
			       (unsigned long long)pieces[i].nr_pages);
		}
	munmap(p, MIX_PAGES * PG);
	free(one);
	free(pieces);
}

TEST_F(walk, resume_three_records_at_a_time)
{
	SKIP_IF_UNSUPPORTED();
	check_resume(_metadata, self->fd, 0);
}

TEST_F(walk, resume_three_runs_at_a_time)
{
	SKIP_IF_UNSUPPORTED();
	check_resume(_metadata, self->fd, MMSCOPE_WALK_RUNS);
}

static int cmp_ul(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* Distinct values of addr >> shift over a sorted array. */
static size_t distinct(const unsigned long *a, size_t n, int shift)
{
	size_t i, d = 0;

	for (i = 0; i < n; i++)
		if (!i || (a[i] >> shift) != (a[i - 1] >> shift))
			d++;
	return d;
}

#define SPARSE_LEN	(64ULL << 40)
#define SPARSE_TOUCH	300

/*
 * A 64 TiB reservation with a few hundred pages in it: the walk finds those
 * pages and visits only the page tables that exist, not the empty space.
 */
TEST_F(walk, sparse_64tib_visits_only_populated_tables)
{
	unsigned long addrs[SPARSE_TOUCH], seed = 12345;
	struct mmscope_pt_rec *recs = calloc(2 * SPARSE_TOUCH, sizeof(*recs));
	struct mmscope_pt_walk w;
	size_t i, n = 0, lower, upper;
	int levels = mmscope_oracle_pgtable_levels();
	char *p;

	SKIP_IF_UNSUPPORTED();
	ASSERT_NE(NULL, recs);
	p = mmap(NULL, SPARSE_LEN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		SKIP(return, "cannot reserve 64 TiB: %s", strerror(errno));
	while (n < SPARSE_TOUCH) {
		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		addrs[n++] = (unsigned long)p + ((seed >> 17) % (SPARSE_LEN / PG)) * PG;
		qsort(addrs, n, sizeof(addrs[0]), cmp_ul);
		for (i = 1; i < n; i++)
			if (addrs[i] == addrs[i - 1])
				break;
		if (i < n)	/* a duplicate: draw again */
			memmove(&addrs[i], &addrs[i + 1], (--n - i) * sizeof(addrs[0]));
	}
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, mprotect((void *)addrs[i], PG, PROT_READ | PROT_WRITE));
		*(char *)addrs[i] = 1;
	}

	mmscope_walk_init(&w, 0, 0, (unsigned long)p, (unsigned long)p + SPARSE_LEN,
			  recs, 2 * SPARSE_TOUCH * sizeof(*recs));
	ASSERT_EQ(0, ioctl(self->fd, MMSCOPE_IOC_PT_WALK, &w));
	EXPECT_EQ(w.end, w.walk_end);
	ASSERT_EQ(SPARSE_TOUCH, w.nr_recs);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(addrs[i], recs[i].addr);
		EXPECT_EQ(MMSCOPE_ENTRY_PRESENT, recs[i].type);
	}
	/* Each touched page needs its PTE, PMD and PUD table; P4D and PGD are
	 * shared.  At each end of the range a table of a neighbour may be seen. */
	lower = distinct(addrs, n, 21) + distinct(addrs, n, 30) + distinct(addrs, n, 39);
	upper = lower + distinct(addrs, n, 48) + 1 + 2 * levels;
	TH_LOG("%llu tables visited for %zu pages (populated: %zu..%zu)",
	       (unsigned long long)w.tables, n, lower, upper);
	EXPECT_LE(lower, w.tables);
	EXPECT_GE(upper, w.tables) {
		TH_LOG("%llu tables visited for %zu pages; populated tables allow %zu",
		       (unsigned long long)w.tables, n, upper);
	}
	munmap(p, SPARSE_LEN);
	free(recs);
}

/* ---- targets that exit under the walker ---------------------------------- */

static void churn_and_exit(unsigned int seed)
{
	unsigned int i, rounds = 1 + seed % 40;

	for (i = 0; i < rounds; i++) {
		char *p = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		pid_t pid;

		if (p == MAP_FAILED)
			_exit(1);
		memset(p, i, 16 * PG);
		pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid > 0)
			waitpid(pid, NULL, 0);
		munmap(p, 16 * PG);
	}
	_exit(0);
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Hammer short-lived targets with @summary ? MM_SUMMARY : PT_WALK for ~2 s. */
static void race_exit(struct __test_metadata *_metadata, int fd, int summary)
{
	struct mmscope_pt_rec *recs = calloc(256, sizeof(*recs));
	long calls = 0, ok = 0, gone = 0;
	double stop = now() + 2;
	unsigned int seed = 1;

	ASSERT_NE(NULL, recs);
	while (now() < stop) {
		pid_t pid = fork();
		int reaped = 0, ret = 0;

		ASSERT_LE(0, pid);
		if (pid == 0)
			churn_and_exit(seed);
		seed = seed * 1103515245 + 12345;
		do {
			if (!reaped)
				reaped = waitpid(pid, NULL, WNOHANG) == pid;
			if (summary) {
				struct mmscope_mm_summary s;

				ret = mmscope_summary(fd, pid, &s);
			} else {
				struct mmscope_pt_walk w;

				mmscope_walk_init(&w, pid, calls & 1 ? MMSCOPE_WALK_RUNS : 0, 0,
						  1ULL << 47, recs, 256 * sizeof(*recs));
				ret = ioctl(fd, MMSCOPE_IOC_PT_WALK, &w) ? -errno : 0;
			}
			calls++;
			ASSERT_TRUE(ret == 0 || ret == -ESRCH) {
				TH_LOG("call %ld on pid %d: %s", calls, pid, strerror(-ret));
			}
			ok += !ret;
			gone += ret == -ESRCH;
		} while (!reaped);
		/* After the reap, the pid is gone. */
		ASSERT_EQ(-ESRCH, ret);
	}
	TH_LOG("%ld calls: %ld answered, %ld ESRCH", calls, ok, gone);
	EXPECT_LT(0, ok);
	free(recs);
}

TEST_F(walk, walk_races_target_exit)
{
	SKIP_IF_UNSUPPORTED();
	race_exit(_metadata, self->fd, 0);
}

TEST_F(walk, summary_races_target_exit)
{
	SKIP_IF_UNSUPPORTED();
	race_exit(_metadata, self->fd, 1);
}

/* ---- the debugfs "track" file's errors ----------------------------------- */

static int idle(void *arg, void *out)
{
	return 0;
}

FIXTURE(track)
{
	struct mmscope_holder *kids;
	int *tracked;
	int nkids;
};

#define TRACK_MAX	64

FIXTURE_SETUP(track)
{
	self->kids = calloc(TRACK_MAX + 1, sizeof(*self->kids));
	self->tracked = calloc(TRACK_MAX + 1, sizeof(*self->tracked));
	ASSERT_TRUE(self->kids && self->tracked);
}

FIXTURE_TEARDOWN(track)
{
	int i;

	for (i = 0; i < self->nkids; i++) {
		if (self->tracked[i])
			track_pid(self->kids[i].pid, 1);
		mmscope_holder_stop(&self->kids[i]);
	}
	free(self->kids);
	free(self->tracked);
}

#define SKIP_IF_NO_TRACK() do { \
	if (access(TRACK_FILE, W_OK)) \
		SKIP(return, "no %s", TRACK_FILE); \
} while (0)

static pid_t spawn(struct __test_metadata *_metadata, FIXTURE_DATA(track) *self)
{
	char none;

	ASSERT_GT(TRACK_MAX + 1, self->nkids);
	ASSERT_EQ(0, mmscope_holder_start(&self->kids[self->nkids], idle, NULL, &none, 0));
	return self->kids[self->nkids++].pid;
}

TEST_F(track, track_and_untrack_live_child)
{
	char dir[128];
	pid_t pid;

	SKIP_IF_NO_TRACK();
	pid = spawn(_metadata, self);
	ASSERT_EQ(0, track_pid(pid, 0));
	self->tracked[0] = 1;
	snprintf(dir, sizeof(dir), TASKS_DIR "/%d", pid);
	EXPECT_EQ(0, access(dir, F_OK));
	ASSERT_EQ(0, track_pid(pid, 1));
	self->tracked[0] = 0;
	EXPECT_NE(0, access(dir, F_OK));
}

TEST_F(track, nonexistent_pid_is_esrch)
{
	pid_t pid;

	SKIP_IF_NO_TRACK();
	pid = reaped_pid();
	ASSERT_LT(0, pid);
	EXPECT_EQ(-ESRCH, track_pid(pid, 0));
}

static void *park(void *arg)
{
	pause();
	return NULL;
}

/* The id of a thread of this process other than the main one, or -1. */
static pid_t other_thread(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	pid_t tid = -1;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (atoi(e->d_name) > 0 && atoi(e->d_name) != getpid())
			tid = atoi(e->d_name);
	closedir(d);
	return tid;
}

/* A thread of a process is tracked through its thread-group id only. */
TEST_F(track, thread_id_is_esrch)
{
	pthread_t t;
	pid_t tid = -1;

	SKIP_IF_NO_TRACK();
	ASSERT_EQ(0, pthread_create(&t, NULL, park, NULL));
	tid = other_thread();
	ASSERT_LT(0, tid);
	EXPECT_EQ(-ESRCH, track_pid(tid, 0));
	pthread_cancel(t);
	pthread_join(t, NULL);
}

TEST_F(track, twice_is_eexist)
{
	pid_t pid;

	SKIP_IF_NO_TRACK();
	pid = spawn(_metadata, self);
	ASSERT_EQ(0, track_pid(pid, 0));
	self->tracked[0] = 1;
	EXPECT_EQ(-EEXIST, track_pid(pid, 0));
}

TEST_F(track, garbage_is_einval)
{
	SKIP_IF_NO_TRACK();
	EXPECT_EQ(-EINVAL, mmscope_write_file(TRACK_FILE, "not-a-pid"));
}

TEST_F(track, untrack_untracked_is_enoent)
{
	pid_t pid;

	SKIP_IF_NO_TRACK();
	pid = spawn(_metadata, self);
	EXPECT_EQ(-ENOENT, track_pid(pid, 1));
}

#define count_tracked mmscope_count_task_dirs

TEST_F_TIMEOUT(track, more_than_64_is_enospc, 60)
{
	int before = count_tracked(), i, ret;

	SKIP_IF_NO_TRACK();
	ASSERT_LE(0, before);
	ASSERT_GE(TRACK_MAX, before);
	for (i = 0; i < TRACK_MAX - before; i++) {
		pid_t pid = spawn(_metadata, self);

		ret = track_pid(pid, 0);
		ASSERT_EQ(0, ret) {
			TH_LOG("tracking pid %d (number %d): %s", pid, before + i + 1, strerror(-ret));
		}
		self->tracked[self->nkids - 1] = 1;
	}
	EXPECT_EQ(TRACK_MAX, count_tracked());
	EXPECT_EQ(-ENOSPC, track_pid(spawn(_metadata, self), 0));
}

TEST_HARNESS_MAIN
