// Explore: run a scenario body under a strategy, execution after execution, and collect what
// was found.
//
// Stop rule (architecture.md 2.4): with a target kind (a buggy twin's declared violation) the
// search stops at the first violation of that kind, and violations of other kinds met on the way
// are kept but do not stop it; without one (a scenario expected to pass) the first violation of
// any kind stops it. Limits (executions, time) stop it too; then the result is not complete.
// A lock-order finding does not end its execution (lockdep warns and goes on); replaying its
// token shows the acquisition that closed the cycle, the other edges came from the executions
// its message names.
#ifndef MMCHECK_EXPLORER_RUNTIME_EXPLORER_H_
#define MMCHECK_EXPLORER_RUNTIME_EXPLORER_H_

#include <cstdint>
#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "explorer/runtime/execution.h"
#include "explorer/runtime/violation.h"
#include "explorer/search/strategy.h"

namespace mmcheck {

struct ExploreProgress {
  uint64_t executions;
  int depth;  // steps of the longest execution so far
  double elapsed_s;
};

struct ExploreOptions {
  std::string scenario;                 // name, for replay tokens
  std::optional<Finding> target;        // the finding a buggy twin declares, if any
  // Keep exploring after any violation (the first of each kind is kept): for tests that compare
  // everything two strategies find.
  bool find_all = false;
  // Report each violation as its minimal interleaving (fewest preemptions, minimize.h).
  bool minimize = true;
  uint64_t max_executions = 0;  // 0: no limit
  double time_limit_s = 0;      // 0: no limit
  ExecutionLimits limits;
  // Called about once a second while exploring (progress display); may be empty.
  std::function<void(const ExploreProgress&)> progress;
  // Set from outside (a SIGINT handler): the search stops after the execution it is in, as
  // kInterrupted, not complete. May be null.
  const std::atomic<bool>* interrupt = nullptr;
};

// kInterrupted: ExploreOptions::interrupt was set (Ctrl-C).
enum class StopReason {
  kExhausted,
  kViolation,
  kMaxExecutions,
  kTimeLimit,
  kInterrupted,
  kInputError
};

struct ExploreResult {
  absl::Status status;      // an input error found while exploring (bad replay token)
  uint64_t executions = 0;  // complete executions (all threads finished, no violation)
  uint64_t redundant_executions = 0;
  uint64_t blocked_executions = 0;
  uint64_t violating_executions = 0;
  int max_depth = 0;
  // Every execution the search ran (complete, redundant, blocked or violating; not a replay's
  // witnesses): a violation's token names the execution of this number that found it, so a
  // search that stops at its violation explored exactly that many.
  uint64_t explored() const {
    return executions + redundant_executions + blocked_executions + violating_executions;
  }
  uint64_t total_steps = 0;  // steps performed, over all executions
  bool complete = false;     // every execution was covered
  StopReason stop = StopReason::kExhausted;
  // The first of each kind, in the order found, and the first that is the target finding if
  // another violation of its kind came first.
  std::vector<Violation> violations;
  double elapsed_s = 0;

  // The first violation of `kind`, or nullptr.
  const Violation* Find(ViolationKind kind) const;
  // The first violation that is `finding`, or nullptr.
  const Violation* Find(const Finding& finding) const;
};

ExploreResult Explore(absl::FunctionRef<void()> body, Strategy& strategy,
                      const ExploreOptions& options);

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_RUNTIME_EXPLORER_H_
