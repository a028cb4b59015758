// Result: pass (v6.6+ merged protocol); @blocking-mmap-lock: violation:deadlock.
// Question: can a fault preparing a VMA's anon_vma under the VMA lock deadlock with a writer of
// mmap_lock? (kernel-model.md S19)
// Threads: "fault" (a write fault at page 0 of an anonymous VMA that has no anon_vma yet:
// lock_vma_under_rcu, handle_mm_fault -> vmf_anon_prepare, and on VM_FAULT_RETRY the mmap_lock
// path) and "mprotect" (mprotect of the VMA to read-only: mmap_write_lock, vma_start_write).
// Kernel paths: mm/memory.c and mm/internal.h __vmf_anon_prepare / vmf_anon_prepare (v6.12),
// mm/rmap.c __anon_vma_prepare, mm/mprotect.c mprotect_fixup (v6.12), arch/x86/mm/fault.c.
// Twin: __vmf_anon_prepare takes mmap_lock with a blocking mmap_read_lock under the VMA lock:
// the fault waits for mprotect's write lock while mprotect waits in vma_start_write for the
// fault's VMA read lock (I-DEAD-1, I-VMA-6).
// Protocols (the retry path drops the VMA lock in the callee): ~v2 passes when the callee
// reports VM_FAULT_VMA_UNLOCKED, and its twin @no-unlocked-flag forgets to; @v6.4-arch is the
// v6.4 arch handler, which always calls vma_end_read, on this callee. Both twins release the VMA
// lock twice: lock-misuse (I-VMA-2, I-VMA-3).
#include "explorer/runtime/scenario.h"
#include "model/fault.h"
#include "model/mprotect.h"

namespace mmcheck {
namespace {

using model::Knobs;
using model::MmStruct;

void AnonPrepareVsMprotect(Knobs knobs) {
  MmStruct* mm = Make<MmStruct>(knobs);
  mm->map(0, 2, model::VM_READ | model::VM_WRITE | model::VM_MAYWRITE);
  Spawn("fault", [mm] {
    model::do_user_addr_fault(mm, 0, model::FAULT_FLAG_USER | model::FAULT_FLAG_WRITE);
  });
  Spawn("mprotect", [mm] { model::do_mprotect(mm, 0, 2, model::VM_READ); });
}

MMCHECK_SCENARIO("vma/anon-prepare-vs-mprotect", Expect::Pass(),
                 {.question = "Can preparing an anon_vma under the VMA lock deadlock with an "
                              "mmap_lock writer?",
                  .spec = "S19",
                  .protocol = "v6.6"}) {
  AnonPrepareVsMprotect(Knobs{});
}

MMCHECK_SCENARIO("vma/anon-prepare-vs-mprotect@v6.4-arch",
                 Expect::Violation(ViolationKind::kLockMisuse,
                                   "up_read(vm_lock) without holding it"),
                 {.question = "Does the v6.4 arch handler release the VMA lock a callee already "
                              "dropped?",
                  .spec = "S19",
                  .protocol = "v6.4"}) {
  AnonPrepareVsMprotect(Knobs{.fault_protocol = model::FaultProtocol::kV6_4});
}

MMCHECK_SCENARIO("vma/anon-prepare-vs-mprotect~v2", Expect::Pass(),
                 {.question = "Under seed 002 v2, does VM_FAULT_VMA_UNLOCKED keep the retry "
                              "path balanced?",
                  .spec = "S19",
                  .protocol = "v2"}) {
  AnonPrepareVsMprotect(Knobs{.fault_protocol = model::FaultProtocol::kV2});
}

MMCHECK_SCENARIO("vma/anon-prepare-vs-mprotect~v2@no-unlocked-flag",
                 Expect::Violation(ViolationKind::kLockMisuse,
                                   "up_read(vm_lock) without holding it"),
                 {.question = "Under v2, does a callee that forgets VM_FAULT_VMA_UNLOCKED get its "
                              "lock released twice?",
                  .spec = "S19",
                  .protocol = "v2"}) {
  AnonPrepareVsMprotect(
      Knobs{.fault_protocol = model::FaultProtocol::kV2, .v2_callee_sets_vma_unlocked = false});
}

MMCHECK_SCENARIO("vma/anon-prepare-vs-mprotect@blocking-mmap-lock",
                 Expect::Violation(ViolationKind::kDeadlock,
                                   "'fault' waits in down_read for mmap_lock"),
                 {.question = "With a blocking mmap_read_lock under the VMA lock, does it "
                              "deadlock?",
                  .spec = "S19",
                  .protocol = "v6.6"}) {
  AnonPrepareVsMprotect(Knobs{.anon_prepare_trylocks_mmap = false});
}

}  // namespace
}  // namespace mmcheck
