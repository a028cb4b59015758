// Result: pass on every arch (the speculative reference is re-checked; on x86 bare metal the page
// tables are freed after a flush IPI that waits for gup-fast's IRQ-off section, on arm64 and an
// x86 KVM guest after an RCU grace period); +arm64@no-recheck: violation:invariant; @rcu-walk
// (gup-fast under rcu_read_lock() instead of with interrupts off): violation:use-after-free on
// x86, pass on arm64 (~rcu-walk+arm64); +arm64@table-free-without-rcu, +x86-guest@native-table-free:
// violation:use-after-free.
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
// mm/mmu_gather.c tlb_finish_mmu, tlb_remove_table_rcu; arch/x86/mm/tlb.c native_flush_tlb_multi;
// arch/x86/kernel/kvm.c kvm_guest_init; mm/page_alloc.c free_unref_page,
// rmqueue_pcplist.
// Checks: I-PT-6 (the page gup-fast hands out is the folio the entry mapped when it read it),
// I-PT-3 (no page table is freed under the IRQ-off walk: the tables' lifetimes) and, at the end,
// I-MAP-1 (every folio's counts match its mappings; nothing leaked).
// Twins: +arm64@no-recheck drops the `pmd_val(orig) != pmd_val(*pmdp)` re-check after
// try_grab_folio_fast: gup reads the entry, munmap zaps it and frees the page after its flush,
// the fault allocates the same page, and gup's speculative reference succeeds on the fault's new
// folio, which gup returns for an address it no longer maps: a DMA into another mapping's page.
// (Without the reuse the grab fails on the freed page's refcount 0, or happens before the free,
// and the caller merely writes into a page the process just unmapped.) On x86 bare metal the
// same twin passes: munmap's flush IPI, which frees the pages only after it, waits for gup's
// IRQ-off walk, so the page cannot be freed and reused under it. @rcu-walk walks under
// rcu_read_lock(), which x86's flush IPI does not wait for: munmap frees the PMD table under the
// walk; on arm64 the grace period waits for it and it passes. +arm64@table-free-without-rcu frees
// the PMD table without a grace period, and +x86-guest@native-table-free frees it at once after
// a PV flush that waits for no vCPU: both under gup's walk.
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

// x86 bare metal: the flush IPI, which waits for gup-fast's IRQ-off section, is what keeps the
// table alive; arm64 and an x86 KVM guest: the RCU grace period before tlb_remove_table_rcu.
MMCHECK_SCENARIO("gup/gup-fast-vs-thp-munmap", Expect::Pass(),
                 {.question = "Does gup-fast's re-check after the grab keep it from pinning an "
                              "anonymous THP that munmap has unmapped, and does x86's flush IPI "
                              "keep the PMD table alive under its IRQ-off walk?",
                  .spec = "S9",
                  .protocol = "v6.12"}) {
  GupFastVsMunmap(Knobs{}, /*thp=*/true, kPin);
}

MMCHECK_SCENARIO("gup/gup-fast-vs-thp-munmap+arm64@no-recheck",
                 Expect::Violation(ViolationKind::kInvariant, "I-PT-6"),
                 {.question = "On arm64, without the re-check of the PMD after "
                              "try_grab_folio_fast, does gup-fast pin a THP munmap has already "
                              "unmapped and freed?",
                  .spec = "S9",
                  .protocol = "v6.12"}) {
  GupFastVsMunmap(Knobs{.arch = model::Arch::kArm64, .gup_fast_rechecks = false}, /*thp=*/true,
                  kPin);
}

MMCHECK_SCENARIO("gup/gup-fast-vs-thp-munmap@rcu-walk",
                 Expect::Violation(ViolationKind::kUseAfterFree, "frees PMD table"),
                 {.question = "On x86 bare metal, if gup-fast walked under rcu_read_lock() "
                              "instead of with interrupts off, would munmap free the PMD table "
                              "under it (the flush IPI does not wait for RCU readers)?",
                  .spec = "S9",
                  .protocol = "v6.12"}) {
  GupFastVsMunmap(Knobs{.gup_fast_irq_off = false}, /*thp=*/true, kPin);
}

MMCHECK_SCENARIO("gup/gup-fast-vs-thp-munmap+arm64", Expect::Pass(),
                 {.question = "On arm64, where no flush IPI waits for it, does the RCU grace "
                              "period before tlb_remove_table_rcu keep the PMD table alive under "
                              "gup-fast's IRQ-off walk?",
                  .spec = "S9",
                  .protocol = "v6.12"}) {
  GupFastVsMunmap(Knobs{.arch = model::Arch::kArm64}, /*thp=*/true, kPin);
}

MMCHECK_SCENARIO("gup/gup-fast-vs-thp-munmap~rcu-walk+arm64", Expect::Pass(),
                 {.question = "On arm64, is a walk under rcu_read_lock() alone as safe as one with "
                              "interrupts off (page tables are freed after RCU)?",
                  .spec = "S9",
                  .protocol = "v6.12"}) {
  GupFastVsMunmap(Knobs{.arch = model::Arch::kArm64, .gup_fast_irq_off = false}, /*thp=*/true,
                  kPin);
}

MMCHECK_SCENARIO("gup/gup-fast-vs-thp-munmap~rcu-walk+arm64@table-free-without-rcu",
                 Expect::Violation(ViolationKind::kUseAfterFree, "frees PMD table"),
                 {.question = "On arm64, with gup-fast under rcu_read_lock(), if munmap freed the "
                              "PMD table without a grace period, would gup-fast read a freed "
                              "table?",
                  .spec = "S9",
                  .protocol = "v6.12"}) {
  GupFastVsMunmap(Knobs{.arch = model::Arch::kArm64,
                        .rcu_table_free = false,
                        .gup_fast_irq_off = false},
                  /*thp=*/true, kPin);
}

MMCHECK_SCENARIO("gup/gup-fast-vs-thp-munmap+arm64@table-free-without-rcu",
                 Expect::Violation(ViolationKind::kUseAfterFree, "frees PMD table"),
                 {.question = "On arm64, if munmap freed the PMD table without a grace period, "
                              "would gup-fast read a freed table?",
                  .spec = "S9",
                  .protocol = "v6.12"}) {
  GupFastVsMunmap(Knobs{.arch = model::Arch::kArm64, .rcu_table_free = false}, /*thp=*/true,
                  kPin);
}

MMCHECK_SCENARIO("gup/gup-fast-vs-thp-munmap+x86-guest", Expect::Pass(),
                 {.question = "In an x86 KVM guest with PV TLB flush, whose flush does not wait "
                              "for preempted vCPUs, does RCU table freeing keep the PMD table "
                              "alive under gup-fast's walk?",
                  .spec = "S9",
                  .protocol = "v6.12"}) {
  GupFastVsMunmap(Knobs{.arch = model::Arch::kX86Guest}, /*thp=*/true, kPin);
}

MMCHECK_SCENARIO("gup/gup-fast-vs-thp-munmap+x86-guest@native-table-free",
                 Expect::Violation(ViolationKind::kUseAfterFree, "frees PMD table"),
                 {.question = "If a KVM guest with PV TLB flush kept native_tlb_remove_table "
                              "(kvm_guest_init() not switching pv_ops.mmu.tlb_remove_table), "
                              "would munmap free the PMD table under gup-fast?",
                  .spec = "S9",
                  .protocol = "v6.12"}) {
  GupFastVsMunmap(Knobs{.arch = model::Arch::kX86Guest, .rcu_table_free = false}, /*thp=*/true,
                  kPin);
}

MMCHECK_SCENARIO("gup/gup-fast-vs-munmap", Expect::Pass(),
                 {.question = "Does gup-fast (FOLL_GET) at PTE level, racing with munmap, only "
                              "return the page while the PTE still maps it?",
                  .spec = "S9",
                  .protocol = "v6.12"}) {
  GupFastVsMunmap(Knobs{}, /*thp=*/false, model::FOLL_GET);
}

MMCHECK_SCENARIO("gup/gup-fast-vs-munmap@rcu-walk",
                 Expect::Violation(ViolationKind::kUseAfterFree, "frees PTE table"),
                 {.question = "On x86 bare metal, if gup-fast (FOLL_GET) walked under "
                              "rcu_read_lock() instead of with interrupts off, would munmap free "
                              "the PTE table under it?",
                  .spec = "S9",
                  .protocol = "v6.12"}) {
  GupFastVsMunmap(Knobs{.gup_fast_irq_off = false}, /*thp=*/false, model::FOLL_GET);
}

MMCHECK_SCENARIO("gup/gup-fast-vs-munmap+arm64", Expect::Pass(),
                 {.question = "On arm64 (RCU table freeing, no flush IPI), does gup-fast "
                              "(FOLL_GET) at PTE level only return the page while the PTE still "
                              "maps it, and never walk a freed table?",
                  .spec = "S9",
                  .protocol = "v6.12"}) {
  GupFastVsMunmap(Knobs{.arch = model::Arch::kArm64}, /*thp=*/false, model::FOLL_GET);
}

MMCHECK_SCENARIO("gup/gup-fast-vs-munmap+arm64@no-recheck",
                 Expect::Violation(ViolationKind::kInvariant, "I-PT-6"),
                 {.question = "On arm64, without the re-check of the PMD and PTE after the grab, "
                              "does gup-fast (FOLL_GET) return a page munmap has already unmapped "
                              "and freed?",
                  .spec = "S9",
                  .protocol = "v6.12"}) {
  GupFastVsMunmap(Knobs{.arch = model::Arch::kArm64, .gup_fast_rechecks = false}, /*thp=*/false,
                  model::FOLL_GET);
}

}  // namespace
}  // namespace mmcheck
