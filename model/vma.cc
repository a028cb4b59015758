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
  // vms_complete_munmap_vmas(): downgrade, (unmap_vmas, free_pgtables), remove_vma, unlock.
  mmap_write_downgrade(mm);
  vm_area_free(vma);  // remove_vma()
  mmap_read_unlock(mm);
}

}  // namespace mmcheck::model
