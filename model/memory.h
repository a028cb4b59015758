// mm/memory.c (v6.12): the VMA lookup of the fault path, handle_mm_fault and its anonymous-memory
// paths (do_anonymous_page, do_wp_page), and the zap path (zap_page_range_single, unmap_vmas,
// free_pgtables).
#ifndef MMCHECK_MODEL_MEMORY_H_
#define MMCHECK_MODEL_MEMORY_H_

#include "model/fault.h"
#include "model/mm_types.h"
#include "model/tlb.h"

namespace mmcheck::model {

// lock_vma_under_rcu() (mm/memory.c, v6.12 order; kernel-model.md 3.2): under RCU, look the
// address up, vma_start_read() it, retry if it was detached, bail out if the address is not in
// it. Returns the VMA read-locked, or nullptr (take the mmap_lock path).
Vma* lock_vma_under_rcu(MmStruct* mm, unsigned long address);

// find_vma() under mmap_lock: the VMA containing the address, or nullptr (one tree read).
Vma* find_vma(MmStruct* mm, unsigned long address);

// handle_mm_fault() (kernel-model.md 3.3): sanitize_fault_flags, then __handle_mm_fault: walk and
// allocate down to the PMD, then handle_pte_fault, which dispatches to do_anonymous_page (no PTE),
// do_wp_page (a write to a read-only PTE) or marks the PTE young/dirty. The caller holds the
// VMA's read lock (FAULT_FLAG_VMA_LOCK) or mmap_lock; under the merged protocol the callee drops
// the VMA lock when it returns VM_FAULT_RETRY or VM_FAULT_COMPLETED, and after that the VMA is
// not touched again.
vm_fault_t handle_mm_fault(Vma* vma, unsigned long address, unsigned int flags);

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
