// The page-table walker (mm/pagewalk.c, v6.12; kernel-model.md 3.17): walk_page_range with its
// VMA lock modes (PGWALK_RDLOCK, PGWALK_WRLOCK, PGWALK_WRLOCK_VERIFY), test_walk and pmd_entry.
// Not modeled yet: pud_entry/pte_entry/pte_hole callbacks, huge leaves under
// pud/pmd_trans_huge_lock, hugetlb, ACTION_AGAIN and ACTION_CONTINUE.
#ifndef MMCHECK_MODEL_PAGEWALK_H_
#define MMCHECK_MODEL_PAGEWALK_H_

#include "model/mm_types.h"
#include "model/pgtable.h"

namespace mmcheck::model {

enum class PageWalkLock {
  kRdLock,        // PGWALK_RDLOCK: mmap_lock (read) is enough; no VMA is locked
  kWrLock,        // PGWALK_WRLOCK: vma_start_write() each VMA walked (mmap_lock held for write)
  kWrLockVerify,  // PGWALK_WRLOCK_VERIFY: assert each VMA is write-locked already
};

struct MmWalk;

// struct mm_walk_ops, the callbacks the model's walkers use.
struct MmWalkOps {
  // ->pmd_entry(pmd, addr, next, walk) for each PMD entry of [addr, next) that is not none
  // (`pmd` is the PMD table; the entry is at addr).
  int (*pmd_entry)(PageTable* pmd, unsigned long addr, unsigned long next, MmWalk* walk) = nullptr;
  // ->test_walk(start, end, walk): > 0 skips the VMA, < 0 ends the walk with that error.
  int (*test_walk)(unsigned long start, unsigned long end, MmWalk* walk) = nullptr;
  PageWalkLock walk_lock = PageWalkLock::kRdLock;
};

struct MmWalk {
  const MmWalkOps* ops;
  MmStruct* mm;
  Vma* vma;
  void* priv;  // walk->private
};

// walk_page_range() (v6.12): the caller holds mmap_lock (for write unless PGWALK_RDLOCK). For each
// VMA in [start, end): process_vma_walk_lock() (knob walk_locks_skipped_vmas off: only after
// test_walk() accepted the VMA, as 49b0638502da had it until 8b9c1cc0418a), test_walk (the
// default skips VM_PFNMAP), then the PUD and PMD levels, ->pmd_entry for each PMD that is not
// none. Returns the first error.
int walk_page_range(MmStruct* mm, unsigned long start, unsigned long end, const MmWalkOps* ops,
                    void* priv);

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_PAGEWALK_H_
