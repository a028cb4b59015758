// Result: pass; demo/lock-order@abba: violation:deadlock.
// Question: can two threads that each take mutexes A and B deadlock?
// Threads: "ab" takes A then B; "ba" takes them in the same order, or, in the twin, B then A:
// "ab" holds A and waits for B while "ba" holds B and waits for A.
#include "explorer/api.h"
#include "explorer/scenario.h"

namespace mmcheck {
namespace {

void LockOrder(bool reversed) {
  auto* a = Make<Mutex>("A");
  auto* b = Make<Mutex>("B");
  Spawn("ab", [a, b] {
    a->lock();
    b->lock();
    b->unlock();
    a->unlock();
  });
  Spawn("ba", [a, b, reversed] {
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

MMCHECK_SCENARIO("demo/lock-order@abba", Expect::Violation(ViolationKind::kDeadlock),
                 {.question = "Do A-then-B and B-then-A deadlock (ABBA)?"}) {
  LockOrder(/*reversed=*/true);
}

}  // namespace
}  // namespace mmcheck
