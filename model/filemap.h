// The page cache of a regular file and its faults (mm/filemap.c, v6.12; kernel-model.md 3.5):
// filemap_map_pages (fault-around), filemap_fault, and the lookups they share.
//
// A file's folios are uptodate, of one order (0, or small large folios that fault-around maps in
// batches: filemap_map_folio_range), indexed 0..n-1 in mapping->i_pages (Atomic slots; a large
// folio's slots all hold it, as a multi-index entry; looked up under RCU with folio_try_get and a
// re-check of the slot, changed only by truncation, with the folio locked). Not modeled: shadow
// and value entries (no eviction), readahead (no PG_readahead folio, no I/O: a page-cache miss
// in filemap_fault is an assertion "not modeled"), PMD-mappable folios (filemap_map_pmd), the
// truncation of a large folio (split), the xarray's own lock (one writer, truncation, in every
// scenario), writeback, dirty accounting and the RSS counters.
#ifndef MMCHECK_MODEL_FILEMAP_H_
#define MMCHECK_MODEL_FILEMAP_H_

#include "model/fault.h"
#include "model/folio.h"
#include "model/memory.h"
#include "model/mm_types.h"

namespace mmcheck::model {

inline constexpr long PAGE_SIZE = 4096;

// Setup only: uptodate folios of order `order` over indexes 0..nr-1 of `mapping`'s page cache
// (each holding the page cache's references, one per page) and i_size = `i_size` bytes, as reads
// of the file left them.
void filemap_add_folios_setup(MemMap* mem_map, AddressSpace* mapping, int nr, long i_size,
                              int order = 0);

// i_size_read() / i_size_write() (include/linux/fs.h): one word, read and written locklessly.
long i_size_read(AddressSpace* mapping);
void i_size_write(AddressSpace* mapping, long size);

// filemap_get_folio(mapping, index) (filemap_get_entry, v6.12): under RCU, the slot's folio with a
// reference (folio_try_get, then the slot re-read: a folio freed or moved meanwhile is looked up
// again), or nullptr.
Folio* filemap_get_folio(AddressSpace* mapping, unsigned long index);

// filemap_map_pages() (mm/filemap.c v6.12), the ->map_pages of a regular file: under RCU, the
// window clamped to i_size; for each folio next_uptodate_folio() gives (folio_try_get, slot
// re-check, uptodate, folio_trylock, then under the folio lock folio->mapping == mapping,
// uptodate, index < DIV_ROUND_UP(i_size)), under the PTE lock taken once for the window, a PTE
// (set_pte_range, young for the faulting address, old for the others if the arch wants) for each
// of its pages whose PTE is none, folio_ref_inc per PTE; then folio_unlock, folio_put. Returns
// VM_FAULT_NOPAGE iff it mapped the faulting address. Knobs map_pages_trylocks and
// map_pages_checks_isize (S8's twins).
vm_fault_t filemap_map_pages(VmFault* vmf, unsigned long start_pgoff, unsigned long end_pgoff);

// filemap_fault() (mm/filemap.c v6.12), the ->fault of a regular file, for a folio in the page
// cache: SIGBUS beyond i_size; the folio from filemap_get_folio; lock_folio_maybe_drop_mmap
// (folio_trylock, else drop the fault's lock, sleep for the folio lock, and return
// VM_FAULT_RETRY); folio->mapping re-checked under the lock (looked up again if truncation took
// it); i_size re-checked. Returns VM_FAULT_LOCKED with vmf->page set: the folio locked and
// referenced, for finish_fault.
vm_fault_t filemap_fault(VmFault* vmf);

// generic_file_vm_ops (mm/filemap.c): .fault = filemap_fault, .map_pages = filemap_map_pages.
extern const VmOperations generic_file_vm_ops;

// I-TRUNC-1 at the end of a run, after truncate_setsize(size) returned: no PTE of `mm` maps a
// page-cache folio of `mapping` whose index is at or beyond DIV_ROUND_UP(i_size, PAGE_SIZE), or
// one truncation removed (folio->mapping == NULL). Reads the final state, which no later step
// changes: sound under DPOR.
void check_truncated_at_end(MmStruct* mm, AddressSpace* mapping);

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_FILEMAP_H_
