// madvise_dontneed; see madvise.h. Mirrors mm/madvise.c v6.12 do_madvise ->
// madvise_walk_vmas -> madvise_vma_behavior -> madvise_dontneed_free ->
// madvise_dontneed_single_vma.
#include "model/madvise.h"

#include <algorithm>

#include "model/memory.h"
#include "model/mmap_lock.h"

namespace mmcheck::model {

void madvise_dontneed(MmStruct* mm, unsigned long start, unsigned long end) {
  mmap_read_lock(mm);  // madvise_need_mmap_write(MADV_DONTNEED) is false: mmap_read_lock_killable
  Vma* vma = find_vma(mm, start);
  if (vma != nullptr) {
    zap_page_range_single(vma, std::max(start, vma->vm_start), std::min(end, vma->vm_end));
  }
  mmap_read_unlock(mm);
}

}  // namespace mmcheck::model
