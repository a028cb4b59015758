// Minimal counterexamples: the reported interleaving is the trace's one with the fewest
// preemptions, and it still shows the violation.
#include "explorer/search/minimize.h"

#include <functional>

#include "explorer/api.h"
#include "explorer/runtime/explorer.h"
#include "explorer/search/dfs_strategy.h"
#include "gtest/gtest.h"

namespace mmcheck {
namespace {

void LostUpdateWithNoise() {
  auto* x = Make<Atomic<int>>(0, "x");
  auto* noise = Make<Atomic<int>>(0, "noise");
  for (int t = 0; t < 2; ++t) {
    Spawn("inc", [x, noise] {
      noise->fetch_add(1);  // independent of the race on x...
      const int seen = x->load();
      noise->fetch_add(1);  // ...but dependent on the other thread's noise
      x->store(seen + 1);
    });
  }
  AtEnd([x] { MMCHECK_ASSERT(x->load() == 2); });
}

void LostUpdate() {
  auto* x = Make<Atomic<int>>(0, "x");
  for (int t = 0; t < 2; ++t) Spawn("inc", [x] { x->store(x->load() + 1); });
  AtEnd([x] { MMCHECK_ASSERT(x->load() == 2); });
}

ExploreResult Find(bool minimize, void (*body)() = LostUpdateWithNoise) {
  DfsStrategy dfs;
  ExploreOptions options;
  options.scenario = "t";
  options.target = Finding{ViolationKind::kAssertion, ""};
  options.minimize = minimize;
  return Explore(body, dfs, options);
}

TEST(MinimizeTest, TheLostUpdateNeedsOnePreemptionNotTwo) {
  // dfs meets it first as load, load, store, store with two switches away from a runnable
  // thread; T1 load, T0 load, T0 store, T1 store is the same trace with one.
  const ExploreResult raw = Find(/*minimize=*/false, LostUpdate);
  const ExploreResult min = Find(/*minimize=*/true, LostUpdate);
  ASSERT_EQ(raw.violations.size(), 1u);
  ASSERT_EQ(min.violations.size(), 1u);
  EXPECT_EQ(raw.violations[0].preemptions, 2);
  EXPECT_EQ(min.violations[0].preemptions, 1);
  EXPECT_EQ(min.violations[0].message, raw.violations[0].message);
}

TEST(MinimizeTest, ReportsTheInterleavingWithTheFewestPreemptions) {
  const ExploreResult raw = Find(/*minimize=*/false);
  const ExploreResult min = Find(/*minimize=*/true);
  ASSERT_EQ(raw.violations.size(), 1u);
  ASSERT_EQ(min.violations.size(), 1u);
  const Violation& a = raw.violations[0];
  const Violation& b = min.violations[0];
  EXPECT_EQ(b.kind, ViolationKind::kAssertion);
  EXPECT_EQ(b.execution, a.execution);
  EXPECT_EQ(b.trace.steps.size(), a.trace.steps.size());
  EXPECT_EQ(b.preemptions, CountPreemptions(b.trace.steps));
  EXPECT_LE(b.preemptions, a.preemptions);
  // The oracle: every interleaving of the found steps that keeps the order of each pair of
  // dependent steps (same thread, or same object and one writes), by brute force.
  const std::vector<Step>& steps = a.trace.steps;
  auto dependent = [](const Step& x, const Step& y) {
    return x.thread == y.thread ||
           (x.object == y.object && x.object >= 0 && (AccessOf(x).writes || AccessOf(y).writes));
  };
  int best = 1 << 30;
  std::vector<bool> used(steps.size(), false);
  std::vector<int> order;
  std::function<void(int, int)> rec = [&](int last, int preemptions) {
    if (order.size() == steps.size()) {
      best = std::min(best, preemptions);
      return;
    }
    auto ready = [&](size_t k) {
      if (used[k]) return false;
      for (size_t j = 0; j < k; ++j) {
        if (!used[j] && dependent(steps[j], steps[k])) return false;
      }
      return true;
    };
    // The last thread could run on if it has a step left that is not a blocked acquisition.
    bool last_can_go = false;
    for (size_t k = 0; k < steps.size(); ++k) {
      if (last < 0 || used[k] || steps[k].thread != last) continue;
      last_can_go = !AccessOf(steps[k]).blocks || ready(k);
      break;  // its next step
    }
    for (size_t k = 0; k < steps.size(); ++k) {
      if (!ready(k)) continue;
      const int t = steps[k].thread;
      used[k] = true;
      order.push_back(static_cast<int>(k));
      rec(t, preemptions + (last >= 0 && t != last && last_can_go ? 1 : 0));
      order.pop_back();
      used[k] = false;
    }
  };
  rec(-1, 0);
  EXPECT_EQ(b.preemptions, best);
}

TEST(MinimizeTest, TheScheduleIsALinearizationOfTheSameSteps) {
  const ExploreResult raw = Find(/*minimize=*/false);
  const Violation& v = raw.violations[0];
  const std::optional<std::vector<int>> schedule = MinimalSchedule(v);
  ASSERT_TRUE(schedule.has_value());
  ASSERT_EQ(schedule->size(), v.trace.steps.size());
  std::vector<int> per_thread(v.trace.thread_names.size(), 0), expected(per_thread);
  for (int t : *schedule) ++per_thread[static_cast<size_t>(t)];
  for (const Step& s : v.trace.steps) ++expected[static_cast<size_t>(s.thread)];
  EXPECT_EQ(per_thread, expected);
}

}  // namespace
}  // namespace mmcheck
