// S2 and S3 (kernel-model.md): userfaults under the per-VMA lock. The correct scenarios pass
// exhaustively; the lost-wakeup twin and the sleep-with-the-VMA-lock twin deadlock for the reasons
// they name.
#include "absl/strings/str_cat.h"
#include "explorer/search/dfs_strategy.h"
#include "explorer/search/dpor_strategy.h"
#include "gtest/gtest.h"
#include "model/userfaultfd.h"
#include "tests/scenarios/scenario_testing.h"

namespace mmcheck {
namespace {

using testing::ExploreScenario;
using testing::FindStep;

TEST(UffdTest, CorrectScenariosPassExhaustivelyWithPinnedCounts) {
  for (const auto& [name, executions] :
       {std::pair<const char*, uint64_t>{"uffd/fault-vs-copy", 109},
        {"uffd/fault-vs-copy~v2", 109},
        {"uffd/copy-vs-copy", 64},
        {"uffd/fault-vs-read-copy", 7}}) {
    testing::ExpectExhaustivePass(name, executions);
  }
}

// The two large ones, about 5 s together: label `long`. uffd/fault-vs-munmap~v2 has the same
// count as uffd/fault-vs-munmap; it runs in `run --all`.
TEST(UffdTest, LongLargeScenariosPassExhaustivelyWithPinnedCounts) {
  for (const auto& [name, executions] :
       {std::pair<const char*, uint64_t>{"uffd/fault-vs-munmap", 61982},
        {"uffd/two-faults-vs-copy", 68522}}) {
    testing::ExpectExhaustivePass(name, executions);
  }
}

TEST(UffdTest, CheckingMustWaitBeforeQueueingLosesTheWakeup) {
  // With one fault, and with S3's optional second fault on the same page (which is the one that
  // loses its wake-up in the first counterexample found).
  for (const auto& [name, sleeper] :
       {std::pair<const char*, const char*>{"uffd/fault-vs-copy@must-wait-first", "fault"},
        {"uffd/two-faults-vs-copy@must-wait-first", "fault2"}}) {
    const std::optional<Violation> v = testing::FirstViolation(name, ViolationKind::kDeadlock);
    ASSERT_TRUE(v.has_value()) << name;
    EXPECT_NE(v->message.find(absl::StrCat("'", sleeper,
                                           "' sleeps in schedule() on fault_pending_wqh and no "
                                           "thread will wake it")),
              std::string::npos)
        << v->message;
    // The fault sees no PTE, the monitor installs it and wakes an empty queue, and only then does
    // the fault queue itself.
    const int checked = FindStep(*v, 0, sleeper, OpKind::kLoad, "pte[0]");
    const int installed = FindStep(*v, checked, "monitor", OpKind::kStore, "pte[0]");
    const int woken = FindStep(*v, installed, "monitor", OpKind::kWakeUp, "fault_pending_wqh");
    const int queued = FindStep(*v, woken, sleeper, OpKind::kPrepareToWait, "fault_pending_wqh");
    ASSERT_GE(checked, 0) << name;
    ASSERT_GE(installed, 0) << name;
    ASSERT_GE(woken, 0) << name;
    ASSERT_GE(queued, 0) << name;
    // A race: the fault must be preempted between its check and its enqueue.
    EXPECT_FALSE(testing::FoundWithoutPreemption(name, ViolationKind::kDeadlock)) << name;
  }
}

TEST(UffdTest, SleepingWithTheVmaLockDeadlocksMunmapAndTheMonitor) {
  // With the v6.6 monitor (mmap_read_lock) and the v6.9 one (uffd_mfill_lock: its
  // lock_vma_under_rcu fails against munmap's queued writer, and it falls back to
  // mmap_read_lock).
  for (const char* name : {"uffd/fault-vs-munmap@sleeps-with-vma-lock",
                           "uffd/fault-vs-munmap-vma-locked-copy@sleeps-with-vma-lock"}) {
    const std::optional<Violation> v = testing::FirstViolation(name, ViolationKind::kDeadlock);
    ASSERT_TRUE(v.has_value()) << name;
    for (const char* part : {"'fault' sleeps in schedule() on fault_pending_wqh",
                             "'munmap' waits in down_write:acquire on vm_lock",
                             "'monitor' waits in down_read for mmap_lock held by 'munmap'"}) {
      EXPECT_NE(v->message.find(part), std::string::npos) << part << " in " << v->message;
    }
    const int vma_locked = FindStep(*v, 0, "fault", OpKind::kDownReadTry, "vm_lock");
    const int queued =
        FindStep(*v, vma_locked, "fault", OpKind::kPrepareToWait, "fault_pending_wqh");
    ASSERT_GE(vma_locked, 0) << name;
    ASSERT_GE(queued, 0) << name;
    EXPECT_EQ(FindStep(*v, 0, "fault", OpKind::kUpRead, "vm_lock"), -1);  // never released
    // Not a race but the protocol: the fault sleeps without being preempted, and the others
    // block on it in turn, so even an unpreempted run deadlocks.
    EXPECT_TRUE(testing::FoundWithoutPreemption(name, ViolationKind::kDeadlock)) << name;
  }
}

// The v6.9 monitor (UFFDIO_COPY under the VMA lock) against the correct fault passes exhaustively.
// Its own test: 130,116 executions, about 5 s: label `long`.
TEST(UffdTest, LongTheV69CopyUnderTheVmaLockPassesExhaustively) {
  const char* name = "uffd/fault-vs-munmap-vma-locked-copy";
  testing::ExpectExhaustivePass(name, 130116);
}

TEST(UffdTest, AV2HandlerThatForgetsTheFlagIsReleasedTwice) {
  for (const char* name :
       {"uffd/fault-vs-copy~v2@no-unlocked-flag", "uffd/fault-vs-munmap~v2@no-unlocked-flag"}) {
    const std::optional<Violation> v = testing::FirstViolation(name, ViolationKind::kLockMisuse);
    ASSERT_TRUE(v.has_value()) << name;
    EXPECT_NE(v->message.find("thread 'fault' calls up_read(vm_lock) without holding it"),
              std::string::npos)
        << v->message;
    // handle_userfault's release, then the arch handler's: the failing step.
    const int first = FindStep(*v, 0, "fault", OpKind::kUpRead, "vm_lock");
    ASSERT_GE(first, 0) << name;
    EXPECT_EQ(FindStep(*v, first + 1, "fault", OpKind::kUpRead, "vm_lock"), v->step - 1) << name;
  }
}

TEST(UffdTest, ACopyWithoutThePteNoneCheckInstallsThePageTwice) {
  const std::optional<Violation> v =
      testing::FirstViolation("uffd/copy-vs-copy@no-pte-none-check", ViolationKind::kInvariant);
  ASSERT_TRUE(v.has_value());
  EXPECT_NE(v->message.find("I-MAP-1: folio 1 has mapcount 1 but 0 PTE(s) map it"),
            std::string::npos)
      << v->message;
  // Both copies write the PTE; the second overwrites the first's present entry.
  int first = -1, second = -1;
  for (const char* a : {"monitor", "monitor2"}) {
    const int s = FindStep(*v, 0, a, OpKind::kStore, "pte[0]");
    ASSERT_GE(s, 0) << a;
    (first < 0 ? first : second) = s;
  }
  EXPECT_NE(v->trace.Value(v->trace.steps[static_cast<size_t>(std::max(first, second))],
                           v->trace.steps[static_cast<size_t>(std::max(first, second))].old),
            "none");
  // Not a race: the missing check fails even when the copies run one after the other.
  EXPECT_TRUE(testing::FoundWithoutPreemption("uffd/copy-vs-copy@no-pte-none-check",
                                              ViolationKind::kInvariant));
}

// read() refiles the waiter to fault_wqh; a wake that looks at fault_pending_wqh only finds no
// one. Not a race: every read-then-copy loses the wake-up once the fault sleeps before the copy.
TEST(UffdTest, AWakeThatSkipsFaultWqhLosesTheWaiterReadRefiled) {
  const char* name = "uffd/fault-vs-read-copy@wake-skips-fault-wqh";
  const std::optional<Violation> v = testing::FirstViolation(name, ViolationKind::kDeadlock);
  ASSERT_TRUE(v.has_value());
  EXPECT_NE(v->message.find("'fault' sleeps in schedule() on fault_pending_wqh and no thread will "
                            "wake it"),
            std::string::npos)
      << v->message;
  const int queued = FindStep(*v, 0, "fault", OpKind::kPrepareToWait, "fault_pending_wqh");
  const int refiled = FindStep(*v, queued, "monitor", OpKind::kCompareExchange, "ctx->queued");
  const int installed = FindStep(*v, refiled, "monitor", OpKind::kStore, "pte[0]");
  const int checked = FindStep(*v, installed, "monitor", OpKind::kLoad, "ctx->queued");
  ASSERT_GE(queued, 0);
  ASSERT_GT(refiled, queued);
  EXPECT_TRUE(v->trace.steps[static_cast<size_t>(refiled)].ok);
  ASSERT_GT(installed, refiled);
  ASSERT_GT(checked, installed);
  EXPECT_EQ(FindStep(*v, 0, "monitor", OpKind::kWakeUp, "fault_pending_wqh"), -1);  // no wake
  EXPECT_TRUE(testing::FoundWithoutPreemption(name, ViolationKind::kDeadlock));
}

// validate_dst_vma() (v6.12) asks only that the destination VMA be registered with some
// userfaultfd: a UFFDIO_COPY through a second uffd of the same mm into a range the first one
// registered installs the page (issue 16 item 8: the model refused it with -ENOENT).
TEST(UffdTest, ACopyThroughAnotherUffdOfTheMmIsAccepted) {
  int result = 1;
  DfsStrategy dfs;
  ExploreOptions options;
  options.scenario = "uffd/copy-through-another-ctx";
  const ExploreResult r = Explore(
      [&result] {
        model::MmStruct* mm = Make<model::MmStruct>(model::Knobs{});
        model::Vma* vma =
            mm->map(0, 2, model::VM_READ | model::VM_WRITE | model::VM_MAYWRITE);
        vma->anon_vma.store(true);
        model::userfaultfd_register_setup(vma, Make<model::UserfaultfdCtx>());
        model::UserfaultfdCtx* other = Make<model::UserfaultfdCtx>();
        Spawn("monitor", [mm, other, &result] { result = model::uffdio_copy(mm, other, 0); });
      },
      dfs, options);
  EXPECT_TRUE(r.violations.empty()) << r.violations[0].message;
  EXPECT_EQ(r.executions, 1u);
  EXPECT_EQ(result, 0);
}

}  // namespace
}  // namespace mmcheck
