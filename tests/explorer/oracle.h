// The soundness oracle for DPOR: random programs over every primitive of explorer/runtime/ops.h,
// each compared with an independent count of its Mazurkiewicz traces, its final states and its
// verdicts, and a shrinker that reduces a mismatch to a minimal program.
//
// The counting rule (brute_force.h states it as code): two steps are dependent when they are of
// one thread, or touch one object and one of them changes it; loads, a failed compare_exchange and
// a failed trylock are reads and change nothing; an rwsem's readers change only its reader count,
// which a write trylock reads; RCU readers change nothing but a grace-period wait reads them (two
// waits commute), while starting a grace period changes RCU; interrupts off and on are RCU
// readers, an IPI starts a grace period (that waits for IRQ-off sections only); on a wait queue prepare_to_wait,
// finish_wait and schedule() touch only their own thread's entry, which wake_up reads and
// changes. A program's trace count is the number of distinct normal forms over every complete,
// deadlocked or otherwise violating execution.
//
// The counters, both independent of DporStrategy:
// - brute force (BruteForce): every interleaving (DfsStrategy), grouped by normal form; used when
//   the program has at most kBruteForceLimit interleavings;
// - SleepSetCounter beyond: depth-first search with sleep sets only (Godefroid), which reaches
//   every trace at least once and prunes only interleavings equivalent to one already explored,
//   under its own conservative dependency on the threads' announced next steps; the traces are
//   again counted by normal form.
#ifndef MMCHECK_TESTS_EXPLORER_ORACLE_H_
#define MMCHECK_TESTS_EXPLORER_ORACLE_H_

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "explorer/api.h"
#include "explorer/runtime/explorer.h"
#include "explorer/search/dpor_strategy.h"
#include "explorer/search/random_strategy.h"
#include "tests/explorer/brute_force.h"

namespace mmcheck::testing {

// One instruction of a random program.
struct Op {
  enum Kind {
    kLoad,            // r = v
    kStore,           // v = value, or r + 1
    kCas,             // r = cas(v, value, tid + 10)
    kCasLoop,         // do r = v; while (!cas(v, r, r + 1))
    kFetchAdd,        // r = v++
    kIf,              // if (r == value) body
    kLocked,          // mutex_lock(m); body; mutex_unlock(m)
    kTryLocked,       // if (mutex_trylock(m)) { body; mutex_unlock(m) }
    kWaitUnlocked,    // folio_wait_locked-style: wait until m is free
    kSpinLocked,      // spin_lock(s); body; spin_unlock(s)
    kSpinTryLocked,   // if (spin_trylock(s)) { body; spin_unlock(s) }
    kReadLocked,      // down_read(sem); body; up_read(sem)
    kReadTryLocked,   // if (down_read_trylock(sem)) { body; up_read(sem) }
    kWriteLocked,     // down_write(sem); body; up_write(sem)
    kWriteTryLocked,  // if (down_write_trylock(sem)) { body; up_write(sem) }
    kDowngraded,      // down_write; body; downgrade_write; body; up_read
    kRcuSection,      // rcu_read_lock(); body; rcu_read_unlock()
    kSynchronizeRcu,  // synchronize_rcu()
    kCallRcu,         // call_rcu(callback: v = value)
    kWait,            // prepare_to_wait(wq); if (!flag) schedule(); finish_wait(wq)
    kWake,            // flag = 1; wake_up(wq)
    kSpawnJoin,       // a child thread runs body; join it
    kIrqSection,      // local_irq_disable(); body; local_irq_enable()
    kSendIpi,         // an IPI to every CPU, waiting for it to be taken
    kNumKinds,
  } kind;
  int obj = 0;          // the variable, lock, rwsem or wait queue
  int value = 0;        // stored value, cas expected, if-compare constant
  int reg = 0;          // register written or read
  bool from_reg = false;
  std::vector<Op> body;
};

struct Program {
  int vars = 2;
  int locks = 2;   // mutexes, spinlocks, rwsems and wait queues: this many of each
  std::vector<std::vector<Op>> threads;
  int Size() const;
};

// Seeded generator: 2 to `max_threads` threads, nested sections one deep, every kind reachable.
Program GenerateProgram(uint64_t seed, int max_threads, int max_ops);

std::string ToString(const Program& p);

// The scenario body; `final_states` receives the final state of every execution in which every
// thread finished.
void RunProgram(const Program& p, std::vector<std::string>* final_states);

// Depth-first search with sleep sets, counting traces by normal form (see the file comment).
class SleepSetCounter : public Strategy {
 public:
  absl::string_view name() const override { return "sleep-set"; }
  bool exhaustive() const override { return true; }
  bool NewExecution() override;
  int NextThread(const SchedulePoint& point) override;
  void EndExecution(const Execution& e, ExecutionOutcome outcome) override;

  std::set<std::string> complete, deadlocked, violating;

 private:
  struct Pending {
    int thread;
    RawEvent event;  // conservative: a step whose outcome is not known yet may change its object
  };
  struct Node {
    uint64_t enabled = 0;
    int chosen = -1;
    uint64_t done = 0;
    std::vector<Pending> pending;  // every enabled thread's next step at this state
    std::vector<Pending> sleep;
  };
  std::vector<Node> stack_;
  size_t depth_ = 0;
  bool started_ = false;
};

// What one comparison found.
struct OracleResult {
  bool compared = false;   // false: too big for both counters
  bool brute_force = false;
  uint64_t traces = 0;     // the oracle's count
  std::string mismatch;    // empty when dpor agrees
  std::set<ViolationKind> kinds;
  size_t final_states = 0;
  // dpor's wakeup-tree branches that could not run (a reversal its rules over-approximate):
  // wasted work, not a lost trace, so counted but no mismatch.
  uint64_t blocked = 0;
};

// Explores `p` with dpor and with the oracle and compares them.
OracleResult Compare(const Program& p, uint64_t brute_force_limit = 50000,
                     uint64_t sleep_set_limit = 400000);

// Removes threads, instructions and nesting from `p` while Compare() with these limits still
// reports a mismatch (the run's own limits keep a shrink as quick as the run).
Program Shrink(const Program& p, uint64_t brute_force_limit = 50000,
               uint64_t sleep_set_limit = 400000);

}  // namespace mmcheck::testing

#endif  // MMCHECK_TESTS_EXPLORER_ORACLE_H_
