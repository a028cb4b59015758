// Result: pass (v6.6+ merged); @wake-skips-fault-wqh: violation:deadlock (a lost wakeup).
// Question: the monitor's classic loop, read() the message then UFFDIO_COPY: read() moves the
// waiter from fault_pending_wqh to fault_wqh; does the copy's wake still reach it?
// (kernel-model.md S3, 3.7 UFFDIO_COPY step 7)
// Threads: "fault" (a write fault at page 0 of a VMA registered for MISSING faults: the per-VMA
// lock path, handle_userfault: enqueue with its message, must_wait, release the lock, wake the
// reader, sleep) and "monitor" (a blocking read() of the uffd, then UFFDIO_COPY of the address it
// read and wake_userfault).
// Kernel paths: fs/userfaultfd.c handle_userfault, userfaultfd_ctx_read (the refile under
// refile_seq), wake_userfault, __wake_userfault (v6.6); mm/userfaultfd.c mfill_atomic (v6.6 to
// v6.8).
// Invariant I-MAP-1 at the end.
// Twin: wake_userfault checks only fault_pending_wqh: after read() refiled the waiter to
// fault_wqh, the copy sees no waiter and wakes nobody; the fault, which checked must_wait before
// the copy installed the page, sleeps forever (I-WAKE-1). This is why the kernel tests both
// queues, and why the refile runs under refile_seq.
#include "explorer/runtime/scenario.h"
#include "model/fault.h"
#include "model/oracle.h"
#include "model/userfaultfd.h"

namespace mmcheck {
namespace {

using model::Knobs;
using model::MmStruct;

void FaultVsReadCopy(Knobs knobs) {
  MmStruct* mm = Make<MmStruct>(knobs);
  model::Vma* vma = mm->map(0, 2, model::VM_READ | model::VM_WRITE | model::VM_MAYWRITE);
  vma->anon_vma.store(true);
  model::UserfaultfdCtx* ctx = Make<model::UserfaultfdCtx>();
  ctx->monitor_reads = true;
  model::userfaultfd_register_setup(vma, ctx);
  Spawn("fault", [mm] {
    model::do_user_addr_fault(mm, 0, model::FAULT_FLAG_USER | model::FAULT_FLAG_WRITE);
  });
  Spawn("monitor", [mm, ctx] { model::uffdio_copy(mm, ctx, model::userfaultfd_read(ctx)); });
  model::check_mem_map_at_end(mm->mem_map);
}

MMCHECK_SCENARIO("uffd/fault-vs-read-copy", Expect::Pass(),
                 {.question = "Does the copy's wake reach a userfault whose message read() took?",
                  .spec = "S3",
                  .protocol = "v6.6"}) {
  FaultVsReadCopy(Knobs{});
}

MMCHECK_SCENARIO("uffd/fault-vs-read-copy@wake-skips-fault-wqh",
                 Expect::Violation(ViolationKind::kDeadlock,
                                   "'fault' sleeps in schedule() on fault_pending_wqh"),
                 {.question = "If wake_userfault looked only at fault_pending_wqh, would the read "
                              "waiter be lost?",
                  .spec = "S3",
                  .protocol = "v6.6"}) {
  FaultVsReadCopy(Knobs{.uffd_wake_checks_fault_wqh = false});
}

}  // namespace
}  // namespace mmcheck
