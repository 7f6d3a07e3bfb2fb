/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmscope - every difference between the supported kernels lives here.
 *
 * Supported: Linux 6.1 up to 6.12 (Debian 6.1 LTS and bookworm-backports
 * 6.12 LTS are tested).  Each shim names the kernel change it papers over;
 * the other source files read like upstream mm code of one version.
 */
#ifndef _MMSCOPE_COMPAT_H
#define _MMSCOPE_COMPAT_H

#include <linux/version.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/hugetlb.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0) || \
	LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#error "mmscope supports Linux 6.1 to 6.12"
#endif

/*
 * 6.5 added pmdp_get_lockless() to generic code (the pte_offset_map()
 * rework).  Before it, on x86-64 a pmd is one naturally aligned word, so a
 * single READ_ONCE() is the lockless read.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 5, 0)
static inline pmd_t mmscope_pmdp_get_lockless(pmd_t *pmdp)
{
	return READ_ONCE(*pmdp);
}
#else
#define mmscope_pmdp_get_lockless pmdp_get_lockless
#endif

/*
 * Mappings of one page of a folio, as smaps and pagemap count them.
 * 6.12 removed page_mapcount(); its replacement folio_precise_page_mapcount()
 * lives in mm/internal.h, so it is spelled out here from public inlines.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
static inline int mmscope_page_mapcount(struct folio *folio, struct page *page)
{
	return page_mapcount(page);
}
#else
static inline int mmscope_page_mapcount(struct folio *folio, struct page *page)
{
	int mapcount = atomic_read(&page->_mapcount) + 1;

	if (page_mapcount_is_type(mapcount))
		mapcount = 0;
	if (folio_test_large(folio))
		mapcount += folio_entire_mapcount(folio);
	return mapcount;
}
#endif

/*
 * smaps_account(): when may a mapping be charged whole, without per-page
 * mapcounts, and is it then private?  6.1: a single reference, or a
 * migration entry (taken as private).  6.12: a single reference to a present
 * page (private), or any non-present entry ("maybe shared").
 */
static inline bool mmscope_smaps_whole(struct folio *folio, bool present,
				       bool migration, bool *private)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
	*private = true;
	return folio_ref_count(folio) == 1 || migration;
#else
	*private = present;
	return folio_ref_count(folio) == 1 || !present;
#endif
}

/*
 * smaps_hugetlb_range(): 6.1 calls a hugetlb page shared when its mapcount
 * is 2 or more; 6.12 also when the entry is not present or its PMD table is
 * shared between processes.
 */
static inline bool mmscope_hugetlb_shared(struct folio *folio, bool present,
					  pte_t *ptep)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
	return page_mapcount(&folio->page) >= 2;
#else
	return !present || folio_likely_mapped_shared(folio) ||
	       hugetlb_pmd_shared(ptep);
#endif
}

/*
 * The mm's own RSS counters.  6.2 made them per-CPU counters whose plain read
 * lags by up to a batch per CPU; their exact sum is get_mm_counter_sum()
 * (6.12).  6.1 keeps atomics, fed from per-task caches every 64 faults.
 */
static inline unsigned long mmscope_mm_counter(struct mm_struct *mm, int member)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
	return get_mm_counter(mm, member);
#else
	return get_mm_counter_sum(mm, member);
#endif
}

/* ---- physical memory (phys.c) ---------------------------------------- */

/*
 * Buddy orders.  6.4 made MAX_ORDER inclusive (the largest order, no longer
 * one past it); 6.8 renamed it MAX_PAGE_ORDER and added NR_PAGE_ORDERS.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
#define MMSCOPE_NR_PAGE_ORDERS	MAX_ORDER
#elif LINUX_VERSION_CODE < KERNEL_VERSION(6, 8, 0)
#define MMSCOPE_NR_PAGE_ORDERS	(MAX_ORDER + 1)
#else
#define MMSCOPE_NR_PAGE_ORDERS	NR_PAGE_ORDERS
#endif

/* 6.5 added NR_UNACCEPTED (unaccepted memory, CONFIG_UNACCEPTED_MEMORY). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0) && defined(CONFIG_UNACCEPTED_MEMORY)
#define MMSCOPE_HAVE_NR_UNACCEPTED	1
#endif

/*
 * A pageblock's migratetype, as get_pageblock_migratetype() reads it: that
 * function is not exported, so its SPARSEMEM path (the only one on x86-64)
 * is spelled out from public inlines: NR_PAGEBLOCK_BITS bits per pageblock in
 * the section's usemap.  Same layout from 6.1 to 6.12 (6.15 reworks it).
 */
static inline unsigned int mmscope_pfnblock_migratetype(unsigned long pfn)
{
	unsigned long *bitmap = section_to_usemap(__pfn_to_section(pfn));
	unsigned long bitidx = ((pfn & (PAGES_PER_SECTION - 1)) >> pageblock_order) *
			       NR_PAGEBLOCK_BITS;

	return (READ_ONCE(bitmap[bitidx / BITS_PER_LONG]) >>
		(bitidx % BITS_PER_LONG)) & MIGRATETYPE_MASK;
}

/*
 * Slab and hugetlb pages, tested on a head page without a reference (as
 * /proc/kpageflags tests them).  6.1 marks a slab page PG_slab and a hugetlb
 * folio by its compound destructor, read by PageHuge() (exported); 6.9 made
 * hugetlb, and 6.10 slab, a page type of the folio's first page.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 9, 0)
static inline bool mmscope_head_hugetlb(struct page *head)
{
	return PageHuge(head);
}
#else
static inline bool mmscope_head_hugetlb(struct page *head)
{
	return folio_test_hugetlb((struct folio *)head);
}
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 10, 0)
static inline bool mmscope_head_slab(struct page *head, unsigned long flags)
{
	return flags & BIT(PG_slab);
}
#else
static inline bool mmscope_head_slab(struct page *head, unsigned long flags)
{
	return folio_test_slab((struct folio *)head);
}
#endif

/*
 * The multi-gen LRU of a lruvec.  6.3 renamed struct lru_gen_struct to
 * struct lru_gen_folio; the member stays lruvec->lrugen and Debian's 6.1
 * already has the lists named folios[][][], so only the type name differs.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
typedef struct lru_gen_struct mmscope_lru_gen_t;
#else
typedef struct lru_gen_folio mmscope_lru_gen_t;
#endif

/*
 * The file a user sees behind a mapping.  Since 6.8 a mapping of a file on
 * overlayfs holds a backing file (the lower filesystem's inode and path),
 * and /proc/PID/maps shows the overlay's through file_user_inode() and
 * file_user_path() (backing_file_user_path() is exported, GPL); before
 * that, the mapped file's own.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 8, 0)
static inline const struct inode *mmscope_file_user_inode(const struct file *f)
{
	return file_inode(f);
}

static inline const struct path *mmscope_file_user_path(const struct file *f)
{
	return &f->f_path;
}
#else
#define mmscope_file_user_inode(f)	file_user_inode(f)
#define mmscope_file_user_path(f)	file_user_path(f)
#endif

#endif /* _MMSCOPE_COMPAT_H */
