// mm/memory.c (v6.12): the VMA lookup of the fault path, handle_mm_fault and its anonymous-memory
// paths (do_anonymous_page, do_wp_page), the driver paths of a VMA with vm_ops (->huge_fault at
// the PUD and PMD levels, do_fault -> ->fault, vmf_insert_pfn), and the zap path
// (zap_page_range_single, unmap_vmas, free_pgtables, unmap_mapping_range).
#ifndef MMCHECK_MODEL_MEMORY_H_
#define MMCHECK_MODEL_MEMORY_H_

#include "model/fault.h"
#include "model/mm_types.h"
#include "model/tlb.h"

namespace mmcheck::model {

// struct vm_fault (include/linux/mm.h), the part the model uses.
struct VmFault {
  Vma* vma = nullptr;
  unsigned long address = 0;  // the faulting address (a page number, not aligned)
  unsigned int flags = 0;
  PageTable* pmd = nullptr;  // the PMD table (vmf->pmd points into it)
  PageTable* pte = nullptr;  // the PTE table while mapped (vmf->pte), else nullptr
  Entry orig_pte{};
  unsigned long pgoff = 0;   // linear_page_index(vma, address)
  PageTable* pud = nullptr;  // the PUD table (vmf->pud points into it)
  Entry orig_pmd{};          // vmf->orig_pmd
  Folio* page = nullptr;     // vmf->page: the (order-0) folio ->fault returned locked
};

// lock_vma_under_rcu() (mm/memory.c, v6.12 order; kernel-model.md 3.2): under RCU, look the
// address up, vma_start_read() it, retry if it was detached, bail out if the address is not in
// it. Returns the VMA read-locked, or nullptr (take the mmap_lock path).
Vma* lock_vma_under_rcu(MmStruct* mm, unsigned long address);

// find_vma() under mmap_lock: the VMA containing the address, or nullptr (one tree read).
Vma* find_vma(MmStruct* mm, unsigned long address);
// find_vma_intersection() under mmap_lock: the first VMA in [start, end), or nullptr (a tree read
// per page up to it).
Vma* find_vma_intersection(MmStruct* mm, unsigned long start, unsigned long end);

// handle_mm_fault() (kernel-model.md 3.3): sanitize_fault_flags, then __handle_mm_fault: walk and
// allocate down to the PMD, then handle_pte_fault, which dispatches to do_anonymous_page (no PTE),
// do_wp_page (a write to a read-only PTE) or marks the PTE young/dirty. The caller holds the
// VMA's read lock (FAULT_FLAG_VMA_LOCK) or mmap_lock; under the merged protocol the callee drops
// the VMA lock when it returns VM_FAULT_RETRY or VM_FAULT_COMPLETED, and after that the VMA is
// not touched again.
vm_fault_t handle_mm_fault(Vma* vma, unsigned long address, unsigned int flags);

// vmf_insert_pfn() -> insert_pfn() (mm/memory.c v6.12): get_locked_pte (walk_to_pmd allocates;
// pte_alloc_map_lock, nullptr if the PMD became a huge leaf meanwhile -> VM_FAULT_OOM); if the
// PTE is none, set a special PTE for `pfn` with vma->vm_page_prot; VM_FAULT_NOPAGE.
vm_fault_t vmf_insert_pfn(Vma* vma, unsigned long address, int pfn);

// unmap_mapping_range() -> unmap_mapping_pages() (mm/memory.c v6.6 to v6.12; kernel-model.md
// 3.13): i_mmap_lock_read(mapping); for every VMA of mapping->i_mmap, in order, that maps a page
// of [first_pgoff, first_pgoff + nr): zap_page_range_single() of that part; i_mmap_unlock_read.
// No mmap or VMA lock.
void unmap_mapping_range(AddressSpace* mapping, unsigned long first_pgoff, unsigned long nr);

// set_pte_range() (mm/memory.c, v6.12 with the July 2024 young/old fix) for the `nr` pages of
// `folio` from pfn `pfn` at `addr`: young, or old if the batch is prefaulted and the arch wants
// (arm64); the file rmap; set_ptes. Checks I-AGE-1. The caller holds the PTL of vmf->pte.
void set_pte_range(VmFault* vmf, Folio* folio, int pfn, int nr, unsigned long addr);

// struct follow_pfnmap_args (include/linux/mm.h, v6.12, 6da8e9634bb7): the input (vma, address)
// and what follow_pfnmap_start() fills in, valid until follow_pfnmap_end().
struct FollowPfnmapArgs {
  Vma* vma = nullptr;
  unsigned long address = 0;
  SpinLock* lock = nullptr;       // the entry's page-table lock, held from start() to end()
  PageTable* ptep = nullptr;      // the PTE table, for a PTE-level result
  int pfn = -1;
  bool writable = false;
  bool special = false;
};

// follow_pfnmap_start() (mm/memory.c v6.12, 6da8e9634bb7; kernel-model.md 3.16):
// pfnmap_lockdep_assert (mmap_lock, or the file's i_mmap_rwsem: lock-misuse otherwise); the range
// and VM_IO|VM_PFNMAP checks; retry: the PUD read without a lock; a leaf -> pud_lock, then v6.12
// re-tests the *local copy* with pud_leaf() (knob follow_pfnmap_rereads = false) where the 2026 fix
// ("mm/memory: fix PMD/PUD checks in follow_pfnmap_start()") re-reads it under the lock (not
// present -> -EINVAL, not a leaf -> retry); the same at the PMD level (pmdp_get_lockless,
// pmd_lock); else pte_offset_map_lock and a present PTE. Returns 0 with the lock held and the
// args filled, or -EINVAL. Checks I-PFN-4 on success: the entry, now, under the lock, is present
// and maps the pfn it returns.
int follow_pfnmap_start(FollowPfnmapArgs* args);
// follow_pfnmap_end(): drop the lock (and unmap the PTE table).
void follow_pfnmap_end(FollowPfnmapArgs* args);

// zap_page_range_single() (3.12): clear the PTEs of [start, end) in `vma` under their PTLs; the
// folios are put after the TLB flush (mmu_gather). Needs the VMA stable (mmap, VMA or rmap lock).
void zap_page_range_single(Vma* vma, unsigned long start, unsigned long end);
// unmap_vmas(): the same for a whole VMA inside the caller's mmu_gather.
void unmap_vmas(MmuGather* tlb, Vma* vma);
// free_pgtables(): unlink the page tables that only [floor, ceiling) used, without taking their
// locks (the VMAs are unreachable: munmap detached them and cleared the tree), and queue them on
// the mmu_gather, which frees them after an RCU grace period.
void free_pgtables(MmuGather* tlb, Vma* vma, unsigned long floor, unsigned long ceiling);

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_MEMORY_H_
