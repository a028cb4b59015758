// The model's operations one thread at a time (what each leaves behind), and the checks the model
// makes on every use: I-VMA-1 (a VMA touched after its lock was dropped), I-PT-2 (an entry
// written without its lock), a folio freed under a stale TLB entry.
#include <functional>
#include <string>

#include "explorer/api.h"
#include "explorer/runtime/explorer.h"
#include "explorer/search/dfs_strategy.h"
#include "gtest/gtest.h"
#include "model/fault.h"
#include "model/madvise.h"
#include "model/memory.h"
#include "model/mprotect.h"
#include "model/oracle.h"
#include "model/vma.h"
#include "model/swap_state.h"
#include "model/vma_lock.h"

namespace mmcheck::model {
namespace {

constexpr unsigned long kRw = VM_READ | VM_WRITE | VM_MAYWRITE;
constexpr unsigned int kWrite = FAULT_FLAG_USER | FAULT_FLAG_WRITE;

// Runs `body` (which spawns the threads) through every interleaving; returns what was found.
ExploreResult ExploreAll(std::function<void()> body) {
  DfsStrategy dfs;
  ExploreOptions options;
  options.find_all = true;
  return Explore([&] { body(); }, dfs, options);
}

void ExpectConsistent(MmStruct* mm) { EXPECT_EQ(check_mem_map(mm->mem_map), ""); }

TEST(ModelTest, AnonymousWriteFaultMapsAWritableExclusivePage) {
  const ExploreResult r = ExploreAll([] {
    MmStruct* mm = Make<MmStruct>(Knobs{});
    mm->map(0, 2, kRw);
    vm_fault_t* ret = Make<vm_fault_t>(~0u);
    Spawn("fault", [mm, ret] { *ret = do_user_addr_fault(mm, 1, kWrite); });
    AtEnd([mm, ret] {
      EXPECT_EQ(*ret, 0u);
      const Entry pte = peek_pte(mm, 1);
      EXPECT_TRUE(pte_present(pte) && pte.write && pte.dirty && pte.young);
      Folio* folio = mm->mem_map->pfn_folio(pte_pfn(pte));
      ASSERT_NE(folio, nullptr);
      EXPECT_TRUE(folio->anon_exclusive.peek());
      EXPECT_TRUE(pte_none(peek_pte(mm, 0)));
      EXPECT_TRUE(mm->vmas[0]->anon_vma.peek());  // vmf_anon_prepare under mmap_read_trylock
      ExpectConsistent(mm);
    });
  });
  EXPECT_TRUE(r.violations.empty()) << r.violations[0].message;
  EXPECT_EQ(r.executions, 1u);
}

TEST(ModelTest, ReadFaultMapsTheZeroPageAndAWriteThenCopiesIt) {
  const ExploreResult r = ExploreAll([] {
    MmStruct* mm = Make<MmStruct>(Knobs{});
    mm->map(0, 2, kRw);
    Spawn("fault", [mm] {
      EXPECT_EQ(do_user_addr_fault(mm, 0, FAULT_FLAG_USER), 0u);
      const Entry zero = peek_pte(mm, 0);
      EXPECT_TRUE(pte_present(zero) && zero.special && !zero.write);
      EXPECT_EQ(pte_pfn(zero), ZERO_PFN);
      EXPECT_EQ(do_user_addr_fault(mm, 0, kWrite), 0u);  // do_wp_page -> wp_page_copy
    });
    AtEnd([mm] {
      const Entry pte = peek_pte(mm, 0);
      EXPECT_TRUE(pte_present(pte) && pte.write && !pte.special);
      EXPECT_NE(pte_pfn(pte), ZERO_PFN);
      EXPECT_TRUE(mm->tlb[0].stale == false);  // ptep_clear_flush flushed the zero-page entry
      ExpectConsistent(mm);
    });
  });
  EXPECT_TRUE(r.violations.empty()) << r.violations[0].message;
}

TEST(ModelTest, WriteToAnExclusiveReadOnlyPageReusesIt) {
  const ExploreResult r = ExploreAll([] {
    MmStruct* mm = Make<MmStruct>(Knobs{});
    mm->map(0, 2, kRw)->anon_vma.store(true);
    Folio* folio = mm->mem_map->folio_alloc_setup(1, 1, /*anon_exclusive=*/true);
    mm->map_page(0, folio, /*write=*/false);
    Spawn("fault", [mm] { EXPECT_EQ(do_user_addr_fault(mm, 0, kWrite), 0u); });
    AtEnd([mm, folio] {
      const Entry pte = peek_pte(mm, 0);
      EXPECT_EQ(pte_pfn(pte), folio->pfn);  // wp_page_reuse: same page, now writable
      EXPECT_TRUE(pte.write && pte.dirty);
      EXPECT_EQ(mm->mem_map->folios.size(), 2u);  // nothing allocated
      ExpectConsistent(mm);
    });
  });
  EXPECT_TRUE(r.violations.empty()) << r.violations[0].message;
}

TEST(ModelTest, WriteToASharedPageCopiesIt) {
  const ExploreResult r = ExploreAll([] {
    MmStruct* mm = Make<MmStruct>(Knobs{});
    MmStruct* child = Make<MmStruct>(Knobs{}, mm->mem_map);
    mm->map(0, 2, kRw)->anon_vma.store(true);
    child->map(0, 2, kRw)->anon_vma.store(true);
    Folio* folio = mm->mem_map->folio_alloc_setup(2, 2, /*anon_exclusive=*/false);
    mm->map_page(0, folio, false);
    child->map_page(0, folio, false);
    Spawn("fault", [mm] { EXPECT_EQ(do_user_addr_fault(mm, 0, kWrite), 0u); });
    AtEnd([mm, child, folio] {
      const Entry pte = peek_pte(mm, 0);
      EXPECT_NE(pte_pfn(pte), folio->pfn);
      EXPECT_TRUE(pte.write);
      EXPECT_EQ(pte_pfn(peek_pte(child, 0)), folio->pfn);
      EXPECT_EQ(folio->_mapcount.peek(), 1);
      EXPECT_EQ(folio->_refcount.peek(), 1);
      ExpectConsistent(mm);
    });
  });
  EXPECT_TRUE(r.violations.empty()) << r.violations[0].message;
}

// Pages go after the flush on every arch; the page tables munmap frees go right after the flush
// IPI on x86 bare metal (in munmap itself), and after an RCU grace period (a callback thread) on
// arm64.
TEST(ModelTest, DontneedAndMunmapFreePagesAfterTheFlushAndTablesPerArch) {
  for (const Arch arch : {Arch::kX86, Arch::kArm64}) {
    const ExploreResult r = ExploreAll([arch] {
      MmStruct* mm = Make<MmStruct>(Knobs{.arch = arch});
      mm->map(0, 2, kRw);
      mm->map(2, 4, kRw);
      Spawn("task", [mm, arch] {
        EXPECT_EQ(do_user_addr_fault(mm, 0, kWrite), 0u);
        EXPECT_EQ(do_user_addr_fault(mm, 2, kWrite), 0u);
        madvise_dontneed(mm, 0, 2);
        EXPECT_TRUE(pte_none(peek_pte(mm, 0)));
        EXPECT_TRUE(mm->mem_map->folios[1]->lifetime.freed());
        PageTable* pte_table = mm->pud_table->slot(0).peek().table->slot(2).peek().table;
        ASSERT_NE(pte_table, nullptr);
        do_munmap(mm, 2, 4);
        if (arch == Arch::kX86) {
          EXPECT_TRUE(pte_table->lifetime.freed());
        }
        AtEnd([pte_table] { EXPECT_TRUE(pte_table->lifetime.freed()); });
      });
      AtEnd([mm] {
        EXPECT_TRUE(mm->mem_map->folios[2]->lifetime.freed());
        // [0, 2) is still mapped, so the PMD table stays; the PTE table of [2, 4) is gone.
        const Entry pud = mm->pud_table->slot(0).peek();
        ASSERT_EQ(pud.kind, EntryKind::kTable);
        EXPECT_EQ(pud.table->slot(0).peek().kind, EntryKind::kTable);
        EXPECT_TRUE(pmd_none(pud.table->slot(2).peek()));
        for (size_t p = 0; p < mm->tlb.size(); ++p) EXPECT_FALSE(mm->tlb[p].stale) << p;
        ExpectConsistent(mm);
      });
    });
    EXPECT_TRUE(r.violations.empty()) << r.violations[0].message;
    EXPECT_TRUE(r.complete);  // the RCU callbacks run in every order against the task's steps
    // x86: one thread's steps, one execution; arm64: the table's RCU callback (and the VMA's,
    // on both) interleave with the task.
    EXPECT_GT(r.executions, 1u);
  }
}

// do_user_addr_fault per version: a write to a read-only VMA is an access error under the VMA
// lock; v6.4 to v6.9 drop the VMA lock and retry under mmap_lock (which finds the same error),
// v6.10+ end the fault there. SIGSEGV either way.
TEST(ModelTest, TheFaultHandlerOfEachVersionHandlesAnAccessErrorItsWay) {
  for (const X86FaultHandler handler :
       {X86FaultHandler::kV6_4, X86FaultHandler::kV6_8, X86FaultHandler::kV6_10}) {
    bool took_mmap_lock = false;
    vm_fault_t ret = 0;
    const ExploreResult r = ExploreAll([&] {
      MmStruct* mm = Make<MmStruct>(Knobs{.x86_fault_handler = handler});
      mm->map(0, 2, VM_READ);
      Spawn("fault", [mm, &ret] { ret = do_user_addr_fault(mm, 1, kWrite); });
      AtEnd([&] {
        const Execution& e = CurrentExecution();
        for (int i = 0; i < e.performed_steps(); ++i) {
          const Step& step = e.trace().steps[static_cast<size_t>(i)];
          took_mmap_lock |= step.object >= 0 && e.trace().ObjectName(step) == "mmap_lock";
        }
      });
    });
    EXPECT_TRUE(r.violations.empty()) << r.violations[0].message;
    EXPECT_EQ(ret, VM_FAULT_SIGSEGV);
    EXPECT_EQ(took_mmap_lock, handler != X86FaultHandler::kV6_10) << static_cast<int>(handler);
  }
}

// do_swap_page: a write fault on a swap entry whose folio only the swap cache holds frees the
// slot and takes the folio out of the swap cache (should_try_to_free_swap -> folio_free_swap), so
// the write reuses the page; a read fault keeps both (issue 16 item 8: the model kept them).
TEST(ModelTest, AWriteSwapFaultFreesTheSwapCacheAndAReadKeepsIt) {
  for (const bool write : {true, false}) {
    for (const bool frees : {true, false}) {
      const ExploreResult r = ExploreAll([write, frees] {
        MmStruct* mm = Make<MmStruct>(Knobs{.do_swap_page_frees_swap = frees});
        mm->map(0, 2, kRw)->anon_vma.store(true);
        // Only the swap cache holds it (add_to_swap_cache_setup takes the cache's reference).
        Folio* folio = mm->mem_map->folio_alloc_setup(0, 0, /*anon_exclusive=*/false);
        folio->uptodate.write(true);
        mm->mem_map->add_to_swap_cache_setup(folio, /*entry=*/0, /*count=*/1);
        mm->set_pte_setup(0, swp_entry_to_pte(0));
        Spawn("fault", [mm, write] {
          EXPECT_EQ(do_user_addr_fault(mm, 0, write ? kWrite : FAULT_FLAG_USER) &
                        ~VM_FAULT_MAJOR,
                    0u);
        });
        AtEnd([mm, folio, write, frees] {
          const Entry pte = peek_pte(mm, 0);
          ASSERT_TRUE(pte_present(pte));
          const bool freed = write && frees;
          EXPECT_EQ(folio->swapcache.peek(), !freed) << write << frees;
          EXPECT_EQ(mm->mem_map->swap_map[0].peek(), freed ? 0 : SWAP_HAS_CACHE) << write << frees;
          // Without the swap cache's reference the write reuses the page; with it, it copies.
          if (write) {
            EXPECT_EQ(pte_pfn(pte) == folio->pfn, freed) << frees;
          }
        });
      });
      EXPECT_TRUE(r.violations.empty()) << r.violations[0].message;
    }
  }
}

TEST(ModelTest, MprotectWriteProtectsAndFlushes) {
  const ExploreResult r = ExploreAll([] {
    MmStruct* mm = Make<MmStruct>(Knobs{});
    mm->map(0, 2, kRw);
    Spawn("task", [mm] {
      EXPECT_EQ(do_user_addr_fault(mm, 0, kWrite), 0u);
      do_mprotect(mm, 0, 2, VM_READ);
      EXPECT_EQ(do_user_addr_fault(mm, 0, kWrite), VM_FAULT_SIGSEGV);  // access_error
    });
    AtEnd([mm] {
      const Entry pte = peek_pte(mm, 0);
      EXPECT_TRUE(pte_present(pte) && !pte.write);
      EXPECT_EQ(check_no_writable_pte(mm, 0, 2), "");
    });
  });
  EXPECT_TRUE(r.violations.empty()) << r.violations[0].message;
}

TEST(ModelTest, TouchingAVmaAfterVmaEndReadIsUseAfterUnlock) {
  const ExploreResult r = ExploreAll([] {
    MmStruct* mm = Make<MmStruct>(Knobs{});
    mm->map(0, 2, kRw);
    Spawn("fault", [mm] {
      Vma* vma = lock_vma_under_rcu(mm, 0);
      ASSERT_NE(vma, nullptr);
      vma_use(vma, "reads vma->vm_flags");  // fine: read-locked
      vma_end_read(vma);
      vma_use(vma, "reads vma->vm_mm");  // "CAUTION! VMA can't be used after this"
    });
  });
  const Violation* v = r.Find(ViolationKind::kUseAfterFree);
  ASSERT_NE(v, nullptr);
  EXPECT_NE(v->message.find("I-VMA-1: thread 'fault' reads vma->vm_mm of VMA [0, 2) without "
                            "holding mmap_lock or its VMA lock"),
            std::string::npos)
      << v->message;
}

TEST(ModelTest, WritingAnEntryWithoutItsLockBreaksIPT2) {
  const ExploreResult r = ExploreAll([] {
    MmStruct* mm = Make<MmStruct>(Knobs{});
    mm->map(0, 2, kRw);
    Spawn("writer", [mm] { set_entry(mm->pud_table, 0, pte_mkwrite(mk_pte(5))); });
  });
  const Violation* v = r.Find(ViolationKind::kInvariant);
  ASSERT_NE(v, nullptr);
  EXPECT_NE(v->message.find("I-PT-2: an entry of PUD table [0, 8) (address 0) is written without "
                            "holding its lock"),
            std::string::npos)
      << v->message;
}

TEST(ModelTest, FreeingAFolioBeforeTheTlbFlushIsUseAfterFree) {
  const ExploreResult r = ExploreAll([] {
    MmStruct* mm = Make<MmStruct>(Knobs{});
    mm->map(0, 2, kRw);
    Folio* folio = mm->mem_map->folio_alloc_setup(1, 1, true);
    mm->map_page(0, folio, true);
    Spawn("zap", [mm, folio] {
      PageTable* pte = pte_offset_map_lock(entry_table(mm->pud_table->slot(0).peek()), 0);
      ASSERT_NE(pte, nullptr);
      ptep_get_and_clear(pte, 0);
      pte_unmap_unlock(pte);
      folio_remove_rmap_pte(folio);
      folio_put(folio);  // no tlb_finish_mmu: the freed page is still reachable through the TLB
    });
  });
  const Violation* v = r.Find(ViolationKind::kUseAfterFree);
  ASSERT_NE(v, nullptr);
  EXPECT_NE(v->message.find("folio 1 is freed while a TLB entry for address 0 still translates "
                            "to it"),
            std::string::npos)
      << v->message;
}

}  // namespace
}  // namespace mmcheck::model
