// The page cache and its faults; see filemap.h. Mirrors mm/filemap.c of the 6.12 stable tree
// (read at 6.12.118): filemap_get_entry, next_uptodate_folio, filemap_map_order0_folio,
// filemap_map_pages, lock_folio_maybe_drop_mmap, filemap_fault. 6.12.59's backport of "mm/memory:
// do not populate page table entries beyond i_size" (can_map_large, filemap_map_pmd across
// i_size) only concerns large folios, which the model's page cache does not have.
#include "model/filemap.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "model/pgtable.h"
#include "model/vma_lock.h"

namespace mmcheck::model {

namespace {

// DIV_ROUND_UP(i_size, PAGE_SIZE): the first index past the end of the file.
unsigned long max_index(long i_size) {
  return static_cast<unsigned long>((i_size + PAGE_SIZE - 1) / PAGE_SIZE);
}

// next_uptodate_folio() (v6.12): from *index up to end_pgoff, the next folio that can be mapped
// without blocking, locked and referenced, with *index at it; nullptr when there is none. The
// folio_test_locked() pre-check is left out: the folio_trylock() that follows fails on the same
// folios, with the same outcome (skip). folio_test_readahead: no folio has PG_readahead.
Folio* next_uptodate_folio(AddressSpace* mapping, unsigned long* index, unsigned long end_pgoff,
                           const Knobs& knobs) {
  for (unsigned long next = *index + 1; *index <= end_pgoff && *index < mapping->i_pages.size();
       *index = next, next = *index + 1) {
    Atomic<Folio*>& slot = *mapping->i_pages[*index];
    Folio* folio = slot.load();  // xas_next_entry
    if (folio == nullptr) continue;
    // The xarray's walk goes on after the whole (multi-index) entry of a large folio.
    next = folio->index + static_cast<unsigned long>(folio->nr_pages);
    if (!folio_ref_try_add(folio, 1)) continue;  // folio_try_get
    // Has the page moved or been split?
    if (folio != slot.load()) goto skip;  // xas_reload
    if (!folio->uptodate.read()) goto skip;
    if (knobs.map_pages_trylocks) {
      if (!folio_trylock(folio)) goto skip;
    } else {
      folio_lock(folio);  // S8 twin B: may sleep, under RCU (and the PTL after the first folio)
    }
    if (folio->mapping->read() != mapping) goto unlock;
    if (!folio->uptodate.read()) goto unlock;
    if (knobs.map_pages_checks_isize && *index >= max_index(i_size_read(mapping))) goto unlock;
    return folio;
  unlock:
    folio_unlock(folio);
  skip:
    folio_put(folio);
  }
  return nullptr;
}

// filemap_map_folio_range() (v6.12): pages [start, start + nr_pages) of a large folio from `addr`,
// in batches of consecutive none PTEs, each one set_pte_range() and one folio_ref_add().
vm_fault_t filemap_map_folio_range(VmFault* vmf, Folio* folio, unsigned long start,
                                   unsigned long addr, unsigned int nr_pages) {
  vm_fault_t ret = 0;
  int page = folio->pfn + static_cast<int>(start);
  unsigned int count = 0;
  auto map_batch = [&] {
    set_pte_range(vmf, folio, page, static_cast<int>(count), addr);
    folio_ref_add(folio, static_cast<int>(count));
    if (vmf->address >= addr && vmf->address < addr + count) ret = VM_FAULT_NOPAGE;
  };
  do {
    // "If there're PTE markers, we'll leave them to be handled in the specific fault path".
    if (pte_none(ptep_get(vmf->pte, addr + count))) {
      count++;
      continue;
    }
    if (count) map_batch();  // skip:
    count++;
    page += static_cast<int>(count);
    addr += count;
    count = 0;
  } while (--nr_pages > 0);
  if (count) map_batch();
  return ret;
}

vm_fault_t filemap_fault_op(VmFault* vmf) { return filemap_fault(vmf); }
vm_fault_t filemap_map_pages_op(VmFault* vmf, unsigned long start, unsigned long end) {
  return filemap_map_pages(vmf, start, end);
}

}  // namespace

const VmOperations generic_file_vm_ops = {.name = "generic_file_vm_ops",
                                          .fault = &filemap_fault_op,
                                          .huge_fault = nullptr,
                                          .map_pages = &filemap_map_pages_op};

void filemap_add_folios_setup(MemMap* mem_map, AddressSpace* mapping, int nr, long i_size,
                              int order) {
  mapping->i_size = Make<Atomic<long>>(i_size, "i_size");
  const int per_folio = 1 << order;
  for (int i = 0; i < nr; i += per_folio) {
    // The page cache holds a reference per page (__filemap_add_folio: folio_ref_add(folio, nr));
    // no PTE maps it yet.
    Folio* folio = mem_map->folio_alloc_setup(/*refcount=*/per_folio, /*mapcount=*/0, false, order);
    folio->name = per_folio == 1 ? absl::StrCat("folio ", folio->pfn, " (index ", i, ")")
                                 : absl::StrCat("folio ", folio->pfn, " (indexes ", i, "-",
                                                i + per_folio - 1, ")");
    folio->mapping = Make<Shared<AddressSpace*>>(mapping, "folio->mapping", folio->pfn);
    folio->index = static_cast<unsigned long>(i);
    for (int j = i; j < i + per_folio; ++j) {
      mapping->i_pages.push_back(Make<Atomic<Folio*>>(folio, "i_pages", j));  // a multi-index entry
    }
  }
}

long i_size_read(AddressSpace* mapping) { return mapping->i_size->load(); }

void i_size_write(AddressSpace* mapping, long size) { mapping->i_size->store(size); }

Folio* filemap_get_folio(AddressSpace* mapping, unsigned long index) {
  if (index >= mapping->i_pages.size()) return nullptr;
  Atomic<Folio*>& slot = *mapping->i_pages[index];
  RcuReadLock();
  Folio* folio = folio_try_get_slot(slot);
  RcuReadUnlock();
  return folio;
}

vm_fault_t filemap_map_pages(VmFault* vmf, unsigned long start_pgoff, unsigned long end_pgoff) {
  Vma* vma = vmf->vma;
  AddressSpace* mapping = vma->vm_file;
  const Knobs& knobs = vma->vm_mm->knobs;
  vm_fault_t ret = 0;
  if (knobs.map_pages_checks_isize) {
    // "Recalculate end_pgoff based on file_end before calling next_uptodate_folio() to avoid
    // races with concurrent truncation" (unsigned: an empty file gives ULONG_MAX, as pgoff_t does).
    const unsigned long file_end = max_index(i_size_read(mapping)) - 1;
    end_pgoff = std::min(end_pgoff, file_end);
  }
  RcuReadLock();
  unsigned long index = start_pgoff;
  Folio* folio = next_uptodate_folio(mapping, &index, end_pgoff, knobs);
  if (folio != nullptr) {
    // can_map_large and filemap_map_pmd(): for a PMD-mappable folio only; the PTE table is there
    // (do_fault_around installed it).
    const unsigned long start_addr = vma->vm_start + (start_pgoff - vma->vm_pgoff);
    vmf->pte = pte_offset_map_lock(vmf->pmd, start_addr);
    if (vmf->pte == nullptr) {
      folio_unlock(folio);
      folio_put(folio);
    } else {
      do {
        const unsigned long addr = vma->vm_start + (index - vma->vm_pgoff);
        const unsigned long end = folio->index + static_cast<unsigned long>(folio->nr_pages) - 1;
        if (folio->nr_pages == 1) {
          // filemap_map_order0_folio(): "If there're PTE markers, we'll leave them to be
          // handled in the specific fault path".
          if (pte_none(ptep_get(vmf->pte, addr))) {
            if (vmf->address == addr) ret = VM_FAULT_NOPAGE;
            set_pte_range(vmf, folio, folio->pfn, 1, addr);
            folio_get(folio);  // folio_ref_inc
          }
        } else {
          ret |= filemap_map_folio_range(
              vmf, folio, index - folio->index, addr,
              static_cast<unsigned int>(std::min(end, end_pgoff) - index + 1));
        }
        folio_unlock(folio);
        folio_put(folio);
        index = end + 1;
      } while ((folio = next_uptodate_folio(mapping, &index, end_pgoff, knobs)) != nullptr);
      pte_unmap_unlock(vmf->pte);
      vmf->pte = nullptr;
    }
  }
  RcuReadUnlock();
  return ret;
}

vm_fault_t filemap_fault(VmFault* vmf) {
  Vma* vma = vmf->vma;
  MmStruct* mm = vma->vm_mm;
  AddressSpace* mapping = vma->vm_file;
  const unsigned long index = vmf->pgoff;
  if (index >= max_index(i_size_read(mapping))) return VM_FAULT_SIGBUS;
  // (do_async_mmap_readahead: no PG_readahead folio, so it neither reads ahead nor drops the
  // lock.) A miss (do_sync_mmap_readahead, __filemap_get_folio(FGP_CREAT), a read) is not modeled.
  Folio* folio = filemap_get_folio(mapping, index);
  bool fpin = false;  // the fault's lock was dropped (maybe_unlock_mmap_for_io)
  vm_fault_t unlocked = 0;
  while (true) {
    MMCHECK_ASSERT_MSG(folio != nullptr, "filemap_fault on a page-cache miss is not modeled");
    // lock_folio_maybe_drop_mmap()
    if (!folio_trylock(folio)) {
      if (vmf->flags & FAULT_FLAG_RETRY_NOWAIT) {
        folio_put(folio);
        return VM_FAULT_RETRY;  // out_retry, the lock still held (the caller's contract)
      }
      // maybe_unlock_mmap_for_io(): on the first try, pin the file and drop the fault's lock
      // before sleeping for the folio; the VMA is not touched after this.
      if (!fpin && (vmf->flags & FAULT_FLAG_ALLOW_RETRY) && !(vmf->flags & FAULT_FLAG_TRIED)) {
        unlocked = vma_unlocked_flag(mm, vmf->flags);
        release_fault_lock(vma, vmf->flags);
        fpin = true;
      }
      folio_lock(folio);  // __folio_lock_killable: no fatal signals in the model
    }
    if (folio->mapping->read() == mapping) break;
    // Truncated meanwhile: look it up again (retry_find).
    folio_unlock(folio);
    folio_put(folio);
    folio = filemap_get_folio(mapping, index);
  }
  if (fpin) {
    folio_unlock(folio);
    folio_put(folio);  // out_retry:
    return VM_FAULT_RETRY | unlocked;
  }
  if (index >= max_index(i_size_read(mapping))) {
    folio_unlock(folio);
    folio_put(folio);
    return VM_FAULT_SIGBUS;
  }
  vmf->page = folio;
  return VM_FAULT_LOCKED;
}

void check_truncated_at_end(MmStruct* mm, AddressSpace* mapping) {
  AtEnd([mm, mapping] {
    const unsigned long end = max_index(mapping->i_size->peek());
    for (Vma* vma : mapping->i_mmap) {
      if (vma->vm_mm != mm) continue;
      for (unsigned long addr = vma->vm_start; addr < vma->vm_end; ++addr) {
        const Entry pte = peek_pte(mm, addr);
        if (!pte_present(pte) || pte.special) continue;
        Folio* folio = mm->mem_map->pfn_folio(pte_pfn(pte));
        if (folio->mapping == nullptr) continue;  // not a page-cache folio (a COW copy)
        const unsigned long index = vma->vm_pgoff + (addr - vma->vm_start);
        if (folio->mapping->peek() == mapping && index < end) continue;
        Violate(ViolationKind::kInvariant,
                absl::StrCat("I-TRUNC-1: page ", addr, " maps ", folio->name,
                             folio->mapping->peek() == nullptr
                                 ? ", which truncation removed from the page cache,"
                                 : "",
                             " after truncate_setsize() cut the file to ", end, " page(s)"));
      }
    }
  });
}

}  // namespace mmcheck::model
