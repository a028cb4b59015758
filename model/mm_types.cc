// MmStruct and Vma; see mm_types.h.
#include "model/mm_types.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "explorer/runtime/scenario.h"

namespace mmcheck::model {

Vma::Vma(MmStruct* mm, unsigned long start, unsigned long end, unsigned long flags)
    : vm_mm(mm),
      vm_start(start),
      vm_end(end),
      vm_flags(flags, mm->Named("vm_flags")),
      vm_page_prot(vm_get_page_prot(flags), mm->Named("vm_page_prot")),
      vm_userfaultfd_ctx(nullptr, mm->Named("vm_userfaultfd_ctx")),
      anon_vma(false, mm->Named("anon_vma")),
      vm_lock(mm->Named("vm_lock")),
      vm_lock_seq(-1, mm->Named("vm_lock_seq")),
      detached(false, mm->Named("detached")),
      vm_lock_count(0, mm->Named("vm_lock->count")),
      vm_lock_owners(mm->Named("vm_lock_owners")),
      name(absl::StrCat(mm->prefix, "VMA [", start, ", ", end, ")")),
      lifetime(name.c_str()) {
  vm_lock.lockdep_set_class("vm_lock");
}

AddressSpace::AddressSpace(const char* n) : i_mmap_rwsem("i_mmap_rwsem"), name(n) {}

unsigned long vm_get_page_prot(unsigned long vm_flags) {
  return vm_flags & (VM_READ | VM_WRITE | VM_SHARED);
}

static const char* RolePrefix(MmRole role) {
  switch (role) {
    case MmRole::kProcess:
      return "";
    case MmRole::kChild:
      return "child ";
    case MmRole::kOther:
      return "other ";
  }
  return "";
}

const char* MmStruct::Named(const char* base) const {
  if (*prefix == '\0') return base;
  static auto* names = new std::set<std::string>;
  return names->insert(absl::StrCat(prefix, base)).first->c_str();
}

MmStruct::MmStruct(Knobs k, MemMap* m, MmRole role)
    : knobs(k),
      child(role == MmRole::kChild),
      prefix(RolePrefix(role)),
      mem_map(m != nullptr ? m : Make<MemMap>()),
      mmap_lock(Named("mmap_lock")),
      mm_lock_seq(0, Named("mm_lock_seq")),
      page_table_lock(Named("page_table_lock")),
      anon_vma_lock(Named("anon_vma->rwsem")),
      write_protect_seq(0, Named("write_protect_seq")),
      pud_table(Make<PageTable>(this, Level::kPud, 0)),
      tlb(kPages) {
  // The arch a scenario's name declares is the one its model runs.
  if (const ScenarioInfo* scenario = RunningScenario();
      scenario != nullptr && scenario->arch != ArchName(knobs.arch)) {
    Execution::Get().Misuse(absl::StrCat("scenario '", scenario->name, "' is an ", scenario->arch,
                                         " scenario but its mm runs the model of ",
                                         ArchName(knobs.arch), " (Knobs::arch)"),
                            __FILE__, __LINE__);
  }
  // The x86 fault handler of the scenario's protocol: v6.4 to v6.7 for "v6.4", "v6.6" and seed
  // 002 v2 (posted against v6.4/v6.5), v6.8 for "v6.9", v6.10+ for the rest (v6.12, v6.13, later
  // fixes, and bodies that are not a registered scenario's).
  if (knobs.x86_fault_handler == X86FaultHandler::kFromProtocol) {
    const ScenarioInfo* s = RunningScenario();
    const std::string protocol = s != nullptr ? s->meta.protocol : "";
    knobs.x86_fault_handler = protocol == "v6.4" || protocol == "v6.6" || protocol == "v2"
                                  ? X86FaultHandler::kV6_4
                              : protocol == "v6.9" ? X86FaultHandler::kV6_8
                                                   : X86FaultHandler::kV6_10;
  }
  // One lock_class_key for the locks of every mm, whatever their names in traces.
  mmap_lock.lockdep_set_class("mmap_lock");
  page_table_lock.lockdep_set_class("page_table_lock");
  anon_vma_lock.lockdep_set_class("anon_vma->rwsem");
  mm_mt.reserve(kPages);
  for (int p = 0; p < kPages; ++p) mm_mt.emplace_back(nullptr, Named("mm_mt"), p);
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

void MmStruct::set_huge_setup(Level level, unsigned long address, Entry leaf) {
  Entry pud = pud_table->slot(address).peek();
  if (level == Level::kPud) {
    MMCHECK_CHECK(pud.kind == EntryKind::kNone && address % PUD_PAGES == 0);
    pud_table->slot(address).store(leaf);
    return;
  }
  MMCHECK_CHECK(level == Level::kPmd && address % PMD_PAGES == 0);
  if (pud.kind != EntryKind::kTable) {
    pud = mk_table_entry(Make<PageTable>(this, Level::kPmd, address - address % PUD_PAGES));
    pud_table->slot(address).store(pud);
  }
  pud.table->slot(address).store(leaf);
}

Vma* MmStruct::map_file(unsigned long start, unsigned long end, unsigned long flags,
                        AddressSpace* mapping, unsigned long pgoff, const VmOperations* ops,
                        void* private_data) {
  Vma* vma = map(start, end, flags);
  vma->vm_file = mapping;
  vma->vm_pgoff = pgoff;
  vma->vm_ops = ops;
  vma->vm_private_data = private_data;
  mapping->i_mmap.push_back(vma);  // vma_link_file -> vma_interval_tree_insert
  return vma;
}

Vma* MmStruct::map(unsigned long start, unsigned long end, unsigned long flags) {
  Vma* vma = Make<Vma>(this, start, end, flags);
  vmas.push_back(vma);
  for (unsigned long p = start; p < end; ++p) mm_mt[p].store(vma);
  return vma;
}

}  // namespace mmcheck::model
