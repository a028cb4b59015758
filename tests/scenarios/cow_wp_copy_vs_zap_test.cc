// do_wp_page's copy vs MADV_DONTNEED in parent and child: the correct code (the copy's source
// pinned by folio_get before the PTL is dropped) passes exhaustively; without the pin the folio
// is freed under the copy.
#include "explorer/search/dfs_strategy.h"
#include "explorer/search/dpor_strategy.h"
#include "gtest/gtest.h"
#include "tests/scenarios/scenario_testing.h"

namespace mmcheck {
namespace {

using testing::ExploreScenario;
using testing::FindStep;

TEST(WpCopyVsZapTest, PassesExhaustivelyWithAPinnedCount) {
  testing::ExpectExhaustivePass("cow/wp-copy-vs-zap", 30);
}

TEST(WpCopyVsZapTest, AnUnpinnedCopyReadsAFreedPage) {
  const std::optional<Violation> v =
      testing::FirstViolation("cow/wp-copy-vs-zap@unpinned-copy", ViolationKind::kUseAfterFree);
  ASSERT_TRUE(v.has_value());
  EXPECT_NE(v->message.find("folio 1"), std::string::npos) << v->message;
  EXPECT_NE(v->message.find("copy_user_highpage"), std::string::npos) << v->message;
  // The fault saw the read-only PTE and dropped the PTL (to copy); then both zaps cleared their
  // PTEs under their PTLs and put their references, the last one freeing the folio.
  const int fault_unlocked = FindStep(*v, 0, "fault", OpKind::kSpinUnlock, "ptl[0]");
  const int parent_zapped = FindStep(*v, fault_unlocked, "dontneed", OpKind::kExchange, "pte[0]");
  const int child_zapped = FindStep(*v, 0, "child", OpKind::kExchange, "pte[0]");
  const int last_put = FindStep(*v, 0, "child", OpKind::kFetchAdd, "_refcount[1]");
  ASSERT_GE(fault_unlocked, 0);
  ASSERT_GE(parent_zapped, 0);
  ASSERT_GE(child_zapped, 0);
  ASSERT_GE(last_put, 0);
  // A race: without a preemption the fault never copies while the zaps run.
  EXPECT_FALSE(testing::FoundWithoutPreemption("cow/wp-copy-vs-zap@unpinned-copy",
                                               ViolationKind::kUseAfterFree));
}

}  // namespace
}  // namespace mmcheck
