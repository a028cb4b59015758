// Result: pass; @unconditional-ref: violation:use-after-free.
// Question: can a swap fault's swap-cache lookup take a reference on a folio that reclaim is
// freeing at the same moment? (issue 16, item 4: the model's lookup took an unconditional
// reference on whatever it loaded, where the kernel uses folio_try_get and re-checks the slot.)
// Threads: "fault" (a read fault at page 0, whose PTE is swap entry 0, with the entry's clean,
// unmapped folio in the swap cache: lock_vma_under_rcu, handle_mm_fault -> do_swap_page ->
// swapin_readahead, whose filemap_get_folio finds the folio or, once reclaim took it, reads the
// page back from the device) and "reclaim" (shrink_folio_list of that folio: isolation's
// reference, folio_trylock, __remove_mapping's folio_ref_freeze(folio, 2), out of the swap cache,
// put_swap_folio, unlock, free).
// Kernel paths (v6.12): mm/filemap.c filemap_get_entry (folio_try_get, xas_reload); mm/vmscan.c
// shrink_folio_list, __remove_mapping; mm/swap_state.c __delete_from_swap_cache,
// __read_swap_cache_async; mm/memory.c do_swap_page.
// Why it passes: the freeze succeeds only with no reference but reclaim's and the cache's, and
// once it has, the lookup's folio_try_get fails on the zero refcount; a lookup whose try won
// first makes the freeze fail and reclaim gives up. I-MAP-1 at the end: the page is mapped once,
// by the folio the fault found or by the one it read in.
// Twin (@unconditional-ref, no kernel: the model before the fix): the lookup's folio_get lands on
// the folio reclaim has frozen (0 -> 1), reclaim frees it anyway, and the fault goes on to wait
// for the lock of the freed folio.
#include "explorer/runtime/scenario.h"
#include "model/fault.h"
#include "model/oracle.h"
#include "model/swap_state.h"

namespace mmcheck {
namespace {

using model::Knobs;
using model::MmStruct;

void ReclaimVsSwapin(Knobs knobs) {
  MmStruct* mm = Make<MmStruct>(knobs);
  mm->map(0, 2, model::VM_READ | model::VM_WRITE | model::VM_MAYWRITE)->anon_vma.store(true);
  // Page 0 was swapped out to slot 0; its clean folio is still in the swap cache, unmapped, with
  // the cache's reference alone.
  model::Folio* folio = mm->mem_map->folio_alloc_setup(0, 0, /*anon_exclusive=*/false);
  mm->mem_map->add_to_swap_cache_setup(folio, /*entry=*/0, /*count=*/1);
  mm->set_pte_setup(0, model::swp_entry_to_pte(0));
  Spawn("fault", [mm] { model::do_user_addr_fault(mm, 0, model::FAULT_FLAG_USER); });
  Spawn("reclaim",
        [mm, folio] { model::reclaim_swapcache_folio(mm->mem_map, folio, /*entry=*/0); });
  model::check_mem_map_at_end(mm->mem_map);
}

MMCHECK_SCENARIO("swap/reclaim-vs-swapin", Expect::Pass(),
                 {.question = "Does the swap-cache lookup's folio_try_get keep a swap fault off a "
                              "folio reclaim is freeing?",
                  .spec = "",
                  .protocol = "v6.12"}) {
  ReclaimVsSwapin(Knobs{.swapin_allocates_once = true});
}

MMCHECK_SCENARIO("swap/reclaim-vs-swapin@unconditional-ref",
                 Expect::Violation(ViolationKind::kUseAfterFree,
                                   "'reclaim' frees folio 1 (shrink_folio_list"),
                 {.question = "If the lookup took an unconditional reference on the folio it "
                              "loaded, would it land on a folio reclaim freed?",
                  .spec = "",
                  .protocol = "v6.12"}) {
  ReclaimVsSwapin(Knobs{.swap_lookup_try_get = false, .swapin_allocates_once = true});
}

}  // namespace
}  // namespace mmcheck
