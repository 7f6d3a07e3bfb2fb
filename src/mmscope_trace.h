/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmscope - the mmscope:mmscope_fault tracepoint: one event per fault of a
 * tracked process, with the fields of struct mmscope_fault_event, so
 *   bpftrace -e 'tracepoint:mmscope:mmscope_fault { @[args->cause] = count(); }'
 * works.  Classes are the uapi enum values; the text form names them.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM mmscope

#if !defined(_MMSCOPE_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _MMSCOPE_TRACE_H

#include <linux/tracepoint.h>
#include <uapi/linux/mmscope.h>

TRACE_EVENT(mmscope_fault,
	TP_PROTO(const struct mmscope_fault_event *e),
	TP_ARGS(e),
	TP_STRUCT__entry(
		__field(u64, address)
		__field(u64, ip)
		__field(u64, vma_start)
		__field(u64, latency_ns)
		__field(u32, pid)
		__field(u32, tid)
		__field(u32, faultaround)
		__field(u8, origin)
		__field(u8, access)
		__field(u8, result)
		__field(u8, memory)
		__field(u8, cause)
	),
	TP_fast_assign(
		__entry->address = e->address;
		__entry->ip = e->ip;
		__entry->vma_start = e->vma_start;
		__entry->latency_ns = e->latency_ns;
		__entry->pid = e->pid;
		__entry->tid = e->tid;
		__entry->faultaround = e->faultaround;
		__entry->origin = e->origin;
		__entry->access = e->access;
		__entry->result = e->result;
		__entry->memory = e->memory;
		__entry->cause = e->cause;
	),
	TP_printk("pid=%u tid=%u address=0x%llx ip=0x%llx origin=%u access=%u result=%u memory=%u cause=%u faultaround=%u latency_ns=%llu",
		  __entry->pid, __entry->tid, __entry->address, __entry->ip,
		  __entry->origin, __entry->access, __entry->result,
		  __entry->memory, __entry->cause, __entry->faultaround,
		  __entry->latency_ns)
);

#endif /* _MMSCOPE_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE mmscope_trace
#include <trace/define_trace.h>
