// mm/vma.c: munmap (do_vmi_align_munmap, v6.12; kernel-model.md 3.10).
#ifndef MMCHECK_MODEL_VMA_H_
#define MMCHECK_MODEL_VMA_H_

#include "model/mm_types.h"

namespace mmcheck::model {

// munmap of exactly one VMA's range [start, end): mmap_write_lock; vma_start_write;
// vma_mark_detached; clear the tree; mmap_write_downgrade (ends the VMA write lock: readers may
// now vma_start_read it and must see detached); vms_clear_ptes (unmap_vmas, free_pgtables, TLB
// flush and frees); remove_vma -> vm_area_free; mmap_read_unlock. Left out: splitting partial
// VMAs, the rmap unlink, userfaultfd unmap events (the swap/userfault issue adds them).
void do_munmap(MmStruct* mm, unsigned long start, unsigned long end);

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_VMA_H_
