// Page tables; see pgtable.h.
#include "model/pgtable.h"

#include "absl/strings/str_cat.h"
#include "model/mm_types.h"
#include "model/tlb.h"

namespace mmcheck::model {
namespace {

const char* EntryName(Level level) {
  switch (level) {
    case Level::kPud:
      return "pud";
    case Level::kPmd:
      return "pmd";
    case Level::kPte:
      return "pte";
  }
  return "?";
}

const char* LockName(Level level) { return level == Level::kPte ? "ptl" : "pmd_lock"; }

}  // namespace

const char* LevelName(Level level) {
  switch (level) {
    case Level::kPud:
      return "PUD";
    case Level::kPmd:
      return "PMD";
    case Level::kPte:
      return "PTE";
  }
  return "?";
}

int64_t Entry::TraceValue() const {
  return static_cast<int64_t>(kind) | int64_t{write} << 3 | int64_t{dirty} << 4 |
         int64_t{young} << 5 | int64_t{special} << 6 | static_cast<int64_t>(val + 1) << 8;
}

std::string Entry::FormatTrace(int64_t encoded) {
  const auto kind = static_cast<EntryKind>(encoded & 7);
  const int64_t val = (encoded >> 8) - 1;
  std::string flags;
  if (encoded >> 3 & 1) absl::StrAppend(&flags, ", write");
  if (encoded >> 4 & 1) absl::StrAppend(&flags, ", dirty");
  if (encoded >> 5 & 1) absl::StrAppend(&flags, ", young");
  if (encoded >> 6 & 1) absl::StrAppend(&flags, ", special");
  switch (kind) {
    case EntryKind::kNone:
      return "none";
    case EntryKind::kTable:
      return absl::StrCat("table(", val, ")");
    case EntryKind::kLeaf:
      return absl::StrCat("pfn ", val, flags);
    case EntryKind::kSwap:
      return absl::StrCat("swap(", val, ")");
    case EntryKind::kMigration:
      return absl::StrCat("migration(pfn ", val, flags, ")");
    case EntryKind::kMarker:
      return "marker";
    case EntryKind::kDevicePrivate:
      return absl::StrCat("device_private(pfn ", val, flags, ")");
  }
  return "?";
}

Entry mk_pte(int pfn) {
  Entry e;
  e.kind = EntryKind::kLeaf;
  e.val = pfn;
  return e;
}

PageTable::PageTable(MmStruct* m, Level l, unsigned long first)
    : mm(m),
      level(l),
      first_page(first),
      name(absl::StrCat(m->prefix, LevelName(l), " table [", first, ", ",
                        first + PTRS_PER_TABLE * (l == Level::kPte   ? 1
                                                  : l == Level::kPmd ? PMD_PAGES
                                                                     : PUD_PAGES),
                        ")")),
      ptlock(m->Named(LockName(l)), static_cast<int>(first)),
      lifetime(name.c_str()) {
  ptlock.lockdep_set_class(LockName(l));
  entries.reserve(PTRS_PER_TABLE);
  for (unsigned long i = 0; i < PTRS_PER_TABLE; ++i) {
    entries.emplace_back(Entry{}, m->Named(EntryName(l)),
                         static_cast<int>(first + i * pages_per_entry()));
  }
}

unsigned long PageTable::pages_per_entry() const {
  switch (level) {
    case Level::kPud:
      return PUD_PAGES;
    case Level::kPmd:
      return PMD_PAGES;
    case Level::kPte:
      return 1;
  }
  return 1;
}

int PageTable::index(unsigned long address) const {
  const unsigned long i = (address - first_page) / pages_per_entry();
  MMCHECK_CHECK(address >= first_page && i < PTRS_PER_TABLE);
  return static_cast<int>(i);
}

Entry mk_table_entry(PageTable* table) {
  Entry e;
  e.kind = EntryKind::kTable;
  e.val = static_cast<int>(table->first_page);
  e.table = table;
  return e;
}

SpinLock& PageTable::lock() { return level == Level::kPud ? mm->page_table_lock : ptlock; }

PageTable* pud_table(MmStruct* mm) { return mm->pud_table; }
SpinLock& pud_lockptr(MmStruct* mm) { return mm->page_table_lock; }
SpinLock& pmd_lockptr(PageTable* pmd_table) { return pmd_table->lock(); }
SpinLock& pte_lockptr(PageTable* pte_table) { return pte_table->lock(); }

Entry ptep_get(PageTable* table, unsigned long address, const char* file, int line,
               const char* function) {
  table->lifetime.Use("reads an entry of it");
  return table->slot(address).load(file, line, function);
}

// An entry is changed only in a live table (I-PT-3) and under its level's lock (I-PT-2). `use`
// says it for the table's lifetime ("writes an entry of it"), `how` for the report ("written").
static void check_entry_write(PageTable* table, unsigned long address, const char* use,
                              const char* how) {
  table->lifetime.Use(use);
  if (!table->lock().held_by_current()) {
    Violate(ViolationKind::kInvariant,
            absl::StrCat("I-PT-2: an entry of ", table->name, " (address ", address, ") is ", how,
                         " without holding its lock"));
  }
}

void set_entry(PageTable* table, unsigned long address, Entry value, const char* file, int line,
               const char* function) {
  check_entry_write(table, address, "writes an entry of it", "written");
  table->slot(address).store(value, file, line, function);
}

Entry ptep_get_and_clear(PageTable* table, unsigned long address, const char* file, int line,
                         const char* function) {
  check_entry_write(table, address, "clears an entry of it", "cleared");
  const Entry old = table->slot(address).exchange(Entry{}, file, line, function);
  if (pte_present(old)) {
    // A huge leaf (PMD or PUD level) leaves a stale translation for every page it mapped.
    const unsigned long first = address - address % table->pages_per_entry();
    for (unsigned long p = first; p < first + table->pages_per_entry(); ++p) {
      tlb_mark_stale(table->mm, p, old);
    }
  }
  return old;
}

PageTable* pmd_alloc(MmStruct* mm, unsigned long address) {
  PageTable* pud = pud_table(mm);
  Entry pudval = ptep_get(pud, address);
  if (!pud_none(pudval)) return entry_table(pudval);
  // __pmd_alloc(): pmd_alloc_one (GFP_PGTABLE_USER, may sleep), then under pud_lock install it if
  // the slot is still empty, else pmd_free the new one.
  CurrentExecution().MightSleep("pmd_alloc_one(GFP_KERNEL)", __FILE__, __LINE__);
  const unsigned long first = address - address % PUD_PAGES;
  PageTable* fresh = Make<PageTable>(mm, Level::kPmd, first);
  SpinLock& ptl = pud_lockptr(mm);
  ptl.lock();
  pudval = ptep_get(pud, address);
  if (pud_none(pudval)) {
    pudval = mk_table_entry(fresh);
    set_entry(pud, address, pudval);  // pud_populate
  } else {
    fresh->lifetime.Free("pmd_free");
  }
  ptl.unlock();
  return entry_table(pudval);
}

bool pte_alloc(MmStruct* mm, PageTable* pmd_table, unsigned long address) {
  if (!pmd_none(ptep_get(pmd_table, address))) return false;
  // __pte_alloc(): pte_alloc_one (may sleep), then pmd_install().
  CurrentExecution().MightSleep("pte_alloc_one(GFP_KERNEL)", __FILE__, __LINE__);
  const unsigned long first = address - address % PMD_PAGES;
  PageTable* fresh = Make<PageTable>(mm, Level::kPte, first);
  // pmd_install(): ptl = pmd_lock(mm, pmd); if (likely(pmd_none(*pmd))) pmd_populate(...)
  SpinLock& ptl = pmd_lockptr(pmd_table);
  ptl.lock();
  if (pmd_none(ptep_get(pmd_table, address))) {
    set_entry(pmd_table, address, mk_table_entry(fresh));  // pmd_populate
    fresh = nullptr;
  }
  ptl.unlock();
  if (fresh != nullptr) fresh->lifetime.Free("pte_free");
  return false;
}

PageTable* pte_offset_map(PageTable* pmd_table, unsigned long address, Entry* pmdvalp) {
  RcuReadLock();
  const Entry pmdval = ptep_get(pmd_table, address);  // pmdp_get_lockless
  if (pmdvalp != nullptr) *pmdvalp = pmdval;
  if (pmdval.kind != EntryKind::kTable) {
    RcuReadUnlock();
    return nullptr;
  }
  return entry_table(pmdval);
}

void pte_unmap() { RcuReadUnlock(); }

PageTable* pte_offset_map_lock(PageTable* pmd_table, unsigned long address) {
  while (true) {  // again:
    Entry pmdval;
    PageTable* pte = pte_offset_map(pmd_table, address, &pmdval);
    if (pte == nullptr) return nullptr;
    SpinLock& ptl = pte_lockptr(pte);
    ptl.lock();
    if (pmd_same(pmdval, ptep_get(pmd_table, address))) return pte;
    ptl.unlock();
    pte_unmap();
  }
}

void pte_unmap_unlock(PageTable* pte_table) {
  pte_lockptr(pte_table).unlock();
  pte_unmap();
}

Entry peek_pte(MmStruct* mm, unsigned long address, unsigned long* first, unsigned long* pages) {
  PageTable* table = mm->pud_table;
  while (true) {
    const Entry e = table->slot(address).peek();
    if (e.kind != EntryKind::kTable) {
      if (first != nullptr) *first = address - address % table->pages_per_entry();
      if (pages != nullptr) *pages = table->pages_per_entry();
      return e;
    }
    if (e.table->lifetime.freed()) return Entry{};
    table = e.table;
  }
}

}  // namespace mmcheck::model
