/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmscope - memory the module holds between calls, by what holds it (mem.c).
 */
#ifndef _MMSCOPE_MEM_H
#define _MMSCOPE_MEM_H

#include "mmscope.h"

enum mmscope_mem_kind {
	MMSCOPE_MEM_TRACKED,	/* tracked-process entries, children pending */
	MMSCOPE_MEM_RINGS,	/* FAULT_STREAM rings */
	MMSCOPE_MEM_FILES,	/* open /dev/mmscope files */
	MMSCOPE_NR_MEM_KINDS
};

/* A charge fails (false) past @limit bytes of its kind. */
bool mmscope_mem_charge(enum mmscope_mem_kind kind, size_t bytes, size_t limit);
void mmscope_mem_uncharge(enum mmscope_mem_kind kind, size_t bytes);

/* What mmscope_mem_snapshot() emits: one per kind, then "total". */
struct mmscope_held_rec {
	const char *what;
	long bytes, objects;
};
int mmscope_mem_snapshot(unsigned int kind, mmscope_emit_t emit, void *ctx);

#endif /* _MMSCOPE_MEM_H */
