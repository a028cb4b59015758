// Huge pfnmap leaves; see huge_memory.h. Each function names the v6.12 mm/huge_memory.c function
// it follows; the steps are the kernel's, minus what the header says is left out.
#include "model/huge_memory.h"

#include "absl/strings/str_cat.h"
#include "model/vma_lock.h"

namespace mmcheck::model {

Entry mk_special_entry(int pfn, unsigned long prot) {
  Entry e = pte_mkspecial(mk_pte(pfn));
  if ((prot & VM_WRITE) && (prot & VM_SHARED)) e = pte_mkwrite(e);
  return e;
}

namespace {

// The BUG_ON()s of vmf_insert_pfn_pmd/pud that the model can reach (VM_MIXEDMAP is not modeled).
void check_insert_pfn_preconditions(Vma* vma, const char* function) {
  const unsigned long flags = vma->vm_flags.read();
  if (vma->vm_mm->knobs.insert_pfn_rejects_cow && (flags & VM_PFNMAP) && is_cow_mapping(flags)) {
    Violate(ViolationKind::kAssertion,
            absl::StrCat(function, ": BUG_ON((vma->vm_flags & VM_PFNMAP) && "
                                   "is_cow_mapping(vma->vm_flags)) in ",
                         vma->name));
  }
}

// insert_pfn_pmd() / insert_pfn_pud() (v6.12, with 003/02 and 003/03): under `ptl`.
void insert_pfn_huge(Vma* vma, PageTable* table, unsigned long addr, int pfn, bool write,
                     SpinLock& ptl) {
  const unsigned long prot = vma->vm_page_prot.read();
  ptl.lock();
  const Entry old = ptep_get(table, addr);
  if (!pmd_none(old)) {
    if (write) {
      // 003/02: a mismatched pfn is WARN_ON_ONCE + out_unlock.
      if (old.val == pfn) {
        Entry entry = pte_mkdirty(pte_mkyoung(old));
        if (vma->vm_flags.read() & VM_WRITE) entry = pte_mkwrite(entry);  // maybe_pmd_mkwrite
        if (!(entry == old)) set_entry(table, addr, entry);  // pmdp_set_access_flags
      }
    }
    ptl.unlock();  // out_unlock:
    return;
  }
  Entry entry = mk_special_entry(pfn, prot);  // pfn not devmap: pmd_mkspecial (003/03)
  if (write) {
    entry = pte_mkdirty(pte_mkyoung(entry));
    if (vma->vm_flags.read() & VM_WRITE) entry = pte_mkwrite(entry);
  }
  set_entry(table, addr, entry);  // set_pmd_at / set_pud_at
  ptl.unlock();
}

}  // namespace

vm_fault_t vmf_insert_pfn_pmd(VmFault* vmf, int pfn, bool write) {
  Vma* vma = vmf->vma;
  const unsigned long addr = vmf->address - vmf->address % PMD_PAGES;  // & PMD_MASK
  check_insert_pfn_preconditions(vma, "vmf_insert_pfn_pmd");
  if (addr < vma->vm_start || addr >= vma->vm_end) return VM_FAULT_SIGBUS;
  // track_pfn_insert(): x86 PAT, no state the model keeps. pgtable_alloc for arches that deposit:
  // not x86.
  insert_pfn_huge(vma, vmf->pmd, addr, pfn, write, pmd_lockptr(vmf->pmd));
  return VM_FAULT_NOPAGE;
}

vm_fault_t vmf_insert_pfn_pud(VmFault* vmf, int pfn, bool write) {
  Vma* vma = vmf->vma;
  const unsigned long addr = vmf->address - vmf->address % PUD_PAGES;  // & PUD_MASK
  check_insert_pfn_preconditions(vma, "vmf_insert_pfn_pud");
  if (addr < vma->vm_start || addr >= vma->vm_end) return VM_FAULT_SIGBUS;
  insert_pfn_huge(vma, vmf->pud, addr, pfn, write, pud_lockptr(vma->vm_mm));
  return VM_FAULT_NOPAGE;
}

void huge_pmd_set_accessed(VmFault* vmf) {
  SpinLock& ptl = pmd_lockptr(vmf->pmd);
  ptl.lock();
  if (pmd_same(ptep_get(vmf->pmd, vmf->address), vmf->orig_pmd)) {
    // touch_pmd(vma, addr, pmd, write)
    Entry entry = pte_mkyoung(vmf->orig_pmd);
    if (vmf->flags & FAULT_FLAG_WRITE) entry = pte_mkdirty(entry);
    if (!(entry == vmf->orig_pmd)) set_entry(vmf->pmd, vmf->address, entry);
  }
  ptl.unlock();
}

void huge_pud_set_accessed(VmFault* vmf, Entry orig_pud) {
  SpinLock& ptl = pud_lockptr(vmf->vma->vm_mm);
  ptl.lock();
  if (pmd_same(ptep_get(vmf->pud, vmf->address), orig_pud)) {
    Entry entry = pte_mkyoung(orig_pud);  // touch_pud
    if (vmf->flags & FAULT_FLAG_WRITE) entry = pte_mkdirty(entry);
    if (!(entry == orig_pud)) set_entry(vmf->pud, vmf->address, entry);
  }
  ptl.unlock();
}

void split_huge_pmd(Vma* vma, PageTable* pmd_table, unsigned long address) {
  // __split_huge_pmd(): mmu_notifier_invalidate_range_start (a marker), pmd_lock; still a leaf ->
  // __split_huge_pmd_locked: !vma_is_anonymous -> pmdp_huge_clear_flush; vma_is_special_huge ->
  // return.
  const unsigned long haddr = address - address % PMD_PAGES;
  SpinLock& ptl = pmd_lockptr(pmd_table);
  ptl.lock();
  if (pmd_trans_huge(ptep_get(pmd_table, haddr))) {
    ptep_get_and_clear(pmd_table, haddr);
    flush_tlb_range(vma->vm_mm, haddr, haddr + PMD_PAGES);
  }
  ptl.unlock();
}

void split_huge_pud(Vma* vma, PageTable* pud_table, unsigned long address) {
  // __split_huge_pud(): notifier start; pud_lock; still a leaf -> __split_huge_pud_locked:
  // pudp_huge_clear_flush (special and DAX PUDs are only cleared).
  const unsigned long haddr = address - address % PUD_PAGES;
  SpinLock& ptl = pud_lockptr(vma->vm_mm);
  ptl.lock();
  if (pud_trans_huge(ptep_get(pud_table, haddr))) {
    ptep_get_and_clear(pud_table, haddr);
    flush_tlb_range(vma->vm_mm, haddr, haddr + PUD_PAGES);
  }
  ptl.unlock();
}

bool zap_huge_pmd(MmuGather* tlb, Vma* vma, PageTable* pmd_table, unsigned long address) {
  // __pmd_trans_huge_lock(): pmd_lock; is_swap_pmd || pmd_trans_huge || pmd_devmap, else unlock
  // and NULL.
  SpinLock& ptl = pmd_lockptr(pmd_table);
  ptl.lock();
  if (!pmd_trans_huge(ptep_get(pmd_table, address))) {
    ptl.unlock();
    return false;
  }
  const Entry orig_pmd = ptep_get_and_clear(pmd_table, address);  // pmdp_huge_get_and_clear_full
  tlb_remove_tlb_entry(tlb, address);  // tlb_remove_pmd_tlb_entry
  tlb_remove_tlb_entry(tlb, address + PMD_PAGES - 1);
  if (vma->vm_flags.read() & (VM_PFNMAP | VM_MIXEDMAP)) {
    // vma_is_special_huge(vma): no folio; zap_deposited_table only where
    // arch_needs_pgtable_deposit.
    ptl.unlock();
    return true;
  }
  // An anonymous THP (v6.12): folio = page_folio(pmd_page(orig_pmd)); folio_remove_rmap_pmd;
  // WARN_ON_ONCE(folio_mapcount(folio) < 0); folio_test_anon -> zap_deposited_table (the model
  // deposits no table: nothing can reach one) and the MM_ANONPAGES counter; spin_unlock(ptl);
  // tlb_remove_page_size(tlb, &folio->page, HPAGE_PMD_SIZE): the reference goes after the flush.
  MMCHECK_ASSERT_MSG(pte_present(orig_pmd) && !orig_pmd.special,
                     "only a present anonymous THP is modeled besides special leaves");
  Folio* folio = vma->vm_mm->mem_map->pfn_folio(pte_pfn(orig_pmd));
  folio_remove_rmap_pmd(folio);
  ptl.unlock();
  tlb_remove_folio(tlb, folio);
  return true;
}

bool zap_huge_pud(MmuGather* tlb, Vma* vma, PageTable* pud_table, unsigned long address) {
  // __pud_trans_huge_lock(): pud_lock; pud_trans_huge || pud_devmap, else unlock and NULL.
  SpinLock& ptl = pud_lockptr(vma->vm_mm);
  ptl.lock();
  if (!pud_trans_huge(ptep_get(pud_table, address))) {
    ptl.unlock();
    return false;
  }
  ptep_get_and_clear(pud_table, address);  // pudp_huge_get_and_clear_full
  tlb_remove_tlb_entry(tlb, address);      // tlb_remove_pud_tlb_entry
  tlb_remove_tlb_entry(tlb, address + PUD_PAGES - 1);
  ptl.unlock();  // vma_is_special_huge: "No zero page support yet"
  return true;
}

int copy_huge_pmd(MmStruct* dst_mm, MmStruct* src_mm, PageTable* dst_pmd, PageTable* src_pmd,
                  unsigned long addr, Vma* dst_vma, Vma* src_vma) {
  (void)dst_mm;
  (void)src_mm;
  Entry pmd = ptep_get(src_pmd, addr);  // pmdp_get_lockless(src_pmd)
  if (pte_present(pmd) && pmd.special) {  // 47fa30118f02: pmd_present() && pmd_special()
    SpinLock& dst_ptl = pmd_lockptr(dst_pmd);  // pmd_lock(dst_mm, dst_pmd)
    dst_ptl.lock();
    SpinLock& src_ptl = pmd_lockptr(src_pmd);
    src_ptl.lock_nested(1);  // spin_lock_nested(src_ptl, SINGLE_DEPTH_NESTING)
    if (src_mm->knobs.copy_huge_pmd_rechecks) {
      // S7's fixed code, as copy_huge_pud and copy_pte_range read under the lock: re-read, and
      // leave the child none if the entry is gone (the child refaults).
      pmd = ptep_get(src_pmd, addr);  // pmdp_get(src_pmd)
      if (!(pte_present(pmd) && pmd.special)) {
        src_ptl.unlock();
        dst_ptl.unlock();
        return 0;
      }
    }
    // v6.12: "No need to recheck the pmd, it can't change with write mmap lock held here."
    // VM_WARN_ON_ONCE(is_cow_mapping(src_vma->vm_flags) && pmd_write(pmd)): I-FORK-2.
    if (is_cow_mapping(src_vma->vm_flags.read()) && pmd.write) {
      Violate(ViolationKind::kInvariant,
              absl::StrCat("I-FORK-2: copy_huge_pmd copies a writable special PMD (",
                           Entry::FormatTrace(pmd.TraceValue()), ") of the COW mapping ",
                           src_vma->name, " (the VM_WARN_ON_ONCE in copy_huge_pmd)"));
    }
    set_entry(dst_pmd, addr, pte_mkold(pmd));  // set_pmd: set_pmd_at(pmd_mkold(pmd))
    src_ptl.unlock();
    dst_ptl.unlock();
    return 0;
  }
  // Skip if we can simply refault the pmd ... (!vma_is_anonymous(dst_vma)).
  if (dst_vma->vm_ops != nullptr) return 0;
  MMCHECK_ASSERT_MSG(!pmd_trans_huge(pmd), "anonymous THP is not modeled");
  return -11;  // -EAGAIN: not a huge leaf any more
}

int copy_huge_pud(MmStruct* dst_mm, MmStruct* src_mm, PageTable* dst_pud, PageTable* src_pud,
                  unsigned long addr, Vma* vma) {
  const bool early = src_mm->knobs.copy_huge_pud_reads_before_lock;
  Entry pud = early ? ptep_get(src_pud, addr) : Entry{};  // the twin's read without a lock
  SpinLock& dst_ptl = pud_lockptr(dst_mm);  // pud_lock(dst_mm, dst_pud)
  dst_ptl.lock();
  SpinLock& src_ptl = pud_lockptr(src_mm);
  src_ptl.lock_nested(1);  // spin_lock_nested(src_ptl, SINGLE_DEPTH_NESTING)
  int ret = -11;           // -EAGAIN
  if (!early) pud = ptep_get(src_pud, addr);  // pud = *src_pud
  if (pud_trans_huge(pud)) {
    const bool cow = is_cow_mapping(vma->vm_flags.read());
    // 003/07: write-protect only a COW mapping's writable entry. Before it (knob
    // copy_huge_pud_wrprotects_always): pudp_set_wrprotect(src) and pud_wrprotect, always.
    if (src_mm->knobs.copy_huge_pud_wrprotects_always || (cow && pud.write)) {
      // The parent's writable translation stays in its TLB until dup_mmap's flush_tlb_mm.
      for (unsigned long p = addr; p < addr + PUD_PAGES; ++p) tlb_mark_stale(src_mm, p, pud);
      pud = pte_wrprotect(pud);
      set_entry(src_pud, addr, pud);  // pudp_set_wrprotect(src_mm, addr, src_pud)
    }
    set_entry(dst_pud, addr, pte_mkold(pud));  // set_pud_at(dst, pud_mkold(pud))
    ret = 0;
  }
  src_ptl.unlock();  // out_unlock:
  dst_ptl.unlock();
  return ret;
}

}  // namespace mmcheck::model
