// mm/memory.c (v6.12), the pfnmap helpers drivers and KVM call: vmf_insert_pfn and
// follow_pfnmap_start/end (declared in memory.h; kept apart from the fault and zap paths).
#include "absl/strings/str_cat.h"
#include "model/huge_memory.h"
#include "model/memory.h"
#include "model/mmap_lock.h"

namespace mmcheck::model {

vm_fault_t vmf_insert_pfn(Vma* vma, unsigned long address, int pfn) {
  // vmf_insert_pfn_prot(vma, addr, pfn, vma->vm_page_prot): the BUG_ONs on VM_PFNMAP|VM_MIXEDMAP,
  // the range check, pfn_modify_allowed and track_pfn_insert have nothing to refuse here.
  const unsigned long prot = vma->vm_page_prot.read();
  if (address < vma->vm_start || address >= vma->vm_end) return VM_FAULT_SIGBUS;
  // insert_pfn(..., mkwrite = false) -> get_locked_pte() -> walk_to_pmd(): pmd_alloc. (Its
  // VM_BUG_ON(pmd_trans_huge(*pmd)) is CONFIG_DEBUG_VM only: not in the model.)
  MmStruct* mm = vma->vm_mm;
  PageTable* pmd = pmd_alloc(mm, address);
  if (pmd == nullptr) return VM_FAULT_OOM;  // the PUD became a huge leaf: no PMD table
  // pte_alloc_map_lock(): pte_alloc (only if the PMD is none), then pte_offset_map_lock, which
  // is NULL if the PMD is now a huge leaf: get_locked_pte() returns NULL -> VM_FAULT_OOM.
  if (pte_alloc(mm, pmd, address)) return VM_FAULT_OOM;
  PageTable* pte = pte_offset_map_lock(pmd, address);
  if (pte == nullptr) return VM_FAULT_OOM;
  if (pte_none(ptep_get(pte, address))) {
    set_entry(pte, address, mk_special_entry(pfn, prot));  // pte_mkspecial(pfn_t_pte(pfn, prot))
  }
  pte_unmap_unlock(pte);  // out_unlock:
  return VM_FAULT_NOPAGE;
}

namespace {

// pfnmap_args_setup() plus the I-PFN-4 check of kernel-model.md 4: what follow_pfnmap_start
// returns must be what the entry holds while its lock is held.
int pfnmap_args_setup(FollowPfnmapArgs* args, SpinLock* lock, PageTable* table, PageTable* ptep,
                      const Entry& e, unsigned long mask_pages) {
  args->lock = lock;
  args->ptep = ptep;
  args->pfn = e.val + static_cast<int>(args->address % mask_pages);  // pfn + offset in the leaf
  args->writable = e.write;
  args->special = e.special;
  const Entry now = table->slot(args->address).peek();
  if (!pte_present(now) || now.val != e.val) {
    Violate(ViolationKind::kInvariant,
            absl::StrCat("I-PFN-4: follow_pfnmap_start returns pfn ", args->pfn, " for address ",
                         args->address, " with ", table->name, "'s lock held, but the entry is ",
                         Entry::FormatTrace(now.TraceValue()),
                         " now: the caller gets a pfn the mapping no longer has (",
                         "it was zapped before the lock was taken)"));
  }
  return 0;
}

}  // namespace

int follow_pfnmap_start(FollowPfnmapArgs* args) {
  Vma* vma = args->vma;
  const unsigned long address = args->address;
  MmStruct* mm = vma->vm_mm;
  // pfnmap_lockdep_assert(vma) (with b1b46751671b: a file-less VMA needs mmap_lock).
  const bool rmap_held = vma->vm_file != nullptr && vma->vm_file->i_mmap_rwsem.held_by_current();
  if (!rmap_held) mmap_assert_locked(mm, "follow_pfnmap_start() walks the page tables of");
  if (address < vma->vm_start || address >= vma->vm_end) return -22;  // -EINVAL
  if (!(vma->vm_flags.read() & (VM_IO | VM_PFNMAP))) return -22;
  const bool reread = mm->knobs.follow_pfnmap_rereads;
  PageTable* pudp = pud_table(mm);
  while (true) {  // retry:
    Entry pud = ptep_get(pudp, address);  // READ_ONCE(*pudp)
    if (pud_none(pud)) return -22;
    if (pud.kind == EntryKind::kLeaf) {  // pud_leaf(pud)
      SpinLock& lock = pud_lockptr(mm);
      lock.lock();
      if (reread) {
        pud = ptep_get(pudp, address);  // pudp_get(pudp)
        if (pud.kind != EntryKind::kLeaf && pud.kind != EntryKind::kTable) {
          lock.unlock();
          return -22;
        }
      }
      if (pud.kind != EntryKind::kLeaf) {  // v6.12: if (!unlikely(pud_leaf(pud))), the copy
        lock.unlock();
        continue;
      }
      return pfnmap_args_setup(args, &lock, pudp, nullptr, pud, PUD_PAGES);
    }
    PageTable* pmdp = entry_table(pud);
    Entry pmd = ptep_get(pmdp, address);  // pmdp_get_lockless(pmdp)
    if (reread && pmd_none(pmd)) return -22;  // the fix: !pmd_present -> out
    if (pmd.kind == EntryKind::kLeaf) {       // pmd_leaf(pmd)
      SpinLock& lock = pmd_lockptr(pmdp);
      lock.lock();
      if (reread) {
        pmd = ptep_get(pmdp, address);  // pmdp_get(pmdp)
        if (pmd.kind != EntryKind::kLeaf && pmd.kind != EntryKind::kTable) {
          lock.unlock();
          return -22;
        }
      }
      if (pmd.kind != EntryKind::kLeaf) {  // v6.12: if (!unlikely(pmd_leaf(pmd))), the copy
        lock.unlock();
        continue;
      }
      return pfnmap_args_setup(args, &lock, pmdp, nullptr, pmd, PMD_PAGES);
    }
    PageTable* ptep = pte_offset_map_lock(pmdp, address);
    if (ptep == nullptr) return -22;
    const Entry pte = ptep_get(ptep, address);
    if (!pte_present(pte)) {
      pte_unmap_unlock(ptep);  // unlock:
      return -22;
    }
    return pfnmap_args_setup(args, &pte_lockptr(ptep), ptep, ptep, pte, 1);
  }
}

void follow_pfnmap_end(FollowPfnmapArgs* args) {
  if (args->ptep != nullptr) {
    pte_unmap_unlock(args->ptep);
  } else if (args->lock != nullptr) {
    args->lock->unlock();
  }
}

}  // namespace mmcheck::model
