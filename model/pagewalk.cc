// The page-table walker; see pagewalk.h. Mirrors mm/pagewalk.c (v6.12): walk_page_range,
// process_mm_walk_lock, process_vma_walk_lock, walk_page_test, walk_pud_range, walk_pmd_range.
#include "model/pagewalk.h"

#include <algorithm>

#include "model/memory.h"
#include "model/mmap_lock.h"
#include "model/vma_lock.h"

namespace mmcheck::model {
namespace {

void process_vma_walk_lock(Vma* vma, PageWalkLock walk_lock) {
  switch (walk_lock) {
    case PageWalkLock::kWrLock:
      vma_start_write(vma);
      break;
    case PageWalkLock::kWrLockVerify:
      vma_assert_write_locked(vma);
      break;
    case PageWalkLock::kRdLock:
      break;  // PGWALK_RDLOCK is handled by process_mm_walk_lock
  }
}

// walk_page_test() (v6.12).
int walk_page_test(unsigned long start, unsigned long end, MmWalk* walk) {
  if (walk->ops->test_walk != nullptr) return walk->ops->test_walk(start, end, walk);
  vma_use(walk->vma, "reads vma->vm_flags");
  if (walk->vma->vm_flags.read() & VM_PFNMAP) return 1;  // no ->pte_hole in the model's walkers
  return 0;
}

// __walk_page_range() -> walk_pgd_range -> walk_p4d_range (folded) -> walk_pud_range ->
// walk_pmd_range (v6.12): none entries are holes; ->pmd_entry for the others.
int walk_range(unsigned long addr, unsigned long end, MmWalk* walk) {
  vma_use(walk->vma, "walks the page tables");
  PageTable* pud = pud_table(walk->mm);
  while (addr < end) {
    const unsigned long pud_next = std::min(end, addr - addr % PUD_PAGES + PUD_PAGES);
    const Entry pudval = ptep_get(pud, addr);
    if (pudval.kind != EntryKind::kTable) {  // none (a hole), or a leaf: no ->pud_entry here
      addr = pud_next;
      continue;
    }
    PageTable* pmd = entry_table(pudval);
    for (; addr < pud_next;) {
      const unsigned long next = std::min(pud_next, addr - addr % PMD_PAGES + PMD_PAGES);
      if (!pmd_none(ptep_get(pmd, addr)) && walk->ops->pmd_entry != nullptr) {
        if (int err = walk->ops->pmd_entry(pmd, addr, next, walk)) return err;
      }
      addr = next;
    }
  }
  return 0;
}

}  // namespace

int walk_page_range(MmStruct* mm, unsigned long start, unsigned long end, const MmWalkOps* ops,
                    void* priv) {
  if (start >= end) return -22;  // -EINVAL
  // process_mm_walk_lock()
  if (ops->walk_lock == PageWalkLock::kRdLock) {
    mmap_assert_locked(mm, "walks the page tables (walk_page_range) in");
  } else {
    mmap_assert_write_locked(mm);
  }
  MmWalk walk{.ops = ops, .mm = mm, .vma = nullptr, .priv = priv};
  int err = 0;
  while (start < end) {
    Vma* vma = find_vma_intersection(mm, start, end);
    if (vma == nullptr) break;  // after the last VMA: a hole (no ->pte_hole)
    const unsigned long first = std::max(start, vma->vm_start);
    const unsigned long next = std::min(end, vma->vm_end);
    if (mm->knobs.walk_locks_skipped_vmas) process_vma_walk_lock(vma, ops->walk_lock);
    walk.vma = vma;
    err = walk_page_test(first, next, &walk);
    if (err > 0) {
      err = 0;
      start = next;
      continue;
    }
    if (err < 0) break;
    if (!mm->knobs.walk_locks_skipped_vmas) process_vma_walk_lock(vma, ops->walk_lock);
    err = walk_range(first, next, &walk);
    if (err) break;
    start = next;
  }
  return err;
}

}  // namespace mmcheck::model
