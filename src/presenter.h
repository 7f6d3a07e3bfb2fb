/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmscope - the two presenters, as main.c brings them up and down.
 */
#ifndef _MMSCOPE_PRESENTER_H
#define _MMSCOPE_PRESENTER_H

int mmscope_debugfs_init(void);
void mmscope_debugfs_exit(void);
int mmscope_dev_init(void);
void mmscope_dev_exit(void);

#endif /* _MMSCOPE_PRESENTER_H */
