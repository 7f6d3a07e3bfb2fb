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
 * debugfs is optional: on a kernel without it (or one in lockdown) the
 * module still loads and /dev/mmscope still works.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/utsname.h>
#include <generated/utsrelease.h>

#include <uapi/linux/mmscope.h>

#include "mmscope.h"

static struct dentry *mmscope_debugfs_root;

void mmscope_seq_header(struct seq_file *m, const char *name,
			unsigned int format, const char *legend)
{
	seq_printf(m, "# mmscope %s format %u\n# %s\n", name, format, legend);
}

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
DEFINE_SHOW_ATTRIBUTE(mmscope_version);

int mmscope_debugfs_init(void)
{
	struct dentry *root = debugfs_create_dir(KBUILD_MODNAME, NULL);

	if (IS_ERR(root)) {
		pr_notice("debugfs unavailable (%ld): text views disabled\n",
			  PTR_ERR(root));
		return 0;
	}
	mmscope_debugfs_root = root;
	debugfs_create_file("version", 0444, root, NULL, &mmscope_version_fops);
	return 0;
}

void mmscope_debugfs_exit(void)
{
	debugfs_remove_recursive(mmscope_debugfs_root);
	mmscope_debugfs_root = NULL;
}
