// DfsStrategy; see dfs_strategy.h.
#include "explorer/dfs_strategy.h"

#include "explorer/check.h"

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
    const uint64_t untried = node.enabled & ~((uint64_t{2} << node.chosen) - 1);
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
  stack_.push_back(Node{point.enabled, LowestThread(point.enabled)});
  ++depth_;
  return stack_.back().chosen;
}

}  // namespace mmcheck
