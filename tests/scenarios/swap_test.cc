// S1 and S18 (kernel-model.md): swap faults under the per-VMA lock against munmap. The correct
// scenarios pass exhaustively under the merged protocol and under seed 002 v2; each twin fails
// with its kind for the reason it names.
#include <regex>

#include "explorer/search/dfs_strategy.h"
#include "explorer/search/dpor_strategy.h"
#include "gtest/gtest.h"
#include "tests/scenarios/scenario_testing.h"

namespace mmcheck {
namespace {

using testing::ExploreScenario;
using testing::FindStep;
using testing::FunctionAt;

TEST(SwapTest, CorrectScenariosPassExhaustivelyWithPinnedCounts) {
  for (const auto& [name, executions] :
       {std::pair<const char*, uint64_t>{"swap/fault-vs-munmap", 1094},
        {"swap/fault-vs-munmap~v2", 1094},
        {"swap/retry-nowait-vs-munmap", 936},
        {"swap/migration-wait-vs-munmap", 560},
        {"swap/migration-wait-vs-munmap~v2", 560},
        {"swap/readahead-vs-munmap", 139},
        {"swap/readahead-vs-munmap~v2", 139},
        {"swap/device-private-vs-munmap", 109},
        {"swap/reclaim-vs-swapin", 203}}) {
    testing::ExpectExhaustivePass(name, executions);
  }
}

// Issue 16 item 4: with an unconditional reference, the lookup's folio_get lands on the folio
// reclaim froze (refcount 0 -> 1), and reclaim frees it under the fault.
TEST(SwapTest, UnconditionalLookupReferenceLandsOnAFreedFolio) {
  const char* name = "swap/reclaim-vs-swapin@unconditional-ref";
  const std::optional<Violation> v = testing::FirstViolation(name, ViolationKind::kUseAfterFree);
  ASSERT_TRUE(v.has_value());
  EXPECT_NE(v->message.find("thread 'reclaim' frees folio 1 (shrink_folio_list (refcount frozen "
                            "by __remove_mapping)) while thread 'fault'"),
            std::string::npos)
      << v->message;
  const int freeze = FindStep(*v, 0, "reclaim", OpKind::kCompareExchange, "_refcount[1]");
  const int get = FindStep(*v, freeze, "fault", OpKind::kFetchAdd, "_refcount[1]");
  ASSERT_GE(freeze, 0);
  ASSERT_GT(get, freeze);
}

// The retry path of do_swap_page as the counterexamples show it: the fault read-locked the VMA,
// found the folio locked by reclaim, and dropped the VMA lock in folio_lock_or_retry.
void ExpectRetryPath(const Violation& v, int* released) {
  const int vma_locked = FindStep(v, 0, "fault", OpKind::kDownReadTry, "vm_lock");
  const int reclaim_locked = FindStep(v, 0, "reclaim", OpKind::kLock, "folio_lock[1]");
  const int busy = FindStep(v, vma_locked, "fault", OpKind::kTryLock, "folio_lock[1]");
  *released = FindStep(v, busy, "fault", OpKind::kUpRead, "vm_lock");
  ASSERT_GE(vma_locked, 0);
  ASSERT_GE(reclaim_locked, 0);
  ASSERT_GT(busy, reclaim_locked);
  EXPECT_FALSE(v.trace.steps[static_cast<size_t>(busy)].ok);
  ASSERT_GT(*released, busy);
}

TEST(SwapTest, TheV64ArchHandlerReleasesTheVmaLockASecondTime) {
  for (const char* name :
       {"swap/fault-vs-munmap@v6.4-arch", "swap/fault-vs-munmap~v2@no-unlocked-flag"}) {
    const std::optional<Violation> v = testing::FirstViolation(name, ViolationKind::kLockMisuse);
    ASSERT_TRUE(v.has_value()) << name;
    EXPECT_NE(v->message.find("thread 'fault' calls up_read(vm_lock) without holding it"),
              std::string::npos)
        << v->message;
    int released = -1;
    ExpectRetryPath(*v, &released);
    // The callee's release, then the arch handler's second one: the failing step.
    EXPECT_EQ(FindStep(*v, released + 1, "fault", OpKind::kUpRead, "vm_lock"), v->step - 1) << name;
  }
}

TEST(SwapTest, ReadingTheVmaAfterTheRetryIsUseAfterUnlock) {
  const std::optional<Violation> v =
      testing::FirstViolation("swap/fault-vs-munmap@vma-after-retry", ViolationKind::kUseAfterFree);
  ASSERT_TRUE(v.has_value());
  EXPECT_NE(v->message.find("I-VMA-1: thread 'fault' reads vma->vm_mm"), std::string::npos)
      << v->message;
  int released = -1;
  ExpectRetryPath(*v, &released);
  // The retry path needs reclaim to be preempted while it holds the folio lock: without a
  // preemption reclaim locks and unlocks in one go and the fault never waits.
  EXPECT_FALSE(testing::FoundWithoutPreemption("swap/fault-vs-munmap@vma-after-retry",
                                               ViolationKind::kUseAfterFree));
}

TEST(SwapTest, RetryNowaitLeaksTheVmaLockAndMunmapWaitsForever) {
  DporStrategy dpor;
  const ExploreResult r = ExploreScenario("swap/retry-nowait-vs-munmap@allowed", dpor);
  const Violation* v = r.Find(ViolationKind::kDeadlock);
  ASSERT_NE(v, nullptr);
  // The cycle: the fault, still holding the VMA lock it never released, waits for mmap_lock on
  // the mmap path; munmap holds mmap_lock and waits in vma_start_write for the fault's VMA lock.
  EXPECT_NE(v->message.find("'fault' waits in down_read for mmap_lock held by 'munmap'"),
            std::string::npos)
      << v->message;
  EXPECT_NE(v->message.find("'munmap' waits in down_write:acquire on vm_lock"), std::string::npos)
      << v->message;
  const int vma_locked = FindStep(*v, 0, "fault", OpKind::kDownReadTry, "vm_lock");
  const int busy = FindStep(*v, vma_locked, "fault", OpKind::kTryLock, "folio_lock[1]");
  ASSERT_GE(busy, 0);
  // No up_read of vm_lock by the fault anywhere: the lock leaked.
  EXPECT_EQ(FindStep(*v, 0, "fault", OpKind::kUpRead, "vm_lock"), -1);
  const Violation* order = r.Find(ViolationKind::kLockOrder);
  EXPECT_NE(order, nullptr);  // and lockdep's view of the same inversion
}

TEST(SwapTest, AMigratorThatNeedsMmapLockDeadlocksWithTheWaitingFault) {
  const std::optional<Violation> v =
      testing::FirstViolation("swap/migration-wait-vs-munmap@migrator-needs-mmap-lock",
                              ViolationKind::kDeadlock);
  ASSERT_TRUE(v.has_value());
  // The three-party cycle of S16 twin B, each named.
  for (const char* part : {"'fault' waits in wait_unlocked for folio_lock[1] held by 'migrator'",
                           "'munmap' waits in down_write:acquire on vm_lock",
                           "'migrator' waits in down_read for mmap_lock held by 'munmap'"}) {
    EXPECT_NE(v->message.find(part), std::string::npos) << part << " in " << v->message;
  }
}

TEST(SwapTest, TheSeedsMigrationPatchReadsAPmdTableMunmapFreed) {
  const std::optional<Violation> v =
      testing::FirstViolation("swap/migration-wait-vs-munmap~v2@seed-4of6",
                              ViolationKind::kUseAfterFree);
  ASSERT_TRUE(v.has_value());
  // On x86 both tables go right after the flush IPI: the fault's next read through vmf->pmd
  // (pmdp_get_lockless, the PMD table) or through the PTE table it mapped from it, whichever
  // the search meets first, reads freed memory (`run` reports the PMD one, the declared finding).
  EXPECT_TRUE(std::regex_search(v->message,
                                std::regex(R"(frees (PMD table \[0, 4\)|PTE table \[0, 2\)) )"
                                           R"(\(tlb_remove_page, after the flush IPI\) while )"
                                           R"(thread 'fault' reads an entry of it)")))
      << v->message;
  // The fault drops the VMA lock; only then can munmap write-lock the VMA, zap and free the
  // tables; the fault's read of the PMD entry through vmf->pmd comes after free_pgtables cleared
  // it.
  const int dropped = FindStep(*v, 0, "fault", OpKind::kUpRead, "vm_lock");
  const int write_locked = FindStep(*v, dropped, "munmap", OpKind::kUpWrite, "vm_lock");
  const int cleared = FindStep(*v, write_locked, "munmap", OpKind::kStore, "pmd[0]");
  ASSERT_GE(dropped, 0);
  ASSERT_GE(write_locked, 0);
  ASSERT_GE(cleared, 0);
  EXPECT_EQ(FunctionAt(*v, cleared), "free_pgtables");
  // The fault, in an RCU section, still reads the entry vmf->pmd points to; on x86 the table is
  // freed right after the flush IPI, which does not wait for RCU readers: nothing orders that
  // read before the free, so the report names the two.
  if (v->message.find("PMD table") != std::string::npos) {
    EXPECT_GE(FindStep(*v, cleared, "fault", OpKind::kLoad, "pmd[0]"), 0);
  } else {
    // The PTE table: the fault read its entry (the migration entry) before munmap's zap, with
    // nothing that orders the read before the free once the VMA lock is gone.
    EXPECT_GE(FindStep(*v, 0, "fault", OpKind::kLoad, "pte[0]"), 0);
  }
  // A race: the fault must be preempted between dropping the lock and waiting.
  EXPECT_FALSE(testing::FoundWithoutPreemption("swap/migration-wait-vs-munmap~v2@seed-4of6",
                                               ViolationKind::kUseAfterFree));
}

TEST(SwapTest, ReadingVmMmAfterTheV2DropIsUseAfterUnlock) {
  const std::optional<Violation> v =
      testing::FirstViolation("swap/migration-wait-vs-munmap~v2@vma-after-unlock",
                              ViolationKind::kUseAfterFree);
  ASSERT_TRUE(v.has_value());
  EXPECT_NE(v->message.find("I-VMA-1: thread 'fault' reads vma->vm_mm"), std::string::npos)
      << v->message;
  const int dropped = FindStep(*v, 0, "fault", OpKind::kUpRead, "vm_lock");
  ASSERT_GE(dropped, 0);
}

// Swap-in from the device: the fault reserves the slot (SWAP_HAS_CACHE), publishes the new folio
// locked, submits the read (the I/O thread), finds its own folio locked and retries; the v6.4 arch
// handler then releases the VMA lock a second time. No race is needed: the read is still in
// flight when the fault gets to folio_lock_or_retry unless something preempts the fault.
TEST(SwapTest, ASwapInFromTheDeviceRetriesAndTheV64ArchHandlerReleasesTwice) {
  for (const char* name :
       {"swap/readahead-vs-munmap@v6.4-arch", "swap/readahead-vs-munmap~v2@no-unlocked-flag"}) {
    const std::optional<Violation> v = testing::FirstViolation(name, ViolationKind::kLockMisuse);
    ASSERT_TRUE(v.has_value()) << name;
    const int reserved = FindStep(*v, 0, "fault", OpKind::kCompareExchange, "swap_map[0]");
    const int published = FindStep(*v, reserved, "fault", OpKind::kStore, "swap_cache[0]");
    const int busy = FindStep(*v, published, "fault", OpKind::kTryLock, "folio_lock[1]");
    const int released = FindStep(*v, busy, "fault", OpKind::kUpRead, "vm_lock");
    ASSERT_GE(reserved, 0) << name;
    ASSERT_GT(published, reserved) << name;
    ASSERT_GT(busy, published) << name;
    EXPECT_FALSE(v->trace.steps[static_cast<size_t>(busy)].ok);
    ASSERT_GT(released, busy) << name;
    EXPECT_EQ(FindStep(*v, released + 1, "fault", OpKind::kUpRead, "vm_lock"), v->step - 1) << name;
    EXPECT_TRUE(testing::FoundWithoutPreemption(name, ViolationKind::kLockMisuse)) << name;
  }
}

// The correct swap-in reaches both ends: the fault maps the folio it read (after the I/O thread
// unlocked it), and munmap leaves the read-in folio to the swap cache alone.
TEST(SwapTest, ASwapInFromTheDeviceEndsMappedOrInTheSwapCache) {
  EXPECT_GT(
      testing::ExecutionsWhere(
          "swap/readahead-vs-munmap",
          [](const Trace& t) { return testing::HasStep(t, "fault", OpKind::kStore, "pte[0]"); }),
      0);
  EXPECT_GT(testing::ExecutionsWhere("swap/readahead-vs-munmap",
                                     [](const Trace& t) {
                                       return testing::HasStep(t, "munmap", OpKind::kTryLock,
                                                               "folio_lock[1]", /*ok=*/0);
                                     }),
            0);
}

// Device-private memory: the fault drops the VMA lock and retries under mmap_lock, where the
// driver's migrate_to_ram brings the page back (the migration entry, then the system page), or
// munmap got there first and freed the device page.
TEST(SwapTest, TheDevicePrivateFallbackMigratesTheRetriedFaultsPage) {
  const char* name = "swap/device-private-vs-munmap";
  EXPECT_GT(testing::ExecutionsWhere(
                name,
                [](const Trace& t) {
                  // lock_mm_and_find_vma trylocks first
                  const bool mmap_locked =
                      testing::HasStep(t, "fault", OpKind::kDownRead, "mmap_lock") ||
                      testing::HasStep(t, "fault", OpKind::kDownReadTry, "mmap_lock", /*ok=*/1);
                  return mmap_locked && testing::HasStep(t, "fault", OpKind::kStore, "pte[0]");
                }),
            0);
  EXPECT_GT(
      testing::ExecutionsWhere(
          name,
          [](const Trace& t) { return !testing::HasStep(t, "fault", OpKind::kStore, "pte[0]"); }),
      0);
}

TEST(SwapTest, WithoutTheFallbackMigrateToRamWalksWithoutMmapLock) {
  const std::optional<Violation> v =
      testing::FirstViolation("swap/device-private-vs-munmap@migrate-under-vma-lock",
                              ViolationKind::kLockMisuse);
  ASSERT_TRUE(v.has_value());
  EXPECT_NE(v->message.find("mmap_assert_locked: thread 'fault' walks the page tables in "
                            "migrate_vma_setup"),
            std::string::npos)
      << v->message;
  // The fault holds only the VMA lock when it reads the device-private entry and goes on.
  const int vma_locked = FindStep(*v, 0, "fault", OpKind::kDownReadTry, "vm_lock");
  const int read = FindStep(*v, vma_locked, "fault", OpKind::kLoad, "pte[0]");
  ASSERT_GE(vma_locked, 0);
  ASSERT_GT(read, vma_locked);
  EXPECT_EQ(FindStep(*v, 0, "fault", OpKind::kDownRead, "mmap_lock"), -1);
  // No race is needed: it is the path every such fault takes.
  EXPECT_TRUE(testing::FoundWithoutPreemption(
      "swap/device-private-vs-munmap@migrate-under-vma-lock", ViolationKind::kLockMisuse));
}

TEST(SwapTest, TheV64ArchHandlerReleasesTheDevicePrivateFallbacksLockAgain) {
  const std::optional<Violation> v =
      testing::FirstViolation("swap/device-private-vs-munmap@v6.4-arch",
                              ViolationKind::kLockMisuse);
  ASSERT_TRUE(v.has_value());
  const int read = FindStep(*v, 0, "fault", OpKind::kLoad, "pte[0]");
  const int released = FindStep(*v, read, "fault", OpKind::kUpRead, "vm_lock");
  ASSERT_GE(read, 0);
  ASSERT_GT(released, read);
  EXPECT_EQ(FindStep(*v, released + 1, "fault", OpKind::kUpRead, "vm_lock"), v->step - 1);
}

}  // namespace
}  // namespace mmcheck
