// Result: pass (v6.6+ merged, and ~v2 with the wait under the lock as v7 merged);
// @migrator-needs-mmap-lock: violation:deadlock; @no-anon-unlink: violation:use-after-free; ~v2@seed-4of6 and ~v2@vma-after-unlock:
// violation:use-after-free.
// Question: may a fault wait for a migration entry with the VMA lock held while munmap runs?
// (kernel-model.md S16)
// Threads: "fault" (a read fault at page 0, whose PTE is a migration entry for folio 1:
// handle_mm_fault -> do_swap_page -> migration_entry_wait, which sleeps until the folio is
// unlocked, still holding the VMA read lock), "munmap" (munmap of the VMA: vma_start_write waits
// for the fault) and "migrator" (holds folio 1 locked, then restores the PTE to the copy, folio 2,
// and unlocks).
// Kernel paths: mm/memory.c do_swap_page and mm/migrate.c migration_entry_wait,
// migration_entry_wait_on_locked, remove_migration_pte (v6.6); the seed 002 v2 4/6 patch for the
// ~v2 variants.
// The migrator's rmap walk holds the anon_vma lock, which munmap's free_pgtables takes to unlink
// the VMA before it frees the tables; @no-anon-unlink leaves the VMA on the anon_vma, and the walk
// reads the freed PMD table.
// Twins: B (@migrator-needs-mmap-lock) the migrator takes mmap_lock for read before it unlocks
// the folio: munmap holds mmap_lock for write and waits for the fault's VMA lock, the fault waits
// for the folio, the migrator waits behind munmap (I-DEAD-1, I-VMA-6; why device-private entries
// fall back instead of waiting). A (~v2@vma-after-unlock) the v2 path drops the VMA lock before
// waiting but then reads vma->vm_mm instead of the saved mm (I-VMA-1).
// ~v2@seed-4of6 is the seed's patch as posted (lore 20230609005158.2421285-5, "mm: drop VMA lock
// before waiting for migration"): it saves mm, but then calls migration_entry_wait(mm, vmf->pmd,
// vmf->address) after vma_end_read. vmf->pmd points into the PMD table; with the VMA lock gone,
// munmap's vma_start_write no longer waits, and its free_pgtables (mm/vma.c vms_clear_ptes, v6.12;
// the same free_pgtables in v6.4's unmap_region) frees that table (on x86 right after the flush
// IPI; RCU-delayed on arm64, where the fault holds no RCU section until __pte_offset_map's
// rcu_read_lock). So pmdp_get_lockless(vmf->pmd) can
// read a freed table: use-after-free [I: argued from those lines, found by the checker, not
// reported upstream; the patch was not part of the merged v7].
#include <string>

#include "explorer/runtime/scenario.h"
#include "model/fault.h"
#include "model/migrate.h"
#include "model/mmap_lock.h"
#include "model/oracle.h"
#include "model/vma.h"

namespace mmcheck {
namespace {

using model::Knobs;
using model::MmStruct;

void MigrationWaitVsMunmap(Knobs knobs) {
  MmStruct* mm = Make<MmStruct>(knobs);
  model::Vma* vma = mm->map(0, 2, model::VM_READ | model::VM_WRITE | model::VM_MAYWRITE);
  vma->anon_vma.store(true);
  // try_to_migrate() has replaced the PTE of folio 1 by a migration entry; migration holds a
  // reference on both folios (and, from its first step, the lock of folio 1).
  model::Folio* src = mm->mem_map->folio_alloc_setup(1, 0, /*anon_exclusive=*/true);
  model::Folio* dst = mm->mem_map->folio_alloc_setup(1, 0, /*anon_exclusive=*/true);
  mm->set_pte_setup(0, model::make_migration_entry(src->pfn, /*writable=*/true));
  Spawn("fault", [mm] { model::do_user_addr_fault(mm, 0, model::FAULT_FLAG_USER); });
  Spawn("munmap", [mm] { model::do_munmap(mm, 0, 2); });
  Spawn("migrator", [mm, vma, src, dst] {
    model::folio_lock(src);
    if (mm->knobs.migrator_takes_mmap_lock) model::mmap_read_lock(mm);
    model::remove_migration_ptes_and_unlock(mm, vma, 0, src, dst);
    if (mm->knobs.migrator_takes_mmap_lock) model::mmap_read_unlock(mm);
  });
  model::check_mem_map_at_end(mm->mem_map);
}

MMCHECK_SCENARIO("swap/migration-wait-vs-munmap", Expect::Pass(),
                 {.question = "May a fault wait on a migration entry with the VMA lock held while "
                              "munmap runs?",
                  .spec = "S16",
                  .protocol = "v6.6"}) {
  MigrationWaitVsMunmap(Knobs{});
}

MMCHECK_SCENARIO("swap/migration-wait-vs-munmap@migrator-needs-mmap-lock",
                 Expect::Violation(ViolationKind::kDeadlock,
                                   "'fault' waits in wait_unlocked for folio_lock"),
                 {.question = "If the migrator needed mmap_lock, would the fault's wait under the "
                              "VMA lock deadlock?",
                  .spec = "S16",
                  .protocol = "v6.6"}) {
  MigrationWaitVsMunmap(Knobs{.migrator_takes_mmap_lock = true});
}

MMCHECK_SCENARIO("swap/migration-wait-vs-munmap@no-anon-unlink",
                 Expect::Violation(ViolationKind::kUseAfterFree, "PMD table [0, 4)"),
                 {.question = "If munmap's free_pgtables did not take the VMA off its anon_vma "
                              "first, would the migrator's rmap walk read a freed page table?",
                  .spec = "S16",
                  .protocol = "v6.6"}) {
  MigrationWaitVsMunmap(Knobs{.free_pgtables_unlinks_anon = false});
}

MMCHECK_SCENARIO("swap/migration-wait-vs-munmap~v2", Expect::Pass(),
                 {.question = "Under seed 002 v2's protocol, is the migration wait with the VMA "
                              "lock held safe?",
                  .spec = "S16",
                  .protocol = "v2"}) {
  MigrationWaitVsMunmap(Knobs{.fault_protocol = model::FaultProtocol::kV2});
}

MMCHECK_SCENARIO("swap/migration-wait-vs-munmap~v2@seed-4of6",
                 Expect::Violation(ViolationKind::kUseAfterFree,
                                   "while thread 'fault' reads an entry of it"),
                 {.question = "Does seed 002 v2 4/6, which drops the VMA lock before the "
                              "migration wait, still use the page table?",
                  .spec = "S16",
                  .protocol = "v2"}) {
  MigrationWaitVsMunmap(
      Knobs{.fault_protocol = model::FaultProtocol::kV2, .v2_migration_drops_vma_lock = true});
}

MMCHECK_SCENARIO("swap/migration-wait-vs-munmap~v2@vma-after-unlock",
                 Expect::Violation(ViolationKind::kUseAfterFree, "I-VMA-1"),
                 {.question = "Under v2, is reading vma->vm_mm after the drop caught?",
                  .spec = "S16",
                  .protocol = "v2"}) {
  MigrationWaitVsMunmap(Knobs{.fault_protocol = model::FaultProtocol::kV2,
                              .swap_retry_leaves_vma_alone = false,
                              .v2_migration_drops_vma_lock = true});
}

}  // namespace
}  // namespace mmcheck
