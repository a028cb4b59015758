// Execution; see execution.h.
#include "explorer/execution.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "explorer/check.h"
#include "explorer/strategy.h"

namespace mmcheck {

thread_local Execution* Execution::current_ = nullptr;

namespace {

Step PendingStep(int thread, OpKind op, int object, int64_t arg, const char* file, int line) {
  Step step;
  step.thread = static_cast<int16_t>(thread);
  step.op = op;
  step.object = object;
  step.arg = arg;
  step.file = file;
  step.line = line;
  return step;
}

}  // namespace

Execution::Execution(StackPool& stacks, ExecutionLimits limits)
    : stacks_(stacks), limits_(limits) {}

Execution::~Execution() { Teardown(); }

int Execution::RegisterObject(const char* kind, const char* name, int index) {
  const size_t creator = static_cast<size_t>(running_ + 1);
  if (objects_by_creator_.size() <= creator) objects_by_creator_.resize(creator + 1, 0);
  const int seq = objects_by_creator_[creator]++;
  MMCHECK_CHECK(seq < (1 << 20));
  trace_.objects.push_back(
      ObjectInfo{kind, name, index, static_cast<int32_t>(creator << 20) | seq});
  sync_.AddObject();
  last_write_.push_back(-1);
  return static_cast<int>(trace_.objects.size()) - 1;
}

int Execution::RegisterShared(const char* name, int index, bool lifetime) {
  const int id = RegisterObject(lifetime ? "object" : "shared", name, index);
  if (!track_hb_) {
    // Clocks are rebuilt from the steps so far: a Shared created mid-run sees the whole past.
    track_hb_ = true;
    hb_.Reset();
    // Setup threads start from nothing; spawned ones get their clock from their spawn step.
    int setup_threads = num_threads();
    for (int i = 0; i < performed_; ++i) {
      const Step& step = trace_.steps[static_cast<size_t>(i)];
      if (step.op == OpKind::kSpawn) setup_threads = std::min(setup_threads, step.object);
    }
    for (int t = 0; t < setup_threads; ++t) hb_.AddThread(t, -1);
    for (int i = 0; i < performed_; ++i) hb_.OnStep(trace_.steps[static_cast<size_t>(i)]);
    if (InThread()) hb_unapplied_ = performed_;  // the step the current thread is performing
  }
  if (static_cast<size_t>(id) >= plain_.size()) plain_.resize(static_cast<size_t>(id) + 1);
  plain_[static_cast<size_t>(id)].write = PlainAccessRecord{-1, 0, "", 0, ""};
  plain_[static_cast<size_t>(id)].reads.clear();
  plain_[static_cast<size_t>(id)].lifetime = lifetime;
  return id;
}

void Execution::ApplyHappensBefore() {
  if (hb_unapplied_ < 0) return;
  hb_.OnStep(trace_.steps[static_cast<size_t>(hb_unapplied_)]);
  hb_unapplied_ = -1;
}

void Execution::PlainAccess(int object, bool write, const char* file, int line,
                            absl::string_view what) {
  if (running_ < 0) return;
  ApplyHappensBefore();
  const int t = running_;
  PlainRecord& r = plain_[static_cast<size_t>(object)];
  if (r.write.thread >= 0 && r.write.thread != t &&
      !hb_.Ordered(r.write.thread, r.write.epoch, t)) {
    ReportRace(object, r.write, true, write, what, file, line);
  }
  const uint32_t epoch = hb_.epoch(t);
  if (!write) {
    for (PlainAccessRecord& read : r.reads) {
      if (read.thread == t) {
        read = PlainAccessRecord{t, epoch, file, line, std::string(what)};
        return;
      }
    }
    r.reads.push_back(PlainAccessRecord{t, epoch, file, line, std::string(what)});
    return;
  }
  for (const PlainAccessRecord& read : r.reads) {
    if (read.thread != t && !hb_.Ordered(read.thread, read.epoch, t)) {
      ReportRace(object, read, false, true, what, file, line);
    }
  }
  r.write = PlainAccessRecord{t, epoch, file, line, std::string(what)};
  r.reads.clear();
}

void Execution::ReportRace(int object, const PlainAccessRecord& first, bool first_writes,
                           bool second_writes, absl::string_view what, const char* file, int line) {
  if (plain_[static_cast<size_t>(object)].lifetime) {
    // first_writes: the free came first and this use is not ordered after it; else this free
    // is not ordered after that use.
    const std::string other = absl::StrCat("thread '", threads_[first.thread]->name, "' ",
                                           first.what, " at ", first.file, ":", first.line);
    Fail(ViolationKind::kUseAfterFree,
         first_writes
             ? absl::StrCat("thread '", threads_[running_]->name, "' ", what, " of ",
                            ObjectName(object), ", which ", other,
                            ", with nothing ordering the free after this use")
             : absl::StrCat("thread '", threads_[running_]->name, "' frees ", ObjectName(object),
                            " (", what, ") while ", other,
                            " and nothing (no lock, no RCU grace period) orders that use before "
                            "the free"),
         file, line);
  }
  Fail(ViolationKind::kDataRace,
       absl::StrCat("data race on ", ObjectName(object), ": thread '", threads_[first.thread]->name,
                    "' ", first_writes ? "wrote" : "read", " it at ", first.file, ":", first.line,
                    " and thread '", threads_[running_]->name, "' ",
                    second_writes ? "writes" : "reads",
                    " it with nothing ordering the two (no common lock, no release/acquire)"),
       file, line);
}

int Execution::rcu_object() {
  if (rcu_object_ < 0) {
    // Whichever thread touches RCU first, it is the same object in every execution: a fixed key,
    // and no thread's key sequence moves.
    trace_.objects.push_back(ObjectInfo{"rcu", "rcu", -1, kRcuKey});
    sync_.AddObject();
    last_write_.push_back(-1);
    rcu_object_ = static_cast<int>(trace_.objects.size()) - 1;
  }
  return rcu_object_;
}

void Execution::AddHold(int thread, int object, const char* file, int line) {
  threads_[thread]->held.push_back(object);
  threads_[thread]->held_sites.emplace_back(file, line);
}

void Execution::DropHold(int thread, int object) {
  Thread& t = *threads_[thread];
  for (size_t i = t.held.size(); i-- > 0;) {
    if (t.held[i] == object) {
      t.held.erase(t.held.begin() + static_cast<long>(i));
      t.held_sites.erase(t.held_sites.begin() + static_cast<long>(i));
      return;
    }
  }
}

void Execution::CheckLockOrder(OpKind op, int object, const char* file, int line) {
  if (lock_order_ == nullptr || running_ < 0) return;
  const Thread& t = *threads_[running_];
  if (t.held.empty()) return;
  std::vector<LockOrder::Site> held;
  for (size_t i = 0; i < t.held.size(); ++i) {
    held.push_back(LockOrder::Site{trace_.objects[static_cast<size_t>(t.held[i])].name,
                                   t.held_sites[i].first, t.held_sites[i].second});
  }
  const LockOrder::Site acquiring{trace_.objects[static_cast<size_t>(object)].name, file, line};
  if (std::optional<std::string> cycle =
          lock_order_->OnAcquire(t.name, held, acquiring, execution_number_)) {
    // Like lockdep, warn and go on: the execution may still deadlock, or not.
    Violation v;
    v.kind = ViolationKind::kLockOrder;
    v.message = *std::move(cycle);
    v.thread = running_;
    v.step = steps() + 1;  // the acquisition about to be announced
    v.picks = static_cast<int>(picks_.size());
    findings_.push_back(std::move(v));
    // The report shows that acquisition as its last step, in the run that found it and in a
    // replay of its token alike (the replay stops before performing it).
    finding_steps_.push_back(PendingStep(running_, op, object, 0, file, line));
  }
}

void Execution::MightSleep(absl::string_view what, const char* file, int line) {
  if (running_ < 0) return;
  std::vector<std::string> spinlocks;
  if (sync_.spin_held(running_) > 0) {
    for (int object : threads_[running_]->held) {
      if (trace_.objects[static_cast<size_t>(object)].kind == absl::string_view("spinlock")) {
        spinlocks.push_back(ObjectName(object));
      }
    }
  }
  const std::string reason = sync_.AtomicReason(running_, spinlocks);
  if (reason.empty()) return;
  Fail(ViolationKind::kSleepInAtomic,
       absl::StrCat("thread '", threads_[running_]->name, "' calls ", what,
                    ", which may sleep, while ", reason),
       file, line);
}

int Execution::Spawn(std::string name, absl::AnyInvocable<void()> body, const char* file,
                     int line) {
  Step* step = InThread() ? &Visible(OpKind::kSpawn, kNoObject, 0, file, line) : nullptr;
  // The index is taken once the spawn is scheduled: another thread may have spawned meanwhile.
  const int index = num_threads_;
  MMCHECK_CHECK(index < kMaxThreads);
  if (step != nullptr) step->object = step->value = index;
  // Thread records are reused across executions, with their buffers.
  if (static_cast<size_t>(index) == threads_.size()) threads_.push_back(std::make_unique<Thread>());
  Thread& thread = *threads_[static_cast<size_t>(index)];
  thread.name = std::move(name);
  thread.body = std::move(body);
  thread.execution = this;
  thread.index = index;
  thread.pending = Step{};
  thread.held.clear();
  thread.held_sites.clear();
  thread.steps = 0;
  thread.finished = false;
  thread.iteration_reads.clear();
  thread.previous_reads.clear();
  thread.has_previous = false;
  thread.spin_blocked = false;
  waits_[static_cast<size_t>(index)] = kWaitReady;
  ++num_threads_;
  trace_.thread_names.push_back(thread.name);
  // A thread spawned by a running thread gets its clock from the spawn step (HappensBefore::
  // OnStep); one created in setup starts from nothing.
  if (track_hb_ && !InThread()) hb_.AddThread(index, -1);
  return index;
}

void Execution::Join(int index, const char* file, int line) {
  MMCHECK_CHECK(index >= 0 && index < num_threads());
  if (!InThread()) {
    MMCHECK_CHECK(threads_[index]->finished);  // setup and end-of-run code cannot wait
    return;
  }
  if (index == running_) {
    Visible(OpKind::kJoin, index, 0, file, line);  // never enabled: reported as a deadlock
  }
  Visible(OpKind::kJoin, index, 0, file, line);
}

void Execution::Yield(const char* file, int line) {
  Visible(OpKind::kYield, kNoObject, 0, file, line);
}

void Execution::AddInvariant(std::string name, absl::AnyInvocable<bool()> check) {
  invariants_.emplace_back(std::move(name), std::move(check));
}

void Execution::AtEnd(absl::AnyInvocable<void()> check) { at_end_.push_back(std::move(check)); }

Step& Execution::Visible(OpKind op, int object, int64_t arg, const char* file, int line) {
  if (running_ < 0) {
    scratch_ = Step{};
    return scratch_;
  }
  Thread& self = *threads_[running_];
  ApplyHappensBefore();
  self.pending = PendingStep(running_, op, object, arg, file, line);
  UpdateWait(self);
  self.fiber->Suspend();
  return trace_.steps.back();
}

void Execution::Fail(ViolationKind kind, std::string message, const char* file, int line) {
  RecordViolation(kind, std::move(message), file, line);
  throw ExecutionAbort{};
}

void Execution::RecordViolation(ViolationKind kind, std::string message, const char* file, int line,
                                int thread) {
  Violation v;
  v.kind = kind;
  v.message = std::move(message);
  if (file != nullptr && *file != '\0') absl::StrAppend(&v.message, " (", file, ":", line, ")");
  v.thread = thread >= 0 ? thread : running_;
  v.step = steps();
  v.picks = static_cast<int>(picks_.size());
  if (!violation_) {
    violation_ = std::move(v);
    return;
  }
  // The execution goes on after a thread's violation; later ones of other kinds are kept too.
  if (violation_->kind == v.kind) return;
  for (const Violation& f : findings_) {
    if (f.kind == v.kind) return;
  }
  findings_.push_back(std::move(v));
  finding_steps_.push_back(Step{});
  finding_steps_.back().object = -2;
}

void Execution::ThreadEntry(void* arg) {
  Thread& thread = *static_cast<Thread*>(arg);
  try {
    thread.body();
    thread.execution->CheckThreadExit(thread);
  } catch (const ExecutionAbort&) {
    // The violation is recorded; the scheduler ends the execution.
  }
}

void Execution::CheckThreadExit(Thread& thread) {
  if (sync_.rcu_depth(thread.index) > 0) {
    Fail(ViolationKind::kLockMisuse,
         absl::StrCat("thread '", thread.name, "' exits inside an RCU read-side section"), nullptr,
         0);
  }
  if (!thread.held.empty()) {
    std::string names;
    for (int object : thread.held) {
      absl::StrAppend(&names, names.empty() ? "" : ", ", ObjectName(object));
    }
    Fail(ViolationKind::kLockMisuse,
         absl::StrCat("thread '", thread.name, "' exits holding ", names), nullptr, 0);
  }
}

void Execution::StartNewThreads() {
  while (started_ < num_threads()) {
    Thread& thread = *threads_[started_++];
    thread.fiber.emplace(stacks_, &Execution::ThreadEntry, &thread);
    running_ = thread.index;
    thread.fiber->Resume();
    running_ = -1;
    MarkIfFinished(thread);
  }
}

void Execution::MarkIfFinished(Thread& thread) {
  if (!thread.fiber->finished()) return;
  thread.finished = true;
  ++finished_threads_;
  finished_mask_ |= uint64_t{1} << thread.index;
  UpdateWait(thread);
}

void Execution::UpdateWait(const Thread& thread) {
  int32_t& wait = waits_[static_cast<size_t>(thread.index)];
  if (thread.finished || thread.spin_blocked) {
    wait = kWaitNever;
  } else if (AccessOf(thread.pending).blocks) {
    wait = kWaitSync;
  } else if (thread.pending.op == OpKind::kJoin) {
    wait = kWaitJoin - thread.pending.object;  // enabled once that thread has finished
  } else {
    wait = kWaitReady;
  }
}

uint64_t Execution::ComputeEnabled() const {
  uint64_t enabled = 0;
  for (int i = 0; i < num_threads_; ++i) {
    const int32_t wait = waits_[static_cast<size_t>(i)];
    const bool on =
        wait == kWaitReady ||
        (wait == kWaitSync && sync_.Enabled(i, threads_[static_cast<size_t>(i)]->pending)) ||
        (wait <= kWaitJoin && (finished_mask_ >> (kWaitJoin - wait) & 1));
    enabled |= static_cast<uint64_t>(on) << i;
  }
  return enabled;
}

void Execution::ReportDeadlock() {
  // Follow waits-for edges from the first blocked thread until a thread repeats: that is the cycle.
  for (const auto& t : live_threads()) {
    if (!t->finished && t->spin_blocked) {
      ReportSpinForever();
      return;
    }
  }
  auto waits_for = [&](const Thread& t) -> int {
    if (t.pending.op == OpKind::kJoin) return t.pending.object;
    return sync_.WaitsFor(t.index, t.pending);
  };
  auto describe = [&](const Thread& t) {
    const int other = waits_for(t);
    std::string what;
    const std::string object = ObjectName(t.pending.object);
    if (t.pending.op == OpKind::kJoin) {
      what = absl::StrCat("waits to join thread '", threads_[other]->name, "'");
    } else if (t.pending.op == OpKind::kSchedule) {
      what = absl::StrCat("sleeps in schedule() on ", object, " and no thread will wake it");
    } else if (t.pending.op == OpKind::kGracePeriodWait) {
      what = other >= 0 ? absl::StrCat("waits for a grace period while '", threads_[other]->name,
                                       "' stays in its RCU read-side section")
                        : std::string("waits for a grace period");
    } else if (other < 0) {
      what = absl::StrCat("waits in ", OpName(t.pending.op), " on ", object,
                          t.pending.op == OpKind::kDownWrite ? " for its readers to leave" : "");
    } else if (t.pending.op == OpKind::kDownRead && sync_.writer(t.pending.object) < 0) {
      what = absl::StrCat("waits in down_read on ", object, " behind the queued writer '",
                          threads_[other]->name, "'");
    } else if (other == t.index) {
      // The kernel's locks are not recursive: the owner waits for itself forever.
      what = absl::StrCat("acquires ", ObjectName(t.pending.object),
                          ", which it already holds (self-deadlock),");
    } else if (t.pending.op == OpKind::kLock || t.pending.op == OpKind::kSpinLock) {
      what = absl::StrCat("waits for ", object, " held by '", threads_[other]->name, "'");
    } else {
      what = absl::StrCat("waits in ", OpName(t.pending.op), " for ", object, " held by '",
                          threads_[other]->name, "'");
    }
    return absl::StrCat("'", t.name, "' ", what, " at ", t.pending.file, ":", t.pending.line);
  };
  int start = -1;
  for (const auto& t : live_threads()) {
    if (!t->finished) {
      start = t->index;
      break;
    }
  }
  MMCHECK_CHECK(start >= 0);
  std::vector<int> seen_at(static_cast<size_t>(num_threads_), -1);
  std::vector<int> path;
  int t = start;
  while (t >= 0 && seen_at[t] < 0 && !threads_[t]->finished) {
    seen_at[t] = static_cast<int>(path.size());
    path.push_back(t);
    t = waits_for(*threads_[t]);
  }
  std::string message;
  int culprit = start;
  if (t >= 0 && seen_at[t] >= 0) {
    culprit = t;
    for (size_t i = static_cast<size_t>(seen_at[t]); i < path.size(); ++i) {
      absl::StrAppend(&message, i == static_cast<size_t>(seen_at[t]) ? "" : "; ",
                      describe(*threads_[path[i]]));
    }
  } else {
    // No cycle (a thread waits on a finished holder): list every blocked thread.
    bool first = true;
    for (const auto& th : live_threads()) {
      if (th->finished) continue;
      absl::StrAppend(&message, first ? "" : "; ", describe(*th));
      first = false;
    }
  }
  RecordViolation(ViolationKind::kDeadlock, std::move(message), nullptr, 0, culprit);
}

void Execution::ReportSpinForever() {
  for (const auto& t : live_threads()) {
    if (t->finished || !t->spin_blocked) continue;
    std::string read;
    for (const auto& [object, writer] : t->previous_reads) {
      if (read.find(ObjectName(object)) == std::string::npos) {
        absl::StrAppend(&read, read.empty() ? "" : ", ", ObjectName(object));
      }
    }
    RecordViolation(ViolationKind::kLivelock,
                    absl::StrCat("thread '", t->name, "' spins forever: its loop read ",
                                 read.empty() ? "nothing" : read,
                                 " and saw what it saw the iteration before, and no thread "
                                 "left can write ",
                                 read.empty() ? "anything it reads" : "them"),
                    t->spin_file, t->spin_line, t->index);
    return;
  }
}

void Execution::AfterStep(int t, int index) {
  Step& step = trace_.steps[static_cast<size_t>(index)];
  Thread& thread = *threads_[t];
  if (step.op == OpKind::kYield) {
    // Blocked only if nothing it read has been overwritten since: a write between the read and
    // the Yield would wake it at once.
    bool unchanged = thread.has_previous && thread.iteration_reads == thread.previous_reads;
    for (const auto& [object, writer] : thread.iteration_reads) {
      unchanged = unchanged && last_write_[object] == writer;
    }
    if (unchanged) {
      thread.spin_blocked = true;
      UpdateWait(thread);
      thread.spin_file = step.file;
      thread.spin_line = step.line;
    }
    thread.previous_reads.swap(thread.iteration_reads);
    thread.iteration_reads.clear();
    thread.has_previous = true;
    return;
  }
  if (step.object < 0) return;
  const Access access = AccessOf(step);
  if (access.reads) thread.iteration_reads.emplace_back(step.object, last_write_[step.object]);
  if (!access.writes) return;
  last_write_[step.object] = index;
  for (const auto& other : live_threads()) {
    if (!other->spin_blocked || other->index == t) continue;
    for (const auto& [object, writer] : other->previous_reads) {
      if (object == step.object) {
        other->spin_blocked = false;
        UpdateWait(*other);
        step.wakes |= uint64_t{1} << other->index;
        break;
      }
    }
  }
}

void Execution::CheckInvariants() {
  for (auto& [name, check] : invariants_) {
    bool holds = false;
    try {
      holds = check();
    } catch (const ExecutionAbort&) {
      return;  // an assertion inside the invariant: already recorded
    }
    if (!holds) {
      RecordViolation(ViolationKind::kInvariant,
                      absl::StrCat("invariant '", name, "' is false after step ", steps()), nullptr,
                      0);
      return;
    }
  }
}

ExecutionOutcome Execution::Run(absl::FunctionRef<void()> body, Strategy& strategy) {
  MMCHECK_CHECK(current_ == nullptr);
  current_ = this;
  num_threads_ = 0;
  finished_threads_ = 0;
  finished_mask_ = 0;
  trace_.steps.clear();
  picks_.clear();
  performed_ = 0;
  trace_.objects.clear();
  trace_.thread_names.clear();
  sync_.Reset();
  rcu_object_ = -1;
  started_ = 0;
  last_write_.clear();
  objects_by_creator_.clear();
  track_hb_ = false;
  hb_unapplied_ = -1;
  violation_.reset();
  findings_.clear();
  finding_steps_.clear();
  try {
    body();
  } catch (const ExecutionAbort&) {
  }
  const bool setup_failed = violation_.has_value();
  if (!setup_failed) StartNewThreads();
  if (!violation_) CheckInvariants();
  int last = -1;
  ExecutionOutcome outcome = ExecutionOutcome::kComplete;
  // A violation in a thread ends that thread only: the others go on until nothing can run, so
  // the execution stays maximal (what DPOR's completeness needs) and other threads' findings are
  // still met. Reports and tokens are cut at the violation.
  while (!setup_failed) {
    if (finished_threads_ == num_threads_) break;
    const uint64_t enabled = ComputeEnabled();
    if (enabled == 0) {
      if (!violation_) ReportDeadlock();  // after a violation, waiting on a dead thread is no news
      break;
    }
    const int next = strategy.NextThread(SchedulePoint{enabled, last, steps(), this});
    if (next < 0) {
      outcome = next == kAbandonBlocked ? ExecutionOutcome::kBlocked : ExecutionOutcome::kAbandoned;
      break;
    }
    MMCHECK_CHECK(next < num_threads() && (enabled >> next & 1));
    picks_.push_back(next);
    Thread& thread = *threads_[next];
    if (++thread.steps > limits_.max_steps_per_thread) {
      trace_.steps.push_back(thread.pending);  // shown in the report, never performed
      trace_.steps.back().enabled = enabled;
      RecordViolation(
          ViolationKind::kLivelock,
          absl::StrCat("thread '", thread.name, "' exceeded the bound of ",
                       limits_.max_steps_per_thread, " visible operations without finishing"),
          thread.pending.file, thread.pending.line);
      break;
    }
    trace_.steps.emplace_back(thread.pending).enabled = enabled;
    running_ = next;
    if (track_hb_) hb_unapplied_ = steps() - 1;
    thread.fiber->Resume();
    running_ = -1;
    MarkIfFinished(thread);
    ++performed_;
    ApplyHappensBefore();
    AfterStep(next, steps() - 1);
    last = next;
    StartNewThreads();
    if (!violation_) CheckInvariants();
  }
  if (!violation_ && outcome == ExecutionOutcome::kComplete) {
    for (auto& check : at_end_) {
      try {
        check();
      } catch (const ExecutionAbort&) {
        break;
      }
    }
  }
  auto finish = [this](Violation& v) {
    v.trace = trace_;
    v.trace.steps.resize(std::min(trace_.steps.size(), static_cast<size_t>(std::max(v.step, 0))));
    v.preemptions = CountPreemptions(v.trace.steps);
  };
  if (violation_) {
    outcome = ExecutionOutcome::kViolation;
    finish(*violation_);
  }
  for (size_t i = 0; i < findings_.size(); ++i) {
    Violation& f = findings_[i];
    if (finding_steps_[i].object == -2) {
      finish(f);
      continue;
    }
    f.step -= 1;
    finish(f);
    f.trace.steps.push_back(finding_steps_[i]);
    f.step += 1;
  }
  Teardown();
  current_ = nullptr;
  return outcome;
}

void Execution::Teardown() {
  // Unwind unfinished fibers first: their locals may still point into owned objects.
  for (auto& t : live_threads()) {
    if (t->fiber) {
      running_ = t->index;
      t->fiber.reset();
    }
  }
  running_ = -1;
  // Thread records (names, pending steps) stay readable until the next Run(); their bodies go now
  // with the objects they may point into.
  for (auto& t : live_threads()) t->body = nullptr;
  for (auto it = owned_.rbegin(); it != owned_.rend(); ++it) it->second(it->first);
  owned_.clear();
  invariants_.clear();
  at_end_.clear();
}

}  // namespace mmcheck
