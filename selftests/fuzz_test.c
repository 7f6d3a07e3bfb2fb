// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope ioctl fuzzer: random commands, argument sizes, flags, reserved
 * fields, ranges, pids and pointers (NULL, unmapped, kernel, misaligned,
 * read-only, a struct or a record buffer that runs into a PROT_NONE page)
 * against /dev/mmscope, plus read() and poll() on files that are and are
 * not fault streams.  Targets: the caller, a quiescent child, init,
 * kthreadd, a zombie, a thread id, pids that do not exist or are negative,
 * and above all the children of a spawner process that keeps forking
 * short-lived children that map, fault and exit (some killed mid-fault), so
 * MM_SUMMARY, PT_WALK, VMAS, TRACK and FAULT_STATS meet targets that vanish.
 *
 * Every call is judged twice:
 *  - its result must be in the set Documentation/abi.md documents for the
 *    command (ops[].doc below); anything else is an undocumented errno;
 *  - it must be what the documented rules predict for this very argument
 *    (the model: argument pointer and size rule, then the fields, then the
 *    target, then the copy-out; where the documentation does not order two
 *    rules both errnos are accepted).
 * A success must be consistent: the size written back, sums, records in
 * order and in range, zeroed record tails, and bytes past the caller's size
 * or the records written never touched (canaries).  -ENOMEM and -EINTR are
 * documented, but nothing here can cause them: seeing one fails the test.
 *
 * Replay: every test prints the seed; MMSCOPE_FUZZ_SEED=<seed> repeats the
 * sequence of arguments for as long as the outcomes repeat (spawned pids,
 * and which of them exited, differ from run to run), and every failure
 * prints the call's bytes, so one call can be rebuilt exactly.
 * MMSCOPE_FUZZ_CALLS is the number of calls over all the tests (default
 * 100000), split between them by fixed shares.  The time goes mostly to
 * untracking (a synchronize_rcu() each); see fuzz_run().
 */
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <time.h>
#include <sys/prctl.h>

#include "kselftest_harness.h"
#include "mmscope_test.h"

/* The records of MMSCOPE_FEATURE_INTROSPECT: one layout for -m32 and -m64. */
_Static_assert(sizeof(struct mmscope_tracked_rec) == MMSCOPE_TRACKED_REC_SIZE_VER0,
	       "tracked record size");
_Static_assert(offsetof(struct mmscope_tracked_rec, faults_total) == 8, "faults_total offset");
_Static_assert(sizeof(struct mmscope_module_mem_rec) == MMSCOPE_MODULE_MEM_REC_SIZE_VER0,
	       "module memory record size");
_Static_assert(offsetof(struct mmscope_module_mem_rec, bytes) == 24, "bytes offset");

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif

#define PAGE		4096UL
#define IMG_MAX		4096		/* argument bytes built: up to a page */
#define CANARY		64		/* bytes checked past what was placed */
#define CANARY_BYTE	0x5a
#define PATTERN_BYTE	0xa5		/* record buffers before the call */
#define ARG_ARENA	(3 * PAGE)
#define REC_ARENA	(16 * 1024)	/* record buffers; a PROT_NONE page follows */
#define RO_SIZE		(ARG_ARENA + REC_ARENA)
#define STR_ARENA	(8 * 1024)	/* VMAS string areas; a PROT_NONE page follows */
#define PATH_ROOM	4096		/* PATH_MAX: a string area this big fits any path */
#define NFD		8		/* stream candidates: 6 O_NONBLOCK, 2 blocking */
#define NFD_NONBLOCK	6
#if __SIZEOF_POINTER__ == 8
#define SPAWN_BASE	0x300000000000UL	/* where spawned children map */
/* Addresses no task owns: past the 47-bit user half, non-canonical. */
#define HIGH_A		(1UL << 47)
#define HIGH_B		((1UL << 56) - 8)
#define HIGH_C		(1UL << 56)
#define TOP_PAGE	0x7ffffffff000UL	/* the last user page (4-level) */
#else
/*
 * The 32-bit build (fuzz_test_32) sends every ioctl through the compat entry
 * (compat_ptr_ioctl).  A 32-bit task on x86_64 owns addresses below
 * 0xffffe000 (IA32_PAGE_OFFSET), so nothing above that is ever mapped.
 */
#define SPAWN_BASE	0x20000000UL
#define HIGH_A		0xffffe000UL
#define HIGH_B		0xfffffff8UL
#define HIGH_C		0xfffff000UL
#define TOP_PAGE	0xffffd000UL		/* the last page below it */
#endif
#define SPAWN_MAX	(4UL << 20)
#define SPAWN_RING	16
#define CLEANUP_EVERY	4000		/* calls between untrack-everything */
#define MAX_RW		0x7ffff000UL	/* MAX_RW_COUNT: read() clamps to it */
#define DEFAULT_CALLS	100000
#define MAX_KEYS	128

/* ---- results ------------------------------------------------------------- */

/* A call's outcome: success or one errno; RES_x is bit x of a result set. */
enum {
	RES_OK, RES_EPERM, RES_ENOENT, RES_ESRCH, RES_EINTR, RES_EIO, RES_E2BIG, RES_EAGAIN,
	RES_ENOMEM, RES_EFAULT, RES_EBUSY, RES_EEXIST, RES_EINVAL, RES_ENOSPC, RES_ENOTTY,
	RES_EDOM, RES_ERANGE, RES_ENODATA, RES_ENOBUFS, RES_OTHER, RES_NR
};

static const int res_errno[RES_NR] = {
	0, EPERM, ENOENT, ESRCH, EINTR, EIO, E2BIG, EAGAIN, ENOMEM, EFAULT,
	EBUSY, EEXIST, EINVAL, ENOSPC, ENOTTY, EDOM, ERANGE, ENODATA, ENOBUFS, -1
};

static const char *const res_name[RES_NR] = {
	"ok", "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "E2BIG", "EAGAIN",
	"ENOMEM", "EFAULT", "EBUSY", "EEXIST", "EINVAL", "ENOSPC", "ENOTTY",
	"EDOM", "ERANGE", "ENODATA", "ENOBUFS", "other"
};

#define B(x)	(1U << RES_##x)

static int res_of(int err)
{
	int i;

	for (i = 0; i < RES_OTHER; i++)
		if (res_errno[i] == err)
			return i;
	return RES_OTHER;
}

static const char *res_set(unsigned int m, char *buf, size_t len)
{
	size_t n = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < RES_NR; i++)
		if (m & (1U << i))
			n += snprintf(buf + n, n < len ? len - n : 0, "%s%s",
				      n ? "|" : "", res_name[i]);
	if (!n)
		snprintf(buf, len, "(none)");
	return buf;
}

/* ---- the operations and what abi.md documents for each -------------------- */

enum {
	OP_GET_API, OP_MM_SUMMARY, OP_PT_WALK, OP_VMAS, OP_TRACK, OP_FAULT_STATS,
	OP_FAULT_STREAM, OP_PHYS_ZONES, OP_PHYS_BUDDY, OP_PHYS_LRU,
	OP_PHYS_STATS, OP_PHYS_SLAB, OP_TRACKED, OP_MODULE_MEMORY, OP_PHYS_PAGEBLOCKS,
	OP_NR_IOCTLS,
	OP_BAD_NUMBER = OP_NR_IOCTLS,	/* a command's number, other size/direction */
	OP_UNUSED,			/* magic 0xBE, a number nobody uses */
	OP_FOREIGN,			/* random command of another type */
	OP_READ, OP_POLL, OP_NR
};

/*
 * The common rules (abi.md "Rules every command follows"): -EINVAL, -E2BIG,
 * -EFAULT; -ENOMEM everywhere in principle (the module's owner says so, never
 * expected here).
 */
#define D_COMMON	(B(OK) | B(EINVAL) | B(E2BIG) | B(EFAULT) | B(ENOMEM))

static const struct op {
	const char *name;
	unsigned int cmd;
	__u32 ksize;		/* the argument size the module knows (VER0) */
	__u32 rec_ver0;		/* records: the first published size */
	unsigned int doc;	/* results abi.md documents */
} ops[OP_NR] = {
	[OP_GET_API] = { "GET_API", MMSCOPE_IOC_GET_API, MMSCOPE_API_SIZE_VER0, 0,
			 D_COMMON },
	/* Targets: -ESRCH (abi.md "Targets"). */
	[OP_MM_SUMMARY] = { "MM_SUMMARY", MMSCOPE_IOC_MM_SUMMARY,
			    MMSCOPE_MM_SUMMARY_SIZE_VER0, 0, D_COMMON | B(ESRCH) },
	[OP_PT_WALK] = { "PT_WALK", MMSCOPE_IOC_PT_WALK, MMSCOPE_PT_WALK_SIZE_VER0,
			 MMSCOPE_PT_REC_SIZE_VER0,
			 D_COMMON | B(EDOM) | B(ERANGE) | B(ENOBUFS) | B(ESRCH) | B(EINTR) },
	/* PT_WALK's errors; ENOBUFS also when not even the first path fits */
	[OP_VMAS] = { "VMAS", MMSCOPE_IOC_VMAS, MMSCOPE_VMAS_SIZE_VER0,
		      MMSCOPE_VMA_REC_SIZE_VER0,
		      D_COMMON | B(EDOM) | B(ERANGE) | B(ENOBUFS) | B(ESRCH) | B(EINTR) },
	[OP_TRACK] = { "TRACK", MMSCOPE_IOC_TRACK, MMSCOPE_TRACK_SIZE_VER0, 0,
		       D_COMMON | B(ESRCH) | B(EEXIST) | B(ENOENT) | B(ENOSPC) },
	/* -ENOENT not tracked; -ESRCH from the general "Targets" rule. */
	[OP_FAULT_STATS] = { "FAULT_STATS", MMSCOPE_IOC_FAULT_STATS,
			     MMSCOPE_FAULT_STATS_SIZE_VER0, 0,
			     D_COMMON | B(ENOENT) | B(ESRCH) },
	/* E2BIG: ring_records above 65536; ENOSPC: the module-wide ring cap. */
	[OP_FAULT_STREAM] = { "FAULT_STREAM", MMSCOPE_IOC_FAULT_STREAM,
			      MMSCOPE_FAULT_STREAM_SIZE_VER0, 0,
			      D_COMMON | B(ENOENT) | B(EBUSY) | B(ENOSPC) | B(ESRCH) },
	[OP_PHYS_ZONES] = { "PHYS_ZONES", MMSCOPE_IOC_PHYS_ZONES, MMSCOPE_PHYS_SNAP_SIZE_VER0,
			    MMSCOPE_ZONE_REC_SIZE_VER0, D_COMMON | B(EINTR) },
	[OP_PHYS_BUDDY] = { "PHYS_BUDDY", MMSCOPE_IOC_PHYS_BUDDY, MMSCOPE_PHYS_SNAP_SIZE_VER0,
			    MMSCOPE_BUDDY_REC_SIZE_VER0, D_COMMON | B(EINTR) },
	[OP_PHYS_LRU] = { "PHYS_LRU", MMSCOPE_IOC_PHYS_LRU, MMSCOPE_PHYS_SNAP_SIZE_VER0,
			  MMSCOPE_LRU_REC_SIZE_VER0, D_COMMON | B(EINTR) },
	[OP_PHYS_STATS] = { "PHYS_STATS", MMSCOPE_IOC_PHYS_STATS, MMSCOPE_PHYS_SNAP_SIZE_VER0,
			    MMSCOPE_PHYS_STAT_REC_SIZE_VER0, D_COMMON | B(EINTR) },
	[OP_PHYS_SLAB] = { "PHYS_SLAB", MMSCOPE_IOC_PHYS_SLAB, MMSCOPE_PHYS_SNAP_SIZE_VER0,
			   MMSCOPE_SLAB_REC_SIZE_VER0, D_COMMON | B(EINTR) | B(ENODATA) },
	/* The module itself: phys_snap's rules, no walk to interrupt. */
	[OP_TRACKED] = { "TRACKED", MMSCOPE_IOC_TRACKED, MMSCOPE_PHYS_SNAP_SIZE_VER0,
			 MMSCOPE_TRACKED_REC_SIZE_VER0, D_COMMON },
	[OP_MODULE_MEMORY] = { "MODULE_MEMORY", MMSCOPE_IOC_MODULE_MEMORY,
			       MMSCOPE_PHYS_SNAP_SIZE_VER0, MMSCOPE_MODULE_MEM_REC_SIZE_VER0,
			       D_COMMON },
	[OP_PHYS_PAGEBLOCKS] = { "PHYS_PAGEBLOCKS", MMSCOPE_IOC_PHYS_PAGEBLOCKS,
				 MMSCOPE_PHYS_SNAP_SIZE_VER0, MMSCOPE_PAGEBLOCK_REC_SIZE_VER0,
				 D_COMMON | B(EINTR) },
	[OP_BAD_NUMBER] = { "bad-size-or-dir", 0, 0, 0, B(ENOTTY) },
	[OP_UNUSED] = { "unused-0xBE", 0, 0, 0, B(ENOTTY) },
	[OP_FOREIGN] = { "foreign-type", 0, 0, 0, B(ENOTTY) },
	/*
	 * read(): -EINVAL (short buffer, not a stream), -EAGAIN (abi.md), and
	 * -EFAULT for a buffer it cannot write: read(2)'s, not in abi.md.
	 */
	[OP_READ] = { "read", 0, 0, 0, B(OK) | B(EINVAL) | B(EAGAIN) | B(EFAULT) },
	[OP_POLL] = { "poll", 0, 0, 0, B(OK) },
};

/* Results that are documented but that nothing in this test can cause. */
#define NEVER_HERE	(B(ENOMEM) | B(EINTR))

/* ---- random numbers ---------------------------------------------------- */

struct rng {
	__u64 s;
};

static __u64 rnd(struct rng *r)
{
	return mmscope_rnd(&r->s);
}

static __u64 below(struct rng *r, __u64 n)
{
	return n ? rnd(r) % n : 0;
}

static int pct(struct rng *r, unsigned int p)
{
	return below(r, 100) < p;
}

struct fz;
static int dirty(struct fz *fz);

/* One seed for the whole program, taken before the harness forks tests. */
static __u64 base_seed;

static void __attribute__((constructor)) fuzz_seed_init(void)
{
	const char *s = getenv("MMSCOPE_FUZZ_SEED");
	struct timespec ts;

	if (s && *s) {
		base_seed = strtoull(s, NULL, 0);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		base_seed = ((__u64)ts.tv_sec << 30) ^ (__u64)ts.tv_nsec ^
			    ((__u64)getpid() << 48);
	}
	if (!base_seed)
		base_seed = 1;
}

static unsigned long total_calls(void)
{
	const char *s = getenv("MMSCOPE_FUZZ_CALLS");
	unsigned long n = s && *s ? strtoul(s, NULL, 0) : DEFAULT_CALLS;

	return n ? n : DEFAULT_CALLS;
}

/* ---- pointers ------------------------------------------------------------ */

enum {
	PK_VALID, PK_MISALIGNED, PK_NULL, PK_UNMAPPED, PK_HIGH, PK_KERNEL,
	PK_RO, PK_GUARD, PK_NR
};

static const char *const pk_name[PK_NR] = {
	"valid", "misaligned", "NULL", "unmapped", "high-user", "kernel",
	"read-only", "ends-at-guard-page"
};

/* Kernel addresses: the direct map, the kernel text, the top of it all. */
static const unsigned long kernel_addrs[] = {
#if __SIZEOF_POINTER__ == 8
	0xffff888000000000UL, 0xffffffff81000000UL, 0xffffffffffffff00UL,
	0xffffffffff600000UL, 0x8000000000000000UL, 0xffff800000000000UL,
#else
	/* a pointer of a 32-bit task cannot name one: the top it cannot map */
	0xffffe000UL, 0xfffff000UL, 0xffffff00UL,
#endif
};

/* A pointer the kernel gets, and what the test knows about it. */
struct uptr {
	int kind;
	char *p;		/* passed to the kernel */
	char *view;		/* where the test sees the bytes at p (NULL: nowhere) */
	size_t rd;		/* bytes readable at p */
	size_t wr;		/* bytes writable at p */
};

/* ---- pid classes ----------------------------------------------------------- */

enum {
	PC_SELF, PC_LIVE, PC_INIT, PC_KTHREAD, PC_ZOMBIE,	/* tracked state modelled */
	PC_THREAD, PC_NONE, PC_NEG, PC_OTHER, PC_NR
};

#define PC_KNOWN	(PC_ZOMBIE + 1)

static const char *const pc_name[PC_NR] = {
	"self", "live-child", "init", "kthreadd", "zombie", "thread-id",
	"no-such-pid", "negative", "other/spawned"
};

/* ---- state ----------------------------------------------------------------- */

struct region {
	unsigned long start, end;
};

/* What the quiescent child mapped (sent back over the holder's pipe). */
struct live_map {
	int n;
	struct region r[6];
};

struct sfd {
	int fd;
	int nonblock;
	__u32 ring;		/* 0: not a stream (yet) */
	__u32 wm;		/* its watermark; 0: unknown (a copy-out failed) */
	__u64 read_recs;	/* records read() returned on this file */
	__u64 dropped;		/* last "dropped" FAULT_STREAM reported */
	/*
	 * read()s since then that failed with EFAULT: each took at least one
	 * record, and faults.md counts such records as dropped
	 */
	__u64 lost;
	/* processes tracked with MMSCOPE_TRACK_ON_CLOSE through this file */
	int nowned;
	struct { int pc; pid_t pid; } owned[MMSCOPE_TRACK_MAX];
};

/* Shared with the spawner process. */
struct spawn_shm {
	int stop;
	unsigned long n, killed;
	pid_t ring[SPAWN_RING];
};

struct opstat {
	unsigned long calls;
	unsigned long res[RES_NR];
	__u64 ns;
};

struct fkey {
	int op, res;
	const char *what, *why;
	unsigned long n;
};

struct fz {
	struct __test_metadata *meta;
	struct rng r;
	__u64 seed;
	int clean;			/* this call: valid in form, mostly */
	const char *test;
	unsigned long target;		/* calls this test makes */

	/* the system */
	int levels;
	__u64 walk_limit;		/* PT_WALK's end limit: 2^47 or 2^56 */
	__u64 uaccess_limit;		/* TASK_SIZE_MAX, for read()'s access_ok() */
	__u32 kver;
	long pid_max;
	int init_ok, kthreadd_ok, slab_ok;

	/* targets */
	pid_t self, zombie;
	pid_t tid;			/* written once by the idle thread */
	struct mmscope_holder live;
	struct live_map lm;

	/* memory */
	char *arg;			/* ARG_ARENA, read-write */
	char *ro_rw, *ro;		/* one memfd, read-write and read-only views */
	char *guard;			/* a PROT_NONE page after a read-write one */
	char *rec;			/* REC_ARENA, then a PROT_NONE page */
	char *str;			/* STR_ARENA, then a PROT_NONE page */
	char *self_mem;			/* 1 MiB of touched anonymous memory */
	unsigned long unmapped;		/* 64 KiB nobody maps */
	int top_page_unmapped;		/* 0x7ffffffff000 is free */
	struct region self_r[5];

	/* files */
	int fd;				/* plain ioctls */
	struct sfd fds[NFD];
	long held_base;			/* debugfs stats "held total" bytes, -1: none */

	/* tracking model */
	int tracked[PC_KNOWN];
	pid_t others[2 * MMSCOPE_TRACK_MAX];	/* other pids tracked, the sentinel too */
	int nothers;
	int uncertain;			/* CHILDREN: entries appear behind our back */
	unsigned long grace_until;	/* ... and may still, after a cleanup */
	unsigned long last_cleanup, late_adoptions, max_removed;

	/* the spawner (a process of its own), the idle thread, the sentinel */
	struct spawn_shm *sp;
	pid_t spawner;
	pthread_t idler;
	int idler_on;
	int idle_pipe[2];
	struct mmscope_holder sentinel;

	/* statistics */
	unsigned long calls, fails, printed;
	struct opstat os[OP_NR];
	struct fkey keys[MAX_KEYS];
	int nkeys;
	unsigned long note_stream_efault, note_vmas_echo, note_ring_enospc;
	unsigned long note_ring_cap_rings, note_poll_err, note_read_efault;
	unsigned long note_kthread_zombie_tracked, note_read_partial;
	/* where the time goes */
	__u64 ns_add, ns_rm, ns_cleanup, ns_reopen, ns_cap;
	unsigned long n_add, n_rm, n_cleanup, n_reopen;
	unsigned long adoptions;	/* spawner tracked with CHILDREN */
	unsigned long pcs[PC_NR][RES_NR];	/* results by target class */
};

/* Break the form of this argument here?  Clean calls rarely do. */
static int dirty(struct fz *fz)
{
	return !fz->clean || pct(&fz->r, 2);
}

/* One call being built, made and judged. */
struct call {
	int op;
	unsigned int cmd;
	struct sfd *sf;
	int fd;
	struct uptr a;			/* the argument */
	__u32 usize;			/* its size field */
	size_t len;			/* bytes of img placed at a.view */
	int canary;			/* CANARY bytes follow them */
	unsigned char img[IMG_MAX];	/* the argument as built */
	struct uptr b;			/* the record buffer */
	__u64 b_len;
	size_t b_chk;			/* bytes of b pattern-filled */
	struct uptr s;			/* VMAS: the string area */
	__u64 s_len;
	size_t s_chk;			/* bytes of s pattern-filled */
	int pc;				/* pid class */
	unsigned int expect;		/* results the rules allow */
	const char *why;		/* the rule that decided */
	int res;
	long ret;
};

static void fz_fail(struct fz *fz, struct call *c, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ---- failure reports --------------------------------------------------------- */

static void dump_call(struct fz *fz, struct call *c)
{
	struct __test_metadata *_metadata = fz->meta;
	char hex[3 * 128 + 1], set[160];
	size_t i, n = c->len < 128 ? c->len : 128;

	while (n > 16 && !c->img[n - 1])
		n--;		/* trailing zeros say nothing */

	for (i = 0; i < n; i++)
		sprintf(hex + 3 * i, "%02x ", c->img[i]);
	hex[3 * n] = 0;
	TH_LOG("   call #%lu seed 0x%llx: %s cmd 0x%08x fd %d, arg %s %p (rd %zu wr %zu) size %u, pid class %s",
	       fz->calls, (unsigned long long)base_seed, ops[c->op].name, c->cmd, c->fd,
	       pk_name[c->a.kind], c->a.p, c->a.rd, c->a.wr, c->usize,
	       c->pc >= 0 ? pc_name[c->pc] : "-");
	if (c->b.kind >= 0)
		TH_LOG("   buffer %s %p (wr %zu) len %llu", pk_name[c->b.kind], c->b.p,
		       c->b.wr, (unsigned long long)c->b_len);
	if (c->s.kind >= 0)
		TH_LOG("   strings %s %p (wr %zu) len %llu", pk_name[c->s.kind], c->s.p,
		       c->s.wr, (unsigned long long)c->s_len);
	TH_LOG("   got %s (ret %ld), expected %s: %s", res_name[c->res], c->ret,
	       res_set(c->expect, set, sizeof(set)), c->why ? c->why : "-");
	if (n)
		TH_LOG("   argument bytes (%zu of %zu): %s", n, c->len, hex);
}

static void fz_fail(struct fz *fz, struct call *c, const char *what, const char *fmt, ...)
{
	struct __test_metadata *_metadata = fz->meta;
	char msg[512];
	struct fkey *k = NULL;
	va_list ap;
	int i;

	fz->fails++;
	for (i = 0; i < fz->nkeys; i++)
		if (fz->keys[i].op == c->op && fz->keys[i].what == what &&
		    fz->keys[i].why == c->why && fz->keys[i].res == c->res)
			k = &fz->keys[i];
	if (!k && fz->nkeys < MAX_KEYS) {
		k = &fz->keys[fz->nkeys++];
		k->op = c->op;
		k->res = c->res;
		k->what = what;
		k->why = c->why;
		k->n = 0;
	}
	if (k && k->n++ >= 3)
		return;		/* the same failure again: counted only */
	if (fz->printed++ >= 60)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	TH_LOG("FAIL %s: %s%s%s", ops[c->op].name, what, msg[0] ? ": " : "", msg);
	dump_call(fz, c);
}

/* ---- memory helpers ---------------------------------------------------------- */

static int all_bytes(const void *p, int byte, size_t len)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != byte)
			return 0;
	return 1;
}

static int is_unmapped(unsigned long addr, size_t len)
{
	unsigned char vec[64];

	if (len > 64 * PAGE)
		len = 64 * PAGE;
	return mincore((void *)addr, len, vec) && errno == ENOMEM;
}

/* ---- targets --------------------------------------------------------------- */

static int live_setup(void *arg, void *out)
{
	struct live_map *m = out;
	unsigned long t2;
	char *a, *t, *f, *z, *n;
	size_t i;
	int fd;

	m->n = 0;
	a = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	t = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	z = mmap(NULL, 256 << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	n = mmap(NULL, 64 << 10, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fd = memfd_create("mmscope-fuzz-live", 0);
	if (a == MAP_FAILED || t == MAP_FAILED || z == MAP_FAILED || n == MAP_FAILED ||
	    fd < 0 || ftruncate(fd, 256 << 10))
		return -1;
	f = mmap(NULL, 256 << 10, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (f == MAP_FAILED)
		return -1;
	for (i = 0; i < (1 << 20); i += 2 * PAGE)
		a[i] = 1;
	t2 = ((unsigned long)t + (2 << 20) - 1) & ~((2UL << 20) - 1);
	madvise((void *)t2, 2 << 20, MADV_HUGEPAGE);
	for (i = 0; i < (2 << 20); i += PAGE)
		((char *)t2)[i] = 1;
	for (i = 0; i < (256 << 10); i += PAGE) {
		f[i] = 1;
		__atomic_load_n(z + i, __ATOMIC_RELAXED);	/* the zero page */
	}
	m->r[m->n++] = (struct region){ (unsigned long)a, (unsigned long)a + (1 << 20) };
	m->r[m->n++] = (struct region){ (unsigned long)t, (unsigned long)t + (4 << 20) };
	m->r[m->n++] = (struct region){ (unsigned long)f, (unsigned long)f + (256 << 10) };
	m->r[m->n++] = (struct region){ (unsigned long)z, (unsigned long)z + (256 << 10) };
	m->r[m->n++] = (struct region){ (unsigned long)n, (unsigned long)n + (64 << 10) };
	return 0;
}

/* A spawned child: map and fault a few MiB, drop half, maybe linger, exit. */
static void __attribute__((noreturn)) spawn_child(unsigned int mb, unsigned int linger)
{
	size_t len = (size_t)(1 + mb) << 20, i;
	char *p;

	p = mmap((void *)SPAWN_BASE, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != MAP_FAILED) {
		for (i = 0; i < len; i += PAGE)
			p[i] = 1;
		munmap(p, len / 2);
	}
	if (linger)
		usleep(linger);
	_exit(0);
}

/*
 * The spawner, a process of its own (so the test process never forks while
 * it fuzzes): keeps forking children, at most 3 alive, and publishes their
 * pids; a quarter are killed while they fault.
 */
static void __attribute__((noreturn)) spawner_main(struct spawn_shm *sp, __u64 seed)
{
	struct rng r = { seed ^ 0x9e3779b97f4a7c15ULL };
	pid_t inflight[3] = { 0, 0, 0 };
	unsigned int i = 0, j;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	while (!__atomic_load_n(&sp->stop, __ATOMIC_RELAXED)) {
		unsigned int mb = below(&r, 4), linger = pct(&r, 30) ? below(&r, 3000) : 0;
		pid_t pid;

		if (inflight[i]) {
			waitpid(inflight[i], NULL, 0);
			inflight[i] = 0;
		}
		pid = fork();
		if (pid == 0)
			spawn_child(mb, linger);
		if (pid < 0) {
			usleep(1000);
			continue;
		}
		inflight[i] = pid;
		__atomic_store_n(&sp->ring[sp->n % SPAWN_RING], pid, __ATOMIC_RELAXED);
		__atomic_store_n(&sp->n, sp->n + 1, __ATOMIC_RELEASE);
		if (pct(&r, 25)) {
			usleep(below(&r, 2000));
			kill(pid, SIGKILL);
			sp->killed++;
		}
		i = (i + 1) % 3;
	}
	for (j = 0; j < 3; j++) {
		if (inflight[j]) {
			kill(inflight[j], SIGKILL);
			waitpid(inflight[j], NULL, 0);
		}
	}
	_exit(0);
}

static int sentinel_fn(void *arg, void *out)
{
	return 0;
}

/* A thread that is not the group leader: its id is no tgid. */
static void *idler_fn(void *arg)
{
	struct fz *fz = arg;
	char c;

	__atomic_store_n(&fz->tid, syscall(SYS_gettid), __ATOMIC_RELEASE);
	while (read(fz->idle_pipe[0], &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

static pid_t spawned_pid(struct fz *fz)
{
	unsigned long n = __atomic_load_n(&fz->sp->n, __ATOMIC_ACQUIRE);

	if (!n)
		return fz->zombie;
	return __atomic_load_n(&fz->sp->ring[(n - 1 - below(&fz->r, n < 8 ? n : 8)) % SPAWN_RING],
			       __ATOMIC_RELAXED);
}

static __s32 pick_pid(struct fz *fz)
{
	struct rng *r = &fz->r;

	switch (below(r, 22)) {
	case 0: case 1: return 0;
	case 2: return fz->self;
	case 3: case 4: return fz->live.pid;
	case 5: return fz->zombie;
	case 6: return fz->pid_max + 1 + below(r, 1000);
	case 7: return -1;
	case 8: return INT_MIN;
	case 9: return 1;
	case 10: return 2;
	case 11: return fz->tid;
	case 12: return INT_MAX;
	case 13:
		return pct(r, 25) ? fz->spawner : 1 + below(r, fz->pid_max);
	case 14: return (__s32)rnd(r);
	default: return spawned_pid(fz);
	}
}

static int classify(struct fz *fz, __s32 pid)
{
	if (pid < 0)
		return PC_NEG;
	if (pid == 0 || pid == fz->self)
		return PC_SELF;
	if (pid == fz->live.pid)
		return PC_LIVE;
	if (pid == 1 && fz->init_ok)
		return PC_INIT;
	if (pid == 2 && fz->kthreadd_ok)
		return PC_KTHREAD;
	if (pid == fz->zombie)
		return PC_ZOMBIE;
	if (pid == fz->tid)
		return PC_THREAD;
	if (pid > fz->pid_max)
		return PC_NONE;
	return PC_OTHER;
}

/* MM_SUMMARY and PT_WALK: which targets have user memory. */
static unsigned int expect_mm_target(int pc, const char **why)
{
	switch (pc) {
	case PC_SELF: case PC_LIVE: case PC_INIT:
		*why = "live process with memory";
		return B(OK);
	case PC_OTHER:
		*why = "a process that may have exited";
		return B(OK) | B(ESRCH);
	default:
		*why = "abi.md Targets: no such tgid, negative, kernel thread or zombie: ESRCH";
		return B(ESRCH);
	}
}

/* ---- the tracking model ---------------------------------------------------- */

static int others_find(struct fz *fz, pid_t pid)
{
	int i;

	for (i = 0; i < fz->nothers; i++)
		if (fz->others[i] == pid)
			return i;
	return -1;
}

static int nr_tracked(struct fz *fz)
{
	int i, n = fz->nothers;	/* the sentinel among them */

	for (i = 0; i < PC_KNOWN; i++)
		n += fz->tracked[i];
	return n;
}

/*
 * Can entries we did not make be in the table?  While a process that forks
 * is tracked with CHILDREN, and for a while after a cleanup untracked it:
 * children it forked just before may still be adopted (a work item).
 */
static int unsure(struct fz *fz)
{
	return fz->uncertain || fz->calls < fz->grace_until;
}

/* 1 tracked, 0 not, -1 unknown */
static int is_tracked(struct fz *fz, int pc, pid_t pid)
{
	if (pc < PC_KNOWN)
		return fz->tracked[pc];
	if (pc == PC_OTHER)
		return others_find(fz, pid) >= 0 ? 1 : unsure(fz) ? -1 : 0;
	return 0;
}

static void model_tracked(struct fz *fz, int pc, pid_t pid, __u32 flags)
{
	if (pc < PC_KNOWN) {
		fz->tracked[pc] = 1;
	} else if (others_find(fz, pid) < 0) {
		if (fz->nothers < (int)ARRAY_SIZE(fz->others))
			fz->others[fz->nothers++] = pid;
		else
			fz->uncertain = 1;
	}
	/*
	 * Processes that may fork: their children get tracked behind our
	 * back (the spawner, init, kthreadd, anyone else).  The test process
	 * does not fork while it fuzzes; the live child and the zombie never.
	 */
	if ((flags & MMSCOPE_TRACK_CHILDREN) && pc != PC_SELF && pc != PC_LIVE && pc != PC_ZOMBIE)
		fz->uncertain = 1;
}

static void model_untracked(struct fz *fz, int pc, pid_t pid)
{
	int i, k;

	/*
	 * No longer anyone's: closing that file will not untrack it again.
	 * A known process is one class whatever pid named it (0 or its own).
	 */
	for (k = 0; k < NFD; k++)
		for (i = 0; i < fz->fds[k].nowned; i++)
			if (pc < PC_KNOWN ? fz->fds[k].owned[i].pc == pc :
					    fz->fds[k].owned[i].pid == pid)
				fz->fds[k].owned[i--] = fz->fds[k].owned[--fz->fds[k].nowned];
	if (pc < PC_KNOWN) {
		fz->tracked[pc] = 0;
		return;
	}
	i = others_find(fz, pid);
	if (i >= 0)
		fz->others[i] = fz->others[--fz->nothers];
}

/*
 * Untrack everything the debugfs "track" file lists (but the sentinel if
 * @keep), until nothing else is listed: children of a process tracked with
 * MMSCOPE_TRACK_CHILDREN may still be adopted while this runs.
 */
static void untrack_all(struct fz *fz, int keep)
{
	pid_t keep_pid = keep ? fz->sentinel.pid : 0;
	int round, kept = 0;
	char line[128];

	for (round = 0; round < 50; round++) {
		FILE *f = fopen(MMSCOPE_DEBUGFS "/track", "re");
		int seen = 0;

		if (!f)
			break;
		kept = 0;
		while (fgets(line, sizeof(line), f)) {
			pid_t pid = atoi(line);

			if (line[0] == '#')
				continue;
			if (pid == keep_pid) {
				kept = 1;
				continue;
			}
			mmscope_track_ioc(fz->fd, pid, MMSCOPE_TRACK_REMOVE);
			seen++;
		}
		fclose(f);
		if (round == 0 && seen > fz->max_removed)
			fz->max_removed = seen;
		if (!seen)
			break;
		usleep(2000);
	}
	memset(fz->tracked, 0, sizeof(fz->tracked));
	for (round = 0; round < NFD; round++) {	/* owned: only the kept one */
		struct sfd *sf = &fz->fds[round];
		int i, n = 0;

		for (i = 0; i < sf->nowned; i++)
			if (kept && sf->owned[i].pc >= PC_KNOWN && sf->owned[i].pid == keep_pid)
				sf->owned[n++] = sf->owned[i];
		sf->nowned = n;
	}
	fz->nothers = 0;
	fz->uncertain = 0;
	fz->last_cleanup = fz->calls;
	if (kept)
		fz->others[fz->nothers++] = keep_pid;
}

static void ensure_sentinel(struct fz *fz);

/*
 * After the grace period: entries the model does not know of are children
 * adopted late; untrack them, and the model is exact again.
 */
static void resync(struct fz *fz)
{
	pid_t late[2 * MMSCOPE_TRACK_MAX];
	char line[128];
	int n = 0, i;
	FILE *f = fopen(MMSCOPE_DEBUGFS "/track", "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && n < 2 * MMSCOPE_TRACK_MAX) {
		pid_t pid = atoi(line);
		int pc = classify(fz, pid);

		if (line[0] == '#' || (pc < PC_KNOWN && fz->tracked[pc]) ||
		    (pc == PC_OTHER && others_find(fz, pid) >= 0))
			continue;
		late[n++] = pid;
	}
	fclose(f);
	for (i = 0; i < n; i++)
		if (!mmscope_track_ioc(fz->fd, late[i], MMSCOPE_TRACK_REMOVE))
			fz->late_adoptions++;
}

/*
 * The sentinel, a quiescent process tracked between cleanups, keeps the
 * fault probes registered, so a TRACK rarely pays for registering them (a
 * kretprobe and tracepoints: tens of milliseconds under TCG); every third
 * cleanup drops it too, and the probes go and come back.
 */
static void ensure_sentinel(struct fz *fz)
{
	if (others_find(fz, fz->sentinel.pid) >= 0)
		return;
	if (!mmscope_track_ioc(fz->fd, fz->sentinel.pid, 0))
		model_tracked(fz, PC_OTHER, fz->sentinel.pid, 0);
}

/*
 * Bytes the module holds between calls (debugfs "stats", format 2: "held
 * total BYTES OBJECTS"); -1 when the module does not say.
 */
static long held_total(void)
{
	char line[256];
	long bytes = -1, objs;
	FILE *f = fopen(MMSCOPE_DEBUGFS "/stats", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "held total %ld %ld", &bytes, &objs) == 2)
			break;
	fclose(f);
	return bytes;
}

static int tracked_count_debugfs(void)
{
	char line[128];
	FILE *f = fopen(MMSCOPE_DEBUGFS "/track", "re");
	int n = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (line[0] != '#')
			n++;
	fclose(f);
	return n;
}

/* ---- building arguments ------------------------------------------------------ */

static __u32 pick_size(struct fz *fz, struct rng *r, __u32 ver0)
{
	if (!dirty(fz))
		return pct(r, 85) ? ver0 : ver0 + 8 * below(r, 8);
	switch (below(r, 16)) {
	case 0: return 0;
	case 1: return 4;
	case 2: return ver0 - 8;
	case 3: return ver0 + 4;
	case 4: case 5: return ver0 + 8;	/* the tail is decided later */
	case 6: return 4096;
	case 7: return 4104;
	case 8: return (__u32)rnd(r);
	case 9: return ver0 + 8 * below(r, (4096 - ver0) / 8 + 1);
	default: return ver0;
	}
}

static __u32 pick_flags(struct fz *fz, struct rng *r, __u32 valid)
{
	if (!dirty(fz))
		return valid & (__u32)rnd(r);
	switch (below(r, 10)) {
	case 0: return 1U << below(r, 32);
	case 1: return (__u32)rnd(r);
	case 2: case 3: case 4: return valid & (__u32)rnd(r);
	default: return 0;
	}
}

/* Reserved or padding: mostly zero, sometimes one random bit or garbage. */
static void pick_reserved(struct fz *fz, struct rng *r, void *field, size_t len)
{
	unsigned char *b = field;
	size_t i;

	memset(b, 0, len);
	if (!dirty(fz))
		return;
	switch (below(r, 12)) {
	case 0:
		b[below(r, len)] = 1 << below(r, 8);
		break;
	case 1:
		for (i = 0; i < len; i++)
			b[i] = rnd(r);
		break;
	}
}

/* Output fields: ignored on input (abi.md), so a quarter get garbage. */
static void pick_output(struct rng *r, void *field, size_t len)
{
	unsigned char *b = field;
	size_t i;

	if (!pct(r, 25)) {
		memset(b, 0, len);
		return;
	}
	for (i = 0; i < len; i++)
		b[i] = rnd(r);
}

static __u32 pick_rec_size(struct fz *fz, struct rng *r, __u32 ver0)
{
	if (!dirty(fz))
		return pct(r, 70) ? ver0 : ver0 + 8 * below(r, 8);
	switch (below(r, 14)) {
	case 0: return 0;
	case 1: return ver0 - 8;
	case 2: return ver0 + 4;
	case 3: return 4096;
	case 4: return 4104;
	case 5: return (__u32)rnd(r);
	case 6: return ver0 + 1;
	case 7: case 8: return ver0 + 8 * below(r, 8);
	default: return ver0;
	}
}

/*
 * The size field, a nonzero byte in the tail (E2BIG) now and then, and a
 * stray bit anywhere the struct reaches, after the fields were filled; but
 * never in the pointer at @ptr_off (-1: none): the module would write
 * records to wherever it then points in this process.
 */
static void finish_header(struct fz *fz, struct call *c, __u32 ksize, int ptr_off)
{
	struct rng *r = &fz->r;
	__u32 size = pick_size(fz, r, ksize);
	size_t at;

	memcpy(c->img, &size, 4);
	if (size > ksize && size <= IMG_MAX && !fz->clean && pct(r, 30))
		c->img[ksize + below(r, size - ksize)] = 1 + below(r, 255);
	if (!fz->clean && pct(r, 3)) {
		at = below(r, size >= 8 && size <= IMG_MAX ? size : ksize);
		if (ptr_off < 0 || at < (size_t)ptr_off || at >= (size_t)ptr_off + 8)
			c->img[at] ^= 1 << below(r, 8);
	}
	memcpy(&c->usize, c->img, 4);
}

/*
 * Place the argument: at least its first 8 bytes, and up to its size or a
 * page, followed by a canary where there is room.
 */
static void place_arg(struct fz *fz, struct call *c)
{
	struct rng *r = &fz->r;
	size_t want = c->usize < 8 ? 8 : c->usize > IMG_MAX ? IMG_MAX : c->usize;
	size_t off;
	unsigned int k = below(r, 100);

	if (!dirty(fz))
		k = below(r, 56);
	c->a.kind = k < 46 ? PK_VALID : k < 56 ? PK_MISALIGNED : k < 61 ? PK_NULL :
		    k < 64 ? PK_UNMAPPED : k < 67 ? PK_HIGH : k < 73 ? PK_KERNEL :
		    k < 81 ? PK_RO : PK_GUARD;
	c->a.view = NULL;
	c->a.rd = 0;
	c->a.wr = c->a.rd;
	switch (c->a.kind) {
	case PK_VALID:
	case PK_MISALIGNED:
		off = 8 * below(r, 64) + (c->a.kind == PK_VALID ? 0 : 1 + below(r, 7));
		c->a.p = fz->arg + off;
		c->a.view = c->a.p;
		c->a.rd = ARG_ARENA - off;
		c->a.wr = c->a.rd;
		break;
	case PK_RO:
		off = pct(r, 70) ? 8 * below(r, 64) : 1 + below(r, 511);
		c->a.p = fz->ro + off;
		c->a.view = fz->ro_rw + off;
		c->a.rd = ARG_ARENA - off;
		break;
	case PK_GUARD:
		/* Mostly cut short: the struct straddles the guard page. */
		off = pct(r, 20) ? want + below(r, 64) : below(r, want + 1);
		if (off > PAGE)
			off = PAGE;
		c->a.p = fz->guard - off;
		c->a.view = c->a.p;
		c->a.rd = off;
		c->a.wr = c->a.rd;
		break;
	case PK_NULL:
		c->a.p = NULL;
		break;
	case PK_UNMAPPED:
		switch (below(r, 3)) {
		case 0:
			c->a.p = (char *)0x1000UL + below(r, PAGE);
			break;
		case 1:
			c->a.p = (char *)fz->unmapped + below(r, 16 * PAGE);
			break;
		default:
			c->a.p = fz->guard + below(r, PAGE - 8);
			break;
		}
		break;
	case PK_HIGH:
		switch (below(r, 4)) {
		case 0:
			c->a.p = (char *)HIGH_A;
			break;
		case 1:
			c->a.p = (char *)HIGH_B;
			break;
		case 2:
			c->a.p = (char *)HIGH_C;
			break;
		default:
			c->a.p = (char *)(unsigned long)(fz->top_page_unmapped ? TOP_PAGE + below(r, PAGE) : HIGH_A);
			break;
		}
		break;
	default:
		c->a.p = (char *)kernel_addrs[below(r, ARRAY_SIZE(kernel_addrs))];
		break;
	}
	c->len = 0;
	c->canary = 0;
	if (c->a.view) {
		c->len = want < c->a.rd ? want : c->a.rd;
		memcpy(c->a.view, c->img, c->len);
		if (c->a.kind != PK_GUARD && c->a.rd >= c->len + CANARY) {
			memset(c->a.view + c->len, CANARY_BYTE, CANARY);
			c->canary = 1;
		}
	}
}

/* A record buffer for PT_WALK, PHYS_* and read(). */
static void place_buf(struct fz *fz, struct call *c, __u32 rec_size)
{
	struct rng *r = &fz->r;
	unsigned int k = below(r, 100);
	size_t off, m;

	if (!dirty(fz))
		k = below(r, 62);
	c->b.kind = k < 55 ? PK_VALID : k < 62 ? PK_MISALIGNED : k < 78 ? PK_GUARD :
		    k < 85 ? PK_RO : k < 90 ? PK_NULL : k < 95 ? PK_KERNEL :
		    k < 98 ? PK_UNMAPPED : PK_HIGH;
	c->b.view = NULL;
	c->b.rd = 0;
	c->b.wr = c->b.rd;
	switch (c->b.kind) {
	case PK_VALID:
	case PK_MISALIGNED:
		off = 8 * below(r, REC_ARENA / 32) + (c->b.kind == PK_VALID ? 0 : 1 + below(r, 7));
		c->b.p = fz->rec + off;
		c->b.view = c->b.p;
		c->b.rd = REC_ARENA - off;
		c->b.wr = c->b.rd;
		break;
	case PK_GUARD:
		/* Ends mid-record at the guard page. */
		if (rec_size < 8 || rec_size > 4096)
			rec_size = 64;
		m = rec_size * below(r, 4) + below(r, rec_size);
		if (m > REC_ARENA)
			m = REC_ARENA;
		c->b.p = fz->rec + REC_ARENA - m;
		c->b.view = c->b.p;
		c->b.rd = m;
		c->b.wr = c->b.rd;
		break;
	case PK_RO:
		off = 8 * below(r, REC_ARENA / 32);
		c->b.p = fz->ro + ARG_ARENA + off;
		c->b.view = fz->ro_rw + ARG_ARENA + off;
		c->b.rd = REC_ARENA - off;
		break;
	case PK_NULL:
		c->b.p = NULL;
		break;
	case PK_KERNEL:
		c->b.p = (char *)kernel_addrs[below(r, ARRAY_SIZE(kernel_addrs))];
		break;
	case PK_UNMAPPED:
		c->b.p = (char *)fz->unmapped + PAGE * below(r, 16);
		break;
	default:
		c->b.p = (char *)HIGH_A;
		break;
	}
}

static __u64 pick_buf_len(struct fz *fz, struct rng *r, __u32 rs, size_t wr)
{
	__u64 rsz = rs && rs <= 4096 ? rs : 64;

	switch (dirty(fz) ? below(r, 14) : 10) {
	case 0: return 0;
	case 1: return rsz - 1;
	case 2: return rsz;
	case 3: return rsz * (1 + below(r, 8));
	case 4: return rsz * (1 + below(r, 8)) + 1 + below(r, rsz - 1);	/* mid-record */
	case 5: return wr;
	case 6: return wr + below(r, 4096);
	case 7: return below(r, REC_ARENA);
	case 8: return rnd(r);
	case 9: return ~0ULL;
	default: {
		__u64 n = rsz * (1 + below(r, 16));

		return n < wr ? n : wr;
	}
	}
}

/*
 * Fill what the test can see of a buffer (@rd bytes at @view) with the
 * pattern, up to @len + CANARY.  Return: how many bytes were filled.
 */
static size_t pattern_fill(char *view, size_t rd, __u64 len)
{
	size_t n = rd;

	if (len + CANARY < n)
		n = len + CANARY;
	memset(view, PATTERN_BYTE, n);
	return n;
}

/* The first byte in [@from, @chk) of @view that lost the pattern, or @chk. */
static size_t pattern_lost(const char *view, size_t from, size_t chk)
{
	size_t i;

	for (i = from; i < chk; i++)
		if ((unsigned char)view[i] != PATTERN_BYTE)
			break;
	return i;
}

/* Fill what the test can see of the record buffer with the pattern. */
static void prefill_buf(struct call *c, __u64 len)
{
	c->b_chk = c->b.view ? pattern_fill(c->b.view, c->b.rd, len) : 0;
}

/* Bytes of the record buffer from @from on must still hold the pattern. */
static void check_buf_rest(struct fz *fz, struct call *c, size_t from)
{
	size_t i = pattern_lost(c->b.view, from, c->b_chk);

	if (i < c->b_chk)
		fz_fail(fz, c, "wrote past the records it reported",
			"byte %zu of the buffer changed (records end at %zu)", i, from);
}

/* A VMAS string area: mostly valid, sometimes cut short, unwritable or absent. */
static void place_strings(struct fz *fz, struct call *c)
{
	struct rng *r = &fz->r;
	unsigned int k = below(r, 100);
	size_t off;

	if (!dirty(fz))
		k = below(r, 70);
	c->s.kind = k < 70 ? PK_VALID : k < 80 ? PK_GUARD : k < 85 ? PK_RO : k < 92 ? PK_NULL :
		    k < 96 ? PK_KERNEL : PK_UNMAPPED;
	c->s.view = NULL;
	c->s.rd = 0;
	c->s.wr = 0;
	switch (c->s.kind) {
	case PK_VALID:
		off = below(r, 4) ? 0 : below(r, STR_ARENA / 2);	/* any byte will do */
		c->s.p = fz->str + off;
		c->s.view = c->s.p;
		c->s.rd = STR_ARENA - off;
		c->s.wr = c->s.rd;
		break;
	case PK_GUARD:
		off = below(r, 256);	/* a path or two, then the guard page */
		c->s.p = fz->str + STR_ARENA - off;
		c->s.view = c->s.p;
		c->s.rd = off;
		c->s.wr = off;
		break;
	case PK_RO:
		off = below(r, REC_ARENA / 2);
		c->s.p = fz->ro + ARG_ARENA + off;
		c->s.view = fz->ro_rw + ARG_ARENA + off;
		c->s.rd = REC_ARENA - off;
		break;
	case PK_NULL:
		c->s.p = NULL;
		break;
	case PK_KERNEL:
		c->s.p = (char *)kernel_addrs[below(r, ARRAY_SIZE(kernel_addrs))];
		break;
	default:
		c->s.p = (char *)fz->unmapped + PAGE * below(r, 16);
		break;
	}
}

static __u64 pick_strings_len(struct fz *fz, struct call *c)
{
	struct rng *r = &fz->r;

	switch (dirty(fz) ? below(r, 10) : 6 + below(r, 4)) {
	case 0: return 0;
	case 1: return 1 + below(r, 16);
	case 2: return 16 + below(r, 64);		/* some paths fit, some do not */
	case 3: return rnd(r);
	case 4: return ~0ULL;
	case 5: return c->s.wr + below(r, 4096);
	default: return c->s.wr > PATH_ROOM && pct(r, 60) ? PATH_ROOM + below(r, c->s.wr - PATH_ROOM + 1)
							  : below(r, c->s.wr + 1);
	}
}

/* Fill what the test can see of the string area with the pattern. */
static void prefill_strings(struct call *c, __u64 len)
{
	c->s_chk = c->s.view && c->s.kind != PK_RO ?
		   pattern_fill(c->s.view, c->s.rd, len) : 0;
}

static void check_strings_rest(struct fz *fz, struct call *c, size_t from)
{
	size_t i = pattern_lost(c->s.view, from, c->s_chk);

	if (i < c->s_chk)
		fz_fail(fz, c, "wrote past the strings it reported",
			"byte %zu of the string area changed (strings_used %zu)", i, from);
}

/* ---- the rules ----------------------------------------------------------------- */

static int nonzero(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return 1;
	return 0;
}

/*
 * abi.md's common rules, as far as the argument's own bytes decide.
 * Returns the result set, or 0 when the argument passes them.
 */
static unsigned int expect_size_rule(struct call *c, __u32 ksize)
{
	__u32 size = c->usize;
	unsigned int m = 0;

	if (c->a.rd < 4) {
		c->why = "the size field is not readable: EFAULT";
		return B(EFAULT);
	}
	if (size < ksize || size % 8)
		m |= B(EINVAL);
	if (size > PAGE)
		m |= B(E2BIG);
	if (m) {
		c->why = "size below VER0 or not a multiple of 8: EINVAL; above a page: E2BIG";
		return m;
	}
	if (c->a.rd < size) {
		c->why = "the struct runs into unreadable memory: EFAULT (E2BIG if the readable tail is not zero)";
		m = B(EFAULT);
		if (c->a.rd > ksize && nonzero(c->img + ksize, c->a.rd - ksize))
			m |= B(E2BIG);
		return m;
	}
	if (size > ksize && nonzero(c->img + ksize, size - ksize)) {
		c->why = "a nonzero byte past what the module knows: E2BIG";
		return B(E2BIG);
	}
	return 0;
}

/* A success needs the argument written back: min(size, ksize) bytes. */
static unsigned int expect_copy_out(struct call *c, unsigned int m, __u32 ksize)
{
	if ((m & B(OK)) && c->a.wr < ksize) {
		m = (m & ~B(OK)) | B(EFAULT);
		c->why = "the argument cannot be written back: EFAULT";
	}
	return m;
}

/* ---- checking results ------------------------------------------------------- */

/*
 * The argument after the call: on success size == ksize and nothing past
 * min(size, ksize) written; on failure nothing written at all.  @nowrite:
 * the command never writes its argument (TRACK).
 */
static void check_arg_after(struct fz *fz, struct call *c, __u32 ksize, int nowrite)
{
	size_t from = 0, i;
	__u32 size;

	if (!c->a.view)
		return;
	if (c->res == RES_OK && !nowrite) {
		memcpy(&size, c->a.view, 4);
		if (size != ksize)
			fz_fail(fz, c, "size written back is not the module's struct size",
				"%u, expected %u", size, ksize);
		from = c->usize < ksize ? c->usize : ksize;
	}
	for (i = from; i < c->len; i++) {
		if (c->a.view[i] != (char)c->img[i]) {
			fz_fail(fz, c, c->res == RES_OK ? "wrote past the struct it knows"
						      : "argument changed by a failed call",
				"byte %zu: 0x%02x, was 0x%02x", i, (unsigned char)c->a.view[i],
				c->img[i]);
			break;
		}
	}
	if (c->canary && !all_bytes(c->a.view + c->len, CANARY_BYTE, CANARY))
		fz_fail(fz, c, "wrote past the caller's size", "canary after %zu bytes changed",
			c->len);
}

static void check_get_api(struct fz *fz, struct call *c)
{
	struct mmscope_api a;
	const __u64 want = (1ULL << _MMSCOPE_IOC_GET_API) | (1ULL << _MMSCOPE_IOC_MM_SUMMARY) |
			   (1ULL << _MMSCOPE_IOC_PT_WALK) | (1ULL << _MMSCOPE_IOC_VMAS) |
			   (1ULL << _MMSCOPE_IOC_TRACK) |
			   (1ULL << _MMSCOPE_IOC_FAULT_STATS) |
			   (1ULL << _MMSCOPE_IOC_FAULT_STREAM) |
			   (1ULL << _MMSCOPE_IOC_PHYS_ZONES) | (1ULL << _MMSCOPE_IOC_PHYS_BUDDY) |
			   (1ULL << _MMSCOPE_IOC_PHYS_LRU) | (1ULL << _MMSCOPE_IOC_PHYS_STATS) |
			   (1ULL << _MMSCOPE_IOC_PHYS_SLAB) | (1ULL << _MMSCOPE_IOC_TRACKED) |
			   (1ULL << _MMSCOPE_IOC_MODULE_MEMORY) |
			   (1ULL << _MMSCOPE_IOC_PHYS_PAGEBLOCKS);

	memcpy(&a, c->a.view, sizeof(a));
	if (a.api_version != MMSCOPE_API_VERSION || a.pgtable_levels != (__u32)fz->levels ||
	    a.features != MMSCOPE_FEATURES_ALL || a.ioctls != want ||
	    a.kernel_version != fz->kver ||
	    a.flags || a.__reserved0 || a.__reserved[0] || a.__reserved[1])
		fz_fail(fz, c, "GET_API answer inconsistent",
			"api %u levels %u features 0x%llx ioctls 0x%llx kver 0x%x flags %u",
			a.api_version, a.pgtable_levels, (unsigned long long)a.features,
			(unsigned long long)a.ioctls, a.kernel_version, a.flags);
}

static void check_summary(struct fz *fz, struct call *c)
{
	struct mmscope_mm_summary s, in;
	__u64 parts;

	memcpy(&s, c->a.view, sizeof(s));
	memcpy(&in, c->img, sizeof(in));
	parts = s.pss_anon + s.pss_file + s.pss_shmem;
	if (s.flags != in.flags || s.pid != in.pid || s.__reserved0 ||
	    nonzero((void *)s.__reserved, sizeof(s.__reserved)))
		fz_fail(fz, c, "MM_SUMMARY changed input fields", "flags %u pid %d", s.flags, s.pid);
	if (s.rss != s.rss_anon + s.rss_file + s.rss_shmem ||
	    s.rss != s.shared_clean + s.shared_dirty + s.private_clean + s.private_dirty ||
	    s.pss > s.rss || parts > s.pss || s.pss - parts > 2 || s.anonymous != s.rss_anon ||
	    s.ksm > s.rss_anon || s.lazyfree > s.anonymous || s.pss_dirty > s.pss ||
	    s.locked > s.pss || s.referenced > s.rss || s.anon_huge > s.rss_anon ||
	    (s.rss | s.rss_anon | s.rss_file | s.rss_shmem | s.zero_page | s.swap) % PAGE ||
	    !s.nr_vmas || s.pt_tables[4] > 1 || (fz->levels == 4 && s.pt_tables[3]))
		fz_fail(fz, c, "MM_SUMMARY sums inconsistent",
			"rss %llu = anon %llu + file %llu + shmem %llu; pss %llu (%llu+%llu+%llu); clean/dirty %llu/%llu/%llu/%llu; vmas %llu pgd %llu p4d %llu",
			(unsigned long long)s.rss, (unsigned long long)s.rss_anon,
			(unsigned long long)s.rss_file, (unsigned long long)s.rss_shmem,
			(unsigned long long)s.pss, (unsigned long long)s.pss_anon,
			(unsigned long long)s.pss_file, (unsigned long long)s.pss_shmem,
			(unsigned long long)s.shared_clean, (unsigned long long)s.shared_dirty,
			(unsigned long long)s.private_clean, (unsigned long long)s.private_dirty,
			(unsigned long long)s.nr_vmas, (unsigned long long)s.pt_tables[4],
			(unsigned long long)s.pt_tables[3]);
}

static void check_pt_walk(struct fz *fz, struct call *c)
{
	struct mmscope_pt_walk w, in;
	__u64 cap, prev_end, i;

	memcpy(&w, c->a.view, sizeof(w));
	memcpy(&in, c->img, sizeof(in));
	if (w.flags != in.flags || w.pid != in.pid || w.rec_size != in.rec_size ||
	    w.start != in.start || w.end != in.end || w.buf != in.buf || w.buf_len != in.buf_len)
		fz_fail(fz, c, "PT_WALK changed input fields", "%s", "");
	cap = in.buf_len / in.rec_size;
	if (w.nr_recs > cap || w.walk_end <= in.start || w.walk_end > in.end ||
	    (w.walk_end < in.end && w.nr_recs != cap) || w.nr_recs * in.rec_size > c->b.wr) {
		fz_fail(fz, c, "PT_WALK counts inconsistent",
			"nr_recs %llu (room %llu, writable %zu) walk_end 0x%llx in [0x%llx, 0x%llx]",
			(unsigned long long)w.nr_recs, (unsigned long long)cap, c->b.wr,
			(unsigned long long)w.walk_end, (unsigned long long)in.start,
			(unsigned long long)in.end);
		return;
	}
	if (!c->b.view)
		return;
	prev_end = in.start;
	for (i = 0; i < w.nr_recs; i++) {
		const char *p = c->b.view + i * in.rec_size;
		struct mmscope_pt_rec rec;

		memcpy(&rec, p, sizeof(rec));
		if (rec.addr % PAGE || rec.addr < prev_end || !rec.nr_pages ||
		    rec.addr + rec.nr_pages * PAGE > w.walk_end || rec.vma_start > rec.addr ||
		    rec.level < 1 || rec.level > 3 || rec.type < 1 || rec.type > 7 ||
		    rec.kind > 7 ||
		    nonzero(rec.__pad, sizeof(rec.__pad)) ||
		    (!(in.flags & MMSCOPE_WALK_RUNS) && rec.level == 1 && rec.nr_pages != 1) ||
		    (rec.level == 2 && !(in.flags & MMSCOPE_WALK_RUNS) && rec.nr_pages > 512) ||
		    (rec.type != MMSCOPE_ENTRY_PRESENT && rec.hw) ||
		    nonzero((const unsigned char *)p + sizeof(rec), in.rec_size - sizeof(rec))) {
			fz_fail(fz, c, "PT_WALK record inconsistent",
				"record %llu: addr 0x%llx pages %llu vma 0x%llx level %u type %u kind %u hw 0x%x (previous end 0x%llx, walk_end 0x%llx)",
				(unsigned long long)i, (unsigned long long)rec.addr,
				(unsigned long long)rec.nr_pages, (unsigned long long)rec.vma_start,
				rec.level, rec.type, rec.kind, rec.hw, (unsigned long long)prev_end,
				(unsigned long long)w.walk_end);
			return;
		}
		prev_end = rec.addr + rec.nr_pages * PAGE;
	}
	check_buf_rest(fz, c, w.nr_recs * in.rec_size);
}

/* A dense walk: exactly the entries the range and buffer allow, each well formed. */
static void check_pt_dense(struct fz *fz, struct call *c)
{
	struct mmscope_pt_walk w, in;
	__u64 want, i;

	memcpy(&w, c->a.view, sizeof(w));
	memcpy(&in, c->img, sizeof(in));
	if (w.flags != in.flags || w.pid != in.pid || w.rec_size != in.rec_size ||
	    w.start != in.start || w.end != in.end || w.buf != in.buf || w.buf_len != in.buf_len)
		fz_fail(fz, c, "PT_WALK changed input fields", "%s", "");
	want = (in.end - in.start) / PAGE;
	if (want > in.buf_len / 8)
		want = in.buf_len / 8;
	if (w.nr_recs != want || w.walk_end != in.start + want * PAGE) {
		fz_fail(fz, c, "PT_WALK dense counts inconsistent",
			"nr_recs %llu (want %llu) walk_end 0x%llx",
			(unsigned long long)w.nr_recs, (unsigned long long)want,
			(unsigned long long)w.walk_end);
		return;
	}
	if (!c->b.view)
		return;
	for (i = 0; i < w.nr_recs; i++) {
		__u64 e;
		unsigned int type;

		memcpy(&e, c->b.view + i * 8, sizeof(e));
		type = MMSCOPE_DENSE_TYPE(e);
		if ((!type && e) ||
		    (type && (MMSCOPE_DENSE_LEVEL(e) < 1 || MMSCOPE_DENSE_LEVEL(e) > 3)) ||
		    (type != MMSCOPE_ENTRY_PRESENT && type != MMSCOPE_ENTRY_SWAP &&
		     (e & ((1ULL << 53) - 1)))) {
			fz_fail(fz, c, "PT_WALK dense entry inconsistent", "entry %llu: 0x%llx",
				(unsigned long long)i, (unsigned long long)e);
			return;
		}
	}
	check_buf_rest(fz, c, w.nr_recs * 8);
}

static void check_vmas(struct fz *fz, struct call *c)
{
	struct mmscope_vmas a, in;
	__u64 cap, prev_end, i, used = 0, last_start = 0;

	memcpy(&a, c->a.view, sizeof(a));
	memcpy(&in, c->img, sizeof(in));
	if (a.flags != in.flags || a.pid != in.pid || a.rec_size != in.rec_size ||
	    a.start != in.start || a.end != in.end || a.buf != in.buf || a.buf_len != in.buf_len ||
	    a.strings != in.strings || a.strings_len != in.strings_len ||
	    nonzero((void *)a.__reserved, sizeof(a.__reserved)))
		fz_fail(fz, c, "VMAS changed input fields", "%s", "");
	cap = in.buf_len / in.rec_size;
	if (a.nr_recs > cap || a.walk_end <= in.start || a.walk_end > in.end ||
	    (a.walk_end < in.end && !a.nr_recs) || a.nr_recs * in.rec_size > c->b.wr ||
	    a.strings_used > in.strings_len || a.strings_used > c->s.wr) {
		fz_fail(fz, c, "VMAS counts inconsistent",
			"nr_recs %llu (room %llu, writable %zu) walk_end 0x%llx in [0x%llx, 0x%llx] strings_used %llu of %llu (writable %zu)",
			(unsigned long long)a.nr_recs, (unsigned long long)cap, c->b.wr,
			(unsigned long long)a.walk_end, (unsigned long long)in.start,
			(unsigned long long)in.end, (unsigned long long)a.strings_used,
			(unsigned long long)in.strings_len, c->s.wr);
		return;
	}
	if (!c->b.view)
		return;
	prev_end = 0;
	for (i = 0; i < a.nr_recs; i++) {
		const char *p = c->b.view + i * in.rec_size;
		struct mmscope_vma_rec rec;
		int bad;

		memcpy(&rec, p, sizeof(rec));
		bad = rec.start % PAGE || rec.end % PAGE || rec.start < in.start ||
		      rec.start >= in.end || rec.start >= a.walk_end || rec.end <= rec.start ||
		      rec.end > fz->walk_limit || rec.start < prev_end ||
		      rec.kind > MMSCOPE_VMA_SPECIAL || (rec.flags >> 30) ||
		      rec.rss_pages > (rec.end - rec.start) / PAGE ||
		      rec.swap_pages > (rec.end - rec.start) / PAGE ||
		      (!rec.path_len && rec.path_off) ||
		      (rec.path_len && (rec.path_off != used || rec.path_len >= PATH_ROOM)) ||
		      (!rec.inode && (rec.offset || rec.dev_major || rec.dev_minor)) ||
		      rec.__reserved[0] || rec.__reserved[1] ||
		      nonzero((const unsigned char *)p + sizeof(rec), in.rec_size - sizeof(rec));
		if (!bad && rec.path_len) {
			used += rec.path_len + 1;
			bad = used > a.strings_used;
			if (!bad && c->s.view && c->s.kind != PK_RO)
				bad = strnlen(c->s.view + rec.path_off, rec.path_len + 1) != rec.path_len;
		}
		if (bad) {
			fz_fail(fz, c, "VMAS record inconsistent",
				"record %llu: 0x%llx-0x%llx flags 0x%llx kind %u rss %llu swap %llu path %u at %llu (strings before %llu) ino %llu off 0x%llx; previous end 0x%llx, walk_end 0x%llx",
				(unsigned long long)i, (unsigned long long)rec.start,
				(unsigned long long)rec.end, (unsigned long long)rec.flags, rec.kind,
				(unsigned long long)rec.rss_pages, (unsigned long long)rec.swap_pages,
				rec.path_len, (unsigned long long)rec.path_off,
				(unsigned long long)used, (unsigned long long)rec.inode,
				(unsigned long long)rec.offset, (unsigned long long)prev_end,
				(unsigned long long)a.walk_end);
			return;
		}
		prev_end = rec.end;
		last_start = rec.start;
	}
	if (used != a.strings_used || (a.nr_recs && a.walk_end < in.end && a.walk_end <= last_start))
		fz_fail(fz, c, "VMAS strings or cursor inconsistent",
			"paths take %llu bytes, strings_used %llu; walk_end 0x%llx, last record at 0x%llx",
			(unsigned long long)used, (unsigned long long)a.strings_used,
			(unsigned long long)a.walk_end, (unsigned long long)last_start);
	check_buf_rest(fz, c, a.nr_recs * in.rec_size);
	check_strings_rest(fz, c, a.strings_used);
}

static void check_fault_stats(struct fz *fz, struct call *c)
{
	struct mmscope_fault_stats s, in;
	unsigned int i;

	memcpy(&s, c->a.view, sizeof(s));
	memcpy(&in, c->img, sizeof(in));
	if (s.pid != in.pid || (s.flags & ~MMSCOPE_FAULT_EXITED) || s.nr_vmas > 8 ||
	    nonzero((void *)s.__reserved, sizeof(s.__reserved)))
		fz_fail(fz, c, "FAULT_STATS header inconsistent", "pid %d flags 0x%x nr_vmas %u",
			s.pid, s.flags, s.nr_vmas);
	/* abi.md's invariants; a process that does not run faults no more: frozen */
	{
		int frozen = c->pc == PC_LIVE || c->pc == PC_ZOMBIE || c->pc == PC_KTHREAD;
		char why[256];
		__u64 skew;

		if (mmscope_fault_stats_check(&s, frozen, &skew, why, sizeof(why)))
			fz_fail(fz, c, "FAULT_STATS inconsistent (abi.md)", "%s", why);
	}
	for (i = s.nr_vmas; i < 8; i++)
		if (nonzero((void *)&s.vmas[i], sizeof(s.vmas[i])))
			fz->note_vmas_echo++;
	if (c->pc == PC_LIVE && (s.flags & MMSCOPE_FAULT_EXITED))
		fz_fail(fz, c, "FAULT_STATS says a live process exited", "%s", "");
}

static void check_event(struct fz *fz, struct call *c, const struct mmscope_fault_event *e,
			size_t i)
{
	if (!e->pid || !e->tid || e->origin >= MMSCOPE_NR_ORIGINS ||
	    e->access >= MMSCOPE_NR_ACCESSES || e->result >= MMSCOPE_NR_RESULTS ||
	    e->memory >= MMSCOPE_NR_MEMS || e->cause >= MMSCOPE_NR_CAUSES ||
	    nonzero(e->__pad, sizeof(e->__pad)))
		fz_fail(fz, c, "stream record inconsistent",
			"record %zu: pid %u tid %u origin %u access %u result %u memory %u cause %u",
			i, e->pid, e->tid, e->origin, e->access, e->result, e->memory, e->cause);
}

/* The total record (@t, after the others at @buf) is their sum: 0, or 1. */
static int module_memory_sum(const char *buf, __u32 rec_size,
			     const struct mmscope_module_mem_rec *t)
{
	__u64 bytes = 0, objects = 0;
	int i;

	for (i = 0; i < MMSCOPE_MODULE_MEM_NR; i++) {
		const struct mmscope_module_mem_rec *m = (const void *)(buf + i * rec_size);

		bytes += m->bytes;
		objects += m->objects;
	}
	return t->bytes != bytes || t->objects != objects;
}

static void check_phys(struct fz *fz, struct call *c)
{
	struct mmscope_phys_snap s, in;
	const struct op *o = &ops[c->op];
	__u64 cap, want, i;
	size_t ksz = o->rec_ver0;

	memcpy(&s, c->a.view, sizeof(s));
	memcpy(&in, c->img, sizeof(in));
	if (s.flags != in.flags || s.rec_size != in.rec_size || s.buf != in.buf ||
	    s.buf_len != in.buf_len || s.__reserved0 || s.__reserved[0] || s.__reserved[1])
		fz_fail(fz, c, "PHYS changed input fields", "%s", "");
	cap = in.buf_len / in.rec_size;
	want = s.nr_total < cap ? s.nr_total : cap;
	/* an empty table is the only empty snapshot */
	if (s.nr_recs != want || s.nr_recs * in.rec_size > c->b.wr ||
	    (!s.nr_total && c->op != OP_TRACKED) ||
	    (c->op == OP_TRACKED && s.nr_total > MMSCOPE_TRACK_MAX) ||
	    (c->op == OP_MODULE_MEMORY && s.nr_total != MMSCOPE_MODULE_MEM_NR + 1) ||
	    (c->op == OP_PHYS_STATS && s.nr_total != MMSCOPE_VIEW_NR)) {
		fz_fail(fz, c, "PHYS counts inconsistent",
			"nr_recs %llu nr_total %llu (room %llu, writable %zu)",
			(unsigned long long)s.nr_recs, (unsigned long long)s.nr_total,
			(unsigned long long)cap, c->b.wr);
		return;
	}
	if (!c->b.view)
		return;
	for (i = 0; i < s.nr_recs; i++) {
		const char *p = c->b.view + i * in.rec_size;
		int bad = nonzero((const unsigned char *)p + ksz, in.rec_size - ksz);

		switch (c->op) {
		case OP_PHYS_ZONES: {
			const struct mmscope_zone_rec *z = (const void *)p;

			bad |= !z->nr_zones || z->nr_zones > MMSCOPE_MAX_ZONES ||
			       z->zone >= z->nr_zones || !memchr(z->name, 0, sizeof(z->name)) ||
			       z->populated > 1 ||
			       nonzero((void *)z->__reserved, sizeof(z->__reserved));
			break;
		}
		case OP_PHYS_BUDDY: {
			const struct mmscope_buddy_rec *b = (const void *)p;

			bad |= !b->nr_orders || b->nr_orders > MMSCOPE_MAX_ORDERS ||
			       b->pb_order > b->nr_orders || !memchr(b->name, 0, sizeof(b->name)) ||
			       nonzero((void *)b->__reserved, sizeof(b->__reserved));
			break;
		}
		case OP_PHYS_LRU: {
			const struct mmscope_lru_rec *l = (const void *)p;

			bad |= (l->flags & ~7U) || l->__pad0 || l->nr_gens > MMSCOPE_LRU_GENS ||
			       l->walk_capped > l->walk_lists ||
			       nonzero((void *)l->__reserved, sizeof(l->__reserved));
			break;
		}
		case OP_PHYS_STATS: {
			const struct mmscope_phys_stat_rec *st = (const void *)p;

			bad |= st->view != i || st->__pad0 ||
			       st->last_read_ns > st->worst_read_ns ||
			       nonzero((void *)st->__reserved, sizeof(st->__reserved));
			break;
		}
		case OP_PHYS_SLAB: {
			const struct mmscope_slab_rec *sl = (const void *)p;

			bad |= !memchr(sl->name, 0, sizeof(sl->name)) || (sl->flags & ~7U) ||
			       sl->__pad0 ||
			       nonzero((void *)sl->__reserved, sizeof(sl->__reserved));
			break;
		}
		case OP_PHYS_PAGEBLOCKS: {
			const struct mmscope_pageblock_rec *pb = (const void *)p;
			unsigned int k;
			__u64 sum = 0;

			for (k = 0; k < MMSCOPE_PB_CLASSES; k++)
				sum += pb->pages[k];
			bad |= !pb->nr_pages || sum != pb->nr_pages ||
			       pb->start_pfn % pb->nr_pages || pb->migratetype > MMSCOPE_MT_NR ||
			       pb->dominant >= MMSCOPE_PB_NR ||
			       (pb->free_max_order >= MMSCOPE_MAX_ORDERS &&
				pb->free_max_order != MMSCOPE_PB_NO_FREE) ||
			       !memchr(pb->zone, 0, sizeof(pb->zone)) || pb->__pad0 ||
			       nonzero((void *)pb->__reserved, sizeof(pb->__reserved));
			break;
		}
		case OP_TRACKED: {
			const struct mmscope_tracked_rec *t = (const void *)p;

			/* an adopted child carries its parent's CHILDREN */
			bad |= t->pid <= 0 || (t->flags & ~MMSCOPE_TRACKED_FLAGS_ALL) ||
			       ((t->flags & MMSCOPE_TRACKED_ADOPTED) &&
				!(t->flags & MMSCOPE_TRACKED_CHILDREN)) ||
			       (t->parent != 0) != !!(t->flags & MMSCOPE_TRACKED_ADOPTED) ||
			       t->parent < 0 || t->__pad0 ||
			       nonzero((void *)t->__reserved, sizeof(t->__reserved));
			break;
		}
		case OP_MODULE_MEMORY: {
			const struct mmscope_module_mem_rec *m = (const void *)p;
			__u32 kind = i == MMSCOPE_MODULE_MEM_NR ? MMSCOPE_MODULE_MEM_TOTAL : i;

			bad |= m->kind != kind || m->__pad0 || !memchr(m->what, 0, sizeof(m->what)) ||
			       nonzero((void *)m->__reserved, sizeof(m->__reserved));
			if (i == MMSCOPE_MODULE_MEM_NR)
				bad |= module_memory_sum(c->b.view, in.rec_size, m);
			break;
		}
		}
		if (bad) {
			fz_fail(fz, c, "PHYS record inconsistent", "record %llu",
				(unsigned long long)i);
			return;
		}
	}
	check_buf_rest(fz, c, s.nr_recs * in.rec_size);
}

/* ---- judging ------------------------------------------------------------------- */

static void judge(struct fz *fz, struct call *c, long ret, int err, __u64 ns)
{
	struct opstat *st = &fz->os[c->op];
	unsigned int bit;
	char set[160];

	c->ret = ret;
	c->res = ret < 0 ? res_of(err) : RES_OK;
	bit = 1U << c->res;
	fz->calls++;
	st->calls++;
	st->res[c->res]++;
	st->ns += ns;
	if (c->pc >= 0)
		fz->pcs[c->pc][c->res]++;
	if (!(ops[c->op].doc & bit)) {
		fz_fail(fz, c, "undocumented result for this command", "%s (errno %d), documented %s",
			res_name[c->res], err, res_set(ops[c->op].doc, set, sizeof(set)));
	} else if (!(c->expect & bit)) {
		fz_fail(fz, c, "not what the documented rules predict for this argument", "%s",
			"");
	} else if (bit & NEVER_HERE) {
		fz_fail(fz, c, "documented, but nothing here can cause it", "%s",
			res_name[c->res]);
	}
}

static long do_ioctl(struct fz *fz, struct call *c, int *err, __u64 *ns)
{
	__u64 t0 = mmscope_now_ns();
	long ret = ioctl(c->fd, c->cmd, c->a.p);

	*err = ret < 0 ? errno : 0;
	*ns = mmscope_now_ns() - t0;
	return ret;
}

static struct sfd *pick_fd(struct fz *fz)
{
	return &fz->fds[below(&fz->r, NFD)];
}

static void call_init(struct fz *fz, struct call *c, int op)
{
	memset(c, 0, offsetof(struct call, img));
	memset(c->img, 0, sizeof(c->img));
	c->op = op;
	c->cmd = ops[op].cmd;
	c->b.kind = -1;
	c->s.kind = -1;
	c->pc = -1;
	c->sf = pick_fd(fz);
	c->fd = pct(&fz->r, 50) ? fz->fd : c->sf->fd;
}

/* ---- the ioctls ---------------------------------------------------------------- */

static void op_get_api(struct fz *fz, struct call *c)
{
	struct mmscope_api a;
	unsigned int m;
	__u64 ns;
	long ret;
	int err;

	memset(&a, 0, sizeof(a));
	a.flags = pick_flags(fz, &fz->r, 0);
	pick_reserved(fz, &fz->r, &a.__reserved0, sizeof(a.__reserved0));
	pick_reserved(fz, &fz->r, a.__reserved, sizeof(a.__reserved));
	pick_output(&fz->r, &a.api_version, offsetof(struct mmscope_api, __reserved0) -
		    offsetof(struct mmscope_api, api_version));
	memcpy(c->img, &a, sizeof(a));
	finish_header(fz, c, sizeof(a), -1);
	place_arg(fz, c);
	m = expect_size_rule(c, sizeof(a));
	if (!m) {
		memcpy(&a, c->img, sizeof(a));
		if (a.flags || a.__reserved0 || a.__reserved[0] || a.__reserved[1]) {
			m = B(EINVAL);
			c->why = "flags or reserved not zero: EINVAL";
		} else {
			m = expect_copy_out(c, B(OK), sizeof(a));
			c->why = "valid";
		}
	}
	c->expect = m;
	ret = do_ioctl(fz, c, &err, &ns);
	judge(fz, c, ret, err, ns);
	check_arg_after(fz, c, sizeof(a), 0);
	if (c->res == RES_OK)
		check_get_api(fz, c);
}

static void op_mm_summary(struct fz *fz, struct call *c)
{
	struct mmscope_mm_summary s;
	unsigned int m;
	__u64 ns;
	long ret;
	int err;

	memset(&s, 0, sizeof(s));
	s.flags = pick_flags(fz, &fz->r, 0);
	s.pid = pick_pid(fz);
	pick_reserved(fz, &fz->r, &s.__reserved0, sizeof(s.__reserved0));
	pick_reserved(fz, &fz->r, s.__reserved, sizeof(s.__reserved));
	pick_output(&fz->r, &s.rss, offsetof(struct mmscope_mm_summary, __reserved) -
		    offsetof(struct mmscope_mm_summary, rss));
	memcpy(c->img, &s, sizeof(s));
	finish_header(fz, c, sizeof(s), -1);
	place_arg(fz, c);
	memcpy(&s, c->img, sizeof(s));
	c->pc = classify(fz, s.pid);
	m = expect_size_rule(c, sizeof(s));
	if (!m) {
		if (s.flags || s.__reserved0 ||
		    nonzero((void *)s.__reserved, sizeof(s.__reserved))) {
			m = B(EINVAL);
			c->why = "flags or reserved not zero: EINVAL";
		} else {
			m = expect_copy_out(c, expect_mm_target(c->pc, &c->why), sizeof(s));
		}
	}
	c->expect = m;
	ret = do_ioctl(fz, c, &err, &ns);
	judge(fz, c, ret, err, ns);
	check_arg_after(fz, c, sizeof(s), 0);
	if (c->res == RES_OK)
		check_summary(fz, c);
}

/* PT_WALK ranges: mostly small ones inside what the target mapped. */
static void pick_range(struct fz *fz, int pc, __u64 *start, __u64 *end)
{
	struct rng *r = &fz->r;
	struct region reg;
	__u64 s, e, n;

	if (pc == PC_LIVE || (pc != PC_SELF && pct(r, 30)))
		reg = fz->lm.r[below(r, fz->lm.n)];
	else if (pc == PC_SELF || pct(r, 40))
		reg = fz->self_r[below(r, ARRAY_SIZE(fz->self_r))];
	else
		reg = (struct region){ SPAWN_BASE, SPAWN_BASE + SPAWN_MAX };
	n = (reg.end - reg.start) / PAGE;
	s = reg.start + PAGE * below(r, n);
	e = s + PAGE * (1 + below(r, 64));
	if (e > reg.end && pct(r, 70))
		e = reg.end;
	switch (dirty(fz) ? below(r, 18) : pct(r, 5) ? 5 : 10) {
	case 0:	/* EDOM */
		s += 1 + below(r, PAGE - 1);
		break;
	case 1:
		e -= 1 + below(r, PAGE - 1);
		break;
	case 2:	/* ERANGE */
		e = s;
		break;
	case 3:
		e = s - PAGE * below(r, 4);
		s += PAGE;
		break;
	case 4:								/* above the limit */
		switch (below(r, 4)) {
		case 0:
			e = fz->walk_limit;
			break;
		case 1:
			e = fz->walk_limit + PAGE;
			break;
		case 2:
			e = 1ULL << 56;
			break;
		default:
			e = ~0ULL & ~(PAGE - 1);
			break;
		}
		break;
	case 5:	/* everything */
		s = 0;
		e = fz->walk_limit;
		break;
	case 6:
		s = fz->walk_limit - PAGE * (1 + below(r, 64));
		e = fz->walk_limit;
		break;
	case 7:
		s = 1ULL << 47;
		e = s + PAGE * (1 + below(r, 64));
		break;
	case 8:
		s = rnd(r);
		e = rnd(r);
		break;
	case 9:
		s = rnd(r) & ~(PAGE - 1) & (fz->walk_limit - 1);
		e = s + PAGE * (1 + below(r, 512));
		break;
	default:
		break;
	}
	*start = s;
	*end = e;
}

static void op_pt_walk(struct fz *fz, struct call *c)
{
	struct mmscope_pt_walk w;
	unsigned int m;
	__u64 ns, room;
	long ret;
	int err;

	memset(&w, 0, sizeof(w));
	w.flags = pick_flags(fz, &fz->r, MMSCOPE_WALK_FLAGS_ALL);
	w.pid = pick_pid(fz);
	/* dense: mostly its one size, sometimes a record's (EINVAL) */
	if ((w.flags & MMSCOPE_WALK_DENSE) && pct(&fz->r, 80))
		w.rec_size = pick_rec_size(fz, &fz->r, MMSCOPE_PT_DENSE_SIZE);
	else
		w.rec_size = pick_rec_size(fz, &fz->r, MMSCOPE_PT_REC_SIZE_VER0);
	pick_range(fz, classify(fz, w.pid), &w.start, &w.end);
	place_buf(fz, c, w.rec_size);
	w.buf = (unsigned long)c->b.p;
	w.buf_len = pick_buf_len(fz, &fz->r, w.rec_size, c->b.wr);
	pick_reserved(fz, &fz->r, w.__reserved, sizeof(w.__reserved));
	pick_output(&fz->r, &w.walk_end, 3 * sizeof(__u64));
	memcpy(c->img, &w, sizeof(w));
	finish_header(fz, c, sizeof(w), offsetof(struct mmscope_pt_walk, buf));
	place_arg(fz, c);
	memcpy(&w, c->img, sizeof(w));
	c->b_len = w.buf_len;
	c->pc = classify(fz, w.pid);
	prefill_buf(c, w.buf_len);
	m = expect_size_rule(c, sizeof(w));
	if (m) {
		;
	} else if ((w.flags & ~MMSCOPE_WALK_FLAGS_ALL) ||
		   nonzero((void *)w.__reserved, sizeof(w.__reserved)) ||
		   ((w.flags & MMSCOPE_WALK_DENSE) ?
		    (w.flags & MMSCOPE_WALK_RUNS) || w.rec_size != MMSCOPE_PT_DENSE_SIZE :
		    w.rec_size < MMSCOPE_PT_REC_SIZE_VER0 || w.rec_size % 8 || w.rec_size > 4096)) {
		/* abi.md: "Errors, in the order checked" */
		m = B(EINVAL);
		c->why = "flags, reserved or rec_size: EINVAL (first in abi.md's order)";
	} else if (w.start % PAGE || w.end % PAGE) {
		m = B(EDOM);
		c->why = "start or end not page-aligned: EDOM (second)";
	} else if (w.start >= w.end || w.end > fz->walk_limit) {
		m = B(ERANGE);
		c->why = "start >= end or end above the paging limit: ERANGE (third)";
	} else if (w.buf_len < w.rec_size) {
		m = B(ENOBUFS);
		c->why = "buf_len below one record: ENOBUFS (fourth)";
	} else {
		m = expect_mm_target(c->pc, &c->why);
		room = w.buf_len / w.rec_size * w.rec_size;
		if (w.flags & MMSCOPE_WALK_DENSE) {
			/* every page gets an entry: exactly this many bytes */
			__u64 pages = (w.end - w.start) / PAGE;

			room = (pages < w.buf_len / 8 ? pages : w.buf_len / 8) * 8;
			if ((m & B(OK)) && c->b.wr < room)
				m = (m & ~B(OK)) | B(EFAULT);
		} else if ((m & B(OK)) && c->b.wr < room) {
			m |= B(EFAULT);		/* depends on how many records there are */
		}
		m = expect_copy_out(c, m, sizeof(w));
	}
	c->expect = m;
	ret = do_ioctl(fz, c, &err, &ns);
	judge(fz, c, ret, err, ns);
	check_arg_after(fz, c, sizeof(w), 0);
	if (c->res == RES_OK && (w.flags & MMSCOPE_WALK_DENSE))
		check_pt_dense(fz, c);
	else if (c->res == RES_OK)
		check_pt_walk(fz, c);
	else if (c->res != RES_EFAULT && c->res != RES_EINTR && c->b.view)
		check_buf_rest(fz, c, 0);
}

static void op_vmas(struct fz *fz, struct call *c)
{
	struct mmscope_vmas a;
	unsigned int m;
	__u64 ns, room;
	long ret;
	int err;

	memset(&a, 0, sizeof(a));
	a.flags = pick_flags(fz, &fz->r, 0);
	a.pid = pick_pid(fz);
	a.rec_size = pick_rec_size(fz, &fz->r, MMSCOPE_VMA_REC_SIZE_VER0);
	pick_range(fz, classify(fz, a.pid), &a.start, &a.end);
	if (!dirty(fz) && pct(&fz->r, 20)) {	/* whole address spaces too */
		a.start = 0;
		a.end = fz->walk_limit;
	}
	place_buf(fz, c, a.rec_size);
	a.buf = (unsigned long)c->b.p;
	a.buf_len = pick_buf_len(fz, &fz->r, a.rec_size, c->b.wr);
	place_strings(fz, c);
	a.strings = (unsigned long)c->s.p;
	a.strings_len = pick_strings_len(fz, c);
	pick_reserved(fz, &fz->r, a.__reserved, sizeof(a.__reserved));
	pick_output(&fz->r, &a.walk_end, 3 * sizeof(__u64));
	memcpy(c->img, &a, sizeof(a));
	/* the stray bit spares both pointers: the module writes where they point */
	finish_header(fz, c, sizeof(a), offsetof(struct mmscope_vmas, buf));
	memcpy(c->img + offsetof(struct mmscope_vmas, strings), &a.strings, sizeof(a.strings));
	place_arg(fz, c);
	memcpy(&a, c->img, sizeof(a));
	c->b_len = a.buf_len;
	c->s_len = a.strings_len;
	c->pc = classify(fz, a.pid);
	prefill_buf(c, a.buf_len);
	prefill_strings(c, a.strings_len);
	m = expect_size_rule(c, sizeof(a));
	if (m) {
		;
	} else if (a.flags || nonzero((void *)a.__reserved, sizeof(a.__reserved)) ||
		   a.rec_size < MMSCOPE_VMA_REC_SIZE_VER0 || a.rec_size % 8 || a.rec_size > 4096) {
		/* abi.md: "Errors, in the order checked" */
		m = B(EINVAL);
		c->why = "flags, reserved or rec_size: EINVAL (first in abi.md's order)";
	} else if (a.start % PAGE || a.end % PAGE) {
		m = B(EDOM);
		c->why = "start or end not page-aligned: EDOM (second)";
	} else if (a.start >= a.end || a.end > fz->walk_limit) {
		m = B(ERANGE);
		c->why = "start >= end or end above the paging limit: ERANGE (third)";
	} else if (a.buf_len < a.rec_size) {
		m = B(ENOBUFS);
		c->why = "buf_len below one record: ENOBUFS (fourth)";
	} else {
		m = expect_mm_target(c->pc, &c->why);
		room = a.buf_len / a.rec_size * a.rec_size;
		if (m & B(OK)) {
			/* these depend on the VMAs in the range and their paths */
			if (c->b.wr < room)
				m |= B(EFAULT);
			if (c->s.wr < a.strings_len)
				m |= B(EFAULT);
			if (a.strings_len < PATH_ROOM)
				m |= B(ENOBUFS);
		}
		m = expect_copy_out(c, m, sizeof(a));
	}
	c->expect = m;
	ret = do_ioctl(fz, c, &err, &ns);
	judge(fz, c, ret, err, ns);
	check_arg_after(fz, c, sizeof(a), 0);
	if (c->res == RES_OK) {
		check_vmas(fz, c);
	} else if (c->res != RES_EFAULT && c->res != RES_EINTR) {
		if (c->b.view)
			check_buf_rest(fz, c, 0);
		check_strings_rest(fz, c, 0);
	}
}

static void op_track(struct fz *fz, struct call *c)
{
	struct mmscope_track t;
	unsigned int m;
	int tr, full;
	__u64 ns;
	long ret;
	int err;

	memset(&t, 0, sizeof(t));
	t.flags = pick_flags(fz, &fz->r, MMSCOPE_TRACK_FLAGS_ALL);
	if (pct(&fz->r, 35))
		t.flags = MMSCOPE_TRACK_REMOVE;
	t.pid = pick_pid(fz);
	/*
	 * The spawner tracked with CHILDREN fills the table with its children
	 * (adopted while they exit: worth it), and each costs an untrack: twice
	 * per test is enough.
	 */
	if (t.pid == fz->spawner && (t.flags & MMSCOPE_TRACK_CHILDREN) && fz->adoptions >= 2)
		t.pid = fz->live.pid;
	if (t.pid == fz->spawner && (t.flags & MMSCOPE_TRACK_CHILDREN))
		fz->adoptions++;
	pick_reserved(fz, &fz->r, &t.__reserved0, sizeof(t.__reserved0));
	pick_reserved(fz, &fz->r, t.__reserved, sizeof(t.__reserved));
	memcpy(c->img, &t, sizeof(t));
	finish_header(fz, c, sizeof(t), -1);
	place_arg(fz, c);
	memcpy(&t, c->img, sizeof(t));
	c->pc = classify(fz, t.pid);
	tr = is_tracked(fz, c->pc, t.pid);
	full = unsure(fz) || nr_tracked(fz) >= MMSCOPE_TRACK_MAX;
	m = expect_size_rule(c, sizeof(t));
	if (m) {
		;
	} else if ((t.flags & ~MMSCOPE_TRACK_FLAGS_ALL) || t.__reserved0 ||
		   nonzero((void *)t.__reserved, sizeof(t.__reserved)) ||
		   ((t.flags & MMSCOPE_TRACK_REMOVE) &&
		    (t.flags & (MMSCOPE_TRACK_CHILDREN | MMSCOPE_TRACK_ON_CLOSE)))) {
		m = B(EINVAL);
		c->why = "unknown flags, reserved, or REMOVE with CHILDREN or ON_CLOSE: EINVAL";
	} else if (c->pc == PC_NEG) {
		m = B(ESRCH);
		c->why = "abi.md Targets: a negative pid: ESRCH";
	} else if (t.flags & MMSCOPE_TRACK_REMOVE) {
		if (tr == 1) {
			m = B(OK);
			c->why = "tracked: removed";
		} else if (tr == 0) {
			m = B(ENOENT);
			c->why = "not tracked: ENOENT";
			if (c->pc != PC_SELF && c->pc != PC_LIVE && c->pc != PC_INIT) {
				m |= B(ESRCH);
				c->why = "not tracked: ENOENT, or not a process with memory: ESRCH (abi.md Targets)";
			}
		} else {
			m = B(OK) | B(ENOENT) | B(ESRCH);
			c->why = "children tracked behind our back: may or may not be tracked";
		}
	} else {
		switch (c->pc) {
		case PC_THREAD: case PC_NONE:
			m = B(ESRCH);
			c->why = "no such tgid: ESRCH";
			break;
		case PC_KTHREAD: case PC_ZOMBIE:
			/* ... and EEXIST once the module tracked it anyway */
			m = B(ESRCH) | (tr ? B(EEXIST) : 0);
			c->why = "abi.md Targets: a process without user memory (kernel thread, zombie): ESRCH";
			break;
		case PC_OTHER:
			/*
			 * abi.md does not order ESRCH and EEXIST: an exited,
			 * tracked process may answer either.
			 */
			m = tr == 1 ? B(EEXIST) | B(ESRCH) : tr == 0 ? B(OK) | B(ESRCH) :
			    B(OK) | B(ESRCH) | B(EEXIST);
			c->why = "a process that may have exited";
			break;
		default:
			m = tr ? B(EEXIST) : B(OK);
			c->why = tr ? "already tracked: EEXIST" : "not tracked yet";
			break;
		}
		if (full) {
			m |= B(ENOSPC);
			if (!unsure(fz))
				m &= ~B(OK);
		}
	}
	c->expect = m;
	ret = do_ioctl(fz, c, &err, &ns);
	judge(fz, c, ret, err, ns);
	check_arg_after(fz, c, sizeof(t), 1);
	if (c->res != RES_OK)
		return;
	if (t.flags & MMSCOPE_TRACK_REMOVE) {
		fz->n_rm++;
		fz->ns_rm += ns;
		model_untracked(fz, c->pc, t.pid);
	} else {
		fz->n_add++;
		fz->ns_add += ns;
		if (c->pc == PC_KTHREAD || c->pc == PC_ZOMBIE)
			fz->note_kthread_zombie_tracked++;
		model_tracked(fz, c->pc, t.pid, t.flags);
		/* through fz->fd it lasts the test; a stream file may be reopened */
		if ((t.flags & MMSCOPE_TRACK_ON_CLOSE) && c->fd == c->sf->fd &&
		    c->sf->nowned < MMSCOPE_TRACK_MAX) {
			c->sf->owned[c->sf->nowned].pc = c->pc;
			c->sf->owned[c->sf->nowned++].pid = t.pid;
		}
	}
}

/* FAULT_STATS and FAULT_STREAM: "a tracked tgid (-ENOENT if not tracked)" */
static unsigned int expect_tracked_target(struct fz *fz, struct call *c, __s32 pid)
{
	int tr;

	if (c->pc == PC_NEG || c->pc == PC_THREAD || c->pc == PC_NONE) {
		c->why = "not tracked: ENOENT; abi.md Targets: no such tgid or negative: ESRCH";
		return B(ENOENT) | B(ESRCH);
	}
	tr = is_tracked(fz, c->pc, pid);
	if (tr < 0) {
		c->why = "children tracked behind our back: may or may not be tracked";
		return B(OK) | B(ENOENT) | B(ESRCH);
	}
	if (tr) {
		c->why = "tracked";
		return B(OK);
	}
	c->why = "not tracked: ENOENT";
	if (c->pc == PC_KTHREAD || c->pc == PC_ZOMBIE || c->pc == PC_OTHER)
		return B(ENOENT) | B(ESRCH);
	return B(ENOENT);
}

static void op_fault_stats(struct fz *fz, struct call *c)
{
	struct mmscope_fault_stats *s = calloc(1, sizeof(*s));
	unsigned int m;
	__u64 ns;
	long ret;
	int err;

	if (!s)
		return;
	s->flags = pick_flags(fz, &fz->r, 0);
	s->pid = pick_pid(fz);
	pick_reserved(fz, &fz->r, s->__reserved, sizeof(s->__reserved));
	/* Output fields, nr_vmas among them (abi.md: ignored on input). */
	if (!fz->clean && pct(&fz->r, 10))
		s->nr_vmas = rnd(&fz->r);
	pick_output(&fz->r, &s->total, offsetof(struct mmscope_fault_stats, __reserved) -
		    offsetof(struct mmscope_fault_stats, total));
	pick_output(&fz->r, s->vmas, sizeof(s->vmas));
	memcpy(c->img, s, sizeof(*s));
	finish_header(fz, c, sizeof(*s), -1);
	place_arg(fz, c);
	memcpy(s, c->img, sizeof(*s));
	c->pc = classify(fz, s->pid);
	m = expect_size_rule(c, sizeof(*s));
	if (m) {
		;
	} else if (s->flags || nonzero((void *)s->__reserved, sizeof(s->__reserved))) {
		m = B(EINVAL);
		c->why = "flags or reserved not zero: EINVAL";
	} else {
		m = expect_copy_out(c, expect_tracked_target(fz, c, s->pid ? s->pid : fz->self),
				    sizeof(*s));
		if (s->nr_vmas)
			c->why = "nr_vmas is an output field (header: \"out\"); abi.md: output fields are ignored on input";
	}
	c->expect = m;
	ret = do_ioctl(fz, c, &err, &ns);
	judge(fz, c, ret, err, ns);
	check_arg_after(fz, c, sizeof(*s), 0);
	if (c->res == RES_OK)
		check_fault_stats(fz, c);
	free(s);
}

static void reopen_fd(struct fz *fz, struct sfd *sf)
{
	int fd = open(MMSCOPE_DEV, O_RDWR | O_CLOEXEC | (sf->nonblock ? O_NONBLOCK : 0));
	__u64 t0 = mmscope_now_ns();

	if (fd < 0)
		return;		/* keep the old one */
	close(sf->fd);
	/* its MMSCOPE_TRACK_ON_CLOSE entries went with it (and their children) */
	while (sf->nowned > 0)
		model_untracked(fz, sf->owned[sf->nowned - 1].pc, sf->owned[sf->nowned - 1].pid);
	fz->n_reopen++;
	fz->ns_reopen += mmscope_now_ns() - t0;
	sf->fd = fd;
	sf->ring = 0;
	sf->read_recs = 0;
	sf->dropped = 0;
	sf->lost = 0;
}

/* Is @sf a stream?  poll() says EPOLLERR only for files that are not. */
static int probe_stream(struct sfd *sf)
{
	struct pollfd p = { .fd = sf->fd, .events = POLLIN };

	if (poll(&p, 1, 0) < 0)
		return -1;
	return !(p.revents & POLLERR);
}

static __u32 pick_ring(struct fz *fz, struct rng *r)
{
	if (!dirty(fz))
		return 1U << (4 + below(r, pct(r, 90) ? 8 : 13));
	switch (below(r, 14)) {
	case 0: return 0;
	case 1: return 15;
	case 2: return 17;
	case 3: return 1U << 17;		/* above 65536: E2BIG */
	case 4: return 1U << (17 + below(r, 15));
	case 5: return (__u32)rnd(r);
	case 6: return 65536;
	case 7: return 65536 + 16;
	case 8: return 1U << below(r, 4);
	default: return 1U << (4 + below(r, 8));	/* 16 .. 2048 */
	}
}

static void op_fault_stream(struct fz *fz, struct call *c)
{
	struct mmscope_fault_stream a;
	struct sfd *sf = c->sf;
	unsigned int m;
	__u64 ns;
	long ret;
	int err;

	c->fd = sf->fd;
	memset(&a, 0, sizeof(a));
	a.flags = pick_flags(fz, &fz->r, MMSCOPE_STREAM_FLAGS_ALL);
	a.pid = pct(&fz->r, 40) ? 0 : pick_pid(fz);
	a.ring_records = sf->ring && pct(&fz->r, 50) ? sf->ring : pick_ring(fz, &fz->r);
	/* a watermark: mostly a valid one with the flag, 0 without it */
	if (pct(&fz->r, 85))
		a.watermark = (a.flags & MMSCOPE_STREAM_WATERMARK) && a.ring_records >= 2 ?
			      1 + below(&fz->r, a.ring_records / 2) : 0;
	else
		a.watermark = pct(&fz->r, 50) ? 0 : (__u32)rnd(&fz->r);
	pick_reserved(fz, &fz->r, &a.__reserved0, sizeof(a.__reserved0));
	pick_reserved(fz, &fz->r, &a.__reserved1, sizeof(a.__reserved1));
	pick_output(&fz->r, &a.dropped, 2 * sizeof(__u64));
	memcpy(c->img, &a, sizeof(a));
	finish_header(fz, c, sizeof(a), -1);
	place_arg(fz, c);
	memcpy(&a, c->img, sizeof(a));
	c->pc = a.pid ? classify(fz, a.pid) : -1;
	m = expect_size_rule(c, sizeof(a));
	if (m) {
		;
	} else if ((a.flags & ~MMSCOPE_STREAM_FLAGS_ALL) || a.__reserved0 || a.__reserved1 ||
		   a.ring_records < 16 || (a.ring_records & (a.ring_records - 1))) {
		m = B(EINVAL);
		c->why = "flags, reserved, or ring_records below 16 or not a power of two: EINVAL";
	} else if ((a.flags & MMSCOPE_STREAM_WATERMARK) ?
		   !a.watermark || a.watermark > a.ring_records / 2 : a.watermark) {
		m = B(EINVAL);
		c->why = "a watermark without the flag, or 0 or above ring_records / 2: EINVAL";
	} else if (a.ring_records > 65536) {
		m = B(E2BIG);
		c->why = "ring_records above 65536: E2BIG";
	} else {
		/*
		 * abi.md orders none of these, so any rule that applies may
		 * answer.  A file that is a stream already ignores the pid.
		 */
		int tr = a.pid > 0 ? is_tracked(fz, c->pc, a.pid) : 1;
		int busy = sf->ring && sf->ring != a.ring_records;

		if (a.pid < 0) {
			m = B(ESRCH) | B(ENOENT) | (busy ? B(EBUSY) : 0);
			c->why = "negative pid: ESRCH (abi.md Targets) or ENOENT (not tracked)";
		} else if (busy) {
			m = B(EBUSY) | (a.pid > 0 && tr != 1 ? B(ENOENT) | B(ESRCH) : 0);
			c->why = "already a stream with another ring size: EBUSY";
		} else if (sf->ring) {
			m = B(OK) | (a.pid > 0 && tr != 1 ? B(ENOENT) | B(ESRCH) : 0);
			c->why = "a stream with this ring size: the totals";
		} else {
			m = a.pid > 0 ? expect_tracked_target(fz, c, a.pid) : B(OK);
			/* The module-wide cap on ring memory (not in the uapi). */
			if (m & B(OK))
				m |= B(ENOSPC);
		}
		m = expect_copy_out(c, m, sizeof(a));
	}
	c->expect = m;
	ret = do_ioctl(fz, c, &err, &ns);
	judge(fz, c, ret, err, ns);
	check_arg_after(fz, c, sizeof(a), 0);
	if (c->res == RES_OK) {
		struct mmscope_fault_stream out;

		__u32 wm = (a.flags & MMSCOPE_STREAM_WATERMARK) ? a.watermark :
			   sf->ring ? sf->wm : 1;

		memcpy(&out, c->a.view, sizeof(out));
		if (out.flags != a.flags || out.pid != a.pid ||
		    out.ring_records != a.ring_records ||
		    out.delivered != sf->read_recs || (wm && out.watermark != wm))
			fz_fail(fz, c, "FAULT_STREAM totals inconsistent",
				"delivered %llu, read() returned %llu records; watermark %u, want %u",
				(unsigned long long)out.delivered,
				(unsigned long long)sf->read_recs, out.watermark, wm);
		sf->wm = out.watermark;
		/* faults.md: records a read() could not copy out count as dropped */
		if (out.dropped < sf->dropped + sf->lost)
			fz_fail(fz, c, "FAULT_STREAM dropped does not count records read() lost to EFAULT",
				"dropped %llu, was %llu, %llu read()s failed with EFAULT since",
				(unsigned long long)out.dropped, (unsigned long long)sf->dropped,
				(unsigned long long)sf->lost);
		sf->ring = a.ring_records;
		sf->dropped = out.dropped;
		sf->lost = 0;
	} else if (c->res == RES_ENOSPC) {
		fz->note_ring_enospc++;
	} else if (c->res == RES_EFAULT && !sf->ring && c->a.rd >= c->usize) {
		/* The copy-in worked: did the file become a stream anyway? */
		if (probe_stream(sf) == 1) {
			fz->note_stream_efault++;
			sf->ring = a.ring_records;
			sf->wm = 0;	/* whichever the call asked: unknown here */
		}
	} else if (c->res == RES_EFAULT && sf->ring) {
		sf->wm = 0;		/* it may have set a new watermark */
	}
}

static void op_phys(struct fz *fz, struct call *c)
{
	const struct op *o = &ops[c->op];
	struct mmscope_phys_snap s;
	unsigned int m;
	__u64 ns, room;
	long ret;
	int err;

	memset(&s, 0, sizeof(s));
	s.flags = pick_flags(fz, &fz->r, 0);
	s.rec_size = pick_rec_size(fz, &fz->r, o->rec_ver0);
	place_buf(fz, c, s.rec_size);
	s.buf = (unsigned long)c->b.p;
	s.buf_len = pct(&fz->r, 15) ? 0 : pick_buf_len(fz, &fz->r, s.rec_size, c->b.wr);
	pick_reserved(fz, &fz->r, &s.__reserved0, sizeof(s.__reserved0));
	pick_reserved(fz, &fz->r, s.__reserved, sizeof(s.__reserved));
	pick_output(&fz->r, &s.nr_recs, 2 * sizeof(__u64));
	memcpy(c->img, &s, sizeof(s));
	finish_header(fz, c, sizeof(s), offsetof(struct mmscope_phys_snap, buf));
	place_arg(fz, c);
	memcpy(&s, c->img, sizeof(s));
	c->b_len = s.buf_len;
	prefill_buf(c, s.buf_len);
	m = expect_size_rule(c, sizeof(s));
	if (m) {
		;
	} else if (s.flags || s.__reserved0 || s.__reserved[0] || s.__reserved[1] ||
		   s.rec_size < o->rec_ver0 || s.rec_size % 8 || s.rec_size > 4096) {
		m = B(EINVAL);
		c->why = "flags, reserved, or rec_size below VER0 / not a multiple of 8 / above 4096: EINVAL";
	} else if (c->op == OP_PHYS_SLAB && !fz->slab_ok) {
		m = B(ENODATA);
		c->why = "no slab layout: ENODATA";
	} else {
		m = B(OK);
		c->why = "valid";
		room = s.buf_len / s.rec_size * s.rec_size;
		if (c->b.wr < room)
			m |= B(EFAULT);
		m = expect_copy_out(c, m, sizeof(s));
	}
	c->expect = m;
	ret = do_ioctl(fz, c, &err, &ns);
	judge(fz, c, ret, err, ns);
	check_arg_after(fz, c, sizeof(s), 0);
	if (c->res == RES_OK)
		check_phys(fz, c);
	else if (c->res != RES_EFAULT && c->res != RES_EINTR && c->b.view)
		check_buf_rest(fz, c, 0);
}

static int is_real_cmd(unsigned int cmd)
{
	int i;

	for (i = 0; i < OP_NR_IOCTLS; i++)
		if (ops[i].cmd == cmd)
			return 1;
	return 0;
}

/*
 * Types whose commands the VFS itself handles before the driver sees them
 * (fs/ioctl.c do_vfs_ioctl(): FIOCLEX, FIONCLEX, FIONBIO, FIOASYNC, FIOQSIZE
 * and FIONREAD are 'T'; FIFREEZE, FITHAW, FS_IOC_FS[GS]ETXATTR 'X';
 * FS_IOC_FIEMAP, FS_IOC_[GS]ETFLAGS 'f'; FIBMAP, FIGETBSZ 0x00; FICLONE*,
 * FIDEDUPERANGE 0x94; 6.12's FS_IOC_GETFSUUID, FS_IOC_GETFSSYSFSPATH 0x15).
 * Random commands never use these types: only -ENOTTY is expected from a
 * command the module does not know, and FIFREEZE on devtmpfs or FIONBIO on
 * our files would be no test of the module.
 */
static int vfs_type(unsigned int cmd)
{
	switch (_IOC_TYPE(cmd)) {
	case 0x00: case 0x15: case 'T': case 'X': case 'f': case 0x94:
		return 1;
	}
	return 0;
}

static void op_unknown(struct fz *fz, struct call *c)
{
	struct rng *r = &fz->r;
	unsigned int cmd, real;
	__u64 ns;
	long ret;
	int err;

	do {
		real = ops[below(r, OP_NR_IOCTLS)].cmd;
		switch (c->op) {
		case OP_BAD_NUMBER:
			if (pct(r, 50))
				cmd = (real & ~(_IOC_DIRMASK << _IOC_DIRSHIFT)) |
				      ((unsigned int)below(r, 4) << _IOC_DIRSHIFT);
			else if (pct(r, 70))
				cmd = (real & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT)) |
				      ((unsigned int)below(r, 1 << 14) << _IOC_SIZESHIFT);
			else
				cmd = real ^ (1U << below(r, 32));
			break;
		case OP_UNUSED:
			cmd = _IOC(below(r, 4), MMSCOPE_IOC_MAGIC, below(r, 256),
				   below(r, 1 << 14));
			break;
		default:
			cmd = rnd(r);
			if (_IOC_TYPE(cmd) == MMSCOPE_IOC_MAGIC)
				cmd ^= 1U << _IOC_TYPESHIFT;
			break;
		}
	} while (is_real_cmd(cmd) || vfs_type(cmd));
	c->cmd = cmd;
	finish_header(fz, c, 8 * (1 + below(r, 8)), -1);
	place_arg(fz, c);
	c->expect = B(ENOTTY);
	c->why = "a command the module does not know: ENOTTY";
	ret = do_ioctl(fz, c, &err, &ns);
	judge(fz, c, ret, err, ns);
	check_arg_after(fz, c, 0, 1);
}

/* ---- read() and poll() --------------------------------------------------------- */

static __u64 pick_read_len(struct rng *r)
{
	static const __u64 lens[] = {
		0, 1, 63, 64, 65, 127, 128, 640, 1024, 4096, 16384, 65536, 1 << 20,
		1ULL << 40, 1ULL << 62, ~0ULL, 64 * 16, 64 * 17,
	};

	if (pct(r, 25))
		return below(r, 1 << 17);
	return lens[below(r, ARRAY_SIZE(lens))];
}

/* vfs_read()'s access_ok(): the whole range below TASK_SIZE_MAX. */
static int uaccess_bad(struct fz *fz, const void *p, __u64 len)
{
	__u64 a = (unsigned long)p;

	return len > fz->uaccess_limit || a > fz->uaccess_limit - len;
}

static void op_read(struct fz *fz, struct call *c)
{
	struct sfd *sf = c->sf;
	__u64 len = (size_t)pick_read_len(&fz->r), eff, ns, t0;	/* 32-bit: size_t */
	unsigned int m;
	ssize_t ret;
	int err;
	size_t i;

	c->fd = sf->fd;
	place_buf(fz, c, 64);
	c->b_len = len;
	c->a.kind = PK_NULL;
	eff = len > MAX_RW ? MAX_RW : len;
	if (uaccess_bad(fz, c->b.p, len)) {
		m = B(EFAULT);
		c->why = "read(2): a buffer outside the user address space: EFAULT (vfs_read)";
	} else if (!sf->ring) {
		m = B(EINVAL);
		c->why = "not a stream: EINVAL";
	} else if (eff < 64) {
		m = B(EINVAL);
		c->why = "a buffer below one record: EINVAL";
	} else {
		if (!sf->nonblock) {
			struct pollfd p = { .fd = sf->fd, .events = POLLIN };

			/* A blocking stream read only when records wait. */
			if (poll(&p, 1, 0) != 1 || !(p.revents & POLLIN))
				return;
		}
		m = B(OK) | (sf->nonblock ? B(EAGAIN) : 0);
		if (c->b.wr < eff / 64 * 64)
			m |= B(EFAULT);
		if (c->b.wr < 64)
			m &= ~B(OK);
		c->why = "a stream: records, or EAGAIN when none wait";
	}
	c->expect = m;
	prefill_buf(c, eff);
	t0 = mmscope_now_ns();
	ret = read(sf->fd, c->b.p, len);
	err = ret < 0 ? errno : 0;
	ns = mmscope_now_ns() - t0;
	judge(fz, c, ret, err, ns);
	if (c->res == RES_EFAULT && m != B(EFAULT)) {
		fz->note_read_efault++;
		sf->lost++;	/* the module's EFAULT: it took records */
	}
	if (c->res != RES_OK) {
		if (c->b.view && c->res != RES_EFAULT)
			check_buf_rest(fz, c, 0);
		return;
	}
	if (ret % 64 || ret < 64 || (__u64)ret > eff || (size_t)ret > c->b.wr) {
		fz_fail(fz, c, "read() length inconsistent", "%zd bytes for %llu", ret,
			(unsigned long long)len);
		return;
	}
	sf->read_recs += ret / 64;
	if (!c->b.view)
		return;
	for (i = 0; i < (size_t)ret / 64; i++) {
		struct mmscope_fault_event e;

		memcpy(&e, c->b.view + 64 * i, sizeof(e));
		check_event(fz, c, &e, i);
	}
	/*
	 * A buffer that ends before the length asked for: the copy of the
	 * batch after the records returned may have written part of it
	 * before it faulted (read(2) leaves bytes past its count unspecified).
	 */
	if (c->b.wr >= eff)
		check_buf_rest(fz, c, ret);
	else if (!all_bytes(c->b.view + ret, PATTERN_BYTE, c->b_chk - ret))
		fz->note_read_partial++;
}

static void op_poll(struct fz *fz, struct call *c)
{
	static const short evs[] = { POLLIN, POLLOUT, POLLPRI, POLLRDNORM, POLLWRNORM, 0 };
	struct pollfd p[3];
	struct sfd *sf[3];
	int n = 1 + below(&fz->r, 3), i, ready = 0, err;
	__u64 t0, ns;
	long ret;

	for (i = 0; i < n; i++) {
		sf[i] = pick_fd(fz);
		p[i].fd = sf[i]->fd;
		p[i].events = evs[below(&fz->r, 6)] | evs[below(&fz->r, 6)];
		p[i].revents = 0;
	}
	c->expect = B(OK);
	c->why = "poll(): streams report EPOLLIN";
	c->fd = p[0].fd;
	t0 = mmscope_now_ns();
	ret = poll(p, n, 0);
	err = ret < 0 ? errno : 0;
	ns = mmscope_now_ns() - t0;
	judge(fz, c, ret, err, ns);
	if (ret < 0)
		return;
	for (i = 0; i < n; i++) {
		if (p[i].revents)
			ready++;
		if (!sf[i]->ring && p[i].revents != POLLERR)
			fz_fail(fz, c, "poll() on a file that is not a stream", "revents 0x%x",
				p[i].revents);
		if (!sf[i]->ring)
			fz->note_poll_err++;
		if (sf[i]->ring && (p[i].revents & ~(p[i].events & (POLLIN | POLLRDNORM))))
			fz_fail(fz, c, "poll() on a stream: more than EPOLLIN",
				"revents 0x%x for events 0x%x", p[i].revents, p[i].events);
	}
	if (ready != ret)
		fz_fail(fz, c, "poll() count inconsistent", "%ld for %d ready", ret, ready);
}

/*
 * The module-wide cap on ring memory: rings of 65536 records until
 * -ENOSPC (or 24 of them), then all closed again.
 */
static void ring_cap_probe(struct fz *fz)
{
	int fds[24], n = 0, i, err;
	struct call *c = calloc(1, sizeof(*c));
	__u64 t0;
	long ret;

	if (!c)
		return;
	for (i = 0; i < 24; i++) {
		struct mmscope_fault_stream a;

		fds[n] = open(MMSCOPE_DEV, O_RDWR | O_CLOEXEC | O_NONBLOCK);
		if (fds[n] < 0)
			break;
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.ring_records = 65536;
		memset(c, 0, offsetof(struct call, img));
		c->op = OP_FAULT_STREAM;
		c->cmd = MMSCOPE_IOC_FAULT_STREAM;
		c->fd = fds[n];
		c->b.kind = -1;
		c->s.kind = -1;
		c->pc = -1;
		c->a.kind = PK_VALID;
		c->a.p = fz->arg;
		c->a.view = c->a.p;
		c->a.rd = ARG_ARENA;
		c->a.wr = c->a.rd;
		memcpy(c->img, &a, sizeof(a));
		memcpy(fz->arg, &a, sizeof(a));
		c->len = sizeof(a);
		c->usize = sizeof(a);
		c->expect = B(OK) | B(ENOSPC);
		c->why = "the module-wide ring memory cap: ENOSPC";
		t0 = mmscope_now_ns();
		ret = ioctl(fds[n], MMSCOPE_IOC_FAULT_STREAM, fz->arg);
		err = ret < 0 ? errno : 0;
		judge(fz, c, ret, err, mmscope_now_ns() - t0);
		n++;
		if (c->res != RES_OK)
			break;
		fz->note_ring_cap_rings++;
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(c);
}

/* ---- the loop ------------------------------------------------------------------- */

static void fuzz_one(struct fz *fz, int op)
{
	struct call *c = malloc(sizeof(*c));

	if (!c)
		return;
	call_init(fz, c, op);
	fz->clean = pct(&fz->r, 45);
	switch (op) {
	case OP_GET_API:
		op_get_api(fz, c);
		break;
	case OP_MM_SUMMARY:
		op_mm_summary(fz, c);
		break;
	case OP_PT_WALK:
		op_pt_walk(fz, c);
		break;
	case OP_VMAS:
		op_vmas(fz, c);
		break;
	case OP_TRACK:
		op_track(fz, c);
		break;
	case OP_FAULT_STATS:
		op_fault_stats(fz, c);
		break;
	case OP_FAULT_STREAM:
		op_fault_stream(fz, c);
		break;
	case OP_PHYS_ZONES: case OP_PHYS_BUDDY: case OP_PHYS_LRU:
	case OP_PHYS_STATS: case OP_PHYS_SLAB: case OP_PHYS_PAGEBLOCKS:
	case OP_TRACKED: case OP_MODULE_MEMORY:
		op_phys(fz, c);
		break;
	case OP_READ:
		op_read(fz, c);
		break;
	case OP_POLL:
		op_poll(fz, c);
		break;
	default:
		op_unknown(fz, c);
		break;
	}
	free(c);
}

static void report(struct fz *fz, __u64 ns)
{
	unsigned long tot[RES_NR] = { 0 };
	char line[1024];
	size_t n;
	int i, j;

	for (i = 0; i < OP_NR; i++) {
		struct opstat *st = &fz->os[i];

		if (!st->calls)
			continue;
		n = snprintf(line, sizeof(line), "%-16s calls %6lu, %5.1f us/call:", ops[i].name,
			     st->calls, st->ns / 1000.0 / st->calls);
		for (j = 0; j < RES_NR; j++) {
			tot[j] += st->res[j];
			if (st->res[j] && n < sizeof(line))
				n += snprintf(line + n, sizeof(line) - n, " %s %lu", res_name[j],
					      st->res[j]);
		}
		ksft_print_msg("%s\n", line);
	}
	for (i = 0; i < PC_NR; i++) {
		unsigned long sum = 0;

		for (j = 0; j < RES_NR; j++)
			sum += fz->pcs[i][j];
		if (!sum)
			continue;
		n = snprintf(line, sizeof(line), "target %-14s calls %6lu:", pc_name[i], sum);
		for (j = 0; j < RES_NR; j++)
			if (fz->pcs[i][j] && n < sizeof(line))
				n += snprintf(line + n, sizeof(line) - n, " %s %lu", res_name[j],
					      fz->pcs[i][j]);
		ksft_print_msg("%s\n", line);
	}
	n = snprintf(line, sizeof(line), "%s: calls %lu, ok %lu, errors by errno:", fz->test,
		     fz->calls, tot[RES_OK]);
	for (j = 1; j < RES_NR; j++)
		if (tot[j] && n < sizeof(line))
			n += snprintf(line + n, sizeof(line) - n, " %s %lu", res_name[j], tot[j]);
	ksft_print_msg("%s\n", line);
	ksft_print_msg("%s: %.1f s, seed 0x%llx, %lu children spawned (%lu killed mid-run)\n",
		       fz->test, ns / 1e9, (unsigned long long)base_seed, fz->sp->n,
		       fz->sp->killed);
	if (fz->n_add || fz->n_rm || fz->n_cleanup || fz->n_reopen || fz->ns_cap)
		ksft_print_msg("time: TRACK added %lu (%.1f ms each), removed %lu (%.1f ms each); %lu cleanups %.1f s; %lu files reopened %.1f s; ring cap probe %.1f s\n",
			       fz->n_add, fz->n_add ? fz->ns_add / 1e6 / fz->n_add : 0.0,
			       fz->n_rm, fz->n_rm ? fz->ns_rm / 1e6 / fz->n_rm : 0.0,
			       fz->n_cleanup, fz->ns_cleanup / 1e9, fz->n_reopen,
			       fz->ns_reopen / 1e9, fz->ns_cap / 1e9);
	if (fz->n_cleanup)
		ksft_print_msg("note: a cleanup found at most %lu processes tracked (spawner tracked with CHILDREN %lu times)\n",
			       fz->max_removed, fz->adoptions);
	if (fz->late_adoptions)
		ksft_print_msg("note: %lu children were adopted after a cleanup untracked their parent\n",
			       fz->late_adoptions);
	if (fz->note_kthread_zombie_tracked)
		ksft_print_msg("note: TRACK accepted kthreadd or a zombie %lu times (abi.md Targets: ESRCH)\n",
			       fz->note_kthread_zombie_tracked);
	if (fz->note_stream_efault)
		ksft_print_msg("note: FAULT_STREAM returned EFAULT (argument not writable) yet made the file a stream, %lu times\n",
			       fz->note_stream_efault);
	if (fz->note_vmas_echo)
		ksft_print_msg("note: FAULT_STATS vmas[] past nr_vmas held nonzero bytes (the caller's) %lu times\n",
			       fz->note_vmas_echo);
	if (fz->note_ring_enospc || fz->note_ring_cap_rings)
		ksft_print_msg("note: FAULT_STREAM ENOSPC %lu times; %lu rings of 65536 records taken in the cap probe\n",
			       fz->note_ring_enospc, fz->note_ring_cap_rings);
	if (fz->note_poll_err)
		ksft_print_msg("note: poll() on a file that is not a stream: POLLERR (%lu times; not in abi.md)\n",
			       fz->note_poll_err);
	if (fz->note_read_partial)
		ksft_print_msg("note: read() returned whole records and left part of the next batch past them (buffer ended early) %lu times\n",
			       fz->note_read_partial);
	if (fz->note_read_efault)
		ksft_print_msg("note: read() on a stream into a bad buffer: EFAULT %lu times (read(2)'s errno, not in abi.md)\n",
			       fz->note_read_efault);
	for (i = 0; i < fz->nkeys; i++)
		ksft_print_msg("failure x%lu: %s got %s: %s (%s)\n", fz->keys[i].n,
			       ops[fz->keys[i].op].name, res_name[fz->keys[i].res],
			       fz->keys[i].what, fz->keys[i].why ? fz->keys[i].why : "-");
	fflush(stdout);		/* the harness ends the test with _exit() */
}

/*
 * Weights per operation (a test uses the ones it names), the test's share of
 * MMSCOPE_FUZZ_CALLS in percent, and whether to probe the limits: the ring
 * memory cap, and the tracking table filled by a forking process's children.
 *
 * Time: under TCG a successful untrack costs ~30 ms (synchronize_rcu() in
 * mmscope_untrack()), and every successful TRACK is untracked again sooner
 * or later; so TRACK has a small weight, and cleanups come rarely.
 */
static void fuzz_run(struct fz *fz, const unsigned int *w, unsigned int share, int cap_probe)
{
	struct __test_metadata *_metadata = fz->meta;
	unsigned int sum = 0, i, k;
	__u64 t0 = mmscope_now_ns();
	int has_track = w[OP_TRACK] > 0, left, cleanups = 0;

	fz->target = (total_calls() * share + 99) / 100;
	for (i = 0; i < OP_NR; i++)
		sum += w[i];
	ksft_print_msg("%s: seed 0x%llx (MMSCOPE_FUZZ_SEED to replay), %lu calls (MMSCOPE_FUZZ_CALLS %lu x %u%%)\n",
		       fz->test, (unsigned long long)base_seed, fz->target, total_calls(), share);
	fflush(stdout);
	if (cap_probe) {
		__u64 t1 = mmscope_now_ns();

		ring_cap_probe(fz);
		fz->ns_cap = mmscope_now_ns() - t1;
	}
	if (has_track)
		ensure_sentinel(fz);
	/*
	 * Once per such test, the spawner tracked with CHILDREN: its children
	 * are adopted while they exit, until the table is full (ENOSPC for
	 * every TRACK after) and the next cleanup empties it.
	 */
	if (cap_probe && !mmscope_track_ioc(fz->fd, fz->spawner, MMSCOPE_TRACK_CHILDREN)) {
		model_tracked(fz, PC_OTHER, fz->spawner, MMSCOPE_TRACK_CHILDREN);
		fz->adoptions++;
		/* full before the fuzzing may untrack the spawner: ~1 s under TCG */
		for (i = 0; i < 300 && tracked_count_debugfs() < MMSCOPE_TRACK_MAX; i++)
			usleep(10000);
	}
	while (fz->calls < fz->target) {
		k = below(&fz->r, sum);
		for (i = 0; k >= w[i]; i++)
			k -= w[i];
		fuzz_one(fz, i);
		if (has_track && fz->calls - fz->last_cleanup >= CLEANUP_EVERY) {
			int unc = fz->uncertain, keep = ++cleanups % 3;
			__u64 t1 = mmscope_now_ns();

			untrack_all(fz, keep);
			if (unc) {	/* children adopted after the first pass */
				usleep(20000);
				untrack_all(fz, keep);
				fz->grace_until = fz->calls + 500;
			}
			ensure_sentinel(fz);
			fz->n_cleanup++;
			fz->ns_cleanup += mmscope_now_ns() - t1;
		}
		if (fz->grace_until && fz->calls >= fz->grace_until) {
			fz->grace_until = 0;
			if (!fz->uncertain)
				resync(fz);
		}
		if (w[OP_FAULT_STREAM] && pct(&fz->r, 1) && below(&fz->r, 8) == 0)
			reopen_fd(fz, &fz->fds[below(&fz->r, NFD)]);
	}
	untrack_all(fz, 0);
	left = tracked_count_debugfs();
	/*
	 * Children of a MMSCOPE_TRACK_CHILDREN process are listed by a work
	 * item, which on a slow guest may run after the pass that saw none:
	 * untrack those too, for at most 10 s x MMSCOPE_TIMEOUT_SCALE.
	 */
	for (i = 0; left > 0 && i < 1000 * mmscope_timeout_scale(); i++) {
		usleep(10000);
		untrack_all(fz, 0);
		left = tracked_count_debugfs();
	}
	report(fz, mmscope_now_ns() - t0);
	EXPECT_EQ(0, left) {
		TH_LOG("processes still tracked after untracking everything");
	}

	/* Back to what the module held before: rings, entries, files. */
	for (i = 0; i < NFD; i++) {
		close(fz->fds[i].fd);
		fz->fds[i].fd = -1;
	}
	if (fz->held_base >= 0) {
		long held = held_total();

		/* children dropped by the adoption work are freed after a grace period */
		for (i = 0; i < 100 * mmscope_timeout_scale() && held != fz->held_base; i++) {
			usleep(10000);
			held = held_total();
		}
		EXPECT_EQ(fz->held_base, held) {
			TH_LOG("the module holds %ld bytes, %ld before the test", held,
			       fz->held_base);
		}
	}
	EXPECT_EQ(0, fz->fails) {
		TH_LOG("%lu calls broke the documented rules (first ones above, replay with MMSCOPE_FUZZ_SEED=0x%llx)",
		       fz->fails, (unsigned long long)base_seed);
	}
}

/* ---- the fixture ------------------------------------------------------------------- */

FIXTURE(fuzz)
{
	struct fz *fz;
};

static char *map(size_t len, int prot)
{
	char *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

FIXTURE_SETUP(fuzz)
{
	struct fz *fz;
	struct mmscope_api api;
	struct mmscope_phys_snap snap;
	char buf[64];
	int memfd, i;
	char *g;

	fz = calloc(1, sizeof(*fz));
	ASSERT_NE(NULL, fz);
	self->fz = fz;
	fz->meta = _metadata;
	fz->test = _metadata->name;
	fz->seed = base_seed ^ (0x9e3779b97f4a7c15ULL * (1 + strlen(_metadata->name) +
							 (unsigned char)_metadata->name[0]));
	fz->r.s = fz->seed ? fz->seed : 1;
	fz->self = getpid();
	fz->zombie = -1;
	fz->idle_pipe[0] = -1;
	fz->idle_pipe[1] = -1;

	fz->fd = mmscope_open();
	ASSERT_LE(0, fz->fd) {
		TH_LOG("open %s: %s", MMSCOPE_DEV, strerror(-fz->fd));
	}
	memset(&api, 0, sizeof(api));
	api.size = sizeof(api);
	ASSERT_EQ(0, ioctl(fz->fd, MMSCOPE_IOC_GET_API, &api));
	fz->levels = api.pgtable_levels;
	fz->kver = api.kernel_version;
	if (__SIZEOF_POINTER__ == 8)	/* fuzz_test (64-bit) checks it for both */
		ASSERT_EQ(mmscope_oracle_pgtable_levels(), fz->levels);
	fz->walk_limit = 1ULL << (fz->levels == 5 ? 56 : 47);
	fz->uaccess_limit = fz->walk_limit - PAGE;

	memset(&snap, 0, sizeof(snap));
	snap.size = sizeof(snap);
	snap.rec_size = sizeof(struct mmscope_slab_rec);
	fz->slab_ok = !ioctl(fz->fd, MMSCOPE_IOC_PHYS_SLAB, &snap);
	if (!fz->slab_ok)
		ASSERT_EQ(ENODATA, errno);

	ASSERT_EQ(0, mmscope_read_line("/proc/sys/kernel/pid_max", buf, sizeof(buf)));
	fz->pid_max = atol(buf);
	ASSERT_LT(2, fz->pid_max);
	fz->kthreadd_ok = !mmscope_read_line("/proc/2/comm", buf, sizeof(buf)) &&
			  !strcmp(buf, "kthreadd");
	{
		long long v;

		fz->init_ok = !mmscope_proc_value("/proc/1/status", "VmRSS", &v);
	}

	/* memory the arguments and records live in */
	fz->arg = map(ARG_ARENA, PROT_READ | PROT_WRITE);
	g = map(2 * PAGE, PROT_READ | PROT_WRITE);
	fz->rec = map(REC_ARENA + PAGE, PROT_READ | PROT_WRITE);
	fz->str = map(STR_ARENA + PAGE, PROT_READ | PROT_WRITE);
	fz->self_mem = map(1 << 20, PROT_READ | PROT_WRITE);
	ASSERT_TRUE(fz->arg && g && fz->rec && fz->str && fz->self_mem);
	fz->guard = g + PAGE;
	ASSERT_EQ(0, mprotect(fz->guard, PAGE, PROT_NONE));
	ASSERT_EQ(0, mprotect(fz->rec + REC_ARENA, PAGE, PROT_NONE));
	ASSERT_EQ(0, mprotect(fz->str + STR_ARENA, PAGE, PROT_NONE));
	for (i = 0; i < (1 << 20); i += 2 * PAGE)
		fz->self_mem[i] = 1;
	memfd = memfd_create("mmscope-fuzz-ro", MFD_CLOEXEC);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, ftruncate(memfd, RO_SIZE));
	fz->ro_rw = mmap(NULL, RO_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	fz->ro = mmap(NULL, RO_SIZE, PROT_READ, MAP_SHARED, memfd, 0);
	close(memfd);
	ASSERT_NE(MAP_FAILED, fz->ro_rw);
	ASSERT_NE(MAP_FAILED, fz->ro);
	fz->self_r[0] = (struct region){ (unsigned long)fz->arg,
					 (unsigned long)fz->arg + ARG_ARENA };
	fz->self_r[1] = (struct region){ (unsigned long)fz->rec,
					 (unsigned long)fz->rec + REC_ARENA + PAGE };
	fz->self_r[2] = (struct region){ (unsigned long)fz->self_mem,
					 (unsigned long)fz->self_mem + (1 << 20) };
	fz->self_r[3] = (struct region){ (unsigned long)fz->ro, (unsigned long)fz->ro + RO_SIZE };
	fz->self_r[4] = (struct region){ (unsigned long)g, (unsigned long)g + 2 * PAGE };
	fz->unmapped = 0x10000;
	ASSERT_TRUE(is_unmapped(fz->unmapped, 16 * PAGE)) {
		TH_LOG("0x10000-0x20000 is mapped");
	}
	fz->top_page_unmapped = is_unmapped(TOP_PAGE, PAGE);

	/* targets */
	ASSERT_EQ(0, mmscope_holder_start(&fz->live, live_setup, NULL, &fz->lm, sizeof(fz->lm)));
	ASSERT_LT(0, fz->lm.n);
	fz->zombie = fork();
	ASSERT_LE(0, fz->zombie);
	if (!fz->zombie)
		_exit(0);
	{
		siginfo_t si;

		ASSERT_EQ(0, waitid(P_PID, fz->zombie, &si, WEXITED | WNOWAIT));
	}
	{
		int dummy;

		ASSERT_EQ(0, mmscope_holder_start(&fz->sentinel, sentinel_fn, NULL, &dummy,
						  sizeof(dummy)));
	}
	fz->sp = mmap(NULL, sizeof(*fz->sp), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, fz->sp);
	fz->spawner = fork();
	ASSERT_LE(0, fz->spawner);
	if (!fz->spawner)
		spawner_main(fz->sp, fz->seed);
	ASSERT_EQ(0, pipe2(fz->idle_pipe, O_CLOEXEC));
	ASSERT_EQ(0, pthread_create(&fz->idler, NULL, idler_fn, fz));
	fz->idler_on = 1;
	while (!__atomic_load_n(&fz->tid, __ATOMIC_ACQUIRE))
		usleep(1000);

	/* Nothing tracked before we start: the model counts from zero. */
	untrack_all(fz, 0);
	ASSERT_EQ(0, tracked_count_debugfs());

	fz->held_base = held_total();

	/* Opened after the quiescent child was forked: it holds none of them. */
	for (i = 0; i < NFD; i++) {
		fz->fds[i].nonblock = i < NFD_NONBLOCK;
		fz->fds[i].fd = open(MMSCOPE_DEV, O_RDWR | O_CLOEXEC |
				     (fz->fds[i].nonblock ? O_NONBLOCK : 0));
		ASSERT_LE(0, fz->fds[i].fd);
	}
}

FIXTURE_TEARDOWN(fuzz)
{
	struct fz *fz = self->fz;
	int i;

	if (!fz)
		return;
	if (fz->spawner > 0) {
		__atomic_store_n(&fz->sp->stop, 1, __ATOMIC_RELAXED);
		waitpid(fz->spawner, NULL, 0);
	}
	if (fz->fd > 0)
		untrack_all(fz, 0);
	if (fz->idle_pipe[1] >= 0)
		close(fz->idle_pipe[1]);
	if (fz->idler_on)
		pthread_join(fz->idler, NULL);
	if (fz->idle_pipe[0] >= 0)
		close(fz->idle_pipe[0]);
	mmscope_holder_stop(&fz->live);
	mmscope_holder_stop(&fz->sentinel);
	if (fz->zombie > 0)
		waitpid(fz->zombie, NULL, 0);
	for (i = 0; i < NFD; i++)
		if (fz->fds[i].fd > 0)
			close(fz->fds[i].fd);
	if (fz->fd > 0)
		close(fz->fd);
	if (fz->sp && fz->sp != MAP_FAILED)
		munmap(fz->sp, sizeof(*fz->sp));
	free(fz);
}

/*
 * The tests share the calls (MMSCOPE_FUZZ_CALLS, default 100000) in fixed
 * shares: 15 + 30 + 25 + 10 + 20 percent.
 */

/* GET_API, and commands the module does not know: only ENOTTY. */
TEST_F_TIMEOUT(fuzz, commands, 300)
{
	unsigned int w[OP_NR] = {
		[OP_GET_API] = 30, [OP_BAD_NUMBER] = 25, [OP_UNUSED] = 25, [OP_FOREIGN] = 20,
	};

	fuzz_run(self->fz, w, 15, 0);
}

/* MM_SUMMARY, PT_WALK and VMAS on every kind of target, exiting ones above all. */
TEST_F_TIMEOUT(fuzz, process_memory, 300)
{
	unsigned int w[OP_NR] = {
		[OP_MM_SUMMARY] = 25, [OP_PT_WALK] = 45, [OP_VMAS] = 30, [OP_GET_API] = 4,
		[OP_UNUSED] = 3, [OP_BAD_NUMBER] = 3,
	};

	fuzz_run(self->fz, w, 30, 0);
}

/* TRACK, FAULT_STATS, FAULT_STREAM, read() and poll(). */
TEST_F_TIMEOUT(fuzz, faults, 300)
{
	unsigned int w[OP_NR] = {
		[OP_TRACK] = 12, [OP_FAULT_STATS] = 22, [OP_FAULT_STREAM] = 22, [OP_READ] = 22,
		[OP_POLL] = 10, [OP_TRACKED] = 6, [OP_MODULE_MEMORY] = 2, [OP_BAD_NUMBER] = 2,
		[OP_UNUSED] = 2,
	};

	fuzz_run(self->fz, w, 25, 1);
}

/* The physical-memory snapshots, and the module's own (TRACKED, MODULE_MEMORY). */
TEST_F_TIMEOUT(fuzz, phys, 300)
{
	unsigned int w[OP_NR] = {
		[OP_PHYS_ZONES] = 18, [OP_PHYS_BUDDY] = 16, [OP_PHYS_LRU] = 16,
		[OP_PHYS_STATS] = 18, [OP_PHYS_SLAB] = 16, [OP_TRACKED] = 5,
		[OP_MODULE_MEMORY] = 5, [OP_PHYS_PAGEBLOCKS] = 8, [OP_BAD_NUMBER] = 3,
		[OP_UNUSED] = 3,
	};

	fuzz_run(self->fz, w, 10, 0);
}

/* Everything interleaved. */
TEST_F_TIMEOUT(fuzz, everything, 300)
{
	unsigned int w[OP_NR] = {
		[OP_GET_API] = 5, [OP_MM_SUMMARY] = 10, [OP_PT_WALK] = 17, [OP_VMAS] = 8,
		[OP_TRACK] = 5,
		[OP_FAULT_STATS] = 8, [OP_FAULT_STREAM] = 8, [OP_PHYS_ZONES] = 3,
		[OP_PHYS_BUDDY] = 3, [OP_PHYS_LRU] = 3, [OP_PHYS_STATS] = 3, [OP_PHYS_SLAB] = 3,
		[OP_TRACKED] = 3, [OP_MODULE_MEMORY] = 2, [OP_PHYS_PAGEBLOCKS] = 2,
		[OP_BAD_NUMBER] = 6, [OP_UNUSED] = 6, [OP_FOREIGN] = 5, [OP_READ] = 8,
		[OP_POLL] = 4,
	};

	fuzz_run(self->fz, w, 20, 0);
}

TEST_HARNESS_MAIN
