// An out-of-tree scenario: a question asked with mmcheck's kernel model, in a project of its own.
// Result: pass; @no-vma-write-lock: violation:invariant (I-PT-7).
// Question: two write faults under the per-VMA lock, on both pages of an anonymous VMA, race
// mprotect(PROT_READ) of the VMA. Once every thread is done, can a writable PTE be left in a VMA
// that is no longer VM_WRITE?
// Kernel paths (v6.12, x86): arch/x86/mm/fault.c do_user_addr_fault (lock_vma_under_rcu);
// mm/memory.c do_anonymous_page; mm/mprotect.c do_mprotect_pkey -> mprotect_fixup
// (vma_start_write, vm_flags_reset, change_protection).
// Why it passes: mprotect write-locks the VMA before it changes vm_flags, so each fault either
// installed its PTE before (change_protection then write-protects it) or fails
// lock_vma_under_rcu, retries under mmap_lock behind mprotect, and sees the VMA read-only.
// @no-vma-write-lock: mprotect changes vm_flags without vma_start_write (the model's knob
// mprotect_write_locks_vma): a fault that checked VM_WRITE before the change installs a writable
// PTE after change_protection passed it.
#include "explorer/runtime/scenario.h"
#include "model/fault.h"
#include "model/mprotect.h"
#include "model/oracle.h"

namespace example {
namespace {

using mmcheck::AtEnd;
using mmcheck::Expect;
using mmcheck::Make;
using mmcheck::Spawn;
using mmcheck::Violate;
using mmcheck::ViolationKind;
namespace model = mmcheck::model;

void TwoFaultsVsMprotect(model::Knobs knobs) {
  model::MmStruct* mm = Make<model::MmStruct>(knobs);
  mm->map(0, 2, model::VM_READ | model::VM_WRITE | model::VM_MAYWRITE)->anon_vma.store(true);
  for (unsigned long page : {0ul, 1ul}) {
    Spawn(page == 0 ? "fault 0" : "fault 1", [mm, page] {
      model::do_user_addr_fault(mm, page, model::FAULT_FLAG_USER | model::FAULT_FLAG_WRITE);
    });
  }
  Spawn("mprotect", [mm] { model::do_mprotect(mm, 0, 2, model::VM_READ); });
  // At the end every thread has returned, mprotect included: no PTE of the VMA may be writable.
  AtEnd([mm] {
    const std::string why = model::check_no_writable_pte(mm, 0, 2);
    if (!why.empty()) Violate(ViolationKind::kInvariant, why + " after mprotect(PROT_READ)");
  });
  model::check_mem_map_at_end(mm->mem_map);
}

MMCHECK_SCENARIO("example/two-faults-vs-mprotect", Expect::Pass(),
                 {.question = "Can two VMA-locked write faults leave a writable PTE behind "
                              "mprotect(PROT_READ)?",
                  .protocol = "v6.12"}) {
  TwoFaultsVsMprotect(model::Knobs{});
}

MMCHECK_SCENARIO("example/two-faults-vs-mprotect@no-vma-write-lock",
                 Expect::Violation(ViolationKind::kInvariant, "I-PT-7"),
                 {.question = "If mprotect changed vm_flags without vma_start_write, would a "
                              "writable PTE survive it?",
                  .protocol = "v6.12"}) {
  TwoFaultsVsMprotect(model::Knobs{.mprotect_write_locks_vma = false});
}

}  // namespace
}  // namespace example
