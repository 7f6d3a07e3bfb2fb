/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmscope - what every layer shares: the version, the uapi records, and the
 * producers' one interface, the emit callback.
 *
 * Layers (Documentation/design.md; scripts/layering checks them):
 *   main -> presenters (debugfs.c, dev.c) -> views (view.c) -> producers
 *   (process.c, fault.c, track.c, phys.c, slab.c, hold.c, mem.c)
 *   -> page-table reader (pgtable.c), compat.h.
 * Each file has its own header; calls go down, never up.
 */
#ifndef _MMSCOPE_H
#define _MMSCOPE_H

#include <linux/types.h>
#include <uapi/linux/mmscope.h>

#define MMSCOPE_VERSION	"0.1.0"

/*
 * A producer hands each record to an emit callback: @kind says which of the
 * view's record kinds @rec is (a view's one pass may emit several).  Called
 * with no lock held, so it may sleep and copy to user space.  A nonzero
 * return ends the pass and is returned by the producer.
 */
typedef int (*mmscope_emit_t)(void *ctx, unsigned int kind, const void *rec);

#endif /* _MMSCOPE_H */
