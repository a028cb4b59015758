// S9 (b) (kernel-model.md): gup-fast against munmap of an anonymous THP and of a PTE-mapped page,
// with a third process whose fault may be given the page munmap frees. The correct scenarios pass
// exhaustively with pinned counts and reach the re-check that drops a reallocated page; each twin
// fails for the reason it names, shown by its key steps in order.
#include <string>

#include "gtest/gtest.h"
#include "tests/scenarios/scenario_testing.h"

namespace mmcheck {
namespace {

using testing::EntryAt;
using testing::FindStep;
using testing::FunctionAt;

// The fault took the page munmap freed (the pcp list's head was pfn 1), then gup raised the
// reallocated folio's refcount, then gup went to the slow path: the re-check dropped the page.
// (FindStep's value of an exchange, fetch_add or load is the value it found.)
bool RecheckDroppedTheReallocatedPage(const Trace& t) {
  const int realloc = FindStep(t, 0, "fault", OpKind::kExchange, "pcp free list", 1);
  if (realloc < 0) return false;
  int grab = -1;
  for (int i = realloc; (i = FindStep(t, i + 1, "gup", OpKind::kCompareExchange,
                                      "_refcount[1]")) >= 0;) {
    if (t.steps[static_cast<size_t>(i)].ok) {
      grab = i;
      break;
    }
  }
  return grab >= 0 && FindStep(t, grab, "gup", OpKind::kDownRead, "mmap_lock") > grab;
}

// arm64: nothing holds munmap's free of the THP back from gup's walk; the re-check catches it.
TEST(GupTest, GupFastVsThpMunmapPassesAndTheRecheckDropsAReallocatedPage) {
  const char* name = "gup/gup-fast-vs-thp-munmap+arm64";
  testing::ExpectExhaustivePass(name, 17850);
  EXPECT_GT(testing::ExecutionsWhere(name, RecheckDroppedTheReallocatedPage), 0);
  // gup also keeps the THP (it pins it before munmap clears the PMD) in some executions.
  EXPECT_GT(testing::ExecutionsWhere(name,
                                     [](const Trace& t) {
                                       return !testing::HasStep(t, "gup", OpKind::kDownRead,
                                                                "mmap_lock");
                                     }),
            0);
}

// x86 bare metal: munmap frees the pages after its flush IPI, which waits for gup's IRQ-off walk,
// so no page is freed and reallocated under the walk: the re-check never has to drop one.
TEST(GupTest, OnX86TheFlushIpiKeepsThePagesOfTheWalk) {
  for (const char* name : {"gup/gup-fast-vs-thp-munmap", "gup/gup-fast-vs-munmap"}) {
    testing::ExpectExhaustivePass(name, name == std::string("gup/gup-fast-vs-munmap") ? 5632 : 4616);
    EXPECT_EQ(testing::ExecutionsWhere(name, RecheckDroppedTheReallocatedPage), 0) << name;
    // munmap's IPI waits while gup has interrupts off in some executions.
    EXPECT_GT(testing::ExecutionsWhere(name,
                                       [](const Trace& t) {
                                         const int off =
                                             FindStep(t, 0, "gup", OpKind::kIrqDisable, "rcu");
                                         const int ipi =
                                             FindStep(t, off, "munmap", OpKind::kSendIpi, "rcu");
                                         const int on =
                                             FindStep(t, off, "gup", OpKind::kIrqEnable, "rcu");
                                         return off >= 0 && ipi > off && on > ipi;
                                       }),
              0)
        << name;
  }
}

// 441,334 executions, about 15 s: label `long`.
TEST(GupTest, LongGupFastVsMunmapAtPteLevelOnArm64PassesExhaustively) {
  testing::ExpectExhaustivePass("gup/gup-fast-vs-munmap+arm64", 441334);
}

// Without the re-check: gup reads the PMD, munmap zaps it and frees the THP after its flush, the
// other process's fault is given the page, and gup's speculative reference lands on that folio.
void ExpectGupPinsTheReallocatedPage(const char* name, const char* entry_object,
                                     const char* level) {
  const std::optional<Violation> v = testing::FirstViolation(name, ViolationKind::kInvariant);
  ASSERT_TRUE(v.has_value()) << name;
  EXPECT_NE(v->message.find(absl::StrCat("I-PT-6: gup-fast returns folio 1 (reallocated) for "
                                         "address 0: the ",
                                         level, " it read (pfn 1, write, dirty, young) mapped "
                                                "folio 1")),
            std::string::npos)
      << v->message;
  const Trace& t = v->trace;
  const int read = FindStep(t, 0, "gup", OpKind::kLoad, entry_object);
  const int zap = FindStep(t, 0, "munmap", OpKind::kExchange, entry_object);
  const int free = FindStep(t, zap, "munmap", OpKind::kFetchAdd, "_refcount[1]", 1);
  const int realloc = FindStep(t, free, "fault", OpKind::kExchange, "pcp free list", 1);
  const int grab = FindStep(t, realloc, "gup", OpKind::kCompareExchange, "_refcount[1]");
  ASSERT_GE(read, 0) << name;
  EXPECT_EQ(EntryAt(*v, read), "pfn 1, write, dirty, young");
  ASSERT_GT(zap, read) << name;
  ASSERT_GT(free, zap) << name;
  EXPECT_EQ(FunctionAt(*v, free), "folio_put");
  ASSERT_GT(realloc, free) << name;
  EXPECT_EQ(FunctionAt(*v, realloc), "rmqueue_pcplist");
  ASSERT_GT(grab, realloc) << name;
  EXPECT_TRUE(t.steps[static_cast<size_t>(grab)].ok);
  EXPECT_EQ(FunctionAt(*v, grab), "folio_ref_try_add");
  // Nothing re-reads the entry after the grab.
  EXPECT_EQ(FindStep(t, grab, "gup", OpKind::kLoad, entry_object), -1) << name;
  // A race: munmap and the fault must both run between gup's read and its grab.
  EXPECT_FALSE(testing::FoundWithoutPreemption(name, ViolationKind::kInvariant)) << name;
}

TEST(GupTest, NoRecheckPinsTheReallocatedThpPage) {
  ExpectGupPinsTheReallocatedPage("gup/gup-fast-vs-thp-munmap+arm64@no-recheck", "pmd[0]", "PMD");
}

TEST(GupTest, NoRecheckPinsTheReallocatedPteMappedPage) {
  ExpectGupPinsTheReallocatedPage("gup/gup-fast-vs-munmap+arm64@no-recheck", "pte[0]", "PTE");
}

// Without RCU table freeing (arm64, or a KVM guest with native_tlb_remove_table), munmap frees the
// PMD table gup is walking with IRQs off.
TEST(GupTest, TableFreeWithoutRcuFreesThePmdTableUnderTheWalk) {
  for (const char* name : {"gup/gup-fast-vs-thp-munmap+arm64@table-free-without-rcu",
                           "gup/gup-fast-vs-thp-munmap+x86-guest@native-table-free"}) {
    const std::optional<Violation> v =
        testing::FirstViolation(name, ViolationKind::kUseAfterFree);
    ASSERT_TRUE(v.has_value()) << name;
    EXPECT_NE(v->message.find("thread 'munmap' frees PMD table [0, 4) (tlb_remove_table_free, "
                              "without a grace period) while thread 'gup' reads an entry of it"),
              std::string::npos)
        << v->message;
    const Trace& t = v->trace;
    const int irq_off = FindStep(t, 0, "gup", OpKind::kIrqDisable, "rcu");
    const int pud = FindStep(t, irq_off, "gup", OpKind::kLoad, "pud[0]");
    const int unlink = FindStep(t, 0, "munmap", OpKind::kStore, "pud[0]");
    ASSERT_GE(irq_off, 0);
    ASSERT_GT(pud, irq_off);
    EXPECT_EQ(EntryAt(*v, pud), "table(0)");
    ASSERT_GE(unlink, 0);
    EXPECT_EQ(FunctionAt(*v, unlink), "free_pgtables");
    // No IPI on these arches (the flush does not wait for IRQ-off sections).
    EXPECT_EQ(FindStep(t, 0, "munmap", OpKind::kSendIpi, "rcu"), -1);
    // The use and the free are reported in whichever order they ran: without a grace period
    // nothing orders gup's read before the free (explorer/checks/lifetime.h).
  }
}

// x86 bare metal, gup-fast under rcu_read_lock() instead of with interrupts off: munmap's flush
// IPI does not wait for an RCU reader, and the table is freed right after it, under the walk.
TEST(GupTest, OnX86AnRcuWalkIsNotWaitedForByTheFlushIpi) {
  const char* name = "gup/gup-fast-vs-thp-munmap@rcu-walk";
  const std::optional<Violation> v = testing::FirstViolation(name, ViolationKind::kUseAfterFree);
  ASSERT_TRUE(v.has_value());
  EXPECT_NE(v->message.find("PMD table [0, 4)"), std::string::npos) << v->message;
  EXPECT_NE(v->message.find("(tlb_remove_page, after the flush IPI"), std::string::npos)
      << v->message;
  const Trace& t = v->trace;
  const int rcu = FindStep(t, 0, "gup", OpKind::kRcuLock, "rcu");
  const int ipi = FindStep(t, rcu, "munmap", OpKind::kSendIpi, "rcu");
  const int waited = FindStep(t, ipi, "munmap", OpKind::kGracePeriodWait, "rcu");
  ASSERT_GE(rcu, 0);
  ASSERT_GT(ipi, rcu);
  ASSERT_GT(waited, ipi);
  // Nothing orders gup's read before the free (the IPI does not wait for, nor is it ordered
  // after, an RCU reader with interrupts on), whichever ran first.
  EXPECT_NE(v->message.find("nothing (no lock, no RCU grace period) orders that use before the "
                            "free"),
            std::string::npos)
      << v->message;
  EXPECT_EQ(FindStep(t, 0, "gup", OpKind::kIrqDisable, "rcu"), -1);
}

}  // namespace
}  // namespace mmcheck
