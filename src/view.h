/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmscope - the table of views (view.c), between the two presenters and
 * the producers.  One row per view: its name, text format and legend, its
 * ioctl, the record kinds its one pass emits (size, first published size,
 * text printer), and its producer.  debugfs.c renders every row as a text
 * file, dev.c every row with a snapshot ioctl as binary records: both from
 * one pass of one producer, so the two faces cannot disagree.
 */
#ifndef _MMSCOPE_VIEW_H
#define _MMSCOPE_VIEW_H

#include <linux/mutex.h>

#include "mmscope.h"

struct file;
struct seq_file;
struct mmscope_task;

/* One kind of record a view's pass emits. */
struct mmscope_rec_kind {
	size_t size;		/* uapi record at the start of what is emitted;
				 * 0: text only (the binary face skips it) */
	size_t size_ver0;	/* first published size of that record */
	void (*print)(struct seq_file *m, const void *rec);	/* one text line or more */
};

struct mmscope_view {
	const char *name;		/* debugfs file */
	umode_t mode;			/* debugfs file mode */
	unsigned int format;		/* text format version: only grows */
	const char *legend;		/* the second header line */
	void (*legend_more)(struct seq_file *m);	/* further "#" lines */
	unsigned int ioctl;		/* its command, 0: none */
	bool snapshot;			/* ioctl takes struct mmscope_phys_snap */
	unsigned int phys_view;		/* enum mmscope_phys_view, for phys rows */
	size_t bufsize;			/* text buffer that usually fits one pass */
	bool iterated;			/* text printed in chunks (pagetable) */
	const char *(*unavailable)(void);	/* text says why, no records */
	/* One pass; @target: NULL, or the view's task (per-task rows). */
	int (*produce)(const struct mmscope_view *v, void *target,
		       mmscope_emit_t emit, void *ctx);
	/* A write to the text file (track). */
	ssize_t (*write)(const char __user *buf, size_t len);
	struct mmscope_rec_kind kinds[2];
};

/* Views of the machine (debugfs root) and of each tracked task. */
#define MMSCOPE_MAX_VIEWS	16
#define MMSCOPE_MAX_TASK_VIEWS	4
extern const struct mmscope_view mmscope_views[];
extern const unsigned int mmscope_nr_views;
extern const struct mmscope_view mmscope_task_views[];
extern const unsigned int mmscope_nr_task_views;

/* What a per-task view's target is: the task, and the summary's last figures. */
struct mmscope_view_task {
	struct mmscope_task *t;
	struct mutex lock;		/* protects last and have_last */
	struct mmscope_mm_summary last;	/* figures of the last summary read */
	bool have_last;
};

/* The one access rule of every entry point. */
int mmscope_may_open(struct file *file);
/* The header every text file starts with. */
void mmscope_view_header(struct seq_file *m, const struct mmscope_view *v);
/* Row of a view by name (debugfs's pagetable iterator finds its own). */
const struct mmscope_view *mmscope_view_find(const struct mmscope_view *rows,
					     unsigned int nr, const char *name);

#endif /* _MMSCOPE_VIEW_H */
