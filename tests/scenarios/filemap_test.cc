// S8 (kernel-model.md): fault-around against truncate. The correct scenario and its variant
// without the i_size checks pass exhaustively with pinned counts and reach the race they are
// about; each twin fails for the reason it names, shown by its key steps.
#include <string>

#include "gtest/gtest.h"
#include "tests/scenarios/scenario_testing.h"

namespace mmcheck {
namespace {

using testing::FindStep;

constexpr const char* kScenario = "filemap/fault-around-vs-truncate";

// The fault mapped page 1 (folio 2, the one truncation cuts off) and truncation then unmapped it.
bool FaultMappedTheCutPageAndTruncateUnmappedIt(const Trace& t) {
  const int map = FindStep(t, 0, "fault", OpKind::kStore, "pte[1]");
  return map >= 0 && FindStep(t, map, "truncate", OpKind::kExchange, "pte[1]") > map;
}

// The fault's folio_trylock of folio 2 failed: truncation held it.
bool FaultSkippedALockedFolio(const Trace& t) {
  return testing::HasStep(t, "fault", OpKind::kTryLock, "folio_lock[2]", /*ok=*/0);
}

TEST(FilemapTest, FaultAroundVsTruncatePassesAndReachesTheRace) {
  testing::ExpectExhaustivePass(kScenario, 191);
  EXPECT_GT(testing::ExecutionsWhere(kScenario, FaultMappedTheCutPageAndTruncateUnmappedIt), 0);
  EXPECT_GT(testing::ExecutionsWhere(kScenario, FaultSkippedALockedFolio), 0);
}

// S8 twin A without the i_size checks (the kernel wins over kernel-model.md, which expected
// I-TRUNC-1): the fault maps page 1 after truncate cut i_size, and an unmap takes it away again.
TEST(FilemapTest, WithoutTheIsizeCheckTruncationStillUnmapsTheCutPage) {
  const std::string name = std::string(kScenario) + "~no-isize-check";
  testing::ExpectExhaustivePass(name, 379);
  EXPECT_GT(testing::ExecutionsWhere(name,
                                     [](const Trace& t) {
                                       const int cut =
                                           FindStep(t, 0, "truncate", OpKind::kStore, "i_size");
                                       return cut >= 0 &&
                                              FindStep(t, cut, "fault", OpKind::kStore, "pte[1]") >
                                                  cut;
                                     }),
            0);
}

// Twin B: folio_lock() in next_uptodate_folio() may sleep inside rcu_read_lock(): found in the
// first execution, no race needed.
TEST(FilemapTest, FolioLockInMapPagesSleepsUnderRcu) {
  const std::string name = std::string(kScenario) + "@map-pages-folio-lock";
  const std::optional<Violation> v = testing::FirstViolation(name, ViolationKind::kSleepInAtomic);
  ASSERT_TRUE(v.has_value());
  EXPECT_NE(v->message.find("'fault' calls mutex_lock(folio_lock[1])"), std::string::npos)
      << v->message;
  EXPECT_NE(v->message.find("RCU read-side section"), std::string::npos) << v->message;
  EXPECT_TRUE(testing::FoundWithoutPreemption(name, ViolationKind::kSleepInAtomic));
}

// Without the i_size checks and the unmaps after the first: truncate cuts i_size, its first unmap
// passes page 1 while it is none, the fault maps page 1, and truncation removes folio 2 from the
// page cache without unmapping it.
TEST(FilemapTest, WithoutTheIsizeCheckAndTheLaterUnmapsTheCutPageStaysMapped) {
  const std::string name = std::string(kScenario) + "~no-isize-check@no-later-unmap";
  const std::optional<Violation> v = testing::FirstViolation(name, ViolationKind::kInvariant);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->message.rfind("I-TRUNC-1: page 1 maps folio 2", 0), 0u) << v->message;
  const int cut = FindStep(*v, 0, "truncate", OpKind::kStore, "i_size");
  const int unmapped = FindStep(*v, cut, "truncate", OpKind::kLoad, "pte[1]");
  const int map = FindStep(*v, unmapped, "fault", OpKind::kStore, "pte[1]");
  const int removed = FindStep(*v, map, "truncate", OpKind::kStore, "i_pages[1]");
  EXPECT_GE(cut, 0);
  EXPECT_GT(unmapped, cut);
  EXPECT_GT(map, unmapped);
  EXPECT_GT(removed, map);
  EXPECT_EQ(testing::EntryAt(*v, map), "pfn 2, young");
  EXPECT_FALSE(testing::FoundWithoutPreemption(name, ViolationKind::kInvariant));
}

}  // namespace
}  // namespace mmcheck
