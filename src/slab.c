// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope - the slab caches, as /proc/slabinfo computes them.
 *
 * Nothing here is exported by the kernel: the cache list (slab_caches), its
 * lock (slab_mutex), struct kmem_cache, struct kmem_cache_node and struct
 * slab are all private, and their layout differs between kernels (6.8 moved
 * struct kmem_cache from slub_def.h into mm/slab.h; 6.1 and 6.12 order
 * struct slab differently).  So the layout is not compiled in: root passes
 * it at load time, read from the running kernel's BTF by
 * scripts/mmscope-slab-layout (scripts/mmscope-load does both steps):
 *
 *   slab_caches=ADDR slab_mutex=ADDR slab_layout=KEY:BITOFF:BITS,...
 *
 * Trust model: module parameters come from root, who can load any module
 * anyway, so they are not a privilege boundary; the checks below exist so
 * that a stale or mistyped layout turns the view off instead of reading
 * garbage.  Before anything is used: every key must be present, with the
 * size its type has and inside its struct; each address must be exactly the
 * start of the symbol of that name (sprint_symbol()); and a probe cache the
 * module creates must read back through the layout as what it is (name,
 * sizes, one slab of the right object count on its node, the slab pointing
 * back at it, and the cache on the list).  Reads during validation are
 * copy_from_kernel_nofault().  Anything wrong: the view says why and the
 * ioctl returns -ENODATA.  Functions are never called through the given
 * addresses (IBT, and no need): only slab_mutex is taken and data read.
 *
 * Locking, per pass: slab_mutex (killable) for at most MMSCOPE_SLAB_BATCH
 * caches, whose figures are copied into a buffer and emitted after the
 * unlock; the walk resumes by position, as slabinfo does between reads.
 * Inside, each node's list_lock with interrupts off while its partial list
 * is counted, at most MMSCOPE_SLAB_PARTIAL_CAP slabs per hold (6.12's
 * count_partial_free_approx() bound, also applied on 6.1, whose
 * count_partial() walks the whole list: both agree below the cap).
 * Lock order: slab_mutex, then list_lock (the kernel's own).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kallsyms.h>
#include <linux/math.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "hold.h"
#include "phys.h"

static unsigned long slab_caches_addr;
static unsigned long slab_mutex_addr;
static char *slab_layout;
/* addresses stay out of sysfs (KASLR); the layout is no secret */
module_param_named(slab_caches, slab_caches_addr, ulong, 0);
MODULE_PARM_DESC(slab_caches, "address of the kernel's slab_caches (from /proc/kallsyms)");
module_param_named(slab_mutex, slab_mutex_addr, ulong, 0);
MODULE_PARM_DESC(slab_mutex, "address of the kernel's slab_mutex (from /proc/kallsyms)");
module_param(slab_layout, charp, 0444);
MODULE_PARM_DESC(slab_layout, "KEY:BITOFF:BITS,... from BTF (scripts/mmscope-slab-layout)");

/* ---- the layout ---------------------------------------------------------- */

enum {
	KC, KC_FLAGS, KC_SIZE, KC_OBJECT_SIZE, KC_OO, KC_REFCOUNT, KC_NAME,
	KC_LIST, KC_NODE,
	KN, KN_LIST_LOCK, KN_NR_PARTIAL, KN_PARTIAL, KN_NR_SLABS,
	KN_TOTAL_OBJECTS,
	SL, SL_SLAB_CACHE, SL_SLAB_LIST, SL_INUSE, SL_OBJECTS,
	L_NR
};

/* What a member must look like: its size, or a rule for it. */
#define BITS_ANY	0	/* struct sizes, arrays: checked by hand */
#define BITS_FIELD	1	/* a bitfield of at most 32 bits */

static const struct {
	const char *key;
	unsigned int parent;	/* the struct it lies in */
	unsigned int bits;	/* required size in bits, or BITS_* */
} layout_keys[L_NR] = {
	[KC] = { "kmem_cache", KC, BITS_ANY },
	[KC_FLAGS] = { "kmem_cache.flags", KC, BITS_ANY },	/* 32 or 64 */
	[KC_SIZE] = { "kmem_cache.size", KC, 32 },
	[KC_OBJECT_SIZE] = { "kmem_cache.object_size", KC, 32 },
	[KC_OO] = { "kmem_cache.oo", KC, 32 },
	[KC_REFCOUNT] = { "kmem_cache.refcount", KC, 32 },
	[KC_NAME] = { "kmem_cache.name", KC, 64 },
	[KC_LIST] = { "kmem_cache.list", KC, 8 * sizeof(struct list_head) },
	[KC_NODE] = { "kmem_cache.node", KC, BITS_ANY },	/* pointer array */
	[KN] = { "kmem_cache_node", KN, BITS_ANY },
	[KN_LIST_LOCK] = { "kmem_cache_node.list_lock", KN, 8 * sizeof(spinlock_t) },
	[KN_NR_PARTIAL] = { "kmem_cache_node.nr_partial", KN, 64 },
	[KN_PARTIAL] = { "kmem_cache_node.partial", KN, 8 * sizeof(struct list_head) },
	[KN_NR_SLABS] = { "kmem_cache_node.nr_slabs", KN, 64 },
	[KN_TOTAL_OBJECTS] = { "kmem_cache_node.total_objects", KN, 64 },
	[SL] = { "slab", SL, BITS_ANY },
	[SL_SLAB_CACHE] = { "slab.slab_cache", SL, 64 },
	[SL_SLAB_LIST] = { "slab.slab_list", SL, 8 * sizeof(struct list_head) },
	[SL_INUSE] = { "slab.inuse", SL, BITS_FIELD },
	[SL_OBJECTS] = { "slab.objects", SL, BITS_FIELD },
};

/* Written once by mmscope_slab_init(), read-only afterwards. */
static u32 lay_off[L_NR], lay_bits[L_NR];	/* bits, as given */
#define OFF(k)	(lay_off[k] / 8)		/* bytes */

static struct list_head *slab_caches_head;
static struct mutex *slab_mutex_ptr;
static const char *slab_why = "loaded without slab_layout (use scripts/mmscope-load)";

/*
 * kmem_cache_order_objects packs the order above OO_SHIFT (mm/slub.c's
 * private encoding since 2.6.27; the probe check below catches a change).
 */
#define SLAB_OO_SHIFT	16
#define SLAB_OO_MASK	((1U << SLAB_OO_SHIFT) - 1)

/* Caches on the list we are willing to walk before calling the list bad. */
#define SLAB_MAX_CACHES	65536

static int layout_parse(char *s)
{
	bool seen[L_NR] = {};
	char *ent;
	unsigned int k;

	while ((ent = strsep(&s, ",")) != NULL) {
		char *key = strsep(&ent, ":"), *off = strsep(&ent, ":");
		u32 o, b;

		if (!*key)
			continue;
		if (!off || !ent || kstrtou32(off, 0, &o) || kstrtou32(ent, 0, &b)) {
			slab_why = "slab_layout: an entry is not KEY:BITOFF:BITS";
			return -EINVAL;
		}
		for (k = 0; k < L_NR; k++)
			if (!strcmp(key, layout_keys[k].key))
				break;
		if (k == L_NR)
			continue;	/* a newer script's extra key: harmless */
		if (seen[k]) {
			slab_why = "slab_layout: a key appears twice";
			return -EINVAL;
		}
		seen[k] = true;
		lay_off[k] = o;
		lay_bits[k] = b;
	}
	for (k = 0; k < L_NR; k++) {
		if (!seen[k]) {
			pr_notice("slab_layout lacks %s\n", layout_keys[k].key);
			slab_why = "slab_layout: a key is missing (see dmesg)";
			return -EINVAL;
		}
	}
	return 0;
}

static bool layout_member_ok(unsigned int k)
{
	unsigned int parent = layout_keys[k].parent, want = layout_keys[k].bits;
	u32 off = lay_off[k], bits = lay_bits[k];

	if (!bits || (u64)off + bits > lay_bits[parent])
		return false;
	if (want == BITS_FIELD)	/* read as part of one aligned u64 */
		return bits <= 32 && (off % 64) + bits <= 64;
	if (off % 8 || bits % 8)
		return false;
	if (want != BITS_ANY && bits != want)
		return false;
	/* natural alignment: longs and pointers 8, ints and spinlocks 4 */
	return !(off % min_t(u32, bits, 64));
}

static int layout_check(void)
{
	unsigned int k = L_NR;

	if (lay_off[KC] || lay_off[KN] || lay_off[SL] ||
	    lay_bits[KC] % 64 || lay_bits[KC] > 8 * SZ_64K ||
	    lay_bits[KN] % 64 || lay_bits[KN] > 8 * SZ_4K ||
	    lay_bits[SL] % 64 || lay_bits[SL] > 8 * sizeof(struct page))
		goto bad;	/* struct slab overlays struct page */
	for (k = 0; k < L_NR; k++)
		if (layout_keys[k].parent != k && !layout_member_ok(k))
			goto bad;
	k = KC_FLAGS;
	if (lay_bits[k] != 32 && lay_bits[k] != 64)
		goto bad;
	k = KC_NODE;
	/*
	 * node[] is the tail the kernel allocates for nr_node_ids only, so
	 * every other member read must lie before it.
	 */
	if (lay_bits[KC_NODE] % 64 || lay_bits[KC_NODE] / 64 < nr_node_ids)
		goto bad;
	for (k = KC_FLAGS; k < KC_NODE; k++)
		if (lay_off[k] + lay_bits[k] > lay_off[KC_NODE])
			goto bad;
	k = SL_INUSE;
	if (lay_off[SL_INUSE] / 64 != lay_off[SL_OBJECTS] / 64)
		goto bad;	/* one word: inuse and objects read together */
	return 0;
bad:
	pr_notice("slab_layout: %s does not fit its struct or type\n",
		  k < L_NR ? layout_keys[k].key : "a struct size");
	slab_why = "slab_layout: an offset or size fails its sanity check (see dmesg)";
	return -EINVAL;
}

/* @addr must be where symbol @name starts, and the symbol @size or larger. */
static bool symbol_is(unsigned long addr, const char *name, size_t size)
{
	char buf[KSYM_SYMBOL_LEN], *p;
	size_t len = strlen(name);
	unsigned long symsize;

	if (!addr)
		return false;
	sprint_symbol(buf, addr);	/* "name+0x0/0xsize" */
	if (strncmp(buf, name, len) || strncmp(buf + len, "+0x0/", 5))
		return false;
	p = buf + len + 5;
	p[strcspn(p, " ")] = 0;
	return !kstrtoul(p, 16, &symsize) && symsize >= size;
}

/* ---- reading through the layout ---------------------------------------- */

static inline unsigned long rd_long(const void *base, unsigned int k)
{
	return READ_ONCE(*(const unsigned long *)(base + OFF(k)));
}

static inline u32 rd_u32(const void *base, unsigned int k)
{
	return READ_ONCE(*(const u32 *)(base + OFF(k)));
}

static inline void *rd_ptr(const void *base, unsigned int k)
{
	return READ_ONCE(*(void *const *)(base + OFF(k)));
}

/* A bitfield of struct slab: one aligned u64 read, as the kernel's counters. */
static inline u32 rd_field(const void *slab, unsigned int k)
{
	u64 w = READ_ONCE(*(const u64 *)(slab + lay_off[k] / 64 * 8));

	return (w >> (lay_off[k] % 64)) & GENMASK_ULL(lay_bits[k] - 1, 0);
}

static inline void *kc_node(const void *s, int nid)
{
	return READ_ONCE(((void *const *)(s + OFF(KC_NODE)))[nid]);
}

/* The cache's name, bounded, without trusting the pointer to be a string. */
static void cache_name(const void *s, char *buf, size_t len)
{
	const char *name = rd_ptr(s, KC_NAME);
	size_t i;

	for (i = 0; i + 1 < len; i++)
		if (copy_from_kernel_nofault(&buf[i], name + i, 1) || !buf[i])
			break;
	buf[i] = 0;
}

/* Validation reads: a wrong offset reads garbage, never faults. */
static bool nf_read(void *dst, const void *base, unsigned int k, size_t size)
{
	return !copy_from_kernel_nofault(dst, base + OFF(k), size);
}

/* ---- the probe: our own cache, read back through the layout ------------- */

#define SLAB_PROBE_NAME	"mmscope_slab_probe"
#define SLAB_PROBE_SIZE	72	/* an uncommon size, and a ctor: never merged */

static void probe_ctor(void *obj)
{
}

static const char *probe_check(struct kmem_cache *cache, void *obj)
{
	const void *s = cache;
	char name[sizeof(SLAB_PROBE_NAME) + 1];
	u32 size, osize, oo, objs, order;
	struct list_head *pos;
	unsigned long nslabs = 0, nobjs = 0, n_ul;
	const void *slab;
	void *ptr;
	int refcount, nid, i = 0;
	bool listed = false;

	if (!nf_read(&size, s, KC_SIZE, 4) || !nf_read(&osize, s, KC_OBJECT_SIZE, 4) ||
	    !nf_read(&oo, s, KC_OO, 4) || !nf_read(&refcount, s, KC_REFCOUNT, 4))
		return "kmem_cache: unreadable";
	objs = oo & SLAB_OO_MASK;
	order = oo >> SLAB_OO_SHIFT;
	if (osize != SLAB_PROBE_SIZE || size < osize || size > PAGE_SIZE)
		return "kmem_cache.object_size/size do not read back";
	if (refcount != 1)
		return "kmem_cache.refcount does not read back";
	if (!objs || order >= MMSCOPE_NR_PAGE_ORDERS ||
	    (u64)objs * size > (PAGE_SIZE << order))
		return "kmem_cache.oo does not read back";
	cache_name(s, name, sizeof(name));
	if (strcmp(name, SLAB_PROBE_NAME))
		return "kmem_cache.name does not read back";

	/* one object allocated: one slab of objs objects, on some node */
	for (nid = 0; nid < nr_node_ids; nid++) {
		const void *n = kc_node(s, nid);
		unsigned long v;

		if (!n)
			continue;
		if (!nf_read(&v, n, KN_NR_SLABS, 8))
			return "kmem_cache_node: unreadable";
		nslabs += v;
		if (!nf_read(&v, n, KN_TOTAL_OBJECTS, 8) ||
		    !nf_read(&n_ul, n, KN_NR_PARTIAL, 8) ||
		    !nf_read(&ptr, n, KN_PARTIAL, 8))
			return "kmem_cache_node: unreadable";
		nobjs += v;
		if (ptr != n + OFF(KN_PARTIAL) || n_ul)
			return "kmem_cache_node.partial is not an empty list";
	}
	if (nslabs != 1 || nobjs != objs)
		return "kmem_cache_node.nr_slabs/total_objects do not read back";

	slab = virt_to_folio(obj);	/* struct slab overlays the folio */
	if (!nf_read(&ptr, slab, SL_SLAB_CACHE, 8) || ptr != s)
		return "slab.slab_cache does not point at the cache";
	if (rd_field(slab, SL_OBJECTS) != objs)
		return "slab.objects does not read back";
	if (rd_field(slab, SL_INUSE) > objs)
		return "slab.inuse out of range";

	mutex_lock(slab_mutex_ptr);
	list_for_each(pos, slab_caches_head) {
		if ((void *)pos - OFF(KC_LIST) == s) {
			listed = true;
			break;
		}
		if (++i == SLAB_MAX_CACHES)
			break;
	}
	mutex_unlock(slab_mutex_ptr);
	return listed ? NULL : "kmem_cache.list: the cache is not on slab_caches";
}

static int probe_run(void)
{
	struct kmem_cache *cache;
	const char *why;
	void *obj;

	cache = kmem_cache_create(SLAB_PROBE_NAME, SLAB_PROBE_SIZE, 0, 0, probe_ctor);
	if (!cache) {
		slab_why = "could not create the probe cache";
		return -ENOMEM;
	}
	obj = kmem_cache_alloc(cache, GFP_KERNEL);
	if (!obj) {
		kmem_cache_destroy(cache);
		slab_why = "could not allocate from the probe cache";
		return -ENOMEM;
	}
	why = probe_check(cache, obj);
	kmem_cache_free(cache, obj);
	kmem_cache_destroy(cache);
	if (why) {
		pr_notice("slab layout rejected: %s\n", why);
		slab_why = "slab layout rejected by the probe cache (see dmesg)";
		return -EINVAL;
	}
	return 0;
}

/**
 * mmscope_slab_init - check the slab layout parameters; enable the view
 *
 * Never fails the module load: without a valid layout the slab view reports
 * why (mmscope_slab_unavailable()) and the rest of the module works.
 */
void mmscope_slab_init(void)
{
	char *copy;
	int err;

	if (!slab_layout && !slab_caches_addr && !slab_mutex_addr)
		return;		/* the default reason stands */
	if (!slab_layout || !slab_caches_addr || !slab_mutex_addr) {
		slab_why = "slab_caches, slab_mutex and slab_layout must come together";
		goto off;
	}
	copy = kstrdup(slab_layout, GFP_KERNEL);
	if (!copy) {
		slab_why = "out of memory";
		goto off;
	}
	err = layout_parse(copy) ?: layout_check();
	kfree(copy);
	if (err)
		goto off;
	if (!symbol_is(slab_caches_addr, "slab_caches", sizeof(struct list_head)) ||
	    !symbol_is(slab_mutex_addr, "slab_mutex", sizeof(struct mutex))) {
		slab_why = "slab_caches or slab_mutex is not that symbol's address";
		goto off;
	}
	slab_caches_head = (struct list_head *)slab_caches_addr;
	slab_mutex_ptr = (struct mutex *)slab_mutex_addr;
	if (probe_run())
		goto off;
	slab_why = NULL;
	pr_info("slab view on (kmem_cache %u bytes, slab.inuse at bit %u)\n",
		lay_bits[KC] / 8, lay_off[SL_INUSE]);
	return;
off:
	pr_notice("slab view off: %s\n", slab_why);
}

/**
 * mmscope_slab_unavailable - why the slab view is off
 *
 * Return: NULL when it is on, else a sentence for the text view.
 */
const char *mmscope_slab_unavailable(void)
{
	return slab_why;
}

/* ---- the producer -------------------------------------------------------- */

/*
 * Free objects on one node's partial list: get_slabinfo()'s count, capped as
 * 6.12's count_partial_free_approx() (both ends, then scaled).  The caller
 * holds slab_mutex, which keeps the cache and its nodes alive.
 */
static void node_partial_free(struct mmscope_pass *p, const void *s,
			      void *n, struct mmscope_slab_rec *r)
{
	struct list_head *head = n + OFF(KN_PARTIAL), *pos;
	spinlock_t *lock = n + OFF(KN_LIST_LOCK);
	unsigned long flags, nr_partial, scanned = 0, x = 0;
	bool bad = false;

	lockdep_assert_held(slab_mutex_ptr);
#define SLAB_OF(pos)	((void *)(pos) - OFF(SL_SLAB_LIST))
#define COUNT_ONE(pos)							\
	({								\
		void *slab = SLAB_OF(pos);				\
		bool ok = rd_ptr(slab, SL_SLAB_CACHE) == s;		\
									\
		if (ok)							\
			x += rd_field(slab, SL_OBJECTS) -		\
			     min(rd_field(slab, SL_INUSE), rd_field(slab, SL_OBJECTS)); \
		else							\
			bad = true;					\
		ok;							\
	})

	spin_lock_irqsave(lock, flags);
	mmscope_hold_begin(p);
	nr_partial = rd_long(n, KN_NR_PARTIAL);
	if (nr_partial <= MMSCOPE_SLAB_PARTIAL_CAP) {
		/* the cap also bounds a list longer than its counter says */
		for (pos = head->next; pos != head; pos = pos->next) {
			if (scanned == MMSCOPE_SLAB_PARTIAL_CAP || !COUNT_ONE(pos))
				break;
			scanned++;
		}
	} else {
		for (pos = head->next; pos != head; pos = pos->next) {
			if (!COUNT_ONE(pos) || ++scanned == MMSCOPE_SLAB_PARTIAL_CAP / 2)
				break;
		}
		for (pos = head->prev; !bad && pos != head; pos = pos->prev) {
			if (!COUNT_ONE(pos) || ++scanned == MMSCOPE_SLAB_PARTIAL_CAP)
				break;
		}
		if (scanned)
			x = mult_frac(x, nr_partial, scanned);
		x = min(x, rd_long(n, KN_TOTAL_OBJECTS));
		r->flags |= MMSCOPE_SLAB_ESTIMATED;
	}
	mmscope_hold_end(p, scanned);
	spin_unlock_irqrestore(lock, flags);
#undef COUNT_ONE
#undef SLAB_OF

	if (bad)
		r->flags |= MMSCOPE_SLAB_MISMATCH;
	r->partial_free += x;
	r->partial_walked += scanned;
}

/* One cache's record.  Called with slab_mutex held. */
static void cache_fill(struct mmscope_pass *p, const void *s,
		       struct mmscope_slab_rec *r)
{
	u32 oo = rd_u32(s, KC_OO);
	int nid;

	lockdep_assert_held(slab_mutex_ptr);
	memset(r, 0, sizeof(*r));
	cache_name(s, r->name, sizeof(r->name));
	r->cache_flags = lay_bits[KC_FLAGS] == 64 ? rd_long(s, KC_FLAGS) :
						    rd_u32(s, KC_FLAGS);
	r->size = rd_u32(s, KC_SIZE);
	r->object_size = rd_u32(s, KC_OBJECT_SIZE);
	r->objs_per_slab = oo & SLAB_OO_MASK;
	r->pages_per_slab = 1U << min(oo >> SLAB_OO_SHIFT, 31U);
	r->refcount = (s32)rd_u32(s, KC_REFCOUNT);
	for (nid = 0; nid < nr_node_ids; nid++) {
		void *n = kc_node(s, nid);
		unsigned long slabs, partial;

		if (!n)
			continue;
		r->nr_nodes++;
		slabs = atomic_long_read((atomic_long_t *)(n + OFF(KN_NR_SLABS)));
		partial = rd_long(n, KN_NR_PARTIAL);
		r->num_slabs += slabs;
		r->num_objs += atomic_long_read((atomic_long_t *)(n + OFF(KN_TOTAL_OBJECTS)));
		r->partial_slabs += partial;
		if (nid < MMSCOPE_SLAB_NODES) {
			r->node_slabs[nid] = slabs;
			r->node_partial[nid] = partial;
		} else {
			r->flags |= MMSCOPE_SLAB_NODES_CUT;
		}
		node_partial_free(p, s, n, r);
	}
	r->active_slabs = r->num_slabs;
	r->active_objs = r->num_objs - min(r->partial_free, r->num_objs);
}

/**
 * mmscope_slab_snapshot - one pass over every slab cache
 * @p: the pass, for its lock-hold accounting
 * @emit: called once per struct mmscope_slab_rec with no lock held
 * @ctx: passed to @emit
 *
 * Locking: takes slab_mutex (killable) once per MMSCOPE_SLAB_BATCH caches,
 * and each node's list_lock inside it; @emit runs after the unlock.
 *
 * Return: 0, -ENODATA (no valid layout), -ENOMEM, -EINTR, or @emit's error.
 */
int mmscope_slab_snapshot(struct mmscope_pass *p,
			  mmscope_emit_t emit, void *ctx)
{
	struct mmscope_slab_rec *recs;
	unsigned int pos = 0, n, i;
	bool done = false;
	int err = 0;

	if (slab_why)
		return -ENODATA;
	recs = kmalloc_array(MMSCOPE_SLAB_BATCH, sizeof(*recs), GFP_KERNEL);
	if (!recs)
		return -ENOMEM;
	while (!done) {
		struct list_head *it;
		unsigned int idx = 0;

		if (mutex_lock_killable(slab_mutex_ptr)) {
			err = -EINTR;
			break;
		}
		n = 0;
		for (it = slab_caches_head->next; ; it = it->next) {
			if (it == slab_caches_head || idx >= SLAB_MAX_CACHES) {
				done = true;
				break;
			}
			if (idx++ < pos)
				continue;
			if (n == MMSCOPE_SLAB_BATCH)
				break;
			cache_fill(p, (void *)it - OFF(KC_LIST), &recs[n++]);
			cond_resched();
		}
		mutex_unlock(slab_mutex_ptr);
		for (i = 0; i < n && !err; i++)
			err = emit(ctx, 0, &recs[i]);
		pos += n;
		err = err ?: mmscope_pass_yield();
		if (err)
			break;
	}
	kfree(recs);
	return err;
}
