// do_user_addr_fault; see fault.h.
#include "model/fault.h"

#include "absl/strings/str_cat.h"
#include "model/memory.h"
#include "model/mmap_lock.h"
#include "model/vma_lock.h"

namespace mmcheck::model {
namespace {

// handle_mm_fault() is not modeled yet (page tables, do_anonymous_page and the rest come next):
// this stands for its first use of the VMA it is given, sanitize_fault_flags() reading
// vma->vm_flags, and reports the fault handled (0): the lock stays with the caller.
vm_fault_t handle_mm_fault_vma_use(Vma* vma) {
  vma->lifetime.Use("reads vma->vm_flags");
  vma->vm_flags.read();
  return 0;
}

// Whether the arch handler still has to call vma_end_read() after handle_mm_fault returned
// `fault` under FAULT_FLAG_VMA_LOCK.
bool arch_must_end_read(const MmStruct* mm, vm_fault_t fault) {
  switch (mm->knobs.fault_protocol) {
    case FaultProtocol::kV6_4:
      return true;
    case FaultProtocol::kV2:
      return !(fault & VM_FAULT_VMA_UNLOCKED);
    case FaultProtocol::kMerged:
      return !(fault & (VM_FAULT_RETRY | VM_FAULT_COMPLETED));
  }
  return true;
}

}  // namespace

vm_fault_t do_user_addr_fault(MmStruct* mm, unsigned long address, unsigned int flags) {
  if (flags & FAULT_FLAG_USER) {
    Vma* vma = lock_vma_under_rcu(mm, address);
    if (vma != nullptr) {
      // I-VMA-5: what lock_vma_under_rcu returns is attached and covers the address.
      if (vma->detached.peek()) {
        Violate(ViolationKind::kUseAfterFree,
                absl::StrCat("I-VMA-5: lock_vma_under_rcu returned ", vma->name,
                             ", which munmap has detached: the fault now works on a VMA being "
                             "torn down"));
      }
      const vm_fault_t fault = handle_mm_fault_vma_use(vma);
      if (arch_must_end_read(mm, fault)) vma_end_read(vma);
      if (!(fault & VM_FAULT_RETRY)) return fault;
    }
  }
  // lock_mmap: / retry: lock_mm_and_find_vma() (no stack expansion in the model).
  if (!mmap_read_trylock(mm)) mmap_read_lock(mm);
  Vma* vma = find_vma(mm, address);
  if (vma == nullptr) {
    mmap_read_unlock(mm);
    return VM_FAULT_SIGSEGV;
  }
  const vm_fault_t fault = handle_mm_fault_vma_use(vma);
  mmap_read_unlock(mm);
  return fault;
}

}  // namespace mmcheck::model
