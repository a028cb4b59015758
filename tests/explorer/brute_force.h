// The brute-force trace counter: the oracle for DPOR's execution counts.
//
// It takes the raw event log of every complete execution that DfsStrategy enumerates (all
// interleavings) and groups them into Mazurkiewicz traces under its own dependency definition,
// written here independently of the explorer's AccessOf(): two events are dependent when they are
// of the same thread, or touch the same object and one of them changes it. Loads, failed
// compare_exchange and failed trylocks do not change it, nor do the reader side of RCU, nor
// waiting, nor interrupts off and on (an IRQ-off section is a reader of the same RCU object, and
// an IPI a grace period on it); everything else on an object does. An rwsem's readers (down_read, a read trylock that
// succeeds, up_read) change only its reader count: they commute with each other, but not with a
// write trylock, whose outcome is decided by that count even when it fails. The
// trace of an execution is represented by its lexicographically least linearization (Foata-like
// normal form): repeatedly emit the lowest-numbered thread whose next event has no unemitted
// dependent predecessor.
#ifndef MMCHECK_TESTS_EXPLORER_BRUTE_FORCE_H_
#define MMCHECK_TESTS_EXPLORER_BRUTE_FORCE_H_

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "explorer/runtime/explorer.h"
#include "explorer/search/dfs_strategy.h"

namespace mmcheck::testing {

struct RawEvent {
  int thread;
  int object;
  bool changes;
  std::string label;
  bool changes_readers = false;  // adds or drops an rwsem reader
  bool reads_readers = false;    // a write trylock: fails while readers hold the rwsem
  std::string who;               // the thread's identity across executions (ThreadNames)
};

// A thread's index follows the order in which threads were spawned, which differs between
// interleavings when threads spawn threads (call_rcu's callback, a spawned child). Its identity
// does not: the scenario's threads are "t<index>", a spawned thread is its parent's identity and
// the number of the spawn ("t0.1": the second thread t0 spawned).
inline std::vector<std::string> ThreadNames(const Execution& e) {
  std::vector<std::string> names(static_cast<size_t>(e.num_threads()));
  std::vector<int> spawns(names.size(), 0);
  std::vector<bool> spawned(names.size(), false);
  for (int i = 0; i < e.performed_steps(); ++i) {
    const Step& s = e.trace().steps[static_cast<size_t>(i)];
    if (s.op == OpKind::kSpawn && s.object >= 0 && static_cast<size_t>(s.object) < names.size()) {
      spawned[static_cast<size_t>(s.object)] = true;
    }
  }
  for (size_t t = 0; t < names.size(); ++t) {
    if (!spawned[t]) names[t] = absl::StrCat("t", t);
  }
  for (int i = 0; i < e.performed_steps(); ++i) {
    const Step& s = e.trace().steps[static_cast<size_t>(i)];
    if (s.op != OpKind::kSpawn || s.object < 0) continue;
    const size_t parent = static_cast<size_t>(s.thread);
    names[static_cast<size_t>(s.object)] = absl::StrCat(names[parent], ".", spawns[parent]++);
  }
  return names;
}

// A change that commutes with its own kind but not with the steps ReadsReaders() names: an
// rwsem's reader joining or leaving (against a write trylock), and an RCU grace-period wait
// (against every read-side section's start and end; two waits commute, for neither changes
// anything).
inline bool ChangesReaders(const Step& s) {
  return s.op == OpKind::kDownRead || s.op == OpKind::kUpRead ||
         (s.op == OpKind::kDownReadTry && s.ok) || s.op == OpKind::kGracePeriodWait;
}

inline bool ReadsReaders(const Step& s) {
  return s.op == OpKind::kDownWriteTry || s.op == OpKind::kRcuLock ||
         s.op == OpKind::kRcuUnlock || s.op == OpKind::kIrqDisable || s.op == OpKind::kIrqEnable;
}

inline bool Changes(const Step& s) {
  switch (s.op) {
    case OpKind::kLoad:
    case OpKind::kDownRead:
    case OpKind::kDownReadTry:
    case OpKind::kUpRead:
    case OpKind::kRcuLock:
    case OpKind::kRcuUnlock:
    case OpKind::kIrqDisable:
    case OpKind::kIrqEnable:
    case OpKind::kWaitUnlocked:
    case OpKind::kSchedule:
    case OpKind::kGracePeriodWait:
    // A waiter's own entry on a wait queue: another waiter's prepare_to_wait, finish_wait or
    // schedule() neither reads nor changes it; only wake_up (a change) reads every entry.
    case OpKind::kPrepareToWait:
    case OpKind::kFinishWait:
      return false;
    case OpKind::kCompareExchange:
    case OpKind::kTryLock:
    case OpKind::kSpinTryLock:
    case OpKind::kDownWriteTry:
      return s.ok;
    default:
      return true;
  }
}

inline std::string NormalForm(const std::vector<RawEvent>& events) {
  auto dependent = [](const RawEvent& a, const RawEvent& b) {
    if (a.thread == b.thread) return true;
    if (a.object < 0 || a.object != b.object) return false;
    return a.changes || b.changes || (a.changes_readers && b.reads_readers) ||
           (a.reads_readers && b.changes_readers);
  };
  std::vector<bool> done(events.size(), false);
  std::string form;
  for (size_t n = 0; n < events.size(); ++n) {
    size_t best = events.size();
    for (size_t k = 0; k < events.size(); ++k) {
      if (done[k]) continue;
      bool ready = true;
      for (size_t j = 0; j < k && ready; ++j) ready = done[j] || !dependent(events[j], events[k]);
      if (ready && (best == events.size() || events[k].who < events[best].who)) best = k;
    }
    done[best] = true;
    absl::StrAppend(&form, events[best].who, ":", events[best].label, " ");
  }
  return form;
}

// Enumerates every interleaving with DfsStrategy and collects the normal forms of the complete
// and of the deadlocked and otherwise violating executions.
class BruteForce : public Strategy {
 public:
  absl::string_view name() const override { return "brute-force"; }
  bool exhaustive() const override { return true; }
  bool NewExecution() override { return dfs_.NewExecution(); }
  int NextThread(const SchedulePoint& p) override { return dfs_.NextThread(p); }
  void EndExecution(const Execution& e, ExecutionOutcome outcome) override {
    const bool violation = outcome == ExecutionOutcome::kViolation;
    const bool deadlock = violation && e.violation()->kind == ViolationKind::kDeadlock;
    if (outcome != ExecutionOutcome::kComplete && !violation) return;
    std::vector<RawEvent> events;
    const std::vector<std::string> names = ThreadNames(e);
    for (int i = 0; i < e.performed_steps(); ++i) {
      const Step& s = e.trace().steps[static_cast<size_t>(i)];
      // A spawn's or join's object is a thread index, not an object id: they order nothing
      // here (a join always follows the joined thread's steps anyway).
      const bool thread_op =
          s.op == OpKind::kSpawn || s.op == OpKind::kJoin || s.op == OpKind::kYield;
      events.push_back(RawEvent{s.thread, thread_op ? -1 : s.object, Changes(s),
                                absl::StrCat(OpName(s.op), thread_op ? -1 : s.object, s.ok),
                                ChangesReaders(s), ReadsReaders(s),
                                names[static_cast<size_t>(s.thread)]});
    }
    (deadlock ? deadlocked : violation ? violating : complete).insert(NormalForm(events));
  }
  std::set<std::string> complete;
  std::set<std::string> deadlocked;
  std::set<std::string> violating;  // ended in another violation (an end check, an assertion)

 private:
  DfsStrategy dfs_;
};

}  // namespace mmcheck::testing

#endif  // MMCHECK_TESTS_EXPLORER_BRUTE_FORCE_H_
