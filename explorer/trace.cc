// Step and Trace helpers; see trace.h.
#include "explorer/trace.h"

#include "absl/strings/str_cat.h"

namespace mmcheck {

absl::string_view OpName(OpKind op) {
  switch (op) {
    case OpKind::kLoad: return "load";
    case OpKind::kStore: return "store";
    case OpKind::kExchange: return "exchange";
    case OpKind::kFetchAdd: return "fetch_add";
    case OpKind::kCompareExchange: return "compare_exchange";
    case OpKind::kLock: return "lock";
    case OpKind::kTryLock: return "try_lock";
    case OpKind::kUnlock: return "unlock";
    case OpKind::kSpawn: return "spawn";
    case OpKind::kJoin: return "join";
    case OpKind::kYield: return "yield";
  }
  return "?";
}

Access AccessAt(const Step& step, int64_t old) {
  Step moved = step;
  if (step.op == OpKind::kCompareExchange) moved.ok = old == step.expected;
  if (step.op == OpKind::kTryLock) moved.ok = old == 0;
  return AccessOf(moved);
}

int64_t ValueAfter(const Step& step) {
  switch (step.op) {
    case OpKind::kStore:
    case OpKind::kExchange: return step.arg;
    case OpKind::kFetchAdd: return step.old + step.arg;
    case OpKind::kCompareExchange: return step.ok ? step.arg : step.old;
    case OpKind::kLock: return 1;
    case OpKind::kTryLock: return step.ok ? 1 : step.old;
    case OpKind::kUnlock: return 0;
    default: return step.old;
  }
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
