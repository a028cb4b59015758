// Truncation; see truncate.h. Mirrors mm/truncate.c (6.12.118): truncate_setsize,
// truncate_pagecache, truncate_inode_pages_range, truncate_cleanup_folio, truncate_inode_folio,
// and mm/filemap.c find_lock_entries, find_get_entries, filemap_remove_folio.
#include "model/truncate.h"

#include <vector>

#include "model/filemap.h"
#include "model/folio.h"
#include "model/memory.h"

namespace mmcheck::model {

namespace {

// unmap_mapping_range()'s holelen 0: "to the end of the file".
constexpr unsigned long kToEndOfFile = 1UL << 30;

// find_get_entry() over [*index, end of the page cache): the next folio with a reference
// (folio_try_get, the slot re-read), *index at it; nullptr when there is none.
Folio* find_get_entry(AddressSpace* mapping, unsigned long* index) {
  for (; *index < mapping->i_pages.size(); ++*index) {
    if (Folio* folio = folio_try_get_slot(*mapping->i_pages[*index])) return folio;  // xas_find
  }
  return nullptr;
}

// find_lock_entries() (v6.12) from *start: the folios it can lock without blocking whose mapping
// is still this one, locked and referenced; *start past the last one taken.
std::vector<Folio*> find_lock_entries(AddressSpace* mapping, unsigned long* start) {
  std::vector<Folio*> batch;
  RcuReadLock();
  for (unsigned long index = *start;; ++index) {
    Folio* folio = find_get_entry(mapping, &index);
    if (folio == nullptr) break;
    if (!folio_trylock(folio)) {
      folio_put(folio);  // put:
      continue;
    }
    if (folio->mapping->read() != mapping) {
      folio_unlock(folio);  // unlock:
      folio_put(folio);
      continue;
    }
    *start = index + 1;
    batch.push_back(folio);
  }
  RcuReadUnlock();
  return batch;
}

// find_get_entries() (v6.12) from *start: every folio there, referenced, not locked.
std::vector<Folio*> find_get_entries(AddressSpace* mapping, unsigned long* start) {
  std::vector<Folio*> batch;
  RcuReadLock();
  for (unsigned long index = *start;; ++index) {
    Folio* folio = find_get_entry(mapping, &index);
    if (folio == nullptr) break;
    *start = index + 1;
    batch.push_back(folio);
  }
  RcuReadUnlock();
  return batch;
}

// truncate_cleanup_folio() (v6.12): unmap_mapping_folio() if mapped (the folio's own pages of
// every VMA of i_mmap; with details->single_folio only that folio's PTEs are zapped, which for an
// order-0 page-cache folio of a shared mapping are all the PTEs of its index).
void truncate_cleanup_folio(AddressSpace* mapping, Folio* folio, const Knobs& knobs) {
  if (knobs.truncate_unmaps_folio && folio_mapped(folio)) {
    unmap_mapping_range(mapping, folio->index, 1);
  }
}

// filemap_remove_folio() (v6.12): __filemap_remove_folio -> page_cache_delete (the slot
// emptied, folio->mapping = NULL), then filemap_free_folio: the page cache's reference goes.
// delete_from_page_cache_batch does the same for a batch.
void filemap_remove_folio(AddressSpace* mapping, Folio* folio) {
  MMCHECK_ASSERT_MSG(folio->nr_pages == 1, "truncation of a large folio is not modeled");
  mapping->i_pages[folio->index]->store(nullptr);  // xas_store(&xas, NULL)
  folio->mapping->write(nullptr);
  folio_put(folio);
}

// truncate_inode_folio() (v6.12): -EIO if truncation already took it.
void truncate_inode_folio(AddressSpace* mapping, Folio* folio, const Knobs& knobs) {
  if (folio->mapping->read() != mapping) return;
  truncate_cleanup_folio(mapping, folio, knobs);
  filemap_remove_folio(mapping, folio);
}

// truncate_inode_pages_range(mapping, lstart, -1) (v6.12) for order-0 folios.
void truncate_inode_pages(AddressSpace* mapping, long lstart, const Knobs& knobs) {
  const unsigned long start = static_cast<unsigned long>((lstart + PAGE_SIZE - 1) / PAGE_SIZE);
  // (mapping_empty(): one look at the xarray's head; never empty in the scenarios.)
  // First pass: what can be locked at once.
  unsigned long index = start;
  while (true) {
    std::vector<Folio*> batch = find_lock_entries(mapping, &index);
    if (batch.empty()) break;
    for (Folio* folio : batch) truncate_cleanup_folio(mapping, folio, knobs);
    for (Folio* folio : batch) filemap_remove_folio(mapping, folio);  // delete_from_page_cache_batch
    for (Folio* folio : batch) folio_unlock(folio);
    for (Folio* folio : batch) folio_put(folio);  // folio_batch_release
  }
  // The partial folio at lstart (__filemap_get_folio(FGP_LOCK)): an order-0 folio there lies
  // wholly past lstart when lstart is page-aligned, and truncate_inode_partial_folio() then
  // truncates it whole. (At lend = -1 the second partial lookup finds nothing.)
  if (lstart % PAGE_SIZE == 0) {
    const unsigned long first = static_cast<unsigned long>(lstart / PAGE_SIZE);
    if (Folio* folio = filemap_get_folio(mapping, first)) {
      folio_lock(folio);
      if (folio->mapping->read() == mapping) truncate_inode_folio(mapping, folio, knobs);
      folio_unlock(folio);
      folio_put(folio);
    }
  } else {
    MMCHECK_ASSERT_MSG(false, "truncation inside a page (a partial folio) is not modeled");
  }
  // Second pass: sleep for each folio still there; once none is left from `start`, done.
  index = start;
  while (true) {
    std::vector<Folio*> batch = find_get_entries(mapping, &index);
    if (batch.empty()) {
      if (index == start) break;  // "If all gone from start onwards, we're done"
      index = start;              // "Otherwise restart to make sure all gone"
      continue;
    }
    for (Folio* folio : batch) {
      folio_lock(folio);
      truncate_inode_folio(mapping, folio, knobs);
      folio_unlock(folio);
    }
    for (Folio* folio : batch) folio_put(folio);
  }
}

}  // namespace

void truncate_setsize(MmStruct* mm, AddressSpace* mapping, long newsize) {
  const Knobs& knobs = mm->knobs;
  // (oldsize = inode->i_size; pagecache_isize_extended() when growing: not modeled.)
  i_size_write(mapping, newsize);
  // truncate_pagecache(inode, newsize)
  const unsigned long holebegin = static_cast<unsigned long>((newsize + PAGE_SIZE - 1) / PAGE_SIZE);
  unmap_mapping_range(mapping, holebegin, kToEndOfFile);
  truncate_inode_pages(mapping, newsize, knobs);
  if (knobs.truncate_unmaps_again) unmap_mapping_range(mapping, holebegin, kToEndOfFile);
}

}  // namespace mmcheck::model
