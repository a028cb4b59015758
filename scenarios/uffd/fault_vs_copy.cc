// Result: pass (v6.6+ merged, and ~v2); @must-wait-first: violation:deadlock (a lost wakeup);
// ~v2@no-unlocked-flag: violation:lock-misuse (the v2 handler forgets VM_FAULT_VMA_UNLOCKED).
// Question: can a userfault miss the monitor's UFFDIO_COPY wake-up and sleep forever?
// (kernel-model.md S3)
// Threads: "fault" (and in uffd/two-faults-vs-copy also "fault2": a write fault at page 0 of a VMA
// registered for MISSING faults: the per-VMA lock path, do_anonymous_page -> handle_userfault:
// enqueue, must_wait, release the lock, sleep) and "monitor" (UFFDIO_COPY of page 0: install under
// the PTL if still none, then wake_userfault). Kernel paths: fs/userfaultfd.c handle_userfault,
// userfaultfd_must_wait, wake_userfault (v6.6), mm/userfaultfd.c mfill_atomic (v6.6 to v6.8),
// mm/memory.c do_anonymous_page. Invariant I-MAP-1 at the end. Twin A: must_wait is computed before
// the fault queues itself: the monitor installs the page and wakes an empty queue between the check
// and the enqueue, and the fault sleeps forever (I-WAKE-1).
#include <string>

#include "explorer/runtime/scenario.h"
#include "model/fault.h"
#include "model/oracle.h"
#include "model/userfaultfd.h"

namespace mmcheck {
namespace {

using model::Knobs;
using model::MmStruct;

void FaultVsCopy(Knobs knobs, int faults = 1) {
  MmStruct* mm = Make<MmStruct>(knobs);
  model::Vma* vma = mm->map(0, 2, model::VM_READ | model::VM_WRITE | model::VM_MAYWRITE);
  vma->anon_vma.store(true);
  model::UserfaultfdCtx* ctx = Make<model::UserfaultfdCtx>();
  model::userfaultfd_register_setup(vma, ctx);
  for (int i = 0; i < faults; ++i) {
    Spawn(i == 0 ? "fault" : "fault2", [mm] {
      model::do_user_addr_fault(mm, 0, model::FAULT_FLAG_USER | model::FAULT_FLAG_WRITE);
    });
  }
  Spawn("monitor", [mm, ctx] { model::uffdio_copy(mm, ctx, 0); });
  model::check_mem_map_at_end(mm->mem_map);
}

MMCHECK_SCENARIO("uffd/fault-vs-copy", Expect::Pass(),
                 {.question = "Can a userfault miss the monitor's UFFDIO_COPY wake-up and sleep "
                              "forever?",
                  .spec = "S3",
                  .protocol = "v6.6"}) {
  FaultVsCopy(Knobs{});
}

MMCHECK_SCENARIO("uffd/fault-vs-copy~v2", Expect::Pass(),
                 {.question = "Under seed 002 v2, is the userfault sleep balanced and woken?",
                  .spec = "S3",
                  .protocol = "v2"}) {
  FaultVsCopy(Knobs{.fault_protocol = model::FaultProtocol::kV2});
}

MMCHECK_SCENARIO("uffd/fault-vs-copy~v2@no-unlocked-flag",
                 Expect::Violation(ViolationKind::kLockMisuse,
                                   "up_read(vm_lock) without holding it"),
                 {.question = "Under v2, is a userfault that forgets VM_FAULT_VMA_UNLOCKED "
                              "released twice?",
                  .spec = "S3",
                  .protocol = "v2"}) {
  FaultVsCopy(
      Knobs{.fault_protocol = model::FaultProtocol::kV2, .v2_callee_sets_vma_unlocked = false});
}

MMCHECK_SCENARIO("uffd/fault-vs-copy@must-wait-first",
                 Expect::Violation(ViolationKind::kDeadlock,
                                   "'fault' sleeps in schedule() on fault_pending_wqh"),
                 {.question = "If must_wait is checked before the fault queues itself, is a "
                              "wake-up lost?",
                  .spec = "S3",
                  .protocol = "v6.6"}) {
  FaultVsCopy(Knobs{.userfault_enqueues_before_must_wait = false});
}

// S3's optional second fault on the same page: both sleepers must be woken by the one copy (the
// wake covers the range, every waiter on it), and the slower one may find the page already mapped.
MMCHECK_SCENARIO("uffd/two-faults-vs-copy", Expect::Pass(),
                 {.question = "Does one UFFDIO_COPY wake every userfault waiting on the page?",
                  .spec = "S3",
                  .protocol = "v6.6"}) {
  FaultVsCopy(Knobs{}, 2);
}

MMCHECK_SCENARIO("uffd/two-faults-vs-copy@must-wait-first",
                 Expect::Violation(ViolationKind::kDeadlock,
                                   "'fault2' sleeps in schedule() on fault_pending_wqh"),
                 {.question = "With two faults, is a wake-up lost if must_wait is checked before "
                              "queueing?",
                  .spec = "S3",
                  .protocol = "v6.6"}) {
  FaultVsCopy(Knobs{.userfault_enqueues_before_must_wait = false}, 2);
}

}  // namespace
}  // namespace mmcheck
