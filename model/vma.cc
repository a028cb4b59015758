// do_munmap; see vma.h. Mirrors mm/vma.c v6.12 do_vmi_align_munmap -> vms_gather_munmap_vmas,
// vma_iter_clear_gfp, vms_complete_munmap_vmas, in that order.
#include "model/vma.h"

#include "model/memory.h"
#include "model/mmap_lock.h"
#include "model/vma_lock.h"

namespace mmcheck::model {

void do_munmap(MmStruct* mm, unsigned long start, unsigned long end) {
  mmap_write_lock(mm);  // mmap_write_lock_killable: no fatal signals in the model
  Vma* vma = find_vma(mm, start);
  if (vma == nullptr) {
    mmap_write_unlock(mm);
    return;
  }
  // vms_gather_munmap_vmas(): write-lock and detach every VMA in the range.
  vma_start_write(vma);
  vma_mark_detached(vma, true);
  // vma_iter_clear_gfp(): the range leaves the tree, RCU-visibly.
  for (unsigned long p = start; p < end; ++p) mm->mm_mt[p].store(nullptr);
  // vms_complete_munmap_vmas(): downgrade, vms_clear_ptes, remove_vma, unlock.
  mmap_write_downgrade(mm);
  // vms_clear_ptes(): the page tables go only where no other VMA needs them (floor: the previous
  // VMA's end, ceiling: the next one's start; found under the write lock by the gather step, so
  // read here without steps).
  unsigned long floor = start, ceiling = end;
  while (floor > 0 && mm->mm_mt[floor - 1].peek() == nullptr) --floor;
  while (ceiling < kPages && mm->mm_mt[ceiling].peek() == nullptr) ++ceiling;
  MmuGather tlb = tlb_gather_mmu(mm);
  unmap_vmas(&tlb, vma);
  free_pgtables(&tlb, vma, floor, ceiling);
  tlb_finish_mmu(&tlb);
  vm_area_free(vma);  // remove_vma()
  mmap_read_unlock(mm);
}

}  // namespace mmcheck::model
