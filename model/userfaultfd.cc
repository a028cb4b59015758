// userfaultfd; see userfaultfd.h. Mirrors fs/userfaultfd.c handle_userfault,
// userfaultfd_must_wait, wake_userfault, userfaultfd_release (v6.6) and mm/userfaultfd.c
// mfill_atomic -> mfill_atomic_pte_copy -> mfill_atomic_install_pte (v6.6 to v6.8: under
// mmap_read_lock; v6.9 to v6.12: under the VMA's lock, taken by uffd_mfill_lock).
#include "model/userfaultfd.h"

#include <cerrno>

#include "model/anon_prepare.h"
#include "model/memory.h"
#include "model/mmap_lock.h"
#include "model/vma_lock.h"

namespace mmcheck::model {
namespace {

// userfaultfd_must_wait() (v6.6 to v6.12): a lockless walk; wait if the page tables down to the
// PTE are not populated or the PTE is none (pte_none_mostly: markers count as none).
bool userfaultfd_must_wait(PageTable* pmd, unsigned long address) {
  PageTable* pte = pte_offset_map(pmd, address);
  if (pte == nullptr) return true;
  const Entry ptent = ptep_get(pte, address);
  pte_unmap();
  return pte_none(ptent) || ptent.kind == EntryKind::kMarker;
}

}  // namespace

UserfaultfdCtx::UserfaultfdCtx()
    : fault_pending_wqh("fault_pending_wqh"),
      released(false, "ctx->released"),
      mmap_changing(0, "ctx->mmap_changing"),
      map_changing_lock("ctx->map_changing_lock"),
      queued(0, "ctx->queued"),
      fd_wqh("fd_wqh") {}

void userfaultfd_register_setup(Vma* vma, UserfaultfdCtx* ctx) {
  vma->vm_flags.write(vma->vm_flags.peek() | VM_UFFD_MISSING);
  vma->vm_userfaultfd_ctx.write(ctx);
}

bool userfaultfd_missing(Vma* vma) {
  vma_use(vma, "reads vma->vm_flags");
  return vma->vm_flags.read() & VM_UFFD_MISSING;
}

vm_fault_t handle_userfault(Vma* vma, unsigned long address, unsigned int flags, PageTable* pmd) {
  MmStruct* mm = vma->vm_mm;
  vma_use(vma, "reads vma->vm_userfaultfd_ctx");
  UserfaultfdCtx* ctx = vma->vm_userfaultfd_ctx.read();
  if (ctx == nullptr) return VM_FAULT_SIGBUS;
  // If it's already released don't get it.
  if (ctx->released.load()) return VM_FAULT_NOPAGE;
  if (!(flags & FAULT_FLAG_ALLOW_RETRY)) return VM_FAULT_SIGBUS;
  vm_fault_t ret = VM_FAULT_RETRY;
  // Handle nowait, not much to do other than tell it to retry and wait (the lock stays held).
  if (flags & FAULT_FLAG_RETRY_NOWAIT) return ret;
  const Knobs& knobs = mm->knobs;
  bool must_wait = false;
  if (!knobs.userfault_enqueues_before_must_wait) must_wait = userfaultfd_must_wait(pmd, address);
  // spin_lock_irq(&ctx->fault_pending_wqh.lock); __add_wait_queue; set_current_state;
  // spin_unlock_irq: "The smp_mb() after __set_current_state prevents the reads following the
  // spin_unlock to happen before the list_add."
  ctx->fault_pending_wqh.prepare_to_wait();
  const int self = CurrentExecution().current_thread();
  if (ctx->monitor_reads) ctx->queued.fetch_add(1 << self);  // the message, under the same lock
  if (knobs.userfault_enqueues_before_must_wait) must_wait = userfaultfd_must_wait(pmd, address);
  if (knobs.userfault_releases_fault_lock) {
    ret |= vma_unlocked_flag(mm, flags);  // seed 002 v2 6/6
    release_fault_lock(vma, flags);
  }
  if (must_wait && !ctx->released.load()) {
    if (ctx->monitor_reads) ctx->fd_wqh.wake_up();  // wake_up_poll(&ctx->fd_wqh, EPOLLIN)
    Schedule();
  }
  ctx->fault_pending_wqh.finish_wait();  // __set_current_state(TASK_RUNNING); dequeue if queued
  if (ctx->monitor_reads) {
    // Off whichever queue it is on (list_empty_careful / list_del under the queue's lock).
    const int mine = 1 << self | 1 << (self + 16);
    int v = ctx->queued.load();
    while ((v & mine) && !ctx->queued.compare_exchange(v, v & ~mine)) {
    }
  }
  return ret;
}

namespace {

// uffd_lock_vma() (mm/userfaultfd.c v6.9 to v6.12, CONFIG_PER_VMA_LOCK): the VMA at `address`
// read-locked, or nullptr (-ENOENT). lock_vma_under_rcu first; a private VMA without an anon_vma
// is unlocked again ("anon_vma_prepare requires mmap_lock"). Else mmap_read_lock,
// find_vma_and_prepare_anon, and "We cannot use vma_start_read() as it may fail due to false
// locked (see comment in vma_start_read()). We can avoid that by directly locking vm_lock under
// mmap_lock, which guarantees that nobody can lock the vma for write (vma_start_write()) under
// us.": down_read(&vma->vm_lock->lock); mmap_read_unlock.
Vma* uffd_lock_vma(MmStruct* mm, unsigned long address) {
  Vma* vma = lock_vma_under_rcu(mm, address);
  if (vma != nullptr) {
    vma_use(vma, "reads vma->vm_flags and vma->anon_vma");
    if ((vma->vm_flags.read() & VM_SHARED) || vma->anon_vma.load()) return vma;
    vma_end_read(vma);
  }
  mmap_read_lock(mm);
  vma = find_vma(mm, address);  // vma_lookup
  if (vma != nullptr) {
    vma_use(vma, "reads vma->anon_vma");
    if (!vma->anon_vma.load()) __anon_vma_prepare(vma);  // anon_vma_prepare
    vma->vm_lock.down_read();
    vma->vm_lock_owners.add(1);
  }
  mmap_read_unlock(mm);
  return vma;
}

}  // namespace

int uffdio_copy(MmStruct* mm, UserfaultfdCtx* ctx, unsigned long address) {
  const bool vma_locked = mm->knobs.uffd_mfill_lock_vma;
  int err = -ENOENT;
  Vma* vma = nullptr;
  PageTable* pmd = nullptr;
  PageTable* pte = nullptr;
  Folio* folio = nullptr;
  if (vma_locked) {
    // uffd_mfill_lock(); then down_read(&ctx->map_changing_lock).
    vma = uffd_lock_vma(mm, address);
    if (vma == nullptr) return -ENOENT;
    ctx->map_changing_lock.down_read();
  } else {
    mmap_read_lock(mm);
  }
  err = -EAGAIN;
  if (ctx->mmap_changing.load()) goto out_unlock;
  // validate_dst_vma() (mm/userfaultfd.c v6.12; find_dst_vma() before v6.9 checks the same): a
  // VMA covers the address and is registered with *a* userfaultfd, "required to enforce the
  // VM_MAYWRITE check done at uffd registration time". It need not be the copying ctx (issue 16
  // item 8: the model required that).
  err = -ENOENT;
  if (!vma_locked) vma = find_vma(mm, address);
  if (vma == nullptr) goto out_unlock;
  vma_use(vma, "reads vma->vm_userfaultfd_ctx");
  if (vma->vm_userfaultfd_ctx.read() == nullptr) goto out_unlock;
  vma_use(vma, "reads vma->anon_vma");
  if (!vma->anon_vma.load()) __anon_vma_prepare(vma);
  folio = mm->mem_map->folio_alloc();  // copy_from_user into it: contents not modeled
  // mm_alloc_pmd() / pte_alloc()
  pmd = pmd_alloc(mm, address);
  pte_alloc(mm, pmd, address);
  // mfill_atomic_install_pte(): under the PTL, the slot must still be none.
  err = -EAGAIN;
  pte = pte_offset_map_lock(pmd, address);
  if (pte == nullptr) goto out_put;
  err = -EEXIST;
  if (!pte_none(ptep_get(pte, address)) && mm->knobs.uffd_copy_checks_pte_none) {
    pte_unmap_unlock(pte);
    goto out_put;
  }
  {
    Entry entry = pte_mkdirty(pte_mkyoung(mk_pte(folio->pfn)));
    vma_use(vma, "reads vma->vm_flags");
    if (vma->vm_flags.read() & VM_WRITE) entry = pte_mkwrite(entry);
    folio_add_new_anon_rmap(folio);
    set_entry(pte, address, entry);
    pte_unmap_unlock(pte);
    err = 0;
    goto out_unlock;
  }
out_put:
  folio_put(folio);
out_unlock:
  if (vma_locked) {
    ctx->map_changing_lock.up_read();
    vma_end_read(vma);  // uffd_mfill_unlock
  } else {
    mmap_read_unlock(mm);
  }
  // userfaultfd_copy(): unless UFFDIO_COPY_MODE_DONTWAKE, wake_userfault(): smp_mb(), then, if a
  // queue is active, __wake_userfault (SC memory: the seqcount retry loop reduces to this).
  if (err == 0) {
    bool need_wakeup = true;
    if (ctx->monitor_reads) {
      // waitqueue_active(&ctx->fault_pending_wqh) || waitqueue_active(&ctx->fault_wqh); knob off:
      // the pending queue only, which misses a waiter read() refiled.
      const int v = ctx->queued.load();
      need_wakeup = mm->knobs.uffd_wake_checks_fault_wqh ? v != 0 : (v & 0xffff) != 0;
    }
    if (need_wakeup) ctx->fault_pending_wqh.wake_up();  // __wake_userfault: both queues
  }
  return err;
}

unsigned long userfaultfd_read(UserfaultfdCtx* ctx) {
  while (true) {
    // __add_wait_queue(&ctx->fd_wqh); set_current_state(TASK_INTERRUPTIBLE); then, under
    // fault_pending_wqh.lock, find_userfault(): a waiter whose message is unread.
    ctx->fd_wqh.prepare_to_wait();
    int v = ctx->queued.load();
    while (v & 0xffff) {
      const int bit = v & -v;  // one pending waiter
      // write_seqcount_begin(&ctx->refile_seq); list_del; add_wait_queue(&ctx->fault_wqh);
      // write_seqcount_end: the refile.
      if (ctx->queued.compare_exchange(v, (v & ~bit) | bit << 16)) {
        ctx->fd_wqh.finish_wait();
        return 0;  // uwq->msg.arg.pagefault.address
      }
    }
    Schedule();  // no message yet (no O_NONBLOCK): sleep until a userfault wakes fd_wqh
    ctx->fd_wqh.finish_wait();
  }
}

void userfaultfd_release(MmStruct* mm, UserfaultfdCtx* ctx) {
  ctx->released.store(true);
  mmap_write_lock(mm);
  for (Vma* vma : mm->vmas) {
    if (mm->mm_mt[vma->vm_start].peek() != vma) continue;  // for_each_vma: the mapped ones
    vma_use(vma, "reads vma->vm_userfaultfd_ctx");
    if (vma->vm_userfaultfd_ctx.read() != ctx) continue;
    vma_start_write(vma);
    vma->vm_flags.write(vma->vm_flags.read() & ~VM_UFFD_MISSING);
    vma->vm_userfaultfd_ctx.write(nullptr);
  }
  mmap_write_unlock(mm);
  ctx->fault_pending_wqh.wake_up();  // __wake_up_locked_key(&ctx->fault_pending_wqh, ...)
}

}  // namespace mmcheck::model
