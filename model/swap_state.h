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

// swapin_readahead() -> swap_cluster_readahead -> read_swap_cache_async -> __read_swap_cache_async
// (v6.6), one slot: the swap-cache folio with a reference for the caller, or a new one added to
// the swap cache locked and not uptodate with its read submitted (the I/O thread marks it uptodate
// and unlocks it), or nullptr if the slot was freed. Loops (schedule_timeout_uninterruptible) while
// another task holds the slot's reservation.
Folio* swapin_readahead(MemMap* mem_map, int entry);

// delete_from_swap_cache() + put_swap_folio(): the folio leaves the swap cache, whose reference is
// put, and the slot's SWAP_HAS_CACHE bit is cleared. The folio lock is held.
void delete_from_swap_cache(MemMap* mem_map, Folio* folio, int entry);

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_SWAP_STATE_H_
