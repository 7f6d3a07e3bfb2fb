/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Oracles for the physical-memory views: parsers of the files the kernel
 * computes itself (/proc/zoneinfo, buddyinfo, pagetypeinfo, slabinfo, the
 * extfrag indices), and the bracket rules, shared by phys_test (the module's
 * ioctls) and tool_test (the mmscope command).
 */
#ifndef MMSCOPE_ORACLE_H
#define MMSCOPE_ORACLE_H

#include <limits.h>
#include <sys/sysinfo.h>

#include "mmscope_test.h"

/*
 * Oracle-module-oracle triples tried before a figure that moves both ways
 * (a free list, a per-CPU list, a slab's partial list) counts as wrong: each
 * attempt is a bracket of its own with no tolerance, and one attempt in
 * which the figure lies within its bracket is required.  A module that
 * reads the wrong thing misses every attempt; a list that merely moved
 * and came back between the two reads of one attempt does not.
 */
#define PHYS_TRIES	8

static const char *const mt_names[MMSCOPE_MT_NR] = {
	"Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate",
};

static inline int in_bracket(long long a, long long m, long long b, long long tol)
{
	long long lo = a < b ? a : b, hi = a < b ? b : a;

	return m >= lo - tol && m <= hi + tol;
}

#define MAXZ 16

struct zi {			/* one zone of /proc/zoneinfo */
	int node;
	char name[16];
	long long free, boost, min, low, high, spanned, present, managed, cma;
	long long start_pfn;
	long long prot[MMSCOPE_MAX_ZONES];
	int nprot;
	long long pcp;		/* pages on the per-CPU lists, all CPUs */
	long long pcp_high;	/* sum of the per-CPU "high:" marks */
	long long batch_min, batch_max;	/* per-CPU "batch:" */
	long long thr_max;	/* largest "vm stats threshold:" */
	int pagesets;		/* "cpu:" lines under pagesets */
	long long stat[MMSCOPE_ZS_NR];
	int has_stat[MMSCOPE_ZS_NR];
};

static const char *const zs_names[] = { MMSCOPE_ZS_NAMES };
_Static_assert(sizeof(zs_names) / sizeof(zs_names[0]) == MMSCOPE_ZS_NR, "one name per counter");

static inline int read_zoneinfo(struct zi *z)
{
	FILE *f = fopen("/proc/zoneinfo", "re");
	char line[512], key[64];
	int n = -1, in_zone = 0, i;
	long long v;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p;

		if (sscanf(line, "Node %d, zone %15s", &i, key) == 2) {
			if (++n >= MAXZ)
				break;
			memset(&z[n], 0, sizeof(z[n]));
			z[n].node = i;
			z[n].batch_min = LLONG_MAX;
			strcpy(z[n].name, key);
			in_zone = 0;
			continue;
		}
		if (n < 0)
			continue;
		if (sscanf(line, " pages free %lld", &v) == 1) {
			z[n].free = v;
			in_zone = 1;
			continue;
		}
		if (!in_zone)
			continue;	/* per-node stats */
		if (sscanf(line, " vm stats threshold: %lld", &v) == 1) {
			if (v > z[n].thr_max)
				z[n].thr_max = v;
			continue;
		}
		if ((p = strstr(line, "protection: ("))) {
			p += strlen("protection: (");
			while (z[n].nprot < MMSCOPE_MAX_ZONES &&
			       sscanf(p, "%lld", &z[n].prot[z[n].nprot]) == 1) {
				z[n].nprot++;
				p = strchr(p, ',');
				if (!p)
					break;
				p++;
			}
			continue;
		}
		if (sscanf(line, " %63s %lld", key, &v) != 2)
			continue;
		if (!strcmp(key, "count:")) z[n].pcp += v;
		else if (!strcmp(key, "cpu:")) z[n].pagesets++;
		else if (!strcmp(key, "high:")) z[n].pcp_high += v;
		else if (!strcmp(key, "batch:")) {
			if (v < z[n].batch_min)
				z[n].batch_min = v;
			if (v > z[n].batch_max)
				z[n].batch_max = v;
		}
		else if (!strcmp(key, "boost")) z[n].boost = v;
		else if (!strcmp(key, "min")) z[n].min = v;
		else if (!strcmp(key, "low")) z[n].low = v;
		else if (!strcmp(key, "high")) z[n].high = v;
		else if (!strcmp(key, "spanned")) z[n].spanned = v;
		else if (!strcmp(key, "start_pfn:")) z[n].start_pfn = v;
		else if (!strcmp(key, "present")) z[n].present = v;
		else if (!strcmp(key, "managed")) z[n].managed = v;
		else if (!strcmp(key, "cma")) z[n].cma = v;
		for (i = 0; i < MMSCOPE_ZS_NR; i++) {
			if (!strcmp(key, zs_names[i])) {
				z[n].stat[i] = v;
				z[n].has_stat[i] = 1;
			}
		}
	}
	fclose(f);
	return n + 1;
}

static inline const struct zi *find_zi(const struct zi *z, int n, int node, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (z[i].node == node && !strcmp(z[i].name, name))
			return &z[i];
	return NULL;
}

/*
 * The numbers after "Node N, zone NAME" on the line of (node, zone) of a
 * per-zone table (/proc/buddyinfo, the extfrag files): at most @max into @v.
 * Returns how many, or -errno (-ENOENT: no such line).
 */
static inline int read_zone_row(const char *path, int node, const char *zone, double *v, int max)
{
	FILE *f = fopen(path, "re");
	char line[512], name[32];
	int nd, off, i, found = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p;

		if (sscanf(line, "Node %d, zone %31s%n", &nd, name, &off) != 2 ||
		    nd != node || strcmp(name, zone))
			continue;
		p = line + off;
		for (i = 0; i < max; i++) {
			int c;

			if (sscanf(p, "%lf%n", &v[i], &c) != 1)
				break;
			p += c;
		}
		found = i;
	}
	fclose(f);
	return found;
}

/* /proc/buddyinfo: free blocks per order of (node, zone). */
static inline int read_buddyinfo(int node, const char *zone, long long *nr, int max)
{
	double v[MMSCOPE_MAX_ORDERS];
	int n = read_zone_row("/proc/buddyinfo", node, zone, v,
			      max < MMSCOPE_MAX_ORDERS ? max : MMSCOPE_MAX_ORDERS), i;

	for (i = 0; i < n; i++)
		nr[i] = (long long)v[i];
	return n;
}

/* /proc/pagetypeinfo: free list counts [mt][order] and pageblocks [mt]. */
struct pti {
	long long free[MMSCOPE_MT_NR][MMSCOPE_MAX_ORDERS];
	int capped[MMSCOPE_MT_NR][MMSCOPE_MAX_ORDERS];
	long long blocks[MMSCOPE_MT_NR];
	int has_mt[MMSCOPE_MT_NR];
};

static inline int mt_index(const char *name)
{
	int i;

	for (i = 0; i < MMSCOPE_MT_NR; i++)
		if (!strcmp(name, mt_names[i]))
			return i;
	return -1;
}

static inline int read_pagetypeinfo(int node, const char *zone, struct pti *t)
{
	FILE *f = fopen("/proc/pagetypeinfo", "re");
	char line[1024], name[32], type[32], hdr[MMSCOPE_MT_NR][32];
	int nd, off, i, nhdr = 0, blocks_section = 0;

	if (!f)
		return -errno;
	memset(t, 0, sizeof(*t));
	while (fgets(line, sizeof(line), f)) {
		char *p;

		/* each node has both sections, in this order */
		if (!strncmp(line, "Free pages count per migrate type", 33)) {
			blocks_section = 0;
			continue;
		}
		if (!strncmp(line, "Number of blocks type", 21)) {
			blocks_section = 1;
			nhdr = 0;
			p = line + 21;
			while (nhdr < MMSCOPE_MT_NR && sscanf(p, "%31s%n", hdr[nhdr], &off) == 1) {
				nhdr++;
				p += off;
			}
			continue;
		}
		if (!blocks_section &&
		    sscanf(line, "Node %d, zone %31[^,], type %31s%n", &nd, name, type, &off) == 3) {
			int mt = mt_index(type);

			if (nd != node || strcmp(name, zone) || mt < 0)
				continue;
			t->has_mt[mt] = 1;
			p = line + off;
			for (i = 0; i < MMSCOPE_MAX_ORDERS; i++) {
				int c;

				while (*p == ' ')
					p++;
				if (*p == '>') {
					t->capped[mt][i] = 1;
					p++;
				}
				if (sscanf(p, "%lld%n", &t->free[mt][i], &c) != 1)
					break;
				p += c;
			}
			continue;
		}
		if (blocks_section && sscanf(line, "Node %d, zone %31s%n", &nd, name, &off) == 2 &&
		    nd == node && !strcmp(name, zone)) {
			p = line + off;
			for (i = 0; i < nhdr; i++) {
				int c, mt = mt_index(hdr[i]);
				long long v;

				if (sscanf(p, "%lld%n", &v, &c) != 1)
					break;
				p += c;
				if (mt >= 0)
					t->blocks[mt] = v;
			}
		}
	}
	fclose(f);
	return 0;
}

/* /sys/kernel/debug/extfrag/<file>: indices x1000 per order of (node, zone). */
static inline int read_extfrag(const char *file, int node, const char *zone, int *idx, int max)
{
	double v[MMSCOPE_MAX_ORDERS];
	char path[128];
	int n, i;

	snprintf(path, sizeof(path), "/sys/kernel/debug/extfrag/%s", file);
	n = read_zone_row(path, node, zone, v, max < MMSCOPE_MAX_ORDERS ? max : MMSCOPE_MAX_ORDERS);
	for (i = 0; i < n; i++)
		idx[i] = (int)(v[i] * 1000 + (v[i] < 0 ? -0.5 : 0.5));
	return n;
}

/*
 * How far a zone's vmstat counter may be from its true value: every online
 * CPU keeps up to stat_threshold pages of changes not yet folded into the
 * zone's counter (__mod_zone_page_state() folds a CPU's diff once it passes
 * the threshold, refresh_cpu_vm_stats() every second).  zoneinfo and the
 * module read the same folded word (zone_page_state()), so a reading taken
 * between two others can be outside them only by what was folded between
 * the reads: at most the threshold on each CPU.  The threshold is the
 * zone's own, from zoneinfo ("vm stats threshold", per CPU; the largest).
 */
static inline long long zone_drift(const struct zi *x, const struct zi *y)
{
	long long t = x->thr_max > y->thr_max ? x->thr_max : y->thr_max;

	return t * get_nprocs();
}

/* Figures of one cache; the tolerances below are in the cache's own units. */
struct si {
	char name[MMSCOPE_SLAB_NAME_LEN];
	long long active, num, size, perslab, pages, aslabs, nslabs;
};

#define MAXSI 1024

/* /proc/slabinfo, every cache in list order; returns the count or -1. */
static inline int read_slabinfo(struct si *s, int max)
{
	FILE *f = fopen("/proc/slabinfo", "re");
	char line[512];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f) && n < max) {
		struct si *e = &s[n];

		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%63s %lld %lld %lld %lld %lld : tunables %*d %*d %*d : slabdata %lld %lld",
			   e->name, &e->active, &e->num, &e->size, &e->perslab,
			   &e->pages, &e->aslabs, &e->nslabs) == 8)
			n++;
	}
	fclose(f);
	return n;
}

static inline const struct si *find_si(const struct si *s, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(s[i].name, name))
			return &s[i];
	return NULL;
}


/* A /proc/vmstat value, or -1. */
static inline long long vmstat(const char *key)
{
	FILE *f = fopen("/proc/vmstat", "re");
	char k[64];
	long long v, ret = -1;

	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", k, &v) == 2) {
		if (!strcmp(k, key)) {
			ret = v;
			break;
		}
	}
	fclose(f);
	return ret;
}

static inline void stat_refresh(void)
{
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, "1", 1) < 0) {
			/* EINVAL when a counter is transiently negative: harmless */
		}
		close(fd);
	}
}

static const char *const lru_vmstat[MMSCOPE_LRU_NR] = {
	"nr_inactive_anon", "nr_active_anon", "nr_inactive_file",
	"nr_active_file", "nr_unevictable",
};

static inline void read_lru_vmstat(long long *v)
{
	int i;

	stat_refresh();
	for (i = 0; i < MMSCOPE_LRU_NR; i++)
		v[i] = vmstat(lru_vmstat[i]);
}

/*
 * How far a sum of vmstat counters over every zone (free pages) or node
 * (the LRU lists in /proc/vmstat) may be from the truth.  For the LRU the
 * module counts the lists themselves (the memcgs' exact lru_zone_size[] and the
 * MGLRU generation counters); vmstat's node counters lag them by the
 * changes each online CPU has not folded yet, at most the node's stat
 * threshold per CPU (the largest of its zones' thresholds,
 * refresh_zone_stat_thresholds()).  stat_refresh folds them all just before
 * each read, so this bounds only what accumulates after it.  The sum of
 * every zone's threshold is at least the sum of the nodes' thresholds, and
 * for free pages it is exactly zone_drift() summed.
 */
static inline long long total_drift(void)
{
	struct zi z[MAXZ];
	int n = read_zoneinfo(z), i;
	long long t = 0;

	for (i = 0; i < n; i++)
		t += z[i].thr_max;
	return t * get_nprocs();
}

#endif /* MMSCOPE_ORACLE_H */
