// Result: pass (v6.6+ merged protocol, and ~v2); @v6.4-arch, ~v2@no-unlocked-flag:
// violation:lock-misuse; @vma-after-retry: violation:use-after-free.
// Question: is a swap fault under the per-VMA lock safe against munmap when the folio is locked
// and the fault has to drop the lock and retry? (kernel-model.md S1)
// Threads: "fault" (a read fault at page 0, whose PTE is swap entry 0, with folio 1 in the swap
// cache: lock_vma_under_rcu, handle_mm_fault -> do_swap_page -> folio_lock_or_retry), "munmap"
// (munmap of the VMA: its zap frees the swap entry and tries to drop the folio from the swap
// cache) and "reclaim" (holds a reference and, for a while, the folio lock, as reclaim does; the
// checker found that a stand-in without the reference lets munmap free the folio under it).
// Kernel paths: mm/memory.c do_swap_page (v6.6), mm/filemap.c __folio_lock_or_retry,
// include/linux/mm.h release_fault_lock (1235ccd05b6d, 4089eef0e6ac), mm/swapfile.c
// free_swap_and_cache, arch/x86/mm/fault.c.
// Invariant I-MAP-1 at the end (refcounts of the swap-cache folio balance).
// Twins: A (@v6.4-arch) the v6.4 arch handler calls vma_end_read after the callee dropped the lock
// (double release, I-VMA-2); B (@vma-after-retry) do_swap_page reads vma->vm_mm after
// folio_lock_or_retry returned VM_FAULT_RETRY (I-VMA-1); under seed 002 v2 a callee that forgets
// VM_FAULT_VMA_UNLOCKED is released twice too.
#include <string>

#include "explorer/runtime/scenario.h"
#include "model/fault.h"
#include "model/oracle.h"
#include "model/vma.h"

namespace mmcheck {
namespace {

using model::Knobs;
using model::MmStruct;

void SwapFaultVsMunmap(Knobs knobs, unsigned int extra_fault_flags) {
  MmStruct* mm = Make<MmStruct>(knobs);
  mm->map(0, 2, model::VM_READ | model::VM_WRITE | model::VM_MAYWRITE)->anon_vma.store(true);
  // Page 0 was swapped out to slot 0; its folio is still in the swap cache, and reclaim holds a
  // reference (folio_isolate_lru) while it works on it.
  model::Folio* folio = mm->mem_map->folio_alloc_setup(1, 0, /*anon_exclusive=*/false);
  mm->mem_map->add_to_swap_cache_setup(folio, /*entry=*/0, /*count=*/1);
  mm->set_pte_setup(0, model::swp_entry_to_pte(0));
  Spawn("fault", [mm, extra_fault_flags] {
    model::do_user_addr_fault(mm, 0, model::FAULT_FLAG_USER | extra_fault_flags);
  });
  Spawn("munmap", [mm] { model::do_munmap(mm, 0, 2); });
  Spawn("reclaim", [folio] {
    model::folio_lock(folio);
    model::folio_unlock(folio);
    model::folio_put(folio);  // folio_putback_lru
  });
  model::check_mem_map_at_end(mm->mem_map);
}

MMCHECK_SCENARIO("swap/fault-vs-munmap", Expect::Pass(),
                 {.question = "Is a swap fault that drops the VMA lock to wait for the folio safe "
                              "against munmap?",
                  .spec = "S1",
                  .protocol = "v6.6"}) {
  SwapFaultVsMunmap(Knobs{}, 0);
}

MMCHECK_SCENARIO("swap/fault-vs-munmap@v6.4-arch",
                 Expect::Violation(ViolationKind::kLockMisuse,
                                   "up_read(vm_lock) without holding it"),
                 {.question = "Does the v6.4 arch handler release the VMA lock do_swap_page "
                              "dropped?",
                  .spec = "S1",
                  .protocol = "v6.4"}) {
  SwapFaultVsMunmap(Knobs{.fault_protocol = model::FaultProtocol::kV6_4}, 0);
}

MMCHECK_SCENARIO("swap/fault-vs-munmap@vma-after-retry",
                 Expect::Violation(ViolationKind::kUseAfterFree, "I-VMA-1"),
                 {.question = "If do_swap_page reads vma->vm_mm after the lock was dropped, is "
                              "that caught?",
                  .spec = "S1",
                  .protocol = "v6.6"}) {
  SwapFaultVsMunmap(Knobs{.swap_retry_leaves_vma_alone = false}, 0);
}

MMCHECK_SCENARIO("swap/fault-vs-munmap~v2", Expect::Pass(),
                 {.question = "Under seed 002 v2, does VM_FAULT_VMA_UNLOCKED keep the swap retry "
                              "balanced?",
                  .spec = "S1",
                  .protocol = "v2"}) {
  SwapFaultVsMunmap(Knobs{.fault_protocol = model::FaultProtocol::kV2}, 0);
}

MMCHECK_SCENARIO("swap/fault-vs-munmap~v2@no-unlocked-flag",
                 Expect::Violation(ViolationKind::kLockMisuse,
                                   "up_read(vm_lock) without holding it"),
                 {.question = "Under v2, is a swap retry that forgets VM_FAULT_VMA_UNLOCKED "
                              "released twice?",
                  .spec = "S1",
                  .protocol = "v2"}) {
  SwapFaultVsMunmap(
      Knobs{.fault_protocol = model::FaultProtocol::kV2, .v2_callee_sets_vma_unlocked = false}, 0);
}

// S18: FAULT_FLAG_RETRY_NOWAIT under the VMA lock.
MMCHECK_SCENARIO("swap/retry-nowait-vs-munmap", Expect::Pass(),
                 {.question = "Does sanitize_fault_flags keep RETRY_NOWAIT away from the VMA "
                              "lock?",
                  .spec = "S18",
                  .protocol = "v6.6"}) {
  SwapFaultVsMunmap(Knobs{}, model::FAULT_FLAG_RETRY_NOWAIT);
}

MMCHECK_SCENARIO("swap/retry-nowait-vs-munmap@allowed",
                 Expect::Violation(ViolationKind::kDeadlock,
                                   "'fault' waits in down_read for mmap_lock"),
                 {.question = "If RETRY_NOWAIT is let through, does the leaked VMA lock block "
                              "munmap forever?",
                  .spec = "S18",
                  .protocol = "v6.6"}) {
  SwapFaultVsMunmap(Knobs{.sanitize_rejects_vma_lock_nowait = false},
                    model::FAULT_FLAG_RETRY_NOWAIT);
}

}  // namespace
}  // namespace mmcheck
