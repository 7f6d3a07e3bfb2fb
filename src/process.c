// SPDX-License-Identifier: GPL-2.0
/*
 * mmscope - process memory (a producer): finding a target's mm, the
 * smaps_rollup-compatible summary, page-table records in bounded chunks,
 * and the VMAs with the one VMA decision tree.
 *
 * Lifetime: mmscope_get_mm() returns an mm with a user reference (mmget),
 * released with mmput(); nothing here keeps a target alive longer.
 * The producers run mmscope_walk() and so follow its locking; ->leaf()
 * callbacks here only add numbers or fill a kernel buffer.  The VMA producer
 * fills a chunk of records under mmap_lock (read, killable) and emits them
 * after dropping it.
 */
#include <linux/dcache.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/page_idle.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "compat.h"
#include "pgtable.h"
#include "process.h"

/**
 * mmscope_pid_get_mm - the address space of the thread group led by @pid
 * Return: the mm with a user reference (mmput() it), or NULL when the
 * process is gone or has no user memory.
 */
struct mm_struct *mmscope_pid_get_mm(struct pid *pid)
{
	struct task_struct *task = get_pid_task(pid, PIDTYPE_TGID);
	struct mm_struct *mm;

	if (!task)
		return NULL;
	mm = get_task_mm(task);
	put_task_struct(task);
	return mm;
}

/**
 * mmscope_get_mm - the address space of thread group @pid
 * @pid: a tgid in the caller's pid namespace, or 0 for the caller
 *
 * Return: the mm with a user reference (mmput() it), or ERR_PTR(-ESRCH) when
 * there is no such process or it has no user memory (kernel thread, exited).
 */
struct mm_struct *mmscope_get_mm(pid_t pid)
{
	struct mm_struct *mm;
	struct pid *p;

	if (pid < 0)
		return ERR_PTR(-ESRCH);
	if (!pid)
		return get_task_mm(current) ?: ERR_PTR(-ESRCH);
	p = find_get_pid(pid);
	mm = p ? mmscope_pid_get_mm(p) : NULL;
	put_pid(p);
	return mm ?: ERR_PTR(-ESRCH);
}

/* ---- summary: smaps_rollup's accounting, plus mmscope's own split ---- */

/* smaps keeps PSS in fixed point: bytes << PSS_SHIFT (fs/proc/task_mmu.c). */
#define PSS_SHIFT 12

struct mss {
	u64 resident, shared_clean, shared_dirty, private_clean, private_dirty;
	u64 referenced, anonymous, lazyfree, anon_thp, shmem_thp, file_thp;
	u64 swap, shared_hugetlb, private_hugetlb, ksm;
	u64 pss, pss_anon, pss_file, pss_shmem, pss_dirty, pss_locked;
	u64 rss_anon, rss_file, rss_shmem, zero, hugetlb, nr_vmas;
	unsigned long pfn_bound;	/* see pfn_bound() */
};

static void mss_page_accumulate(struct mss *m, struct folio *folio,
				unsigned long size, u64 pss, bool dirty,
				bool locked, bool private)
{
	m->pss += pss;
	if (folio_test_anon(folio))
		m->pss_anon += pss;
	else if (folio_test_swapbacked(folio))
		m->pss_shmem += pss;
	else
		m->pss_file += pss;
	if (locked)
		m->pss_locked += pss;
	if (dirty || folio_test_dirty(folio)) {
		m->pss_dirty += pss;
		if (private)
			m->private_dirty += size;
		else
			m->shared_dirty += size;
	} else {
		if (private)
			m->private_clean += size;
		else
			m->shared_clean += size;
	}
}

/* smaps_account() of the running kernel, for @nr pages from @page. */
static void mss_account(struct mss *m, const struct mmscope_leaf *l,
			unsigned long nr, bool locked)
{
	struct folio *folio = l->folio;
	struct page *page = l->page;
	unsigned long size = nr << PAGE_SHIFT, i;
	bool present = l->type == MMSCOPE_ENTRY_PRESENT ||
		       (l->type == MMSCOPE_ENTRY_DEVICE && is_device_private_entry(l->swp));
	bool private;

	if (folio_test_anon(folio)) {
		m->anonymous += size;
		m->rss_anon += size;
		if (!folio_test_swapbacked(folio) && !l->dirty &&
		    !folio_test_dirty(folio))
			m->lazyfree += size;
	} else if (folio_test_swapbacked(folio)) {
		m->rss_shmem += size;
	} else {
		m->rss_file += size;
	}
	if (folio_test_ksm(folio))
		m->ksm += size;
	m->resident += size;
	if (l->young || folio_test_young(folio) || folio_test_referenced(folio))
		m->referenced += size;

	if (mmscope_smaps_whole(folio, present,
				l->type == MMSCOPE_ENTRY_MIGRATION, &private)) {
		mss_page_accumulate(m, folio, size, (u64)size << PSS_SHIFT,
				    l->dirty, locked, private);
		return;
	}
	for (i = 0; i < nr; i++, page = nth_page(page, 1)) {
		int mapcount = mmscope_page_mapcount(folio, page);
		u64 pss = (u64)PAGE_SIZE << PSS_SHIFT;

		if (mapcount >= 2)
			pss = div_u64(pss, mapcount);
		mss_page_accumulate(m, folio, PAGE_SIZE, pss, l->dirty, locked,
				    mapcount < 2);
	}
}

int mmscope_summary_leaf(struct mmscope_walk *w, const struct mmscope_leaf *l)
{
	struct mss *m = w->priv;
	unsigned long size = l->nr << PAGE_SHIFT;
	bool locked = l->vma->vm_flags & VM_LOCKED;

	if (is_vm_hugetlb_page(l->vma)) {
		/* smaps_hugetlb_range(): not in Rss, shared or private only. */
		if (!l->folio)
			return MMSCOPE_LEAF_CONTINUE;
		if (l->type == MMSCOPE_ENTRY_PRESENT)
			m->hugetlb += size;
		if (mmscope_hugetlb_shared(l->folio, l->type == MMSCOPE_ENTRY_PRESENT,
					   l->entryp))
			m->shared_hugetlb += size;
		else
			m->private_hugetlb += size;
		return MMSCOPE_LEAF_CONTINUE;
	}
	if (l->kind == MMSCOPE_KIND_ZERO) {
		m->zero += size;
		return MMSCOPE_LEAF_CONTINUE;
	}
	if (l->type == MMSCOPE_ENTRY_SWAP) {
		m->swap += size;
		return MMSCOPE_LEAF_CONTINUE;
	}
	if (!l->page)
		return MMSCOPE_LEAF_CONTINUE;
	if (l->level == MMSCOPE_LEVEL_PMD) {
		/* smaps_pmd_entry(): the PMD's folio, whole. */
		if (folio_test_anon(l->folio))
			m->anon_thp += size;
		else if (folio_test_swapbacked(l->folio))
			m->shmem_thp += size;
		else if (!folio_is_zone_device(l->folio))
			m->file_thp += size;
	}
	mss_account(m, l, l->nr, locked);
	return MMSCOPE_LEAF_CONTINUE;
}

/*
 * Highest PFN of any node: the bound under which the summary trusts a PTE's
 * PFN to have a struct page (below).  vm_normal_page() keeps the same kind
 * of sanity bound (highest_memmap_pfn, not exported); this one is read from
 * the exported node_data each walk, so hot-added memory is covered.
 */
static unsigned long pfn_bound(void)
{
	unsigned long bound = 0;
	int nid;

	for_each_online_node(nid)
		bound = max(bound, pgdat_end_pfn(NODE_DATA(nid)));
	return bound;
}

/* The summary's sums over one PTE table, in pages (pss in PSS_SHIFT units). */
struct mss_ptes {
	unsigned long resident, anon, lazyfree, shmem, file, ksm, referenced;
	unsigned long private_clean, private_dirty, shared_clean, shared_dirty;
	u64 pss, pss_anon, pss_shmem, pss_dirty;
};

static void mss_ptes_add(struct mss *m, const struct mss_ptes *t, bool locked)
{
	m->resident += (u64)t->resident << PAGE_SHIFT;
	m->anonymous += (u64)t->anon << PAGE_SHIFT;
	m->rss_anon += (u64)t->anon << PAGE_SHIFT;
	m->lazyfree += (u64)t->lazyfree << PAGE_SHIFT;
	m->rss_shmem += (u64)t->shmem << PAGE_SHIFT;
	m->rss_file += (u64)t->file << PAGE_SHIFT;
	m->ksm += (u64)t->ksm << PAGE_SHIFT;
	m->referenced += (u64)t->referenced << PAGE_SHIFT;
	m->private_clean += (u64)t->private_clean << PAGE_SHIFT;
	m->private_dirty += (u64)t->private_dirty << PAGE_SHIFT;
	m->shared_clean += (u64)t->shared_clean << PAGE_SHIFT;
	m->shared_dirty += (u64)t->shared_dirty << PAGE_SHIFT;
	m->pss += t->pss;
	m->pss_anon += t->pss_anon;
	m->pss_shmem += t->pss_shmem;
	m->pss_file += t->pss - t->pss_anon - t->pss_shmem;
	m->pss_dirty += t->pss_dirty;
	if (locked)
		m->pss_locked += t->pss;
}

/*
 * The page of the common PTE: present, not special, a PFN under @bound, a
 * small folio (not a tail, not a head), with its flags and mapping words read
 * once into @flags and @mapping.  NULL for any other entry: the caller takes
 * the leaf path.  What this trusts: see mmscope_summary_ptes().  The caller
 * excludes VM_PFNMAP and VM_MIXEDMAP VMAs.
 */
static __always_inline struct page *pte_small_page(pte_t pte, unsigned long bound,
						   unsigned long *flags,
						   unsigned long *mapping)
{
	unsigned long pfn = pte_pfn(pte);
	struct page *page;

	if (!pte_present(pte) || pte_special(pte) || pfn >= bound)
		return NULL;
	page = pfn_to_page(pfn);
	*flags = READ_ONCE(page->flags);
	if ((READ_ONCE(page->compound_head) & 1) || (*flags & (1UL << PG_head)))
		return NULL;
	*mapping = (unsigned long)READ_ONCE(page->mapping);
	return page;
}

/**
 * mmscope_summary_ptes - the summary of one PTE table, under its lock
 *
 * The common entry, a present PTE that is not special and maps a small
 * folio, is charged here as mss_account() would, reading the page's words
 * once each into local sums written back once per table; every other entry
 * (swap, migration, zero page, large folio, PFN maps) goes through the leaf.
 *
 * What is trusted, as vm_normal_page() trusts it on x86 (which has the
 * special bit): outside VM_PFNMAP and VM_MIXEDMAP a present PTE without the
 * special bit maps a page with a struct page, so its PFN needs no
 * pfn_valid() beyond a sanity bound (the highest node end PFN); a PFN past
 * the bound takes the leaf path, which checks pfn_valid().
 */
int mmscope_summary_ptes(struct mmscope_walk *w, struct vm_area_struct *vma,
			 pte_t *ptep, unsigned long addr, unsigned long end)
{
	struct mss *m = w->priv;
	struct mss_ptes t = {};
	bool pfnmap = vma->vm_flags & (VM_PFNMAP | VM_MIXEDMAP);
	struct mmscope_leaf l;

	for (; addr != end; ptep++, addr += PAGE_SIZE) {
		pte_t pte = ptep_get(ptep);
		unsigned long flags, mapping;
		struct page *page;
		u64 pss = (u64)PAGE_SIZE << PSS_SHIFT;
		bool dirty, private = true;

		if (pte_none(pte))
			continue;
		page = pfnmap ? NULL : pte_small_page(pte, m->pfn_bound, &flags, &mapping);
		if (unlikely(!page))
			goto leaf;
		dirty = pte_dirty(pte) || (flags & (1UL << PG_dirty));
		/* mmscope_smaps_whole(): one reference is a private page */
		if (page_ref_count(page) != 1) {
			int mapcount = mmscope_page_mapcount(page_folio(page), page);

			if (mapcount >= 2) {
				pss = div_u64(pss, mapcount);
				private = false;
			}
		}
		t.resident++;
		t.pss += pss;
		if (mapping & PAGE_MAPPING_ANON) {
			t.anon++;
			t.pss_anon += pss;
			if ((mapping & PAGE_MAPPING_FLAGS) == PAGE_MAPPING_KSM)
				t.ksm++;
			if (!(flags & (1UL << PG_swapbacked)) && !dirty)
				t.lazyfree++;
		} else if (flags & (1UL << PG_swapbacked)) {
			t.shmem++;
			t.pss_shmem += pss;
		} else {
			t.file++;
		}
		if (pte_young(pte) || (flags & (1UL << PG_referenced)) ||
		    folio_test_young(page_folio(page)))
			t.referenced++;
		if (dirty) {
			t.pss_dirty += pss;
			if (private)
				t.private_dirty++;
			else
				t.shared_dirty++;
		} else if (private) {
			t.private_clean++;
		} else {
			t.shared_clean++;
		}
		continue;
leaf:
		mmscope_pte_leaf(&l, vma, addr, pte);
		mmscope_summary_leaf(w, &l);
	}
	mss_ptes_add(m, &t, vma->vm_flags & VM_LOCKED);
	return MMSCOPE_LEAF_CONTINUE;
}

static void summary_vma(struct mmscope_walk *w, struct vm_area_struct *vma)
{
	struct mss *m = w->priv;

	m->nr_vmas++;
}

static const struct mmscope_walk_ops summary_ops = {
	.leaf = mmscope_summary_leaf,
	.vma = summary_vma,
	.pte_table = mmscope_summary_ptes,
};

/**
 * mmscope_mm_summary - walk all of @mm and fill the output fields of @s
 * Return: 0 or -EINTR.  Input fields of @s are left as they are.
 */
int mmscope_mm_summary(struct mm_struct *mm, struct mmscope_mm_summary *s)
{
	struct mss m = { .pfn_bound = pfn_bound() };
	struct mmscope_walk w = {
		.mm = mm,
		.ops = &summary_ops,
		.priv = &m,
	};
	int ret, i;

	ret = mmscope_walk(&w, 0, mmscope_user_limit());
	if (ret)
		return ret;

	s->rss = m.resident;
	s->pss = m.pss >> PSS_SHIFT;
	s->pss_anon = m.pss_anon >> PSS_SHIFT;
	s->pss_file = m.pss_file >> PSS_SHIFT;
	s->pss_shmem = m.pss_shmem >> PSS_SHIFT;
	s->pss_dirty = m.pss_dirty >> PSS_SHIFT;
	s->shared_clean = m.shared_clean;
	s->shared_dirty = m.shared_dirty;
	s->private_clean = m.private_clean;
	s->private_dirty = m.private_dirty;
	s->referenced = m.referenced;
	s->anonymous = m.anonymous;
	s->lazyfree = m.lazyfree;
	s->anon_huge = m.anon_thp;
	s->shmem_pmd_mapped = m.shmem_thp;
	s->file_pmd_mapped = m.file_thp;
	s->shared_hugetlb = m.shared_hugetlb;
	s->private_hugetlb = m.private_hugetlb;
	s->swap = m.swap;
	s->locked = m.pss_locked >> PSS_SHIFT;
	s->rss_anon = m.rss_anon;
	s->rss_file = m.rss_file;
	s->rss_shmem = m.rss_shmem;
	s->ksm = m.ksm;
	s->zero_page = m.zero;
	s->hugetlb = m.hugetlb;
	for (i = 0; i < 5; i++)
		s->pt_tables[i] = w.tables[i];
	s->nr_vmas = m.nr_vmas;
	s->mm_rss_anon = mmscope_mm_counter(mm, MM_ANONPAGES) << PAGE_SHIFT;
	s->mm_rss_file = mmscope_mm_counter(mm, MM_FILEPAGES) << PAGE_SHIFT;
	s->mm_rss_shmem = mmscope_mm_counter(mm, MM_SHMEMPAGES) << PAGE_SHIFT;
	s->mm_swap = mmscope_mm_counter(mm, MM_SWAPENTS) << PAGE_SHIFT;
	return 0;
}

/* ---- page-table records, delivered in bounded chunks ---- */

/* Page-table pages a walk visited, all levels together. */
static unsigned long walk_tables(const struct mmscope_walk *w)
{
	unsigned long n = 0;
	int i;

	for (i = 0; i < ARRAY_SIZE(w->tables); i++)
		n += w->tables[i];
	return n;
}

/*
 * Records filled under locks before the presenter copies them out: one PTE
 * table's worth, so mmap_lock is retaken about once per 2 MiB walked (as
 * pagemap does); a fixed 28 KiB, from kvmalloc so never a high order.
 */
#define MMSCOPE_REC_CHUNK	512

static bool rec_extends(const struct mmscope_pt_rec *a,
			const struct mmscope_pt_rec *b)
{
	return a->addr + (a->nr_pages << PAGE_SHIFT) == b->addr &&
	       a->level == b->level && a->type == b->type &&
	       a->kind == b->kind && a->hw == b->hw && a->sw == b->sw &&
	       a->pkey == b->pkey && a->swap_type == b->swap_type &&
	       a->vma_start == b->vma_start;
}

/*
 * A record is held back as "pending" until the next leaf shows whether it
 * extends it (runs) and whether the reader has room for another one, so a
 * walk resumed at walk_end continues exactly where an unbroken walk would.
 */
int mmscope_sink_leaf(struct mmscope_walk *w, const struct mmscope_leaf *l)
{
	struct mmscope_rec_sink *s = w->priv;
	struct mmscope_pt_rec r;
	u64 key = s->runs ? mmscope_leaf_run_key(l) : 0;

	/* runs by key: a PTE that extends the run costs no record */
	if (key && s->has_pending && key == s->pending_key &&
	    s->pending.kind == l->kind && s->pending.vma_start == l->vma->vm_start &&
	    s->pending.addr + (s->pending.nr_pages << PAGE_SHIFT) == l->addr) {
		s->pending.nr_pages += l->nr;
		return MMSCOPE_LEAF_CONTINUE;
	}
	mmscope_leaf_to_rec(l, &r);
	if (s->has_pending && s->runs && rec_extends(&s->pending, &r)) {
		s->pending.nr_pages += r.nr_pages;
		return MMSCOPE_LEAF_CONTINUE;
	}
	if (s->has_pending) {
		s->kbuf[s->kcount++] = s->pending;
		s->has_pending = false;
		s->taken++;
	}
	if (s->taken >= s->cap)
		return MMSCOPE_LEAF_STOP;
	s->pending = r;
	s->pending_key = key;
	s->has_pending = true;
	return s->kcount == MMSCOPE_REC_CHUNK ? MMSCOPE_LEAF_YIELD
					      : MMSCOPE_LEAF_CONTINUE;
}

static int sink_flush(struct mmscope_rec_sink *s)
{
	int ret = 0;

	if (s->kcount)
		ret = s->flush(s, s->kbuf, s->kcount);
	s->kcount = 0;
	return ret;
}

static int sink_yield(struct mmscope_walk *w)
{
	return sink_flush(w->priv);
}

static const struct mmscope_walk_ops sink_ops = {
	.leaf = mmscope_sink_leaf,
	.yield = sink_yield,
};

/**
 * mmscope_pt_records - page-table records of [@start, @end) of @mm
 * @s: the presenter's sink: cap (records it can take, > 0), runs,
 *     flush() (called with no lock held, at most
 *     MMSCOPE_REC_CHUNK records at a time, in order)
 * @walk_end: out: where to resume; @end when the range is done
 * @tables: out: page-table pages visited
 *
 * Return: 0, or -errno (-EINTR, -ENOMEM, or what flush() returned).
 */
int mmscope_pt_records(struct mm_struct *mm, unsigned long start,
		       unsigned long end, struct mmscope_rec_sink *s,
		       unsigned long *walk_end, unsigned long *tables)
{
	struct mmscope_walk w = {
		.mm = mm,
		.ops = &sink_ops,
		.priv = s,
	};
	int ret;

	s->kbuf = kvmalloc_array(MMSCOPE_REC_CHUNK, sizeof(*s->kbuf), GFP_KERNEL);
	if (!s->kbuf)
		return -ENOMEM;
	s->kcount = 0;
	s->taken = 0;
	s->has_pending = false;

	ret = mmscope_walk(&w, start, end);
	if (ret >= 0) {
		*walk_end = ret == MMSCOPE_LEAF_STOP ? w.next : end;
		if (s->has_pending) {
			s->kbuf[s->kcount++] = s->pending;
			s->taken++;
		}
		ret = sink_flush(s);
	}
	*tables = walk_tables(&w);
	kvfree(s->kbuf);
	s->kbuf = NULL;
	return ret;
}

/* ---- dense entries: one u64 per page ---- */

/* The fields of record @r as a dense entry (the uapi's MMSCOPE_DENSE_*). */
static u64 dense_from_rec(const struct mmscope_pt_rec *r)
{
	u64 e = (u64)r->type << 61 | (u64)(r->kind & 7) << 58 | (u64)(r->level & 3) << 56;

	e |= r->sw & MMSCOPE_SW_SOFT_DIRTY ? MMSCOPE_DENSE_SOFT_DIRTY : 0;
	e |= r->sw & MMSCOPE_SW_UFFD_WP ? MMSCOPE_DENSE_UFFD_WP : 0;
	e |= r->sw & MMSCOPE_SW_EXCLUSIVE ? MMSCOPE_DENSE_EXCLUSIVE : 0;
	if (r->type == MMSCOPE_ENTRY_PRESENT) {
		e |= MMSCOPE_DENSE_PFN(r->pfn);
		e |= r->hw & MMSCOPE_HW_RW ? MMSCOPE_DENSE_RW : 0;
		e |= r->hw & MMSCOPE_HW_USER ? MMSCOPE_DENSE_USER : 0;
		e |= r->hw & MMSCOPE_HW_ACCESSED ? MMSCOPE_DENSE_ACCESSED : 0;
		e |= r->hw & MMSCOPE_HW_DIRTY ? MMSCOPE_DENSE_DIRTY : 0;
		e |= r->hw & MMSCOPE_HW_NX ? MMSCOPE_DENSE_NX : 0;
		e |= r->sw & MMSCOPE_SW_LARGE ? MMSCOPE_DENSE_LARGE : 0;
		e |= r->sw & MMSCOPE_SW_PAGE_DIRTY ? MMSCOPE_DENSE_PAGE_DIRTY : 0;
		e |= r->sw & MMSCOPE_SW_SPECIAL ? MMSCOPE_DENSE_SPECIAL : 0;
		e |= r->mapcount >= 2 ? MMSCOPE_DENSE_SHARED : 0;
	} else if (r->type == MMSCOPE_ENTRY_SWAP) {
		if (r->pfn >> 48)	/* beyond the layout's 48 bits */
			return (e & ~(7ULL << 61)) | (u64)MMSCOPE_ENTRY_OTHER << 61;
		e |= (r->swap_type & 0x1f) | r->pfn << 5;
	}
	return e;
}

/*
 * The common PTE straight to its dense entry, as dense_from_rec() would
 * render its record: present, not special, a small folio, a PFN under the
 * bound (mmscope_summary_ptes() says what that trusts).  False: take the
 * leaf path.
 */
static bool dense_pte_fast(pte_t pte, unsigned long bound, u64 *out)
{
	unsigned long flags, mapping;
	pteval_t v = pte_val(pte);
	struct page *page;
	unsigned int kind;
	u64 e;

	page = pte_small_page(pte, bound, &flags, &mapping);
	if (!page)
		return false;
	if (mapping & PAGE_MAPPING_ANON)
		kind = (mapping & PAGE_MAPPING_FLAGS) == PAGE_MAPPING_KSM ?
		       MMSCOPE_KIND_KSM : MMSCOPE_KIND_ANON;
	else
		kind = flags & (1UL << PG_swapbacked) ? MMSCOPE_KIND_SHMEM : MMSCOPE_KIND_FILE;
	e = (u64)MMSCOPE_ENTRY_PRESENT << 61 | (u64)kind << 58 |
	    (u64)MMSCOPE_LEVEL_PTE << 56 | MMSCOPE_DENSE_PFN(pte_pfn(pte));
	e |= v & _PAGE_RW ? MMSCOPE_DENSE_RW : 0;
	e |= v & _PAGE_USER ? MMSCOPE_DENSE_USER : 0;
	e |= v & _PAGE_ACCESSED ? MMSCOPE_DENSE_ACCESSED : 0;
	e |= v & _PAGE_DIRTY ? MMSCOPE_DENSE_DIRTY : 0;
	e |= v & _PAGE_NX ? MMSCOPE_DENSE_NX : 0;
	e |= pte_soft_dirty(pte) ? MMSCOPE_DENSE_SOFT_DIRTY : 0;
	e |= pte_uffd_wp(pte) ? MMSCOPE_DENSE_UFFD_WP : 0;
	e |= flags & (1UL << PG_dirty) ? MMSCOPE_DENSE_PAGE_DIRTY : 0;
	if ((mapping & PAGE_MAPPING_ANON) && PageAnonExclusive(page))
		e |= MMSCOPE_DENSE_EXCLUSIVE;
	if (mmscope_page_mapcount(page_folio(page), page) >= 2)
		e |= MMSCOPE_DENSE_SHARED;
	*out = e;
	return true;
}

/*
 * One PTE table, under its lock: every entry into the window, then a yield
 * so the presenter copies it out with no lock held (as pagemap does per
 * 2 MiB).
 */
static int dense_ptes(struct mmscope_walk *w, struct vm_area_struct *vma,
		      pte_t *ptep, unsigned long addr, unsigned long end)
{
	struct mmscope_dense_sink *s = w->priv;
	unsigned long i, n = (end - addr) >> PAGE_SHIFT;
	bool pfnmap = vma->vm_flags & (VM_PFNMAP | VM_MIXEDMAP);
	struct mmscope_leaf l;
	struct mmscope_pt_rec r;

	s->win_start = addr;
	s->win_nr = n;
	for (i = 0; i < n; i++, ptep++, addr += PAGE_SIZE) {
		pte_t pte = ptep_get(ptep);

		if (pte_none(pte)) {
			s->win[i] = 0;
			continue;
		}
		if (!pfnmap && dense_pte_fast(pte, s->pfn_bound, &s->win[i]))
			continue;
		mmscope_pte_leaf(&l, vma, addr, pte);
		mmscope_leaf_to_rec(&l, &r);
		s->win[i] = dense_from_rec(&r);
	}
	return MMSCOPE_LEAF_YIELD;
}

/* A leaf above the PTE level (THP, hugetlb): its pages at the next yield. */
static int dense_leaf(struct mmscope_walk *w, const struct mmscope_leaf *l)
{
	struct mmscope_dense_sink *s = w->priv;
	struct mmscope_pt_rec r;

	mmscope_leaf_to_rec(l, &r);
	s->huge = dense_from_rec(&r);
	s->huge_start = l->addr;
	s->huge_nr = l->nr;
	return MMSCOPE_LEAF_YIELD;
}

/* Empty entries up to @to, in bounded chunks.  No lock held. */
static int dense_zeros(struct mmscope_dense_sink *s, unsigned long to)
{
	while (s->next < to) {
		unsigned long n = min((to - s->next) >> PAGE_SHIFT, 65536UL);
		int ret = s->flush(s, NULL, n);

		if (ret)
			return ret;
		s->next += n << PAGE_SHIFT;
		cond_resched();
		if (fatal_signal_pending(current))
			return -EINTR;
	}
	return 0;
}

/* Hand what the last lock hold gathered to the presenter.  No lock held. */
static int dense_yield(struct mmscope_walk *w)
{
	struct mmscope_dense_sink *s = w->priv;
	unsigned long i, n;
	int ret = 0;

	if (s->win_nr) {
		ret = dense_zeros(s, s->win_start) ?: s->flush(s, s->win, s->win_nr);
		s->next = s->win_start + (s->win_nr << PAGE_SHIFT);
		s->win_nr = 0;
	}
	/* a huge leaf: one entry per page, the PFN one up each page */
	while (!ret && s->huge_nr) {
		ret = dense_zeros(s, s->huge_start);
		if (ret)
			break;
		n = min_t(unsigned long, s->huge_nr, PTRS_PER_PTE);
		for (i = 0; i < n; i++)
			s->win[i] = s->huge + (MMSCOPE_DENSE_TYPE(s->huge) ==
					       MMSCOPE_ENTRY_PRESENT ? i : 0);
		ret = s->flush(s, s->win, n);
		if (MMSCOPE_DENSE_TYPE(s->huge) == MMSCOPE_ENTRY_PRESENT)
			s->huge += n;
		s->huge_start += n << PAGE_SHIFT;
		s->huge_nr -= n;
		s->next = s->huge_start;
		cond_resched();
	}
	s->huge_nr = 0;
	return ret;
}

static const struct mmscope_walk_ops dense_ops = {
	.leaf = dense_leaf,
	.yield = dense_yield,
	.pte_table = dense_ptes,
};

/**
 * mmscope_pt_dense - one dense entry per page of [@start, @end) of @mm
 * @s: the presenter's sink (flush(), priv)
 * @tables: out: page-table pages visited
 *
 * Every page gets an entry, 0 where nothing is mapped.  Return: 0, or
 * -errno (-EINTR, -ENOMEM, or what flush() returned).
 */
int mmscope_pt_dense(struct mm_struct *mm, unsigned long start,
		     unsigned long end, struct mmscope_dense_sink *s,
		     unsigned long *tables)
{
	struct mmscope_walk w = {
		.mm = mm,
		.ops = &dense_ops,
		.priv = s,
	};
	int ret;

	s->win = kvmalloc_array(PTRS_PER_PTE, sizeof(*s->win), GFP_KERNEL);
	if (!s->win)
		return -ENOMEM;
	s->win_nr = 0;
	s->huge_nr = 0;
	s->next = start;
	s->pfn_bound = pfn_bound();
	ret = mmscope_walk(&w, start, end);
	if (!ret)
		ret = dense_zeros(s, end);
	*tables = walk_tables(&w);
	kvfree(s->win);
	s->win = NULL;
	return ret;
}

/* ---- VMAs ---- */

/* A file on tmpfs: tmpfs, memfd, SysV shm, shared anonymous memory. */
static bool vma_on_tmpfs(struct vm_area_struct *vma)
{
	return vma->vm_file &&
	       file_inode(vma->vm_file)->i_sb->s_magic == TMPFS_MAGIC;
}

/**
 * mmscope_vma_kind - what a VMA maps, as enum mmscope_vma_kind
 * The one decision tree: the vmas view shows it, the fault producer derives
 * its memory class from it.  The caller keeps @vma from changing.
 */
unsigned int mmscope_vma_kind(struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;

	if (is_vm_hugetlb_page(vma))
		return MMSCOPE_VMA_HUGETLB;
	if (vma->vm_flags & (VM_PFNMAP | VM_IO))
		return MMSCOPE_VMA_SPECIAL;
	if (vma->vm_file)
		return vma_on_tmpfs(vma) ? MMSCOPE_VMA_SHMEM : MMSCOPE_VMA_FILE;
	if (vma->vm_ops)
		return MMSCOPE_VMA_SPECIAL;	/* [vdso], [vvar] and other special maps */
	if (vma->vm_start <= mm->brk && vma->vm_end >= mm->start_brk)
		return MMSCOPE_VMA_HEAP;
	if (vma->vm_start <= mm->start_stack && vma->vm_end >= mm->start_stack)
		return MMSCOPE_VMA_STACK;
	return MMSCOPE_VMA_ANON;
}

/* VM_* flag of MMSCOPE_VMF_NAMES[i] (0 where this kernel has none). */
static const unsigned long vmf_flags[] = {
	VM_READ, VM_WRITE, VM_EXEC, VM_SHARED, VM_MAYREAD, VM_MAYWRITE,
	VM_MAYEXEC, VM_MAYSHARE, VM_GROWSDOWN, VM_PFNMAP, VM_LOCKED, VM_IO,
	VM_SEQ_READ, VM_RAND_READ, VM_DONTCOPY, VM_DONTEXPAND, VM_LOCKONFAULT,
	VM_ACCOUNT, VM_NORESERVE, VM_HUGETLB, VM_SYNC, VM_WIPEONFORK,
	VM_DONTDUMP, VM_SOFTDIRTY, VM_MIXEDMAP, VM_HUGEPAGE, VM_NOHUGEPAGE,
	VM_MERGEABLE, VM_UFFD_MISSING, VM_UFFD_WP,
};

/* smaps' Rss and Swap, per VMA. */
static int vma_count_leaf(struct mmscope_walk *w, const struct mmscope_leaf *l)
{
	struct mmscope_vma_rec *r = w->priv;

	if (l->type == MMSCOPE_ENTRY_SWAP)
		r->swap_pages += l->nr;
	else if (l->page && !is_vm_hugetlb_page(l->vma))
		r->rss_pages += l->nr;
	return MMSCOPE_LEAF_CONTINUE;
}

static const struct mmscope_walk_ops vma_count_ops = {
	.leaf = vma_count_leaf,
};

/* One VMA's record and path; mmap_lock held. */
static int vma_fill(struct mm_struct *mm, struct vm_area_struct *vma,
		    struct mmscope_vma_out *o)
{
	struct mmscope_vma_rec *r = &o->rec;
	struct mmscope_walk w = {
		.mm = mm,
		.ops = &vma_count_ops,
		.priv = r,
	};
	const char *name = NULL;
	unsigned int i;

	static_assert(ARRAY_SIZE(vmf_flags) <= 64);
	lockdep_assert_held(&mm->mmap_lock);
	memset(r, 0, sizeof(*r));
	o->path[0] = 0;
	r->start = vma->vm_start;
	r->end = vma->vm_end;
	for (i = 0; i < ARRAY_SIZE(vmf_flags); i++)
		if (vmf_flags[i] && (vma->vm_flags & vmf_flags[i]))
			r->flags |= 1ULL << i;
	r->kind = mmscope_vma_kind(vma);
	if (vma->vm_file) {
		const struct inode *inode = mmscope_file_user_inode(vma->vm_file);
		char *p;

		r->offset = (u64)vma->vm_pgoff << PAGE_SHIFT;
		r->inode = inode->i_ino;
		r->dev_major = MAJOR(inode->i_sb->s_dev);
		r->dev_minor = MINOR(inode->i_sb->s_dev);
		p = d_path(mmscope_file_user_path(vma->vm_file), o->path, sizeof(o->path));
		name = IS_ERR(p) ? "?" : p;
	} else if (vma->vm_ops && vma->vm_ops->name) {
		name = vma->vm_ops->name(vma);
	}
	if (name) {
		r->path_len = strlen(name);
		memmove(o->path, name, r->path_len + 1);
	}
	return mmscope_walk_locked(&w, vma->vm_start, vma->vm_end);
}

/* VMAs filled under one mmap_lock hold, then emitted without it. */
#define VMA_CHUNK	8

/**
 * mmscope_vmas - the VMAs of @mm that start in [@start, @end), in order
 * @emit: called with kind 0 and a struct mmscope_vma_out, no lock held
 *
 * mmap_lock is taken for at most VMA_CHUNK VMAs at a time; between chunks
 * the VMAs may change, and the walk resumes at the first VMA that starts at
 * or after the end of the last one emitted (as /proc/PID/maps resumes).
 * Return: 0, -EINTR, -ENOMEM, or what @emit returned.
 */
int mmscope_vmas(struct mm_struct *mm, unsigned long start, unsigned long end,
		 mmscope_emit_t emit, void *ctx)
{
	struct mmscope_vma_out *out;
	unsigned long addr = start;
	unsigned int n, i;
	int err = 0;

	out = kvmalloc_array(VMA_CHUNK, sizeof(*out), GFP_KERNEL);
	if (!out)
		return -ENOMEM;
	do {
		struct vm_area_struct *vma;
		VMA_ITERATOR(vmi, mm, addr);

		if (mmap_read_lock_killable(mm)) {
			err = -EINTR;
			break;
		}
		n = 0;
		for_each_vma_range(vmi, vma, end) {
			if (vma->vm_start < addr)
				continue;	/* straddles start, or changed since */
			err = vma_fill(mm, vma, &out[n]);
			if (err)
				break;
			if (++n == VMA_CHUNK)
				break;
		}
		mmap_read_unlock(mm);
		for (i = 0; i < n && !err; i++)
			err = emit(ctx, 0, &out[i]);
		if (n)
			addr = out[n - 1].rec.end;
		cond_resched();
	} while (!err && n == VMA_CHUNK);
	kvfree(out);
	return err;
}
