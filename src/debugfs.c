// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope - the debugfs presenter: text views under /sys/kernel/debug/mmscope.
 *
 * One file per row of the table of views (view.c): the machine's views at
 * the root, each tracked task's under tasks/PID/.  Every file starts with a
 * versioned header line and a column legend, then one record per line with
 * tokens free of spaces, so awk can read it:
 *
 *	# mmscope <file> format <N>
 *	# <legend>
 *
 * A format number only grows; columns are only ever added at the end.
 * One generic show runs the row's producer with an emit callback that
 * prints each record with the row's printer into the seq_file buffer;
 * seq_file copies to user space after ->show()/->stop(), outside every lock
 * the producers take.  The pagetable file, which can be long, is iterated
 * in chunks of records instead.
 *
 * Per-task directories: this presenter is a client of the tracked-task
 * table (track.c): it keeps a struct task_dir per entry, creates the
 * directory when the entry is listed and removes it (debugfs waits for
 * readers still inside its files) when it is unlisted, both under the
 * table's lock.  Files reach their task through inode->i_private.
 *
 * debugfs is optional: on a kernel without it (or one in lockdown) the
 * module still loads and /dev/mmscope still works.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "pgtable.h"
#include "presenter.h"
#include "process.h"
#include "track.h"
#include "view.h"

static struct dentry *mmscope_debugfs_root;
static struct dentry *mmscope_debugfs_tasks;

/* A file's private data: its row, and its target (NULL or a task). */
struct view_file {
	const struct mmscope_view *v;
	void *target;
};

/* A tracked task's directory, and the per-task views' target. */
struct task_dir {
	struct mmscope_view_task vt;
	struct dentry *dir;
	struct view_file files[MMSCOPE_MAX_TASK_VIEWS];
};

static int seq_emit(void *ctx, unsigned int kind, const void *rec)
{
	struct seq_file *m = ctx;
	const struct view_file *f = m->private;

	f->v->kinds[kind].print(m, rec);
	return 0;
}

static int view_show(struct seq_file *m, void *unused)
{
	const struct view_file *f = m->private;
	const struct mmscope_view *v = f->v;
	const char *why;

	mmscope_view_header(m, v);
	why = v->unavailable ? v->unavailable() : NULL;
	if (why) {
		seq_printf(m, "# unavailable: %s\n", why);
		return 0;
	}
	return v->produce(v, f->target, seq_emit, m);
}

static int view_open(struct inode *inode, struct file *file)
{
	const struct view_file *f = inode->i_private;
	int err = mmscope_may_open(file);

	return err ?: single_open_size(file, view_show, inode->i_private,
				       f->v->bufsize);
}

static ssize_t view_write(struct file *file, const char __user *buf,
			  size_t len, loff_t *ppos)
{
	const struct view_file *f = file_inode(file)->i_private;

	return f->v->write ? f->v->write(buf, len) : -EINVAL;
}

static const struct file_operations view_fops = {
	.owner		= THIS_MODULE,
	.open		= view_open,
	.read		= seq_read,
	.write		= view_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

/* ---- tasks/PID/pagetable: iterated in chunks of records ---- */

/* Longest dump; MMSCOPE_IOC_PT_WALK has no such cap. */
#define PT_MAX_LINES	100000
#define PT_CHUNK	64

struct pt_iter {
	const struct mmscope_view *v;
	struct mm_struct *mm;		/* mmgrab()bed: the mm_struct, not its pages */
	bool done, truncated;
	unsigned long cursor;		/* where the next fill starts */
	loff_t base;			/* line index of recs[0] */
	unsigned int count;
	u64 lines;
	struct mmscope_pt_rec recs[PT_CHUNK];
};

static int pt_iter_flush(struct mmscope_rec_sink *s,
			 const struct mmscope_pt_rec *recs, unsigned int n)
{
	struct pt_iter *it = s->priv;

	memcpy(&it->recs[it->count], recs, n * sizeof(*recs));
	it->count += n;
	return 0;
}

/* Next chunk of records; resumes exactly where the last one stopped. */
static int pt_iter_fill(struct pt_iter *it)
{
	struct mmscope_rec_sink sink = {
		.runs = true,
		.flush = pt_iter_flush,
		.priv = it,
	};
	unsigned long limit = mmscope_user_limit(), walk_end, tables;
	int err;

	it->base += it->count;
	it->count = 0;
	if (it->lines >= PT_MAX_LINES) {
		it->done = it->truncated = true;
		return 0;
	}
	if (!mmget_not_zero(it->mm)) {
		it->done = true;
		return 0;
	}
	sink.cap = min_t(u64, PT_CHUNK, PT_MAX_LINES - it->lines);
	err = mmscope_pt_records(it->mm, it->cursor, limit, &sink, &walk_end, &tables);
	mmput(it->mm);
	if (err)
		return err;
	it->cursor = walk_end;
	it->lines += it->count;
	if (walk_end >= limit)
		it->done = true;
	return 0;
}

#define PT_TRUNCATED	((void *)2)

static void *pt_seq_start(struct seq_file *m, loff_t *pos)
{
	struct pt_iter *it = m->private;
	loff_t idx;
	int err;

	if (*pos == 0)
		return SEQ_START_TOKEN;
	idx = *pos - 1;
	if (idx < it->base) {
		/* rewound (lseek): walk again from the start */
		it->cursor = 0;
		it->base = 0;
		it->count = 0;
		it->lines = 0;
		it->done = it->truncated = false;
	}
	while (idx >= it->base + it->count) {
		if (it->done) {
			if (it->truncated && idx == it->base + it->count)
				return PT_TRUNCATED;
			return NULL;
		}
		err = pt_iter_fill(it);
		if (err)
			return ERR_PTR(err);
	}
	return &it->recs[idx - it->base];
}

static void *pt_seq_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return pt_seq_start(m, pos);
}

static void pt_seq_stop(struct seq_file *m, void *v)
{
}

static int pt_seq_show(struct seq_file *m, void *v)
{
	struct pt_iter *it = m->private;

	if (v == SEQ_START_TOKEN) {
		mmscope_view_header(m, it->v);
		return 0;
	}
	if (v == PT_TRUNCATED) {
		seq_printf(m, "# truncated after %d lines at %016lx: MMSCOPE_IOC_PT_WALK has the rest\n",
			   PT_MAX_LINES, it->cursor);
		return 0;
	}
	it->v->kinds[0].print(m, v);
	return 0;
}

static const struct seq_operations pt_seq_ops = {
	.start	= pt_seq_start,
	.next	= pt_seq_next,
	.stop	= pt_seq_stop,
	.show	= pt_seq_show,
};

static int pt_open(struct inode *inode, struct file *file)
{
	const struct view_file *f = inode->i_private;
	const struct mmscope_view_task *vt = f->target;
	struct mm_struct *mm;
	struct pt_iter *it;
	int err = mmscope_may_open(file);

	if (err)
		return err;
	mm = mmscope_pid_get_mm(vt->t->pid);
	if (!mm)
		return -ESRCH;
	it = __seq_open_private(file, &pt_seq_ops, sizeof(*it));
	if (!it) {
		mmput(mm);
		return -ENOMEM;
	}
	/* Keep the mm_struct, not the address space: an open file must not
	 * keep an exited process's memory alive (as /proc/PID/mem). */
	mmgrab(mm);
	mmput(mm);
	it->mm = mm;
	it->v = f->v;
	return 0;
}

static int pt_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;
	struct pt_iter *it = m->private;

	mmdrop(it->mm);
	return seq_release_private(inode, file);
}

static const struct file_operations pt_fops = {
	.owner		= THIS_MODULE,
	.open		= pt_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= pt_release,
};

/* ---- the per-task directories: a client of the tracked-task table ---- */

#define DEBUGFS_CLIENT	1	/* its slot in struct mmscope_task.client[] */

static int task_attach(struct mmscope_task *t, gfp_t gfp)
{
	struct task_dir *d = kzalloc(sizeof(*d), gfp);

	if (!d)
		return -ENOMEM;
	d->vt.t = t;
	mutex_init(&d->vt.lock);
	t->client[DEBUGFS_CLIENT] = d;
	return 0;
}

static void task_detach(struct mmscope_task *t)
{
	struct task_dir *d = t->client[DEBUGFS_CLIENT];

	mutex_destroy(&d->vt.lock);
	kfree(d);
	t->client[DEBUGFS_CLIENT] = NULL;
}

/* Listed (the table's lock held): tasks/PID and one file per task view. */
static void task_listed(struct mmscope_task *t)
{
	struct task_dir *d = t->client[DEBUGFS_CLIENT];
	struct dentry *dir;
	char name[16];
	unsigned int i;

	mmscope_track_assert_locked();
	if (!mmscope_debugfs_tasks)
		return;
	snprintf(name, sizeof(name), "%d", t->nr);
	dir = debugfs_create_dir(name, mmscope_debugfs_tasks);
	if (IS_ERR(dir))
		return;
	d->dir = dir;
	for (i = 0; i < mmscope_nr_task_views; i++) {
		const struct mmscope_view *v = &mmscope_task_views[i];

		d->files[i].v = v;
		d->files[i].target = &d->vt;
		debugfs_create_file(v->name, v->mode, dir, &d->files[i],
				    v->iterated ? &pt_fops : &view_fops);
	}
}

/* Unlisted (the table's lock held): waits for readers inside its files. */
static void task_unlisted(struct mmscope_task *t)
{
	struct task_dir *d = t->client[DEBUGFS_CLIENT];

	mmscope_track_assert_locked();
	debugfs_remove_recursive(d->dir);
	d->dir = NULL;
}

static const struct mmscope_track_client debugfs_client = {
	.slot = DEBUGFS_CLIENT,
	.bytes = sizeof(struct task_dir),
	.attach = task_attach,
	.detach = task_detach,
	.listed = task_listed,
	.unlisted = task_unlisted,
};

/* The machine's views: one file each, at the root. */
static struct view_file root_files[MMSCOPE_MAX_VIEWS];

int mmscope_debugfs_init(void)
{
	struct dentry *root;
	unsigned int i;

	/* registered even without debugfs: the client keeps the summaries */
	mmscope_track_register(&debugfs_client);
	root = debugfs_create_dir(KBUILD_MODNAME, NULL);
	if (IS_ERR(root)) {
		pr_notice("debugfs unavailable (%ld): text views disabled\n",
			  PTR_ERR(root));
		return 0;
	}
	mmscope_debugfs_root = root;
	for (i = 0; i < mmscope_nr_views; i++) {
		const struct mmscope_view *v = &mmscope_views[i];

		root_files[i].v = v;
		debugfs_create_file(v->name, v->mode, root, &root_files[i], &view_fops);
	}
	mmscope_debugfs_tasks = debugfs_create_dir("tasks", root);
	if (IS_ERR(mmscope_debugfs_tasks))
		mmscope_debugfs_tasks = NULL;
	return 0;
}

void mmscope_debugfs_exit(void)
{
	debugfs_remove_recursive(mmscope_debugfs_root);
	mmscope_debugfs_root = NULL;
	mmscope_debugfs_tasks = NULL;
}
