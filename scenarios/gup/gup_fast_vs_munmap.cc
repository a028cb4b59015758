// Result: pass (the speculative reference is re-checked; page tables are freed after an RCU grace
// period); @no-recheck: violation:invariant; @table-free-without-rcu: violation:use-after-free.
// Question: can gup-fast, walking without locks with IRQs off, hand its caller a page that a
// racing munmap has freed and the allocator has given to someone else, or read a page table
// munmap has freed? (kernel-model.md S9 (b))
// Threads: "gup" (pin_user_pages_fast(FOLL_WRITE) of address 0, then a write into the pinned
// page and unpin_user_page), "munmap" (munmap of the VMA [0, 2): zap, free_pgtables,
// tlb_finish_mmu) and "fault" (a write fault of another process, sharing only the page allocator,
// at address 0 of its anonymous VMA [0, 2); its page allocation takes the page munmap freed if it
// was freed already: the per-CPU free list is LIFO). The VMA [0, 2) is private anonymous memory mapped by an anonymous THP (a PMD leaf,
// gup/gup-fast-vs-thp-munmap, FOLL_PIN) or by an order-0 page in a PTE (gup/gup-fast-vs-munmap,
// FOLL_GET).
// Kernel paths: mm/gup.c gup_fast_fallback, gup_fast, gup_fast_pmd_leaf, gup_fast_pte_range,
// try_grab_folio_fast, try_get_folio (v6.12); mm/vma.c do_vmi_align_munmap; mm/memory.c
// unmap_page_range, free_pgtables, do_anonymous_page; mm/huge_memory.c zap_huge_pmd;
// mm/mmu_gather.c tlb_finish_mmu, tlb_remove_table_rcu; mm/page_alloc.c free_unref_page,
// rmqueue_pcplist.
// Checks: I-PT-6 (the page gup-fast hands out is the folio the entry mapped when it read it),
// I-PT-3 (no page table is freed under the IRQ-off walk: the tables' lifetimes) and, at the end,
// I-MAP-1 (every folio's counts match its mappings; nothing leaked).
// Twins: @no-recheck drops the `pmd_val(orig) != pmd_val(*pmdp)` re-check after
// try_grab_folio_fast: gup reads the entry, munmap zaps it and frees the page after its flush,
// the fault allocates the same page, and gup's speculative reference succeeds on the fault's new
// folio, which gup returns for an address it no longer maps: a DMA into another mapping's page.
// (Without the reuse the grab fails on the freed page's refcount 0, or happens before the free,
// and the caller merely writes into a page the process just unmapped.) @table-free-without-rcu
// frees the PMD table in tlb_finish_mmu without a grace period, under gup's walk.
#include "explorer/runtime/scenario.h"
#include "model/fault.h"
#include "model/gup.h"
#include "model/huge_memory.h"
#include "model/oracle.h"
#include "model/vma.h"

namespace mmcheck {
namespace {

using model::Knobs;

void GupFastVsMunmap(Knobs knobs, bool thp, unsigned int flags) {
  model::MmStruct* mm = Make<model::MmStruct>(knobs);
  constexpr unsigned long kAnon =
      model::VM_READ | model::VM_WRITE | model::VM_MAYREAD | model::VM_MAYWRITE;
  mm->map(0, 2, kAnon)->anon_vma.store(true);
  mm->mem_map->reuse_freed_pages = true;
  // Another process, sharing only the page allocator.
  model::MmStruct* other = Make<model::MmStruct>(knobs, mm->mem_map, model::MmRole::kOther);
  other->map(0, 2, kAnon)->anon_vma.store(true);
  if (thp) {
    // do_huge_pmd_anonymous_page() left: an exclusive THP, mapped writable by a PMD leaf.
    model::Folio* folio = mm->mem_map->folio_alloc_setup(
        /*refcount=*/1, /*mapcount=*/1, /*anon_exclusive=*/true, model::PMD_ORDER);
    mm->set_huge_setup(model::Level::kPmd, 0,
                       model::pte_mkyoung(model::pte_mkdirty(
                           model::pte_mkwrite(model::mk_pte(folio->pfn)))));
  } else {
    model::Folio* folio = mm->mem_map->folio_alloc_setup(/*refcount=*/1, /*mapcount=*/1,
                                                         /*anon_exclusive=*/true);
    mm->map_page(0, folio, /*write=*/true);
  }
  Spawn("gup", [mm, flags] {
    model::Folio* page = nullptr;
    const int got = model::get_user_pages_fast(mm, 0, flags, &page);
    if (got == 1) {
      page->lifetime.Use("the caller writes into the page it pinned (a DMA into it)");
      model::gup_put_folio(page, 1, flags);  // unpin_user_page / put_page
    } else {
      MMCHECK_ASSERT_MSG(got == -14, "GUP after munmap returned ", got, ", not -EFAULT");
    }
  });
  Spawn("munmap", [mm] { model::do_munmap(mm, 0, 2); });
  Spawn("fault", [other] { model::user_access(other, 0, /*write=*/true); });
  model::check_mem_map_at_end(mm->mem_map);
}

constexpr unsigned int kPin = model::FOLL_WRITE | model::FOLL_PIN;

MMCHECK_SCENARIO("gup/gup-fast-vs-thp-munmap", Expect::Pass(),
                 {.question = "Does gup-fast's re-check after the grab keep it from pinning an "
                              "anonymous THP that munmap has unmapped, and does RCU table "
                              "freeing keep the PMD table alive under its walk?",
                  .spec = "S9",
                  .protocol = "v6.12"}) {
  GupFastVsMunmap(Knobs{}, /*thp=*/true, kPin);
}

MMCHECK_SCENARIO("gup/gup-fast-vs-thp-munmap@no-recheck",
                 Expect::Violation(ViolationKind::kInvariant, "I-PT-6"),
                 {.question = "Without the re-check of the PMD after try_grab_folio_fast, does "
                              "gup-fast pin a THP munmap has already unmapped?",
                  .spec = "S9",
                  .protocol = "v6.12"}) {
  GupFastVsMunmap(Knobs{.gup_fast_rechecks = false}, /*thp=*/true, kPin);
}

MMCHECK_SCENARIO("gup/gup-fast-vs-thp-munmap@table-free-without-rcu",
                 Expect::Violation(ViolationKind::kUseAfterFree, "frees PMD table"),
                 {.question = "If munmap freed the PMD table without waiting for IRQ-off "
                              "sections, would gup-fast read a freed table?",
                  .spec = "S9",
                  .protocol = "v6.12"}) {
  GupFastVsMunmap(Knobs{.rcu_table_free = false}, /*thp=*/true, kPin);
}

MMCHECK_SCENARIO("gup/gup-fast-vs-munmap", Expect::Pass(),
                 {.question = "Does gup-fast (FOLL_GET) at PTE level, racing with munmap, only "
                              "return the page while the PTE still maps it?",
                  .spec = "S9",
                  .protocol = "v6.12"}) {
  GupFastVsMunmap(Knobs{}, /*thp=*/false, model::FOLL_GET);
}

MMCHECK_SCENARIO("gup/gup-fast-vs-munmap@no-recheck",
                 Expect::Violation(ViolationKind::kInvariant, "I-PT-6"),
                 {.question = "Without the re-check of the PMD and PTE after the grab, does "
                              "gup-fast (FOLL_GET) return a page munmap has already unmapped?",
                  .spec = "S9",
                  .protocol = "v6.12"}) {
  GupFastVsMunmap(Knobs{.gup_fast_rechecks = false}, /*thp=*/false, model::FOLL_GET);
}

}  // namespace
}  // namespace mmcheck
