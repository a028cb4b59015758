// Execution's built-in checks: data races on plain data and object lifetimes, lock order,
// sleeping in atomic context, what a thread may still hold when it exits, invariants, and the
// deadlock and endless-spin reports. See execution.h.
#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "explorer/runtime/check.h"
#include "explorer/runtime/crash_guard.h"
#include "explorer/runtime/execution.h"

namespace mmcheck {

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
  plain_[static_cast<size_t>(id)].write = PlainAccessRecord{-1, 0, "", 0, "", -1, ""};
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
                            const char* what, const char* function) {
  if (running_ < 0) return;
  ApplyHappensBefore();
  const int t = running_;
  // A plain write belongs to the step its thread performed last (it runs in that step's
  // atomic block): an invariant that observes the object makes that step an observed one.
  if (write && observed(object) && last_step_of_[static_cast<size_t>(t)] >= 0) {
    trace_.steps[static_cast<size_t>(last_step_of_[static_cast<size_t>(t)])].observed = true;
  }
  PlainRecord& r = plain_[static_cast<size_t>(object)];
  if (r.write.thread >= 0 && r.write.thread != t &&
      !hb_.Ordered(r.write.thread, r.write.epoch, t)) {
    ReportRace(object, r.write, true, write, what, file, line, function);
  }
  // This access, as the record a later conflicting access will race with.
  const PlainAccessRecord here{t, hb_.epoch(t), file, line, what,
                               last_step_of_[static_cast<size_t>(t)], function};
  if (!write) {
    for (PlainAccessRecord& read : r.reads) {
      if (read.thread == t) {
        read = here;
        return;
      }
    }
    r.reads.push_back(here);
    return;
  }
  for (const PlainAccessRecord& read : r.reads) {
    if (read.thread != t && !hb_.Ordered(read.thread, read.epoch, t)) {
      ReportRace(object, read, false, true, what, file, line, function);
    }
  }
  r.write = here;
  r.reads.clear();
}

void Execution::ReportRace(int object, const PlainAccessRecord& first, bool first_writes,
                           bool second_writes, const char* what, const char* file, int line,
                           const char* function) {
  // The two accesses, where they happened in their threads, for the reports.
  // An object's lifetime record is written by its free and read by its uses, whose `what` says
  // what they do ("reads vma->vm_mm"; the free's names the freeing function).
  const bool lifetime = plain_[static_cast<size_t>(object)].lifetime;
  auto note = [&](int thread, int after_step, bool writes, const char* access, const char* at_file,
                  int at_line, const char* in) {
    const std::string name = ObjectName(object);
    std::string text = !lifetime ? absl::StrCat(writes ? "writes " : "reads ", name)
                       : writes  ? absl::StrCat("frees ", name, " in ", access)
                                 : absl::StrCat(access, " of ", name);
    // The model function that made the access, under the kernel call its lane shows (a helper
    // such as userfaultfd_missing() under vmf_pte_changed()); not a lambda's "operator()" (a
    // scenario thread's body, or a callback).
    const absl::string_view fn = in != nullptr ? in : "";
    if (!fn.empty() && fn != "operator()" && !(lifetime && writes && fn == access)) {
      absl::StrAppend(&text, " in ", in, "()");
    }
    absl::StrAppend(&text, " (", at_file, ":", at_line, ")");
    pending_notes_.push_back(TraceNote{thread, after_step, std::move(text), -1, false, object});
  };
  note(first.thread, first.after_step, first_writes, first.what, first.file, first.line,
       first.function);
  note(running_, last_step_of_[static_cast<size_t>(running_)], second_writes, what, file, line,
       function);
  if (lifetime) {
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
  // A data race does not end the thread: the model's plain accesses are sequentially consistent,
  // so the run goes on to show what the race leads to (a writable PTE in a read-only VMA, say),
  // and a scenario that declares that consequence still finds it.
  RecordViolation(
      ViolationKind::kDataRace,
      absl::StrCat("data race on ", ObjectName(object), ": thread '", threads_[first.thread]->name,
                    "' ", first_writes ? "wrote" : "read", " it at ", first.file, ":", first.line,
                    " and thread '", threads_[running_]->name, "' ",
                    second_writes ? "writes" : "reads",
                    " it with nothing ordering the two (no common lock, no release/acquire)"),
      file, line, -1, /*as_finding=*/true);
}

namespace {
// lockdep's class of a lock (its lockdep_set_class, else its name), taken with a nesting
// subclass: "pmd_lock/1".
std::string LockClass(const ObjectInfo& object, int subclass) {
  const char* name = object.lock_class != nullptr ? object.lock_class : object.name;
  return subclass == 0 ? std::string(name) : absl::StrCat(name, "/", subclass);
}
}  // namespace

void Execution::CheckLockOrder(OpKind op, int object, const char* file, int line, int subclass) {
  if (lock_order_ == nullptr || running_ < 0) return;
  const Thread& t = *threads_[running_];
  if (t.held.empty()) return;
  std::vector<LockOrder::Site> held;
  for (size_t i = 0; i < t.held.size(); ++i) {
    held.push_back(LockOrder::Site{LockClass(trace_.objects[static_cast<size_t>(t.held[i])],
                                             t.held_subclass[i]),
                                   t.held_sites[i].first, t.held_sites[i].second});
  }
  const LockOrder::Site acquiring{LockClass(trace_.objects[static_cast<size_t>(object)], subclass),
                                  file, line};
  if (std::optional<LockOrder::Cycle> cycle =
          lock_order_->OnAcquire(t.name, held, acquiring, execution_number_, picks_)) {
    // Like lockdep, warn and go on: the execution may still deadlock, or not.
    Violation v;
    v.kind = ViolationKind::kLockOrder;
    v.message = std::move(cycle->message);
    v.witnesses = std::move(cycle->witnesses);
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

void Execution::CheckThreadExit(Thread& thread) {
  if (sync_.rcu_depth(thread.index) > 0) {
    Fail(ViolationKind::kLockMisuse,
         absl::StrCat("thread '", thread.name, "' exits inside an RCU read-side section"), nullptr,
         0);
  }
  if (sync_.irq_depth(thread.index) > 0) {
    Fail(ViolationKind::kLockMisuse,
         absl::StrCat("thread '", thread.name, "' exits with interrupts off"), nullptr, 0);
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
      // An IPI's wait is one too (SendIpiAndWait): it waits for IRQ-off sections only.
      const bool ipi = sync_.IsIpi(static_cast<int>(t.pending.arg));
      const char* waits = ipi ? "waits for its IPI to be taken" : "waits for a grace period";
      what = other < 0 ? std::string(waits)
                       : absl::StrCat(waits, " while '", threads_[other]->name, "' ",
                                      ipi || sync_.rcu_depth(other) == 0
                                          ? "has interrupts off"
                                          : "stays in its RCU read-side section");
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
  // Each blocked operation named in the message, for the reports to draw with its wait-for edge.
  auto note = [&](const Thread& th) {
    const int other = waits_for(th);
    std::string op = th.pending.op == OpKind::kJoin
                         ? absl::StrCat("join(", threads_[th.pending.object]->name, ")")
                         : absl::StrCat(OpName(th.pending.op), "(", ObjectName(th.pending.object),
                                        ")");
    pending_notes_.push_back(TraceNote{th.index, last_step_of_[static_cast<size_t>(th.index)],
                                       absl::StrCat(op, " blocks"), other, /*blocked=*/true,
                                       th.pending.op == OpKind::kJoin ? -1 : th.pending.object});
  };
  if (t >= 0 && seen_at[t] >= 0) {
    culprit = t;
    for (size_t i = static_cast<size_t>(seen_at[t]); i < path.size(); ++i) {
      absl::StrAppend(&message, i == static_cast<size_t>(seen_at[t]) ? "" : "; ",
                      describe(*threads_[path[i]]));
      note(*threads_[path[i]]);
    }
  } else {
    // No cycle (a thread waits on a finished holder): list every blocked thread.
    bool first = true;
    for (const auto& th : live_threads()) {
      if (th->finished) continue;
      absl::StrAppend(&message, first ? "" : "; ", describe(*th));
      note(*th);
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

void Execution::GhostWrite(absl::string_view name) {
  if (running_ < 0 || last_step_of_[static_cast<size_t>(running_)] < 0) return;
  for (const std::string& n : observed_names_) {
    if (n == name) {
      trace_.steps[static_cast<size_t>(last_step_of_[static_cast<size_t>(running_)])].observed =
          true;
    }
  }
}

void Execution::GhostAccess(int object, bool change) {
  if (running_ < 0 || last_step_of_[static_cast<size_t>(running_)] < 0) return;
  Step& step = trace_.steps[static_cast<size_t>(last_step_of_[static_cast<size_t>(running_)])];
  MMCHECK_CHECK(step.ghost == kNoObject || step.ghost == object);
  step.ghost = object;
  (change ? step.ghost_changes : step.ghost_reads) = true;
}

void Execution::CheckInvariants() {
  for (size_t i = 0; i < invariants_.size(); ++i) {
    auto& [name, check] = invariants_[i];
    bool holds = false;
    try {
      CrashGuard::ScenarioCode code(kSiteInvariant + static_cast<int>(i));
      holds = check();
    } catch (const ExecutionAbort&) {
      return;  // an assertion inside the invariant: already recorded
    } catch (...) {
      RecordThrow(absl::StrCat("invariant '", name, "'"));
      return;
    }
    if (!holds) {
      RecordViolation(ViolationKind::kInvariant,
                      absl::StrCat("invariant '", name, "' is false after step ", steps()), nullptr,
                      0);
      return;
    }
  }
}

}  // namespace mmcheck
