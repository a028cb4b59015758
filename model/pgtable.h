// Page tables (kernel-model.md 2.3): entries, tables, their locks and their lifetime.
//
// Geometry (the small one of 2.3): the PGD and P4D levels are folded away (one entry each, always
// populated: mm->pud_table is the PUD table); 2 PUD slots, 2 PMD slots per PMD table, 2 PTE slots
// per PTE table. Addresses are page numbers 0..7, so a PUD entry spans 4 pages, a PMD entry 2.
//
// An entry is a tagged word read and written atomically (Atomic<Entry>): every read or write is
// a scheduling point, as READ_ONCE/WRITE_ONCE/ptep_get_lockless/set_pte_at are in the kernel.
// Locks per level, as in v6.x with split PTE and PMD locks (Documentation/mm/process_addrs.rst,
// include/linux/mm.h pud_lockptr/pmd_lockptr/pte_lockptr): PUD entries under
// mm->page_table_lock, PMD entries under the PMD table's ptlock, PTE entries under the PTE
// table's ptlock. Every write of an entry checks I-PT-2 (the level's lock is held; free_pgtables'
// unlink of tables nothing can reach is the documented exception). A table lives from its
// allocation to the RCU callback that frees it (MMU_GATHER_RCU_TABLE_FREE); a use after that is
// use-after-free (I-PT-3).
//
// Huge leaves: a kLeaf entry in a PMD or PUD table maps all the pages of the entry (hugetlb; the
// pfnmaps of issue 6; an anonymous THP, which only gup-fast and the zap meet). Not modeled: THP
// faults, splits and copies of anonymous memory, the TLB's
// per-CPU detail (one stale record per mm page stands for all CPUs, see tlb.h).
#ifndef MMCHECK_MODEL_PGTABLE_H_
#define MMCHECK_MODEL_PGTABLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "explorer/api.h"
#include "explorer/checks/lifetime.h"

namespace mmcheck::model {

struct MmStruct;
struct PageTable;

inline constexpr unsigned long PTRS_PER_TABLE = 2;
inline constexpr unsigned long PMD_PAGES = 2;  // pages one PMD entry maps
inline constexpr unsigned long PUD_PAGES = 4;  // pages one PUD entry maps

enum class EntryKind : uint8_t {
  kNone,
  kTable,
  kLeaf,
  kSwap,
  kMigration,
  kMarker,
  kDevicePrivate,  // a device-private swap entry: the page lives in device memory (val: its pfn)
};

// pte_t, pmd_t and pud_t: one representation for every level.
struct Entry {
  EntryKind kind = EntryKind::kNone;
  bool write = false;
  bool dirty = false;
  bool young = false;
  bool special = false;  // pte_special: no struct page behind it (zero page, pfnmap)
  int val = -1;  // kLeaf/kMigration/kDevicePrivate: pfn; kSwap: swap offset; kTable: first page
  PageTable* table = nullptr;  // kTable: the table it points to

  bool operator==(const Entry& o) const {
    return kind == o.kind && write == o.write && dirty == o.dirty && young == o.young &&
           special == o.special && val == o.val && table == o.table;
  }
  int64_t TraceValue() const;
  static std::string FormatTrace(int64_t encoded);
};

using pte_t = Entry;
using pmd_t = Entry;
using pud_t = Entry;

inline bool pte_none(const Entry& e) { return e.kind == EntryKind::kNone; }
inline bool pte_present(const Entry& e) { return e.kind == EntryKind::kLeaf; }
inline bool pte_write(const Entry& e) { return e.write; }
inline bool pte_same(const Entry& a, const Entry& b) { return a == b; }
inline bool pmd_none(const Entry& e) { return e.kind == EntryKind::kNone; }
inline bool pud_none(const Entry& e) { return e.kind == EntryKind::kNone; }
inline bool pmd_same(const Entry& a, const Entry& b) { return a == b; }
inline int pte_pfn(const Entry& e) { return e.val; }

// mk_pte(): a present, read-only, old, clean entry for pfn (the model's vm_page_prot of a private
// mapping never carries the write bit: writability comes from maybe_mkwrite / VM_WRITE).
Entry mk_pte(int pfn);
inline Entry pte_mkwrite(Entry e) { return e.write = true, e; }
inline Entry pte_wrprotect(Entry e) { return e.write = false, e; }
inline Entry pte_mkdirty(Entry e) { return e.dirty = true, e; }
inline Entry pte_mkyoung(Entry e) { return e.young = true, e; }
inline Entry pte_mkspecial(Entry e) { return e.special = true, e; }
inline Entry pte_mkold(Entry e) { return e.young = false, e; }
inline Entry pte_mkclean(Entry e) { return e.dirty = false, e; }

// Non-present entries: swp_entry_to_pte() for a swap slot, make_migration_entry() for a folio
// under migration (pfn_swap_entry).
inline Entry swp_entry_to_pte(int offset) {
  Entry e;
  e.kind = EntryKind::kSwap;
  e.val = offset;
  return e;
}
inline Entry make_pfn_swap_entry(EntryKind kind, int pfn, bool writable) {
  Entry e;
  e.kind = kind;
  e.val = pfn;
  e.write = writable;
  return e;
}
inline Entry make_migration_entry(int pfn, bool writable) {
  return make_pfn_swap_entry(EntryKind::kMigration, pfn, writable);
}

// make_writable_device_private_entry(): the PTE of a page migrated to device memory.
inline Entry make_device_private_entry(int pfn, bool writable) {
  return make_pfn_swap_entry(EntryKind::kDevicePrivate, pfn, writable);
}

// The pfn of the shared zero page (my_zero_pfn): mapped special, never freed.
inline constexpr int ZERO_PFN = 0;

enum class Level { kPud = 3, kPmd = 2, kPte = 1 };
// "PUD", "PMD", "PTE".
const char* LevelName(Level level);

struct PageTable {
  PageTable(MmStruct* mm, Level level, unsigned long first_page);

  MmStruct* const mm;
  const Level level;
  const unsigned long first_page;  // the first address the table maps
  std::string name;                // "PTE table [0, 2)"
  std::vector<Atomic<Entry>> entries;
  // The split ptlock in the table's ptdesc (ptlock_ptr). The PUD table's entries are under
  // mm->page_table_lock instead (pud_lockptr), so its own is unused.
  SpinLock ptlock;
  Lifetime lifetime;      // pte_alloc_one .. the RCU callback of pte_free_tlb / pmd_free_tlb
  bool unlinked = false;  // the parent entry was cleared (free_pgtables); bookkeeping only

  unsigned long pages_per_entry() const;
  int index(unsigned long address) const;
  Atomic<Entry>& slot(unsigned long address) {
    return entries[static_cast<size_t>(index(address))];
  }
  // The lock that guards this table's entries.
  SpinLock& lock();
};

// The entry that points to `table` (what pud_populate / pmd_populate write).
Entry mk_table_entry(PageTable* table);

// pud_offset(): the PUD table of the mm (PGD and P4D folded away).
PageTable* pud_table(MmStruct* mm);
// The table an entry points to: pmd_offset(pud, addr) / pte_offset(pmd, addr) take the table
// from the entry value read before.
inline PageTable* entry_table(const Entry& e) { return e.table; }

// pud_lockptr(): mm->page_table_lock in v6.x. pmd_lockptr(): the PMD table's split lock.
// pte_lockptr(): the PTE table's split lock.
SpinLock& pud_lockptr(MmStruct* mm);
SpinLock& pmd_lockptr(PageTable* pmd_table);
SpinLock& pte_lockptr(PageTable* pte_table);

// Reads: one atomic step each (ptep_get, pmdp_get_lockless, READ_ONCE(*pud)). `what` names the
// access for the table's Lifetime.
// The step is reported at the caller (file, line, function), so a trace names copy_huge_pmd, not
// ptep_get.
Entry ptep_get(PageTable* table, unsigned long address, const char* file = __builtin_FILE(),
               int line = __builtin_LINE(), const char* function = __builtin_FUNCTION());

// set_pte_at / set_pmd_at / pud_populate / pmd_populate: one atomic write. Checks I-PT-2: the
// lock of the table's level is held by the caller; and I-PT-3: the table is live.
void set_entry(PageTable* table, unsigned long address, Entry value,
               const char* file = __builtin_FILE(), int line = __builtin_LINE(),
               const char* function = __builtin_FUNCTION());
// ptep_get_and_clear(): read and clear in one step (an xchg on SMP), under the PTL. Marks the
// old translation stale in the TLB until the next flush.
Entry ptep_get_and_clear(PageTable* table, unsigned long address,
                         const char* file = __builtin_FILE(), int line = __builtin_LINE(),
                         const char* function = __builtin_FUNCTION());

// pmd_alloc() / __pmd_alloc(): if the PUD entry is none, allocate a PMD table (may sleep) and
// install it under pud_lockptr if the entry is still none (else free the new one). Returns the
// PMD table the PUD entry points to. (mm/memory.c v6.12.)
PageTable* pmd_alloc(MmStruct* mm, unsigned long address);
// pte_alloc() / __pte_alloc() / pmd_install(): the same one level down, under the PMD lock.
// Returns false on success (as the kernel's pte_alloc returns 0).
bool pte_alloc(MmStruct* mm, PageTable* pmd_table, unsigned long address);

// __pte_offset_map(): rcu_read_lock(); pmdval = pmdp_get_lockless(pmd); if the PMD entry is not
// a table, rcu_read_unlock() and nullptr. On success the RCU section stays open until
// pte_unmap(). (mm/pgtable-generic.c v6.5+.)
PageTable* pte_offset_map(PageTable* pmd_table, unsigned long address, Entry* pmdvalp = nullptr);
void pte_unmap();
// pte_offset_map_lock() / __pte_offset_map_lock(): __pte_offset_map, spin_lock(ptl), re-read the
// PMD entry; if it changed, unlock and start again. nullptr when there is no PTE table (the
// caller treats that as a lost race). pte_unmap_unlock() undoes it.
PageTable* pte_offset_map_lock(PageTable* pmd_table, unsigned long address);
void pte_unmap_unlock(PageTable* pte_table);

// Oracle (no steps): the entry that maps `address` now, at whichever level the walk ends (a PTE,
// or a huge PMD/PUD leaf), or a none entry. `first` (optional) gets the first address that entry
// maps, so that a huge leaf can be counted once, and `pages` (optional) how many pages it maps.
Entry peek_pte(MmStruct* mm, unsigned long address, unsigned long* first = nullptr,
               unsigned long* pages = nullptr);

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_PGTABLE_H_
