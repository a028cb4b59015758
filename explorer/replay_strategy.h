// ReplayStrategy: runs exactly the one schedule a replay token stores.
//
// A schedule that picks a thread that cannot run, ends while threads still can, or outlives the
// execution does not fit the scenario: status() then says where, and the explorer reports it as
// an input error.
#ifndef MMCHECK_EXPLORER_REPLAY_STRATEGY_H_
#define MMCHECK_EXPLORER_REPLAY_STRATEGY_H_

#include <vector>

#include "explorer/strategy.h"

namespace mmcheck {

class ReplayStrategy : public Strategy {
 public:
  explicit ReplayStrategy(std::vector<int> schedule, Provenance origin = {})
      : schedule_(std::move(schedule)), origin_(std::move(origin)) {}

  absl::string_view name() const override { return "replay"; }
  bool exhaustive() const override { return false; }
  bool NewExecution() override;
  int NextThread(const SchedulePoint& point) override;
  void EndExecution(const Execution& execution, ExecutionOutcome outcome) override;
  absl::Status status() const override { return status_; }
  Provenance Origin(int number) const override {
    return origin_.strategy.empty() ? Strategy::Origin(number) : origin_;
  }

 private:
  std::vector<int> schedule_;
  Provenance origin_;
  size_t next_ = 0;
  bool done_ = false;
  absl::Status status_;
};

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_REPLAY_STRATEGY_H_
