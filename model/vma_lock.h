// The per-VMA lock (include/linux/mm.h, v6.6 to v6.12, `vma->vm_lock->lock` an rw_semaphore,
// int vm_lock_seq) and the VMA's end: vm_area_free (kernel/fork.c, call_rcu).
//
// Locking: a VMA is write-locked while vm_lock_seq == mm->mm_lock_seq and mmap_lock is held for
// write; readers only ever trylock vm_lock. Every access to a VMA field here is a use of the VMA
// (Lifetime): one not ordered before its free is a use-after-free.
#ifndef MMCHECK_MODEL_VMA_LOCK_H_
#define MMCHECK_MODEL_VMA_LOCK_H_

#include "model/mm_types.h"

namespace mmcheck::model {

// vma_start_read(): true with vm_lock read-held, false if the VMA is (or may be) write-locked.
// Steps: READ_ONCE(vm_lock_seq) == READ_ONCE(mm_lock_seq) -> false; down_read_trylock, fail ->
// false; vm_lock_seq == smp_load_acquire(mm_lock_seq) -> up_read, false. ("False locked is
// allowed, false unlocked is impossible.")
bool vma_start_read(Vma* vma);
// vma_end_read(): rcu_read_lock(); up_read(); rcu_read_unlock(). The RCU section keeps the VMA
// alive while up_read still touches it after the release (rwsem_wake reads the count word).
void vma_end_read(Vma* vma);
// vma_start_write(): requires mmap_lock for write; down_write(vm_lock) (waits for readers),
// WRITE_ONCE(vm_lock_seq, mm_lock_seq), up_write. No-op if already write-locked.
void vma_start_write(Vma* vma);
// vma_assert_write_locked(): an assertion violation if vm_lock_seq != mm_lock_seq.
void vma_assert_write_locked(Vma* vma);
// vma_mark_detached(vma, true): asserts the VMA is write-locked, then sets detached.
void vma_mark_detached(Vma* vma, bool detached);
// I-VMA-1: the calling thread touches `vma` (`what`: "reads vma->vm_flags"). It must hold the
// VMA stable: mmap_lock (read or write), the VMA's own lock, or its file's i_mmap_rwsem. Otherwise a use-after-free
// violation, even if the VMA is not freed yet ("CAUTION! VMA can't be used after this"). The
// RCU-side lookup steps of lock_vma_under_rcu and vma_start_read/vma_end_read are not uses in this
// sense (they only check the lifetime).
void vma_use(Vma* vma, const char* what, const char* file = __builtin_FILE(),
             int line = __builtin_LINE(), const char* function = __builtin_FUNCTION());
// release_fault_lock() (include/linux/mm.h, v6.6+): vma_end_read under FAULT_FLAG_VMA_LOCK, else
// mmap_read_unlock.
void release_fault_lock(Vma* vma, unsigned int fault_flags);
// vm_area_free(): call_rcu(vm_area_free_rcu_cb), whose callback frees the VMA after a grace
// period. Knob vm_area_free_rcu = false frees at once (S12 twin B).
void vm_area_free(Vma* vma);

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_VMA_LOCK_H_
