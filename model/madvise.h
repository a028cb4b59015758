// mm/madvise.c: MADV_DONTNEED (v6.12; kernel-model.md 3.12).
#ifndef MMCHECK_MODEL_MADVISE_H_
#define MMCHECK_MODEL_MADVISE_H_

#include "model/mm_types.h"

namespace mmcheck::model {

// madvise(start, end - start, MADV_DONTNEED): mmap_read_lock (v6.12: per-VMA locking for madvise
// came later); for the VMA at `start`: madvise_dontneed_single_vma -> zap_page_range_single;
// mmap_read_unlock. Left out: walking several VMAs, the hugetlb alignment, uffd-wp markers.
void madvise_dontneed(MmStruct* mm, unsigned long start, unsigned long end);

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_MADVISE_H_
