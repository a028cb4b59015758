// Result: pass (003/05: gup-fast refuses special leaves); @pre-003-05: violation:invariant.
// Question: does gup-fast on a huge pfnmap racing with vfio's BAR zap ever take a struct page for
// MMIO, or does it fall back to slow GUP, which refuses VM_IO|VM_PFNMAP? (kernel-model.md S9 (a))
// Threads: "gup" (get_user_pages_fast(FOLL_WRITE | FOLL_PIN) of page 0 of a BAR mmap [0, 2) with a
// special PMD for pfns 100-101: gup_fast with IRQs off, then the slow path under mmap_lock) and
// "bar-zap" (vfio_pci_zap_and_down_write_memory_lock, memory decode off, up_write).
// Kernel paths: mm/gup.c gup_fast_fallback, gup_fast, gup_fast_pmd_leaf (v6.12 with ae3c99e650da),
// check_vma_flags; mm/memory.c unmap_mapping_pages; mm/huge_memory.c zap_huge_pmd.
// Checks: I-PFN-3 (gup-fast never derives a struct page from a special entry) and, at the end,
// I-PFN-1.
// Twin (@pre-003-05): without `if (pmd_special(orig)) return 0`, gup_fast_pmd_leaf goes on to
// pmd_page() of pfn 100, which has no struct page. Any order in which gup reads the PMD before the
// zap shows it; no race needed.
// S9 (b) and its twins B and C are the gup/gup-fast-vs-thp-munmap scenarios.
#include "explorer/runtime/scenario.h"
#include "model/gup.h"
#include "model/huge_memory.h"
#include "model/vfio.h"

namespace mmcheck {
namespace {

using model::Knobs;

void GupFastVsBarZap(Knobs knobs) {
  auto* vdev = Make<model::VfioPciCoreDevice>(100, 2);
  model::MmStruct* mm = Make<model::MmStruct>(knobs);
  model::vfio_setup_huge_leaf(model::vfio_pci_core_mmap(vdev, mm, 0, 2, 0), model::Level::kPmd, 0);
  Spawn("gup", [mm] {
    const int got = model::get_user_pages_fast(mm, 0, model::FOLL_WRITE | model::FOLL_PIN);
    MMCHECK_ASSERT_MSG(got == -14, "GUP of a VM_PFNMAP mapping returned a page");
  });
  Spawn("bar-zap", [vdev] { model::vfio_pci_disable_memory(vdev); });
  model::check_vfio_mappings_at_end(vdev);
}

MMCHECK_SCENARIO("vfio/gup-fast-vs-bar-zap", Expect::Pass(),
                 {.question = "Does gup-fast on a special PMD, racing with the BAR zap, always "
                              "fall back to slow GUP and fail with -EFAULT?",
                  .spec = "S9",
                  .protocol = "v6.12"}) {
  GupFastVsBarZap(Knobs{});
}

MMCHECK_SCENARIO("vfio/gup-fast-vs-bar-zap@pre-003-05",
                 Expect::Violation(ViolationKind::kInvariant, "I-PFN-3"),
                 {.question = "Without the pmd_special() check, does gup-fast take pmd_page() of "
                              "an MMIO pfn?",
                  .spec = "S9",
                  .protocol = "v6.12"}) {
  GupFastVsBarZap(Knobs{.gup_fast_checks_special = false});
}

}  // namespace
}  // namespace mmcheck
