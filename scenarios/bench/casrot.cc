// Result: pass. casrot(N): thread i (1..N) does compare_exchange(x, i-1, i) once; a cas that
// fails is a read. Traces: 2, 5, 14, 43, 144, ... (shared/benchmarks/dpor-benchmarks.md).
// Threads: "cas-I".
#include "explorer/api.h"
#include "explorer/runtime/scenario.h"

namespace mmcheck {
namespace {

MMCHECK_FAMILY("bench/casrot-N", Expect::Pass(),
               {.question = "Does the explorer count casrot's traces, failed cas being a read?",
                .all_params = {4, 6},
                .min_param = 1,
                .max_param = kMaxThreads}) {
  const int n = param;
  auto* x = Make<Atomic<int>>(0, "x");
  for (int i = 1; i <= n; ++i) {
    Spawn(absl::StrCat("cas-", i), [x, i] {
      int expected = i - 1;
      x->compare_exchange(expected, i);
    });
  }
}

}  // namespace
}  // namespace mmcheck
