// Result: pass (the 2026 fix of follow_pfnmap_start); @v6.12: violation:invariant.
// Question: can follow_pfnmap_start() return the pfn of a special PMD that vfio's BAR zap has
// already cleared, because it re-checks its lockless copy instead of the entry? (kernel-model.md
// S13)
// Threads: "kvm" (hva_to_pfn_remapped as KVM runs it for a VM_PFNMAP VMA: mmap_read_lock,
// vma_lookup, follow_pfnmap_start, read args.pfn, follow_pfnmap_end, mmap_read_unlock) and
// "bar-zap" (vfio_pci_zap_and_down_write_memory_lock, memory decode off, up_write) on a BAR mmap
// [0, 2) with a special PMD for pfns 100-101.
// Kernel paths: mm/memory.c follow_pfnmap_start/end (v6.12, 6da8e9634bb7, and the 2026 "mm/memory:
// fix PMD/PUD checks in follow_pfnmap_start()", lkml 20260323-follow_pfnmap_fix-v1-1),
// unmap_mapping_pages, zap_huge_pmd; virt/kvm/kvm_main.c hva_to_pfn_remapped (the caller's lock).
// Check: I-PFN-4 (what follow_pfnmap_start returns is, while its lock is held, what the entry
// maps), in the model's follow_pfnmap_start.
// Twin (@v6.12): pmdp_get_lockless() sees the leaf; bar-zap clears it under the PMD lock; kvm takes
// the lock and re-tests its local copy (`if (!unlikely(pmd_leaf(pmd)))`), which is still a leaf,
// and returns pfn 100 for an entry that is none ("we would indicate to the caller that we found an
// entry, however, that entry might already have been invalidated", the fix's message).
#include "explorer/runtime/scenario.h"
#include "model/huge_memory.h"
#include "model/memory.h"
#include "model/mmap_lock.h"
#include "model/vfio.h"

namespace mmcheck {
namespace {

using model::Knobs;

void FollowPfnmapVsBarZap(Knobs knobs) {
  auto* vdev = Make<model::VfioPciCoreDevice>(100, 2);
  model::MmStruct* mm = Make<model::MmStruct>(knobs);
  model::vfio_setup_huge_leaf(model::vfio_pci_core_mmap(vdev, mm, 0, 2, 0), model::Level::kPmd, 0);
  Spawn("kvm", [mm] {
    model::mmap_read_lock(mm);
    model::Vma* v = model::find_vma(mm, 0);  // vma_lookup
    model::FollowPfnmapArgs args{.vma = v, .address = 0};
    if (model::follow_pfnmap_start(&args) == 0) {
      // *p_pfn = args.pfn; writable = args.writable (copied under the lock)
      model::follow_pfnmap_end(&args);
    }
    model::mmap_read_unlock(mm);
  });
  Spawn("bar-zap", [vdev] { model::vfio_pci_disable_memory(vdev); });
  model::check_vfio_mappings_at_end(vdev);
}

MMCHECK_SCENARIO("vfio/follow-pfnmap-vs-bar-zap", Expect::Pass(),
                 {.question = "With the 2026 fix, does follow_pfnmap_start only return a pfn the "
                              "entry still maps while its lock is held?",
                  .spec = "S13",
                  .protocol = "2026"}) {
  FollowPfnmapVsBarZap(Knobs{});
}

MMCHECK_SCENARIO("vfio/follow-pfnmap-vs-bar-zap@v6.12",
                 Expect::Violation(ViolationKind::kInvariant, "I-PFN-4"),
                 {.question = "Does v6.12's follow_pfnmap_start, re-testing its lockless copy, "
                              "return the pfn of a PMD the BAR zap has cleared?",
                  .spec = "S13",
                  .protocol = "v6.12"}) {
  FollowPfnmapVsBarZap(Knobs{.follow_pfnmap_rereads = false});
}

}  // namespace
}  // namespace mmcheck
