// do_user_addr_fault; see fault.h.
#include "model/fault.h"

#include "absl/strings/str_cat.h"
#include "model/memory.h"
#include "model/mmap_lock.h"
#include "model/vma_lock.h"

namespace mmcheck::model {
namespace {

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

// access_error() (arch/x86/mm/fault.c): a write needs VM_WRITE, any access VM_READ|VM_WRITE.
bool access_error(unsigned int flags, Vma* vma) {
  vma_use(vma, "reads vma->vm_flags");
  const unsigned long vm_flags = vma->vm_flags.read();
  if (flags & FAULT_FLAG_WRITE) return !(vm_flags & VM_WRITE);
  return !(vm_flags & (VM_READ | VM_WRITE));
}

}  // namespace

vm_fault_t vma_unlocked_flag(const MmStruct* mm, unsigned int flags) {
  const bool v2 = mm->knobs.fault_protocol == FaultProtocol::kV2;
  return (flags & FAULT_FLAG_VMA_LOCK) && v2 && mm->knobs.v2_callee_sets_vma_unlocked
             ? VM_FAULT_VMA_UNLOCKED
             : 0;
}

// arch/x86/mm/fault.c do_user_addr_fault, as of the version Knobs::x86_fault_handler names
// (v6.4 to v6.7, v6.8/v6.9, v6.10 to v6.12; kernel-model.md 3.1): the VMA-lock block, then
// lock_mmap:/retry: with lock_mm_and_find_vma (no stack expansion in the model). v6.10's
// "accelerate pagefault when badaccess": an access_error under the VMA lock ends the fault
// (bad_area_access_error drops the VMA lock) instead of retrying under mmap_lock as before.
vm_fault_t do_user_addr_fault(MmStruct* mm, unsigned long address, unsigned int flags) {
  flags |= FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_KILLABLE;
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
      const X86FaultHandler handler = mm->knobs.x86_fault_handler;
      if (access_error(flags, vma)) {
        vma_end_read(vma);
        // v6.10+: bad_area_access_error(..., NULL, vma) -> __bad_area. Before: goto lock_mmap.
        if (handler == X86FaultHandler::kV6_10) return VM_FAULT_SIGSEGV;
      } else {
        const vm_fault_t fault = handle_mm_fault(vma, address, flags | FAULT_FLAG_VMA_LOCK);
        if (arch_must_end_read(mm, fault)) vma_end_read(vma);
        if (!(fault & VM_FAULT_RETRY)) return fault;
        // v6.8+ (46e714c729c8); v6.4 to v6.7 leave the flag for the mmap_lock attempt clear.
        if (handler != X86FaultHandler::kV6_4 && (fault & VM_FAULT_MAJOR)) {
          flags |= FAULT_FLAG_TRIED;
        }
      }
    }
  }
  for (int retries = 0;; ++retries) {
    // lock_mmap: / retry: lock_mm_and_find_vma().
    if (!mmap_read_trylock(mm)) mmap_read_lock(mm);  // mmap_read_lock_killable
    Vma* vma = find_vma(mm, address);
    if (vma == nullptr) {
      mmap_read_unlock(mm);  // bad_area_nosemaphore
      return VM_FAULT_SIGSEGV;
    }
    if (access_error(flags, vma)) {
      mmap_read_unlock(mm);  // bad_area_access_error(..., mm, vma)
      return VM_FAULT_SIGSEGV;
    }
    const vm_fault_t fault = handle_mm_fault(vma, address, flags);
    if (fault & VM_FAULT_COMPLETED) return fault;  // the lock was released
    if (!(fault & VM_FAULT_RETRY)) {
      mmap_read_unlock(mm);
      return fault;
    }
    // The lock was released. I-RETRY-1: a fault needs at most a few retries (VMA path -> mmap
    // path -> TRIED); more is a retry loop without progress.
    if (retries + 1 >= kMaxFaultRetries) {
      Violate(ViolationKind::kLivelock,
              absl::StrCat("I-RETRY-1: the fault at address ", address, " returned VM_FAULT_RETRY ",
                           retries + 1, " times under mmap_lock without progress"));
    }
    flags |= FAULT_FLAG_TRIED;
  }
}

// The MMU's page walk: what the CPU would use for `address` (x86's walker reads each level once),
// and the table the last entry is in.
static Entry hw_walk(MmStruct* mm, unsigned long address, PageTable** table) {
  *table = pud_table(mm);
  while (true) {
    const Entry e = ptep_get(*table, address);
    if (e.kind != EntryKind::kTable) return e;
    *table = entry_table(e);
  }
}

void user_access(MmStruct* mm, unsigned long address, bool write) {
  Entry last{};
  vm_fault_t last_ret = 0;
  int unchanged = 0;
  while (true) {
    PageTable* table = nullptr;
    const Entry e = hw_walk(mm, address, &table);
    if (pte_present(e) && (!write || pte_write(e))) {
      // The access goes through. The MMU sets the accessed bit, and the dirty bit for a write, with
      // a locked update of the entry (no page-table lock: the hardware's own atomic), which fails
      // and walks again if the entry changed meanwhile.
      if (e.young && (!write || e.dirty)) return;
      Entry want = pte_mkyoung(e);
      if (write) want = pte_mkdirty(want);
      Entry expected = e;
      if (table->slot(address).compare_exchange(expected, want)) return;
      continue;
    }
    if (unchanged > 0 && !(e == last)) unchanged = 0;
    const vm_fault_t ret =
        do_user_addr_fault(mm, address, FAULT_FLAG_USER | (write ? FAULT_FLAG_WRITE : 0));
    if (ret & VM_FAULT_OOM) {
      Violate(ViolationKind::kInvariant,
              absl::StrCat("I-RETRY-2: the ", write ? "write" : "read", " fault at address ",
                           address, " returned VM_FAULT_OOM: a fault that loses a race must "
                           "return 0 or VM_FAULT_NOPAGE and let the access retry (the task is "
                           "killed instead)"));
    }
    if (ret & (VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV)) return;  // the signal ends the access
    unchanged = (unchanged > 0 && ret == last_ret) ? unchanged + 1 : 1;
    last = e;
    last_ret = ret;
    if (unchanged > kMaxFaultRetries) {
      Violate(ViolationKind::kLivelock,
              absl::StrCat("I-RETRY-1: the ", write ? "write" : "read", " to address ", address,
                           " faults again and again: handle_mm_fault returns ",
                           ret & VM_FAULT_NOPAGE ? "VM_FAULT_NOPAGE" : absl::StrCat(ret),
                           " and the entry stays ", Entry::FormatTrace(e.TraceValue()),
                           ", so the access can never complete"));
    }
  }
}

}  // namespace mmcheck::model
