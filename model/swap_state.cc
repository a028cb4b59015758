// Swap-in from the swap device; see swap_state.h.
#include "model/swap_state.h"

#include <cerrno>

#include "explorer/api.h"
#include "model/mm_types.h"

namespace mmcheck::model {

int swapcache_prepare(MemMap* mem_map, int entry) {
  Atomic<int>& count = mem_map->swap_map[static_cast<size_t>(entry)];
  int v = count.load();
  while (true) {
    if (v & SWAP_HAS_CACHE) return -EEXIST;
    if (v == 0) return -ENOENT;
    if (count.compare_exchange(v, v | SWAP_HAS_CACHE)) return 0;
  }
}

// swap_read_folio() (v6.6 swap_readpage, asynchronous): submit the bio; end_swap_bio_read runs
// later, from the block layer's completion, as its own thread here: folio_mark_uptodate, then
// folio_unlock. The folio lock passes to it.
static void swap_read_folio(Folio* folio) {
  const ThreadHandle io = Spawn("swap I/O", [folio] {
    folio->uptodate.write(true);  // folio_mark_uptodate
    folio_unlock(folio);
  });
  folio->lock.hand_over(io.index);
}

Folio* filemap_get_swap_folio(MemMap* mem_map, int entry) {
  Atomic<Folio*>& slot = mem_map->swap_cache[static_cast<size_t>(entry)];
  if (!mem_map->mms.empty() && !mem_map->mms.front()->knobs.swap_lookup_try_get) {
    Folio* folio = slot.load();
    if (folio != nullptr) folio_get(folio);
    return folio;
  }
  RcuReadLock();
  Folio* folio = folio_try_get_slot(slot);  // a folio reclaim froze is waited out (a spin)
  RcuReadUnlock();
  return folio;
}

Folio* swapin_readahead(MemMap* mem_map, int entry) {
  const bool allocate_once =
      !mem_map->mms.empty() && mem_map->mms.front()->knobs.swapin_allocates_once;
  Folio* new_folio = nullptr;
  auto put_new_folio = [&] {
    if (new_folio != nullptr) folio_put(new_folio);
  };
  while (true) {
    // The kernel's lookup, as filemap_get_folio does it (issue 16 item 4: the model took an
    // unconditional reference on whatever it loaded).
    Folio* folio = filemap_get_swap_folio(mem_map, entry);
    if (folio != nullptr) {
      put_new_folio();  // got_folio (v6.12): the spare folio goes back
      return folio;
    }
    // "Just skip read ahead for unused swap slot": swap_swapcount() == 0.
    if ((mem_map->swap_map[static_cast<size_t>(entry)].load() & ~SWAP_HAS_CACHE) == 0) {
      put_new_folio();
      return nullptr;
    }
    // "Get a new folio to read into from swap. Allocate it now": v6.6 on every pass, v6.12 only
    // if there is none from an earlier pass (`if (!new_folio)`).
    if (new_folio == nullptr) new_folio = mem_map->folio_alloc();  // folio_alloc_mpol
    const int err = swapcache_prepare(mem_map, entry);
    if (err == 0) {
      // The swap entry is ours to swap in. __folio_set_locked: the folio is nobody else's yet.
      folio = new_folio;
      folio->uptodate.write(false);
      folio_lock(folio);
      // add_to_swap_cache(): the cache's reference, then the xarray store that publishes it.
      folio->swapcache.write(true);
      folio->swap.write(entry);
      folio_get(folio);
      mem_map->swap_cache[static_cast<size_t>(entry)].store(folio);
      swap_read_folio(folio);
      return folio;
    }
    if (!allocate_once) {
      folio_put(new_folio);  // v6.6: each pass puts its folio
      new_folio = nullptr;
    }
    if (err != -EEXIST) {
      put_new_folio();
      return nullptr;
    }
    // "We might race against __delete_from_swap_cache(), and stumble across a swap_map entry
    // whose SWAP_HAS_CACHE has not yet been cleared" / another task is reading it in:
    // schedule_timeout_uninterruptible(1) and look again.
    Yield();
  }
}

// __delete_from_swap_cache() (the slot emptied under the xarray lock: one atomic step here) and
// put_swap_folio() (the slot's SWAP_HAS_CACHE cleared). The cache's reference is the caller's to
// drop: a put, or reclaim's freeze.
static void remove_from_swap_cache(MemMap* mem_map, Folio* folio, int entry) {
  mem_map->swap_cache[static_cast<size_t>(entry)].store(nullptr);
  folio->swapcache.write(false);
  folio->swap.write(-1);
  mem_map->swap_map[static_cast<size_t>(entry)].fetch_add(-SWAP_HAS_CACHE);  // put_swap_folio
}

bool reclaim_swapcache_folio(MemMap* mem_map, Folio* folio, int entry) {
  folio_get(folio);  // folio_isolate_lru(): reclaim's own reference
  if (!folio_trylock(folio)) {
    folio_put(folio);  // keep_locked: putback
    return false;
  }
  // __remove_mapping(): "The non racy check for a busy folio": the isolation reference and the
  // swap cache's, and no other (a lookup's folio_try_get in between makes this fail).
  if (!folio_ref_freeze(folio, 2)) {
    folio_unlock(folio);
    folio_put(folio);
    return false;
  }
  remove_from_swap_cache(mem_map, folio, entry);
  folio_unlock(folio);  // __folio_clear_locked: nobody else can hold a reference to it
  free_frozen_folio(folio, "shrink_folio_list (refcount frozen by __remove_mapping)");
  return true;
}

void delete_from_swap_cache(MemMap* mem_map, Folio* folio, int entry) {
  remove_from_swap_cache(mem_map, folio, entry);
  folio_put(folio);
}

}  // namespace mmcheck::model
