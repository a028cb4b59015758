// Shared<T>: conflicting plain accesses not ordered by happens-before are data races; every kind
// of synchronisation orders them. Checked under dpor and dfs alike.
#include "explorer/primitives/shared.h"

#include "explorer/api.h"
#include "explorer/runtime/explorer.h"
#include "explorer/search/dfs_strategy.h"
#include "explorer/search/dpor_strategy.h"
#include "gtest/gtest.h"

namespace mmcheck {
namespace {

// The data-race violation found under each strategy (nullptr: none), and the dpor verdict.
std::vector<std::string> Races(void (*body)()) {
  std::vector<std::string> found;
  DporStrategy dpor;
  DfsStrategy dfs;
  for (Strategy* s : {static_cast<Strategy*>(&dpor), static_cast<Strategy*>(&dfs)}) {
    ExploreOptions options;
    options.target = Finding{ViolationKind::kDataRace, ""};
    const ExploreResult r = Explore(body, *s, options);
    const Violation* v = r.Find(ViolationKind::kDataRace);
    found.push_back(v ? v->message : "");
    EXPECT_EQ(r.violations.size(), v ? 1u : 0u);
  }
  return found;
}

void ExpectRace(void (*body)(), const char* fragment) {
  for (const std::string& m : Races(body)) {
    EXPECT_NE(m.find(fragment), std::string::npos) << (m.empty() ? "no race found" : m);
  }
}

void ExpectNoRace(void (*body)()) {
  for (const std::string& m : Races(body)) EXPECT_EQ(m, "");
}

TEST(SharedTest, UnlockedWritesRace) {
  ExpectRace(
      [] {
        auto* x = Make<Shared<int>>(0, "x");
        Spawn("a", [x] { x->write(1); });
        Spawn("b", [x] { x->write(2); });
      },
      "data race on x: thread 'a' wrote it at");
}

TEST(SharedTest, ReadAgainstUnorderedWriteRaces) {
  ExpectRace(
      [] {
        auto* x = Make<Shared<int>>(0, "x");
        auto* sync = Make<Atomic<int>>(0, "sync");
        Spawn("reader", [x, sync] {
          sync->load();
          x->read();
        });
        Spawn("writer", [x, sync] {
          sync->load();  // a read does not release
          x->write(1);
        });
      },
      "data race on x");
}

TEST(SharedTest, TheSameLockOrdersAccesses) {
  ExpectNoRace([] {
    auto* x = Make<Shared<int>>(0, "x");
    auto* m = Make<Mutex>("m");
    for (int t = 0; t < 3; ++t) {
      Spawn("inc", [x, m] {
        m->lock();
        x->write(x->read() + 1);
        m->unlock();
      });
    }
    AtEnd([x] { MMCHECK_ASSERT(x->read() == 3); });
  });
}

TEST(SharedTest, DifferentLocksDoNotOrder) {
  ExpectRace(
      [] {
        auto* x = Make<Shared<int>>(0, "x");
        auto* m1 = Make<Mutex>("m1");
        auto* m2 = Make<Mutex>("m2");
        Spawn("a", [x, m1] {
          m1->lock();
          x->modify() += 1;
          m1->unlock();
        });
        Spawn("b", [x, m2] {
          m2->lock();
          x->modify() += 1;
          m2->unlock();
        });
      },
      "data race on x");
}

TEST(SharedTest, AnAccessAfterTheUnlockIsNotProtected) {
  ExpectRace(
      [] {
        auto* x = Make<Shared<int>>(0, "x");
        auto* m = Make<Mutex>("m");
        Spawn("a", [x, m] {
          m->lock();
          m->unlock();
          x->write(1);
        });
        Spawn("b", [x, m] {
          m->lock();
          x->read();
          m->unlock();
        });
      },
      "data race on x");
}

TEST(SharedTest, ReleaseAcquireThroughAnAtomicOrders) {
  ExpectNoRace([] {
    auto* data = Make<Shared<int>>(0, "data");
    auto* flag = Make<Atomic<int>>(0, "flag");
    Spawn("producer", [data, flag] {
      data->write(42);
      flag->store(1);
    });
    Spawn("consumer", [data, flag] {
      while (flag->load() == 0) Yield();
      MMCHECK_ASSERT(data->read() == 42);
    });
  });
}

TEST(SharedTest, SpawnAndJoinOrder) {
  ExpectNoRace([] {
    auto* x = Make<Shared<int>>(0, "x");
    Spawn("parent", [x] {
      x->write(1);
      ThreadHandle child = Spawn("child", [x] { x->write(x->read() + 1); });
      Join(child);
      MMCHECK_ASSERT(x->read() == 2);
    });
  });
}

TEST(SharedTest, ClocksCoverStepsBeforeASharedIsCreatedMidRun) {
  ExpectNoRace([] {
    auto* m = Make<Mutex>("m");
    Spawn("other", [m] {
      m->lock();
      m->unlock();
    });
    Spawn("creator", [m] {
      m->lock();
      m->unlock();
      auto* x = Make<Shared<int>>(0, "x");
      x->write(1);
      ThreadHandle child = Spawn("child", [x] { x->write(2); });
      Join(child);
      x->read();
    });
  });
  ExpectRace(
      [] {
        auto* flag = Make<Atomic<Shared<int>*>>(nullptr, "flag");
        Spawn("creator", [flag] {
          flag->load();
          auto* x = Make<Shared<int>>(0, "x");
          flag->store(x);
          x->write(1);  // after the release: not ordered with the reader
        });
        Spawn("reader", [flag] {
          Shared<int>* x = nullptr;
          while ((x = flag->load()) == nullptr) Yield();
          x->read();
        });
      },
      "data race on x");
}

TEST(SharedTest, ConcurrentReadsDoNotRace) {
  ExpectNoRace([] {
    auto* x = Make<Shared<int>>(7, "x");
    for (int t = 0; t < 3; ++t) Spawn("reader", [x] { x->read(); });
  });
}

}  // namespace
}  // namespace mmcheck
