// Result: pass. lockinc(N): N threads each lock m, increment x, unlock m. Traces: N! (the order
// in which the critical sections run). Threads: "inc-T".
#include "explorer/api.h"
#include "explorer/runtime/scenario.h"

namespace mmcheck {
namespace {

MMCHECK_FAMILY("bench/lockinc-N", Expect::Pass(),
               {.question = "Does the explorer find the N! orders of N locked increments?",
                .all_params = {3, 4},
                .min_param = 1,
                .max_param = kMaxThreads}) {
  const int n = param;
  auto* m = Make<Mutex>("m");
  auto* x = Make<Atomic<int>>(0, "x");
  for (int t = 0; t < n; ++t) {
    Spawn(absl::StrCat("inc-", t), [m, x] {
      m->lock();
      x->store(x->load() + 1);
      m->unlock();
    });
  }
  AtEnd([x, n] { MMCHECK_ASSERT(x->load() == n); });
}

}  // namespace
}  // namespace mmcheck
