// Scenario threads that die (issue 21): a fatal signal, a stack overflow or a hang in one of the
// scenario's threads is a finding of its own kind with the trace up to it, the search of that
// scenario ends there, and the process goes on to explore the next one. A fault outside the
// threads kills the process with one line naming the scenario.
#include <csignal>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

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

TEST(CrashTest, AFaultOutsideTheThreadsKillsTheProcessWithOneLine) {
#ifdef MMCHECK_ASAN
  GTEST_SKIP() << "AddressSanitizer handles these signals itself";
#endif
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(ExploreDfs([] { *null_pointer = 1; }), ::testing::KilledBySignal(SIGSEGV),
              "^mmcheck: scenario t: SIGSEGV outside the scenario's threads \\(in its body, a "
              "check, or mmcheck itself\\); no report\n$");
}

}  // namespace
}  // namespace mmcheck
