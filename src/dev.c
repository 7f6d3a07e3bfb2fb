// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope - the /dev/mmscope presenter: size-versioned ioctls.
 *
 * The ioctl switch only dispatches; each command has one handler that copies
 * its argument in, validates it (size, flags, reserved fields, ranges, in
 * that order), asks a producer, and copies out after every lock is dropped.
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

#include <uapi/linux/mmscope.h>

#include "mmscope.h"

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
int mmscope_copy_arg_in(void *karg, size_t ksize, size_t minsize,
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
int mmscope_copy_arg_out(void __user *uarg, u32 usize, void *karg,
			 size_t ksize)
{
	*(u32 *)karg = ksize;
	if (copy_to_user(uarg, karg, min_t(size_t, usize, ksize)))
		return -EFAULT;
	return 0;
}

static const u64 mmscope_ioctls = BIT_ULL(_MMSCOPE_IOC_GET_API) |
				  BIT_ULL(_MMSCOPE_IOC_MM_SUMMARY) |
				  BIT_ULL(_MMSCOPE_IOC_PT_WALK) |
				  BIT_ULL(_MMSCOPE_IOC_TRACK) |
				  BIT_ULL(_MMSCOPE_IOC_FAULT_STATS) |
				  BIT_ULL(_MMSCOPE_IOC_FAULT_STREAM) |
				  BIT_ULL(_MMSCOPE_IOC_PHYS_ZONES) |
				  BIT_ULL(_MMSCOPE_IOC_PHYS_BUDDY) |
				  BIT_ULL(_MMSCOPE_IOC_PHYS_LRU) |
				  BIT_ULL(_MMSCOPE_IOC_PHYS_STATS) |
				  BIT_ULL(_MMSCOPE_IOC_PHYS_SLAB);

/* Per open file. */
struct mmscope_file {
	struct mutex lock;		/* serialises FAULT_STREAM setup */
	struct mmscope_reader reader;	/* ring set up by FAULT_STREAM */
	unsigned int ring_records;	/* 0 until then */
};

/* pagemap's rule: PFNs only for CAP_SYS_ADMIN, judged at open. */
static bool mmscope_show_pfn(struct file *file)
{
	return file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN);
}

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
	api.ioctls = mmscope_ioctls;
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
		for (i = 0; i < n; i++, dst += o->rec_size) {
			if (copy_to_user(dst, &recs[i], sizeof(*recs)) ||
			    clear_user(dst + sizeof(*recs), o->rec_size - sizeof(*recs)))
				return -EFAULT;
		}
	}
	o->written += n;
	return 0;
}

static long mmscope_ioc_pt_walk(struct file *file, void __user *uarg)
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
	if (arg.rec_size < MMSCOPE_PT_REC_SIZE_VER0 ||
	    !IS_ALIGNED(arg.rec_size, 8) || arg.rec_size > MMSCOPE_ARG_MAX)
		return -EINVAL;
	if (!PAGE_ALIGNED(arg.start) || !PAGE_ALIGNED(arg.end))
		return -EDOM;
	if (arg.start >= arg.end || arg.end > mmscope_user_limit())
		return -ERANGE;
	if (arg.buf_len < arg.rec_size)
		return -ENOBUFS;

	out.buf = u64_to_user_ptr(arg.buf);
	out.rec_size = arg.rec_size;
	sink.cap = div_u64(arg.buf_len, arg.rec_size);
	sink.runs = arg.flags & MMSCOPE_WALK_RUNS;
	sink.show_pfn = mmscope_show_pfn(file);

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

static long mmscope_ioc_track(void __user *uarg)
{
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
	    ((arg.flags & MMSCOPE_TRACK_REMOVE) && (arg.flags & MMSCOPE_TRACK_CHILDREN)))
		return -EINVAL;
	if (arg.pid < 0)
		return -ESRCH;
	nr = arg.pid ?: task_tgid_vnr(current);
	if (arg.flags & MMSCOPE_TRACK_REMOVE)
		return mmscope_untrack(nr);
	return mmscope_track(nr, arg.flags);
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
	unsigned long irqflags;
	u32 usize;
	int err;

	BUILD_BUG_ON(sizeof(arg) != MMSCOPE_FAULT_STREAM_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct mmscope_fault_event) != MMSCOPE_FAULT_EVENT_SIZE);
	err = mmscope_copy_arg_in(&arg, sizeof(arg), MMSCOPE_FAULT_STREAM_SIZE_VER0,
				  uarg, &usize);
	if (err)
		return err;
	if (arg.flags || memchr_inv(arg.__reserved, 0, sizeof(arg.__reserved)))
		return -EINVAL;
	if (arg.ring_records < 16 || !is_power_of_2(arg.ring_records))
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
		err = mmscope_reader_start(&mf->reader, pid, arg.ring_records);
		if (err) {
			put_pid(pid);
			goto unlock;
		}
		mf->ring_records = arg.ring_records;
	}
	spin_lock_irqsave(&mf->reader.lock, irqflags);
	arg.dropped = mf->reader.dropped;
	arg.delivered = mf->reader.delivered;
	spin_unlock_irqrestore(&mf->reader.lock, irqflags);
	err = 0;
unlock:
	mutex_unlock(&mf->lock);
	if (err)
		return err;
	return mmscope_copy_arg_out(uarg, usize, &arg, sizeof(arg));
}

static ssize_t mmscope_read(struct file *file, char __user *buf, size_t len,
			    loff_t *ppos)
{
	struct mmscope_file *mf = file->private_data;

	if (!READ_ONCE(mf->ring_records))
		return -EINVAL;		/* not a stream: MMSCOPE_IOC_FAULT_STREAM first */
	if (len < sizeof(struct mmscope_fault_event))
		return -EINVAL;
	return mmscope_reader_read(&mf->reader, buf, len, file->f_flags & O_NONBLOCK);
}

static __poll_t mmscope_poll(struct file *file, poll_table *wait)
{
	struct mmscope_file *mf = file->private_data;

	if (!READ_ONCE(mf->ring_records))
		return EPOLLERR;
	return mmscope_reader_poll(&mf->reader, file, wait);
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
		return mmscope_ioc_pt_walk(file, uarg);
	case MMSCOPE_IOC_TRACK:
		return mmscope_ioc_track(uarg);
	case MMSCOPE_IOC_FAULT_STATS:
		return mmscope_ioc_fault_stats(uarg);
	case MMSCOPE_IOC_FAULT_STREAM:
		return mmscope_ioc_fault_stream(file->private_data, uarg);
	case MMSCOPE_IOC_PHYS_ZONES:
		return mmscope_ioc_phys(MMSCOPE_VIEW_ZONES, uarg);
	case MMSCOPE_IOC_PHYS_BUDDY:
		return mmscope_ioc_phys(MMSCOPE_VIEW_BUDDY, uarg);
	case MMSCOPE_IOC_PHYS_LRU:
		return mmscope_ioc_phys(MMSCOPE_VIEW_LRU, uarg);
	case MMSCOPE_IOC_PHYS_STATS:
		return mmscope_ioc_phys(MMSCOPE_VIEW_NR, uarg);
	case MMSCOPE_IOC_PHYS_SLAB:
		return mmscope_ioc_phys(MMSCOPE_VIEW_SLAB, uarg);
	default:
		return -ENOTTY;
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
