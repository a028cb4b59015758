// Step and Trace helpers; see trace.h.
#include "explorer/runtime/trace.h"

#include "absl/strings/str_cat.h"

namespace mmcheck {

absl::string_view OpName(OpKind op) {
  switch (op) {
    case OpKind::kLoad:
      return "load";
    case OpKind::kStore:
      return "store";
    case OpKind::kExchange:
      return "exchange";
    case OpKind::kFetchAdd:
      return "fetch_add";
    case OpKind::kCompareExchange:
      return "cmpxchg";
    case OpKind::kLock:
      return "mutex_lock";
    case OpKind::kTryLock:
      return "mutex_trylock";
    case OpKind::kUnlock:
      return "mutex_unlock";
    case OpKind::kWaitUnlocked:
      return "wait_unlocked";
    case OpKind::kSpinLock:
      return "spin_lock";
    case OpKind::kSpinTryLock:
      return "spin_trylock";
    case OpKind::kSpinUnlock:
      return "spin_unlock";
    case OpKind::kDownRead:
      return "down_read";
    case OpKind::kDownReadTry:
      return "down_read_trylock";
    case OpKind::kUpRead:
      return "up_read";
    case OpKind::kDownWriteStart:
      return "down_write";
    case OpKind::kDownWrite:
      return "down_write:acquire";
    case OpKind::kDownWriteTry:
      return "down_write_trylock";
    case OpKind::kUpWrite:
      return "up_write";
    case OpKind::kDowngradeWrite:
      return "downgrade_write";
    case OpKind::kRcuLock:
      return "rcu_read_lock";
    case OpKind::kRcuUnlock:
      return "rcu_read_unlock";
    case OpKind::kSynchronizeRcu:
      return "synchronize_rcu";
    case OpKind::kCallRcu:
      return "call_rcu";
    case OpKind::kGracePeriodWait:
      return "grace_period_wait";
    case OpKind::kIrqDisable:
      return "local_irq_disable";
    case OpKind::kIrqEnable:
      return "local_irq_enable";
    case OpKind::kSendIpi:
      return "send_ipi";
    case OpKind::kPrepareToWait:
      return "prepare_to_wait";
    case OpKind::kWakeUp:
      return "wake_up";
    case OpKind::kSchedule:
      return "schedule";
    case OpKind::kFinishWait:
      return "finish_wait";
    case OpKind::kSpawn:
      return "spawn";
    case OpKind::kJoin:
      return "join";
    case OpKind::kYield:
      return "yield";
  }
  return "?";
}

Access AccessAt(const Step& step, int64_t old) {
  return AccessOf(step.op, OutcomeAt(step.op, old, step.expected));
}

std::optional<int64_t> ValueAfter(const Step& step) {
  switch (step.op) {
    case OpKind::kLoad:
      return step.old;
    case OpKind::kStore:
    case OpKind::kExchange:
      return step.arg;
    case OpKind::kFetchAdd:
      return step.old + step.arg;
    case OpKind::kCompareExchange:
      return step.ok ? step.arg : step.old;
    case OpKind::kLock:
    case OpKind::kSpinLock:
      return 1;
    case OpKind::kTryLock:
    case OpKind::kSpinTryLock:
      return step.ok ? 1 : step.old;
    case OpKind::kUnlock:
    case OpKind::kSpinUnlock:
      return 0;
    case OpKind::kWaitUnlocked:
      return 0;
    default:
      return std::nullopt;  // a reader count, a queue: not one step's business
  }
}

std::string Trace::Value(const Step& step, int64_t value) const {
  if (step.object >= 0 && static_cast<size_t>(step.object) < objects.size() &&
      objects[static_cast<size_t>(step.object)].format != nullptr) {
    return objects[static_cast<size_t>(step.object)].format(value);
  }
  return absl::StrCat(value);
}

std::string Trace::ObjectName(int object) const {
  if (object < 0 || object >= static_cast<int>(objects.size())) return "";
  const ObjectInfo& info = objects[object];
  if (info.index < 0) return info.name;
  return absl::StrCat(info.name, "[", info.index, "]");
}

std::string Trace::ObjectName(const Step& step) const {
  if (step.op == OpKind::kSpawn || step.op == OpKind::kJoin) {
    if (step.object >= 0 && step.object < static_cast<int>(thread_names.size())) {
      return absl::StrCat("thread ", step.object, " '", thread_names[step.object], "'");
    }
    return absl::StrCat("thread ", step.object);
  }
  return ObjectName(step.object);
}

int CountPreemptions(const std::vector<Step>& steps) {
  int preemptions = 0;
  for (size_t i = 1; i < steps.size(); ++i) {
    const int prev = steps[i - 1].thread;
    if (steps[i].thread != prev && (steps[i].enabled >> prev & 1)) ++preemptions;
  }
  return preemptions;
}

}  // namespace mmcheck
