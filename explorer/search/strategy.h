// Strategy: how the explorer picks the next thread; one interface for every search.
//
// The explorer calls NewExecution() before each execution (false: nothing left to explore), then
// NextThread() at every scheduling point of that execution, then EndExecution(). A strategy that
// explores exhaustively says so with exhaustive(): when such a strategy runs out, exploration is
// complete. A new strategy is one file: dfs_strategy, random_strategy and replay_strategy are
// the examples.
#ifndef MMCHECK_EXPLORER_SEARCH_STRATEGY_H_
#define MMCHECK_EXPLORER_SEARCH_STRATEGY_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "explorer/io/token.h"
#include "explorer/runtime/execution.h"

namespace mmcheck {

// What NextThread() returns to abandon an execution: a redundant one (sleep-set blocked: every
// enabled thread would repeat a trace already explored, or a replay that does not fit), or one
// that cannot go on (a wakeup-tree branch that blocks).
// An abandoned execution counts as redundant or blocked even when a thread had already hit a
// violation (the violation is still reported). kStopAfterViolation ends an execution that is
// done as far as the strategy is concerned: a replay token ends at its violation.
inline constexpr int kAbandonRedundant = -1;
inline constexpr int kAbandonBlocked = -2;
inline constexpr int kStopAfterViolation = -3;

class Strategy {
 public:
  virtual ~Strategy() = default;

  virtual absl::string_view name() const = 0;
  // True when running out of executions means every execution was covered.
  virtual bool exhaustive() const = 0;
  // Prepares the next execution. False when the search space is exhausted.
  virtual bool NewExecution() = 0;
  // Picks a thread whose bit is set in point.enabled, or abandons the execution with
  // kAbandonRedundant / kAbandonBlocked (with a status() error: an input error).
  virtual int NextThread(const SchedulePoint& point) = 0;
  // Called once the execution has ended.
  virtual void EndExecution(const Execution& execution, ExecutionOutcome outcome) {
    (void)execution;
    (void)outcome;
  }
  // Where a violation found in execution `number` comes from, for its token and report: this
  // strategy and that number (a replay names the run that found it first).
  virtual Provenance Origin(int number) const { return Provenance{std::string(name()), number}; }
  // True while the current execution only re-runs an earlier one that a violation depends on
  // (a replay token's witness, token.h): the explorer reports nothing from it and counts it
  // nowhere.
  virtual bool witnessing() const { return false; }
  // An input error found while exploring (a replay token that does not fit the scenario).
  virtual absl::Status status() const { return absl::OkStatus(); }
};

// Lowest set bit / number of set bits of an enabled mask.
inline int LowestThread(uint64_t mask) { return __builtin_ctzll(mask); }
inline int CountThreads(uint64_t mask) { return __builtin_popcountll(mask); }

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_SEARCH_STRATEGY_H_
