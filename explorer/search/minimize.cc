// Minimal counterexamples; see minimize.h.
#include "explorer/search/minimize.h"

#include <deque>
#include <map>

namespace mmcheck {
namespace {

constexpr size_t kMaxStates = 2'000'000;

bool StepsDependent(const Step& a, const Step& b) {
  if (a.thread == b.thread) return true;
  if ((a.op == OpKind::kSpawn || a.op == OpKind::kJoin) && a.object == b.thread) return true;
  if ((b.op == OpKind::kSpawn || b.op == OpKind::kJoin) && b.object == a.thread) return true;
  if (a.object < 0 || a.object != b.object) return false;
  return Dependent(AccessOf(a), AccessOf(b));
}

}  // namespace

std::optional<std::vector<int>> MinimalSchedule(const Violation& v) {
  const std::vector<Step>& steps = v.trace.steps;
  const size_t n = steps.size();
  if (n == 0 || static_cast<int>(n) != v.picks) return std::nullopt;
  const int threads = static_cast<int>(v.trace.thread_names.size());
  // Each thread's steps, and each step's direct predecessors.
  std::vector<std::vector<int>> of_thread(static_cast<size_t>(threads));
  for (size_t i = 0; i < n; ++i)
    of_thread[static_cast<size_t>(steps[i].thread)].push_back(static_cast<int>(i));
  std::vector<std::vector<int>> before(n);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (StepsDependent(steps[j], steps[i])) before[i].push_back(static_cast<int>(j));
    }
  }
  // State: how many steps each thread has taken (positions), and the last thread.
  using Positions = std::vector<int>;
  struct Key {
    Positions pos;
    int last;
    bool operator<(const Key& o) const { return last != o.last ? last < o.last : pos < o.pos; }
  };
  struct Entry {
    int cost;
    Key parent;
    int thread;
  };
  std::map<Key, Entry> seen;
  std::deque<std::pair<Key, int>> queue;
  const Key start{Positions(static_cast<size_t>(threads), 0), -1};
  seen[start] = Entry{0, start, -1};
  queue.emplace_back(start, 0);
  auto next_step = [&](const Positions& pos, int t) -> int {
    const std::vector<int>& mine = of_thread[static_cast<size_t>(t)];
    return pos[static_cast<size_t>(t)] < static_cast<int>(mine.size())
               ? mine[static_cast<size_t>(pos[static_cast<size_t>(t)])]
               : -1;
  };
  auto ready = [&](const Positions& pos, int step) {
    for (int p : before[static_cast<size_t>(step)]) {
      const int t = steps[static_cast<size_t>(p)].thread;
      // p is taken iff its index within its thread is below that thread's position.
      const std::vector<int>& mine = of_thread[static_cast<size_t>(t)];
      const int rank =
          static_cast<int>(std::lower_bound(mine.begin(), mine.end(), p) - mine.begin());
      if (rank >= pos[static_cast<size_t>(t)]) return false;
    }
    return true;
  };
  std::optional<Key> done;
  while (!queue.empty()) {
    auto [key, cost] = queue.front();
    queue.pop_front();
    if (seen[key].cost != cost) continue;
    int taken = 0;
    for (int p : key.pos) taken += p;
    if (taken == static_cast<int>(n)) {
      done = key;
      break;
    }
    // The thread that ran last could go on unless it is done or its next step is an acquisition
    // still waiting for its release (the scheduler's view: other steps are always enabled).
    const int last_next = key.last >= 0 ? next_step(key.pos, key.last) : -1;
    const bool last_can_go =
        last_next >= 0 &&
        (!AccessOf(steps[static_cast<size_t>(last_next)]).blocks || ready(key.pos, last_next));
    for (int t = 0; t < threads; ++t) {
      const int s = next_step(key.pos, t);
      if (s < 0 || !ready(key.pos, s)) continue;
      const int step_cost = (t != key.last && last_can_go) ? 1 : 0;
      Key to{key.pos, t};
      ++to.pos[static_cast<size_t>(t)];
      auto it = seen.find(to);
      if (it != seen.end() && it->second.cost <= cost + step_cost) continue;
      if (seen.size() > kMaxStates) return std::nullopt;
      seen[to] = Entry{cost + step_cost, key, t};
      if (step_cost == 0) {
        queue.emplace_front(to, cost);
      } else {
        queue.emplace_back(to, cost + 1);
      }
    }
  }
  if (!done) return std::nullopt;
  std::vector<int> schedule;
  for (Key k = *done; k.last >= 0;) {
    const Entry& e = seen[k];
    schedule.push_back(e.thread);
    k = e.parent;
  }
  std::reverse(schedule.begin(), schedule.end());
  return schedule;
}

}  // namespace mmcheck
