// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope - the table of tracked processes (a producer, below the fault
 * producer and the presenters).
 *
 * One table, one lifetime rule, shared by every per-process view:
 *  - an entry holds a reference on the process's struct pid (not on the
 *    task or its memory: tracking never keeps a dead process's memory);
 *  - entries are added and removed under mmscope_tasks_lock, which also
 *    serialises the clients' listed()/unlisted() (the debugfs directories);
 *  - removal unlinks the entry, calls unlisted() (the presenter removes the
 *    directory, which waits for readers), waits a grace period, then calls
 *    detach() and frees it.  So a file operation that found the entry
 *    through its inode may use it until it returns, and must not take
 *    mmscope_tasks_lock (removal waits for it while holding that lock).
 * The fault probes find entries through an RCU hash keyed by struct pid
 * (task_tgid() of the faulting thread), written under mmscope_hash_lock:
 * entries leave it before a grace period, and are freed after.
 *
 * Layers above keep their own data per entry through a client (struct
 * mmscope_track_client): fault.c its counters, and starts its hooks when the
 * first process is tracked; debugfs.c the directory.  This file owns the
 * fork probe: children (MMSCOPE_TRACK_CHILDREN) are hashed at once, so
 * their first faults count, and queued; adopt_work then lists them, or drops
 * them when the table is full, tracking stopped or their owner closed
 * meanwhile.
 * An entry tracked with MMSCOPE_TRACK_ON_CLOSE, and every child adopted
 * from it, points to its owner, part of the open device file that asked;
 * the file's release closes the owner (mmscope_track_owner_close()), which
 * untracks them all and returns only once no entry points to it.
 * Lock order: mmscope_tasks_lock, then what the clients take, then
 * mmap_lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>

#include "mem.h"
#include "process.h"
#include "track.h"

static LIST_HEAD(mmscope_tasks);		/* protected by mmscope_tasks_lock */
static unsigned int mmscope_nr_tasks;		/* written under mmscope_tasks_lock */
static bool tracking_on;			/* mmscope_tasks_lock: hooks registered */
static DEFINE_MUTEX(mmscope_tasks_lock);
static DEFINE_HASHTABLE(mmscope_task_hash, 6);	/* RCU; mmscope_hash_lock */
static DEFINE_SPINLOCK(mmscope_hash_lock);
static LLIST_HEAD(adopt_list);			/* children hashed, not listed */
static atomic_long_t children_dropped;		/* could not be tracked */
static void adopt_children(struct work_struct *work);
static DECLARE_WORK(adopt_work, adopt_children);

void mmscope_track_assert_locked(void)
{
	lockdep_assert_held(&mmscope_tasks_lock);
}

/* Set at load, before the first track; read-only afterwards. */
static const struct mmscope_track_client *clients[2];
static size_t client_bytes;

void mmscope_track_register(const struct mmscope_track_client *c)
{
	clients[c->slot] = c;
	client_bytes += c->bytes;
}

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

#define ENTRY_BYTES	(sizeof(struct mmscope_task) + client_bytes)
/* Entries allocated, listed or not: the table plus children waiting. */
#define MAX_ENTRIES	(2 * MMSCOPE_TRACK_MAX)

static void detach_clients(struct mmscope_task *t)
{
	const struct mmscope_track_client *c;
	int i;

	for (i = 0; i < ARRAY_SIZE(clients); i++) {
		c = clients[i];
		if (c && c->detach && t->client[i])
			c->detach(t);
	}
}

/*
 * -ENOSPC when MAX_ENTRIES entries exist already, -ENOMEM.  The new entry
 * takes over the caller's reference on @pid; on an error the caller keeps it.
 */
static struct mmscope_task *alloc_entry(struct pid *pid, pid_t nr, unsigned int flags,
					struct mmscope_track_owner *owner, gfp_t gfp)
{
	const struct mmscope_track_client *c;
	struct mmscope_task *t;
	int i;

	if (!mmscope_mem_charge(MMSCOPE_MEM_TRACKED, ENTRY_BYTES,
				MAX_ENTRIES * ENTRY_BYTES))
		return ERR_PTR(-ENOSPC);
	t = kzalloc(sizeof(*t), gfp);
	if (!t)
		goto nomem;
	for (i = 0; i < ARRAY_SIZE(clients); i++) {
		c = clients[i];
		if (c && c->attach && c->attach(t, gfp)) {
			detach_clients(t);
			kfree(t);
			goto nomem;
		}
	}
	t->nr = nr;
	t->pid = pid;
	t->track_flags = flags;
	t->owner = owner;
	return t;
nomem:
	mmscope_mem_uncharge(MMSCOPE_MEM_TRACKED, ENTRY_BYTES);
	return ERR_PTR(-ENOMEM);
}

static struct mmscope_task *lookup_rcu(struct pid *pid)
{
	struct mmscope_task *t;

	hash_for_each_possible_rcu(mmscope_task_hash, t, hnode, (unsigned long)pid)
		if (t->pid == pid)
			return t;
	return NULL;
}

/**
 * mmscope_track_lookup_rcu - the entry of @task's process, or NULL
 * Called under rcu_read_lock(); the entry is valid until rcu_read_unlock().
 */
struct mmscope_task *mmscope_track_lookup_rcu(struct task_struct *task)
{
	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "needs rcu_read_lock()");
	return lookup_rcu(task_tgid(task));
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
	detach_clients(t);
	put_pid(t->pid);
	kfree(t);
	mmscope_mem_uncharge(MMSCOPE_MEM_TRACKED, ENTRY_BYTES);
}

static void list_task(struct mmscope_task *t)
{
	const struct mmscope_track_client *c;
	int i;

	lockdep_assert_held(&mmscope_tasks_lock);
	for (i = 0; i < ARRAY_SIZE(clients); i++) {
		c = clients[i];
		if (c && c->listed)
			c->listed(t);
	}
	list_add_tail(&t->node, &mmscope_tasks);
	WRITE_ONCE(mmscope_nr_tasks, mmscope_nr_tasks + 1);
}

/* ---- the fork probe, and starting and stopping the clients' hooks ---- */

static void track_fork(void *data, struct task_struct *parent,
		       struct task_struct *child);
static struct tracepoint *tp_fork;

struct tp_find {
	const char *name;
	struct tracepoint *tp;
};

static void find_one(struct tracepoint *tp, void *priv)
{
	struct tp_find *f = priv;

	if (!strcmp(tp->name, f->name))
		f->tp = tp;
}

struct tracepoint *mmscope_find_tracepoint(const char *name)
{
	struct tp_find f = { .name = name };

	for_each_kernel_tracepoint(find_one, &f);
	return f.tp;
}

/* First process: the fork probe, then each client's start(). */
static int tracking_start(void)
{
	const struct mmscope_track_client *c;
	int i, err;

	lockdep_assert_held(&mmscope_tasks_lock);
	if (tracking_on)
		return 0;
	if (!tp_fork)
		tp_fork = mmscope_find_tracepoint("sched_process_fork");
	if (!tp_fork) {
		pr_err("tracepoint sched_process_fork not found\n");
		return -ENOENT;
	}
	err = tracepoint_probe_register(tp_fork, track_fork, NULL);
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(clients); i++) {
		c = clients[i];
		err = c && c->start ? c->start() : 0;
		if (err)
			goto undo;
	}
	tracking_on = true;
	return 0;
undo:
	while (i--)
		if (clients[i] && clients[i]->stop)
			clients[i]->stop();
	tracepoint_probe_unregister(tp_fork, track_fork, NULL);
	tracepoint_synchronize_unregister();
	return err;
}

static void tracking_stop(void)
{
	const struct mmscope_track_client *c;
	int i;

	lockdep_assert_held(&mmscope_tasks_lock);
	if (!tracking_on)
		return;
	for (i = 0; i < ARRAY_SIZE(clients); i++) {
		c = clients[i];
		if (c && c->stop)
			c->stop();
	}
	tracepoint_probe_unregister(tp_fork, track_fork, NULL);
	tracepoint_synchronize_unregister();
	tracking_on = false;
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
		tracking_stop();
	mutex_unlock(&mmscope_tasks_lock);
}
static DECLARE_DELAYED_WORK(hooks_idle_work, hooks_idle);

/**
 * mmscope_track - start tracking thread group @nr (caller's pid namespace)
 * @owner: the open file's owner for MMSCOPE_TRACK_ON_CLOSE (not closed:
 *	the file is in an ioctl), or NULL
 * Return: 0, -ESRCH no such process, -EEXIST already tracked, -ENOSPC
 * MMSCOPE_TRACK_MAX reached, -ENOMEM.
 */
int mmscope_track(pid_t nr, unsigned int flags, struct mmscope_track_owner *owner)
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

	t = alloc_entry(pid, nr, flags & MMSCOPE_TRACK_CHILDREN, owner, GFP_KERNEL);
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
	err = tracking_start();
	if (err)
		goto unlock;
	list_task(t);
	hash_insert(t);
	mutex_unlock(&mmscope_tasks_lock);
	return 0;

unlock:
	mutex_unlock(&mmscope_tasks_lock);
	release_task_entry(t);
	return err;
}

/* Unlink @t (tasks lock held); the caller frees it after a grace period. */
static void unlink_task(struct mmscope_task *t)
{
	const struct mmscope_track_client *c;
	int i;

	lockdep_assert_held(&mmscope_tasks_lock);
	list_del(&t->node);
	hash_remove(t);
	WRITE_ONCE(mmscope_nr_tasks, mmscope_nr_tasks - 1);
	if (!mmscope_nr_tasks)
		mod_delayed_work(system_wq, &hooks_idle_work, HOOKS_LINGER);
	for (i = 0; i < ARRAY_SIZE(clients); i++) {
		c = clients[i];
		if (c && c->unlisted)
			c->unlisted(t);
	}
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
static void track_fork(void *data, struct task_struct *parent,
		       struct task_struct *child)
{
	struct mmscope_task *pt, *t;
	struct pid *pid;

	if (child->tgid == parent->tgid)
		return;		/* a new thread, already covered */
	/*
	 * One read-side section from the lookup to the queueing: a closing
	 * owner waits for it (mmscope_track_owner_close()), then for the
	 * adoption work that drops what was queued.
	 */
	rcu_read_lock();
	pt = lookup_rcu(task_tgid(parent));
	if (!pt || !(pt->track_flags & MMSCOPE_TRACK_CHILDREN) ||
	    (pt->owner && READ_ONCE(pt->owner->closed)))
		goto out;
	pid = get_pid(task_tgid(child));
	t = alloc_entry(pid, pid_nr(pid), MMSCOPE_TRACK_CHILDREN, pt->owner, GFP_ATOMIC);
	if (IS_ERR(t)) {
		put_pid(pid);
		atomic_long_inc(&children_dropped);
		goto out;
	}
	t->adopted = true;
	t->parent_nr = pt->nr;
	hash_insert(t);
	llist_add(&t->adopt, &adopt_list);
	schedule_work(&adopt_work);
out:
	rcu_read_unlock();
}

static void adopt_children(struct work_struct *work)
{
	struct llist_node *pending = llist_del_all(&adopt_list);
	struct mmscope_task *t, *tmp;
	LIST_HEAD(drop);

	mutex_lock(&mmscope_tasks_lock);
	llist_for_each_entry_safe(t, tmp, pending, adopt) {
		if (!tracking_on || mmscope_nr_tasks >= MMSCOPE_TRACK_MAX ||
		    find_task(t->nr) || (t->owner && t->owner->closed)) {
			hash_remove(t);
			list_add(&t->node, &drop);
			atomic_long_inc(&children_dropped);
			continue;
		}
		list_task(t);
	}
	mutex_unlock(&mmscope_tasks_lock);
	if (list_empty(&drop))
		return;
	synchronize_rcu();
	list_for_each_entry_safe(t, tmp, &drop, node)
		release_task_entry(t);
}

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
	tracking_stop();	/* now, not after HOOKS_LINGER */
	mutex_unlock(&mmscope_tasks_lock);
	cancel_delayed_work_sync(&hooks_idle_work);
	/* The hooks are gone: no child is queued any more; drop the queued. */
	flush_work(&adopt_work);
	synchronize_rcu();
	list_for_each_entry_safe(t, tmp, &gone, node)
		release_task_entry(t);
}

/**
 * mmscope_track_owner_close - the owner's file is being released
 * Untracks every entry @o owns and makes no more children for it; returns
 * once no entry points to @o: the fork probes that saw it open have queued
 * their children (a grace period), and adopt_children() dropped those.
 */
void mmscope_track_owner_close(struct mmscope_track_owner *o)
{
	struct mmscope_task *t, *tmp;
	LIST_HEAD(gone);

	mutex_lock(&mmscope_tasks_lock);
	WRITE_ONCE(o->closed, true);
	list_for_each_entry_safe(t, tmp, &mmscope_tasks, node) {
		if (t->owner != o)
			continue;
		unlink_task(t);
		list_add(&t->node, &gone);
	}
	mutex_unlock(&mmscope_tasks_lock);
	synchronize_rcu();	/* no probe still counts into them or forks from them */
	list_for_each_entry_safe(t, tmp, &gone, node)
		release_task_entry(t);
	flush_work(&adopt_work);	/* children queued meanwhile: dropped */
}

/* @t's record, its clients' fields included (table lock held). */
static void describe_task(struct mmscope_task *t, struct mmscope_tracked_rec *r)
{
	const struct mmscope_track_client *c;
	int i;

	lockdep_assert_held(&mmscope_tasks_lock);
	memset(r, 0, sizeof(*r));
	r->pid = t->nr;
	if (!pid_has_task(t->pid, PIDTYPE_TGID))
		r->flags |= MMSCOPE_TRACKED_EXITED;
	if (t->track_flags & MMSCOPE_TRACK_CHILDREN)
		r->flags |= MMSCOPE_TRACKED_CHILDREN;
	if (t->owner)
		r->flags |= MMSCOPE_TRACKED_ON_CLOSE;
	if (t->adopted) {
		r->flags |= MMSCOPE_TRACKED_ADOPTED;
		r->parent = t->parent_nr;
	}
	smp_rmb();	/* the exit, then what the clients count (fault.c's rule) */
	for (i = 0; i < ARRAY_SIZE(clients); i++) {
		c = clients[i];
		if (c && c->describe)
			c->describe(t, r);
	}
}

/**
 * mmscope_track_snapshot - one struct mmscope_tracked_rec per tracked process
 * @emit: called with kind 0, in the table's order, after the table lock is
 *	dropped
 * Return: 0, -ENOMEM, or what @emit returned.
 */
int mmscope_track_snapshot(mmscope_emit_t emit, void *ctx)
{
	struct mmscope_tracked_rec *recs;
	struct mmscope_task *t;
	unsigned int n = 0, i;
	int err = 0;

	recs = kmalloc_array(MMSCOPE_TRACK_MAX, sizeof(*recs), GFP_KERNEL);
	if (!recs)
		return -ENOMEM;
	mutex_lock(&mmscope_tasks_lock);
	list_for_each_entry(t, &mmscope_tasks, node) {
		if (WARN_ON_ONCE(n == MMSCOPE_TRACK_MAX))
			break;
		describe_task(t, &recs[n++]);
	}
	mutex_unlock(&mmscope_tasks_lock);
	for (i = 0; i < n && !err; i++)
		err = emit(ctx, 0, &recs[i]);
	kfree(recs);
	return err;
}

int mmscope_track_call(pid_t nr, void (*fn)(struct mmscope_task *t, void *arg),
		       void *arg)
{
	struct mmscope_task *t;

	mutex_lock(&mmscope_tasks_lock);
	t = find_task(nr);
	if (t)
		fn(t, arg);
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
