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
 *    returns, and must not take mmscope_tasks_lock (removal waits for it
 *    while holding that lock).
 * The fault probes find entries through an RCU hash keyed by struct pid
 * (task_tgid() of the faulting thread), written under mmscope_hash_lock:
 * entries leave it before a grace period, and are freed after.  The probes
 * themselves are registered while at least one process is tracked.
 *
 * Children (MMSCOPE_TRACK_CHILDREN): the fork probe hashes the child's entry
 * at once, so its first faults count, and queues it; adopt_work then lists
 * it and creates its directory (named by its pid in the initial namespace),
 * or drops it when the table is full or tracking stopped meanwhile.
 * Lock order: mmscope_tasks_lock, then mmscope_task.lock, then mmap_lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/workqueue.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "mmscope.h"

static LIST_HEAD(mmscope_tasks);		/* protected by mmscope_tasks_lock */
static unsigned int mmscope_nr_tasks;		/* written under mmscope_tasks_lock */
static DEFINE_MUTEX(mmscope_tasks_lock);
static DEFINE_HASHTABLE(mmscope_task_hash, 6);	/* RCU; mmscope_hash_lock */
static DEFINE_SPINLOCK(mmscope_hash_lock);
static LLIST_HEAD(adopt_list);			/* children hashed, not listed */
static atomic_long_t children_dropped;		/* could not be tracked */

static void hash_insert(struct mmscope_task *t)
{
	spin_lock(&mmscope_hash_lock);
	hash_add_rcu(mmscope_task_hash, &t->hnode, (unsigned long)t->pid);
	spin_unlock(&mmscope_hash_lock);
}

static void hash_remove(struct mmscope_task *t)
{
	spin_lock(&mmscope_hash_lock);
	hash_del_rcu(&t->hnode);
	spin_unlock(&mmscope_hash_lock);
}

#define ENTRY_BYTES	(sizeof(struct mmscope_task) + sizeof(struct mmscope_faults))
/* Entries allocated, listed or not: the table plus children waiting. */
#define MAX_ENTRIES	(2 * MMSCOPE_TRACK_MAX)

/* -ENOSPC when MAX_ENTRIES entries exist already, -ENOMEM. */
static struct mmscope_task *alloc_entry(struct pid *pid, pid_t nr,
					unsigned int flags, gfp_t gfp)
{
	struct mmscope_task *t;

	if (!mmscope_mem_charge(MMSCOPE_MEM_TRACKED, ENTRY_BYTES,
				MAX_ENTRIES * ENTRY_BYTES))
		return ERR_PTR(-ENOSPC);
	t = kzalloc(sizeof(*t), gfp);
	if (t)
		t->faults = kzalloc(sizeof(*t->faults), gfp);
	if (!t || !t->faults) {
		kfree(t);
		mmscope_mem_uncharge(MMSCOPE_MEM_TRACKED, ENTRY_BYTES);
		return ERR_PTR(-ENOMEM);
	}
	t->nr = nr;
	t->pid = pid;
	t->track_flags = flags;
	mutex_init(&t->lock);
	spin_lock_init(&t->faults->vma_lock);
	return t;
}

static struct mmscope_task *lookup_rcu(struct pid *pid)
{
	struct mmscope_task *t;

	hash_for_each_possible_rcu(mmscope_task_hash, t, hnode, (unsigned long)pid)
		if (t->pid == pid)
			return t;
	return NULL;
}

/* Is @task's process tracked?  Any context; nothing tracked costs one load. */
bool mmscope_task_is_tracked(struct task_struct *task)
{
	bool ret;

	if (!READ_ONCE(mmscope_nr_tasks))
		return false;
	rcu_read_lock();
	ret = lookup_rcu(task_tgid(task));
	rcu_read_unlock();
	return ret;
}

/**
 * mmscope_fault_account_task - count a fault of @task's process
 * Called under rcu_read_lock().  Return: the process's struct pid (valid
 * inside the RCU section), or NULL when it is not tracked.
 */
struct pid *mmscope_fault_account_task(struct task_struct *task,
				       unsigned long vm_end,
				       const struct mmscope_fault_event *e)
{
	struct mmscope_task *t = lookup_rcu(task_tgid(task));

	if (!t)
		return NULL;
	mmscope_faults_account(t->faults, vm_end, e);
	return t->pid;
}

static struct mmscope_task *find_task(pid_t nr)
{
	struct mmscope_task *t;

	lockdep_assert_held(&mmscope_tasks_lock);
	list_for_each_entry(t, &mmscope_tasks, node)
		if (t->nr == nr)
			return t;
	return NULL;
}

/* Free an entry no probe can reach any more; drops its pid reference. */
static void release_task_entry(struct mmscope_task *t)
{
	put_pid(t->pid);
	mutex_destroy(&t->lock);
	kfree(t->faults);
	kfree(t);
	mmscope_mem_uncharge(MMSCOPE_MEM_TRACKED, ENTRY_BYTES);
}

/**
 * mmscope_track - start tracking thread group @nr (caller's pid namespace)
 * Return: 0, -ESRCH no such process, -EEXIST already tracked, -ENOSPC
 * MMSCOPE_TRACK_MAX reached, -ENOMEM.
 */
int mmscope_track(pid_t nr, unsigned int flags)
{
	struct mmscope_task *t;
	struct mm_struct *mm;
	struct pid *pid;
	int err;

	/* a process with user memory: not a kernel thread, not a zombie */
	pid = find_get_pid(nr);
	mm = pid ? mmscope_pid_get_mm(pid) : NULL;
	if (!mm) {
		put_pid(pid);
		return -ESRCH;
	}
	mmput(mm);

	t = alloc_entry(pid, nr, flags, GFP_KERNEL);
	if (IS_ERR(t)) {
		put_pid(pid);
		return PTR_ERR(t);
	}

	mutex_lock(&mmscope_tasks_lock);
	err = -EEXIST;
	if (find_task(nr))
		goto unlock;
	err = -ENOSPC;
	if (mmscope_nr_tasks >= MMSCOPE_TRACK_MAX)
		goto unlock;
	if (!mmscope_nr_tasks) {
		err = mmscope_fault_hooks_start();
		if (err)
			goto unlock;
	}
	mmscope_debugfs_task_add(t);
	list_add_tail(&t->node, &mmscope_tasks);
	hash_insert(t);
	WRITE_ONCE(mmscope_nr_tasks, mmscope_nr_tasks + 1);
	mutex_unlock(&mmscope_tasks_lock);
	return 0;

unlock:
	mutex_unlock(&mmscope_tasks_lock);
	release_task_entry(t);
	return err;
}

/*
 * The hooks outlive the last tracked process by HOOKS_LINGER, so tracking
 * that stops and starts again does not patch handle_mm_fault() each time:
 * registering and unregistering a kretprobe there while other CPUs fault
 * crashed the test guests within tens of cycles (RIP 0 returning from the
 * ftrace trampoline, with tracefs kprobe_events as well as with mmscope,
 * under multi-threaded QEMU TCG), and each patch costs IPIs on any machine.
 */
#define HOOKS_LINGER	(2 * HZ)

static void hooks_idle(struct work_struct *work)
{
	mutex_lock(&mmscope_tasks_lock);
	if (!mmscope_nr_tasks)
		mmscope_fault_hooks_stop();
	mutex_unlock(&mmscope_tasks_lock);
}
static DECLARE_DELAYED_WORK(hooks_idle_work, hooks_idle);

/* Unlink @t (tasks lock held); the caller frees it after a grace period. */
static void unlink_task(struct mmscope_task *t)
{
	lockdep_assert_held(&mmscope_tasks_lock);
	list_del(&t->node);
	hash_remove(t);
	WRITE_ONCE(mmscope_nr_tasks, mmscope_nr_tasks - 1);
	if (!mmscope_nr_tasks)
		mod_delayed_work(system_wq, &hooks_idle_work, HOOKS_LINGER);
	mmscope_debugfs_task_remove(t);
}


/** mmscope_untrack - stop tracking @nr.  Return: 0 or -ENOENT. */
int mmscope_untrack(pid_t nr)
{
	struct mmscope_task *t;

	mutex_lock(&mmscope_tasks_lock);
	t = find_task(nr);
	if (t)
		unlink_task(t);
	mutex_unlock(&mmscope_tasks_lock);
	if (!t)
		return -ENOENT;
	synchronize_rcu();	/* no probe still counts into it */
	release_task_entry(t);
	return 0;
}

/* The fork probe: a tracked process with MMSCOPE_TRACK_CHILDREN forked. */
void mmscope_track_fork(void *data, struct task_struct *parent,
			struct task_struct *child)
{
	struct mmscope_task *pt, *t;
	struct pid *pid;
	bool want;

	if (child->tgid == parent->tgid)
		return;		/* a new thread, already covered */
	rcu_read_lock();
	pt = lookup_rcu(task_tgid(parent));
	want = pt && (pt->track_flags & MMSCOPE_TRACK_CHILDREN);
	rcu_read_unlock();
	if (!want)
		return;
	pid = get_pid(task_tgid(child));
	t = alloc_entry(pid, pid_nr(pid), MMSCOPE_TRACK_CHILDREN, GFP_ATOMIC);
	if (IS_ERR(t)) {
		put_pid(pid);
		atomic_long_inc(&children_dropped);
		return;
	}
	hash_insert(t);
	llist_add(&t->adopt, &adopt_list);
	schedule_work(&mmscope_adopt_work);
}

static void adopt_children(struct work_struct *work)
{
	struct llist_node *pending = llist_del_all(&adopt_list);
	struct mmscope_task *t, *tmp;
	LIST_HEAD(drop);

	mutex_lock(&mmscope_tasks_lock);
	llist_for_each_entry_safe(t, tmp, pending, adopt) {
		if (!mmscope_fault_hooks_active() ||
		    mmscope_nr_tasks >= MMSCOPE_TRACK_MAX || find_task(t->nr)) {
			hash_remove(t);
			list_add(&t->node, &drop);
			atomic_long_inc(&children_dropped);
			continue;
		}
		mmscope_debugfs_task_add(t);
		list_add_tail(&t->node, &mmscope_tasks);
		WRITE_ONCE(mmscope_nr_tasks, mmscope_nr_tasks + 1);
	}
	mutex_unlock(&mmscope_tasks_lock);
	if (list_empty(&drop))
		return;
	synchronize_rcu();
	list_for_each_entry_safe(t, tmp, &drop, node)
		release_task_entry(t);
}
DECLARE_WORK(mmscope_adopt_work, adopt_children);

/* Children that could not be tracked (table full, no memory). */
unsigned long mmscope_children_dropped(void)
{
	return atomic_long_read(&children_dropped);
}

void mmscope_untrack_all(void)
{
	struct mmscope_task *t, *tmp;
	LIST_HEAD(gone);

	mutex_lock(&mmscope_tasks_lock);
	list_for_each_entry_safe(t, tmp, &mmscope_tasks, node) {
		unlink_task(t);
		list_add(&t->node, &gone);
	}
	mmscope_fault_hooks_stop();	/* now, not after HOOKS_LINGER */
	mutex_unlock(&mmscope_tasks_lock);
	cancel_delayed_work_sync(&hooks_idle_work);
	/* The hooks are gone: no child is queued any more; drop the queued. */
	flush_work(&mmscope_adopt_work);
	synchronize_rcu();
	list_for_each_entry_safe(t, tmp, &gone, node)
		release_task_entry(t);
}

/* One "pid state" line per tracked process, for the track file. */
void mmscope_track_show(struct seq_file *m)
{
	struct mmscope_task *t;

	mutex_lock(&mmscope_tasks_lock);
	list_for_each_entry(t, &mmscope_tasks, node)
		seq_printf(m, "%d %s\n", t->nr,
			   pid_has_task(t->pid, PIDTYPE_TGID) ? "live" : "exited");
	mutex_unlock(&mmscope_tasks_lock);
}


/**
 * mmscope_task_fault_stats_of - fault counters of tracked entry @t
 * For a file operation in @t's debugfs directory, which keeps @t alive:
 * takes no table lock, since untracking removes that directory under the
 * table lock and waits for such operations (taking it here deadlocked).
 */
void mmscope_task_fault_stats_of(struct mmscope_task *t, struct mmscope_fault_stats *s)
{
	/*
	 * Exited first, counters after: a process that has exited counts no
	 * more, so an EXITED snapshot is final and self-consistent (read the
	 * other way round, a fault still being counted could be frozen in).
	 */
	bool exited = !pid_has_task(t->pid, PIDTYPE_TGID);

	smp_rmb();	/* the exit, then the counters its threads left */
	mmscope_faults_read(t->faults, s);
	if (exited)
		s->flags |= MMSCOPE_FAULT_EXITED;
}

/**
 * mmscope_task_fault_stats - fault counters of tracked process @nr
 * Fills the output fields of @s.  Return: 0 or -ENOENT (not tracked).
 */
int mmscope_task_fault_stats(pid_t nr, struct mmscope_fault_stats *s)
{
	struct mmscope_task *t;

	mutex_lock(&mmscope_tasks_lock);
	t = find_task(nr);
	if (t)
		mmscope_task_fault_stats_of(t, s);
	mutex_unlock(&mmscope_tasks_lock);
	return t ? 0 : -ENOENT;
}

/** mmscope_tracked_pid - referenced struct pid of tracked @nr, or NULL. */
struct pid *mmscope_tracked_pid(pid_t nr)
{
	struct mmscope_task *t;
	struct pid *pid = NULL;

	mutex_lock(&mmscope_tasks_lock);
	t = find_task(nr);
	if (t)
		pid = get_pid(t->pid);
	mutex_unlock(&mmscope_tasks_lock);
	return pid;
}
