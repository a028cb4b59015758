// The scenario API: what scenario and model code calls, as free functions over the current
// execution (Loom style). Every call must happen inside an execution: in a scenario body, in a
// thread it spawned, or in an invariant or end-of-run check.
#ifndef MMCHECK_EXPLORER_API_H_
#define MMCHECK_EXPLORER_API_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "explorer/primitives/atomic.h"
#include "explorer/primitives/mutex.h"
#include "explorer/primitives/rcu.h"
#include "explorer/primitives/rwsem.h"
#include "explorer/primitives/shared.h"
#include "explorer/primitives/wait_queue.h"
#include "explorer/runtime/check.h"
#include "explorer/runtime/execution.h"

namespace mmcheck {

inline Execution& CurrentExecution() { return Execution::Get(); }

// A spawned thread, for Join().
struct ThreadHandle {
  int index;
};

// Starts a thread with role `name`. In the scenario body the thread is runnable at step 0 and
// spawning is no scheduling point; from a running thread, spawning is a visible operation.
template <typename F>
ThreadHandle Spawn(std::string name, F&& body, const char* file = __builtin_FILE(),
                   int line = __builtin_LINE()) {
  return ThreadHandle{CurrentExecution().Spawn(std::move(name), std::forward<F>(body), file, line)};
}

// Visible; waits until the thread has finished.
inline void Join(ThreadHandle thread, const char* file = __builtin_FILE(),
                 int line = __builtin_LINE()) {
  CurrentExecution().Join(thread.index, file, line);
}

// Visible; marks a spin-loop iteration (see Execution::Yield).
inline void Yield(const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
  CurrentExecution().Yield(file, line);
}

// A named invariant, checked after every step and at the end. `observes` names every object the
// check reads, by the base name it was created with (Atomic<int>(0, "x") is "x", an array's
// elements share one name), so that DPOR orders the steps that change them (see
// Execution::AddInvariant): a check must read nothing else.
template <typename F>
void Invariant(std::string name, std::vector<std::string> observes, F&& check) {
  CurrentExecution().AddInvariant(std::move(name), std::move(observes), std::forward<F>(check));
}

// Ghost state of the model that is no registered object (a TLB record) declares each change by
// name, so that an invariant can observe it: Invariant(..., {"tlb"}, ...).
inline void GhostWrite(absl::string_view name) { CurrentExecution().GhostWrite(name); }

// A check that runs once every thread has finished.
template <typename F>
void AtEnd(F&& check) {
  CurrentExecution().AtEnd(std::forward<F>(check));
}

// Creates an object that lives until the execution is torn down, so threads may capture it by
// pointer.
template <typename T, typename... Args>
T* Make(Args&&... args) {
  return CurrentExecution().Own(std::make_unique<T>(std::forward<Args>(args)...));
}

// A finding of the model that is not a failed assertion (use-after-free, invariant, ...): records
// it on the current execution and ends the calling thread.
[[noreturn]] inline void Violate(ViolationKind kind, std::string message,
                                 const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
  CurrentExecution().Fail(kind, std::move(message), file, line);
}

[[noreturn]] inline void AssertFailed(const char* condition, const std::string& detail,
                                      const char* file, int line) {
  CurrentExecution().Fail(
      ViolationKind::kAssertion,
      absl::StrCat("assertion failed: ", condition, detail.empty() ? "" : ": ", detail), file,
      line);
}

}  // namespace mmcheck

// A check in scenario or model code. On failure the execution records an `assertion` violation
// and the calling thread unwinds; the search goes on with the next execution.
#define MMCHECK_ASSERT(cond) \
  ((cond) ? static_cast<void>(0) : ::mmcheck::AssertFailed(#cond, "", __FILE__, __LINE__))
#define MMCHECK_ASSERT_MSG(cond, ...) \
  ((cond) ? static_cast<void>(0)      \
          : ::mmcheck::AssertFailed(#cond, ::absl::StrCat(__VA_ARGS__), __FILE__, __LINE__))

#endif  // MMCHECK_EXPLORER_API_H_
