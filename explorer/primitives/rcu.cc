// RCU; see rcu.h.
#include "explorer/primitives/rcu.h"

#include "absl/strings/str_cat.h"
#include "explorer/runtime/check.h"

namespace mmcheck {
namespace {

void WaitForGracePeriod(Execution& e, int grace_period, const char* file, int line) {
  e.Visible(OpKind::kGracePeriodWait, e.rcu_object(), grace_period, file, line);
}

}  // namespace

void RcuReadLock(const char* file, int line, const char* function) {
  Execution& e = Execution::Get();
  e.Visible(OpKind::kRcuLock, e.rcu_object(), 0, file, line).function = function;
  if (e.InThread()) e.sync().RcuLock(e.current_thread());
}

void RcuReadUnlock(const char* file, int line, const char* function) {
  Execution& e = Execution::Get();
  e.Visible(OpKind::kRcuUnlock, e.rcu_object(), 0, file, line).function = function;
  if (!e.InThread()) return;
  if (e.sync().rcu_depth(e.current_thread()) == 0) {
    e.Fail(ViolationKind::kLockMisuse,
           absl::StrCat("thread '", e.thread_name(e.current_thread()),
                        "' calls rcu_read_unlock outside a read-side section"),
           file, line);
  }
  e.sync().RcuUnlock(e.current_thread());
}

bool RcuReadLockHeld() {
  const Execution& e = Execution::Get();
  return e.InThread() && e.sync().rcu_depth(e.current_thread()) > 0;
}

void SynchronizeRcu(const char* file, int line, const char* function) {
  Execution& e = Execution::Get();
  e.MightSleep("synchronize_rcu()", file, line);
  Step& step = e.Visible(OpKind::kSynchronizeRcu, e.rcu_object(), 0, file, line);
  step.function = function;
  if (!e.InThread()) return;
  const int grace_period = e.sync().StartGracePeriod();
  step.arg = grace_period;
  WaitForGracePeriod(e, grace_period, file, line);
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
  Execution& e = Execution::Get();
  e.Visible(OpKind::kIrqDisable, e.rcu_object(), 0, file, line).function = function;
  if (e.InThread()) e.sync().IrqDisable(e.current_thread());
}

void LocalIrqEnable(const char* file, int line, const char* function) {
  Execution& e = Execution::Get();
  e.Visible(OpKind::kIrqEnable, e.rcu_object(), 0, file, line).function = function;
  if (!e.InThread()) return;
  if (e.sync().irq_depth(e.current_thread()) == 0) {
    e.Fail(ViolationKind::kLockMisuse,
           absl::StrCat("thread '", e.thread_name(e.current_thread()),
                        "' calls local_irq_enable with interrupts on"),
           file, line);
  }
  e.sync().IrqEnable(e.current_thread());
}

bool IrqsDisabled() {
  const Execution& e = Execution::Get();
  return e.InThread() && e.sync().irq_depth(e.current_thread()) > 0;
}

void SendIpiAndWait(const char* file, int line, const char* function) {
  Execution& e = Execution::Get();
  Step& step = e.Visible(OpKind::kSendIpi, e.rcu_object(), 0, file, line);
  step.function = function;
  if (!e.InThread()) return;
  const int ipi = e.sync().StartGracePeriod(/*ipi=*/true);
  step.arg = ipi;
  WaitForGracePeriod(e, ipi, file, line);
}

}  // namespace mmcheck
