// Result: pass; @no-unlink: violation:use-after-free.
// Question: can vfio's BAR zap, walking the inode's i_mmap, meet a BAR mapping that munmap is
// tearing down, and touch its VMA or page tables after they are freed? (issue 16, item 2: the
// model's free_pgtables did not unlink a file VMA from i_mmap, so this race was not asked.)
// Threads: "munmap" (do_munmap of a BAR mmap [0, 2) with a special PMD for pfns 100-101:
// mmap_write_lock, vma_start_write, detach, the tree cleared, downgrade, unmap_vmas, free_pgtables,
// tlb_finish_mmu, vm_area_free) and "bar-zap" (vfio_pci_zap_and_down_write_memory_lock:
// memory_lock for writing, unmap_mapping_range over the inode's i_mmap under i_mmap_rwsem for
// reading; then memory decode off and up_write).
// Kernel paths (v6.12): mm/vma.c do_vmi_align_munmap, vms_complete_munmap_vmas, vms_clear_ptes;
// mm/memory.c free_pgtables ("Hide vma from rmap and truncate_pagecache before freeing
// pgtables"), unmap_mapping_pages, zap_page_range_single; mm/vma.c unlink_file_vma_batch_process,
// __remove_shared_vm_struct; drivers/vfio/pci/vfio_pci_core.c
// vfio_pci_zap_and_down_write_memory_lock. Why it passes: free_pgtables takes the VMA out of i_mmap
// under i_mmap_rwsem for writing before it frees the tables, and the zap holds i_mmap_rwsem for
// reading across its whole walk, so the zap either walks the VMA before the unlink (the VMA and its
// tables still live: munmap is waiting for the rwsem) or never finds it. I-PFN-1 at the end: no
// entry of the mm maps the BAR. Twin (@no-unlink, no kernel: the model before the fix): the VMA
// stays in i_mmap after vm_area_free, and a zap that runs after munmap uses the freed VMA.
#include "explorer/runtime/scenario.h"
#include "model/vfio.h"
#include "model/vma.h"

namespace mmcheck {
namespace {

using model::Knobs;

void MunmapVsBarZap(Knobs knobs) {
  auto* vdev = Make<model::VfioPciCoreDevice>(100, 2);
  model::MmStruct* mm = Make<model::MmStruct>(knobs);
  model::vfio_setup_huge_leaf(model::vfio_pci_core_mmap(vdev, mm, 0, 2, 0), model::Level::kPmd, 0);
  Spawn("munmap", [mm] { model::do_munmap(mm, 0, 2); });
  Spawn("bar-zap", [vdev] { model::vfio_pci_disable_memory(vdev); });
  model::check_vfio_mappings_at_end(vdev);
}

MMCHECK_SCENARIO("vfio/munmap-vs-bar-zap", Expect::Pass(),
                 {.question = "Does the BAR zap's i_mmap walk stay clear of a BAR mapping that "
                              "munmap frees, because free_pgtables unlinks it first?",
                  .spec = "",
                  .protocol = "v6.12"}) {
  MunmapVsBarZap(Knobs{});
}

MMCHECK_SCENARIO("vfio/munmap-vs-bar-zap@no-unlink",
                 Expect::Violation(ViolationKind::kUseAfterFree,
                                   "'bar-zap' zaps the page tables"),
                 {.question = "If free_pgtables left the VMA in i_mmap, would the zap use it "
                              "after munmap freed it?",
                  .spec = "",
                  .protocol = "v6.12"}) {
  MunmapVsBarZap(Knobs{.free_pgtables_unlinks_file = false});
}

}  // namespace
}  // namespace mmcheck
