// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope - physical memory (a producer): zones, buddy free lists, LRU lists
 * and pageblocks; slab caches are in slab.c, lock-hold accounting in hold.c.
 *
 * Each pass hands every record (a uapi struct, the one both presenters
 * render) to an emit callback with no lock held, so the callback may sleep
 * and copy to user space.  Nothing here knows of debugfs or user memory.
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
 *  - pageblocks: no lock, no page reference.  Each page's flags, type,
 *    mapping bits and refcount are racy word reads, as /proc/kpageflags
 *    makes them; a free block's order is trusted only when it fits.
 *    cond_resched() and a fatal-signal check after every pageblock.
 *  zone->lock and lru_lock are never nested; every hold is bracketed by
 *  mmscope_hold_begin()/mmscope_hold_end() (hold.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/kernfs.h>
#include <linux/memcontrol.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/mm_inline.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/vmstat.h>

#include "compat.h"
#include "hold.h"
#include "phys.h"

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

static int phys_zones(struct mmscope_pass *p, mmscope_emit_t emit, void *ctx)
{
	struct mmscope_zone_rec *r;
	int nid, zid, err = 0;

	r = kmalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	for_each_online_node(nid) {
		for (zid = 0; zid < MAX_NR_ZONES; zid++) {
			zone_fill(&NODE_DATA(nid)->node_zones[zid], nid, zid, r);
			err = emit(ctx, 0, r) ?: mmscope_pass_yield();
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
			err = mmscope_pass_yield();
			if (err)
				return err;
		}
	}
	return 0;
}

static int buddy_zone(struct mmscope_pass *p, struct zone *zone,
		      struct mmscope_buddy_rec *r)
{
	unsigned int order, mt;
	unsigned long flags;
	int err;

	for (order = 0; order < MMSCOPE_NR_PAGE_ORDERS; order++) {
		struct free_area *area = &zone->free_area[order];
		u64 budget = MMSCOPE_BUDDY_CAP;

		spin_lock_irqsave(&zone->lock, flags);
		mmscope_hold_begin(p);
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
		mmscope_hold_end(p, MMSCOPE_BUDDY_CAP - budget);
		spin_unlock_irqrestore(&zone->lock, flags);
		err = mmscope_pass_yield();
		if (err)
			return err;
	}
	r->free_pages = zone_page_state(zone, NR_FREE_PAGES);
	buddy_indices(r);
	return buddy_pageblocks(zone, r);
}

static int phys_buddy(struct mmscope_pass *p, mmscope_emit_t emit, void *ctx)
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
			err = buddy_zone(p, zone, r) ?: emit(ctx, 0, r);
			if (err)
				goto out;
		}
	}
out:
	kfree(r);
	return err;
}

/* ---- pageblocks --------------------------------------------------------- */

/*
 * A page's head, or the page itself when the head read is not believable:
 * compound_head() (which also undoes HVO's fake heads) read without a
 * reference may be stale, so the head must be an online page of the memmap
 * at most a PUD-sized folio before @pfn.
 */
static struct page *pb_head(struct page *page, unsigned long pfn)
{
	struct page *head = compound_head(page);
	unsigned long hpfn;

	if (head == page)
		return page;
	hpfn = page_to_pfn(head);
	if (hpfn > pfn || pfn - hpfn >= 1UL << (PUD_SHIFT - PAGE_SHIFT) ||
	    pfn_to_online_page(hpfn) != head)
		return page;
	return head;
}

/*
 * Is @page of @zone?  Its node and zone from the flags word already read
 * (page_zone() would index NODE_DATA() with whatever a stale word holds).
 */
static bool pb_in_zone(unsigned long flags, struct zone *zone)
{
	return ((flags >> NODES_PGSHIFT) & NODES_MASK) == zone_to_nid(zone) &&
	       ((flags >> ZONES_PGSHIFT) & ZONES_MASK) == zone_idx(zone);
}

/* The class of one page that is not the start of a free block. */
static unsigned int pb_class(struct page *page, unsigned long pfn,
			     unsigned long flags)
{
	struct page *head = pb_head(page, pfn);
	unsigned long hflags = head == page ? flags : READ_ONCE(head->flags);
	unsigned long mapping;

	if (flags & BIT(PG_reserved))
		return MMSCOPE_PB_RESERVED;
	if (hflags == PAGE_POISON_PATTERN)
		return MMSCOPE_PB_KERNEL;	/* a head we cannot read */
	if (mmscope_head_hugetlb(head))
		return MMSCOPE_PB_HUGETLB;
	if (mmscope_head_slab(head, hflags))
		return MMSCOPE_PB_SLAB;
	if (PageTable(page))
		return MMSCOPE_PB_PGTABLE;
	/* the low bits only: the pointer itself is never followed */
	mapping = (unsigned long)READ_ONCE(head->mapping);
	if (mapping & PAGE_MAPPING_ANON)
		return MMSCOPE_PB_ANON;
	if ((mapping && !(mapping & PAGE_MAPPING_FLAGS)) || (hflags & BIT(PG_lru)))
		return hflags & BIT(PG_swapbacked) ? MMSCOPE_PB_SHMEM : MMSCOPE_PB_FILE;
	if (!page_ref_count(head))
		return MMSCOPE_PB_UNREF;
	return MMSCOPE_PB_KERNEL;
}

/*
 * Pages from @pfn on that a free block starting before @pfn still covers:
 * a buddy order above pageblock_order spans several pageblocks, and only
 * its first page says so.  0 when no such block.
 */
static unsigned long pb_free_carry(struct zone *zone, unsigned long pfn,
				   unsigned long end)
{
	unsigned int order;

	for (order = pageblock_order + 1; order < MMSCOPE_NR_PAGE_ORDERS; order++) {
		unsigned long start = pfn & ~((1UL << order) - 1);
		struct page *page;

		if (start == pfn || start < zone->zone_start_pfn)
			continue;
		page = pfn_to_online_page(start);
		if (!page || !PageBuddy(page) ||
		    READ_ONCE(page_private(page)) != order ||
		    !pb_in_zone(READ_ONCE(page->flags), zone))
			continue;
		return min(start + (1UL << order), end) - pfn;
	}
	return 0;
}

/*
 * The block's migratetype as pagetypeinfo counts it: that walk steps from
 * zone_start_pfn (not pageblock-aligned: DMA starts at 1) and counts a
 * block only when the PFN it lands on is online and of the zone; a block it
 * would not count is MMSCOPE_MT_NR.
 */
static unsigned int pb_migratetype(struct zone *zone, unsigned long start,
				   unsigned long zstart, unsigned long zend)
{
	unsigned long pfn = start + (zstart & (pageblock_nr_pages - 1));
	struct page *page;
	unsigned int mt;

	if (pfn < zstart || pfn >= zend)
		return MMSCOPE_MT_NR;
	page = pfn_to_online_page(pfn);
	if (!page || !pb_in_zone(READ_ONCE(page->flags), zone))
		return MMSCOPE_MT_NR;
	mt = mmscope_pfnblock_migratetype(pfn);
	return mt < MIGRATE_TYPES ? mt_map[mt] : MMSCOPE_MT_NR;
}

/*
 * One pageblock: every page classified once, from flags read without a lock
 * or a reference, as stable_page_flags() (fs/proc/page.c) reads them.
 */
static void pb_fill(struct zone *zone, unsigned long start,
		    struct mmscope_pageblock_rec *r)
{
	unsigned long zstart = READ_ONCE(zone->zone_start_pfn);
	unsigned long zend = zstart + READ_ONCE(zone->spanned_pages);
	unsigned long end = start + pageblock_nr_pages, pfn = start, n;
	unsigned int c;

	r->start_pfn = start;
	r->nr_pages = pageblock_nr_pages;
	r->free_max_order = MMSCOPE_PB_NO_FREE;
	r->migratetype = pb_migratetype(zone, start, zstart, zend);

	if (start >= zstart && start < zend) {
		n = pb_free_carry(zone, start, min(end, zend));
		r->pages[MMSCOPE_PB_FREE] += n;
		pfn += n;
	}
	while (pfn < end) {
		struct page *page;
		unsigned long flags, order;

		if (pfn < zstart || pfn >= zend) {
			r->pages[MMSCOPE_PB_HOLE]++;
			pfn++;
			continue;
		}
		page = pfn_to_online_page(pfn);
		flags = page ? READ_ONCE(page->flags) : PAGE_POISON_PATTERN;
		if (flags == PAGE_POISON_PATTERN || !pb_in_zone(flags, zone)) {
			r->pages[MMSCOPE_PB_HOLE]++;
			pfn++;
			continue;
		}
		if (PageBuddy(page)) {
			/* buddy_order_unsafe(): trust it only if it fits */
			order = READ_ONCE(page_private(page));
			n = 1;
			if (order < MMSCOPE_NR_PAGE_ORDERS &&
			    !(pfn & ((1UL << order) - 1)) &&
			    pfn + (1UL << order) <= zend) {
				n = min(1UL << order, end - pfn);
				if (r->free_max_order == MMSCOPE_PB_NO_FREE ||
				    order > r->free_max_order)
					r->free_max_order = order;
			}
			r->pages[MMSCOPE_PB_FREE] += n;
			pfn += n;
			continue;
		}
		r->pages[pb_class(page, pfn, flags)]++;
		pfn++;
	}
	for (c = 1; c < MMSCOPE_PB_NR; c++)
		if (r->pages[c] > r->pages[r->dominant])
			r->dominant = c;
}

static int phys_pageblocks(struct mmscope_pass *p, mmscope_emit_t emit, void *ctx)
{
	struct mmscope_pageblock_rec *r;
	int nid, zid, err = 0;

	BUILD_BUG_ON(MMSCOPE_PB_NR > MMSCOPE_PB_CLASSES);
	BUILD_BUG_ON(MMSCOPE_NR_PAGE_ORDERS > MMSCOPE_PB_NO_FREE);
	r = kmalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	for_each_online_node(nid) {
		for (zid = 0; zid < MAX_NR_ZONES; zid++) {
			struct zone *zone = &NODE_DATA(nid)->node_zones[zid];
			unsigned long pfn;

			if (!populated_zone(zone) || zone_is_zone_device(zone))
				continue;
			/* the span is re-read per block: hotplug may move it */
			for (pfn = pageblock_start_pfn(READ_ONCE(zone->zone_start_pfn));
			     pfn < zone_end_pfn(zone); pfn += pageblock_nr_pages) {
				memset(r, 0, sizeof(*r));
				r->node = nid;
				strscpy(r->zone, zone->name, sizeof(r->zone));
				pb_fill(zone, pfn, r);
				err = emit(ctx, 0, r) ?: mmscope_pass_yield();
				if (err)
					goto out;
			}
		}
	}
out:
	kfree(r);
	return err;
}

/* ---- LRU lists ----------------------------------------------------------- */

/*
 * Count the folios of one list of @lruvec, up to *budget of them.  Called
 * under lru_lock, which keeps every folio on the list and its size fixed.
 */
static void lru_walk_list(struct lruvec *lruvec, struct list_head *head,
			  struct mmscope_lru_rec *r, u64 *budget)
{
	struct folio *folio;

	lockdep_assert_held(&lruvec->lru_lock);
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

static void lru_fill(struct mmscope_pass *p, struct lruvec *lruvec,
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
	mmscope_hold_begin(p);
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
	mmscope_hold_end(p, 0);
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
		mmscope_hold_begin(p);
		r->walk_expected += lru_classic_size(lruvec, lru);
		lru_walk_list(lruvec, &lruvec->lists[lru], r, &budget);
		mmscope_hold_end(p, MMSCOPE_LRU_WALK_CAP - budget);
		spin_unlock_irq(&lruvec->lru_lock);
		cond_resched();
	}
	/* multi-gen lists: one hold per generation and type, all zones */
	for (gen = 0; gen < MAX_NR_GENS; gen++) {
		for (type = 0; type < ANON_AND_FILE; type++) {
			budget = MMSCOPE_LRU_WALK_CAP;
			spin_lock_irq(&lruvec->lru_lock);
			mmscope_hold_begin(p);
			r->walk_expected += lru_gen_size(lrugen, gen, type);
			for (zid = 0; zid < MAX_NR_ZONES; zid++)
				lru_walk_list(lruvec, &lrugen->folios[gen][type][zid], r, &budget);
			mmscope_hold_end(p, MMSCOPE_LRU_WALK_CAP - budget);
			spin_unlock_irq(&lruvec->lru_lock);
			cond_resched();
		}
	}
}

/* One record per node of one memcg (NULL: memcg disabled, node lruvecs). */
static int lru_memcg(struct mmscope_pass *p, struct mem_cgroup *memcg,
		     struct mmscope_phys_lru *w, mmscope_emit_t emit,
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
		err = emit(ctx, 0, w) ?: mmscope_pass_yield();
		if (err)
			return err;
	}
	return 0;
}

static int phys_lru(struct mmscope_pass *p, mmscope_emit_t emit, void *ctx)
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

/**
 * mmscope_phys_snapshot - one pass of a physical-memory view
 * @view: enum mmscope_phys_view
 * @emit: called once per record (kind 0) with no lock held; may sleep
 * @ctx: passed to @emit
 *
 * Return: 0, -ENOMEM, -EINTR (fatal signal), or what @emit returned.
 */
int mmscope_phys_snapshot(unsigned int view, mmscope_emit_t emit, void *ctx)
{
	struct mmscope_pass p;
	int err;

	mmscope_pass_begin(&p, view);
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
	case MMSCOPE_VIEW_PAGEBLOCKS:
		err = phys_pageblocks(&p, emit, ctx);
		break;
	default:
		return -EINVAL;
	}
	mmscope_pass_end(&p, err);
	return err;
}
