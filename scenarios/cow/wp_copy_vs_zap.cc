// Result: pass (v6.6+); @unpinned-copy: violation:use-after-free.
// Question: can do_wp_page's copy read a page that MADV_DONTNEED in the parent and in the child
// freed while the fault had dropped the PTL?
// Threads: "fault" (the parent's write fault at page 0, whose PTE maps folio 1 read-only and
// shared with the child after a fork: handle_pte_fault -> do_wp_page -> wp_page_copy),
// "dontneed" (the parent's madvise(MADV_DONTNEED) of page 0: zap_page_range_single) and "child"
// (the same madvise in the child, which drops the other mapping).
// Kernel paths: mm/memory.c handle_pte_fault, do_wp_page, wp_page_copy, zap_pte_range,
// mm/mmu_gather.c (v6.12).
// Invariant I-MAP-1 at the end: every folio's mapcount and refcount match the PTEs that map it.
// Twin: do_wp_page drops the PTL without folio_get(): the zaps in parent and child put the last
// references and free the folio, and __wp_page_copy_user then copies from freed memory.
#include <string>

#include "explorer/runtime/scenario.h"
#include "model/fault.h"
#include "model/madvise.h"
#include "model/oracle.h"

namespace mmcheck {
namespace {

using model::Knobs;
using model::MmStruct;

void WpCopyVsZap(Knobs knobs) {
  constexpr unsigned long kFlags = model::VM_READ | model::VM_WRITE | model::VM_MAYWRITE;
  MmStruct* parent = Make<MmStruct>(knobs);
  MmStruct* child = Make<MmStruct>(knobs, parent->mem_map);
  parent->map(0, 2, kFlags)->anon_vma.store(true);
  child->map(0, 2, kFlags)->anon_vma.store(true);
  // After fork: copy_present_pte write-protected the PTE in both and took a reference for the
  // child's mapping; the folio is no longer exclusive to either.
  model::Folio* folio = parent->mem_map->folio_alloc_setup(/*refcount=*/2, /*mapcount=*/2,
                                                           /*anon_exclusive=*/false);
  parent->map_page(0, folio, /*write=*/false);
  child->map_page(0, folio, /*write=*/false);
  Spawn("fault", [parent] {
    model::do_user_addr_fault(parent, 0, model::FAULT_FLAG_USER | model::FAULT_FLAG_WRITE);
  });
  Spawn("dontneed", [parent] { model::madvise_dontneed(parent, 0, 1); });
  Spawn("child", [child] { model::madvise_dontneed(child, 0, 1); });
  model::check_mem_map_at_end(parent->mem_map);
}

MMCHECK_SCENARIO("cow/wp-copy-vs-zap", Expect::Pass(),
                 {.question = "Can a copy-on-write fault copy from a page that concurrent "
                              "MADV_DONTNEEDs free?",
                  .spec = "",
                  .protocol = "v6.6"}) {
  WpCopyVsZap(Knobs{});
}

MMCHECK_SCENARIO("cow/wp-copy-vs-zap@unpinned-copy",
                 Expect::Violation(ViolationKind::kUseAfterFree, "frees folio"),
                 {.question = "If do_wp_page drops the PTL without a folio reference, is the "
                              "copy's source freed under it?",
                  .spec = "",
                  .protocol = "v6.6"}) {
  WpCopyVsZap(Knobs{.wp_copy_pins_old_folio = false});
}

}  // namespace
}  // namespace mmcheck
