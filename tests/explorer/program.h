// Small straight-line test programs over atomics and mutexes, run two ways: through the explorer
// (RunProgram) and through an independent enumerator of interleavings (CountInterleavings) that
// shares no code with it. The enumerator is the oracle of the counting tests.
#ifndef MMCHECK_TESTS_EXPLORER_PROGRAM_H_
#define MMCHECK_TESTS_EXPLORER_PROGRAM_H_

#include <cstdint>
#include <vector>

#include "explorer/api.h"
#include "explorer/runtime/explorer.h"
#include "explorer/search/dfs_strategy.h"
#include "explorer/search/random_strategy.h"

namespace mmcheck::testing {

struct TestOp {
  enum Kind { kLoad, kStore, kLock, kUnlock } kind;
  int object;  // variable index for kLoad/kStore, mutex index for kLock/kUnlock
};
using TestProgram = std::vector<std::vector<TestOp>>;  // one op list per thread

struct Counts {
  uint64_t complete = 0;
  uint64_t deadlocked = 0;
};

// Every interleaving of the threads' ops where a lock only happens while the mutex is free.
inline void Enumerate(const TestProgram& p, std::vector<size_t>& pc, std::vector<int>& owner,
                      Counts& counts) {
  bool all_done = true, any_enabled = false;
  for (size_t t = 0; t < p.size(); ++t) {
    if (pc[t] == p[t].size()) continue;
    all_done = false;
    const TestOp op = p[t][pc[t]];
    if (op.kind == TestOp::kLock && owner[op.object] >= 0) continue;
    any_enabled = true;
    const int saved = owner[op.object];
    if (op.kind == TestOp::kLock) owner[op.object] = static_cast<int>(t);
    if (op.kind == TestOp::kUnlock) owner[op.object] = -1;
    ++pc[t];
    Enumerate(p, pc, owner, counts);
    --pc[t];
    if (op.kind == TestOp::kLock || op.kind == TestOp::kUnlock) owner[op.object] = saved;
  }
  if (all_done)
    ++counts.complete;
  else if (!any_enabled)
    ++counts.deadlocked;
}

inline Counts CountInterleavings(const TestProgram& p, int mutexes) {
  std::vector<size_t> pc(p.size(), 0);
  std::vector<int> owner(static_cast<size_t>(mutexes), -1);
  Counts counts;
  Enumerate(p, pc, owner, counts);
  return counts;
}

// The scenario body that runs `p` on the explorer's primitives.
inline void RunProgram(const TestProgram& p, int variables, int mutexes) {
  auto* vars = Make<std::vector<Atomic<int>>>();
  auto* locks = Make<std::vector<Mutex>>();
  vars->reserve(static_cast<size_t>(variables));
  locks->reserve(static_cast<size_t>(mutexes));
  for (int i = 0; i < variables; ++i) vars->emplace_back(0, "v", i);
  for (int i = 0; i < mutexes; ++i) locks->emplace_back("m", i);
  for (size_t t = 0; t < p.size(); ++t) {
    Spawn("t", [vars, locks, ops = &p[t]] {
      for (const TestOp& op : *ops) {
        switch (op.kind) {
          case TestOp::kLoad:
            (*vars)[op.object].load();
            break;
          case TestOp::kStore:
            (*vars)[op.object].store(1);
            break;
          case TestOp::kLock:
            (*locks)[op.object].lock();
            break;
          case TestOp::kUnlock:
            (*locks)[op.object].unlock();
            break;
        }
      }
    });
  }
}

// A random program: each thread a few accesses and, sometimes, a locked section of accesses.
// Nested sections over two mutexes in random order make deadlocks possible.
inline TestProgram RandomProgram(uint64_t seed, int threads, int variables, int mutexes) {
  SplitMix64 rng(seed);
  TestProgram p(static_cast<size_t>(threads));
  for (auto& ops : p) {
    const int n = 1 + static_cast<int>(rng.Below(3));
    for (int i = 0; i < n; ++i) {
      if (mutexes > 0 && rng.Below(3) == 0) {
        const int m1 = static_cast<int>(rng.Below(static_cast<uint64_t>(mutexes)));
        ops.push_back({TestOp::kLock, m1});
        int m2 = -1;
        if (mutexes > 1 && rng.Below(2) == 0) {
          m2 = (m1 + 1) % mutexes;
          ops.push_back({TestOp::kLock, m2});
        }
        ops.push_back({rng.Below(2) ? TestOp::kLoad : TestOp::kStore,
                       static_cast<int>(rng.Below(static_cast<uint64_t>(variables)))});
        if (m2 >= 0) ops.push_back({TestOp::kUnlock, m2});
        ops.push_back({TestOp::kUnlock, m1});
      } else {
        ops.push_back({rng.Below(2) ? TestOp::kLoad : TestOp::kStore,
                       static_cast<int>(rng.Below(static_cast<uint64_t>(variables)))});
      }
    }
  }
  return p;
}

}  // namespace mmcheck::testing

#endif  // MMCHECK_TESTS_EXPLORER_PROGRAM_H_
