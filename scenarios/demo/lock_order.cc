// Result: pass; demo/lock-order@abba: violation:deadlock; demo/lock-order@inversion:
// violation:lock-order.
// Question: can two threads that each take mutexes A and B deadlock?
// Threads: "ab" takes A then B; "ba" takes them in the same order, or, in the twin, B then A:
// "ab" holds A and waits for B while "ba" holds B and waits for A. In @inversion "ba" starts only
// after "ab" is done, so no execution deadlocks, but the order graph has the cycle A -> B -> A:
// lockdep's report.
#include "explorer/api.h"
#include "explorer/scenario.h"

namespace mmcheck {
namespace {

void LockOrder(bool reversed, bool one_after_the_other = false) {
  auto* a = Make<Mutex>("A");
  auto* b = Make<Mutex>("B");
  auto* done = Make<Atomic<int>>(0, "done");
  Spawn("ab", [a, b, done] {
    a->lock();
    b->lock();
    b->unlock();
    a->unlock();
    done->store(1);
  });
  Spawn("ba", [a, b, done, reversed, one_after_the_other] {
    if (one_after_the_other) {
      while (done->load() == 0) Yield();
    }
    Mutex* first = reversed ? b : a;
    Mutex* second = reversed ? a : b;
    first->lock();
    second->lock();
    second->unlock();
    first->unlock();
  });
}

MMCHECK_SCENARIO("demo/lock-order", Expect::Pass(),
                 {.question = "Do two threads taking A then B always finish?"}) {
  LockOrder(/*reversed=*/false);
}

MMCHECK_SCENARIO("demo/lock-order@abba",
                 Expect::Violation(ViolationKind::kDeadlock, "'ab' waits for B"),
                 {.question = "Do A-then-B and B-then-A deadlock (ABBA)?"}) {
  LockOrder(/*reversed=*/true);
}

MMCHECK_SCENARIO("demo/lock-order@inversion",
                 Expect::Violation(ViolationKind::kLockOrder, "lock order cycle"),
                 {.question = "Is an A/B order inversion caught even when it cannot deadlock?"}) {
  LockOrder(/*reversed=*/true, /*one_after_the_other=*/true);
}

}  // namespace
}  // namespace mmcheck
