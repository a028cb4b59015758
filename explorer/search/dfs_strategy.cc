// DfsStrategy; see dfs_strategy.h.
#include "explorer/search/dfs_strategy.h"

#include "explorer/runtime/check.h"

namespace mmcheck {

bool DfsStrategy::NewExecution() {
  depth_ = 0;
  if (!started_) {
    started_ = true;
    return true;
  }
  while (!stack_.empty()) {
    Node& node = stack_.back();
    // Threads above the one chosen last, in index order.
    const uint64_t untried = node.allowed & ~((uint64_t{2} << node.chosen) - 1);
    if (untried != 0) {
      node.chosen = LowestThread(untried);
      return true;
    }
    stack_.pop_back();
  }
  return false;
}

int DfsStrategy::NextThread(const SchedulePoint& point) {
  if (depth_ < stack_.size()) {
    const Node& node = stack_[depth_++];
    // A scenario whose enabled set differs on replay is not deterministic: the search is unsound.
    MMCHECK_CHECK(node.enabled == point.enabled);
    return node.chosen;
  }
  int preemptions = 0;
  if (!stack_.empty()) {
    const Node& parent = stack_.back();
    const bool preempted = parent.current >= 0 && (parent.enabled >> parent.current & 1) &&
                           parent.chosen != parent.current;
    preemptions = parent.preemptions + (preempted ? 1 : 0);
  }
  uint64_t allowed = point.enabled;
  const bool can_continue = point.current >= 0 && (point.enabled >> point.current & 1);
  if (max_preemptions_ >= 0 && can_continue && preemptions >= max_preemptions_) {
    allowed = uint64_t{1} << point.current;
    bound_cut_ |= allowed != point.enabled;
  }
  stack_.push_back(Node{point.enabled, allowed, LowestThread(allowed), point.current, preemptions});
  ++depth_;
  return stack_.back().chosen;
}

}  // namespace mmcheck
