// Result: pass; demo/counter@lost-update: violation:assertion.
// Question: do two increments of a shared counter both land?
// Threads: "inc-0", "inc-1", each load-then-store x (under m in the correct version).
// The twin drops the mutex: both threads load 0, both store 1, and the end check x == 2 fails.
#include "explorer/api.h"
#include "explorer/runtime/scenario.h"

namespace mmcheck {
namespace {

void Counter(bool locked) {
  auto* m = Make<Mutex>("m");
  auto* x = Make<Atomic<int>>(0, "x");
  for (int t = 0; t < 2; ++t) {
    Spawn(absl::StrCat("inc-", t), [m, x, locked] {
      if (locked) m->lock();
      const int seen = x->load();
      x->store(seen + 1);
      if (locked) m->unlock();
    });
  }
  AtEnd([x] { MMCHECK_ASSERT_MSG(x->load() == 2, "x is ", x->load(), ", an update was lost"); });
}

MMCHECK_SCENARIO("demo/counter", Expect::Pass(),
                 {.question = "Do two increments of a counter under a mutex both land?"}) {
  Counter(/*locked=*/true);
}

MMCHECK_SCENARIO("demo/counter@lost-update",
                 Expect::Violation(ViolationKind::kAssertion, "an update was lost"),
                 {.question = "Without the mutex, is an increment lost?"}) {
  Counter(/*locked=*/false);
}

}  // namespace
}  // namespace mmcheck
