// The mm state of kernel-model.md 2.1 and 2.2 that the VMA-lock protocol needs: mm_struct with
// mmap_lock, mm_lock_seq and the VMA tree, and vm_area_struct with the per-VMA lock.
//
// Mirrors include/linux/mm_types.h (v6.6 to v6.12: `struct vma_lock` allocated beside the VMA,
// an int vm_lock_seq and mm_lock_seq, a bool detached). The page tables (pgtable.h), the folios
// (folio.h) and the TLB record (tlb.h) hang off the mm. Left out: the anon_vma object and the
// rmap (only "vma->anon_vma is set"), vm_ops (every VMA is anonymous until the pfnmap issue),
// RSS counters. Addresses are page numbers 0..7 (the small geometry of 2.3). The maple tree is
// one RCU-published slot per page: a lookup is one atomic read, so an RCU reader sees the old or
// the new VMA for its page.
#ifndef MMCHECK_MODEL_MM_TYPES_H_
#define MMCHECK_MODEL_MM_TYPES_H_

#include <string>
#include <vector>

#include "explorer/api.h"
#include "explorer/lifetime.h"
#include "model/folio.h"
#include "model/pgtable.h"
#include "model/protocol.h"
#include "model/tlb.h"

namespace mmcheck::model {

inline constexpr int kPages = 8;

// vm_flags bits (include/linux/mm.h).
inline constexpr unsigned long VM_READ = 0x1;
inline constexpr unsigned long VM_WRITE = 0x2;
inline constexpr unsigned long VM_SHARED = 0x8;
inline constexpr unsigned long VM_MAYWRITE = 0x20;
inline constexpr unsigned long VM_MAYSHARE = 0x80;
inline constexpr unsigned long VM_UFFD_MISSING = 0x200;
inline constexpr unsigned long VM_NORESERVE = 0x00200000;
inline constexpr unsigned long VM_HUGETLB = 0x00400000;

struct UserfaultfdCtx;
struct ResvMap;

struct MmStruct;

struct Vma {
  Vma(MmStruct* mm, unsigned long start, unsigned long end, unsigned long flags);

  MmStruct* const vm_mm;
  const unsigned long vm_start;  // layout fields: only changed under every lock; not yet modeled
  const unsigned long vm_end;
  Shared<unsigned long> vm_flags;      // written with the VMA write-locked (vm_flags_reset)
  Shared<unsigned long> vm_page_prot;  // derived from vm_flags (vma_set_page_prot), same locking
  // vma->vm_userfaultfd_ctx.ctx: changed with the VMA write-locked (registration, release).
  Shared<UserfaultfdCtx*> vm_userfaultfd_ctx;
  // vma->vm_private_data of a hugetlb VMA: the resv_map of a private mapping that owns its
  // reservation (HPAGE_RESV_OWNER), else nullptr. Set up at mmap time, never changed here.
  ResvMap* vm_private_data = nullptr;
  // vma->anon_vma != NULL. Set once, under mmap_lock (read) and page_table_lock, by
  // __anon_vma_prepare; read locklessly first by the fault path (a word-sized read, modeled
  // atomic).
  Atomic<bool> anon_vma;
  RwSemaphore vm_lock;        // vma->vm_lock->lock
  Atomic<int> vm_lock_seq;    // READ_ONCE/WRITE_ONCE
  Shared<bool> detached;      // written with the VMA write-locked, read under vm_lock
  Atomic<int> vm_lock_count;  // the rwsem's count word, touched by up_read after release
  std::string name;           // "VMA [0, 2)"
  Lifetime lifetime;          // vm_area_alloc .. the vm_area_free (RCU) callback
};

struct MmStruct {
  // A new mm; `mem_map` is shared with the mms it forks (nullptr: a fresh one).
  explicit MmStruct(Knobs knobs, MemMap* mem_map = nullptr);

  Knobs knobs;
  MemMap* mem_map;
  RwSemaphore mmap_lock;
  Atomic<int> mm_lock_seq;
  SpinLock page_table_lock;
  std::vector<Atomic<Vma*>> mm_mt;  // the VMA tree, a slot per page
  std::vector<Vma*> vmas;           // every VMA ever allocated (the scenario owns them)
  PageTable* pud_table;             // pgd_offset + p4d_offset folded: always populated
  std::vector<TlbEntry> tlb;        // by page: the stale translations not yet flushed

  // Setup only (no scheduling point): vm_area_alloc + insert, as mmap() would leave it.
  Vma* map(unsigned long start, unsigned long end, unsigned long flags);
  // Setup only: page tables down to `address` and a PTE mapping `folio` there, as an earlier
  // fault would have left them.
  void map_page(unsigned long address, Folio* folio, bool write);
  // Setup only: page tables down to `address` and `pte` there (a swap or migration entry).
  void set_pte_setup(unsigned long address, Entry pte);
};

// vm_get_page_prot(): the model keeps the flags themselves as the protection value.
unsigned long vm_get_page_prot(unsigned long vm_flags);

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_MM_TYPES_H_
