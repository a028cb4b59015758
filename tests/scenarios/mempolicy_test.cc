// S20 (kernel-model.md): mbind()'s page-table walk under mmap_lock (write) against a fault under
// the per-VMA lock. The correct scenarios pass exhaustively with pinned counts and reach both
// orders of the race; each twin fails for the reason it names, shown by its key steps.
#include <string>

#include "gtest/gtest.h"
#include "tests/scenarios/scenario_testing.h"

namespace mmcheck {
namespace {

using testing::FindStep;

constexpr const char* kScenario = "mempolicy/mbind-vs-fault";

TEST(MempolicyTest, MbindMoveVsFaultPassesInBothOrders) {
  testing::ExpectExhaustivePass(kScenario, 13);
  // The fault finished under the VMA lock before the walk write-locked the VMA (the walk then
  // queues its page).
  EXPECT_GT(testing::ExecutionsWhere(kScenario,
                                     [](const Trace& t) {
                                       const int map =
                                           FindStep(t, 0, "fault", OpKind::kStore, "pte[1]");
                                       const int lock =
                                           FindStep(t, 0, "mbind", OpKind::kDownWrite, "vm_lock");
                                       return map >= 0 && lock > map;
                                     }),
            0);
  // The fault found the VMA write-locked, waited for mmap_lock behind mbind, and allocated by the
  // new policy.
  EXPECT_GT(testing::ExecutionsWhere(kScenario,
                                     [](const Trace& t) {
                                       const int unlock =
                                           FindStep(t, 0, "mbind", OpKind::kUpWrite, "mmap_lock");
                                       const int map =
                                           FindStep(t, 0, "fault", OpKind::kStore, "pte[1]");
                                       return unlock >= 0 && map > unlock &&
                                              testing::HasStep(t, "fault", OpKind::kDownRead,
                                                               "mmap_lock");
                                     }),
            0);
}

TEST(MempolicyTest, MbindWithoutMovePasses) {
  testing::ExpectExhaustivePass(std::string(kScenario) + "~no-move", 13);
}

// Twin A (PGWALK_RDLOCK, v6.4): the walk reads page 1 none, the fault (under the VMA lock, which
// nothing write-locked) maps a page on node 0 there, and mbind returns without having queued it.
TEST(MempolicyTest, ReadLockedWalkMissesAConcurrentlyInsertedPage) {
  const std::string name = std::string(kScenario) + "@rdlock-walk";
  const std::optional<Violation> v = testing::FirstViolation(name, ViolationKind::kInvariant);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->message.rfind("I-VMA-4: after mbind(MPOL_BIND, node 1, MPOL_MF_MOVE) returned, "
                             "page 1 maps folio 2 on node 0",
                             0),
            0u)
      << v->message;
  const int walked = FindStep(*v, 0, "mbind", OpKind::kLoad, "pte[1]");
  const int map = FindStep(*v, walked, "fault", OpKind::kStore, "pte[1]");
  EXPECT_GE(walked, 0);
  EXPECT_GT(map, walked);
  EXPECT_FALSE(testing::HasStep(v->trace, "mbind", OpKind::kDownWrite, "vm_lock"));
  EXPECT_FALSE(testing::FoundWithoutPreemption(name, ViolationKind::kInvariant));
}

// Twin B (49b0638502da until 8b9c1cc0418a): the walk skips the VMA before locking it, the fault
// reads the VMA's policy, and vma_replace_policy frees it under the fault.
TEST(MempolicyTest, SkippedVmaLeftUnlockedFreesThePolicyAFaultUses) {
  const std::string name = std::string(kScenario) + "~no-move@skipped-vma-unlocked";
  const std::optional<Violation> v = testing::FirstViolation(name, ViolationKind::kUseAfterFree);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->message.rfind("thread 'mbind' frees mempolicy (node 0)", 0), 0u) << v->message;
  const int read = FindStep(*v, 0, "fault", OpKind::kLoad, "vm_policy");
  const int replaced = FindStep(*v, read, "mbind", OpKind::kStore, "vm_policy");
  EXPECT_GE(read, 0);
  EXPECT_GT(replaced, read);
  EXPECT_FALSE(testing::HasStep(v->trace, "mbind", OpKind::kDownWrite, "vm_lock"));
  // No preemption is needed to find it: the use-after-free check asks whether anything orders
  // the fault's use before mbind's free (README, "Writing a scenario"), and nothing does even
  // when the fault runs first, whole.
  EXPECT_TRUE(testing::FoundWithoutPreemption(name, ViolationKind::kUseAfterFree));
}

}  // namespace
}  // namespace mmcheck
