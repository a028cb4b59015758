// Result: pass (v6.6+ merged, and ~v2); @sleeps-with-vma-lock: violation:deadlock;
// ~v2@no-unlocked-flag: violation:lock-misuse (the v2 handler forgets VM_FAULT_VMA_UNLOCKED).
// Question: can a userfault under the per-VMA lock deadlock munmap and the monitor?
// (kernel-model.md S2)
// Threads: "fault" (a write fault at page 0 of a VMA registered for MISSING faults, via the
// per-VMA lock: handle_userfault releases the lock, then sleeps), "munmap" (munmap of the VMA)
// and "monitor" (UFFDIO_COPY of page 0 under mmap_read_lock, or under the VMA lock in the v6.9
// variant uffd/fault-vs-munmap-vma-locked-copy, then closing the uffd, which wakes
// every waiter: the bound the spec asks for).
// Kernel paths: fs/userfaultfd.c handle_userfault (29a22b9e08d7: release_fault_lock before the
// sleep), userfaultfd_release (v6.6); mm/userfaultfd.c mfill_atomic (v6.6 to v6.8; v6.9 to v6.12
// with uffd_mfill_lock); mm/vma.c
// munmap. No EVENT_UNMAP feature: munmap does not wait for the monitor.
// Invariant I-MAP-1 at the end.
// Twin: handle_userfault sleeps with the VMA lock held: munmap holds mmap_lock for write and
// waits in vma_start_write for the fault, the monitor's mmap_read_lock waits behind munmap, and
// the fault waits for the monitor (I-DEAD-1, I-VMA-6; why v6.4 kept userfaultfd_armed VMAs off
// the per-VMA-lock path).
#include <string>

#include "explorer/runtime/scenario.h"
#include "model/fault.h"
#include "model/oracle.h"
#include "model/userfaultfd.h"
#include "model/vma.h"

namespace mmcheck {
namespace {

using model::Knobs;
using model::MmStruct;

void UserfaultVsMunmap(Knobs knobs) {
  MmStruct* mm = Make<MmStruct>(knobs);
  model::Vma* vma = mm->map(0, 2, model::VM_READ | model::VM_WRITE | model::VM_MAYWRITE);
  vma->anon_vma.store(true);
  model::UserfaultfdCtx* ctx = Make<model::UserfaultfdCtx>();
  model::userfaultfd_register_setup(vma, ctx);
  Spawn("fault", [mm] {
    model::do_user_addr_fault(mm, 0, model::FAULT_FLAG_USER | model::FAULT_FLAG_WRITE);
  });
  Spawn("munmap", [mm] { model::do_munmap(mm, 0, 2); });
  Spawn("monitor", [mm, ctx] {
    model::uffdio_copy(mm, ctx, 0);
    model::userfaultfd_release(mm, ctx);
  });
  model::check_mem_map_at_end(mm->mem_map);
}

MMCHECK_SCENARIO("uffd/fault-vs-munmap", Expect::Pass(),
                 {.question = "Can a userfault under the VMA lock deadlock munmap and the "
                              "monitor?",
                  .spec = "S2",
                  .protocol = "v6.6"}) {
  UserfaultVsMunmap(Knobs{});
}

MMCHECK_SCENARIO("uffd/fault-vs-munmap~v2", Expect::Pass(),
                 {.question = "Under seed 002 v2, can the userfault deadlock munmap and the "
                              "monitor?",
                  .spec = "S2",
                  .protocol = "v2"}) {
  UserfaultVsMunmap(Knobs{.fault_protocol = model::FaultProtocol::kV2});
}

MMCHECK_SCENARIO("uffd/fault-vs-munmap~v2@no-unlocked-flag",
                 Expect::Violation(ViolationKind::kLockMisuse,
                                   "up_read(vm_lock) without holding it"),
                 {.question = "Under v2, is a userfault that forgets VM_FAULT_VMA_UNLOCKED "
                              "released twice?",
                  .spec = "S2",
                  .protocol = "v2"}) {
  UserfaultVsMunmap(
      Knobs{.fault_protocol = model::FaultProtocol::kV2, .v2_callee_sets_vma_unlocked = false});
}

MMCHECK_SCENARIO("uffd/fault-vs-munmap@sleeps-with-vma-lock",
                 Expect::Violation(ViolationKind::kDeadlock,
                                   "'fault' sleeps in schedule() on fault_pending_wqh"),
                 {.question = "If handle_userfault sleeps with the VMA lock held, do fault, "
                              "munmap and monitor deadlock?",
                  .spec = "S2",
                  .protocol = "v6.6"}) {
  UserfaultVsMunmap(Knobs{.userfault_releases_fault_lock = false});
}

// The v6.9+ monitor: UFFDIO_COPY takes the destination VMA's lock (uffd_mfill_lock ->
// uffd_lock_vma) instead of mmap_read_lock. In the twin, its lock_vma_under_rcu fails against
// munmap's queued vma_start_write and it falls back to mmap_read_lock, behind munmap: the same
// three-party cycle.
MMCHECK_SCENARIO("uffd/fault-vs-munmap-vma-locked-copy", Expect::Pass(),
                 {.question = "With the v6.9 UFFDIO_COPY under the VMA lock, can a userfault "
                              "deadlock munmap and the monitor?",
                  .spec = "S2",
                  .protocol = "v6.9"}) {
  UserfaultVsMunmap(Knobs{.uffd_mfill_lock_vma = true});
}

MMCHECK_SCENARIO("uffd/fault-vs-munmap-vma-locked-copy@sleeps-with-vma-lock",
                 Expect::Violation(ViolationKind::kDeadlock,
                                   "'fault' sleeps in schedule() on fault_pending_wqh"),
                 {.question = "With the v6.9 copy, does sleeping with the VMA lock still deadlock "
                              "all three?",
                  .spec = "S2",
                  .protocol = "v6.9"}) {
  UserfaultVsMunmap(Knobs{.userfault_releases_fault_lock = false, .uffd_mfill_lock_vma = true});
}

}  // namespace
}  // namespace mmcheck
