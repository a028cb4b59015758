// A driver's migrate_to_ram; see migrate_device.h.
#include "model/migrate_device.h"

#include "model/migrate.h"
#include "model/mmap_lock.h"

namespace mmcheck::model {

vm_fault_t migrate_to_ram(Vma* vma, unsigned long address, PageTable* pmd, Folio* page) {
  MmStruct* mm = vma->vm_mm;
  // walk_page_range(): mmap_assert_locked(walk.mm) for a PGWALK_RDLOCK walk. This is why
  // do_swap_page falls back: "migrate_to_ram is not yet ready to operate under VMA lock".
  mmap_assert_locked(mm,
                     "walks the page tables in migrate_vma_setup (walk_page_range, "
                     "PGWALK_RDLOCK)");
  // migrate_vma_collect_pmd().
  PageTable* pte = pte_offset_map_lock(pmd, address);
  if (pte == nullptr) return 0;
  const Entry entry = ptep_get(pte, address);
  if (entry.kind != EntryKind::kDevicePrivate || entry.val != page->pfn) {
    pte_unmap_unlock(pte);
    return 0;  // args.cpages == 0: nothing to migrate
  }
  folio_get(page);
  if (!folio_trylock(page)) {
    pte_unmap_unlock(pte);
    folio_put(page);
    return 0;
  }
  ptep_get_and_clear(pte, address);
  set_entry(pte, address, make_migration_entry(page->pfn, entry.write));
  folio_remove_rmap_pte(page);  // page_remove_rmap
  folio_put(page);              // the mapping's reference
  pte_unmap_unlock(pte);
  // dmirror_devmem_fault_alloc_and_copy(): alloc_page_vma, copy from device memory.
  Folio* dpage = mm->mem_map->folio_alloc();
  dpage->anon.write(true);
  // migrate_vma_pages(), migrate_vma_finalize(): the migration entry becomes a PTE for dpage;
  // src is unlocked and its isolation reference put.
  remove_migration_ptes_and_unlock(mm, vma, address, page, dpage);
  return 0;
}

}  // namespace mmcheck::model
