/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmscope - lock-hold accounting: what each pass of a physical-memory view
 * cost (hold.c).  Shared by the producers that take the kernel's locks.
 */
#ifndef _MMSCOPE_HOLD_H
#define _MMSCOPE_HOLD_H

#include "mmscope.h"

/* One pass of a view: started, holds bracketed, ended. */
struct mmscope_pass {
	unsigned int view;	/* enum mmscope_phys_view */
	u64 start;		/* ktime_get_ns() at the start */
	u64 hold_t0;		/* start of the current hold */
	u64 holds;
	u64 hold_ns;		/* longest hold of this pass */
	u64 hold_entries;	/* entries visited in that hold */
	u64 max_entries;	/* most entries in any hold of this pass */
};

void mmscope_pass_begin(struct mmscope_pass *p, unsigned int view);
void mmscope_pass_end(struct mmscope_pass *p, int err);
/* Right after a lock is taken, and right before it is dropped. */
void mmscope_hold_begin(struct mmscope_pass *p);
void mmscope_hold_end(struct mmscope_pass *p, u64 entries);
/* Between holds: let others run, and let a killed reader go (-EINTR). */
int mmscope_pass_yield(void);
/* The stats view: one struct mmscope_phys_stat_rec per view, as kind 0. */
int mmscope_hold_snapshot(mmscope_emit_t emit, void *ctx);

#endif /* _MMSCOPE_HOLD_H */
