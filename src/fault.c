// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope - page faults of tracked processes (a producer).
 *
 * Hooks, registered only while at least one process is tracked, so an idle
 * module costs nothing:
 *  - a kretprobe on handle_mm_fault(), exported and not IBT-sealed on 6.12.
 *    It sees every fault that reaches the mm (CPU faults and faults the
 *    kernel takes on a task's behalf: GUP, populate, mlock, uaccess) with its
 *    result, which the page_fault_user tracepoint and perf counters do not.
 *    The entry handler of an untracked task does one hash lookup and
 *    declines the return probe;
 *  - the signal_generate tracepoint, for SIGSEGV from access errors, which
 *    the architecture raises before handle_mm_fault() is ever called; the
 *    access type and IP come from what the x86 fault handler left in the
 *    thread for the signal (set_signal_archinfo()) and its user registers,
 *    so no hook runs on the machine's other user faults.
 *
 * Classification: the entry handler reads the page-table entry at the
 * faulting address before the fault, the return handler reads it after;
 * the result comes from the vm_fault_t, with mm_account_fault()'s rule for
 * major (VM_FAULT_MAJOR, or FAULT_FLAG_TRIED), so minor + major equals the
 * growth of the task's min_flt + maj_flt.  Documentation/faults.md maps
 * every class to the kernel path that produces it.
 *
 * Context: probe handlers run with preemption disabled and must not sleep;
 * they reach a tracked task only under RCU (track.c frees entries after a
 * grace period).  Counters (this file's part of each tracked entry, made by
 * its track client) are atomics; the VMA table and each stream ring have
 * their own spinlock, taken with interrupts off and held for a few stores.
 * The page table at the faulting address is read by pgtable.c's lockless
 * peek.  hooks_lock serialises registering and unregistering the hooks
 * (track.c calls start/stop under its table lock: that lock, then this).
 * Stream records leave the ring through mmscope_reader_take() into the
 * presenter's buffer, which copies them out with no lock held.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hugetlb.h>
#include <linux/kprobes.h>
#include <linux/mutex.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/irq_work.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <linux/tracepoint.h>
#include <linux/vmalloc.h>
#include <asm/trap_pf.h>
#include <asm/trapnr.h>

#include "fault.h"
#include "mem.h"
#include "pgtable.h"
#include "process.h"
#include "track.h"

#define CREATE_TRACE_POINTS
#include "mmscope_trace.h"

/* What the entry handler passes to the return handler (kretprobe data). */
struct fault_ctx {
	u64 t0;				/* 0: no consumer of times at entry */
	struct mm_struct *mm;		/* alive for the whole fault */
	unsigned long address, ip, vm_start, vm_end, vm_flags;
	unsigned int flags;
	u8 origin, access, memory;
	bool count_window;
	struct mmscope_peek before;
};

/* Counters of one tracked process (any context may add). */
#define FAULT_VMA_SLOTS	32

struct fault_vma_slot {
	unsigned long start, end;
	u64 faults;
	u64 cause[16];
};

struct mmscope_faults {
	atomic64_t total;
	atomic64_t origin[MMSCOPE_NR_ORIGINS];
	atomic64_t access[MMSCOPE_NR_ACCESSES];
	atomic64_t result[MMSCOPE_NR_RESULTS];
	atomic64_t memory[MMSCOPE_NR_MEMS];
	atomic64_t cause[MMSCOPE_NR_CAUSES];
	atomic64_t faultaround_pages;
	spinlock_t vma_lock;		/* protects the five below */
	unsigned int nr_vmas;
	unsigned int last;		/* the slot the last fault hit */
	struct fault_vma_slot vmas[FAULT_VMA_SLOTS];
	u64 other_vmas;
};

/* Its slot in struct mmscope_task.client[]. */
#define FAULT_CLIENT	0

static struct mmscope_faults *faults_of(struct mmscope_task *t)
{
	return t->client[FAULT_CLIENT];
}

static void fault_record(struct task_struct *task, unsigned long vm_end,
			 struct mmscope_fault_event *e);

static LIST_HEAD(mmscope_readers);	/* RCU; writers hold readers_lock */
static DEFINE_SPINLOCK(readers_lock);

/*
 * Does anything consume a fault's times: a stream reader or the trace
 * event?  Counters do not, so a fault nobody streams reads no clock.  A
 * fault already in flight when the first consumer came has latency 0.
 */
static bool fault_timed(void)
{
	return !list_empty(&mmscope_readers) || trace_mmscope_fault_enabled();
}

/*
 * The memory class of a fault: the VMA's kind (process.c's one decision
 * tree), except that a VM_MIXEDMAP mapping (DAX, drivers) is special even
 * with a file: its faults are not served from the page cache.
 */
static u8 vma_memory(struct vm_area_struct *vma)
{
	if (!is_vm_hugetlb_page(vma) && (vma->vm_flags & VM_MIXEDMAP))
		return MMSCOPE_MEM_SPECIAL;
	switch (mmscope_vma_kind(vma)) {
	case MMSCOPE_VMA_HUGETLB:
		return MMSCOPE_MEM_HUGETLB;
	case MMSCOPE_VMA_SPECIAL:
		return MMSCOPE_MEM_SPECIAL;
	case MMSCOPE_VMA_FILE:
		return MMSCOPE_MEM_FILE;
	case MMSCOPE_VMA_SHMEM:
		return MMSCOPE_MEM_SHMEM;
	default:
		return MMSCOPE_MEM_ANON;
	}
}

/* mm_account_fault()'s view of the result, plus the errors it skips. */
static u8 fault_result(vm_fault_t ret, unsigned int flags)
{
	if (ret & VM_FAULT_OOM)
		return MMSCOPE_RESULT_OOM;
	if (ret & (VM_FAULT_SIGBUS | VM_FAULT_HWPOISON | VM_FAULT_HWPOISON_LARGE))
		return MMSCOPE_RESULT_SIGBUS;
	if (ret & VM_FAULT_SIGSEGV)
		return MMSCOPE_RESULT_SIGSEGV;
	if (ret & VM_FAULT_RETRY)
		return MMSCOPE_RESULT_RETRY;
	if ((ret & VM_FAULT_MAJOR) || (flags & FAULT_FLAG_TRIED))
		return MMSCOPE_RESULT_MAJOR;
	return MMSCOPE_RESULT_MINOR;
}

/*
 * A retried attempt gets the cause of the work it did or started: the first
 * attempt of a cache miss reads the page, drops mmap_lock and returns
 * VM_FAULT_RETRY | VM_FAULT_MAJOR, so "major" here is the raw bit (or an
 * attempt already tried), not the result class.
 */
static u8 fault_cause(const struct fault_ctx *c, const struct mmscope_peek *after,
		      u8 result, vm_fault_t ret)
{
	const struct mmscope_peek *b = &c->before;
	bool write = c->access == MMSCOPE_ACCESS_WRITE;
	bool major = (ret & VM_FAULT_MAJOR) || (c->flags & FAULT_FLAG_TRIED);

	if (result != MMSCOPE_RESULT_MINOR && result != MMSCOPE_RESULT_MAJOR &&
	    result != MMSCOPE_RESULT_RETRY)
		return MMSCOPE_CAUSE_OTHER;
	if (c->memory == MMSCOPE_MEM_HUGETLB)
		return MMSCOPE_CAUSE_HUGETLB;
	if (b->st == MMSCOPE_PEEK_MIGRATION)
		return MMSCOPE_CAUSE_MIGRATION_WAIT;
	if (b->st == MMSCOPE_PEEK_PROTNONE)
		return MMSCOPE_CAUSE_NUMA_HINT;
	if (b->st == MMSCOPE_PEEK_SWAP)
		return major ? MMSCOPE_CAUSE_SWAPIN_IO : MMSCOPE_CAUSE_SWAPIN_CACHE;
	if (b->st == MMSCOPE_PEEK_NONE && (c->vm_flags & (VM_UFFD_MISSING | VM_UFFD_MINOR)))
		return MMSCOPE_CAUSE_UFFD;
	if ((b->st == MMSCOPE_PEEK_RO || b->st == MMSCOPE_PEEK_ZERO) && write &&
	    (c->vm_flags & VM_UFFD_WP) && result == MMSCOPE_RESULT_RETRY)
		return MMSCOPE_CAUSE_UFFD;
	if (c->memory == MMSCOPE_MEM_SPECIAL)
		return MMSCOPE_CAUSE_OTHER;

	if (b->st == MMSCOPE_PEEK_NONE) {
		if (c->memory == MMSCOPE_MEM_ANON) {
			if (after->huge)
				return after->st == MMSCOPE_PEEK_RW ? MMSCOPE_CAUSE_THP_ALLOC
							  : MMSCOPE_CAUSE_ZERO_PAGE;
			if (after->st == MMSCOPE_PEEK_ZERO)
				return MMSCOPE_CAUSE_ZERO_PAGE;
			/*
			 * The PMD was empty in a VMA that asked for huge pages
			 * and covers the aligned 2 MiB, yet a PTE table came.
			 */
			if (b->pmd_none && (c->vm_flags & VM_HUGEPAGE) &&
			    !(c->vm_flags & VM_NOHUGEPAGE) &&
			    c->vm_start <= (c->address & HPAGE_PMD_MASK) &&
			    c->vm_end >= (c->address & HPAGE_PMD_MASK) + HPAGE_PMD_SIZE &&
			    after->st != MMSCOPE_PEEK_NONE)
				return MMSCOPE_CAUSE_THP_FALLBACK;
			/*
			 * A read maps the zero page (x86 never forbids it), so
			 * a read that finds a page after, or none, raced: the
			 * entry was filled by someone else, such as migration
			 * putting a page back between our two reads, or
			 * another thread's write.
			 */
			if (!write || after->st == MMSCOPE_PEEK_NONE)
				return MMSCOPE_CAUSE_OTHER;
			return MMSCOPE_CAUSE_ANON_NEW;
		}
		/* file or shmem, nothing mapped yet */
		if (write && !(c->vm_flags & VM_SHARED))
			return MMSCOPE_CAUSE_COW_COPY;	/* do_cow_fault() */
		return major ? MMSCOPE_CAUSE_CACHE_MISS : MMSCOPE_CAUSE_CACHE_HIT;
	}
	if ((b->st == MMSCOPE_PEEK_RO || b->st == MMSCOPE_PEEK_ZERO) && write) {
		/* retried before it resolved: neither a copy nor a reuse yet */
		if (after->st == MMSCOPE_PEEK_NONE ||
		    (result == MMSCOPE_RESULT_RETRY && after->st == b->st &&
		     after->pfn == b->pfn))
			return MMSCOPE_CAUSE_OTHER;
		return after->pfn != b->pfn ? MMSCOPE_CAUSE_COW_COPY
					    : MMSCOPE_CAUSE_WP_REUSE;
	}
	return MMSCOPE_CAUSE_OTHER;
}

/* ---- the kretprobe on handle_mm_fault() ---- */

static int hmf_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct vm_area_struct *vma = (struct vm_area_struct *)regs->di;
	struct pt_regs *fregs = (struct pt_regs *)regs->cx;
	struct fault_ctx *c = (struct fault_ctx *)ri->data;

	if (!mmscope_task_is_tracked(current))
		return 1;	/* no return probe for untracked tasks */

	c->t0 = fault_timed() ? ktime_get_ns() : 0;
	c->mm = vma->vm_mm;
	c->address = regs->si;
	c->flags = regs->dx;
	c->vm_start = vma->vm_start;
	c->vm_end = vma->vm_end;
	c->vm_flags = vma->vm_flags;
	c->memory = vma_memory(vma);
	c->origin = fregs && user_mode(fregs) ? MMSCOPE_ORIGIN_USER : MMSCOPE_ORIGIN_KERNEL;
	c->ip = c->origin == MMSCOPE_ORIGIN_USER ? instruction_pointer(fregs) : 0;
	c->access = c->flags & FAULT_FLAG_INSTRUCTION ? MMSCOPE_ACCESS_EXEC :
		    c->flags & FAULT_FLAG_WRITE ? MMSCOPE_ACCESS_WRITE :
		    MMSCOPE_ACCESS_READ;
	c->count_window = (c->memory == MMSCOPE_MEM_FILE || c->memory == MMSCOPE_MEM_SHMEM) &&
			  c->access != MMSCOPE_ACCESS_WRITE;
	if (c->memory != MMSCOPE_MEM_HUGETLB)
		mmscope_pt_peek(c->mm, c->address, c->vm_start, c->vm_end,
				c->count_window, &c->before);
	return 0;
}

/* Per CPU: a SIGSEGV result the architecture is about to signal. */
static DEFINE_PER_CPU(struct task_struct *, segv_counted);

static int hmf_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct fault_ctx *c = (struct fault_ctx *)ri->data;
	vm_fault_t ret = regs_return_value(regs);
	struct mmscope_fault_event e = {};
	struct mmscope_peek after = { .st = MMSCOPE_PEEK_NONE };

	if (c->t0 || fault_timed()) {
		e.time_ns = ktime_get_ns();
		e.latency_ns = c->t0 ? e.time_ns - c->t0 : 0;
	}
	e.address = c->address;
	e.ip = c->ip;
	e.vma_start = c->vm_start;
	e.origin = c->origin;
	e.access = c->access;
	e.memory = c->memory;
	e.result = fault_result(ret, c->flags);
	/* The fault may have dropped mmap_lock (RETRY, COMPLETED): the VMA
	 * may be gone, so only the saved copies of its fields are used. */
	if (c->memory != MMSCOPE_MEM_HUGETLB)
		mmscope_pt_peek(c->mm, c->address, c->vm_start, c->vm_end,
				c->count_window, &after);
	e.cause = fault_cause(c, &after, e.result, ret);
	if (e.cause == MMSCOPE_CAUSE_CACHE_HIT && c->count_window &&
	    after.present > c->before.present + 1)
		e.faultaround = after.present - c->before.present - 1;
	if (e.result == MMSCOPE_RESULT_SIGSEGV)
		this_cpu_write(segv_counted, current);
	fault_record(current, c->vm_end, &e);
	return 0;
}

static struct kretprobe hmf_probe;

/*
 * A kretprobe is filled in by registration (kp.addr and more), and
 * registering one with both a symbol and an address fails: start afresh
 * every time tracking starts.
 */
static void hmf_probe_init(void)
{
	hmf_probe = (struct kretprobe) {
		.kp.symbol_name	= "handle_mm_fault",
		.entry_handler	= hmf_entry,
		.handler	= hmf_return,
		.data_size	= sizeof(struct fault_ctx),
		/* Faults sleep (I/O, locks): allow many in flight per CPU. */
		.maxactive	= 1024,
	};
}

/* ---- SIGSEGV before handle_mm_fault(): access errors, no VMA ---- */

static void probe_signal_generate(void *data, int sig, struct kernel_siginfo *info,
				  struct task_struct *task, int group, int result)
{
	struct mmscope_fault_event e = {};
	struct thread_struct *th;

	if (sig != SIGSEGV || task != current || info == SEND_SIG_NOINFO ||
	    info == SEND_SIG_PRIV)
		return;
	if (info->si_code != SEGV_MAPERR && info->si_code != SEGV_ACCERR &&
	    info->si_code != SEGV_PKUERR)
		return;
	if (!mmscope_task_is_tracked(current))
		return;
	if (this_cpu_read(segv_counted) == current) {
		/* handle_mm_fault() returned VM_FAULT_SIGSEGV: counted there */
		this_cpu_write(segv_counted, NULL);
		return;
	}
	if (fault_timed())
		e.time_ns = ktime_get_ns();
	e.address = (unsigned long)info->si_addr;
	e.origin = MMSCOPE_ORIGIN_USER;
	e.access = MMSCOPE_ACCESS_READ;
	/*
	 * The x86 fault handler's set_signal_archinfo() wrote the trap, the
	 * address and the error code into the thread just before it raised
	 * this signal; a #GP writes trap_nr too, and a stale #PF from before
	 * has another address.
	 */
	th = &current->thread;
	if (th->trap_nr == X86_TRAP_PF && th->cr2 == e.address) {
		e.ip = instruction_pointer(task_pt_regs(current));
		if (th->error_code & X86_PF_INSTR)
			e.access = MMSCOPE_ACCESS_EXEC;
		else if (th->error_code & X86_PF_WRITE)
			e.access = MMSCOPE_ACCESS_WRITE;
	}
	e.result = MMSCOPE_RESULT_SIGSEGV;
	e.memory = MMSCOPE_MEM_NONE;
	e.cause = MMSCOPE_CAUSE_OTHER;
	fault_record(current, 0, &e);
}

static struct tracepoint *tp_signal_generate;
static DEFINE_MUTEX(hooks_lock);
static bool hooks_on;		/* written under hooks_lock */

/* The first process is tracked: register the hooks.  Sleeps. */
static int fault_hooks_start(void)
{
	int err;

	mmscope_track_assert_locked();
	mutex_lock(&hooks_lock);
	err = 0;
	if (hooks_on)
		goto out;
	if (!tp_signal_generate)
		tp_signal_generate = mmscope_find_tracepoint("signal_generate");
	err = -ENOENT;
	if (!tp_signal_generate) {
		pr_err("tracepoint signal_generate not found\n");
		goto out;
	}
	err = tracepoint_probe_register(tp_signal_generate, probe_signal_generate, NULL);
	if (err)
		goto out;
	hmf_probe_init();
	err = register_kretprobe(&hmf_probe);
	if (err) {
		pr_err("kretprobe on handle_mm_fault: %d\n", err);
		goto undo_sig;
	}
	WRITE_ONCE(hooks_on, true);
	goto out;

undo_sig:
	tracepoint_probe_unregister(tp_signal_generate, probe_signal_generate, NULL);
	tracepoint_synchronize_unregister();
out:
	mutex_unlock(&hooks_lock);
	return err;
}

/* Tracking went idle: unregister them.  Sleeps. */
static void fault_hooks_stop(void)
{
	mmscope_track_assert_locked();
	mutex_lock(&hooks_lock);
	if (hooks_on) {
		unregister_kretprobe(&hmf_probe);
		tracepoint_probe_unregister(tp_signal_generate, probe_signal_generate, NULL);
		tracepoint_synchronize_unregister();
		WRITE_ONCE(hooks_on, false);
	}
	mutex_unlock(&hooks_lock);
}

/* Faults the kretprobe could not follow since it was registered. */
static unsigned long fault_missed(void)
{
	return READ_ONCE(hmf_probe.nmissed);
}

/* ---- per-task counters ---- */

/*
 * Count one classified fault in @f.  Any context; takes f->vma_lock with
 * interrupts off for the VMA table.
 */
static void faults_account(struct mmscope_faults *f, unsigned long vm_end,
			    const struct mmscope_fault_event *e)
{
	struct fault_vma_slot *slot = NULL, *min = NULL;
	unsigned long irqflags;
	int i;

	atomic64_inc(&f->total);
	atomic64_inc(&f->origin[e->origin]);
	atomic64_inc(&f->access[e->access]);
	atomic64_inc(&f->result[e->result]);
	atomic64_inc(&f->memory[e->memory]);
	atomic64_inc(&f->cause[e->cause]);
	if (e->faultaround)
		atomic64_add(e->faultaround, &f->faultaround_pages);
	if (!vm_end)
		return;		/* no VMA */

	spin_lock_irqsave(&f->vma_lock, irqflags);
	/* faults come in runs on one VMA: try the last one's slot first */
	if (f->last < f->nr_vmas && f->vmas[f->last].start == e->vma_start) {
		slot = &f->vmas[f->last];
		goto hit;
	}
	for (i = 0; i < f->nr_vmas; i++) {
		if (f->vmas[i].start == e->vma_start) {
			slot = &f->vmas[i];
			break;
		}
		if (!min || f->vmas[i].faults < min->faults)
			min = &f->vmas[i];
	}
	if (!slot) {
		/*
		 * A new VMA takes a free slot, or the one with the fewest
		 * faults, whose counts move to other_vmas: the busiest VMAs
		 * stay in the table whatever the order they were first seen.
		 */
		if (f->nr_vmas < FAULT_VMA_SLOTS) {
			slot = &f->vmas[f->nr_vmas++];
		} else {
			slot = min;
			f->other_vmas += slot->faults;
		}
		memset(slot, 0, sizeof(*slot));
		slot->start = e->vma_start;
		slot->end = vm_end;
	}
	f->last = slot - f->vmas;
hit:
	slot->faults++;
	slot->cause[e->cause]++;
	spin_unlock_irqrestore(&f->vma_lock, irqflags);
}

static int cmp_vma_faults(const void *a, const void *b)
{
	const struct mmscope_fault_vma *x = a, *y = b;

	return x->faults < y->faults ? 1 : x->faults > y->faults ? -1 :
	       x->start < y->start ? -1 : 1;
}

/* Snapshot @f into the uapi struct (its output fields). */
static void faults_read(struct mmscope_faults *f, struct mmscope_fault_stats *s)
{
	struct mmscope_fault_vma *tmp;
	unsigned long irqflags;
	int i, n;

	s->total = atomic64_read(&f->total);
	for (i = 0; i < MMSCOPE_NR_ORIGINS; i++)
		s->origin[i] = atomic64_read(&f->origin[i]);
	for (i = 0; i < MMSCOPE_NR_ACCESSES; i++)
		s->access[i] = atomic64_read(&f->access[i]);
	for (i = 0; i < MMSCOPE_NR_RESULTS; i++)
		s->result[i] = atomic64_read(&f->result[i]);
	for (i = 0; i < MMSCOPE_NR_MEMS; i++)
		s->memory[i] = atomic64_read(&f->memory[i]);
	for (i = 0; i < MMSCOPE_NR_CAUSES; i++)
		s->cause[i] = atomic64_read(&f->cause[i]);
	s->faultaround_pages = atomic64_read(&f->faultaround_pages);
	s->missed = fault_missed();

	tmp = kcalloc(FAULT_VMA_SLOTS, sizeof(*tmp), GFP_KERNEL);
	spin_lock_irqsave(&f->vma_lock, irqflags);
	n = tmp ? f->nr_vmas : 0;
	for (i = 0; i < n; i++) {
		tmp[i].start = f->vmas[i].start;
		tmp[i].end = f->vmas[i].end;
		tmp[i].faults = f->vmas[i].faults;
		memcpy(tmp[i].cause, f->vmas[i].cause, sizeof(tmp[i].cause));
	}
	s->other_vmas = f->other_vmas;
	spin_unlock_irqrestore(&f->vma_lock, irqflags);
	if (!tmp)
		return;
	sort(tmp, n, sizeof(*tmp), cmp_vma_faults, NULL);
	s->nr_vmas = min(n, MMSCOPE_FAULT_TOP_VMAS);
	memcpy(s->vmas, tmp, s->nr_vmas * sizeof(*tmp));
	for (i = s->nr_vmas; i < n; i++)
		s->other_vmas += tmp[i].faults;
	kfree(tmp);
}

/**
 * mmscope_task_fault_stats_of - fault counters of tracked entry @t
 * For a file operation in @t's debugfs directory, which keeps @t alive:
 * takes no table lock, since untracking removes that directory under the
 * table lock and waits for such operations (taking it here deadlocked).
 */
void mmscope_task_fault_stats_of(struct mmscope_task *t, struct mmscope_fault_stats *s)
{
	/*
	 * Exited first, counters after: a process that has exited counts no
	 * more, so an EXITED snapshot is final and self-consistent (read the
	 * other way round, a fault still being counted could be frozen in).
	 */
	bool exited = !pid_has_task(t->pid, PIDTYPE_TGID);

	smp_rmb();	/* the exit, then the counters its threads left */
	faults_read(faults_of(t), s);
	if (exited)
		s->flags |= MMSCOPE_FAULT_EXITED;
}

static void stats_of(struct mmscope_task *t, void *arg)
{
	mmscope_task_fault_stats_of(t, arg);
}

/**
 * mmscope_task_fault_stats - fault counters of tracked process @nr
 * Fills the output fields of @s.  Return: 0 or -ENOENT (not tracked).
 */
int mmscope_task_fault_stats(pid_t nr, struct mmscope_fault_stats *s)
{
	return mmscope_track_call(nr, stats_of, s);
}

/* ---- this producer's part of each tracked entry ---- */

static int fault_attach(struct mmscope_task *t, gfp_t gfp)
{
	struct mmscope_faults *f = kzalloc(sizeof(*f), gfp);

	if (!f)
		return -ENOMEM;
	spin_lock_init(&f->vma_lock);
	t->client[FAULT_CLIENT] = f;
	return 0;
}

static void fault_detach(struct mmscope_task *t)
{
	kfree(t->client[FAULT_CLIENT]);
	t->client[FAULT_CLIENT] = NULL;
}

/* TRACKED's faults_total: one atomic read, as FAULT_STATS' total. */
static void fault_describe(struct mmscope_task *t, struct mmscope_tracked_rec *r)
{
	r->faults_total = atomic64_read(&faults_of(t)->total);
}

static const struct mmscope_track_client fault_client = {
	.slot = FAULT_CLIENT,
	.bytes = sizeof(struct mmscope_faults),
	.attach = fault_attach,
	.detach = fault_detach,
	.describe = fault_describe,
	.start = fault_hooks_start,
	.stop = fault_hooks_stop,
};

/* At load, before any process can be tracked. */
void mmscope_fault_init(void)
{
	mmscope_track_register(&fault_client);
}

/* ---- event streams ---- */

/* How long records below the watermark may wait for their reader. */
#define STREAM_FLUSH	msecs_to_jiffies(MMSCOPE_STREAM_FLUSH_MS)

static void reader_push(struct mmscope_reader *r, const struct mmscope_fault_event *e)
{
	unsigned long irqflags;
	bool wake = false, arm = false;
	u64 waiting;

	spin_lock_irqsave(&r->lock, irqflags);
	if (r->head - r->tail > r->mask) {
		r->dropped++;
		r->dropped_pending++;
	} else {
		struct mmscope_fault_event *slot = &r->ring[r->head & r->mask];

		*slot = *e;
		slot->dropped = min_t(u64, r->dropped_pending, U32_MAX);
		r->dropped_pending = 0;
		r->head++;
		waiting = r->head - r->tail;
		if (waiting == 1)
			WRITE_ONCE(r->first, jiffies);
		wake = waiting >= r->watermark;
		/* the first below a watermark: wake the reader in time anyway */
		arm = waiting == 1 && !wake;
	}
	spin_unlock_irqrestore(&r->lock, irqflags);
	/* (re)armed for this batch: the ring was empty, no older deadline */
	if (arm)
		mod_delayed_work(system_wq, &r->flush, STREAM_FLUSH);
	/*
	 * Not wake_up() here: the signal probe runs under siglock.  And only
	 * when someone waits, through a lazy irq_work: no self-IPI while the
	 * tick runs (the reader wakes at the next tick, at most one jiffy
	 * later, and takes everything that came meanwhile); on a CPU whose
	 * tick is stopped irq_work_queue() raises the interrupt at once.
	 */
	if (wake && wq_has_sleeper(&r->wq))
		irq_work_queue(&r->wake);
}

static void reader_wake(struct irq_work *work)
{
	struct mmscope_reader *r = container_of(work, struct mmscope_reader, wake);

	wake_up_interruptible(&r->wq);
}

/* Records below the watermark waited STREAM_FLUSH: wake the reader. */
static void reader_flush(struct work_struct *work)
{
	struct mmscope_reader *r = container_of(to_delayed_work(work),
						struct mmscope_reader, flush);

	wake_up_interruptible(&r->wq);
}

/*
 * A classified fault of @task: count it, trace it, and hand it to the
 * streams that want it.  Probe context.
 */
static void fault_record(struct task_struct *task, unsigned long vm_end,
			  struct mmscope_fault_event *e)
{
	struct mmscope_reader *r;
	struct mmscope_task *t;
	struct pid *tgid;

	e->pid = task->tgid;
	e->tid = task->pid;
	rcu_read_lock();
	t = mmscope_track_lookup_rcu(task);
	if (t) {
		tgid = t->pid;
		faults_account(faults_of(t), vm_end, e);
		trace_mmscope_fault(e);
		list_for_each_entry_rcu(r, &mmscope_readers, node)
			if (!r->pid || r->pid == tgid)
				reader_push(r, e);
	}
	rcu_read_unlock();
}

/**
 * mmscope_reader_start - make @r a stream reader of @ring_records records
 * @pid: only this process (referenced by the caller, kept), or NULL
 * @watermark: records that wake a waiting reader, 1 to @ring_records / 2
 * Return: 0, -ENOSPC when all rings together would pass
 * MMSCOPE_RINGS_MAX_BYTES, or -ENOMEM.
 */
int mmscope_reader_start(struct mmscope_reader *r, struct pid *pid,
			 unsigned int ring_records, u32 watermark)
{
	size_t bytes = array_size(ring_records, sizeof(*r->ring));

	if (!mmscope_mem_charge(MMSCOPE_MEM_RINGS, bytes, MMSCOPE_RINGS_MAX_BYTES))
		return -ENOSPC;
	r->ring = vzalloc(bytes);
	if (!r->ring) {
		mmscope_mem_uncharge(MMSCOPE_MEM_RINGS, bytes);
		return -ENOMEM;
	}
	spin_lock_init(&r->lock);
	init_waitqueue_head(&r->wq);
	r->wake = IRQ_WORK_INIT_LAZY(reader_wake);
	INIT_DELAYED_WORK(&r->flush, reader_flush);
	r->watermark = watermark;
	r->mask = ring_records - 1;
	r->pid = pid;
	spin_lock(&readers_lock);
	list_add_tail_rcu(&r->node, &mmscope_readers);
	spin_unlock(&readers_lock);
	return 0;
}

/** mmscope_reader_stop - detach @r; after it returns no probe touches it. */
void mmscope_reader_stop(struct mmscope_reader *r)
{
	if (!r->ring)
		return;
	spin_lock(&readers_lock);
	list_del_rcu(&r->node);
	spin_unlock(&readers_lock);
	synchronize_rcu();
	irq_work_sync(&r->wake);
	cancel_delayed_work_sync(&r->flush);
	vfree(r->ring);
	mmscope_mem_uncharge(MMSCOPE_MEM_RINGS, (r->mask + 1) * sizeof(*r->ring));
	r->ring = NULL;
	put_pid(r->pid);
	r->pid = NULL;
}

/**
 * mmscope_reader_take - move up to @max records from the ring into @buf
 * Counted as delivered at once, under the ring lock (readers may share the
 * file); the caller copies them out with no lock held.  Return: how many.
 */
unsigned int mmscope_reader_take(struct mmscope_reader *r,
				 struct mmscope_fault_event *buf, unsigned int max)
{
	unsigned long irqflags;
	unsigned int n = 0;

	spin_lock_irqsave(&r->lock, irqflags);
	while (r->tail != r->head && n < max)
		buf[n++] = r->ring[r->tail++ & r->mask];
	r->delivered += n;
	spin_unlock_irqrestore(&r->lock, irqflags);
	return n;
}

/* @n taken records were not delivered (the copy failed): count them dropped. */
void mmscope_reader_undo(struct mmscope_reader *r, unsigned int n)
{
	unsigned long irqflags;

	spin_lock_irqsave(&r->lock, irqflags);
	r->delivered -= n;
	r->dropped += n;
	spin_unlock_irqrestore(&r->lock, irqflags);
}

/** mmscope_reader_set_watermark - wake at @watermark records from now on */
void mmscope_reader_set_watermark(struct mmscope_reader *r, u32 watermark)
{
	unsigned long irqflags;
	bool wake;

	spin_lock_irqsave(&r->lock, irqflags);
	r->watermark = watermark;
	wake = r->head - r->tail >= watermark;
	spin_unlock_irqrestore(&r->lock, irqflags);
	if (wake)
		wake_up_interruptible(&r->wq);
}

u32 mmscope_reader_watermark(struct mmscope_reader *r)
{
	return READ_ONCE(r->watermark);
}

/*
 * A blocked read() may return, poll() reports EPOLLIN: the watermark is
 * reached, or the oldest record waiting has waited STREAM_FLUSH.
 */
bool mmscope_reader_ready(struct mmscope_reader *r)
{
	u64 waiting = READ_ONCE(r->head) - READ_ONCE(r->tail);

	return waiting && (waiting >= READ_ONCE(r->watermark) ||
			   time_after_eq(jiffies, READ_ONCE(r->first) + STREAM_FLUSH));
}

/* Sleep until mmscope_reader_ready().  0 or -ERESTARTSYS. */
int mmscope_reader_wait(struct mmscope_reader *r)
{
	return wait_event_interruptible(r->wq, mmscope_reader_ready(r));
}

void mmscope_reader_counts(struct mmscope_reader *r, u64 *dropped, u64 *delivered)
{
	unsigned long irqflags;

	spin_lock_irqsave(&r->lock, irqflags);
	*dropped = r->dropped;
	*delivered = r->delivered;
	spin_unlock_irqrestore(&r->lock, irqflags);
}
