// Explore; see explorer.h.
#include "explorer/runtime/explorer.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "explorer/io/token.h"
#include "explorer/runtime/crash_guard.h"
#include "explorer/runtime/fiber.h"
#include "explorer/search/minimize.h"
#include "explorer/search/replay_strategy.h"

namespace mmcheck {

const Violation* ExploreResult::Find(ViolationKind kind) const {
  for (const Violation& v : violations) {
    if (v.kind == kind) return &v;
  }
  return nullptr;
}

const Violation* ExploreResult::Find(const Finding& finding) const {
  for (const Violation& v : violations) {
    if (IsFinding(v, finding)) return &v;
  }
  return nullptr;
}

namespace {

std::vector<int> PicksUpTo(const Execution& execution, const Violation& v) {
  const std::vector<int>& all = execution.picks();
  return std::vector<int>(all.begin(), all.begin() + std::min<long>(v.picks, all.size()));
}

// The minimal interleaving of `v`'s trace (minimize.h), replayed: it replaces `v` when it shows
// the same kind of violation (an invariant checked between steps may not hold in every
// interleaving of the same trace; then `v` stays as found).
void Minimize(absl::FunctionRef<void()> body, const ExploreOptions& options, StackPool& stacks,
              const Provenance& origin, Violation& v) {
  std::optional<std::vector<int>> schedule = MinimalSchedule(v);
  if (!schedule) return;
  Execution execution(stacks, options.limits);
  ReplayStrategy replay(*schedule);
  if (!replay.NewExecution()) return;
  execution.Run(body, replay);
  const std::optional<Violation>& again = execution.violation();
  if (!again || again->kind != v.kind || again->preemptions > v.preemptions) return;
  // The minimal interleaving must show the same finding: a race of two plain accesses (a use and
  // a free) can read from either side once the minimal schedule orders them the other way, and a
  // twin's detail may name one side. Were the target finding to appear or vanish here, the
  // search's decision to stop (taken on what it found) and the violation reported would disagree.
  if (options.target && IsFinding(v, *options.target) != IsFinding(*again, *options.target)) {
    return;
  }
  v = *again;
  v.execution = origin.execution;
  v.found_by = origin.strategy;
  v.schedule = EncodeToken(options.scenario, PicksUpTo(execution, v), origin, v.witnesses);
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
  // Scenario threads that die (a signal, a stack overflow, a hang) become findings.
  CrashGuard guard(options.scenario, options.limits.hang_limit_s);
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
    const bool witness = strategy.witnessing();
    // Numbered as the strategy says: a replay's executions take the numbers of the run that
    // found the violation, so that lockdep's messages name the same executions.
    execution.set_execution_number(strategy.Origin(static_cast<int>(number)).execution);
    const ExecutionOutcome outcome = execution.Run(body, strategy);
    if (!execution.misuse().ok()) {
      // The scenario misused the API: nothing it found means anything; say where, and stop.
      const std::string where =
          options.scenario.empty() ? "" : absl::StrCat("scenario ", options.scenario, ": ");
      result.status = absl::InvalidArgumentError(absl::StrCat(where, execution.misuse().message()));
      result.stop = StopReason::kInputError;
      break;
    }
    strategy.EndExecution(execution, outcome);
    if (!strategy.status().ok()) {
      result.status = strategy.status();
      result.stop = StopReason::kInputError;
      break;
    }
    if (witness) continue;
    result.max_depth = std::max(result.max_depth, execution.steps());
    result.total_steps += static_cast<uint64_t>(execution.performed_steps());
    bool stop = false;
    // Keeps the first violation of each kind, and the first that is the target finding.
    auto record = [&](const Violation& found, bool minimize) {
      const bool is_target = options.target && IsFinding(found, *options.target);
      if (result.Find(found.kind) == nullptr ||
          (is_target && result.Find(*options.target) == nullptr)) {
        Violation v = found;
        const Provenance origin = strategy.Origin(static_cast<int>(number));
        v.execution = origin.execution;
        v.found_by = origin.strategy;
        v.schedule = EncodeToken(options.scenario, PicksUpTo(execution, v), origin, v.witnesses);
        if (minimize && options.minimize) Minimize(body, options, stacks, origin, v);
        result.violations.push_back(std::move(v));
      }
      stop |= !options.find_all && (!options.target || is_target);
    };
    // A dead thread ends the search (crash_guard.h): nothing after it is trusted, and it is not
    // minimized (each run of it would give up another stack).
    if (execution.crashed()) stop = true;
    // An abandoned execution's violation is real (its prefix ran) though the execution counts
    // as redundant or blocked.
    if (outcome != ExecutionOutcome::kViolation && execution.violation()) {
      record(*execution.violation(), false);
    }
    for (const Violation& finding : execution.findings()) record(finding, false);
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
      case ExecutionOutcome::kViolation:
        ++result.violating_executions;
        record(*execution.violation(), !execution.crashed());
        break;
    }
    if (stop) {
      result.stop = StopReason::kViolation;
      break;
    }
    // Relaxed: the flag only has to be seen eventually, and ordering nothing else.
    if (options.interrupt != nullptr && options.interrupt->load(std::memory_order_relaxed)) {
      result.stop = StopReason::kInterrupted;
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
