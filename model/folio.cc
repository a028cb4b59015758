// Folios and mem_map; see folio.h. Mirrors include/linux/mm.h folio_get/folio_put, mm/rmap.c
// folio_add_new_anon_rmap / folio_remove_rmap_pte, mm/filemap.c folio_trylock/folio_unlock
// (v6.12), with order-0 folios only.
#include "model/folio.h"

#include "absl/strings/str_cat.h"
#include "model/mm_types.h"
#include "model/tlb.h"

namespace mmcheck::model {

Folio::Folio(MemMap* m, int p)
    : mem_map(m),
      pfn(p),
      name(absl::StrCat("folio ", p)),
      lock("folio_lock", p),
      _refcount(1, "_refcount", p),
      _mapcount(0, "_mapcount", p),
      anon(false, "folio anon", p),
      anon_exclusive(false, "PageAnonExclusive", p),
      uptodate(true, "uptodate", p),
      swapcache(false, "swapcache", p),
      swap(-1, "folio->swap", p),
      lifetime(name.c_str()) {}

MemMap::MemMap() : next_pfn(1, "next_pfn"), pcp_head(-1, "pcp free list") {
  folios.push_back(nullptr);  // pfn 0: the zero page
  compound_head.push_back(nullptr);
  swap_map.reserve(kSwapSlots);
  swap_cache.reserve(kSwapSlots);
  for (int i = 0; i < kSwapSlots; ++i) {
    swap_map.emplace_back(0, "swap_map", i);
    swap_cache.emplace_back(nullptr, "swap_cache", i);
  }
}

void MemMap::add_to_swap_cache_setup(Folio* folio, int entry, int count) {
  folio->swapcache.write(true);
  folio->swap.write(entry);
  folio->_refcount.store(folio->_refcount.peek() + 1);
  swap_cache[static_cast<size_t>(entry)].store(folio);
  swap_map[static_cast<size_t>(entry)].store(count | SWAP_HAS_CACHE);
}

// A folio over 1 << order pfns (a step in a thread, none in setup): the page at the head of the
// per-CPU free list if page reuse is on and an order-0 page is asked for, else the next pfn.
static Folio* new_folio(MemMap* mem_map, int order = 0) {
  const int nr = 1 << order;
  if (mem_map->reuse_freed_pages && order == 0) {
    const int pfn = mem_map->pcp_head.exchange(-1, __FILE__, __LINE__, "rmqueue_pcplist");
    if (pfn >= 0) {
      Folio* folio = Make<Folio>(mem_map, pfn);
      folio->name = absl::StrCat("folio ", pfn, " (reallocated)");
      mem_map->folios[static_cast<size_t>(pfn)] = folio;
      mem_map->compound_head[static_cast<size_t>(pfn)]->store(folio, __FILE__, __LINE__,
                                                              "prep_new_page");
      return folio;
    }
  }
  const int pfn = mem_map->next_pfn.fetch_add(nr);
  Folio* folio = Make<Folio>(mem_map, pfn);
  folio->nr_pages = nr;
  std::vector<Folio*>& folios = mem_map->folios;
  if (folios.size() < static_cast<size_t>(pfn + nr)) {
    folios.resize(static_cast<size_t>(pfn + nr));
    mem_map->compound_head.resize(static_cast<size_t>(pfn + nr));
  }
  for (int i = 0; i < nr; ++i) {
    folios[static_cast<size_t>(pfn + i)] = folio;
    mem_map->compound_head[static_cast<size_t>(pfn + i)] =
        Make<Atomic<Folio*>>(folio, "page->compound_head", pfn + i);
  }
  return folio;
}

Folio* MemMap::folio_alloc() {
  CurrentExecution().MightSleep("folio_alloc(GFP_HIGHUSER_MOVABLE)", __FILE__, __LINE__);
  return new_folio(this);
}

Folio* MemMap::folio_alloc_setup(int refcount, int mapcount, bool anon_exclusive, int order) {
  Folio* folio = new_folio(this, order);
  folio->_refcount.store(refcount);
  folio->_mapcount.store(mapcount);
  folio->anon.write(true);
  folio->anon_exclusive.write(anon_exclusive);
  return folio;
}

Folio* MemMap::page_folio(int pfn) {
  if (pfn <= ZERO_PFN || static_cast<size_t>(pfn) >= folios.size()) return nullptr;
  return compound_head[static_cast<size_t>(pfn)]->load();
}

Folio* MemMap::pfn_folio(int pfn) {
  if (pfn <= ZERO_PFN || static_cast<size_t>(pfn) >= folios.size()) return nullptr;
  return folios[static_cast<size_t>(pfn)];
}

// (Its own body, so that the step is reported under folio_get.)
void folio_get(Folio* folio) {
  folio->lifetime.Use("folio_get");
  folio->_refcount.fetch_add(1);
}

void folio_ref_add(Folio* folio, int refs) {
  folio->lifetime.Use("folio_ref_add");
  folio->_refcount.fetch_add(refs);
}

// folio_put() and folio_put_refs(): the step is reported under the caller's name.
static void put_refs(Folio* folio, int refs, const char* function, int line) {
  folio->lifetime.Use(function);
  if (folio->_refcount.fetch_add(-refs, __FILE__, line, function) != refs) return;
  free_frozen_folio(folio, "folio_put of the last reference");
}

bool folio_ref_freeze(Folio* folio, int count) {
  folio->lifetime.Use("folio_ref_freeze");
  int expected = count;
  return folio->_refcount.compare_exchange(expected, 0);
}

void free_frozen_folio(Folio* folio, const char* how) {
  // __folio_put -> free_unref_page: I-MAP-1, a folio is freed only unmapped, and no stale TLB
  // entry may still translate to it.
  if (folio->_mapcount.peek() != 0) {
    Violate(ViolationKind::kInvariant,
            absl::StrCat("I-MAP-1: ", folio->name, " is freed while still mapped ",
                         folio->_mapcount.peek(), " time(s)"));
  }
  for (MmStruct* mm : folio->mem_map->mms) {
    for (size_t page = 0; page < mm->tlb.size(); ++page) {
      const TlbEntry& t = mm->tlb[page];
      if (t.stale && t.pfn == folio->pfn) {
        Violate(ViolationKind::kUseAfterFree,
                absl::StrCat(folio->name, " is freed while a TLB entry for address ", page,
                             " still translates to it (no flush since its PTE was cleared)"));
      }
    }
  }
  folio->lifetime.Free(how);
  // free_unref_page: the page goes to the head of the per-CPU list.
  if (folio->mem_map->reuse_freed_pages) {
    folio->mem_map->pcp_head.store(folio->pfn, __FILE__, __LINE__, "free_unref_page");
  }
}

void folio_put(Folio* folio) { put_refs(folio, 1, __func__, __LINE__); }

void folio_put_refs(Folio* folio, int refs) { put_refs(folio, refs, __func__, __LINE__); }

bool folio_ref_try_add(Folio* folio, int refs) {
  int old = folio->_refcount.load();  // atomic_fetch_add_unless: atomic_read, then try_cmpxchg
  while (old != 0) {
    if (folio->_refcount.compare_exchange(old, old + refs)) return true;
  }
  return false;
}

Folio* folio_try_get_slot(Atomic<Folio*>& slot, const char* file, int line,
                          const char* function) {
  while (true) {
    Folio* folio = slot.load(file, line, function);  // xas_load
    if (folio == nullptr) return nullptr;
    if (!folio_ref_try_add(folio, 1)) {
      Yield();
      continue;
    }
    if (folio == slot.load(file, line, function)) return folio;  // xas_reload
    folio_put(folio);
  }
}

int folio_ref_count(Folio* folio) {
  folio->lifetime.Use("folio_ref_count");
  return folio->_refcount.load();
}

void folio_add_file_rmap_ptes(Folio* folio, int nr) {
  folio->lifetime.Use("folio_add_file_rmap_ptes");
  folio->_mapcount.fetch_add(nr);
}

bool folio_mapped(Folio* folio) { return folio->_mapcount.load() > 0; }

void folio_add_new_anon_rmap(Folio* folio) {
  folio->lifetime.Use("folio_add_new_anon_rmap");
  folio->anon.write(true);
  folio->anon_exclusive.write(true);
  folio->_mapcount.store(1);
}

void folio_remove_rmap_pte(Folio* folio) {
  folio->lifetime.Use("folio_remove_rmap_pte");
  folio->_mapcount.fetch_add(-1);
}

void folio_remove_rmap_pmd(Folio* folio) {
  folio->lifetime.Use("folio_remove_rmap_pmd");
  const int old = folio->_mapcount.fetch_add(-1);
  MMCHECK_ASSERT_MSG(old > 0, "WARN_ON_ONCE(folio_mapcount(folio) < 0) in zap_huge_pmd");
}

bool folio_trylock(Folio* folio) {
  folio->lifetime.Use("folio_trylock");
  return folio->lock.try_lock();
}

void folio_lock(Folio* folio) {
  folio->lifetime.Use("folio_lock");
  folio->lock.lock();
}

void folio_wait_locked(Folio* folio) {
  folio->lifetime.Use("folio_wait_locked");
  folio->lock.wait_unlocked();
}

void folio_unlock(Folio* folio) {
  folio->lifetime.Use("folio_unlock");
  folio->lock.unlock();
}

void copy_user_highpage(Folio* to, Folio* from) {
  from->lifetime.Use("copy_user_highpage reads the page");
  to->lifetime.Use("copy_user_highpage writes the page");
}

}  // namespace mmcheck::model
