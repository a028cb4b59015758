// S11 (kernel-model.md): a write fault under the per-VMA lock vs mprotect(PROT_READ). The correct
// scenario passes exhaustively with a pinned count; the twin that changes vm_flags without
// vma_start_write leaves a writable PTE behind, for the reason it names.
#include "explorer/search/dfs_strategy.h"
#include "explorer/search/dpor_strategy.h"
#include "gtest/gtest.h"
#include "model/pgtable.h"
#include "tests/scenarios/scenario_testing.h"

namespace mmcheck {
namespace {

using testing::ExploreScenario;
using testing::FindStep;

TEST(FaultVsMprotectTest, PassesExhaustivelyWithAPinnedCount) {
  testing::ExpectExhaustivePass("vma/fault-vs-mprotect", 16);
}

TEST(FaultVsMprotectTest, WithoutTheVmaWriteLockAWritablePteSurvivesMprotect) {
  DporStrategy dpor;
  const ExploreResult r = ExploreScenario("vma/fault-vs-mprotect@no-vma-write-lock", dpor);
  const Violation* v = r.Find(ViolationKind::kInvariant);
  ASSERT_NE(v, nullptr);
  EXPECT_NE(v->message.find("I-PT-7: the PTE for address 0 is writable"), std::string::npos)
      << v->message;
  // The fault holds the VMA read lock; mprotect, not taking the VMA write lock, walks the still
  // empty PTE under the PTL and returns; only then does the fault install its PTE, built from
  // the VM_WRITE it read before mprotect changed the flags.
  const int read_locked = FindStep(*v, 0, "fault", OpKind::kDownReadTry, "vm_lock");
  const int walked = FindStep(*v, read_locked, "mprotect", OpKind::kLoad, "pte[0]");
  const int returned = FindStep(*v, walked, "mprotect", OpKind::kUpWrite, "mmap_lock");
  const int installed = FindStep(*v, returned, "fault", OpKind::kStore, "pte[0]");
  ASSERT_GE(read_locked, 0);
  ASSERT_GE(walked, 0);
  ASSERT_GE(returned, 0);
  ASSERT_GE(installed, 0);
  EXPECT_EQ(v->trace.Value(v->trace.steps[static_cast<size_t>(walked)],
                           v->trace.steps[static_cast<size_t>(walked)].value),
            "none");
  // The data race on vm_flags is reported on the way: the missing lock, seen even where the
  // interleaving is harmless.
  const Violation* race = r.Find(ViolationKind::kDataRace);
  ASSERT_NE(race, nullptr);
  EXPECT_NE(race->message.find("data race on vm_flags"), std::string::npos) << race->message;
  // The writable PTE needs the race: without a preemption the fault runs wholly before
  // mprotect (which then write-protects its PTE) or after it (and gets SIGSEGV).
  EXPECT_FALSE(testing::FoundWithoutPreemption("vma/fault-vs-mprotect@no-vma-write-lock",
                                               ViolationKind::kInvariant));
}

}  // namespace
}  // namespace mmcheck
