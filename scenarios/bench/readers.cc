// Result: pass. readers(N): thread 0 stores 42 into x, threads 1..N each load x once.
// Traces: 2^N (shared/benchmarks/dpor-benchmarks.md); N+1 threads give (N+1)! interleavings under
// dfs. Threads: "writer", "reader-J".
#include "explorer/api.h"
#include "explorer/runtime/scenario.h"

namespace mmcheck {
namespace {

MMCHECK_FAMILY("bench/readers-N", Expect::Pass(),
               {.question = "Does the explorer find each of readers' 2^N traces once?",
                .all_params = {3, 8},
                .min_param = 1,
                .max_param = kMaxThreads - 1}) {
  const int n = param;
  auto* x = Make<Atomic<int>>(0, "x");
  Spawn("writer", [x] { x->store(42); });
  for (int j = 1; j <= n; ++j) {
    Spawn(absl::StrCat("reader-", j), [x] { x->load(); });
  }
}

}  // namespace
}  // namespace mmcheck
