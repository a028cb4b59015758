// DfsStrategy: every interleaving, no reduction. The reference the reducing strategies are
// checked against, and the tool for debugging them.
//
// Stateless depth-first search: each execution replays the prefix of the previous one up to the
// deepest scheduling point that still has an untried enabled thread, takes the next thread there
// (in index order) and continues with the lowest enabled thread. It relies on the execution being
// a deterministic function of the schedule, and checks that on every replayed step.
#ifndef MMCHECK_EXPLORER_SEARCH_DFS_STRATEGY_H_
#define MMCHECK_EXPLORER_SEARCH_DFS_STRATEGY_H_

#include <cstdint>
#include <vector>

#include "explorer/search/strategy.h"

namespace mmcheck {

class DfsStrategy : public Strategy {
 public:
  // max_preemptions < 0: no bound.
  explicit DfsStrategy(int max_preemptions = -1) : max_preemptions_(max_preemptions) {}

  absl::string_view name() const override { return "dfs"; }
  bool exhaustive() const override { return !bound_cut_; }
  // Whether the preemption bound removed a choice somewhere.
  bool bound_cut() const { return bound_cut_; }
  bool NewExecution() override;
  int NextThread(const SchedulePoint& point) override;

 private:
  struct Node {
    uint64_t enabled;
    uint64_t allowed;  // enabled, less what the preemption bound forbids
    int chosen;
    int current;      // thread of the previous step, -1 at the start
    int preemptions;  // taken before this choice
  };
  int max_preemptions_;
  bool bound_cut_ = false;
  std::vector<Node> stack_;
  size_t depth_ = 0;
  bool started_ = false;
};

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_SEARCH_DFS_STRATEGY_H_
