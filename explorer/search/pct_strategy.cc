// PctStrategy; see pct_strategy.h.
#include "explorer/search/pct_strategy.h"

#include <algorithm>

namespace mmcheck {

bool PctStrategy::NewExecution() {
  assigned_ = 0;
  change_points_.clear();
  while (static_cast<int>(change_points_.size()) < std::min(depth_ - 1, k_)) {
    const int point = static_cast<int>(rng_.Below(static_cast<uint64_t>(k_)));
    if (std::find(change_points_.begin(), change_points_.end(), point) == change_points_.end()) {
      change_points_.push_back(point);
    }
  }
  return true;
}

int PctStrategy::NextThread(const SchedulePoint& point) {
  // Initial priorities lie above every change-point priority (1 .. d-1); random low bits keep
  // them distinct with overwhelming probability, and the thread index breaks any tie.
  for (uint64_t fresh = point.enabled & ~assigned_; fresh != 0; fresh &= fresh - 1) {
    const int t = LowestThread(fresh);
    priority_[t] = (uint64_t{1} << 62) | (rng_.Next() >> 3);
    assigned_ |= uint64_t{1} << t;
  }
  for (size_t i = 0; i < change_points_.size(); ++i) {
    if (change_points_[i] == point.step && point.current >= 0) {
      priority_[point.current] = i + 1;
    }
  }
  int best = -1;
  for (uint64_t e = point.enabled; e != 0; e &= e - 1) {
    const int t = LowestThread(e);
    if (best < 0 || priority_[t] > priority_[best]) best = t;
  }
  return best;
}

void PctStrategy::EndExecution(const Execution& execution, ExecutionOutcome outcome) {
  (void)outcome;
  k_ = std::max(k_, execution.steps());
}

}  // namespace mmcheck
