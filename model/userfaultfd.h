// userfaultfd (kernel-model.md 2.6 and 3.7): the faulting side, handle_userfault (fs/userfaultfd.c
// v6.6+), and the monitor's side: UFFDIO_COPY (mm/userfaultfd.c mfill_atomic, the v6.6 to v6.8
// form under mmap_read_lock), wake_userfault, and closing the uffd (userfaultfd_release).
#ifndef MMCHECK_MODEL_USERFAULTFD_H_
#define MMCHECK_MODEL_USERFAULTFD_H_

#include "model/fault.h"
#include "model/mm_types.h"

namespace mmcheck::model {

struct UserfaultfdCtx {
  UserfaultfdCtx();

  // The queue a userfault sleeps on (its spinlock folded into the queue's steps). In the kernel a
  // waiter sits on fault_pending_wqh until the monitor's read() refiles it to fault_wqh; a wake
  // reaches it on either. Which of the two it is on is `queued`.
  WaitQueue fault_pending_wqh;
  Atomic<bool> released;      // set when the uffd is closed
  Atomic<int> mmap_changing;  // non-zero during fork/mremap/unmap events (EVENT_* features)
  // v6.9+: taken for reading around a VMA-locked UFFDIO_COPY, for writing by the EVENT_* side
  // (no scenario enables those events).
  RwSemaphore map_changing_lock;
  // Setup: the monitor read()s the messages. Only then is `queued` kept (it is what read() and
  // the wake's waitqueue_active checks see; without a reader the bookkeeping would show nothing).
  bool monitor_reads = false;
  // Bit t: thread t waits on fault_pending_wqh, its message unread; bit t + 16: on fault_wqh,
  // its message read. One word, so the refile is one atomic step (the refile_seq seqcount makes
  // it look atomic to wake_userfault's lockless checks).
  Atomic<int> queued;
  WaitQueue fd_wqh;  // the monitor's read() sleeps here; handle_userfault wakes it (EPOLLIN)
};

// Setup only: register [start, end) of `vma`'s range for MISSING faults with `ctx`.
void userfaultfd_register_setup(Vma* vma, UserfaultfdCtx* ctx);

// userfaultfd_missing(vma): the VMA is registered for MISSING faults.
bool userfaultfd_missing(Vma* vma);

// handle_userfault(vmf, VM_UFFD_MISSING) for the fault at `address`, with the fault lock held and
// the PTL released (3.7): enqueue and set_current_state, must_wait (a lockless page-table walk),
// release_fault_lock, then sleep if it must; returns VM_FAULT_RETRY (VM_FAULT_NOPAGE if the uffd
// was closed). Under seed 002 v2 (6/6) it reports the drop with VM_FAULT_VMA_UNLOCKED.
vm_fault_t handle_userfault(Vma* vma, unsigned long address, unsigned int flags, PageTable* pmd);

// UFFDIO_COPY of one page at `address` into `mm`, then (unless it failed) wake_userfault: under
// mmap_read_lock (v6.6 to v6.8), or, with knob uffd_mfill_lock_vma, under the VMA lock that
// uffd_mfill_lock takes (v6.9+, kernel-model.md 3.7 UFFDIO_COPY step 1). Returns
// 0, -EAGAIN (mmap_changing), -ENOENT (no registered VMA there) or -EEXIST (already mapped).
int uffdio_copy(MmStruct* mm, UserfaultfdCtx* ctx, unsigned long address);

// read() on the uffd, blocking (userfaultfd_ctx_read, v6.6): sleep on fd_wqh until a userfault
// is pending on fault_pending_wqh, then take its message and refile the waiter to fault_wqh.
// Returns the fault's address (every userfault of the scenarios is at page 0).
unsigned long userfaultfd_read(UserfaultfdCtx* ctx);

// Closing the uffd (userfaultfd_release, v6.6): released = true; under mmap_write_lock every
// registered VMA is write-locked and unregistered; then every waiter is woken.
void userfaultfd_release(MmStruct* mm, UserfaultfdCtx* ctx);

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_USERFAULTFD_H_
