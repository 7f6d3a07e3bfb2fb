// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope - the table of views: one row per view, joining a producer to the
 * two presenters (debugfs.c renders the text, dev.c the binary records).
 *
 * A row names the producer and the record kinds its pass emits, with each
 * kind's uapi size and text printer; the text format's version and legend;
 * the ioctl.  A new view is one producer function and one row here.
 * Printers run in the debugfs presenter's seq_file buffer, after the
 * producer dropped its locks; they only format.  The few adapters here turn
 * a row's target into a producer's arguments; the summary adapter keeps a
 * task's last figures under mmscope_view_task.lock, so an exited process's
 * file still shows them.
 *
 * Access: mmscope_may_open() is the rule of every entry point.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>
#include <generated/utsrelease.h>

#include "fault.h"
#include "hold.h"
#include "mem.h"
#include "pgtable.h"
#include "phys.h"
#include "process.h"
#include "track.h"
#include "view.h"

/**
 * mmscope_may_open - the one access rule of every entry point
 *
 * /dev/mmscope and every debugfs file: CAP_SYS_ADMIN in the initial user
 * namespace, judged once at open against the opener's credentials (so a
 * descriptor handed to a less privileged process keeps what it was opened
 * with, as /proc/PID/pagemap does).  Root in a user namespace, or root
 * without CAP_SYS_ADMIN, gets -EPERM; file modes refuse other users first.
 * Since every reader has CAP_SYS_ADMIN, every reader may see PFNs and swap
 * offsets (pagemap's rule for them).
 */
int mmscope_may_open(struct file *file)
{
	return file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN) ? 0 : -EPERM;
}

void mmscope_view_header(struct seq_file *m, const struct mmscope_view *v)
{
	seq_printf(m, "# mmscope %s format %u\n# %s\n", v->name, v->format, v->legend);
	if (v->legend_more)
		v->legend_more(m);
}

const struct mmscope_view *mmscope_view_find(const struct mmscope_view *rows,
					     unsigned int nr, const char *name)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (!strcmp(rows[i].name, name))
			return &rows[i];
	return NULL;
}

/* A text-only line: "# what". */
static void print_note(struct seq_file *m, const void *rec)
{
	seq_printf(m, "# %s\n", (const char *)rec);
}

/* ---- version ---- */

struct kv {
	const char *key;
	char val[72];
};

static int version_produce(const struct mmscope_view *v, void *target,
			   mmscope_emit_t emit, void *ctx)
{
	struct kv r[5] = {
		{ "module_version", MMSCOPE_VERSION },
		{ "abi_version" },
		{ "kernel_built", UTS_RELEASE },
		{ "kernel_running" },
		{ "pgtable_levels" },
	};
	int i, err = 0;

	snprintf(r[1].val, sizeof(r[1].val), "%d", MMSCOPE_API_VERSION);
	strscpy(r[3].val, init_utsname()->release, sizeof(r[3].val));
	snprintf(r[4].val, sizeof(r[4].val), "%u", mmscope_pgtable_levels());
	for (i = 0; i < ARRAY_SIZE(r) && !err; i++)
		err = emit(ctx, 0, &r[i]);
	return err;
}

static void print_kv(struct seq_file *m, const void *rec)
{
	const struct kv *r = rec;

	seq_printf(m, "%s %s\n", r->key, r->val);
}

/* ---- track ---- */

static int track_produce(const struct mmscope_view *v, void *target,
			 mmscope_emit_t emit, void *ctx)
{
	return mmscope_track_snapshot(emit, ctx);
}

/* Format 1 shows pid and state; the flags and faults are the record's. */
static void print_track(struct seq_file *m, const void *rec)
{
	const struct mmscope_tracked_rec *r = rec;

	seq_printf(m, "%d %s\n", r->pid,
		   r->flags & MMSCOPE_TRACKED_EXITED ? "exited" : "live");
}

/* "PID" tracks, "-PID" untracks. */
static ssize_t track_write(const char __user *ubuf, size_t len)
{
	int nr, err;

	if (len > 32)
		return -EINVAL;
	if (kstrtoint_from_user(ubuf, len, 10, &nr))
		return -EINVAL;
	if (nr > 0)
		err = mmscope_track(nr, 0, NULL);
	else if (nr < 0 && nr != INT_MIN)
		err = mmscope_untrack(-nr);
	else
		err = -EINVAL;
	return err ?: len;
}

/* ---- zones, buddy, lru, slab, pageblocks: physical memory ---- */

static int phys_produce(const struct mmscope_view *v, void *target,
			mmscope_emit_t emit, void *ctx)
{
	return mmscope_phys_snapshot(v->phys_view, emit, ctx);
}

/* uapi index -> the name /proc/zoneinfo and /proc/vmstat use. */
static const char *const zone_stat_names[] = { MMSCOPE_ZS_NAMES };
static_assert(ARRAY_SIZE(zone_stat_names) == MMSCOPE_ZS_NR);

static void zones_legend(struct seq_file *m)
{
	unsigned int i;

	seq_putc(m, '#');
	for (i = 0; i < MMSCOPE_ZS_NR; i++)
		seq_printf(m, " %s", zone_stat_names[i]);
	seq_putc(m, '\n');
}

static void print_zone(struct seq_file *m, const void *rec)
{
	const struct mmscope_zone_rec *r = rec;
	unsigned int i;

	seq_printf(m, "%u %s %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu ",
		   r->node, r->name, r->start_pfn, r->spanned, r->present,
		   r->managed, r->cma, r->min, r->low, r->high, r->boost,
		   r->reserved_highatomic);
	for (i = 0; i < r->nr_zones; i++)
		seq_printf(m, "%s%llu", i ? "," : "", r->protection[i]);
	seq_printf(m, " %u %llu %llu %u %u", r->populated, r->pcp_count,
		   r->pcp_high, r->pcp_batch, r->stat_threshold);
	for (i = 0; i < MMSCOPE_ZS_NR; i++)
		seq_printf(m, " %llu", r->stat[i]);
	seq_putc(m, '\n');
}

static const char *const mt_names[MMSCOPE_MT_NR] = {
	"Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate",
};

static void buddy_legend(struct seq_file *m)
{
	unsigned int mt;

	seq_puts(m, "# blocks node zone pageblock_order pageblocks_per_migratetype... nr_free_pages\n# migratetypes:");
	for (mt = 0; mt < MMSCOPE_MT_NR; mt++)
		seq_printf(m, " %s", mt_names[mt]);
	seq_putc(m, '\n');
}

static void print_buddy(struct seq_file *m, const void *rec)
{
	const struct mmscope_buddy_rec *r = rec;
	unsigned int order, mt;

	for (order = 0; order < r->nr_orders; order++) {
		u64 sum = 0;

		for (mt = 0; mt < MMSCOPE_MT_NR; mt++)
			sum += r->walked[order][mt];
		seq_printf(m, "free %u %s %u %llu %llu %lld %x", r->node, r->name,
			   order, r->nr_free[order], sum,
			   (s64)(sum - r->nr_free[order]), r->capped[order]);
		for (mt = 0; mt < MMSCOPE_MT_NR; mt++)
			seq_printf(m, " %llu", r->walked[order][mt]);
		seq_printf(m, " %d.%03d %d.%03d\n",
			   r->unusable[order] / 1000, r->unusable[order] % 1000,
			   r->fragmentation[order] / 1000,
			   abs(r->fragmentation[order] % 1000));
	}
	seq_printf(m, "blocks %u %s %u", r->node, r->name, r->pb_order);
	for (mt = 0; mt < MMSCOPE_MT_NR; mt++)
		seq_printf(m, " %llu", r->pageblocks[mt]);
	seq_printf(m, " %llu\n", r->free_pages);
}

static const char *const lru_flag_names[MMSCOPE_LF_NR] = {
	"referenced", "active", "dirty", "writeback", "swapbacked", "mlocked",
	"workingset", "large",
};

static void lru_legend(struct seq_file *m)
{
	unsigned int i;

	seq_putc(m, '#');
	for (i = 0; i < MMSCOPE_LF_NR; i++)
		seq_printf(m, " %s", lru_flag_names[i]);
	seq_puts(m, " path\n");
}

static void print_lru(struct seq_file *m, const void *rec)
{
	const struct mmscope_phys_lru *w = rec;
	const struct mmscope_lru_rec *r = &w->rec;
	unsigned int i;

	seq_printf(m, "%llu %u %s %s", r->cgroup_id, r->node,
		   r->flags & MMSCOPE_LRU_MGLRU ? "mglru" : "classic",
		   r->flags & MMSCOPE_LRU_OFFLINE ? "offline" :
		   r->flags & MMSCOPE_LRU_NOMEMCG ? "nomemcg" : "online");
	for (i = 0; i < MMSCOPE_LRU_NR; i++)
		seq_printf(m, " %llu", r->lists[i]);
	seq_printf(m, " %llu %llu %llu %u", r->max_seq, r->min_seq[0],
		   r->min_seq[1], r->nr_gens);
	for (i = 0; i < MMSCOPE_LRU_GENS; i++)
		seq_printf(m, " %lld %lld", r->gen_pages[i][0], r->gen_pages[i][1]);
	seq_printf(m, " %llu %llu %llu %llu %llu", r->walk_lists, r->walk_capped,
		   r->walk_folios, r->walk_pages, r->walk_expected);
	for (i = 0; i < MMSCOPE_LF_NR; i++)
		seq_printf(m, " %llu", r->flag_folios[i]);
	seq_putc(m, ' ');
	seq_escape(m, w->path, " \t\n\\");
	seq_putc(m, '\n');
}

static void print_slab(struct seq_file *m, const void *rec)
{
	const struct mmscope_slab_rec *r = rec;
	unsigned int i, nodes = min_t(unsigned int, nr_node_ids, MMSCOPE_SLAB_NODES);

	seq_escape(m, r->name, " \t\n\\");
	seq_printf(m, " %u %u %u %u %llu %llu %llu %llu %llu %llu %llu %d %#llx %x ",
		   r->size, r->object_size, r->objs_per_slab, r->pages_per_slab,
		   r->active_objs, r->num_objs, r->active_slabs, r->num_slabs,
		   r->partial_slabs, r->partial_free, r->partial_walked,
		   r->refcount, r->cache_flags, r->flags);
	for (i = 0; i < nodes; i++)
		seq_printf(m, "%s%llu", i ? "," : "", r->node_partial[i]);
	seq_putc(m, '\n');
}

static const char *const pb_names[] = { MMSCOPE_PB_NAMES };
static_assert(ARRAY_SIZE(pb_names) == MMSCOPE_PB_NR);

static void pageblocks_legend(struct seq_file *m)
{
	unsigned int i;

	seq_puts(m, "# migratetypes:");
	for (i = 0; i < MMSCOPE_MT_NR; i++)
		seq_printf(m, " %s", mt_names[i]);
	seq_puts(m, " (none: pagetypeinfo does not count the block)\n# classes:");
	for (i = 0; i < MMSCOPE_PB_NR; i++)
		seq_printf(m, " %s", pb_names[i]);
	seq_putc(m, '\n');
}

static void print_pageblock(struct seq_file *m, const void *rec)
{
	const struct mmscope_pageblock_rec *r = rec;
	unsigned int i;

	seq_printf(m, "%u %s %llu %s %s %d", r->node, r->zone, r->start_pfn,
		   r->migratetype < MMSCOPE_MT_NR ? mt_names[r->migratetype] : "none",
		   r->dominant < MMSCOPE_PB_NR ? pb_names[r->dominant] : "?",
		   r->free_max_order == MMSCOPE_PB_NO_FREE ? -1 : (int)r->free_max_order);
	for (i = 0; i < MMSCOPE_PB_NR; i++)
		seq_printf(m, " %u", r->pages[i]);
	seq_putc(m, '\n');
}

/* ---- stats: what the physical views cost, and what the module holds ---- */

static int stats_produce(const struct mmscope_view *v, void *target,
			 mmscope_emit_t emit, void *ctx)
{
	return mmscope_hold_snapshot(emit, ctx) ?: mmscope_mem_snapshot(1, emit, ctx);
}

static const char *const view_names[MMSCOPE_VIEW_NR] = {
	[MMSCOPE_VIEW_ZONES] = "zones",
	[MMSCOPE_VIEW_BUDDY] = "buddy",
	[MMSCOPE_VIEW_LRU] = "lru",
	[MMSCOPE_VIEW_SLAB] = "slab",
	[MMSCOPE_VIEW_PAGEBLOCKS] = "pageblocks",
};

static void print_stat(struct seq_file *m, const void *rec)
{
	const struct mmscope_phys_stat_rec *r = rec;

	seq_printf(m, "%s %llu %llu %llu %llu %llu %llu %llu %llu %llu\n",
		   view_names[r->view], r->reads, r->holds, r->last_read_ns,
		   r->worst_read_ns, r->last_hold_ns, r->last_hold_entries,
		   r->worst_hold_ns, r->worst_hold_entries, r->max_hold_entries);
}

static void print_held(struct seq_file *m, const void *rec)
{
	const struct mmscope_module_mem_rec *r = rec;

	seq_printf(m, "held %s %llu %llu\n", r->what, r->bytes, r->objects);
}

/* ---- memory: what the module holds, the stats file's "held" lines ---- */

static int memory_produce(const struct mmscope_view *v, void *target,
			  mmscope_emit_t emit, void *ctx)
{
	return mmscope_mem_snapshot(0, emit, ctx);
}

static void print_memory(struct seq_file *m, const void *rec)
{
	const struct mmscope_module_mem_rec *r = rec;

	seq_printf(m, "%s %llu %llu\n", r->what, r->bytes, r->objects);
}

const struct mmscope_view mmscope_views[] = {
	{
		.name = "version", .mode = 0400, .format = 1,
		.legend = "key value",
		.produce = version_produce,
		.kinds[0] = { .print = print_kv },
		.bufsize = PAGE_SIZE,
	}, {
		.name = "track", .mode = 0600, .format = 1,
		.legend = "pid state(live|exited)",
		/* the write side, MMSCOPE_IOC_TRACK, has a handler of its own */
		.ioctl = MMSCOPE_IOC_TRACKED, .snapshot = true,
		.produce = track_produce,
		.write = track_write,
		.kinds[0] = { sizeof(struct mmscope_tracked_rec),
			      MMSCOPE_TRACKED_REC_SIZE_VER0, print_track },
		.bufsize = PAGE_SIZE,
	}, {
		.name = "zones", .mode = 0400, .format = 1,
		.legend = "node zone start_pfn spanned present managed cma min low high boost reserved_highatomic protection(comma-separated) populated pcp_count pcp_high pcp_batch stat_threshold, then the zone counters:",
		.legend_more = zones_legend,
		.ioctl = MMSCOPE_IOC_PHYS_ZONES, .snapshot = true,
		.phys_view = MMSCOPE_VIEW_ZONES,
		.produce = phys_produce,
		.kinds[0] = { sizeof(struct mmscope_zone_rec),
			      MMSCOPE_ZONE_REC_SIZE_VER0, print_zone },
		.bufsize = 16 * 1024,	/* sized so one pass usually fits */
	}, {
		.name = "buddy", .mode = 0400, .format = 1,
		.legend = "free node zone order nr_free walked walked-nr_free capped_mask(hex,1<<mt) walked_per_migratetype... unusable_index fragmentation_index",
		.legend_more = buddy_legend,
		.ioctl = MMSCOPE_IOC_PHYS_BUDDY, .snapshot = true,
		.phys_view = MMSCOPE_VIEW_BUDDY,
		.produce = phys_produce,
		.kinds[0] = { sizeof(struct mmscope_buddy_rec),
			      MMSCOPE_BUDDY_REC_SIZE_VER0, print_buddy },
		.bufsize = 32 * 1024,
	}, {
		.name = "lru", .mode = 0400, .format = 1,
		.legend = "cgroup_id node mode(mglru|classic) state(online|offline|nomemcg) inactive_anon active_anon inactive_file active_file unevictable max_seq min_seq_anon min_seq_file nr_gens gen0_anon gen0_file ... gen3_anon gen3_file walk_lists walk_capped walk_folios walk_pages walk_expected, folios with flag:",
		.legend_more = lru_legend,
		.ioctl = MMSCOPE_IOC_PHYS_LRU, .snapshot = true,
		.phys_view = MMSCOPE_VIEW_LRU,
		.produce = phys_produce,
		/* the record, then the cgroup path only the text shows */
		.kinds[0] = { sizeof(struct mmscope_lru_rec),
			      MMSCOPE_LRU_REC_SIZE_VER0, print_lru },
		.bufsize = 64 * 1024,
	}, {
		.name = "stats", .mode = 0400, .format = 2,
		.legend = "view reads holds last_read_ns worst_read_ns last_hold_ns last_hold_entries worst_hold_ns worst_hold_entries max_hold_entries; then: held what bytes objects",
		.ioctl = MMSCOPE_IOC_PHYS_STATS, .snapshot = true,
		.produce = stats_produce,
		.kinds = {
			{ sizeof(struct mmscope_phys_stat_rec),
			  MMSCOPE_PHYS_STAT_REC_SIZE_VER0, print_stat },
			{ 0, 0, print_held },	/* module memory: text only */
		},
		.bufsize = 4 * 1024,
	}, {
		.name = "memory", .mode = 0400, .format = 1,
		.legend = "what(tracked|rings|files|total) bytes objects",
		.ioctl = MMSCOPE_IOC_MODULE_MEMORY, .snapshot = true,
		.produce = memory_produce,
		.kinds[0] = { sizeof(struct mmscope_module_mem_rec),
			      MMSCOPE_MODULE_MEM_REC_SIZE_VER0, print_memory },
		.bufsize = PAGE_SIZE,
	}, {
		.name = "slab", .mode = 0400, .format = 1,
		.legend = "name objsize object_size objperslab pagesperslab active_objs num_objs active_slabs num_slabs partial_slabs partial_free partial_walked refcount cache_flags(hex) flags(hex:1=estimated,2=nodes_cut,4=mismatch) node_partial(comma-separated,per node id)",
		.ioctl = MMSCOPE_IOC_PHYS_SLAB, .snapshot = true,
		.phys_view = MMSCOPE_VIEW_SLAB,
		.unavailable = mmscope_slab_unavailable,
		.produce = phys_produce,
		.kinds[0] = { sizeof(struct mmscope_slab_rec),
			      MMSCOPE_SLAB_REC_SIZE_VER0, print_slab },
		.bufsize = 64 * 1024,
	}, {
		.name = "pageblocks", .mode = 0400, .format = 1,
		.legend = "node zone start_pfn migratetype dominant free_max_order(-1:none) pages_per_class...",
		.legend_more = pageblocks_legend,
		.ioctl = MMSCOPE_IOC_PHYS_PAGEBLOCKS, .snapshot = true,
		.phys_view = MMSCOPE_VIEW_PAGEBLOCKS,
		.produce = phys_produce,
		.kinds[0] = { sizeof(struct mmscope_pageblock_rec),
			      MMSCOPE_PAGEBLOCK_REC_SIZE_VER0, print_pageblock },
		/* ~70 bytes a block: a 2 GiB guest's 1024 blocks; seq_file grows past it */
		.bufsize = 96 * 1024,
	},
};
const unsigned int mmscope_nr_views = ARRAY_SIZE(mmscope_views);
static_assert(ARRAY_SIZE(mmscope_views) <= MMSCOPE_MAX_VIEWS);

/* ---- per-task views ---- */

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

/* What the summary view emits: the figures and whose they are. */
struct task_summary {
	struct mmscope_mm_summary s;
	pid_t nr;
	bool live, have;
};

/* A fresh summary when the process lives, else the last one read. */
static int summary_produce(const struct mmscope_view *v, void *target,
			   mmscope_emit_t emit, void *ctx)
{
	struct mmscope_view_task *vt = target;
	struct mm_struct *mm = mmscope_pid_get_mm(vt->t->pid);
	struct task_summary *ts;
	int err = 0;

	ts = kzalloc(sizeof(*ts), GFP_KERNEL);
	if (!ts) {
		if (mm)
			mmput(mm);
		return -ENOMEM;
	}
	if (mm) {
		err = mmscope_mm_summary(mm, &ts->s);
		mmput(mm);
	}
	mutex_lock(&vt->lock);
	if (mm && !err) {
		vt->last = ts->s;
		vt->have_last = true;
	}
	ts->s = vt->last;
	ts->have = vt->have_last;
	mutex_unlock(&vt->lock);
	ts->nr = vt->t->nr;
	ts->live = mm;
	if (!err)
		err = emit(ctx, 0, ts);
	kfree(ts);
	return err;
}

static void print_summary(struct seq_file *m, const void *rec)
{
	const struct task_summary *ts = rec;
	const struct mmscope_mm_summary *s = &ts->s;
	int i;

	BUILD_BUG_ON(ARRAY_SIZE(pt_level_names) != ARRAY_SIZE(s->pt_tables));
	seq_printf(m, "Pid: %d\nState: %s\n", ts->nr, ts->live ? "live" : "exited");
	if (!ts->have)
		return;	/* exited before its first read: no figures */
	for (i = 0; i < ARRAY_SIZE(summary_keys); i++)
		seq_printf(m, "%s: %llu kB\n", summary_keys[i].key,
			   *(const u64 *)((const char *)s + summary_keys[i].off) >> 10);
	for (i = 0; i < ARRAY_SIZE(s->pt_tables); i++)
		seq_printf(m, "PageTables%s: %llu kB\n", pt_level_names[i],
			   s->pt_tables[i] << (PAGE_SHIFT - 10));
	seq_printf(m, "Vmas: %llu\n", s->nr_vmas);
}

static int vmas_produce(const struct mmscope_view *v, void *target,
			mmscope_emit_t emit, void *ctx)
{
	struct mmscope_view_task *vt = target;
	struct mm_struct *mm = mmscope_pid_get_mm(vt->t->pid);
	int err;

	if (!mm)
		return emit(ctx, 1, "process exited");
	err = mmscope_vmas(mm, 0, mmscope_user_limit(), emit, ctx);
	mmput(mm);
	return err;
}

static const char *const vmf_names[] = { MMSCOPE_VMF_NAMES };
static const char *const vma_kind_names[] = { MMSCOPE_VMA_KIND_NAMES };

static void print_vma(struct seq_file *m, const void *rec)
{
	const struct mmscope_vma_out *o = rec;
	const struct mmscope_vma_rec *r = &o->rec;
	bool any = false;
	int i;

	BUILD_BUG_ON(ARRAY_SIZE(vma_kind_names) != MMSCOPE_VMA_SPECIAL + 1);
	seq_printf(m, "%016llx %016llx %c%c%c%c ", r->start, r->end,
		   r->flags & MMSCOPE_VMF_READ ? 'r' : '-',
		   r->flags & MMSCOPE_VMF_WRITE ? 'w' : '-',
		   r->flags & MMSCOPE_VMF_EXEC ? 'x' : '-',
		   r->flags & MMSCOPE_VMF_MAYSHARE ? 's' : 'p');
	for (i = 0; i < ARRAY_SIZE(vmf_names); i++) {
		if (!(r->flags & (1ULL << i)))
			continue;
		seq_printf(m, "%s%s", any ? "," : "", vmf_names[i]);
		any = true;
	}
	seq_printf(m, "%s %s %08llx %02x:%02x %llu %llu %llu ", any ? "" : "-",
		   vma_kind_names[r->kind], r->offset, r->dev_major, r->dev_minor,
		   r->inode, r->rss_pages << (PAGE_SHIFT - 10),
		   r->swap_pages << (PAGE_SHIFT - 10));
	if (o->path[0])
		seq_escape(m, o->path, " \t\n\\");
	else
		seq_putc(m, '-');
	seq_putc(m, '\n');
}

static const char *const level_names[] = { MMSCOPE_LEVEL_NAMES };
static const char *const type_names[] = { MMSCOPE_ENTRY_NAMES };
static const char *const kind_names[] = { MMSCOPE_KIND_NAMES };
static const char *const hw_names[] = { MMSCOPE_HW_NAMES };
static const char *const sw_names[] = { MMSCOPE_SW_NAMES };

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

static void print_pt(struct seq_file *m, const void *rec)
{
	const struct mmscope_pt_rec *r = rec;

	BUILD_BUG_ON(ARRAY_SIZE(type_names) != MMSCOPE_ENTRY_OTHER + 1);
	BUILD_BUG_ON(ARRAY_SIZE(kind_names) != MMSCOPE_KIND_SPECIAL + 1);
	BUILD_BUG_ON(ARRAY_SIZE(level_names) != MMSCOPE_LEVEL_PUD + 1);
	BUILD_BUG_ON(1U << (ARRAY_SIZE(hw_names) - 1) != MMSCOPE_HW_NX);
	BUILD_BUG_ON(1U << (ARRAY_SIZE(sw_names) - 1) != MMSCOPE_SW_LOCKED_VMA);
	seq_printf(m, "%016llx %016llx %llu %s %s %s ", r->addr,
		   r->addr + (r->nr_pages << PAGE_SHIFT), r->nr_pages,
		   level_names[r->level], type_names[r->type], kind_names[r->kind]);
	seq_bits(m, r->hw, hw_names, ARRAY_SIZE(hw_names));
	seq_bits(m, r->sw, sw_names, ARRAY_SIZE(sw_names));
	seq_printf(m, "%u %llx %u\n", r->mapcount, r->pfn, r->swap_type);
}

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

/* What the faults view emits: the counters and whose they are. */
struct task_faults {
	struct mmscope_fault_stats s;
	pid_t nr;
	unsigned long children_dropped;
};

static int faults_produce(const struct mmscope_view *v, void *target,
			  mmscope_emit_t emit, void *ctx)
{
	struct mmscope_view_task *vt = target;
	struct task_faults *tf = kzalloc(sizeof(*tf), GFP_KERNEL);
	int err;

	if (!tf)
		return -ENOMEM;
	mmscope_task_fault_stats_of(vt->t, &tf->s);
	tf->nr = vt->t->nr;
	tf->children_dropped = mmscope_children_dropped();
	err = emit(ctx, 0, tf);
	kfree(tf);
	return err;
}

static void faults_axis(struct seq_file *m, const char *axis,
			const char *const *names, const u64 *counts, int nr)
{
	int i;

	for (i = 0; i < nr; i++)
		seq_printf(m, "%s %s %llu\n", axis, names[i], counts[i]);
}

static void print_faults(struct seq_file *m, const void *rec)
{
	const struct task_faults *tf = rec;
	const struct mmscope_fault_stats *s = &tf->s;
	int i, j;

	seq_printf(m, "pid %d\nstate %s\ntotal %llu\n", tf->nr,
		   s->flags & MMSCOPE_FAULT_EXITED ? "exited" : "live", s->total);
	faults_axis(m, "origin", origin_names, s->origin, MMSCOPE_NR_ORIGINS);
	faults_axis(m, "access", access_names, s->access, MMSCOPE_NR_ACCESSES);
	faults_axis(m, "result", result_names, s->result, MMSCOPE_NR_RESULTS);
	faults_axis(m, "memory", memory_names, s->memory, MMSCOPE_NR_MEMS);
	faults_axis(m, "cause", cause_names, s->cause, MMSCOPE_NR_CAUSES);
	seq_printf(m, "faultaround_pages %llu\nmissed %llu\nother_vmas %llu\n",
		   s->faultaround_pages, s->missed, s->other_vmas);
	seq_printf(m, "children_dropped %lu\n", tf->children_dropped);
	for (i = 0; i < s->nr_vmas; i++) {
		const struct mmscope_fault_vma *fv = &s->vmas[i];

		seq_printf(m, "vma %016llx %016llx %llu", fv->start, fv->end, fv->faults);
		for (j = 0; j < MMSCOPE_NR_CAUSES; j++)
			if (fv->cause[j])
				seq_printf(m, " %s=%llu", cause_names[j], fv->cause[j]);
		seq_putc(m, '\n');
	}
}

const struct mmscope_view mmscope_task_views[] = {
	{
		.name = "summary", .mode = 0400, .format = 1,
		.legend = "Key: value [kB] (smaps_rollup names and meanings where they overlap)",
		.ioctl = MMSCOPE_IOC_MM_SUMMARY,
		.produce = summary_produce,
		.kinds[0] = { 0, MMSCOPE_MM_SUMMARY_SIZE_VER0, print_summary },
		.bufsize = PAGE_SIZE,
	}, {
		.name = "vmas", .mode = 0400, .format = 1,
		.legend = "start end perms flags kind offset dev inode rss_kB swap_kB path",
		.ioctl = MMSCOPE_IOC_VMAS,
		.produce = vmas_produce,
		.kinds = {
			{ sizeof(struct mmscope_vma_rec), MMSCOPE_VMA_REC_SIZE_VER0, print_vma },
			{ 0, 0, print_note },
		},
		.bufsize = 16 * PAGE_SIZE,
	}, {
		.name = "pagetable", .mode = 0400, .format = 1,
		.legend = "start end pages level type kind hw sw mapcount pfn swap_type",
		.ioctl = MMSCOPE_IOC_PT_WALK,
		.iterated = true,
		.kinds[0] = { sizeof(struct mmscope_pt_rec), MMSCOPE_PT_REC_SIZE_VER0, print_pt },
	}, {
		.name = "faults", .mode = 0400, .format = 1,
		.legend = "axis class count; then: vma start end faults cause=count...",
		.ioctl = MMSCOPE_IOC_FAULT_STATS,
		.produce = faults_produce,
		.kinds[0] = { 0, MMSCOPE_FAULT_STATS_SIZE_VER0, print_faults },
		.bufsize = PAGE_SIZE,
	},
};
const unsigned int mmscope_nr_task_views = ARRAY_SIZE(mmscope_task_views);
static_assert(ARRAY_SIZE(mmscope_task_views) <= MMSCOPE_MAX_TASK_VIEWS);
