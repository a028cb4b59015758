// RCU; see rcu.h.
#include "explorer/primitives/rcu.h"

#include "absl/strings/str_cat.h"
#include "explorer/runtime/check.h"

namespace mmcheck {
namespace {

void WaitForGracePeriod(Execution& e, int grace_period, const char* file, int line) {
  e.Visible(OpKind::kGracePeriodWait, e.rcu_object(), grace_period, file, line);
}

// The start of an RCU (irq false) or IRQ-off section.
void EnterSection(bool irq, const char* file, int line, const char* function) {
  Execution& e = Execution::Get();
  e.Visible(irq ? OpKind::kIrqDisable : OpKind::kRcuLock, e.rcu_object(), 0, file, line).function =
      function;
  if (e.InThread()) e.sync().EnterSection(e.current_thread(), irq);
}

// Its end; `misuse` says what ending one outside a section is.
void LeaveSection(bool irq, const char* misuse, const char* file, int line, const char* function) {
  Execution& e = Execution::Get();
  e.Visible(irq ? OpKind::kIrqEnable : OpKind::kRcuUnlock, e.rcu_object(), 0, file, line).function =
      function;
  if (!e.InThread()) return;
  if (e.sync().section_depth(e.current_thread(), irq) == 0) {
    e.Fail(ViolationKind::kLockMisuse,
           absl::StrCat("thread '", e.thread_name(e.current_thread()), "' calls ", misuse), file,
           line);
  }
  e.sync().LeaveSection(e.current_thread(), irq);
}

bool InSection(bool irq) {
  const Execution& e = Execution::Get();
  return e.InThread() && e.sync().section_depth(e.current_thread(), irq) > 0;
}

// synchronize_rcu (op kSynchronizeRcu) or a synchronous IPI (kSendIpi): start the grace period
// over the sections it waits for, and wait for it.
void StartAndWait(OpKind op, const char* file, int line, const char* function) {
  Execution& e = Execution::Get();
  Step& step = e.Visible(op, e.rcu_object(), 0, file, line);
  step.function = function;
  if (!e.InThread()) return;
  const int grace_period = e.sync().StartGracePeriod(/*ipi=*/op == OpKind::kSendIpi);
  step.arg = grace_period;
  WaitForGracePeriod(e, grace_period, file, line);
}

}  // namespace

void RcuReadLock(const char* file, int line, const char* function) {
  EnterSection(/*irq=*/false, file, line, function);
}

void RcuReadUnlock(const char* file, int line, const char* function) {
  LeaveSection(/*irq=*/false, "rcu_read_unlock outside a read-side section", file, line, function);
}

bool RcuReadLockHeld() { return InSection(/*irq=*/false); }

void SynchronizeRcu(const char* file, int line, const char* function) {
  Execution::Get().MightSleep("synchronize_rcu()", file, line);
  StartAndWait(OpKind::kSynchronizeRcu, file, line, function);
}

void CallRcu(absl::AnyInvocable<void()> callback, const char* file, int line,
             const char* function) {
  Execution& e = Execution::Get();
  Step& step = e.Visible(OpKind::kCallRcu, e.rcu_object(), 0, file, line);
  step.function = function;
  const int grace_period = e.sync().StartGracePeriod();
  step.arg = grace_period;
  e.Spawn(
      "rcu callback",
      [grace_period, callback = std::move(callback), file, line]() mutable {
        WaitForGracePeriod(Execution::Get(), grace_period, file, line);
        callback();
      },
      file, line);
}

void LocalIrqDisable(const char* file, int line, const char* function) {
  EnterSection(/*irq=*/true, file, line, function);
}

void LocalIrqEnable(const char* file, int line, const char* function) {
  LeaveSection(/*irq=*/true, "local_irq_enable with interrupts on", file, line, function);
}

bool IrqsDisabled() { return InSection(/*irq=*/true); }

void SendIpiAndWait(const char* file, int line, const char* function) {
  StartAndWait(OpKind::kSendIpi, file, line, function);
}

}  // namespace mmcheck
