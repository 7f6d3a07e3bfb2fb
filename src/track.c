// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope - the table of tracked processes.
 *
 * One table, one lifetime rule, shared by every per-process view:
 *  - an entry holds a reference on the process's struct pid (not on the
 *    task or its memory: tracking never keeps a dead process's memory);
 *  - entries are added and removed under mmscope_tasks_lock, which also
 *    serialises creating and removing their debugfs directories;
 *  - removal unlinks the entry, then removes its directory (debugfs waits
 *    for readers still inside its files), then frees it.  So a file
 *    operation that found the entry through its inode may use it until it
 *    returns.
 * Lock order: mmscope_tasks_lock, then mmscope_task.lock, then mmap_lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "mmscope.h"

static LIST_HEAD(mmscope_tasks);		/* protected by mmscope_tasks_lock */
static unsigned int mmscope_nr_tasks;		/* protected by mmscope_tasks_lock */
static DEFINE_MUTEX(mmscope_tasks_lock);

static struct mmscope_task *find_task(pid_t nr)
{
	struct mmscope_task *t;

	lockdep_assert_held(&mmscope_tasks_lock);
	list_for_each_entry(t, &mmscope_tasks, node)
		if (t->nr == nr)
			return t;
	return NULL;
}

/**
 * mmscope_track - start tracking thread group @nr (caller's pid namespace)
 * Return: 0, -ESRCH no such process, -EEXIST already tracked, -ENOSPC
 * MMSCOPE_MAX_TRACKED reached, -ENOMEM.
 */
int mmscope_track(pid_t nr)
{
	struct mmscope_task *t;
	struct task_struct *task;
	struct pid *pid;
	int err;

	pid = find_get_pid(nr);
	task = get_pid_task(pid, PIDTYPE_TGID);
	if (!task) {
		put_pid(pid);
		return -ESRCH;
	}
	put_task_struct(task);

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t) {
		put_pid(pid);
		return -ENOMEM;
	}
	t->nr = nr;
	t->pid = pid;
	mutex_init(&t->lock);

	mutex_lock(&mmscope_tasks_lock);
	err = -EEXIST;
	if (find_task(nr))
		goto unlock;
	err = -ENOSPC;
	if (mmscope_nr_tasks >= MMSCOPE_MAX_TRACKED)
		goto unlock;
	mmscope_debugfs_task_add(t);
	list_add_tail(&t->node, &mmscope_tasks);
	mmscope_nr_tasks++;
	mutex_unlock(&mmscope_tasks_lock);
	return 0;

unlock:
	mutex_unlock(&mmscope_tasks_lock);
	put_pid(pid);
	kfree(t);
	return err;
}

static void release_task_entry(struct mmscope_task *t)
{
	mmscope_debugfs_task_remove(t);
	put_pid(t->pid);
	mutex_destroy(&t->lock);
	kfree(t);
}

/** mmscope_untrack - stop tracking @nr.  Return: 0 or -ENOENT. */
int mmscope_untrack(pid_t nr)
{
	struct mmscope_task *t;

	mutex_lock(&mmscope_tasks_lock);
	t = find_task(nr);
	if (t) {
		list_del(&t->node);
		mmscope_nr_tasks--;
		release_task_entry(t);
	}
	mutex_unlock(&mmscope_tasks_lock);
	return t ? 0 : -ENOENT;
}

void mmscope_untrack_all(void)
{
	struct mmscope_task *t, *tmp;

	mutex_lock(&mmscope_tasks_lock);
	list_for_each_entry_safe(t, tmp, &mmscope_tasks, node) {
		list_del(&t->node);
		release_task_entry(t);
	}
	mmscope_nr_tasks = 0;
	mutex_unlock(&mmscope_tasks_lock);
}

/* One "pid state" line per tracked process, for the track file. */
void mmscope_track_show(struct seq_file *m)
{
	struct mmscope_task *t;

	mutex_lock(&mmscope_tasks_lock);
	list_for_each_entry(t, &mmscope_tasks, node) {
		struct task_struct *task = get_pid_task(t->pid, PIDTYPE_TGID);

		seq_printf(m, "%d %s\n", t->nr, task ? "live" : "exited");
		if (task)
			put_task_struct(task);
	}
	mutex_unlock(&mmscope_tasks_lock);
}

/**
 * mmscope_task_get_mm - the tracked process's memory, if it still has any
 * Return: mm with a user reference (mmput() it), or NULL once it exited.
 */
struct mm_struct *mmscope_task_get_mm(struct mmscope_task *t)
{
	struct task_struct *task = get_pid_task(t->pid, PIDTYPE_TGID);
	struct mm_struct *mm;

	if (!task)
		return NULL;
	mm = get_task_mm(task);
	put_task_struct(task);
	return mm;
}
