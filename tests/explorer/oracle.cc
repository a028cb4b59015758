// The soundness oracle; see oracle.h.
#include "tests/explorer/oracle.h"

#include <algorithm>
#include <memory>

#include "explorer/runtime/check.h"
#include "explorer/search/dfs_strategy.h"

namespace mmcheck::testing {

int Program::Size() const {
  std::function<int(const std::vector<Op>&)> count = [&](const std::vector<Op>& code) {
    int n = 0;
    for (const Op& op : code) n += 1 + count(op.body);
    return n;
  };
  int n = 0;
  for (const auto& t : threads) n += count(t);
  return n;
}

namespace {

class Generator {
 public:
  Generator(uint64_t seed, int max_ops) : rng_(seed), max_ops_(max_ops) {}

  std::vector<Op> Thread() {
    std::vector<Op> code;
    budget_ = 1 + Pick(max_ops_);
    while (budget_ > 0) code.push_back(Random(0));
    return code;
  }

 private:
  int Pick(int n) { return static_cast<int>(rng_.Below(static_cast<uint64_t>(n))); }

  Op::Kind PickKind(int nesting) {
    // Inside two sections only accesses; inside one, accesses, branches and sections; at the
    // top, everything, with the sleeping kinds (wait, spawn) rarer so that most programs finish.
    static constexpr Op::Kind kAccesses[] = {Op::kLoad, Op::kStore, Op::kCas, Op::kFetchAdd,
                                             Op::kCasLoop};
    static constexpr Op::Kind kNested[] = {
        Op::kLoad,        Op::kStore,          Op::kCas,           Op::kFetchAdd,
        Op::kIf,          Op::kLocked,         Op::kTryLocked,     Op::kSpinLocked,
        Op::kSpinTryLocked, Op::kReadLocked,   Op::kReadTryLocked, Op::kWriteLocked,
        Op::kWriteTryLocked, Op::kRcuSection,  Op::kWaitUnlocked,  Op::kIrqSection};
    if (nesting >= 2) return kAccesses[Pick(5)];
    if (nesting == 1) return kNested[Pick(16)];
    if (Pick(4) == 0) {
      static constexpr Op::Kind kRare[] = {Op::kDowngraded, Op::kSynchronizeRcu, Op::kCallRcu,
                                           Op::kWait,       Op::kWake,           Op::kSpawnJoin,
                                           Op::kCasLoop,    Op::kSendIpi};
      return kRare[Pick(8)];
    }
    return kNested[Pick(16)];
  }

  Op Random(int nesting) {
    --budget_;
    Op op;
    op.kind = PickKind(nesting);
    op.obj = Pick(2);
    op.reg = Pick(2);
    switch (op.kind) {
      case Op::kStore:
        op.value = 1 + Pick(2);
        op.from_reg = Pick(2) == 0;
        break;
      case Op::kCas:
      case Op::kIf:
        op.value = Pick(2);
        break;
      case Op::kCallRcu:
        op.value = 3 + Pick(2);
        break;
      default:
        break;
    }
    switch (op.kind) {
      case Op::kIf:
      case Op::kLocked:
      case Op::kTryLocked:
      case Op::kSpinLocked:
      case Op::kSpinTryLocked:
      case Op::kReadLocked:
      case Op::kReadTryLocked:
      case Op::kWriteLocked:
      case Op::kWriteTryLocked:
      case Op::kDowngraded:
      case Op::kRcuSection:
      case Op::kIrqSection:
      case Op::kSpawnJoin:
        op.body.push_back(Random(nesting + 1));
        if (budget_ > 0 && Pick(2) == 0) op.body.push_back(Random(nesting + 1));
        break;
      default:
        break;
    }
    return op;
  }

  SplitMix64 rng_;
  int max_ops_;
  int budget_ = 0;
};

const char* KindName(Op::Kind k) {
  static const char* const kNames[] = {
      "load",           "store",         "cas",          "cas_loop",         "fetch_add",
      "if",             "mutex",         "mutex_trylock", "wait_unlocked",   "spin",
      "spin_trylock",   "down_read",     "down_read_trylock", "down_write", "down_write_trylock",
      "down_write+downgrade", "rcu_read_lock", "synchronize_rcu", "call_rcu", "wait",
      "wake",           "spawn+join",    "local_irq_disable", "send_ipi"};
  return kNames[k];
}

void Append(std::string& out, const std::vector<Op>& code, int indent) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  for (const Op& op : code) {
    switch (op.kind) {
      case Op::kLoad:
        absl::StrAppend(&out, pad, "r", op.reg, " = v", op.obj, "\n");
        break;
      case Op::kStore:
        absl::StrAppend(&out, pad, "v", op.obj, " = ",
                        op.from_reg ? absl::StrCat("r", op.reg, " + 1") : absl::StrCat(op.value),
                        "\n");
        break;
      case Op::kCas:
        absl::StrAppend(&out, pad, "r", op.reg, " = cas(v", op.obj, ", ", op.value, ", tid+10)\n");
        break;
      case Op::kCasLoop:
        absl::StrAppend(&out, pad, "do r", op.reg, " = v", op.obj, " while !cas(v", op.obj, ", r",
                        op.reg, ", r", op.reg, " + 1)\n");
        break;
      case Op::kFetchAdd:
        absl::StrAppend(&out, pad, "r", op.reg, " = v", op.obj, "++\n");
        break;
      case Op::kIf:
        absl::StrAppend(&out, pad, "if r", op.reg, " == ", op.value, "\n");
        break;
      case Op::kCallRcu:
        absl::StrAppend(&out, pad, "call_rcu(v", op.obj, " = ", op.value, ")\n");
        break;
      case Op::kWait:
      case Op::kWake:
        absl::StrAppend(&out, pad, KindName(op.kind), " wq", op.obj, " (flag", op.obj, ")\n");
        break;
      case Op::kSynchronizeRcu:
      case Op::kSendIpi:
        absl::StrAppend(&out, pad, KindName(op.kind), "\n");
        break;
      default:
        absl::StrAppend(&out, pad, KindName(op.kind), " l", op.obj, "\n");
        break;
    }
    if (!op.body.empty()) Append(out, op.body, indent + 2);
  }
}

struct State {
  std::vector<Atomic<int>> vars;
  std::vector<Atomic<int>> flags;
  std::vector<Mutex> mutexes;
  std::vector<SpinLock> spinlocks;
  std::vector<RwSemaphore> rwsems;
  std::vector<WaitQueue> queues;
  std::vector<std::array<int, 2>> regs;
};

void Interpret(State& s, int tid, std::array<int, 2>& regs, const std::vector<Op>& code) {
  for (const Op& op : code) {
    int& r = regs[static_cast<size_t>(op.reg)];
    const size_t o = static_cast<size_t>(op.obj);
    switch (op.kind) {
      case Op::kLoad:
        r = s.vars[o].load();
        break;
      case Op::kStore:
        s.vars[o].store(op.from_reg ? r + 1 : op.value);
        break;
      case Op::kCas: {
        int expected = op.value;
        r = s.vars[o].compare_exchange(expected, tid + 10) ? 1 : 0;
        break;
      }
      case Op::kCasLoop: {
        int expected = s.vars[o].load();
        while (!s.vars[o].compare_exchange(expected, expected + 1)) {
        }
        r = expected;
        break;
      }
      case Op::kFetchAdd:
        r = s.vars[o].fetch_add(1);
        break;
      case Op::kIf:
        if (r == op.value) Interpret(s, tid, regs, op.body);
        break;
      case Op::kLocked:
        s.mutexes[o].lock();
        Interpret(s, tid, regs, op.body);
        s.mutexes[o].unlock();
        break;
      case Op::kTryLocked:
        if (s.mutexes[o].try_lock()) {
          Interpret(s, tid, regs, op.body);
          s.mutexes[o].unlock();
        }
        break;
      case Op::kWaitUnlocked:
        s.mutexes[o].wait_unlocked();
        break;
      case Op::kSpinLocked:
        s.spinlocks[o].lock();
        Interpret(s, tid, regs, op.body);
        s.spinlocks[o].unlock();
        break;
      case Op::kSpinTryLocked:
        if (s.spinlocks[o].try_lock()) {
          Interpret(s, tid, regs, op.body);
          s.spinlocks[o].unlock();
        }
        break;
      case Op::kReadLocked:
        s.rwsems[o].down_read();
        Interpret(s, tid, regs, op.body);
        s.rwsems[o].up_read();
        break;
      case Op::kReadTryLocked:
        if (s.rwsems[o].down_read_trylock()) {
          Interpret(s, tid, regs, op.body);
          s.rwsems[o].up_read();
        }
        break;
      case Op::kWriteLocked:
        s.rwsems[o].down_write();
        Interpret(s, tid, regs, op.body);
        s.rwsems[o].up_write();
        break;
      case Op::kWriteTryLocked:
        if (s.rwsems[o].down_write_trylock()) {
          Interpret(s, tid, regs, op.body);
          s.rwsems[o].up_write();
        }
        break;
      case Op::kDowngraded:
        s.rwsems[o].down_write();
        Interpret(s, tid, regs, op.body);
        s.rwsems[o].downgrade_write();
        Interpret(s, tid, regs, op.body);
        s.rwsems[o].up_read();
        break;
      case Op::kRcuSection:
        RcuReadLock();
        Interpret(s, tid, regs, op.body);
        RcuReadUnlock();
        break;
      case Op::kSynchronizeRcu:
        SynchronizeRcu();
        break;
      case Op::kIrqSection:
        LocalIrqDisable();
        Interpret(s, tid, regs, op.body);
        LocalIrqEnable();
        break;
      case Op::kSendIpi:
        SendIpiAndWait();
        break;
      case Op::kCallRcu: {
        Atomic<int>* v = &s.vars[o];
        const int value = op.value;
        CallRcu([v, value] { v->store(value); });
        break;
      }
      case Op::kWait:
        s.queues[o].prepare_to_wait();
        if (s.flags[o].load() == 0) Schedule();
        s.queues[o].finish_wait();
        break;
      case Op::kWake:
        s.flags[o].store(1);
        s.queues[o].wake_up();
        break;
      case Op::kSpawnJoin: {
        auto* child_regs = Make<std::array<int, 2>>(std::array<int, 2>{0, 0});
        State* state = &s;
        const std::vector<Op>* body = &op.body;
        ThreadHandle child = Spawn("child", [state, tid, child_regs, body] {
          Interpret(*state, tid + 20, *child_regs, *body);
        });
        Join(child);
        break;
      }
      case Op::kNumKinds:
        break;
    }
  }
}

RawEvent EventOf(const Step& s, bool pending) {
  RawEvent e{s.thread, s.object, Changes(s), "", ChangesReaders(s), ReadsReaders(s), ""};
  if (s.op == OpKind::kSpawn || s.op == OpKind::kJoin || s.op == OpKind::kYield) {
    e.object = -1;
    e.changes = false;
  }
  if (pending) {
    // The outcome is not known before the step runs: assume it changes what it may change.
    switch (s.op) {
      case OpKind::kCompareExchange:
      case OpKind::kTryLock:
      case OpKind::kSpinTryLock:
      case OpKind::kDownWriteTry:
        e.changes = true;
        break;
      case OpKind::kDownReadTry:
        e.changes_readers = true;
        break;
      default:
        break;
    }
  }
  return e;
}

bool Dependent(const RawEvent& a, const RawEvent& b) {
  if (a.thread == b.thread) return true;
  if (a.object < 0 || a.object != b.object) return false;
  return a.changes || b.changes || (a.changes_readers && b.reads_readers) ||
         (a.reads_readers && b.changes_readers);
}

}  // namespace

Program GenerateProgram(uint64_t seed, int max_threads, int max_ops) {
  SplitMix64 rng(seed ^ 0x5eed);
  Program p;
  const int threads = 2 + static_cast<int>(rng.Below(static_cast<uint64_t>(max_threads - 1)));
  Generator g(seed, max_ops);
  for (int t = 0; t < threads; ++t) p.threads.push_back(g.Thread());
  return p;
}

std::string ToString(const Program& p) {
  std::string out;
  for (size_t t = 0; t < p.threads.size(); ++t) {
    absl::StrAppend(&out, "thread ", t, ":\n");
    Append(out, p.threads[t], 2);
  }
  return out;
}

void RunProgram(const Program& p, std::vector<std::string>* final_states) {
  auto* s = Make<State>();
  const size_t n = static_cast<size_t>(p.locks);
  s->vars.reserve(static_cast<size_t>(p.vars));
  for (int v = 0; v < p.vars; ++v) s->vars.emplace_back(0, "v", v);
  s->flags.reserve(n);
  s->mutexes.reserve(n);
  s->spinlocks.reserve(n);
  s->rwsems.reserve(n);
  s->queues.reserve(n);
  for (int l = 0; l < p.locks; ++l) {
    s->flags.emplace_back(0, "flag", l);
    s->mutexes.emplace_back("m", l);
    s->spinlocks.emplace_back("spin", l);
    s->rwsems.emplace_back("sem", l);
    s->queues.emplace_back("wq", l);
  }
  s->regs.assign(p.threads.size(), {0, 0});
  for (size_t t = 0; t < p.threads.size(); ++t) {
    Spawn(absl::StrCat("t", t), [s, t, code = &p.threads[t]] {
      Interpret(*s, static_cast<int>(t), s->regs[t], *code);
    });
  }
  if (final_states != nullptr) {
    AtEnd([s, final_states] {
      std::string state;
      for (auto& v : s->vars) absl::StrAppend(&state, v.load(), ",");
      for (auto& r : s->regs) absl::StrAppend(&state, "|", r[0], ",", r[1]);
      final_states->push_back(state);
    });
  }
}

bool SleepSetCounter::NewExecution() {
  if (!started_) {
    started_ = true;
    depth_ = 0;
    return true;
  }
  while (!stack_.empty()) {
    Node& n = stack_.back();
    n.done |= uint64_t{1} << n.chosen;
    uint64_t asleep = n.done;
    for (const Pending& s : n.sleep) asleep |= uint64_t{1} << s.thread;
    const uint64_t left = n.enabled & ~asleep;
    if (left != 0) {
      n.chosen = LowestThread(left);
      depth_ = 0;
      return true;
    }
    stack_.pop_back();
  }
  return false;
}

int SleepSetCounter::NextThread(const SchedulePoint& point) {
  const size_t d = static_cast<size_t>(point.step);
  depth_ = d;
  if (d < stack_.size()) {
    MMCHECK_CHECK(stack_[d].enabled == point.enabled);
    return stack_[d].chosen;
  }
  Node n;
  n.enabled = point.enabled;
  for (int t = 0; t < point.execution->num_threads(); ++t) {
    if (point.enabled >> t & 1) {
      n.pending.push_back(Pending{t, EventOf(point.execution->pending_step(t), true)});
    }
  }
  if (d > 0) {
    // Asleep here: what was asleep at the parent or explored there before the step it took,
    // unless that step is dependent with its next step.
    const Node& parent = stack_[d - 1];
    const RawEvent taken =
        EventOf(point.execution->trace().steps[d - 1], /*pending=*/false);
    for (const Pending& s : parent.sleep) {
      if (!Dependent(s.event, taken)) n.sleep.push_back(s);
    }
    for (const Pending& s : parent.pending) {
      if ((parent.done >> s.thread & 1) && !Dependent(s.event, taken)) n.sleep.push_back(s);
    }
  }
  uint64_t asleep = 0;
  for (const Pending& s : n.sleep) asleep |= uint64_t{1} << s.thread;
  const uint64_t candidates = n.enabled & ~asleep;
  if (candidates == 0) return kAbandonRedundant;
  n.chosen = LowestThread(candidates);
  stack_.push_back(std::move(n));
  return stack_.back().chosen;
}

void SleepSetCounter::EndExecution(const Execution& e, ExecutionOutcome outcome) {
  if (outcome != ExecutionOutcome::kComplete && outcome != ExecutionOutcome::kViolation) return;
  const bool deadlock = outcome == ExecutionOutcome::kViolation &&
                        e.violation()->kind == ViolationKind::kDeadlock;
  std::vector<RawEvent> events;
  const std::vector<std::string> names = ThreadNames(e);
  for (int i = 0; i < e.performed_steps(); ++i) {
    const Step& s = e.trace().steps[static_cast<size_t>(i)];
    RawEvent ev = EventOf(s, false);
    ev.label = absl::StrCat(OpName(s.op), ev.object, s.ok);
    ev.who = names[static_cast<size_t>(s.thread)];
    events.push_back(ev);
  }
  const std::string form = NormalForm(events);
  if (outcome == ExecutionOutcome::kComplete) {
    complete.insert(form);
  } else {
    (deadlock ? deadlocked : violating).insert(form);
  }
}

OracleResult Compare(const Program& p, uint64_t brute_force_limit, uint64_t sleep_set_limit) {
  OracleResult result;
  ExploreOptions options;
  options.scenario = "oracle";
  options.find_all = true;
  options.minimize = false;

  std::vector<std::string> oracle_states;
  std::set<std::string> complete, deadlocked, violating;
  ExploreResult o;
  {
    BruteForce brute;
    options.max_executions = brute_force_limit;
    o = Explore([&] { RunProgram(p, &oracle_states); }, brute, options);
    if (o.complete) {
      result.brute_force = true;
      complete = brute.complete;
      deadlocked = brute.deadlocked;
      violating = brute.violating;
    }
  }
  if (!result.brute_force) {
    oracle_states.clear();
    SleepSetCounter counter;
    options.max_executions = sleep_set_limit;
    o = Explore([&] { RunProgram(p, &oracle_states); }, counter, options);
    if (!o.complete) return result;
    complete = counter.complete;
    deadlocked = counter.deadlocked;
    violating = counter.violating;
  }
  result.compared = true;
  result.traces = complete.size() + deadlocked.size() + violating.size();

  DporStrategy dpor;
  std::vector<std::string> dpor_states;
  options.max_executions = 0;
  const ExploreResult d = Explore([&] { RunProgram(p, &dpor_states); }, dpor, options);

  std::set<ViolationKind> ko, kd;
  for (const Violation& v : o.violations) ko.insert(v.kind);
  for (const Violation& v : d.violations) kd.insert(v.kind);
  result.kinds = ko;
  const std::set<std::string> so(oracle_states.begin(), oracle_states.end());
  const std::set<std::string> sd(dpor_states.begin(), dpor_states.end());
  result.final_states = so.size();
  result.blocked = d.blocked_executions;
  const uint64_t dpor_traces = d.executions + d.violating_executions;
  if (!d.complete) {
    result.mismatch = "dpor did not complete";
  } else if (dpor_traces != result.traces || d.executions != complete.size()) {
    result.mismatch = absl::StrCat("traces: dpor ", d.executions, " complete + ",
                                   d.violating_executions, " violating, oracle ",
                                   complete.size(), " complete + ",
                                   deadlocked.size() + violating.size(), " violating");
  } else if (d.redundant_executions != 0) {
    result.mismatch = absl::StrCat("dpor: ", d.redundant_executions, " redundant executions");
  } else if (so != sd) {
    result.mismatch = absl::StrCat("final states: dpor ", sd.size(), ", oracle ", so.size());
  } else if (ko != kd) {
    result.mismatch = "verdicts differ";
  }
  return result;
}

namespace {

// Every program one edit smaller than `p`: a thread removed, an instruction removed, or an
// instruction replaced by its body.
std::vector<Program> Smaller(const Program& p) {
  std::vector<Program> out;
  if (p.threads.size() > 1) {
    for (size_t t = 0; t < p.threads.size(); ++t) {
      Program q = p;
      q.threads.erase(q.threads.begin() + static_cast<long>(t));
      out.push_back(std::move(q));
    }
  }
  // Edits inside one code list, recursively.
  std::function<void(std::vector<Op>&, const std::function<void()>&)> edits =
      [&](std::vector<Op>& code, const std::function<void()>& emit) {
        for (size_t i = 0; i < code.size(); ++i) {
          const Op saved = code[i];
          code.erase(code.begin() + static_cast<long>(i));
          emit();
          code.insert(code.begin() + static_cast<long>(i), saved.body.begin(), saved.body.end());
          if (!saved.body.empty()) emit();
          code.erase(code.begin() + static_cast<long>(i),
                     code.begin() + static_cast<long>(i + saved.body.size()));
          code.insert(code.begin() + static_cast<long>(i), saved);
          edits(code[i].body, emit);
        }
      };
  Program work = p;
  for (size_t t = 0; t < work.threads.size(); ++t) {
    edits(work.threads[t], [&] {
      bool empty = false;
      for (const auto& code : work.threads) empty = empty || code.empty();
      if (!empty) out.push_back(work);
    });
  }
  return out;
}

}  // namespace

Program Shrink(const Program& p, uint64_t brute_force_limit, uint64_t sleep_set_limit) {
  Program best = p;
  bool progress = true;
  while (progress) {
    progress = false;
    for (const Program& q : Smaller(best)) {
      if (!Compare(q, brute_force_limit, sleep_set_limit).mismatch.empty()) {
        best = q;
        progress = true;
        break;
      }
    }
  }
  return best;
}

}  // namespace mmcheck::testing
