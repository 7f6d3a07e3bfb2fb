// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope - memory the module holds between calls (a producer): tracked
 * entries, stream rings and open files, charged when allocated and
 * uncharged when freed, so a limit holds and the stats view shows them.
 * Atomics only; no lock.
 */
#include <linux/atomic.h>
#include <linux/string.h>

#include "mem.h"

static atomic_long_t mem_bytes[MMSCOPE_NR_MEM_KINDS];
static atomic_long_t mem_objects[MMSCOPE_NR_MEM_KINDS];
static const char *const mem_names[MMSCOPE_NR_MEM_KINDS] = {
	[MMSCOPE_MEM_TRACKED]	= "tracked",
	[MMSCOPE_MEM_RINGS]	= "rings",
	[MMSCOPE_MEM_FILES]	= "files",
};

/* Charge one object of @bytes to @kind unless that passes @limit bytes. */
bool mmscope_mem_charge(enum mmscope_mem_kind kind, size_t bytes, size_t limit)
{
	if (atomic_long_add_return(bytes, &mem_bytes[kind]) > limit) {
		atomic_long_sub(bytes, &mem_bytes[kind]);
		return false;
	}
	atomic_long_inc(&mem_objects[kind]);
	return true;
}

void mmscope_mem_uncharge(enum mmscope_mem_kind kind, size_t bytes)
{
	atomic_long_sub(bytes, &mem_bytes[kind]);
	atomic_long_dec(&mem_objects[kind]);
}

/**
 * mmscope_mem_snapshot - one struct mmscope_module_mem_rec per kind, then the total
 * @kind: the record kind @emit is called with
 *
 * Each kind's two counters are read apart, so a charge racing with the pass
 * may show in one and not yet in the other; the total is the sum of the
 * records emitted, never read separately.  Return: 0 or what @emit returned.
 */
int mmscope_mem_snapshot(unsigned int kind, mmscope_emit_t emit, void *ctx)
{
	struct mmscope_module_mem_rec r, total = {
		.kind = MMSCOPE_MODULE_MEM_TOTAL, .what = "total",
	};
	int i, err;

	for (i = 0; i < MMSCOPE_NR_MEM_KINDS; i++) {
		memset(&r, 0, sizeof(r));
		r.kind = i;
		strscpy(r.what, mem_names[i], sizeof(r.what));
		r.bytes = atomic_long_read(&mem_bytes[i]);
		r.objects = atomic_long_read(&mem_objects[i]);
		err = emit(ctx, kind, &r);
		if (err)
			return err;
		total.bytes += r.bytes;
		total.objects += r.objects;
	}
	return emit(ctx, kind, &total);
}
