// The deliberate-bug programs: each is found with its declared kind by dpor, dfs and random search,
// and its token replays to the same violation. The correct twins pass exhaustively.
#include "explorer/io/token.h"
#include "explorer/runtime/explorer.h"
#include "explorer/runtime/scenario.h"
#include "explorer/search/dfs_strategy.h"
#include "explorer/search/dpor_strategy.h"
#include "explorer/search/random_strategy.h"
#include "explorer/search/replay_strategy.h"
#include "gtest/gtest.h"

namespace mmcheck {
namespace {

ExploreResult ExploreInstance(const ScenarioInstance& s, Strategy& strategy,
                              uint64_t max_executions = 0) {
  ExploreOptions options;
  options.scenario = s.name;
  options.target = s.info->expect.finding();
  options.max_executions = max_executions;
  return Explore([&s] { s.Run(); }, strategy, options);
}

class DemoTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DemoTest, MeetsItsExpectationAndReplays) {
  absl::StatusOr<ScenarioInstance> s = FindScenario(GetParam());
  ASSERT_TRUE(s.ok());
  DporStrategy dpor;
  const ExploreResult r = ExploreInstance(*s, dpor);
  DfsStrategy dfs;
  const ExploreResult by_dfs = ExploreInstance(*s, dfs);
  const std::optional<ViolationKind>& kind = s->info->expect.kind();
  if (!kind) {
    for (const ExploreResult* x : {&r, &by_dfs}) {
      EXPECT_TRUE(x->complete);
      EXPECT_TRUE(x->violations.empty()) << x->violations[0].message;
      EXPECT_GT(x->executions, 0u);
    }
    EXPECT_LE(r.executions, by_dfs.executions);
    return;
  }
  ASSERT_NE(by_dfs.Find(*kind), nullptr) << GetParam();
  const Violation* v = r.Find(*kind);
  ASSERT_NE(v, nullptr) << GetParam();
  absl::StatusOr<ReplayToken> token = ParseToken(s->name, v->schedule);
  ASSERT_TRUE(token.ok());
  ReplayStrategy replay(*std::move(token));
  const ExploreResult again = ExploreInstance(*s, replay);
  ASSERT_TRUE(again.status.ok()) << again.status;
  const Violation* w = again.Find(*kind);
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->message, v->message);
  EXPECT_EQ(w->step, v->step);
  EXPECT_EQ(w->thread, v->thread);
  EXPECT_EQ(w->schedule, v->schedule);
  ASSERT_EQ(w->trace.steps.size(), v->trace.steps.size());
  for (size_t i = 0; i < w->trace.steps.size(); ++i) {
    EXPECT_EQ(w->trace.steps[i].thread, v->trace.steps[i].thread);
    EXPECT_EQ(w->trace.steps[i].op, v->trace.steps[i].op);
    EXPECT_EQ(w->trace.steps[i].value, v->trace.steps[i].value);
  }
  // Random search finds it too, and the same seed finds the same execution.
  RandomStrategy random1(7), random2(7);
  const ExploreResult ra = ExploreInstance(*s, random1, 2000);
  const ExploreResult rb = ExploreInstance(*s, random2, 2000);
  ASSERT_NE(ra.Find(*kind), nullptr) << GetParam();
  EXPECT_EQ(ra.Find(*kind)->schedule, rb.Find(*kind)->schedule);
}

INSTANTIATE_TEST_SUITE_P(Demo, DemoTest,
                         ::testing::Values("demo/counter", "demo/counter@lost-update",
                                           "demo/lock-order", "demo/lock-order@abba",
                                           "demo/lock-order@inversion",
                                           "demo/lock-order@across-executions", "demo/unlock",
                                           "demo/unlock@double-unlock", "demo/unlock@left-held",
                                           "demo/spin", "demo/spin@forever", "demo/publish",
                                           "demo/publish@no-wait", "demo/clear-pointer"
#ifndef MMCHECK_ASAN  // needs the crash guard, which ASan replaces
                                           ,
                                           "demo/clear-pointer@read-twice"
#endif
                                           ),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           for (char& c : name) {
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST(DemoTest, AbbaDeadlockNamesTheCycle) {
  absl::StatusOr<ScenarioInstance> s = FindScenario("demo/lock-order@abba");
  ASSERT_TRUE(s.ok());
  DfsStrategy dfs;
  const ExploreResult r = ExploreInstance(*s, dfs);
  const Violation* v = r.Find(ViolationKind::kDeadlock);
  ASSERT_NE(v, nullptr);
  EXPECT_NE(v->message.find("'ab' waits for B held by 'ba'"), std::string::npos) << v->message;
  EXPECT_NE(v->message.find("'ba' waits for A held by 'ab'"), std::string::npos) << v->message;
}

}  // namespace
}  // namespace mmcheck

namespace mmcheck {
namespace {

// A twin matches only the finding it declares: the same kind with another detail is listed, but
// the search goes on looking for the declared one, and reports none if it never comes.
TEST(FindingTest, ATwinMatchesOnlyItsDeclaredFinding) {
  absl::StatusOr<ScenarioInstance> s = FindScenario("fork/fork-vs-bar-zap@v6.12");
  ASSERT_TRUE(s.ok());
  ExploreOptions options;
  options.scenario = s->name;
  options.target = Finding{ViolationKind::kInvariant, "I-PT-7"};  // not what this twin shows
  DporStrategy dpor;
  const ExploreResult r = Explore([&] { s->Run(); }, dpor, options);
  EXPECT_TRUE(r.complete);  // it never stopped: nothing was the declared finding
  ASSERT_NE(r.Find(ViolationKind::kInvariant), nullptr);
  EXPECT_EQ(r.Find(*options.target), nullptr);
  EXPECT_TRUE(
      IsFinding(*r.Find(ViolationKind::kInvariant), Finding{ViolationKind::kInvariant, "I-PFN-1"}));
  EXPECT_FALSE(IsFinding(*r.Find(ViolationKind::kInvariant),
                         Finding{ViolationKind::kUseAfterFree, "I-PFN-1"}));
}

}  // namespace
}  // namespace mmcheck
