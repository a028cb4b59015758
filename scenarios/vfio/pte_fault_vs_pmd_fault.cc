// Result: pass (2025 "vfio/pci: Align huge faults to order"); @v6.13: violation:invariant.
// Question: when two threads fault the two pages of one PMD of a vfio BAR mmap at once, does the
// one that loses the race retry, or does it fail with VM_FAULT_OOM? (kernel-model.md S14)
// Threads: "fault-odd" (a read of page 1) and "fault-even" (a read of page 0) of the BAR mmap
// [0, 2), both under the VMA lock (read locks are shared); an order-0 fault of a driver without
// ->map_pages drops the VMA lock and retries under mmap_lock (vmf_can_call_fault, v6.7+).
// Kernel paths: mm/memory.c __handle_mm_fault, do_fault -> do_read_fault -> __do_fault,
// vmf_insert_pfn -> insert_pfn -> get_locked_pte -> pte_alloc_map_lock; mm/huge_memory.c
// vmf_insert_pfn_pmd; drivers/vfio/pci/vfio_pci_core.c vfio_pci_mmap_huge_fault (v6.13 with
// 09dfc8a5f2ce, and the 2025 fix of bugzilla 220057).
// Check: I-RETRY-2 (user_access: a fault that loses a race returns 0/NOPAGE, never OOM).
// Twin (@v6.13): the handler falls back for the unaligned address 1, so "fault-odd" goes to the
// PTE level: do_fault -> vmf_insert_pfn -> get_locked_pte; "fault-even" installs the PMD leaf in
// between; __pte_offset_map_lock() finds no PTE table and returns NULL; insert_pfn returns
// VM_FAULT_OOM (the 2025 commit: "kvm run failed Bad address"). The fix aligns the address down
// to the order, so both threads try the PMD and the second insert_pfn_pmd is a no-op.
#include "explorer/runtime/scenario.h"
#include "model/fault.h"
#include "model/vfio.h"

namespace mmcheck {
namespace {

using model::Knobs;

void PteFaultVsPmdFault(Knobs knobs) {
  auto* vdev = Make<model::VfioPciCoreDevice>(100, 2);
  model::MmStruct* mm = Make<model::MmStruct>(knobs);
  model::vfio_pci_core_mmap(vdev, mm, 0, 2, 0);
  Spawn("fault-odd", [mm] { model::user_access(mm, 1, /*write=*/false); });
  Spawn("fault-even", [mm] { model::user_access(mm, 0, /*write=*/false); });
  model::check_vfio_mappings_at_end(vdev);
}

MMCHECK_SCENARIO("vfio/pte-fault-vs-pmd-fault", Expect::Pass(),
                 {.question = "Do two faults on the two pages of one vfio PMD both complete, one "
                              "installing the PMD and the other finding it?",
                  .spec = "S14",
                  .protocol = "2025"}) {
  PteFaultVsPmdFault(Knobs{.vfio_huge_fault = model::VfioHugeFault::kAlignOrder});
}

MMCHECK_SCENARIO("vfio/pte-fault-vs-pmd-fault@v6.13",
                 Expect::Violation(ViolationKind::kInvariant, "I-RETRY-2"),
                 {.question = "With the v6.13 handler, does an order-0 fault that loses the race "
                              "to a PMD fault return VM_FAULT_OOM?",
                  .spec = "S14",
                  .protocol = "v6.13"}) {
  PteFaultVsPmdFault(Knobs{.vfio_huge_fault = model::VfioHugeFault::kV6_13});
}

}  // namespace
}  // namespace mmcheck
