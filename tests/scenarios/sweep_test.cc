// The sweep of issue 14 (d): for every scenario of the tree, every final state and every
// finding (kind, and invariant code) that bounded dfs reaches (2 preemptions, at most 20,000
// executions) dpor reaches too. A dependency rule that is too fine, or a check that reads state
// no step orders, shows up as a state or finding dfs has and dpor lacks. The whole tree is
// `long`; a CI subset runs the small scenarios.
#include <set>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "explorer/search/dfs_strategy.h"
#include "explorer/search/dpor_strategy.h"
#include "gtest/gtest.h"
#include "tests/scenarios/scenario_testing.h"

namespace mmcheck {
namespace {

// A finding's identity for the comparison: its kind, and the invariant code its message opens
// with, if any.
std::string FindingOf(const Violation& v) {
  if (v.message.rfind("I-", 0) != 0) return std::string(KindName(v.kind));
  return absl::StrCat(KindName(v.kind), ":", v.message.substr(0, v.message.find(':')));
}

struct Reached {
  std::set<std::string> states;
  std::set<std::string> findings;
  bool complete = false;
};

Reached Explore(const ScenarioInstance& s, Strategy& strategy, uint64_t max_executions) {
  Reached r;
  ExploreOptions options;
  options.scenario = s.name;
  options.find_all = true;
  options.minimize = false;
  options.max_executions = max_executions;
  // Every execution's violation, not only the first of each kind.
  const ExploreResult result = mmcheck::Explore(
      [&] {
        s.Run();
        AtEnd([&] { r.states.insert(testing::FinalState(CurrentExecution())); });
      },
      strategy, options);
  for (const Violation& v : result.violations) r.findings.insert(FindingOf(v));
  r.complete = result.complete;
  return r;
}

// Misses found and not fixed yet, each with what it is: listed, not hidden. (The last one,
// swap/device-private-vs-munmap@v6.4-arch's use-after-free, was a misused up_read taken for a
// wake_up by the race rules; fixed, issue 14.)
const std::set<std::pair<std::string, std::string>> kKnownOpen = {};

void Sweep(const std::string& name, uint64_t dpor_limit) {
  absl::StatusOr<ScenarioInstance> s = FindScenario(name);
#ifdef MMCHECK_ASAN
  // The crash demos need the crash guard, which an ASan build does not have (FindScenario).
  if (!s.ok() && absl::StrContains(s.status().message(), "needs the crash guard")) return;
#endif
  ASSERT_TRUE(s.ok()) << s.status();
  DfsStrategy dfs(2);
  const Reached by_dfs = Explore(*s, dfs, 20000);
  DporStrategy dpor;
  const Reached by_dpor = Explore(*s, dpor, dpor_limit);
  if (!by_dpor.complete) return;  // only a complete dpor search must contain what dfs reached
  for (const std::string& state : by_dfs.states) {
    EXPECT_TRUE(by_dpor.states.count(state)) << name << ": dpor misses a final state: " << state;
  }
  for (const std::string& f : by_dfs.findings) {
    if (kKnownOpen.count({name, f}) != 0) {
      // Listed below: it must still be missed, so that a fix is noticed and the entry removed.
      EXPECT_FALSE(by_dpor.findings.count(f)) << name << ": " << f << " is found now";
      continue;
    }
    EXPECT_TRUE(by_dpor.findings.count(f)) << name << ": dpor misses a finding: " << f;
  }
}

std::vector<std::string> ScenarioNames(bool small_only) {
  std::vector<std::string> names;
  for (const ScenarioInfo* info : AllScenarios()) {
    if (info->family) continue;  // bench families: the counting tests cover them
    if (small_only && (info->name.rfind("uffd/fault-vs-munmap", 0) == 0 ||
                       info->name.rfind("uffd/two-faults", 0) == 0 ||
                       info->name.rfind("gup/", 0) == 0 ||
                       info->name.rfind("swap/migration-wait", 0) == 0)) {
      continue;
    }
    names.push_back(info->name);
  }
  return names;
}

// CI: every scenario but the largest, dpor bounded at 200,000 executions.
TEST(SweepTest, DporReachesWhatBoundedDfsReachesOnTheSmallScenarios) {
  const std::vector<std::string> names = ScenarioNames(/*small_only=*/true);
  EXPECT_GT(names.size(), 60u);
  for (const std::string& name : names) Sweep(name, 200000);
}

// Long: every scenario, dpor unbounded.
TEST(SweepTest, LongDporReachesWhatBoundedDfsReachesOnEveryScenario) {
  for (const std::string& name : ScenarioNames(/*small_only=*/false)) Sweep(name, 0);
}

}  // namespace
}  // namespace mmcheck
