// DfsStrategy: the number of complete executions equals the number of interleavings, computed
// independently (closed forms, and an enumerator that shares no code with the explorer).
#include <numeric>

#include "explorer/runtime/explorer.h"
#include "explorer/search/dfs_strategy.h"
#include "gtest/gtest.h"
#include "tests/explorer/program.h"

namespace mmcheck {
namespace {

using testing::CountInterleavings;
using testing::RandomProgram;
using testing::RunProgram;
using testing::TestOp;
using testing::TestProgram;

uint64_t Factorial(int n) { return n <= 1 ? 1 : n * Factorial(n - 1); }

// (sum k_i)! / prod(k_i!)
uint64_t Multinomial(const std::vector<int>& k) {
  uint64_t result = 1;
  int total = 0;
  for (int ki : k) {
    for (int j = 1; j <= ki; ++j) {
      ++total;
      result = result * static_cast<uint64_t>(total) / static_cast<uint64_t>(j);
    }
  }
  return result;
}

ExploreResult ExploreDfs(const TestProgram& p, int variables, int mutexes) {
  DfsStrategy dfs;
  ExploreOptions options;
  options.scenario = "test";
  options.find_all = true;  // deadlocks do not stop the search
  return Explore([&] { RunProgram(p, variables, mutexes); }, dfs, options);
}

TEST(DfsTest, StraightLineThreadsGiveTheMultinomialCount) {
  for (const std::vector<int>& lengths : std::vector<std::vector<int>>{
           {1, 1}, {1, 1, 1, 1}, {2, 2}, {3, 2}, {2, 2, 2}, {4, 3, 1}, {1, 1, 1, 1, 1}}) {
    TestProgram p;
    for (int k : lengths) p.push_back(std::vector<TestOp>(k, TestOp{TestOp::kLoad, 0}));
    const ExploreResult r = ExploreDfs(p, 1, 0);
    EXPECT_TRUE(r.complete);
    EXPECT_EQ(r.executions, Multinomial(lengths));
    EXPECT_EQ(r.max_depth, std::accumulate(lengths.begin(), lengths.end(), 0));
  }
}

TEST(DfsTest, LockedSectionsGiveNFactorialOrders) {
  for (int n = 1; n <= 5; ++n) {
    TestProgram p(
        static_cast<size_t>(n),
        {{TestOp::kLock, 0}, {TestOp::kLoad, 0}, {TestOp::kStore, 0}, {TestOp::kUnlock, 0}});
    const ExploreResult r = ExploreDfs(p, 1, 1);
    EXPECT_EQ(r.executions, Factorial(n)) << n;
    EXPECT_EQ(r.violating_executions, 0u);
  }
}

TEST(DfsTest, AgreesWithTheEnumeratorOnRandomPrograms) {
  int with_deadlocks = 0;
  for (uint64_t seed = 1; seed <= 150; ++seed) {
    const int threads = 2 + static_cast<int>(seed % 2);
    const TestProgram p = RandomProgram(seed, threads, 2, 2);
    const testing::Counts expected = CountInterleavings(p, 2);
    const ExploreResult r = ExploreDfs(p, 2, 2);
    ASSERT_TRUE(r.complete) << seed;
    EXPECT_EQ(r.executions, expected.complete) << "seed " << seed;
    EXPECT_EQ(r.violating_executions, expected.deadlocked) << "seed " << seed;
    if (expected.deadlocked > 0) {
      ++with_deadlocks;
      ASSERT_NE(r.Find(ViolationKind::kDeadlock), nullptr) << seed;
    }
  }
  EXPECT_GT(with_deadlocks, 0);  // the generator does exercise deadlocks
}

}  // namespace
}  // namespace mmcheck
