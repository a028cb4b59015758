// Explore; see explorer.h.
#include "explorer/explorer.h"

#include <algorithm>
#include <chrono>

#include "explorer/fiber.h"
#include "explorer/token.h"

namespace mmcheck {

const Violation* ExploreResult::Find(ViolationKind kind) const {
  for (const Violation& v : violations) {
    if (v.kind == kind) return &v;
  }
  return nullptr;
}

namespace {

std::vector<int> PicksUpTo(const Execution& execution, const Violation& v) {
  const std::vector<int>& all = execution.picks();
  return std::vector<int>(all.begin(), all.begin() + std::min<long>(v.picks, all.size()));
}

}  // namespace

ExploreResult Explore(absl::FunctionRef<void()> body, Strategy& strategy,
                      const ExploreOptions& options) {
  // Wall-clock time only bounds and reports the search; it never reaches a scheduling decision.
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  Clock::time_point next_progress = start + std::chrono::seconds(1);

  ExploreResult result;
  StackPool stacks;
  Execution execution(stacks, options.limits);
  LockOrder lock_order;  // lockdep's graph: one per exploration, across its executions
  execution.set_lock_order(&lock_order);
  uint64_t number = 0;
  bool exhausted = false;
  while (true) {
    if (options.max_executions != 0 && number >= options.max_executions) {
      result.stop = StopReason::kMaxExecutions;
      break;
    }
    if (!strategy.NewExecution()) {
      exhausted = true;
      break;
    }
    ++number;
    execution.set_execution_number(static_cast<int>(number));
    const ExecutionOutcome outcome = execution.Run(body, strategy);
    strategy.EndExecution(execution, outcome);
    result.max_depth = std::max(result.max_depth, execution.steps());
    result.total_steps += static_cast<uint64_t>(execution.performed_steps());
    if (!strategy.status().ok()) {
      result.status = strategy.status();
      result.stop = StopReason::kInputError;
      break;
    }
    bool stop = false;
    for (const Violation& finding : execution.findings()) {
      if (result.Find(finding.kind) == nullptr) {
        Violation v = finding;
        v.execution = static_cast<int>(number);
        v.schedule = EncodeToken(options.scenario, PicksUpTo(execution, v));
        result.violations.push_back(std::move(v));
      }
      stop |= !options.find_all && (!options.target || *options.target == finding.kind);
    }
    switch (outcome) {
      case ExecutionOutcome::kComplete:
        ++result.executions;
        break;
      case ExecutionOutcome::kBlocked:
        ++result.blocked_executions;
        break;
      case ExecutionOutcome::kAbandoned:
        ++result.redundant_executions;
        break;
      case ExecutionOutcome::kViolation: {
        ++result.violating_executions;
        Violation v = *execution.violation();
        if (result.Find(v.kind) == nullptr) {
          v.execution = static_cast<int>(number);
          v.schedule = EncodeToken(options.scenario, PicksUpTo(execution, v));
          result.violations.push_back(std::move(v));
        }
        stop |= !options.find_all &&
                (!options.target || *options.target == execution.violation()->kind);
        break;
      }
    }
    if (stop) {
      result.stop = StopReason::kViolation;
      break;
    }
    if ((number & 255) == 0 || options.time_limit_s > 0) {
      const Clock::time_point now = Clock::now();
      if (options.time_limit_s > 0 && elapsed() >= options.time_limit_s) {
        result.stop = StopReason::kTimeLimit;
        break;
      }
      if (options.progress && now >= next_progress) {
        options.progress(ExploreProgress{number, result.max_depth, elapsed()});
        next_progress = now + std::chrono::seconds(1);
      }
    }
  }
  result.complete = exhausted && strategy.exhaustive();
  result.elapsed_s = elapsed();
  return result;
}

}  // namespace mmcheck
