// The soundness oracle (oracle.h) run over seeded random programs of every primitive: dpor's
// execution count, final states and verdicts against an independent trace count. A mismatch is
// shrunk to a minimal program and printed.
//
// MMCHECK_ORACLE_PROGRAMS and MMCHECK_ORACLE_SEED override how many programs run and the first
// seed (the long test runs 100,000).
#include "tests/explorer/oracle.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include "gtest/gtest.h"

namespace mmcheck::testing {
namespace {

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v == nullptr ? fallback : std::strtoull(v, nullptr, 10);
}

struct Tally {
  int compared = 0, brute_force = 0, sleep_set = 0, too_big = 0, with_violation = 0,
      several_states = 0;
  uint64_t traces = 0, blocked = 0;
  std::map<int, int> by_threads;
  std::set<ViolationKind> kinds;
};

// Mismatches found and not fixed yet, each with what it is. Listed, not hidden: the run prints
// them, and a listed seed that agrees again fails the test.
// - 776: rwsem with down_write, down_write+downgrade, down_read and down_read_trylock on one
//   semaphore (shrunk: those four, one each per thread): dpor 311 traces, brute force 327. The
//   race rules of a downgraded hold against queued writers and readers miss reversals (issue 14).
const std::set<uint64_t> kKnownOpen = {};

// The smallest forms of the mismatches the long run found (issue 14), each of which dpor once got
// wrong, and of ones it got wrong while they were being fixed. Mostly one rwsem, one operation
// per thread (a lock's body is empty unless shown).
Op Rw(Op::Kind kind, std::vector<Op> body = {}) {
  return Op{kind, 0, 0, 0, false, std::move(body)};
}

// Programs by name, each a list of threads' operations.
using NamedPrograms = std::vector<std::pair<const char*, std::vector<std::vector<Op>>>>;

// Every program is compared, and dpor agrees with the independent counter on it.
void ExpectOracleAgrees(const NamedPrograms& cases) {
  for (const auto& [what, threads] : cases) {
    Program p;
    p.threads = threads;
    const OracleResult r = Compare(p);
    EXPECT_TRUE(r.compared) << what;
    EXPECT_EQ(r.mismatch, "") << what << "\n" << ToString(p);
  }
}

TEST(OracleTest, CasesTheLongRunFound) {
  const NamedPrograms cases = {
      // A down_write_trylock moved before a reader's up_read: Step::old of an up_read did not
      // say the reader held it, so the trylock was taken to succeed there (15 traces of 26).
      {"write trylock vs reader release",
       {{Rw(Op::kWriteTryLocked)},
        {Rw(Op::kReadTryLocked, {Rw(Op::kWriteTryLocked)})},
        {Rw(Op::kReadTryLocked)}}},
      // A down_read blocked first by one writer's hold and then by another's queueing, which
      // began inside that hold: reversed at the queueing, where it could not run, it left a
      // wakeup-tree leaf that passed for the down_read_trylock failing inside the first hold.
      {"reader blocked by overlapping write holds",
       {{Rw(Op::kReadLocked)},
        {Rw(Op::kWriteLocked)},
        {Rw(Op::kWriteTryLocked)},
        {Rw(Op::kReadTryLocked)}}},
      // The same with a downgraded hold (seed 776, in the CI range).
      {"downgrade among writers and readers",
       {{Rw(Op::kWriteLocked)},
        {Rw(Op::kDowngraded)},
        {Rw(Op::kReadLocked)},
        {Rw(Op::kReadTryLocked)}}},
      // A writer blocked by a reader's hold races with a failed read trylock inside that stretch
      // as with any read: not with the stretch's start.
      {"failed read trylock vs a waiting writer",
       {{Rw(Op::kReadTryLocked)}, {Rw(Op::kReadLocked)}, {Rw(Op::kWriteLocked)}}},
      // A writer's own read hold, which another reader's overlaps, is no stretch to move its
      // down_write before: its own up_read opens the semaphore again.
      {"writer after its own read hold",
       {{Rw(Op::kReadLocked), Rw(Op::kWriteLocked)}, {Rw(Op::kReadLocked)}, {Rw(Op::kReadLocked)}}},
      // A writer blocked by read holds that overlap: the reversal at a later reader's
      // acquisition brings the writer's queueing along, which makes that reader's trylock fail
      // (seed 1009690, lost while blocked writers were also moved to a stretch's start).
      {"writer blocked by overlapping read holds",
       {{Rw(Op::kReadLocked, {Rw(Op::kWriteLocked)})},
        {Rw(Op::kWriteLocked)},
        {Rw(Op::kReadTryLocked, {Rw(Op::kReadTryLocked)})},
        {Rw(Op::kReadTryLocked)}}},
      // A pending down_write_trylock at a deadlock was taken to succeed though a writer held the
      // semaphore, and raced with steps it commutes with: a redundant execution.
      {"pending write trylock at a deadlock",
       {{Rw(Op::kReadTryLocked)},
        {Rw(Op::kWriteLocked, {Rw(Op::kReadLocked)})},
        {Rw(Op::kWriteTryLocked)}}},
      // A down_read under its own thread's write hold (it waits forever) raced with a writer's
      // queueing inside that hold, where it could not run either; the blocked leaf passed for a
      // down_read_trylock failing before the queueing (seed 1069066: 98 of 100 deadlocks).
      {"reader under its own write hold",
       {{Rw(Op::kWriteLocked)},
        {Rw(Op::kWriteLocked)},
        {Rw(Op::kWriteTryLocked, {Rw(Op::kReadLocked)})},
        {Rw(Op::kReadTryLocked)}}},
      // A wakeup-tree branch whose first step could not run (the callback's grace-period wait,
      // which the dead thread's RCU section holds back forever) was dropped with its siblings,
      // and the trace of one of them was lost (seed 1009658: 839 traces of 840).
      {"blocked branch before its siblings",
       {{Op{Op::kRcuSection, 0, 0, 0, false, {Op{Op::kWriteLocked, 1, 0, 0, false, {}}}}},
        {Op{Op::kSynchronizeRcu, 0, 0, 0, false, {}}, Op{Op::kLoad, 1, 0, 0, false, {}}},
        {Op{Op::kRcuSection, 0, 0, 0, false, {Op{Op::kCasLoop, 1, 0, 1, false, {}}}}},
        {Op{Op::kCallRcu, 1, 4, 0, false, {}}}}},
  };
  ExpectOracleAgrees(cases);
}

// prepare_to_wait and finish_wait change only their own thread's entry on a wait queue, so two
// waiters' steps commute and only wake_up orders against them (explorer/runtime/ops.h). The
// final states and verdicts the brute force reaches do not depend on that rule: they check it.
TEST(OracleTest, WaitQueueEntriesOfTwoWaitersCommute) {
  auto op = [](Op::Kind kind, int obj, std::vector<Op> body = {}) {
    return Op{kind, obj, 0, 0, false, std::move(body)};
  };
  const NamedPrograms cases = {
      {"three waiters, one waker",
       {{op(Op::kWait, 0)}, {op(Op::kWait, 0)}, {op(Op::kWait, 0)}, {op(Op::kWake, 0)}}},
      {"two waiters, two wakers",
       {{op(Op::kWait, 0)},
        {op(Op::kWait, 0), op(Op::kLoad, 1)},
        {op(Op::kWake, 0)},
        {op(Op::kStore, 1), op(Op::kWake, 0)}}},
      {"a waiter that wakes another, a lock around the wait",
       {{op(Op::kLocked, 1, {op(Op::kWait, 0)})},
        {op(Op::kWait, 0), op(Op::kWake, 1)},
        {op(Op::kWait, 1)},
        {op(Op::kWake, 0)}}},
  };
  ExpectOracleAgrees(cases);
}

// Programs the oracle cannot finish within the limits (interleavings for brute force, executions
// for the sleep-set counter) are skipped and counted as too big.
Tally RunPrograms(uint64_t first_seed, uint64_t programs, int max_threads, int max_ops,
                  uint64_t brute_force_limit, uint64_t sleep_set_limit) {
  Tally tally;
  for (uint64_t seed = first_seed; seed < first_seed + programs; ++seed) {
    const Program p = GenerateProgram(seed, max_threads, max_ops);
    const OracleResult r = Compare(p, brute_force_limit, sleep_set_limit);
    if (!r.compared) {
      ++tally.too_big;
      continue;
    }
    ++tally.compared;
    ++(r.brute_force ? tally.brute_force : tally.sleep_set);
    ++tally.by_threads[static_cast<int>(p.threads.size())];
    tally.traces += r.traces;
    tally.blocked += r.blocked;
    tally.with_violation += !r.kinds.empty();
    tally.several_states += r.final_states > 1;
    tally.kinds.insert(r.kinds.begin(), r.kinds.end());
    const bool known = kKnownOpen.count(seed) != 0;
    if (known) {
      // Still open: it must still mismatch, so that a fix is noticed and the entry removed.
      EXPECT_FALSE(r.mismatch.empty()) << "seed " << seed << " agrees now: drop it from kKnownOpen";
      std::printf("seed %llu: known open mismatch: %s\n", static_cast<unsigned long long>(seed),
                  r.mismatch.c_str());
    } else if (!r.mismatch.empty()) {
      const Program small = Shrink(p, brute_force_limit, sleep_set_limit);
      ADD_FAILURE() << "seed " << seed << ": " << r.mismatch << "\n"
                    << ToString(p) << "shrunk to ("
                    << Compare(small, brute_force_limit, sleep_set_limit).mismatch << "):\n"
                    << ToString(small);
    }
  }
  std::printf("%d programs compared (%d by brute force, %d by the sleep-set counter; %d too big), "
              "%llu traces (dpor: %llu blocked executions), %d with violations, %d with several "
              "final states; by threads:",
              tally.compared, tally.brute_force, tally.sleep_set, tally.too_big,
              static_cast<unsigned long long>(tally.traces),
              static_cast<unsigned long long>(tally.blocked), tally.with_violation,
              tally.several_states);
  for (const auto& [threads, n] : tally.by_threads) std::printf(" %d:%d", threads, n);
  std::printf("\n");
  return tally;
}

// Both counters must count the same traces where both finish: the sleep-set counter stands in
// for brute force on larger programs.
TEST(OracleTest, SleepSetCounterCountsWhatBruteForceCounts) {
  int compared = 0;
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    const Program p = GenerateProgram(seed, 4, 3);
    ExploreOptions options;
    options.find_all = true;
    options.minimize = false;
    options.max_executions = 20000;
    BruteForce brute;
    if (!Explore([&] { RunProgram(p, nullptr); }, brute, options).complete) continue;
    SleepSetCounter counter;
    options.max_executions = 0;
    ASSERT_TRUE(Explore([&] { RunProgram(p, nullptr); }, counter, options).complete);
    EXPECT_EQ(counter.complete, brute.complete) << "seed " << seed << "\n" << ToString(p);
    EXPECT_EQ(counter.deadlocked, brute.deadlocked) << "seed " << seed;
    EXPECT_EQ(counter.violating, brute.violating) << "seed " << seed;
    ++compared;
  }
  EXPECT_GT(compared, 100);
}

// The CI run: 1,000 programs of 2 to 5 threads, brute force up to 5,000 interleavings, the
// sleep-set counter up to 20,000 executions.
TEST(OracleTest, DporAgreesOnRandomProgramsOfEveryPrimitive) {
  const uint64_t programs = EnvOr("MMCHECK_ORACLE_PROGRAMS", 1000);
  const Tally t = RunPrograms(EnvOr("MMCHECK_ORACLE_SEED", 1), programs, 5, 3, 5000, 20000);
  // The generator covers what it claims to.
  EXPECT_GT(t.compared, static_cast<int>(programs * 8 / 10));
  EXPECT_GT(t.sleep_set, 0);
  EXPECT_GT(t.by_threads.count(5), 0u);
  EXPECT_GT(t.with_violation, 0);
  EXPECT_GT(t.several_states, static_cast<int>(programs / 3));
  EXPECT_EQ(t.kinds.count(ViolationKind::kDeadlock), 1u);
  EXPECT_EQ(t.kinds.count(ViolationKind::kSleepInAtomic), 1u);
}

// The long run (label long): 100,000 programs with the same limits as the CI run, in ten
// shards of 10,000 that ctest runs in parallel (seeds 1,000,000 on, disjoint from the CI run's).
class LongOracleShard : public ::testing::TestWithParam<int> {};

TEST_P(LongOracleShard, LongTenThousandPrograms) {
  const Tally t = RunPrograms(1000000 + static_cast<uint64_t>(GetParam()) * 10000, 10000, 5, 3,
                              5000, 20000);
  EXPECT_GT(t.compared, 8000);
}

INSTANTIATE_TEST_SUITE_P(Shards, LongOracleShard, ::testing::Range(0, 10));

}  // namespace
}  // namespace mmcheck::testing
