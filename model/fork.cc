// dup_mmap and copy_page_range; see fork.h.
#include "model/fork.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "model/huge_memory.h"
#include "model/mmap_lock.h"
#include "model/vma_lock.h"

namespace mmcheck::model {
namespace {

// vma_needs_copy() (mm/memory.c v6.12). userfaultfd_wp(dst) is not modeled (no uffd-wp).
bool vma_needs_copy(Vma* dst_vma, Vma* src_vma) {
  (void)dst_vma;
  if (src_vma->vm_flags.read() & (VM_PFNMAP | VM_MIXEDMAP)) return true;
  return src_vma->anon_vma.load();
}

// I-FORK-4: while copy_page_range(src) runs, no thread owns src's VMA read lock (a fault under
// the per-VMA lock would change what is being copied). A fault that has only trylocked the rwsem
// and is about to see vm_lock_seq and drop it does not count: it does nothing under it.
void check_no_fault_on_source(Vma* src_vma, const char* where) {
  if (src_vma->vm_lock_owners.read() > 0) {
    Violate(ViolationKind::kInvariant,
            absl::StrCat("I-FORK-4: ", where, " copies ", src_vma->name,
                         " while a fault holds its VMA read lock: the fault changes the parent's "
                         "page tables under fork (dup_mmap did not vma_start_write it)"));
  }
}

// copy_present_ptes() -> __copy_present_ptes() (v6.12) for one PTE, under both PTLs.
void copy_present_pte(Vma* dst_vma, Vma* src_vma, PageTable* dst_pte, PageTable* src_pte,
                      unsigned long addr, Entry pte) {
  check_no_fault_on_source(src_vma, "copy_present_ptes");
  MmStruct* src_mm = src_vma->vm_mm;
  const unsigned long flags = src_vma->vm_flags.read();
  // vm_normal_page(): NULL for a special PTE (pfnmap, zero page).
  Folio* folio = pte.special ? nullptr : src_mm->mem_map->pfn_folio(pte_pfn(pte));
  if (folio != nullptr) {
    // folio_try_dup_anon_rmap_ptes(): the model has no pins (GUP), so it never fails and no
    // copy_present_page() is needed; the page is no longer exclusive to the parent.
    folio_get(folio);
    folio->_mapcount.fetch_add(1);
    folio->anon_exclusive.write(false);
  }
  // If it's a COW mapping, write protect it both processes.
  if (is_cow_mapping(flags) && pte_write(pte)) {
    tlb_mark_stale(src_mm, addr, pte);  // until dup_mmap's flush_tlb_mm(oldmm)
    if (src_mm->knobs.fork_wrprotect_atomic) {
      // wrprotect_ptes -> ptep_set_wrprotect (arch/x86/include/asm/pgtable.h, v6.12):
      // clear_bit(_PAGE_BIT_RW, &ptep->pte), one locked update of the parent's entry, so an
      // accessed or dirty bit the MMU set since `pte` was read (a thread of the parent writing
      // through its TLB) stays. A compare-exchange loop here, as the MMU's own update is. The
      // child gets pte_wrprotect of the value read before, as __copy_present_ptes gives it.
      Entry expected = pte;
      while (!src_pte->slot(addr).compare_exchange(expected, pte_wrprotect(expected))) {
      }
    } else {
      set_entry(src_pte, addr, pte_wrprotect(pte));  // the model before: a plain store
    }
    pte = pte_wrprotect(pte);
  }
  // If it's a shared mapping, mark it clean in the child.
  if (flags & VM_SHARED) pte = pte_mkclean(pte);
  pte = pte_mkold(pte);
  set_entry(dst_pte, addr, pte);  // set_ptes(dst_vma->vm_mm, ...)
  (void)dst_vma;
}

// copy_pte_range() (v6.12).
int copy_pte_range(Vma* dst_vma, Vma* src_vma, PageTable* dst_pmd, PageTable* src_pmd,
                   unsigned long addr, unsigned long end) {
  MmStruct* dst_mm = dst_vma->vm_mm;
  // dst_pte = pte_alloc_map_lock(dst_mm, dst_pmd, addr, &dst_ptl)
  if (pte_alloc(dst_mm, dst_pmd, addr)) return -12;  // -ENOMEM
  PageTable* dst_pte = pte_offset_map_lock(dst_pmd, addr);
  if (dst_pte == nullptr) return -12;
  // src_pte = pte_offset_map_nolock(src_mm, src_pmd, addr, &src_ptl)
  PageTable* src_pte = pte_offset_map(src_pmd, addr);
  if (src_pte == nullptr) {
    pte_unmap_unlock(dst_pte);
    return 0;
  }
  pte_lockptr(src_pte).lock_nested(1);  // spin_lock_nested(src_ptl, SINGLE_DEPTH_NESTING)
  // The lock break every 32 entries (progress >= 32) never happens with 2 entries per table.
  for (; addr < end; ++addr) {
    const Entry ptent = ptep_get(src_pte, addr);
    if (pte_none(ptent)) continue;
    MMCHECK_ASSERT_MSG(pte_present(ptent), "copy_nonpresent_pte is not modeled");
    copy_present_pte(dst_vma, src_vma, dst_pte, src_pte, addr, ptent);
  }
  pte_lockptr(src_pte).unlock();  // pte_unmap_unlock(orig_src_pte, NULL)
  pte_unmap();
  pte_unmap_unlock(dst_pte);
  return 0;
}

// copy_pmd_range() (v6.12) for the part [addr, end) of one PUD entry.
int copy_pmd_range(Vma* dst_vma, Vma* src_vma, PageTable* src_pmd, unsigned long addr,
                   unsigned long end) {
  MmStruct* dst_mm = dst_vma->vm_mm;
  PageTable* dst_pmd = pmd_alloc(dst_mm, addr);
  if (dst_pmd == nullptr) return -12;
  while (addr < end) {
    const unsigned long next = std::min(end, addr - addr % PMD_PAGES + PMD_PAGES);
    // is_swap_pmd(*src_pmd) || pmd_trans_huge(*src_pmd) || pmd_devmap(*src_pmd): one lockless
    // read (the compiler may well read three times; one read gives the same outcomes here).
    const Entry pmdval = ptep_get(src_pmd, addr);
    if (pmd_trans_huge(pmdval)) {
      const int err = copy_huge_pmd(dst_mm, src_vma->vm_mm, dst_pmd, src_pmd, addr, dst_vma,
                                    src_vma);
      if (err == -12) return -12;
      if (err == 0) {
        addr = next;
        continue;
      }
      // fall through
    }
    // pmd_none_or_clear_bad(src_pmd): another read; a huge leaf here is "bad" only in theory (a
    // leaf that reappeared between the reads): not reachable in the model's scenarios.
    const Entry again = pmd_trans_huge(pmdval) ? ptep_get(src_pmd, addr) : pmdval;
    if (pmd_none(again)) {
      addr = next;
      continue;
    }
    MMCHECK_ASSERT_MSG(again.kind == EntryKind::kTable, "a huge PMD reappeared during fork");
    if (copy_pte_range(dst_vma, src_vma, dst_pmd, src_pmd, addr, next)) return -12;
    addr = next;
  }
  return 0;
}

// copy_pud_range() (v6.12; p4d and pgd are folded).
int copy_pud_range(Vma* dst_vma, Vma* src_vma, unsigned long addr, unsigned long end) {
  MmStruct* src_mm = src_vma->vm_mm;
  PageTable* src_pud = pud_table(src_mm);
  PageTable* dst_pud = pud_table(dst_vma->vm_mm);  // pud_alloc(dst_mm, dst_p4d, addr)
  while (addr < end) {
    const unsigned long next = std::min(end, addr - addr % PUD_PAGES + PUD_PAGES);
    const Entry pudval = ptep_get(src_pud, addr);  // pud_trans_huge(*src_pud)
    if (pud_trans_huge(pudval)) {
      const int err = copy_huge_pud(dst_vma->vm_mm, src_mm, dst_pud, src_pud, addr, src_vma);
      if (err == -12) return -12;
      if (err == 0) {
        addr = next;
        continue;
      }
      // fall through
    }
    // pud_none_or_clear_bad(src_pud)
    const Entry again = pud_trans_huge(pudval) ? ptep_get(src_pud, addr) : pudval;
    if (pud_none(again)) {
      addr = next;
      continue;
    }
    MMCHECK_ASSERT_MSG(again.kind == EntryKind::kTable, "a huge PUD reappeared during fork");
    if (copy_pmd_range(dst_vma, src_vma, entry_table(again), addr, next)) return -12;
    addr = next;
  }
  return 0;
}

}  // namespace

int copy_page_range(Vma* dst_vma, Vma* src_vma) {
  if (!vma_needs_copy(dst_vma, src_vma)) return 0;
  MMCHECK_ASSERT_MSG(!(src_vma->vm_flags.peek() & VM_HUGETLB),
                     "copy_hugetlb_page_range is not modeled");
  // VM_PFNMAP: track_pfn_copy() (x86 PAT bookkeeping, no state the model keeps).
  check_no_fault_on_source(src_vma, "copy_page_range");
  const bool is_cow = is_cow_mapping(src_vma->vm_flags.read());
  if (is_cow) {
    // mmu_notifier_invalidate_range_start(); vma_assert_write_locked(src_vma) (v6.5+; v6.4,
    // whose dup_mmap did not write-lock VMAs, asserted mmap_assert_write_locked(src_mm), the
    // knob's off position); raw_write_seqcount_begin(&src_mm->write_protect_seq).
    if (src_vma->vm_mm->knobs.dup_mmap_write_locks_vma) {
      vma_assert_write_locked(src_vma);
    } else {
      mmap_assert_write_locked(src_vma->vm_mm);
    }
    src_vma->vm_mm->write_protect_seq.fetch_add(1);
  }
  const int ret = copy_pud_range(dst_vma, src_vma, src_vma->vm_start, src_vma->vm_end);
  if (is_cow) src_vma->vm_mm->write_protect_seq.fetch_add(1);  // raw_write_seqcount_end
  return ret;
}

std::string check_fork_special_copy(MmStruct* parent, MmStruct* child, unsigned long start,
                                    unsigned long end) {
  for (unsigned long a = start; a < end; ++a) {
    Vma* vma = parent->mm_mt[a].peek();
    if (vma == nullptr) continue;
    const unsigned long flags = vma->vm_flags.peek();
    const Entry p = peek_pte(parent, a);
    const Entry c = peek_pte(child, a);
    for (const Entry* e : {&p, &c}) {
      if (pte_present(*e) && e->special && e->write && is_cow_mapping(flags)) {
        return absl::StrCat("I-FORK-2: the ", e == &p ? "parent" : "child",
                            " maps a writable special entry (",
                            Entry::FormatTrace(e->TraceValue()), ") at address ", a,
                            " of the COW mapping ", vma->name);
      }
    }
    if (!(flags & VM_SHARED) || !pte_present(c) || !pte_present(p)) continue;
    if (c.val != p.val || c.write != p.write || c.special != p.special) {
      return absl::StrCat("I-FORK-2: at address ", a, " of the shared ", vma->name,
                          " the child maps ", Entry::FormatTrace(c.TraceValue()),
                          " but the parent ", Entry::FormatTrace(p.TraceValue()),
                          ": fork must copy a shared special entry as it is (young aside)");
    }
  }
  return "";
}

MmStruct* dup_mmap(MmStruct* oldmm) {
  // The new mm: mm_alloc/mm_init in dup_mm(), not yet visible to anyone.
  MmStruct* mm = Make<MmStruct>(oldmm->knobs, oldmm->mem_map, MmRole::kChild);
  mmap_write_lock(oldmm);               // mmap_write_lock_killable(oldmm)
  mmap_write_lock_nested(mm, 1);        // mmap_write_lock_nested(mm, SINGLE_DEPTH_NESTING)
  // for_each_vma(vmi, mpnt): the parent's tree cannot change under its mmap write lock; the model
  // walks its VMAs in address order without a step per slot.
  std::vector<Vma*> parent;
  for (int p = 0; p < kPages; ++p) {
    Vma* v = oldmm->mm_mt[static_cast<size_t>(p)].peek();
    if (v != nullptr && (parent.empty() || parent.back() != v)) parent.push_back(v);
  }
  for (Vma* mpnt : parent) {
    if (oldmm->knobs.dup_mmap_write_locks_vma) vma_start_write(mpnt);
    const unsigned long flags = mpnt->vm_flags.read();
    if (flags & VM_DONTCOPY) continue;  // v6.8+: clears the range in the child's tree
    // tmp = vm_area_dup(mpnt): a copy, with the child's mm.
    Vma* tmp = Make<Vma>(mm, mpnt->vm_start, mpnt->vm_end, flags);
    tmp->vm_file = mpnt->vm_file;
    tmp->vm_pgoff = mpnt->vm_pgoff;
    tmp->vm_ops = mpnt->vm_ops;
    tmp->vm_private_data = mpnt->vm_private_data;
    mm->vmas.push_back(tmp);
    // VM_WIPEONFORK -> tmp->anon_vma = NULL; else anon_vma_fork(tmp, mpnt): the child is linked to
    // the parent's anon_vma only if the parent has one now.
    if (!(flags & VM_WIPEONFORK) && mpnt->anon_vma.load()) tmp->anon_vma.store(true);
    // vma_iter_bulk_store(&vmi, tmp); mm->map_count++; tmp->vm_ops->open (vfio has none).
    for (unsigned long p = tmp->vm_start; p < tmp->vm_end; ++p) mm->mm_mt[p].store(tmp);
    if (AddressSpace* mapping = tmp->vm_file) {
      mapping->i_mmap_rwsem.down_write();  // i_mmap_lock_write(mapping)
      // insert tmp into the share list, just after mpnt
      auto it = std::find(mapping->i_mmap.begin(), mapping->i_mmap.end(), mpnt);
      MMCHECK_CHECK(it != mapping->i_mmap.end());
      mapping->i_mmap.insert(it + 1, tmp);  // vma_interval_tree_insert_after
      mapping->i_mmap_rwsem.up_write();     // i_mmap_unlock_write(mapping)
    }
    if (!(flags & VM_WIPEONFORK)) copy_page_range(tmp, mpnt);
  }
  mmap_write_unlock(mm);
  flush_tlb_range(oldmm, 0, kPages);  // flush_tlb_mm(oldmm)
  mmap_write_unlock(oldmm);
  return mm;
}

}  // namespace mmcheck::model
