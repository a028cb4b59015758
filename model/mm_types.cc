// MmStruct and Vma; see mm_types.h.
#include "model/mm_types.h"

#include "absl/strings/str_cat.h"

namespace mmcheck::model {

Vma::Vma(MmStruct* mm, unsigned long start, unsigned long end, unsigned long flags)
    : vm_mm(mm),
      vm_start(start),
      vm_end(end),
      vm_flags(flags, "vm_flags"),
      anon_vma(false, "anon_vma"),
      vm_lock("vm_lock"),
      vm_lock_seq(-1, "vm_lock_seq"),
      detached(false, "detached"),
      vm_lock_count(0, "vm_lock->count"),
      name(absl::StrCat("VMA [", start, ", ", end, ")")),
      lifetime(name.c_str()) {}

MmStruct::MmStruct(Knobs k)
    : knobs(k),
      mmap_lock("mmap_lock"),
      mm_lock_seq(0, "mm_lock_seq"),
      page_table_lock("page_table_lock") {
  mm_mt.reserve(kPages);
  for (int p = 0; p < kPages; ++p) mm_mt.emplace_back(nullptr, "mm_mt", p);
}

Vma* MmStruct::map(unsigned long start, unsigned long end, unsigned long flags) {
  Vma* vma = Make<Vma>(this, start, end, flags);
  vmas.push_back(vma);
  for (unsigned long p = start; p < end; ++p) mm_mt[p].store(vma);
  return vma;
}

}  // namespace mmcheck::model
