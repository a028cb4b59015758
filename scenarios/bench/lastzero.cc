// Result: pass. lastzero(N) from the DPOR literature (Abdulla et al. JACM'17): thread 0 scans
// a[N..0] for the last zero while threads 1..N each store a[j-1] + 1 into a[j].
// Traces: (N+3) * 2^(N-2) (shared/benchmarks/dpor-benchmarks.md). Threads: "lastzero", "writer-J".
#include <vector>

#include "explorer/api.h"
#include "explorer/runtime/scenario.h"

namespace mmcheck {
namespace {

MMCHECK_FAMILY("bench/lastzero-N", Expect::Pass(),
               {.question = "Does the explorer find each of lastzero's (N+3)*2^(N-2) traces once?",
                .all_params = {3, 5},
                .min_param = 1,
                .max_param = kMaxThreads - 1}) {
  const int n = param;
  auto* a = Make<std::vector<Atomic<int>>>();
  a->reserve(n + 1);
  for (int i = 0; i <= n; ++i) a->emplace_back(0, "a", i);
  Spawn("lastzero", [a, n] {
    for (int i = n; (*a)[i].load() != 0; --i) {
    }
  });
  for (int j = 1; j <= n; ++j) {
    Spawn(absl::StrCat("writer-", j), [a, j] { (*a)[j].store((*a)[j - 1].load() + 1); });
  }
}

}  // namespace
}  // namespace mmcheck
