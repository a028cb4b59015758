// mm/mprotect.c: mprotect (do_mprotect_pkey -> mprotect_fixup, v6.12; kernel-model.md 3.11).
#ifndef MMCHECK_MODEL_MPROTECT_H_
#define MMCHECK_MODEL_MPROTECT_H_

#include "model/mm_types.h"

namespace mmcheck::model {

// mprotect of exactly one VMA's range to `newflags` (VM_READ/VM_WRITE bits): mmap_write_lock;
// tlb_gather_mmu; vma_start_write; vm_flags_reset (asserts the write lock); vma_set_page_prot;
// change_protection (each PTE table under its PTL); tlb_finish_mmu (the flush);
// mmap_write_unlock. Left out: splitting and merging VMAs, MM_CP_TRY_CHANGE_WRITABLE, NUMA
// hinting, uffd-wp.
void do_mprotect(MmStruct* mm, unsigned long start, unsigned long end, unsigned long newflags);

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_MPROTECT_H_
