// The per-VMA lock; see vma_lock.h. Mirrors include/linux/mm.h v6.6 to v6.12 (vma_start_read,
// vma_end_read, vma_start_write, vma_assert_write_locked, vma_mark_detached) and kernel/fork.c
// vm_area_free / vm_area_free_rcu_cb.
#include "model/vma_lock.h"

#include "absl/strings/str_cat.h"
#include "model/fault.h"
#include "model/mmap_lock.h"

namespace mmcheck::model {

bool vma_start_read(Vma* vma) {
  MmStruct* mm = vma->vm_mm;
  vma->lifetime.Use("reads vma->vm_lock_seq");
  if (vma->vm_lock_seq.load() == mm->mm_lock_seq.load()) return false;
  vma->lifetime.Use("down_read_trylock(&vma->vm_lock->lock)");
  if (!vma->vm_lock.down_read_trylock()) return false;
  // Overflow could make this a false "locked", never a false "unlocked".
  vma->lifetime.Use("reads vma->vm_lock_seq");
  if (vma->vm_lock_seq.load() == mm->mm_lock_seq.load()) {
    vma->vm_lock.up_read();
    return false;
  }
  vma->vm_lock_owners.add(1);
  return true;
}

void vma_end_read(Vma* vma) {
  const bool bracket = vma->vm_mm->knobs.vma_end_read_rcu_bracket;
  if (bracket) RcuReadLock();  // keeps vma alive till the end of up_read
  vma->lifetime.Use("up_read(&vma->vm_lock->lock)");
  vma->vm_lock_owners.add(-1);
  vma->vm_lock.up_read();
  // __up_read: after the count is released, rwsem_wake() may still read the semaphore.
  vma->lifetime.Use("reads vma->vm_lock->count in up_read after the release");
  vma->vm_lock_count.load();
  if (bracket) RcuReadUnlock();
}

void vma_start_write(Vma* vma) {
  MmStruct* mm = vma->vm_mm;
  mmap_assert_write_locked(mm);
  const int mm_lock_seq = mm->mm_lock_seq.load();
  vma->lifetime.Use("reads vma->vm_lock_seq");
  if (vma->vm_lock_seq.load() == mm_lock_seq) return;
  vma->lifetime.Use("down_write(&vma->vm_lock->lock)");
  vma->vm_lock.down_write();
  vma->vm_lock_seq.store(mm_lock_seq);
  vma->vm_lock.up_write();
}

void vma_assert_write_locked(Vma* vma) {
  vma->lifetime.Use("reads vma->vm_lock_seq");
  if (vma->vm_lock_seq.load() != vma->vm_mm->mm_lock_seq.load()) {
    AssertFailed("vma_assert_write_locked(vma)", vma->name + " is not write-locked", __FILE__,
                 __LINE__);
  }
}

void vma_mark_detached(Vma* vma, bool detached) {
  if (detached) vma_assert_write_locked(vma);
  vma->lifetime.Use("writes vma->detached");
  vma->detached.write(detached);
}

// The caller's place (file, line, function) is the use reports show, not this helper's.
void vma_use(Vma* vma, const char* what, const char* file, int line, const char* function) {
  vma->lifetime.Use(what, file, line, function);
  if (vma->vm_mm->mmap_lock.held_by_current() || vma->vm_lock.held_by_current()) return;
  // The rmap lock of a file VMA (i_mmap_rwsem) keeps it too: a VMA leaves i_mmap before it is
  // freed (Documentation/mm/process_addrs.rst: "any one of the mmap, VMA or rmap locks").
  if (vma->vm_file != nullptr && vma->vm_file->i_mmap_rwsem.held_by_current()) return;
  Violate(ViolationKind::kUseAfterFree,
          absl::StrCat("I-VMA-1: thread '",
                       CurrentExecution().thread_name(CurrentExecution().current_thread()), "' ",
                       what, " of ", vma->name,
                       " without holding mmap_lock or its VMA lock: once the lock is dropped the "
                       "VMA may be freed under it"),
          file, line);
}

void release_fault_lock(Vma* vma, unsigned int fault_flags) {
  if (fault_flags & FAULT_FLAG_VMA_LOCK) {
    vma_end_read(vma);
  } else {
    vma_use(vma, "reads vma->vm_mm");
    mmap_read_unlock(vma->vm_mm);
  }
}

void vm_area_free(Vma* vma) {
  if (!vma->vm_mm->knobs.vm_area_free_rcu) {
    vma->lifetime.Free("vm_area_free without call_rcu");
    return;
  }
  CallRcu([vma] { vma->lifetime.Free("vm_area_free_rcu_cb"); });
}

}  // namespace mmcheck::model
