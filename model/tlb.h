// The TLB and the mmu_gather (kernel-model.md 2.3 "TLB abstraction"; include/asm-generic/tlb.h,
// mm/mmu_gather.c, v6.12).
//
// The TLB is one record per mm page, standing for every CPU: when a present entry is cleared or
// loses its write bit, the old translation stays usable ("stale") until a flush of that mm's
// range. Freeing a folio a stale translation still points to is a use-after-free (the CPU could
// still write to the freed page). Flushes are not scheduling points: they change no state another
// thread reads, only the hardware's.
//
// The mmu_gather batches what a zap frees: the folios whose mappings were cleared are put only in
// tlb_finish_mmu, after the flush (tlb_flush_mmu: flush, then free the batched pages). The page
// tables free_pgtables unlinked go per arch (Knobs::arch): on x86 bare metal with the pages,
// after a flush IPI that waits for IRQ-off sections; on arm64 and an x86 KVM guest after an RCU
// grace period (MMU_GATHER_RCU_TABLE_FREE).
#ifndef MMCHECK_MODEL_TLB_H_
#define MMCHECK_MODEL_TLB_H_

#include <vector>

#include "model/folio.h"
#include "model/pgtable.h"

namespace mmcheck::model {

struct TlbEntry {
  bool stale = false;
  int pfn = -1;
  bool write = false;
};

// flush_tlb_range() / flush_tlb_mm(): every stale translation of the mm in [start, end) is gone.
void flush_tlb_range(MmStruct* mm, unsigned long start, unsigned long end);
// What a cleared or downgraded entry leaves behind until the next flush.
void tlb_mark_stale(MmStruct* mm, unsigned long address, const Entry& old);

struct MmuGather {
  MmStruct* mm;
  std::vector<Folio*> folios;           // __tlb_remove_folio_pages: put after the flush
  std::vector<PageTable*> tables;       // pte_free_tlb / pmd_free_tlb: freed after the flush
  unsigned long start = ~0ul, end = 0;  // the range to flush
};

// tlb_gather_mmu().
MmuGather tlb_gather_mmu(MmStruct* mm);
// tlb_remove_tlb_entry(): the address joins the range to flush.
void tlb_remove_tlb_entry(MmuGather* tlb, unsigned long address);
// __tlb_remove_folio_pages(): the folio's reference is dropped after the flush.
void tlb_remove_folio(MmuGather* tlb, Folio* folio);
// pte_free_tlb() / pmd_free_tlb(): the table is freed once no walker can see it.
void tlb_remove_table(MmuGather* tlb, PageTable* table);
// tlb_finish_mmu(): flush the range, put the batched folios, free the tables (see above).
void tlb_finish_mmu(MmuGather* tlb);

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_TLB_H_
