// ReplayStrategy: runs exactly the one schedule a replay token stores.
//
// A schedule that picks a thread that cannot run, ends while threads still can, or outlives the
// execution does not fit the scenario: status() then says where, and the explorer reports it as
// an input error. A v2 token's witnesses (token.h) run first, each as the execution whose number
// it carries, up to its end; they only feed lockdep's graph (witnessing()).
#ifndef MMCHECK_EXPLORER_SEARCH_REPLAY_STRATEGY_H_
#define MMCHECK_EXPLORER_SEARCH_REPLAY_STRATEGY_H_

#include <string>
#include <vector>

#include "explorer/search/strategy.h"

namespace mmcheck {

class ReplayStrategy : public Strategy {
 public:
  explicit ReplayStrategy(std::vector<int> schedule, Provenance origin = {},
                          std::vector<Witness> witnesses = {})
      : schedule_(std::move(schedule)),
        origin_(std::move(origin)),
        witnesses_(std::move(witnesses)) {}
  explicit ReplayStrategy(ReplayToken token)
      : ReplayStrategy(std::move(token.schedule), std::move(token.origin),
                       std::move(token.witnesses)) {}

  absl::string_view name() const override { return "replay"; }
  bool exhaustive() const override { return false; }
  bool NewExecution() override;
  int NextThread(const SchedulePoint& point) override;
  void EndExecution(const Execution& execution, ExecutionOutcome outcome) override;
  absl::Status status() const override { return status_; }
  Provenance Origin(int number) const override;
  bool witnessing() const override { return run_ < witnesses_.size(); }

 private:
  const std::vector<int>& current() const {
    return witnessing() ? witnesses_[run_].schedule : schedule_;
  }
  std::string What() const;  // "schedule" or "witness N", for errors

  std::vector<int> schedule_;
  Provenance origin_;
  std::vector<Witness> witnesses_;
  size_t run_ = 0;  // the witness running, or witnesses_.size(): the schedule itself
  size_t next_ = 0;
  bool started_ = false;
  bool done_ = false;
  absl::Status status_;
};

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_SEARCH_REPLAY_STRATEGY_H_
