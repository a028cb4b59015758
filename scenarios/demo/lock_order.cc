// Result: pass; demo/lock-order@abba: violation:deadlock; demo/lock-order@inversion and
// @across-executions: violation:lock-order.
// Question: can two threads that each take mutexes A and B deadlock?
// Threads: "ab" takes A then B; "ba" takes them in the same order, or, in the twin, B then A:
// "ab" holds A and waits for B while "ba" holds B and waits for A. In @inversion "ba" starts only
// after "ab" is done, so no execution deadlocks, but the order graph has the cycle A -> B -> A:
// lockdep's report.
#include "explorer/api.h"
#include "explorer/runtime/scenario.h"

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

// One thread takes A then B, or B then A, on what it reads: no execution has both orders, so the
// cycle's second edge is found in a later execution than its first, and the replay token carries
// the execution that added the first (a v2 token, explorer/io/token.h).
MMCHECK_SCENARIO("demo/lock-order@across-executions",
                 Expect::Violation(ViolationKind::kLockOrder, "lock order cycle"),
                 {.question = "Is an order inversion caught when each execution takes one order?"}) {
  auto* a = Make<Mutex>("A");
  auto* b = Make<Mutex>("B");
  auto* x = Make<Atomic<int>>(0, "x");
  Spawn("t", [a, b, x] {
    Mutex* first = x->load() == 0 ? a : b;
    Mutex* second = first == a ? b : a;
    first->lock();
    second->lock();
    second->unlock();
    first->unlock();
  });
  Spawn("w", [x] { x->store(1); });
}

}  // namespace
}  // namespace mmcheck
