/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmscope - physical memory producers: zones, buddy, LRU, pageblocks (phys.c)
 * and slab caches (slab.c).
 */
#ifndef _MMSCOPE_PHYS_H
#define _MMSCOPE_PHYS_H

#include "mmscope.h"

struct mmscope_pass;

/* What the LRU pass emits: the record, then what only the text shows. */
struct mmscope_phys_lru {
	struct mmscope_lru_rec rec;	/* first: the ioctl copies from here */
	char path[256];			/* cgroup path, "/" for the root */
};

int mmscope_phys_snapshot(unsigned int view, mmscope_emit_t emit, void *ctx);

void mmscope_slab_init(void);
const char *mmscope_slab_unavailable(void);
int mmscope_slab_snapshot(struct mmscope_pass *p, mmscope_emit_t emit, void *ctx);

#endif /* _MMSCOPE_PHYS_H */
