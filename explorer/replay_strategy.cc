// ReplayStrategy; see replay_strategy.h.
#include "explorer/replay_strategy.h"

#include "absl/strings/str_cat.h"

namespace mmcheck {

bool ReplayStrategy::NewExecution() {
  if (done_) return false;
  done_ = true;
  next_ = 0;
  return true;
}

int ReplayStrategy::NextThread(const SchedulePoint& point) {
  if (next_ >= schedule_.size()) {
    // A token ends where its violation was found; the other threads would go on.
    if (point.execution->violation() || !point.execution->findings().empty()) {
      return kStopAfterViolation;
    }
    status_ = absl::InvalidArgumentError(
        absl::StrCat("replay token does not fit the scenario: it ends after ", schedule_.size(),
                     " steps but the execution goes on"));
    return -1;
  }
  const int thread = schedule_[next_++];
  if (thread >= kMaxThreads || !(point.enabled >> thread & 1)) {
    status_ = absl::InvalidArgumentError(
        absl::StrCat("replay token does not fit the scenario: step ", next_, " picks thread ",
                     thread, ", which cannot run there"));
    return -1;
  }
  return thread;
}

void ReplayStrategy::EndExecution(const Execution& execution, ExecutionOutcome outcome) {
  (void)execution;
  if (outcome != ExecutionOutcome::kAbandoned && next_ != schedule_.size()) {
    status_ = absl::InvalidArgumentError(
        absl::StrCat("replay token does not fit the scenario: the execution ends after ", next_,
                     " steps, the token has ", schedule_.size()));
  }
}

}  // namespace mmcheck
