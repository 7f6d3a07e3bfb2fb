/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mmscope - binary interface of /dev/mmscope.
 *
 * Rules every command follows (Documentation/abi.md has the details):
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
	_MMSCOPE_IOC_MM_SUMMARY = 0x01,
	_MMSCOPE_IOC_PT_WALK = 0x02,
	_MMSCOPE_IOC_VMAS = 0x03,
	_MMSCOPE_IOC_TRACK = 0x10,
	_MMSCOPE_IOC_FAULT_STATS = 0x11,
	_MMSCOPE_IOC_FAULT_STREAM = 0x12,
	_MMSCOPE_IOC_TRACKED = 0x13,		/* MMSCOPE_FEATURE_INTROSPECT */
	/* physical memory (MMSCOPE_FEATURE_PHYS_MEMORY) */
	_MMSCOPE_IOC_PHYS_ZONES = 0x20,
	_MMSCOPE_IOC_PHYS_BUDDY = 0x21,
	_MMSCOPE_IOC_PHYS_LRU = 0x22,
	_MMSCOPE_IOC_PHYS_STATS = 0x23,
	_MMSCOPE_IOC_PHYS_SLAB = 0x24,
	_MMSCOPE_IOC_MODULE_MEMORY = 0x25,	/* MMSCOPE_FEATURE_INTROSPECT */
	_MMSCOPE_IOC_PHYS_PAGEBLOCKS = 0x26,	/* MMSCOPE_FEATURE_PAGEBLOCKS */
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

/* Feature bits; a bit appears with the feature it names. */
#define MMSCOPE_FEATURE_PROCESS_MEMORY	(1ULL << 0)	/* MM_SUMMARY, PT_WALK (ABI 1),
							 * VMAS (its bit in ioctls) */
#define MMSCOPE_FEATURE_FAULTS		(1ULL << 1)	/* TRACK, FAULT_STATS, FAULT_STREAM (ABI 1) */
#define MMSCOPE_FEATURE_PHYS_MEMORY	(1ULL << 2)	/* PHYS_ZONES, _BUDDY, _LRU, _STATS,
							 * _SLAB (ABI 1) */
#define MMSCOPE_FEATURE_PT_DENSE	(1ULL << 3)	/* PT_WALK with MMSCOPE_WALK_DENSE */
#define MMSCOPE_FEATURE_STREAM_WATERMARK (1ULL << 4)	/* FAULT_STREAM's watermark */
#define MMSCOPE_FEATURE_TRACK_ON_CLOSE	(1ULL << 5)	/* TRACK's MMSCOPE_TRACK_ON_CLOSE */
#define MMSCOPE_FEATURE_INTROSPECT	(1ULL << 6)	/* TRACKED, MODULE_MEMORY */
#define MMSCOPE_FEATURE_PAGEBLOCKS	(1ULL << 7)	/* PHYS_PAGEBLOCKS */
#define MMSCOPE_FEATURES_ALL	(MMSCOPE_FEATURE_PROCESS_MEMORY | MMSCOPE_FEATURE_FAULTS | \
				 MMSCOPE_FEATURE_PHYS_MEMORY | MMSCOPE_FEATURE_PT_DENSE | \
				 MMSCOPE_FEATURE_STREAM_WATERMARK | \
				 MMSCOPE_FEATURE_TRACK_ON_CLOSE | MMSCOPE_FEATURE_INTROSPECT | \
				 MMSCOPE_FEATURE_PAGEBLOCKS)

#define MMSCOPE_IOC_GET_API	_IOWR(MMSCOPE_IOC_MAGIC, _MMSCOPE_IOC_GET_API, struct mmscope_api)

/*
 * Process memory.  Targets are thread-group ids in the caller's pid
 * namespace; 0 means the caller.  A pid that does not exist, or whose
 * process has no user memory (kernel thread, exited): -ESRCH.
 * Figures are bytes.  Where a field shares its name with a
 * /proc/PID/smaps_rollup key it has that key's meaning on the running kernel.
 */

/* MMSCOPE_IOC_MM_SUMMARY: one walk of every VMA of the target. */
struct mmscope_mm_summary {
	__u32 size;		/* in: sizeof(struct mmscope_mm_summary) */
	__u32 flags;		/* in: must be 0 */
	__s32 pid;		/* in: target tgid, 0 = caller */
	__u32 __reserved0;	/* in: must be 0 */
	/* out, smaps_rollup meanings (bytes, where smaps_rollup shows kB): */
	__u64 rss;		/* Rss */
	__u64 pss;		/* Pss */
	__u64 pss_anon;		/* Pss_Anon */
	__u64 pss_file;		/* Pss_File */
	__u64 pss_shmem;	/* Pss_Shmem */
	__u64 pss_dirty;	/* Pss_Dirty */
	__u64 shared_clean;	/* Shared_Clean */
	__u64 shared_dirty;	/* Shared_Dirty */
	__u64 private_clean;	/* Private_Clean */
	__u64 private_dirty;	/* Private_Dirty */
	__u64 referenced;	/* Referenced */
	__u64 anonymous;	/* Anonymous */
	__u64 lazyfree;		/* LazyFree */
	__u64 anon_huge;	/* AnonHugePages */
	__u64 shmem_pmd_mapped;	/* ShmemPmdMapped */
	__u64 file_pmd_mapped;	/* FilePmdMapped */
	__u64 shared_hugetlb;	/* Shared_Hugetlb */
	__u64 private_hugetlb;	/* Private_Hugetlb */
	__u64 swap;		/* Swap (swap entries in page tables; swapped
				 * shmem pages not mapped are not counted) */
	__u64 locked;		/* Locked */
	/* out, mmscope's own: */
	__u64 rss_anon;		/* Rss split by what the page is */
	__u64 rss_file;
	__u64 rss_shmem;
	__u64 ksm;		/* KSM (part of rss_anon) */
	__u64 zero_page;	/* mappings of the (huge) zero page; not in Rss */
	__u64 hugetlb;		/* hugetlb pages mapped (not in Rss, as smaps) */
	__u64 pt_tables[5];	/* page-table pages reachable from user VMAs, by
				 * the level of the entries they hold:
				 * [0] PTE, [1] PMD, [2] PUD, [3] P4D (0 with
				 * 4-level paging), [4] PGD (1) */
	__u64 nr_vmas;		/* VMAs of the mm (the [vsyscall] gate area
				 * that /proc/PID/maps adds is not one) */
	__u64 mm_rss_anon;	/* the mm's own counters (get_mm_counter()), */
	__u64 mm_rss_file;	/* which lag the page tables on 6.1 */
	__u64 mm_rss_shmem;
	__u64 mm_swap;
	__u64 __reserved[4];	/* out: 0 */
};
#define MMSCOPE_MM_SUMMARY_SIZE_VER0	336

/*
 * MMSCOPE_IOC_PT_WALK: one record per page-table leaf (or per run of equal
 * leaves with MMSCOPE_WALK_RUNS) in [start, end), in address order.
 * Empty entries produce no record.  A leaf that straddles start or end is
 * clipped to the range.  When the buffer fills, walk_end says where to
 * resume; walk_end == end means the range is done.  A resumed walk yields
 * the same records as an unbroken one (a run is only closed once the next
 * entry is seen not to extend it).
 *
 * MMSCOPE_WALK_DENSE (MMSCOPE_FEATURE_PT_DENSE) asks for the dense format
 * instead: one 8-byte entry per 4 KiB page, empty pages included (entry 0),
 * addresses implicit: entry i describes start + i * 4096.  rec_size must be
 * MMSCOPE_PT_DENSE_SIZE; the walk covers as many pages from start as buf_len
 * holds, so walk_end = start + nr_recs * 4096 (== end when the range is
 * done).  A huge leaf gives one entry per page it maps, each with its own
 * PFN.  The bit layout is below (MMSCOPE_DENSE_*).
 *
 * Errors: -EINVAL unknown flags, nonzero reserved fields, RUNS with DENSE,
 * or rec_size not a multiple of 8 / below MMSCOPE_PT_REC_SIZE_VER0 / above
 * 4096 (with DENSE: not MMSCOPE_PT_DENSE_SIZE); -EDOM start or end not
 * page-aligned; -ERANGE start >= end or end above the user address space;
 * -ENOBUFS buf_len below one record; -EFAULT buf not writable; -ESRCH no
 * such process; -EINTR a fatal signal arrived (walk_end says how far it got).
 */
#define MMSCOPE_WALK_RUNS	(1U << 0)	/* merge equal consecutive leaves */
#define MMSCOPE_WALK_DENSE	(1U << 1)	/* one u64 per page (below) */
#define MMSCOPE_WALK_FLAGS_ALL	(MMSCOPE_WALK_RUNS | MMSCOPE_WALK_DENSE)

struct mmscope_pt_walk {
	__u32 size;		/* in: sizeof(struct mmscope_pt_walk) */
	__u32 flags;		/* in: MMSCOPE_WALK_* */
	__s32 pid;		/* in: target tgid, 0 = caller */
	__u32 rec_size;		/* in: sizeof(struct mmscope_pt_rec) the caller
				 * knows; records are written rec_size apart */
	__u64 start;		/* in: first address, page-aligned */
	__u64 end;		/* in: end address (exclusive), page-aligned */
	__u64 buf;		/* in: user pointer to the records */
	__u64 buf_len;		/* in: bytes at buf */
	__u64 walk_end;		/* out: where the walk stopped */
	__u64 nr_recs;		/* out: records written */
	__u64 tables;		/* out: page-table pages visited (all levels) */
	__u64 __reserved[2];	/* in: must be 0 */
};
#define MMSCOPE_PT_WALK_SIZE_VER0	88

/* mmscope_pt_rec.level: the page-table level that holds the leaf. */
enum mmscope_level {
	MMSCOPE_LEVEL_PTE = 1,	/* 4 KiB */
	MMSCOPE_LEVEL_PMD = 2,	/* 2 MiB (THP, hugetlb) */
	MMSCOPE_LEVEL_PUD = 3,	/* 1 GiB (hugetlb) */
};

/* mmscope_pt_rec.type: what the entry holds. */
enum mmscope_entry_type {
	MMSCOPE_ENTRY_PRESENT = 1,
	MMSCOPE_ENTRY_SWAP = 2,		/* swapped out: swap_type, offset in pfn */
	MMSCOPE_ENTRY_MIGRATION = 3,	/* page being migrated */
	MMSCOPE_ENTRY_DEVICE = 4,	/* device-private or device-exclusive */
	MMSCOPE_ENTRY_HWPOISON = 5,
	MMSCOPE_ENTRY_MARKER = 6,	/* pte marker (uffd-wp, swapin error) */
	MMSCOPE_ENTRY_OTHER = 7,	/* a non-present entry of another kind */
};

/* mmscope_pt_rec.kind: what the mapped page is. */
enum mmscope_page_kind {
	MMSCOPE_KIND_NONE = 0,		/* no page (swap entry, marker) */
	MMSCOPE_KIND_ANON = 1,
	MMSCOPE_KIND_FILE = 2,		/* page cache of a regular file */
	MMSCOPE_KIND_SHMEM = 3,		/* shmem/tmpfs/memfd, shared anon */
	MMSCOPE_KIND_KSM = 4,
	MMSCOPE_KIND_ZERO = 5,		/* the shared zero page (or huge zero page) */
	MMSCOPE_KIND_HUGETLB = 6,
	MMSCOPE_KIND_SPECIAL = 7,	/* PFN/IO map: no struct page */
};

/* mmscope_pt_rec.hw: the x86 entry's hardware bits. */
#define MMSCOPE_HW_PRESENT	(1U << 0)
#define MMSCOPE_HW_RW		(1U << 1)
#define MMSCOPE_HW_USER		(1U << 2)
#define MMSCOPE_HW_PWT		(1U << 3)
#define MMSCOPE_HW_PCD		(1U << 4)
#define MMSCOPE_HW_ACCESSED	(1U << 5)
#define MMSCOPE_HW_DIRTY	(1U << 6)
#define MMSCOPE_HW_PSE		(1U << 7)	/* leaf above PTE level */
#define MMSCOPE_HW_PAT		(1U << 8)	/* PAT bit (bit 7 in a PTE, 12 in a huge leaf) */
#define MMSCOPE_HW_GLOBAL	(1U << 9)
#define MMSCOPE_HW_NX		(1U << 10)

/* mmscope_pt_rec.sw: software bits of the entry and facts about the page. */
#define MMSCOPE_SW_SOFT_DIRTY	(1U << 0)
#define MMSCOPE_SW_UFFD_WP	(1U << 1)
#define MMSCOPE_SW_SPECIAL	(1U << 2)	/* pte_special */
#define MMSCOPE_SW_DEVMAP	(1U << 3)
#define MMSCOPE_SW_EXCLUSIVE	(1U << 4)	/* anon page marked exclusive to this mm
						 * (PageAnonExclusive / swap entry bit) */
#define MMSCOPE_SW_LARGE	(1U << 5)	/* page belongs to a large folio (THP) */
#define MMSCOPE_SW_PAGE_DIRTY	(1U << 6)	/* the page (not the entry) is dirty */
#define MMSCOPE_SW_LOCKED_VMA	(1U << 7)	/* VMA is mlocked */

/*
 * The names the debugfs "pagetable" file prints for a record's level, type,
 * kind and bits, in enum and bit order (index 0 of the level and type lists
 * is unused): one list for the module, the tests and tools, as the fault
 * class names below.
 */
#define MMSCOPE_LEVEL_NAMES	"?", "pte", "pmd", "pud"
#define MMSCOPE_ENTRY_NAMES	"none", "present", "swap", "migration", "device", \
				"hwpoison", "marker", "other"
#define MMSCOPE_KIND_NAMES	"none", "anon", "file", "shmem", "ksm", "zero", "hugetlb", \
				"special"
#define MMSCOPE_HW_NAMES	"P", "RW", "USR", "PWT", "PCD", "A", "D", "PSE", "PAT", "G", "NX"
#define MMSCOPE_SW_NAMES	"sd", "uw", "sp", "dm", "ex", "lg", "pd", "lk"

struct mmscope_pt_rec {
	__u64 addr;		/* first virtual address */
	__u64 nr_pages;		/* 4 KiB pages covered */
	__u64 pfn;		/* PRESENT: first PFN; SWAP: swap offset; else 0.
				 * 0 unless the opener has CAP_SYS_ADMIN. */
	__u64 vma_start;	/* start of the VMA holding addr */
	__u32 hw;		/* MMSCOPE_HW_* */
	__u32 sw;		/* MMSCOPE_SW_* */
	__u32 mapcount;		/* mappings of the first page (0 without page) */
	__u8 level;		/* enum mmscope_level */
	__u8 type;		/* enum mmscope_entry_type */
	__u8 kind;		/* enum mmscope_page_kind */
	__u8 pkey;		/* protection key */
	__u8 swap_type;		/* SWAP: swap area index */
	__u8 __pad[7];		/* out: 0 */
};
#define MMSCOPE_PT_REC_SIZE_VER0	56

/*
 * A dense entry (MMSCOPE_WALK_DENSE): the record's fields of one page, in
 * 64 bits.  0 is an empty page (no entry, no table, no VMA).
 *   bits 61-63  type (enum mmscope_entry_type; 0 = empty)
 *   bits 58-60  kind (enum mmscope_page_kind)
 *   bits 56-57  level (enum mmscope_level)
 *   bit  55     soft-dirty (MMSCOPE_SW_SOFT_DIRTY)
 *   bit  54     uffd-wp (MMSCOPE_SW_UFFD_WP)
 *   bit  53     exclusive (MMSCOPE_SW_EXCLUSIVE)
 *   bits 0-52   by type:
 *     PRESENT: bits 0-39 the PFN (x86-64 addresses 52 bits: 40 bits of
 *              PFN), bits 40-48 the flags below;
 *     SWAP:    bits 0-4 the swap area (as pagemap), bits 5-52 the offset
 *              (48 bits: x86-64 swap entries hold 50, and an offset of
 *              2^48 pages, 1 EiB of swap, reads as type OTHER);
 *     other types: 0 (as the record's pfn field).
 */
#define MMSCOPE_PT_DENSE_SIZE		8
#define MMSCOPE_DENSE_TYPE(e)		((unsigned int)((e) >> 61))
#define MMSCOPE_DENSE_KIND(e)		((unsigned int)((e) >> 58) & 7)
#define MMSCOPE_DENSE_LEVEL(e)		((unsigned int)((e) >> 56) & 3)
#define MMSCOPE_DENSE_SOFT_DIRTY	(1ULL << 55)
#define MMSCOPE_DENSE_UFFD_WP		(1ULL << 54)
#define MMSCOPE_DENSE_EXCLUSIVE		(1ULL << 53)
#define MMSCOPE_DENSE_PFN(e)		((e) & ((1ULL << 40) - 1))
#define MMSCOPE_DENSE_RW		(1ULL << 40)	/* PRESENT: MMSCOPE_HW_RW */
#define MMSCOPE_DENSE_USER		(1ULL << 41)	/* MMSCOPE_HW_USER */
#define MMSCOPE_DENSE_ACCESSED		(1ULL << 42)	/* MMSCOPE_HW_ACCESSED */
#define MMSCOPE_DENSE_DIRTY		(1ULL << 43)	/* MMSCOPE_HW_DIRTY (the entry's) */
#define MMSCOPE_DENSE_NX		(1ULL << 44)	/* MMSCOPE_HW_NX */
#define MMSCOPE_DENSE_LARGE		(1ULL << 45)	/* MMSCOPE_SW_LARGE */
#define MMSCOPE_DENSE_PAGE_DIRTY	(1ULL << 46)	/* MMSCOPE_SW_PAGE_DIRTY */
#define MMSCOPE_DENSE_SHARED		(1ULL << 47)	/* the record's mapcount >= 2 */
#define MMSCOPE_DENSE_SPECIAL		(1ULL << 48)	/* MMSCOPE_SW_SPECIAL */
#define MMSCOPE_DENSE_SWAP_TYPE(e)	((unsigned int)(e) & 0x1f)
#define MMSCOPE_DENSE_SWAP_OFFSET(e)	(((e) & ((1ULL << 53) - 1)) >> 5)

#define MMSCOPE_IOC_MM_SUMMARY	_IOWR(MMSCOPE_IOC_MAGIC, _MMSCOPE_IOC_MM_SUMMARY, struct mmscope_mm_summary)
#define MMSCOPE_IOC_PT_WALK	_IOWR(MMSCOPE_IOC_MAGIC, _MMSCOPE_IOC_PT_WALK, struct mmscope_pt_walk)

/*
 * Page faults of tracked processes.  Every fault of a tracked process's
 * threads (a CPU fault in user mode, or one the kernel takes on its behalf:
 * GUP, populate, mlock, uaccess) is classified along five axes, one class
 * each; the sum over every axis is the total.  Documentation/faults.md says
 * which kernel path produces each class.
 */
enum mmscope_fault_origin {
	MMSCOPE_ORIGIN_USER,
	MMSCOPE_ORIGIN_KERNEL,
	MMSCOPE_NR_ORIGINS
};
enum mmscope_fault_access {
	MMSCOPE_ACCESS_READ,
	MMSCOPE_ACCESS_WRITE,
	MMSCOPE_ACCESS_EXEC,
	MMSCOPE_NR_ACCESSES
};
enum mmscope_fault_result {
	MMSCOPE_RESULT_MINOR,
	MMSCOPE_RESULT_MAJOR,
	MMSCOPE_RESULT_RETRY,
	MMSCOPE_RESULT_SIGSEGV,
	MMSCOPE_RESULT_SIGBUS,
	MMSCOPE_RESULT_OOM,
	MMSCOPE_NR_RESULTS
};
enum mmscope_fault_memory {
	MMSCOPE_MEM_ANON,
	MMSCOPE_MEM_FILE,
	MMSCOPE_MEM_SHMEM,
	MMSCOPE_MEM_HUGETLB,
	MMSCOPE_MEM_SPECIAL,
	MMSCOPE_MEM_NONE,	/* no VMA known (SIGSEGV before handle_mm_fault) */
	MMSCOPE_NR_MEMS
};
enum mmscope_fault_cause {
	MMSCOPE_CAUSE_ZERO_PAGE,
	MMSCOPE_CAUSE_ANON_NEW,
	MMSCOPE_CAUSE_COW_COPY,
	MMSCOPE_CAUSE_WP_REUSE,
	MMSCOPE_CAUSE_CACHE_HIT,
	MMSCOPE_CAUSE_CACHE_MISS,
	MMSCOPE_CAUSE_SWAPIN_CACHE,
	MMSCOPE_CAUSE_SWAPIN_IO,
	MMSCOPE_CAUSE_THP_ALLOC,
	MMSCOPE_CAUSE_THP_FALLBACK,
	MMSCOPE_CAUSE_HUGETLB,
	MMSCOPE_CAUSE_NUMA_HINT,
	MMSCOPE_CAUSE_UFFD,
	MMSCOPE_CAUSE_MIGRATION_WAIT,
	MMSCOPE_CAUSE_OTHER,
	MMSCOPE_NR_CAUSES
};

/*
 * The class names, in enum order: what the debugfs "faults" file prints
 * ("AXIS CLASS COUNT" lines) and what tools should show.  One list for the
 * module, the tests and tools: { MMSCOPE_CAUSE_NAMES } makes an array.
 */
#define MMSCOPE_ORIGIN_NAMES	"user", "kernel"
#define MMSCOPE_ACCESS_NAMES	"read", "write", "exec"
#define MMSCOPE_RESULT_NAMES	"minor", "major", "retry", "sigsegv", "sigbus", "oom"
#define MMSCOPE_MEM_NAMES	"anon", "file", "shmem", "hugetlb", "special", "none"
#define MMSCOPE_CAUSE_NAMES	"zero_page", "anon_new", "cow_copy", "wp_reuse", "cache_hit", \
				"cache_miss", "swapin_cache", "swapin_io", "thp_alloc", \
				"thp_fallback", "hugetlb", "numa_hint", "uffd", \
				"migration_wait", "other"

/*
 * MMSCOPE_IOC_TRACK: start (or with MMSCOPE_TRACK_REMOVE stop) tracking a
 * process; the same table as debugfs "track".  Errors: -EINVAL unknown
 * flags/reserved, REMOVE with CHILDREN or ON_CLOSE, -ESRCH no such process,
 * -EEXIST already tracked, -ENOENT (remove) not tracked, -ENOSPC too many
 * tracked (MMSCOPE_TRACK_MAX).
 *
 * MMSCOPE_TRACK_ON_CLOSE (MMSCOPE_FEATURE_TRACK_ON_CLOSE) ties the entry to
 * the open file the call was made on: when that file is released (closed by
 * every holder, or its process killed) the process is untracked, and so are
 * its children tracked through MMSCOPE_TRACK_CHILDREN.  A tool killed with
 * SIGKILL leaves nothing tracked behind.  REMOVE and the debugfs track file
 * still untrack such an entry at any time.
 */
/*
 * At most this many processes are tracked at once (the 65th TRACK is
 * -ENOSPC).  ABI promise: a module of this API version tracks exactly this
 * many, never fewer; a later API version may raise it, never lower it.
 */
#define MMSCOPE_TRACK_MAX	64
#define MMSCOPE_TRACK_REMOVE	(1U << 0)
#define MMSCOPE_TRACK_CHILDREN	(1U << 1)	/* also track processes it forks */
#define MMSCOPE_TRACK_ON_CLOSE	(1U << 2)	/* untrack when this file is released */
#define MMSCOPE_TRACK_FLAGS_ALL	(MMSCOPE_TRACK_REMOVE | MMSCOPE_TRACK_CHILDREN | \
				 MMSCOPE_TRACK_ON_CLOSE)

struct mmscope_track {
	__u32 size;		/* in: sizeof(struct mmscope_track) */
	__u32 flags;		/* in: MMSCOPE_TRACK_* */
	__s32 pid;		/* in: tgid, 0 = caller */
	__u32 __reserved0;	/* in: must be 0 */
	__u64 __reserved[2];	/* in: must be 0 */
};
#define MMSCOPE_TRACK_SIZE_VER0	32

/* MMSCOPE_IOC_FAULT_STATS: the counters of one tracked process. */
#define MMSCOPE_FAULT_TOP_VMAS	8

struct mmscope_fault_vma {
	__u64 start, end;	/* the VMA when its first fault was seen */
	__u64 faults;
	__u64 cause[16];	/* by enum mmscope_fault_cause */
};

#define MMSCOPE_FAULT_EXITED	(1U << 0)	/* out: the process has exited */

struct mmscope_fault_stats {
	__u32 size;		/* in: sizeof(struct mmscope_fault_stats) */
	__u32 flags;		/* in: must be 0; out: MMSCOPE_FAULT_EXITED */
	__s32 pid;		/* in: a tracked tgid (-ENOENT if not tracked) */
	__u32 nr_vmas;		/* out: entries used in vmas[] */
	__u64 total;		/* out: faults seen */
	__u64 origin[4];	/* out: by enum, unused slots 0 */
	__u64 access[4];
	__u64 result[8];
	__u64 memory[8];
	__u64 cause[16];
	__u64 faultaround_pages;	/* pages mapped around cache-hit faults */
	__u64 missed;		/* faults the probe could not follow (module-wide) */
	__u64 other_vmas;	/* faults in VMAs beyond the tracked table */
	__u64 __reserved[4];
	struct mmscope_fault_vma vmas[MMSCOPE_FAULT_TOP_VMAS];	/* most faults first */
};
#define MMSCOPE_FAULT_STATS_SIZE_VER0	1616

/*
 * MMSCOPE_IOC_FAULT_STREAM: turn this open file into a fault event stream.
 * read() then returns whole struct mmscope_fault_event records (a buffer
 * smaller than one record: -EINVAL), blocking unless O_NONBLOCK (-EAGAIN);
 * poll() reports EPOLLIN when records wait.  The ring holds ring_records
 * (a power of two, 16 to 65536); when it is full new events are dropped and
 * counted: the next record delivered carries the count in "dropped", and
 * FAULT_STREAM called again reports the total.  A slow reader never slows
 * the traced process beyond the dropping.
 *
 * MMSCOPE_STREAM_WATERMARK (MMSCOPE_FEATURE_STREAM_WATERMARK) sets how many
 * records must wait before a blocked read() returns or poll() reports
 * EPOLLIN (default 1, every record): a reader that keeps up then wakes once
 * per watermark rather than once per event.  Records below the watermark
 * are never held longer than MMSCOPE_STREAM_FLUSH_MS after the first of
 * them came; a read() with O_NONBLOCK returns whatever waits.  A later call
 * with the flag sets a new watermark at once; a later call without it
 * leaves it; every call reports the one in force.
 *
 * Errors: -EINVAL bad flags, reserved or ring size, a watermark without the
 * flag, or with it 0 or above ring_records / 2; -EBUSY already a stream
 * with another ring size.
 */
#define MMSCOPE_STREAM_WATERMARK	(1U << 0)	/* watermark is set */
#define MMSCOPE_STREAM_FLAGS_ALL	MMSCOPE_STREAM_WATERMARK
#define MMSCOPE_STREAM_FLUSH_MS		10

struct mmscope_fault_stream {
	__u32 size;		/* in: sizeof(struct mmscope_fault_stream) */
	__u32 flags;		/* in: MMSCOPE_STREAM_* */
	__s32 pid;		/* in: only this tracked tgid; 0 = every tracked one */
	__u32 ring_records;	/* in: ring size in records */
	__u64 dropped;		/* out: records dropped so far on this file */
	__u64 delivered;	/* out: records read so far on this file */
	__u32 watermark;	/* in (with MMSCOPE_STREAM_WATERMARK, else 0);
				 * out: the stream's watermark */
	__u32 __reserved0;	/* in: must be 0 */
	__u64 __reserved1;	/* in: must be 0 */
};
#define MMSCOPE_FAULT_STREAM_SIZE_VER0	48

struct mmscope_fault_event {
	__u64 time_ns;		/* ktime_get_ns() when the fault returned */
	__u64 address;		/* faulting address */
	__u64 ip;		/* user instruction pointer (0 for kernel origin) */
	__u64 vma_start;
	__u64 latency_ns;	/* time spent in handle_mm_fault(); 0 when
				 * the fault began before any stream or
				 * trace consumer existed */
	__u32 pid, tid;		/* tgid and thread, in the initial pid namespace */
	__u8 origin, access, result, memory, cause;
	__u8 __pad[3];
	__u32 faultaround;	/* extra pages mapped by fault-around */
	__u32 dropped;		/* events dropped just before this one */
};
#define MMSCOPE_FAULT_EVENT_SIZE	64

#define MMSCOPE_IOC_TRACK	_IOW(MMSCOPE_IOC_MAGIC, _MMSCOPE_IOC_TRACK, struct mmscope_track)
#define MMSCOPE_IOC_FAULT_STATS	_IOWR(MMSCOPE_IOC_MAGIC, _MMSCOPE_IOC_FAULT_STATS, struct mmscope_fault_stats)
#define MMSCOPE_IOC_FAULT_STREAM _IOWR(MMSCOPE_IOC_MAGIC, _MMSCOPE_IOC_FAULT_STREAM, struct mmscope_fault_stream)

/*
 * Physical memory (MMSCOPE_FEATURE_PHYS_MEMORY): snapshots of the zones, the
 * buddy free lists, the LRU lists, and the module's own cost of taking them.
 * Documentation/physical-memory.md describes every field and how each one
 * compares with /proc/zoneinfo, /proc/pagetypeinfo and /proc/vmstat.
 *
 * Every command takes struct mmscope_phys_snap and writes an array of its
 * own record type to buf, rec_size apart (bytes past the record the module
 * knows are zeroed).  The snapshot is taken in one pass; when buf holds
 * fewer records than the pass produced, the first ones are written and
 * nr_total says how many there were (call again with a larger buffer;
 * buf_len 0 only counts).  Figures are pages unless a name says otherwise.
 *
 * Errors: -EINVAL unknown flags, nonzero reserved fields, or rec_size not a
 * multiple of 8, below the record's SIZE_VER0 or above 4096; -EFAULT buf
 * not writable; -ENOMEM; -EINTR a fatal signal arrived during the pass;
 * -ENODATA (PHYS_SLAB only) the module was loaded without a valid slab layout.
 */
struct mmscope_phys_snap {
	__u32 size;		/* in: sizeof(struct mmscope_phys_snap) */
	__u32 flags;		/* in: must be 0 */
	__u32 rec_size;		/* in: sizeof() of the record type the caller knows */
	__u32 __reserved0;	/* in: must be 0 */
	__u64 buf;		/* in: user pointer to the records */
	__u64 buf_len;		/* in: bytes at buf (0: count only) */
	__u64 nr_recs;		/* out: records written */
	__u64 nr_total;		/* out: records the pass produced */
	__u64 __reserved[2];	/* in: must be 0 */
};
#define MMSCOPE_PHYS_SNAP_SIZE_VER0	64

#define MMSCOPE_MAX_ZONES	8	/* room for MAX_NR_ZONES */
#define MMSCOPE_MAX_ORDERS	16	/* room for MAX_ORDER / NR_PAGE_ORDERS */

/* mmscope_zone_rec.stat[]: the zone's NR_* counters, /proc/zoneinfo names. */
enum mmscope_zone_stat {
	MMSCOPE_ZS_FREE_PAGES,		/* nr_free_pages */
	MMSCOPE_ZS_INACTIVE_ANON,	/* nr_zone_inactive_anon */
	MMSCOPE_ZS_ACTIVE_ANON,		/* nr_zone_active_anon */
	MMSCOPE_ZS_INACTIVE_FILE,	/* nr_zone_inactive_file */
	MMSCOPE_ZS_ACTIVE_FILE,		/* nr_zone_active_file */
	MMSCOPE_ZS_UNEVICTABLE,		/* nr_zone_unevictable */
	MMSCOPE_ZS_WRITE_PENDING,	/* nr_zone_write_pending */
	MMSCOPE_ZS_MLOCK,		/* nr_mlock */
	MMSCOPE_ZS_BOUNCE,		/* nr_bounce */
	MMSCOPE_ZS_ZSPAGES,		/* nr_zspages (0 without zsmalloc) */
	MMSCOPE_ZS_FREE_CMA,		/* nr_free_cma */
	MMSCOPE_ZS_UNACCEPTED,		/* nr_unaccepted (0 before 6.5) */
	MMSCOPE_ZS_NR,
};
/* The names /proc/zoneinfo and /proc/vmstat use, in MMSCOPE_ZS_* order. */
#define MMSCOPE_ZS_NAMES	"nr_free_pages", "nr_zone_inactive_anon", "nr_zone_active_anon", \
				"nr_zone_inactive_file", "nr_zone_active_file", \
				"nr_zone_unevictable", "nr_zone_write_pending", "nr_mlock", \
				"nr_bounce", "nr_zspages", "nr_free_cma", "nr_unaccepted"
#define MMSCOPE_ZONE_STATS	16	/* room in mmscope_zone_rec.stat[] */

/* MMSCOPE_IOC_PHYS_ZONES: one record per zone of every online node. */
struct mmscope_zone_rec {
	__u32 node;
	__u32 zone;		/* index in the node (ZONE_DMA = 0, ...) */
	char name[16];		/* "DMA", "DMA32", "Normal", "Movable", ... */
	__u64 start_pfn;
	__u64 spanned;
	__u64 present;
	__u64 managed;
	__u64 cma;
	__u64 min;		/* watermarks including the boost, as zoneinfo */
	__u64 low;
	__u64 high;
	__u64 boost;		/* watermark_boost */
	__u64 reserved_highatomic;
	__u64 protection[MMSCOPE_MAX_ZONES];	/* lowmem_reserve[], nr_zones used */
	__u32 nr_zones;		/* MAX_NR_ZONES of the running kernel */
	__u32 populated;	/* 1 if managed pages > 0 */
	__u64 pcp_count;	/* pages on the per-CPU free lists, all CPUs */
	__u64 pcp_high;		/* sum of the per-CPU high marks */
	__u32 pcp_batch;	/* pageset batch */
	__u32 stat_threshold;	/* largest per-CPU counter threshold: each
				 * counter may lag by threshold x CPUs */
	__u64 stat[MMSCOPE_ZONE_STATS];	/* enum mmscope_zone_stat */
	__u64 __reserved[4];	/* out: 0 */
};
#define MMSCOPE_ZONE_REC_SIZE_VER0	360

/* Migratetypes, as /proc/pagetypeinfo names them. */
enum mmscope_migratetype {
	MMSCOPE_MT_UNMOVABLE,
	MMSCOPE_MT_MOVABLE,
	MMSCOPE_MT_RECLAIMABLE,
	MMSCOPE_MT_HIGHATOMIC,
	MMSCOPE_MT_CMA,
	MMSCOPE_MT_ISOLATE,
	MMSCOPE_MT_NR,
};
#define MMSCOPE_MIGRATETYPES	8	/* room in the buddy arrays */

/*
 * MMSCOPE_IOC_PHYS_BUDDY: one record per populated zone.  The free lists of
 * each order are walked under zone->lock in one hold, with nr_free read in
 * the same hold, so walked[order][*] adds up to nr_free[order] unless a list
 * reached the cap (MMSCOPE_BUDDY_CAP entries per hold, as pagetypeinfo).
 */
#define MMSCOPE_BUDDY_CAP	100000
struct mmscope_buddy_rec {
	__u32 node;
	__u32 zone;
	char name[16];
	__u32 nr_orders;	/* orders of the running kernel (11 on x86-64) */
	__u32 pb_order;		/* pageblock order (9: 2 MiB blocks) */
	__u64 nr_free[MMSCOPE_MAX_ORDERS];	/* free_area[order].nr_free */
	__u64 walked[MMSCOPE_MAX_ORDERS][MMSCOPE_MIGRATETYPES];	/* list entries */
	__u32 capped[MMSCOPE_MAX_ORDERS];	/* bit (1 << mt): walk of that list
						 * stopped at the cap */
	__u64 pageblocks[MMSCOPE_MIGRATETYPES];	/* pageblocks per migratetype */
	__s32 unusable[MMSCOPE_MAX_ORDERS];	/* unusable free index x 1000 */
	__s32 fragmentation[MMSCOPE_MAX_ORDERS];/* fragmentation index x 1000;
						 * -1000: a free block is there */
	__u64 free_pages;	/* NR_FREE_PAGES after the walk */
	__u64 __reserved[4];	/* out: 0 */
};
#define MMSCOPE_BUDDY_REC_SIZE_VER0	1480

/* mmscope_lru_rec.lists index: the kernel's enum lru_list order. */
enum mmscope_lru {
	MMSCOPE_LRU_INACTIVE_ANON,
	MMSCOPE_LRU_ACTIVE_ANON,
	MMSCOPE_LRU_INACTIVE_FILE,
	MMSCOPE_LRU_ACTIVE_FILE,
	MMSCOPE_LRU_UNEVICTABLE,
	MMSCOPE_LRU_NR,
};

/* mmscope_lru_rec.flag_folios index: folios seen with each page flag. */
enum mmscope_lru_flag {
	MMSCOPE_LF_REFERENCED,
	MMSCOPE_LF_ACTIVE,
	MMSCOPE_LF_DIRTY,
	MMSCOPE_LF_WRITEBACK,
	MMSCOPE_LF_SWAPBACKED,
	MMSCOPE_LF_MLOCKED,
	MMSCOPE_LF_WORKINGSET,
	MMSCOPE_LF_LARGE,	/* folio of more than one page */
	MMSCOPE_LF_NR,
};

#define MMSCOPE_LRU_MGLRU	(1U << 0)	/* lruvec runs the multi-gen LRU */
#define MMSCOPE_LRU_OFFLINE	(1U << 1)	/* memcg offline (being freed) */
#define MMSCOPE_LRU_NOMEMCG	(1U << 2)	/* memcg disabled: node lruvec,
						 * lists[] from zone counters */
#define MMSCOPE_LRU_GENS	4		/* room for MAX_NR_GENS */
#define MMSCOPE_LRU_WALK_CAP	4096		/* folios per list per hold */

/*
 * MMSCOPE_IOC_PHYS_LRU: one record per (memory cgroup, node) lruvec, the
 * cgroups in pre-order from the root.  lists[] are the lruvec's own pages
 * (not its descendants'); under MGLRU the anon and file pages of the two
 * youngest generations count as active, as the kernel's own statistics do.
 */
struct mmscope_lru_rec {
	__u64 cgroup_id;	/* the memcg's cgroup id: the inode number of its
				 * cgroup2 directory; 1 = root; 0 = no memcg */
	__u32 node;
	__u32 flags;		/* MMSCOPE_LRU_* */
	__u64 lists[MMSCOPE_LRU_NR];	/* pages, enum mmscope_lru */
	/* multi-gen LRU (MMSCOPE_LRU_MGLRU), generations by age: [0] youngest */
	__u64 max_seq;
	__u64 min_seq[2];	/* anon, file */
	__u32 nr_gens;		/* generations in use: max_seq - min(min_seq) + 1 */
	__u32 __pad0;
	__s64 gen_pages[MMSCOPE_LRU_GENS][2];	/* [age][anon, file]; seq = max_seq - age;
						 * may be briefly negative (kernel's own
						 * counts are eventually consistent) */
	/* bounded walk of the lists under lru_lock (never the unevictable one) */
	__u64 walk_lists;	/* lists walked (one lock hold each) */
	__u64 walk_capped;	/* of those, stopped at MMSCOPE_LRU_WALK_CAP */
	__u64 walk_folios;	/* folios visited */
	__u64 walk_pages;	/* pages in them */
	__u64 walk_expected;	/* the walked lists' counters, read in the same holds */
	__u64 flag_folios[MMSCOPE_LF_NR];	/* enum mmscope_lru_flag */
	__u64 __reserved[4];	/* out: 0 */
};
#define MMSCOPE_LRU_REC_SIZE_VER0	288

/*
 * MMSCOPE_IOC_PHYS_SLAB: one record per slab cache, in the order of the
 * kernel's cache list (the order of /proc/slabinfo), with slabinfo's
 * figures computed as the running kernel computes them.  The slab
 * allocator's internals are private: the module reads them only when it was
 * loaded with their layout (scripts/mmscope-load); otherwise -ENODATA.
 * Caches are read in batches of MMSCOPE_SLAB_BATCH per slab_mutex hold; a
 * cache created or destroyed between batches may be missed or seen twice
 * (as slabinfo read in several chunks).
 */
#define MMSCOPE_SLAB_NAME_LEN	64
#define MMSCOPE_SLAB_NODES	16	/* room in the per-node arrays */
#define MMSCOPE_SLAB_BATCH	32	/* caches per slab_mutex hold */
#define MMSCOPE_SLAB_PARTIAL_CAP 10000	/* partial slabs per node and hold */

#define MMSCOPE_SLAB_ESTIMATED	(1U << 0)	/* a node had more partial slabs than
						 * the cap: partial_free extrapolated from
						 * the cap's worth at both ends of the list,
						 * as 6.12's count_partial_free_approx() */
#define MMSCOPE_SLAB_NODES_CUT	(1U << 1)	/* a node id >= MMSCOPE_SLAB_NODES:
						 * node_*[] hold the first ones only */
#define MMSCOPE_SLAB_MISMATCH	(1U << 2)	/* a partial slab did not point back at
						 * its cache: walk stopped, figures
						 * incomplete (layout wrong or list changing) */

struct mmscope_slab_rec {
	char name[MMSCOPE_SLAB_NAME_LEN];	/* NUL-terminated, cut to fit */
	__u64 cache_flags;	/* kmem_cache.flags: the running kernel's SLAB_* bits */
	__u32 size;		/* bytes per object slot, metadata included
				 * (slabinfo's <objsize>) */
	__u32 object_size;	/* bytes the cache's users asked for */
	__u32 objs_per_slab;
	__u32 pages_per_slab;
	__s32 refcount;		/* kmem_cache_create() calls this cache answers:
				 * above 1 when others were merged into it
				 * (their names are the aliases in /sys/kernel/slab);
				 * -1 for boot caches, never merged */
	__u32 flags;		/* MMSCOPE_SLAB_* */
	__u64 active_objs;	/* num_objs less the free objects on partial slabs,
				 * as slabinfo (free objects of per-CPU slabs count
				 * as active there too) */
	__u64 num_objs;		/* objects in all slabs */
	__u64 active_slabs;	/* = num_slabs, as slabinfo prints for SLUB */
	__u64 num_slabs;
	__u64 partial_slabs;	/* on the node partial lists, all nodes */
	__u64 partial_free;	/* free objects in those (see ESTIMATED) */
	__u64 partial_walked;	/* partial slabs visited to count them */
	__u32 nr_nodes;		/* nodes with a kmem_cache_node */
	__u32 __pad0;
	__u64 node_partial[MMSCOPE_SLAB_NODES];	/* partial slabs per node id */
	__u64 node_slabs[MMSCOPE_SLAB_NODES];	/* slabs per node id */
	__u64 __reserved[4];	/* out: 0 */
};
#define MMSCOPE_SLAB_REC_SIZE_VER0	448

/*
 * MMSCOPE_IOC_PHYS_PAGEBLOCKS (MMSCOPE_FEATURE_PAGEBLOCKS): one record per
 * pageblock of every populated zone, zones in node and zone order, blocks in
 * PFN order: the block's migratetype and what its pages are.  Each page is
 * classified from its own flags, read without a lock or a reference (as
 * /proc/kpageflags reads them), in the order of enum mmscope_pb_class: the
 * first class that fits.  A page may change while the pass reads it, so the
 * record is a picture of a moment per block, not a reconciled census.  A
 * block partly outside its zone (the zone starts or ends inside it) counts
 * the pages outside as MMSCOPE_PB_HOLE.  The pass reschedules between blocks
 * and stops with -EINTR on a fatal signal; it takes no lock.
 */
enum mmscope_pb_class {
	MMSCOPE_PB_HOLE,	/* outside the zone, or no online memmap (offline, absent) */
	MMSCOPE_PB_FREE,	/* in the buddy allocator's free lists */
	MMSCOPE_PB_RESERVED,	/* PG_reserved: memblock, firmware, the kernel image */
	MMSCOPE_PB_HUGETLB,	/* a hugetlbfs page, free or in use */
	MMSCOPE_PB_SLAB,	/* a slab's page */
	MMSCOPE_PB_PGTABLE,	/* a page table (the levels the kernel types) */
	MMSCOPE_PB_ANON,	/* anonymous: KSM and swap cache included */
	MMSCOPE_PB_SHMEM,	/* page cache, swap-backed: tmpfs, shmem, memfd */
	MMSCOPE_PB_FILE,	/* page cache of a file, or on an LRU list otherwise */
	MMSCOPE_PB_UNREF,	/* refcount 0 and not free: per-CPU lists, being freed */
	MMSCOPE_PB_KERNEL,	/* referenced and none of the above: stacks, vmalloc,
				 * large kmalloc, drivers */
	MMSCOPE_PB_NR,
};
#define MMSCOPE_PB_NAMES	"hole", "free", "reserved", "hugetlb", "slab", "pgtable", "anon", \
				"shmem", "file", "unref", "kernel"
#define MMSCOPE_PB_CLASSES	16	/* room in mmscope_pageblock_rec.pages[] */
#define MMSCOPE_PB_NO_FREE	0xffU	/* free_max_order: no free block starts here */

struct mmscope_pageblock_rec {
	__u64 start_pfn;	/* the block's first PFN (pageblock-aligned) */
	__u32 node;
	__u32 nr_pages;		/* pages a block (pageblock_nr_pages) */
	char zone[8];		/* the zone's name, as /proc/zoneinfo; NUL-terminated */
	__u32 migratetype;	/* MMSCOPE_MT_*, as pagetypeinfo counts the block */
	__u32 dominant;		/* the class with the most pages (a tie: the lower) */
	__u32 pages[MMSCOPE_PB_CLASSES];	/* pages per enum mmscope_pb_class */
	__u32 free_max_order;	/* order of the largest free block starting in the
				 * block, or MMSCOPE_PB_NO_FREE */
	__u32 __pad0;		/* out: 0 */
	__u64 __reserved[2];	/* out: 0 */
};
#define MMSCOPE_PAGEBLOCK_REC_SIZE_VER0	120

/* mmscope_phys_stat_rec.view */
enum mmscope_phys_view {
	MMSCOPE_VIEW_ZONES,
	MMSCOPE_VIEW_BUDDY,
	MMSCOPE_VIEW_LRU,
	MMSCOPE_VIEW_SLAB,
	MMSCOPE_VIEW_PAGEBLOCKS,
	MMSCOPE_VIEW_NR,
};

/*
 * MMSCOPE_IOC_PHYS_STATS: one record per view: what taking it cost.  A
 * "hold" is one stretch with a lock held (zone->lock, lru_lock or a slab
 * node's list_lock, with interrupts off); zones takes no lock.  "last" is the read that finished
 * most recently, "worst" the maximum since the module was loaded.
 */
struct mmscope_phys_stat_rec {
	__u32 view;		/* enum mmscope_phys_view */
	__u32 __pad0;
	__u64 reads;		/* passes completed */
	__u64 holds;		/* lock holds in all passes */
	__u64 last_read_ns;	/* duration of the last pass */
	__u64 worst_read_ns;
	__u64 last_hold_ns;	/* longest hold of the last pass */
	__u64 last_hold_entries;	/* entries visited in that hold */
	__u64 worst_hold_ns;
	__u64 worst_hold_entries;	/* entries visited in the worst hold */
	__u64 max_hold_entries;	/* most entries in any one hold */
	__u64 __reserved[2];	/* out: 0 */
};
#define MMSCOPE_PHYS_STAT_REC_SIZE_VER0	96

/*
 * The module itself (MMSCOPE_FEATURE_INTROSPECT): what the debugfs files
 * "track" and "memory" show, as records.  Both commands take struct
 * mmscope_phys_snap and follow its rules above (short buffer, nr_total,
 * buf_len 0 counts only); errors: -EINVAL (flags, reserved, rec_size),
 * -EFAULT, -ENOMEM.
 *
 * MMSCOPE_IOC_TRACKED: one record per tracked process, in the order they
 * joined the table (at most MMSCOPE_TRACK_MAX; none is not an error).  The
 * table is read under its lock in one pass, so the list is one moment's.
 */
#define MMSCOPE_TRACKED_EXITED		(1U << 0)	/* the process has exited */
#define MMSCOPE_TRACKED_CHILDREN	(1U << 1)	/* its forks are tracked too */
#define MMSCOPE_TRACKED_ON_CLOSE	(1U << 2)	/* goes with the file that asked */
#define MMSCOPE_TRACKED_ADOPTED		(1U << 3)	/* a tracked parent forked it */
#define MMSCOPE_TRACKED_FLAGS_ALL	(MMSCOPE_TRACKED_EXITED | MMSCOPE_TRACKED_CHILDREN | \
					 MMSCOPE_TRACKED_ON_CLOSE | MMSCOPE_TRACKED_ADOPTED)

struct mmscope_tracked_rec {
	__s32 pid;		/* tgid, the number TRACK and the track file take */
	__u32 flags;		/* MMSCOPE_TRACKED_* */
	__u64 faults_total;	/* FAULT_STATS' total at the time of the pass */
	__s32 parent;		/* ADOPTED: the tracked process that forked it; else 0 */
	__u32 __pad0;		/* out: 0 */
	__u64 __reserved[1];	/* out: 0 */
};
#define MMSCOPE_TRACKED_REC_SIZE_VER0	32

/*
 * MMSCOPE_IOC_MODULE_MEMORY: memory the module holds between calls, by what
 * holds it: one record per kind in enum order, then one of kind
 * MMSCOPE_MODULE_MEM_TOTAL whose figures are the sums of the others.
 */
enum mmscope_module_mem_kind {
	MMSCOPE_MODULE_MEM_TRACKED,	/* tracked-process entries, children pending */
	MMSCOPE_MODULE_MEM_RINGS,	/* FAULT_STREAM rings */
	MMSCOPE_MODULE_MEM_FILES,	/* open /dev/mmscope files */
	MMSCOPE_MODULE_MEM_NR,		/* a later module may add kinds before it */
};
#define MMSCOPE_MODULE_MEM_TOTAL	0xffffffffU	/* kind of the last record */

struct mmscope_module_mem_rec {
	__u32 kind;		/* enum mmscope_module_mem_kind, or _TOTAL */
	__u32 __pad0;		/* out: 0 */
	char what[16];		/* "tracked", "rings", "files", "total"; NUL-terminated */
	__u64 bytes;		/* held now */
	__u64 objects;		/* allocations those bytes are in */
	__u64 __reserved[2];	/* out: 0 */
};
#define MMSCOPE_MODULE_MEM_REC_SIZE_VER0	56

#define MMSCOPE_IOC_TRACKED	_IOWR(MMSCOPE_IOC_MAGIC, _MMSCOPE_IOC_TRACKED, struct mmscope_phys_snap)
#define MMSCOPE_IOC_MODULE_MEMORY _IOWR(MMSCOPE_IOC_MAGIC, _MMSCOPE_IOC_MODULE_MEMORY, struct mmscope_phys_snap)

#define MMSCOPE_IOC_VMAS	_IOWR(MMSCOPE_IOC_MAGIC, _MMSCOPE_IOC_VMAS, struct mmscope_vmas)

#define MMSCOPE_IOC_PHYS_ZONES	_IOWR(MMSCOPE_IOC_MAGIC, _MMSCOPE_IOC_PHYS_ZONES, struct mmscope_phys_snap)
#define MMSCOPE_IOC_PHYS_BUDDY	_IOWR(MMSCOPE_IOC_MAGIC, _MMSCOPE_IOC_PHYS_BUDDY, struct mmscope_phys_snap)
#define MMSCOPE_IOC_PHYS_LRU	_IOWR(MMSCOPE_IOC_MAGIC, _MMSCOPE_IOC_PHYS_LRU, struct mmscope_phys_snap)
#define MMSCOPE_IOC_PHYS_STATS	_IOWR(MMSCOPE_IOC_MAGIC, _MMSCOPE_IOC_PHYS_STATS, struct mmscope_phys_snap)
#define MMSCOPE_IOC_PHYS_SLAB	_IOWR(MMSCOPE_IOC_MAGIC, _MMSCOPE_IOC_PHYS_SLAB, struct mmscope_phys_snap)
#define MMSCOPE_IOC_PHYS_PAGEBLOCKS _IOWR(MMSCOPE_IOC_MAGIC, _MMSCOPE_IOC_PHYS_PAGEBLOCKS, struct mmscope_phys_snap)

/*
 * MMSCOPE_IOC_VMAS: the VMAs of a process, one record per VMA in address
 * order: what the debugfs file tasks/PID/vmas shows, /proc/PID/maps' fields
 * plus mmscope's kind and smaps' Rss and Swap.  Records go to @buf,
 * rec_size apart; each path (or special mapping's name) goes to the string
 * area @strings, NUL-terminated, at the record's path_off.
 */
enum mmscope_vma_kind {
	MMSCOPE_VMA_ANON,	/* private or shared anonymous, not heap/stack */
	MMSCOPE_VMA_HEAP,	/* overlaps [start_brk, brk] */
	MMSCOPE_VMA_STACK,	/* holds the main thread's stack start */
	MMSCOPE_VMA_FILE,	/* a file not on tmpfs */
	MMSCOPE_VMA_SHMEM,	/* tmpfs, memfd, SysV shm, shared anonymous */
	MMSCOPE_VMA_HUGETLB,
	MMSCOPE_VMA_SPECIAL,	/* VM_PFNMAP/VM_IO, [vdso], [vvar] ... */
};
#define MMSCOPE_VMA_KIND_NAMES	"anon", "heap", "stack", "file", "shmem", "hugetlb", "special"

/* mmscope_vma_rec.flags: bit i is /proc/PID/smaps VmFlags mnemonic i. */
#define MMSCOPE_VMF_NAMES	"rd", "wr", "ex", "sh", "mr", "mw", "me", "ms", "gd", "pf", \
				"lo", "io", "sr", "rr", "dc", "de", "lf", "ac", "nr", "ht", \
				"sf", "wf", "dd", "sd", "mm", "hg", "nh", "mg", "um", "uw"
#define MMSCOPE_VMF_READ	(1ULL << 0)
#define MMSCOPE_VMF_WRITE	(1ULL << 1)
#define MMSCOPE_VMF_EXEC	(1ULL << 2)
#define MMSCOPE_VMF_MAYSHARE	(1ULL << 7)

struct mmscope_vma_rec {
	__u64 start;
	__u64 end;
	__u64 flags;		/* MMSCOPE_VMF_* */
	__u64 offset;		/* file offset in bytes; 0 without a file */
	__u64 inode;		/* 0 without a file */
	__u32 dev_major;
	__u32 dev_minor;
	__u64 rss_pages;	/* smaps' Rss (hugetlb not counted), 4 KiB pages */
	__u64 swap_pages;	/* swap entries in its page tables: smaps'
				 * Swap, less shmem pages swapped out of the
				 * page cache (smaps adds those, unmapped) */
	__u32 kind;		/* enum mmscope_vma_kind */
	__u32 path_len;		/* bytes of the path or name, no NUL; 0: none */
	__u64 path_off;		/* its offset in the string area (0 without one) */
	__u64 __reserved[2];	/* out: 0 */
};
#define MMSCOPE_VMA_REC_SIZE_VER0	96

struct mmscope_vmas {
	__u32 size;		/* in: sizeof(struct mmscope_vmas) */
	__u32 flags;		/* in: must be 0 */
	__s32 pid;		/* in: target tgid, 0 = caller */
	__u32 rec_size;		/* in: sizeof(struct mmscope_vma_rec) the caller
				 * knows; records are written rec_size apart */
	__u64 start;		/* in: VMAs that start at or above it, page-aligned */
	__u64 end;		/* in: ... and below it, page-aligned */
	__u64 buf;		/* in: user pointer to the records */
	__u64 buf_len;		/* in: bytes at buf */
	__u64 strings;		/* in: user pointer to the string area */
	__u64 strings_len;	/* in: bytes at strings (PATH_MAX always fits one) */
	__u64 walk_end;		/* out: where to resume; == end when done */
	__u64 nr_recs;		/* out: records written */
	__u64 strings_used;	/* out: bytes written at strings */
	__u64 __reserved[2];	/* in: must be 0 */
};
#define MMSCOPE_VMAS_SIZE_VER0	104

#endif /* _UAPI_LINUX_MMSCOPE_H */
