/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mmscope - binary interface of /dev/mmscope.
 *
 * Rules every command follows (Documentation/mmscope.rst has the details):
 *  - Every argument struct starts with "__u32 size": the caller sets it to
 *    sizeof() of the struct as its header defines it.  Structs only ever grow
 *    at the end.  The kernel accepts any size from the first published one
 *    (MMSCOPE_*_SIZE_VER0) up to a page, as long as bytes it does not know are
 *    zero; it writes back at most "size" bytes and sets "size" to the size of
 *    the struct it knows, so the caller can tell which fields were filled.
 *  - Sizes below VER0 or not a multiple of 8: -EINVAL.  Unknown trailing
 *    bytes not zero: -E2BIG.  Size above a page: -E2BIG.
 *  - Unknown bits in "flags", and nonzero reserved or padding fields: -EINVAL.
 *  - Pointers are passed as __u64.  Unknown commands: -ENOTTY.
 *  - Opening the device needs CAP_SYS_ADMIN in the initial user namespace
 *    (-EPERM otherwise); the device node itself is mode 0600.
 */
#ifndef _UAPI_LINUX_MMSCOPE_H
#define _UAPI_LINUX_MMSCOPE_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Bumped only when a published layout changes incompatibly (never so far). */
#define MMSCOPE_API_VERSION	1

#define MMSCOPE_IOC_MAGIC	0xBE

/* _IOC_NR of each command; bit (1 << nr) is set in mmscope_api.ioctls. */
enum {
	_MMSCOPE_IOC_GET_API = 0x00,
};

/*
 * MMSCOPE_IOC_GET_API: handshake and feature discovery (cf. UFFDIO_API).
 * Call it first; use only commands whose bit is set in @ioctls.
 */
struct mmscope_api {
	__u32 size;		/* in: sizeof(struct mmscope_api); out: kernel's size */
	__u32 flags;		/* in: must be 0 (no flags defined yet) */
	__u32 api_version;	/* out: MMSCOPE_API_VERSION of the module */
	__u32 pgtable_levels;	/* out: 4 or 5, as the running kernel pages */
	__u64 features;		/* out: MMSCOPE_FEATURE_* */
	__u64 ioctls;		/* out: 1 << _IOC_NR(cmd) for each supported cmd */
	__u32 kernel_version;	/* out: LINUX_VERSION_CODE the module was built for */
	__u32 __reserved0;	/* in: must be 0 */
	__u64 __reserved[2];	/* in: must be 0 */
};
#define MMSCOPE_API_SIZE_VER0	56	/* size of the first published struct */

/* Feature bits: none defined yet; a bit appears with the feature it names. */
#define MMSCOPE_FEATURES_ALL	0ULL

#define MMSCOPE_IOC_GET_API	_IOWR(MMSCOPE_IOC_MAGIC, _MMSCOPE_IOC_GET_API, struct mmscope_api)

#endif /* _UAPI_LINUX_MMSCOPE_H */
