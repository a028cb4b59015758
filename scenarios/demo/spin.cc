// Result: pass; demo/spin@forever: violation:livelock.
// Question: does a thread spinning on a flag finish once another thread sets it?
// Threads: "waiter" spins (load, Yield) until flag is 1; "setter" stores 1 to flag. In the twin
// the setter writes the wrong variable, and the waiter spins past the step bound.
#include "explorer/api.h"
#include "explorer/runtime/scenario.h"

namespace mmcheck {
namespace {

void Spin(bool sets_flag) {
  auto* flag = Make<Atomic<int>>(0, "flag");
  auto* other = Make<Atomic<int>>(0, "other");
  Spawn("waiter", [flag] {
    while (flag->load() == 0) Yield();
  });
  Spawn("setter", [flag, other, sets_flag] { (sets_flag ? flag : other)->store(1); });
}

MMCHECK_SCENARIO("demo/spin", Expect::Pass(),
                 {.question = "Does a waiter spinning on a flag finish once the flag is set?"}) {
  Spin(/*sets_flag=*/true);
}

MMCHECK_SCENARIO("demo/spin@forever",
                 Expect::Violation(ViolationKind::kLivelock, "'waiter' spins forever"),
                 {.question = "Is a spin on a flag that nobody sets reported as a livelock?"}) {
  Spin(/*sets_flag=*/false);
}

}  // namespace
}  // namespace mmcheck
