// S19 (kernel-model.md): preparing an anon_vma under the VMA lock against an mmap_lock writer.
// The correct fault only trylocks mmap_lock and retries on the mmap_lock path; the twin blocks
// and deadlocks, which needs a preemption.
#include "explorer/runtime/explorer.h"
#include "explorer/runtime/scenario.h"
#include "explorer/search/dfs_strategy.h"
#include "explorer/search/dpor_strategy.h"
#include "gtest/gtest.h"
#include "tests/scenarios/scenario_testing.h"

namespace mmcheck {
namespace {

using testing::ExploreScenario;

TEST(AnonPrepareVsMprotectTest, PassesExhaustivelyWithAPinnedCount) {
  testing::ExpectExhaustivePass("vma/anon-prepare-vs-mprotect", 27);
  DfsStrategy bounded(2);  // exhaustive dfs is out of reach; within two preemptions it agrees
  EXPECT_TRUE(ExploreScenario("vma/anon-prepare-vs-mprotect", bounded).violations.empty());
}

TEST(AnonPrepareVsMprotectTest, ABlockingMmapLockUnderTheVmaLockDeadlocks) {
  DporStrategy dpor;
  const ExploreResult r = ExploreScenario("vma/anon-prepare-vs-mprotect@blocking-mmap-lock", dpor);
  const Violation* v = r.Find(ViolationKind::kDeadlock);
  ASSERT_NE(v, nullptr);
  // The cycle: the fault holds the VMA read lock and waits for mmap_lock; mprotect holds
  // mmap_lock for write and waits in vma_start_write for the fault's VMA lock.
  EXPECT_NE(v->message.find("'fault' waits in down_read for mmap_lock held by 'mprotect'"),
            std::string::npos)
      << v->message;
  EXPECT_NE(v->message.find("'mprotect' waits in down_write:acquire on vm_lock"), std::string::npos)
      << v->message;
  // Key steps: the fault read-locks the VMA before mprotect starts vma_start_write's down_write
  // on it (both on vm_lock: ordered in every interleaving of this trace), and mprotect holds
  // mmap_lock for write by then.
  const Trace& t = v->trace;
  int vma_locked = -1, mmap_taken = -1, vma_write = -1;
  for (size_t i = 0; i < t.steps.size(); ++i) {
    const Step& s = t.steps[i];
    const std::string& who = t.thread_names[s.thread];
    const std::string object = t.ObjectName(s);
    if (who == "fault" && s.op == OpKind::kDownReadTry && s.ok && object == "vm_lock") {
      vma_locked = static_cast<int>(i);
    }
    if (who == "mprotect" && s.op == OpKind::kDownWrite && object == "mmap_lock") {
      mmap_taken = static_cast<int>(i);
    }
    if (who == "mprotect" && s.op == OpKind::kDownWriteStart && object == "vm_lock") {
      vma_write = static_cast<int>(i);
    }
  }
  ASSERT_GE(vma_locked, 0);
  ASSERT_GE(mmap_taken, 0);
  EXPECT_GT(vma_write, vma_locked);
  EXPECT_GT(vma_write, mmap_taken);
  // Lockdep sees the inversion too.
  ASSERT_NE(r.Find(ViolationKind::kLockOrder), nullptr);
  // A race: without a preemption one thread finishes its locking before the other starts.
  EXPECT_FALSE(testing::FoundWithoutPreemption("vma/anon-prepare-vs-mprotect@blocking-mmap-lock",
                                               ViolationKind::kDeadlock));
}

TEST(AnonPrepareVsMprotectTest, TheV2ProtocolPassesWithItsFlag) {
  DporStrategy dpor;
  const ExploreResult r = ExploreScenario("vma/anon-prepare-vs-mprotect~v2", dpor);
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.violations.empty()) << r.violations[0].message;
  EXPECT_EQ(r.executions, 27u);
}

// The v6.4 arch handler on a callee that drops the lock itself, and a v2 callee that drops it
// without saying so: the retry path releases the VMA lock twice.
class DoubleEndReadTest : public ::testing::TestWithParam<const char*> {};

TEST_P(DoubleEndReadTest, TheArchReleasesWhatTheCalleeReleased) {
  const std::optional<Violation> v =
      testing::FirstViolation(GetParam(), ViolationKind::kLockMisuse);
  ASSERT_TRUE(v.has_value());
  EXPECT_NE(v->message.find("'fault' calls up_read(vm_lock) without holding it for read"),
            std::string::npos)
      << v->message;
  // Key steps in order: mprotect queues for mmap_lock (a queued writer is enough: with writer
  // preference the fault's trylock of it fails, as rwsem_read_trylock does with waiters); the
  // callee (vmf_anon_prepare) releases the VMA lock; the arch handler releases it again.
  const int taken = testing::FindStep(*v, 0, "mprotect", OpKind::kDownWriteStart, "mmap_lock");
  const int busy = testing::FindStep(*v, taken, "fault", OpKind::kDownReadTry, "mmap_lock");
  const int first = testing::FindStep(*v, busy, "fault", OpKind::kUpRead, "vm_lock");
  const int second = testing::FindStep(*v, first + 1, "fault", OpKind::kUpRead, "vm_lock");
  ASSERT_GE(taken, 0);
  ASSERT_GT(busy, taken);
  EXPECT_FALSE(v->trace.steps[static_cast<size_t>(busy)].ok);
  ASSERT_GT(first, busy);
  EXPECT_EQ(std::string(v->trace.steps[static_cast<size_t>(first)].function), "vma_end_read");
  ASSERT_GT(second, first);
  EXPECT_EQ(second + 1, v->step);
  // A race: mprotect must take mmap_lock while the fault holds the VMA lock.
  EXPECT_FALSE(testing::FoundWithoutPreemption(GetParam(), ViolationKind::kLockMisuse));
}

INSTANTIATE_TEST_SUITE_P(Protocols, DoubleEndReadTest,
                         ::testing::Values("vma/anon-prepare-vs-mprotect@v6.4-arch",
                                           "vma/anon-prepare-vs-mprotect~v2@no-unlocked-flag"));

}  // namespace
}  // namespace mmcheck
