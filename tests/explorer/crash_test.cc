// Scenario threads that die (issue 21): a fatal signal, a stack overflow or a hang in one of the
// scenario's threads is a finding of its own kind with the trace up to it, the search of that
// scenario ends there, and the process goes on to explore the next one. So is a fault or a hang
// in scenario code outside the threads (the body, an invariant, an end-of-run check); a fault in
// mmcheck itself kills the process with one line naming the scenario.
#include <csignal>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "explorer/api.h"
#include "explorer/io/token.h"
#include "explorer/runtime/explorer.h"
#include "explorer/search/dfs_strategy.h"
#include "explorer/search/replay_strategy.h"
#include "gtest/gtest.h"

namespace mmcheck {
namespace {

volatile int zero = 0;
volatile bool forever = true;
volatile int sink = 0;
int* volatile null_pointer = nullptr;

// Recurses until its stack runs out (`zero` never changes; the compiler cannot know).
__attribute__((noinline)) int Recurse(int depth) {
  volatile char frame[512];
  frame[0] = static_cast<char>(depth);
  if (depth < 0 && zero != 0) return 0;
  return Recurse(depth + 1) + frame[0];
}

ExploreResult ExploreDfs(const std::function<void()>& body, double hang_limit_s = 10) {
  ExploreOptions options;
  options.scenario = "t";
  options.limits.hang_limit_s = hang_limit_s;
  DfsStrategy dfs;
  return Explore([&] { body(); }, dfs, options);
}

// Two threads, the second of which dies after its first visible step.
std::function<void()> DiesAfterAStore(std::function<void()> die) {
  return [die] {
    auto* x = Make<Atomic<int>>(0, "x");
    Spawn("other", [x] { x->store(2); });
    Spawn("dies", [x, die] {
      x->store(1);
      die();
      x->store(3);
    });
  };
}

struct Case {
  const char* what;
  std::function<void()> die;
  ViolationKind kind;
  const char* message;
  double hang_limit_s = 10;
};

TEST(CrashTest, AThreadThatDiesIsAFindingAndTheProcessGoesOn) {
#ifdef MMCHECK_ASAN
  GTEST_SKIP() << "AddressSanitizer handles these signals itself";
#endif
  const std::vector<Case> cases = {
      {"a null dereference", [] { *null_pointer = 1; }, ViolationKind::kCrash,
       "thread 'dies' died of SIGSEGV (a null pointer dereference, address 0x0)"},
      {"abort()", [] { std::abort(); }, ViolationKind::kCrash,
       "thread 'dies' died of SIGABRT (abort(), or a failed assert())"},
      {"a division by zero", [] { sink = (sink + 7) / zero; }, ViolationKind::kCrash,
       "thread 'dies' died of SIGFPE"},
      {"__builtin_trap()", [] { __builtin_trap(); }, ViolationKind::kCrash,
       "thread 'dies' died of SIGILL"},
      {"a recursion without end", [] { Recurse(1); }, ViolationKind::kStackOverflow,
       "thread 'dies' overflowed its 256 KiB stack"},
      {"a loop without visible operations",
       [] {
         while (forever) {
         }
       },
       ViolationKind::kLivelock,
       "thread 'dies' ran 0.3 s after its last visible operation without reaching another", 0.3},
  };
  for (const Case& c : cases) {
    const ExploreResult r = ExploreDfs(DiesAfterAStore(c.die), c.hang_limit_s);
    EXPECT_TRUE(r.status.ok()) << c.what;
    ASSERT_EQ(r.violations.size(), 1u) << c.what << " executions " << r.executions << " status "
                                       << r.status << " stop " << static_cast<int>(r.stop);
    const Violation& v = r.violations[0];
    EXPECT_EQ(v.kind, c.kind) << c.what;
    EXPECT_EQ(v.message.rfind(c.message, 0), 0u) << c.what << ": " << v.message;
    EXPECT_EQ(r.stop, StopReason::kViolation) << c.what;
    EXPECT_EQ(r.violating_executions, 1u) << c.what << ": the search ends at the first";
    // The trace goes up to the dying thread's last visible step, which is its store of 1.
    ASSERT_FALSE(v.trace.steps.empty()) << c.what;
    EXPECT_EQ(v.trace.thread_names[v.thread], "dies") << c.what;
    EXPECT_EQ(v.trace.steps.back().thread, v.thread) << c.what;
    // Its token replays to the same finding.
    absl::StatusOr<ReplayToken> token = ParseToken("t", v.schedule);
    ASSERT_TRUE(token.ok()) << c.what << ": " << v.schedule;
    ReplayStrategy replay(*token);
    ExploreOptions options;
    options.scenario = "t";
    options.limits.hang_limit_s = c.hang_limit_s;
    const std::function<void()> body = DiesAfterAStore(c.die);
    const ExploreResult again = Explore([&] { body(); }, replay, options);
    ASSERT_EQ(again.violations.size(), 1u) << c.what;
    EXPECT_EQ(again.violations[0].message, v.message) << c.what;
  }
  // The process lives on: a scenario explored after them gives its full count.
  const ExploreResult fine = ExploreDfs([] {
    auto* x = Make<Atomic<int>>(0, "x");
    for (int t = 0; t < 2; ++t) Spawn("inc", [x] { x->store(x->load() + 1); });
  });
  EXPECT_TRUE(fine.violations.empty());
  EXPECT_EQ(fine.executions, 6u);
}

// Scenario code outside the threads dies in each of its places: the body, an invariant (after
// the step that wrote 1), an end-of-run check.
TEST(CrashTest, ScenarioCodeOutsideTheThreadsThatDiesIsAFindingToo) {
#ifdef MMCHECK_ASAN
  GTEST_SKIP() << "AddressSanitizer handles these signals itself";
#endif
  struct Where {
    const char* what;
    std::function<void(std::function<void()>)> scenario;  // runs `die` in one place
    const char* who;
    size_t trace_steps;  // the steps before it died
  };
  const std::vector<Where> places = {
      {"the body",
       [](std::function<void()> die) {
         auto* x = Make<Atomic<int>>(0, "x");
         Spawn("t", [x] { x->store(1); });
         die();
       },
       "the scenario body", 0},
      {"an invariant",
       [](std::function<void()> die) {
         auto* x = Make<Atomic<int>>(0, "x");
         Spawn("t", [x] { x->store(1); });
         Invariant("dies at 1", {"x"}, [x, die] {
           if (x->load() == 1) die();
           return true;
         });
       },
       "invariant 'dies at 1'", 1},
      {"an end-of-run check",
       [](std::function<void()> die) {
         auto* x = Make<Atomic<int>>(0, "x");
         Spawn("t", [x] { x->store(1); });
         AtEnd([die] { die(); });
       },
       "an end-of-run check", 1},
  };
  const std::vector<Case> deaths = {
      {"a null dereference", [] { *null_pointer = 1; }, ViolationKind::kCrash,
       " died of SIGSEGV (a null pointer dereference, address 0x0)"},
      {"abort()", [] { std::abort(); }, ViolationKind::kCrash,
       " died of SIGABRT (abort(), or a failed assert())"},
      {"a loop without end",
       [] {
         while (forever) {
         }
       },
       ViolationKind::kLivelock, " ran 0.3 s without returning (a loop without end?)", 0.3},
  };
  for (const Where& place : places) {
    for (const Case& c : deaths) {
      const std::string what = absl::StrCat(c.what, " in ", place.what);
      const auto die = c.die;
      const auto scenario = place.scenario;
      const ExploreResult r = ExploreDfs([&] { scenario(die); }, c.hang_limit_s);
      EXPECT_TRUE(r.status.ok()) << what;
      ASSERT_EQ(r.violations.size(), 1u) << what;
      const Violation& v = r.violations[0];
      EXPECT_EQ(v.kind, c.kind) << what;
      EXPECT_EQ(v.message, absl::StrCat(place.who, c.message)) << what;
      EXPECT_EQ(r.stop, StopReason::kViolation) << what;
      EXPECT_EQ(v.trace.steps.size(), place.trace_steps) << what;
      // Its token replays to the same finding.
      absl::StatusOr<ReplayToken> token = ParseToken("t", v.schedule);
      ASSERT_TRUE(token.ok()) << what << ": " << v.schedule;
      ReplayStrategy replay(*token);
      ExploreOptions options;
      options.scenario = "t";
      options.limits.hang_limit_s = c.hang_limit_s;
      const ExploreResult again = Explore([&] { scenario(die); }, replay, options);
      ASSERT_EQ(again.violations.size(), 1u) << what;
      EXPECT_EQ(again.violations[0].message, v.message) << what;
    }
  }
  // The process lives on, and a scenario explored after them gives its full count.
  const ExploreResult fine = ExploreDfs([] {
    auto* x = Make<Atomic<int>>(0, "x");
    for (int t = 0; t < 2; ++t) Spawn("inc", [x] { x->store(x->load() + 1); });
  });
  EXPECT_TRUE(fine.violations.empty());
  EXPECT_EQ(fine.executions, 6u);
}

// A strategy that faults: mmcheck's own code, which is not survived.
class FaultingStrategy : public DfsStrategy {
 public:
  int NextThread(const SchedulePoint& point) override {
    *null_pointer = point.step;
    return DfsStrategy::NextThread(point);
  }
};

TEST(CrashTest, AFaultInMmcheckItselfKillsTheProcessWithOneLine) {
#ifdef MMCHECK_ASAN
  GTEST_SKIP() << "AddressSanitizer handles these signals itself";
#endif
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto run = [] {
    ExploreOptions options;
    options.scenario = "t";
    FaultingStrategy strategy;
    Explore(
        [] {
          auto* x = Make<Atomic<int>>(0, "x");
          Spawn("t", [x] { x->store(1); });
        },
        strategy, options);
  };
  EXPECT_EXIT(run(), ::testing::KilledBySignal(SIGSEGV),
              "^mmcheck: scenario t: SIGSEGV outside the scenario's threads \\(in its body, a "
              "check, or mmcheck itself\\); no report\n$");
}

}  // namespace
}  // namespace mmcheck
