// Result: pass (003/07's copy_huge_pud keeps a shared PUD writable); @pre-003 and
// @pre-003-aligned-fault: violation:livelock; @pre-003-unaligned-fault (the v6.12 handler, a write
// at an unaligned address): violation:invariant (I-FORK-2 only: the write completes).
// Question: after fork copies a writable special PUD of a shared vfio mapping, can the parent
// and the child write to it, or does a write fault that vfio cannot upgrade repeat forever?
// (kernel-model.md S6)
// Threads: "fork" (dup_mmap of a parent whose BAR mmap [0, 4) has a writable special PUD for
// pfns 100-103: copy_pud_range -> copy_huge_pud; it then starts the child, whose thread
// "child-write" writes to the mapping) and "parent-write" (a write by a parent thread at the same
// address, racing with fork).
// Kernel paths: mm/huge_memory.c copy_huge_pud (v6.12, bc02afbd4d73), mm/memory.c
// __handle_mm_fault -> wp_huge_pud -> ->huge_fault(PUD_ORDER) or __split_huge_pud,
// drivers/vfio/pci/vfio_pci_core.c vfio_pci_mmap_huge_fault (v6.12 and the 2025 "Align huge faults
// to order"), mm/huge_memory.c vmf_insert_pfn_pud -> insert_pfn_pud.
// Checks: I-RETRY-1 (each access completes; the model's user_access reports a fault that returns
// the same result with the entry unchanged, again and again, as a livelock) and, at the end,
// I-FORK-2 (the child's PUD equals the parent's, write bit included).
// Twins: before 003/07 copy_huge_pud write-protected every PUD it copied. A write then faults:
// wp_huge_pud -> vfio_pci_mmap_huge_fault(PUD_ORDER) -> vmf_insert_pfn_pud(write = false) ->
// insert_pfn_pud finds the slot occupied and, !write, changes nothing -> VM_FAULT_NOPAGE -> the
// write repeats: a livelock (the spec derives it from the code; 003/07's message only says "will
// trigger a write fault"). @pre-003 writes at address 1 under the 2025 handler, which aligns the
// address down; @pre-003-aligned-fault writes at address 0 under the v6.12 handler.
// @pre-003-unaligned-fault is the termination argument of the spec: with the v6.12 handler a
// write at an unaligned address gets VM_FAULT_FALLBACK, wp_huge_pud splits (clears) the PUD, and
// the write refaults at a smaller order and completes; what remains wrong is I-FORK-2 (the parent's
// PUD lost its write bit in fork, so parent and child differ).
#include "explorer/runtime/scenario.h"
#include "model/fault.h"
#include "model/fork.h"
#include "model/huge_memory.h"
#include "model/vfio.h"

namespace mmcheck {
namespace {

using model::Knobs;

void PudWriteAfterFork(Knobs knobs, unsigned long address) {
  auto* vdev = Make<model::VfioPciCoreDevice>(100, 4);
  model::MmStruct* parent = Make<model::MmStruct>(knobs);
  // The parent already has the writable special PUD an earlier huge_fault installed.
  model::vfio_setup_huge_leaf(model::vfio_pci_core_mmap(vdev, parent, 0, 4, 0),
                              model::Level::kPud, 0);
  auto* child = Make<model::MmStruct*>(nullptr);
  Spawn("fork", [parent, child, address] {
    *child = model::dup_mmap(parent);
    // copy_process() done: wake_up_new_task(); the child runs and writes.
    model::MmStruct* mm = *child;
    Spawn("child-write", [mm, address] { model::user_access(mm, address, /*write=*/true); });
  });
  Spawn("parent-write", [parent, address] { model::user_access(parent, address, true); });
  AtEnd([parent, child] {
    const std::string why = model::check_fork_special_copy(parent, *child, 0, 4);
    if (!why.empty()) Violate(ViolationKind::kInvariant, why);
  });
}

MMCHECK_SCENARIO("fork/pud-write-after-fork", Expect::Pass(),
                 {.question = "After fork copies a writable special PUD of a shared mapping, do "
                              "writes in parent and child complete?",
                  .spec = "S6",
                  .protocol = "v6.12"}) {
  PudWriteAfterFork(Knobs{}, 1);
}

MMCHECK_SCENARIO("fork/pud-write-after-fork@pre-003",
                 Expect::Violation(ViolationKind::kLivelock, "I-RETRY-1"),
                 {.question = "With copy_huge_pud write-protecting every PUD (before 003/07), "
                              "does a write vfio cannot upgrade fault forever?",
                  .spec = "S6",
                  .protocol = "v6.12"}) {
  PudWriteAfterFork(Knobs{.copy_huge_pud_wrprotects_always = true}, 1);
}

MMCHECK_SCENARIO("fork/pud-write-after-fork@pre-003-aligned-fault",
                 Expect::Violation(ViolationKind::kLivelock, "I-RETRY-1"),
                 {.question = "With the v6.12 vfio handler, does a write at the PUD-aligned "
                              "address to a write-protected PUD fault forever?",
                  .spec = "S6",
                  .protocol = "v6.12"}) {
  PudWriteAfterFork(Knobs{.copy_huge_pud_wrprotects_always = true,
                          .vfio_huge_fault = model::VfioHugeFault::kV6_12},
                    0);
}

MMCHECK_SCENARIO("fork/pud-write-after-fork@pre-003-unaligned-fault",
                 Expect::Violation(ViolationKind::kInvariant, "I-FORK-2"),
                 {.question = "With the v6.12 vfio handler, does a write at an unaligned address "
                              "split the write-protected PUD and complete, losing only the write "
                              "bit?",
                  .spec = "S6",
                  .protocol = "v6.12"}) {
  PudWriteAfterFork(Knobs{.copy_huge_pud_wrprotects_always = true,
                          .vfio_huge_fault = model::VfioHugeFault::kV6_12},
                    1);
}

}  // namespace
}  // namespace mmcheck
