// MmStruct and Vma; see mm_types.h.
#include "model/mm_types.h"

#include "absl/strings/str_cat.h"

namespace mmcheck::model {

Vma::Vma(MmStruct* mm, unsigned long start, unsigned long end, unsigned long flags)
    : vm_mm(mm),
      vm_start(start),
      vm_end(end),
      vm_flags(flags, "vm_flags"),
      vm_page_prot(vm_get_page_prot(flags), "vm_page_prot"),
      vm_userfaultfd_ctx(nullptr, "vm_userfaultfd_ctx"),
      anon_vma(false, "anon_vma"),
      vm_lock("vm_lock"),
      vm_lock_seq(-1, "vm_lock_seq"),
      detached(false, "detached"),
      vm_lock_count(0, "vm_lock->count"),
      name(absl::StrCat("VMA [", start, ", ", end, ")")),
      lifetime(name.c_str()) {}

unsigned long vm_get_page_prot(unsigned long vm_flags) {
  return vm_flags & (VM_READ | VM_WRITE | VM_SHARED);
}

MmStruct::MmStruct(Knobs k, MemMap* m)
    : knobs(k),
      mem_map(m != nullptr ? m : Make<MemMap>()),
      mmap_lock("mmap_lock"),
      mm_lock_seq(0, "mm_lock_seq"),
      page_table_lock("page_table_lock"),
      pud_table(Make<PageTable>(this, Level::kPud, 0)),
      tlb(kPages) {
  mm_mt.reserve(kPages);
  for (int p = 0; p < kPages; ++p) mm_mt.emplace_back(nullptr, "mm_mt", p);
  mem_map->mms.push_back(this);
}

void MmStruct::map_page(unsigned long address, Folio* folio, bool write) {
  Entry pte = pte_mkyoung(mk_pte(folio->pfn));
  if (write) pte = pte_mkdirty(pte_mkwrite(pte));
  set_pte_setup(address, pte);
}

void MmStruct::set_pte_setup(unsigned long address, Entry pte) {
  Entry pud = pud_table->slot(address).peek();
  if (pud.kind != EntryKind::kTable) {
    const unsigned long first = address - address % PUD_PAGES;
    pud = mk_table_entry(Make<PageTable>(this, Level::kPmd, first));
    pud_table->slot(address).store(pud);
  }
  Entry pmd = pud.table->slot(address).peek();
  if (pmd.kind != EntryKind::kTable) {
    const unsigned long first = address - address % PMD_PAGES;
    pmd = mk_table_entry(Make<PageTable>(this, Level::kPte, first));
    pud.table->slot(address).store(pmd);
  }
  pmd.table->slot(address).store(pte);
}

Vma* MmStruct::map(unsigned long start, unsigned long end, unsigned long flags) {
  Vma* vma = Make<Vma>(this, start, end, flags);
  vmas.push_back(vma);
  for (unsigned long p = start; p < end; ++p) mm_mt[p].store(vma);
  return vma;
}

}  // namespace mmcheck::model
