// Result: pass; @map-pages-folio-lock: violation:sleep-in-atomic; ~no-isize-check: pass;
// ~no-isize-check@no-later-unmap: violation:invariant (I-TRUNC-1).
// Question (S8): can fault-around map a page of a file that a concurrent truncate has cut off,
// so that the page stays mapped after truncate_setsize() returned (lost SIGBUS semantics)?
// Threads: "fault" (a read fault at page 0 of a shared file mapping [0, 2) under the VMA lock:
// do_read_fault -> do_fault_around over the PTE table's window, pages 0-1 -> filemap_map_pages
// under RCU and the PTE lock) and "truncate" (truncate_setsize(PAGE_SIZE): i_size_write, then
// truncate_pagecache: unmap_mapping_range from page 1, truncate_inode_pages, unmap_mapping_range
// again). Setup: two uptodate order-0 folios at indexes 0 and 1 in the page cache, i_size two
// pages, no PTE. (kernel-model.md's S8 has four pages and a window of four; the model's PTE table
// holds two, so the window is pages 0-1 and the truncate cuts to one page: the same race.)
// Kernel paths (6.12 stable tree, read at 6.12.118; the same for order-0 folios at the v6.12 tag
// and at 6.12.59, whose "mm/memory: do not populate page table entries beyond i_size" backport
// changes only large folios): mm/memory.c do_read_fault, do_fault_around, set_pte_range;
// mm/filemap.c filemap_map_pages, next_uptodate_folio, filemap_map_order0_folio; mm/truncate.c
// truncate_setsize, truncate_pagecache, truncate_inode_pages_range, truncate_cleanup_folio.
// Why it passes: the fault maps folio 1 only while it holds folio 1's lock (folio_trylock) and
// sees folio->mapping intact and index 1 below i_size; truncation removes folio 1 under the same
// lock, unmapping it first if mapped (truncate_cleanup_folio), and unmaps the range again after.
// I-TRUNC-1 at the end: no PTE maps folio 1, or a folio truncation removed; I-MAP-1: mapcounts
// and references add up (the page cache's, the PTEs').
// ~no-isize-check (S8's twin A, "the i_size check removed"): kernel-model.md expects I-TRUNC-1;
// the kernel's code says otherwise, and the kernel wins: without the i_size checks the fault can
// map folio 1 only before truncation removes it (the mapping check under the folio lock), and
// truncate_cleanup_folio() or the second unmap_mapping_range() then takes the PTE away. The
// i_size check keeps SIGBUS semantics where truncation leaves a folio in the cache (a large folio
// it cannot split: twin C, not modeled yet), not here. It passes.
// @map-pages-folio-lock (S8's twin B): folio_lock() instead of folio_trylock() in
// next_uptodate_folio(): may sleep under rcu_read_lock() (I-SLEEP-1), in every interleaving.
// ~no-isize-check@no-later-unmap (no kernel): no i_size check, and truncation's only unmap the
// first one: the fault maps page 1 after that unmap passed it, and truncation removes folio 1
// from the page cache without unmapping it.
#include "explorer/runtime/scenario.h"
#include "model/fault.h"
#include "model/filemap.h"
#include "model/oracle.h"
#include "model/truncate.h"

namespace mmcheck {
namespace {

using model::Knobs;

void FaultAroundVsTruncate(Knobs knobs) {
  model::MmStruct* mm = Make<model::MmStruct>(knobs);
  auto* file = Make<model::AddressSpace>("file");
  model::filemap_add_folios_setup(mm->mem_map, file, 2, 2 * model::PAGE_SIZE);
  mm->map_file(0, 2, model::VM_READ | model::VM_MAYREAD | model::VM_SHARED | model::VM_MAYSHARE,
               file, 0, &model::generic_file_vm_ops, nullptr);
  Spawn("fault", [mm] { model::do_user_addr_fault(mm, 0, model::FAULT_FLAG_USER); });
  Spawn("truncate", [mm, file] { model::truncate_setsize(mm, file, model::PAGE_SIZE); });
  model::check_truncated_at_end(mm, file);
  model::check_mem_map_at_end(mm->mem_map);
}

constexpr const char* kQuestion =
    "Can fault-around map a page that a concurrent truncate cut off, and leave it mapped after "
    "truncate_setsize() returned?";

MMCHECK_SCENARIO("filemap/fault-around-vs-truncate", Expect::Pass(),
                 {.question = kQuestion, .spec = "S8", .protocol = "v6.12"}) {
  FaultAroundVsTruncate(Knobs{});
}

MMCHECK_SCENARIO("filemap/fault-around-vs-truncate~no-isize-check", Expect::Pass(),
                 {.question = "Without next_uptodate_folio()'s i_size checks (S8 twin A), does the "
                              "folio lock and truncation's unmapping still keep the cut page "
                              "unmapped?",
                  .spec = "S8",
                  .protocol = "v6.12"}) {
  FaultAroundVsTruncate(Knobs{.map_pages_checks_isize = false});
}

MMCHECK_SCENARIO("filemap/fault-around-vs-truncate@map-pages-folio-lock",
                 Expect::Violation(ViolationKind::kSleepInAtomic,
                                   "'fault' calls mutex_lock(folio_lock"),
                 {.question = "If filemap_map_pages() took folios with folio_lock() (S8 twin B), "
                              "would it sleep under RCU?",
                  .spec = "S8",
                  .protocol = "v6.12"}) {
  FaultAroundVsTruncate(Knobs{.map_pages_trylocks = false});
}

MMCHECK_SCENARIO("filemap/fault-around-vs-truncate~no-isize-check@no-later-unmap",
                 Expect::Violation(ViolationKind::kInvariant, "I-TRUNC-1"),
                 {.question = "Without the i_size checks and without the unmaps after the first "
                              "one, would a page the fault mapped stay mapped after truncate?",
                  .spec = "S8",
                  .protocol = "v6.12"}) {
  FaultAroundVsTruncate(Knobs{.map_pages_checks_isize = false,
                              .truncate_unmaps_folio = false,
                              .truncate_unmaps_again = false});
}

}  // namespace
}  // namespace mmcheck
