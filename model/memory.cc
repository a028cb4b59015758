// lock_vma_under_rcu and find_vma; see memory.h.
#include "model/memory.h"

#include "model/vma_lock.h"

namespace mmcheck::model {

Vma* lock_vma_under_rcu(MmStruct* mm, unsigned long address) {
  // Mirrors mm/memory.c lock_vma_under_rcu, v6.12: the detached check before the range check
  // (v6.6 to v6.11 check the range first; the model keeps vm_start/vm_end intact after call_rcu,
  // so the two orders give the same verdicts here, kernel-model.md 3.2). v6.6's anon_vma check
  // and v6.4's userfaultfd_armed bail-out are not modeled.
  RcuReadLock();
  while (true) {                           // retry:
    Vma* vma = mm->mm_mt[address].load();  // mas_walk()
    if (vma == nullptr) break;
    if (!vma_start_read(vma)) break;
    if (mm->knobs.lock_vma_checks_detached) {
      vma->lifetime.Use("reads vma->detached");
      if (vma->detached.read()) {
        vma_end_read(vma);
        continue;  // the VMA was being removed: look again (count_vm_vma_lock_event(MISS))
      }
    }
    vma->lifetime.Use("reads vma->vm_start/vm_end");
    if (address < vma->vm_start || address >= vma->vm_end) {
      vma_end_read(vma);
      break;
    }
    RcuReadUnlock();
    return vma;
  }
  RcuReadUnlock();  // inval:
  return nullptr;
}

Vma* find_vma(MmStruct* mm, unsigned long address) { return mm->mm_mt[address].load(); }

}  // namespace mmcheck::model
