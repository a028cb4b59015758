// hugetlb; see hugetlb.h.
//
// The fault path, in the style of kernel-model.md section 3 (v6.12 mm/hugetlb.c hugetlb_fault and
// hugetlb_no_page with "mm/hugetlb.c: fix UAF of vma in hugetlb fault pathway" 98b74bb4d7e9 and
// "mm: change vmf_anon_prepare() to __vmf_anon_prepare()" 2a058ab3286d, lore
// 20240914194243.245-1/-2, read; Fixes: 9acad7ba3e25):
//
// hugetlb_fault(mm, vma, address, flags), VMA lock or mmap_lock held:
// 1. `LOCK(hugetlb_fault_mutex_table[hash])` (hash of mapping and index; one mutex in the model).
// 2. `hugetlb_vma_lock_read(vma)` (reads the VMA; down_read of the resv_map rw_sema if the VMA
//    owns a reservation map).
// 3. `huge_pte_alloc`: for a private mapping, `pmd_alloc` (installs the PMD table under
//    pud_lock if the PUD entry is none). NULL -> unlock both, RET OOM.
// 4. `orig_pte = huge_ptep_get(ptep)` (lockless). None (or a marker) -> `hugetlb_no_page`, which
//    drops the hugetlb VMA lock and the mutex itself; return its result.
// 5. Otherwise (present, read fault: nothing to do in the model) `out_mutex:`
//    `hugetlb_vma_unlock_read(vma)`; if `ret & VM_FAULT_RETRY` (only from hugetlb_wp's
//    `__vmf_anon_prepare`) `vma_end_read(vma)`; `UNLOCK(mutex)`.
//
// hugetlb_no_page(mapping, vmf):
// 1. `filemap_lock_hugetlb_folio` finds no folio (a private mapping). `userfaultfd_missing` ->
//    `hugetlb_handle_userfault` (not modeled).
// 2. A private mapping: `ret = __vmf_anon_prepare(vmf)`: if the VMA has an anon_vma, 0. Under
//    the VMA lock, `mmap_read_trylock`; if it fails, RET RETRY **with the VMA lock still held**
//    (the fix; before it, `vmf_anon_prepare` dropped the VMA lock here). Else
//    `__anon_vma_prepare`, `mmap_read_unlock`. `ret != 0` -> `goto out`.
// 3. `alloc_hugetlb_folio` (may sleep), zero it, `__folio_mark_uptodate`, `folio_lock`.
// 4. `ptl = huge_pte_lock(ptep)`; if `!pte_same(huge_ptep_get(ptep), orig_pte)` -> backout:
//    `UNLOCK(ptl)`, `folio_unlock`, `folio_put`, `goto out`.
// 5. `hugetlb_add_new_anon_rmap`; `set_huge_pte_at(make_huge_pte(vma, folio, VM_WRITE &&
//    VM_SHARED))`; (a write fault would now call `hugetlb_wp`); `UNLOCK(ptl)`; `folio_unlock`.
// 6. `out:` `hugetlb_vma_unlock_read(vma)` (**touches the VMA**); if `ret & VM_FAULT_RETRY`,
//    `vma_end_read(vma)` (the fix: only now); `UNLOCK(mutex)`; return ret.
//
// The bug (syzbot, before the fix): step 2's `vmf_anon_prepare` dropped the VMA lock on RETRY;
// munmap, which holds mmap_lock for writing (that is why the trylock failed), then write-locks,
// detaches, zaps and frees the VMA, and step 6's `hugetlb_vma_unlock_read(vma)` reads freed
// memory. With a reservation-owning private VMA, munmap's `__hugetlb_zap_begin` would wait for the
// fault's resv_map read lock before the VMA could be freed; the free needs a VMA without one
// (MAP_NORESERVE, or a fork child), which is what S15's VMA is. The checker flags the access
// either way (I-VMA-1 is about the lock the VMA is used under).
#include "model/hugetlb.h"

#include <string>

#include "model/anon_prepare.h"
#include "model/memory.h"
#include "model/userfaultfd.h"
#include "model/vma_lock.h"

namespace mmcheck::model {

bool is_vm_hugetlb_page(Vma* vma) {
  vma_use(vma, "reads vma->vm_flags");
  return (vma->vm_flags.read() & VM_HUGETLB) != 0;
}

// __vma_shareable_lock() is false (no VM_MAYSHARE mapping has a hugetlb_vma_lock in the model);
// __vma_private_lock(): !VM_MAYSHARE, a resv_map, HPAGE_RESV_OWNER (v6.7+).
static ResvMap* hugetlb_vma_private_lock(Vma* vma, const char* what) {
  vma_use(vma, what);
  vma->vm_flags.read();
  return static_cast<ResvMap*>(vma->vm_private_data);
}

void hugetlb_vma_lock_read(Vma* vma) {
  if (ResvMap* resv = hugetlb_vma_private_lock(
          vma, "hugetlb_vma_lock_read() reads vm_flags and vm_private_data")) {
    resv->rw_sema.down_read();
  }
}

void hugetlb_vma_unlock_read(Vma* vma) {
  if (ResvMap* resv = hugetlb_vma_private_lock(
          vma, "hugetlb_vma_unlock_read() reads vm_flags and vm_private_data")) {
    resv->rw_sema.up_read();
  }
}

void hugetlb_vma_lock_write(Vma* vma) {
  if (ResvMap* resv = hugetlb_vma_private_lock(
          vma, "hugetlb_vma_lock_write() reads vm_flags and vm_private_data")) {
    resv->rw_sema.down_write();
  }
}

void hugetlb_vma_unlock_write(Vma* vma) {
  if (ResvMap* resv = hugetlb_vma_private_lock(
          vma, "hugetlb_vma_unlock_write() reads vm_flags and vm_private_data")) {
    resv->rw_sema.up_write();
  }
}

namespace {

// huge_pte_alloc() (mm/hugetlb.c generic version, PMD_SIZE, no PMD sharing for a private
// mapping): the PMD table whose slot is the huge PTE.
PageTable* huge_pte_alloc(MmStruct* mm, unsigned long address) { return pmd_alloc(mm, address); }

// make_huge_pte(): young, huge; writable (and dirty) only if asked.
Entry make_huge_pte(int pfn, bool writable) {
  Entry e = pte_mkyoung(mk_pte(pfn));
  return writable ? pte_mkwrite(pte_mkdirty(e)) : e;
}

vm_fault_t hugetlb_no_page(MmStruct* mm, Vma* vma, PageTable* ptep, unsigned long haddr,
                           const Entry& orig_pte, unsigned int flags) {
  vm_fault_t ret = VM_FAULT_SIGBUS;
  Folio* folio = nullptr;
  unsigned long vm_flags = 0;
  // filemap_lock_hugetlb_folio(): no folio in the page cache of the file at this index.
  MMCHECK_ASSERT_MSG(!userfaultfd_missing(vma), "hugetlb userfaults are not modeled");
  vm_flags = vma->vm_flags.read();
  if (!(vm_flags & VM_MAYSHARE)) {
    ret = mm->knobs.hugetlb_keeps_vma_lock_on_retry ? __vmf_anon_prepare(vma, flags)
                                                    : vmf_anon_prepare(vma, flags);
    if (ret) goto out;
  }
  folio = mm->mem_map->folio_alloc();  // alloc_hugetlb_folio; folio_zero_user; uptodate
  folio_lock(folio);
  {
    SpinLock& ptl = pmd_lockptr(ptep);  // huge_pte_lock()
    ptl.lock();
    ret = 0;
    if (!pte_same(ptep_get(ptep, haddr), orig_pte)) {
      // backout: (restore_reserve_on_error left out)
      ptl.unlock();
      folio_unlock(folio);
      folio_put(folio);
      goto out;
    }
    folio_add_new_anon_rmap(folio);  // hugetlb_add_new_anon_rmap
    MMCHECK_ASSERT_MSG(!(flags & FAULT_FLAG_WRITE), "hugetlb_wp is not modeled");
    set_entry(ptep, haddr,
              make_huge_pte(folio->pfn, (vm_flags & VM_WRITE) && (vm_flags & VM_SHARED)));
    ptl.unlock();
  }
  folio_unlock(folio);
out:
  hugetlb_vma_unlock_read(vma);
  // "We must check to release the per-VMA lock. __vmf_anon_prepare() is the only way ret can be
  // set to VM_FAULT_RETRY." (98b74bb4d7e9)
  if (mm->knobs.hugetlb_keeps_vma_lock_on_retry && (ret & VM_FAULT_RETRY) &&
      (flags & FAULT_FLAG_VMA_LOCK)) {
    vma_end_read(vma);
    ret |= vma_unlocked_flag(mm, flags);
  }
  mm->mem_map->hugetlb_fault_mutex.unlock();
  return ret;
}

}  // namespace

vm_fault_t hugetlb_fault(MmStruct* mm, Vma* vma, unsigned long address, unsigned int flags) {
  const unsigned long haddr = address - address % PMD_PAGES;
  mm->mem_map->hugetlb_fault_mutex.lock();
  hugetlb_vma_lock_read(vma);
  PageTable* ptep = huge_pte_alloc(mm, haddr);
  const Entry orig_pte = ptep_get(ptep, haddr);  // huge_ptep_get
  if (pte_none(orig_pte)) {
    // "hugetlb_no_page will drop vma lock and hugetlb fault mutex internally, which make us
    // return immediately."
    return hugetlb_no_page(mm, vma, ptep, haddr, orig_pte, flags);
  }
  MMCHECK_ASSERT_MSG(pte_present(orig_pte) && !(flags & FAULT_FLAG_WRITE),
                     "hugetlb migration entries and hugetlb_wp are not modeled");
  // out_mutex: (a read fault on a present huge PTE has nothing to do)
  hugetlb_vma_unlock_read(vma);
  mm->mem_map->hugetlb_fault_mutex.unlock();
  return 0;
}

void unmap_hugepage_vma(MmuGather* tlb, Vma* vma) {
  MmStruct* mm = vma->vm_mm;
  hugetlb_vma_lock_write(vma);  // __hugetlb_zap_begin (i_mmap_lock_write left out)
  // __unmap_hugepage_range(tlb, vma, start, end, NULL, ZAP_FLAG_DROP_MARKER | ZAP_FLAG_UNMAP)
  vma_use(vma, "zaps the hugetlb page tables");
  for (unsigned long address = vma->vm_start; address < vma->vm_end; address += PMD_PAGES) {
    const Entry pudval = ptep_get(pud_table(mm), address);  // hugetlb_walk
    if (pud_none(pudval)) continue;
    PageTable* ptep = entry_table(pudval);
    SpinLock& ptl = pmd_lockptr(ptep);  // huge_pte_lock
    ptl.lock();
    const Entry pte = ptep_get(ptep, address);
    if (pte_none(pte)) {
      ptl.unlock();
      continue;
    }
    MMCHECK_ASSERT_MSG(pte_present(pte), "hugetlb migration entries are not modeled");
    Folio* folio = mm->mem_map->pfn_folio(pte_pfn(pte));
    ptep_get_and_clear(ptep, address);  // huge_ptep_get_and_clear
    for (unsigned long p = address; p < address + PMD_PAGES; ++p) {
      tlb_remove_tlb_entry(tlb, p);  // tlb_remove_huge_tlb_entry
    }
    folio_remove_rmap_pte(folio);  // hugetlb_remove_rmap (the entire mapcount)
    ptl.unlock();
    tlb_remove_folio(tlb, folio);  // tlb_remove_page_size
  }
  // __hugetlb_zap_end(), final unmap: __hugetlb_vma_unlock_write_free ("no free for anon vmas,
  // but still need to unlock").
  hugetlb_vma_unlock_write(vma);
}

}  // namespace mmcheck::model
