// Seeds 000/001 (kernel-model.md S8 and S17): fault-around against truncate, and two read faults
// in one fault-around window on arm64. The correct scenarios and their variants pass exhaustively
// with pinned counts and reach the races they are about; each twin fails for the reason it names,
// shown by its key steps.
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

namespace mmcheck {
namespace {

using testing::FindStep;

// S17 (kernel-model.md) on arm64: two read faults in one fault-around window. The faulting page
// is mapped young and a prefaulted one old; the loser of the PTE lock finds the PTEs present.
TEST(FilemapTest, TwoFaultsInOneWindowMapTheirOwnPageYoungOnArm64) {
  const char* name = "filemap/fault-around-young-old+arm64";
  testing::ExpectExhaustivePass(name, 5342);
  // fault0 prefaulted page 1 old, then fault1 found it present and made it young.
  EXPECT_GT(testing::ExecutionsWhere(name,
                                     [](const Trace& t) {
                                       const int old_map =
                                           FindStep(t, 0, "fault0", OpKind::kStore, "pte[1]");
                                       return old_map >= 0 &&
                                              FindStep(t, old_map, "fault1", OpKind::kStore,
                                                       "pte[1]") > old_map;
                                     }),
            0);
  // fault1's ->map_pages skipped a folio fault0 held, and its filemap_fault dropped the VMA lock
  // to sleep for it, then retried under mmap_lock (lock_mm_and_find_vma's mmap_read_trylock).
  EXPECT_GT(testing::ExecutionsWhere(name,
                                     [](const Trace& t) {
                                       return testing::HasStep(t, "fault1", OpKind::kTryLock,
                                                               "folio_lock[2]", /*ok=*/0) &&
                                              testing::HasStep(t, "fault1",
                                                               OpKind::kDownReadTry, "mmap_lock",
                                                               /*ok=*/1);
                                     }),
            0);
}

TEST(FilemapTest, ALargeFolioIsMappedInOneYoungBatchOnArm64) {
  testing::ExpectExhaustivePass("filemap/fault-around-young-old~large-folio+arm64", 234);
}

// Twin A (3bd786f76de2): the polarity inverted. fault1 maps page 0 first, as a young prefault.
TEST(FilemapTest, InRangePolarityMapsThePrefaultedPageYoung) {
  const std::string name = "filemap/fault-around-young-old+arm64@in-range-polarity";
  const std::optional<Violation> v = testing::FirstViolation(name, ViolationKind::kInvariant);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->message.rfind("I-AGE-1: the fault at page 1 prefaults page 0 young", 0), 0u)
      << v->message;
  EXPECT_TRUE(testing::FoundWithoutPreemption(name, ViolationKind::kInvariant));
}

// Twin B (seed 001 v4): the batch of the large folio starts at page 0, before fault1's address,
// so it is all old, page 1 with it.
TEST(FilemapTest, BatchStartPrefaultMapsTheFaultingPageOld) {
  const std::string name =
      "filemap/fault-around-young-old~large-folio+arm64@batch-start-prefault";
  const std::optional<Violation> v = testing::FirstViolation(name, ViolationKind::kInvariant);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->message.rfind("I-AGE-1: the fault at page 1 maps its own page old (a batch of 2 "
                             "from page 0)",
                             0),
            0u)
      << v->message;
  EXPECT_TRUE(testing::FoundWithoutPreemption(name, ViolationKind::kInvariant));
}

}  // namespace
}  // namespace mmcheck
