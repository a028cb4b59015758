// The migrator's side; see migrate.h. Mirrors mm/migrate.c remove_migration_pte (v6.6 to v6.12:
// page_vma_mapped_walk finds the migration entry under the PTL, the new PTE keeps the entry's
// write bit, folio_add_anon_rmap_pte) and migrate_folio_done / folio_unlock.
#include "model/migrate.h"

namespace mmcheck::model {

void remove_migration_ptes_and_unlock(MmStruct* mm, Vma* vma, unsigned long address, Folio* src,
                                      Folio* dst) {
  // rmap_walk_anon(): anon_vma_lock_read(anon_vma), then each VMA still on its interval tree.
  mm->anon_vma_lock.down_read();
  const Entry pud = vma->anon_vma_unlinked ? Entry{} : ptep_get(pud_table(mm), address);
  PageTable* pte = nullptr;
  if (pud.kind == EntryKind::kTable) pte = pte_offset_map_lock(entry_table(pud), address);
  bool restored = false;
  if (pte != nullptr) {
    const Entry entry = ptep_get(pte, address);
    if (entry.kind == EntryKind::kMigration && entry.val == src->pfn) {
      Entry now = pte_mkyoung(mk_pte(dst->pfn));
      if (entry.write) now = pte_mkwrite(now);
      dst->lifetime.Use("folio_add_anon_rmap_pte");
      dst->_mapcount.fetch_add(1);
      set_entry(pte, address, now);
      restored = true;
    }
    pte_unmap_unlock(pte);
  }
  mm->anon_vma_lock.up_read();  // anon_vma_unlock_read()
  folio_unlock(src);
  folio_put(src);                 // the isolation reference: src is unmapped, so this frees it
  if (!restored) folio_put(dst);  // nothing maps the copy: migration gives it back
}

}  // namespace mmcheck::model
