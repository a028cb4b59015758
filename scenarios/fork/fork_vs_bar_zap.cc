// Result: pass (copy_huge_pmd re-reads the PMD under src_ptl); @v6.12: violation:invariant;
// fork/fork-vs-bar-zap-pud: pass (v6.12 copy_huge_pud, as merged); its @read-before-lock:
// violation:invariant.
// Question: can a fork child keep a special PMD for BAR pages that vfio has zapped and disabled,
// because copy_huge_pmd copies a value it read before taking the PMD locks? (kernel-model.md S7)
// Threads: "fork" (dup_mmap of a parent whose BAR mmap [0, 2) has a special PMD for pfns 100-101:
// the child VMA goes into the inode's i_mmap after the parent's, then copy_page_range ->
// copy_pmd_range -> copy_huge_pmd) and "bar-zap" (vfio_pci_zap_and_down_write_memory_lock:
// memory_lock for writing, unmap_mapping_range over the inode's i_mmap, which takes only
// i_mmap_rwsem for reading and the page-table locks; then memory decode off and up_write).
// Kernel paths (v6.12; each line is quoted in kernel-model.md S7 "Deciding code"): kernel/fork.c
// dup_mmap (i_mmap insert, i_mmap_unlock_write, then copy_page_range); mm/interval_tree.c
// vma_interval_tree_insert_after; drivers/vfio/pci/vfio_pci_core.c
// vfio_pci_zap_and_down_write_memory_lock; mm/memory.c unmap_mapping_pages,
// zap_page_range_single, zap_pmd_range, copy_page_range, copy_pmd_range; mm/huge_memory.c
// zap_huge_pmd and copy_huge_pmd (bc02afbd4d73 + 47fa30118f02).
// Invariant at the end (I-PFN-1): memory decode is off after a completed zap, so no entry of any
// mm (the child included) maps a BAR pfn.
// Twin (@v6.12, the code as merged): copy_huge_pmd's pmdp_get_lockless(src_pmd) reads the special
// PMD; bar-zap clears it under the parent's PMD lock, visits the child VMA (its PMD still none:
// nothing to zap) and disables the BAR; fork then takes dst_ptl and src_ptl and, "No need to
// recheck the pmd, it can't change with write mmap lock held here", set_pmd_at()s the stale value
// into the child. The expectation (a violation) was argued from those lines before the model ran:
// nothing in fork's locks (both mmap write locks, the parent VMA's write lock) is taken by
// unmap_mapping_range, and fork holds no i_mmap_rwsem while it copies.
// The PUD variant passes with the merged code: copy_huge_pud takes both page_table_locks before
// it reads *src_pud, so it copies either the entry before the zap (and the zap's later visit of
// the child clears the copy) or the none entry after it. Its twin (@read-before-lock, not a kernel
// version: the PMD path's order applied to the PUD) shows that this order is what makes the
// difference.
#include "explorer/runtime/scenario.h"
#include "model/fork.h"
#include "model/huge_memory.h"
#include "model/vfio.h"

namespace mmcheck {
namespace {

using model::Knobs;

void ForkVsBarZap(Knobs knobs, model::Level level) {
  const unsigned long pages = level == model::Level::kPud ? model::PUD_PAGES : model::PMD_PAGES;
  auto* vdev = Make<model::VfioPciCoreDevice>(100, static_cast<int>(pages));
  model::MmStruct* parent = Make<model::MmStruct>(knobs);
  // What an earlier vfio_pci_mmap_huge_fault left: a special, writable, young leaf for pfn 100.
  model::vfio_setup_huge_leaf(model::vfio_pci_core_mmap(vdev, parent, 0, pages, 0), level, 0);
  Spawn("fork", [parent] { model::dup_mmap(parent); });
  Spawn("bar-zap", [vdev] { model::vfio_pci_disable_memory(vdev); });
  model::check_vfio_mappings_at_end(vdev);
}

MMCHECK_SCENARIO("fork/fork-vs-bar-zap", Expect::Pass(),
                 {.question = "With copy_huge_pmd re-reading the PMD under its lock, is a BAR "
                              "that vfio zapped and disabled unmapped in the fork child too?",
                  .spec = "S7",
                  .protocol = "v6.12"}) {
  ForkVsBarZap(Knobs{}, model::Level::kPmd);
}

MMCHECK_SCENARIO("fork/fork-vs-bar-zap@v6.12",
                 Expect::Violation(ViolationKind::kInvariant, "I-PFN-1"),
                 {.question = "Does v6.12's copy_huge_pmd, which does not re-read the PMD under "
                              "its lock, give the child a BAR mapping vfio has revoked?",
                  .spec = "S7",
                  .protocol = "v6.12"}) {
  ForkVsBarZap(Knobs{.copy_huge_pmd_rechecks = false}, model::Level::kPmd);
}

MMCHECK_SCENARIO("fork/fork-vs-bar-zap-pud", Expect::Pass(),
                 {.question = "Is a zapped and disabled BAR unmapped in the fork child at PUD "
                              "level, with copy_huge_pud as merged?",
                  .spec = "S7",
                  .protocol = "v6.12"}) {
  ForkVsBarZap(Knobs{.copy_huge_pmd_rechecks = false}, model::Level::kPud);
}

MMCHECK_SCENARIO("fork/fork-vs-bar-zap-pud@read-before-lock",
                 Expect::Violation(ViolationKind::kInvariant, "I-PFN-1"),
                 {.question = "If copy_huge_pud read the PUD before its locks, as copy_huge_pmd "
                              "does, would the child keep the zapped BAR too?",
                  .spec = "S7",
                  .protocol = "v6.12"}) {
  ForkVsBarZap(Knobs{.copy_huge_pmd_rechecks = false, .copy_huge_pud_reads_before_lock = true},
               model::Level::kPud);
}

}  // namespace
}  // namespace mmcheck
