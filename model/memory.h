// mm/memory.c: the VMA lookup of the fault path. (handle_mm_fault and the page-table paths come
// with the page-table model.)
#ifndef MMCHECK_MODEL_MEMORY_H_
#define MMCHECK_MODEL_MEMORY_H_

#include "model/mm_types.h"

namespace mmcheck::model {

// lock_vma_under_rcu() (mm/memory.c, v6.12 order; kernel-model.md 3.2): under RCU, look the
// address up, vma_start_read() it, retry if it was detached, bail out if the address is not in
// it. Returns the VMA read-locked, or nullptr (take the mmap_lock path).
Vma* lock_vma_under_rcu(MmStruct* mm, unsigned long address);

// find_vma() under mmap_lock: the VMA containing the address, or nullptr (one tree read).
Vma* find_vma(MmStruct* mm, unsigned long address);

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_MEMORY_H_
