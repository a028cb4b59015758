// Whole-state invariants; see oracle.h.
#include "model/oracle.h"

#include <vector>

#include "absl/strings/str_cat.h"

namespace mmcheck::model {

std::string check_mem_map(MemMap* mem_map) {
  std::vector<int> mapped(mem_map->folios.size(), 0);
  for (MmStruct* mm : mem_map->mms) {
    for (unsigned long a = 0; a < static_cast<unsigned long>(kPages); ++a) {
      unsigned long first = a;
      const Entry pte = peek_pte(mm, a, &first);
      // A device-private entry maps its page too (it holds a mapcount and a reference).
      const bool maps = pte_present(pte) || pte.kind == EntryKind::kDevicePrivate;
      if (!maps || pte.special || first != a) continue;  // a huge leaf counts once
      Folio* folio = mem_map->pfn_folio(pte_pfn(pte));
      if (folio == nullptr) continue;
      if (folio->lifetime.freed()) {
        return absl::StrCat("I-MAP-1: address ", a, " still maps ", folio->name,
                            ", which was freed");
      }
      ++mapped[static_cast<size_t>(folio->pfn)];
    }
  }
  for (Folio* folio : mem_map->folios) {
    if (folio == nullptr || folio->lifetime.freed()) continue;
    const int want = mapped[static_cast<size_t>(folio->pfn)];
    // The swap cache's reference, and the page cache's (one per page).
    const bool cached = folio->mapping != nullptr && folio->mapping->peek() != nullptr;
    const int refs = want + (folio->swapcache.peek() ? 1 : 0) + (cached ? folio->nr_pages : 0);
    if (folio->_mapcount.peek() != want) {
      return absl::StrCat("I-MAP-1: ", folio->name, " has mapcount ", folio->_mapcount.peek(),
                          " but ", want, " PTE(s) map it");
    }
    if (folio->_refcount.peek() < want) {
      return absl::StrCat("I-MAP-1: ", folio->name, " has refcount ", folio->_refcount.peek(),
                          " below its ", want, " mapping(s)");
    }
    if (folio->_refcount.peek() > refs) {
      return absl::StrCat("I-MAP-1: ", folio->name, " is leaked: refcount ",
                          folio->_refcount.peek(), " with ", want, " mapping(s)",
                          folio->swapcache.peek() ? " and the swap cache" : "",
                          cached ? " and the page cache" : "",
                          " and nobody else holding it at the end");
    }
  }
  return "";
}

void check_mem_map_at_end(MemMap* mem_map) {
  AtEnd([mem_map] {
    const std::string why = check_mem_map(mem_map);
    if (!why.empty()) Violate(ViolationKind::kInvariant, why);
  });
}

std::string check_no_writable_pte(MmStruct* mm, unsigned long start, unsigned long end) {
  for (unsigned long a = start; a < end; ++a) {
    Vma* vma = mm->mm_mt[a].peek();
    if (vma == nullptr) continue;
    const Entry pte = peek_pte(mm, a);
    if (pte_present(pte) && pte_write(pte) && !(vma->vm_flags.peek() & VM_WRITE)) {
      return absl::StrCat("I-PT-7: the PTE for address ", a, " is writable (",
                          Entry::FormatTrace(pte.TraceValue()), ") but ", vma->name,
                          " is no longer VM_WRITE");
    }
    const TlbEntry& t = mm->tlb[a];
    if (t.stale && t.write && !(vma->vm_flags.peek() & VM_WRITE)) {
      return absl::StrCat("I-PT-7: a TLB entry for address ", a,
                          " still allows writes after mprotect returned (no flush)");
    }
  }
  return "";
}

}  // namespace mmcheck::model
