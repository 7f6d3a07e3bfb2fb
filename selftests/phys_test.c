// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope physical-memory tests: zones, buddy free lists, LRU lists and the
 * cost statistics, each checked against a file the kernel computes itself.
 *
 * Figures that move while the test runs are bracketed: read the oracle, the
 * module, the oracle again, and require the module to lie between the two
 * oracle readings, widened by a small tolerance stated at each check
 * (PHYS_TOL_* below).  Deltas: move a figure in a known direction and
 * compare the module's change with the oracle's.
 */
#include <dirent.h>
#include <limits.h>
#include <sched.h>
#include <stddef.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <time.h>

#include "kselftest_harness.h"
#include "mmscope_test.h"

#define PHYS_DIR	MMSCOPE_DEBUGFS

/* Pages the system may move between two back-to-back reads in an idle guest. */
#define PHYS_TOL_PAGES	512
/* Free blocks per order likewise. */
#define PHYS_TOL_BLOCKS	64
/* Pageblocks whose migratetype may change between reads. */
#define PHYS_TOL_PB	4
/* The longest lock hold we accept under TCG emulation (native is ~10x less). */
#define PHYS_MAX_HOLD_NS	(200ULL * 1000 * 1000)

_Static_assert(sizeof(struct mmscope_phys_snap) == MMSCOPE_PHYS_SNAP_SIZE_VER0, "snap");
_Static_assert(sizeof(struct mmscope_zone_rec) == MMSCOPE_ZONE_REC_SIZE_VER0, "zone");
_Static_assert(sizeof(struct mmscope_buddy_rec) == MMSCOPE_BUDDY_REC_SIZE_VER0, "buddy");
_Static_assert(sizeof(struct mmscope_lru_rec) == MMSCOPE_LRU_REC_SIZE_VER0, "lru");
_Static_assert(sizeof(struct mmscope_phys_stat_rec) == MMSCOPE_PHYS_STAT_REC_SIZE_VER0, "stat");
_Static_assert(sizeof(struct mmscope_slab_rec) == MMSCOPE_SLAB_REC_SIZE_VER0, "slab");

static const char *const mt_names[MMSCOPE_MT_NR] = {
	"Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate",
};

static int in_bracket(long long a, long long m, long long b, long long tol)
{
	long long lo = a < b ? a : b, hi = a < b ? b : a;

	return m >= lo - tol && m <= hi + tol;
}

/* ---- the module ----------------------------------------------------------- */

/* A snapshot into a fresh buffer; returns the record count or -errno. */
static long phys_snap(int fd, unsigned long cmd, size_t rec_size, void **out)
{
	struct mmscope_phys_snap s;
	size_t cap = 64;
	void *buf = NULL;

	for (;;) {
		free(buf);
		buf = calloc(cap, rec_size);
		if (!buf)
			return -ENOMEM;
		memset(&s, 0, sizeof(s));
		s.size = sizeof(s);
		s.rec_size = rec_size;
		s.buf = (unsigned long)buf;
		s.buf_len = cap * rec_size;
		if (ioctl(fd, cmd, &s)) {
			free(buf);
			return -errno;
		}
		if (s.nr_recs == s.nr_total)
			break;
		cap = s.nr_total * 2;
	}
	*out = buf;
	return s.nr_recs;
}

static int phys_open(struct __test_metadata *_metadata)
{
	struct mmscope_api api;
	int fd = open(MMSCOPE_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	memset(&api, 0, sizeof(api));
	api.size = sizeof(api);
	if (ioctl(fd, MMSCOPE_IOC_GET_API, &api) ||
	    !(api.features & MMSCOPE_FEATURE_PHYS_MEMORY)) {
		close(fd);
		return -EOPNOTSUPP;
	}
	return fd;
}

/* ---- oracles ------------------------------------------------------------- */

#define MAXZ 16

struct zi {			/* one zone of /proc/zoneinfo */
	int node;
	char name[16];
	long long free, boost, min, low, high, spanned, present, managed, cma;
	long long prot[MMSCOPE_MAX_ZONES];
	int nprot;
	long long pcp;		/* pages on the per-CPU lists, all CPUs */
	long long stat[MMSCOPE_ZS_NR];
	int has_stat[MMSCOPE_ZS_NR];
};

static const char *const zs_names[MMSCOPE_ZS_NR] = {
	"nr_free_pages", "nr_zone_inactive_anon", "nr_zone_active_anon",
	"nr_zone_inactive_file", "nr_zone_active_file", "nr_zone_unevictable",
	"nr_zone_write_pending", "nr_mlock", "nr_bounce", "nr_zspages",
	"nr_free_cma", "nr_unaccepted",
};

static int read_zoneinfo(struct zi *z)
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
		else if (!strcmp(key, "boost")) z[n].boost = v;
		else if (!strcmp(key, "min")) z[n].min = v;
		else if (!strcmp(key, "low")) z[n].low = v;
		else if (!strcmp(key, "high")) z[n].high = v;
		else if (!strcmp(key, "spanned")) z[n].spanned = v;
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

static struct zi *find_zi(struct zi *z, int n, int node, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (z[i].node == node && !strcmp(z[i].name, name))
			return &z[i];
	return NULL;
}

/* /proc/buddyinfo: free blocks per order of (node, zone). */
static int read_buddyinfo(int node, const char *zone, long long *nr, int max)
{
	FILE *f = fopen("/proc/buddyinfo", "re");
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

			if (sscanf(p, "%lld%n", &nr[i], &c) != 1)
				break;
			p += c;
		}
		found = i;
	}
	fclose(f);
	return found;
}

/* /proc/pagetypeinfo: free list counts [mt][order] and pageblocks [mt]. */
struct pti {
	long long free[MMSCOPE_MT_NR][MMSCOPE_MAX_ORDERS];
	int capped[MMSCOPE_MT_NR][MMSCOPE_MAX_ORDERS];
	long long blocks[MMSCOPE_MT_NR];
	int has_mt[MMSCOPE_MT_NR];
};

static int mt_index(const char *name)
{
	int i;

	for (i = 0; i < MMSCOPE_MT_NR; i++)
		if (!strcmp(name, mt_names[i]))
			return i;
	return -1;
}

static int read_pagetypeinfo(int node, const char *zone, struct pti *t)
{
	FILE *f = fopen("/proc/pagetypeinfo", "re");
	char line[1024], name[32], type[32], hdr[MMSCOPE_MT_NR][32];
	int nd, off, i, nhdr = 0, blocks_section = 0;

	if (!f)
		return -errno;
	memset(t, 0, sizeof(*t));
	while (fgets(line, sizeof(line), f)) {
		char *p;

		if (!strncmp(line, "Number of blocks type", 21)) {
			blocks_section = 1;
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
static int read_extfrag(const char *file, int node, const char *zone, int *idx, int max)
{
	char path[128], line[512], name[32];
	FILE *f;
	int nd, off, i, found = -ENOENT;

	snprintf(path, sizeof(path), "/sys/kernel/debug/extfrag/%s", file);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p;

		if (sscanf(line, "Node %d, zone %31s%n", &nd, name, &off) != 2 ||
		    nd != node || strcmp(name, zone))
			continue;
		p = line + off;
		for (i = 0; i < max; i++) {
			double d;
			int c;

			if (sscanf(p, "%lf%n", &d, &c) != 1)
				break;
			idx[i] = (int)(d * 1000 + (d < 0 ? -0.5 : 0.5));
			p += c;
		}
		found = i;
	}
	fclose(f);
	return found;
}

/* A /proc/vmstat value, or -1. */
static long long vmstat(const char *key)
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

static void stat_refresh(void)
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

static void read_lru_vmstat(long long *v)
{
	int i;

	stat_refresh();
	for (i = 0; i < MMSCOPE_LRU_NR; i++)
		v[i] = vmstat(lru_vmstat[i]);
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = -errno;
	close(fd);
	return ret;
}

static int read_str(const char *path, char *buf, size_t len)
{
	return mmscope_read_line(path, buf, len);
}

/* Touch every page of a fresh anonymous mapping of @bytes. */
static char *populate(size_t bytes, int huge)
{
	char *p;
	size_t i;

	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	madvise(p, bytes, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	for (i = 0; i < bytes; i += 4096)
		p[i] = 1;
	return p;
}

/* ---- fixtures ------------------------------------------------------------ */

FIXTURE(phys)
{
	int fd;
};

FIXTURE_SETUP(phys)
{
	self->fd = phys_open(_metadata);
	if (self->fd == -EOPNOTSUPP)
		SKIP(return, "module without MMSCOPE_FEATURE_PHYS_MEMORY");
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", MMSCOPE_DEV, strerror(-self->fd));
}

FIXTURE_TEARDOWN(phys)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* ---- zones --------------------------------------------------------------- */

TEST_F(phys, zones_match_zoneinfo)
{
	struct zi a[MAXZ], b[MAXZ];
	struct mmscope_zone_rec *r;
	int na, nb, i, j, checked = 0;
	long n;

	na = read_zoneinfo(a);
	n = phys_snap(self->fd, MMSCOPE_IOC_PHYS_ZONES, sizeof(*r), (void **)&r);
	nb = read_zoneinfo(b);
	ASSERT_LT(0, na);
	ASSERT_EQ(na, nb);
	ASSERT_EQ(na, n) TH_LOG("zoneinfo lists every zone of every online node");
	for (i = 0; i < n; i++) {
		struct zi *x = find_zi(a, na, r[i].node, r[i].name);
		struct zi *y = find_zi(b, nb, r[i].node, r[i].name);

		ASSERT_NE(NULL, x) TH_LOG("zone %u/%s not in zoneinfo", r[i].node, r[i].name);
		ASSERT_NE(NULL, y);
		/* fixed while nothing is hot-plugged: exact */
		EXPECT_EQ(x->spanned, r[i].spanned);
		EXPECT_EQ(x->present, r[i].present);
		EXPECT_EQ(x->managed, r[i].managed);
		EXPECT_EQ(x->cma, r[i].cma);
		EXPECT_EQ(x->nprot, r[i].nr_zones);
		for (j = 0; j < x->nprot; j++)
			EXPECT_EQ(x->prot[j], r[i].protection[j]);
		/* watermarks move only with boost: bracketed, no tolerance */
		EXPECT_TRUE(in_bracket(x->boost, r[i].boost, y->boost, 0));
		EXPECT_TRUE(in_bracket(x->min, r[i].min, y->min, 0));
		EXPECT_TRUE(in_bracket(x->low, r[i].low, y->low, 0));
		EXPECT_TRUE(in_bracket(x->high, r[i].high, y->high, 0));
		/* counters move: bracketed +- PHYS_TOL_PAGES */
		EXPECT_TRUE(in_bracket(x->free, r[i].stat[MMSCOPE_ZS_FREE_PAGES], y->free,
				       PHYS_TOL_PAGES))
			TH_LOG("%s free %lld %llu %lld", r[i].name, x->free,
			       r[i].stat[MMSCOPE_ZS_FREE_PAGES], y->free);
		for (j = 0; j < MMSCOPE_ZS_NR; j++) {
			if (!x->has_stat[j])
				continue;
			EXPECT_TRUE(in_bracket(x->stat[j], r[i].stat[j], y->stat[j],
					       PHYS_TOL_PAGES))
				TH_LOG("%s %s: %lld %llu %lld", r[i].name, zs_names[j],
				       x->stat[j], r[i].stat[j], y->stat[j]);
			checked++;
		}
	}
	EXPECT_LT(0, checked);
	free(r);
}

TEST_F(phys, zones_text_matches_ioctl)
{
	struct mmscope_zone_rec *r;
	char line[1024], name[16];
	unsigned long long spanned, managed;
	unsigned int node;
	long n;
	int lines = 0, i;
	FILE *f;

	n = phys_snap(self->fd, MMSCOPE_IOC_PHYS_ZONES, sizeof(*r), (void **)&r);
	ASSERT_LT(0, n);
	f = fopen(PHYS_DIR "/zones", "re");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(line, sizeof(line), f));
	EXPECT_STREQ("# mmscope zones format 1\n", line);
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		ASSERT_EQ(4, sscanf(line, "%u %15s %*u %llu %*u %llu", &node, name,
				    &spanned, &managed));
		for (i = 0; i < n; i++)
			if (r[i].node == node && !strcmp(r[i].name, name))
				break;
		ASSERT_LT(i, n);
		EXPECT_EQ(r[i].spanned, spanned);
		EXPECT_EQ(r[i].managed, managed);
		lines++;
	}
	fclose(f);
	EXPECT_EQ(n, lines);
	free(r);
}

/* ---- buddy --------------------------------------------------------------- */

TEST_F(phys, buddy_walk_agrees_with_nr_free)
{
	struct mmscope_buddy_rec *r;
	long n, i;
	int o, mt;

	n = phys_snap(self->fd, MMSCOPE_IOC_PHYS_BUDDY, sizeof(*r), (void **)&r);
	ASSERT_LT(0, n);
	for (i = 0; i < n; i++) {
		for (o = 0; o < r[i].nr_orders; o++) {
			unsigned long long sum = 0;

			if (r[i].capped[o])
				continue;
			for (mt = 0; mt < MMSCOPE_MIGRATETYPES; mt++)
				sum += r[i].walked[o][mt];
			/* walked in the hold that read nr_free: exact */
			EXPECT_EQ(r[i].nr_free[o], sum)
				TH_LOG("%s order %d", r[i].name, o);
		}
	}
	free(r);
}

TEST_F(phys, buddy_matches_buddyinfo_and_free_pages)
{
	struct mmscope_buddy_rec *r;
	long long a[MMSCOPE_MAX_ORDERS], b[MMSCOPE_MAX_ORDERS];
	struct zi za[MAXZ], zb[MAXZ];
	int nza, nzb;
	long n, i;
	int o;

	/* whole-snapshot bracket: buddyinfo of every zone before and after */
	nza = read_zoneinfo(za);
	n = phys_snap(self->fd, MMSCOPE_IOC_PHYS_BUDDY, sizeof(*r), (void **)&r);
	nzb = read_zoneinfo(zb);
	ASSERT_LT(0, n);
	for (i = 0; i < n; i++) {
		unsigned long long pages = 0;
		struct zi *x = find_zi(za, nza, r[i].node, r[i].name);
		struct zi *y = find_zi(zb, nzb, r[i].node, r[i].name);

		ASSERT_EQ(r[i].nr_orders, read_buddyinfo(r[i].node, r[i].name, a, MMSCOPE_MAX_ORDERS));
		for (o = 0; o < r[i].nr_orders; o++)
			pages += r[i].nr_free[o] << o;
		/* every free page is on a free list: sum == NR_FREE_PAGES */
		ASSERT_NE(NULL, x);
		ASSERT_NE(NULL, y);
		EXPECT_TRUE(in_bracket(x->free, pages, y->free, PHYS_TOL_PAGES))
			TH_LOG("%s: zoneinfo free %lld, buddy pages %llu, then %lld",
			       r[i].name, x->free, pages, y->free);
	}
	free(r);

	/* per zone: buddyinfo, module, buddyinfo */
	n = phys_snap(self->fd, MMSCOPE_IOC_PHYS_BUDDY, sizeof(*r), (void **)&r);
	for (i = 0; i < n; i++) {
		struct mmscope_buddy_rec *m;
		long k, j;

		read_buddyinfo(r[i].node, r[i].name, a, MMSCOPE_MAX_ORDERS);
		k = phys_snap(self->fd, MMSCOPE_IOC_PHYS_BUDDY, sizeof(*m), (void **)&m);
		read_buddyinfo(r[i].node, r[i].name, b, MMSCOPE_MAX_ORDERS);
		for (j = 0; j < k; j++)
			if (m[j].node == r[i].node && m[j].zone == r[i].zone)
				break;
		ASSERT_LT(j, k);
		for (o = 0; o < m[j].nr_orders; o++)
			EXPECT_TRUE(in_bracket(a[o], m[j].nr_free[o], b[o], PHYS_TOL_BLOCKS))
				TH_LOG("%s order %d: %lld %llu %lld", m[j].name, o, a[o],
				       m[j].nr_free[o], b[o]);
		free(m);
	}
	free(r);
}

TEST_F(phys, buddy_matches_pagetypeinfo)
{
	struct mmscope_buddy_rec *r;
	struct pti a, b;
	long n, i;
	int o, mt, checked = 0;

	n = phys_snap(self->fd, MMSCOPE_IOC_PHYS_BUDDY, sizeof(*r), (void **)&r);
	ASSERT_LT(0, n);
	for (i = 0; i < n; i++) {
		struct mmscope_buddy_rec *m;
		long k, j;

		ASSERT_EQ(0, read_pagetypeinfo(r[i].node, r[i].name, &a));
		k = phys_snap(self->fd, MMSCOPE_IOC_PHYS_BUDDY, sizeof(*m), (void **)&m);
		ASSERT_EQ(0, read_pagetypeinfo(r[i].node, r[i].name, &b));
		for (j = 0; j < k; j++)
			if (m[j].node == r[i].node && m[j].zone == r[i].zone)
				break;
		ASSERT_LT(j, k);
		for (mt = 0; mt < MMSCOPE_MT_NR; mt++) {
			if (!a.has_mt[mt]) {
				/* a type the kernel lacks has nothing */
				EXPECT_EQ(0, m[j].pageblocks[mt]);
				continue;
			}
			EXPECT_TRUE(in_bracket(a.blocks[mt], m[j].pageblocks[mt], b.blocks[mt],
					       PHYS_TOL_PB))
				TH_LOG("%s %s blocks: %lld %llu %lld", m[j].name, mt_names[mt],
				       a.blocks[mt], m[j].pageblocks[mt], b.blocks[mt]);
			for (o = 0; o < m[j].nr_orders; o++) {
				if (a.capped[mt][o] || b.capped[mt][o] ||
				    (m[j].capped[o] & (1u << mt)))
					continue;
				EXPECT_TRUE(in_bracket(a.free[mt][o], m[j].walked[o][mt],
						       b.free[mt][o], PHYS_TOL_BLOCKS))
					TH_LOG("%s %s order %d: %lld %llu %lld", m[j].name,
					       mt_names[mt], o, a.free[mt][o],
					       m[j].walked[o][mt], b.free[mt][o]);
				checked++;
			}
		}
		free(m);
	}
	EXPECT_LT(0, checked);
	free(r);
}

TEST_F(phys, buddy_indices_match_extfrag)
{
	struct mmscope_buddy_rec *r;
	int ua[MMSCOPE_MAX_ORDERS], ub[MMSCOPE_MAX_ORDERS];
	int fa[MMSCOPE_MAX_ORDERS], fb[MMSCOPE_MAX_ORDERS];
	long n, i;
	int o;

	if (access("/sys/kernel/debug/extfrag/unusable_index", R_OK))
		SKIP(return, "no /sys/kernel/debug/extfrag (CONFIG_COMPACTION off?)");
	for (i = 0; ; i++) {
		n = phys_snap(self->fd, MMSCOPE_IOC_PHYS_BUDDY, sizeof(*r), (void **)&r);
		ASSERT_LT(0, n);
		if (i >= n) {
			free(r);
			break;
		}
		read_extfrag("unusable_index", r[i].node, r[i].name, ua, MMSCOPE_MAX_ORDERS);
		read_extfrag("extfrag_index", r[i].node, r[i].name, fa, MMSCOPE_MAX_ORDERS);
		free(r);
		n = phys_snap(self->fd, MMSCOPE_IOC_PHYS_BUDDY, sizeof(*r), (void **)&r);
		ASSERT_LT(i, n);
		read_extfrag("unusable_index", r[i].node, r[i].name, ub, MMSCOPE_MAX_ORDERS);
		read_extfrag("extfrag_index", r[i].node, r[i].name, fb, MMSCOPE_MAX_ORDERS);
		for (o = 0; o < r[i].nr_orders; o++) {
			/* indices in thousandths; 5 = 0.5 % of free memory moved */
			EXPECT_TRUE(in_bracket(ua[o], r[i].unusable[o], ub[o], 5))
				TH_LOG("%s unusable[%d]: %d %d %d", r[i].name, o, ua[o],
				       r[i].unusable[o], ub[o]);
			EXPECT_TRUE(in_bracket(fa[o], r[i].fragmentation[o], fb[o], 5))
				TH_LOG("%s fragmentation[%d]: %d %d %d", r[i].name, o, fa[o],
				       r[i].fragmentation[o], fb[o]);
		}
		free(r);
	}
}

/* Sum of free pages over every zone: module (from buddy) and zoneinfo. */
static long long module_free_pages(int fd, long long *order9)
{
	struct mmscope_buddy_rec *r;
	long long pages = 0, big = 0;
	long n, i;
	int o;

	n = phys_snap(fd, MMSCOPE_IOC_PHYS_BUDDY, sizeof(*r), (void **)&r);
	if (n <= 0)
		return -1;
	for (i = 0; i < n; i++) {
		for (o = 0; o < r[i].nr_orders; o++) {
			pages += r[i].nr_free[o] << o;
			if (o >= 9)
				big += r[i].nr_free[o] << (o - 9);
		}
	}
	free(r);
	if (order9)
		*order9 = big;
	return pages;
}

/* Free pages plus the pages resting on per-CPU lists, from zoneinfo. */
static long long oracle_free_and_pcp(void)
{
	struct zi z[MAXZ];
	long long pages = 0;
	int n = read_zoneinfo(z), i;

	for (i = 0; i < n; i++)
		pages += z[i].free + z[i].pcp;
	return pages;
}

static long long oracle_free_pages(long long *order9)
{
	struct zi z[MAXZ];
	long long pages = 0, big = 0, nr[MMSCOPE_MAX_ORDERS];
	int n = read_zoneinfo(z), i, o, k;

	for (i = 0; i < n; i++) {
		pages += z[i].free;
		k = read_buddyinfo(z[i].node, z[i].name, nr, MMSCOPE_MAX_ORDERS);
		for (o = 9; o < k; o++)
			big += nr[o] << (o - 9);
	}
	if (order9)
		*order9 = big;
	return pages;
}

TEST_F(phys, delta_anon_populate_and_free)
{
	const size_t bytes = 64UL << 20;
	long long m0, o0, m1, o1, m2, o2, p0, p1, p2, want = bytes / 4096;
	char *p;

	p0 = oracle_free_and_pcp();
	o0 = oracle_free_pages(NULL);
	m0 = module_free_pages(self->fd, NULL);
	p = populate(bytes, 0);
	ASSERT_NE(NULL, p);
	p1 = oracle_free_and_pcp();
	o1 = oracle_free_pages(NULL);
	m1 = module_free_pages(self->fd, NULL);
	/*
	 * About 16384 pages go, partly from the per-CPU lists, which are not
	 * counted free: free + per-CPU pages drop by them; the module sees
	 * the same change of free pages as zoneinfo.
	 */
	EXPECT_LE(want * 9 / 10, p0 - p1)
		TH_LOG("free+pcp dropped by %lld, free by %lld", p0 - p1, o0 - o1);
	EXPECT_TRUE(llabs((m0 - m1) - (o0 - o1)) <= PHYS_TOL_PAGES)
		TH_LOG("module delta %lld, zoneinfo delta %lld", m0 - m1, o0 - o1);
	munmap(p, bytes);
	o2 = oracle_free_pages(NULL);
	m2 = module_free_pages(self->fd, NULL);
	p2 = oracle_free_and_pcp();
	/* freed pages may rest on the per-CPU lists, which are not "free" */
	EXPECT_LE(want * 9 / 10, p2 - p1);
	EXPECT_TRUE(llabs((m2 - m1) - (o2 - o1)) <= PHYS_TOL_PAGES)
		TH_LOG("module delta %lld, zoneinfo delta %lld", m2 - m1, o2 - o1);
}

TEST_F(phys, delta_thp_order9_blocks)
{
	const size_t bytes = 32UL << 20;
	long long mb0, ob0, mb1, ob1;
	char *raw, *p;
	char thp[64];

	if (read_str("/sys/kernel/mm/transparent_hugepage/enabled", thp, sizeof(thp)) ||
	    strstr(thp, "[never]"))
		SKIP(return, "THP disabled");
	oracle_free_pages(&ob0);
	module_free_pages(self->fd, &mb0);
	raw = mmap(NULL, bytes + (2UL << 20), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, raw);
	p = (char *)(((unsigned long)raw + (2UL << 20) - 1) & ~((2UL << 20) - 1));
	ASSERT_EQ(0, madvise(p, bytes, MADV_HUGEPAGE));
	for (size_t i = 0; i < bytes; i += 2UL << 20)
		p[i] = 1;
	oracle_free_pages(&ob1);
	module_free_pages(self->fd, &mb1);
	/* 16 huge pages: order-9 capacity drops by about 16 in both */
	EXPECT_TRUE(llabs((mb0 - mb1) - (ob0 - ob1)) <= 2)
		TH_LOG("order>=9 blocks: module %lld -> %lld, buddyinfo %lld -> %lld",
		       mb0, mb1, ob0, ob1);
	if (ob0 - ob1 < 8)
		TH_LOG("only %lld huge pages appeared", ob0 - ob1);
	munmap(raw, bytes + (2UL << 20));
	oracle_free_pages(&ob0);
	module_free_pages(self->fd, &mb0);
	EXPECT_TRUE(llabs((mb0 - mb1) - (ob0 - ob1)) <= 2);

	/* compaction: afterwards the module's indices still track extfrag */
	if (!write_str("/proc/sys/vm/compact_memory", "1")) {
		oracle_free_pages(&ob1);
		module_free_pages(self->fd, &mb1);
		EXPECT_TRUE(llabs(mb1 - ob1) <= 2)
			TH_LOG("after compaction: module %lld, buddyinfo %lld", mb1, ob1);
	}
}

/* ---- LRU ----------------------------------------------------------------- */

static long lru_snap(int fd, struct mmscope_lru_rec **r)
{
	return phys_snap(fd, MMSCOPE_IOC_PHYS_LRU, sizeof(**r), (void **)r);
}

static void lru_sum(const struct mmscope_lru_rec *r, long n, long long *sum)
{
	long i;
	int l;

	memset(sum, 0, sizeof(long long) * MMSCOPE_LRU_NR);
	for (i = 0; i < n; i++)
		for (l = 0; l < MMSCOPE_LRU_NR; l++)
			sum[l] += r[i].lists[l];
}

static void check_lru_vs_vmstat(struct __test_metadata *_metadata, int fd)
{
	long long a[MMSCOPE_LRU_NR], b[MMSCOPE_LRU_NR], m[MMSCOPE_LRU_NR];
	struct mmscope_lru_rec *r;
	long n;
	int l;

	read_lru_vmstat(a);
	n = lru_snap(fd, &r);
	read_lru_vmstat(b);
	ASSERT_LT(0, n);
	lru_sum(r, n, m);
	for (l = 0; l < MMSCOPE_LRU_NR; l++) {
		int ok = in_bracket(a[l], m[l], b[l], PHYS_TOL_PAGES);

		if (!ok)
			TH_LOG("%s: vmstat %lld, module %lld, vmstat %lld", lru_vmstat[l],
			       a[l], m[l], b[l]);
		EXPECT_TRUE(ok);
	}
	free(r);
}

TEST_F(phys, lru_matches_vmstat)
{
	check_lru_vs_vmstat(_metadata, self->fd);
}

TEST_F(phys, lru_walk_matches_counters)
{
	struct mmscope_lru_rec *r;
	long n, i;

	n = lru_snap(self->fd, &r);
	ASSERT_LT(0, n);
	for (i = 0; i < n; i++) {
		if (r[i].walk_capped)
			continue;
		/* each list against its counter in the same hold; MGLRU's
		 * per-generation counters settle lazily: small tolerance */
		EXPECT_TRUE(llabs((long long)r[i].walk_pages - (long long)r[i].walk_expected) <=
			    (r[i].flags & MMSCOPE_LRU_MGLRU ? 64 : 0))
			TH_LOG("cgroup %llu node %u: walked %llu pages, counters %llu",
			       r[i].cgroup_id, r[i].node, r[i].walk_pages, r[i].walk_expected);
		EXPECT_GE(r[i].walk_pages, r[i].walk_folios);
	}
	free(r);
}

TEST_F(phys, lru_anon_delta)
{
	const size_t bytes = 32UL << 20;
	long long m0[MMSCOPE_LRU_NR], m1[MMSCOPE_LRU_NR], v0[MMSCOPE_LRU_NR], v1[MMSCOPE_LRU_NR];
	struct mmscope_lru_rec *r;
	long n;
	char *p;

	read_lru_vmstat(v0);
	n = lru_snap(self->fd, &r);
	ASSERT_LT(0, n);
	lru_sum(r, n, m0);
	free(r);
	p = populate(bytes, 0);
	ASSERT_NE(NULL, p);
	read_lru_vmstat(v1);
	n = lru_snap(self->fd, &r);
	lru_sum(r, n, m1);
	free(r);
	{
		long long dm = m1[0] + m1[1] - m0[0] - m0[1];
		long long dv = v1[0] + v1[1] - v0[0] - v0[1];

		EXPECT_LE((long long)(bytes / 4096) * 9 / 10, dm);
		EXPECT_TRUE(llabs(dm - dv) <= PHYS_TOL_PAGES)
			TH_LOG("anon LRU delta: module %lld, vmstat %lld", dm, dv);
	}
	munmap(p, bytes);
}

#define CG_ROOT	"/sys/fs/cgroup"
#define CG_DIR	CG_ROOT "/mmscope_phys_test"

/* memory.stat value of the test cgroup, in pages. */
static long long memstat(const char *key)
{
	FILE *f = fopen(CG_DIR "/memory.stat", "re");
	char k[64];
	long long v, ret = -1;

	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", k, &v) == 2)
		if (!strcmp(k, key))
			ret = v / 4096;
	fclose(f);
	return ret;
}

TEST_F(phys, lru_memcg_reported_separately)
{
	const size_t bytes = 16UL << 20;
	int go[2], done[2], status;
	struct mmscope_lru_rec *r;
	struct stat st;
	long long a, b, m = -1;
	char c, pidbuf[32];
	pid_t pid;
	long n, i;

	if (access(CG_ROOT "/cgroup.subtree_control", W_OK))
		SKIP(return, "no writable cgroup2 at " CG_ROOT);
	write_str(CG_ROOT "/cgroup.subtree_control", "+memory");
	rmdir(CG_DIR);
	ASSERT_EQ(0, mkdir(CG_DIR, 0755));
	ASSERT_EQ(0, stat(CG_DIR, &st));
	if (access(CG_DIR "/memory.stat", R_OK)) {
		rmdir(CG_DIR);
		SKIP(return, "memory controller not available");
	}
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(done));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char *p;

		close(go[1]);
		close(done[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		p = populate(bytes, 0);
		if (!p || write(done[1], "x", 1) != 1)
			_exit(1);
		if (read(go[0], &c, 1) < 0)	/* until the parent closes */
			_exit(1);
		_exit(0);
	}
	close(go[0]);
	close(done[1]);
	snprintf(pidbuf, sizeof(pidbuf), "%d", pid);
	ASSERT_EQ(0, write_str(CG_DIR "/cgroup.procs", pidbuf));
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(1, read(done[0], &c, 1));

	a = memstat("inactive_anon") + memstat("active_anon");
	n = lru_snap(self->fd, &r);
	b = memstat("inactive_anon") + memstat("active_anon");
	ASSERT_LT(0, n);
	for (i = 0; i < n; i++) {
		if (r[i].cgroup_id != (unsigned long long)st.st_ino)
			continue;
		if (m < 0)
			m = 0;
		m += r[i].lists[MMSCOPE_LRU_INACTIVE_ANON] + r[i].lists[MMSCOPE_LRU_ACTIVE_ANON];
	}
	free(r);
	close(go[1]);
	waitpid(pid, &status, 0);
	rmdir(CG_DIR);

	ASSERT_LE(0, m) TH_LOG("no lruvec with cgroup id %llu", (unsigned long long)st.st_ino);
	EXPECT_LE((long long)(bytes / 4096) * 9 / 10, m);
	/* memory.stat is flushed lazily (up to 64 pages per CPU behind) */
	EXPECT_TRUE(in_bracket(a, m, b, 64 * get_nprocs()))
		TH_LOG("memory.stat anon %lld, module %lld, memory.stat %lld", a, m, b);
}

TEST_F(phys, lru_mglru_off_and_on)
{
	const char *path = "/sys/kernel/mm/lru_gen/enabled";
	char was[32];
	struct mmscope_lru_rec *r;
	long n, i;
	int pass;

	if (read_str(path, was, sizeof(was)))
		SKIP(return, "no MGLRU in this kernel");
	for (pass = 0; pass < 2; pass++) {
		int on = pass == 0 ? !strcmp(was, "0x0000") : !!strcmp(was, "0x0000");

		ASSERT_EQ(0, write_str(path, on ? "y" : "n"));
		n = lru_snap(self->fd, &r);
		ASSERT_LT(0, n);
		for (i = 0; i < n; i++) {
			long long gens[2] = { 0, 0 };
			int g;

			EXPECT_EQ(on, !!(r[i].flags & MMSCOPE_LRU_MGLRU));
			if (!on)
				continue;
			EXPECT_LE(2, r[i].nr_gens);
			for (g = 0; g < MMSCOPE_LRU_GENS; g++) {
				gens[0] += r[i].gen_pages[g][0];
				gens[1] += r[i].gen_pages[g][1];
			}
			/* generations cover the evictable lists; only pages still
			 * on classic lists (none once switched) come on top */
			EXPECT_LE(gens[0], (long long)(r[i].lists[0] + r[i].lists[1]));
			EXPECT_LE(gens[1], (long long)(r[i].lists[2] + r[i].lists[3]));
		}
		free(r);
		check_lru_vs_vmstat(_metadata, self->fd);
	}
	/* restore */
	ASSERT_EQ(0, write_str(path, strcmp(was, "0x0000") ? "y" : "n"));
}

/* ---- file LRU: page cache of a block-backed file ------------------------- */

#define FILE_MIB	32
#define FILE_PAGES	(FILE_MIB * 256)

/* Module and vmstat LRU sums, one after the other. */
static void lru_both(int fd, long long *m, long long *v)
{
	struct mmscope_lru_rec *r;
	long n;

	read_lru_vmstat(v);
	n = lru_snap(fd, &r);
	if (n > 0) {
		lru_sum(r, n, m);
		free(r);
	} else {
		memset(m, 0, sizeof(long long) * MMSCOPE_LRU_NR);
	}
}

/* Scratch files: $MMSCOPE_TMP (the VM's tmpfs), $TMPDIR, /tmp. */
static const char *scratch_dir(void)
{
	const char *d = getenv("MMSCOPE_TMP");

	if (!d || !*d)
		d = getenv("TMPDIR");
	return d && *d ? d : "/tmp";
}

/* Page-sized reads: each one marks its page accessed (filemap_read()). */
static int read_pages(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	close(fd);
	return n < 0 ? -1 : 0;
}

static int drop_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	fsync(fd);
	ret = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
	return ret;
}

static int mglru_on(void)
{
	char v[32];

	return !read_str("/sys/kernel/mm/lru_gen/enabled", v, sizeof(v)) &&
	       strcmp(v, "0x0000");
}

/*
 * A file on ext2 over a loop device (not shmem, so its pages are file LRU
 * pages): read it into the page cache, read it again, drop it.  Each step
 * moves the file lists by about FILE_PAGES in the module and in vmstat.
 */
static void lru_file_delta(struct __test_metadata *_metadata, int fd);

TEST_F(phys, lru_file_delta)
{
	lru_file_delta(_metadata, self->fd);
}

/* The same in the other LRU mode (MGLRU toggled, then restored). */
TEST_F(phys, lru_file_delta_other_mode)
{
	const char *path = "/sys/kernel/mm/lru_gen/enabled";
	char was[32];

	if (read_str(path, was, sizeof(was)))
		SKIP(return, "no MGLRU in this kernel");
	ASSERT_EQ(0, write_str(path, strcmp(was, "0x0000") ? "n" : "y"));
	lru_file_delta(_metadata, self->fd);
	ASSERT_EQ(0, write_str(path, strcmp(was, "0x0000") ? "y" : "n"));
}

static void lru_file_delta(struct __test_metadata *_metadata, int fd)
{
	char img[256], mnt[256], file[300], cmd[2048];
	long long m[4][MMSCOPE_LRU_NR], v[4][MMSCOPE_LRU_NR];
	const char *step[4] = { "start", "read", "re-read", "dropped" };
	int s, mglru = mglru_on();

	snprintf(img, sizeof(img), "%s/mmscope-phys-%d.img", scratch_dir(), getpid());
	snprintf(mnt, sizeof(mnt), "%s/mmscope-phys-%d.mnt", scratch_dir(), getpid());
	snprintf(file, sizeof(file), "%s/data", mnt);
	snprintf(cmd, sizeof(cmd),
		 "modprobe loop 2>/dev/null; truncate -s %dM %s && mkfs.ext2 -q -F %s >/dev/null 2>&1 && "
		 "mkdir -p %s && mount -o loop %s %s 2>/dev/null && "
		 "dd if=/dev/urandom of=%s bs=1M count=%d status=none",
		 FILE_MIB + 8, img, img, mnt, img, mnt, file, FILE_MIB);
	if (system(cmd)) {
		snprintf(cmd, sizeof(cmd), "umount %s 2>/dev/null", mnt);
		if (system(cmd)) {
		}
		rmdir(mnt);
		unlink(img);
		SKIP(return, "no loop-mounted ext2 in %s", scratch_dir());
	}
	ASSERT_EQ(0, drop_file(file));
	lru_both(fd, m[0], v[0]);
	ASSERT_EQ(0, read_pages(file));
	lru_both(fd, m[1], v[1]);
	ASSERT_EQ(0, read_pages(file));
	lru_both(fd, m[2], v[2]);
	ASSERT_EQ(0, drop_file(file));
	lru_both(fd, m[3], v[3]);

	for (s = 1; s < 4; s++) {
		long long dmi = m[s][2] - m[s - 1][2], dma = m[s][3] - m[s - 1][3];
		long long dvi = v[s][2] - v[s - 1][2], dva = v[s][3] - v[s - 1][3];

		TH_LOG("%s (%s): inactive_file %+lld / %+lld, active_file %+lld / %+lld (module / vmstat)",
		       step[s], mglru ? "mglru" : "classic", dmi, dvi, dma, dva);
		/* the module moves with vmstat, list by list */
		EXPECT_TRUE(llabs(dmi - dvi) <= PHYS_TOL_PAGES);
		EXPECT_TRUE(llabs(dma - dva) <= PHYS_TOL_PAGES);
	}
	/* read: the file's pages arrive; dropped: they leave */
	EXPECT_LE(FILE_PAGES * 9 / 10, (m[1][2] + m[1][3]) - (m[0][2] + m[0][3]));
	EXPECT_LE(FILE_PAGES * 9 / 10, (m[2][2] + m[2][3]) - (m[3][2] + m[3][3]));
	if (!mglru) {
		/* classic: first read lands inactive, the second activates */
		EXPECT_LE(FILE_PAGES * 8 / 10, m[1][2] - m[0][2]);
		EXPECT_LE(FILE_PAGES * 8 / 10, m[2][3] - m[1][3]);
		EXPECT_LE(FILE_PAGES * 8 / 10, m[1][2] - m[2][2]);
	} else {
		/* MGLRU: a read() re-access only bumps the folio's tier; the
		 * pages stay in their generation until aging: no big move */
		EXPECT_TRUE(llabs((m[2][2] + m[2][3]) - (m[1][2] + m[1][3])) <= PHYS_TOL_PAGES);
	}
	snprintf(cmd, sizeof(cmd), "umount %s", mnt);
	EXPECT_EQ(0, system(cmd));
	rmdir(mnt);
	unlink(img);
}

/* ---- slab ---------------------------------------------------------------- */

/* Figures of one cache; the tolerances below are in the cache's own units. */
struct si {
	char name[MMSCOPE_SLAB_NAME_LEN];
	long long active, num, size, perslab, pages, aslabs, nslabs;
};

#define MAXSI 1024

/* /proc/slabinfo, every cache in list order; returns the count or -1. */
static int read_slabinfo(struct si *s, int max)
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

static const struct si *find_si(const struct si *s, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(s[i].name, name))
			return &s[i];
	return NULL;
}

static long slab_snap(int fd, struct mmscope_slab_rec **r)
{
	return phys_snap(fd, MMSCOPE_IOC_PHYS_SLAB, sizeof(**r), (void **)r);
}

static const struct mmscope_slab_rec *find_rec(const struct mmscope_slab_rec *r,
					       long n, const char *name)
{
	long i;

	for (i = 0; i < n; i++)
		if (!strcmp(r[i].name, name))
			return &r[i];
	return NULL;
}

#define SLAB_SKIP_MSG	"slab view off (load with scripts/mmscope-load for the slab layout)"

static int slab_on(int fd)
{
	struct mmscope_phys_snap s;

	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.rec_size = sizeof(struct mmscope_slab_rec);
	return !ioctl(fd, MMSCOPE_IOC_PHYS_SLAB, &s);
}

/* A layout that was passed must have been accepted. */
TEST_F(phys, slab_layout_given_is_accepted)
{
	char v[4096];

	if (read_str("/sys/module/mmscope/parameters/slab_layout", v, sizeof(v)) ||
	    !strcmp(v, "(null)"))
		SKIP(return, "module loaded without slab_layout");
	EXPECT_TRUE(slab_on(self->fd))
		TH_LOG("slab_layout given but the view is off: see dmesg");
}

TEST_F(phys, slab_off_says_why)
{
	struct mmscope_slab_rec *r;
	char line[256];
	FILE *f;
	int found = 0;

	if (slab_on(self->fd))
		SKIP(return, "slab view on");
	f = fopen(PHYS_DIR "/slab", "re");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		found |= !strncmp(line, "# unavailable: ", 15);
	fclose(f);
	EXPECT_TRUE(found);
	EXPECT_EQ(-ENODATA, slab_snap(self->fd, &r));
}

/*
 * Every cache against slabinfo, bracketed.  Identity figures are exact; the
 * counts may move between reads by whole slabs, so the bracket is widened by
 * 2 slabs (2 x objperslab objects): one taken and given back between the
 * reads, which a monotonic bracket cannot catch.
 */
TEST_F(phys, slab_matches_slabinfo)
{
	static struct si a[MAXSI], b[MAXSI];
	struct mmscope_slab_rec *r;
	int na, nb, bad = 0, matched = 0;
	long n, i;

	if (!slab_on(self->fd))
		SKIP(return, SLAB_SKIP_MSG);
	na = read_slabinfo(a, MAXSI);
	n = slab_snap(self->fd, &r);
	nb = read_slabinfo(b, MAXSI);
	ASSERT_LT(0, na);
	ASSERT_LT(0, n);
	EXPECT_TRUE(in_bracket(na, n, nb, 0))
		TH_LOG("caches: slabinfo %d, module %ld, slabinfo %d", na, n, nb);
	for (i = 0; i < n; i++) {
		const struct mmscope_slab_rec *m = &r[i];
		const struct si *x = find_si(a, na, m->name), *y = find_si(b, nb, m->name);
		long long tol = 2 * m->objs_per_slab, sum = 0;
		unsigned int k;

		if (!x || !y)
			continue;	/* created or destroyed meanwhile */
		matched++;
		for (k = 0; k < MMSCOPE_SLAB_NODES; k++)
			sum += m->node_partial[k];
		if (m->size != x->size || m->objs_per_slab != x->perslab ||
		    m->pages_per_slab != x->pages ||
		    !in_bracket(x->active, m->active_objs, y->active, tol) ||
		    !in_bracket(x->num, m->num_objs, y->num, tol) ||
		    !in_bracket(x->nslabs, m->num_slabs, y->nslabs, 2) ||
		    !in_bracket(x->aslabs, m->active_slabs, y->aslabs, 2) ||
		    m->active_objs > m->num_objs || m->object_size > m->size ||
		    (m->flags & MMSCOPE_SLAB_MISMATCH) ||
		    (!(m->flags & MMSCOPE_SLAB_NODES_CUT) && sum != m->partial_slabs)) {
			bad++;
			TH_LOG("%s: slabinfo %lld/%lld/%lld, module %llu/%llu/%llu, slabinfo %lld/%lld/%lld (active/total/slabs); size %u/%lld perslab %u/%lld pages %u/%lld flags %x",
			       m->name, x->active, x->num, x->nslabs, m->active_objs,
			       m->num_objs, m->num_slabs, y->active, y->num, y->nslabs,
			       m->size, x->size, m->objs_per_slab, x->perslab,
			       m->pages_per_slab, x->pages, m->flags);
		}
	}
	TH_LOG("%d caches matched slabinfo by name, %d outside the bracket", matched, bad);
	EXPECT_LE(n * 9 / 10, matched);
	EXPECT_EQ(0, bad);
	free(r);
}

TEST_F(phys, slab_text_matches_ioctl)
{
	struct mmscope_slab_rec *r;
	char line[1024], name[MMSCOPE_SLAB_NAME_LEN];
	unsigned int size, osize, perslab, pages;
	long n, i = 0;
	FILE *f;

	if (!slab_on(self->fd))
		SKIP(return, SLAB_SKIP_MSG);
	n = slab_snap(self->fd, &r);
	ASSERT_LT(0, n);
	f = fopen(PHYS_DIR "/slab", "re");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		const struct mmscope_slab_rec *m;

		if (line[0] == '#')
			continue;
		ASSERT_EQ(5, sscanf(line, "%63s %u %u %u %u", name, &size, &osize,
				    &perslab, &pages));
		i++;
		m = find_rec(r, n, name);
		if (!m)
			continue;
		EXPECT_EQ(m->size, size);
		EXPECT_EQ(m->object_size, osize);
		EXPECT_EQ(m->objs_per_slab, perslab);
		EXPECT_EQ(m->pages_per_slab, pages);
	}
	fclose(f);
	EXPECT_TRUE(llabs(i - n) <= 2) TH_LOG("text %ld caches, ioctl %ld", i, n);
	free(r);
}

/*
 * The cache @name lives in: its own, or, when SLUB merged it into another,
 * the one whose /sys/kernel/slab entry links to the same directory and whose
 * name slabinfo shows.
 */
static int resolve_cache(const char *name, const struct si *s, int n,
			 char *out, size_t len)
{
	char path[300], target[256], t2[256];
	struct dirent *d;
	ssize_t l;
	DIR *dir;

	if (find_si(s, n, name)) {
		snprintf(out, len, "%s", name);
		return 0;
	}
	snprintf(path, sizeof(path), "/sys/kernel/slab/%s", name);
	l = readlink(path, target, sizeof(target) - 1);
	if (l < 0)
		return -1;
	target[l] = 0;
	dir = opendir("/sys/kernel/slab");
	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s", d->d_name);
		l = readlink(path, t2, sizeof(t2) - 1);
		if (l < 0)
			continue;
		t2[l] = 0;
		if (!strcmp(t2, target) && find_si(s, n, d->d_name)) {
			snprintf(out, len, "%.*s", (int)len - 1, d->d_name);
			closedir(dir);
			return 0;
		}
	}
	closedir(dir);
	return -1;
}

/* Oracle, module, oracle: active objects of one cache. */
struct slab_pt {
	long long o1, m, o2, perslab;
};

static int slab_point(int fd, const char *cache, struct slab_pt *p)
{
	static struct si a[MAXSI], b[MAXSI];
	const struct mmscope_slab_rec *m;
	const struct si *x, *y;
	struct mmscope_slab_rec *r;
	int na, nb;
	long n;

	na = read_slabinfo(a, MAXSI);
	n = slab_snap(fd, &r);
	nb = read_slabinfo(b, MAXSI);
	if (n <= 0)
		return -1;
	m = find_rec(r, n, cache);
	x = find_si(a, na, cache);
	y = find_si(b, nb, cache);
	if (!m || !x || !y) {
		free(r);
		return -1;
	}
	p->o1 = x->active;
	p->m = m->active_objs;
	p->o2 = y->active;
	p->perslab = m->objs_per_slab;
	free(r);
	return 0;
}

enum slab_load { LOAD_FILES, LOAD_TMPFS, LOAD_PIPES };

#define SLAB_N	2048

struct slab_work {
	int fds[2 * SLAB_N];
	int nfds;
	char dir[PATH_MAX];
	int files;
};

static int slab_load(enum slab_load kind, struct slab_work *w)
{
	char path[PATH_MAX + 32];
	int i;

	w->nfds = 0;
	w->files = 0;
	switch (kind) {
	case LOAD_FILES:
		for (i = 0; i < SLAB_N; i++) {
			int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

			if (fd < 0)
				return -errno;
			w->fds[w->nfds++] = fd;
		}
		return 0;
	case LOAD_TMPFS:
		for (i = 0; i < SLAB_N; i++) {
			int fd;

			snprintf(path, sizeof(path), "%s/f%d", w->dir, i);
			fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
			if (fd < 0)
				return -errno;
			close(fd);
			w->files++;
		}
		return 0;
	case LOAD_PIPES:
		for (i = 0; i < SLAB_N; i++) {
			if (pipe2(&w->fds[w->nfds], O_CLOEXEC))
				return -errno;
			w->nfds += 2;
		}
		return 0;
	}
	return -EINVAL;
}

static void slab_unload(struct slab_work *w)
{
	char path[PATH_MAX + 32];
	int i;

	for (i = 0; i < w->nfds; i++)
		close(w->fds[i]);
	for (i = 0; i < w->files; i++) {
		snprintf(path, sizeof(path), "%s/f%d", w->dir, i);
		unlink(path);
	}
	w->nfds = w->files = 0;
}

/*
 * Per-CPU slabs make slabinfo's active count move in whole slabs: objects
 * taken from a CPU's slab or its per-CPU partial slabs were already counted
 * active, and the last slab counts whole.  So the move is N within two
 * slabs' worth of objects per CPU plus four, plus 1/32 of N for unrelated
 * users of a shared cache.
 */
static long long slab_tol(long long perslab, long long n)
{
	return (get_nprocs() + 2) * perslab * 2 + n / 32;
}

static void slab_delta(struct __test_metadata *_metadata, int fd,
		       enum slab_load kind, const char *const *caches,
		       const long long *per_unit, int ncaches)
{
	static struct si s[MAXSI];
	struct slab_pt p0[4], p1[4];
	char real[4][MMSCOPE_SLAB_NAME_LEN];
	struct slab_work *w;
	struct rlimit rl = { 4 * SLAB_N + 64, 4 * SLAB_N + 64 };
	int i, ns, err;

	if (!slab_on(fd))
		SKIP(return, SLAB_SKIP_MSG);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	ns = read_slabinfo(s, MAXSI);
	ASSERT_LT(0, ns);
	for (i = 0; i < ncaches; i++)
		ASSERT_EQ(0, resolve_cache(caches[i], s, ns, real[i], sizeof(real[i])))
			TH_LOG("cache %s not found in slabinfo or /sys/kernel/slab", caches[i]);
	w = calloc(1, sizeof(*w));
	ASSERT_NE(NULL, w);
	snprintf(w->dir, sizeof(w->dir), "/dev/shm/mmscope-slab-%d", getpid());
	ASSERT_EQ(0, mkdir(w->dir, 0700));

	for (i = 0; i < ncaches; i++)
		ASSERT_EQ(0, slab_point(fd, real[i], &p0[i]));
	err = slab_load(kind, w);
	for (i = 0; i < ncaches && !err; i++)
		ASSERT_EQ(0, slab_point(fd, real[i], &p1[i]));
	slab_unload(w);
	rmdir(w->dir);
	free(w);
	ASSERT_EQ(0, err) TH_LOG("load: %s", strerror(-err));

	for (i = 0; i < ncaches; i++) {
		long long want = per_unit[i] * SLAB_N, dm = p1[i].m - p0[i].m;
		long long lo = p1[i].o1 - p0[i].o2, hi = p1[i].o2 - p0[i].o1;
		long long tol = slab_tol(p1[i].perslab, want);

		TH_LOG("%s (%s): module %+lld, slabinfo %+lld..%+lld, expected %+lld +- %lld",
		       caches[i], real[i], dm, lo, hi, want, tol);
		/* the module's move lies within slabinfo's (bracketed) */
		EXPECT_TRUE(dm >= lo - 2 * p1[i].perslab && dm <= hi + 2 * p1[i].perslab);
		/* and both moved by N */
		EXPECT_TRUE(llabs(dm - want) <= tol);
		EXPECT_TRUE(llabs((lo + hi) / 2 - want) <= tol);
	}
}

TEST_F(phys, slab_delta_open_files)
{
	const char *const c[] = { "filp" };
	const long long per[] = { 1 };

	slab_delta(_metadata, self->fd, LOAD_FILES, c, per, 1);
}

TEST_F(phys, slab_delta_tmpfs_files)
{
	const char *const c[] = { "dentry", "shmem_inode_cache" };
	const long long per[] = { 1, 1 };

	slab_delta(_metadata, self->fd, LOAD_TMPFS, c, per, 2);
}

TEST_F(phys, slab_delta_pipes)
{
	/* each pipe: a pipefs inode, a dentry, two files */
	const char *const c[] = { "inode_cache", "filp" };
	const long long per[] = { 1, 2 };

	slab_delta(_metadata, self->fd, LOAD_PIPES, c, per, 2);
}

/* ---- stats and stress ---------------------------------------------------- */

static int read_all(const char *path)
{
	char buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC), n, total = 0;

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	close(fd);
	return n < 0 ? -errno : total;
}

TEST_F(phys, stats_count_reads_and_bound_holds)
{
	struct mmscope_phys_stat_rec *s0, *s1;
	const char *const files[] = { "zones", "buddy", "lru", "slab" };
	long n, v;
	pid_t pid;
	int i, status, slab = slab_on(self->fd);

	n = phys_snap(self->fd, MMSCOPE_IOC_PHYS_STATS, sizeof(*s0), (void **)&s0);
	ASSERT_EQ(MMSCOPE_VIEW_NR, n);

	/* a memory-hungry neighbour while the files are read */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		time_t end = time(NULL) + 4;

		while (time(NULL) < end) {
			char *p = populate(128UL << 20, (end & 1));

			if (p)
				munmap(p, 128UL << 20);
		}
		_exit(0);
	}
	for (i = 0; i < 4 * 3; i++) {
		char path[128];

		snprintf(path, sizeof(path), PHYS_DIR "/%s", files[i % 4]);
		EXPECT_LT(0, read_all(path));
	}
	waitpid(pid, &status, 0);
	EXPECT_LT(0, read_all(PHYS_DIR "/stats"));

	n = phys_snap(self->fd, MMSCOPE_IOC_PHYS_STATS, sizeof(*s1), (void **)&s1);
	ASSERT_EQ(MMSCOPE_VIEW_NR, n);
	for (v = 0; v < n; v++) {
		EXPECT_EQ(v, s1[v].view);
		if (v == MMSCOPE_VIEW_SLAB && !slab)
			continue;	/* off: never read */
		EXPECT_LE(s0[v].reads + 3, s1[v].reads);
		EXPECT_LT(0, s1[v].last_read_ns);
		EXPECT_GE(s1[v].worst_read_ns, s1[v].last_read_ns);
		EXPECT_GE(s1[v].worst_hold_ns, s1[v].last_hold_ns);
		EXPECT_GT(PHYS_MAX_HOLD_NS, s1[v].worst_hold_ns)
			TH_LOG("view %ld worst hold %llu ns (%llu entries)", v,
			       s1[v].worst_hold_ns, s1[v].worst_hold_entries);
		TH_LOG("view %ld: reads %llu holds %llu worst read %llu ns, worst hold %llu ns / %llu entries, max entries %llu",
		       v, s1[v].reads, s1[v].holds, s1[v].worst_read_ns,
		       s1[v].worst_hold_ns, s1[v].worst_hold_entries, s1[v].max_hold_entries);
	}
	EXPECT_EQ(0, s1[MMSCOPE_VIEW_ZONES].holds);	/* lockless view */
	EXPECT_LT(0, s1[MMSCOPE_VIEW_BUDDY].holds);
	EXPECT_LT(0, s1[MMSCOPE_VIEW_LRU].holds);
	EXPECT_GE(MMSCOPE_BUDDY_CAP, s1[MMSCOPE_VIEW_BUDDY].max_hold_entries);
	EXPECT_GE(MMSCOPE_LRU_WALK_CAP, s1[MMSCOPE_VIEW_LRU].max_hold_entries);
	if (slab) {
		EXPECT_LT(0, s1[MMSCOPE_VIEW_SLAB].holds);
		EXPECT_GE(MMSCOPE_SLAB_PARTIAL_CAP, s1[MMSCOPE_VIEW_SLAB].max_hold_entries);
	}
	free(s0);
	free(s1);
}

/* ---- argument checks: one errno per malformed input ---------------------- */

static int snap_call(int fd, struct mmscope_phys_snap *s)
{
	return ioctl(fd, MMSCOPE_IOC_PHYS_ZONES, s) ? -errno : 0;
}

static void snap_init(struct mmscope_phys_snap *s, void *buf, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	s->rec_size = sizeof(struct mmscope_zone_rec);
	s->buf = (unsigned long)buf;
	s->buf_len = len;
}

TEST_F(phys, snap_count_only)
{
	struct mmscope_phys_snap s;

	snap_init(&s, NULL, 0);
	ASSERT_EQ(0, snap_call(self->fd, &s));
	EXPECT_EQ(0, s.nr_recs);
	EXPECT_LT(0, s.nr_total);
	EXPECT_EQ(sizeof(s), s.size);
}

TEST_F(phys, snap_short_buffer_fills_what_fits)
{
	struct mmscope_zone_rec r[2];
	struct mmscope_phys_snap s;

	snap_init(&s, r, sizeof(r[0]) + 8);
	ASSERT_EQ(0, snap_call(self->fd, &s));
	EXPECT_EQ(1, s.nr_recs);
	EXPECT_LT(1, s.nr_total);
	EXPECT_GE(MMSCOPE_MAX_ZONES, r[0].nr_zones);
}

TEST_F(phys, snap_larger_records_zero_tail)
{
	char buf[2][sizeof(struct mmscope_zone_rec) + 64];
	struct mmscope_phys_snap s;
	size_t i;

	memset(buf, 0xaa, sizeof(buf));
	snap_init(&s, buf, sizeof(buf));
	s.rec_size = sizeof(buf[0]);
	ASSERT_EQ(0, snap_call(self->fd, &s));
	ASSERT_EQ(2, s.nr_recs);
	for (i = sizeof(struct mmscope_zone_rec); i < sizeof(buf[0]); i++)
		ASSERT_EQ(0, buf[1][i]);
	EXPECT_EQ(1, ((struct mmscope_zone_rec *)buf[1])->zone);
}

TEST_F(phys, snap_unknown_flags)
{
	struct mmscope_phys_snap s;

	snap_init(&s, NULL, 0);
	s.flags = 1;
	EXPECT_EQ(-EINVAL, snap_call(self->fd, &s));
}

TEST_F(phys, snap_reserved_nonzero)
{
	struct mmscope_phys_snap s;

	snap_init(&s, NULL, 0);
	s.__reserved0 = 1;
	EXPECT_EQ(-EINVAL, snap_call(self->fd, &s));
	snap_init(&s, NULL, 0);
	s.__reserved[1] = 1;
	EXPECT_EQ(-EINVAL, snap_call(self->fd, &s));
}

TEST_F(phys, snap_rec_size_below_ver0)
{
	struct mmscope_phys_snap s;

	snap_init(&s, NULL, 0);
	s.rec_size = MMSCOPE_ZONE_REC_SIZE_VER0 - 8;
	EXPECT_EQ(-EINVAL, snap_call(self->fd, &s));
}

TEST_F(phys, snap_rec_size_not_multiple_of_8)
{
	struct mmscope_phys_snap s;

	snap_init(&s, NULL, 0);
	s.rec_size = MMSCOPE_ZONE_REC_SIZE_VER0 + 4;
	EXPECT_EQ(-EINVAL, snap_call(self->fd, &s));
}

TEST_F(phys, snap_rec_size_above_page)
{
	struct mmscope_phys_snap s;

	snap_init(&s, NULL, 0);
	s.rec_size = 4096 + 8;
	EXPECT_EQ(-EINVAL, snap_call(self->fd, &s));
}

TEST_F(phys, snap_size_below_ver0)
{
	struct mmscope_phys_snap s;

	snap_init(&s, NULL, 0);
	s.size = MMSCOPE_PHYS_SNAP_SIZE_VER0 - 8;
	EXPECT_EQ(-EINVAL, snap_call(self->fd, &s));
}

TEST_F(phys, snap_bad_buffer)
{
	struct mmscope_phys_snap s;

	snap_init(&s, (void *)16, 4096);
	EXPECT_EQ(-EFAULT, snap_call(self->fd, &s));
}

TEST_F(phys, every_view_rejects_small_records)
{
	const unsigned long cmds[] = { MMSCOPE_IOC_PHYS_BUDDY, MMSCOPE_IOC_PHYS_LRU,
				       MMSCOPE_IOC_PHYS_STATS, MMSCOPE_IOC_PHYS_SLAB };
	struct mmscope_phys_snap s;
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		memset(&s, 0, sizeof(s));
		s.size = sizeof(s);
		s.rec_size = 8;
		EXPECT_EQ(-1, ioctl(self->fd, cmds[i], &s));
		EXPECT_EQ(EINVAL, errno);
	}
}

TEST(files_have_headers)
{
	const char *const files[] = { "zones", "buddy", "lru", "stats", "slab" };
	char path[128], line[256], want[64];
	size_t i;

	if (access(PHYS_DIR "/zones", R_OK))
		SKIP(return, "no %s/zones", PHYS_DIR);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), PHYS_DIR "/%s", files[i]);
		snprintf(want, sizeof(want), "# mmscope %s format %d", files[i],
			 strcmp(files[i], "stats") ? 1 : 2);	/* 2: held memory */
		ASSERT_EQ(0, mmscope_read_line(path, line, sizeof(line)));
		EXPECT_STREQ(want, line);
	}
}

TEST_HARNESS_MAIN
