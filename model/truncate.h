// Truncation of a file's page cache (mm/truncate.c of the 6.12 stable tree, read at 6.12.118;
// kernel-model.md 3.13): truncate_setsize, truncate_pagecache, truncate_inode_pages_range, for
// the order-0 folios of filemap.h. The filesystem's i_rwsem and invalidate_lock around it, which
// faults do not take, are left out; so are writeback, dirty accounting and shadow entries.
#ifndef MMCHECK_MODEL_TRUNCATE_H_
#define MMCHECK_MODEL_TRUNCATE_H_

#include "model/mm_types.h"

namespace mmcheck::model {

// truncate_setsize() (v6.12) shrinking the file to `newsize` bytes: i_size_write(newsize), then
// truncate_pagecache(): unmap_mapping_range() of every page from round_up(newsize) on;
// truncate_inode_pages(); unmap_mapping_range() again ("private pages COWed" meanwhile). `mm`
// gives the knobs (the scenario's one mm; the file itself has none).
void truncate_setsize(MmStruct* mm, AddressSpace* mapping, long newsize);

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_TRUNCATE_H_
