/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmscope - process memory producers (process.c): targets, the summary,
 * page-table records, VMAs.
 */
#ifndef _MMSCOPE_PROCESS_H
#define _MMSCOPE_PROCESS_H

#include <linux/limits.h>

#include "mmscope.h"

struct mm_struct;
struct pid;
struct vm_area_struct;

struct mm_struct *mmscope_get_mm(pid_t pid);
struct mm_struct *mmscope_pid_get_mm(struct pid *pid);
int mmscope_mm_summary(struct mm_struct *mm, struct mmscope_mm_summary *s);

/* Page-table records, delivered to the presenter in bounded chunks. */
struct mmscope_rec_sink {
	/* set by the presenter */
	u64 cap;		/* records the reader can take, > 0 */
	bool runs;		/* merge equal consecutive leaves */
	int (*flush)(struct mmscope_rec_sink *s,
		     const struct mmscope_pt_rec *recs, unsigned int n);
	void *priv;
	/* producer state */
	struct mmscope_pt_rec *kbuf;
	unsigned int kcount;
	u64 taken;		/* records handed to kbuf so far */
	struct mmscope_pt_rec pending;
	u64 pending_key;	/* mmscope_leaf_run_key() of its first leaf */
	bool has_pending;
};
int mmscope_pt_records(struct mm_struct *mm, unsigned long start,
		       unsigned long end, struct mmscope_rec_sink *s,
		       unsigned long *walk_end, unsigned long *tables);

/* Dense entries (MMSCOPE_WALK_DENSE): one u64 per page, in chunks. */
struct mmscope_dense_sink {
	/*
	 * Set by the presenter; called with no lock held, entries in address
	 * order; @ents NULL means @n zero (empty) entries.
	 */
	int (*flush)(struct mmscope_dense_sink *s, const u64 *ents,
		     unsigned long n);
	void *priv;
	/* producer state */
	u64 *win;			/* one PTE table's entries */
	unsigned long win_start, win_nr;
	u64 huge;			/* a huge leaf's first entry */
	unsigned long huge_start, huge_nr;
	unsigned long next;		/* flushed up to this address */
	unsigned long pfn_bound;
};
int mmscope_pt_dense(struct mm_struct *mm, unsigned long start,
		     unsigned long end, struct mmscope_dense_sink *s,
		     unsigned long *tables);

/* What the VMA producer emits: the record, then its path or name. */
struct mmscope_vma_out {
	struct mmscope_vma_rec rec;	/* first: a binary face copies from here */
	char path[PATH_MAX];		/* NUL-terminated, "" when none */
};
int mmscope_vmas(struct mm_struct *mm, unsigned long start, unsigned long end,
		 mmscope_emit_t emit, void *ctx);

/* The one VMA decision tree: enum mmscope_vma_kind. */
unsigned int mmscope_vma_kind(struct vm_area_struct *vma);

#endif /* _MMSCOPE_PROCESS_H */
