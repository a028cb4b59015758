// Bounded dfs (--max-preemptions) and PCT.
#include <functional>

#include "explorer/api.h"
#include "explorer/runtime/explorer.h"
#include "explorer/search/dfs_strategy.h"
#include "explorer/search/pct_strategy.h"
#include "gtest/gtest.h"

namespace mmcheck {
namespace {

// Interleavings of straight-line threads with at most `bound` preemptions, counted by brute
// force: a preemption is a switch away from a thread that still has operations left.
uint64_t CountWithin(std::vector<int> left, int previous, int preemptions, int bound) {
  bool done = true;
  uint64_t count = 0;
  for (size_t t = 0; t < left.size(); ++t) {
    if (left[t] == 0) continue;
    done = false;
    const bool preempt = previous >= 0 && previous != static_cast<int>(t) && left[previous] > 0;
    if (preempt && preemptions == bound) continue;
    --left[t];
    count += CountWithin(left, static_cast<int>(t), preemptions + (preempt ? 1 : 0), bound);
    ++left[t];
  }
  return done ? 1 : count;
}

ExploreResult ExploreLoads(const std::vector<int>& lengths, Strategy& s) {
  return Explore(
      [&] {
        auto* x = Make<Atomic<int>>(0, "x");
        for (int n : lengths) {
          Spawn("t", [x, n] {
            for (int i = 0; i < n; ++i) x->load();
          });
        }
      },
      s, ExploreOptions{});
}

TEST(BoundedTest, CountsEveryInterleavingWithinTheBound) {
  for (const std::vector<int>& lengths :
       std::vector<std::vector<int>>{{2, 2}, {3, 2}, {2, 2, 2}, {3, 1, 2}, {1, 1, 1, 1}}) {
    for (int bound = 0; bound <= 3; ++bound) {
      DfsStrategy bounded(bound);
      const ExploreResult r = ExploreLoads(lengths, bounded);
      EXPECT_EQ(r.executions, CountWithin(lengths, -1, 0, bound)) << "bound " << bound;
      DfsStrategy unbounded;
      const uint64_t all = ExploreLoads(lengths, unbounded).executions;
      EXPECT_EQ(r.complete, r.executions == all) << "bound " << bound;
    }
  }
}

void LostUpdate() {
  auto* x = Make<Atomic<int>>(0, "x");
  for (int t = 0; t < 2; ++t) Spawn("inc", [x] { x->store(x->load() + 1); });
  AtEnd([x] { MMCHECK_ASSERT(x->load() == 2); });
}

TEST(BoundedTest, ARaceNeedsAPreemption) {
  DfsStrategy zero(0);
  const ExploreResult r0 = Explore(LostUpdate, zero, ExploreOptions{});
  EXPECT_TRUE(r0.violations.empty());
  EXPECT_EQ(r0.executions, 2u);
  EXPECT_FALSE(r0.complete);  // the bound cut choices: no claim of a pass
  DfsStrategy one(1);
  const ExploreResult r1 = Explore(LostUpdate, one, ExploreOptions{});
  ASSERT_EQ(r1.violations.size(), 1u);
  EXPECT_EQ(r1.violations[0].kind, ViolationKind::kAssertion);
  EXPECT_EQ(r1.violations[0].preemptions, 1);
}

TEST(PctTest, FindsTheLostUpdateAndIsDeterministic) {
  auto run = [](uint64_t seed) {
    PctStrategy pct(seed, 2);
    ExploreOptions options;
    options.max_executions = 200;
    return Explore(LostUpdate, pct, options);
  };
  const ExploreResult a = run(5), b = run(5);
  ASSERT_EQ(a.violations.size(), 1u);
  ASSERT_EQ(b.violations.size(), 1u);
  EXPECT_EQ(a.violations[0].schedule, b.violations[0].schedule);
  EXPECT_EQ(a.violations[0].execution, b.violations[0].execution);
  EXPECT_FALSE(a.complete);
}

TEST(PctTest, DepthOneNeverPreempts) {
  // With no change point the highest-priority thread runs to its end: no lost update, ever.
  PctStrategy pct(9, 1);
  ExploreOptions options;
  options.max_executions = 100;
  const ExploreResult r = Explore(LostUpdate, pct, options);
  EXPECT_TRUE(r.violations.empty());
  EXPECT_EQ(r.executions, 100u);
}

}  // namespace
}  // namespace mmcheck
