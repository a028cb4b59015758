// mm/mprotect.c: mprotect (do_mprotect_pkey -> mprotect_fixup, v6.12; kernel-model.md 3.11).
#ifndef MMCHECK_MODEL_MPROTECT_H_
#define MMCHECK_MODEL_MPROTECT_H_

#include "model/mm_types.h"

namespace mmcheck::model {

// mprotect of exactly one VMA's range to `newflags` (VM_READ/VM_WRITE bits): mmap_write_lock;
// vma_start_write (via vma_modify_flags / vm_flags_reset, which asserts it); the new vm_flags;
// mmap_write_unlock. Left out so far: splitting and merging, vm_page_prot, change_protection (no
// page tables yet).
void do_mprotect(MmStruct* mm, unsigned long start, unsigned long end, unsigned long newflags);

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_MPROTECT_H_
