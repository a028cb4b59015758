// __anon_vma_prepare and vmf_anon_prepare; see anon_prepare.h.
#include "model/anon_prepare.h"

#include "model/mmap_lock.h"
#include "model/vma_lock.h"

namespace mmcheck::model {

void __anon_vma_prepare(Vma* vma) {
  CurrentExecution().MightSleep("anon_vma_alloc(GFP_KERNEL)", __FILE__, __LINE__);
  vma->vm_mm->page_table_lock.lock();
  vma->lifetime.Use("reads vma->anon_vma");
  if (!vma->anon_vma.load()) vma->anon_vma.store(true);
  vma->vm_mm->page_table_lock.unlock();
}

// mm/memory.c __vmf_anon_prepare, v6.12.
vm_fault_t __vmf_anon_prepare(Vma* vma, unsigned int flags) {
  vma->lifetime.Use("reads vma->anon_vma");
  if (vma->anon_vma.load()) return 0;
  MmStruct* mm = vma->vm_mm;
  if (flags & FAULT_FLAG_VMA_LOCK) {
    if (mm->knobs.anon_prepare_trylocks_mmap) {
      if (!mmap_read_trylock(mm)) return VM_FAULT_RETRY;
    } else {
      mmap_read_lock(mm);  // what process_addrs.rst warns against
    }
  }
  __anon_vma_prepare(vma);
  if (flags & FAULT_FLAG_VMA_LOCK) mmap_read_unlock(mm);
  return 0;
}

// mm/internal.h vmf_anon_prepare, v6.10+: the callee drops the VMA lock on VM_FAULT_RETRY.
vm_fault_t vmf_anon_prepare(Vma* vma, unsigned int flags) {
  const MmStruct* mm = vma->vm_mm;  // saved first: the VMA is not to be touched once unlocked
  vm_fault_t ret = __vmf_anon_prepare(vma, flags);
  if (ret & VM_FAULT_RETRY) {
    vma_end_read(vma);
    ret |= vma_unlocked_flag(mm, flags);
  }
  return ret;
}

}  // namespace mmcheck::model
