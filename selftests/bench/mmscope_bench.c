// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope_bench - mmscope side by side with the kernel's own interfaces and
 * bpftrace, inside one guest boot (issue 6).  Run as root in a test VM by
 * scripts/bench; the module must NOT be loaded when it starts (scripts/vm
 * -M none): this program loads and unloads it itself, because the fault
 * comparison needs phases with no module at all.
 *
 *   mmscope_bench -k path/to/mmscope.ko [-r REPS] [-s TARGET_MIB]
 *
 * Every measurement is repeated REPS times (default 11) after one warm-up;
 * the table shows the median with [min-max].  Each comparison runs against
 * the same target process in the same boot.  Lines starting "BENCH|" are the
 * machine-readable rows scripts/bench turns into its table and CSV.
 *
 * Only ratios from one run mean anything: the guest runs under software
 * emulation (TCG) on a shared host, which distorts absolute times.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/fs.h>
#include "linux/mmscope.h"

/*
 * PAGEMAP_SCAN (Linux 6.7+) is missing from the build machine's 6.1 libc
 * headers; its uapi is stable, so carry a copy and find out at run time
 * (6.1 answers -ENOTTY).
 */
#ifndef PAGEMAP_SCAN
#define PROCFS_IOCTL_MAGIC_BENCH 'f'
struct page_region {
	__u64 start;
	__u64 end;
	__u64 categories;
};
struct pm_scan_arg {
	__u64 size, flags, start, end, walk_end, vec, vec_len, max_pages;
	__u64 category_inverted, category_mask, category_anyof_mask, return_mask;
};
#define PAGEMAP_SCAN	_IOWR(PROCFS_IOCTL_MAGIC_BENCH, 16, struct pm_scan_arg)
#define PAGE_IS_WPALLOWED	(1 << 0)
#define PAGE_IS_WRITTEN		(1 << 1)
#define PAGE_IS_FILE		(1 << 2)
#define PAGE_IS_PRESENT		(1 << 3)
#define PAGE_IS_SWAPPED		(1 << 4)
#define PAGE_IS_PFNZERO		(1 << 5)
#define PAGE_IS_HUGE		(1 << 6)
#define PAGE_IS_SOFT_DIRTY	(1 << 7)
#endif

#define PG	4096UL
#define MIB	(1UL << 20)
#define GIB	(1UL << 30)
#define TIB	(1UL << 40)

static int reps = 11;
static unsigned long target_mib = 1024;
static const char *ko_path;
static const char *floor_path;		/* -f: mmscope_floor.ko, the probe floors */
static int mfd = -1;
static int only_faults;
static const char *mod_params = "";	/* -p: e.g. the slab layout */
static int have_slab;			/* PHYS_SLAB answers */
static const char *profile_op;		/* -P: loop one operation, for perf */		/* -F: the fault comparison only (debugging) */			/* /dev/mmscope while loaded */

/* ---- small helpers ---- */

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stdout, "bench: error: ");
	vfprintf(stdout, fmt, ap);
	fprintf(stdout, " (errno %d: %s)\n", errno, strerror(errno));
	va_end(ap);
	fflush(stdout);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void pin_cpu(int cpu)
{
	cpu_set_t set;

	if (sysconf(_SC_NPROCESSORS_ONLN) <= cpu)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

struct st {
	double med, min, max, q1, q3;
	int n;
};

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static struct st stats(const double *v, int n)
{
	double s[1024];
	struct st r = { .n = n };

	if (n <= 0)
		return r;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_d);
	r.min = s[0];
	r.max = s[n - 1];
	r.med = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	r.q1 = s[n / 4];
	r.q3 = s[(3 * n) / 4];
	return r;
}

/* ---- result rows ---- */

struct row {
	char id[8];
	char work[80];
	struct st mm, peer;	/* microseconds */
	int has_mm, has_peer;
	double ratio;		/* mm / peer, or as the row defines */
	int has_ratio;
	char goal[40];
	int met;		/* 1 yes, 0 no, -1 not applicable */
	char note[1200];
};

static struct row rows[64];
static int nrows;

static struct row *add_row(const char *id, const char *work)
{
	struct row *r = &rows[nrows++];

	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", id);
	snprintf(r->work, sizeof(r->work), "%s", work);
	r->met = -1;
	return r;
}

static void row_note(struct row *r, const char *fmt, ...)
{
	size_t len = strlen(r->note);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->note + len, sizeof(r->note) - len, fmt, ap);
	va_end(ap);
}

static void ratio_goal(struct row *r, double ratio, const char *goal, int met)
{
	r->ratio = ratio;
	r->has_ratio = 1;
	snprintf(r->goal, sizeof(r->goal), "%s", goal);
	r->met = met;
}

static void print_row(const struct row *r)
{
	printf("BENCH|%s|%s|", r->id, r->work);
	if (r->has_mm)
		printf("%.1f|%.1f|%.1f|", r->mm.med, r->mm.min, r->mm.max);
	else
		printf("|||");
	if (r->has_peer)
		printf("%.1f|%.1f|%.1f|", r->peer.med, r->peer.min, r->peer.max);
	else
		printf("|||");
	if (r->has_ratio)
		printf("%.4g|", r->ratio);
	else
		printf("|");
	printf("%s|%s|%s\n", r->goal, r->met < 0 ? "-" : r->met ? "yes" : "NO", r->note);
	fflush(stdout);
}

/* ---- the module ---- */

/* Load the floor module in @mode: 0, or -errno (fprobe: -EOPNOTSUPP on 6.1). */
static int floor_load(const char *mode)
{
	char params[32];
	int fd = open(floor_path, O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		die("open %s", floor_path);
	snprintf(params, sizeof(params), "mode=%s", mode);
	if (syscall(SYS_finit_module, fd, params, 0))
		err = -errno;
	close(fd);
	return err;
}

/* Unload module @name, waiting up to 2 s for its last user to go. */
static void ko_unload(const char *name)
{
	int i;

	for (i = 0; i < 100; i++) {
		if (!syscall(SYS_delete_module, name, O_NONBLOCK))
			return;
		if (errno != EAGAIN && errno != EBUSY)
			break;
		usleep(20000);
	}
	die("delete_module %s", name);
}

static void module_load(void)
{
	int fd = open(ko_path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("open %s", ko_path);
	if (syscall(SYS_finit_module, fd, mod_params, 0))
		die("finit_module %s", ko_path);
	close(fd);
	mfd = open("/dev/mmscope", O_RDWR | O_CLOEXEC);
	if (mfd < 0)
		die("open /dev/mmscope");
}

static void module_unload(void)
{
	if (mfd >= 0)
		close(mfd);
	mfd = -1;
	ko_unload("mmscope");
}

static void track(pid_t pid, int remove)
{
	struct mmscope_track t = { .size = sizeof(t), .pid = pid,
				   .flags = remove ? MMSCOPE_TRACK_REMOVE : 0 };

	if (ioctl(mfd, MMSCOPE_IOC_TRACK, &t))
		die("TRACK %s %d", remove ? "remove" : "add", pid);
}

/* ---- target processes: a child that maps, touches, reports, and waits ---- */

struct target {
	pid_t pid;
	int ctl;		/* write end: closing it ends the child */
	unsigned long base, len;
	char how[80];
};

static void target_wait_and_exit(int rfd)
{
	char c;

	while (read(rfd, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

/* @len bytes of private anonymous memory, every page written, THP off. */
static struct target spawn_dense(unsigned long len)
{
	int up[2], down[2];
	struct target t = { .len = len };

	if (pipe(up) || pipe(down))
		die("pipe");
	t.pid = fork();
	if (t.pid < 0)
		die("fork");
	if (!t.pid) {
		unsigned long i;
		char *p;

		close(up[0]);
		close(down[1]);
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			_exit(1);
		madvise(p, len, MADV_NOHUGEPAGE);
		for (i = 0; i < len; i += PG)
			p[i] = (char)(i >> 12) | 1;
		t.base = (unsigned long)p;
		if (write(up[1], &t.base, sizeof(t.base)) != sizeof(t.base))
			_exit(1);
		target_wait_and_exit(down[0]);
	}
	close(up[1]);
	close(down[0]);
	if (read(up[0], &t.base, sizeof(t.base)) != sizeof(t.base))
		die("dense target did not start");
	close(up[0]);
	t.ctl = down[1];
	return t;
}

/*
 * A PROT_NONE MAP_NORESERVE reservation of @len with @touched pages
 * committed (mprotect RW, then written) at evenly spread addresses: the
 * reserve/commit pattern of JIT heaps and sandboxes.  Each committed page
 * splits the VMA, so the reservation ends as 2 * @touched + 1 VMAs.
 */
static struct target spawn_sparse(unsigned long len, unsigned long touched)
{
	int up[2], down[2];
	struct target t = { .len = len };

	if (pipe(up) || pipe(down))
		die("pipe");
	t.pid = fork();
	if (t.pid < 0)
		die("fork");
	if (!t.pid) {
		unsigned long i, stride = (len / touched) & ~(PG - 1);
		char *p;

		close(up[0]);
		close(down[1]);
		p = mmap(NULL, len, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			_exit(1);
		for (i = 0; i < touched; i++) {
			char *q = p + i * stride + stride / 2;

			q = (char *)((unsigned long)q & ~(PG - 1));
			if (mprotect(q, PG, PROT_READ | PROT_WRITE))
				_exit(2);
			*q = 1;
		}
		t.base = (unsigned long)p;
		if (write(up[1], &t.base, sizeof(t.base)) != sizeof(t.base))
			_exit(1);
		target_wait_and_exit(down[0]);
	}
	close(up[1]);
	close(down[0]);
	if (read(up[0], &t.base, sizeof(t.base)) != sizeof(t.base))
		die("sparse target did not start");
	close(up[0]);
	t.ctl = down[1];
	return t;
}

static void target_end(struct target *t)
{
	close(t->ctl);
	waitpid(t->pid, NULL, 0);
	t->pid = 0;
}

/* ---- reading files the way a tool does: open, read all, close ---- */

static char *rdbuf;
#define RDBUF (4 * MIB)

static long read_file(const char *path)
{
	long total = 0, n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((n = read(fd, rdbuf, RDBUF)) > 0)
		total += n;
	close(fd);
	return total;
}

/* ---- row 1: summary ---- */

static uint64_t smaps_rss_kb(pid_t pid)
{
	char path[64], *s;
	long n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, rdbuf, RDBUF - 1);
	close(fd);
	if (n <= 0)
		return 0;
	rdbuf[n] = 0;
	s = strstr(rdbuf, "\nRss:");
	return s ? strtoull(s + 5, NULL, 10) : 0;
}

static void bench_summary(struct target *t)
{
	double a[1024], b[1024];
	struct mmscope_mm_summary s;
	char path[64], work[80];
	struct row *r;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", t->pid);
	for (i = -1; i < reps; i++) {
		uint64_t t0, t1, t2;

		memset(&s, 0, sizeof(s));
		s.size = sizeof(s);
		s.pid = t->pid;
		t0 = now_ns();
		if (ioctl(mfd, MMSCOPE_IOC_MM_SUMMARY, &s))
			die("MM_SUMMARY");
		t1 = now_ns();
		if (read_file(path) <= 0)
			die("read %s", path);
		t2 = now_ns();
		if (i >= 0) {
			a[i] = (t1 - t0) / 1e3;
			b[i] = (t2 - t1) / 1e3;
		}
	}
	snprintf(work, sizeof(work), "RSS summary, %lu MiB anon: MM_SUMMARY vs smaps_rollup",
		 t->len / MIB);
	r = add_row("1", work);
	r->mm = stats(a, reps);
	r->peer = stats(b, reps);
	r->has_mm = r->has_peer = 1;
	ratio_goal(r, r->mm.med / r->peer.med, "<= 0.5x", r->mm.med / r->peer.med <= 0.5);
	row_note(r, "Rss %" PRIu64 " kB (smaps_rollup %" PRIu64 " kB), %" PRIu64
		 " PTE tables; smaps_rollup opened+read+closed each time",
		 (uint64_t)s.rss >> 10, smaps_rss_kb(t->pid), (uint64_t)s.pt_tables[0]);
	print_row(r);
}

/* ---- rows 2 and 4: per-page records ---- */

static struct mmscope_pt_rec *recs;
static size_t recs_len;

/* One PT_WALK pass over [start, end), resuming until done; returns records. */
static uint64_t pt_walk_all(pid_t pid, unsigned long start, unsigned long end,
			    unsigned int flags, uint64_t *tables, uint64_t *calls,
			    uint64_t *pages_present)
{
	struct mmscope_pt_walk w;
	uint64_t n = 0, tb = 0, c = 0, pp = 0, i;

	while (start < end) {
		memset(&w, 0, sizeof(w));
		w.size = sizeof(w);
		w.flags = flags;
		w.pid = pid;
		w.rec_size = sizeof(*recs);
		w.start = start;
		w.end = end;
		w.buf = (unsigned long)recs;
		w.buf_len = recs_len;
		if (ioctl(mfd, MMSCOPE_IOC_PT_WALK, &w))
			die("PT_WALK");
		c++;
		n += w.nr_recs;
		tb += w.tables;
		if (pages_present)
			for (i = 0; i < w.nr_recs; i++)
				if (recs[i].type == MMSCOPE_ENTRY_PRESENT)
					pp += recs[i].nr_pages;
		start = w.walk_end;
	}
	if (tables)
		*tables = tb;
	if (calls)
		*calls = c;
	if (pages_present)
		*pages_present = pp;
	return n;
}

static uint64_t *pmbuf;
static size_t pmbuf_len;

/* pread pagemap for [start, end) in pmbuf_len pieces; returns present pages. */
static uint64_t pagemap_pass(int fd, unsigned long start, unsigned long end,
			     int count, uint64_t *calls)
{
	uint64_t present = 0, c = 0;
	unsigned long a = start;

	while (a < end) {
		size_t want = (end - a) / PG * 8, i;
		ssize_t n;

		if (want > pmbuf_len)
			want = pmbuf_len;
		n = pread(fd, pmbuf, want, a / PG * 8);
		if (n <= 0)
			die("pread pagemap");
		c++;
		if (count)
			for (i = 0; i < (size_t)n / 8; i++)
				present += pmbuf[i] >> 63;
		a += n / 8 * PG;
	}
	if (calls)
		*calls = c;
	return present;
}

static void bench_records(struct target *t, int levels)
{
	unsigned long pages = t->len / PG;
	double a[1024], b[1024], c[1024];
	uint64_t tables = 0, calls = 0, present = 0, pm_present, n = 0, pm_calls;
	char path[64], work[80];
	struct row *r;
	int fd, i, have_scan = 1;
	struct page_region *vec;
	size_t vec_n = 1 << 16;
	uint64_t scan_regions = 0;

	recs_len = (pages + 16) * sizeof(*recs);
	recs = mmap(NULL, recs_len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	pmbuf_len = pages * 8;
	pmbuf = mmap(NULL, pmbuf_len, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	vec = mmap(NULL, vec_n * sizeof(*vec), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (recs == MAP_FAILED || pmbuf == MAP_FAILED || vec == MAP_FAILED)
		die("mmap buffers");
	snprintf(path, sizeof(path), "/proc/%d/pagemap", t->pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		die("open %s", path);

	/* Row 2: one record per page, both ways. */
	for (i = -1; i < reps; i++) {
		uint64_t t0, t1, t2;

		t0 = now_ns();
		n = pt_walk_all(t->pid, t->base, t->base + t->len, 0, &tables, &calls, NULL);
		t1 = now_ns();
		pagemap_pass(fd, t->base, t->base + t->len, 0, &pm_calls);
		t2 = now_ns();
		if (i >= 0) {
			a[i] = (t1 - t0) / 1e3;
			b[i] = (t2 - t1) / 1e3;
		}
	}
	pt_walk_all(t->pid, t->base, t->base + t->len, 0, NULL, NULL, &present);
	pm_present = pagemap_pass(fd, t->base, t->base + t->len, 1, NULL);
	snprintf(work, sizeof(work), "per-page records, %lu MiB: PT_WALK vs pread pagemap",
		 t->len / MIB);
	r = add_row("2", work);
	r->mm = stats(a, reps);
	r->peer = stats(b, reps);
	r->has_mm = r->has_peer = 1;
	ratio_goal(r, r->mm.med / r->peer.med, "<= 1.0x", r->mm.med / r->peer.med <= 1.0);
	row_note(r, "%" PRIu64 " recs x %zu B = %.1f MiB in %" PRIu64 " ioctl, %" PRIu64
		 " tables; pagemap %.1f MiB in %" PRIu64 " pread; present %" PRIu64 "/%" PRIu64,
		 n, sizeof(*recs), n * sizeof(*recs) / (double)MIB, calls, tables,
		 pages * 8 / (double)MIB, pm_calls, present, pm_present);
	print_row(r);

	/* Row 2c: one dense 8-byte entry per page (MMSCOPE_WALK_DENSE), both ways. */
	{
		uint64_t *dense = (uint64_t *)recs;	/* recs holds 56 B a page: room */
		uint64_t dpresent = 0;
		unsigned long k;
		int ok = 1;

		for (i = -1; i < reps && ok; i++) {
			struct mmscope_pt_walk w = {
				.size = sizeof(w), .flags = MMSCOPE_WALK_DENSE, .pid = t->pid,
				.rec_size = MMSCOPE_PT_DENSE_SIZE, .start = t->base,
				.end = t->base + t->len, .buf = (unsigned long)dense,
				.buf_len = pages * 8,
			};
			uint64_t t0, t1, t2;

			t0 = now_ns();
			if (ioctl(mfd, MMSCOPE_IOC_PT_WALK, &w) || w.nr_recs != pages)
				ok = 0;
			t1 = now_ns();
			pagemap_pass(fd, t->base, t->base + t->len, 0, &pm_calls);
			t2 = now_ns();
			if (i >= 0) {
				a[i] = (t1 - t0) / 1e3;
				b[i] = (t2 - t1) / 1e3;
			}
		}
		for (k = 0; ok && k < pages; k++)
			dpresent += MMSCOPE_DENSE_TYPE(dense[k]) == MMSCOPE_ENTRY_PRESENT;
		snprintf(work, sizeof(work), "per-page dense entries, %lu MiB: PT_WALK DENSE vs pread pagemap",
			 t->len / MIB);
		r = add_row("2c", work);
		if (ok) {
			r->mm = stats(a, reps);
			r->peer = stats(b, reps);
			r->has_mm = r->has_peer = 1;
			ratio_goal(r, r->mm.med / r->peer.med, "<= 1.0x", r->mm.med / r->peer.med <= 1.0);
			row_note(r, "%lu entries x 8 B = %.1f MiB in one ioctl; present %" PRIu64 "/%" PRIu64,
				 pages, pages * 8 / (double)MIB, dpresent, pm_present);
		} else {
			row_note(r, "PT_WALK DENSE failed: %s", strerror(errno));
		}
		print_row(r);
	}

	/* Row 2b: runs of equal leaves vs PAGEMAP_SCAN's regions (6.7+). */
	for (i = -1; i < reps; i++) {
		struct pm_scan_arg sa;
		uint64_t t0, t1, t2;
		long ret;

		t0 = now_ns();
		n = pt_walk_all(t->pid, t->base, t->base + t->len, MMSCOPE_WALK_RUNS,
				&tables, &calls, NULL);
		t1 = now_ns();
		if (have_scan) {
			memset(&sa, 0, sizeof(sa));
			sa.size = sizeof(sa);
			sa.start = t->base;
			sa.end = t->base + t->len;
			sa.vec = (unsigned long)vec;
			sa.vec_len = vec_n;
			sa.return_mask = PAGE_IS_FILE | PAGE_IS_PRESENT | PAGE_IS_SWAPPED |
					 PAGE_IS_PFNZERO | PAGE_IS_HUGE | PAGE_IS_SOFT_DIRTY;
			ret = ioctl(fd, PAGEMAP_SCAN, &sa);
			if (ret < 0) {
				have_scan = 0;
				scan_regions = errno;
			} else {
				scan_regions = ret;
			}
		}
		t2 = now_ns();
		if (i >= 0) {
			a[i] = (t1 - t0) / 1e3;
			c[i] = (t2 - t1) / 1e3;
		}
	}
	snprintf(work, sizeof(work), "runs, %lu MiB: PT_WALK RUNS vs PAGEMAP_SCAN", t->len / MIB);
	r = add_row("2b", work);
	r->mm = stats(a, reps);
	r->has_mm = 1;
	if (have_scan) {
		r->peer = stats(c, reps);
		r->has_peer = 1;
		ratio_goal(r, r->mm.med / r->peer.med, "<= 1.0x", r->mm.med / r->peer.med <= 1.0);
		row_note(r, "%" PRIu64 " runs, PAGEMAP_SCAN %" PRIu64 " regions", n, scan_regions);
	} else {
		snprintf(r->goal, sizeof(r->goal), "<= 1.0x");
		row_note(r, "%" PRIu64 " runs; PAGEMAP_SCAN not in this kernel (errno %" PRIu64 "): no peer",
			 n, scan_regions);
	}
	print_row(r);

	/* Row 4: scaling over 1x, 4x, 16x of the same populated range. */
	{
		static const unsigned long div[] = { 16, 4, 1 };
		static const char *const id[] = { "4a", "4b", "4c" };
		double per_page[3];
		int k;

		for (k = 0; k < 3; k++) {
			unsigned long len = t->len / div[k];
			struct row *rr;
			char work[80];

			for (i = -1; i < reps; i++) {
				uint64_t t0 = now_ns();

				n = pt_walk_all(t->pid, t->base, t->base + len, 0,
						&tables, &calls, NULL);
				if (i >= 0)
					a[i] = (now_ns() - t0) / 1e3;
			}
			snprintf(work, sizeof(work), "scaling: PT_WALK %lu MiB (%lux)",
				 len / MIB, 16 / div[k]);
			rr = add_row(id[k], work);
			rr->mm = stats(a, reps);
			rr->has_mm = 1;
			per_page[k] = rr->mm.med * 1e3 / (len / PG);
			ratio_goal(rr, per_page[k] / per_page[0], "per page within 10% of 1x",
				   per_page[k] / per_page[0] <= 1.10 &&
				   per_page[k] / per_page[0] >= 0.90);
			row_note(rr, "%.1f ns/page, %" PRIu64 " recs, %" PRIu64 " tables, %" PRIu64
				 " ioctl; ratio = ns/page vs 1x", per_page[k], n, tables, calls);
			print_row(rr);
		}
	}
	close(fd);
	munmap(pmbuf, pmbuf_len);
	munmap(vec, vec_n * sizeof(*vec));
}

/* ---- row 3: a sparse 64 TiB reservation ---- */

static void bench_sparse(int levels)
{
	const unsigned long len = 64 * TIB, touched = 1000;
	/* pagemap over 64 TiB = 16 Gi entries = 128 GiB of output: sample. */
	const unsigned long windows = 64, win = 1 * GIB;
	double a[1024], b[1024];
	uint64_t n = 0, tables = 0, calls = 0, present = 0, pm_calls = 0, pm_present = 0;
	struct target t;
	char path[64];
	struct row *r;
	int fd, i;

	t = spawn_sparse(len, touched);
	recs_len = 4096 * sizeof(*recs);
	recs = mmap(NULL, recs_len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	pmbuf_len = 8 * MIB;	/* 1 Mi entries = 4 GiB of address per pread */
	pmbuf = mmap(NULL, pmbuf_len, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (recs == MAP_FAILED || pmbuf == MAP_FAILED)
		die("mmap buffers");
	snprintf(path, sizeof(path), "/proc/%d/pagemap", t.pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		die("open %s", path);

	for (i = -1; i < reps; i++) {
		uint64_t t0, t1, t2, c = 0;
		unsigned long w;

		t0 = now_ns();
		n = pt_walk_all(t.pid, t.base, t.base + len, 0, &tables, &calls, NULL);
		t1 = now_ns();
		pm_calls = 0;
		for (w = 0; w < windows; w++) {
			unsigned long s = t.base + w * (len / windows);

			pagemap_pass(fd, s, s + win, 0, &c);
			pm_calls += c;
		}
		t2 = now_ns();
		if (i >= 0) {
			a[i] = (t1 - t0) / 1e3;
			b[i] = (t2 - t1) / 1e3 * (double)len / (windows * win);
		}
	}
	pt_walk_all(t.pid, t.base, t.base + len, 0, NULL, NULL, &present);
	/* Every touched page must also be present to pagemap (spot check). */
	{
		unsigned long stride = (len / touched) & ~(PG - 1), k;

		for (k = 0; k < touched; k++) {
			unsigned long q = (t.base + k * stride + stride / 2) & ~(PG - 1);
			uint64_t e;

			if (pread(fd, &e, 8, q / PG * 8) == 8)
				pm_present += e >> 63;
		}
	}
	r = add_row("3", "sparse 64 TiB PROT_NONE, 1000 pages: PT_WALK vs pagemap");
	r->mm = stats(a, reps);
	r->peer = stats(b, reps);
	r->has_mm = r->has_peer = 1;
	ratio_goal(r, r->mm.med / r->peer.med, ">= 100x faster (<= 0.01x)",
		   r->mm.med / r->peer.med <= 0.01);
	row_note(r, "pagemap EXTRAPOLATED x%lu from %lu windows of %lu GiB spread over the range"
		 " (%" PRIu64 " preads of 8 MiB; full pass = 16 Gi entries = 128 GiB); PT_WALK: %"
		 PRIu64 " recs, %" PRIu64 " tables, %" PRIu64 " ioctl, present %" PRIu64
		 ", pagemap present %" PRIu64 "; %lu VMAs (mprotect commits)",
		 len / (windows * win), windows, win / GIB, pm_calls, n, tables, calls,
		 present, pm_present, 2 * touched + 1);
	print_row(r);
	close(fd);
	munmap(recs, recs_len);
	munmap(pmbuf, pmbuf_len);
	target_end(&t);
}

/* ---- rows 6 and 7: physical snapshot ---- */

static void *zbuf, *bbuf, *lbuf, *sbuf;
static size_t zlen, blen, llen, slen;

static int64_t phys_try(unsigned long cmd, unsigned int rec_size, void *buf, size_t len)
{
	struct mmscope_phys_snap s = { .size = sizeof(s), .rec_size = rec_size,
				       .buf = (unsigned long)buf, .buf_len = len };

	if (ioctl(mfd, cmd, &s))
		return -errno;
	return s.nr_total;
}

static uint64_t phys(unsigned long cmd, unsigned int rec_size, void *buf, size_t len)
{
	int64_t n = phys_try(cmd, rec_size, buf, len);

	if (n < 0) {
		errno = -n;
		die("PHYS ioctl %lx", cmd);
	}
	return n;
}

#ifdef MMSCOPE_IOC_PHYS_SLAB
#define SLAB_REC_SIZE	sizeof(struct mmscope_slab_rec)
#else
#define MMSCOPE_IOC_PHYS_SLAB	0
#define SLAB_REC_SIZE	448
#endif

static void phys_setup(void)
{
	zlen = (phys(MMSCOPE_IOC_PHYS_ZONES, sizeof(struct mmscope_zone_rec), NULL, 0) + 8) *
	       sizeof(struct mmscope_zone_rec);
	blen = (phys(MMSCOPE_IOC_PHYS_BUDDY, sizeof(struct mmscope_buddy_rec), NULL, 0) + 8) *
	       sizeof(struct mmscope_buddy_rec);
	llen = (phys(MMSCOPE_IOC_PHYS_LRU, sizeof(struct mmscope_lru_rec), NULL, 0) + 64) *
	       sizeof(struct mmscope_lru_rec);
	zbuf = calloc(1, zlen);
	bbuf = calloc(1, blen);
	lbuf = calloc(1, llen);
	if (!zbuf || !bbuf || !lbuf)
		die("calloc");
	if (have_slab) {
		int64_t n = phys_try(MMSCOPE_IOC_PHYS_SLAB, SLAB_REC_SIZE, NULL, 0);

		if (n < 0) {
			printf("bench: PHYS_SLAB unavailable (errno %d): slab left out\n", (int)-n);
			have_slab = 0;
			return;
		}
		slen = (n + 64) * SLAB_REC_SIZE;
		sbuf = calloc(1, slen);
		if (!sbuf)
			die("calloc");
	}
}

static uint64_t snap_part[4];

/* zones + buddy + lru, and slab when @slab and the module has it. */
static void phys_snapshot(int slab)
{
	uint64_t t0 = now_ns(), t1, t2, t3;

	phys(MMSCOPE_IOC_PHYS_ZONES, sizeof(struct mmscope_zone_rec), zbuf, zlen);
	t1 = now_ns();
	phys(MMSCOPE_IOC_PHYS_BUDDY, sizeof(struct mmscope_buddy_rec), bbuf, blen);
	t2 = now_ns();
	phys(MMSCOPE_IOC_PHYS_LRU, sizeof(struct mmscope_lru_rec), lbuf, llen);
	t3 = now_ns();
	snap_part[0] += t1 - t0;
	snap_part[1] += t2 - t1;
	snap_part[2] += t3 - t2;
	if (slab && have_slab) {
		phys(MMSCOPE_IOC_PHYS_SLAB, SLAB_REC_SIZE, sbuf, slen);
		snap_part[3] += now_ns() - t3;
	}
}

static const char *const proc_files[] = {
	"/proc/zoneinfo", "/proc/pagetypeinfo", "/proc/vmstat", "/proc/slabinfo",
};

static uint64_t file_part[4], file_bytes[4];

static void proc_snapshot(int nfiles)
{
	int k;

	for (k = 0; k < nfiles; k++) {
		uint64_t t0 = now_ns();
		long n = read_file(proc_files[k]);

		file_part[k] += now_ns() - t0;
		file_bytes[k] = n > 0 ? n : 0;
	}
}

static void bench_phys(void)
{
	double a[1024], b[1024], c[1024], d[1024];
	uint64_t nz, nb, nl, ns = 0;
	struct row *r;
	int i;

	phys_setup();
	nz = phys(MMSCOPE_IOC_PHYS_ZONES, sizeof(struct mmscope_zone_rec), NULL, 0);
	nb = phys(MMSCOPE_IOC_PHYS_BUDDY, sizeof(struct mmscope_buddy_rec), NULL, 0);
	nl = phys(MMSCOPE_IOC_PHYS_LRU, sizeof(struct mmscope_lru_rec), NULL, 0);
	if (have_slab)
		ns = phys(MMSCOPE_IOC_PHYS_SLAB, SLAB_REC_SIZE, NULL, 0);
	for (i = -1; i < reps; i++) {
		uint64_t t0, t1, t2, t3, t4;

		if (i == 0) {
			memset(snap_part, 0, sizeof(snap_part));
			memset(file_part, 0, sizeof(file_part));
		}
		t0 = now_ns();
		phys_snapshot(1);
		t1 = now_ns();
		proc_snapshot(4);
		t2 = now_ns();
		phys_snapshot(0);
		t3 = now_ns();
		proc_snapshot(3);
		t4 = now_ns();
		if (i >= 0) {
			a[i] = (t1 - t0) / 1e3;
			b[i] = (t2 - t1) / 1e3;
			c[i] = (t3 - t2) / 1e3;
			d[i] = (t4 - t3) / 1e3;
		}
	}
	r = add_row("6", have_slab ? "phys snapshot: ZONES+BUDDY+LRU+SLAB vs 4 /proc files"
				   : "phys snapshot: ZONES+BUDDY+LRU (no slab) vs 4 /proc files");
	r->mm = stats(a, reps);
	r->peer = stats(b, reps);
	r->has_mm = r->has_peer = 1;
	ratio_goal(r, r->mm.med / r->peer.med, "<= 1.0x", r->mm.med / r->peer.med <= 1.0);
	row_note(r, "files: zoneinfo pagetypeinfo vmstat slabinfo%s; recs zones %" PRIu64
		 " buddy %" PRIu64 " lru %" PRIu64 " slab %" PRIu64
		 "; mean us zones %.0f buddy %.0f lru %.0f slab %.0f;"
		 " files mean us (bytes) zoneinfo %.0f (%" PRIu64 ") pagetypeinfo %.0f (%" PRIu64
		 ") vmstat %.0f (%" PRIu64 ") slabinfo %.0f (%" PRIu64 ")",
		 have_slab ? "" : " (PHYS_SLAB unavailable: mmscope side lacks slab)",
		 nz, nb, nl, ns, snap_part[0] / 1e3 / (2 * reps), snap_part[1] / 1e3 / (2 * reps),
		 snap_part[2] / 1e3 / (2 * reps), snap_part[3] / 1e3 / reps,
		 file_part[0] / 1e3 / (2 * reps), file_bytes[0],
		 file_part[1] / 1e3 / (2 * reps), file_bytes[1],
		 file_part[2] / 1e3 / (2 * reps), file_bytes[2],
		 file_part[3] / 1e3 / reps, file_bytes[3]);
	print_row(r);
	r = add_row("6b", "phys snapshot without slab: ZONES+BUDDY+LRU vs zoneinfo+pagetypeinfo+vmstat");
	r->mm = stats(c, reps);
	r->peer = stats(d, reps);
	r->has_mm = r->has_peer = 1;
	ratio_goal(r, r->mm.med / r->peer.med, "<= 1.0x", r->mm.med / r->peer.med <= 1.0);
	print_row(r);
}

/* A child that keeps allocating, touching and freeing memory. */
static pid_t spawn_hungry(unsigned long len)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (!pid) {
		for (;;) {
			char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			unsigned long i;

			if (p == MAP_FAILED)
				_exit(1);
			madvise(p, len, MADV_NOHUGEPAGE);
			for (i = 0; i < len; i += PG)
				p[i] = 1;
			munmap(p, len);
		}
	}
	return pid;
}

static void bench_locks(void)
{
	struct mmscope_phys_stat_rec st[MMSCOPE_VIEW_NR];
	static const char *const vname[] = { "zones", "buddy", "lru", "slab", "pageblocks", "?" };
	double a[1024], worst_last[MMSCOPE_VIEW_NR] = { 0 };
	int nv = MMSCOPE_VIEW_NR;
	uint64_t worst_last_entries[MMSCOPE_VIEW_NR] = { 0 };
	pid_t hungry;
	struct row *r;
	int i, v;

	hungry = spawn_hungry(256 * MIB);
	usleep(300000);
	for (i = -1; i < reps; i++) {
		uint64_t t0 = now_ns();

		phys_snapshot(1);
		if (i >= 0)
			a[i] = (now_ns() - t0) / 1e3;
		phys(MMSCOPE_IOC_PHYS_STATS, sizeof(st[0]), st, sizeof(st));
		for (v = 0; v < MMSCOPE_VIEW_NR; v++) {
			if (st[v].last_hold_ns / 1e3 > worst_last[v]) {
				worst_last[v] = st[v].last_hold_ns / 1e3;
				worst_last_entries[v] = st[v].last_hold_entries;
			}
		}
	}
	kill(hungry, SIGKILL);
	waitpid(hungry, NULL, 0);
	phys(MMSCOPE_IOC_PHYS_STATS, sizeof(st[0]), st, sizeof(st));
	r = add_row("7", "lock holds during 6, a 256 MiB alloc/touch/free loop running");
	r->mm = stats(a, reps);
	r->has_mm = 1;
	snprintf(r->goal, sizeof(r->goal), "reported");
	for (v = 0; v < nv; v++)
		row_note(r, "%s: worst hold in these passes %.1f us (%" PRIu64
			 " entries), since load %.1f us (%" PRIu64 " entries), %" PRIu64
			 " holds/%" PRIu64 " reads; ", vname[v], worst_last[v],
			 worst_last_entries[v], st[v].worst_hold_ns / 1e3,
			 (uint64_t)st[v].worst_hold_entries, (uint64_t)st[v].holds,
			 (uint64_t)st[v].reads);
	row_note(r, "mm column = snapshot time under load");
	print_row(r);
}

/* ---- row 5: the fault loop ---- */

#define FL_PAGES	256	/* 1 MiB per mapping */
#define FL_ITERS	64	/* 16 Ki faults per measurement */

/* Child: each 'g' on @in runs the loop once and writes its ns to @out. */
static pid_t spawn_faulter(int *cmd_fd, int *res_fd)
{
	int in[2], out[2];
	pid_t pid;

	if (pipe(in) || pipe(out))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		char c;

		close(in[1]);
		close(out[0]);
		pin_cpu(1);
		while (read(in[0], &c, 1) == 1 && c == 'g') {
			uint64_t t0 = now_ns(), dt;
			int it, k;

			for (it = 0; it < FL_ITERS; it++) {
				char *p = mmap(NULL, FL_PAGES * PG, PROT_READ | PROT_WRITE,
					       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

				if (p == MAP_FAILED)
					_exit(1);
				madvise(p, FL_PAGES * PG, MADV_NOHUGEPAGE);
				for (k = 0; k < FL_PAGES; k++)
					p[k * PG] = 1;
				munmap(p, FL_PAGES * PG);
			}
			dt = now_ns() - t0;
			if (write(out[1], &dt, sizeof(dt)) != sizeof(dt))
				_exit(1);
		}
		_exit(0);
	}
	close(in[0]);
	close(out[1]);
	*cmd_fd = in[1];
	*res_fd = out[0];
	return pid;
}

static double fault_run(int cmd_fd, int res_fd)
{
	uint64_t dt;

	if (write(cmd_fd, "g", 1) != 1 || read(res_fd, &dt, sizeof(dt)) != sizeof(dt))
		die("fault child");
	return dt / 1e3;
}

struct streamer {
	pthread_t th;
	pid_t pid;
	__u32 watermark;	/* 0: none (every record wakes the reader) */
	volatile int stop, ready;
	uint64_t records, dropped;
};

static void *stream_main(void *arg)
{
	struct streamer *s = arg;
	struct mmscope_fault_stream fs = { .size = sizeof(fs), .pid = s->pid,
					   .ring_records = 65536 };

	if (s->watermark) {
		fs.flags = MMSCOPE_STREAM_WATERMARK;
		fs.watermark = s->watermark;
	}
	static struct mmscope_fault_event ev[4096];
	int fd;

	pin_cpu(0);
	fd = open("/dev/mmscope", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, MMSCOPE_IOC_FAULT_STREAM, &fs))
		die("FAULT_STREAM");
	s->ready = 1;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		poll(&p, 1, 5);
		while ((n = read(fd, ev, sizeof(ev))) > 0)
			s->records += n / sizeof(ev[0]);
		if (s->stop)
			break;
	}
	ioctl(fd, MMSCOPE_IOC_FAULT_STREAM, &fs);
	s->dropped = fs.dropped;
	close(fd);
	return NULL;
}

/* One fault run with @s reading the child's stream beside it. */
static double streamed_run(struct streamer *s, int cmd_fd, int res_fd)
{
	double t;

	if (pthread_create(&s->th, NULL, stream_main, s))
		die("pthread_create");
	while (!s->ready)
		usleep(1000);
	t = fault_run(cmd_fd, res_fd);
	usleep(20000);
	s->stop = 1;
	pthread_join(s->th, NULL);
	return t;
}

static void bench_faults(void)
{
	enum { NOMOD, IDLE, ARMED, TRACKED, STREAM, STREAM_WM, NPH };
	static const char *const name[NPH] = {
		"no module", "loaded, nothing tracked", "loaded, another process tracked",
		"tracked", "tracked + FAULT_STREAM reader",
		"tracked + FAULT_STREAM reader, watermark 1024",
	};
	/* the floors: empty probes on handle_mm_fault() (mmscope_floor.ko) */
	enum { FL_KRET, FL_DECLINE, FL_FPROBE, NFL };
	static const char *const fl_mode[NFL] = { "kretprobe", "decline", "fprobe" };
	static const char *const fl_id[NFL] = { "5g", "5h", "5i" };
	static const char *const fl_work[NFL] = {
		"fault loop: floor, kretprobe with empty handlers",
		"fault loop: floor, kretprobe whose entry declines",
		"fault loop: floor, fprobe with empty handlers",
	};
	double ft[NFL][1024];
	int fl_err[NFL] = { 0 };
	double t[NPH][1024], bt[1024], nomod2[1024];
	uint64_t tracked_total = 0, stream_rec = 0, stream_drop = 0, stream_wm_rec = 0;
	int cmd_fd, res_fd, i, p;
	pid_t child, other;
	struct st base;
	char bpf_out[2048] = "";
	int bpf_ok = 0;

	pin_cpu(0);
	child = spawn_faulter(&cmd_fd, &res_fd);
	other = fork();		/* a sleeping process to track in ARMED */
	if (!other) {
		close(cmd_fd);	/* the faulter must see EOF when we close ours */
		close(res_fd);
		pause();
		_exit(0);
	}
	fault_run(cmd_fd, res_fd);	/* warm-up */

	for (i = 0; i < reps; i++) {
		struct mmscope_fault_stats fst;
		struct streamer s = { .pid = child }, sw = { .pid = child, .watermark = 1024 };

		t[NOMOD][i] = fault_run(cmd_fd, res_fd);
		module_load();
		t[IDLE][i] = fault_run(cmd_fd, res_fd);
		track(other, 0);
		t[ARMED][i] = fault_run(cmd_fd, res_fd);
		track(child, 0);
		t[TRACKED][i] = fault_run(cmd_fd, res_fd);
		memset(&fst, 0, sizeof(fst));
		fst.size = sizeof(fst);
		fst.pid = child;
		if (ioctl(mfd, MMSCOPE_IOC_FAULT_STATS, &fst))
			die("FAULT_STATS");
		tracked_total = fst.total;
		t[STREAM][i] = streamed_run(&s, cmd_fd, res_fd);
		stream_rec = s.records;
		stream_drop = s.dropped;
		t[STREAM_WM][i] = streamed_run(&sw, cmd_fd, res_fd);
		stream_wm_rec = sw.records;
		track(child, 1);
		track(other, 1);
		module_unload();
		for (p = 0; floor_path && p < NFL; p++) {
			if (fl_err[p])
				continue;
			fl_err[p] = floor_load(fl_mode[p]);
			if (fl_err[p])
				continue;
			ft[p][i] = fault_run(cmd_fd, res_fd);
			ko_unload("mmscope_floor");
		}
	}

	/* bpftrace, module unloaded, on the same child. */
	{
		char prog[256], pidbuf[16], line[512];
		int pfd[2];
		pid_t bp;
		FILE *f;
		uint64_t t0 = now_ns();

		snprintf(prog, sizeof(prog),
			 "kretprobe:handle_mm_fault /pid == %d/ { @[retval] = count(); } "
			 "tracepoint:syscalls:sys_enter_getpgid /pid == %d/ { exit(); }",
			 child, getpid());
		snprintf(pidbuf, sizeof(pidbuf), "%d", child);
		if (pipe(pfd))
			die("pipe");
		bp = fork();
		if (!bp) {
			dup2(pfd[1], 1);
			dup2(pfd[1], 2);
			close(pfd[0]);
			execlp("bpftrace", "bpftrace", "-e", prog, (char *)NULL);
			_exit(127);
		}
		close(pfd[1]);
		f = fdopen(pfd[0], "r");
		while (fgets(line, sizeof(line), f)) {
			if (strstr(line, "Attaching")) {
				bpf_ok = 1;
				break;
			}
		}
		/* "Attaching" comes before the attach ends: give it a second. */
		sleep(1);
		printf("bench: bpftrace attached after %.1f s\n", (now_ns() - t0) / 1e9);
		if (bpf_ok) {
			double w = fault_run(cmd_fd, res_fd);	/* warm-up with the probe */

			printf("bench: bpftrace warm-up run %.0f us\n", w);
			for (i = 0; i < reps; i++)
				bt[i] = fault_run(cmd_fd, res_fd);
		}
		printf("bench: bpftrace runs done, stopping it\n");
		/*
		 * The marker probe ends bpftrace, which then prints its map;
		 * SIGINT, then SIGKILL, if it does not.  Raw reads with a time
		 * limit: the bench never waits on bpftrace forever.
		 */
		{
			struct pollfd pf = { .fd = pfd[0], .events = POLLIN };
			size_t used = 0;
			int k, eof = 0;
			char raw[4096];

			for (k = 0; k < 60 && !eof; k++) {
				ssize_t n;

				if (k < 10)
					getpgid(0);
				else if (k == 10)
					kill(bp, SIGINT);
				else if (k == 40) {
					char cmd[160];

					printf("bench: bpftrace does not stop; its state:\n");
					snprintf(cmd, sizeof(cmd), "grep State /proc/%d/status; cat /proc/%d/stack "
						 "/proc/%d/wchan; echo", bp, bp, bp);
					if (system(cmd)) {
						/* diagnostics only */
					}
					kill(bp, SIGKILL);
				}
				if (poll(&pf, 1, 500) <= 0)
					continue;
				n = read(pfd[0], raw, sizeof(raw) - 1);
				if (n <= 0) {
					eof = 1;
					break;
				}
				raw[n] = 0;
				for (char *q = raw; *q && used + 3 < sizeof(bpf_out); q++)
					if (*q != '\n' || (used && bpf_out[used - 1] != ' '))
						bpf_out[used++] = *q == '\n' ? ' ' : *q;
				bpf_out[used] = 0;
			}
			printf("bench: bpftrace %s after %d polls\n", eof ? "ended" : "output did not end", k);
		}
		fclose(f);
		waitpid(bp, NULL, WNOHANG);
	}
	/* A second no-module block right after, to see drift across the run. */
	for (i = 0; i < reps; i++)
		nomod2[i] = fault_run(cmd_fd, res_fd);

	kill(other, SIGKILL);
	waitpid(other, NULL, 0);
	close(cmd_fd);
	close(res_fd);
	waitpid(child, NULL, 0);

	base = stats(t[NOMOD], reps);
	{
		struct row *r = add_row("5a", "fault loop: no module (baseline)");
		struct st n2 = stats(nomod2, reps);

		r->mm = base;
		r->has_mm = 1;
		row_note(r, "%d x (mmap 1 MiB, write %d pages, munmap) = %d faults per run; "
			 "same loop again after bpftrace: median %.1f us [%.1f-%.1f]",
			 FL_ITERS, FL_PAGES, FL_ITERS * FL_PAGES, n2.med, n2.min, n2.max);
		print_row(r);
	}
	for (p = IDLE; p < NPH; p++) {
		static const char *const id[NPH] = { "", "5b", "5c", "5d", "5e", "5j" };
		static double tracked_ov;
		double ov;
		struct row *r;
		char work[80];

		snprintf(work, sizeof(work), "fault loop: %s", name[p]);
		r = add_row(id[p], work);
		r->mm = stats(t[p], reps);
		r->peer = base;
		r->has_mm = r->has_peer = 1;
		ov = r->mm.med / base.med;
		if (p == IDLE || p == ARMED)
			ratio_goal(r, ov, "<= 1.01x (1%)", ov <= 1.01);
		else if (p == TRACKED)
			ratio_goal(r, ov, "<= 1.10x (10%)", ov <= 1.10);
		else
			ratio_goal(r, ov, "<= tracked + 5 points", ov <= tracked_ov + 0.05);
		if (p == TRACKED)
			tracked_ov = ov;
		row_note(r, "overhead %+.1f%%; interleaved with the baseline, same child; "
			 "by the fastest runs %+.1f%%", (ov - 1) * 100,
			 (r->mm.min / base.min - 1) * 100);
		if (p == TRACKED)
			row_note(r, "; FAULT_STATS total after the last run %" PRIu64, tracked_total);
		if (p == STREAM)
			row_note(r, "; last run: %" PRIu64 " records read, %" PRIu64 " dropped",
				 stream_rec, stream_drop);
		if (p == STREAM_WM)
			row_note(r, "; last run: %" PRIu64 " records read", stream_wm_rec);
		print_row(r);
	}
	for (p = 0; floor_path && p < NFL; p++) {
		struct row *r = add_row(fl_id[p], fl_work[p]);
		double ov;

		if (fl_err[p]) {
			row_note(r, "not available here: %s", strerror(-fl_err[p]));
			print_row(r);
			continue;
		}
		r->mm = stats(ft[p], reps);
		r->peer = base;
		r->has_mm = r->has_peer = 1;
		ov = r->mm.med / base.med;
		ratio_goal(r, ov, "floor (reported)", -1);
		row_note(r, "overhead %+.1f%%: the hook alone, no work; interleaved with the baseline",
			 (ov - 1) * 100);
		print_row(r);
	}
	{
		struct row *r = add_row("5f", "fault loop: bpftrace kretprobe handle_mm_fault");
		struct st tr = stats(t[TRACKED], reps);

		if (bpf_ok) {
			double ovb, ovt = tr.med / base.med - 1;

			r->mm = stats(bt, reps);
			r->peer = base;
			r->has_mm = r->has_peer = 1;
			ovb = r->mm.med / base.med - 1;
			ratio_goal(r, r->mm.med / base.med, "mmscope tracked < half its overhead",
				   ovt < ovb / 2);
			row_note(r, "bpftrace overhead %+.1f%%, mmscope tracked %+.1f%% (%.2f of bpftrace's); map: %s",
				 ovb * 100, ovt * 100, ovb > 0 ? ovt / ovb : 0.0, bpf_out);
		} else {
			row_note(r, "bpftrace did not attach: %s", bpf_out);
		}
		print_row(r);
	}
}

/*
 * -P OP: run one operation REPS times on the dense target and nothing else,
 * for "perf record" in the guest: summary, smaps, walk, runs, pagemap.
 */
static void profile(struct target *t)
{
	unsigned long pages = t->len / PG;
	char path[64];
	uint64_t t0 = now_ns();
	int i, fd;

	recs_len = (pages + 16) * sizeof(*recs);
	recs = mmap(NULL, recs_len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	pmbuf_len = pages * 8;
	pmbuf = mmap(NULL, pmbuf_len, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (recs == MAP_FAILED || pmbuf == MAP_FAILED)
		die("mmap buffers");
	snprintf(path, sizeof(path), "/proc/%d/pagemap", t->pid);
	fd = open(path, O_RDONLY);
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", t->pid);
	for (i = 0; i < reps; i++) {
		if (!strcmp(profile_op, "summary")) {
			struct mmscope_mm_summary sm = { .size = sizeof(sm), .pid = t->pid };

			if (ioctl(mfd, MMSCOPE_IOC_MM_SUMMARY, &sm))
				die("MM_SUMMARY");
		} else if (!strcmp(profile_op, "smaps")) {
			read_file(path);
		} else if (!strcmp(profile_op, "walk")) {
			pt_walk_all(t->pid, t->base, t->base + t->len, 0, NULL, NULL, NULL);
		} else if (!strcmp(profile_op, "runs")) {
			pt_walk_all(t->pid, t->base, t->base + t->len, MMSCOPE_WALK_RUNS,
				    NULL, NULL, NULL);
		} else if (!strcmp(profile_op, "pagemap")) {
			pagemap_pass(fd, t->base, t->base + t->len, 0, NULL);
		} else {
			die("unknown -P %s", profile_op);
		}
	}
	printf("bench: profile %s: %d x in %.3f s\n", profile_op, reps, (now_ns() - t0) / 1e9);
	close(fd);
}

/* ---- main ---- */

int main(int argc, char **argv)
{
	struct mmscope_api api = { .size = sizeof(api) };
	struct target dense;
	char meminfo[128] = "";
	int opt, levels;
	FILE *f;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "k:f:r:s:Fp:P:")) != -1) {
		switch (opt) {
		case 'f': floor_path = optarg; break;
		case 'F': only_faults = 1; break;
		case 'p': mod_params = optarg; break;
		case 'P': profile_op = optarg; break;
		case 'k': ko_path = optarg; break;
		case 'r': reps = atoi(optarg); break;
		case 's': target_mib = strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: %s -k mmscope.ko [-r reps] [-s target_mib]\n", argv[0]);
			return 2;
		}
	}
	if (!ko_path || reps < 3 || reps > 1000 || target_mib < 64 || target_mib % 16) {
		fprintf(stderr, "usage: %s -k mmscope.ko [-r reps>=3] [-s target_mib, multiple of 16]\n",
			argv[0]);
		return 2;
	}
	rdbuf = malloc(RDBUF);
	if (!rdbuf)
		die("malloc");
	f = fopen("/proc/meminfo", "r");
	if (f) {
		if (!fgets(meminfo, sizeof(meminfo), f))
			meminfo[0] = 0;
		meminfo[strcspn(meminfo, "\n")] = 0;
		fclose(f);
	}
	pin_cpu(0);

	module_load();
	if (ioctl(mfd, MMSCOPE_IOC_GET_API, &api))
		die("GET_API");
	have_slab = MMSCOPE_IOC_PHYS_SLAB && (api.ioctls & (1ULL << _IOC_NR(MMSCOPE_IOC_PHYS_SLAB)));
	levels = api.pgtable_levels;
	printf("bench: %d-level paging, %s, %ld CPUs, %d repetitions (+1 warm-up), target %lu MiB\n",
	       levels, meminfo, sysconf(_SC_NPROCESSORS_ONLN), reps, target_mib);
	printf("bench: only ratios from this run count: the guest runs under software "
	       "emulation on a shared host, which distorts absolute times\n");

	{
		uint64_t t0 = now_ns();

		dense = spawn_dense(target_mib * MIB);
		printf("bench: dense target pid %d: %lu MiB anon populated at %#lx (THP off) in %.1f s\n",
		       dense.pid, target_mib, dense.base, (now_ns() - t0) / 1e9);
	}
	if (profile_op) {
		profile(&dense);
		target_end(&dense);
		module_unload();
		printf("bench: done\n");
		return 0;
	}
	if (only_faults) {
		target_end(&dense);
		module_unload();
		bench_faults();
		printf("bench: done\n");
		return 0;
	}
	bench_summary(&dense);
	bench_records(&dense, levels);
	target_end(&dense);
	munmap(recs, recs_len);
	bench_sparse(levels);
	bench_phys();
	bench_locks();
	module_unload();
	bench_faults();
	printf("bench: done\n");
	return 0;
}
