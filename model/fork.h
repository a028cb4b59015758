// fork's copy of the address space (kernel-model.md 3.9): kernel/fork.c dup_mmap (v6.9 to v6.12
// form, 35e351780fa9) and mm/memory.c copy_page_range with its level walkers (v6.12);
// copy_huge_pmd/pud are in huge_memory.h.
#ifndef MMCHECK_MODEL_FORK_H_
#define MMCHECK_MODEL_FORK_H_

#include <string>

#include "model/mm_types.h"

namespace mmcheck::model {

// dup_mmap(): the child mm (a new MmStruct on the parent's mem_map), with
//  1. mmap_write_lock_killable(oldmm); mmap_write_lock_nested(mm, SINGLE_DEPTH_NESTING);
//  2. for each parent VMA mpnt: vma_start_write(mpnt) (fb49c455323f; knob
//     dup_mmap_write_locks_vma); VM_DONTCOPY -> skip; tmp = vm_area_dup(mpnt); anon_vma_fork (the
//     child has an anon_vma iff the parent has one now); VM_WIPEONFORK -> none; store tmp in the
//     child's tree; for a file VMA, under i_mmap_lock_write, vma_interval_tree_insert_after(tmp,
//     mpnt) (tmp becomes the in-order successor of mpnt); then, with i_mmap_rwsem dropped,
//     copy_page_range(tmp, mpnt) unless VM_WIPEONFORK;
//  3. mmap_write_unlock(mm); flush_tlb_mm(oldmm); mmap_write_unlock(oldmm) (which also ends
//     every parent VMA write lock).
// Left out: the maple-tree copy's own steps (__mt_dup runs under both write locks; each child
// slot is stored once), vma_dup_policy, dup_userfaultfd, khugepaged/ksm enter, uprobes, the
// RSS counters, and the failure paths.
MmStruct* dup_mmap(MmStruct* oldmm);

// copy_page_range() (v6.12): nothing unless vma_needs_copy (uffd-wp, VM_PFNMAP|VM_MIXEDMAP, or an
// anon_vma); a COW mapping: vma_assert_write_locked(src) and the write_protect_seq section (the
// mmu notifier has no state here); then copy_pud_range -> copy_huge_pud for a huge PUD leaf, else
// copy_pmd_range: pmd_alloc(dst) first, then a lockless test of *src_pmd -> copy_huge_pmd for a
// huge leaf, -EAGAIN falls through to the PTE table: copy_pte_range (dst ptl, then src ptl
// nested; copy_present_ptes: an anonymous folio is duplicated (folio_try_dup_anon_rmap_ptes:
// mapcount and refcount +1, no longer exclusive) and a COW mapping's writable PTE is
// write-protected in both; a shared mapping's child PTE is clean; every child PTE is old).
int copy_page_range(Vma* dst_vma, Vma* src_vma);

// I-FORK-2 over [start, end) after a fork of `parent` into `child`, read without steps: a special
// entry (any level) is never writable in a COW VMA, in either mm; in a VM_SHARED VMA, a special
// entry the child has equals the parent's (pfn, write bit, special), young and dirty aside, when
// the parent still maps one there. Returns "" when it holds.
std::string check_fork_special_copy(MmStruct* parent, MmStruct* child, unsigned long start,
                                    unsigned long end);

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_FORK_H_
