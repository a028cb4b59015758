// DporStrategy: exactly one execution per Mazurkiewicz trace.
// - The programs of shared/benchmarks/dpor-benchmarks.md give the published counts, 0 redundant.
// - On seeded random programs the count equals the brute-force oracle's (tests/explorer/
//   brute_force.h), and dpor and dfs reach the same verdicts and the same final states.
#include <algorithm>
#include <cstdio>
#include <set>

#include "explorer/primitives/rcu.h"
#include "explorer/primitives/wait_queue.h"
#include "explorer/runtime/explorer.h"
#include "explorer/runtime/scenario.h"
#include "explorer/search/dfs_strategy.h"
#include "explorer/search/dpor_strategy.h"
#include "gtest/gtest.h"
#include "tests/explorer/brute_force.h"
#include "tests/explorer/random_program.h"

namespace mmcheck {
namespace {

struct Count {
  const char* scenario;
  uint64_t executions;
};

class BenchmarkCountTest : public ::testing::TestWithParam<Count> {};

TEST_P(BenchmarkCountTest, MatchesThePublishedCount) {
  absl::StatusOr<ScenarioInstance> s = FindScenario(GetParam().scenario);
  ASSERT_TRUE(s.ok()) << s.status();
  DporStrategy dpor;
  ExploreOptions options;
  options.scenario = s->name;
  const ExploreResult r = Explore([&] { s->Run(); }, dpor, options);
  EXPECT_TRUE(r.complete);
  EXPECT_TRUE(r.violations.empty());
  EXPECT_EQ(r.executions, GetParam().executions);
  EXPECT_EQ(r.redundant_executions, 0u);
  EXPECT_EQ(r.blocked_executions, 0u);
}

// Every entry of the table that runs in well under 2 s (lastzero-15 is the speed benchmark).
INSTANTIATE_TEST_SUITE_P(
    Table, BenchmarkCountTest,
    ::testing::Values(
        Count{"bench/lastzero-1", 2}, Count{"bench/lastzero-2", 5}, Count{"bench/lastzero-3", 12},
        Count{"bench/lastzero-4", 28}, Count{"bench/lastzero-5", 64},
        Count{"bench/lastzero-10", 3328}, Count{"bench/lastzero-12", 15360},
        Count{"bench/lastzero-13", 32768}, Count{"bench/readers-2", 4},
        Count{"bench/readers-8", 256}, Count{"bench/readers-13", 8192},
        Count{"bench/readers-15", 32768}, Count{"bench/casrot-2", 2}, Count{"bench/casrot-3", 5},
        Count{"bench/casrot-4", 14}, Count{"bench/casrot-5", 43}, Count{"bench/casrot-6", 144},
        Count{"bench/casrot-7", 523}, Count{"bench/casrot-8", 2048}, Count{"bench/casrot-9", 8597},
        Count{"bench/casrot-10", 38486}, Count{"bench/indexer-5", 1}, Count{"bench/indexer-11", 1},
        Count{"bench/indexer-12", 8}, Count{"bench/indexer-13", 64}, Count{"bench/indexer-14", 512},
        Count{"bench/indexer-15", 4096}, Count{"bench/filesystem-8", 1},
        Count{"bench/filesystem-13", 1}, Count{"bench/filesystem-14", 2},
        Count{"bench/filesystem-16", 8}, Count{"bench/filesystem-18", 32},
        Count{"bench/filesystem-19", 64}, Count{"bench/filesystem-22", 512},
        Count{"bench/filesystem-24", 2048}, Count{"bench/lockinc-2", 2},
        Count{"bench/lockinc-3", 6}, Count{"bench/lockinc-4", 24}, Count{"bench/lockinc-5", 120},
        Count{"bench/lockinc-6", 720}),
    [](const auto& param_info) {
      std::string name = param_info.param.scenario + 6;
      for (char& c : name) {
        if (c == '-') c = '_';
      }
      return name;
    });

// Runs `p` under `strategy` without stopping at deadlocks (the target kind is never found).
ExploreResult ExploreProgram(const testing::RandomProgram& p, Strategy& strategy,
                             std::vector<std::string>* final_states, uint64_t max_executions = 0) {
  ExploreOptions options;
  options.scenario = "random";
  options.find_all = true;
  options.max_executions = max_executions;
  return Explore([&] { testing::Run(p, final_states); }, strategy, options);
}

TEST(DporTest, AgreesWithBruteForceAndDfsOnRandomPrograms) {
  int programs = 0, with_deadlock = 0, with_branches_taken = 0;
  uint64_t traces = 0;
  for (uint64_t seed = 1; programs < 250; ++seed) {
    testing::ProgramGenerator generator(seed);
    const int threads = 2 + static_cast<int>(seed % 3);
    const testing::RandomProgram p = generator.Make(threads, threads == 4 ? 2 : 3);
    ++programs;
    SCOPED_TRACE(::testing::Message() << "seed " << seed << "\n" << testing::ToString(p));

    testing::BruteForce brute;
    std::vector<std::string> dfs_states;
    const ExploreResult b = ExploreProgram(p, brute, &dfs_states);
    ASSERT_TRUE(b.complete);

    DporStrategy dpor;
    std::vector<std::string> dpor_states;
    const ExploreResult d = ExploreProgram(p, dpor, &dpor_states);
    ASSERT_TRUE(d.complete);
    EXPECT_EQ(d.executions, brute.complete.size());
    EXPECT_EQ(d.violating_executions, brute.deadlocked.size());
    EXPECT_EQ(d.redundant_executions, 0u);
    EXPECT_EQ(std::set<std::string>(dpor_states.begin(), dpor_states.end()),
              std::set<std::string>(dfs_states.begin(), dfs_states.end()));
    EXPECT_EQ(d.Find(ViolationKind::kDeadlock) != nullptr,
              b.Find(ViolationKind::kDeadlock) != nullptr);
    traces += d.executions;
    with_deadlock += !brute.deadlocked.empty();
    with_branches_taken += std::set<std::string>(dfs_states.begin(), dfs_states.end()).size() > 1;
  }
  // The generator covers what it claims to.
  std::printf("%d programs, %llu traces, %d with deadlocks, %d with several final states\n",
              programs, static_cast<unsigned long long>(traces), with_deadlock,
              with_branches_taken);
  EXPECT_GT(with_deadlock, 10);
  EXPECT_GT(with_branches_taken, 120);
  EXPECT_GT(traces, 1500u);
}

}  // namespace
}  // namespace mmcheck

namespace mmcheck {
namespace {

TEST(DporTest, AgreesWithBruteForceAndDfsOnRandomKernelPrograms) {
  int programs = 0, with_violation = 0, too_big = 0;
  uint64_t traces = 0;
  std::set<ViolationKind> kinds;
  for (uint64_t seed = 1000; programs < 200; ++seed) {
    testing::ProgramGenerator generator(seed);
    const int threads = 2 + static_cast<int>(seed % 2);
    const testing::RandomProgram p = generator.Make(threads, 3, /*kernel=*/true);
    SCOPED_TRACE(::testing::Message() << "seed " << seed << "\n" << testing::ToString(p));

    // Some programs have millions of interleavings: the oracle takes those it can finish.
    testing::BruteForce brute;
    std::vector<std::string> dfs_states;
    const ExploreResult b = ExploreProgram(p, brute, &dfs_states, /*max_executions=*/20000);
    if (!b.complete) {
      ++too_big;
      continue;
    }
    ++programs;
    DporStrategy dpor;
    std::vector<std::string> dpor_states;
    const ExploreResult d = ExploreProgram(p, dpor, &dpor_states);
    ASSERT_TRUE(d.complete);
    EXPECT_EQ(d.executions, brute.complete.size());
    EXPECT_EQ(d.redundant_executions, 0u);
    EXPECT_EQ(std::set<std::string>(dpor_states.begin(), dpor_states.end()),
              std::set<std::string>(dfs_states.begin(), dfs_states.end()));
    std::set<ViolationKind> kb, kd;
    for (const Violation& v : b.violations) kb.insert(v.kind);
    for (const Violation& v : d.violations) kd.insert(v.kind);
    EXPECT_EQ(kd, kb);
    kinds.insert(kb.begin(), kb.end());
    with_violation += !kb.empty();
    traces += d.executions;
  }
  std::printf("%d kernel programs (%d too big for the oracle), %llu traces, %d with violations\n",
              programs, too_big, static_cast<unsigned long long>(traces), with_violation);
  EXPECT_EQ(kinds.count(ViolationKind::kDeadlock), 1u);
  EXPECT_EQ(kinds.count(ViolationKind::kSleepInAtomic), 1u);
  EXPECT_GT(traces, 500u);
}

// Spin loops (Yield), spawn and join: dpor and dfs reach the same verdicts and final states.
struct SmallProgram {
  const char* name;
  void (*body)(std::vector<std::string>* states);
  bool livelocks = false;
};

void SpinHandoff(std::vector<std::string>* states) {
  auto* flag = Make<Atomic<int>>(0, "flag");
  auto* data = Make<Atomic<int>>(0, "data");
  auto* seen = Make<int>(-1);
  Spawn("waiter", [flag, data, seen] {
    while (flag->load() == 0) Yield();
    *seen = data->load();
  });
  Spawn("producer", [flag, data] {
    data->store(1);
    flag->store(1);
    data->store(2);
  });
  Spawn("other", [data] { data->fetch_add(10); });
  AtEnd([data, seen, states] { states->push_back(absl::StrCat(data->load(), "/", *seen)); });
}

void TwoSpinners(std::vector<std::string>* states) {
  auto* x = Make<Atomic<int>>(0, "x");
  auto* y = Make<Atomic<int>>(0, "y");
  Spawn("a", [x, y] {
    x->store(1);
    while (y->load() == 0) Yield();
  });
  Spawn("b", [x, y] {
    while (x->load() == 0) Yield();
    y->store(1);
  });
  Spawn("c", [x] { x->store(2); });
  AtEnd([x, states] { states->push_back(absl::StrCat(x->load())); });
}

void SpinOnTryLock(std::vector<std::string>* states) {
  auto* m = Make<Mutex>("m");
  auto* x = Make<Atomic<int>>(0, "x");
  for (int t = 0; t < 2; ++t) {
    Spawn("locker", [m, x, t] {
      while (!m->try_lock()) Yield();
      x->store(x->load() * 2 + t + 1);
      m->unlock();
    });
  }
  AtEnd([x, states] { states->push_back(absl::StrCat(x->load())); });
}

void SpawnJoin(std::vector<std::string>* states) {
  auto* x = Make<Atomic<int>>(0, "x");
  Spawn("parent", [x] {
    ThreadHandle c = Spawn("child", [x] { x->fetch_add(1); });
    x->store(5);
    Join(c);
    x->fetch_add(100);
  });
  Spawn("other", [x] {
    x->load();
    x->store(7);
  });
  AtEnd([x, states] { states->push_back(absl::StrCat(x->load())); });
}

void SpinForever(std::vector<std::string>* states) {
  auto* x = Make<Atomic<int>>(0, "x");
  Spawn("spin", [x] {
    while (x->load() != 2) Yield();
  });
  Spawn("set", [x] { x->store(1); });
  AtEnd([states] { states->push_back("done"); });
}

void WaitAndWake(std::vector<std::string>* states) {
  auto* wq = Make<WaitQueue>("wq");
  auto* flag = Make<Atomic<int>>(0, "flag");
  auto* seen = Make<Atomic<int>>(0, "seen");
  for (int i = 0; i < 2; ++i) {
    Spawn("waiter", [wq, flag, seen] {
      wq->prepare_to_wait();
      if (flag->load() == 0) Schedule();
      wq->finish_wait();
      seen->fetch_add(flag->load());
    });
  }
  Spawn("waker", [wq, flag] {
    flag->store(1);
    wq->wake_up();
    flag->store(2);
    wq->wake_up();
  });
  AtEnd([seen, states] { states->push_back(absl::StrCat(seen->load())); });
}

void RcuCallback(std::vector<std::string>* states) {
  auto* ptr = Make<Atomic<int>>(1, "ptr");
  auto* freed = Make<Atomic<int>>(0, "freed");
  auto* saw = Make<Atomic<int>>(0, "saw");
  Spawn("reader", [ptr, freed, saw] {
    RcuReadLock();
    const int p = ptr->load();
    saw->store(p * 10 + freed->load());
    RcuReadUnlock();
  });
  Spawn("updater", [ptr, freed] {
    ptr->store(0);
    CallRcu([freed] { freed->store(1); });
  });
  AtEnd([saw, states] { states->push_back(absl::StrCat(saw->load())); });
}

class SmallProgramTest : public ::testing::TestWithParam<SmallProgram> {};

TEST_P(SmallProgramTest, DporAndDfsAgree) {
  std::vector<std::string> dfs_states, dpor_states;
  DfsStrategy dfs;
  DporStrategy dpor;
  ExploreOptions options;
  options.find_all = true;
  const ExploreResult a = Explore([&] { GetParam().body(&dfs_states); }, dfs, options);
  const ExploreResult b = Explore([&] { GetParam().body(&dpor_states); }, dpor, options);
  EXPECT_TRUE(a.complete);
  EXPECT_TRUE(b.complete);
  EXPECT_EQ(std::set<std::string>(dfs_states.begin(), dfs_states.end()),
            std::set<std::string>(dpor_states.begin(), dpor_states.end()));
  std::set<ViolationKind> ka, kb;
  for (const Violation& v : a.violations) ka.insert(v.kind);
  for (const Violation& v : b.violations) kb.insert(v.kind);
  EXPECT_EQ(ka, kb);
  EXPECT_EQ(kb.count(ViolationKind::kLivelock), GetParam().livelocks ? 1u : 0u);
  if (!GetParam().livelocks) {
    EXPECT_GT(dfs_states.size(), 0u);
  }
  EXPECT_LE(b.executions, a.executions);
  EXPECT_EQ(b.redundant_executions, 0u);
}

INSTANTIATE_TEST_SUITE_P(Programs, SmallProgramTest,
                         ::testing::Values(SmallProgram{"SpinHandoff", &SpinHandoff},
                                           SmallProgram{"TwoSpinners", &TwoSpinners},
                                           SmallProgram{"SpinOnTryLock", &SpinOnTryLock},
                                           SmallProgram{"SpawnJoin", &SpawnJoin},
                                           SmallProgram{"WaitAndWake", &WaitAndWake},
                                           SmallProgram{"RcuCallback", &RcuCallback},
                                           SmallProgram{"SpinForever", &SpinForever, true}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

}  // namespace
}  // namespace mmcheck
