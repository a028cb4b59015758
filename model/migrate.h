// mm/migrate.c (v6.6 to v6.12): the migrator's side of a folio migration, for the
// migration-entry scenarios (kernel-model.md S16).
#ifndef MMCHECK_MODEL_MIGRATE_H_
#define MMCHECK_MODEL_MIGRATE_H_

#include "model/mm_types.h"

namespace mmcheck::model {

// The end of migrate_pages() for one anonymous folio `src` mapped at `address` of `mm`, whose PTE
// try_to_migrate() already replaced by a migration entry and whose contents are copied to `dst`:
// remove_migration_ptes() (the PTE, if it is still that migration entry, now maps `dst`; under
// the PTL), then folio_unlock(src), which wakes the faults waiting in migration_entry_wait, and
// the put of `src`. The caller holds `src` locked and a reference to each folio.
//
// The rmap walk (rmap_walk_anon) holds the mm's anon_vma lock for reading and visits `vma` only
// if it is still on the anon_vma (munmap's free_pgtables unlinks it under the lock for writing
// before it frees the tables), so it never meets a freed table. (The model walked under
// rcu_read_lock before, which held only where tables are freed after RCU: not on x86 bare metal.)
void remove_migration_ptes_and_unlock(MmStruct* mm, Vma* vma, unsigned long address, Folio* src,
                                      Folio* dst);

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_MIGRATE_H_
