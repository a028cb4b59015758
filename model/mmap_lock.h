// The mmap_lock API (include/linux/mmap_lock.h, v6.6 to v6.12) and vma_end_write_all().
// mmap_write_unlock and mmap_write_downgrade end every VMA write lock of the mm at once by
// bumping mm_lock_seq with release ordering (Jann Horn's July 2023 ordering fix).
#ifndef MMCHECK_MODEL_MMAP_LOCK_H_
#define MMCHECK_MODEL_MMAP_LOCK_H_

#include "model/mm_types.h"

namespace mmcheck::model {

void mmap_read_lock(MmStruct* mm);
bool mmap_read_trylock(MmStruct* mm);
void mmap_read_unlock(MmStruct* mm);
void mmap_write_lock(MmStruct* mm);
void mmap_write_unlock(MmStruct* mm);
// mmap_write_lock_nested(mm, SINGLE_DEPTH_NESTING): dup_mmap's lock of the new mm under the old
// one's (lockdep subclass 1).
void mmap_write_lock_nested(MmStruct* mm, int subclass);
void mmap_write_downgrade(MmStruct* mm);
// vma_end_write_all(): smp_store_release(&mm->mm_lock_seq, mm->mm_lock_seq + 1).
void vma_end_write_all(MmStruct* mm);
// mmap_assert_write_locked(): a failed check is an assertion violation.
void mmap_assert_write_locked(MmStruct* mm);
// mmap_assert_locked() (lockdep), where a path relies on mmap_lock (read or write) that the
// caller may have left for the VMA lock: a failure is lock-misuse, named by what the thread does
// (`what`: "walks the page tables in ...").
void mmap_assert_locked(MmStruct* mm, const char* what);

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_MMAP_LOCK_H_
