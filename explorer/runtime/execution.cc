// Execution; see execution.h.
#include "explorer/runtime/execution.h"

#include <cxxabi.h>
#include <unistd.h>

#include <algorithm>
#include <csetjmp>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <exception>
#include <new>
#include <string>
#include <typeinfo>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "explorer/runtime/check.h"
#include "explorer/runtime/crash_guard.h"
#include "explorer/search/strategy.h"

namespace mmcheck {

thread_local Execution* Execution::current_ = nullptr;

Execution::Execution(StackPool& stacks, ExecutionLimits limits)
    : stacks_(stacks), limits_(limits) {}

Execution::~Execution() { Teardown(); }

int Execution::RegisterObject(const char* kind, const char* name, int index,
                              std::string (*format)(int64_t)) {
  const size_t creator = static_cast<size_t>(running_ + 1);
  if (objects_by_creator_.size() <= creator) objects_by_creator_.resize(creator + 1, 0);
  const int seq = objects_by_creator_[creator]++;
  MMCHECK_CHECK(seq < (1 << 20));
  trace_.objects.push_back(
      ObjectInfo{kind, name, index, static_cast<int32_t>(creator << 20) | seq, format});
  sync_.AddObject();
  last_write_.push_back(-1);
  const int id = static_cast<int>(trace_.objects.size()) - 1;
  if (!observed_names_.empty()) MarkObserved(id);
  return id;
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

void Execution::AddHold(int thread, int object, const char* file, int line, int subclass) {
  threads_[thread]->held.push_back(object);
  threads_[thread]->held_sites.emplace_back(file, line);
  threads_[thread]->held_subclass.push_back(subclass);
}

void Execution::DropHold(int thread, int object) {
  Thread& t = *threads_[thread];
  for (size_t i = t.held.size(); i-- > 0;) {
    if (t.held[i] == object) {
      t.held.erase(t.held.begin() + static_cast<long>(i));
      t.held_sites.erase(t.held_sites.begin() + static_cast<long>(i));
      t.held_subclass.erase(t.held_subclass.begin() + static_cast<long>(i));
      return;
    }
  }
}

int Execution::Spawn(std::string name, absl::AnyInvocable<void()> body, const char* file,
                     int line) {
  auto too_many = [&] {
    Misuse(absl::StrCat("spawns thread '", name, "', one more than the ", kMaxThreads,
                        " threads an execution can have"),
           file, line);
  };
  if (num_threads_ >= kMaxThreads) too_many();
  Step* step = InThread() ? &Visible(OpKind::kSpawn, kNoObject, 0, file, line) : nullptr;
  // The index is taken once the spawn is scheduled: another thread may have spawned meanwhile.
  const int index = num_threads_;
  if (index >= kMaxThreads) too_many();
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
  thread.held_subclass.clear();
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
    if (!threads_[index]->finished) {
      MisuseWait(absl::StrCat("joins thread '", threads_[index]->name, "'"), file, line);
    }
    return;
  }
  // Enabled once the thread has finished: a thread joining itself never is (a deadlock).
  Visible(OpKind::kJoin, index, 0, file, line);
}

void Execution::Yield(const char* file, int line) {
  Visible(OpKind::kYield, kNoObject, 0, file, line);
}

void Execution::AddInvariant(std::string name, std::vector<std::string> observes,
                             absl::AnyInvocable<bool()> check) {
  invariants_.emplace_back(std::move(name), std::move(check));
  for (std::string& n : observes) observed_names_.push_back(std::move(n));
  for (size_t id = 0; id < trace_.objects.size(); ++id) MarkObserved(static_cast<int>(id));
}

void Execution::MarkObserved(int object) {
  if (observed_.size() < trace_.objects.size()) observed_.resize(trace_.objects.size(), false);
  for (const std::string& n : observed_names_) {
    if (n == trace_.objects[static_cast<size_t>(object)].name) {
      observed_[static_cast<size_t>(object)] = true;
    }
  }
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

void Execution::NoExecution() {
  std::fprintf(stderr,
               "mmcheck: a scenario primitive was used outside an execution (at exit, or from a "
               "thread mmcheck did not start)\n");
  std::fflush(stdout);
  std::_Exit(2);
}

void Execution::Misuse(const std::string& message, const char* file, int line) {
  if (misuse_.ok()) {
    misuse_ = absl::InvalidArgumentError(absl::StrCat(file, ":", line, ": ", message));
  }
  throw ExecutionAbort{};
}

void Execution::MisuseWait(absl::string_view what, const char* file, int line) {
  Misuse(absl::StrCat(what,
                      " outside a thread: the scenario body, an invariant or an end-of-run "
                      "check cannot wait"),
         file, line);
}

void Execution::Fail(ViolationKind kind, std::string message, const char* file, int line) {
  RecordViolation(kind, std::move(message), file, line);
  throw ExecutionAbort{};
}

void Execution::RecordViolation(ViolationKind kind, std::string message, const char* file, int line,
                                int thread, bool as_finding) {
  Violation v;
  v.kind = kind;
  v.message = std::move(message);
  if (file != nullptr && *file != '\0') absl::StrAppend(&v.message, " (", file, ":", line, ")");
  v.thread = thread >= 0 ? thread : running_;
  v.step = steps();
  v.picks = static_cast<int>(picks_.size());
  v.notes = std::move(pending_notes_);
  pending_notes_.clear();
  if (peek_log != nullptr) {
    // A failing end-of-run check: the last writes of what it read.
    std::vector<bool> seen(trace_.objects.size(), false);
    for (const int object : *peek_log) {
      const size_t o = static_cast<size_t>(object);
      if (object < 0 || o >= seen.size() || seen[o]) continue;
      seen[o] = true;
      // An atomic's last writing step; else plain data's last writer's step.
      int at = -1;
      for (int i = static_cast<int>(trace_.steps.size()) - 1; i >= 0 && at < 0; --i) {
        const Step& s = trace_.steps[static_cast<size_t>(i)];
        if (s.object == object && AccessOf(s).writes) at = i;
      }
      if (at < 0 && o < plain_.size()) at = plain_[o].write.after_step;
      if (at >= 0) v.key_steps.push_back(at);
    }
    std::sort(v.key_steps.begin(), v.key_steps.end());
    v.key_steps.erase(std::unique(v.key_steps.begin(), v.key_steps.end()), v.key_steps.end());
  }
  if (!violation_ && !as_finding) {
    violation_ = std::move(v);
    return;
  }
  // The execution goes on after a thread's violation; later ones of other kinds are kept too.
  if (violation_ && violation_->kind == v.kind) return;
  for (const Violation& f : findings_) {
    if (f.kind == v.kind) return;
  }
  findings_.push_back(std::move(v));
  finding_steps_.push_back(Step{});
  finding_steps_.back().object = -2;
}

namespace {

// Inside a catch block: the exception's type, demangled, and a std::exception's what().
std::string DescribeCurrentException() {
  std::string type = "an unknown type";
  if (const std::type_info* info = abi::__cxa_current_exception_type()) {
    int status = 0;
    char* demangled = abi::__cxa_demangle(info->name(), nullptr, nullptr, &status);
    type = status == 0 && demangled != nullptr ? demangled : info->name();
    std::free(demangled);
  }
  try {
    throw;
  } catch (const std::exception& e) {
    return absl::StrCat(type, " (what(): \"", e.what(), "\")");
  } catch (...) {
    return type;
  }
}

}  // namespace

void Execution::RecordThrow(absl::string_view who) {
  // Running out of memory is a limit of the machine met by the scenario, not an exception it
  // chose to throw: its own kind.
  ViolationKind kind = ViolationKind::kException;
  try {
    throw;
  } catch (const std::bad_alloc&) {
    kind = ViolationKind::kResourceLimit;
  } catch (...) {
  }
  RecordViolation(kind,
                  absl::StrCat(who, kind == ViolationKind::kResourceLimit ? " ran out of memory: "
                                                                           : " ",
                               "threw ", DescribeCurrentException()),
                  nullptr, 0);
}

void Execution::RecordCrash(const Thread& thread) {
  RecordCrash(absl::StrCat("thread '", thread.name, "'"), thread.fiber->crash(), thread.index);
}

void Execution::RecordCrash(const std::string& who, const Fiber::Crash& crash, int thread) {
  crashed_ = true;
  switch (crash.cause) {
    case Fiber::Crash::Cause::kStackOverflow:
      RecordViolation(ViolationKind::kStackOverflow,
                      absl::StrCat(who, " overflowed its ", stacks_.stack_size() / 1024,
                                   " KiB stack (a recursion without end, or locals too large)"),
                      nullptr, 0, thread);
      return;
    case Fiber::Crash::Cause::kHang:
      RecordViolation(ViolationKind::kLivelock,
                      thread >= 0
                          ? absl::StrCat(who, " ran ", limits_.hang_limit_s,
                                         " s after its last visible operation without reaching "
                                         "another (a loop without visible operations?)")
                          : absl::StrCat(who, " ran ", limits_.hang_limit_s,
                                         " s without returning (a loop without end?)"),
                      nullptr, 0, thread);
      return;
    default:
      break;
  }
  // The address only when it is small (a member of a null pointer): others differ between runs.
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  std::string what;
  switch (crash.signal) {
    case SIGSEGV:
    case SIGBUS:
      what = crash.address < page
                 ? absl::StrFormat("a null pointer dereference, address 0x%x", crash.address)
                 : std::string("a bad memory access");
      break;
    case SIGABRT:
      what = "abort(), or a failed assert()";
      break;
    case SIGFPE:
      what = "an arithmetic fault, as an integer division by zero";
      break;
    case SIGILL:
    case SIGTRAP:
      what = "an illegal instruction or a trap, as __builtin_trap()";
      break;
  }
  RecordViolation(ViolationKind::kCrash,
                  absl::StrCat(who, " died of SIG", sigabbrev_np(crash.signal), " (", what, ")"),
                  nullptr, 0, thread);
}

void Execution::ThreadEntry(void* arg) {
  Thread& thread = *static_cast<Thread*>(arg);
  try {
    thread.body();
    thread.execution->CheckThreadExit(thread);
  } catch (const ExecutionAbort&) {
    // The violation is recorded; the scheduler ends the execution.
  } catch (...) {
    // The fiber's own unwinding (it is destroyed while suspended) must reach the fiber's entry.
    if (thread.fiber->unwinding()) throw;
    // A thread that throws ends like one that hits a violation: the others go on.
    thread.execution->RecordThrow(absl::StrCat("thread '", thread.name, "'"));
  }
}

void Execution::StartNewThreads() {
  while (started_ < num_threads()) {
    Thread& thread = *threads_[started_++];
    thread.fiber.emplace(stacks_, &Execution::ThreadEntry, &thread);
    running_ = thread.index;
    thread.fiber->Resume();
    running_ = -1;
    if (!misuse_.ok()) break;  // the step is not performed: nothing after it is kept
    if (thread.fiber->crashed()) {
      RecordCrash(thread);
      break;
    }
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
  if ((access.writes || access.counts) && observed(step.object)) step.observed = true;
  if (access.reads) thread.iteration_reads.emplace_back(step.object, last_write_[step.object]);
  // A reader's down_read or up_read changes what a spinning down_write_trylock reads.
  if (!access.writes && !access.counts) return;
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

ExecutionOutcome Execution::RunScenarioCode(absl::FunctionRef<void()> body, Strategy& strategy) {
  try {
    CrashGuard::ScenarioCode code(kSiteBody);
    body();
  } catch (const ExecutionAbort&) {
  } catch (...) {
    RecordThrow("the scenario body");
  }
  // A misuse of the scenario API ends the execution where it happened (Misuse).
  const bool setup_failed = violation_.has_value() || !misuse_.ok();
  if (!setup_failed) StartNewThreads();
  if (!violation_ && misuse_.ok() && !crashed_) CheckInvariants();
  int last = -1;
  ExecutionOutcome outcome = ExecutionOutcome::kComplete;
  // A violation in a thread ends that thread only: the others go on until nothing can run, so
  // the execution stays maximal (what DPOR's completeness needs) and other threads' findings are
  // still met. Reports and tokens are cut at the violation.
  while (!setup_failed && misuse_.ok() && !crashed_) {
    if (finished_threads_ == num_threads_) break;
    const uint64_t enabled = ComputeEnabled();
    if (enabled == 0) {
      if (!violation_) ReportDeadlock();  // after a violation, waiting on a dead thread is no news
      break;
    }
    const int next = strategy.NextThread(SchedulePoint{enabled, last, steps(), this});
    if (next == kStopAfterViolation) break;
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
    last_step_of_[static_cast<size_t>(next)] = steps() - 1;  // owns the plain code that follows
    running_ = next;
    if (track_hb_) hb_unapplied_ = steps() - 1;
    thread.fiber->Resume();
    running_ = -1;
    if (thread.fiber->crashed()) {
      ++performed_;
      RecordCrash(thread);
      break;
    }
    MarkIfFinished(thread);
    ++performed_;
    ApplyHappensBefore();
    AfterStep(next, steps() - 1);
    last = next;
    StartNewThreads();
    if (!violation_) CheckInvariants();
  }
  if (!violation_ && misuse_.ok() && outcome == ExecutionOutcome::kComplete) {
    std::vector<int> peeked;
    for (auto& check : at_end_) {
      peeked.clear();
      peek_log = &peeked;
      struct Unlog {
        ~Unlog() { peek_log = nullptr; }
      } unlog;
      try {
        CrashGuard::ScenarioCode code(kSiteAtEnd);
        check();
      } catch (const ExecutionAbort&) {
        break;
      } catch (...) {
        RecordThrow("an end-of-run check");
        break;
      }
    }
  }
  return outcome;
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
  last_step_of_.fill(-1);
  trace_.thread_names.clear();
  sync_.Reset();
  rcu_object_ = -1;
  started_ = 0;
  last_write_.clear();
  objects_by_creator_.clear();
  track_hb_ = false;
  hb_unapplied_ = -1;
  violation_.reset();
  misuse_ = absl::OkStatus();
  crashed_ = false;
  findings_.clear();
  finding_steps_.clear();
  ExecutionOutcome outcome = ExecutionOutcome::kComplete;
  // A fault in scenario code outside the threads lands here (crash_guard.h): the frames between
  // are given up, as a dead fiber's stack is; members hold all that is kept of the execution.
  sigjmp_buf landing;
  CrashGuard::SetLanding(&landing);
  if (sigsetjmp(landing, 0) == 0) {
    outcome = RunScenarioCode(body, strategy);
  } else {
    outcome = ExecutionOutcome::kComplete;  // set before the jump, so indeterminate after it
    peek_log = nullptr;  // a check that died jumped past its scope's reset
    const int site = CrashGuard::LandedSite();
    std::string who = "an end-of-run check";
    if (site == kSiteBody) who = "the scenario body";
    if (site >= kSiteInvariant) {
      who = absl::StrCat("invariant '",
                         invariants_[static_cast<size_t>(site - kSiteInvariant)].first, "'");
    }
    running_ = -1;
    RecordCrash(who, CrashGuard::LandedCrash(), -1);
  }
  CrashGuard::SetLanding(nullptr);
  auto finish = [this](Violation& v) {
    v.trace = trace_;
    v.trace.steps.resize(std::min(trace_.steps.size(), static_cast<size_t>(std::max(v.step, 0))));
    v.preemptions = CountPreemptions(v.trace.steps);
  };
  if (violation_) {
    // A strategy that abandoned the execution keeps it redundant or blocked: it is no trace of
    // its own (its violation is still reported).
    if (outcome == ExecutionOutcome::kComplete) outcome = ExecutionOutcome::kViolation;
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
  observed_names_.clear();
  observed_.clear();
  at_end_.clear();
}

}  // namespace mmcheck
