/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmscope - every difference between the supported kernels lives here.
 *
 * Supported: Linux 6.1 up to 6.12 (Debian 6.1 LTS and bookworm-backports
 * 6.12 LTS are tested).  Each shim names the kernel change it papers over;
 * the other source files read like upstream mm code of one version.
 */
#ifndef _MMSCOPE_COMPAT_H
#define _MMSCOPE_COMPAT_H

#include <linux/version.h>
#include <asm/pgtable.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0) || \
	LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#error "mmscope supports Linux 6.1 to 6.12"
#endif

/*
 * Paging depth in use: x86-64 decides 4 or 5 levels at boot (la57 CPU
 * feature, "no5lvl" on the command line).  pgtable_l5_enabled() exists on
 * every supported version and is 0 when CONFIG_X86_5LEVEL is off.
 */
static inline unsigned int mmscope_compat_pgtable_levels(void)
{
	return pgtable_l5_enabled() ? 5 : 4;
}

#endif /* _MMSCOPE_COMPAT_H */
