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
#include <linux/seq_file.h>

#define MMSCOPE_VERSION	"0.1.0"

struct dentry;

/* main.c */
unsigned int mmscope_pgtable_levels(void);

/* debugfs.c: the debugfs presenter, rooted at /sys/kernel/debug/mmscope. */
int mmscope_debugfs_init(void);
void mmscope_debugfs_exit(void);
void mmscope_seq_header(struct seq_file *m, const char *name,
			unsigned int format, const char *legend);

/* dev.c: the /dev/mmscope presenter. */
int mmscope_dev_init(void);
void mmscope_dev_exit(void);
int mmscope_copy_arg_in(void *karg, size_t ksize, size_t minsize,
			const void __user *uarg, u32 *usize);
int mmscope_copy_arg_out(void __user *uarg, u32 usize, void *karg,
			 size_t ksize);

#endif /* _MMSCOPE_H */
