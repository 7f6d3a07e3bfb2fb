/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmscope - page faults of tracked processes (fault.c): counters per
 * process, and event streams.
 */
#ifndef _MMSCOPE_FAULT_H
#define _MMSCOPE_FAULT_H

#include <linux/irq_work.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "mmscope.h"

struct mmscope_task;
struct pid;

/* All FAULT_STREAM rings together; one more gets -ENOSPC. */
#define MMSCOPE_RINGS_MAX_BYTES	(64UL << 20)
#define MMSCOPE_RING_MAX_RECORDS	65536

void mmscope_fault_init(void);

/* Counters of tracked @nr (the caller's namespace), or -ENOENT. */
int mmscope_task_fault_stats(pid_t nr, struct mmscope_fault_stats *s);
/* Counters of entry @t, for a file that keeps @t alive. */
void mmscope_task_fault_stats_of(struct mmscope_task *t, struct mmscope_fault_stats *s);

/* A stream reader: an open /dev/mmscope turned into an event stream. */
struct mmscope_reader {
	struct list_head node;		/* RCU list of readers */
	struct pid *pid;		/* filter, or NULL for all tracked */
	/* protects ring, head, tail, dropped*, watermark, first */
	spinlock_t lock;
	struct mmscope_fault_event *ring;
	u64 head, tail, mask;
	u64 dropped, dropped_pending, delivered;
	wait_queue_head_t wq;
	struct irq_work wake;
	u32 watermark;			/* wake at this many records (lock) */
	unsigned long first;		/* jiffies the oldest waiting came */
	struct delayed_work flush;	/* wakes below the watermark */
};

int mmscope_reader_start(struct mmscope_reader *r, struct pid *pid,
			 unsigned int ring_records, u32 watermark);
void mmscope_reader_set_watermark(struct mmscope_reader *r, u32 watermark);
u32 mmscope_reader_watermark(struct mmscope_reader *r);
void mmscope_reader_stop(struct mmscope_reader *r);
/* Up to @max records out of the ring into @buf; counted as delivered. */
unsigned int mmscope_reader_take(struct mmscope_reader *r,
				 struct mmscope_fault_event *buf, unsigned int max);
/* @n records taken but not delivered (a failed copy): count them dropped. */
void mmscope_reader_undo(struct mmscope_reader *r, unsigned int n);
bool mmscope_reader_ready(struct mmscope_reader *r);
int mmscope_reader_wait(struct mmscope_reader *r);
void mmscope_reader_counts(struct mmscope_reader *r, u64 *dropped, u64 *delivered);

#endif /* _MMSCOPE_FAULT_H */
