// Swap-in from the swap device (mm/swap_state.c, mm/swapfile.c, mm/page_io.c, v6.6): the
// swap-cache reservation, read_swap_cache_async for one slot, and the read I/O whose completion
// runs as its own thread. kernel-model.md 3.6 step 4.
//
// swap_map[slot] holds the slot's count of users plus the SWAP_HAS_CACHE bit, as the kernel's
// does. The readahead window is one slot (the model has no neighbours worth reading), and there is
// no skip-swapcache (SWP_SYNCHRONOUS_IO) device.
#ifndef MMCHECK_MODEL_SWAP_STATE_H_
#define MMCHECK_MODEL_SWAP_STATE_H_

#include "model/folio.h"

namespace mmcheck::model {

// swapcache_prepare() -> __swap_duplicate(entry, SWAP_HAS_CACHE) (v6.6): 0 once the slot is
// reserved for a new swap-cache folio; -EEXIST if another folio holds the reservation, -ENOENT if
// the slot has no users any more (it was freed). One atomic step (the kernel holds the cluster
// lock).
int swapcache_prepare(MemMap* mem_map, int entry);

// filemap_get_folio(swap_address_space(entry), swp_offset(entry)) -> filemap_get_entry()
// (mm/filemap.c, the same in v6.6 and v6.12): under rcu_read_lock, xas_load() the slot; a folio
// found gets a speculative reference, folio_try_get(), which fails on a folio being freed
// ("goto repeat"); then xas_reload(): if the slot no longer holds that folio (it left the swap
// cache after the load), folio_put() and repeat. Returns the folio with a reference, or nullptr
// for an empty slot. (Issue 16 item 4: the model used to take an unconditional reference on
// whatever it loaded; knob swap_lookup_try_get off keeps that, for the twin that shows it.)
Folio* filemap_get_swap_folio(MemMap* mem_map, int entry);

// swapin_readahead() -> swap_cluster_readahead -> read_swap_cache_async -> __read_swap_cache_async
// (v6.6), one slot: the swap-cache folio with a reference for the caller, or a new one added to
// the swap cache locked and not uptodate with its read submitted (the I/O thread marks it uptodate
// and unlocks it), or nullptr if the slot was freed. Loops (schedule_timeout_uninterruptible) while
// another task holds the slot's reservation.
Folio* swapin_readahead(MemMap* mem_map, int entry);

// shrink_folio_list() of a clean, unmapped swap-cache folio (mm/vmscan.c v6.12): isolation's
// reference, folio_trylock, then __remove_mapping(): folio_ref_freeze(folio, 2) (the isolation
// and the swap cache's reference, no other), __delete_from_swap_cache, put_swap_folio, unlock, and
// the folio is freed. Returns whether it was reclaimed; false (and the references as they were)
// if the folio was locked or someone else held a reference.
bool reclaim_swapcache_folio(MemMap* mem_map, Folio* folio, int entry);

// delete_from_swap_cache() + put_swap_folio(): the folio leaves the swap cache, whose reference is
// put, and the slot's SWAP_HAS_CACHE bit is cleared. The folio lock is held.
void delete_from_swap_cache(MemMap* mem_map, Folio* folio, int entry);

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_SWAP_STATE_H_
