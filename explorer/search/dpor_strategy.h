// DporStrategy: optimal dynamic partial-order reduction, one execution per Mazurkiewicz trace.
//
// The algorithm is Optimal-DPOR of Abdulla, Aronis, Jonsson, Sagonas, "Source Sets: A Foundation
// for Optimal Dynamic Partial Order Reduction", JACM 64(4), 2017 (Algorithm 2): sleep sets plus
// wakeup trees. It runs stateless, like DfsStrategy: every execution replays a prefix of the
// previous one and branches at the deepest state whose wakeup tree still has a branch.
//
// After each step it computes the step's vector clock (happens-before) and its races: pairs
// e < e' of dependent steps of different threads with no step between them in happens-before.
// For each race it builds v = notdep(e).e' (the steps after e, to the end of the execution, that
// do not happen after it, then e') and inserts v into the wakeup tree at the state before e, once
// the execution has ended (notdep must see the whole execution), unless a thread asleep
// there is a weak initial of v. Dependency is AccessOf() in trace.h plus spawn/join and
// program order. Two rules keep every reversal executable:
// - A blocked acquisition (Access::blocks) whose object was last released by another thread
//   races with that thread's acquisition, not with the release (it could never run between the
//   two); a reader kept out by a queued writer races with the writer's queueing step. A trylock
//   races with the release: moved before it, it fails. Each primitive states these in ops.h.
// - A spinning thread woken by a write (see Execution::Yield) does not race with that write:
//   running before it would only repeat a spin iteration, which the spin semantics prunes.
// - A compare_exchange or try_lock moved before the step it races with may now fail or
//   succeed where it did not: its footprint in v is recomputed from the value the object had
//   there (AccessAt; Nidhugg's recompute_cmpxhg_success does the same).
// - An execution that ends with threads that never ran their next step (deadlock, or a
//   violation that stopped it) treats each pending step as if it ran next, so a lock that stayed
//   blocked is still tried before the acquisition that blocked it.
// A wakeup-tree branch that still cannot run (only possible through spin blocking) ends its
// execution as blocked.
#ifndef MMCHECK_EXPLORER_SEARCH_DPOR_STRATEGY_H_
#define MMCHECK_EXPLORER_SEARCH_DPOR_STRATEGY_H_

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "explorer/search/strategy.h"

namespace mmcheck {

class DporStrategy : public Strategy {
 public:
  absl::string_view name() const override { return "dpor"; }
  bool exhaustive() const override { return true; }
  bool NewExecution() override;
  int NextThread(const SchedulePoint& point) override;
  void EndExecution(const Execution& execution, ExecutionOutcome outcome) override;

  // What DPOR knows of a step, in terms that stay valid across executions.
  // A thread is named by its key, not its index: indices follow spawn order, which differs
  // between executions when threads spawn threads (call_rcu's callback), while a wakeup-tree
  // sequence from one execution is replayed in another. A thread that exists before the first
  // step keeps its index as key; a spawned thread's key stands for (its parent's key, the
  // number of that spawn).
  struct Event {
    int32_t thread = -1;
    bool reads = false;
    bool writes = false;
    bool counts = false;       // Access::counts
    bool reads_count = false;  // Access::reads_count
    bool observed = false;     // Step::observed: changes what an invariant observes
    int32_t ghost = -1;        // Step::ghost's key, or -1
    bool ghost_changes = false;
    bool ghost_reads = false;
    int32_t object = -1;  // ObjectInfo::key, or -1
    int32_t spawns = -1;  // the thread a spawn creates (its key)
    int32_t joins = -1;   // the thread a join waits for (its key)
  };
  Event Describe(const Execution& execution, const Step& step) const;
  static bool Dependent(const Event& a, const Event& b);
  // p (with next event pe) is a weak initial of v: its first event in v has no predecessor in v,
  // or p does not occur in v and pe is independent of all of v.
  static bool WeakInitial(const Event& pe, const std::vector<Event>& v);

 private:
  using Clock = std::array<uint32_t, kMaxThreads>;

  // Wakeup trees live in one arena; children are intrusive first-child / next-sibling lists, in
  // order (leftmost first), so taking the leftmost branch and appending a new one are O(1).
  static constexpr uint32_t kNil = UINT32_MAX;
  struct Forest {
    uint32_t first = kNil;
    uint32_t last = kNil;
  };
  struct WakeupNode {
    Event event;
    Forest children;
    uint32_t next = kNil;  // next sibling
  };
  struct Node {
    uint64_t enabled = 0;
    int chosen = -1;  // thread index; for a branch just taken, resolved from event.thread
    bool executed = false;
    Event event;               // the step taken from this state in the current execution
    std::vector<Event> sleep;  // threads (with their next event) that need not be explored
    Forest wakeup;             // roots of the wakeup tree: branches still to explore
  };

  uint32_t NewWakeupNode(const Event& event);
  void Append(Forest& forest, uint32_t node);
  void FreeWakeupForest(Forest& forest);
  // Takes the leftmost branch of `forest` for node `n`: its thread becomes n.chosen, its subtree
  // the pending wakeup tree of the next state.
  void TakeLeftmost(Node& n, Forest& forest);
  // Consumes v.
  void Insert(Node& node, std::vector<Event>& v);

  void ResetExecution();
  // The thread index of `key` in the current execution, or -1 if that thread does not exist
  // (yet).
  int IndexOfKey(int32_t key) const;
  void SeeThreads(const Execution& execution);
  void ProcessStep(const Execution& execution, int index);
  void Candidates(int object, const Access& access, std::vector<int>& candidates) const;
  // Whether step k changes / reads the reader-count-like state of `object`: its own object's
  // (Access::counts, reads_count) or its ghost's (GhostCounter).
  bool CountsOn(int k, int object) const;
  bool ReadsCountOn(int k, int object) const;
  // Races of `step` (at trace index `index`, performed or only pending) with earlier steps.
  void DetectRaces(const Execution& execution, const Step& step, const Event& ev,
                   const Access& access, int index, const Clock& previous,
                   const std::vector<int>& candidates);
  // Records a race; ReverseRaces() inserts its reversal once the execution has ended.
  void AddRace(const Execution& execution, int earlier, int later, const Step& step,
               const Event& event);
  // The race of an observed step with the previous observed step.
  void RaceObserved(const Execution& execution, const Step& step, const Event& ev, int index,
                    const Clock& previous, const std::vector<int>& candidates);
  // The pending steps of threads that never ran them race as if each ran next.
  void RacePendingSteps(const Execution& execution);
  // For each race of the execution: v = notdep(earlier).later, inserted at the state before
  // `earlier` unless a sleeping thread is a weak initial of v.
  void ReverseRaces(const Execution& execution);
  // Sizes the per-object records to hold object `x`.
  void TrackObject(int x);

  // Nodes [0, size_) are the states of the current path; the ones beyond are kept for reuse.
  std::vector<Node> stack_;
  size_t size_ = 0;
  std::vector<int> candidates_;       // scratch
  std::vector<int> ghost_candidates_;  // scratch
  std::vector<Event> race_sequence_;  // scratch
  struct Race {
    int earlier;
    int later;   // trace index; the trace's length for a pending step
    Event moved;  // the later step as it runs where `earlier` ran
  };
  std::vector<Race> races_;  // of the current execution, in the order found
  int last_observed_ = -1;   // the latest observed step of the current execution
  std::vector<WakeupNode> arena_;
  std::vector<uint32_t> free_nodes_;
  Forest pending_wakeup_;    // subtree to become the next new state's wakeup tree
  size_t branch_depth_ = 0;  // depth where this execution leaves the previous one
  bool started_ = false;

  // Per execution, by step index / thread / object id.
  int processed_ = 0;
  std::vector<Clock> clocks_;
  std::vector<Event> events_;
  std::vector<int> ghost_of_;   // step index -> Step::ghost (an object id), or -1
  // Step -> the acquisition that began the hold of its thread on its object it is part of (it
  // takes, releases or works under it), or -1; and where that hold was queued for (a writer's
  // down_write start, else the acquisition).
  std::vector<int> hold_of_;
  std::vector<int> hold_queued_;
  std::vector<bool> hold_exclusive_;  // that hold kept everyone out (not a read hold)
  struct Hold {
    int object;
    int acquired;  // step index
    int queued;    // step index: the writer's down_write start, else = acquired
    bool exclusive;  // a lock, a write hold; not a read hold or an RCU section
  };
  std::array<std::vector<Hold>, kMaxThreads> holds_;
  std::array<int, kMaxThreads> queued_at_{};
  // Wait queues: the queue a thread prepared to wait on (-1: none), and the wake_up that woke it
  // there (-1: none yet).
  std::array<int, kMaxThreads> waiting_on_{};
  std::array<int, kMaxThreads> woken_at_{};
  std::vector<int> grace_period_start_;  // grace period id -> step that started it
  std::array<Clock, kMaxThreads> thread_clock_{};
  std::array<int, kMaxThreads> woken_by_{};
  int threads_seen_ = 0;  // thread_clock_ and woken_by_ are valid for [0, threads_seen_)
  std::array<int32_t, kMaxThreads> key_of_{};     // by thread index
  std::array<int32_t, kMaxThreads> spawn_count_{};  // spawns by thread index so far
  static constexpr int32_t kFirstSpawnedKey = 1000;
  std::vector<std::pair<int64_t, int32_t>> spawned_keys_;  // (parent key << 32 | ordinal, key)
  std::vector<int> last_write_;
  std::vector<int> last_on_object_;      // object -> its last step so far, or -1
  std::vector<int> previous_on_object_;  // step index -> the previous step on its object, or -1
  std::vector<std::optional<int64_t>> value_after_;
  std::vector<std::vector<int>> reads_since_;
};

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_SEARCH_DPOR_STRATEGY_H_
