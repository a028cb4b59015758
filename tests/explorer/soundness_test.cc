// Programs on which dpor once reported "pass, complete" while a violating interleaving existed
// (issue 14). Each is compared with the brute-force trace counter (brute_force.h) on the number
// of traces and with dfs on the verdict of an end check that only some interleavings violate.
#include <algorithm>
#include <array>
#include <functional>
#include <set>
#include <string>

#include "explorer/api.h"
#include "explorer/primitives/shared.h"
#include "explorer/runtime/explorer.h"
#include "explorer/search/dfs_strategy.h"
#include "explorer/search/dpor_strategy.h"
#include "gtest/gtest.h"
#include "tests/explorer/brute_force.h"

namespace mmcheck {
namespace {

ExploreResult ExploreAll(const std::function<void()>& body, Strategy& strategy) {
  ExploreOptions options;
  options.scenario = "soundness";
  options.find_all = true;
  return Explore(body, strategy, options);
}

// T0: a0 = load(x)
// T1: a1 = load(x); if (try_lock(m)) { load(x); store(x, a1 + 1); unlock(m) }
// T2: store(x, 1)
// T3: twice { lock(m); store(y, load(y) + 1); unlock(m) }
// 44 traces (7,110 interleavings). The end check fails only where T1 read x before T2's store,
// T0 after it, and T1's try_lock failed inside T3's second critical section. Plain variables
// record what the check needs, so the check adds no step. `order` is the spawn order.
void TryLockProgram(const std::array<int, 4>& order) {
  auto* x = Make<Atomic<int>>(0, "x");
  auto* y = Make<Atomic<int>>(0, "y");
  auto* m = Make<Mutex>("m");
  auto* a0 = Make<int>(-1);
  auto* a1 = Make<int>(-1);
  auto* section = Make<int>(0);       // T3's critical sections entered so far
  auto* failed_in = Make<int>(0);     // the section T1's try_lock failed in, or 0
  const std::array<std::function<void()>, 4> threads = {
      [=] { *a0 = x->load(); },
      [=] {
        *a1 = x->load();
        if (m->try_lock()) {
          x->load();
          x->store(*a1 + 1);
          m->unlock();
        } else {
          *failed_in = *section;
        }
      },
      [=] { x->store(1); },
      [=] {
        for (int i = 0; i < 2; ++i) {
          m->lock();
          ++*section;
          y->store(y->load() + 1);
          m->unlock();
        }
      }};
  for (int t : order) Spawn(absl::StrCat("T", t), threads[static_cast<size_t>(t)]);
  AtEnd([=] { MMCHECK_ASSERT(!(*a1 == 0 && *a0 == 1 && *failed_in == 2)); });
}

TEST(SoundnessTest, FailedTryLockTraceIsExploredInEverySpawnOrder) {
  std::array<int, 4> order = {0, 1, 2, 3};
  int orders = 0;
  do {
    SCOPED_TRACE(::testing::Message() << "spawn order " << order[0] << order[1] << order[2]
                                      << order[3]);
    testing::BruteForce brute;
    const ExploreResult b = ExploreAll([&] { TryLockProgram(order); }, brute);
    ASSERT_TRUE(b.complete);
    EXPECT_EQ(brute.complete.size() + brute.violating.size(), 44u);
    EXPECT_NE(b.Find(ViolationKind::kAssertion), nullptr);
    DporStrategy dpor;
    const ExploreResult d = ExploreAll([&] { TryLockProgram(order); }, dpor);
    ASSERT_TRUE(d.complete);
    EXPECT_EQ(d.executions + d.violating_executions, 44u);
    EXPECT_EQ(d.redundant_executions, 0u);
    EXPECT_NE(d.Find(ViolationKind::kAssertion), nullptr);
    ++orders;
  } while (std::next_permutation(order.begin(), order.end()));
  EXPECT_EQ(orders, 24);
}

// Sections of the two kinds on the RCU object that end out of order (interrupts back on while
// still in the RCU section), against an IPI and a grace period: dpor must match each section's
// end to its own start to find which waits each end let go, and count what brute force counts.
void OverlappingSections() {
  auto* x = Make<Atomic<int>>(0, "x");
  Spawn("cpu", [x] {
    LocalIrqDisable();
    RcuReadLock();
    x->store(1);
    LocalIrqEnable();
    x->store(2);
    RcuReadUnlock();
  });
  Spawn("flusher", [x] {
    SendIpiAndWait();
    x->load();
  });
  Spawn("syncer", [x] {
    SynchronizeRcu();
    x->load();
  });
}

TEST(SoundnessTest, SectionsThatEndOutOfOrderAreMatchedToTheirOwnStart) {
  testing::BruteForce brute;
  const ExploreResult b = ExploreAll(OverlappingSections, brute);
  ASSERT_TRUE(b.complete);
  const size_t traces = brute.complete.size();
  EXPECT_GT(traces, 10u);
  DporStrategy dpor;
  const ExploreResult d = ExploreAll(OverlappingSections, dpor);
  ASSERT_TRUE(d.complete);
  EXPECT_EQ(d.executions, traces);
  EXPECT_EQ(d.redundant_executions, 0u);
  EXPECT_EQ(d.blocked_executions, 0u);
}

// A reader (down_read; up_read) and a writer's down_write_trylock: the reader's hold decides
// whether the trylock fails, so the two are dependent. Two traces.
void ReaderVsWriteTryLock() {
  auto* sem = Make<RwSemaphore>("sem");
  auto* failed = Make<bool>(false);
  Spawn("reader", [=] {
    sem->down_read();
    sem->up_read();
  });
  Spawn("writer", [=] {
    if (sem->down_write_trylock()) {
      sem->up_write();
    } else {
      *failed = true;
    }
  });
  AtEnd([=] { MMCHECK_ASSERT(!*failed); });
}

TEST(SoundnessTest, ReaderHoldDecidesAWriteTryLock) {
  testing::BruteForce brute;
  const ExploreResult b = ExploreAll(ReaderVsWriteTryLock, brute);
  EXPECT_NE(b.Find(ViolationKind::kAssertion), nullptr);
  DporStrategy dpor;
  const ExploreResult d = ExploreAll(ReaderVsWriteTryLock, dpor);
  ASSERT_TRUE(d.complete);
  EXPECT_NE(d.Find(ViolationKind::kAssertion), nullptr);
  EXPECT_EQ(d.executions + d.violating_executions,
            brute.complete.size() + brute.violating.size());
  EXPECT_EQ(d.redundant_executions, 0u);
}

// a: x = 1; x = 0.  b: y = 1; y = 0.  "never both" is false after a's and b's first stores in
// either order, which is another trace than the one that runs a to its end first.
void NeverBoth(std::vector<std::string> observes) {
  auto* x = Make<Atomic<int>>(0, "x");
  auto* y = Make<Atomic<int>>(0, "y");
  Spawn("a", [x] {
    x->store(1);
    x->store(0);
  });
  Spawn("b", [y] {
    y->store(1);
    y->store(0);
  });
  Invariant("never-both", std::move(observes),
            [x, y] { return !(x->load() == 1 && y->load() == 1); });
}

TEST(SoundnessTest, AnInvariantSeesEveryOrderOfWhatItObserves) {
  DporStrategy dpor;
  const ExploreResult d = ExploreAll([] { NeverBoth({"x", "y"}); }, dpor);
  EXPECT_TRUE(d.complete);
  EXPECT_NE(d.Find(ViolationKind::kInvariant), nullptr);
  // The 6 interleavings of the four stores are 6 orders of observed steps: dpor explores each
  // (violating ones end early and count apart).
  DfsStrategy dfs;
  const ExploreResult f = ExploreAll([] { NeverBoth({"x", "y"}); }, dfs);
  EXPECT_NE(f.Find(ViolationKind::kInvariant), nullptr);
  EXPECT_EQ(d.executions + d.violating_executions, f.executions + f.violating_executions);
}

TEST(SoundnessTest, AnInvariantThatObservesNothingIsCheckedOnOneInterleavingOnly) {
  // What the declaration is for: without it the two threads are independent, dpor runs one
  // interleaving (a then b), and the state the invariant forbids is never built.
  DporStrategy dpor;
  const ExploreResult d = ExploreAll([] { NeverBoth({}); }, dpor);
  EXPECT_EQ(d.executions, 1u);
  EXPECT_EQ(d.Find(ViolationKind::kInvariant), nullptr);
}

// A plain field an invariant observes counts as written by the step its thread performed last.
TEST(SoundnessTest, AnInvariantObservesPlainFieldsThroughTheStepBeforeThem) {
  auto body = [] {
    auto* m = Make<Mutex>("m");
    auto* x = Make<Shared<int>>(0, "x");
    auto* y = Make<Shared<int>>(0, "y");
    auto* mx = Make<Mutex>("mx");
    Spawn("a", [m, x] {
      m->lock();  // x is written in the code that follows this step
      x->write(1);
      m->unlock();
      x->write(0);  // after the unlock: its own step is the unlock
    });
    Spawn("b", [mx, y] {
      mx->lock();
      y->write(1);
      mx->unlock();
      y->write(0);
    });
    Invariant("never-both", {"x", "y"}, [x, y] { return !(x->peek() == 1 && y->peek() == 1); });
  };
  DporStrategy dpor;
  EXPECT_NE(ExploreAll(body, dpor).Find(ViolationKind::kInvariant), nullptr);
}

}  // namespace
}  // namespace mmcheck
