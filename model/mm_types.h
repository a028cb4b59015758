// The mm state of kernel-model.md 2.1 and 2.2 that the VMA-lock protocol needs: mm_struct with
// mmap_lock, mm_lock_seq and the VMA tree, and vm_area_struct with the per-VMA lock.
//
// Mirrors include/linux/mm_types.h (v6.6 to v6.12: `struct vma_lock` allocated beside the VMA,
// an int vm_lock_seq and mm_lock_seq, a bool detached). The page tables (pgtable.h), the folios
// (folio.h) and the TLB record (tlb.h) hang off the mm. Left out: the anon_vma object and the
// rmap (only "vma->anon_vma is set"), vm_ops (every VMA is anonymous until the pfnmap issue),
// RSS counters. Addresses are page numbers 0..7 (the small geometry of 2.3). The maple tree is
// one RCU-published slot per page: a lookup is one atomic read, so an RCU reader sees the old or
// the new VMA for its page.
#ifndef MMCHECK_MODEL_MM_TYPES_H_
#define MMCHECK_MODEL_MM_TYPES_H_

#include <string>
#include <vector>

#include "explorer/api.h"
#include "explorer/checks/lifetime.h"
#include "explorer/primitives/ghost.h"
#include "model/folio.h"
#include "model/pgtable.h"
#include "model/protocol.h"
#include "model/tlb.h"

namespace mmcheck::model {

inline constexpr int kPages = 8;

// vm_flags bits (include/linux/mm.h).
inline constexpr unsigned long VM_READ = 0x1;
inline constexpr unsigned long VM_WRITE = 0x2;
inline constexpr unsigned long VM_SHARED = 0x8;
inline constexpr unsigned long VM_MAYREAD = 0x10;
inline constexpr unsigned long VM_MAYWRITE = 0x20;
inline constexpr unsigned long VM_MAYSHARE = 0x80;
inline constexpr unsigned long VM_UFFD_MISSING = 0x200;
inline constexpr unsigned long VM_PFNMAP = 0x400;
inline constexpr unsigned long VM_IO = 0x4000;
inline constexpr unsigned long VM_DONTCOPY = 0x20000;
inline constexpr unsigned long VM_DONTEXPAND = 0x40000;
inline constexpr unsigned long VM_NORESERVE = 0x00200000;
inline constexpr unsigned long VM_HUGETLB = 0x00400000;
inline constexpr unsigned long VM_WIPEONFORK = 0x02000000;
inline constexpr unsigned long VM_DONTDUMP = 0x04000000;
inline constexpr unsigned long VM_MIXEDMAP = 0x10000000;

// is_cow_mapping() (include/linux/mm.h): private and may become writable.
inline bool is_cow_mapping(unsigned long flags) {
  return (flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
}

struct UserfaultfdCtx;
struct MmStruct;
struct Vma;
struct VmFault;
struct Folio;
struct Mempolicy;

// struct vm_operations_struct, the hooks the model's drivers fill (vfio-pci's vfio_pci_mmap_ops).
struct VmOperations {
  const char* name;
  unsigned int (*fault)(VmFault* vmf);                           // ->fault
  unsigned int (*huge_fault)(VmFault* vmf, unsigned int order);  // ->huge_fault
  // ->map_pages (fault-around: filemap_map_pages), pages [start_pgoff, end_pgoff] of the file.
  unsigned int (*map_pages)(VmFault* vmf, unsigned long start_pgoff,
                            unsigned long end_pgoff) = nullptr;
};

// struct address_space, the part the rmap of a file needs: i_mmap (the interval tree of the VMAs
// mapping the file, kept here as its in-order list) and i_mmap_rwsem. i_mmap is changed only
// with i_mmap_rwsem held for writing and walked with it held (I-PT-2's analogue, asserted).
// A regular file's page cache (filemap.h) adds i_pages, the folios by index (the xarray's slots:
// looked up under RCU, changed with the folio locked), and the inode's i_size in bytes
// (i_size_read/i_size_write, lockless word accesses); a device's inode (vfio) has neither.
struct AddressSpace {
  explicit AddressSpace(const char* name);
  RwSemaphore i_mmap_rwsem;
  std::vector<Vma*> i_mmap;
  std::string name;  // "vfio-pci BAR inode"
  std::vector<Atomic<Folio*>*> i_pages;
  Atomic<long>* i_size = nullptr;
};

struct Vma {
  Vma(MmStruct* mm, unsigned long start, unsigned long end, unsigned long flags);

  MmStruct* const vm_mm;
  const unsigned long vm_start;  // layout fields: only changed under every lock; not yet modeled
  const unsigned long vm_end;
  Shared<unsigned long> vm_flags;      // written with the VMA write-locked (vm_flags_reset)
  Shared<unsigned long> vm_page_prot;  // derived from vm_flags (vma_set_page_prot), same locking
  // vma->vm_userfaultfd_ctx.ctx: changed with the VMA write-locked (registration, release).
  Shared<UserfaultfdCtx*> vm_userfaultfd_ctx;
  // vma->vm_private_data: a hugetlb VMA's resv_map (of a private mapping that owns its
  // reservation, HPAGE_RESV_OWNER), a vfio VMA's vfio_pci_core_device. Set up at mmap time (and
  // copied by vm_area_dup), never changed here, so read without a step.
  void* vm_private_data = nullptr;
  // vm_file->f_mapping, vm_pgoff and vm_ops: set at mmap time, copied by vm_area_dup.
  AddressSpace* vm_file = nullptr;
  unsigned long vm_pgoff = 0;
  const VmOperations* vm_ops = nullptr;
  // vma->anon_vma != NULL. Set once, under mmap_lock (read) and page_table_lock, by
  // __anon_vma_prepare; read locklessly first by the fault path (a word-sized read, modeled
  // atomic).
  Atomic<bool> anon_vma;
  // unlink_anon_vmas() took it off its anon_vma's interval tree (under the anon_vma lock, which an
  // rmap walker holds for reading): an rmap walk no longer meets it.
  bool anon_vma_unlinked = false;
  // vma->vm_policy (mempolicy.h): replaced under mmap_lock (write) and, since 6c21e066f925, the
  // VMA write lock; read by faults. A word the kernel stores and loads plainly, modeled as an
  // atomic word: a racing reader gets the old pointer or the new, and the harm is its use of the
  // old one after mpol_put() (a use-after-free). nullptr: the scenario gives the VMA no policy
  // word (allocations on node 0, no step).
  Atomic<Mempolicy*>* vm_policy = nullptr;
  RwSemaphore vm_lock;        // vma->vm_lock->lock
  Atomic<int> vm_lock_seq;    // READ_ONCE/WRITE_ONCE
  Shared<bool> detached;      // written with the VMA write-locked, read under vm_lock
  Atomic<int> vm_lock_count;  // the rwsem's count word, touched by up_read after release
  // Ghost (no steps): the readers of vm_lock that own the VMA lock, i.e. are past
  // vma_start_read()'s second vm_lock_seq check or took it under mmap_lock (uffd_mfill_lock).
  // A reader between its down_read_trylock and that check holds the rwsem on a write-locked VMA
  // for a moment and then drops it: harmless, and not counted. I-FORK-4 counts these. A
  // GhostCounter, so that DPOR orders fork's check against every change of it.
  GhostCounter vm_lock_owners;
  std::string name;           // "VMA [0, 2)"
  Lifetime lifetime;          // vm_area_alloc .. the vm_area_free (RCU) callback
};

// Whose mm it is, for the names of its objects in traces: the scenario's process, a fork child
// ("child mmap_lock", "child pmd[0]", ...) or another process ("other mmap_lock", ...).
enum class MmRole { kProcess, kChild, kOther };

struct MmStruct {
  // A new mm; `mem_map` is shared with the mms it forks, and with other processes (nullptr: a
  // fresh one).
  explicit MmStruct(Knobs knobs, MemMap* mem_map = nullptr, MmRole role = MmRole::kProcess);

  Knobs knobs;
  const bool child;          // a fork child (dup_mmap)
  const char* const prefix;  // "", "child " or "other "
  // `base` with the mm's prefix, for an object's name (interned: it outlives the execution).
  const char* Named(const char* base) const;
  MemMap* mem_map;
  RwSemaphore mmap_lock;
  Atomic<int> mm_lock_seq;
  SpinLock page_table_lock;
  // anon_vma->root->rwsem: the model has one anon_vma per mm, shared by its anonymous VMAs (what
  // the first __anon_vma_prepare of a process that has not forked gives them all when they merge
  // or are split from one). rmap walks (try_to_migrate, remove_migration_ptes) hold it for
  // reading, unlink_anon_vmas for writing.
  RwSemaphore anon_vma_lock;
  // mm->write_protect_seq: odd while fork write-protects a COW mapping (copy_page_range); gup-fast
  // FOLL_PIN reads it.
  Atomic<int> write_protect_seq;
  std::vector<Atomic<Vma*>> mm_mt;  // the VMA tree, a slot per page
  std::vector<Vma*> vmas;           // every VMA ever allocated (the scenario owns them)
  PageTable* pud_table;             // pgd_offset + p4d_offset folded: always populated
  std::vector<TlbEntry> tlb;        // by page: the stale translations not yet flushed

  // Setup only (no scheduling point): vm_area_alloc + insert, as mmap() would leave it.
  Vma* map(unsigned long start, unsigned long end, unsigned long flags);
  // Setup only: a file mapping: map(), then vma_link_file (into mapping->i_mmap), as mmap() of a
  // file whose ->mmap set `ops` and `private_data` would leave it.
  Vma* map_file(unsigned long start, unsigned long end, unsigned long flags,
                AddressSpace* mapping, unsigned long pgoff, const VmOperations* ops,
                void* private_data);
  // Setup only: a huge leaf at the PMD or PUD level (`level`) for `address`, with the tables above
  // it, as an earlier fault would have left it.
  void set_huge_setup(Level level, unsigned long address, Entry leaf);
  // Setup only: page tables down to `address` and a PTE mapping `folio` there, as an earlier
  // fault would have left them.
  void map_page(unsigned long address, Folio* folio, bool write);
  // Setup only: page tables down to `address` and `pte` there (a swap or migration entry).
  void set_pte_setup(unsigned long address, Entry pte);
};

// vm_get_page_prot(): the model keeps the flags themselves as the protection value.
unsigned long vm_get_page_prot(unsigned long vm_flags);

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_MM_TYPES_H_
