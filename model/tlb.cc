// The TLB record and the mmu_gather; see tlb.h. Mirrors mm/mmu_gather.c tlb_gather_mmu,
// __tlb_remove_folio_pages, tlb_remove_table, tlb_finish_mmu -> tlb_flush_mmu (flush, then free
// the batch), v6.12, for one CPU standing for all.
#include "model/tlb.h"

#include <algorithm>

#include "model/mm_types.h"

namespace mmcheck::model {

// The TLB record is ghost state: each change is declared (GhostWrite) so that an invariant that
// observes "tlb" (I-PT-7) sees every order of its changes.
void flush_tlb_range(MmStruct* mm, unsigned long start, unsigned long end) {
  for (unsigned long p = start; p < end && p < mm->tlb.size(); ++p) mm->tlb[p] = TlbEntry{};
  GhostWrite("tlb");
}

void tlb_mark_stale(MmStruct* mm, unsigned long address, const Entry& old) {
  mm->tlb[address] = TlbEntry{true, old.val, old.write};
  GhostWrite("tlb");
}

MmuGather tlb_gather_mmu(MmStruct* mm) { return MmuGather{mm, {}, {}}; }

void tlb_remove_tlb_entry(MmuGather* tlb, unsigned long address) {
  tlb->start = std::min(tlb->start, address);
  tlb->end = std::max(tlb->end, address + 1);
}

void tlb_remove_folio(MmuGather* tlb, Folio* folio) { tlb->folios.push_back(folio); }

void tlb_remove_table(MmuGather* tlb, PageTable* table) {
  tlb->start = std::min(tlb->start, table->first_page);
  tlb->end = std::max(tlb->end, table->first_page + PTRS_PER_TABLE * table->pages_per_entry());
  tlb->tables.push_back(table);
}

void tlb_finish_mmu(MmuGather* tlb) {
  if (tlb->start < tlb->end) flush_tlb_range(tlb->mm, tlb->start, tlb->end);
  for (Folio* folio : tlb->folios) folio_put(folio);
  tlb->folios.clear();
  // tlb_remove_table_rcu: the tables are freed after a grace period, so a walker inside
  // rcu_read_lock (pte_offset_map) or with IRQs off (gup-fast) never sees one freed under it.
  // Knob rcu_table_free off: freed here, as if neither the grace period nor the IPI of
  // tlb_remove_table_sync_one() held them back (S9 (b) twin C).
  for (PageTable* table : tlb->tables) {
    if (tlb->mm->knobs.rcu_table_free) {
      CallRcu([table] { table->lifetime.Free("tlb_remove_table_rcu"); });
    } else {
      table->lifetime.Free("tlb_remove_table_free, without a grace period");
    }
  }
  tlb->tables.clear();
}

}  // namespace mmcheck::model
