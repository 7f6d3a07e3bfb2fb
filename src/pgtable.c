// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope - the page-table walker (a producer).
 *
 * mmscope_walk() visits the page tables of the VMAs that overlap a range,
 * from the PGD down, on 4- and 5-level paging alike, and hands each leaf
 * entry to ops->leaf() as a struct mmscope_leaf: what the entry holds
 * (present page, swap entry, migration entry, ...) and what the page is.
 * Empty entries are skipped; empty upper-level entries skip their whole
 * range, so a sparse address space costs only its populated tables.
 *
 * Locking, in the order taken:
 *  - the caller holds a reference on the mm (mmget) and no lock;
 *  - mmap_lock for read, taken killable; dropped and retaken whenever a
 *    writer waits for it (between PMD entries) and whenever ops->leaf()
 *    asks to yield; ops->yield() then runs with no lock held, so it may
 *    sleep and copy to user space;
 *  - a PTE table: RCU read lock, then the table's PTL, then the PMD entry is
 *    read again and must still point at the same table.  On 6.12 khugepaged
 *    can retract an empty PTE table under the PMD lock alone and frees it
 *    through RCU, and per-VMA locks let faults run beside mmap_lock readers;
 *    on 6.1 mmap_lock alone would do, and the same code is correct there;
 *  - a PMD leaf (THP, PMD migration entry): the PMD lock, entry re-checked;
 *  - a hugetlb leaf: read locklessly with interrupts off, as
 *    perf_get_page_size() does (PMD sharing means the table may belong to
 *    several processes, and its lock is not reachable from public headers).
 * ops->leaf() runs under one of the last three: it must not sleep.  At most
 * one PTE table (512 entries) is walked per lock hold; between tables the
 * walker calls cond_resched() and a fatal signal ends it with -EINTR.
 *
 * Concurrent change is expected (the target runs): each leaf is consistent
 * under its lock, a walk as a whole is not a snapshot.
 *
 * This file is the page-table reader: every read of a page table is here,
 * the fault probes' lockless peek (mmscope_pt_peek(), at the end) too, and
 * so is the paging depth.  It sits below the producers that use it, with one
 * named back-reference: visit() calls the two hot ->leaf() visitors of
 * process.c directly (INDIRECT_CALL_2, a measured win over a retpoline).
 */
#include <linux/indirect_call_wrapper.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/page_idle.h>
#include <linux/sched/signal.h>
#include <linux/swap.h>
#include <linux/swapops.h>

#include "compat.h"
#include "pgtable.h"

/* Paging depth in use: x86-64 decides 4 or 5 levels at boot (la57, no5lvl). */
unsigned int mmscope_pgtable_levels(void)
{
	return pgtable_l5_enabled() ? 5 : 4;
}

/* Highest end address a walk may ask for: the lower canonical half. */
unsigned long mmscope_user_limit(void)
{
	return 1UL << (pgtable_l5_enabled() ? 56 : 47);
}

/* Internal result of a level walk, beside the MMSCOPE_LEAF_* verdicts. */
#define WALK_RELOCK	16	/* someone waits for mmap_lock: drop it */
#define WALK_AGAIN	17	/* the entry changed under us: read it again */

static void count_table(struct mmscope_walk *w, int level, const void *entry)
{
	unsigned long table = (unsigned long)entry & PAGE_MASK;

	if (w->last_table[level] == table)
		return;
	w->last_table[level] = table;
	w->tables[level]++;
}

static unsigned int folio_kind(struct vm_area_struct *vma, struct folio *folio)
{
	if (is_vm_hugetlb_page(vma))
		return MMSCOPE_KIND_HUGETLB;
	if (folio_test_anon(folio))
		return folio_test_ksm(folio) ? MMSCOPE_KIND_KSM : MMSCOPE_KIND_ANON;
	if (folio_test_swapbacked(folio))
		return MMSCOPE_KIND_SHMEM;
	return MMSCOPE_KIND_FILE;
}

static void leaf_set_page(struct mmscope_leaf *l, struct page *page)
{
	l->page = page;
	l->folio = page_folio(page);
	l->kind = folio_kind(l->vma, l->folio);
}

/* What a non-present, non-empty entry is, as MMSCOPE_ENTRY_*. */
static unsigned int swp_entry_type(swp_entry_t entry)
{
	if (!non_swap_entry(entry))
		return MMSCOPE_ENTRY_SWAP;
	if (is_migration_entry(entry))
		return MMSCOPE_ENTRY_MIGRATION;
	if (is_device_private_entry(entry) || is_device_exclusive_entry(entry))
		return MMSCOPE_ENTRY_DEVICE;
	if (is_hwpoison_entry(entry))
		return MMSCOPE_ENTRY_HWPOISON;
	if (is_pte_marker_entry(entry))
		return MMSCOPE_ENTRY_MARKER;
	return MMSCOPE_ENTRY_OTHER;
}

/*
 * A non-present, non-empty entry.  @locked: the entry's lock is held, so a
 * migration entry's page is locked and pfn_swap_entry_to_page() may check it.
 */
static void leaf_set_swap(struct mmscope_leaf *l, swp_entry_t entry,
			  unsigned long off, bool locked)
{
	l->swp = entry;
	l->type = swp_entry_type(entry);
	if (l->type == MMSCOPE_ENTRY_SWAP) {
		l->pfn = swp_offset(entry) + off;
		return;
	}
	if (l->type != MMSCOPE_ENTRY_MARKER && l->type != MMSCOPE_ENTRY_OTHER) {
		l->pfn = swp_offset_pfn(entry) + off;
		if (pfn_valid(l->pfn))
			leaf_set_page(l, locked ? nth_page(pfn_swap_entry_to_page(entry), off)
						: pfn_to_page(l->pfn));
	}
}

/**
 * mmscope_pte_leaf - describe the non-empty PTE @pte of @vma at @addr
 * Under the PTE table's lock (a migration entry's page is checked locked).
 */
void mmscope_pte_leaf(struct mmscope_leaf *l, struct vm_area_struct *vma,
		      unsigned long addr, pte_t pte)
{
	/* every field, without a memset: this runs once per PTE */
	*l = (struct mmscope_leaf) {
		.vma = vma,
		.addr = addr,
		.nr = 1,
		.level = MMSCOPE_LEVEL_PTE,
		.entry = pte_val(pte),
	};
	if (!pte_present(pte)) {
		leaf_set_swap(l, pte_to_swp_entry(pte), 0, true);
		return;
	}
	l->type = MMSCOPE_ENTRY_PRESENT;
	l->pfn = pte_pfn(pte);
	l->young = pte_young(pte);
	l->dirty = pte_dirty(pte);
	/* vm_normal_page(), which is not exported: special entries have no page. */
	if (pte_special(pte))
		l->kind = is_zero_pfn(l->pfn) ? MMSCOPE_KIND_ZERO : MMSCOPE_KIND_SPECIAL;
	else if (pfn_valid(l->pfn))
		leaf_set_page(l, pfn_to_page(l->pfn));
	else
		l->kind = MMSCOPE_KIND_SPECIAL;
}

/*
 * A leaf above the PTE level covering [@lstart, @lstart + @size), reported
 * for [@addr, @end) within it.  @locked: its lock is held (not hugetlb).
 */
static void leaf_from_huge(struct mmscope_leaf *l, struct vm_area_struct *vma,
			   unsigned int level, u64 val, unsigned long lstart,
			   unsigned long addr, unsigned long end, bool locked)
{
	unsigned long off = (addr - lstart) >> PAGE_SHIFT;
	pte_t pte = __pte(val);	/* same bit layout at every level on x86 */

	memset(l, 0, sizeof(*l));
	l->vma = vma;
	l->addr = addr;
	l->nr = (end - addr) >> PAGE_SHIFT;
	l->level = level;
	l->entry = val;
	l->whole = addr == lstart && l->nr == (1UL << (level == MMSCOPE_LEVEL_PMD ?
					PMD_SHIFT - PAGE_SHIFT : PUD_SHIFT - PAGE_SHIFT));
	if (!pte_present(pte)) {
		leaf_set_swap(l, pte_to_swp_entry(pte), off, locked);
		return;
	}
	l->type = MMSCOPE_ENTRY_PRESENT;
	l->pfn = pte_pfn(pte) + off;
	l->young = pte_young(pte);
	l->dirty = pte_dirty(pte);
	if (pte_devmap(pte) || !pfn_valid(l->pfn)) {
		l->kind = MMSCOPE_KIND_SPECIAL;
		return;
	}
	leaf_set_page(l, pfn_to_page(l->pfn));
	/*
	 * An anonymous VMA maps only anonymous folios, except at a PMD: the
	 * huge zero page (is_huge_zero_pmd() reads a symbol not exported).
	 */
	if (vma_is_anonymous(vma) && !folio_test_anon(l->folio)) {
		l->kind = MMSCOPE_KIND_ZERO;
		l->page = NULL;
		l->folio = NULL;
	}
}

static int visit(struct mmscope_walk *w, const struct mmscope_leaf *l)
{
	/*
	 * Once per PTE: a direct call for the two visitors that walk the most.
	 * The layering's one allowed back-reference (process.c's visitors,
	 * named in scripts/layering).
	 */
	int ret = INDIRECT_CALL_2(w->ops->leaf, mmscope_summary_leaf,
				  mmscope_sink_leaf, w, l);

	if (ret == MMSCOPE_LEAF_STOP)
		w->next = l->addr;
	else if (ret == MMSCOPE_LEAF_YIELD)
		w->next = l->addr + (l->nr << PAGE_SHIFT);
	return ret;
}

static bool pmd_is_table(pmd_t pmd)
{
	return !pmd_none(pmd) && pmd_present(pmd) && !pmd_leaf(pmd) &&
	       !pmd_devmap(pmd) && !pmd_bad(pmd);
}

static int walk_pte_table(struct mmscope_walk *w, struct vm_area_struct *vma,
			  pmd_t *pmdp, unsigned long addr, unsigned long end)
{
	struct mmscope_leaf l;
	pte_t *start_pte, *ptep;
	spinlock_t *ptl;
	pmd_t pmdval;
	int ret = 0;

	rcu_read_lock();
	pmdval = mmscope_pmdp_get_lockless(pmdp);
	if (!pmd_is_table(pmdval)) {
		rcu_read_unlock();
		return WALK_AGAIN;
	}
	start_pte = pte_offset_kernel(&pmdval, addr);
	ptl = pte_lockptr(w->mm, &pmdval);
	spin_lock(ptl);
	if (unlikely(!pmd_same(pmdval, mmscope_pmdp_get_lockless(pmdp)))) {
		spin_unlock(ptl);
		rcu_read_unlock();
		return WALK_AGAIN;
	}
	count_table(w, 0, start_pte);
	if (w->ops->pte_table) {
		/* once per table: the summary's own loop (process.c) */
		ret = INDIRECT_CALL_1(w->ops->pte_table, mmscope_summary_ptes,
				      w, vma, start_pte, addr, end);
		if (ret == MMSCOPE_LEAF_YIELD)
			w->next = end;
		goto unlock;
	}
	for (ptep = start_pte; addr != end; ptep++, addr += PAGE_SIZE) {
		pte_t pte = ptep_get(ptep);

		if (pte_none(pte))
			continue;
		mmscope_pte_leaf(&l, vma, addr, pte);
		ret = visit(w, &l);
		if (ret)
			break;
	}
unlock:
	spin_unlock(ptl);
	rcu_read_unlock();
	return ret;
}

static int walk_pmd_leaf(struct mmscope_walk *w, struct vm_area_struct *vma,
			 pmd_t *pmdp, unsigned long addr, unsigned long end)
{
	struct mmscope_leaf l;
	spinlock_t *ptl;
	pmd_t pmdval;
	int ret;

	ptl = pmd_lock(w->mm, pmdp);
	pmdval = *pmdp;
	if (pmd_none(pmdval) || pmd_is_table(pmdval)) {
		spin_unlock(ptl);
		return WALK_AGAIN;
	}
	leaf_from_huge(&l, vma, MMSCOPE_LEVEL_PMD, pmd_val(pmdval),
		       addr & PMD_MASK, addr, end, true);
	ret = visit(w, &l);
	spin_unlock(ptl);
	return ret;
}

static int walk_hugetlb_leaf(struct mmscope_walk *w, struct vm_area_struct *vma,
			     unsigned int level, void *entryp,
			     unsigned long addr, unsigned long end)
{
	unsigned long mask = level == MMSCOPE_LEVEL_PMD ? PMD_MASK : PUD_MASK;
	struct mmscope_leaf l;
	unsigned long flags;
	pte_t pte;
	int ret;

	local_irq_save(flags);
	pte = ptep_get(entryp);
	if (pte_none(pte)) {
		local_irq_restore(flags);
		return 0;
	}
	leaf_from_huge(&l, vma, level, pte_val(pte), addr & mask, addr, end, false);
	l.entryp = entryp;
	ret = visit(w, &l);
	local_irq_restore(flags);
	return ret;
}

static int walk_pmd_table(struct mmscope_walk *w, struct vm_area_struct *vma,
			  pud_t *pudp, unsigned long addr, unsigned long end)
{
	pmd_t *pmdp = pmd_offset(pudp, addr);
	unsigned long next;
	int ret;

	count_table(w, 1, pmdp);
	do {
		pmd_t pmdval;

		next = pmd_addr_end(addr, end);
again:
		pmdval = mmscope_pmdp_get_lockless(pmdp);
		if (pmd_none(pmdval))
			continue;
		if (is_vm_hugetlb_page(vma))
			ret = walk_hugetlb_leaf(w, vma, MMSCOPE_LEVEL_PMD, pmdp,
						addr, next);
		else if (pmd_is_table(pmdval))
			ret = walk_pte_table(w, vma, pmdp, addr, next);
		else
			ret = walk_pmd_leaf(w, vma, pmdp, addr, next);
		if (ret == WALK_AGAIN)
			goto again;
		if (ret)
			return ret;
		cond_resched();
		if (fatal_signal_pending(current)) {
			w->next = next;
			return -EINTR;
		}
		if (next != end && mmap_lock_is_contended(w->mm)) {
			w->next = next;
			return WALK_RELOCK;
		}
	} while (pmdp++, addr = next, addr != end);
	return 0;
}

static int walk_pud_table(struct mmscope_walk *w, struct vm_area_struct *vma,
			  p4d_t *p4dp, unsigned long addr, unsigned long end)
{
	pud_t *pudp = pud_offset(p4dp, addr);
	unsigned long next;
	int ret;

	count_table(w, 2, pudp);
	do {
		pud_t pudval = READ_ONCE(*pudp);

		next = pud_addr_end(addr, end);
		if (pud_none(pudval))
			continue;
		if (is_vm_hugetlb_page(vma) && (pud_leaf(pudval) || !pud_present(pudval)))
			ret = walk_hugetlb_leaf(w, vma, MMSCOPE_LEVEL_PUD, pudp,
						addr, next);
		else if (pud_leaf(pudval) || !pud_present(pudval) || pud_bad(pudval))
			continue;	/* DAX devmap PUDs: not walked */
		else
			ret = walk_pmd_table(w, vma, pudp, addr, next);
		if (ret)
			return ret;
	} while (pudp++, addr = next, addr != end);
	return 0;
}

static int walk_p4d_table(struct mmscope_walk *w, struct vm_area_struct *vma,
			  pgd_t *pgdp, unsigned long addr, unsigned long end)
{
	p4d_t *p4dp = p4d_offset(pgdp, addr);
	unsigned long next;
	int ret;

	/* With 4-level paging the P4D level is folded into the PGD. */
	if (pgtable_l5_enabled())
		count_table(w, 3, p4dp);
	do {
		next = p4d_addr_end(addr, end);
		if (p4d_none(*p4dp) || p4d_bad(*p4dp))
			continue;
		ret = walk_pud_table(w, vma, p4dp, addr, next);
		if (ret)
			return ret;
	} while (p4dp++, addr = next, addr != end);
	return 0;
}

static int walk_vma_range(struct mmscope_walk *w, struct vm_area_struct *vma,
			  unsigned long addr, unsigned long end)
{
	pgd_t *pgdp = pgd_offset(w->mm, addr);
	unsigned long next;
	int ret;

	count_table(w, 4, w->mm->pgd);
	do {
		next = pgd_addr_end(addr, end);
		if (pgd_none(*pgdp) || pgd_bad(*pgdp))
			continue;
		ret = walk_p4d_table(w, vma, pgdp, addr, next);
		if (ret)
			return ret;
	} while (pgdp++, addr = next, addr != end);
	return 0;
}

/* Walk [@addr, @end) with mmap_lock held for read.  Sets w->next. */
static int walk_locked(struct mmscope_walk *w, unsigned long addr,
		       unsigned long end)
{
	struct vm_area_struct *vma;
	VMA_ITERATOR(vmi, w->mm, addr);
	int ret;

	/* not mmap_assert_locked(): a BUG_ON with DEBUG_VM, through unexported dump_mm() */
	lockdep_assert_held(&w->mm->mmap_lock);
	for_each_vma_range(vmi, vma, end) {
		unsigned long start = max(addr, vma->vm_start);

		if (start == vma->vm_start && w->ops->vma)
			w->ops->vma(w, vma);
		ret = walk_vma_range(w, vma, start, min(end, vma->vm_end));
		if (ret)
			return ret;
	}
	w->next = end;
	return 0;
}

/**
 * mmscope_walk - walk the page tables of w->mm over [@start, @end)
 * @w: mm (referenced by the caller), ops, private data; tables[] and
 *     last_table[] are zeroed by the caller before the first call
 * @start: first address, page-aligned
 * @end: end address, page-aligned, above @start
 *
 * Locking: see the top of this file; called with no lock held.
 *
 * Return: 0 when the range is done (w->next == @end); MMSCOPE_LEAF_STOP when
 * ops->leaf() stopped it (w->next is the leaf it refused); -EINTR on a fatal
 * signal, or an error from ops->yield() (w->next says how far it got).
 */
int mmscope_walk(struct mmscope_walk *w, unsigned long start, unsigned long end)
{
	unsigned long addr = start;
	int ret;

	while (addr < end) {
		if (mmap_read_lock_killable(w->mm)) {
			w->next = addr;
			return -EINTR;
		}
		ret = walk_locked(w, addr, end);
		mmap_read_unlock(w->mm);
		if (ret < 0 || ret == MMSCOPE_LEAF_STOP)
			return ret;
		/* Every other outcome moved the cursor; never spin in place. */
		if (WARN_ON_ONCE(w->next <= addr))
			return -EIO;
		addr = w->next;
		if (ret == MMSCOPE_LEAF_YIELD && w->ops->yield) {
			ret = w->ops->yield(w);
			if (ret)
				return ret;
		}
		cond_resched();
	}
	return 0;
}

/**
 * mmscope_walk_locked - walk [@start, @end) of w->mm, mmap_lock already held
 *
 * For presenters that print under mmap_lock (the vmas file).  ops->leaf()
 * must not yield; a contended mmap_lock is not dropped.
 * Return: 0, MMSCOPE_LEAF_STOP, or -EINTR.
 */
int mmscope_walk_locked(struct mmscope_walk *w, unsigned long start,
			unsigned long end)
{
	unsigned long addr = start;
	int ret;

	do {
		ret = walk_locked(w, addr, end);
		addr = w->next;
	} while (ret == WALK_RELOCK && addr < end);
	if (WARN_ON_ONCE(ret == MMSCOPE_LEAF_YIELD))
		return -EINVAL;
	return ret;
}

/* The x86 hardware bits of a leaf, as MMSCOPE_HW_*. */
static u32 leaf_hw_bits(const struct mmscope_leaf *l)
{
	u64 v = l->entry;
	u32 hw = 0;

	if (l->type != MMSCOPE_ENTRY_PRESENT)
		return 0;
	hw |= (v & _PAGE_PRESENT) ? MMSCOPE_HW_PRESENT : 0;
	hw |= (v & _PAGE_RW) ? MMSCOPE_HW_RW : 0;
	hw |= (v & _PAGE_USER) ? MMSCOPE_HW_USER : 0;
	hw |= (v & _PAGE_PWT) ? MMSCOPE_HW_PWT : 0;
	hw |= (v & _PAGE_PCD) ? MMSCOPE_HW_PCD : 0;
	hw |= (v & _PAGE_ACCESSED) ? MMSCOPE_HW_ACCESSED : 0;
	hw |= (v & _PAGE_DIRTY) ? MMSCOPE_HW_DIRTY : 0;
	hw |= (v & _PAGE_GLOBAL) ? MMSCOPE_HW_GLOBAL : 0;
	hw |= (v & _PAGE_NX) ? MMSCOPE_HW_NX : 0;
	if (l->level == MMSCOPE_LEVEL_PTE) {
		hw |= (v & _PAGE_PAT) ? MMSCOPE_HW_PAT : 0;
	} else {
		hw |= (v & _PAGE_PSE) ? MMSCOPE_HW_PSE : 0;
		hw |= (v & _PAGE_PAT_LARGE) ? MMSCOPE_HW_PAT : 0;
	}
	return hw;
}

/*
 * The page that holds the exclusive flag: at the PTE level the entry's own;
 * a PMD or PUD leaf keeps it on its folio's first page (a split copies it
 * to every page), wherever in the leaf a walk starts.
 */
static struct page *leaf_head(const struct mmscope_leaf *l)
{
	return l->level == MMSCOPE_LEVEL_PTE ? l->page : &l->folio->page;
}

static u32 leaf_sw_bits(const struct mmscope_leaf *l)
{
	pte_t pte = __pte(l->entry);
	u32 sw = 0;

	if (l->type == MMSCOPE_ENTRY_PRESENT) {
		sw |= pte_soft_dirty(pte) ? MMSCOPE_SW_SOFT_DIRTY : 0;
		sw |= pte_uffd_wp(pte) ? MMSCOPE_SW_UFFD_WP : 0;
		sw |= pte_special(pte) ? MMSCOPE_SW_SPECIAL : 0;
		sw |= pte_devmap(pte) ? MMSCOPE_SW_DEVMAP : 0;
		if (l->page && folio_test_anon(l->folio) && PageAnonExclusive(leaf_head(l)))
			sw |= MMSCOPE_SW_EXCLUSIVE;
	} else if (l->level == MMSCOPE_LEVEL_PTE) {
		sw |= pte_swp_soft_dirty(pte) ? MMSCOPE_SW_SOFT_DIRTY : 0;
		sw |= pte_swp_uffd_wp(pte) ? MMSCOPE_SW_UFFD_WP : 0;
		sw |= pte_swp_exclusive(pte) ? MMSCOPE_SW_EXCLUSIVE : 0;
	} else {
		sw |= pmd_swp_soft_dirty(__pmd(l->entry)) ? MMSCOPE_SW_SOFT_DIRTY : 0;
	}
	if (l->folio) {
		sw |= folio_test_large(l->folio) ? MMSCOPE_SW_LARGE : 0;
		sw |= folio_test_dirty(l->folio) ? MMSCOPE_SW_PAGE_DIRTY : 0;
	}
	sw |= (l->vma->vm_flags & VM_LOCKED) ? MMSCOPE_SW_LOCKED_VMA : 0;
	return sw;
}

/* The entry bits that leaf_hw_bits() and leaf_sw_bits() read at the PTE level. */
#define PTE_RUN_BITS	(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_PWT | \
			 _PAGE_PCD | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_GLOBAL | \
			 _PAGE_NX | _PAGE_PAT | _PAGE_SOFT_DIRTY | _PAGE_UFFD_WP | \
			 _PAGE_SPECIAL | _PAGE_DEVMAP | _PAGE_PKEY_MASK)

/**
 * mmscope_leaf_run_key - what a run of records compares, as one word
 * For a present leaf at the PTE level (0 for any other): the entry's flag
 * and protection-key bits, and the three folio bits of leaf_sw_bits().
 * Two such leaves of one VMA with the same kind and equal keys render
 * records with equal hw, sw and pkey, so a run extends without the
 * record being built.  Same context as mmscope_leaf_to_rec().
 */
u64 mmscope_leaf_run_key(const struct mmscope_leaf *l)
{
	u64 key;

	if (l->level != MMSCOPE_LEVEL_PTE || l->type != MMSCOPE_ENTRY_PRESENT)
		return 0;
	/* bits 12-51 hold the PFN: free for the folio's three */
	key = (l->entry & PTE_RUN_BITS) | BIT_ULL(12);
	if (l->folio) {
		key |= folio_test_large(l->folio) ? BIT_ULL(13) : 0;
		key |= folio_test_dirty(l->folio) ? BIT_ULL(14) : 0;
		key |= folio_test_anon(l->folio) && PageAnonExclusive(leaf_head(l)) ?
		       BIT_ULL(15) : 0;
	}
	return key;
}

/**
 * mmscope_leaf_to_rec - render a leaf as the uapi record
 * Called from ->leaf(), under the leaf's lock (the walker's, which varies
 * by level: see the top of this file): it reads the page's mapcount and flags.
 */
void mmscope_leaf_to_rec(const struct mmscope_leaf *l, struct mmscope_pt_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->addr = l->addr;
	r->nr_pages = l->nr;
	r->vma_start = l->vma->vm_start;
	r->level = l->level;
	r->type = l->type;
	r->kind = l->kind;
	r->hw = leaf_hw_bits(l);
	r->sw = leaf_sw_bits(l);
	if (l->type == MMSCOPE_ENTRY_PRESENT)
		r->pkey = (l->entry & _PAGE_PKEY_MASK) >> _PAGE_BIT_PKEY_BIT0;
	if (l->type == MMSCOPE_ENTRY_SWAP)
		r->swap_type = swp_type(l->swp);
	if (l->type == MMSCOPE_ENTRY_PRESENT || l->type == MMSCOPE_ENTRY_SWAP)
		r->pfn = l->pfn;
	if (l->page && l->type == MMSCOPE_ENTRY_PRESENT)
		r->mapcount = mmscope_page_mapcount(l->folio, l->page);
}

/* ---- the fault path's lockless peek -------------------------------------- */

/* A non-present entry as the peek sees it (leaf_set_swap()'s classes). */
static u8 peek_swap(swp_entry_t e)
{
	switch (swp_entry_type(e)) {
	case MMSCOPE_ENTRY_SWAP:
		return MMSCOPE_PEEK_SWAP;
	case MMSCOPE_ENTRY_MIGRATION:
		return MMSCOPE_PEEK_MIGRATION;
	default:
		return MMSCOPE_PEEK_OTHER;
	}
}

static void peek_irqoff(struct mm_struct *mm, unsigned long addr,
			unsigned long vm_start, unsigned long vm_end,
			bool count_window, struct mmscope_peek *s)
{
	pgd_t *pgdp;
	p4d_t *p4dp;
	pud_t *pudp, pud;
	pmd_t *pmdp, pmd;
	pte_t *table, pte;
	unsigned long a, lo, hi;

	pgdp = pgd_offset(mm, addr);
	if (pgd_none(READ_ONCE(*pgdp)))
		goto no_table;
	p4dp = p4d_offset(pgdp, addr);
	if (p4d_none(READ_ONCE(*p4dp)))
		goto no_table;
	pudp = pud_offset(p4dp, addr);
	pud = READ_ONCE(*pudp);
	if (pud_none(pud))
		goto no_table;
	if (pud_leaf(pud)) {
		s->huge = true;
		s->st = pud_write(pud) ? MMSCOPE_PEEK_RW : MMSCOPE_PEEK_RO;
		return;
	}
	pmdp = pmd_offset(pudp, addr);
	pmd = mmscope_pmdp_get_lockless(pmdp);
	if (pmd_none(pmd))
		goto no_table;
	if (!pmd_present(pmd)) {
		s->huge = true;
		s->st = peek_swap(pmd_to_swp_entry(pmd)) == MMSCOPE_PEEK_MIGRATION ?
			MMSCOPE_PEEK_MIGRATION : MMSCOPE_PEEK_OTHER;
		return;
	}
	if (pmd_leaf(pmd) || pmd_devmap(pmd)) {
		s->huge = true;
		s->pfn = pmd_pfn(pmd);
		s->st = pmd_protnone(pmd) ? MMSCOPE_PEEK_PROTNONE : pmd_write(pmd) ? MMSCOPE_PEEK_RW : MMSCOPE_PEEK_RO;
		return;
	}
	if (pmd_bad(pmd)) {
		s->st = MMSCOPE_PEEK_OTHER;
		return;
	}

	table = pte_offset_kernel(&pmd, addr & PMD_MASK);
	pte = ptep_get(table + pte_index(addr));
	if (count_window) {
		lo = max(vm_start, addr & PMD_MASK);
		hi = min(vm_end, (addr & PMD_MASK) + PMD_SIZE);
		for (a = lo; a < hi; a += PAGE_SIZE)
			if (pte_present(ptep_get(table + pte_index(a))))
				s->present++;
	}

	if (pte_none(pte))
		return;
	if (pte_present(pte)) {
		s->pfn = pte_pfn(pte);
		if (pte_protnone(pte))
			s->st = MMSCOPE_PEEK_PROTNONE;
		else if (is_zero_pfn(s->pfn))
			s->st = MMSCOPE_PEEK_ZERO;
		else
			s->st = pte_write(pte) ? MMSCOPE_PEEK_RW : MMSCOPE_PEEK_RO;
	} else {
		s->st = peek_swap(pte_to_swp_entry(pte));
	}
	return;

no_table:
	s->pmd_none = true;
}


/**
 * mmscope_pt_peek - the entry at @addr of @mm, without mmap_lock
 * @vm_start, @vm_end: the VMA's bounds, for @count_window
 * @count_window: also count the present PTEs of the PTE table within the VMA
 * @s: out
 *
 * For the fault probes: the faulting task holds the VMA (mmap_lock or the
 * per-VMA lock), so only a PTE table can go; interrupts are off while the
 * tables are read, as GUP-fast does: page tables are freed only after an
 * RCU-sched grace period or a TLB-flush IPI, and after a fault that dropped
 * mmap_lock nothing else keeps them.  Any context.
 */
void mmscope_pt_peek(struct mm_struct *mm, unsigned long addr,
		     unsigned long vm_start, unsigned long vm_end,
		     bool count_window, struct mmscope_peek *s)
{
	unsigned long irqflags;

	memset(s, 0, sizeof(*s));
	s->st = MMSCOPE_PEEK_NONE;
	local_irq_save(irqflags);
	peek_irqoff(mm, addr, vm_start, vm_end, count_window, s);
	local_irq_restore(irqflags);
}
