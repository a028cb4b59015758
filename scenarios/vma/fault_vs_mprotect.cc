// Result: pass (v6.6+); @no-vma-write-lock: violation:invariant.
// Question: can a write fault under the per-VMA lock leave a writable PTE behind an mprotect to
// read-only? (kernel-model.md S11)
// Threads: "fault" (a write fault at page 0 of a private anonymous VMA [0, 2) that already has its
// anon_vma: lock_vma_under_rcu, handle_mm_fault -> do_anonymous_page, which builds the PTE from
// vm_flags and vm_page_prot before it takes the PTL) and "mprotect" (mprotect(PROT_READ) of the
// VMA: mmap_write_lock, vma_start_write, vm_flags_reset, change_protection, TLB flush).
// Kernel paths: arch/x86/mm/fault.c do_user_addr_fault, mm/memory.c lock_vma_under_rcu,
// handle_mm_fault, do_anonymous_page (v6.12); mm/mprotect.c mprotect_fixup, change_pte_range
// (v6.12).
// Invariant I-PT-7: once mprotect has returned, no PTE (and no unflushed TLB entry) in the range
// allows writes.
// Twin: mprotect_fixup assigns the flags without vma_start_write (what the code relied on before
// "mm: lock vma explicitly before doing vm_flags_reset", 2023: "vm_flags and vm_page_prot are
// protected by the mmap_lock held in write mode", which the per-VMA lock made false). The fault,
// holding only the VMA read lock, reads VM_WRITE, change_protection walks past the still-empty
// PTE, and the fault installs a writable PTE after mprotect returned. The checker also reports
// the data race on vm_flags on the way.
#include <string>

#include "explorer/runtime/scenario.h"
#include "model/fault.h"
#include "model/mprotect.h"
#include "model/oracle.h"

namespace mmcheck {
namespace {

using model::Knobs;
using model::MmStruct;

void FaultVsMprotect(Knobs knobs) {
  MmStruct* mm = Make<MmStruct>(knobs);
  model::Vma* vma = mm->map(0, 2, model::VM_READ | model::VM_WRITE | model::VM_MAYWRITE);
  vma->anon_vma.store(true);  // an earlier fault prepared it: this is not S19
  auto* mprotect_returned = Make<Shared<bool>>(false, "mprotect returned");
  Spawn("fault", [mm] {
    model::do_user_addr_fault(mm, 0, model::FAULT_FLAG_USER | model::FAULT_FLAG_WRITE);
  });
  Spawn("mprotect", [mm, mprotect_returned] {
    model::do_mprotect(mm, 0, 2, model::VM_READ);
    mprotect_returned->write(true);
  });
  // Observes everything check_no_writable_pte reads: the VMA tree, the page-table entries, the
  // VMA's flags, the TLB record, and whether mprotect returned.
  Invariant("I-PT-7", {"mm_mt", "pud", "pmd", "pte", "vm_flags", "tlb", "mprotect returned"},
            [mm, mprotect_returned] {
    if (!mprotect_returned->peek()) return true;
    const std::string why = model::check_no_writable_pte(mm, 0, 2);
    if (!why.empty())
      Violate(ViolationKind::kInvariant, why + " after mprotect(PROT_READ) returned");
    return true;
  });
  model::check_mem_map_at_end(mm->mem_map);
}

MMCHECK_SCENARIO("vma/fault-vs-mprotect", Expect::Pass(),
                 {.question = "Can a write fault under the VMA lock leave a writable PTE after "
                              "mprotect(PROT_READ)?",
                  .spec = "S11",
                  .protocol = "v6.6"}) {
  FaultVsMprotect(Knobs{});
}

MMCHECK_SCENARIO("vma/fault-vs-mprotect@no-vma-write-lock",
                 Expect::Violation(ViolationKind::kInvariant, "I-PT-7"),
                 {.question = "If mprotect changes vm_flags without vma_start_write, does a "
                              "writable PTE survive it?",
                  .spec = "S11",
                  .protocol = "v6.6"}) {
  FaultVsMprotect(Knobs{.mprotect_write_locks_vma = false});
}

}  // namespace
}  // namespace mmcheck
