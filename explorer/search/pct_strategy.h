// PctStrategy: probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte,
// ASPLOS'10), seeded.
//
// Each execution gives the threads random distinct priorities and picks d-1 random change
// points among the first k steps (k: the longest execution seen so far). At every step the
// highest-priority enabled thread runs; at the i-th change point the thread that ran the step
// before drops to priority i, below every initial priority. A bug of depth d is found by one
// execution with probability at least 1/(n k^(d-1)) for n threads. Never complete on its own.
#ifndef MMCHECK_EXPLORER_SEARCH_PCT_STRATEGY_H_
#define MMCHECK_EXPLORER_SEARCH_PCT_STRATEGY_H_

#include <array>
#include <cstdint>
#include <vector>

#include "explorer/search/random_strategy.h"
#include "explorer/search/strategy.h"

namespace mmcheck {

class PctStrategy : public Strategy {
 public:
  PctStrategy(uint64_t seed, int depth) : rng_(seed), depth_(depth < 1 ? 1 : depth) {}

  absl::string_view name() const override { return "pct"; }
  bool exhaustive() const override { return false; }
  bool NewExecution() override;
  int NextThread(const SchedulePoint& point) override;
  void EndExecution(const Execution& execution, ExecutionOutcome outcome) override;

 private:
  SplitMix64 rng_;
  int depth_;
  int k_ = 64;  // estimate of the number of steps of an execution
  std::array<uint64_t, kMaxThreads> priority_{};
  uint64_t assigned_ = 0;           // threads that have a priority in this execution
  std::vector<int> change_points_;  // sorted step indices
};

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_SEARCH_PCT_STRATEGY_H_
