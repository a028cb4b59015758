// The TLB record and the mmu_gather; see tlb.h. Mirrors mm/mmu_gather.c tlb_gather_mmu,
// __tlb_remove_folio_pages, tlb_remove_table, tlb_finish_mmu -> tlb_flush_mmu (flush, then free
// the batch), v6.12, for one TLB record standing for all CPUs; the flush and the table freeing per
// arch (Knobs::arch).
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
  const Knobs& knobs = tlb->mm->knobs;
  if (tlb->start < tlb->end) flush_tlb_range(tlb->mm, tlb->start, tlb->end);
  // x86 bare metal: flush_tlb_mm_range -> native_flush_tlb_multi, with info->freed_tables an
  // on_each_cpu_mask(..., wait = true) to every CPU of the mm, lazy ones included: it returns once
  // each has taken the IPI, so after every IRQ-off section (gup-fast) that was open when it was
  // sent. Modeled only where tables are freed (what waits for gup-fast; nothing else in the
  // model runs with interrupts off), with every thread standing for a CPU of the mm.
  const bool ipi = knobs.arch == Arch::kX86 && !tlb->tables.empty();
  if (ipi) SendIpiAndWait();
  for (Folio* folio : tlb->folios) folio_put(folio);
  tlb->folios.clear();
  for (PageTable* table : tlb->tables) {
    if (knobs.arch == Arch::kX86) {
      // native_tlb_remove_table -> tlb_remove_page: freed with the batch, after the IPI.
      table->lifetime.Free("tlb_remove_page, after the flush IPI");
    } else if (knobs.rcu_table_free) {
      // tlb_remove_table -> tlb_remove_table_rcu: after a grace period, which waits for RCU
      // walkers (pte_offset_map) and for IRQ-off ones (gup-fast) alike.
      CallRcu([table] { table->lifetime.Free("tlb_remove_table_rcu"); });
    } else {
      table->lifetime.Free("tlb_remove_table_free, without a grace period");
    }
  }
  tlb->tables.clear();
}

}  // namespace mmcheck::model
