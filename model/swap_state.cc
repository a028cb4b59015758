// Swap-in from the swap device; see swap_state.h.
#include "model/swap_state.h"

#include <cerrno>

#include "explorer/api.h"

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

Folio* swapin_readahead(MemMap* mem_map, int entry) {
  while (true) {
    // filemap_get_folio(swap_address_space(entry), swp_offset(entry)): an RCU lookup and
    // folio_try_get.
    Folio* folio = mem_map->swap_cache[static_cast<size_t>(entry)].load();
    if (folio != nullptr) {
      folio_get(folio);
      return folio;
    }
    // "Just skip read ahead for unused swap slot": swap_swapcount() == 0.
    if ((mem_map->swap_map[static_cast<size_t>(entry)].load() & ~SWAP_HAS_CACHE) == 0) {
      return nullptr;
    }
    // Get a new folio to read into from swap. Allocate it now, outside the reservation.
    folio = mem_map->folio_alloc();  // folio_alloc_mpol
    const int err = swapcache_prepare(mem_map, entry);
    if (err == 0) {
      // The swap entry is ours to swap in. __folio_set_locked: the folio is nobody else's yet.
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
    folio_put(folio);
    if (err != -EEXIST) return nullptr;
    // "We might race against __delete_from_swap_cache(), and stumble across a swap_map entry
    // whose SWAP_HAS_CACHE has not yet been cleared" / another task is reading it in:
    // schedule_timeout_uninterruptible(1) and look again.
    Yield();
  }
}

void delete_from_swap_cache(MemMap* mem_map, Folio* folio, int entry) {
  mem_map->swap_cache[static_cast<size_t>(entry)].store(nullptr);
  folio->swapcache.write(false);
  folio->swap.write(-1);
  mem_map->swap_map[static_cast<size_t>(entry)].fetch_add(-SWAP_HAS_CACHE);  // put_swap_folio
  folio_put(folio);
}

}  // namespace mmcheck::model
