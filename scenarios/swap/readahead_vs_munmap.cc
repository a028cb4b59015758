// Result: pass (v6.6+ merged protocol, and ~v2); @v6.4-arch, ~v2@no-unlocked-flag:
// violation:lock-misuse.
// Question: is a swap fault that has to read the page from the swap device (swapin_readahead
// adds a new folio to the swap cache, locked until the read completes, so folio_lock_or_retry
// usually drops the VMA lock and retries) safe against munmap? (kernel-model.md S1, 3.6 step 4)
// Threads: "fault" (a read fault at page 0, whose PTE is swap entry 0, with no folio in the swap
// cache: lock_vma_under_rcu, handle_mm_fault -> do_swap_page -> swapin_readahead ->
// folio_lock_or_retry, and on VM_FAULT_RETRY the mmap_lock path, which finds the folio in the swap
// cache), "munmap" (munmap of the VMA: its zap frees the swap entry and tries to drop the folio
// from the swap cache, which fails while the read holds the folio lock), and "swap I/O", spawned
// by the read (end_swap_bio_read: uptodate, then folio_unlock).
// Kernel paths: mm/memory.c do_swap_page (v6.6), mm/swap_state.c __read_swap_cache_async and
// mm/swapfile.c swapcache_prepare (v6.6), mm/page_io.c end_swap_bio_read, mm/filemap.c
// __folio_lock_or_retry, mm/swapfile.c free_swap_and_cache, arch/x86/mm/fault.c.
// Invariant I-MAP-1 at the end (the new folio is mapped once, or held by the swap cache alone).
// Twins: @v6.4-arch (the v6.4 arch handler calls vma_end_read after folio_lock_or_retry dropped the
// lock: double release, I-VMA-2; on this path the retry is the common case, not a race) and, under
// seed 002 v2, ~v2@no-unlocked-flag (the callee forgets VM_FAULT_VMA_UNLOCKED).
#include "explorer/runtime/scenario.h"
#include "model/fault.h"
#include "model/oracle.h"
#include "model/vma.h"

namespace mmcheck {
namespace {

using model::Knobs;
using model::MmStruct;

void SwapReadaheadVsMunmap(Knobs knobs) {
  MmStruct* mm = Make<MmStruct>(knobs);
  mm->map(0, 2, model::VM_READ | model::VM_WRITE | model::VM_MAYWRITE)->anon_vma.store(true);
  // Page 0 was swapped out to slot 0 and its folio reclaimed: only the device has the data.
  mm->mem_map->swap_map[0].store(1);
  mm->set_pte_setup(0, model::swp_entry_to_pte(0));
  Spawn("fault", [mm] { model::do_user_addr_fault(mm, 0, model::FAULT_FLAG_USER); });
  Spawn("munmap", [mm] { model::do_munmap(mm, 0, 2); });
  model::check_mem_map_at_end(mm->mem_map);
}

MMCHECK_SCENARIO("swap/readahead-vs-munmap", Expect::Pass(),
                 {.question = "Is a swap-in that reads from the device and retries while the read "
                              "holds the folio lock safe against munmap?",
                  .spec = "S1",
                  .protocol = "v6.6"}) {
  SwapReadaheadVsMunmap(Knobs{});
}

MMCHECK_SCENARIO("swap/readahead-vs-munmap@v6.4-arch",
                 Expect::Violation(ViolationKind::kLockMisuse,
                                   "up_read(vm_lock) without holding it"),
                 {.question = "Does the v6.4 arch handler release the VMA lock that "
                              "folio_lock_or_retry dropped while the read was in flight?",
                  .spec = "S1",
                  .protocol = "v6.4"}) {
  SwapReadaheadVsMunmap(Knobs{.fault_protocol = model::FaultProtocol::kV6_4});
}

MMCHECK_SCENARIO("swap/readahead-vs-munmap~v2", Expect::Pass(),
                 {.question = "Under seed 002 v2, does VM_FAULT_VMA_UNLOCKED keep the swap-in "
                              "retry balanced?",
                  .spec = "S1",
                  .protocol = "v2"}) {
  SwapReadaheadVsMunmap(Knobs{.fault_protocol = model::FaultProtocol::kV2});
}

MMCHECK_SCENARIO("swap/readahead-vs-munmap~v2@no-unlocked-flag",
                 Expect::Violation(ViolationKind::kLockMisuse,
                                   "up_read(vm_lock) without holding it"),
                 {.question = "Under v2, is a swap-in retry without VM_FAULT_VMA_UNLOCKED released "
                              "twice?",
                  .spec = "S1",
                  .protocol = "v2"}) {
  SwapReadaheadVsMunmap(
      Knobs{.fault_protocol = model::FaultProtocol::kV2, .v2_callee_sets_vma_unlocked = false});
}

}  // namespace
}  // namespace mmcheck
