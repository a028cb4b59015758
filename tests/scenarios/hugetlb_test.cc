// S15 (kernel-model.md): the hugetlb fault path's VM_FAULT_RETRY from __vmf_anon_prepare against
// munmap. The fixed code passes exhaustively and does reach the retry; the pre-fix twin touches
// the VMA after vmf_anon_prepare dropped its lock.
#include "explorer/search/dpor_strategy.h"
#include "gtest/gtest.h"
#include "tests/scenarios/scenario_testing.h"

namespace mmcheck {
namespace {

using testing::ExploreScenario;
using testing::FindStep;

constexpr char kCorrect[] = "hugetlb/anon-prepare-vs-munmap";
constexpr char kTwin[] = "hugetlb/anon-prepare-vs-munmap@pre-fix";

TEST(HugetlbTest, CorrectScenarioPassesExhaustivelyWithPinnedCount) {
  testing::ExpectExhaustivePass(kCorrect, 70);
}

// The pass is not vacuous: some executions take the path the fix is about (the mmap_lock trylock
// fails under the VMA lock, so hugetlb_no_page returns VM_FAULT_RETRY), and others install the
// huge page (the trylock succeeds, or the fault runs before munmap).
TEST(HugetlbTest, TheCorrectScenarioReachesTheRetryAndTheMappedPage) {
  EXPECT_GT(testing::ExecutionsWhere(kCorrect,
                                     [](const Trace& t) {
                                       return testing::HasStep(t, "fault", OpKind::kDownReadTry,
                                                               "mmap_lock", /*ok=*/0);
                                     }),
            0);
  EXPECT_GT(
      testing::ExecutionsWhere(
          kCorrect,
          [](const Trace& t) { return testing::HasStep(t, "fault", OpKind::kStore, "pmd[0]"); }),
      0);
}

TEST(HugetlbTest, PreFixHugetlbVmaUnlockReadTouchesTheUnlockedVma) {
  const std::optional<Violation> v = testing::FirstViolation(kTwin, ViolationKind::kUseAfterFree);
  ASSERT_TRUE(v.has_value());
  EXPECT_NE(v->message.find("I-VMA-1: thread 'fault' hugetlb_vma_unlock_read() reads vm_flags"),
            std::string::npos)
      << v->message;
  // munmap holds mmap_lock for writing; the fault, VMA read-locked, fails the trylock in
  // __vmf_anon_prepare; vmf_anon_prepare drops the VMA lock; hugetlb_vma_unlock_read follows.
  const int writer = FindStep(*v, 0, "munmap", OpKind::kDownWriteStart, "mmap_lock");
  const int vma_locked = FindStep(*v, 0, "fault", OpKind::kDownReadTry, "vm_lock");
  const int busy = FindStep(*v, vma_locked, "fault", OpKind::kDownReadTry, "mmap_lock");
  const int released = FindStep(*v, busy, "fault", OpKind::kUpRead, "vm_lock");
  ASSERT_GE(writer, 0);
  ASSERT_GE(vma_locked, 0);
  ASSERT_GT(busy, writer);
  EXPECT_FALSE(v->trace.steps[static_cast<size_t>(busy)].ok);
  ASSERT_GT(released, busy);
  EXPECT_GE(v->step, released);
  // A race: munmap must take mmap_lock while the fault holds the VMA lock.
  EXPECT_FALSE(testing::FoundWithoutPreemption(kTwin, ViolationKind::kUseAfterFree));
}

}  // namespace
}  // namespace mmcheck
