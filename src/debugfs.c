// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope - the debugfs presenter: text views under /sys/kernel/debug/mmscope.
 *
 * Every file starts with a versioned header line and a column legend, then
 * one record per line with tokens free of spaces, so awk can read it:
 *
 *	# mmscope <file> format <N>
 *	# <legend>
 *
 * A format number only grows; columns are only ever added at the end.
 *
 *	version			module, ABI and kernel facts (0400)
 *	track			write PID to track, -PID to untrack; read: list (0600)
 *	tasks/PID/summary	smaps_rollup-compatible summary (0400)
 *	tasks/PID/vmas		one line per VMA (0400)
 *	tasks/PID/pagetable	ptdump-style runs of equal leaves (0400)
 *	tasks/PID/faults	fault counts per class, top VMAs (0400)
 *
 * Lifetime: per-task files reach their struct mmscope_task through
 * inode->i_private; track.c removes the directory (which waits for readers)
 * before freeing it.  Files print into the seq_file buffer; seq_file copies
 * to user space after ->show()/->stop(), outside every lock taken here.
 *
 * debugfs is optional: on a kernel without it (or one in lockdown) the
 * module still loads and /dev/mmscope still works.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/utsname.h>
#include <generated/utsrelease.h>

#include "compat.h"
#include "mmscope.h"

static struct dentry *mmscope_debugfs_root;
static struct dentry *mmscope_debugfs_tasks;

void mmscope_seq_header(struct seq_file *m, const char *name,
			unsigned int format, const char *legend)
{
	seq_printf(m, "# mmscope %s format %u\n# %s\n", name, format, legend);
}

/* ---- version ---- */

static int mmscope_version_show(struct seq_file *m, void *unused)
{
	mmscope_seq_header(m, "version", 1, "key value");
	seq_printf(m, "module_version %s\n", MMSCOPE_VERSION);
	seq_printf(m, "abi_version %d\n", MMSCOPE_API_VERSION);
	seq_printf(m, "kernel_built %s\n", UTS_RELEASE);
	seq_printf(m, "kernel_running %s\n", init_utsname()->release);
	seq_printf(m, "pgtable_levels %u\n", mmscope_pgtable_levels());
	return 0;
}
MMSCOPE_DEBUGFS_SHOW(mmscope_version, PAGE_SIZE);

/* ---- track ---- */

static int mmscope_track_seq_show(struct seq_file *m, void *unused)
{
	mmscope_seq_header(m, "track", 1, "pid state(live|exited)");
	mmscope_track_show(m);
	return 0;
}

static int mmscope_track_open(struct inode *inode, struct file *file)
{
	int err = mmscope_may_open(file);

	return err ?: single_open(file, mmscope_track_seq_show, NULL);
}

static ssize_t mmscope_track_write(struct file *file, const char __user *ubuf,
				   size_t len, loff_t *ppos)
{
	int nr, err;

	if (len > 32)
		return -EINVAL;
	if (kstrtoint_from_user(ubuf, len, 10, &nr))
		return -EINVAL;
	if (nr > 0)
		err = mmscope_track(nr, 0);
	else if (nr < 0 && nr != INT_MIN)
		err = mmscope_untrack(-nr);
	else
		err = -EINVAL;
	return err ?: len;
}

static const struct file_operations mmscope_track_fops = {
	.owner		= THIS_MODULE,
	.open		= mmscope_track_open,
	.read		= seq_read,
	.write		= mmscope_track_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

/* ---- tasks/PID/summary ---- */

#define SUM(field) offsetof(struct mmscope_mm_summary, field)
static const struct {
	const char *key;
	size_t off;
} summary_keys[] = {
	/* smaps_rollup's names and meanings */
	{ "Rss", SUM(rss) },
	{ "Pss", SUM(pss) },
	{ "Pss_Dirty", SUM(pss_dirty) },
	{ "Pss_Anon", SUM(pss_anon) },
	{ "Pss_File", SUM(pss_file) },
	{ "Pss_Shmem", SUM(pss_shmem) },
	{ "Shared_Clean", SUM(shared_clean) },
	{ "Shared_Dirty", SUM(shared_dirty) },
	{ "Private_Clean", SUM(private_clean) },
	{ "Private_Dirty", SUM(private_dirty) },
	{ "Referenced", SUM(referenced) },
	{ "Anonymous", SUM(anonymous) },
	{ "KSM", SUM(ksm) },
	{ "LazyFree", SUM(lazyfree) },
	{ "AnonHugePages", SUM(anon_huge) },
	{ "ShmemPmdMapped", SUM(shmem_pmd_mapped) },
	{ "FilePmdMapped", SUM(file_pmd_mapped) },
	{ "Shared_Hugetlb", SUM(shared_hugetlb) },
	{ "Private_Hugetlb", SUM(private_hugetlb) },
	{ "Swap", SUM(swap) },
	{ "Locked", SUM(locked) },
	/* mmscope's own */
	{ "RssAnon", SUM(rss_anon) },
	{ "RssFile", SUM(rss_file) },
	{ "RssShmem", SUM(rss_shmem) },
	{ "ZeroPage", SUM(zero_page) },
	{ "Hugetlb", SUM(hugetlb) },
	{ "MmRssAnon", SUM(mm_rss_anon) },
	{ "MmRssFile", SUM(mm_rss_file) },
	{ "MmRssShmem", SUM(mm_rss_shmem) },
	{ "MmSwap", SUM(mm_swap) },
};
#undef SUM

static const char *const pt_level_names[] = { "Pte", "Pmd", "Pud", "P4d", "Pgd" };

static int task_summary_show(struct seq_file *m, void *unused)
{
	struct mmscope_task *t = m->private;
	struct mm_struct *mm = mmscope_pid_get_mm(t->pid);
	const struct mmscope_mm_summary *s = &t->last;
	int err = 0, i;

	BUILD_BUG_ON(ARRAY_SIZE(pt_level_names) != ARRAY_SIZE(s->pt_tables));
	mutex_lock(&t->lock);
	if (mm) {
		struct mmscope_mm_summary now = {};

		err = mmscope_mm_summary(mm, &now);
		mmput(mm);
		if (!err) {
			t->last = now;
			t->have_last = true;
		}
	}
	if (err)
		goto out;

	mmscope_seq_header(m, "summary", 1,
			   "Key: value [kB] (smaps_rollup names and meanings where they overlap)");
	seq_printf(m, "Pid: %d\nState: %s\n", t->nr, mm ? "live" : "exited");
	if (!t->have_last)
		goto out;	/* exited before its first read: no figures */
	for (i = 0; i < ARRAY_SIZE(summary_keys); i++)
		seq_printf(m, "%s: %llu kB\n", summary_keys[i].key,
			   *(const u64 *)((const char *)s + summary_keys[i].off) >> 10);
	for (i = 0; i < ARRAY_SIZE(s->pt_tables); i++)
		seq_printf(m, "PageTables%s: %llu kB\n", pt_level_names[i],
			   s->pt_tables[i] << (PAGE_SHIFT - 10));
	seq_printf(m, "Vmas: %llu\n", s->nr_vmas);
out:
	mutex_unlock(&t->lock);
	return err;
}
MMSCOPE_DEBUGFS_SHOW(task_summary, PAGE_SIZE);

/* ---- tasks/PID/vmas ---- */

static const struct {
	unsigned long flag;
	const char name[3];
} vma_flag_names[] = {
	/* /proc/PID/smaps VmFlags mnemonics */
	{ VM_READ, "rd" }, { VM_WRITE, "wr" }, { VM_EXEC, "ex" },
	{ VM_SHARED, "sh" }, { VM_MAYREAD, "mr" }, { VM_MAYWRITE, "mw" },
	{ VM_MAYEXEC, "me" }, { VM_MAYSHARE, "ms" }, { VM_GROWSDOWN, "gd" },
	{ VM_PFNMAP, "pf" }, { VM_LOCKED, "lo" }, { VM_IO, "io" },
	{ VM_SEQ_READ, "sr" }, { VM_RAND_READ, "rr" }, { VM_DONTCOPY, "dc" },
	{ VM_DONTEXPAND, "de" }, { VM_LOCKONFAULT, "lf" }, { VM_ACCOUNT, "ac" },
	{ VM_NORESERVE, "nr" }, { VM_HUGETLB, "ht" }, { VM_SYNC, "sf" },
	{ VM_WIPEONFORK, "wf" }, { VM_DONTDUMP, "dd" }, { VM_SOFTDIRTY, "sd" },
	{ VM_MIXEDMAP, "mm" }, { VM_HUGEPAGE, "hg" }, { VM_NOHUGEPAGE, "nh" },
	{ VM_MERGEABLE, "mg" }, { VM_UFFD_MISSING, "um" }, { VM_UFFD_WP, "uw" },
};

static const char *vma_kind(struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;

	if (is_vm_hugetlb_page(vma))
		return "hugetlb";
	if (vma->vm_flags & (VM_PFNMAP | VM_IO))
		return "special";
	if (vma->vm_file)
		return mmscope_vma_is_shmem(vma) ? "shmem" : "file";
	if (vma->vm_ops)
		return "special";	/* [vdso], [vvar] and other special maps */
	if (vma->vm_start <= mm->brk && vma->vm_end >= mm->start_brk)
		return "heap";
	if (vma->vm_start <= mm->start_stack && vma->vm_end >= mm->start_stack)
		return "stack";
	return "anon";
}

struct vma_counts {
	unsigned long resident, swap;
};

/* smaps' Rss and Swap, per VMA. */
static int vma_count_leaf(struct mmscope_walk *w, const struct mmscope_leaf *l)
{
	struct vma_counts *c = w->priv;

	if (l->type == MMSCOPE_ENTRY_SWAP)
		c->swap += l->nr;
	else if (l->page && !is_vm_hugetlb_page(l->vma))
		c->resident += l->nr;
	return MMSCOPE_LEAF_CONTINUE;
}

static const struct mmscope_walk_ops vma_count_ops = {
	.leaf = vma_count_leaf,
};

static void vma_show(struct seq_file *m, struct vm_area_struct *vma,
		     const struct vma_counts *c)
{
	unsigned long flags = vma->vm_flags;
	dev_t dev = 0;
	unsigned long ino = 0;
	bool any = false;
	int i;

	if (vma->vm_file) {
		const struct inode *inode = mmscope_file_user_inode(vma->vm_file);

		dev = inode->i_sb->s_dev;
		ino = inode->i_ino;
	}
	seq_printf(m, "%016lx %016lx %c%c%c%c ", vma->vm_start, vma->vm_end,
		   flags & VM_READ ? 'r' : '-', flags & VM_WRITE ? 'w' : '-',
		   flags & VM_EXEC ? 'x' : '-', flags & VM_MAYSHARE ? 's' : 'p');
	for (i = 0; i < ARRAY_SIZE(vma_flag_names); i++) {
		if (!vma_flag_names[i].flag || !(flags & vma_flag_names[i].flag))
			continue;
		seq_printf(m, "%s%s", any ? "," : "", vma_flag_names[i].name);
		any = true;
	}
	seq_printf(m, "%s %s %08llx %02x:%02x %lu %lu %lu ", any ? "" : "-",
		   vma_kind(vma), vma->vm_file ? (u64)vma->vm_pgoff << PAGE_SHIFT : 0,
		   MAJOR(dev), MINOR(dev), ino, c->resident << (PAGE_SHIFT - 10),
		   c->swap << (PAGE_SHIFT - 10));
	if (vma->vm_file)
		seq_path(m, mmscope_file_user_path(vma->vm_file), " \t\n\\");
	else if (vma->vm_ops && vma->vm_ops->name && vma->vm_ops->name(vma))
		seq_puts(m, vma->vm_ops->name(vma));
	else
		seq_putc(m, '-');
	seq_putc(m, '\n');
}

static int task_vmas_show(struct seq_file *m, void *unused)
{
	struct mmscope_task *t = m->private;
	struct mm_struct *mm = mmscope_pid_get_mm(t->pid);
	struct vm_area_struct *vma;
	int err = 0;

	mmscope_seq_header(m, "vmas", 1,
			   "start end perms flags kind offset dev inode rss_kB swap_kB path");
	if (!mm) {
		seq_puts(m, "# process exited\n");
		return 0;
	}
	if (mmap_read_lock_killable(mm)) {
		mmput(mm);
		return -EINTR;
	}
	{
		VMA_ITERATOR(vmi, mm, 0);

		for_each_vma(vmi, vma) {
			struct vma_counts c = {};
			struct mmscope_walk w = {
				.mm = mm,
				.ops = &vma_count_ops,
				.priv = &c,
			};

			err = mmscope_walk_locked(&w, vma->vm_start, vma->vm_end);
			if (err)
				break;
			vma_show(m, vma, &c);
		}
	}
	mmap_read_unlock(mm);
	mmput(mm);
	return err;
}
MMSCOPE_DEBUGFS_SHOW(task_vmas, 16 * PAGE_SIZE);

/* ---- tasks/PID/pagetable ---- */

/* Longest dump; MMSCOPE_IOC_PT_WALK has no such cap. */
#define PT_MAX_LINES	100000
#define PT_CHUNK	64

static const char *const level_names[] = { MMSCOPE_LEVEL_NAMES };
static const char *const type_names[] = { MMSCOPE_ENTRY_NAMES };
static const char *const kind_names[] = { MMSCOPE_KIND_NAMES };
static const char *const hw_names[] = { MMSCOPE_HW_NAMES };
static const char *const sw_names[] = { MMSCOPE_SW_NAMES };

struct pt_iter {
	struct mm_struct *mm;		/* mmgrab()bed: the mm_struct, not its pages */
	bool show_pfn;
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
		.show_pfn = it->show_pfn,
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

static void seq_bits(struct seq_file *m, u32 bits, const char *const *names,
		     unsigned int nr)
{
	bool any = false;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (!(bits & (1U << i)))
			continue;
		seq_printf(m, "%s%s", any ? "," : "", names[i]);
		any = true;
	}
	seq_puts(m, any ? " " : "- ");
}

static int pt_seq_show(struct seq_file *m, void *v)
{
	struct pt_iter *it = m->private;
	const struct mmscope_pt_rec *r = v;

	BUILD_BUG_ON(ARRAY_SIZE(type_names) != MMSCOPE_ENTRY_OTHER + 1);
	BUILD_BUG_ON(ARRAY_SIZE(kind_names) != MMSCOPE_KIND_SPECIAL + 1);
	BUILD_BUG_ON(ARRAY_SIZE(level_names) != MMSCOPE_LEVEL_PUD + 1);
	BUILD_BUG_ON(1U << (ARRAY_SIZE(hw_names) - 1) != MMSCOPE_HW_NX);
	BUILD_BUG_ON(1U << (ARRAY_SIZE(sw_names) - 1) != MMSCOPE_SW_LOCKED_VMA);
	if (v == SEQ_START_TOKEN) {
		mmscope_seq_header(m, "pagetable", 1,
				   "start end pages level type kind hw sw mapcount pfn swap_type");
		return 0;
	}
	if (v == PT_TRUNCATED) {
		seq_printf(m, "# truncated after %d lines at %016lx: MMSCOPE_IOC_PT_WALK has the rest\n",
			   PT_MAX_LINES, it->cursor);
		return 0;
	}
	seq_printf(m, "%016llx %016llx %llu %s %s %s ", r->addr,
		   r->addr + (r->nr_pages << PAGE_SHIFT), r->nr_pages,
		   level_names[r->level], type_names[r->type], kind_names[r->kind]);
	seq_bits(m, r->hw, hw_names, ARRAY_SIZE(hw_names));
	seq_bits(m, r->sw, sw_names, ARRAY_SIZE(sw_names));
	seq_printf(m, "%u %llx %u\n", r->mapcount, r->pfn, r->swap_type);
	return 0;
}

static const struct seq_operations pt_seq_ops = {
	.start	= pt_seq_start,
	.next	= pt_seq_next,
	.stop	= pt_seq_stop,
	.show	= pt_seq_show,
};

static int task_pagetable_open(struct inode *inode, struct file *file)
{
	struct mmscope_task *t = inode->i_private;
	struct mm_struct *mm;
	struct pt_iter *it;
	int err = mmscope_may_open(file);

	if (err)
		return err;
	mm = mmscope_pid_get_mm(t->pid);
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
	it->show_pfn = file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN);
	return 0;
}

static int task_pagetable_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;
	struct pt_iter *it = m->private;

	mmdrop(it->mm);
	return seq_release_private(inode, file);
}

static const struct file_operations task_pagetable_fops = {
	.owner		= THIS_MODULE,
	.open		= task_pagetable_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= task_pagetable_release,
};

/* ---- tasks/PID/faults ---- */

static const char *const origin_names[] = { MMSCOPE_ORIGIN_NAMES };
static const char *const access_names[] = { MMSCOPE_ACCESS_NAMES };
static const char *const result_names[] = { MMSCOPE_RESULT_NAMES };
static const char *const memory_names[] = { MMSCOPE_MEM_NAMES };
static const char *const cause_names[] = { MMSCOPE_CAUSE_NAMES };
static_assert(ARRAY_SIZE(origin_names) == MMSCOPE_NR_ORIGINS);
static_assert(ARRAY_SIZE(access_names) == MMSCOPE_NR_ACCESSES);
static_assert(ARRAY_SIZE(result_names) == MMSCOPE_NR_RESULTS);
static_assert(ARRAY_SIZE(memory_names) == MMSCOPE_NR_MEMS);
static_assert(ARRAY_SIZE(cause_names) == MMSCOPE_NR_CAUSES);

static void faults_axis(struct seq_file *m, const char *axis,
			const char *const *names, const u64 *counts, int nr)
{
	int i;

	for (i = 0; i < nr; i++)
		seq_printf(m, "%s %s %llu\n", axis, names[i], counts[i]);
}

static int task_faults_show(struct seq_file *m, void *unused)
{
	struct mmscope_task *t = m->private;
	struct mmscope_fault_stats *s;
	int i, j;

	BUILD_BUG_ON(ARRAY_SIZE(origin_names) != MMSCOPE_NR_ORIGINS);
	BUILD_BUG_ON(ARRAY_SIZE(access_names) != MMSCOPE_NR_ACCESSES);
	BUILD_BUG_ON(ARRAY_SIZE(result_names) != MMSCOPE_NR_RESULTS);
	BUILD_BUG_ON(ARRAY_SIZE(memory_names) != MMSCOPE_NR_MEMS);
	BUILD_BUG_ON(ARRAY_SIZE(cause_names) != MMSCOPE_NR_CAUSES);
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	mmscope_task_fault_stats_of(t, s);
	mmscope_seq_header(m, "faults", 1,
			   "axis class count; then: vma start end faults cause=count...");
	seq_printf(m, "pid %d\nstate %s\ntotal %llu\n", t->nr,
		   s->flags & MMSCOPE_FAULT_EXITED ? "exited" : "live", s->total);
	faults_axis(m, "origin", origin_names, s->origin, MMSCOPE_NR_ORIGINS);
	faults_axis(m, "access", access_names, s->access, MMSCOPE_NR_ACCESSES);
	faults_axis(m, "result", result_names, s->result, MMSCOPE_NR_RESULTS);
	faults_axis(m, "memory", memory_names, s->memory, MMSCOPE_NR_MEMS);
	faults_axis(m, "cause", cause_names, s->cause, MMSCOPE_NR_CAUSES);
	seq_printf(m, "faultaround_pages %llu\nmissed %llu\nother_vmas %llu\n",
		   s->faultaround_pages, s->missed, s->other_vmas);
	seq_printf(m, "children_dropped %lu\n", mmscope_children_dropped());
	for (i = 0; i < s->nr_vmas; i++) {
		const struct mmscope_fault_vma *v = &s->vmas[i];

		seq_printf(m, "vma %016llx %016llx %llu", v->start, v->end, v->faults);
		for (j = 0; j < MMSCOPE_NR_CAUSES; j++)
			if (v->cause[j])
				seq_printf(m, " %s=%llu", cause_names[j], v->cause[j]);
		seq_putc(m, '\n');
	}
	kfree(s);
	return 0;
}
MMSCOPE_DEBUGFS_SHOW(task_faults, PAGE_SIZE);

void mmscope_debugfs_task_add(struct mmscope_task *t)
{
	char name[16];
	struct dentry *dir;

	if (!mmscope_debugfs_tasks)
		return;
	snprintf(name, sizeof(name), "%d", t->nr);
	dir = debugfs_create_dir(name, mmscope_debugfs_tasks);
	if (IS_ERR(dir))
		return;
	t->dir = dir;
	debugfs_create_file("summary", 0400, dir, t, &task_summary_fops);
	debugfs_create_file("vmas", 0400, dir, t, &task_vmas_fops);
	debugfs_create_file("pagetable", 0400, dir, t, &task_pagetable_fops);
	debugfs_create_file("faults", 0400, dir, t, &task_faults_fops);
}

void mmscope_debugfs_task_remove(struct mmscope_task *t)
{
	debugfs_remove_recursive(t->dir);
	t->dir = NULL;
}

int mmscope_debugfs_init(void)
{
	struct dentry *root = debugfs_create_dir(KBUILD_MODNAME, NULL);

	if (IS_ERR(root)) {
		pr_notice("debugfs unavailable (%ld): text views disabled\n",
			  PTR_ERR(root));
		return 0;
	}
	mmscope_debugfs_root = root;
	debugfs_create_file("version", 0400, root, NULL, &mmscope_version_fops);
	debugfs_create_file("track", 0600, root, NULL, &mmscope_track_fops);
	mmscope_debugfs_tasks = debugfs_create_dir("tasks", root);
	if (IS_ERR(mmscope_debugfs_tasks))
		mmscope_debugfs_tasks = NULL;
	mmscope_phys_debugfs_init(root);
	return 0;
}

void mmscope_debugfs_exit(void)
{
	debugfs_remove_recursive(mmscope_debugfs_root);
	mmscope_debugfs_root = NULL;
	mmscope_debugfs_tasks = NULL;
}
