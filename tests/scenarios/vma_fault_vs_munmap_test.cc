// S12 (kernel-model.md): lock_vma_under_rcu vs munmap. The correct scenario passes exhaustively
// with a pinned count; each twin fails with use-after-free for the reason it names, shown by the
// key steps of its counterexample.
#include "explorer/runtime/explorer.h"
#include "explorer/runtime/scenario.h"
#include "explorer/search/dfs_strategy.h"
#include "explorer/search/dpor_strategy.h"
#include "gtest/gtest.h"
#include "tests/scenarios/scenario_testing.h"

namespace mmcheck {
namespace {

using testing::ExploreScenario;
using testing::FindStep;

TEST(FaultVsMunmapTest, PassesExhaustivelyWithAPinnedCount) {
  testing::ExpectExhaustivePass("vma/fault-vs-munmap", 70);
}

TEST(FaultVsMunmapTest, BoundedDfsAgreesOnEveryVerdict) {
  // Exhaustive dfs is out of reach (37 steps, 3 threads); within two preemptions it must reach
  // the same verdicts as dpor.
  for (const char* name :
       {"vma/fault-vs-munmap", "vma/fault-vs-munmap@no-detached-check",
        "vma/fault-vs-munmap@free-without-rcu", "vma/fault-vs-munmap@end-read-without-rcu"}) {
    DporStrategy dpor;
    DfsStrategy dfs(2);
    const ExploreResult a = ExploreScenario(name, dpor);
    const ExploreResult b = ExploreScenario(name, dfs);
    EXPECT_EQ(a.violations.empty(), b.violations.empty()) << name;
    if (!a.violations.empty() && !b.violations.empty()) {
      EXPECT_EQ(a.violations[0].kind, b.violations[0].kind) << name;
    }
  }
}

TEST(FaultVsMunmapTest, WithoutTheDetachedCheckTheFaultLocksADetachedVma) {
  const std::optional<Violation> v =
      testing::FirstViolation("vma/fault-vs-munmap@no-detached-check", ViolationKind::kUseAfterFree);
  ASSERT_TRUE(v.has_value());
  EXPECT_NE(v->message.find("I-VMA-5"), std::string::npos) << v->message;
  // The steps that make the race, each ordered by happens-before (so any interleaving of this
  // trace, the minimal one reported included, shows them in this order): the fault finds the
  // VMA in the tree before munmap clears it; it read-locks the VMA only after munmap's
  // vma_start_write released vm_lock; and its last check in vma_start_read reads mm_lock_seq
  // after munmap's downgrade bumped it, so the check passes on a detached VMA.
  const int walk = FindStep(*v, 0, "fault", OpKind::kLoad, "mm_mt[0]", 1);
  const int cleared = FindStep(*v, 0, "munmap", OpKind::kStore, "mm_mt[0]", 0);
  const int write_locked = FindStep(*v, 0, "munmap", OpKind::kUpWrite, "vm_lock");
  const int read_locked = FindStep(*v, 0, "fault", OpKind::kDownReadTry, "vm_lock");
  const int bumped = FindStep(*v, 0, "munmap", OpKind::kStore, "mm_lock_seq", 1);
  const int recheck = FindStep(*v, 0, "fault", OpKind::kLoad, "mm_lock_seq", 1);
  ASSERT_GE(walk, 0);
  EXPECT_GT(cleared, walk);
  ASSERT_GE(write_locked, 0);
  EXPECT_GT(read_locked, write_locked);
  ASSERT_GE(bumped, 0);
  EXPECT_GT(recheck, bumped);
  // A race: without a preemption the fault runs before or after munmap and never sees it.
  DfsStrategy unpreempted(0);
  EXPECT_TRUE(
      ExploreScenario("vma/fault-vs-munmap@no-detached-check", unpreempted).violations.empty());
}

TEST(FaultVsMunmapTest, FreeingWithoutRcuLeavesTheFaultsUsesUnordered) {
  const std::optional<Violation> v =
      testing::FirstViolation("vma/fault-vs-munmap@free-without-rcu", ViolationKind::kUseAfterFree);
  ASSERT_TRUE(v.has_value());
  // The use that nothing orders before the free, and the free that should have waited.
  EXPECT_NE(v->message.find("thread 'munmap' frees VMA [0, 2) (vm_area_free without call_rcu)"),
            std::string::npos)
      << v->message;
  EXPECT_NE(v->message.find("thread 'fault'"), std::string::npos) << v->message;
  EXPECT_NE(FindStep(*v, 0, "munmap", OpKind::kDowngradeWrite, "mmap_lock"), -1);
}

TEST(FaultVsMunmapTest, WithoutTheRcuBracketUpReadTouchesAFreedVma) {
  const std::optional<Violation> v =
      testing::FirstViolation("vma/fault-vs-munmap@end-read-without-rcu", ViolationKind::kUseAfterFree);
  ASSERT_TRUE(v.has_value());
  EXPECT_NE(v->message.find("frees VMA [0, 2) (vm_area_free_rcu_cb)"), std::string::npos)
      << v->message;
  EXPECT_NE(v->message.find("in up_read after the release"), std::string::npos) << v->message;
  // The fault's up_read lets munmap's vma_start_write in; the callback frees the VMA.
  const int up = FindStep(*v, 0, "fault", OpKind::kUpRead, "vm_lock");
  const int write = FindStep(*v, up, "munmap", OpKind::kDownWrite, "vm_lock");
  EXPECT_GE(up, 0);
  EXPECT_GT(write, up);
}

}  // namespace
}  // namespace mmcheck
