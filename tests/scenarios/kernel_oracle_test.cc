// The oracle behind the pinned execution counts of the kernel scenarios: exhaustive dfs is out of
// reach (60 to 80 steps, up to 5 threads), so every final state that dfs reaches within a
// preemption bound must also be reached by dpor (a dependency rule that is too fine would make
// dpor skip an interleaving and lose a state), and dfs within the bound must reach the same
// verdict as dpor for every twin whose counterexample fits the bound.
#include <set>
#include <string>

#include "explorer/search/dfs_strategy.h"
#include "explorer/search/dpor_strategy.h"
#include "gtest/gtest.h"
#include "tests/scenarios/scenario_testing.h"

namespace mmcheck {
namespace {

using testing::ExploreScenario;
using testing::FinalStates;

struct Case {
  const char* name;
  int bound;  // preemptions for dfs
};

class KernelOracleTest : public ::testing::TestWithParam<Case> {};

TEST_P(KernelOracleTest, DporReachesEveryFinalStateOfBoundedDfs) {
  DporStrategy dpor;
  DfsStrategy dfs(GetParam().bound);
  const std::set<std::string> by_dpor = FinalStates(GetParam().name, dpor);
  const std::set<std::string> by_dfs = FinalStates(GetParam().name, dfs);
  ASSERT_FALSE(by_dfs.empty());
  for (const std::string& state : by_dfs) {
    EXPECT_TRUE(by_dpor.count(state)) << "dpor misses a final state dfs reaches: " << state;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Scenarios, KernelOracleTest,
    ::testing::Values(Case{"vma/fault-vs-munmap", 2}, Case{"vma/fault-vs-mprotect", 3},
                      Case{"vma/anon-prepare-vs-mprotect", 3},
                      Case{"vma/anon-prepare-vs-mprotect~v2", 3}, Case{"cow/wp-copy-vs-zap", 2},
                      Case{"swap/fault-vs-munmap", 2}, Case{"swap/retry-nowait-vs-munmap", 2},
                      Case{"swap/migration-wait-vs-munmap", 1}, Case{"uffd/fault-vs-copy", 3},
                      Case{"uffd/copy-vs-copy", 3}, Case{"hugetlb/anon-prepare-vs-munmap", 3},
                      Case{"swap/readahead-vs-munmap", 2}, Case{"swap/device-private-vs-munmap", 2},
                      Case{"uffd/two-faults-vs-copy", 1}, Case{"uffd/fault-vs-read-copy", 3},
                      Case{"fork/huge-fault-vs-fork", 3}, Case{"fork/fork-vs-bar-zap", 3},
                      Case{"fork/fork-vs-bar-zap-pud", 3}, Case{"fork/pud-write-after-fork", 3},
                      Case{"vfio/pte-fault-vs-pmd-fault", 3},
                      Case{"vfio/follow-pfnmap-vs-bar-zap", 3},
                      Case{"vfio/gup-fast-vs-bar-zap", 3}, Case{"vfio/munmap-vs-bar-zap", 3},
                      Case{"swap/reclaim-vs-swapin", 3}, Case{"fork/fork-vs-write", 3},
                      Case{"fork/fork-vs-anon-fault", 2},
                      Case{"gup/gup-fast-vs-thp-munmap", 2}, Case{"gup/gup-fast-vs-munmap", 2},
                      Case{"gup/gup-fast-vs-thp-munmap+arm64", 2},
                      Case{"gup/gup-fast-vs-thp-munmap+x86-guest", 2},
                      Case{"gup/gup-fast-vs-thp-munmap~rcu-walk+arm64", 2},
                      Case{"gup/gup-fast-vs-munmap+arm64", 1},
                      Case{"filemap/fault-around-vs-truncate", 3},
                      Case{"filemap/fault-around-vs-truncate~no-isize-check", 3},
                      Case{"filemap/fault-around-young-old+arm64", 2},
                      Case{"filemap/fault-around-young-old~large-folio+arm64", 3},
                      Case{"mempolicy/mbind-vs-fault", 3}, Case{"mempolicy/mbind-vs-fault~no-move", 3}),
    [](const ::testing::TestParamInfo<Case>& param) {
      std::string name = param.param.name;
      for (char& c : name) {
        if (!isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

TEST(KernelOracleTest, BoundedDfsAgreesWithDporOnEveryTwin) {
  for (const char* name : {"vma/fault-vs-munmap@no-detached-check",
                           "vma/fault-vs-munmap@free-without-rcu",
                           "vma/fault-vs-munmap@end-read-without-rcu",
                           "vma/fault-vs-mprotect@no-vma-write-lock",
                           "vma/anon-prepare-vs-mprotect@blocking-mmap-lock",
                           "vma/anon-prepare-vs-mprotect@v6.4-arch",
                           "vma/anon-prepare-vs-mprotect~v2@no-unlocked-flag",
                           "cow/wp-copy-vs-zap@unpinned-copy",
                           "swap/fault-vs-munmap@v6.4-arch",
                           "swap/fault-vs-munmap@vma-after-retry",
                           "swap/fault-vs-munmap~v2@no-unlocked-flag",
                           "swap/retry-nowait-vs-munmap@allowed",
                           "swap/migration-wait-vs-munmap@migrator-needs-mmap-lock",
                           "swap/migration-wait-vs-munmap~v2@seed-4of6",
                           "swap/migration-wait-vs-munmap~v2@vma-after-unlock",
                           "uffd/fault-vs-copy@must-wait-first",
                           "uffd/fault-vs-munmap@sleeps-with-vma-lock",
                           "uffd/fault-vs-copy~v2@no-unlocked-flag",
                           "uffd/fault-vs-munmap~v2@no-unlocked-flag",
                           "uffd/copy-vs-copy@no-pte-none-check",
                           "hugetlb/anon-prepare-vs-munmap@pre-fix",
                           "swap/readahead-vs-munmap@v6.4-arch",
                           "swap/device-private-vs-munmap@v6.4-arch",
                           "swap/device-private-vs-munmap@migrate-under-vma-lock",
                           "uffd/two-faults-vs-copy@must-wait-first",
                           "uffd/fault-vs-read-copy@wake-skips-fault-wqh",
                           "fork/huge-fault-vs-fork@v6.12-unaligned-pfn",
                           "fork/huge-fault-vs-fork@private-no-bug-on",
                           "fork/fork-vs-bar-zap@v6.12",
                           "fork/fork-vs-bar-zap-pud@read-before-lock",
                           "fork/pud-write-after-fork@pre-003",
                           "fork/pud-write-after-fork@pre-003-aligned-fault",
                           "filemap/fault-around-vs-truncate@map-pages-folio-lock",
                           "filemap/fault-around-vs-truncate~no-isize-check@no-later-unmap",
                           "filemap/fault-around-young-old+arm64@in-range-polarity",
                           "filemap/fault-around-young-old~large-folio+arm64@batch-start-prefault",
                           "mempolicy/mbind-vs-fault@rdlock-walk",
                           "mempolicy/mbind-vs-fault~no-move@skipped-vma-unlocked",
                           "fork/pud-write-after-fork@pre-003-unaligned-fault",
                           "vfio/pte-fault-vs-pmd-fault@v6.13",
                           "vfio/follow-pfnmap-vs-bar-zap@v6.12",
                           "vfio/gup-fast-vs-bar-zap@pre-003-05",
                           "vfio/munmap-vs-bar-zap@no-unlink",
                           "swap/reclaim-vs-swapin@unconditional-ref",
                           "fork/fork-vs-write@plain-wrprotect",
                           "fork/fork-vs-anon-fault@v6.4",
                           "gup/gup-fast-vs-thp-munmap+arm64@no-recheck",
                           "gup/gup-fast-vs-munmap+arm64@no-recheck",
                           "gup/gup-fast-vs-thp-munmap+arm64@table-free-without-rcu",
                           "gup/gup-fast-vs-thp-munmap~rcu-walk+arm64@table-free-without-rcu",
                           "gup/gup-fast-vs-thp-munmap+x86-guest@native-table-free",
                           "gup/gup-fast-vs-thp-munmap@rcu-walk",
                           "gup/gup-fast-vs-munmap@rcu-walk",
                           "swap/migration-wait-vs-munmap@no-anon-unlink"}) {
    absl::StatusOr<ScenarioInstance> s = FindScenario(name);
    ASSERT_TRUE(s.ok()) << name;
    const ViolationKind kind = *s->info->expect.kind();
    DporStrategy dpor;
    DfsStrategy dfs(2);
    EXPECT_NE(ExploreScenario(name, dpor).Find(kind), nullptr) << name;
    EXPECT_NE(ExploreScenario(name, dfs).Find(kind), nullptr) << name;
  }
}

}  // namespace
}  // namespace mmcheck
