/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmscope - memory the module holds between calls, by what holds it (mem.c).
 */
#ifndef _MMSCOPE_MEM_H
#define _MMSCOPE_MEM_H

#include "mmscope.h"

/* What holds it: the uapi's kinds (MMSCOPE_IOC_MODULE_MEMORY). */
enum mmscope_mem_kind {
	MMSCOPE_MEM_TRACKED = MMSCOPE_MODULE_MEM_TRACKED,	/* tracked entries, children pending */
	MMSCOPE_MEM_RINGS = MMSCOPE_MODULE_MEM_RINGS,		/* FAULT_STREAM rings */
	MMSCOPE_MEM_FILES = MMSCOPE_MODULE_MEM_FILES,		/* open /dev/mmscope files */
	MMSCOPE_NR_MEM_KINDS = MMSCOPE_MODULE_MEM_NR
};

/* A charge fails (false) past @limit bytes of its kind. */
bool mmscope_mem_charge(enum mmscope_mem_kind kind, size_t bytes, size_t limit);
void mmscope_mem_uncharge(enum mmscope_mem_kind kind, size_t bytes);

/* Emits one struct mmscope_module_mem_rec per kind, then the total. */
int mmscope_mem_snapshot(unsigned int kind, mmscope_emit_t emit, void *ctx);

#endif /* _MMSCOPE_MEM_H */
