// Folios (kernel-model.md 2.4) and the page allocator that hands them out.
//
// A folio is order 0 here, except the anonymous THP of S9 (b): one Folio of order PMD_ORDER that
// a PMD leaf maps whole (pfn_folio() of any of its pfns is that folio, as page_folio() of any of
// its pages is; its mapcount is the entire mapcount). Its lock is a sleeping bit lock
// (folio_lock / folio_trylock / folio_unlock / folio_wait_locked: a Mutex); refcount and mapcount
// are atomics (each change a scheduling point, as atomic_inc/dec are in the kernel). Freeing is
// folio_put dropping the last reference: it checks I-MAP-1 (no mapping left, no stale TLB entry
// still translating to it) and ends the folio's Lifetime, so any later use of the folio (a copy
// from it, a map of it) is a use-after-free.
#ifndef MMCHECK_MODEL_FOLIO_H_
#define MMCHECK_MODEL_FOLIO_H_

#include <string>
#include <vector>

#include "explorer/api.h"
#include "explorer/checks/lifetime.h"

namespace mmcheck::model {

struct MmStruct;
struct MemMap;
struct AddressSpace;

struct Folio {
  Folio(MemMap* mem_map, int pfn);

  MemMap* const mem_map;
  const int pfn;
  std::string name;             // "folio 1" (by pfn)
  Mutex lock;                   // PG_locked
  Atomic<int> _refcount;        // folio_ref_count
  Atomic<int> _mapcount;        // folio_mapcount (total PTE mappings over all mms)
  Shared<bool> anon;            // folio_test_anon (set by folio_add_new_anon_rmap)
  Shared<bool> anon_exclusive;  // PageAnonExclusive; changed under the PTL or the folio lock
  Shared<bool> uptodate;        // folio_test_uptodate
  // folio_test_swapcache and folio->swap: set and cleared with the folio locked.
  Shared<bool> swapcache;
  Shared<int> swap;
  // A page-cache folio's folio->mapping (its file, NULL once truncation removed it: written with
  // the folio locked, read under its lock) and folio->index; nullptr for other folios (created
  // by filemap_add_folio_setup, so no other folio has the object).
  Shared<AddressSpace*>* mapping = nullptr;
  unsigned long index = 0;
  int nr_pages = 1;  // folio_nr_pages(): 1 << order, pfns pfn .. pfn + nr_pages - 1
  int nid = 0;       // folio_nid(): its NUMA node, set when it is allocated (mempolicy.h)
  // Ghost (no steps): mbind queued it for migration (isolated from the LRU); mempolicy.h.
  bool mbind_queued = false;
  Lifetime lifetime;
};

// Swap (kernel-model.md 2.5): swap_map counts per slot (0: free), and the swap cache, slot ->
// folio. The swap cache holds one folio reference.
inline constexpr int kSwapSlots = 4;
// The swap_map bit that says a swap-cache folio holds the slot (include/linux/swap.h).
inline constexpr int SWAP_HAS_CACHE = 0x40;

// mem_map: every folio by pfn, and the mms that may map them (for the TLB check on free).
struct MemMap {
  MemMap();

  std::vector<Folio*> folios;  // by pfn, the folio each page belongs to now; pfn 0 is the zero page
  // The struct pages' compound_head, by pfn, for page_folio() of a page a lockless walker found
  // (gup-fast): created with a page's first folio, stored again when the page is reused.
  std::vector<Atomic<Folio*>*> compound_head;
  // The page allocator's choice of pfn is shared state: taking the next pfn is a visible step, so
  // two allocations in different threads are dependent and the explorer sees both orders (the
  // final-state oracle caught the allocator as hidden shared state when it was a plain vector).
  Atomic<int> next_pfn;
  // Page reuse (off unless a scenario turns it on in its setup): the last page freed goes to the
  // head of the per-CPU free list (free_unref_page -> the pcp list, LIFO), and the next
  // allocation takes it, as a new folio on the same struct page. `pcp_head` is -1 when empty.
  // Off, every allocation takes a fresh pfn and no step is added.
  bool reuse_freed_pages = false;
  Atomic<int> pcp_head;
  std::vector<MmStruct*> mms;
  std::vector<Atomic<int>> swap_map;       // by swap offset
  std::vector<Atomic<Folio*>> swap_cache;  // by swap offset (the swap address space's xarray)
  // hugetlb_fault_mutex_table[hash(mapping, index)] (mm/hugetlb.c): global, one in the model (one
  // hugetlbfs file, one huge page index).
  Mutex hugetlb_fault_mutex{"hugetlb_fault_mutex"};

  // folio_alloc / vma_alloc_folio: a new folio with refcount 1 (GFP_KERNEL: may sleep).
  Folio* folio_alloc();
  // Setup only: a folio as the scenario's initial state has it (no steps); `order` > 0 is a
  // large folio over 1 << order pfns.
  Folio* folio_alloc_setup(int refcount, int mapcount, bool anon_exclusive, int order = 0);
  // Setup only: `folio` is in the swap cache for slot `entry` (one more reference), and the slot
  // has `count` users.
  void add_to_swap_cache_setup(Folio* folio, int entry, int count);
  Folio* pfn_folio(int pfn);
  // page_folio(pfn_to_page(pfn)) read by a lockless walker: one step (READ_ONCE of
  // page->compound_head), since with page reuse the answer changes under it.
  Folio* page_folio(int pfn);
};

// folio_get(): refcount++. folio_put(): refcount--, and the last put frees the folio.
void folio_get(Folio* folio);
// folio_ref_add(): refcount += refs (one per PTE a batch maps).
void folio_ref_add(Folio* folio, int refs);
void folio_put(Folio* folio);
// folio_put_refs(): refcount -= refs, and the put that reaches 0 frees the folio.
void folio_put_refs(Folio* folio, int refs);
// folio_ref_freeze() (page_ref_freeze: atomic_cmpxchg(&folio->_refcount, count, 0) == count):
// takes every reference at once if there are exactly `count`, as reclaim does before it drops a
// folio from its mapping; lookups' folio_try_get then fail.
bool folio_ref_freeze(Folio* folio, int count);
// Frees a folio whose refcount reached 0 (the last put, or a freeze): I-MAP-1 and the TLB check,
// then the page goes back to the allocator. `how` names the free in use-after-free reports.
void free_frozen_folio(Folio* folio, const char* how);
// folio_ref_try_add() (atomic_add_unless(&folio->_refcount, refs, 0), a cmpxchg loop): the
// speculative reference of gup-fast and of the page-cache lookups. It may be called on a folio
// that has been freed: the struct page (the memmap) is never freed, and a freed folio's refcount
// is 0, so the try fails. It is therefore not a use of the folio's Lifetime. With page reuse on,
// the page may already belong to a new folio, whose refcount the try raises: the caller's
// re-check of the entry (or of page_folio) catches that.
bool folio_ref_try_add(Folio* folio, int refs);
int folio_ref_count(Folio* folio);
// The lookup of an xarray slot under RCU (the caller holds it) that filemap_get_entry() and
// find_get_entry() make (mm/filemap.c, v6.12): xas_load; nothing there: nullptr; folio_try_get,
// and on failure (the folio frozen, or freed but still in the slot: "goto repeat") look again;
// xas_reload, and if the slot changed meanwhile, put and look again. A failed try only waits for
// the freer to empty the slot: a spin (Yield), run again once something it read changed. The
// slot's reads are reported at the caller's place.
Folio* folio_try_get_slot(Atomic<Folio*>& slot, const char* file = __builtin_FILE(),
                          int line = __builtin_LINE(), const char* function = __builtin_FUNCTION());
// folio_add_new_anon_rmap(folio, vma, address, RMAP_EXCLUSIVE): mapcount = 1, anon, exclusive.
void folio_add_new_anon_rmap(Folio* folio);
// folio_add_file_rmap_ptes(folio, page, nr, vma) (mm/rmap.c): `nr` more PTEs map a file folio.
void folio_add_file_rmap_ptes(Folio* folio, int nr);
// folio_mapped(): some PTE maps it (mapcount > 0), one read of the counter.
bool folio_mapped(Folio* folio);
// folio_remove_rmap_pte(): mapcount--. folio_remove_rmap_pmd(): the entire mapcount of a THP
// mapped by a PMD leaf, the same counter here.
void folio_remove_rmap_pte(Folio* folio);
void folio_remove_rmap_pmd(Folio* folio);
// folio_trylock() / folio_unlock().
bool folio_trylock(Folio* folio);
void folio_unlock(Folio* folio);
// folio_lock(): sleeps until the lock is free. folio_wait_locked(): sleeps until it is free,
// without taking it.
void folio_lock(Folio* folio);
void folio_wait_locked(Folio* folio);
// The copy of a page's contents (copy_mc_user_highpage): a use of both folios.
void copy_user_highpage(Folio* to, Folio* from);

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_FOLIO_H_
