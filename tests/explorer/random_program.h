// Seeded random programs for the agreement tests: 2 to 4 threads with loads, stores,
// compare_exchange, fetch_add, locked and try-locked sections, and data-dependent branches on
// thread-local registers. Run(program) is a scenario body; FinalState() prints every variable
// and register at the end, so two strategies can compare the sets of final states they reach.
#ifndef MMCHECK_TESTS_EXPLORER_RANDOM_PROGRAM_H_
#define MMCHECK_TESTS_EXPLORER_RANDOM_PROGRAM_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "explorer/api.h"
#include "explorer/primitives/rcu.h"
#include "explorer/primitives/rwsem.h"
#include "explorer/search/random_strategy.h"

namespace mmcheck::testing {

struct Instr {
  enum Kind {
    kLoad,
    kStore,
    kCas,
    kFetchAdd,
    kLocked,
    kTryLocked,
    kIf,
    // kernel primitives (ProgramGenerator::MakeKernel)
    kReadLocked,
    kWriteLocked,
    kDowngraded,
    kReadTryLocked,
    kRcuSection,
    kSpinLocked,
    kSynchronizeRcu,
  } kind;
  int var = 0;              // variable (or mutex for kLocked / kTryLocked)
  int value = 0;            // stored value, cas expected, if-compare constant
  int reg = 0;              // register written (load, cas, fetch_add) or read (kIf, store of reg+1)
  bool from_reg = false;    // kStore: store reg + 1 instead of value
  std::vector<Instr> body;  // kLocked, kTryLocked, kIf
};

struct RandomProgram {
  int vars = 2;
  int mutexes = 2;
  std::vector<std::vector<Instr>> threads;
};

class ProgramGenerator {
 public:
  explicit ProgramGenerator(uint64_t seed) : rng_(seed) {}

  RandomProgram Make(int threads, int max_ops, bool kernel = false) {
    kernel_ = kernel;
    RandomProgram p;
    p.threads.resize(static_cast<size_t>(threads));
    for (auto& t : p.threads) {
      budget_ = 1 + static_cast<int>(rng_.Below(static_cast<uint64_t>(max_ops)));
      while (budget_ > 0) t.push_back(Random(p, 0));
    }
    return p;
  }

 private:
  int Pick(int n) { return static_cast<int>(rng_.Below(static_cast<uint64_t>(n))); }

  Instr Random(const RandomProgram& p, int nesting) {
    --budget_;
    Instr i;
    i.var = Pick(p.vars);
    i.reg = Pick(2);
    // Sections nest once (two mutexes in either order: deadlocks); branches do not nest.
    int kind = Pick(nesting >= 2 ? 4 : nesting == 1 ? 6 : 7);
    if (kernel_ && nesting < 2 && Pick(2) == 0) kind = Instr::kReadLocked + Pick(7);
    i.kind = static_cast<Instr::Kind>(kind);
    switch (i.kind) {
      case Instr::kStore:
        i.value = 1 + Pick(2);
        i.from_reg = Pick(2) == 0;
        break;
      case Instr::kCas:
        i.value = Pick(2);
        break;
      case Instr::kSynchronizeRcu:
        break;
      case Instr::kLocked:
      case Instr::kTryLocked:
      case Instr::kReadLocked:
      case Instr::kWriteLocked:
      case Instr::kDowngraded:
      case Instr::kReadTryLocked:
      case Instr::kRcuSection:
      case Instr::kSpinLocked:
        i.var = Pick(p.mutexes);
        i.body.push_back(Random(p, nesting + 1));
        if (budget_ > 0 && Pick(2) == 0) i.body.push_back(Random(p, nesting + 1));
        break;
      case Instr::kIf:
        i.value = Pick(2);
        i.body.push_back(Random(p, nesting + 1));
        break;
      default:
        break;
    }
    return i;
  }

  SplitMix64 rng_;
  int budget_ = 0;
  bool kernel_ = false;
};

// The program as text, for failure messages.
inline std::string ToString(const std::vector<Instr>& code, int indent = 2) {
  std::string out;
  for (const Instr& i : code) {
    out += std::string(static_cast<size_t>(indent), ' ');
    switch (i.kind) {
      case Instr::kLoad:
        absl::StrAppend(&out, "r", i.reg, " = v", i.var, "\n");
        break;
      case Instr::kStore:
        absl::StrAppend(&out, "v", i.var, " = ",
                        i.from_reg ? absl::StrCat("r", i.reg, " + 1") : absl::StrCat(i.value),
                        "\n");
        break;
      case Instr::kCas:
        absl::StrAppend(&out, "r", i.reg, " = cas(v", i.var, ", ", i.value, ", tid+10)\n");
        break;
      case Instr::kFetchAdd:
        absl::StrAppend(&out, "r", i.reg, " = v", i.var, "++\n");
        break;
      case Instr::kLocked:
        absl::StrAppend(&out, "lock m", i.var, "\n", ToString(i.body, indent + 2),
                        std::string(static_cast<size_t>(indent), ' '), "unlock m", i.var, "\n");
        break;
      case Instr::kTryLocked:
        absl::StrAppend(&out, "if trylock m", i.var, "\n", ToString(i.body, indent + 2),
                        std::string(static_cast<size_t>(indent), ' '), "  unlock m", i.var, "\n");
        break;
      case Instr::kIf:
        absl::StrAppend(&out, "if r", i.reg, " == ", i.value, "\n", ToString(i.body, indent + 2));
        break;
      default: {
        static const char* const kNames[] = {
            "down_read",     "down_write", "down_write+downgrade", "down_read_trylock",
            "rcu_read_lock", "spin_lock",  "synchronize_rcu"};
        absl::StrAppend(&out, kNames[i.kind - Instr::kReadLocked], " s", i.var, "\n",
                        ToString(i.body, indent + 2));
        break;
      }
    }
  }
  return out;
}

inline std::string ToString(const RandomProgram& p) {
  std::string out;
  for (size_t t = 0; t < p.threads.size(); ++t) {
    absl::StrAppend(&out, "thread ", t, ":\n", ToString(p.threads[t]));
  }
  return out;
}

struct ProgramState {
  std::vector<Atomic<int>> vars;
  std::vector<Mutex> mutexes;
  std::vector<RwSemaphore> rwsems;
  std::vector<SpinLock> spinlocks;
  std::vector<std::array<int, 2>> regs;
};

inline void Interpret(ProgramState& s, int t, const std::vector<Instr>& code) {
  for (const Instr& i : code) {
    int& r = s.regs[static_cast<size_t>(t)][static_cast<size_t>(i.reg)];
    switch (i.kind) {
      case Instr::kLoad:
        r = s.vars[i.var].load();
        break;
      case Instr::kStore:
        s.vars[i.var].store(i.from_reg ? r + 1 : i.value);
        break;
      case Instr::kCas: {
        int expected = i.value;
        r = s.vars[i.var].compare_exchange(expected, t + 10) ? 1 : 0;
        break;
      }
      case Instr::kFetchAdd:
        r = s.vars[i.var].fetch_add(1);
        break;
      case Instr::kLocked:
        s.mutexes[i.var].lock();
        Interpret(s, t, i.body);
        s.mutexes[i.var].unlock();
        break;
      case Instr::kTryLocked:
        if (s.mutexes[i.var].try_lock()) {
          Interpret(s, t, i.body);
          s.mutexes[i.var].unlock();
        }
        break;
      case Instr::kIf:
        if (r == i.value) Interpret(s, t, i.body);
        break;
      case Instr::kReadLocked:
        s.rwsems[i.var].down_read();
        Interpret(s, t, i.body);
        s.rwsems[i.var].up_read();
        break;
      case Instr::kWriteLocked:
        s.rwsems[i.var].down_write();
        Interpret(s, t, i.body);
        s.rwsems[i.var].up_write();
        break;
      case Instr::kDowngraded:
        s.rwsems[i.var].down_write();
        Interpret(s, t, i.body);
        s.rwsems[i.var].downgrade_write();
        Interpret(s, t, i.body);
        s.rwsems[i.var].up_read();
        break;
      case Instr::kReadTryLocked:
        if (s.rwsems[i.var].down_read_trylock()) {
          Interpret(s, t, i.body);
          s.rwsems[i.var].up_read();
        }
        break;
      case Instr::kRcuSection:
        RcuReadLock();
        Interpret(s, t, i.body);
        RcuReadUnlock();
        break;
      case Instr::kSpinLocked:
        s.spinlocks[i.var].lock();
        Interpret(s, t, i.body);
        s.spinlocks[i.var].unlock();
        break;
      case Instr::kSynchronizeRcu:
        SynchronizeRcu();
        Interpret(s, t, i.body);
        break;
    }
  }
}

// The scenario body. `final_states`, if given, receives the final state of every execution in
// which all threads finished.
inline void Run(const RandomProgram& p, std::vector<std::string>* final_states) {
  auto* s = Make<ProgramState>();
  s->vars.reserve(static_cast<size_t>(p.vars));
  s->mutexes.reserve(static_cast<size_t>(p.mutexes));
  for (int v = 0; v < p.vars; ++v) s->vars.emplace_back(0, "v", v);
  s->rwsems.reserve(static_cast<size_t>(p.mutexes));
  s->spinlocks.reserve(static_cast<size_t>(p.mutexes));
  for (int m = 0; m < p.mutexes; ++m) {
    s->mutexes.emplace_back("m", m);
    s->rwsems.emplace_back("s", m);
    s->spinlocks.emplace_back("spin", m);
  }
  s->regs.assign(p.threads.size(), {0, 0});
  for (size_t t = 0; t < p.threads.size(); ++t) {
    Spawn("t", [s, t, code = &p.threads[t]] { Interpret(*s, static_cast<int>(t), *code); });
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

}  // namespace mmcheck::testing

#endif  // MMCHECK_TESTS_EXPLORER_RANDOM_PROGRAM_H_
