// Preparing a VMA's anon_vma on the fault path: __anon_vma_prepare (mm/rmap.c) and
// vmf_anon_prepare (mm/memory.c and mm/internal.h, v6.12 form; kernel-model.md 3.8).
#ifndef MMCHECK_MODEL_ANON_PREPARE_H_
#define MMCHECK_MODEL_ANON_PREPARE_H_

#include "model/fault.h"
#include "model/mm_types.h"

namespace mmcheck::model {

// __anon_vma_prepare(): allocate (may sleep), then under page_table_lock install it if the VMA
// still has none. Locking: mmap_lock held (read is enough). The anon_vma itself, its lock and the
// anon_vma_chain are not modeled: only the pointer becoming set.
void __anon_vma_prepare(Vma* vma);

// __vmf_anon_prepare() (2a058ab3286d, v6.12): the same, but on VM_FAULT_RETRY the VMA lock is
// still held; the caller drops it (hugetlb, which must first drop its hugetlb VMA lock).
vm_fault_t __vmf_anon_prepare(Vma* vma, unsigned int flags);

// vmf_anon_prepare(): nothing to do if the VMA has an anon_vma. Under the VMA lock, mmap_lock may
// only be trylocked (a blocking mmap_read_lock there deadlocks against a writer waiting in
// vma_start_write for this fault's VMA lock); on failure the VMA lock is dropped and
// VM_FAULT_RETRY returned. Knob anon_prepare_trylocks_mmap = false blocks instead (S19's twin).
vm_fault_t vmf_anon_prepare(Vma* vma, unsigned int flags);

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_ANON_PREPARE_H_
