// do_user_addr_fault; see fault.h.
#include "model/fault.h"

#include "absl/strings/str_cat.h"
#include "model/anon_prepare.h"
#include "model/memory.h"
#include "model/mmap_lock.h"
#include "model/vma_lock.h"

namespace mmcheck::model {
namespace {

// handle_mm_fault() (mm/memory.c, v6.12) as far as the model goes today: sanitize_fault_flags()
// reads vma->vm_flags; an anonymous write fault (do_anonymous_page) first prepares the anon_vma
// (vmf_anon_prepare, which may drop the VMA lock and return VM_FAULT_RETRY). Page tables, the
// folio and the PTE install are not modeled yet: past vmf_anon_prepare the fault counts as
// handled (0), the lock staying with the caller.
vm_fault_t handle_mm_fault(Vma* vma, unsigned int flags) {
  vma->lifetime.Use("reads vma->vm_flags");
  vma->vm_flags.read();
  if (flags & FAULT_FLAG_WRITE) {
    const vm_fault_t ret = vmf_anon_prepare(vma, flags);
    if (ret) return ret;
  }
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
      const vm_fault_t fault = handle_mm_fault(vma, flags | FAULT_FLAG_VMA_LOCK);
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
  // One retry is all the model's handlers ever need: without FAULT_FLAG_VMA_LOCK they do not
  // return VM_FAULT_RETRY (flags |= FAULT_FLAG_TRIED in the kernel).
  const vm_fault_t fault = handle_mm_fault(vma, flags);
  mmap_read_unlock(mm);
  return fault;
}

}  // namespace mmcheck::model
