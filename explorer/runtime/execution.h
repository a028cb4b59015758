// Execution: the runtime of one run of a scenario under one schedule.
//
// The scenario body runs first, on the caller's stack (the "setup" phase): it creates objects and
// spawns threads, none of which is a scheduling point. Each thread then runs on its own Fiber up
// to its first visible operation. From there the execution is a loop: the strategy picks one
// enabled thread, the thread performs its pending visible operation and runs on, invisibly, to
// its next one (or to its end). Because exactly one fiber runs at a time, an execution is a
// deterministic function of the sequence of picks, which is what a replay token stores.
//
// Primitives (explorer/primitives/atomic.h, explorer/primitives/mutex.h, explorer/api.h) talk to
// the execution through Visible(): announce the operation, suspend until scheduled, then perform
// it and fill in the Step. A finding is recorded with Fail(), which unwinds the current fiber to
// its entry; the execution then ends and the remaining fibers are unwound. Nothing crosses a fiber
// boundary.
#ifndef MMCHECK_EXPLORER_RUNTIME_EXECUTION_H_
#define MMCHECK_EXPLORER_RUNTIME_EXECUTION_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/types/span.h"
#include "explorer/checks/happens_before.h"
#include "explorer/checks/lock_order.h"
#include "explorer/runtime/check.h"
#include "explorer/runtime/fiber.h"
#include "explorer/runtime/sync_state.h"
#include "explorer/runtime/trace.h"
#include "explorer/runtime/violation.h"

namespace mmcheck {

class Execution;

// While an end-of-run check runs, the objects it peeks at (Atomic/Shared::peek, which only checks
// and oracles call): a failing check's report marks the steps that last wrote them
// (Violation::key_steps). Null otherwise, so that a peek costs one test.
inline thread_local std::vector<int>* peek_log = nullptr;
inline void NotePeek(int object) {
  if (peek_log != nullptr) peek_log->push_back(object);
}
class Strategy;

inline constexpr int kMaxThreads = 64;  // enabled sets are 64-bit masks

// Thrown by Fail() on a fiber (or in the setup / end-of-run phase) and caught at the fiber's entry
// (or by the execution). Scenario and model code must let it pass: never catch (...) there.
struct ExecutionAbort {};

struct ExecutionLimits {
  int max_steps_per_thread = 10000;  // more visible operations than this in one thread: livelock
  // A scenario thread that runs this long between two visible operations is stopped: livelock
  // (crash_guard.h). 0: never.
  double hang_limit_s = 10;
};

enum class ExecutionOutcome {
  kComplete,   // every thread finished, no violation
  kViolation,  // violation() says which
  kBlocked,    // ended blocked without a violation (a wakeup-tree branch that cannot go on)
  kAbandoned,  // the strategy gave it up: redundant, or a replay token that does not fit
};

// What the strategy sees at each scheduling decision.
struct SchedulePoint {
  uint64_t enabled;            // bit i: thread i may take the next step
  int current;                 // thread that took the previous step, or -1
  int step;                    // 0-based index of the step about to be taken
  const Execution* execution;  // the steps so far: execution->trace()
};

class Execution {
 public:
  explicit Execution(StackPool& stacks, ExecutionLimits limits = {});
  ~Execution();
  Execution(const Execution&) = delete;
  Execution& operator=(const Execution&) = delete;

  // The execution running on this OS thread, or nullptr outside Run().
  static Execution* Current() { return current_; }
  [[noreturn]] static void NoExecution();
  // The same, for primitives and model code, which only ever run inside an execution. Outside
  // one (at exit, from a thread mmcheck did not start) the scenario misuses the API: one line on
  // stderr and exit 2 (NoExecution), as no execution is there to report it.
  static Execution& Get() {
    if (current_ == nullptr) NoExecution();
    return *current_;
  }

  // Runs the scenario body and then the threads it spawned, picking each step with `strategy`.
  ExecutionOutcome Run(absl::FunctionRef<void()> body, Strategy& strategy);

  // --- scenario API (see explorer/api.h for the free functions that wrap these) -----------------
  // Creates a thread. In setup it is runnable at step 0 and its creation is no scheduling point;
  // from a running thread it is a visible operation of the parent. Returns the thread index.
  int Spawn(std::string name, absl::AnyInvocable<void()> body, const char* file, int line);
  // Visible; enabled once thread `index` has finished.
  void Join(int index, const char* file, int line);
  // Visible; ends one iteration of a spin loop. The contract: an iteration only reads (no side
  // effect), so one that read the same writes as the previous iteration changed nothing. The
  // thread then blocks until another thread writes an object that iteration read (GenMC's
  // "spin assume"); a thread still blocked so when no thread can run spins forever: livelock.
  void Yield(const char* file, int line);
  // Checked after every step and at the end of the execution. `observes` names (ObjectInfo::name,
  // the base name an object was registered with) every object the check reads, fixed before
  // exploration and covering objects created later: the steps that change one of them (a write,
  // or a plain write in the code that follows a step) are all dependent on each other, so DPOR
  // orders them in every way they can be ordered and the check sees every state of what it
  // observes (the visibility proviso of partial-order reduction). A check that reads an object it
  // does not name is not sound under DPOR.
  void AddInvariant(std::string name, std::vector<std::string> observes,
                    absl::AnyInvocable<bool()> check);
  // Model ghost state that is no registered object (a TLB record) declares each change by name:
  // if an invariant observes `name`, the step the running thread performed last is observed.
  void GhostWrite(absl::string_view name);
  // A GhostCounter `object` changed or read by the running thread (explorer/primitives/ghost.h).
  void GhostAccess(int object, bool change);
  bool observed(int object) const {
    return object >= 0 && static_cast<size_t>(object) < observed_.size() &&
           observed_[static_cast<size_t>(object)];
  }
  // Runs after every thread has finished (scenario final-state assertions).
  void AtEnd(absl::AnyInvocable<void()> check);
  // Keeps `object` alive until the execution has been torn down (after every fiber unwound).
  template <typename T>
  T* Own(std::unique_ptr<T> object) {
    T* raw = object.release();
    owned_.emplace_back(raw, [](void* p) { delete static_cast<T*>(p); });
    return raw;
  }

  // --- primitive API --------------------------------------------------------------------------
  // Ids are dense, in creation order, reset for every execution.
  int RegisterObject(const char* kind, const char* name, int index,
                     std::string (*format)(int64_t) = nullptr);
  // lockdep_set_class(): the lock `object` joins lockdep class `lock_class` (which must outlive
  // the execution) instead of the class of its name, so that the same lock of two mms ("mmap_lock",
  // "child mmap_lock") is one class, as one lock_class_key makes it in the kernel.
  void SetLockClass(int object, const char* lock_class) {
    trace_.objects[static_cast<size_t>(object)].lock_class = lock_class;
  }
  // Registers plain shared data (Shared<T>) and turns on happens-before tracking.
  int RegisterShared(const char* name, int index, bool lifetime = false);
  // Checks a plain access by the current thread against happens-before; a conflicting access
  // of another thread that is not ordered with it is a data-race violation (a finding: the thread
  // goes on). Outside a
  // thread (setup, invariants, end-of-run checks) accesses are not checked.
  // `what` describes the access for reports ("reads vma->vm_flags"); a Lifetime's conflicts are
  // use-after-free violations instead of data races.
  // `function`: the model function that made the access, for reports ("" if unknown).
  void PlainAccess(int object, bool write, const char* file, int line, const char* what = "",
                   const char* function = "");
  // The key of an object that stays the same across executions (see ObjectInfo::key).
  int32_t object_key(int object) const { return trace_.objects[object].key; }

  // Announces a visible operation of the current thread and suspends until the scheduler picks
  // it. Returns the Step being executed, for the caller to fill in (value, ok). Outside a thread
  // (setup, invariants, end-of-run checks) it returns a scratch step at once: no scheduling point.
  Step& Visible(OpKind op, int object, int64_t arg, const char* file, int line);

  // Records a violation found by the current thread (or phase) and unwinds it. Never returns.
  [[noreturn]] void Fail(ViolationKind kind, std::string message, const char* file, int line);

  bool InThread() const { return running_ >= 0; }
  int current_thread() const { return running_; }
  const std::string& thread_name(int index) const { return threads_[index]->name; }
  int num_threads() const { return num_threads_; }
  bool thread_finished(int index) const { return threads_[index]->finished; }
  // The visible operation an unfinished thread waits to perform (object, op; no outcome yet).
  const Step& pending_step(int index) const { return threads_[index]->pending; }
  const Trace& trace() const { return trace_; }
  std::string ObjectName(int object) const { return trace_.ObjectName(object); }

  // Lock, RCU and wait-queue state, kept here so enabledness is decided without the primitive.
  SyncState& sync() { return sync_; }
  // The execution's RCU state as an object (for dependency and traces), made on first use.
  int rcu_object();
  const SyncState& sync() const { return sync_; }
  // The locks a thread holds, in acquisition order (for exit checks, reports, lock order).
  // `subclass`: lockdep's nesting subclass (spin_lock_nested(l, SINGLE_DEPTH_NESTING) is 1): a
  // lock of a class already held, taken as a documented nesting, is its own class "name/1".
  void AddHold(int thread, int object, const char* file = "", int line = 0, int subclass = 0);
  void DropHold(int thread, int object);
  const std::vector<int>& held_locks(int thread) const { return threads_[thread]->held; }
  // Lockdep: before a blocking acquisition of `object` by the current thread, records the order
  // of lock classes and fails with lock-order when it closes a cycle. No scheduling point.
  void CheckLockOrder(OpKind op, int object, const char* file, int line, int subclass = 0);
  // The graph of lock classes shared by the executions of one exploration (nullptr: no check).
  void set_lock_order(LockOrder* lock_order) { lock_order_ = lock_order; }
  void set_execution_number(int n) { execution_number_ = n; }
  // Kernel might_sleep(): a sleeping operation in atomic context is a sleep-in-atomic violation.
  // Called for every sleeping operation before it is announced; no scheduling point.
  void MightSleep(absl::string_view what, const char* file, int line);

  // Scenario code that misuses the scenario API (more than kMaxThreads threads; setup, an
  // invariant or an end-of-run check that would have to wait): not a finding about the kernel
  // but a bug of the scenario. Records "file:line: message", ends the execution, and the explorer
  // stops with it as an input error (the command's exit 2 and one line).
  [[noreturn]] void Misuse(const std::string& message, const char* file, int line);
  // The same for code outside a thread that would have to wait: "<what> outside a thread: ...".
  [[noreturn]] void MisuseWait(absl::string_view what, const char* file, int line);
  const absl::Status& misuse() const { return misuse_; }
  // A scenario thread died in this execution (a fatal signal, a stack overflow, a hang;
  // crash_guard.h): the execution ended there, and its scenario's search must end too.
  bool crashed() const { return crashed_; }

  const std::optional<Violation>& violation() const { return violation_; }
  // Findings that do not end the execution (lock-order, as lockdep only warns), in order.
  const std::vector<Violation>& findings() const { return findings_; }
  // The thread picked at each scheduling point, in order: what a replay token stores.
  const std::vector<int>& picks() const { return picks_; }
  int steps() const { return static_cast<int>(trace_.steps.size()); }
  // Steps actually performed: a prefix of trace().steps. A report may show one more step, the
  // one that could not be performed (a re-lock by the owner, a step past the bound).
  int performed_steps() const { return performed_; }

 private:
  struct Thread {
    std::string name;
    absl::AnyInvocable<void()> body;
    std::optional<Fiber> fiber;
    Step pending;           // the visible operation it waits to perform
    std::vector<int> held;  // lock object ids, in acquisition order
    std::vector<std::pair<const char*, int>> held_sites;  // where each was taken
    std::vector<int> held_subclass;                       // lockdep subclass of each
    int steps = 0;
    bool finished = false;
    // Spin loops (Yield): what the current and the previous iteration read, as (object, step that
    // wrote the value read, -1 for the initial value).
    std::vector<std::pair<int, int>> iteration_reads, previous_reads;
    bool has_previous = false;
    bool spin_blocked = false;
    const char* spin_file = "";
    int spin_line = 0;
    Execution* execution = nullptr;
    int index = 0;
  };

  static void ThreadEntry(void* arg);
  void StartNewThreads();
  // Enabledness from a compact per-thread code, so the scan per step touches one array:
  // kWaitReady, kWaitNever (finished or spin-blocked), kWaitSync (ask SyncState), or
  // kWaitJoin - t (enabled once thread t has finished).
  static constexpr int32_t kWaitReady = -1;
  static constexpr int32_t kWaitNever = -2;
  static constexpr int32_t kWaitSync = -3;
  static constexpr int32_t kWaitJoin = -4;
  void UpdateWait(const Thread& thread);
  void MarkIfFinished(Thread& thread);
  uint64_t ComputeEnabled() const;
  void ReportDeadlock();
  void ReportSpinForever();
  // Bookkeeping after thread `t` performed trace step `index`: spin iterations and wake-ups.
  void AfterStep(int t, int index);
  void CheckThreadExit(Thread& thread);
  void CheckInvariants();
  // `thread` defaults to the running thread. A finding (as_finding) does not end the execution's
  // search for other violations: invariants stay checked after it.
  void RecordViolation(ViolationKind kind, std::string message, const char* file, int line,
                       int thread = -1, bool as_finding = false);
  // Notes the next RecordViolation attaches to its violation (Violation::notes).
  std::vector<TraceNote> pending_notes_;
  // Inside a catch block: the `exception` finding "<who> threw <type> (what(): ...)", for code
  // that threw on a fiber, in the scenario body or in a check; for a std::bad_alloc, the
  // `resource-limit` finding "<who> ran out of memory: threw std::bad_alloc ...".
  void RecordThrow(absl::string_view who);
  // After `thread`'s fiber came back crashed: its finding, and the execution ends.
  void RecordCrash(const Thread& thread);
  // The finding of scenario code that died: `who` ("thread 'x'", "invariant 'y'", ...), `thread`
  // the thread it ran in or -1.
  void RecordCrash(const std::string& who, const Fiber::Crash& crash, int thread);
  // Run()'s part that runs scenario code: the body, the steps with their invariants, the
  // end-of-run checks. A fault in code outside the threads leaves it by a jump (crash_guard.h).
  ExecutionOutcome RunScenarioCode(absl::FunctionRef<void()> body, Strategy& strategy);
  // The ScenarioCode sites (crash_guard.h) of code outside the threads: invariant i is
  // kSiteInvariant + i.
  static constexpr int kSiteBody = 0;
  static constexpr int kSiteAtEnd = 1;
  static constexpr int kSiteInvariant = 2;
  void Teardown();

  // The last plain write and the plain reads since, of one Shared object.
  struct PlainAccessRecord {
    int thread;
    uint32_t epoch;
    const char* file;
    int line;
    const char* what;  // a string literal: recorded on every access, so never copied
    int after_step;    // the thread's last step before the access (reports place it there)
    const char* function;  // the model function that made it
  };
  struct PlainRecord {
    PlainAccessRecord write{-1, 0, "", 0, "", -1, ""};
    std::vector<PlainAccessRecord> reads;
    bool lifetime = false;
  };
  void ReportRace(int object, const PlainAccessRecord& first, bool first_writes,
                               bool second_writes, const char* what, const char* file,
                               int line, const char* function);

  static thread_local Execution* current_;

  StackPool& stacks_;
  ExecutionLimits limits_;
  absl::Span<const std::unique_ptr<Thread>> live_threads() const {
    return absl::MakeConstSpan(threads_.data(), static_cast<size_t>(num_threads_));
  }

  std::vector<std::unique_ptr<Thread>> threads_;  // [0, num_threads_) are this execution's
  int num_threads_ = 0;
  int finished_threads_ = 0;
  uint64_t finished_mask_ = 0;
  std::array<int32_t, kMaxThreads> waits_{};
  int started_ = 0;   // threads_[0, started_) have been run to their first visible operation
  int running_ = -1;  // thread whose fiber runs now
  std::vector<int> objects_by_creator_;  // next key sequence number per creating thread (+1)
  Trace trace_;
  std::vector<int> picks_;
  int performed_ = 0;
  Step scratch_;
  SyncState sync_;
  LockOrder* lock_order_ = nullptr;
  int execution_number_ = 0;
  int rcu_object_ = -1;
  static constexpr int32_t kRcuKey = INT32_MAX;
  std::vector<int> last_write_;  // by object id: trace step of the last write, -1 for none
  bool track_hb_ = false;        // some Shared object exists: keep happens-before clocks
  HappensBefore hb_;
  // The step whose effect on the clocks is still to apply. It is applied as soon as the thread
  // that performed it does anything else (a plain access, its next visible operation) or yields
  // back: the primitive fills in the step's outcome only after the scheduler resumed it.
  int hb_unapplied_ = -1;
  void ApplyHappensBefore();
  std::vector<PlainRecord> plain_;  // by object id
  std::vector<std::pair<std::string, absl::AnyInvocable<bool()>>> invariants_;
  std::vector<std::string> observed_names_;  // of every invariant of this execution
  std::vector<bool> observed_;               // by object id
  std::array<int, kMaxThreads> last_step_of_{};  // by thread: its latest performed step, or -1
  void MarkObserved(int object);
  std::vector<absl::AnyInvocable<void()>> at_end_;
  std::vector<std::pair<void*, void (*)(void*)>> owned_;
  std::optional<Violation> violation_;
  absl::Status misuse_;
  bool crashed_ = false;
  std::vector<Violation> findings_;
  std::vector<Step> finding_steps_;  // the step each finding was about to take (or none: object -2)
};

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_RUNTIME_EXECUTION_H_
