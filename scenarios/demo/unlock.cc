// Result: pass; demo/unlock@double-unlock and demo/unlock@left-held: violation:lock-misuse.
// Question: does every lock have exactly one unlock by its owner?
// Threads: "worker" locks m around a store to x; "reader" loads x under m. The twins release m
// twice in "worker", or return from "worker" with m still held.
#include "explorer/api.h"
#include "explorer/runtime/scenario.h"

namespace mmcheck {
namespace {

enum class Bug { kNone, kDoubleUnlock, kLeftHeld };

void Unlock(Bug bug) {
  auto* m = Make<Mutex>("m");
  auto* x = Make<Atomic<int>>(0, "x");
  Spawn("worker", [m, x, bug] {
    m->lock();
    x->store(1);
    if (bug == Bug::kLeftHeld) return;
    m->unlock();
    if (bug == Bug::kDoubleUnlock) m->unlock();
  });
  Spawn("reader", [m, x] {
    if (m->try_lock()) {
      x->load();
      m->unlock();
    }
  });
}

MMCHECK_SCENARIO("demo/unlock", Expect::Pass(),
                 {.question = "Is every lock of m released once, by its owner?"}) {
  Unlock(Bug::kNone);
}

MMCHECK_SCENARIO("demo/unlock@double-unlock",
                 Expect::Violation(ViolationKind::kLockMisuse, "double unlock"),
                 {.question = "Is a second unlock of m caught?"}) {
  Unlock(Bug::kDoubleUnlock);
}

MMCHECK_SCENARIO("demo/unlock@left-held",
                 Expect::Violation(ViolationKind::kLockMisuse, "exits holding m"),
                 {.question = "Is a thread that returns holding m caught?"}) {
  Unlock(Bug::kLeftHeld);
}

}  // namespace
}  // namespace mmcheck
