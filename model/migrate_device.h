// Device-private memory (mm/migrate_device.c, v6.6): a driver's ->migrate_to_ram(), which
// do_swap_page calls for a device-private entry, as lib/test_hmm.c's dmirror_devmem_fault does it
// (migrate_vma_setup, alloc and copy, migrate_vma_pages, migrate_vma_finalize), for one page.
#ifndef MMCHECK_MODEL_MIGRATE_DEVICE_H_
#define MMCHECK_MODEL_MIGRATE_DEVICE_H_

#include "model/fault.h"
#include "model/mm_types.h"

namespace mmcheck::model {

// The caller holds mmap_lock (read) and a reference to `page`, the device-private folio the PTE
// at `address` pointed to. Steps (v6.6):
// 1. migrate_vma_setup -> migrate_vma_collect -> walk_page_range, whose PGWALK_RDLOCK asserts
//    mmap_lock is held (process_mm_walk_lock: mmap_assert_locked).
// 2. migrate_vma_collect_pmd, under the PTL: the entry must still be this page's device-private
//    entry (else nothing is collected: return 0, the access retries); get_page; trylock_page
//    (fails: skip); replace the entry by a migration entry; page_remove_rmap; put_page.
// 3. Allocate the system page and copy (dmirror_devmem_fault_alloc_and_copy).
// 4. migrate_vma_pages + migrate_vma_finalize: remove_migration_ptes(src, dst), unlock and put
//    src.
vm_fault_t migrate_to_ram(Vma* vma, unsigned long address, PageTable* pmd, Folio* page);

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_MIGRATE_DEVICE_H_
