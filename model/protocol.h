// Protocol knobs: each kernel version difference or historical bug the scenarios test is one
// switch here, so a buggy twin is its correct scenario with one knob flipped
// (architecture.md section 3).
#ifndef MMCHECK_MODEL_PROTOCOL_H_
#define MMCHECK_MODEL_PROTOCOL_H_

namespace mmcheck::model {

// Who drops the per-VMA lock when handle_mm_fault() returns under FAULT_FLAG_VMA_LOCK.
enum class FaultProtocol {
  kV6_4,    // the arch handler always calls vma_end_read()
  kV2,      // seed 002 v2: VM_FAULT_VMA_UNLOCKED tells the arch the callee dropped it
  kMerged,  // v6.6+: the callee drops it on VM_FAULT_RETRY or VM_FAULT_COMPLETED
};

// vfio_pci_mmap_huge_fault()'s checks before it maps at an order (kernel-model.md 3.14).
enum class VfioHugeFault {
  kV6_12,       // f9e54c3a2f5b: falls back if vmf->address is unaligned or the leaf passes vm_end
  kV6_13,       // 09dfc8a5f2ce: also if the pfn is not aligned to the order
  kAlignOrder,  // 2025 "vfio/pci: Align huge faults to order": aligns the address down instead
};

// How set_pte_range() decides that a batch of PTEs is prefaulted (old where the arch wants),
// not the faulting address's (young) (seeds 000/001, kernel-model.md 1.2).
enum class PrefaultRule {
  kNotInRange,  // v6.12 (the July 2024 fix, "mm: fix old/young bit handling in the faulting
                // path"): prefault = !in_range(vmf->address, addr, nr * PAGE_SIZE)
  kInRange,     // 3bd786f76de2 as merged (v6.4 to the fix): the polarity inverted
  kBatchStart,  // seed 001 v4 as posted: prefault = vmf->address != addr, the batch's start
};

// The machine whose page-table freeing and TLB flush the model follows (v6.12; mm/mmu_gather.c,
// arch/x86/mm/tlb.c, arch/x86/kernel/paravirt.c and kvm.c, arch/arm64/include/asm/tlb.h). A
// scenario declares it in its name ("+arm64", "+x86-guest"; none: x86), and MmStruct refuses
// knobs of another arch than the running scenario's (docs/cli.md, "Scenario names").
enum class Arch {
  // x86 bare metal (CONFIG_PARAVIRT or not): pv_ops.mmu.tlb_remove_table is
  // native_tlb_remove_table -> tlb_remove_page, so tables are freed with the pages right after
  // the flush; the flush is native_flush_tlb_multi()'s IPI, which waits for every CPU of the mm
  // (on_each_cpu_mask(..., wait = true) when tables are freed), so it waits for IRQ-off sections.
  kX86,
  // an x86 KVM guest with PV TLB flush: kvm_flush_tlb_multi() skips preempted vCPUs and does
  // not wait for them, so kvm_guest_init() sets pv_ops.mmu.tlb_remove_table = tlb_remove_table:
  // MMU_GATHER_RCU_TABLE_FREE frees tables after an RCU grace period.
  kX86Guest,
  // arm64: the flush is a broadcast TLBI, no IPI; MMU_GATHER_RCU_TABLE_FREE.
  kArm64,
};

// "x86", "x86-guest", "arm64": the names scenario names and JSON use.
inline const char* ArchName(Arch arch) {
  switch (arch) {
    case Arch::kX86:
      return "x86";
    case Arch::kX86Guest:
      return "x86-guest";
    case Arch::kArm64:
      return "arm64";
  }
  return "";
}

// Which arch/x86/mm/fault.c do_user_addr_fault() a user fault runs (docs/cli.md, "Protocol and
// fault handler").
enum class X86FaultHandler {
  kFromProtocol,  // the one of the running scenario's `protocol` (MmStruct resolves it)
  // v6.4 to v6.7: an access_error() under the VMA lock drops it and retries under mmap_lock
  // (`vma_end_read(vma); goto lock_mmap;`); a VM_FAULT_RETRY under the VMA lock leaves
  // FAULT_FLAG_TRIED clear for the mmap_lock attempt.
  kV6_4,
  // v6.8, v6.9: a VM_FAULT_RETRY with VM_FAULT_MAJOR under the VMA lock sets FAULT_FLAG_TRIED
  // (46e714c729c8 "mm: handle faults that merely update the accessed bit under the VMA lock"'s
  // series, v6.8).
  kV6_8,
  // v6.10 and later: also, an access_error() under the VMA lock ends the fault there
  // (bad_area_access_error, "mm: accelerate pagefault when badaccess", v6.10).
  kV6_10,
};

struct Knobs {
  // The machine (see Arch); a scenario whose name says "+arm64" passes Arch::kArm64 here.
  Arch arch = Arch::kX86;
  FaultProtocol fault_protocol = FaultProtocol::kMerged;
  X86FaultHandler x86_fault_handler = X86FaultHandler::kFromProtocol;
  // lock_vma_under_rcu() retries when the VMA it locked is detached (S12 twin A clears it).
  bool lock_vma_checks_detached = true;
  // vm_area_free() frees through call_rcu() (S12 twin B frees at once).
  bool vm_area_free_rcu = true;
  // vma_end_read() brackets up_read() with rcu_read_lock() (S12 twin C drops the bracket).
  bool vma_end_read_rcu_bracket = true;
  // __vmf_anon_prepare() only trylocks mmap_lock under the VMA lock (S19's twin blocks).
  bool anon_prepare_trylocks_mmap = true;
  // Under kV2, a callee that drops the VMA lock reports VM_FAULT_VMA_UNLOCKED (a twin forgets).
  bool v2_callee_sets_vma_unlocked = true;
  // mprotect_fixup() write-locks the VMA (vma_start_write) before vm_flags_reset (S11's twin
  // assigns the flags without it).
  bool mprotect_write_locks_vma = true;
  // do_wp_page() takes a folio reference before dropping the PTL to copy (a twin copies
  // unpinned).
  bool wp_copy_pins_old_folio = true;
  // sanitize_fault_flags() rejects FAULT_FLAG_VMA_LOCK with FAULT_FLAG_RETRY_NOWAIT (S18's twin).
  bool sanitize_rejects_vma_lock_nowait = true;
  // do_swap_page() touches nothing of the VMA after folio_lock_or_retry() dropped its lock (S1
  // twin B reads vma->vm_mm there, as the v2 series' migration path did).
  bool swap_retry_leaves_vma_alone = true;
  // The migrator needs no mm lock to finish a migration (S16 twin B makes it take mmap_lock for
  // read, as a device's migrate_to_ram path would, while a fault waits with the VMA lock held).
  bool migrator_takes_mmap_lock = false;
  // Seed 002 v2 4/6 ("mm: drop VMA lock before waiting for migration", lore
  // 20230609005158.2421285-5, not merged): under kV2, do_swap_page drops the VMA lock before
  // migration_entry_wait(mm, vmf->pmd, ...). Off: the wait keeps the lock, as v6.6 merged.
  bool v2_migration_drops_vma_lock = false;
  // handle_userfault() releases the fault lock before it sleeps (29a22b9e08d7; S2's twin sleeps
  // with the VMA lock held).
  bool userfault_releases_fault_lock = true;
  // handle_userfault() queues itself before it computes must_wait (S3 twin A checks first: a
  // wake between the check and the enqueue is lost).
  bool userfault_enqueues_before_must_wait = true;
  // mfill_atomic_install_pte() re-checks under the PTL that the slot is still none (-EEXIST) (S3
  // twin B installs over whatever is there).
  bool uffd_copy_checks_pte_none = true;
  // hugetlb_no_page() calls __vmf_anon_prepare(), which keeps the VMA lock on VM_FAULT_RETRY, and
  // drops it only after hugetlb_vma_unlock_read() (98b74bb4d7e9, v6.12). Off: vmf_anon_prepare()
  // drops it first, as 9acad7ba3e25 did (S15's twin: the syzbot use-after-free).
  bool hugetlb_keeps_vma_lock_on_retry = true;
  // do_swap_page() drops the VMA lock and returns VM_FAULT_RETRY for a device-private entry, so
  // that migrate_to_ram runs under mmap_lock (1235ccd05b6d, v6.6). Off: it calls migrate_to_ram
  // under the VMA lock.
  bool device_private_falls_back = true;
  // UFFDIO_COPY locks the destination VMA (uffd_mfill_lock, v6.9 to v6.12) instead of taking
  // mmap_read_lock (v6.6 to v6.8). Off by default: the S2/S3 scenarios name v6.6.
  bool uffd_mfill_lock_vma = false;
  // wake_userfault() wakes if fault_pending_wqh *or* fault_wqh has a waiter (fs/userfaultfd.c
  // v6.x). Off: it looks at fault_pending_wqh only, and misses a waiter whose message read()
  // has taken (refiled to fault_wqh): a lost wakeup.
  bool uffd_wake_checks_fault_wqh = true;
  // copy_huge_pmd() re-reads the special PMD under src_ptl before it copies it (S7's fixed code).
  // Off: v6.12 as merged (bc02afbd4d73 + 47fa30118f02), which copies the value it read without a
  // lock ("No need to recheck the pmd, it can't change with write mmap lock held here").
  bool copy_huge_pmd_rechecks = true;
  // copy_huge_pud() write-protects every huge PUD it copies, as before 003/07 (S6's twin). Off:
  // only a COW mapping's writable one (bc02afbd4d73, v6.12).
  bool copy_huge_pud_wrprotects_always = false;
  // copy_huge_pud() reads *src_pud before it takes the two page_table_locks, as copy_huge_pmd's
  // special path does (a hypothetical twin of S7's PUD variant: the order the merged code gets
  // right).
  bool copy_huge_pud_reads_before_lock = false;
  // vmf_insert_pfn_pmd/pud() BUG_ON((vm_flags & VM_PFNMAP) && is_cow_mapping(vm_flags)).
  bool insert_pfn_rejects_cow = true;
  // vfio_pci_core_mmap() refuses a mapping without VM_SHARED (-EINVAL). Off: a driver that lets
  // MAP_PRIVATE through (S5 twin B).
  bool vfio_mmap_requires_shared = true;
  // vfio_pci_mmap_huge_fault() inserts with write = false (v6.12 and later). On: it passes
  // vmf->flags & FAULT_FLAG_WRITE, as other drivers' huge_fault (dax) do (S5 twin B: only then
  // can a private mapping's special PMD be writable).
  bool vfio_huge_fault_passes_write = false;
  // dup_mmap() write-locks each parent VMA before copying it (fb49c455323f; S4's twin forgets).
  bool dup_mmap_write_locks_vma = true;
  // Which vfio_pci_mmap_huge_fault() the device runs.
  VfioHugeFault vfio_huge_fault = VfioHugeFault::kAlignOrder;
  // follow_pfnmap_start() re-reads the PMD/PUD under its lock (the 2026 fix of 6da8e9634bb7).
  // Off: v6.12, which re-tests the stale local copy (S13's twin).
  bool follow_pfnmap_rereads = true;
  // gup_fast_pmd_leaf()/gup_fast_pud_leaf() bail out on a special leaf (003/05, ae3c99e650da).
  // Off: before it (S9's twin A), pmd_page() of an MMIO pfn.
  bool gup_fast_checks_special = true;
  // gup-fast re-reads the entry after it took the reference and drops the reference if the entry
  // changed (gup_fast_pmd_leaf, gup_fast_pte_range; S9 (b) twin B takes the page without it).
  bool gup_fast_rechecks = true;
  // On the arches with MMU_GATHER_RCU_TABLE_FREE (x86 guest, arm64), tlb_finish_mmu() frees page
  // tables after an RCU grace period, which waits for gup-fast's IRQ-off section. Off: they are
  // freed at once after a flush that waits for nothing, as a KVM guest with PV TLB flush would
  // if kvm_guest_init() did not switch tlb_remove_table (S9 (b) twin C). No effect on x86 bare
  // metal, whose flush IPI is what waits.
  bool rcu_table_free = true;
  // gup_fast() walks with interrupts off (local_irq_save). Off: under rcu_read_lock() only, as
  // pte_offset_map() walkers do: enough where tables are freed after RCU, not on x86 bare metal,
  // whose flush IPI waits for IRQ-off sections and not for RCU readers.
  bool gup_fast_irq_off = true;
  // free_pgtables() takes a file VMA out of its mapping's i_mmap (unlink_file_vma_batch_process,
  // under i_mmap_lock_write) before the page tables go, as every kernel does. Off: the model
  // before it was added (vfio/munmap-vs-bar-zap's twin: the zap then walks a freed VMA).
  bool free_pgtables_unlinks_file = true;
  // free_pgtables() takes an anonymous VMA off its anon_vma (unlink_anon_vmas, under
  // anon_vma_lock_write) before the page tables go, as every kernel does. Off: the model before it
  // (swap/migration-wait-vs-munmap@no-anon-unlink: the migrator's rmap walk meets a freed table).
  bool free_pgtables_unlinks_anon = true;
  // do_swap_page() frees the swap slot and the swap cache on a write fault that holds the only
  // other reference (should_try_to_free_swap -> folio_free_swap, v6.6 and v6.12). Off: the model
  // before it was added (issue 16 item 8), which kept the folio in the swap cache.
  bool do_swap_page_frees_swap = true;
  // The swap-cache lookup (filemap_get_folio -> filemap_get_entry) takes its reference with
  // folio_try_get and re-checks the slot, as every kernel does. Off: the model before it, which
  // loaded the slot and took an unconditional reference (swap/reclaim-vs-swapin's twin: the
  // reference lands on a folio reclaim has frozen and freed).
  bool swap_lookup_try_get = true;
  // __read_swap_cache_async() allocates its folio once and keeps it across the -EEXIST passes
  // (v6.12, `if (!new_folio)`). Off: v6.6, which allocates and puts one on every pass (the
  // default, as the v6.6 swap scenarios run it).
  bool swapin_allocates_once = false;
  // fork write-protects the parent's PTE with an atomic update that keeps the bits the MMU set
  // meanwhile (x86 ptep_set_wrprotect: clear_bit). Off: the model before (issue 16 item 7), a
  // plain store of the value read before, which loses a dirty bit (fork/fork-vs-write's twin).
  bool fork_wrprotect_atomic = true;
  // filemap_map_pages() takes each folio with folio_trylock() and skips one it cannot get: it
  // runs under RCU and, from the first folio mapped on, the PTE lock (->map_pages in
  // Documentation/filesystems/locking.rst). Off: folio_lock() (S8 twin B: a sleep in atomic).
  bool map_pages_trylocks = true;
  // filemap_map_pages() clamps its window to i_size and next_uptodate_folio() checks the index
  // against i_size with the folio locked (v6.12). Off: neither (S8's ~no-isize-check variant).
  bool map_pages_checks_isize = true;
  // truncate_cleanup_folio() unmaps a mapped folio (unmap_mapping_folio) before it leaves the
  // page cache, and truncate_pagecache() calls unmap_mapping_range() again after
  // truncate_inode_pages() (v6.12). Off: neither (S8's @truncate-without-unmap twin).
  bool truncate_unmaps_folio = true;
  bool truncate_unmaps_again = true;
  // set_pte_range()'s prefault rule (S17's twins A and B).
  PrefaultRule set_pte_range_prefault = PrefaultRule::kNotInRange;
  // do_mbind()'s queue_pages_range() walks with PGWALK_WRLOCK, write-locking each VMA
  // (49b0638502da, v6.5). Off: PGWALK_RDLOCK, as before it (S20 twin A).
  bool mbind_walk_write_locks = true;
  // walk_page_range() locks a VMA (process_vma_walk_lock) before test_walk() can skip it, and
  // vma_replace_policy() asserts the VMA write-locked (8b9c1cc0418a "mm: lock VMAs skipped by a
  // page walk" and 6c21e066f925 "mm/mempolicy: Take VMA lock before replacing policy", v6.5/6.6).
  // Off: 49b0638502da's walk, which locked only the VMAs it walked (S20 twin B).
  bool walk_locks_skipped_vmas = true;
};

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_PROTOCOL_H_
