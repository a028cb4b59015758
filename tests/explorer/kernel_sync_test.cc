// The kernel primitives' semantics (kernel-model.md 2.8): rwsem writer preference and downgrade,
// RCU grace periods and callbacks, wait-queue sleeps and lost wakeups, sleeping in atomic
// context, and their misuse. Each is explored exhaustively under dpor and dfs.
#include "explorer/api.h"
#include "explorer/checks/happens_before.h"
#include "explorer/primitives/rcu.h"
#include "explorer/primitives/rwsem.h"
#include "explorer/primitives/shared.h"
#include "explorer/primitives/wait_queue.h"
#include "explorer/runtime/explorer.h"
#include "explorer/search/dfs_strategy.h"
#include "explorer/search/dpor_strategy.h"
#include "gtest/gtest.h"

namespace mmcheck {
namespace {

// The violations found by dpor and by dfs (which must agree), searching for every kind.
std::vector<Violation> Check(void (*body)(), bool* complete = nullptr) {
  std::vector<Violation> results[2];
  DporStrategy dpor;
  DfsStrategy dfs;
  Strategy* strategies[2] = {&dpor, &dfs};
  for (int i = 0; i < 2; ++i) {
    ExploreOptions options;
    options.find_all = true;
    const ExploreResult r = Explore(body, *strategies[i], options);
    EXPECT_TRUE(r.complete);
    if (complete != nullptr) *complete = r.complete;
    results[i] = r.violations;
  }
  EXPECT_EQ(results[0].size(), results[1].size());
  for (size_t i = 0; i < std::min(results[0].size(), results[1].size()); ++i) {
    EXPECT_EQ(results[0][i].kind, results[1][i].kind);
  }
  return results[0];
}

const Violation* Find(const std::vector<Violation>& vs, ViolationKind kind) {
  for (const Violation& v : vs) {
    if (v.kind == kind) return &v;
  }
  return nullptr;
}

TEST(RwSemaphoreTest, AReaderWaitsBehindAQueuedWriterSoARecursiveReadDeadlocks) {
  const auto vs = Check([] {
    auto* sem = Make<RwSemaphore>("mmap_lock");
    Spawn("reader", [sem] {
      sem->down_read();
      sem->down_read();  // fine alone, a deadlock once a writer queued in between
      sem->up_read();
      sem->up_read();
    });
    Spawn("writer", [sem] {
      sem->down_write();
      sem->up_write();
    });
  });
  // Lockdep flags the recursive read at once; exploring finds the deadlock it warns of.
  const Violation* recursive = Find(vs, ViolationKind::kLockOrder);
  ASSERT_NE(recursive, nullptr);
  EXPECT_NE(recursive->message.find("possible recursive locking: mmap_lock"), std::string::npos);
  const Violation* deadlock = Find(vs, ViolationKind::kDeadlock);
  ASSERT_NE(deadlock, nullptr);
  EXPECT_NE(deadlock->message.find("'reader' waits in down_read on mmap_lock behind the queued "
                                   "writer 'writer'"),
            std::string::npos)
      << deadlock->message;
}

TEST(RwSemaphoreTest, ReadersShareWritersExclude) {
  const auto vs = Check([] {
    auto* sem = Make<RwSemaphore>("sem");
    auto* inside = Make<Atomic<int>>(0, "inside");
    auto* data = Make<Shared<int>>(0, "data");
    for (int i = 0; i < 2; ++i) {
      Spawn("reader", [sem, inside, data] {
        sem->down_read();
        inside->fetch_add(1);
        data->read();
        inside->fetch_add(-1);
        sem->up_read();
      });
    }
    Spawn("writer", [sem, inside, data] {
      sem->down_write();
      MMCHECK_ASSERT(inside->load() == 0);
      data->write(1);
      sem->up_write();
    });
  });
  EXPECT_TRUE(vs.empty()) << vs[0].message;
}

TEST(RwSemaphoreTest, DowngradeLetsReadersInWhileTheWriterStillReads) {
  const auto vs = Check([] {
    auto* sem = Make<RwSemaphore>("sem");
    auto* reader_in = Make<Atomic<int>>(0, "reader_in");
    auto* data = Make<Shared<int>>(0, "data");
    Spawn("writer", [sem, reader_in, data] {
      sem->down_write();
      data->write(1);
      sem->downgrade_write();
      while (reader_in->load() == 0) Yield();  // only ends if a reader gets in beside us
      sem->up_read();
    });
    Spawn("reader", [sem, reader_in, data] {
      // Before the writer or after its downgrade; if downgrade kept readers out, both would spin.
      while (!sem->down_read_trylock()) Yield();
      data->read();
      reader_in->store(1);
      sem->up_read();
    });
  });
  EXPECT_TRUE(vs.empty()) << vs[0].message;
}

TEST(RwSemaphoreTest, ReleasingWhatIsNotHeldIsLockMisuse) {
  const auto vs = Check([] {
    auto* sem = Make<RwSemaphore>("sem");
    Spawn("t", [sem] {
      sem->down_read();
      sem->up_write();
    });
  });
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].kind, ViolationKind::kLockMisuse);
  EXPECT_NE(vs[0].message.find("without holding it for write"), std::string::npos);
}

// A reader that sees the object inside its section must not see it freed (I-VMA-1's shape).
void RcuFree(bool defer) {
  auto* ptr = Make<Atomic<int>>(1, "ptr");
  auto* freed = Make<Atomic<int>>(0, "freed");
  Spawn("reader", [ptr, freed] {
    RcuReadLock();
    if (ptr->load() != 0) MMCHECK_ASSERT_MSG(freed->load() == 0, "use after free");
    RcuReadUnlock();
  });
  Spawn("updater", [ptr, freed, defer] {
    ptr->store(0);
    if (defer) {
      CallRcu([freed] { freed->store(1); });
    } else {
      freed->store(1);
    }
  });
}

TEST(RcuTest, CallRcuRunsTheCallbackAfterEveryOpenSection) {
  EXPECT_TRUE(Check([] { RcuFree(/*defer=*/true); }).empty());
  const auto vs = Check([] { RcuFree(/*defer=*/false); });
  ASSERT_NE(Find(vs, ViolationKind::kAssertion), nullptr);
}

TEST(RcuTest, SynchronizeRcuWaitsForSectionsOpenAtItsStartOnly) {
  const auto vs = Check([] {
    auto* ptr = Make<Atomic<int>>(1, "ptr");
    auto* freed = Make<Atomic<int>>(0, "freed");
    Spawn("reader", [ptr, freed] {
      RcuReadLock();
      if (ptr->load() != 0) MMCHECK_ASSERT(freed->load() == 0);
      RcuReadUnlock();
      RcuReadLock();  // a later section: the grace period does not wait for it
      RcuReadUnlock();
    });
    Spawn("updater", [ptr, freed] {
      ptr->store(0);
      SynchronizeRcu();
      freed->store(1);
    });
  });
  EXPECT_TRUE(vs.empty()) << vs[0].message;
}

TEST(RcuTest, SleepingInsideASectionAndLeavingItOpenAreBugs) {
  auto vs = Check([] {
    auto* sem = Make<RwSemaphore>("mmap_lock");
    Spawn("t", [sem] {
      RcuReadLock();
      sem->down_read();
      sem->up_read();
      RcuReadUnlock();
    });
  });
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].kind, ViolationKind::kSleepInAtomic);
  EXPECT_NE(vs[0].message.find("down_read(mmap_lock), which may sleep, while inside an RCU"),
            std::string::npos)
      << vs[0].message;
  vs = Check([] { Spawn("t", [] { RcuReadLock(); }); });
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].kind, ViolationKind::kLockMisuse);
}

// A reader inside a section of `kind` against an updater that unpublishes, waits by `wait`, and
// frees: the wait must keep the free after the reader's use.
enum class Section { kRcu, kIrqOff };
enum class Wait { kSynchronizeRcu, kIpi };
template <Section kind, Wait wait>
void SectionVsWait() {
  auto* ptr = Make<Atomic<int>>(1, "ptr");
  auto* freed = Make<Atomic<int>>(0, "freed");
  Spawn("reader", [ptr, freed] {
    kind == Section::kRcu ? RcuReadLock() : LocalIrqDisable();
    if (ptr->load() != 0) MMCHECK_ASSERT_MSG(freed->load() == 0, "use after free");
    kind == Section::kRcu ? RcuReadUnlock() : LocalIrqEnable();
  });
  Spawn("updater", [ptr, freed] {
    ptr->store(0);
    wait == Wait::kIpi ? SendIpiAndWait() : SynchronizeRcu();
    freed->store(1);
  });
}

TEST(IrqTest, AnIpiWaitsForIrqOffSectionsAndNotForRcuReaders) {
  EXPECT_TRUE((Check(SectionVsWait<Section::kIrqOff, Wait::kIpi>).empty()));
  // An IRQ-off section is an RCU reader too (consolidated RCU).
  EXPECT_TRUE((Check(SectionVsWait<Section::kIrqOff, Wait::kSynchronizeRcu>).empty()));
  EXPECT_TRUE((Check(SectionVsWait<Section::kRcu, Wait::kSynchronizeRcu>).empty()));
  // A CPU in an RCU read-side section with interrupts on takes the IPI at once.
  const auto vs = Check(SectionVsWait<Section::kRcu, Wait::kIpi>);
  ASSERT_NE(Find(vs, ViolationKind::kAssertion), nullptr);
  EXPECT_NE(Find(vs, ViolationKind::kAssertion)->message.find("use after free"),
            std::string::npos);
}

TEST(IrqTest, InterruptsOffAreAtomicAndAnIpiWithThemOffWaitsForItself) {
  auto vs = Check([] {
    auto* sem = Make<RwSemaphore>("mmap_lock");
    Spawn("t", [sem] {
      LocalIrqDisable();
      sem->down_read();
      sem->up_read();
      LocalIrqEnable();
    });
  });
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].kind, ViolationKind::kSleepInAtomic);
  EXPECT_NE(vs[0].message.find("while with interrupts off"), std::string::npos) << vs[0].message;
  vs = Check([] {
    Spawn("t", [] {
      LocalIrqDisable();
      SendIpiAndWait();
      LocalIrqEnable();
    });
  });
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].kind, ViolationKind::kDeadlock);
  EXPECT_NE(vs[0].message.find("waits for its IPI to be taken while 't' has interrupts off"),
            std::string::npos)
      << vs[0].message;
  vs = Check([] { Spawn("t", [] { LocalIrqDisable(); }); });
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].kind, ViolationKind::kLockMisuse);
  EXPECT_NE(vs[0].message.find("exits with interrupts off"), std::string::npos);
  vs = Check([] { Spawn("t", [] { LocalIrqEnable(); }); });
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].kind, ViolationKind::kLockMisuse);
}

// The happens-before edges of a grace period: from the sections that began before it started
// (ended already, or waited for), not from one that began after it and ended before its wait.
TEST(HappensBeforeTest, AGracePeriodOrdersOnlySectionsThatBeganBeforeIt) {
  auto step = [](int thread, OpKind op, int64_t arg = 0) {
    Step s;
    s.thread = static_cast<int16_t>(thread);
    s.op = op;
    s.object = 0;
    s.arg = arg;
    return s;
  };
  enum When { kEndedBefore, kOpenAtStart, kInsideTheWindow };
  for (const bool ipi : {false, true}) {
    for (const When when : {kEndedBefore, kOpenAtStart, kInsideTheWindow}) {
      HappensBefore hb;
      hb.AddThread(0, -1);  // the updater
      hb.AddThread(1, -1);  // the reader
      const OpKind lock = ipi ? OpKind::kIrqDisable : OpKind::kRcuLock;
      const OpKind unlock = ipi ? OpKind::kIrqEnable : OpKind::kRcuUnlock;
      const Step start = step(0, ipi ? OpKind::kSendIpi : OpKind::kSynchronizeRcu, 0);
      std::vector<Step> steps;
      if (when == kEndedBefore) steps = {step(1, lock), step(1, unlock), start};
      if (when == kOpenAtStart) steps = {step(1, lock), start, step(1, unlock)};
      if (when == kInsideTheWindow) steps = {start, step(1, lock), step(1, unlock)};
      uint32_t in_section = 0;
      for (const Step& s : steps) {
        if (s.op == lock) in_section = hb.epoch(1) + 1;  // the plain code after the lock
        hb.OnStep(s);
      }
      hb.OnStep(step(0, OpKind::kGracePeriodWait, 0));
      EXPECT_EQ(hb.Ordered(1, in_section, 0), when != kInsideTheWindow)
          << (ipi ? "ipi" : "rcu") << " " << when;
    }
  }
  // An IPI does not wait for, and is not ordered after, an RCU reader with interrupts on.
  HappensBefore hb;
  hb.AddThread(0, -1);
  hb.AddThread(1, -1);
  hb.OnStep(step(1, OpKind::kRcuLock));
  const uint32_t in_section = hb.epoch(1);
  hb.OnStep(step(1, OpKind::kRcuUnlock));
  hb.OnStep(step(0, OpKind::kSendIpi, 0));
  hb.OnStep(step(0, OpKind::kGracePeriodWait, 0));
  EXPECT_FALSE(hb.Ordered(1, in_section, 0));
}

TEST(SpinLockTest, HoldingOneIsAtomicContext) {
  const auto vs = Check([] {
    auto* ptl = Make<SpinLock>("ptl");
    auto* m = Make<Mutex>("folio_lock");
    Spawn("t", [ptl, m] {
      ptl->lock();
      m->lock();
      m->unlock();
      ptl->unlock();
    });
  });
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].kind, ViolationKind::kSleepInAtomic);
  EXPECT_NE(vs[0].message.find("while holding spinlock ptl"), std::string::npos) << vs[0].message;
}

// Waiter and waker on a wait queue; `checks_after_prepare` is the correct order.
void WaitForFlag(bool checks_after_prepare) {
  auto* wq = Make<WaitQueue>("wq");
  auto* flag = Make<Atomic<int>>(0, "flag");
  Spawn("waiter", [wq, flag, checks_after_prepare] {
    if (checks_after_prepare) {
      wq->prepare_to_wait();
      if (flag->load() == 0) Schedule();
    } else if (flag->load() == 0) {
      wq->prepare_to_wait();
      Schedule();
    }
    wq->finish_wait();
    MMCHECK_ASSERT(flag->load() == 1);
  });
  Spawn("waker", [wq, flag] {
    flag->store(1);
    wq->wake_up();
  });
}

TEST(WaitQueueTest, PrepareThenCheckThenSleepNeverLosesTheWakeup) {
  EXPECT_TRUE(Check([] { WaitForFlag(true); }).empty());
  const auto vs = Check([] { WaitForFlag(false); });
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].kind, ViolationKind::kDeadlock);
  EXPECT_NE(vs[0].message.find("'waiter' sleeps in schedule() on wq and no thread will wake it"),
            std::string::npos)
      << vs[0].message;
}

TEST(LockOrderTest, ACycleOverSeveralExecutionsIsReportedWithEveryEdge) {
  // Each execution takes the two locks in one order, chosen by a race: no execution has both
  // orders and none deadlocks, but the graph gathered over the executions has the cycle.
  const auto vs = Check([] {
    auto* mmap_lock = Make<RwSemaphore>("mmap_lock");
    auto* ptl = Make<Mutex>("i_mmap_rwsem");
    auto* flag = Make<Atomic<int>>(0, "flag");
    Spawn("t", [mmap_lock, ptl, flag] {
      if (flag->load() == 0) {
        mmap_lock->down_read();
        ptl->lock();
        ptl->unlock();
        mmap_lock->up_read();
      } else {
        ptl->lock();
        mmap_lock->down_read();
        mmap_lock->up_read();
        ptl->unlock();
      }
    });
    Spawn("setter", [flag] { flag->store(1); });
  });
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].kind, ViolationKind::kLockOrder);
  EXPECT_NE(vs[0].message.find("lock order cycle"), std::string::npos) << vs[0].message;
  EXPECT_NE(vs[0].message.find("i_mmap_rwsem taken at"), std::string::npos) << vs[0].message;
  EXPECT_NE(vs[0].message.find("mmap_lock taken at"), std::string::npos) << vs[0].message;
  EXPECT_NE(vs[0].message.find("in execution 1"), std::string::npos) << vs[0].message;
  EXPECT_GT(vs[0].execution, 1);
}

TEST(MutexTest, WaitUnlockedReturnsOnceFreeWithoutTakingIt) {
  const auto vs = Check([] {
    auto* folio = Make<Mutex>("folio");
    auto* data = Make<Shared<int>>(0, "data");
    Spawn("owner", [folio, data] {
      folio->lock();
      data->write(1);
      folio->unlock();
    });
    Spawn("waiter", [folio, data] {
      folio->wait_unlocked();
      if (folio->try_lock()) {
        data->read();
        folio->unlock();
      }
    });
  });
  EXPECT_TRUE(vs.empty()) << vs[0].message;
}

// A lock handed to an I/O-completion thread: the locker may exit, the completion unlocks, and what
// the completion wrote before unlocking is ordered before the next locker's read.
TEST(MutexTest, AHandedOverLockIsTheReceiversToRelease) {
  const auto vs = Check([] {
    auto* folio = Make<Mutex>("folio");
    auto* data = Make<Shared<int>>(0, "data");
    Spawn("reader", [folio, data] {
      folio->lock();
      const ThreadHandle io = Spawn("io", [folio, data] {
        data->write(1);  // the read's data lands
        folio->unlock();
      });
      folio->hand_over(io.index);
    });
    Spawn("user", [folio, data] {
      folio->lock();
      data->read();
      folio->unlock();
    });
  });
  EXPECT_TRUE(vs.empty()) << vs[0].message;
  // Without the unlock, the receiver exits holding it: lock-misuse names it, not the locker.
  const auto leaked = Check([] {
    auto* folio = Make<Mutex>("folio");
    Spawn("reader", [folio] {
      folio->lock();
      const ThreadHandle io = Spawn("io", [] {});
      folio->hand_over(io.index);
    });
  });
  const Violation* v = Find(leaked, ViolationKind::kLockMisuse);
  ASSERT_NE(v, nullptr);
  EXPECT_NE(v->message.find("'io'"), std::string::npos) << v->message;
}

}  // namespace
}  // namespace mmcheck
