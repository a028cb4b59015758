// Result: pass. indexer(N): N threads insert 4 values each into a 128-slot open-addressing hash
// table with compare_exchange (Flanagan-Godefroid POPL'05). Traces: 1 for N <= 11, 8^(N-11) from
// N = 12 (shared/benchmarks/dpor-benchmarks.md). Threads: "insert-T".
#include <vector>

#include "explorer/api.h"
#include "explorer/runtime/scenario.h"

namespace mmcheck {
namespace {

constexpr int kSize = 128;

MMCHECK_FAMILY("bench/indexer-N", Expect::Pass(),
               {.question = "Does the explorer find indexer's 8^(N-11) traces of hash collisions?",
                .all_params = {12, 13},
                .min_param = 1,
                // 4 values per thread into kSize slots: with more threads the table fills up
                // and the last inserts probe forever (the run could never finish).
                .max_param = kSize / 4}) {
  const int n = param;
  auto* table = Make<std::vector<Atomic<int>>>();
  table->reserve(kSize);
  for (int i = 0; i < kSize; ++i) table->emplace_back(0, "table", i);
  for (int tid = 0; tid < n; ++tid) {
    Spawn(absl::StrCat("insert-", tid), [table, tid] {
      for (int m = 1; m <= 4; ++m) {
        const int w = m * 11 + tid;
        int h = (w * 7) % kSize;
        while (true) {
          int expected = 0;
          if ((*table)[h].compare_exchange(expected, w)) break;
          h = (h + 1) % kSize;
        }
      }
    });
  }
}

}  // namespace
}  // namespace mmcheck
