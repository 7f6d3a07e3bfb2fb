// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope - module entry: the top of the layers (Documentation/design.md).
 *
 * Lifetime: init lets the slab producer check its layout and the fault
 * producer join the tracked-task table, then creates the debugfs tree (whose
 * presenter also joins the table), then the misc device; exit undoes them in
 * reverse, untracking every process (and removing its directory) before the
 * debugfs tree goes.  An open /dev/mmscope pins the module (fops.owner), and
 * debugfs_remove_recursive() waits for readers inside debugfs files, so
 * nothing is freed under a reader.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "fault.h"
#include "pgtable.h"
#include "phys.h"
#include "presenter.h"
#include "track.h"

static int __init mmscope_init(void)
{
	int err;

	mmscope_slab_init();	/* never fails: the slab view says why it is off */
	mmscope_fault_init();
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
