// do_mprotect; see mprotect.h. Mirrors mm/mprotect.c v6.12 do_mprotect_pkey -> mprotect_fixup ->
// vm_flags_reset (include/linux/mm.h: vma_assert_write_locked, then the flags).
#include "model/mprotect.h"

#include "model/memory.h"
#include "model/mmap_lock.h"
#include "model/vma_lock.h"

namespace mmcheck::model {

void do_mprotect(MmStruct* mm, unsigned long start, unsigned long end, unsigned long newflags) {
  (void)end;
  mmap_write_lock(mm);  // mmap_write_lock_killable
  Vma* vma = find_vma(mm, start);
  if (vma != nullptr) {
    vma_start_write(vma);          // vma_modify_flags() write-locks every VMA it touches
    vma_assert_write_locked(vma);  // vm_flags_reset()
    vma->lifetime.Use("writes vma->vm_flags");
    const unsigned long old = vma->vm_flags.read();
    vma->vm_flags.write((old & ~(VM_READ | VM_WRITE)) | newflags);
  }
  mmap_write_unlock(mm);
}

}  // namespace mmcheck::model
