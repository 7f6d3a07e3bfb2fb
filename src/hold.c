// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope - lock-hold accounting (a producer of the stats view, and a
 * utility of the producers that take the kernel's locks: phys.c, slab.c).
 *
 * A pass brackets every hold of a kernel lock with mmscope_hold_begin() and
 * mmscope_hold_end(); mmscope_pass_end() folds its figures into the view's
 * record.  Owns phys_stats_lock, which protects phys_stats[]: taken alone,
 * never inside another lock, and never held across anything but a copy.
 */
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "hold.h"

static DEFINE_SPINLOCK(phys_stats_lock);
static struct mmscope_phys_stat_rec phys_stats[MMSCOPE_VIEW_NR];	/* phys_stats_lock */

void mmscope_pass_begin(struct mmscope_pass *p, unsigned int view)
{
	memset(p, 0, sizeof(*p));
	p->view = view;
	p->start = ktime_get_ns();
}

void mmscope_hold_begin(struct mmscope_pass *p)
{
	p->hold_t0 = ktime_get_ns();
}

void mmscope_hold_end(struct mmscope_pass *p, u64 entries)
{
	u64 ns = ktime_get_ns() - p->hold_t0;

	p->holds++;
	if (ns > p->hold_ns) {
		p->hold_ns = ns;
		p->hold_entries = entries;
	}
	p->max_entries = max(p->max_entries, entries);
}

/* Fold one view's pass into its record; called with phys_stats_lock held. */
static void stat_fold(struct mmscope_phys_stat_rec *s,
		      const struct mmscope_pass *p, u64 ns, int err)
{
	lockdep_assert_held(&phys_stats_lock);
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
}

void mmscope_pass_end(struct mmscope_pass *p, int err)
{
	u64 ns = ktime_get_ns() - p->start;

	if (p->view >= MMSCOPE_VIEW_NR)
		return;
	spin_lock(&phys_stats_lock);
	stat_fold(&phys_stats[p->view], p, ns, err);
	spin_unlock(&phys_stats_lock);
}

int mmscope_pass_yield(void)
{
	cond_resched();
	return fatal_signal_pending(current) ? -EINTR : 0;
}

/**
 * mmscope_hold_snapshot - the stats view: one record per physical view
 * @emit: called with no lock held, kind 0, a struct mmscope_phys_stat_rec
 * Return: 0 or what @emit returned.
 */
int mmscope_hold_snapshot(mmscope_emit_t emit, void *ctx)
{
	struct mmscope_phys_stat_rec r;
	unsigned int v;
	int err;

	for (v = 0; v < MMSCOPE_VIEW_NR; v++) {
		spin_lock(&phys_stats_lock);
		r = phys_stats[v];
		spin_unlock(&phys_stats_lock);
		r.view = v;
		err = emit(ctx, 0, &r);
		if (err)
			return err;
	}
	return 0;
}
