// The mmap_lock API; see mmap_lock.h. Locking: exactly the rw_semaphore's, plus mm_lock_seq.
#include "model/mmap_lock.h"

#include "absl/strings/str_cat.h"

namespace mmcheck::model {

void mmap_read_lock(MmStruct* mm) { mm->mmap_lock.down_read(); }

bool mmap_read_trylock(MmStruct* mm) { return mm->mmap_lock.down_read_trylock(); }

void mmap_read_unlock(MmStruct* mm) { mm->mmap_lock.up_read(); }

void mmap_write_lock(MmStruct* mm) { mm->mmap_lock.down_write(); }

void mmap_write_lock_nested(MmStruct* mm, int subclass) {
  mm->mmap_lock.down_write_nested(subclass);
}

void vma_end_write_all(MmStruct* mm) {
  mmap_assert_write_locked(mm);
  // Only the mmap_lock writer changes mm_lock_seq: a plain read of it would do; the model reads
  // it atomically, which adds a step but no behaviour.
  mm->mm_lock_seq.store(mm->mm_lock_seq.load() + 1);
}

void mmap_write_unlock(MmStruct* mm) {
  vma_end_write_all(mm);
  mm->mmap_lock.up_write();
}

void mmap_write_downgrade(MmStruct* mm) {
  vma_end_write_all(mm);
  mm->mmap_lock.downgrade_write();
}

void mmap_assert_write_locked(MmStruct* mm) {
  if (!mm->mmap_lock.held_by_current_for_write()) {
    AssertFailed("mmap_assert_write_locked(mm)", "mmap_lock is not held for write", __FILE__,
                 __LINE__);
  }
}

void mmap_assert_locked(MmStruct* mm, const char* what) {
  if (mm->mmap_lock.held_by_current()) return;
  Execution& e = CurrentExecution();
  Violate(ViolationKind::kLockMisuse,
          absl::StrCat("mmap_assert_locked: thread '", e.thread_name(e.current_thread()), "' ",
                       what, " without mmap_lock"));
}

}  // namespace mmcheck::model
