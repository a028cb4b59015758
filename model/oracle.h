// Whole-state invariants of kernel-model.md 4 that scenarios check at the end of a run (or after
// every step), read without steps: the hardware's and the allocator's view, not a thread's.
#ifndef MMCHECK_MODEL_ORACLE_H_
#define MMCHECK_MODEL_ORACLE_H_

#include <string>

#include "model/mm_types.h"

namespace mmcheck::model {

// I-MAP-1: every live folio's mapcount equals the PTEs mapping it over all mms of `mem_map`, its
// refcount is that plus the swap cache's and the page cache's references (nothing else may hold
// one once every thread has finished), and no present PTE maps a freed folio. Returns "" when it
// holds, else what is wrong.
std::string check_mem_map(MemMap* mem_map);

// Registers the end-of-run check of I-MAP-1 for `mem_map` (an invariant violation if it fails).
void check_mem_map_at_end(MemMap* mem_map);

// I-PT-7 for mprotect: no present PTE in [start, end) is writable while the VMA there lacks
// VM_WRITE. Returns "" when it holds.
std::string check_no_writable_pte(MmStruct* mm, unsigned long start, unsigned long end);

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_ORACLE_H_
