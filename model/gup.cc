// get_user_pages_fast; see gup.h.
#include "model/gup.h"

#include "absl/strings/str_cat.h"
#include "model/huge_memory.h"
#include "model/memory.h"
#include "model/mmap_lock.h"

namespace mmcheck::model {
namespace {

// gup_fast_pmd_leaf() / gup_fast_pud_leaf() (v6.12 with 003/05): 1 if it took the page.
int gup_fast_leaf(MmStruct* mm, const Entry& orig, unsigned long addr, unsigned int flags) {
  if ((flags & FOLL_WRITE) && !pte_write(orig)) return 0;  // pmd_access_permitted
  if (mm->knobs.gup_fast_checks_special && orig.special) return 0;  // if (pmd_special(orig))
  // pmd_page(orig): the struct page of the pfn. A pfnmap's pfn has none (MMIO).
  Folio* folio = mm->mem_map->pfn_folio(orig.val);
  if (folio == nullptr) {
    Violate(ViolationKind::kInvariant,
            absl::StrCat("I-PFN-3: gup-fast takes pmd_page() of the special leaf for address ",
                         addr, " (", Entry::FormatTrace(orig.TraceValue()), "): pfn ", orig.val,
                         " is MMIO with no struct page, and try_grab_folio_fast() would take a "
                         "reference on whatever memmap entry is there"));
  }
  MMCHECK_ASSERT_MSG(false, "gup-fast of a page with a struct page is not modeled");
  return 0;
}

// gup_fast() under local_irq_save: the walk with lockless reads.
int gup_fast(MmStruct* mm, unsigned long addr, unsigned int flags) {
  RcuReadLock();  // local_irq_save(flags)
  int nr = 0;
  const Entry pud = ptep_get(pud_table(mm), addr);  // READ_ONCE(*pudp)
  if (pud_trans_huge(pud)) {
    nr = gup_fast_leaf(mm, pud, addr, flags);  // gup_fast_pud_leaf
  } else if (pud.kind == EntryKind::kTable) {
    PageTable* pmdp = entry_table(pud);
    const Entry pmd = ptep_get(pmdp, addr);  // pmdp_get_lockless(pmdp)
    if (pmd_trans_huge(pmd)) {
      nr = gup_fast_leaf(mm, pmd, addr, flags);  // gup_fast_pmd_leaf
    } else if (pmd.kind == EntryKind::kTable) {
      // gup_fast_pte_range(): pte_offset_map (the walk is already inside the section).
      const Entry pte = ptep_get(entry_table(pmd), addr);  // ptep_get_lockless
      if (pte_present(pte)) {
        // if (pte_special(pte)) goto pte_unmap;
        MMCHECK_ASSERT_MSG(pte.special, "gup-fast of a normal page is not modeled");
      }
    }
  }
  RcuReadUnlock();  // local_irq_restore(flags)
  return nr;
}

}  // namespace

int get_user_pages_fast(MmStruct* mm, unsigned long start, unsigned int gup_flags) {
  int seq = 0;
  if (gup_flags & FOLL_PIN) {
    seq = mm->write_protect_seq.load();  // raw_read_seqcount(&current->mm->write_protect_seq)
    if (seq & 1) seq = -1;               // fork in progress: no fast path
  }
  int nr = 0;
  if (seq >= 0) {
    nr = gup_fast(mm, start, gup_flags);
    if ((gup_flags & FOLL_PIN) && nr > 0 && mm->write_protect_seq.load() != seq) nr = 0;
  }
  if (nr == 1) return 1;
  // __gup_longterm_unlocked() -> get_user_pages_unlocked() -> __get_user_pages_locked().
  mmap_read_lock(mm);
  int ret = -14;  // -EFAULT
  if (Vma* vma = find_vma(mm, start)) {  // vma_lookup
    vma->vm_flags.read();
    // check_vma_flags(): if (vm_flags & (VM_IO | VM_PFNMAP)) return -EFAULT;
    MMCHECK_ASSERT_MSG(vma->vm_flags.peek() & (VM_IO | VM_PFNMAP),
                       "slow GUP of normal memory is not modeled");
  }
  mmap_read_unlock(mm);
  return ret;
}

}  // namespace mmcheck::model
