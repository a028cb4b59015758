// Scenario registry: named scenarios with their expectation, registered by static objects.
//
// A scenario is a body (the code that sets up objects and spawns threads, run once per
// execution) plus an expectation: pass, or violation:<kind> for a buggy twin. A family is a
// scenario parameterized by an integer written in its name: "bench/lastzero-N" answers to
// "bench/lastzero-15" with param 15, and `--all` runs it at the sizes in `all_params`.
//
//   MMCHECK_SCENARIO("demo/counter", Expect::Pass(), {.question = "..."}) { ...body... }
//   MMCHECK_FAMILY("bench/readers-N", Expect::Pass(), {.question = "...", .all_params = {2, 3},
//                  .min_param = 1, .max_param = 63}) { int n = param; ... }
#ifndef MMCHECK_EXPLORER_RUNTIME_SCENARIO_H_
#define MMCHECK_EXPLORER_RUNTIME_SCENARIO_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "explorer/runtime/violation.h"

namespace mmcheck {

// A scenario's expectation: pass, or a buggy twin's finding (see Finding in violation.h): the
// twin matches when a violation that is this finding is found; violations of other findings
// met on the way are listed beside it, and a twin that finds only those does not match.
class Expect {
 public:
  static Expect Pass() { return Expect(std::nullopt); }
  // `detail` names the finding within its kind: an invariant's code ("I-PT-7"), or words of the
  // message ("VMA", "fault_pending_wqh").
  static Expect Violation(ViolationKind kind, std::string detail) {
    return Expect(Finding{kind, std::move(detail)});
  }

  std::optional<ViolationKind> kind() const {
    return finding_ ? std::optional<ViolationKind>(finding_->kind) : std::nullopt;
  }
  const std::optional<Finding>& finding() const { return finding_; }
  bool is_pass() const { return !finding_; }
  // "pass" or "violation:<kind>".
  std::string ToString() const;
  // "" for pass, else the finding: "invariant:I-PT-7".
  std::string FindingString() const { return finding_ ? finding_->ToString() : ""; }

 private:
  explicit Expect(std::optional<Finding> finding) : finding_(std::move(finding)) {}
  std::optional<Finding> finding_;
};

struct ScenarioMeta {
  const char* question = "";         // one sentence
  const char* spec = "";             // kernel-model.md id ("S12") or ""
  const char* protocol = "";         // "v6.6", "v6.4", "v2", or "" where it does not apply
  std::vector<int> all_params = {};  // families: the sizes `--all` runs
  int min_param = 1;
  int max_param = 1000;
};

using ScenarioBody = void (*)(int param);

struct ScenarioInfo {
  std::string name;  // families end in "-N"
  Expect expect;
  ScenarioMeta meta;
  ScenarioBody body;
  bool family;
  std::string arch = "";  // ArchOfName(name), set by RegisterScenario
};

// The machine a scenario's model follows, as its name declares it (docs/scenarios.md): "+arm64"
// or "+x86-guest" after the base name ("gup/gup-fast-vs-munmap+arm64@table-free-without-rcu"),
// and "x86" (bare metal) for a name without one. "" for an unknown "+..." part.
std::string ArchOfName(absl::string_view name);

// One runnable scenario: a plain one, or a family at one size.
struct ScenarioInstance {
  std::string name;
  const ScenarioInfo* info;
  int param;
  // Runs the body with RunningScenario() = info.
  void Run() const;
};

// The scenario whose body is running (during an execution's setup), or nullptr when the body is
// not a registered scenario's (a test's own). The model reads its arch from it.
const ScenarioInfo* RunningScenario();

bool RegisterScenario(ScenarioInfo info);

// Every registered scenario and family, sorted by name.
const std::vector<const ScenarioInfo*>& AllScenarios();

// A plain scenario or a family instance by exact name. NotFound (one line, naming the closest
// name if one is a likely typo) otherwise.
absl::StatusOr<ScenarioInstance> FindScenario(absl::string_view name);

// Instances whose names match the shell-style glob (families at their all_params sizes). An
// exact instance name (bench/lastzero-7) is accepted too. Empty result: NotFound.
absl::StatusOr<std::vector<ScenarioInstance>> MatchScenarios(absl::string_view pattern);

// Every plain scenario and every family at its all_params sizes, sorted by name.
std::vector<ScenarioInstance> AllInstances();
// Their names.
const std::vector<std::string>& InstanceNames();

}  // namespace mmcheck

#define MMCHECK_SCENARIO_CONCAT_(a, b) a##b
#define MMCHECK_SCENARIO_CONCAT(a, b) MMCHECK_SCENARIO_CONCAT_(a, b)
#define MMCHECK_SCENARIO_DEFINE_(name, expect, family, ...)                                   \
  static void MMCHECK_SCENARIO_CONCAT(MmcheckScenarioBody, __LINE__)(int param);              \
  [[maybe_unused]] static const bool MMCHECK_SCENARIO_CONCAT(mmcheck_registered_, __LINE__) = \
      ::mmcheck::RegisterScenario(::mmcheck::ScenarioInfo{                                    \
          name, expect, ::mmcheck::ScenarioMeta __VA_ARGS__,                                  \
          &MMCHECK_SCENARIO_CONCAT(MmcheckScenarioBody, __LINE__), family});                  \
  static void MMCHECK_SCENARIO_CONCAT(MmcheckScenarioBody, __LINE__)([[maybe_unused]] int param)

#define MMCHECK_SCENARIO(name, expect, ...) \
  MMCHECK_SCENARIO_DEFINE_(name, expect, false, __VA_ARGS__)
#define MMCHECK_FAMILY(name, expect, ...) MMCHECK_SCENARIO_DEFINE_(name, expect, true, __VA_ARGS__)

#endif  // MMCHECK_EXPLORER_RUNTIME_SCENARIO_H_
