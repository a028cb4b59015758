// Result: pass; @rdlock-walk: violation:invariant (I-VMA-4); ~no-move: pass;
// ~no-move@skipped-vma-unlocked: violation:use-after-free (the replaced mempolicy).
// Question (S20): mbind() changes a VMA's policy and, with MPOL_MF_MOVE, walks its page tables to
// queue the pages to move, all under mmap_lock for writing; a fault under the per-VMA lock does
// not take mmap_lock. Can such a fault insert a page the walk never queues, or read the policy
// mbind replaces and frees?
// Threads: "mbind" (do_mbind(MPOL_BIND, node 1) over an anonymous VMA [0, 2): mmap_write_lock,
// queue_pages_range (walk_page_range with PGWALK_WRLOCK: vma_start_write first), mbind_range ->
// vma_replace_policy, mmap_write_unlock, the queued pages moved) and "fault" (a write fault at
// page 1, none, under the VMA lock: do_anonymous_page allocates by the VMA's policy). Setup: page
// 0 present on node 0; the VMA has the default policy (~no-move: a policy of its own, node 0,
// which mbind replaces and frees).
// Kernel paths (v6.12): mm/mempolicy.c do_mbind, queue_pages_range, queue_pages_test_walk,
// queue_folios_pte_range, mbind_range, vma_replace_policy, vma_alloc_folio; mm/pagewalk.c
// walk_page_range, process_vma_walk_lock; mm/memory.c do_anonymous_page.
// Why it passes: the walk write-locks the VMA (49b0638502da), so the fault either finished before
// (its page is then on node 0 and present, and the walk queues it) or fails lock_vma_under_rcu and
// waits for mmap_lock behind mbind, after which it allocates by the new policy (node 1); the
// policy is replaced with the VMA write-locked (6c21e066f925 asserts it), so no fault reads it
// meanwhile. I-VMA-4 at the end: every page of the VMA is on node 1 or was queued; I-MAP-1.
// ~no-move: mbind without MPOL_MF_MOVE, which only replaces the policy: queue_pages_test_walk()
// skips the VMA, and v6.12's walk_page_range write-locks it before asking (8b9c1cc0418a).
// @rdlock-walk (S20 twin A, before 49b0638502da, v6.4: PGWALK_RDLOCK, and no lock or assert in
// vma_replace_policy): the walk locks no VMA; the fault inserts page 1 on node 0 after the walk
// passed it.
// ~no-move@skipped-vma-unlocked (S20 twin B, 49b0638502da until 8b9c1cc0418a, v6.5-rc): the walk
// locks a VMA only once test_walk() accepts it, so the skipped VMA is not write-locked while
// vma_replace_policy() stores the new policy and frees the old, which the fault read and then
// uses: the use-after-free 6c21e066f925 describes. (kernel-model.md's
// twin B has the walk abort after a first VMA; a VMA the walk skips is the same gap, and the one
// 8b9c1cc0418a names.)
#include "explorer/runtime/scenario.h"
#include "model/fault.h"
#include "model/mempolicy.h"
#include "model/oracle.h"

namespace mmcheck {
namespace {

using model::Knobs;

// `flags` 0: mbind only replaces the policy, and the VMA has one of its own to replace.
void MbindVsFault(Knobs knobs, unsigned long flags) {
  model::MmStruct* mm = Make<model::MmStruct>(knobs);
  model::Vma* vma = mm->map(0, 2, model::VM_READ | model::VM_WRITE | model::VM_MAYWRITE);
  vma->anon_vma.store(true);  // an earlier fault prepared it
  model::vma_set_policy_setup(
      vma, flags & model::MPOL_MF_MOVE ? nullptr : Make<model::Mempolicy>(0));
  mm->map_page(0, mm->mem_map->folio_alloc_setup(1, 1, true), true);  // page 0, node 0
  Spawn("mbind", [mm, flags] { model::do_mbind(mm, 0, 2, 1, flags); });
  Spawn("fault", [mm] {
    model::do_user_addr_fault(mm, 1, model::FAULT_FLAG_USER | model::FAULT_FLAG_WRITE);
  });
  if (flags & model::MPOL_MF_MOVE) model::check_mbind_at_end(mm, 0, 2, 1);
  model::check_mem_map_at_end(mm->mem_map);
}

MMCHECK_SCENARIO("mempolicy/mbind-vs-fault", Expect::Pass(),
                 {.question = "Can a VMA-locked fault insert a page that mbind(MPOL_MF_MOVE)'s "
                              "page walk never queues?",
                  .spec = "S20",
                  .protocol = "v6.12"}) {
  MbindVsFault(Knobs{}, model::MPOL_MF_MOVE);
}

MMCHECK_SCENARIO("mempolicy/mbind-vs-fault@rdlock-walk",
                 Expect::Violation(ViolationKind::kInvariant, "I-VMA-4"),
                 {.question = "With the walk under PGWALK_RDLOCK (before 49b0638502da), does the "
                              "fault insert a page the walk misses?",
                  .spec = "S20",
                  .protocol = "v6.4"}) {
  MbindVsFault(Knobs{.mbind_walk_write_locks = false, .walk_locks_skipped_vmas = false},
               model::MPOL_MF_MOVE);
}

MMCHECK_SCENARIO("mempolicy/mbind-vs-fault~no-move", Expect::Pass(),
                 {.question = "Does mbind without MPOL_MF_MOVE, whose walk skips the VMA, still "
                              "keep a VMA-locked fault off the policy it replaces?",
                  .spec = "S20",
                  .protocol = "v6.12"}) {
  MbindVsFault(Knobs{}, 0);
}

MMCHECK_SCENARIO("mempolicy/mbind-vs-fault~no-move@skipped-vma-unlocked",
                 Expect::Violation(ViolationKind::kUseAfterFree,
                                   "'fault' folio_alloc_mpol reads the mempolicy"),
                 {.question = "If the walk locked only the VMAs test_walk() accepts (49b0638502da "
                              "until 8b9c1cc0418a), would the fault use the freed old policy?",
                  .spec = "S20",
                  .protocol = "v6.4"}) {
  MbindVsFault(Knobs{.walk_locks_skipped_vmas = false}, 0);
}

}  // namespace
}  // namespace mmcheck
