// do_mprotect; see mprotect.h. Mirrors mm/mprotect.c v6.12: do_mprotect_pkey -> mprotect_fixup
// (vma_start_write, vm_flags_reset, vma_set_page_prot, change_protection) inside one mmu_gather,
// then mmap_write_unlock.
#include "model/mprotect.h"

#include <algorithm>

#include "model/memory.h"
#include "model/mmap_lock.h"
#include "model/vma_lock.h"

namespace mmcheck::model {
namespace {

// change_pte_range() (v6.12): under the PTL, every present PTE gets the new protection
// (ptep_modify_prot_start clears it, ptep_modify_prot_commit writes the new one); a PTE that
// lost its write bit needs a TLB flush (tlb_flush_pte_range). Returns false when the PTE table
// went away under it (-EAGAIN: change_pmd_range retries).
bool change_pte_range(MmuGather* tlb, Vma* vma, PageTable* pmd, unsigned long addr,
                      unsigned long end, unsigned long newflags) {
  PageTable* pte = pte_offset_map_lock(pmd, addr);
  if (pte == nullptr) return false;
  for (; addr < end; ++addr) {
    const Entry oldpte = ptep_get(pte, addr);
    if (!pte_present(oldpte)) continue;               // swap entries: with the swap issue
    const Entry old = ptep_get_and_clear(pte, addr);  // ptep_modify_prot_start
    Entry ptent = old;                                // pte_modify(oldpte, newprot)
    if (!(newflags & VM_WRITE)) ptent = pte_wrprotect(ptent);
    set_entry(pte, addr, ptent);  // ptep_modify_prot_commit
    tlb_remove_tlb_entry(tlb, addr);
  }
  (void)vma;
  pte_unmap_unlock(pte);
  return true;
}

// change_protection() -> change_protection_range -> change_p4d/pud/pmd_range (v6.12): the upper
// levels are read locklessly, none entries skipped.
void change_protection(MmuGather* tlb, Vma* vma, unsigned long start, unsigned long end,
                       unsigned long newflags) {
  vma_use(vma, "changes the page tables");
  PageTable* pud = pud_table(vma->vm_mm);
  unsigned long addr = start;
  while (addr < end) {
    const unsigned long next = std::min(end, addr - addr % PMD_PAGES + PMD_PAGES);
    const Entry pudval = ptep_get(pud, addr);
    if (pud_none(pudval)) {
      addr = std::min(end, addr - addr % PUD_PAGES + PUD_PAGES);
      continue;
    }
    // change_pmd_range(): again: if the PTE table was freed under us, look again.
    while (!pmd_none(ptep_get(entry_table(pudval), addr)) &&
           !change_pte_range(tlb, vma, entry_table(pudval), addr, next, newflags)) {
    }
    addr = next;
  }
}

}  // namespace

void do_mprotect(MmStruct* mm, unsigned long start, unsigned long end, unsigned long newflags) {
  mmap_write_lock(mm);  // mmap_write_lock_killable
  Vma* vma = find_vma(mm, start);
  if (vma != nullptr) {
    MmuGather tlb = tlb_gather_mmu(mm);
    // mprotect_fixup(): vma_modify_flags() (no split or merge here), then, with the comment
    // "vm_flags and vm_page_prot are protected by the mmap_lock held in write mode":
    // vma_start_write(vma); vm_flags_reset(vma, newflags). The explicit vma_start_write is from
    // "mm: lock vma explicitly before doing vm_flags_reset and vm_flags_reset_once" (Suren
    // Baghdasaryan, lore 20230804152724.3090321-5, v6.5 and stable). Knob
    // mprotect_write_locks_vma = false is the code without any VMA write lock: the flags are
    // assigned while a fault may hold the VMA's read lock (S11's twin).
    vma_use(vma, "reads vma->vm_flags");
    const unsigned long old = vma->vm_flags.read();
    const unsigned long flags = (old & ~(VM_READ | VM_WRITE)) | newflags;
    if (mm->knobs.mprotect_write_locks_vma) {
      vma_start_write(vma);
      vma_assert_write_locked(vma);  // vm_flags_reset()
    }
    vma_use(vma, "writes vma->vm_flags");
    vma->vm_flags.write(flags);
    vma->vm_page_prot.write(vm_get_page_prot(flags));  // vma_set_page_prot()
    change_protection(&tlb, vma, start, end, flags);
    tlb_finish_mmu(&tlb);
  }
  mmap_write_unlock(mm);
}

}  // namespace mmcheck::model
