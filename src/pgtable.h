/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmscope - the page-table reader (pgtable.c): walks under locks, the fault
 * path's lockless peek, and the paging depth.
 */
#ifndef _MMSCOPE_PGTABLE_H
#define _MMSCOPE_PGTABLE_H

#include <linux/mm_types.h>
#include <linux/swap.h>

#include "mmscope.h"

unsigned int mmscope_pgtable_levels(void);
unsigned long mmscope_user_limit(void);

/* One page-table leaf as the walker found it (valid only inside ->leaf()). */
struct mmscope_leaf {
	struct vm_area_struct *vma;
	unsigned long addr;	/* first address, clipped to the walked range */
	unsigned long nr;	/* 4 KiB pages, clipped likewise */
	unsigned long pfn;	/* first PFN (present), swap offset (swap) */
	u64 entry;		/* the raw entry */
	struct page *page;	/* page at addr, NULL if none (zero, special) */
	struct folio *folio;	/* its folio */
	void *entryp;		/* hugetlb: the entry's address in its table */
	swp_entry_t swp;	/* non-present entries */
	unsigned int level;	/* enum mmscope_level */
	unsigned int type;	/* enum mmscope_entry_type */
	unsigned int kind;	/* enum mmscope_page_kind */
	bool young, dirty;	/* the entry's accessed and dirty bits */
	bool whole;		/* a huge leaf seen unclipped */
};

/* What ->leaf() returns. */
#define MMSCOPE_LEAF_CONTINUE	0
#define MMSCOPE_LEAF_YIELD	1	/* taken; drop locks and call ->yield() */
#define MMSCOPE_LEAF_STOP	2	/* not taken; end the walk before it */

struct mmscope_walk;
struct mmscope_walk_ops {
	/* Under a page-table lock or with interrupts off: must not sleep. */
	int (*leaf)(struct mmscope_walk *w, const struct mmscope_leaf *leaf);
	/* No lock held: may sleep.  0 or -errno. */
	int (*yield)(struct mmscope_walk *w);
	/* Entering a VMA at its start, under mmap_lock.  Optional. */
	void (*vma)(struct mmscope_walk *w, struct vm_area_struct *vma);
	/*
	 * Optional, instead of ->leaf() for the entries of a PTE table:
	 * [@addr, @end) of the table at @ptep (the entry of @addr), under its
	 * lock; takes every entry and may hand any of them to
	 * mmscope_pte_leaf() and its own ->leaf().  Returns
	 * MMSCOPE_LEAF_CONTINUE, or MMSCOPE_LEAF_YIELD after the whole table.
	 */
	int (*pte_table)(struct mmscope_walk *w, struct vm_area_struct *vma,
			 pte_t *ptep, unsigned long addr, unsigned long end);
};

struct mmscope_walk {
	struct mm_struct *mm;			/* referenced by the caller */
	const struct mmscope_walk_ops *ops;
	void *priv;
	unsigned long next;			/* out: where the walk stopped */
	unsigned long tables[5];		/* out: page-table pages visited,
						 * by level: PTE PMD PUD P4D PGD */
	unsigned long last_table[5];		/* counted once each */
};

int mmscope_walk(struct mmscope_walk *w, unsigned long start, unsigned long end);
int mmscope_walk_locked(struct mmscope_walk *w, unsigned long start,
			unsigned long end);
/* The hot ->leaf() visitors (process.c), called directly, not through a
 * retpoline: the layering's one allowed back-reference. */
int mmscope_summary_leaf(struct mmscope_walk *w, const struct mmscope_leaf *l);
int mmscope_summary_ptes(struct mmscope_walk *w, struct vm_area_struct *vma,
			 pte_t *ptep, unsigned long addr, unsigned long end);
int mmscope_sink_leaf(struct mmscope_walk *w, const struct mmscope_leaf *l);
void mmscope_pte_leaf(struct mmscope_leaf *l, struct vm_area_struct *vma,
		      unsigned long addr, pte_t pte);
u64 mmscope_leaf_run_key(const struct mmscope_leaf *l);
void mmscope_leaf_to_rec(const struct mmscope_leaf *l, struct mmscope_pt_rec *r);

/* The fault probes' view of one address, before and after a fault. */
enum {
	MMSCOPE_PEEK_NONE,	/* no entry (or no table) */
	MMSCOPE_PEEK_ZERO,	/* the zero page */
	MMSCOPE_PEEK_RO,	/* present, not writable */
	MMSCOPE_PEEK_RW,	/* present, writable */
	MMSCOPE_PEEK_PROTNONE,	/* NUMA hinting entry */
	MMSCOPE_PEEK_SWAP,
	MMSCOPE_PEEK_MIGRATION,
	MMSCOPE_PEEK_OTHER,
};

struct mmscope_peek {
	u8 st;			/* MMSCOPE_PEEK_* */
	bool huge;		/* a PMD or PUD leaf */
	bool pmd_none;		/* no PTE table (nor leaf) under the PMD */
	unsigned long pfn;
	unsigned int present;	/* present PTEs in the table, within the VMA */
};

void mmscope_pt_peek(struct mm_struct *mm, unsigned long addr,
		     unsigned long vm_start, unsigned long vm_end,
		     bool count_window, struct mmscope_peek *s);

#endif /* _MMSCOPE_PGTABLE_H */
