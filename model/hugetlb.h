// hugetlb (mm/hugetlb.c, include/linux/hugetlb.h, v6.12): the fault path of a private hugetlb
// mapping under the per-VMA lock (S15), the hugetlb VMA lock, and the zap of hugetlb leaves.
//
// One huge page size, PMD-sized: a hugetlb page is a leaf in a PMD table slot and maps PMD_PAGES
// pages; huge_pte_lock() is the PMD table's split lock (huge_pte_lockptr() for PMD_SIZE,
// kernel-model.md 2.3). Left out: PMD sharing (huge_pmd_share/unshare; only VM_MAYSHARE mappings
// share), the hugetlbfs page cache (a private mapping of a fresh file finds no folio at its
// index), reservations and subpool accounting, hugetlb_wp (the scenarios fault for reading),
// hugetlb userfaults (hugetlb_handle_userfault), i_mmap_rwsem in hugetlb_zap_begin (nothing else
// in the model takes it yet).
#ifndef MMCHECK_MODEL_HUGETLB_H_
#define MMCHECK_MODEL_HUGETLB_H_

#include "model/fault.h"
#include "model/mm_types.h"
#include "model/tlb.h"

namespace mmcheck::model {

// struct resv_map of a private mapping's reservation owner: its rw_sema is the "hugetlb VMA lock"
// of a private VMA (bf4916922c60, "hugetlbfs: extend hugetlb_vma_lock to private VMAs", v6.7).
// A MAP_NORESERVE private mapping has none: hugetlb_reserve_pages() returns before
// resv_map_alloc() when VM_NORESERVE is set (v6.12, read); a fork child has none either
// (hugetlb_dup_vma_private clears vm_private_data).
struct ResvMap {
  RwSemaphore rw_sema{"resv_map->rw_sema"};
};

// is_vm_hugetlb_page(): reads vma->vm_flags.
bool is_vm_hugetlb_page(Vma* vma);

// hugetlb_vma_lock_read() / hugetlb_vma_unlock_read() (mm/hugetlb.c v6.12): both read the VMA
// (vm_flags, vm_private_data: __vma_shareable_lock / __vma_private_lock) and then take or drop
// the resv_map's rw_sema if the VMA has one. hugetlb_vma_lock_write()/unlock_write() likewise.
void hugetlb_vma_lock_read(Vma* vma);
void hugetlb_vma_unlock_read(Vma* vma);
void hugetlb_vma_lock_write(Vma* vma);
void hugetlb_vma_unlock_write(Vma* vma);

// hugetlb_fault() (v6.12 with 98b74bb4d7e9): the caller holds the VMA read lock
// (FAULT_FLAG_VMA_LOCK) or mmap_lock. See hugetlb.cc for the steps.
vm_fault_t hugetlb_fault(MmStruct* mm, Vma* vma, unsigned long address, unsigned int flags);

// The hugetlb branch of unmap_vmas() (v6.12): hugetlb_zap_begin (hugetlb_vma_lock_write),
// unmap_single_vma -> __unmap_hugepage_range, hugetlb_zap_end (final unmap:
// __hugetlb_vma_unlock_write_free).
void unmap_hugepage_vma(MmuGather* tlb, Vma* vma);

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_HUGETLB_H_
