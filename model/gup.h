// mm/gup.c (v6.12): get_user_pages_fast() for one page (kernel-model.md 3.15), with the special
// checks of seed 003/05, the speculative reference and its re-check, and the slow GUP it falls
// back to.
//
// The IRQ-off section of gup_fast() is modeled as an RCU read-side section: with
// MMU_GATHER_RCU_TABLE_FREE (x86 since v6.x), what it holds off is the grace period a page-table
// free waits for, and it is atomic context (no sleeping). The reference on a normal page is
// speculative (folio_ref_try_add on a struct page that is never freed, see folio.h) and is kept
// only if the entry still maps the page afterwards: I-PT-6 is checked when gup-fast hands a page
// to its caller. Slow GUP is modeled only as far as its VM_IO|VM_PFNMAP refusal and a missing
// VMA; faulting a normal page in (faultin_page) asserts.
#ifndef MMCHECK_MODEL_GUP_H_
#define MMCHECK_MODEL_GUP_H_

#include "model/folio.h"
#include "model/mm_types.h"

namespace mmcheck::model {

inline constexpr unsigned int FOLL_WRITE = 0x01;
inline constexpr unsigned int FOLL_GET = 0x04;  // the model's stand-in for a plain GUP reference
inline constexpr unsigned int FOLL_PIN = 1 << 18;

// get_user_pages_fast(start, 1, gup_flags, pages) / pin_user_pages_fast() ->
// gup_fast_fallback(): for FOLL_PIN, write_protect_seq odd -> no fast path; local_irq_save;
// gup_fast_pgd_range down to the leaf: PUD/PMD leaf -> gup_fast_pud_leaf/gup_fast_pmd_leaf
// (`if (pmd_special(orig)) return 0`, knob gup_fast_checks_special; then pmd_page(), which for a
// pfn without a struct page is I-PFN-3; try_grab_folio_fast; the re-check of the entry, knob
// gup_fast_rechecks), PTE -> gup_fast_pte_range (pte_special -> bail; grab; re-check the PMD and
// the PTE); local_irq_restore; for FOLL_PIN, read_seqcount_retry. Nothing taken ->
// __gup_longterm_unlocked -> get_user_pages_unlocked: mmap_read_lock, vma_lookup (none ->
// -EFAULT), check_vma_flags (VM_IO|VM_PFNMAP -> -EFAULT), mmap_read_unlock.
// Returns the number of pages (0 or 1) or -EFAULT (-14); `*page` gets the folio taken.
int get_user_pages_fast(MmStruct* mm, unsigned long start, unsigned int gup_flags,
                        Folio** page = nullptr);

// unpin_user_page() (FOLL_PIN) / put_page() (FOLL_GET): gup_put_folio(folio, 1, flags).
void gup_put_folio(Folio* folio, int refs, unsigned int gup_flags);

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_GUP_H_
