/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the mmscope selftests: the device, debugfs "key value"
 * files, and oracles that do not go through the module.
 */
#ifndef _MMSCOPE_TEST_H
#define _MMSCOPE_TEST_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>

#include <linux/mmscope.h>

#define MMSCOPE_DEV	"/dev/mmscope"
#define MMSCOPE_DEBUGFS	"/sys/kernel/debug/mmscope"

/* ---- clocks, knobs, randomness ----------------------------------------- */

/* CLOCK_MONOTONIC in seconds, and in nanoseconds. */
static inline double mmscope_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static inline __u64 mmscope_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ULL + t.tv_nsec;
}

/* A positive integer from the environment, or @dflt. */
static inline long mmscope_env_long(const char *name, long dflt)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v || !*v)
		return dflt;
	n = strtol(v, &end, 10);
	return *end || n <= 0 ? dflt : n;
}

/* xorshift64*: the tests' one generator; a zero state is made nonzero. */
static inline __u64 mmscope_rnd(__u64 *s)
{
	if (!*s)
		*s = 0x9e3779b97f4a7c15ULL;
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

/* Whether @buf starts with the header of debugfs file @name. */
static inline int mmscope_has_header(const char *buf, const char *name)
{
	char want[64];

	snprintf(want, sizeof(want), "# mmscope %s format ", name);
	return !strncmp(buf, want, strlen(want));
}

/* A small file whole into @buf (NUL-terminated): its length, or -errno. */
static inline ssize_t mmscope_slurp_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got = 0, n = 0;

	if (fd < 0)
		return -errno;
	/* a /proc file longer than one read comes in pieces */
	while ((size_t)n < len - 1 && (got = read(fd, buf + n, len - 1 - n)) > 0)
		n += got;
	close(fd);
	if (n == 0 && got < 0)
		return -EIO;
	buf[n] = 0;
	return n;
}

/*
 * /proc/PID/stat: the state letter and the minor and major faults of all
 * the process's threads (what getrusage() counts, without the children's).
 * 0 or -errno.
 */
static inline int mmscope_proc_stat(pid_t pid, char *state, unsigned long *minflt,
				    unsigned long *majflt)
{
	char path[64], buf[1024], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (mmscope_slurp_file(path, buf, sizeof(buf)) <= 0)
		return -ESRCH;
	p = strrchr(buf, ')');	/* the command name may hold anything */
	if (!p || sscanf(p + 1, " %c %*d %*d %*d %*d %*d %*u %lu %*u %lu",
			 state, minflt, majflt) != 3)
		return -EIO;
	return 0;
}

/* ---- FAULT_STATS: what every answer must satisfy ------------------------ */

#define MMSCOPE_ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Check one FAULT_STATS answer (abi.md).  Always: slots past each enum's
 * MMSCOPE_NR_* are 0; at most MMSCOPE_FAULT_TOP_VMAS VMAs, each a range
 * with faults whose causes add up to them, most faults first.  When
 * @frozen (the process exited or does not fault): every axis adds up to
 * total, and the VMAs with other_vmas add up to the faults that had a VMA.
 * Otherwise the counters move while they are read: *@skew gets the largest
 * difference between an axis and total.  0, or -1 with the reason in @why.
 */
static inline int mmscope_fault_stats_check(const struct mmscope_fault_stats *s, int frozen,
					    __u64 *skew, char *why, size_t len)
{
	const struct { const char *name; const __u64 *v; unsigned int used, room; } ax[] = {
		{ "origin", s->origin, MMSCOPE_NR_ORIGINS, MMSCOPE_ARRAY_LEN(s->origin) },
		{ "access", s->access, MMSCOPE_NR_ACCESSES, MMSCOPE_ARRAY_LEN(s->access) },
		{ "result", s->result, MMSCOPE_NR_RESULTS, MMSCOPE_ARRAY_LEN(s->result) },
		{ "memory", s->memory, MMSCOPE_NR_MEMS, MMSCOPE_ARRAY_LEN(s->memory) },
		{ "cause", s->cause, MMSCOPE_NR_CAUSES, MMSCOPE_ARRAY_LEN(s->cause) },
	};
	__u64 sum, vsum = 0;
	unsigned int a, i, j;

	*skew = 0;
	for (a = 0; a < MMSCOPE_ARRAY_LEN(ax); a++) {
		for (i = 0, sum = 0; i < ax[a].room; i++) {
			if (i >= ax[a].used && ax[a].v[i]) {
				snprintf(why, len, "%s[%u], past MMSCOPE_NR_*, is %llu", ax[a].name,
					 i, (unsigned long long)ax[a].v[i]);
				return -1;
			}
			sum += ax[a].v[i];
		}
		if (sum != s->total && frozen) {
			snprintf(why, len, "%s adds up to %llu, total %llu", ax[a].name,
				 (unsigned long long)sum, (unsigned long long)s->total);
			return -1;
		}
		if (sum > s->total && sum - s->total > *skew)
			*skew = sum - s->total;
		if (sum < s->total && s->total - sum > *skew)
			*skew = s->total - sum;
	}
	if (s->nr_vmas > MMSCOPE_FAULT_TOP_VMAS) {
		snprintf(why, len, "nr_vmas %u", s->nr_vmas);
		return -1;
	}
	for (i = 0; i < s->nr_vmas; i++) {
		const struct mmscope_fault_vma *v = &s->vmas[i];

		for (j = 0, sum = 0; j < MMSCOPE_ARRAY_LEN(v->cause); j++)
			sum += v->cause[j];
		if (sum != v->faults || !v->faults || v->start >= v->end ||
		    (i && v->faults > s->vmas[i - 1].faults)) {
			snprintf(why, len, "vma %u [%#llx, %#llx) faults %llu, causes %llu, previous %llu",
				 i, (unsigned long long)v->start, (unsigned long long)v->end,
				 (unsigned long long)v->faults, (unsigned long long)sum,
				 i ? (unsigned long long)s->vmas[i - 1].faults : 0ULL);
			return -1;
		}
		vsum += v->faults;
	}
	if (frozen && vsum + s->other_vmas != s->total - s->memory[MMSCOPE_MEM_NONE]) {
		snprintf(why, len, "vmas %llu + other_vmas %llu != total %llu - no-VMA %llu",
			 (unsigned long long)vsum, (unsigned long long)s->other_vmas,
			 (unsigned long long)s->total,
			 (unsigned long long)s->memory[MMSCOPE_MEM_NONE]);
		return -1;
	}
	return 0;
}

/* ---- physical-memory snapshots ----------------------------------------- */

/*
 * One MMSCOPE_IOC_PHYS_* call into @buf (@len bytes of @rec_size records);
 * @s gets the kernel's answer (nr_recs, nr_total).  0 or -errno.
 */
static inline int mmscope_phys_ioc(int fd, unsigned long cmd, __u32 rec_size, void *buf,
				   size_t len, struct mmscope_phys_snap *s)
{
	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	s->rec_size = rec_size;
	s->buf = (unsigned long)buf;
	s->buf_len = len;
	return ioctl(fd, cmd, s) ? -errno : 0;
}

/*
 * A whole snapshot into a fresh buffer (free() it), grown until every
 * record fits.  Returns the record count or -errno.  Not inlined: inlined
 * into a test body, gcc cannot see *out set on success and warns.
 */
static __attribute__((noinline, unused)) long mmscope_phys_snap(int fd, unsigned long cmd, size_t rec_size, void **out)
{
	struct mmscope_phys_snap s;
	size_t cap = 64;
	void *buf = NULL;
	int ret;

	for (;;) {
		free(buf);
		buf = calloc(cap, rec_size);
		if (!buf)
			return -ENOMEM;
		ret = mmscope_phys_ioc(fd, cmd, rec_size, buf, cap * rec_size, &s);
		if (ret) {
			free(buf);
			return ret;
		}
		if (s.nr_recs == s.nr_total)
			break;
		cap = s.nr_total * 2;
	}
	*out = buf;
	return s.nr_recs;
}

/*
 * Value of "key" in a debugfs file of "key value" lines (header lines start
 * with '#').  Returns 0 and fills @val, or -ENOENT / -errno.
 */
static inline int mmscope_file_key(const char *path, const char *key,
				   char *val, size_t len)
{
	char line[512], k[256], v[256];
	int ret = -ENOENT;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || sscanf(line, "%255s %255s", k, v) != 2)
			continue;
		if (!strcmp(k, key)) {
			snprintf(val, len, "%s", v);
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

/* First line of a file, newline stripped; 0 or -errno. */
static inline int mmscope_read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	int ret = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, len, f))
		ret = -EIO;
	else
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
	return ret;
}

/*
 * Paging depth seen from user space, without the module: only with 5-level
 * paging does the kernel honour an mmap hint above the 47-bit boundary.
 */
static inline int mmscope_oracle_pgtable_levels(void)
{
#if __SIZEOF_POINTER__ == 4
	return -ENOSYS;		/* a 32-bit task cannot ask: no such hint */
#else
	void *hint = (void *)(1UL << 50);
	void *p = mmap(hint, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int levels;

	if (p == MAP_FAILED)
		return -errno;
	levels = (unsigned long)p >= (1UL << 47) ? 5 : 4;
	munmap(p, 4096);
	return levels;
#endif
}

/* Clear CAP_SYS_ADMIN from all of this process's capability sets. */
static inline int mmscope_drop_cap_sys_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	data[CAP_TO_INDEX(CAP_SYS_ADMIN)].permitted &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	data[CAP_TO_INDEX(CAP_SYS_ADMIN)].inheritable &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}

/* ---- process memory: the device side ------------------------------------ */

#define MMSCOPE_PAGE	4096UL

/* Open the device; returns the fd or -errno. */
static inline int mmscope_open(void)
{
	int fd = open(MMSCOPE_DEV, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* MMSCOPE_IOC_GET_API of the module behind @fd into @api: 0, or -1 and errno. */
static inline int mmscope_api_of(int fd, struct mmscope_api *api)
{
	memset(api, 0, sizeof(*api));
	api->size = sizeof(*api);
	return ioctl(fd, MMSCOPE_IOC_GET_API, api) ? -1 : 0;
}

/* Whether the module behind @fd offers MM_SUMMARY and PT_WALK. */
static inline int mmscope_has_process_memory(int fd)
{
	struct mmscope_api api;

	if (mmscope_api_of(fd, &api))
		return 0;
	return (api.features & MMSCOPE_FEATURE_PROCESS_MEMORY) &&
	       (api.ioctls & (1ULL << _MMSCOPE_IOC_MM_SUMMARY)) &&
	       (api.ioctls & (1ULL << _MMSCOPE_IOC_PT_WALK));
}

static inline void mmscope_walk_init(struct mmscope_pt_walk *w, pid_t pid,
				     __u32 flags, __u64 start, __u64 end,
				     void *buf, __u64 buf_len)
{
	memset(w, 0, sizeof(*w));
	w->size = sizeof(*w);
	w->flags = flags;
	w->pid = pid;
	w->rec_size = sizeof(struct mmscope_pt_rec);
	w->start = start;
	w->end = end;
	w->buf = (__u64)(unsigned long)buf;
	w->buf_len = buf_len;
}

/*
 * Walk [start, end) of @pid completely into @recs (room for @max records),
 * resuming from walk_end while the module says the buffer filled.  Returns
 * the number of records, or -errno (-ENOSPC when @max is too small).  The
 * page-table pages the calls visited are added up in *@tables if non-NULL.
 */
static inline long mmscope_walk_all(int fd, pid_t pid, __u32 flags,
				    __u64 start, __u64 end,
				    struct mmscope_pt_rec *recs, size_t max,
				    __u64 *tables)
{
	struct mmscope_pt_walk w;
	size_t n = 0;

	if (tables)
		*tables = 0;
	while (start < end) {
		if (n == max)
			return -ENOSPC;
		mmscope_walk_init(&w, pid, flags, start, end, recs + n,
				  (max - n) * sizeof(*recs));
		if (ioctl(fd, MMSCOPE_IOC_PT_WALK, &w))
			return -errno;
		if (w.nr_recs > max - n || w.walk_end <= start || w.walk_end > end)
			return -EPROTO;	/* the module broke its contract */
		n += w.nr_recs;
		if (tables)
			*tables += w.tables;
		start = w.walk_end;
	}
	return n;
}

static inline int mmscope_summary(int fd, pid_t pid, struct mmscope_mm_summary *s)
{
	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	s->pid = pid;
	return ioctl(fd, MMSCOPE_IOC_MM_SUMMARY, s) ? -errno : 0;
}

/*
 * The smaps_rollup keys and the summary fields that carry their meaning, so
 * every test compares the same list.
 */
struct mmscope_rollup_key {
	const char *key;	/* without the colon */
	size_t off;		/* of the __u64 byte count in mmscope_mm_summary */
};

#define MMSCOPE_RK(k, f) { k, __builtin_offsetof(struct mmscope_mm_summary, f) }
static const struct mmscope_rollup_key mmscope_rollup_keys[] = {
	MMSCOPE_RK("Rss", rss), MMSCOPE_RK("Pss", pss),
	MMSCOPE_RK("Pss_Anon", pss_anon), MMSCOPE_RK("Pss_File", pss_file),
	MMSCOPE_RK("Pss_Shmem", pss_shmem),
	MMSCOPE_RK("Pss_Dirty", pss_dirty),
	MMSCOPE_RK("Shared_Clean", shared_clean), MMSCOPE_RK("Shared_Dirty", shared_dirty),
	MMSCOPE_RK("Private_Clean", private_clean), MMSCOPE_RK("Private_Dirty", private_dirty),
	MMSCOPE_RK("Referenced", referenced), MMSCOPE_RK("Anonymous", anonymous),
	MMSCOPE_RK("KSM", ksm), MMSCOPE_RK("LazyFree", lazyfree), MMSCOPE_RK("AnonHugePages", anon_huge),
	MMSCOPE_RK("ShmemPmdMapped", shmem_pmd_mapped),
	MMSCOPE_RK("FilePmdMapped", file_pmd_mapped),
	MMSCOPE_RK("Shared_Hugetlb", shared_hugetlb),
	MMSCOPE_RK("Private_Hugetlb", private_hugetlb),
	MMSCOPE_RK("Swap", swap), MMSCOPE_RK("Locked", locked),
};
#undef MMSCOPE_RK
#define MMSCOPE_NR_ROLLUP_KEYS \
	(sizeof(mmscope_rollup_keys) / sizeof(mmscope_rollup_keys[0]))

static inline __u64 mmscope_summary_field(const struct mmscope_mm_summary *s,
					  size_t off)
{
	return *(const __u64 *)((const char *)s + off);
}

/* ---- process memory: oracles that do not go through the module ---------- */

/*
 * Values of the MMSCOPE_NR_ROLLUP_KEYS keys in a "Key:  N kB" file
 * (/proc/PID/smaps_rollup, /proc/PID/status, the debugfs summary): kb[i],
 * or -1 where the file has no such key.  Returns 0 or -errno.
 */
static inline int mmscope_read_kb_keys(const char *path, long long *kb)
{
	char line[512], k[128];
	long long v;
	size_t i;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	for (i = 0; i < MMSCOPE_NR_ROLLUP_KEYS; i++)
		kb[i] = -1;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || sscanf(line, "%127[^:]: %lld", k, &v) != 2)
			continue;
		for (i = 0; i < MMSCOPE_NR_ROLLUP_KEYS; i++)
			if (!strcmp(k, mmscope_rollup_keys[i].key))
				kb[i] = v;
	}
	fclose(f);
	return 0;
}

/* One "Key: N" value of a proc-style file (e.g. VmPTE in status); -ENOENT. */
static inline int mmscope_proc_value(const char *path, const char *key,
				     long long *val)
{
	char line[512], k[128];
	long long v;
	int ret = -ENOENT;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127[^:]: %lld", k, &v) == 2 && !strcmp(k, key)) {
			*val = v;
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

/* 64-bit entries of /proc/PID/pagemap (pid 0: self) for @n pages at @start. */
static inline int mmscope_pagemap(pid_t pid, unsigned long start, size_t n,
				  __u64 *out)
{
	char path[64];
	ssize_t want = n * sizeof(*out), got;
	int fd;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/pagemap");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	got = pread(fd, out, want, (start / MMSCOPE_PAGE) * sizeof(*out));
	close(fd);
	if (got < 0)
		return -errno;
	return got == want ? 0 : -EIO;
}

#define MMSCOPE_PM_PFN_MASK	((1ULL << 55) - 1)
#define MMSCOPE_PM_SOFT_DIRTY	(1ULL << 55)
#define MMSCOPE_PM_EXCLUSIVE	(1ULL << 56)
#define MMSCOPE_PM_UFFD_WP	(1ULL << 57)
#define MMSCOPE_PM_FILE		(1ULL << 61)
#define MMSCOPE_PM_SWAP		(1ULL << 62)
#define MMSCOPE_PM_PRESENT	(1ULL << 63)

/* /proc/kpageflags bits (include/uapi/linux/kernel-page-flags.h). */
#define MMSCOPE_KPF_ANON	12
#define MMSCOPE_KPF_SWAPBACKED	14
#define MMSCOPE_KPF_HUGE	17
#define MMSCOPE_KPF_NOPAGE	20
#define MMSCOPE_KPF_KSM		21
#define MMSCOPE_KPF_THP		22
#define MMSCOPE_KPF_ZERO_PAGE	24

/* /proc/kpageflags of one PFN; 0 or -errno. */
static inline int mmscope_kpageflags(__u64 pfn, __u64 *flags)
{
	int fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	ssize_t got;

	if (fd < 0)
		return -errno;
	got = pread(fd, flags, sizeof(*flags), pfn * sizeof(*flags));
	close(fd);
	if (got < 0)
		return -errno;
	return got == sizeof(*flags) ? 0 : -EIO;
}

/*
 * Whether /proc/kpageflags' KSM bit means KSM on this kernel.  From 6.10
 * until the fix "fs/proc: fix KPF_KSM reported for all anonymous pages" it
 * is set on every anonymous page; a plain anonymous page tells.
 */
static inline int mmscope_kpf_ksm_trustworthy(void)
{
	char *p = mmap(NULL, MMSCOPE_PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	__u64 pm = 0, kpf = 0;
	int ok;

	if (p == MAP_FAILED)
		return 0;
	*(volatile char *)p = 1;
	ok = !mmscope_pagemap(0, (unsigned long)p, 1, &pm) && (pm & MMSCOPE_PM_PRESENT) &&
	     !mmscope_kpageflags(pm & MMSCOPE_PM_PFN_MASK, &kpf) &&
	     !(kpf & (1ULL << MMSCOPE_KPF_KSM));
	munmap(p, MMSCOPE_PAGE);
	return ok;
}

/* A VMA as /proc/PID/maps and /proc/PID/smaps show it. */
struct mmscope_vma {
	unsigned long start, end, offset, inode;
	unsigned int major, minor;
	char perms[8], path[512], flags[256];	/* flags: VmFlags, each followed by ' ' */
	long long rss_kb, swap_kb;		/* -1 where smaps has no line */
	int soft_dirty;		/* "sd" in VmFlags */
};

/*
 * The VMAs of @pid (0: self) from /proc/PID/smaps, at most @max, with the
 * fields of their first line, Rss, Swap and VmFlags.  The gate area
 * ([vsyscall]) is left out: it is no VMA of the mm.  Returns the number of
 * VMAs or -errno.
 */
static inline int mmscope_read_vmas(pid_t pid, struct mmscope_vma *v, int max)
{
	char path[64], line[1024];
	int n = 0, skip = 0, pos;
	long long kb;
	FILE *f;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/smaps");
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		struct mmscope_vma *c, one;

		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu%n", &one.start, &one.end, one.perms,
			   &one.offset, &one.major, &one.minor, &one.inode, &pos) == 7) {
			/* a VMA's first line */
			skip = strstr(line, "[vsyscall]") != NULL;
			if (skip)
				continue;
			if (n == max) {
				fclose(f);
				return -ENOSPC;
			}
			while (line[pos] == ' ')
				pos++;
			c = &v[n++];
			*c = one;
			snprintf(c->path, sizeof(c->path), "%s", line + pos);
			c->rss_kb = c->swap_kb = -1;
			c->flags[0] = 0;
			c->soft_dirty = 0;
		} else if (!skip && n) {
			c = &v[n - 1];
			if (sscanf(line, "Rss: %lld", &kb) == 1)
				c->rss_kb = kb;
			else if (sscanf(line, "Swap: %lld", &kb) == 1)
				c->swap_kb = kb;
			else if (!strncmp(line, "VmFlags:", 8)) {
				snprintf(c->flags, sizeof(c->flags), "%.250s ", line + 8);
				c->soft_dirty = strstr(c->flags, " sd ") != NULL;
			}
		}
	}
	fclose(f);
	return n;
}

/* ---- VMAS: the device side ----------------------------------------------- */

/* Whether the module behind @fd offers MMSCOPE_IOC_VMAS (its bit in ioctls). */
static inline int mmscope_has_vmas(int fd)
{
	struct mmscope_api api;

	if (mmscope_api_of(fd, &api))
		return 0;
	return (api.features & MMSCOPE_FEATURE_PROCESS_MEMORY) &&
	       (api.ioctls & (1ULL << _MMSCOPE_IOC_VMAS));
}

static inline void mmscope_vmas_init(struct mmscope_vmas *a, pid_t pid, __u64 start,
				     __u64 end, void *buf, __u64 buf_len, void *strings,
				     __u64 strings_len)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->pid = pid;
	a->rec_size = sizeof(struct mmscope_vma_rec);
	a->start = start;
	a->end = end;
	a->buf = (__u64)(unsigned long)buf;
	a->buf_len = buf_len;
	a->strings = (__u64)(unsigned long)strings;
	a->strings_len = strings_len;
}

/*
 * The VMAs of @pid that start in [start, end), resumed from walk_end until
 * it reaches @end: records into @recs (room for @max), paths packed into
 * @strings (@slen bytes), each record's path_off made relative to @strings.
 * @per_call limits the records one call may return (0: as many as fit),
 * @str_per_call the string area one call gets (0: what is left).  *@calls
 * (if non-NULL) gets the number of calls.  Returns the number of records,
 * -errno, -ENOSPC when @max or @slen is too small, or -EPROTO when the
 * module broke its contract (walk_end outside (start, end], more records or
 * string bytes than there was room for, a path not NUL-terminated).
 */
static inline long mmscope_vmas_all(int fd, pid_t pid, __u64 start, __u64 end,
				    struct mmscope_vma_rec *recs, size_t max, char *strings,
				    size_t slen, size_t per_call, size_t str_per_call,
				    long *calls)
{
	struct mmscope_vmas a;
	size_t n = 0, used = 0, i, room, sroom;

	if (calls)
		*calls = 0;
	while (start < end) {
		room = max - n;
		if (per_call && room > per_call)
			room = per_call;
		sroom = slen - used;
		if (str_per_call && sroom > str_per_call)
			sroom = str_per_call;
		if (!room)
			return -ENOSPC;
		mmscope_vmas_init(&a, pid, start, end, recs + n, room * sizeof(*recs),
				  sroom ? strings + used : NULL, sroom);
		if (calls)
			(*calls)++;
		if (ioctl(fd, MMSCOPE_IOC_VMAS, &a))
			return -errno;
		if (a.nr_recs > room || a.walk_end <= start || a.walk_end > end ||
		    a.strings_used > sroom || (a.walk_end < end && !a.nr_recs))
			return -EPROTO;
		for (i = n; i < n + a.nr_recs; i++) {
			struct mmscope_vma_rec *r = &recs[i];

			if (r->path_len) {
				if (r->path_off + r->path_len >= a.strings_used ||
				    strings[used + r->path_off + r->path_len] ||
				    strnlen(strings + used + r->path_off, r->path_len) != r->path_len)
					return -EPROTO;
				r->path_off += used;
			}
		}
		n += a.nr_recs;
		used += a.strings_used;
		start = a.walk_end;
	}
	return n;
}

/* The path of @r in the string area @strings it was gathered with, or "". */
static inline const char *mmscope_vma_path(const struct mmscope_vma_rec *r, const char *strings)
{
	return r->path_len ? strings + r->path_off : "";
}

/*
 * smaps' VmFlags line (each mnemonic followed by a space, as struct
 * mmscope_vma keeps it) as MMSCOPE_VMF_NAMES bits: the oracle of
 * mmscope_vma_rec.flags.  Mnemonics the header does not name are left out.
 */
static inline __u64 mmscope_vmflags_bits(const char *vmflags)
{
	static const char * const names[] = { MMSCOPE_VMF_NAMES };
	char want[8];
	__u64 bits = 0;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(want, sizeof(want), " %s ", names[i]);
		if (strstr(vmflags, want))
			bits |= 1ULL << i;
	}
	return bits;
}

/* The perms column of /proc/PID/maps that a record's flags make. */
static inline void mmscope_vma_perms(__u64 flags, char perms[5])
{
	perms[0] = flags & MMSCOPE_VMF_READ ? 'r' : '-';
	perms[1] = flags & MMSCOPE_VMF_WRITE ? 'w' : '-';
	perms[2] = flags & MMSCOPE_VMF_EXEC ? 'x' : '-';
	perms[3] = flags & MMSCOPE_VMF_MAYSHARE ? 's' : 'p';
	perms[4] = 0;
}

/* Lines of a text file other than those containing @except (NULL: none). */
static inline int mmscope_count_lines(const char *path, const char *except)
{
	char line[1024];
	int n = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!except || !strstr(line, except))
			n++;
	fclose(f);
	return n;
}

/* Directories under debugfs tasks/, one per tracked process; or -errno. */
static inline int mmscope_count_task_dirs(void)
{
	DIR *d = opendir(MMSCOPE_DEBUGFS "/tasks");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Write @str to @path in one write(); 0 or -errno of the open or write. */
static inline int mmscope_write_file(const char *path, const char *str)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t len = strlen(str), ret;

	if (fd < 0)
		return -errno;
	ret = write(fd, str, len);
	if (ret < 0)
		ret = -errno;
	close(fd);
	return ret < 0 ? ret : ret == len ? 0 : -EIO;
}

/*
 * An OOM kill the test makes on purpose: between these two lines in the
 * kernel log, the stack trace the OOM killer prints of the task that
 * triggered it (dump_header()) is not a kernel report for scripts/vm.
 * Any other report in between still fails the run.  0 or -errno.
 */
#define MMSCOPE_KMSG_OOM_BEGIN	"mmscope-test: an OOM kill follows"
#define MMSCOPE_KMSG_OOM_END	"mmscope-test: the OOM kill is over"

static inline int mmscope_kmsg(const char *line)
{
	return mmscope_write_file("/dev/kmsg", line);
}

/* ---- a quiescent target ------------------------------------------------- */

/*
 * A child that sets memory up, reports over a pipe, then blocks in read()
 * until its parent closes the command pipe (or dies), so /proc files and the
 * module see a process that does not move.
 */
struct mmscope_holder {
	pid_t pid;
	int cmd_fd;		/* write end; closing it ends the child */
};

/*
 * Fork a holder that runs @fn(@arg, @out) and sends back @out (@len bytes).
 * @fn returns what the parent gets back from this call (0 ready, or a code
 * of the caller's choosing); the child stays alive either way.
 */
static inline int mmscope_holder_start(struct mmscope_holder *h,
				       int (*fn)(void *arg, void *out),
				       void *arg, void *out, size_t len)
{
	int cmd[2], rep[2], ret = 0;
	pid_t pid;

	if (pipe2(cmd, O_CLOEXEC))
		return -errno;
	if (pipe2(rep, O_CLOEXEC)) {
		close(cmd[0]);
		close(cmd[1]);
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(cmd[0]);
		close(cmd[1]);
		close(rep[0]);
		close(rep[1]);
		return ret;
	}
	if (pid == 0) {
		char c;

		close(cmd[1]);
		close(rep[0]);
		ret = fn(arg, out);
		if (write(rep[1], &ret, sizeof(ret)) != sizeof(ret) ||
		    write(rep[1], out, len) != (ssize_t)len)
			_exit(1);
		close(rep[1]);
		while (read(cmd[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(cmd[0]);
	close(rep[1]);
	h->pid = pid;
	h->cmd_fd = cmd[1];
	if (read(rep[0], &ret, sizeof(ret)) != sizeof(ret) ||
	    read(rep[0], out, len) != (ssize_t)len)
		ret = -EPIPE;
	close(rep[0]);
	return ret;
}

/*
 * End the holder and reap it; returns its wait status (or -errno).  Later
 * holders inherit earlier holders' command pipes, so closing ours is not
 * enough to wake this one: it is killed too.
 */
static inline int mmscope_holder_stop(struct mmscope_holder *h)
{
	int status = 0;

	if (h->pid <= 0)
		return 0;
	close(h->cmd_fd);
	kill(h->pid, SIGKILL);
	if (waitpid(h->pid, &status, 0) < 0)
		status = -errno;
	h->pid = 0;
	return status;
}

/* ---- scratch storage and system knobs (shared by the fault tests) -------- */

/* Where tests put scratch files: $MMSCOPE_TMP (the VM's tmpfs), $TMPDIR, /tmp. */
static inline const char *mmscope_tmpdir(void)
{
	const char *d = getenv("MMSCOPE_TMP");

	if (!d || !*d)
		d = getenv("TMPDIR");
	return d && *d ? d : "/tmp";
}

/*
 * Read a one-line knob (sysfs, procfs, debugfs) into @old, then write @val.
 * For "[a] b c" selector files (THP "enabled") @old gets the bracketed word.
 * Returns 0 or -errno; @old is left empty when the read failed.
 */
static inline int mmscope_knob_set(const char *path, const char *val,
				   char *old, size_t len)
{
	char line[256], *l, *r;

	old[0] = 0;
	if (mmscope_read_line(path, line, sizeof(line)))
		return -ENOENT;
	l = strchr(line, '[');
	r = l ? strchr(l, ']') : NULL;
	if (l && r) {
		*r = 0;
		snprintf(old, len, "%.*s", (int)len - 1, l + 1);
	} else {
		snprintf(old, len, "%.*s", (int)len - 1, line);
	}
	return mmscope_write_file(path, val);
}

/*
 * A scratch ext2 on a loop device: page cache that is neither shmem nor 9p,
 * read from a block device.  mount -o loop sets autoclear, so unmounting
 * frees the loop device.
 */
struct mmscope_disk {
	char img[256], mnt[256];
	int mounted;
	dev_t dev;		/* st_dev of the mount: the loop device */
};

/* Returns 0, or -1 with the reason in @why. */
static inline int mmscope_disk_setup(struct mmscope_disk *d, const char *tag,
				     int size_mb, char *why, size_t why_len)
{
	char cmd[1536];
	struct stat st;

	snprintf(d->img, sizeof(d->img), "%s/mmscope-%s-%d.img", mmscope_tmpdir(), tag, getpid());
	snprintf(d->mnt, sizeof(d->mnt), "%s/mmscope-%s-%d.mnt", mmscope_tmpdir(), tag, getpid());
	snprintf(cmd, sizeof(cmd),
		 "modprobe loop 2>/dev/null; truncate -s %dM %s && mkfs.ext2 -q -F %s >/dev/null 2>&1 && "
		 "mkdir -p %s && mount -o loop %s %s 2>/dev/null",
		 size_mb, d->img, d->img, d->mnt, d->img, d->mnt);
	if (system(cmd)) {
		snprintf(why, why_len, "no block-backed filesystem (loop + ext2 on %s failed)",
			 mmscope_tmpdir());
		unlink(d->img);
		rmdir(d->mnt);
		d->img[0] = 0;
		return -1;
	}
	d->mounted = 1;
	if (stat(d->mnt, &st) || major(st.st_dev) == 0) {
		snprintf(why, why_len, "scratch mount %.200s is not on a block device", d->mnt);
		return -1;
	}
	d->dev = st.st_dev;
	return 0;
}

static inline void mmscope_disk_teardown(struct mmscope_disk *d)
{
	char cmd[300];

	if (d->mounted) {
		snprintf(cmd, sizeof(cmd), "umount %s", d->mnt);
		if (system(cmd))
			fprintf(stderr, "# cannot unmount %s\n", d->mnt);
		d->mounted = 0;
	}
	if (d->img[0]) {
		rmdir(d->mnt);
		unlink(d->img);
		d->img[0] = 0;
	}
}

/* /sys path of a queue attribute of the disk's block device. */
static inline void mmscope_disk_queue_path(const struct mmscope_disk *d,
					   const char *attr, char *buf, size_t len)
{
	snprintf(buf, len, "/sys/dev/block/%u:%u/queue/%s",
		 major(d->dev), minor(d->dev), attr);
}

/* zram0 as the only swap device, for swap-in tests. */
#define MMSCOPE_ZRAM_DEV	"/dev/zram0"
#define MMSCOPE_ZRAM_SYS	"/sys/block/zram0"

struct mmscope_swap {
	int on;
	int zram_loaded_by_us;
};

/* Returns 0, or -1 with the reason in @why. */
static inline int mmscope_zram_swap_on(struct mmscope_swap *s, char *why, size_t why_len)
{
	char buf[64];

	s->zram_loaded_by_us = access("/sys/module/zram", F_OK) != 0;
	if (system("modprobe zram 2>/dev/null") || access(MMSCOPE_ZRAM_SYS, F_OK)) {
		snprintf(why, why_len, "no zram: cannot set up swap");
		return -1;
	}
	if (!mmscope_read_line(MMSCOPE_ZRAM_SYS "/disksize", buf, sizeof(buf)) && atoll(buf)) {
		snprintf(why, why_len, "%s is in use by someone else", MMSCOPE_ZRAM_DEV);
		s->zram_loaded_by_us = 0;
		return -1;
	}
	if (mmscope_write_file(MMSCOPE_ZRAM_SYS "/disksize", "256M") ||
	    system("mkswap " MMSCOPE_ZRAM_DEV " >/dev/null 2>&1")) {
		snprintf(why, why_len, "cannot make %s a swap device", MMSCOPE_ZRAM_DEV);
		mmscope_write_file(MMSCOPE_ZRAM_SYS "/reset", "1");
		return -1;
	}
	if (swapon(MMSCOPE_ZRAM_DEV, 0)) {
		snprintf(why, why_len, "swapon %s: %s", MMSCOPE_ZRAM_DEV, strerror(errno));
		mmscope_write_file(MMSCOPE_ZRAM_SYS "/reset", "1");
		return -1;
	}
	s->on = 1;
	return 0;
}

static inline void mmscope_zram_swap_off(struct mmscope_swap *s)
{
	if (s->on) {
		if (swapoff(MMSCOPE_ZRAM_DEV))
			fprintf(stderr, "# swapoff %s: %s\n", MMSCOPE_ZRAM_DEV, strerror(errno));
		mmscope_write_file(MMSCOPE_ZRAM_SYS "/reset", "1");
		s->on = 0;
	}
	if (s->zram_loaded_by_us && system("modprobe -r zram 2>/dev/null"))
		fprintf(stderr, "# cannot unload zram\n");
	s->zram_loaded_by_us = 0;
}

/* ---- the module itself: TRACKED, MODULE_MEMORY ----------------------------- */

/* Whether the module behind @fd offers TRACKED and MODULE_MEMORY. */
static inline int mmscope_has_introspect(int fd)
{
	struct mmscope_api api;

	if (mmscope_api_of(fd, &api))
		return 0;
	return (api.features & MMSCOPE_FEATURE_INTROSPECT) &&
	       (api.ioctls & (1ULL << _MMSCOPE_IOC_TRACKED)) &&
	       (api.ioctls & (1ULL << _MMSCOPE_IOC_MODULE_MEMORY));
}

/* The tracked processes into @r (room for MMSCOPE_TRACK_MAX); count or -errno. */
static inline int mmscope_tracked(int fd, struct mmscope_tracked_rec *r)
{
	struct mmscope_phys_snap s;
	int ret = mmscope_phys_ioc(fd, MMSCOPE_IOC_TRACKED, sizeof(*r), r,
				   MMSCOPE_TRACK_MAX * sizeof(*r), &s);

	if (ret)
		return ret;
	return s.nr_recs == s.nr_total ? (int)s.nr_recs : -EOVERFLOW;
}

/* @pid's record among the @n at @r, or NULL. */
static inline const struct mmscope_tracked_rec *
mmscope_tracked_find(const struct mmscope_tracked_rec *r, int n, pid_t pid)
{
	int i;

	for (i = 0; i < n; i++)
		if (r[i].pid == pid)
			return &r[i];
	return NULL;
}

/* MODULE_MEMORY into @r (room for 16 records); count or -errno. */
static inline int mmscope_module_memory(int fd, struct mmscope_module_mem_rec *r)
{
	struct mmscope_phys_snap s;
	int ret = mmscope_phys_ioc(fd, MMSCOPE_IOC_MODULE_MEMORY, sizeof(*r), r,
				   16 * sizeof(*r), &s);

	if (ret)
		return ret;
	return s.nr_recs == s.nr_total ? (int)s.nr_recs : -EOVERFLOW;
}

/* ---- faults: the device side --------------------------------------------- */

/* Whether the module behind @fd offers TRACK, FAULT_STATS and FAULT_STREAM. */
static inline int mmscope_has_faults(int fd)
{
	struct mmscope_api api;

	if (mmscope_api_of(fd, &api))
		return 0;
	return (api.features & MMSCOPE_FEATURE_FAULTS) &&
	       (api.ioctls & (1ULL << _MMSCOPE_IOC_TRACK)) &&
	       (api.ioctls & (1ULL << _MMSCOPE_IOC_FAULT_STATS)) &&
	       (api.ioctls & (1ULL << _MMSCOPE_IOC_FAULT_STREAM));
}

/* MMSCOPE_IOC_TRACK; 0 or -errno. */
static inline int mmscope_track_ioc(int fd, pid_t pid, __u32 flags)
{
	struct mmscope_track t;

	memset(&t, 0, sizeof(t));
	t.size = sizeof(t);
	t.flags = flags;
	t.pid = pid;
	return ioctl(fd, MMSCOPE_IOC_TRACK, &t) ? -errno : 0;
}

/* MMSCOPE_IOC_FAULT_STATS of tracked @pid (0: self); 0 or -errno. */
static inline int mmscope_fault_stats(int fd, pid_t pid, struct mmscope_fault_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	s->pid = pid;
	return ioctl(fd, MMSCOPE_IOC_FAULT_STATS, s) ? -errno : 0;
}

/* MMSCOPE_IOC_FAULT_STREAM on @fd; 0 or -errno, *@out filled if non-NULL. */
static inline int mmscope_fault_stream(int fd, pid_t pid, __u32 ring_records,
				       struct mmscope_fault_stream *out)
{
	struct mmscope_fault_stream a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.pid = pid;
	a.ring_records = ring_records;
	if (ioctl(fd, MMSCOPE_IOC_FAULT_STREAM, &a))
		return -errno;
	if (out)
		*out = a;
	return 0;
}


#endif /* _MMSCOPE_TEST_H */
