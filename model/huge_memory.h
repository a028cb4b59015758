// mm/huge_memory.c (v6.12, with seed 003 and 47fa30118f02): huge PMD and PUD leaves of pfnmaps
// (kernel-model.md 1.4, 3.9, 3.14, 3.18): inserting them (vmf_insert_pfn_pmd/pud), copying them
// at fork (copy_huge_pmd/pud), zapping and splitting them, and the young-bit update of a fault
// that finds one.
//
// Special (pfnmap) leaves are modeled, and of an anonymous THP only its zap (S9 (b)): no THP
// fault, copy or split, no huge zero folio, no DAX devmap, no deposited page tables (x86 deposits
// none for special PMDs, and the one an anonymous THP has is reachable by no walker), no PMD
// migration entries.
#ifndef MMCHECK_MODEL_HUGE_MEMORY_H_
#define MMCHECK_MODEL_HUGE_MEMORY_H_

#include "model/memory.h"

namespace mmcheck::model {

// PMD_ORDER and PUD_ORDER of the model's geometry: a PMD leaf maps 2 pages, a PUD leaf 4.
inline constexpr unsigned int PMD_ORDER = 1;
inline constexpr unsigned int PUD_ORDER = 2;
static_assert(1u << PMD_ORDER == PMD_PAGES && 1u << PUD_ORDER == PUD_PAGES);

// pmd_trans_huge() || pmd_devmap() (and pud_*): a huge leaf at that level.
inline bool pmd_trans_huge(const Entry& e) { return e.kind == EntryKind::kLeaf; }
inline bool pud_trans_huge(const Entry& e) { return e.kind == EntryKind::kLeaf; }

// The special entry for `pfn` with `prot` at any level (pfn_t_pte / pfn_t_pmd + pmd_mkhuge, then
// *_mkspecial): the model's vm_page_prot is the VMA's flags, and protection_map[] gives the write
// bit only to a shared writable mapping (a private one is COW: read-only until the write fault).
Entry mk_special_entry(int pfn, unsigned long prot);

// vmf_insert_pfn_pmd() / vmf_insert_pfn_pud() (v6.12): BUG_ON(VM_PFNMAP && is_cow_mapping);
// addr = vmf->address aligned down to the leaf; outside the VMA -> VM_FAULT_SIGBUS; then
// insert_pfn_pmd/pud under the level's lock: a none slot gets a special huge leaf for `pfn`
// with vma->vm_page_prot (young and dirty, and writable via maybe_mkwrite, only if `write`); a
// present one is only upgraded (young, dirty, write) if `write` and its pfn is `pfn`, else left
// alone. VM_FAULT_NOPAGE.
vm_fault_t vmf_insert_pfn_pmd(VmFault* vmf, int pfn, bool write);
vm_fault_t vmf_insert_pfn_pud(VmFault* vmf, int pfn, bool write);

// huge_pmd_set_accessed() / huge_pud_set_accessed() (v6.12): under the level's lock, if the
// entry is still `orig`, mark it young (and dirty for a write).
void huge_pmd_set_accessed(VmFault* vmf);
void huge_pud_set_accessed(VmFault* vmf, Entry orig_pud);

// __split_huge_pmd() / __split_huge_pud() (v6.12) of a special leaf: under the level's lock, if
// it is still a huge leaf, clear it and flush (pmdp_huge_clear_flush / pudp_huge_clear_flush);
// a special leaf is not split into smaller entries: the next access refaults.
void split_huge_pmd(Vma* vma, PageTable* pmd_table, unsigned long address);
void split_huge_pud(Vma* vma, PageTable* pud_table, unsigned long address);

// zap_huge_pmd() / zap_huge_pud() (v6.12): __pmd_trans_huge_lock (pmd_lock, and false unless the
// entry is still a huge leaf); clear it (pmdp_huge_get_and_clear_full) and note it in the
// mmu_gather; a special VMA has nothing more to free. True if it zapped.
bool zap_huge_pmd(MmuGather* tlb, Vma* vma, PageTable* pmd_table, unsigned long address);
bool zap_huge_pud(MmuGather* tlb, Vma* vma, PageTable* pud_table, unsigned long address);

// copy_huge_pmd() (v6.12-rc1 bc02afbd4d73 + 47fa30118f02; kernel-model.md 3.9): returns 0 (done,
// copied or left for the child to refault) or -EAGAIN (not a huge leaf: copy the PTE table).
// Knob copy_huge_pmd_rechecks = false is the code as merged: the special entry read without a
// lock is what the child gets ("No need to recheck the pmd, it can't change with write mmap lock
// held here"); true re-reads it under src_ptl (S7's fixed code).
int copy_huge_pmd(MmStruct* dst_mm, MmStruct* src_mm, PageTable* dst_pmd, PageTable* src_pmd,
                  unsigned long addr, Vma* dst_vma, Vma* src_vma);
// copy_huge_pud() (v6.12, 003/07): both page_table_locks, then `pud = *src_pud`; not a huge leaf
// -> -EAGAIN; write-protect both only for a COW mapping with a writable entry (knob
// copy_huge_pud_wrprotects_always: the pre-003 unconditional pudp_set_wrprotect, S6's twin);
// set_pud_at(dst, pud_mkold(pud)).
int copy_huge_pud(MmStruct* dst_mm, MmStruct* src_mm, PageTable* dst_pud, PageTable* src_pud,
                  unsigned long addr, Vma* vma);

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_HUGE_MEMORY_H_
