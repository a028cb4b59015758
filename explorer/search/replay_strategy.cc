// ReplayStrategy; see replay_strategy.h.
#include "explorer/search/replay_strategy.h"

#include "absl/strings/str_cat.h"

namespace mmcheck {

bool ReplayStrategy::NewExecution() {
  if (done_) return false;
  if (started_) ++run_;
  started_ = true;
  done_ = !witnessing();
  next_ = 0;
  return true;
}

std::string ReplayStrategy::What() const {
  return witnessing() ? absl::StrCat("witness ", witnesses_[run_].execution) : "schedule";
}

Provenance ReplayStrategy::Origin(int number) const {
  if (witnessing()) return Provenance{origin_.strategy, witnesses_[run_].execution};
  return origin_.strategy.empty() ? Strategy::Origin(number) : origin_;
}

int ReplayStrategy::NextThread(const SchedulePoint& point) {
  const std::vector<int>& schedule = current();
  if (next_ >= schedule.size()) {
    // A witness ends where its lock-order edge was added; a token ends where its violation
    // was found; the other threads would go on.
    if (witnessing()) return kAbandonRedundant;
    if (point.execution->violation() || !point.execution->findings().empty()) {
      return kStopAfterViolation;
    }
    status_ = absl::InvalidArgumentError(
        absl::StrCat("replay token does not fit the scenario: it ends after ", schedule.size(),
                     " steps but the execution goes on"));
    return -1;
  }
  const int thread = schedule[next_++];
  if (thread >= kMaxThreads || !(point.enabled >> thread & 1)) {
    status_ = absl::InvalidArgumentError(
        absl::StrCat("replay token does not fit the scenario: step ", next_, " of its ", What(),
                     " picks thread ", thread, ", which cannot run there"));
    return -1;
  }
  return thread;
}

void ReplayStrategy::EndExecution(const Execution& execution, ExecutionOutcome outcome) {
  (void)execution;
  if (outcome != ExecutionOutcome::kAbandoned && next_ != current().size() && status_.ok()) {
    status_ = absl::InvalidArgumentError(
        absl::StrCat("replay token does not fit the scenario: the execution ends after ", next_,
                     " steps, the token's ", What(), " has ", current().size()));
  }
}

}  // namespace mmcheck
