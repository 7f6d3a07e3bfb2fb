/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmscope - the table of tracked processes (track.c), below the fault
 * producer and the presenters: they hear of entries through a client.
 */
#ifndef _MMSCOPE_TRACK_H
#define _MMSCOPE_TRACK_H

#include <linux/list.h>
#include <linux/llist.h>
#include <linux/types.h>

#include "mmscope.h"

struct pid;
struct task_struct;
struct tracepoint;

/*
 * The open file behind MMSCOPE_TRACK_ON_CLOSE entries (part of it): set
 * closed once, under the table lock, when the file is released; read
 * without it by the fork probe.
 */
struct mmscope_track_owner {
	bool closed;
};

/*
 * One tracked process.  Lifetime (track.c): a file operation that found the
 * entry through its debugfs inode may use it until it returns; a probe that
 * found it through mmscope_track_lookup_rcu() until rcu_read_unlock().
 */
struct mmscope_task {
	struct list_head node;		/* in the table; mmscope_tasks_lock */
	struct hlist_node hnode;	/* RCU hash by pid, for the probes */
	unsigned int track_flags;	/* MMSCOPE_TRACK_CHILDREN */
	bool adopted;			/* made by the fork probe */
	pid_t parent_nr;		/* adopted: the tracked parent's nr */
	struct llist_node adopt;	/* a child waiting to be listed */
	pid_t nr;			/* tgid, as the tracker wrote it */
	struct pid *pid;		/* referenced */
	struct mmscope_track_owner *owner;	/* ON_CLOSE's file, or NULL */
	void *client[2];		/* each client's own data, by slot */
};

/*
 * A layer above the table that keeps something per entry (the fault
 * counters, the debugfs directory).  Registered once at load, before any
 * process can be tracked; every callback is optional.
 */
struct mmscope_track_client {
	unsigned int slot;		/* index into mmscope_task.client[] */
	size_t bytes;			/* what attach() allocates, for accounting */
	/* A new entry, before any probe can see it; may run in the fork
	 * probe, so allocate with @gfp.  0 or -ENOMEM. */
	int (*attach)(struct mmscope_task *t, gfp_t gfp);
	/* No probe or file can reach @t any more: free what attach() made. */
	void (*detach)(struct mmscope_task *t);
	/* The first process is tracked / tracking went idle; sleeps. */
	int (*start)(void);
	void (*stop)(void);
	/* @t joined / is leaving the table (mmscope_tasks_lock held; for
	 * unlisted(), must wait for file operations still using @t). */
	void (*listed)(struct mmscope_task *t);
	void (*unlisted)(struct mmscope_task *t);
	/* Its fields of @t's TRACKED record; table lock held, for every entry */
	void (*describe)(struct mmscope_task *t, struct mmscope_tracked_rec *r);
};
void mmscope_track_register(const struct mmscope_track_client *c);

int mmscope_track(pid_t nr, unsigned int flags, struct mmscope_track_owner *owner);
/* MMSCOPE_TRACK_ON_CLOSE: the owner's file is released (sleeps). */
void mmscope_track_owner_close(struct mmscope_track_owner *o);
int mmscope_untrack(pid_t nr);
void mmscope_untrack_all(void);
struct pid *mmscope_tracked_pid(pid_t nr);
unsigned long mmscope_children_dropped(void);
/* Calls @fn on tracked @nr under the table lock.  0 or -ENOENT. */
int mmscope_track_call(pid_t nr, void (*fn)(struct mmscope_task *t, void *arg),
		       void *arg);

/* For clients' listed()/unlisted()/start()/stop(): the table lock is held. */
void mmscope_track_assert_locked(void);

/* Probe context, under rcu_read_lock(): @task's entry, or NULL. */
bool mmscope_task_is_tracked(struct task_struct *task);
struct mmscope_task *mmscope_track_lookup_rcu(struct task_struct *task);

/* The track view: one struct mmscope_tracked_rec per tracked process. */
int mmscope_track_snapshot(mmscope_emit_t emit, void *ctx);

/* A kernel tracepoint by name, or NULL. */
struct tracepoint *mmscope_find_tracepoint(const char *name);

#endif /* _MMSCOPE_TRACK_H */
