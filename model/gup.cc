// get_user_pages_fast; see gup.h.
#include "model/gup.h"

#include "absl/strings/str_cat.h"
#include "model/huge_memory.h"
#include "model/memory.h"
#include "model/mmap_lock.h"

namespace mmcheck::model {
namespace {

// What gup-fast took, and what the model knows of it (ghost state, no steps): the folio the
// entry mapped when gup-fast read it.
struct Grab {
  Folio* folio = nullptr;
  Folio* seen = nullptr;
  Entry orig;
  Level level = Level::kPte;  // of the entry read
};

// try_grab_folio_fast() (mm/gup.c v6.10+): FOLL_GET -> try_get_folio(page, refs); FOLL_PIN ->
// the same, then for a large folio atomic_add(refs, &folio->_pincount), else
// folio_ref_add(refs * (GUP_PIN_COUNTING_BIAS - 1)). try_get_folio(): folio = page_folio(page);
// folio_ref_try_add(folio, refs), else NULL; if page_folio(page) != folio (the folio was split or
// the page freed and reused in between) folio_put_refs and retry. The pin count and bias are not
// modeled: nothing in the model reads them (folio_maybe_dma_pinned), so a pin is one reference.
Folio* try_grab_folio_fast(MemMap* mem_map, int pfn, int refs) {
  for (;;) {
    Folio* folio = mem_map->page_folio(pfn);
    if (!folio_ref_try_add(folio, refs)) return nullptr;
    if (mem_map->page_folio(pfn) == folio) return folio;
    folio_put_refs(folio, refs);
  }
}

// gup_must_unshare(NULL, flags, page) (include/linux/mm.h v6.12): only FOLL_PIN without
// FOLL_WRITE of an anonymous page asks, and then the answer is !PageAnonExclusive, which the
// model's read-only anonymous leaves would need; none of its scenarios pins one.
bool gup_must_unshare(unsigned int flags, Folio* folio) {
  if ((flags & (FOLL_WRITE | FOLL_PIN)) != FOLL_PIN) return false;
  MMCHECK_ASSERT_MSG(false, "gup_must_unshare() of ", folio->name, " is not modeled");
  return false;
}

// The grab and the re-check, shared by the leaf and PTE paths: try_grab_folio_fast, then
// `if (unlikely(pmd_val(orig) != pmd_val(*pmdp)))` (and for a PTE also the PMD it came from) ->
// gup_put_folio and nothing taken. The re-check is skipped with knob gup_fast_rechecks off. True
// if the reference is kept.
bool grab_and_recheck(MmStruct* mm, int pfn, unsigned int flags, PageTable* table,
                      unsigned long addr, const Entry& orig, PageTable* pmdp, const Entry& pmd,
                      Grab* grab) {
  grab->seen = mm->mem_map->pfn_folio(pfn);  // ghost: the folio the entry mapped when read
  grab->orig = orig;
  grab->level = table->level;
  Folio* folio = try_grab_folio_fast(mm->mem_map, pfn, 1);
  if (folio == nullptr) return false;
  if (mm->knobs.gup_fast_rechecks) {
    const bool changed = (pmdp != nullptr && !pmd_same(pmd, ptep_get(pmdp, addr))) ||
                         !pte_same(orig, ptep_get(table, addr));
    if (changed) {
      gup_put_folio(folio, 1, flags);
      return false;
    }
  }
  // gup_fast_folio_allowed(): true without FOLL_LONGTERM, which the model does not use.
  if (!pte_write(orig) && gup_must_unshare(flags, folio)) {
    gup_put_folio(folio, 1, flags);
    return false;
  }
  grab->folio = folio;
  return true;  // folio_set_referenced; *nr += refs
}

// gup_fast_pmd_leaf() / gup_fast_pud_leaf() (v6.12 with 003/05): 1 if it took the page.
int gup_fast_leaf(MmStruct* mm, PageTable* table, const Entry& orig, unsigned long addr,
                  unsigned int flags, Grab* grab) {
  if ((flags & FOLL_WRITE) && !pte_write(orig)) return 0;  // pmd_access_permitted
  if (mm->knobs.gup_fast_checks_special && orig.special) return 0;  // if (pmd_special(orig))
  // page = pmd_page(orig) (+ the subpage of addr). A pfnmap's pfn has no struct page.
  if (mm->mem_map->pfn_folio(orig.val) == nullptr) {
    Violate(ViolationKind::kInvariant,
            absl::StrCat("I-PFN-3: gup-fast takes pmd_page() of the special leaf for address ",
                         addr, " (", Entry::FormatTrace(orig.TraceValue()), "): pfn ", orig.val,
                         " is MMIO with no struct page, and try_grab_folio_fast() would take a "
                         "reference on whatever memmap entry is there"));
  }
  return grab_and_recheck(mm, orig.val, flags, table, addr, orig, nullptr, Entry{}, grab) ? 1 : 0;
}

// gup_fast_pte_range() (v6.12) for one page: pte_offset_map(&pmd, addr) works on the PMD value
// already read (its rcu_read_lock nests in the IRQ-off section and adds nothing);
// ptep_get_lockless; pte_protnone and devmap are not modeled; !pte_access_permitted and
// pte_special bail; grab; re-check the PMD and the PTE (also in the 2026 mm tree, lore
// "mm/gup: add lockless access semantics on entries validation", which only changes how they
// are read).
int gup_fast_pte(MmStruct* mm, PageTable* pmdp, const Entry& pmd, unsigned long addr,
                 unsigned int flags, Grab* grab) {
  PageTable* ptep = entry_table(pmd);
  const Entry pte = ptep_get(ptep, addr);  // ptep_get_lockless
  if (!pte_present(pte)) return 0;
  if ((flags & FOLL_WRITE) && !pte_write(pte)) return 0;  // pte_access_permitted
  if (pte.special) return 0;                                // pte_special -> goto pte_unmap
  MMCHECK_ASSERT_MSG(mm->mem_map->pfn_folio(pte_pfn(pte)) != nullptr,
                     "VM_WARN_ON_ONCE(!pfn_valid(pte_pfn(pte)))");
  return grab_and_recheck(mm, pte_pfn(pte), flags, ptep, addr, pte, pmdp, pmd, grab) ? 1 : 0;
}

// gup_fast() under local_irq_save: the walk with lockless reads.
int gup_fast(MmStruct* mm, unsigned long addr, unsigned int flags, Grab* grab) {
  // local_irq_save(flags). Knob gup_fast_irq_off off: rcu_read_lock() instead.
  const bool irq_off = mm->knobs.gup_fast_irq_off;
  irq_off ? LocalIrqDisable() : RcuReadLock();
  int nr = 0;
  PageTable* pudp = pud_table(mm);
  const Entry pud = ptep_get(pudp, addr);  // READ_ONCE(*pudp)
  if (pud_trans_huge(pud)) {
    nr = gup_fast_leaf(mm, pudp, pud, addr, flags, grab);  // gup_fast_pud_leaf
  } else if (pud.kind == EntryKind::kTable) {
    PageTable* pmdp = entry_table(pud);
    const Entry pmd = ptep_get(pmdp, addr);  // pmdp_get_lockless(pmdp)
    if (pmd_trans_huge(pmd)) {
      nr = gup_fast_leaf(mm, pmdp, pmd, addr, flags, grab);  // gup_fast_pmd_leaf
    } else if (pmd.kind == EntryKind::kTable) {
      nr = gup_fast_pte(mm, pmdp, pmd, addr, flags, grab);  // gup_fast_pte_range
    }
  }
  irq_off ? LocalIrqEnable() : RcuReadUnlock();  // local_irq_restore(flags)
  return nr;
}

}  // namespace

void gup_put_folio(Folio* folio, int refs, unsigned int gup_flags) {
  (void)gup_flags;  // FOLL_PIN: the _pincount / bias part is not modeled (see above)
  folio_put_refs(folio, refs);
}

int get_user_pages_fast(MmStruct* mm, unsigned long start, unsigned int gup_flags, Folio** page) {
  int seq = 0;
  if (gup_flags & FOLL_PIN) {
    seq = mm->write_protect_seq.load();  // raw_read_seqcount(&current->mm->write_protect_seq)
    if (seq & 1) seq = -1;               // fork in progress: no fast path
  }
  Grab grab;
  int nr = 0;
  if (seq >= 0) {
    nr = gup_fast(mm, start, gup_flags, &grab);
    if ((gup_flags & FOLL_PIN) && nr > 0 && mm->write_protect_seq.load() != seq) {
      gup_put_folio(grab.folio, 1, gup_flags);  // gup_fast_unpin_user_pages
      nr = 0;
    }
  }
  if (nr == 1) {
    // I-PT-6: the page handed to the caller is the folio the entry mapped when gup-fast read it.
    // Else the page was unmapped, freed and allocated again in between, and the caller now holds
    // (and will write into) a page that belongs to someone else.
    if (grab.folio != grab.seen) {
      Violate(ViolationKind::kInvariant,
              absl::StrCat("I-PT-6: gup-fast returns ", grab.folio->name, " for address ", start,
                           ": the ", LevelName(grab.level), " it read (",
                           Entry::FormatTrace(grab.orig.TraceValue()), ") mapped ",
                           grab.seen->name, ", which was unmapped and freed, and its page "
                           "allocated again, before the grab; nothing re-read the entry after "
                           "the grab"));
    }
    if (page != nullptr) *page = grab.folio;
    return 1;
  }
  // __gup_longterm_unlocked() -> get_user_pages_unlocked() -> __get_user_pages_locked().
  mmap_read_lock(mm);
  int ret = -14;  // -EFAULT
  if (Vma* vma = find_vma(mm, start)) {  // vma_lookup; none -> -EFAULT
    vma->vm_flags.read();
    // check_vma_flags(): if (vm_flags & (VM_IO | VM_PFNMAP)) return -EFAULT;
    MMCHECK_ASSERT_MSG(vma->vm_flags.peek() & (VM_IO | VM_PFNMAP),
                       "slow GUP of normal memory (faultin_page) is not modeled");
  }
  mmap_read_unlock(mm);
  return ret;
}

}  // namespace mmcheck::model
