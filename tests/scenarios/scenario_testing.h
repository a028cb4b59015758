// Helpers for scenario tests: explore a registered scenario as `mmcheck run` would, and find
// the key steps of a counterexample.
#ifndef MMCHECK_TESTS_SCENARIOS_SCENARIO_TESTING_H_
#define MMCHECK_TESTS_SCENARIOS_SCENARIO_TESTING_H_

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "explorer/api.h"
#include "explorer/runtime/explorer.h"
#include "explorer/runtime/scenario.h"
#include "explorer/search/dfs_strategy.h"
#include "explorer/search/dpor_strategy.h"
#include "gtest/gtest.h"
#include "model/pgtable.h"

namespace mmcheck::testing {

// Explores `name` with `strategy`, stopping as its expectation says (or never, with find_all).
inline ExploreResult ExploreScenario(const std::string& name, Strategy& strategy,
                                     bool find_all = false) {
  absl::StatusOr<ScenarioInstance> s = FindScenario(name);
  EXPECT_TRUE(s.ok()) << s.status();
  ExploreOptions options;
  options.scenario = name;
  options.target = s->info->expect.finding();
  options.find_all = find_all;
  return Explore([&] { s->Run(); }, strategy, options);
}

// The first violation of `kind` dpor finds in `name` (a copy: it outlives the exploration), or
// nullopt.
inline std::optional<Violation> FirstViolation(const std::string& name, ViolationKind kind) {
  DporStrategy dpor;
  const ExploreResult r = ExploreScenario(name, dpor);
  const Violation* v = r.Find(kind);
  return v == nullptr ? std::nullopt : std::optional<Violation>(*v);
}

// `name` passes exhaustively under dpor with exactly `executions` complete executions and
// exactly `redundant` redundant ones (0 unless a listed reason says otherwise).
inline void ExpectExhaustivePass(const std::string& name, uint64_t executions,
                                 uint64_t redundant = 0) {
  DporStrategy dpor;
  const ExploreResult r = ExploreScenario(name, dpor);
  EXPECT_TRUE(r.complete) << name;
  EXPECT_TRUE(r.violations.empty()) << name << ": " << r.violations[0].message;
  EXPECT_EQ(r.executions, executions) << name;
  EXPECT_EQ(r.redundant_executions, redundant) << name;
}

// The final state of an execution, independent of the model: the value every object was left
// with by the last step that determines it (atomics, page-table entries, locks), by the object's
// key (stable across executions), plus the outcome of each thread.
inline std::string FinalState(const Execution& e) {
  const Trace& t = e.trace();
  std::map<int32_t, int64_t> last;
  for (const Step& s : t.steps) {
    if (s.object < 0) continue;
    if (std::optional<int64_t> v = ValueAfter(s); v && AccessOf(s).writes) {
      last[t.objects[static_cast<size_t>(s.object)].key] = *v;
    }
  }
  std::string state;
  for (const auto& [key, value] : last) absl::StrAppend(&state, key, "=", value, " ");
  return state;
}

// Runs `fn` at the end of every complete, violation-free execution `strategy` explores of `name`
// (find_all: it does not stop at a violation).
template <typename Fn>
void ForEachExecution(const std::string& name, Strategy& strategy, Fn fn) {
  absl::StatusOr<ScenarioInstance> s = FindScenario(name);
  EXPECT_TRUE(s.ok()) << s.status();
  ExploreOptions options;
  options.scenario = name;
  options.find_all = true;
  Explore(
      [&] {
        s->Run();
        AtEnd([&] { fn(CurrentExecution()); });
      },
      strategy, options);
}

// The final states of every complete, violation-free execution `strategy` explores of `name`.
inline std::set<std::string> FinalStates(const std::string& name, Strategy& strategy) {
  std::set<std::string> states;
  ForEachExecution(name, strategy, [&](const Execution& e) { states.insert(FinalState(e)); });
  return states;
}

// How many of the executions dpor explores of `name` `pred` holds for, by their traces: to show
// that a passing scenario does reach the path it is about.
template <typename Pred>
int ExecutionsWhere(const std::string& name, Pred pred) {
  int count = 0;
  DporStrategy dpor;
  ForEachExecution(name, dpor, [&](const Execution& e) { count += pred(e.trace()) ? 1 : 0; });
  return count;
}

// Whether some step of `t` is by `thread`, doing `op` on `object` (and, if given, with `ok`).
inline bool HasStep(const Trace& t, absl::string_view thread, OpKind op, absl::string_view object,
                    int ok = -1) {
  for (const Step& s : t.steps) {
    if (t.thread_names[s.thread] == thread && s.op == op && t.ObjectName(s) == object &&
        (ok < 0 || s.ok == (ok == 1))) {
      return true;
    }
  }
  return false;
}

// Whether a run that never preempts a thread (dfs, bound 0) finds a violation of `kind` in `name`:
// false for a twin whose bug needs a race.
inline bool FoundWithoutPreemption(const std::string& name, ViolationKind kind) {
  DfsStrategy unpreempted(0);
  return ExploreScenario(name, unpreempted).Find(kind) != nullptr;
}

// Index of the first step at or after `from` by `thread` doing `op` on `object` (and, if given,
// with that value), or -1.
inline int FindStep(const Trace& t, int from, absl::string_view thread, OpKind op,
                    absl::string_view object, int64_t value = INT64_MIN) {
  for (size_t i = static_cast<size_t>(std::max(from, 0)); i < t.steps.size(); ++i) {
    const Step& s = t.steps[i];
    if (t.thread_names[s.thread] == thread && s.op == op && t.ObjectName(s) == object &&
        (value == INT64_MIN || s.value == value)) {
      return static_cast<int>(i);
    }
  }
  return -1;
}
inline int FindStep(const Violation& v, int from, absl::string_view thread, OpKind op,
                    absl::string_view object, int64_t value = INT64_MIN) {
  return FindStep(v.trace, from, thread, op, object, value);
}

// The entry a page-table step read or wrote, as the report prints it ("none", "pfn 100, ...").
inline std::string EntryAt(const Violation& v, int step) {
  return model::Entry::FormatTrace(v.trace.steps[static_cast<size_t>(step)].value);
}

// The kernel function a step is reported in.
inline std::string FunctionAt(const Violation& v, int step) {
  const char* f = v.trace.steps[static_cast<size_t>(step)].function;
  return f == nullptr ? "" : f;
}

// Whether `thread` loaded `object` and saw `entry` (FormatTrace) in `t`.
inline bool Saw(const Trace& t, absl::string_view thread, absl::string_view object,
                absl::string_view entry) {
  for (const Step& s : t.steps) {
    if (t.thread_names[s.thread] == thread && s.op == OpKind::kLoad && t.ObjectName(s) == object &&
        model::Entry::FormatTrace(s.value) == entry) {
      return true;
    }
  }
  return false;
}

}  // namespace mmcheck::testing

#endif  // MMCHECK_TESTS_SCENARIOS_SCENARIO_TESTING_H_
