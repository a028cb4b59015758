// Result: pass (fb49c455323f: dup_mmap write-locks each parent VMA); @v6.4: violation:invariant.
// Question: can a parent thread's write fault under the per-VMA lock change an anonymous VMA's
// page tables while fork copies them? (kernel-model.md S4, bugzilla 217624)
// Threads: "fork" (dup_mmap of a private anonymous VMA [0, 2) with an anon_vma and an exclusive
// writable page at address 0: copy_pte_range write-protects it in both mms and duplicates the
// folio's mapping) and "fault" (a parent thread's write to address 1: lock_vma_under_rcu,
// do_anonymous_page; on a write-locked VMA it falls back to mmap_lock and waits for fork).
// Kernel paths: kernel/fork.c dup_mmap (v6.12 and v6.4), mm/memory.c copy_page_range,
// copy_pte_range, copy_present_ptes, lock_vma_under_rcu, do_anonymous_page.
// Checks: I-FORK-4 (no fault holds the source VMA's read lock while copy_page_range runs, checked
// as it copies) and, at the end, I-MAP-1 (the folio's mapcount and refcount count both mms).
// Twin (@v6.4): dup_mmap without vma_start_write(mpnt), as v6.4 shipped (copy_page_range then
// asserted only mmap_assert_write_locked, which fork holds): the fault's lock_vma_under_rcu
// succeeds during the copy and do_anonymous_page installs a page in the table fork is copying.
// Not modeled: the anon_vma variant (a VMA without anon_vma, whose fault would run
// __anon_vma_prepare under the VMA lock while fork copies). No merged kernel with per-VMA locks
// reaches it: v6.4 to v6.6 lock_vma_under_rcu() refuses an anonymous VMA without anon_vma (the
// fault takes mmap_lock and waits for fork), and from v6.7 vmf_anon_prepare() under the VMA lock
// returns VM_FAULT_RETRY (v6.10+: after a mmap_read_trylock, which fails while fork holds
// mmap_lock for writing; that path is S19's). It would also need the rmap (I-FORK-3), which the
// model does not have.
#include "explorer/runtime/scenario.h"
#include "model/fault.h"
#include "model/fork.h"
#include "model/oracle.h"

namespace mmcheck {
namespace {

using model::Knobs;

void ForkVsAnonFault(Knobs knobs) {
  model::MmStruct* parent = Make<model::MmStruct>(knobs);
  parent->map(0, 2, model::VM_READ | model::VM_WRITE | model::VM_MAYWRITE)
      ->anon_vma.store(true);
  model::Folio* folio = parent->mem_map->folio_alloc_setup(/*refcount=*/1, /*mapcount=*/1,
                                                           /*anon_exclusive=*/true);
  parent->map_page(0, folio, /*write=*/true);
  Spawn("fork", [parent] { model::dup_mmap(parent); });
  Spawn("fault", [parent] { model::user_access(parent, 1, /*write=*/true); });
  model::check_mem_map_at_end(parent->mem_map);
}

MMCHECK_SCENARIO("fork/fork-vs-anon-fault", Expect::Pass(),
                 {.question = "Does fork's vma_start_write keep per-VMA-lock faults off the "
                              "anonymous VMA it copies?",
                  .spec = "S4",
                  .protocol = "v6.12"}) {
  ForkVsAnonFault(Knobs{});
}

MMCHECK_SCENARIO("fork/fork-vs-anon-fault@v6.4",
                 Expect::Violation(ViolationKind::kInvariant, "I-FORK-4"),
                 {.question = "Without vma_start_write in dup_mmap (v6.4), does a per-VMA-lock "
                              "fault run while fork copies the VMA?",
                  .spec = "S4",
                  .protocol = "v6.4"}) {
  ForkVsAnonFault(Knobs{.dup_mmap_write_locks_vma = false});
}

}  // namespace
}  // namespace mmcheck
