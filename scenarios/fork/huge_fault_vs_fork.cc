// Result: pass (v6.13+ handler, 09dfc8a5f2ce); @v6.12-unaligned-pfn: violation:invariant.
// Question: when a parent thread's vfio huge_fault at PMD order races with fork, does the child
// get either nothing or exactly the parent's special PMD, and is every huge leaf the right shape?
// (kernel-model.md S5)
// Threads: "fork" (dup_mmap: both mmap write locks, vma_start_write of the BAR VMA, the child
// VMA into the inode's i_mmap, copy_page_range -> copy_pmd_range -> copy_huge_pmd) and "fault"
// (a read of page 0 of the BAR mmap [0, 2): lock_vma_under_rcu, handle_mm_fault ->
// create_huge_pud (FALLBACK: the VMA is 2 pages) -> create_huge_pmd ->
// vfio_pci_mmap_huge_fault(PMD_ORDER) -> vmf_insert_pfn_pmd; on a write-locked VMA the fault
// falls back to mmap_lock and waits for fork).
// Kernel paths: kernel/fork.c dup_mmap, mm/memory.c copy_page_range and __handle_mm_fault,
// mm/huge_memory.c copy_huge_pmd and vmf_insert_pfn_pmd (v6.12 with 47fa30118f02),
// drivers/vfio/pci/vfio_pci_core.c vfio_pci_mmap_huge_fault (v6.13, 09dfc8a5f2ce).
// Invariants at the end: I-FORK-2 (the child's special PMD equals the parent's, young aside, or
// is none) and I-PFN-2 (every huge leaf, in both mms, is aligned, inside its VMA and maps the
// VMA's own pfns, the pfn aligned to the order).
// Twin (@v6.12-unaligned-pfn, bugzilla 219619 fixed by 09dfc8a5f2ce): the v6.12 handler checks
// only the address's alignment; with a BAR at an odd pfn it maps a PMD leaf whose pfn is not
// aligned (the hardware maps the aligned-down range: the wrong physical pages), and fork copies
// it into the child: I-PFN-2. No race needed.
// Twin (@private-no-bug-on, S5 twin B): a MAP_PRIVATE mmap of the BAR (a driver that does not
// refuse it), no BUG_ON((vm_flags & VM_PFNMAP) && is_cow_mapping) in vmf_insert_pfn_pmd, and a
// huge_fault that passes the fault's write flag, with a write fault: the parent's special PMD is
// writable in a COW VMA, and copy_huge_pmd's VM_WARN_ON_ONCE ("we made the PRIVATE mapping be
// able to wrongly write to the backend MMIO") fires as fork copies it: I-FORK-2. The spec names
// two edits; the third is needed because vfio inserts with write = false (v6.12 on), so with vfio
// as merged a private mapping's special PMD stays read-only and fork copies it harmlessly.
#include "explorer/runtime/scenario.h"
#include "model/fault.h"
#include "model/fork.h"
#include "model/vfio.h"

namespace mmcheck {
namespace {

using model::Knobs;

void HugeFaultVsFork(Knobs knobs, int bar_pfn, bool map_private = false, bool write = false) {
  auto* vdev = Make<model::VfioPciCoreDevice>(bar_pfn, 2);
  model::MmStruct* parent = Make<model::MmStruct>(knobs);
  model::vfio_pci_core_mmap(vdev, parent, 0, 2, 0, map_private);
  auto* child = Make<model::MmStruct*>(nullptr);
  Spawn("fault", [parent, write] { model::user_access(parent, 0, write); });
  Spawn("fork", [parent, child] { *child = model::dup_mmap(parent); });
  AtEnd([parent, child] {
    const std::string why = model::check_fork_special_copy(parent, *child, 0, 2);
    if (!why.empty()) Violate(ViolationKind::kInvariant, why);
  });
  model::check_vfio_mappings_at_end(vdev);
}

MMCHECK_SCENARIO("fork/huge-fault-vs-fork", Expect::Pass(),
                 {.question = "Does fork racing a vfio PMD huge_fault leave the child no PMD "
                              "or the parent's, and every leaf well-shaped?",
                  .spec = "S5",
                  .protocol = "v6.13"}) {
  HugeFaultVsFork(Knobs{.vfio_huge_fault = model::VfioHugeFault::kV6_13}, 100);
}

MMCHECK_SCENARIO("fork/huge-fault-vs-fork@v6.12-unaligned-pfn",
                 Expect::Violation(ViolationKind::kInvariant, "I-PFN-2"),
                 {.question = "With the v6.12 handler and a BAR at an odd pfn, does a PMD leaf "
                              "map an unaligned pfn in parent and child?",
                  .spec = "S5",
                  .protocol = "v6.12"}) {
  HugeFaultVsFork(Knobs{.vfio_huge_fault = model::VfioHugeFault::kV6_12}, 101);
}

MMCHECK_SCENARIO("fork/huge-fault-vs-fork@private-no-bug-on",
                 Expect::Violation(ViolationKind::kInvariant, "I-FORK-2"),
                 {.question = "If a driver let MAP_PRIVATE through and inserted a writable PMD "
                              "without vmf_insert_pfn_pmd's BUG_ON, would fork copy a writable "
                              "special PMD of a COW mapping?",
                  .spec = "S5",
                  .protocol = "v6.13"}) {
  HugeFaultVsFork(Knobs{.insert_pfn_rejects_cow = false,
                        .vfio_mmap_requires_shared = false,
                        .vfio_huge_fault_passes_write = true,
                        .vfio_huge_fault = model::VfioHugeFault::kV6_13},
                  100, /*map_private=*/true, /*write=*/true);
}

}  // namespace
}  // namespace mmcheck
