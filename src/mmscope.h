/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmscope - declarations shared between the module's source files.
 *
 * Producers (one file per kernel subsystem) know nothing of debugfs or
 * user memory; presenters (debugfs.c, dev.c) render what producers emit.
 */
#ifndef _MMSCOPE_H
#define _MMSCOPE_H

#include <linux/types.h>
#include <linux/irq_work.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/llist.h>
#include <linux/workqueue.h>
#include <linux/wait.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>

#define MMSCOPE_VERSION	"0.1.0"

struct dentry;
struct mm_struct;
struct vm_area_struct;
struct file;

#include <linux/mm_types.h>
#include <linux/swap.h>
#include <uapi/linux/mmscope.h>

/* pgtable.c: the page-table walker. */

/* One page-table leaf as the walker found it (valid only inside ->leaf()). */
struct mmscope_leaf {
	struct vm_area_struct *vma;
	unsigned long addr;	/* first address, clipped to the walked range */
	unsigned long nr;	/* 4 KiB pages, clipped likewise */
	unsigned long pfn;	/* first PFN (present), swap offset (swap) */
	u64 entry;		/* the raw entry */
	struct page *page;	/* page at addr, NULL if none (zero, special) */
	struct folio *folio;	/* its folio */
	void *entryp;		/* hugetlb: the entry's address in its table */
	swp_entry_t swp;	/* non-present entries */
	unsigned int level;	/* enum mmscope_level */
	unsigned int type;	/* enum mmscope_entry_type */
	unsigned int kind;	/* enum mmscope_page_kind */
	bool young, dirty;	/* the entry's accessed and dirty bits */
	bool whole;		/* a huge leaf seen unclipped */
};

/* What ->leaf() returns. */
#define MMSCOPE_LEAF_CONTINUE	0
#define MMSCOPE_LEAF_YIELD	1	/* taken; drop locks and call ->yield() */
#define MMSCOPE_LEAF_STOP	2	/* not taken; end the walk before it */

struct mmscope_walk;
struct mmscope_walk_ops {
	/* Under a page-table lock or with interrupts off: must not sleep. */
	int (*leaf)(struct mmscope_walk *w, const struct mmscope_leaf *leaf);
	/* No lock held: may sleep and copy to user.  0 or -errno. */
	int (*yield)(struct mmscope_walk *w);
	/* Entering a VMA at its start, under mmap_lock.  Optional. */
	void (*vma)(struct mmscope_walk *w, struct vm_area_struct *vma);
};

struct mmscope_walk {
	struct mm_struct *mm;			/* referenced by the caller */
	const struct mmscope_walk_ops *ops;
	void *priv;
	unsigned long next;			/* out: where the walk stopped */
	unsigned long tables[5];		/* out: page-table pages visited,
						 * by level: PTE PMD PUD P4D PGD */
	unsigned long last_table[5];		/* counted once each */
};

int mmscope_walk(struct mmscope_walk *w, unsigned long start, unsigned long end);
/* The hot ->leaf() visitors, called directly rather than through retpolines. */
int mmscope_summary_leaf(struct mmscope_walk *w, const struct mmscope_leaf *l);
int mmscope_sink_leaf(struct mmscope_walk *w, const struct mmscope_leaf *l);
int mmscope_walk_locked(struct mmscope_walk *w, unsigned long start,
			unsigned long end);
void mmscope_leaf_to_rec(const struct mmscope_leaf *l, bool show_pfn,
			 struct mmscope_pt_rec *r);

/* process.c: targets, the summary, page-table records. */
struct mm_struct *mmscope_get_mm(pid_t pid);
struct mm_struct *mmscope_pid_get_mm(struct pid *pid);
unsigned long mmscope_user_limit(void);
int mmscope_mm_summary(struct mm_struct *mm, struct mmscope_mm_summary *s);

struct mmscope_rec_sink {
	/* set by the presenter */
	u64 cap;		/* records the reader can take, > 0 */
	bool runs;		/* merge equal consecutive leaves */
	bool show_pfn;		/* reader may see PFNs and swap offsets */
	int (*flush)(struct mmscope_rec_sink *s,
		     const struct mmscope_pt_rec *recs, unsigned int n);
	void *priv;
	/* producer state */
	struct mmscope_pt_rec *kbuf;
	unsigned int kcount;
	u64 taken;		/* records handed to kbuf so far */
	struct mmscope_pt_rec pending;
	bool has_pending;
};
int mmscope_pt_records(struct mm_struct *mm, unsigned long start,
		       unsigned long end, struct mmscope_rec_sink *s,
		       unsigned long *walk_end, unsigned long *tables);

/* track.c: the tracked processes, shared by every per-process view
 * (MMSCOPE_TRACK_MAX of them, a uapi promise). */

/* fault.c: all FAULT_STREAM rings together; one more gets -ENOSPC. */
#define MMSCOPE_RINGS_MAX_BYTES	(64UL << 20)
#define MMSCOPE_RING_MAX_RECORDS	65536

/* fault.c: counters of one tracked process (any context may add). */
#define MMSCOPE_FAULT_VMA_SLOTS	32

struct mmscope_fault_vma_slot {
	unsigned long start, end;
	u64 faults;
	u64 cause[16];
};

struct mmscope_faults {
	atomic64_t total;
	atomic64_t origin[MMSCOPE_NR_ORIGINS];
	atomic64_t access[MMSCOPE_NR_ACCESSES];
	atomic64_t result[MMSCOPE_NR_RESULTS];
	atomic64_t memory[MMSCOPE_NR_MEMS];
	atomic64_t cause[MMSCOPE_NR_CAUSES];
	atomic64_t faultaround_pages;
	spinlock_t vma_lock;		/* protects the four below */
	unsigned int nr_vmas;
	struct mmscope_fault_vma_slot vmas[MMSCOPE_FAULT_VMA_SLOTS];
	u64 other_vmas;
};

/* An open /dev/mmscope turned into an event stream. */
struct mmscope_reader {
	struct list_head node;		/* RCU list of readers */
	struct pid *pid;		/* filter, or NULL for all tracked */
	spinlock_t lock;		/* protects ring, head, tail, dropped* */
	struct mmscope_fault_event *ring;
	u64 head, tail, mask;
	u64 dropped, dropped_pending, delivered;
	wait_queue_head_t wq;
	struct irq_work wake;
};

int mmscope_fault_hooks_start(void);
bool mmscope_fault_hooks_active(void);
void mmscope_fault_hooks_stop(void);
unsigned long mmscope_fault_missed(void);
void mmscope_faults_account(struct mmscope_faults *f, unsigned long vm_end,
			    const struct mmscope_fault_event *e);
void mmscope_faults_read(struct mmscope_faults *f, struct mmscope_fault_stats *s);
void mmscope_fault_record(struct task_struct *task, unsigned long vm_end,
			  struct mmscope_fault_event *e);
int mmscope_reader_start(struct mmscope_reader *r, struct pid *pid,
			 unsigned int ring_records);
void mmscope_reader_stop(struct mmscope_reader *r);
ssize_t mmscope_reader_read(struct mmscope_reader *r, char __user *buf,
			    size_t len, bool nonblock);
__poll_t mmscope_reader_poll(struct mmscope_reader *r, struct file *file,
			     struct poll_table_struct *wait);

struct mmscope_task {
	struct list_head node;		/* in the table; mmscope_tasks_lock */
	struct hlist_node hnode;	/* RCU hash by pid, for the fault probes */
	struct mmscope_faults *faults;
	unsigned int track_flags;	/* MMSCOPE_TRACK_CHILDREN */
	struct llist_node adopt;	/* a child waiting to be listed */
	pid_t nr;			/* tgid, as the tracker wrote it */
	struct pid *pid;		/* referenced */
	struct dentry *dir;		/* tasks/<nr>, NULL without debugfs */
	struct mutex lock;		/* protects last and have_last */
	struct mmscope_mm_summary last;	/* figures of the last summary read */
	bool have_last;
};

int mmscope_track(pid_t nr, unsigned int flags);
bool mmscope_task_is_tracked(struct task_struct *task);
void mmscope_track_fork(void *data, struct task_struct *parent,
			struct task_struct *child);
unsigned long mmscope_children_dropped(void);
extern struct work_struct mmscope_adopt_work;
struct pid *mmscope_fault_account_task(struct task_struct *task,
				       unsigned long vm_end,
				       const struct mmscope_fault_event *e);
int mmscope_task_fault_stats(pid_t nr, struct mmscope_fault_stats *s);
void mmscope_task_fault_stats_of(struct mmscope_task *t, struct mmscope_fault_stats *s);
struct pid *mmscope_tracked_pid(pid_t nr);
int mmscope_untrack(pid_t nr);
void mmscope_untrack_all(void);
void mmscope_track_show(struct seq_file *m);

/* A file on tmpfs: tmpfs, memfd, SysV shm, shared anonymous memory. */
static inline bool mmscope_vma_is_shmem(struct vm_area_struct *vma)
{
	return vma->vm_file &&
	       file_inode(vma->vm_file)->i_sb->s_magic == TMPFS_MAGIC;
}

/* main.c */
unsigned int mmscope_pgtable_levels(void);
int mmscope_may_open(struct file *file);

/*
 * main.c: memory the module holds between calls, by what holds it; the
 * debugfs "stats" file shows it.  A charge fails (false) past @limit bytes.
 */
enum mmscope_mem_kind {
	MMSCOPE_MEM_TRACKED,	/* tracked-process entries, children pending */
	MMSCOPE_MEM_RINGS,	/* FAULT_STREAM rings */
	MMSCOPE_MEM_FILES,	/* open /dev/mmscope files */
	MMSCOPE_NR_MEM_KINDS
};
bool mmscope_mem_charge(enum mmscope_mem_kind kind, size_t bytes, size_t limit);
void mmscope_mem_uncharge(enum mmscope_mem_kind kind, size_t bytes);
void mmscope_mem_show(struct seq_file *m);

/* debugfs.c: the debugfs presenter, rooted at /sys/kernel/debug/mmscope. */
int mmscope_debugfs_init(void);
void mmscope_debugfs_exit(void);
void mmscope_seq_header(struct seq_file *m, const char *name,
			unsigned int format, const char *legend);
void mmscope_debugfs_task_add(struct mmscope_task *t);
void mmscope_debugfs_task_remove(struct mmscope_task *t);

/*
 * fops for a debugfs file printed by name##_show() into one seq_file buffer
 * of @bufsize (seq_file reruns ->show() with a bigger one on overflow); the
 * open checks mmscope_may_open() like every entry point.
 */
#define MMSCOPE_DEBUGFS_SHOW(name, bufsize)					\
static int name##_open(struct inode *inode, struct file *file)		\
{									\
	int err = mmscope_may_open(file);				\
									\
	return err ?: single_open_size(file, name##_show,		\
				       inode->i_private, bufsize);	\
}									\
static const struct file_operations name##_fops = {			\
	.owner		= THIS_MODULE,					\
	.open		= name##_open,					\
	.read		= seq_read,					\
	.llseek		= seq_lseek,					\
	.release	= single_release,				\
}

/* dev.c: the /dev/mmscope presenter. */
int mmscope_dev_init(void);
void mmscope_dev_exit(void);
int mmscope_copy_arg_in(void *karg, size_t ksize, size_t minsize,
			const void __user *uarg, u32 *usize);
int mmscope_copy_arg_out(void __user *uarg, u32 usize, void *karg,
			 size_t ksize);

/* phys.c: physical memory (zones, buddy, LRU) and both its presenters. */
typedef int (*mmscope_phys_emit_t)(void *ctx, const void *rec);
int mmscope_phys_snapshot(unsigned int view, mmscope_phys_emit_t emit, void *ctx);
long mmscope_ioc_phys(unsigned int view, void __user *uarg);
void mmscope_phys_debugfs_init(struct dentry *root);
struct mmscope_phys_pass;
void mmscope_phys_hold_begin(struct mmscope_phys_pass *p);
void mmscope_phys_hold_end(struct mmscope_phys_pass *p, u64 entries);
int mmscope_phys_yield(void);

/* slab.c: the slab caches, read through a layout given at load time. */
void mmscope_slab_init(void);
const char *mmscope_slab_unavailable(void);
int mmscope_slab_snapshot(struct mmscope_phys_pass *p,
			  mmscope_phys_emit_t emit, void *ctx);

#endif /* _MMSCOPE_H */
