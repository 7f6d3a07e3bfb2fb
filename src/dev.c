// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope - the /dev/mmscope presenter: size-versioned ioctls, and the
 * fault stream's read()/poll().
 *
 * The ioctl switch only dispatches; each command has one handler that copies
 * its argument in, validates it (size, flags, reserved fields, ranges, in
 * that order), asks a producer, and copies out after every lock is dropped.
 * Every row of the table of views (view.c) marked as a snapshot is served by
 * one handler, mmscope_ioc_snapshot(); the commands ABI 1 published with
 * shapes of their own (GET_API, MM_SUMMARY, PT_WALK, TRACK, FAULT_STATS,
 * FAULT_STREAM) have theirs.  Stream records leave the ring through
 * mmscope_reader_take() (fault.c, under the ring's lock) into a bounce
 * buffer here, and are copied out with no lock held.  Owns struct
 * mmscope_file and its mutex, which serialises FAULT_STREAM setup.
 *
 * Access: the node is 0600, and open() additionally demands CAP_SYS_ADMIN in
 * the initial user namespace (mmscope_may_open(), the rule of every entry
 * point), checked against the opener's credentials, so a descriptor passed to
 * a less privileged process keeps what it was opened with and no more.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/sched/mm.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/version.h>

#include "fault.h"
#include "pgtable.h"
#include "presenter.h"
#include "process.h"
#include "track.h"
#include "view.h"
#include "mem.h"

/* Larger arguments than this are refused before anything is copied. */
#define MMSCOPE_ARG_MAX		PAGE_SIZE

/**
 * mmscope_copy_arg_in - copy in a size-versioned ioctl argument
 * @karg: kernel copy, @ksize bytes; bytes the caller did not send are zeroed
 * @ksize: size of the struct this module knows
 * @minsize: the command's first published size (MMSCOPE_*_SIZE_VER0)
 * @uarg: user pointer; its first __u32 is the caller's size
 * @usize: out: the caller's size, for mmscope_copy_arg_out()
 *
 * Return: 0, -EFAULT for a bad pointer, -EINVAL for a size below @minsize or
 * not a multiple of 8, -E2BIG for a size above a page or unknown trailing
 * bytes that are not zero.
 */
static int mmscope_copy_arg_in(void *karg, size_t ksize, size_t minsize,
			       const void __user *uarg, u32 *usize)
{
	u32 size;
	int err;

	if (get_user(size, (const u32 __user *)uarg))
		return -EFAULT;
	if (size < minsize || !IS_ALIGNED(size, 8))
		return -EINVAL;
	if (size > MMSCOPE_ARG_MAX)
		return -E2BIG;
	err = copy_struct_from_user(karg, ksize, uarg, size);
	if (err)
		return err;
	*usize = size;
	return 0;
}

/**
 * mmscope_copy_arg_out - copy a filled argument back to the caller
 * @uarg: user pointer the argument came from
 * @usize: the caller's size: no more than this is written
 * @karg: kernel copy; its leading size field is set to @ksize first
 * @ksize: size of the struct this module knows
 *
 * Must be called with no lock held. Return: 0 or -EFAULT.
 */
static int mmscope_copy_arg_out(void __user *uarg, u32 usize, void *karg,
				size_t ksize)
{
	*(u32 *)karg = ksize;
	if (copy_to_user(uarg, karg, min_t(size_t, usize, ksize)))
		return -EFAULT;
	return 0;
}

/* Commands with a handler of their own; the table's snapshot rows add theirs. */
static const u64 mmscope_own_ioctls = BIT_ULL(_MMSCOPE_IOC_GET_API) |
				      BIT_ULL(_MMSCOPE_IOC_MM_SUMMARY) |
				      BIT_ULL(_MMSCOPE_IOC_PT_WALK) |
				      BIT_ULL(_MMSCOPE_IOC_VMAS) |
				      BIT_ULL(_MMSCOPE_IOC_TRACK) |
				      BIT_ULL(_MMSCOPE_IOC_FAULT_STATS) |
				      BIT_ULL(_MMSCOPE_IOC_FAULT_STREAM);

static u64 mmscope_ioctls(void)
{
	u64 bits = mmscope_own_ioctls;
	unsigned int i;

	for (i = 0; i < mmscope_nr_views; i++)
		if (mmscope_views[i].snapshot)
			bits |= BIT_ULL(_IOC_NR(mmscope_views[i].ioctl));
	return bits;
}

/* Per open file. */
struct mmscope_file {
	struct mutex lock;		/* serialises FAULT_STREAM setup */
	struct mmscope_reader reader;	/* ring set up by FAULT_STREAM */
	unsigned int ring_records;	/* 0 until then */
	bool owns;			/* a TRACK_ON_CLOSE was made on it */
	struct mmscope_track_owner owner;	/* of those entries */
};

static long mmscope_ioc_get_api(void __user *uarg)
{
	struct mmscope_api api;
	u32 usize;
	int err;

	BUILD_BUG_ON(sizeof(api) != MMSCOPE_API_SIZE_VER0);
	err = mmscope_copy_arg_in(&api, sizeof(api), MMSCOPE_API_SIZE_VER0,
				  uarg, &usize);
	if (err)
		return err;
	if (api.flags || api.__reserved0 || api.__reserved[0] ||
	    api.__reserved[1])
		return -EINVAL;

	memset(&api, 0, sizeof(api));
	api.api_version = MMSCOPE_API_VERSION;
	api.pgtable_levels = mmscope_pgtable_levels();
	api.features = MMSCOPE_FEATURES_ALL;
	api.ioctls = mmscope_ioctls();
	api.kernel_version = LINUX_VERSION_CODE;
	return mmscope_copy_arg_out(uarg, usize, &api, sizeof(api));
}

static long mmscope_ioc_mm_summary(void __user *uarg)
{
	struct mmscope_mm_summary sum;
	struct mm_struct *mm;
	u32 usize;
	int err;

	BUILD_BUG_ON(sizeof(sum) != MMSCOPE_MM_SUMMARY_SIZE_VER0);
	err = mmscope_copy_arg_in(&sum, sizeof(sum), MMSCOPE_MM_SUMMARY_SIZE_VER0,
				  uarg, &usize);
	if (err)
		return err;
	if (sum.flags || sum.__reserved0 || memchr_inv(sum.__reserved, 0, sizeof(sum.__reserved)))
		return -EINVAL;

	mm = mmscope_get_mm(sum.pid);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	err = mmscope_mm_summary(mm, &sum);
	mmput(mm);
	if (err)
		return err;
	return mmscope_copy_arg_out(uarg, usize, &sum, sizeof(sum));
}

/* A records command's rec_size: the first published record or more, 8-aligned, a page at most. */
static bool rec_size_ok(u32 rec_size, size_t ver0)
{
	return rec_size >= ver0 && IS_ALIGNED(rec_size, 8) && rec_size <= MMSCOPE_ARG_MAX;
}

/*
 * The range and buffer of an address-range command (PT_WALK, VMAS), checked
 * after its rec_size.  Return: 0, -EDOM, -ERANGE or -ENOBUFS (abi.md's order).
 */
static int range_check(u64 start, u64 end, u64 buf_len, u32 rec_size)
{
	if (!PAGE_ALIGNED(start) || !PAGE_ALIGNED(end))
		return -EDOM;
	if (start >= end || end > mmscope_user_limit())
		return -ERANGE;
	if (buf_len < rec_size)
		return -ENOBUFS;
	return 0;
}

/* One record at @dst: @ksize bytes of @rec, then zeros up to @rec_size. */
static int put_rec(void __user *dst, const void *rec, size_t ksize, u32 rec_size)
{
	if (copy_to_user(dst, rec, ksize) || clear_user(dst + ksize, rec_size - ksize))
		return -EFAULT;
	return 0;
}

struct pt_walk_out {
	void __user *buf;
	u32 rec_size;
	u64 written;
};

/* Records land rec_size apart; bytes past what this module knows are 0. */
static int pt_walk_flush(struct mmscope_rec_sink *s,
			 const struct mmscope_pt_rec *recs, unsigned int n)
{
	struct pt_walk_out *o = s->priv;
	void __user *dst = o->buf + o->written * o->rec_size;
	unsigned int i;

	if (o->rec_size == sizeof(*recs)) {
		if (copy_to_user(dst, recs, n * sizeof(*recs)))
			return -EFAULT;
	} else {
		for (i = 0; i < n; i++, dst += o->rec_size)
			if (put_rec(dst, &recs[i], sizeof(*recs), o->rec_size))
				return -EFAULT;
	}
	o->written += n;
	return 0;
}

struct pt_dense_out {
	void __user *buf;
	u64 written;
};

/* Dense entries land 8 bytes apart; NULL @ents: @n empty entries. */
static int pt_dense_flush(struct mmscope_dense_sink *s, const u64 *ents,
			  unsigned long n)
{
	struct pt_dense_out *o = s->priv;
	void __user *dst = o->buf + o->written * sizeof(u64);

	if (ents ? copy_to_user(dst, ents, n * sizeof(u64)) :
		   clear_user(dst, n * sizeof(u64)))
		return -EFAULT;
	o->written += n;
	return 0;
}

/* PT_WALK with MMSCOPE_WALK_DENSE: as many pages from start as buf_len holds. */
static int pt_walk_dense(struct mmscope_pt_walk *arg)
{
	struct pt_dense_out out = { .buf = u64_to_user_ptr(arg->buf) };
	struct mmscope_dense_sink sink = {
		.flush = pt_dense_flush,
		.priv = &out,
	};
	u64 pages = (arg->end - arg->start) >> PAGE_SHIFT;
	unsigned long tables;
	struct mm_struct *mm;
	int err;

	pages = min_t(u64, pages, div_u64(arg->buf_len, MMSCOPE_PT_DENSE_SIZE));
	mm = mmscope_get_mm(arg->pid);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	err = mmscope_pt_dense(mm, arg->start, arg->start + (pages << PAGE_SHIFT),
			       &sink, &tables);
	mmput(mm);
	if (err)
		return err;
	arg->walk_end = arg->start + (out.written << PAGE_SHIFT);
	arg->nr_recs = out.written;
	arg->tables = tables;
	return 0;
}

static long mmscope_ioc_pt_walk(void __user *uarg)
{
	struct mmscope_pt_walk arg;
	struct pt_walk_out out = {};
	struct mmscope_rec_sink sink = {
		.flush = pt_walk_flush,
		.priv = &out,
	};
	unsigned long walk_end, tables;
	struct mm_struct *mm;
	u32 usize;
	int err;

	BUILD_BUG_ON(sizeof(arg) != MMSCOPE_PT_WALK_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct mmscope_pt_rec) != MMSCOPE_PT_REC_SIZE_VER0);
	err = mmscope_copy_arg_in(&arg, sizeof(arg), MMSCOPE_PT_WALK_SIZE_VER0,
				  uarg, &usize);
	if (err)
		return err;
	if ((arg.flags & ~MMSCOPE_WALK_FLAGS_ALL) ||
	    memchr_inv(arg.__reserved, 0, sizeof(arg.__reserved)))
		return -EINVAL;
	if (arg.flags & MMSCOPE_WALK_DENSE) {
		if ((arg.flags & MMSCOPE_WALK_RUNS) ||
		    arg.rec_size != MMSCOPE_PT_DENSE_SIZE)
			return -EINVAL;
	} else if (!rec_size_ok(arg.rec_size, MMSCOPE_PT_REC_SIZE_VER0)) {
		return -EINVAL;
	}
	err = range_check(arg.start, arg.end, arg.buf_len, arg.rec_size);
	if (err)
		return err;
	if (arg.flags & MMSCOPE_WALK_DENSE) {
		err = pt_walk_dense(&arg);
		return err ?: mmscope_copy_arg_out(uarg, usize, &arg, sizeof(arg));
	}

	out.buf = u64_to_user_ptr(arg.buf);
	out.rec_size = arg.rec_size;
	sink.cap = div_u64(arg.buf_len, arg.rec_size);
	sink.runs = arg.flags & MMSCOPE_WALK_RUNS;

	mm = mmscope_get_mm(arg.pid);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	err = mmscope_pt_records(mm, arg.start, arg.end, &sink, &walk_end, &tables);
	mmput(mm);
	if (err)
		return err;
	arg.walk_end = walk_end;
	arg.nr_recs = out.written;
	arg.tables = tables;
	return mmscope_copy_arg_out(uarg, usize, &arg, sizeof(arg));
}

/* Where MMSCOPE_IOC_VMAS puts records and paths. */
struct vmas_out {
	void __user *buf, *strings;
	u32 rec_size;
	u64 cap, written, strings_len, strings_used;
	u64 stopped_at;		/* start of the first VMA not returned */
};

#define VMAS_FULL	1	/* vmas_emit(): no room; ends the pass */

static int vmas_emit(void *ctx, unsigned int kind, const void *rec)
{
	const struct mmscope_vma_out *v = rec;
	struct mmscope_vma_rec r = v->rec;
	size_t need = r.path_len ? r.path_len + 1 : 0;
	struct vmas_out *o = ctx;
	void __user *dst;

	if (kind)
		return 0;
	if (o->written == o->cap || need > o->strings_len - o->strings_used) {
		o->stopped_at = r.start;
		return VMAS_FULL;
	}
	if (need) {
		r.path_off = o->strings_used;
		if (copy_to_user(o->strings + o->strings_used, v->path, need))
			return -EFAULT;
		o->strings_used += need;
	}
	dst = o->buf + o->written * o->rec_size;
	if (put_rec(dst, &r, sizeof(r), o->rec_size))
		return -EFAULT;
	o->written++;
	return 0;
}

static long mmscope_ioc_vmas(void __user *uarg)
{
	struct mmscope_vmas arg;
	struct vmas_out out = {};
	struct mm_struct *mm;
	u32 usize;
	int err;

	BUILD_BUG_ON(sizeof(arg) != MMSCOPE_VMAS_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct mmscope_vma_rec) != MMSCOPE_VMA_REC_SIZE_VER0);
	err = mmscope_copy_arg_in(&arg, sizeof(arg), MMSCOPE_VMAS_SIZE_VER0,
				  uarg, &usize);
	if (err)
		return err;
	if (arg.flags || memchr_inv(arg.__reserved, 0, sizeof(arg.__reserved)))
		return -EINVAL;
	if (!rec_size_ok(arg.rec_size, MMSCOPE_VMA_REC_SIZE_VER0))
		return -EINVAL;
	err = range_check(arg.start, arg.end, arg.buf_len, arg.rec_size);
	if (err)
		return err;

	out.buf = u64_to_user_ptr(arg.buf);
	out.strings = u64_to_user_ptr(arg.strings);
	out.rec_size = arg.rec_size;
	out.cap = div_u64(arg.buf_len, arg.rec_size);
	out.strings_len = arg.strings_len;
	mm = mmscope_get_mm(arg.pid);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	err = mmscope_vmas(mm, arg.start, arg.end, vmas_emit, &out);
	mmput(mm);
	if (err == VMAS_FULL) {
		if (!out.written)
			return -ENOBUFS;	/* not even one record fits */
		arg.walk_end = out.stopped_at;
	} else if (err) {
		return err;
	} else {
		arg.walk_end = arg.end;
	}
	arg.nr_recs = out.written;
	arg.strings_used = out.strings_used;
	return mmscope_copy_arg_out(uarg, usize, &arg, sizeof(arg));
}

static long mmscope_ioc_track(struct mmscope_file *mf, void __user *uarg)
{
	struct mmscope_track_owner *owner = NULL;
	struct mmscope_track arg;
	u32 usize;
	pid_t nr;
	int err;

	BUILD_BUG_ON(sizeof(arg) != MMSCOPE_TRACK_SIZE_VER0);
	err = mmscope_copy_arg_in(&arg, sizeof(arg), MMSCOPE_TRACK_SIZE_VER0,
				  uarg, &usize);
	if (err)
		return err;
	if ((arg.flags & ~MMSCOPE_TRACK_FLAGS_ALL) || arg.__reserved0 ||
	    memchr_inv(arg.__reserved, 0, sizeof(arg.__reserved)) ||
	    ((arg.flags & MMSCOPE_TRACK_REMOVE) &&
	     (arg.flags & (MMSCOPE_TRACK_CHILDREN | MMSCOPE_TRACK_ON_CLOSE))))
		return -EINVAL;
	if (arg.pid < 0)
		return -ESRCH;
	nr = arg.pid ?: task_tgid_vnr(current);
	if (arg.flags & MMSCOPE_TRACK_REMOVE)
		return mmscope_untrack(nr);
	if (arg.flags & MMSCOPE_TRACK_ON_CLOSE) {
		WRITE_ONCE(mf->owns, true);	/* release() is after every ioctl */
		owner = &mf->owner;
	}
	return mmscope_track(nr, arg.flags, owner);
}

static long mmscope_ioc_fault_stats(void __user *uarg)
{
	struct mmscope_fault_stats *st;
	u32 usize;
	pid_t pid;
	long err;

	BUILD_BUG_ON(sizeof(*st) != MMSCOPE_FAULT_STATS_SIZE_VER0);
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	err = mmscope_copy_arg_in(st, sizeof(*st), MMSCOPE_FAULT_STATS_SIZE_VER0,
				  uarg, &usize);
	if (err)
		goto out;
	err = -EINVAL;
	if (st->flags || memchr_inv(st->__reserved, 0, sizeof(st->__reserved)))
		goto out;
	/* what the caller sent in output fields is not echoed back */
	pid = st->pid;
	memset(st, 0, sizeof(*st));
	st->pid = pid;
	err = mmscope_task_fault_stats(pid ?: task_tgid_vnr(current), st);
	if (!err)
		err = mmscope_copy_arg_out(uarg, usize, st, sizeof(*st));
out:
	kfree(st);
	return err;
}

static long mmscope_ioc_fault_stream(struct mmscope_file *mf, void __user *uarg)
{
	struct mmscope_fault_stream arg;
	struct pid *pid = NULL;
	u32 usize;
	int err;

	BUILD_BUG_ON(sizeof(arg) != MMSCOPE_FAULT_STREAM_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct mmscope_fault_event) != MMSCOPE_FAULT_EVENT_SIZE);
	err = mmscope_copy_arg_in(&arg, sizeof(arg), MMSCOPE_FAULT_STREAM_SIZE_VER0,
				  uarg, &usize);
	if (err)
		return err;
	if ((arg.flags & ~MMSCOPE_STREAM_FLAGS_ALL) || arg.__reserved0 || arg.__reserved1)
		return -EINVAL;
	if (arg.ring_records < 16 || !is_power_of_2(arg.ring_records))
		return -EINVAL;
	if ((arg.flags & MMSCOPE_STREAM_WATERMARK) ?
	    !arg.watermark || arg.watermark > arg.ring_records / 2 : arg.watermark)
		return -EINVAL;
	if (arg.ring_records > MMSCOPE_RING_MAX_RECORDS)
		return -E2BIG;
	if (arg.pid < 0)
		return -ESRCH;

	mutex_lock(&mf->lock);
	if (mf->ring_records && mf->ring_records != arg.ring_records) {
		err = -EBUSY;
		goto unlock;
	}
	if (!mf->ring_records) {
		if (arg.pid) {
			pid = mmscope_tracked_pid(arg.pid);
			if (!pid) {
				err = -ENOENT;
				goto unlock;
			}
		}
		err = mmscope_reader_start(&mf->reader, pid, arg.ring_records,
					   arg.watermark ?: 1);
		if (err) {
			put_pid(pid);
			goto unlock;
		}
		mf->ring_records = arg.ring_records;
	} else if (arg.flags & MMSCOPE_STREAM_WATERMARK) {
		mmscope_reader_set_watermark(&mf->reader, arg.watermark);
	}
	mmscope_reader_counts(&mf->reader, &arg.dropped, &arg.delivered);
	arg.watermark = mmscope_reader_watermark(&mf->reader);
	err = 0;
unlock:
	mutex_unlock(&mf->lock);
	if (err)
		return err;
	return mmscope_copy_arg_out(uarg, usize, &arg, sizeof(arg));
}

/*
 * Whole records out of the file's ring: taken under its lock into a bounce
 * buffer, copied out with no lock held.  Blocks (interruptibly) unless
 * O_NONBLOCK.  Return: bytes copied, -EAGAIN, -ERESTARTSYS or -EFAULT.
 */
static ssize_t mmscope_read(struct file *file, char __user *buf, size_t len,
			    loff_t *ppos)
{
	struct mmscope_file *mf = file->private_data;
	struct mmscope_fault_event bounce[16];
	const size_t rec = sizeof(bounce[0]);
	size_t done = 0;
	unsigned int n;
	int err;

	if (!READ_ONCE(mf->ring_records))
		return -EINVAL;		/* not a stream: MMSCOPE_IOC_FAULT_STREAM first */
	if (len < rec)
		return -EINVAL;
	/* blocking: until the watermark, or records waited their longest */
	if (!(file->f_flags & O_NONBLOCK)) {
		err = mmscope_reader_wait(&mf->reader);
		if (err)
			return err;
	}
	while (len - done >= rec) {
		n = mmscope_reader_take(&mf->reader, bounce,
					min_t(size_t, ARRAY_SIZE(bounce), (len - done) / rec));
		if (!n) {
			if (done)
				break;
			if (file->f_flags & O_NONBLOCK)
				return -EAGAIN;
			err = mmscope_reader_wait(&mf->reader);
			if (err)
				return err;
			continue;
		}
		if (copy_to_user(buf + done, bounce, n * rec)) {
			/* taken but not delivered: counted as dropped */
			mmscope_reader_undo(&mf->reader, n);
			return done ? done : -EFAULT;
		}
		done += n * rec;
	}
	return done;
}

static __poll_t mmscope_poll(struct file *file, poll_table *wait)
{
	struct mmscope_file *mf = file->private_data;

	if (!READ_ONCE(mf->ring_records))
		return EPOLLERR;
	poll_wait(file, &mf->reader.wq, wait);
	return mmscope_reader_ready(&mf->reader) ? EPOLLIN | EPOLLRDNORM : 0;
}

struct snap_out {
	void __user *buf;
	u32 rec_size;
	size_t ksize;
	u64 cap, written, total;
};

/* Called with no lock held (the producers' contract).  Kind 0 only: the
 * other kinds of a row are text only. */
static int snap_emit(void *ctx, unsigned int kind, const void *rec)
{
	struct snap_out *o = ctx;

	if (kind)
		return 0;
	if (o->written < o->cap) {
		if (put_rec(o->buf + o->written * o->rec_size, rec, o->ksize,
			    o->rec_size))
			return -EFAULT;
		o->written++;
	}
	o->total++;
	return 0;
}

/**
 * mmscope_ioc_snapshot - a view's snapshot into the caller's buffer
 * @cmd: the command of a row with .snapshot (MMSCOPE_IOC_PHYS_*, TRACKED,
 *	MODULE_MEMORY)
 * @uarg: struct mmscope_phys_snap
 *
 * Return: 0, -ENOTTY (no such command), or the -errno the uapi header lists.
 */
static long mmscope_ioc_snapshot(unsigned int cmd, void __user *uarg)
{
	const struct mmscope_view *v = NULL;
	struct mmscope_phys_snap arg;
	struct snap_out out = {};
	unsigned int i;
	u32 usize;
	int err;

	BUILD_BUG_ON(sizeof(arg) != MMSCOPE_PHYS_SNAP_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct mmscope_zone_rec) != MMSCOPE_ZONE_REC_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct mmscope_buddy_rec) != MMSCOPE_BUDDY_REC_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct mmscope_lru_rec) != MMSCOPE_LRU_REC_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct mmscope_slab_rec) != MMSCOPE_SLAB_REC_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct mmscope_pageblock_rec) != MMSCOPE_PAGEBLOCK_REC_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct mmscope_phys_stat_rec) != MMSCOPE_PHYS_STAT_REC_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct mmscope_tracked_rec) != MMSCOPE_TRACKED_REC_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct mmscope_module_mem_rec) != MMSCOPE_MODULE_MEM_REC_SIZE_VER0);

	for (i = 0; i < mmscope_nr_views; i++)
		if (mmscope_views[i].snapshot && mmscope_views[i].ioctl == cmd)
			v = &mmscope_views[i];
	if (!v)
		return -ENOTTY;
	err = mmscope_copy_arg_in(&arg, sizeof(arg), MMSCOPE_PHYS_SNAP_SIZE_VER0,
				  uarg, &usize);
	if (err)
		return err;
	if (arg.flags || arg.__reserved0 ||
	    memchr_inv(arg.__reserved, 0, sizeof(arg.__reserved)))
		return -EINVAL;
	if (!rec_size_ok(arg.rec_size, v->kinds[0].size_ver0))
		return -EINVAL;

	out.buf = u64_to_user_ptr(arg.buf);
	out.rec_size = arg.rec_size;
	out.ksize = min_t(size_t, v->kinds[0].size, arg.rec_size);
	out.cap = div_u64(arg.buf_len, arg.rec_size);
	err = v->produce(v, NULL, snap_emit, &out);
	if (err)
		return err;
	arg.nr_recs = out.written;
	arg.nr_total = out.total;
	return mmscope_copy_arg_out(uarg, usize, &arg, sizeof(arg));
}

static long mmscope_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case MMSCOPE_IOC_GET_API:
		return mmscope_ioc_get_api(uarg);
	case MMSCOPE_IOC_MM_SUMMARY:
		return mmscope_ioc_mm_summary(uarg);
	case MMSCOPE_IOC_PT_WALK:
		return mmscope_ioc_pt_walk(uarg);
	case MMSCOPE_IOC_VMAS:
		return mmscope_ioc_vmas(uarg);
	case MMSCOPE_IOC_TRACK:
		return mmscope_ioc_track(file->private_data, uarg);
	case MMSCOPE_IOC_FAULT_STATS:
		return mmscope_ioc_fault_stats(uarg);
	case MMSCOPE_IOC_FAULT_STREAM:
		return mmscope_ioc_fault_stream(file->private_data, uarg);
	default:
		return mmscope_ioc_snapshot(cmd, uarg);
	}
}

static int mmscope_open(struct inode *inode, struct file *file)
{
	struct mmscope_file *mf;
	int err = mmscope_may_open(file);

	if (err)
		return err;
	mf = kzalloc(sizeof(*mf), GFP_KERNEL);
	if (!mf)
		return -ENOMEM;
	mmscope_mem_charge(MMSCOPE_MEM_FILES, sizeof(*mf), SIZE_MAX);
	mutex_init(&mf->lock);
	file->private_data = mf;
	return 0;
}

static int mmscope_release(struct inode *inode, struct file *file)
{
	struct mmscope_file *mf = file->private_data;

	if (mf->owns)
		mmscope_track_owner_close(&mf->owner);
	mmscope_reader_stop(&mf->reader);
	mutex_destroy(&mf->lock);
	kfree(mf);
	mmscope_mem_uncharge(MMSCOPE_MEM_FILES, sizeof(*mf));
	return 0;
}

static const struct file_operations mmscope_fops = {
	.owner		= THIS_MODULE,
	.open		= mmscope_open,
	.release	= mmscope_release,
	.read		= mmscope_read,
	.poll		= mmscope_poll,
	.unlocked_ioctl	= mmscope_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice mmscope_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= KBUILD_MODNAME,
	.fops	= &mmscope_fops,
	.mode	= 0600,
};

int mmscope_dev_init(void)
{
	return misc_register(&mmscope_miscdev);
}

void mmscope_dev_exit(void)
{
	misc_deregister(&mmscope_miscdev);
}
