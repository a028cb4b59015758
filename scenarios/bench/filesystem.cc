// Result: pass. filesystem(N): N threads allocate a block for their inode under per-inode and
// per-block mutexes (Flanagan-Godefroid POPL'05). Traces: 1 for N <= 13, 2^(N-13) from N = 14
// (shared/benchmarks/dpor-benchmarks.md). Threads: "alloc-T".
#include <vector>

#include "explorer/api.h"
#include "explorer/runtime/scenario.h"

namespace mmcheck {
namespace {

constexpr int kNumBlocks = 26;
constexpr int kNumInodes = 32;

struct FileSystem {
  FileSystem() {
    inode.reserve(kNumInodes);
    locki.reserve(kNumInodes);
    busy.reserve(kNumBlocks);
    lockb.reserve(kNumBlocks);
    for (int i = 0; i < kNumInodes; ++i) {
      inode.emplace_back(0, "inode", i);
      locki.emplace_back("locki", i);
    }
    for (int b = 0; b < kNumBlocks; ++b) {
      busy.emplace_back(0, "busy", b);
      lockb.emplace_back("lockb", b);
    }
  }
  std::vector<Atomic<int>> inode, busy;
  std::vector<Mutex> locki, lockb;
};

MMCHECK_FAMILY("bench/filesystem-N", Expect::Pass(),
               {.question = "Does the explorer find filesystem's 2^(N-13) traces of lock order?",
                .all_params = {14, 16},
                .min_param = 1,
                .max_param = kMaxThreads}) {
  const int n = param;
  auto* fs = Make<FileSystem>();
  for (int tid = 0; tid < n; ++tid) {
    Spawn(absl::StrCat("alloc-", tid), [fs, tid] {
      const int i = tid % kNumInodes;
      fs->locki[i].lock();
      if (fs->inode[i].load() == 0) {
        int b = (i * 2) % kNumBlocks;
        for (int tries = 0; tries < 10; ++tries) {
          fs->lockb[b].lock();
          if (fs->busy[b].load() == 0) {
            fs->busy[b].store(1);
            fs->inode[i].store(b + 1);
            fs->lockb[b].unlock();
            break;
          }
          fs->lockb[b].unlock();
          b = (b + 1) % kNumBlocks;
        }
      }
      fs->locki[i].unlock();
    });
  }
}

}  // namespace
}  // namespace mmcheck
