// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope - module entry: brings the presenters up and down.
 *
 * Lifetime: init creates the debugfs tree, then the misc device; exit undoes
 * them in reverse, untracking every process (and removing its directory)
 * before the debugfs tree goes.  An open /dev/mmscope pins the module (fops.owner), and
 * debugfs_remove_recursive() waits for readers inside debugfs files, so
 * nothing is freed under a reader.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/seq_file.h>

#include "compat.h"
#include <uapi/linux/mmscope.h>

#include "mmscope.h"

unsigned int mmscope_pgtable_levels(void)
{
	return mmscope_compat_pgtable_levels();
}

/**
 * mmscope_may_open - the one access rule of every entry point
 *
 * /dev/mmscope and every debugfs file: CAP_SYS_ADMIN in the initial user
 * namespace, judged once at open against the opener's credentials (so a
 * descriptor handed to a less privileged process keeps what it was opened
 * with, as /proc/PID/pagemap does).  Root in a user namespace, or root
 * without CAP_SYS_ADMIN, gets -EPERM; file modes refuse other users first.
 */
int mmscope_may_open(struct file *file)
{
	return file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN) ? 0 : -EPERM;
}

static atomic_long_t mem_bytes[MMSCOPE_NR_MEM_KINDS];
static atomic_long_t mem_objects[MMSCOPE_NR_MEM_KINDS];
static const char *const mem_names[MMSCOPE_NR_MEM_KINDS] = {
	[MMSCOPE_MEM_TRACKED]	= "tracked",
	[MMSCOPE_MEM_RINGS]	= "rings",
	[MMSCOPE_MEM_FILES]	= "files",
};

/* Charge one object of @bytes to @kind unless that passes @limit bytes. */
bool mmscope_mem_charge(enum mmscope_mem_kind kind, size_t bytes, size_t limit)
{
	if (atomic_long_add_return(bytes, &mem_bytes[kind]) > limit) {
		atomic_long_sub(bytes, &mem_bytes[kind]);
		return false;
	}
	atomic_long_inc(&mem_objects[kind]);
	return true;
}

void mmscope_mem_uncharge(enum mmscope_mem_kind kind, size_t bytes)
{
	atomic_long_sub(bytes, &mem_bytes[kind]);
	atomic_long_dec(&mem_objects[kind]);
}

/* "held KIND BYTES OBJECTS" lines, then their total. */
void mmscope_mem_show(struct seq_file *m)
{
	long bytes, objects, total_bytes = 0, total_objects = 0;
	int i;

	for (i = 0; i < MMSCOPE_NR_MEM_KINDS; i++) {
		bytes = atomic_long_read(&mem_bytes[i]);
		objects = atomic_long_read(&mem_objects[i]);
		seq_printf(m, "held %s %ld %ld\n", mem_names[i], bytes, objects);
		total_bytes += bytes;
		total_objects += objects;
	}
	seq_printf(m, "held total %ld %ld\n", total_bytes, total_objects);
}

static int __init mmscope_init(void)
{
	int err;

	mmscope_slab_init();	/* never fails: the slab view says why it is off */
	err = mmscope_debugfs_init();
	if (err)
		return err;
	err = mmscope_dev_init();
	if (err)
		goto undo_debugfs;
	pr_info("version %s, ABI %d, %u-level page tables\n", MMSCOPE_VERSION,
		MMSCOPE_API_VERSION, mmscope_pgtable_levels());
	return 0;

undo_debugfs:
	mmscope_debugfs_exit();
	return err;
}

static void __exit mmscope_exit(void)
{
	mmscope_dev_exit();
	mmscope_untrack_all();
	mmscope_debugfs_exit();
}

module_init(mmscope_init);
module_exit(mmscope_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("mmscope developers");
MODULE_DESCRIPTION("Live, locked views of process and physical memory");
MODULE_VERSION(MMSCOPE_VERSION);
