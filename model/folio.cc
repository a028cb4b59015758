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

MemMap::MemMap() : next_pfn(1, "next_pfn") {
  folios.push_back(nullptr);  // pfn 0: the zero page
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

// A folio at the next pfn (a step in a thread, none in setup).
static Folio* new_folio(MemMap* mem_map) {
  const int pfn = mem_map->next_pfn.fetch_add(1);
  Folio* folio = Make<Folio>(mem_map, pfn);
  std::vector<Folio*>& folios = mem_map->folios;
  if (folios.size() <= static_cast<size_t>(pfn)) folios.resize(static_cast<size_t>(pfn) + 1);
  folios[static_cast<size_t>(pfn)] = folio;
  return folio;
}

Folio* MemMap::folio_alloc() {
  CurrentExecution().MightSleep("folio_alloc(GFP_HIGHUSER_MOVABLE)", __FILE__, __LINE__);
  return new_folio(this);
}

Folio* MemMap::folio_alloc_setup(int refcount, int mapcount, bool anon_exclusive) {
  Folio* folio = new_folio(this);
  folio->_refcount.store(refcount);
  folio->_mapcount.store(mapcount);
  folio->anon.write(true);
  folio->anon_exclusive.write(anon_exclusive);
  return folio;
}

Folio* MemMap::pfn_folio(int pfn) {
  if (pfn <= ZERO_PFN || static_cast<size_t>(pfn) >= folios.size()) return nullptr;
  return folios[static_cast<size_t>(pfn)];
}

void folio_get(Folio* folio) {
  folio->lifetime.Use("folio_get");
  folio->_refcount.fetch_add(1);
}

void folio_put(Folio* folio) {
  folio->lifetime.Use("folio_put");
  if (folio->_refcount.fetch_add(-1) != 1) return;
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
  folio->lifetime.Free("folio_put of the last reference");
}

int folio_ref_count(Folio* folio) {
  folio->lifetime.Use("folio_ref_count");
  return folio->_refcount.load();
}

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
