// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope - physical memory: zones, buddy free lists, LRU lists, and what
 * taking each of them cost.  The slab producer is in slab.c; its presenters
 * are here with the others.
 *
 * Each producer makes one pass and hands every record (a uapi struct, the
 * one both presenters render) to an emit callback with no lock held, so the
 * callback may sleep and copy to user space.  The two presenters for these
 * views live at the end of this file: the debugfs show functions and the
 * ioctl handlers that dev.c dispatches to.
 *
 * Locking, per pass:
 *  - zones: no lock.  Every figure is a word the kernel updates locklessly
 *    itself (vmstat atomics, watermarks, per-CPU counts); /proc/zoneinfo
 *    reads them the same way.
 *  - buddy: zone->lock with interrupts off, one hold per order, at most
 *    MMSCOPE_BUDDY_CAP list entries per hold (pagetypeinfo's cap);
 *    cond_resched() and a fatal-signal check between holds.  Pageblock
 *    migratetypes are read without the lock (a racy word read, as
 *    compaction does).
 *  - lru: each memcg is pinned with css_tryget() and RCU is held only to
 *    step the iterator; lruvec->lru_lock with interrupts off for one read
 *    of the counters, then one hold per list (or per generation and type),
 *    at most MMSCOPE_LRU_WALK_CAP folios per hold.  The unevictable "list"
 *    is never walked: lruvec_init() poisons it (it is only a counter).
 *  - phys_stats_lock protects phys_stats; it is taken alone, never inside
 *    zone->lock or lru_lock.  zone->lock and lru_lock are never nested.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/debugfs.h>
#include <linux/kernfs.h>
#include <linux/memcontrol.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/mm_inline.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmstat.h>

#include "compat.h"
#include "mmscope.h"

/* ---- what each pass cost ------------------------------------------------ */

struct mmscope_phys_pass {
	unsigned int view;
	u64 start;		/* ktime_get_ns() at the start */
	u64 hold_t0;		/* start of the current hold */
	u64 holds;
	u64 hold_ns;		/* longest hold of this pass */
	u64 hold_entries;	/* entries visited in that hold */
	u64 max_entries;	/* most entries in any hold of this pass */
};

static DEFINE_SPINLOCK(phys_stats_lock);
static struct mmscope_phys_stat_rec phys_stats[MMSCOPE_VIEW_NR];	/* phys_stats_lock */

static void pass_begin(struct mmscope_phys_pass *p, unsigned int view)
{
	memset(p, 0, sizeof(*p));
	p->view = view;
	p->start = ktime_get_ns();
}

/* Called right after the lock is taken. */
static void hold_begin(struct mmscope_phys_pass *p)
{
	p->hold_t0 = ktime_get_ns();
}

/* Called right before the lock is dropped. */
static void hold_end(struct mmscope_phys_pass *p, u64 entries)
{
	u64 ns = ktime_get_ns() - p->hold_t0;

	p->holds++;
	if (ns > p->hold_ns) {
		p->hold_ns = ns;
		p->hold_entries = entries;
	}
	p->max_entries = max(p->max_entries, entries);
}

static void pass_end(struct mmscope_phys_pass *p, int err)
{
	u64 ns = ktime_get_ns() - p->start;
	struct mmscope_phys_stat_rec *s = &phys_stats[p->view];

	spin_lock(&phys_stats_lock);
	s->holds += p->holds;
	if (!err) {
		s->reads++;
		s->last_read_ns = ns;
		s->last_hold_ns = p->hold_ns;
		s->last_hold_entries = p->hold_entries;
	}
	s->worst_read_ns = max(s->worst_read_ns, ns);
	if (p->hold_ns > s->worst_hold_ns) {
		s->worst_hold_ns = p->hold_ns;
		s->worst_hold_entries = p->hold_entries;
	}
	s->max_hold_entries = max(s->max_hold_entries, p->max_entries);
	spin_unlock(&phys_stats_lock);
}

/* Between holds: let others run, and let a killed reader go. */
static int pass_yield(void)
{
	cond_resched();
	return fatal_signal_pending(current) ? -EINTR : 0;
}

/* slab.c brackets its list_lock holds with these. */
void mmscope_phys_hold_begin(struct mmscope_phys_pass *p)
{
	hold_begin(p);
}

void mmscope_phys_hold_end(struct mmscope_phys_pass *p, u64 entries)
{
	hold_end(p, entries);
}

int mmscope_phys_yield(void)
{
	return pass_yield();
}

/* ---- zones --------------------------------------------------------------- */

/* Kernel zone_stat_item -> uapi index; every item the kernel has is here. */
static const u8 zone_stat_map[] = {
	[NR_FREE_PAGES] = MMSCOPE_ZS_FREE_PAGES,
	[NR_ZONE_INACTIVE_ANON] = MMSCOPE_ZS_INACTIVE_ANON,
	[NR_ZONE_ACTIVE_ANON] = MMSCOPE_ZS_ACTIVE_ANON,
	[NR_ZONE_INACTIVE_FILE] = MMSCOPE_ZS_INACTIVE_FILE,
	[NR_ZONE_ACTIVE_FILE] = MMSCOPE_ZS_ACTIVE_FILE,
	[NR_ZONE_UNEVICTABLE] = MMSCOPE_ZS_UNEVICTABLE,
	[NR_ZONE_WRITE_PENDING] = MMSCOPE_ZS_WRITE_PENDING,
	[NR_MLOCK] = MMSCOPE_ZS_MLOCK,
	[NR_BOUNCE] = MMSCOPE_ZS_BOUNCE,
#if IS_ENABLED(CONFIG_ZSMALLOC)
	[NR_ZSPAGES] = MMSCOPE_ZS_ZSPAGES,
#endif
	[NR_FREE_CMA_PAGES] = MMSCOPE_ZS_FREE_CMA,
#ifdef MMSCOPE_HAVE_NR_UNACCEPTED
	[NR_UNACCEPTED] = MMSCOPE_ZS_UNACCEPTED,
#endif
};

/* uapi index -> the name /proc/zoneinfo and /proc/vmstat use. */
static const char *const zone_stat_names[MMSCOPE_ZS_NR] = {
	"nr_free_pages", "nr_zone_inactive_anon", "nr_zone_active_anon",
	"nr_zone_inactive_file", "nr_zone_active_file", "nr_zone_unevictable",
	"nr_zone_write_pending", "nr_mlock", "nr_bounce", "nr_zspages",
	"nr_free_cma", "nr_unaccepted",
};

static void zone_fill(struct zone *zone, unsigned int nid, unsigned int zid,
		      struct mmscope_zone_rec *r)
{
	unsigned int i;
	int cpu;

	BUILD_BUG_ON(ARRAY_SIZE(zone_stat_map) != NR_VM_ZONE_STAT_ITEMS);
	BUILD_BUG_ON(MAX_NR_ZONES > MMSCOPE_MAX_ZONES);
	BUILD_BUG_ON(MMSCOPE_ZS_NR > MMSCOPE_ZONE_STATS);

	memset(r, 0, sizeof(*r));
	r->node = nid;
	r->zone = zid;
	strscpy(r->name, zone->name, sizeof(r->name));
	r->start_pfn = zone->zone_start_pfn;
	r->spanned = data_race(zone->spanned_pages);
	r->present = data_race(zone->present_pages);
	r->managed = zone_managed_pages(zone);
	r->cma = zone_cma_pages(zone);
	r->min = data_race(min_wmark_pages(zone));
	r->low = data_race(low_wmark_pages(zone));
	r->high = data_race(high_wmark_pages(zone));
	r->boost = data_race(zone->watermark_boost);
	r->reserved_highatomic = data_race(zone->nr_reserved_highatomic);
	r->nr_zones = MAX_NR_ZONES;
	for (i = 0; i < MAX_NR_ZONES; i++)
		r->protection[i] = data_race(zone->lowmem_reserve[i]);
	r->populated = populated_zone(zone);
	for (i = 0; i < NR_VM_ZONE_STAT_ITEMS; i++)
		r->stat[zone_stat_map[i]] = zone_page_state(zone, i);
	if (!r->populated)
		return;	/* its per-CPU sets are the boot placeholder */
	r->pcp_batch = data_race(zone->pageset_batch);
	for_each_online_cpu(cpu) {
		struct per_cpu_pages *pcp = per_cpu_ptr(zone->per_cpu_pageset, cpu);
		struct per_cpu_zonestat *zs = per_cpu_ptr(zone->per_cpu_zonestats, cpu);

		r->pcp_count += max(READ_ONCE(pcp->count), 0);
		r->pcp_high += max(READ_ONCE(pcp->high), 0);
		r->stat_threshold = max_t(u32, r->stat_threshold,
					  max_t(int, READ_ONCE(zs->stat_threshold), 0));
	}
}

static int phys_zones(struct mmscope_phys_pass *p, mmscope_phys_emit_t emit, void *ctx)
{
	struct mmscope_zone_rec *r;
	int nid, zid, err = 0;

	r = kmalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	for_each_online_node(nid) {
		for (zid = 0; zid < MAX_NR_ZONES; zid++) {
			zone_fill(&NODE_DATA(nid)->node_zones[zid], nid, zid, r);
			err = emit(ctx, r) ?: pass_yield();
			if (err)
				goto out;
		}
	}
out:
	kfree(r);
	return err;
}

/* ---- buddy free lists ---------------------------------------------------- */

/* Kernel migratetype -> uapi index (CMA and ISOLATE come and go with config). */
static const u8 mt_map[MIGRATE_TYPES] = {
	[MIGRATE_UNMOVABLE] = MMSCOPE_MT_UNMOVABLE,
	[MIGRATE_MOVABLE] = MMSCOPE_MT_MOVABLE,
	[MIGRATE_RECLAIMABLE] = MMSCOPE_MT_RECLAIMABLE,
	[MIGRATE_HIGHATOMIC] = MMSCOPE_MT_HIGHATOMIC,
#ifdef CONFIG_CMA
	[MIGRATE_CMA] = MMSCOPE_MT_CMA,
#endif
#ifdef CONFIG_MEMORY_ISOLATION
	[MIGRATE_ISOLATE] = MMSCOPE_MT_ISOLATE,
#endif
};

static const char *const mt_names[MMSCOPE_MT_NR] = {
	"Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate",
};

/*
 * mm/vmstat.c's fill_contig_page_info(), unusable_free_index() and
 * __fragmentation_index(), over the nr_free figures of the record.
 */
static void buddy_indices(struct mmscope_buddy_rec *r)
{
	unsigned int order, o;

	for (order = 0; order < r->nr_orders; order++) {
		u64 free_pages = 0, blocks_total = 0, blocks_suitable = 0;

		for (o = 0; o < r->nr_orders; o++) {
			free_pages += r->nr_free[o] << o;
			blocks_total += r->nr_free[o];
			if (o >= order)
				blocks_suitable += r->nr_free[o] << (o - order);
		}
		r->unusable[order] = free_pages ?
			div64_u64((free_pages - (blocks_suitable << order)) * 1000ULL,
				  free_pages) : 1000;
		if (!blocks_total)
			r->fragmentation[order] = 0;
		else if (blocks_suitable)
			r->fragmentation[order] = -1000;
		else
			r->fragmentation[order] = 1000 -
				div64_u64(1000 + div64_u64(free_pages * 1000ULL, 1UL << order),
					  blocks_total);
	}
}

/* pagetypeinfo's block count: online pageblocks of this zone by type. */
static int buddy_pageblocks(struct zone *zone, struct mmscope_buddy_rec *r)
{
	unsigned long pfn, end = zone_end_pfn(zone), n = 0;
	int err;

	for (pfn = zone->zone_start_pfn; pfn < end; pfn += pageblock_nr_pages) {
		struct page *page = pfn_to_online_page(pfn);
		unsigned int mt;

		if (page && page_zone(page) == zone) {
			mt = mmscope_pfnblock_migratetype(pfn);
			if (mt < MIGRATE_TYPES)
				r->pageblocks[mt_map[mt]]++;
		}
		if (!(++n % 1024)) {
			err = pass_yield();
			if (err)
				return err;
		}
	}
	return 0;
}

static int buddy_zone(struct mmscope_phys_pass *p, struct zone *zone,
		      struct mmscope_buddy_rec *r)
{
	unsigned int order, mt;
	unsigned long flags;
	int err;

	for (order = 0; order < MMSCOPE_NR_PAGE_ORDERS; order++) {
		struct free_area *area = &zone->free_area[order];
		u64 budget = MMSCOPE_BUDDY_CAP;

		spin_lock_irqsave(&zone->lock, flags);
		hold_begin(p);
		r->nr_free[order] = area->nr_free;
		for (mt = 0; mt < MIGRATE_TYPES; mt++) {
			struct list_head *pos;
			u64 n = 0;

			list_for_each(pos, &area->free_list[mt]) {
				if (n == budget) {
					r->capped[order] |= 1U << mt_map[mt];
					break;
				}
				n++;
			}
			budget -= n;
			r->walked[order][mt_map[mt]] = n;
		}
		hold_end(p, MMSCOPE_BUDDY_CAP - budget);
		spin_unlock_irqrestore(&zone->lock, flags);
		err = pass_yield();
		if (err)
			return err;
	}
	r->free_pages = zone_page_state(zone, NR_FREE_PAGES);
	buddy_indices(r);
	return buddy_pageblocks(zone, r);
}

static int phys_buddy(struct mmscope_phys_pass *p, mmscope_phys_emit_t emit, void *ctx)
{
	struct mmscope_buddy_rec *r;
	int nid, zid, err = 0;

	BUILD_BUG_ON(MMSCOPE_NR_PAGE_ORDERS > MMSCOPE_MAX_ORDERS);
	BUILD_BUG_ON((int)MIGRATE_TYPES > (int)MMSCOPE_MT_NR);
	r = kmalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	for_each_online_node(nid) {
		for (zid = 0; zid < MAX_NR_ZONES; zid++) {
			struct zone *zone = &NODE_DATA(nid)->node_zones[zid];

			if (!populated_zone(zone))
				continue;	/* as buddyinfo and pagetypeinfo */
			memset(r, 0, sizeof(*r));
			r->node = nid;
			r->zone = zid;
			strscpy(r->name, zone->name, sizeof(r->name));
			r->nr_orders = MMSCOPE_NR_PAGE_ORDERS;
			r->pb_order = pageblock_order;
			err = buddy_zone(p, zone, r) ?: emit(ctx, r);
			if (err)
				goto out;
		}
	}
out:
	kfree(r);
	return err;
}

/* ---- LRU lists ----------------------------------------------------------- */

/* What the LRU producer emits: the record, then what only the text shows. */
struct mmscope_phys_lru {
	struct mmscope_lru_rec rec;	/* first: the ioctl copies from here */
	char path[256];			/* cgroup path, "/" for the root */
};

static const char *const lru_flag_names[MMSCOPE_LF_NR] = {
	"referenced", "active", "dirty", "writeback", "swapbacked", "mlocked",
	"workingset", "large",
};

/*
 * Count the folios of one list, up to *budget of them.  Called under
 * lru_lock, which keeps every folio on the list and its size fixed.
 */
static void lru_walk_list(struct list_head *head, struct mmscope_lru_rec *r,
			  u64 *budget)
{
	struct folio *folio;

	r->walk_lists++;
	list_for_each_entry(folio, head, lru) {
		unsigned long flags;
		long nr;

		if (!*budget) {
			r->walk_capped++;
			return;
		}
		--*budget;
		flags = READ_ONCE(folio->flags);
		nr = folio_nr_pages(folio);
		r->walk_folios++;
		r->walk_pages += nr;
		r->flag_folios[MMSCOPE_LF_REFERENCED] += !!(flags & BIT(PG_referenced));
		r->flag_folios[MMSCOPE_LF_ACTIVE] += !!(flags & BIT(PG_active));
		r->flag_folios[MMSCOPE_LF_DIRTY] += !!(flags & BIT(PG_dirty));
		r->flag_folios[MMSCOPE_LF_WRITEBACK] += !!(flags & BIT(PG_writeback));
		r->flag_folios[MMSCOPE_LF_SWAPBACKED] += !!(flags & BIT(PG_swapbacked));
#ifdef CONFIG_MMU
		r->flag_folios[MMSCOPE_LF_MLOCKED] += !!(flags & BIT(PG_mlocked));
#endif
		r->flag_folios[MMSCOPE_LF_WORKINGSET] += !!(flags & BIT(PG_workingset));
		r->flag_folios[MMSCOPE_LF_LARGE] += nr > 1;
	}
}

/* Pages on the classic list @lru: the memcg's exact per-zone sizes. */
static u64 lru_classic_size(struct lruvec *lruvec, enum lru_list lru)
{
	u64 sum = 0;
	int zid;

	if (mem_cgroup_disabled()) {
		struct pglist_data *pgdat = lruvec_pgdat(lruvec);

		for (zid = 0; zid < MAX_NR_ZONES; zid++)
			sum += zone_page_state(&pgdat->node_zones[zid],
					       NR_ZONE_LRU_BASE + lru);
		return sum;
	}
	for (zid = 0; zid < MAX_NR_ZONES; zid++)
		sum += READ_ONCE(container_of(lruvec, struct mem_cgroup_per_node,
					      lruvec)->lru_zone_size[zid][lru]);
	return sum;
}

static s64 lru_gen_size(mmscope_lru_gen_t *lrugen, int gen, int type)
{
	s64 sum = 0;
	int zid;

	for (zid = 0; zid < MAX_NR_ZONES; zid++)
		sum += READ_ONCE(lrugen->nr_pages[gen][type][zid]);
	return sum;
}

static void lru_fill(struct mmscope_phys_pass *p, struct lruvec *lruvec,
		     struct mmscope_lru_rec *r)
{
	mmscope_lru_gen_t *lrugen = &lruvec->lrugen;
	s64 active[2] = {}, inactive[2] = {};
	enum lru_list lru;
	int age, type, gen, zid;
	u64 budget;

	BUILD_BUG_ON(MAX_NR_GENS > MMSCOPE_LRU_GENS);
	BUILD_BUG_ON((int)NR_LRU_LISTS != (int)MMSCOPE_LRU_NR);

	/* one hold: every counter of the lruvec, consistent with each other */
	spin_lock_irq(&lruvec->lru_lock);
	hold_begin(p);
	for_each_lru(lru)
		r->lists[lru] = lru_classic_size(lruvec, lru);
	if (lrugen->enabled)
		r->flags |= MMSCOPE_LRU_MGLRU;
	r->max_seq = lrugen->max_seq;
	r->min_seq[0] = lrugen->min_seq[0];
	r->min_seq[1] = lrugen->min_seq[1];
	for (age = 0; age < MAX_NR_GENS && age <= r->max_seq; age++) {
		u64 seq = r->max_seq - age;

		gen = lru_gen_from_seq(seq);
		for (type = 0; type < ANON_AND_FILE; type++) {
			s64 n;

			if (seq < r->min_seq[type])
				continue;
			n = lru_gen_size(lrugen, gen, type);
			r->gen_pages[age][type] = n;
			/* lru_gen_is_active(): the two youngest generations */
			if (age < MIN_NR_GENS)
				active[type] += n;
			else
				inactive[type] += n;
		}
		if (seq >= min(r->min_seq[0], r->min_seq[1]))
			r->nr_gens = age + 1;
	}
	hold_end(p, 0);
	spin_unlock_irq(&lruvec->lru_lock);

	for (type = 0; type < ANON_AND_FILE; type++) {
		lru = type * LRU_INACTIVE_FILE;
		r->lists[lru] += max_t(s64, inactive[type], 0);
		r->lists[lru + LRU_ACTIVE] += max_t(s64, active[type], 0);
	}

	/* classic lists; never LRU_UNEVICTABLE (not a list) */
	for_each_evictable_lru(lru) {
		budget = MMSCOPE_LRU_WALK_CAP;
		spin_lock_irq(&lruvec->lru_lock);
		hold_begin(p);
		r->walk_expected += lru_classic_size(lruvec, lru);
		lru_walk_list(&lruvec->lists[lru], r, &budget);
		hold_end(p, MMSCOPE_LRU_WALK_CAP - budget);
		spin_unlock_irq(&lruvec->lru_lock);
		cond_resched();
	}
	/* multi-gen lists: one hold per generation and type, all zones */
	for (gen = 0; gen < MAX_NR_GENS; gen++) {
		for (type = 0; type < ANON_AND_FILE; type++) {
			budget = MMSCOPE_LRU_WALK_CAP;
			spin_lock_irq(&lruvec->lru_lock);
			hold_begin(p);
			r->walk_expected += lru_gen_size(lrugen, gen, type);
			for (zid = 0; zid < MAX_NR_ZONES; zid++)
				lru_walk_list(&lrugen->folios[gen][type][zid], r, &budget);
			hold_end(p, MMSCOPE_LRU_WALK_CAP - budget);
			spin_unlock_irq(&lruvec->lru_lock);
			cond_resched();
		}
	}
}

/* One record per node of one memcg (NULL: memcg disabled, node lruvecs). */
static int lru_memcg(struct mmscope_phys_pass *p, struct mem_cgroup *memcg,
		     struct mmscope_phys_lru *w, mmscope_phys_emit_t emit,
		     void *ctx)
{
	int nid, err;

	for_each_node_state(nid, N_MEMORY) {
		struct lruvec *lruvec;

		memset(w, 0, sizeof(*w));
		w->rec.node = nid;
		if (memcg) {
			struct cgroup *cgrp = memcg->css.cgroup;

			lruvec = &memcg->nodeinfo[nid]->lruvec;
			w->rec.cgroup_id = cgroup_id(cgrp);
			if (!(READ_ONCE(memcg->css.flags) & CSS_ONLINE))
				w->rec.flags |= MMSCOPE_LRU_OFFLINE;
			if (kernfs_path(cgrp->kn, w->path, sizeof(w->path)) < 0)
				strscpy(w->path, "?", sizeof(w->path));
		} else {
			lruvec = &NODE_DATA(nid)->__lruvec;
			w->rec.flags |= MMSCOPE_LRU_NOMEMCG;
			strscpy(w->path, "-", sizeof(w->path));
		}
		lru_fill(p, lruvec, &w->rec);
		err = emit(ctx, w) ?: pass_yield();
		if (err)
			return err;
	}
	return 0;
}

static int phys_lru(struct mmscope_phys_pass *p, mmscope_phys_emit_t emit, void *ctx)
{
	struct cgroup_subsys_state *root, *pos = NULL, *next;
	struct mmscope_phys_lru *w;
	int err = 0;

	w = kmalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;
	if (mem_cgroup_disabled()) {
		err = lru_memcg(p, NULL, w, emit, ctx);
		goto out;
	}
	/* init_task sits in the root memcg, which is never freed */
	rcu_read_lock();
	root = &mem_cgroup_from_task(&init_task)->css;
	rcu_read_unlock();
	/*
	 * Pre-order walk, as mem_cgroup_iter(): RCU only to step; the current
	 * memcg is pinned, so it stays a valid cursor even once removed.
	 */
	for (;;) {
		rcu_read_lock();
		next = css_next_descendant_pre(pos, root);
		while (next && !css_tryget(next))
			next = css_next_descendant_pre(next, root);
		rcu_read_unlock();
		if (pos)
			css_put(pos);
		pos = next;
		if (!pos)
			break;
		err = lru_memcg(p, mem_cgroup_from_css(pos), w, emit, ctx);
		if (err) {
			css_put(pos);
			break;
		}
	}
out:
	kfree(w);
	return err;
}

/* ---- stats --------------------------------------------------------------- */

static int phys_stats_emit(mmscope_phys_emit_t emit, void *ctx)
{
	struct mmscope_phys_stat_rec r;
	unsigned int v;
	int err;

	for (v = 0; v < MMSCOPE_VIEW_NR; v++) {
		spin_lock(&phys_stats_lock);
		r = phys_stats[v];
		spin_unlock(&phys_stats_lock);
		r.view = v;
		err = emit(ctx, &r);
		if (err)
			return err;
	}
	return 0;
}

static const char *const view_names[MMSCOPE_VIEW_NR] = {
	[MMSCOPE_VIEW_ZONES] = "zones",
	[MMSCOPE_VIEW_BUDDY] = "buddy",
	[MMSCOPE_VIEW_LRU] = "lru",
	[MMSCOPE_VIEW_SLAB] = "slab",
};

/**
 * mmscope_phys_snapshot - one pass of a physical-memory view
 * @view: enum mmscope_phys_view, or MMSCOPE_VIEW_NR for the stats
 * @emit: called once per record with no lock held; may sleep
 * @ctx: passed to @emit
 *
 * Return: 0, -ENOMEM, -EINTR (fatal signal), or what @emit returned.
 */
int mmscope_phys_snapshot(unsigned int view, mmscope_phys_emit_t emit, void *ctx)
{
	struct mmscope_phys_pass p;
	int err;

	if (view == MMSCOPE_VIEW_NR)
		return phys_stats_emit(emit, ctx);
	pass_begin(&p, view);
	switch (view) {
	case MMSCOPE_VIEW_ZONES:
		err = phys_zones(&p, emit, ctx);
		break;
	case MMSCOPE_VIEW_BUDDY:
		err = phys_buddy(&p, emit, ctx);
		break;
	case MMSCOPE_VIEW_LRU:
		err = phys_lru(&p, emit, ctx);
		break;
	case MMSCOPE_VIEW_SLAB:
		err = mmscope_slab_snapshot(&p, emit, ctx);
		break;
	default:
		return -EINVAL;
	}
	pass_end(&p, err);
	return err;
}

/* ---- presenter: /dev/mmscope ------------------------------------------- */

static const struct {
	size_t ksize;		/* record this module writes */
	size_t ver0;		/* first published record size */
} phys_recs[MMSCOPE_VIEW_NR + 1] = {
	[MMSCOPE_VIEW_ZONES] = { sizeof(struct mmscope_zone_rec), MMSCOPE_ZONE_REC_SIZE_VER0 },
	[MMSCOPE_VIEW_BUDDY] = { sizeof(struct mmscope_buddy_rec), MMSCOPE_BUDDY_REC_SIZE_VER0 },
	[MMSCOPE_VIEW_LRU] = { sizeof(struct mmscope_lru_rec), MMSCOPE_LRU_REC_SIZE_VER0 },
	[MMSCOPE_VIEW_SLAB] = { sizeof(struct mmscope_slab_rec), MMSCOPE_SLAB_REC_SIZE_VER0 },
	[MMSCOPE_VIEW_NR] = { sizeof(struct mmscope_phys_stat_rec), MMSCOPE_PHYS_STAT_REC_SIZE_VER0 },
};

struct snap_out {
	void __user *buf;
	u32 rec_size;
	size_t ksize;
	u64 cap, written, total;
};

/* Called with no lock held (the producers' contract). */
static int snap_emit(void *ctx, const void *rec)
{
	struct snap_out *o = ctx;

	if (o->written < o->cap) {
		void __user *dst = o->buf + o->written * o->rec_size;

		if (copy_to_user(dst, rec, o->ksize) ||
		    clear_user(dst + o->ksize, o->rec_size - o->ksize))
			return -EFAULT;
		o->written++;
	}
	o->total++;
	return 0;
}

/**
 * mmscope_ioc_phys - MMSCOPE_IOC_PHYS_*: a snapshot into the caller's buffer
 * @view: enum mmscope_phys_view, MMSCOPE_VIEW_NR for MMSCOPE_IOC_PHYS_STATS
 * @uarg: struct mmscope_phys_snap
 *
 * Return: 0 or the -errno the uapi header lists.
 */
long mmscope_ioc_phys(unsigned int view, void __user *uarg)
{
	struct mmscope_phys_snap arg;
	struct snap_out out = {};
	u32 usize;
	int err;

	BUILD_BUG_ON(sizeof(arg) != MMSCOPE_PHYS_SNAP_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct mmscope_zone_rec) != MMSCOPE_ZONE_REC_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct mmscope_buddy_rec) != MMSCOPE_BUDDY_REC_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct mmscope_lru_rec) != MMSCOPE_LRU_REC_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct mmscope_slab_rec) != MMSCOPE_SLAB_REC_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct mmscope_phys_stat_rec) != MMSCOPE_PHYS_STAT_REC_SIZE_VER0);
	BUILD_BUG_ON(offsetof(struct mmscope_phys_lru, rec) != 0);

	if (view > MMSCOPE_VIEW_NR)
		return -ENOTTY;
	err = mmscope_copy_arg_in(&arg, sizeof(arg), MMSCOPE_PHYS_SNAP_SIZE_VER0,
				  uarg, &usize);
	if (err)
		return err;
	if (arg.flags || arg.__reserved0 ||
	    memchr_inv(arg.__reserved, 0, sizeof(arg.__reserved)))
		return -EINVAL;
	if (arg.rec_size < phys_recs[view].ver0 || !IS_ALIGNED(arg.rec_size, 8) ||
	    arg.rec_size > PAGE_SIZE)
		return -EINVAL;

	out.buf = u64_to_user_ptr(arg.buf);
	out.rec_size = arg.rec_size;
	out.ksize = min_t(size_t, phys_recs[view].ksize, arg.rec_size);
	out.cap = div_u64(arg.buf_len, arg.rec_size);
	err = mmscope_phys_snapshot(view, snap_emit, &out);
	if (err)
		return err;
	arg.nr_recs = out.written;
	arg.nr_total = out.total;
	return mmscope_copy_arg_out(uarg, usize, &arg, sizeof(arg));
}

/* ---- presenter: debugfs -------------------------------------------------- */

static int zones_emit(void *ctx, const void *rec)
{
	struct seq_file *m = ctx;
	const struct mmscope_zone_rec *r = rec;
	unsigned int i;

	seq_printf(m, "%u %s %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu ",
		   r->node, r->name, r->start_pfn, r->spanned, r->present,
		   r->managed, r->cma, r->min, r->low, r->high, r->boost,
		   r->reserved_highatomic);
	for (i = 0; i < r->nr_zones; i++)
		seq_printf(m, "%s%llu", i ? "," : "", r->protection[i]);
	seq_printf(m, " %u %llu %llu %u %u", r->populated, r->pcp_count,
		   r->pcp_high, r->pcp_batch, r->stat_threshold);
	for (i = 0; i < MMSCOPE_ZS_NR; i++)
		seq_printf(m, " %llu", r->stat[i]);
	seq_putc(m, '\n');
	return 0;
}

static int zones_show(struct seq_file *m, void *unused)
{
	unsigned int i;

	mmscope_seq_header(m, "zones", 1,
			   "node zone start_pfn spanned present managed cma min low high boost reserved_highatomic protection(comma-separated) populated pcp_count pcp_high pcp_batch stat_threshold, then the zone counters:");
	seq_putc(m, '#');
	for (i = 0; i < MMSCOPE_ZS_NR; i++)
		seq_printf(m, " %s", zone_stat_names[i]);
	seq_putc(m, '\n');
	return mmscope_phys_snapshot(MMSCOPE_VIEW_ZONES, zones_emit, m);
}

static int buddy_emit(void *ctx, const void *rec)
{
	struct seq_file *m = ctx;
	const struct mmscope_buddy_rec *r = rec;
	unsigned int order, mt;

	for (order = 0; order < r->nr_orders; order++) {
		u64 sum = 0;

		for (mt = 0; mt < MMSCOPE_MT_NR; mt++)
			sum += r->walked[order][mt];
		seq_printf(m, "free %u %s %u %llu %llu %lld %x", r->node, r->name,
			   order, r->nr_free[order], sum,
			   (s64)(sum - r->nr_free[order]), r->capped[order]);
		for (mt = 0; mt < MMSCOPE_MT_NR; mt++)
			seq_printf(m, " %llu", r->walked[order][mt]);
		seq_printf(m, " %d.%03d %d.%03d\n",
			   r->unusable[order] / 1000, r->unusable[order] % 1000,
			   r->fragmentation[order] / 1000,
			   abs(r->fragmentation[order] % 1000));
	}
	seq_printf(m, "blocks %u %s %u", r->node, r->name, r->pb_order);
	for (mt = 0; mt < MMSCOPE_MT_NR; mt++)
		seq_printf(m, " %llu", r->pageblocks[mt]);
	seq_printf(m, " %llu\n", r->free_pages);
	return 0;
}

static int buddy_show(struct seq_file *m, void *unused)
{
	unsigned int mt;

	mmscope_seq_header(m, "buddy", 1,
			   "free node zone order nr_free walked walked-nr_free capped_mask(hex,1<<mt) walked_per_migratetype... unusable_index fragmentation_index");
	seq_puts(m, "# blocks node zone pageblock_order pageblocks_per_migratetype... nr_free_pages\n# migratetypes:");
	for (mt = 0; mt < MMSCOPE_MT_NR; mt++)
		seq_printf(m, " %s", mt_names[mt]);
	seq_putc(m, '\n');
	return mmscope_phys_snapshot(MMSCOPE_VIEW_BUDDY, buddy_emit, m);
}

static int lru_emit(void *ctx, const void *rec)
{
	struct seq_file *m = ctx;
	const struct mmscope_phys_lru *w = rec;
	const struct mmscope_lru_rec *r = &w->rec;
	unsigned int i;

	seq_printf(m, "%llu %u %s %s", r->cgroup_id, r->node,
		   r->flags & MMSCOPE_LRU_MGLRU ? "mglru" : "classic",
		   r->flags & MMSCOPE_LRU_OFFLINE ? "offline" :
		   r->flags & MMSCOPE_LRU_NOMEMCG ? "nomemcg" : "online");
	for (i = 0; i < MMSCOPE_LRU_NR; i++)
		seq_printf(m, " %llu", r->lists[i]);
	seq_printf(m, " %llu %llu %llu %u", r->max_seq, r->min_seq[0],
		   r->min_seq[1], r->nr_gens);
	for (i = 0; i < MMSCOPE_LRU_GENS; i++)
		seq_printf(m, " %lld %lld", r->gen_pages[i][0], r->gen_pages[i][1]);
	seq_printf(m, " %llu %llu %llu %llu %llu", r->walk_lists, r->walk_capped,
		   r->walk_folios, r->walk_pages, r->walk_expected);
	for (i = 0; i < MMSCOPE_LF_NR; i++)
		seq_printf(m, " %llu", r->flag_folios[i]);
	seq_putc(m, ' ');
	seq_escape(m, w->path, " \t\n\\");
	seq_putc(m, '\n');
	return 0;
}

static int lru_show(struct seq_file *m, void *unused)
{
	unsigned int i;

	mmscope_seq_header(m, "lru", 1,
			   "cgroup_id node mode(mglru|classic) state(online|offline|nomemcg) inactive_anon active_anon inactive_file active_file unevictable max_seq min_seq_anon min_seq_file nr_gens gen0_anon gen0_file ... gen3_anon gen3_file walk_lists walk_capped walk_folios walk_pages walk_expected, folios with flag:");
	seq_putc(m, '#');
	for (i = 0; i < MMSCOPE_LF_NR; i++)
		seq_printf(m, " %s", lru_flag_names[i]);
	seq_puts(m, " path\n");
	return mmscope_phys_snapshot(MMSCOPE_VIEW_LRU, lru_emit, m);
}

static int slab_emit(void *ctx, const void *rec)
{
	struct seq_file *m = ctx;
	const struct mmscope_slab_rec *r = rec;
	unsigned int i, nodes = min_t(unsigned int, nr_node_ids, MMSCOPE_SLAB_NODES);

	seq_escape(m, r->name, " \t\n\\");
	seq_printf(m, " %u %u %u %u %llu %llu %llu %llu %llu %llu %llu %d %#llx %x ",
		   r->size, r->object_size, r->objs_per_slab, r->pages_per_slab,
		   r->active_objs, r->num_objs, r->active_slabs, r->num_slabs,
		   r->partial_slabs, r->partial_free, r->partial_walked,
		   r->refcount, r->cache_flags, r->flags);
	for (i = 0; i < nodes; i++)
		seq_printf(m, "%s%llu", i ? "," : "", r->node_partial[i]);
	seq_putc(m, '\n');
	return 0;
}

static int slab_show(struct seq_file *m, void *unused)
{
	const char *why = mmscope_slab_unavailable();

	mmscope_seq_header(m, "slab", 1,
			   "name objsize object_size objperslab pagesperslab active_objs num_objs active_slabs num_slabs partial_slabs partial_free partial_walked refcount cache_flags(hex) flags(hex:1=estimated,2=nodes_cut,4=mismatch) node_partial(comma-separated,per node id)");
	if (why) {
		seq_printf(m, "# unavailable: %s\n", why);
		return 0;
	}
	return mmscope_phys_snapshot(MMSCOPE_VIEW_SLAB, slab_emit, m);
}

static int stats_emit(void *ctx, const void *rec)
{
	struct seq_file *m = ctx;
	const struct mmscope_phys_stat_rec *r = rec;

	seq_printf(m, "%s %llu %llu %llu %llu %llu %llu %llu %llu %llu\n",
		   view_names[r->view], r->reads, r->holds, r->last_read_ns,
		   r->worst_read_ns, r->last_hold_ns, r->last_hold_entries,
		   r->worst_hold_ns, r->worst_hold_entries, r->max_hold_entries);
	return 0;
}

static int stats_show(struct seq_file *m, void *unused)
{
	int err;

	mmscope_seq_header(m, "stats", 2,
			   "view reads holds last_read_ns worst_read_ns last_hold_ns last_hold_entries worst_hold_ns worst_hold_entries max_hold_entries; then: held what bytes objects");
	err = mmscope_phys_snapshot(MMSCOPE_VIEW_NR, stats_emit, m);
	if (!err)
		mmscope_mem_show(m);
	return err;
}

/* Sized so one pass usually fits. */
MMSCOPE_DEBUGFS_SHOW(zones, 16 * 1024);
MMSCOPE_DEBUGFS_SHOW(buddy, 32 * 1024);
MMSCOPE_DEBUGFS_SHOW(lru, 64 * 1024);
MMSCOPE_DEBUGFS_SHOW(stats, 4 * 1024);
MMSCOPE_DEBUGFS_SHOW(slab, 64 * 1024);

void mmscope_phys_debugfs_init(struct dentry *root)
{
	/* root only, like every mmscope file (walks cost lock time) */
	debugfs_create_file("zones", 0400, root, NULL, &zones_fops);
	debugfs_create_file("buddy", 0400, root, NULL, &buddy_fops);
	debugfs_create_file("lru", 0400, root, NULL, &lru_fops);
	debugfs_create_file("stats", 0400, root, NULL, &stats_fops);
	debugfs_create_file("slab", 0400, root, NULL, &slab_fops);
}
