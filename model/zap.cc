// The unmap half of mm/memory.c (v6.12): zap_pte_range and the levels above it,
// zap_page_range_single, unmap_mapping_range, unmap_vmas and free_pgtables; see memory.h. (The
// fault half is memory.cc.)
#include <algorithm>

#include "model/huge_memory.h"
#include "model/hugetlb.h"
#include "model/memory.h"
#include "model/mmap_lock.h"
#include "model/swap_state.h"
#include "model/vma_lock.h"

namespace mmcheck::model {

// free_swap_and_cache() (mm/swapfile.c, v6.6 to v6.12): drop the slot's count; if that was the
// last user and the slot's folio sits in the swap cache, __try_to_reclaim_swap(): folio_trylock,
// delete it from the swap cache (its reference goes), unlock. A locked folio stays for reclaim.
static void free_swap_and_cache(MemMap* mem_map, int entry) {
  // __swap_entry_free(): the count left; only SWAP_HAS_CACHE means the cache is the last user.
  if (mem_map->swap_map[static_cast<size_t>(entry)].fetch_add(-1) - 1 != SWAP_HAS_CACHE) return;
  Folio* folio = filemap_get_swap_folio(mem_map, entry);
  if (folio == nullptr) return;
  if (folio_trylock(folio)) {
    if (folio->swapcache.read() && folio->swap.read() == entry) {
      delete_from_swap_cache(mem_map, folio, entry);  // folio_free_swap()
    }
    folio_unlock(folio);
  }
  folio_put(folio);
}

// zap_pte_range() (v6.12): under the PTL, clear each present PTE, note the TLB entry, drop the
// folio's mapping and hand the folio to the mmu_gather (put after the flush).
static void zap_pte_range(MmuGather* tlb, Vma* vma, PageTable* pmd, unsigned long addr,
                          unsigned long end) {
  PageTable* pte = pte_offset_map_lock(pmd, addr);
  if (pte == nullptr) return;
  for (; addr < end; ++addr) {
    const Entry ptent = ptep_get(pte, addr);
    if (pte_none(ptent)) continue;
    if (!pte_present(ptent)) {
      // A swap entry: clear it and free_swap_and_cache(); a device-private entry: drop its
      // page's mapping and reference (zap_nonpresent_ptes); a migration entry is only cleared.
      ptep_get_and_clear(pte, addr);
      if (ptent.kind == EntryKind::kSwap) free_swap_and_cache(vma->vm_mm->mem_map, ptent.val);
      if (ptent.kind == EntryKind::kDevicePrivate) {
        Folio* folio = vma->vm_mm->mem_map->pfn_folio(ptent.val);
        folio_remove_rmap_pte(folio);
        folio_put(folio);
      }
      continue;
    }
    Folio* folio = ptent.special ? nullptr : vma->vm_mm->mem_map->pfn_folio(pte_pfn(ptent));
    ptep_get_and_clear(pte, addr);  // ptep_get_and_clear_full
    tlb_remove_tlb_entry(tlb, addr);
    if (folio == nullptr) continue;
    folio_remove_rmap_pte(folio);
    tlb_remove_folio(tlb, folio);  // __tlb_remove_folio_pages
  }
  pte_unmap_unlock(pte);
}

// unmap_page_range() -> zap_pud_range -> zap_pmd_range -> zap_pte_range (v6.12): the upper
// levels are read without locks; none entries are skipped. A huge leaf the range covers whole is
// zapped under its lock (zap_huge_pud/pmd); one it covers in part is split (cleared, for a
// pfnmap) first: zap_pud_range asserts mmap_lock for that ("mmap_assert_locked(tlb->mm)"), which
// unmap_mapping_range() does not hold. The take-and-drop of the PMD lock for a none PMD is only
// for details->single_folio, which the model's callers never set.
static void unmap_page_range(MmuGather* tlb, Vma* vma, unsigned long addr, unsigned long end) {
  vma_use(vma, "zaps the page tables");
  PageTable* pud = pud_table(vma->vm_mm);
  while (addr < end) {
    const Entry pudval = ptep_get(pud, addr);
    if (pud_trans_huge(pudval)) {
      const unsigned long pud_next = std::min(end, addr - addr % PUD_PAGES + PUD_PAGES);
      if (pud_next - addr != PUD_PAGES) {
        mmap_assert_locked(vma->vm_mm, "splits a huge PUD (zap_pud_range) in");
        split_huge_pud(vma, pud, addr);
      } else if (zap_huge_pud(tlb, vma, pud, addr)) {
        addr = pud_next;
        continue;
      }
      continue;  // fall through: read the PUD again (now none, or a table)
    }
    if (pud_none(pudval)) {
      addr = std::min(end, addr - addr % PUD_PAGES + PUD_PAGES);
      continue;
    }
    const unsigned long next = std::min(end, addr - addr % PMD_PAGES + PMD_PAGES);
    PageTable* pmd = entry_table(pudval);
    Entry pmdval = ptep_get(pmd, addr);
    if (pmd_trans_huge(pmdval)) {  // is_swap_pmd || pmd_trans_huge || pmd_devmap
      if (next - addr != PMD_PAGES) {
        split_huge_pmd(vma, pmd, addr);
      } else if (zap_huge_pmd(tlb, vma, pmd, addr)) {
        addr = next;
        continue;
      }
      pmdval = ptep_get(pmd, addr);  // fall through: pmd_none(*pmd) reads it again
    }
    if (!pmd_none(pmdval)) zap_pte_range(tlb, vma, pmd, addr, next);
    addr = next;
  }
}

void zap_page_range_single(Vma* vma, unsigned long start, unsigned long end) {
  // mmu_notifier_invalidate_range_start/end: markers only, left out.
  MmuGather tlb = tlb_gather_mmu(vma->vm_mm);
  unmap_page_range(&tlb, vma, start, end);
  tlb_finish_mmu(&tlb);
}

void unmap_mapping_range(AddressSpace* mapping, unsigned long first_pgoff, unsigned long nr) {
  // unmap_mapping_pages(mapping, start, nr, even_cows): i_mmap_lock_read; unmap_mapping_range_tree
  // -> vma_interval_tree_foreach -> unmap_mapping_range_vma -> zap_page_range_single(vma, the
  // part of [start, start + nr) it maps); i_mmap_unlock_read.
  const unsigned long last_pgoff = first_pgoff + nr;
  mapping->i_mmap_rwsem.down_read();
  for (Vma* vma : mapping->i_mmap) {
    const unsigned long vba = vma->vm_pgoff;
    const unsigned long vea = vba + (vma->vm_end - vma->vm_start);
    if (vea <= first_pgoff || vba >= last_pgoff) continue;
    const unsigned long zba = std::max(first_pgoff, vba);
    const unsigned long zea = std::min(last_pgoff, vea);
    zap_page_range_single(vma, vma->vm_start + (zba - vba), vma->vm_start + (zea - vba));
  }
  mapping->i_mmap_rwsem.up_read();
}

void unmap_vmas(MmuGather* tlb, Vma* vma) {
  // hugetlb_zap_begin / unmap_single_vma -> __unmap_hugepage_range / hugetlb_zap_end (v6.12).
  if (is_vm_hugetlb_page(vma)) return unmap_hugepage_vma(tlb, vma);
  unmap_page_range(tlb, vma, vma->vm_start, vma->vm_end);
}

void free_pgtables(MmuGather* tlb, Vma* vma, unsigned long floor, unsigned long ceiling) {
  // "Hide vma from rmap and truncate_pagecache before freeing pgtables" (mm/memory.c v6.12):
  // unlink_file_vma_batch_add() + unlink_file_vma_batch_final() -> (mm/vma.c)
  // unlink_file_vma_batch_process(): i_mmap_lock_write(mapping); __remove_shared_vm_struct() ->
  // vma_interval_tree_remove(); i_mmap_unlock_write(). After it, an rmap walker (the BAR zap's
  // unmap_mapping_range) either finished before, or never meets this VMA or its tables. munmap
  // passes mm_wr_locked = false (vms_clear_ptes after the downgrade), so no vma_start_write here.
  // Knob free_pgtables_unlinks_file off: the model before this was added, which left the VMA in
  // i_mmap (no kernel did). Before it, unlink_anon_vmas() (mm/rmap.c): for each anon_vma_chain,
  // anon_vma_lock_write(root); anon_vma_interval_tree_remove(); anon_vma_unlock_write(), so an
  // rmap walk of the anon_vma (the migrator's) has finished with this VMA's tables or never meets
  // them. Knob free_pgtables_unlinks_anon off: the model before this was added.
  if (vma->vm_mm->knobs.free_pgtables_unlinks_anon && vma->anon_vma.load()) {
    MmStruct* mm = vma->vm_mm;
    mm->anon_vma_lock.down_write();  // anon_vma_lock_write(anon_vma->root)
    vma->anon_vma_unlinked = true;   // anon_vma_interval_tree_remove(avc, &anon_vma->rb_root)
    mm->anon_vma_lock.up_write();
  }
  if (vma->vm_file != nullptr && vma->vm_mm->knobs.free_pgtables_unlinks_file) {
    AddressSpace* mapping = vma->vm_file;
    mapping->i_mmap_rwsem.down_write();  // i_mmap_lock_write(mapping)
    auto it = std::find(mapping->i_mmap.begin(), mapping->i_mmap.end(), vma);
    MMCHECK_CHECK(it != mapping->i_mmap.end());
    mapping->i_mmap.erase(it);           // vma_interval_tree_remove(vma, &mapping->i_mmap)
    mapping->i_mmap_rwsem.up_write();    // i_mmap_unlock_write(mapping)
  }
  // free_pgd_range() -> free_pud_range -> free_pmd_range -> free_pte_range: a table is freed only
  // if [floor, ceiling) covers all it maps. The entries are cleared without their locks: nothing
  // can reach these tables any more (the VMA is out of the tree and detached).
  PageTable* pud = pud_table(vma->vm_mm);
  for (unsigned long a = vma->vm_start - vma->vm_start % PUD_PAGES; a < vma->vm_end;
       a += PUD_PAGES) {
    const Entry pudval = ptep_get(pud, a);
    if (pud_none(pudval)) continue;
    PageTable* pmd = entry_table(pudval);
    for (unsigned long b = a; b < a + PUD_PAGES; b += PMD_PAGES) {
      if (b < floor || b + PMD_PAGES > ceiling || b >= vma->vm_end ||
          b + PMD_PAGES <= vma->vm_start) {
        continue;
      }
      const Entry pmdval = ptep_get(pmd, b);
      if (pmdval.kind != EntryKind::kTable) continue;  // pmd_none_or_clear_bad
      pmd->slot(b).store(Entry{});                     // pmd_clear
      entry_table(pmdval)->unlinked = true;
      tlb_remove_table(tlb, entry_table(pmdval));  // pte_free_tlb
    }
    if (a >= floor && a + PUD_PAGES <= ceiling) {
      pud->slot(a).store(Entry{});  // pud_clear
      pmd->unlinked = true;
      tlb_remove_table(tlb, pmd);  // pmd_free_tlb
    }
  }
}

}  // namespace mmcheck::model
