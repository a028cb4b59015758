// S4, S5, S6, S7, S9 (a), S13 and S14 (kernel-model.md): fork and faults against huge pfnmaps of a vfio BAR. Each
// correct scenario passes exhaustively with a pinned count and reaches the paths it is about;
// each twin fails for the reason it names, shown by its key steps in order.
#include <string>

#include "explorer/search/dpor_strategy.h"
#include "gtest/gtest.h"
#include "tests/scenarios/scenario_testing.h"

namespace mmcheck {
namespace {

using testing::EntryAt;
using testing::ExploreScenario;
using testing::FindStep;
using testing::FunctionAt;
using testing::Saw;

// S7 -----------------------------------------------------------------------------------------

TEST(ForkTest, ForkVsBarZapPassesExhaustivelyWithPinnedCounts) {
  testing::ExpectExhaustivePass("fork/fork-vs-bar-zap", 7);
  testing::ExpectExhaustivePass("fork/fork-vs-bar-zap-pud", 5);
}

// The fixed code meets both orders the spec names: the zap first (copy_huge_pmd's re-read under
// src_ptl finds none), and the copy first (the zap's later visit of the child clears the copy).
TEST(ForkTest, ForkVsBarZapReachesTheRereadAndTheZappedCopy) {
  const char* name = "fork/fork-vs-bar-zap";
  EXPECT_GT(testing::ExecutionsWhere(
                name, [](const Trace& t) { return Saw(t, "fork", "pmd[0]", "none"); }),
            0);
  EXPECT_GT(testing::ExecutionsWhere(name,
                                     [](const Trace& t) {
                                       return testing::HasStep(t, "bar-zap", OpKind::kExchange,
                                                               "child pmd[0]");
                                     }),
            0);
}

// The merged code: the lockless read in copy_huge_pmd, the zap of the parent's PMD and the
// visit of the child's none PMD, then set_pmd_at of the stale value into the child.
TEST(ForkTest, V612CopyHugePmdCopiesAStalePmdIntoTheChild) {
  const char* name = "fork/fork-vs-bar-zap@v6.12";
  const std::optional<Violation> v = testing::FirstViolation(name, ViolationKind::kInvariant);
  ASSERT_TRUE(v.has_value());
  EXPECT_NE(v->message.find("I-PFN-1: the fork child VMA [0, 2) maps BAR pfn 100"),
            std::string::npos)
      << v->message;
  const int test = FindStep(*v, 0, "fork", OpKind::kLoad, "pmd[0]");  // copy_pmd_range's test
  const int lockless = FindStep(*v, test + 1, "fork", OpKind::kLoad, "pmd[0]");
  const int zap = FindStep(*v, 0, "bar-zap", OpKind::kExchange, "pmd[0]");
  const int child_visit = FindStep(*v, zap, "bar-zap", OpKind::kLoad, "child pmd[0]");
  const int set = FindStep(*v, 0, "fork", OpKind::kStore, "child pmd[0]");
  ASSERT_GE(test, 0);
  ASSERT_GT(lockless, test);
  EXPECT_EQ(FunctionAt(*v, lockless), "copy_huge_pmd");
  EXPECT_EQ(EntryAt(*v, lockless), "pfn 100, write, young, special");
  ASSERT_GT(zap, lockless);
  ASSERT_GT(child_visit, zap);
  EXPECT_EQ(EntryAt(*v, child_visit), "none");
  ASSERT_GT(set, child_visit);
  EXPECT_EQ(FunctionAt(*v, set), "copy_huge_pmd");
  EXPECT_EQ(EntryAt(*v, set), "pfn 100, write, special");
  // Nothing between the lockless read and the set re-reads the parent's PMD.
  EXPECT_EQ(FindStep(*v, lockless + 1, "fork", OpKind::kLoad, "pmd[0]"), -1);
  // A race: the zap must come between fork's read and its locks.
  EXPECT_FALSE(testing::FoundWithoutPreemption(name, ViolationKind::kInvariant));
}

// S5 -----------------------------------------------------------------------------------------

TEST(ForkTest, HugeFaultVsForkPassesAndTheChildGetsTheParentsPmd) {
  testing::ExpectExhaustivePass("fork/huge-fault-vs-fork", 19);
  const char* name = "fork/huge-fault-vs-fork";
  // The fault before fork: the child gets the parent's PMD. The fault after fork: it does not.
  EXPECT_GT(testing::ExecutionsWhere(name,
                                     [](const Trace& t) {
                                       return testing::HasStep(t, "fork", OpKind::kStore,
                                                               "child pmd[0]");
                                     }),
            0);
  EXPECT_GT(testing::ExecutionsWhere(name,
                                     [](const Trace& t) {
                                       return !testing::HasStep(t, "fork", OpKind::kStore,
                                                                "child pmd[0]");
                                     }),
            0);
  // A fault that meets the write-locked VMA falls back to mmap_lock and waits for fork.
  EXPECT_GT(testing::ExecutionsWhere(name,
                                     [](const Trace& t) {
                                       return testing::HasStep(t, "fault", OpKind::kDownRead,
                                                               "mmap_lock");
                                     }),
            0);
}

TEST(ForkTest, V612HandlerMapsAnUnalignedPfnThatForkCopies) {
  const char* name = "fork/huge-fault-vs-fork@v6.12-unaligned-pfn";
  const std::optional<Violation> v = testing::FirstViolation(name, ViolationKind::kInvariant);
  ASSERT_TRUE(v.has_value());
  EXPECT_NE(v->message.find("I-PFN-2: the huge PMD leaf at address 0"), std::string::npos)
      << v->message;
  EXPECT_NE(v->message.find("maps pfn 101, not aligned to the leaf's 2 pages"), std::string::npos);
  const int insert = FindStep(*v, 0, "fault", OpKind::kStore, "pmd[0]");
  ASSERT_GE(insert, 0);
  EXPECT_EQ(FunctionAt(*v, insert), "insert_pfn_huge");
  // No race needed: the handler's missing pfn check is enough.
  EXPECT_TRUE(testing::FoundWithoutPreemption(name, ViolationKind::kInvariant));
}

// S5 twin B: a private BAR mapping whose special PMD is writable (no BUG_ON, a write-passing
// huge_fault): fork's copy_huge_pmd meets the writable entry in a COW VMA (its VM_WARN_ON_ONCE).
TEST(ForkTest, PrivateMappingWithoutBugOnCopiesAWritableSpecialPmd) {
  const char* name = "fork/huge-fault-vs-fork@private-no-bug-on";
  const std::optional<Violation> v = testing::FirstViolation(name, ViolationKind::kInvariant);
  ASSERT_TRUE(v.has_value());
  EXPECT_NE(v->message.find("I-FORK-2: copy_huge_pmd copies a writable special PMD (pfn 100, "
                            "write, dirty, young, special) of the COW mapping VMA [0, 2)"),
            std::string::npos)
      << v->message;
  // The fault's insert of a writable leaf, then fork's lockless read of it in copy_huge_pmd.
  const int insert = FindStep(*v, 0, "fault", OpKind::kStore, "pmd[0]");
  const int read = FindStep(*v, insert, "fork", OpKind::kLoad, "pmd[0]");
  ASSERT_GE(insert, 0);
  EXPECT_EQ(EntryAt(*v, insert), "pfn 100, write, dirty, young, special");
  ASSERT_GT(read, insert);
  EXPECT_EQ(FunctionAt(*v, read), "copy_pmd_range");
  const int lockless = FindStep(*v, read + 1, "fork", OpKind::kLoad, "pmd[0]");
  ASSERT_GT(lockless, read);
  EXPECT_EQ(FunctionAt(*v, lockless), "copy_huge_pmd");
  EXPECT_EQ(EntryAt(*v, lockless), "pfn 100, write, dirty, young, special");
  // No race needed: the fault completes, then fork copies.
  EXPECT_TRUE(testing::FoundWithoutPreemption(name, ViolationKind::kInvariant));
}

// S6 -----------------------------------------------------------------------------------------

TEST(ForkTest, PudWriteAfterForkPassesExhaustively) {
  testing::ExpectExhaustivePass("fork/pud-write-after-fork", 3);
}

// Before 003/07 copy_huge_pud write-protects the shared PUD; the child's write then faults into
// vfio's huge_fault, whose vmf_insert_pfn_pud(write = false) leaves the entry as it is.
TEST(ForkTest, Pre003WriteProtectedPudIsALivelockNotAHang) {
  for (const char* name : {"fork/pud-write-after-fork@pre-003",
                           "fork/pud-write-after-fork@pre-003-aligned-fault"}) {
    DporStrategy dpor;
    const ExploreResult r = ExploreScenario(name, dpor);
    const Violation* v = r.Find(ViolationKind::kLivelock);
    ASSERT_NE(v, nullptr) << name;
    EXPECT_EQ(r.Find(ViolationKind::kDeadlock), nullptr) << name;
    EXPECT_NE(v->message.find("faults again and again: handle_mm_fault returns VM_FAULT_NOPAGE"),
              std::string::npos)
        << v->message;
    // fork write-protects the parent's PUD and writes the read-only copy into the child; the
    // child's write reads it, and vfio's insert under page_table_lock finds the slot occupied.
    const int wrprotect = FindStep(*v, 0, "fork", OpKind::kStore, "pud[0]");
    const int copy = FindStep(*v, wrprotect, "fork", OpKind::kStore, "child pud[0]");
    ASSERT_GE(wrprotect, 0) << name;
    EXPECT_EQ(FunctionAt(*v, wrprotect), "copy_huge_pud");
    EXPECT_EQ(EntryAt(*v, copy), "pfn 100, special");
    // The thread that cannot complete its write reads its own mm's read-only PUD after the copy.
    const std::string writer = v->trace.thread_names[static_cast<size_t>(v->thread)];
    const int fault_read = FindStep(*v, copy, writer, OpKind::kLoad,
                                    writer == "child-write" ? "child pud[0]" : "pud[0]");
    ASSERT_GT(fault_read, copy) << name;
    const std::string seen = EntryAt(*v, fault_read);  // read-only: no ", write"
    EXPECT_TRUE(seen == "pfn 100, special" || seen == "pfn 100, young, special") << seen;
    // __handle_mm_fault's retry_pud: reads the PUD twice, `pud_none(*vmf.pud)` and then
    // `orig_pud = *vmf.pud` (issue 16 item 8: the model read it once).
    const std::string pud = writer == "child-write" ? "child pud[0]" : "pud[0]";
    int first = fault_read;
    while (first >= 0 && FunctionAt(*v, first) != "handle_driver_mm_fault") {
      first = FindStep(*v, first + 1, writer, OpKind::kLoad, pud);
    }
    ASSERT_GE(first, 0) << name;
    const int second = FindStep(*v, first + 1, writer, OpKind::kLoad, pud);
    ASSERT_EQ(second, first + 1) << name;
    EXPECT_EQ(FunctionAt(*v, second), "handle_driver_mm_fault");
    EXPECT_TRUE(testing::FoundWithoutPreemption(name, ViolationKind::kLivelock)) << name;
  }
}

// The spec's termination argument: with the v6.12 handler a write at an unaligned address falls
// back, wp_huge_pud splits the PUD and the write completes at a smaller order. No livelock in
// any execution; what is left is the lost write bit (I-FORK-2).
TEST(ForkTest, Pre003UnalignedWriteSplitsAndCompletes) {
  DporStrategy dpor;
  const ExploreResult r =
      ExploreScenario("fork/pud-write-after-fork@pre-003-unaligned-fault", dpor, true);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.Find(ViolationKind::kLivelock), nullptr);
  const Violation* v = r.Find(ViolationKind::kInvariant);
  ASSERT_NE(v, nullptr);
  EXPECT_NE(v->message.find("I-FORK-2"), std::string::npos) << v->message;
}

// S14 ----------------------------------------------------------------------------------------

TEST(VfioTest, PteFaultVsPmdFaultPassesExhaustively) {
  testing::ExpectExhaustivePass("vfio/pte-fault-vs-pmd-fault", 184);
}

// v6.13: the odd page falls back to order 0; the even page's PMD leaf appears between the odd
// fault's pte_alloc and its pte_offset_map_lock, which finds no PTE table: VM_FAULT_OOM.
TEST(VfioTest, V613OrderZeroFaultLosesToThePmdAndReturnsOom) {
  const char* name = "vfio/pte-fault-vs-pmd-fault@v6.13";
  const std::optional<Violation> v = testing::FirstViolation(name, ViolationKind::kInvariant);
  ASSERT_TRUE(v.has_value());
  EXPECT_NE(v->message.find("I-RETRY-2: the read fault at address 1 returned VM_FAULT_OOM"),
            std::string::npos)
      << v->message;
  const int pmd_leaf = FindStep(*v, 0, "fault-even", OpKind::kStore, "pmd[0]");
  ASSERT_GE(pmd_leaf, 0);
  EXPECT_EQ(EntryAt(*v, pmd_leaf), "pfn 100, write, special");
  // Before it, the odd fault saw no PMD (it goes on to allocate a PTE table); after it, its
  // pte_offset_map finds the leaf.
  int none_before = -1;
  for (int i = 0; i < pmd_leaf; ++i) {
    const Step& s = v->trace.steps[static_cast<size_t>(i)];
    if (v->trace.thread_names[s.thread] == "fault-odd" && s.op == OpKind::kLoad &&
        v->trace.ObjectName(s) == "pmd[0]" && EntryAt(*v, i) == "none") {
      none_before = i;
    }
  }
  EXPECT_GE(none_before, 0);
  int leaf_seen = FindStep(*v, pmd_leaf, "fault-odd", OpKind::kLoad, "pmd[0]");
  while (leaf_seen >= 0 && FunctionAt(*v, leaf_seen) != "pte_offset_map") {
    leaf_seen = FindStep(*v, leaf_seen + 1, "fault-odd", OpKind::kLoad, "pmd[0]");
  }
  ASSERT_GT(leaf_seen, pmd_leaf);
  EXPECT_EQ(EntryAt(*v, leaf_seen), "pfn 100, write, special");
  EXPECT_FALSE(testing::FoundWithoutPreemption(name, ViolationKind::kInvariant));
}


// S13 ----------------------------------------------------------------------------------------

TEST(VfioTest, FollowPfnmapVsBarZapPassesAndMeetsBothOrders) {
  const char* name = "vfio/follow-pfnmap-vs-bar-zap";
  testing::ExpectExhaustivePass(name, 3);
  // The fixed re-read under the lock finds the zapped PMD none (-EINVAL), or kvm holds the lock
  // first and the zap waits for it.
  EXPECT_GT(testing::ExecutionsWhere(
                name, [](const Trace& t) { return Saw(t, "kvm", "pmd[0]", "none"); }),
            0);
  EXPECT_GT(testing::ExecutionsWhere(name,
                                     [](const Trace& t) {
                                       return Saw(t, "kvm", "pmd[0]",
                                                  "pfn 100, write, young, special") &&
                                              !Saw(t, "kvm", "pmd[0]", "none");
                                     }),
            0);
}

// v6.12: the lockless read sees the leaf, the zap clears it, kvm takes the PMD lock and returns
// the pfn from its stale copy.
TEST(VfioTest, V612FollowPfnmapReturnsTheZappedPfn) {
  const char* name = "vfio/follow-pfnmap-vs-bar-zap@v6.12";
  const std::optional<Violation> v = testing::FirstViolation(name, ViolationKind::kInvariant);
  ASSERT_TRUE(v.has_value());
  EXPECT_NE(v->message.find("I-PFN-4: follow_pfnmap_start returns pfn 100 for address 0"),
            std::string::npos)
      << v->message;
  const int lockless = FindStep(*v, 0, "kvm", OpKind::kLoad, "pmd[0]");
  const int zap = FindStep(*v, 0, "bar-zap", OpKind::kExchange, "pmd[0]");
  const int locked = FindStep(*v, 0, "kvm", OpKind::kSpinLock, "pmd_lock[0]");
  ASSERT_GE(lockless, 0);
  EXPECT_EQ(FunctionAt(*v, lockless), "follow_pfnmap_start");
  EXPECT_EQ(EntryAt(*v, lockless), "pfn 100, write, young, special");
  ASSERT_GT(zap, lockless);
  ASSERT_GT(locked, zap);
  EXPECT_EQ(FindStep(*v, locked, "kvm", OpKind::kLoad, "pmd[0]"), -1);  // no re-read
  EXPECT_FALSE(testing::FoundWithoutPreemption(name, ViolationKind::kInvariant));
}


// Issue 16, item 7: fork's write-protect against a write of the parent ------------------------

TEST(ForkTest, ForkVsWriteKeepsTheDirtyBit) {
  testing::ExpectExhaustivePass("fork/fork-vs-write", 8);
  // The MMU's update lands between fork's read of the PTE and its write-protect in some
  // executions: the compare-exchange of the write-protect fails once and retries.
  EXPECT_GT(testing::ExecutionsWhere("fork/fork-vs-write",
                                     [](const Trace& t) {
                                       for (const Step& s : t.steps) {
                                         if (t.thread_names[s.thread] == "fork" &&
                                             s.op == OpKind::kCompareExchange && !s.ok &&
                                             t.ObjectName(s) == "pte[0]") {
                                           return true;
                                         }
                                       }
                                       return false;
                                     }),
            0);
}

// The plain store of the value read before the MMU's update: the dirty bit is gone.
TEST(ForkTest, PlainWrprotectLosesTheDirtyBit) {
  const char* name = "fork/fork-vs-write@plain-wrprotect";
  const std::optional<Violation> v = testing::FirstViolation(name, ViolationKind::kAssertion);
  ASSERT_TRUE(v.has_value());
  EXPECT_NE(v->message.find("its PTE is not dirty"), std::string::npos) << v->message;
  const int mmu = FindStep(*v, 0, "writer", OpKind::kCompareExchange, "pte[0]");
  const int wrprotect = FindStep(*v, mmu, "fork", OpKind::kStore, "pte[0]");
  ASSERT_GE(mmu, 0);
  ASSERT_GT(wrprotect, mmu);
}

// Issue 16, item 2: munmap of a BAR mapping against the BAR zap -----------------------------

TEST(VfioTest, MunmapVsBarZapPassesInBothOrders) {
  const char* name = "vfio/munmap-vs-bar-zap";
  testing::ExpectExhaustivePass(name, 9);
  // The zap walks the VMA before munmap unlinks it (it zaps the PMD), or munmap unlinks it first
  // and the zap finds i_mmap empty (it never reads the PMD).
  EXPECT_GT(testing::ExecutionsWhere(
                name, [](const Trace& t) { return Saw(t, "bar-zap", "pmd[0]", "pfn 100, write, young, special"); }),
            0);
  EXPECT_GT(testing::ExecutionsWhere(name,
                                     [](const Trace& t) {
                                       return !testing::HasStep(t, "bar-zap", OpKind::kLoad,
                                                                "pmd[0]") &&
                                              !testing::HasStep(t, "bar-zap", OpKind::kExchange,
                                                                "pmd[0]");
                                     }),
            0);
}

// Without the unlink, the zap meets the VMA munmap freed: the free (after a grace period) comes
// before the zap takes i_mmap_rwsem.
TEST(VfioTest, NoUnlinkZapUsesTheFreedVma) {
  const char* name = "vfio/munmap-vs-bar-zap@no-unlink";
  const std::optional<Violation> v = testing::FirstViolation(name, ViolationKind::kUseAfterFree);
  ASSERT_TRUE(v.has_value());
  EXPECT_NE(v->message.find("thread 'bar-zap' zaps the page tables of VMA [0, 2) after it was "
                            "freed (vm_area_free_rcu_cb"),
            std::string::npos)
      << v->message;
  const int munmap_down = FindStep(*v, 0, "munmap", OpKind::kDownWrite, "mmap_lock");
  const int zap_rmap = FindStep(*v, 0, "bar-zap", OpKind::kDownRead, "i_mmap_rwsem");
  ASSERT_GE(munmap_down, 0);
  ASSERT_GT(zap_rmap, munmap_down);
}

// S9 (a) --------------------------------------------------------------------------------------

TEST(VfioTest, GupFastVsBarZapPassesAndFallsBackToSlowGup) {
  const char* name = "vfio/gup-fast-vs-bar-zap";
  testing::ExpectExhaustivePass(name, 2);
  // gup-fast sees the special leaf (and bails) in some executions, none in others; every one
  // ends in the slow path under mmap_lock.
  EXPECT_GT(testing::ExecutionsWhere(name,
                                     [](const Trace& t) {
                                       return Saw(t, "gup", "pmd[0]",
                                                  "pfn 100, write, young, special");
                                     }),
            0);
  EXPECT_EQ(testing::ExecutionsWhere(name,
                                     [](const Trace& t) {
                                       return !testing::HasStep(t, "gup", OpKind::kDownRead,
                                                                "mmap_lock");
                                     }),
            0);
}

TEST(VfioTest, Pre00305GupFastTakesAStructPageForMmio) {
  const char* name = "vfio/gup-fast-vs-bar-zap@pre-003-05";
  const std::optional<Violation> v = testing::FirstViolation(name, ViolationKind::kInvariant);
  ASSERT_TRUE(v.has_value());
  EXPECT_NE(v->message.find("I-PFN-3: gup-fast takes pmd_page() of the special leaf"),
            std::string::npos)
      << v->message;
  // Inside the IRQ-off section, the lockless read of the leaf.
  const int irq_off = FindStep(*v, 0, "gup", OpKind::kIrqDisable, "rcu");
  const int read = FindStep(*v, irq_off, "gup", OpKind::kLoad, "pmd[0]");
  ASSERT_GE(irq_off, 0);
  ASSERT_GT(read, irq_off);
  EXPECT_EQ(EntryAt(*v, read), "pfn 100, write, young, special");
  EXPECT_TRUE(testing::FoundWithoutPreemption(name, ViolationKind::kInvariant));
}

// S4 -----------------------------------------------------------------------------------------

TEST(ForkTest, ForkVsAnonFaultPassesAndTheFaultWaitsForFork) {
  const char* name = "fork/fork-vs-anon-fault";
  // One redundant execution since I-FORK-4's count of VMA lock owners is a GhostCounter that
  // DPOR orders against fork's check: a reversal's moved step is assumed to touch any ghost
  // (what its code does there is not known), one more dependency than the execution shows.
  testing::ExpectExhaustivePass(name, 19, /*redundant=*/1);
  // The fault meets the write-locked VMA and waits on mmap_lock, or runs before fork locks it.
  EXPECT_GT(testing::ExecutionsWhere(name,
                                     [](const Trace& t) {
                                       return testing::HasStep(t, "fault", OpKind::kDownRead,
                                                               "mmap_lock");
                                     }),
            0);
  EXPECT_GT(testing::ExecutionsWhere(name,
                                     [](const Trace& t) {
                                       return !testing::HasStep(t, "fault", OpKind::kDownRead,
                                                                "mmap_lock");
                                     }),
            0);
}

// v6.4: the fault read-locks the VMA, then fork copies it without waiting.
TEST(ForkTest, V64ForkCopiesWhileAFaultHoldsTheVmaLock) {
  const char* name = "fork/fork-vs-anon-fault@v6.4";
  const std::optional<Violation> v = testing::FirstViolation(name, ViolationKind::kInvariant);
  ASSERT_TRUE(v.has_value());
  EXPECT_NE(v->message.find("I-FORK-4: copy_"), std::string::npos) << v->message;
  const int fork_locked = FindStep(*v, 0, "fork", OpKind::kDownWrite, "mmap_lock");
  const int vma_locked = FindStep(*v, 0, "fault", OpKind::kDownReadTry, "vm_lock");
  ASSERT_GE(fork_locked, 0);
  ASSERT_GE(vma_locked, 0);
  EXPECT_TRUE(v->trace.steps[static_cast<size_t>(vma_locked)].ok);
  EXPECT_EQ(FindStep(*v, 0, "fork", OpKind::kDownWriteStart, "vm_lock"), -1);  // no vma_start_write
  EXPECT_FALSE(testing::FoundWithoutPreemption(name, ViolationKind::kInvariant));
}

}  // namespace
}  // namespace mmcheck
