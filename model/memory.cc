// The fault half of mm/memory.c (v6.12): lock_vma_under_rcu, handle_mm_fault and the fault
// paths; see memory.h. (The unmap half is zap.cc.)
#include "model/memory.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "model/anon_prepare.h"
#include "model/huge_memory.h"
#include "model/hugetlb.h"
#include "model/mmap_lock.h"
#include "model/mempolicy.h"
#include "model/migrate_device.h"
#include "model/swap_state.h"
#include "model/userfaultfd.h"
#include "model/vma_lock.h"

namespace mmcheck::model {

Vma* lock_vma_under_rcu(MmStruct* mm, unsigned long address) {
  // Mirrors mm/memory.c lock_vma_under_rcu, v6.12: the detached check before the range check
  // (v6.6 to v6.11 check the range first; the model keeps vm_start/vm_end intact after call_rcu,
  // so the two orders give the same verdicts here, kernel-model.md 3.2). v6.6's anon_vma check
  // and v6.4's userfaultfd_armed bail-out are not modeled.
  RcuReadLock();
  while (true) {                           // retry:
    Vma* vma = mm->mm_mt[address].load();  // mas_walk()
    if (vma == nullptr) break;
    if (!vma_start_read(vma)) break;
    if (mm->knobs.lock_vma_checks_detached) {
      vma->lifetime.Use("reads vma->detached");
      if (vma->detached.read()) {
        vma_end_read(vma);
        continue;  // the VMA was being removed: look again (count_vm_vma_lock_event(MISS))
      }
    }
    vma->lifetime.Use("reads vma->vm_start/vm_end");
    if (address < vma->vm_start || address >= vma->vm_end) {
      vma_end_read(vma);
      break;
    }
    RcuReadUnlock();
    return vma;
  }
  RcuReadUnlock();  // inval:
  return nullptr;
}

Vma* find_vma(MmStruct* mm, unsigned long address) { return mm->mm_mt[address].load(); }

Vma* find_vma_intersection(MmStruct* mm, unsigned long start, unsigned long end) {
  for (unsigned long p = start; p < end; ++p) {
    if (Vma* vma = mm->mm_mt[p].load()) return vma;
  }
  return nullptr;
}

namespace {

unsigned long read_vm_flags(Vma* vma) {
  vma_use(vma, "reads vma->vm_flags");
  return vma->vm_flags.read();
}

// maybe_mkwrite() (include/linux/mm.h): the write bit only if the VMA allows writes.
Entry maybe_mkwrite(Entry e, Vma* vma) {
  if (read_vm_flags(vma) & VM_WRITE) e = pte_mkwrite(e);
  return e;
}

// vmf_pte_changed() (mm/memory.c v6.12).
bool vmf_pte_changed(VmFault* vmf) {
  const Entry now = ptep_get(vmf->pte, vmf->address);
  if (vmf->flags & FAULT_FLAG_ORIG_PTE_VALID) return !pte_same(now, vmf->orig_pte);
  return !pte_none(now);
}

// do_anonymous_page() (mm/memory.c v6.12; kernel-model.md 3.4), order-0 folios, no userfaultfd
// (the swap/userfault issue adds the userfaultfd_missing() branches).
vm_fault_t do_anonymous_page(VmFault* vmf) {
  Vma* vma = vmf->vma;
  MmStruct* mm = vma->vm_mm;
  // File mapping without ->vm_ops ?
  if (read_vm_flags(vma) & VM_SHARED) return VM_FAULT_SIGBUS;
  if (pte_alloc(mm, vmf->pmd, vmf->address)) return VM_FAULT_OOM;
  Entry entry;
  Folio* folio = nullptr;
  vm_fault_t ret = 0;
  if (!(vmf->flags & FAULT_FLAG_WRITE)) {
    // Use the zero-page for reads.
    vma_use(vma, "reads vma->vm_page_prot");
    vma->vm_page_prot.read();
    entry = pte_mkspecial(mk_pte(ZERO_PFN));
    vmf->pte = pte_offset_map_lock(vmf->pmd, vmf->address);
    if (vmf->pte == nullptr) return 0;
    if (vmf_pte_changed(vmf)) goto unlock;  // update_mmu_tlb
    // Deliver the page fault to userland, check inside PT lock.
    if (userfaultfd_missing(vma)) {
      pte_unmap_unlock(vmf->pte);
      return handle_userfault(vma, vmf->address, vmf->flags, vmf->pmd);
    }
  } else {
    // Allocate our own private page.
    ret = vmf_anon_prepare(vma, vmf->flags);
    if (ret) return ret;
    folio = vma_alloc_folio(vma);  // alloc_anon_folio -> vma_alloc_folio (the VMA's mempolicy)
    // __folio_mark_uptodate(): the barrier orders the page's contents before set_pte_at.
    vma_use(vma, "reads vma->vm_page_prot");
    vma->vm_page_prot.read();
    entry = pte_mkyoung(mk_pte(folio->pfn));  // mk_pte(page, vma->vm_page_prot), pte_sw_mkyoung
    if (read_vm_flags(vma) & VM_WRITE) entry = pte_mkwrite(pte_mkdirty(entry));
    vmf->pte = pte_offset_map_lock(vmf->pmd, vmf->address);
    if (vmf->pte == nullptr) {
      folio_put(folio);  // release:
      return 0;
    }
    if (vmf_pte_changed(vmf)) {
      pte_unmap_unlock(vmf->pte);  // update_mmu_tlb; release:
      folio_put(folio);
      return 0;
    }
    // Deliver the page fault to userland, check inside PT lock.
    if (userfaultfd_missing(vma)) {
      pte_unmap_unlock(vmf->pte);
      folio_put(folio);
      return handle_userfault(vma, vmf->address, vmf->flags, vmf->pmd);
    }
    folio_add_new_anon_rmap(folio);  // add_mm_counter(MM_ANONPAGES) left out
  }
  // setpte:
  set_entry(vmf->pte, vmf->address, entry);  // set_ptes(); no flush: it was not present
unlock:
  pte_unmap_unlock(vmf->pte);
  return ret;
}

// wp_page_reuse() (v6.12): the fault's own exclusive anonymous page gets its write bit back,
// under the PTL that do_wp_page holds.
vm_fault_t wp_page_reuse(VmFault* vmf) {
  Entry entry = pte_mkyoung(vmf->orig_pte);
  entry = maybe_mkwrite(pte_mkdirty(entry), vmf->vma);
  set_entry(vmf->pte, vmf->address, entry);  // ptep_set_access_flags
  pte_unmap_unlock(vmf->pte);
  return 0;
}

// wp_page_copy() (v6.12): copy the page to a new exclusive folio, then, under the PTL again, if
// the PTE is still the one the fault saw: clear and flush it, map the copy, drop the old
// folio's mapping. Called without the PTL, holding a reference on the old folio (knob
// wp_copy_pins_old_folio = false drops that reference: the copy then reads a page a concurrent
// zap may have freed).
vm_fault_t wp_page_copy(VmFault* vmf, Folio* old_folio) {
  Vma* vma = vmf->vma;
  MmStruct* mm = vma->vm_mm;
  const vm_fault_t ret = vmf_anon_prepare(vma, vmf->flags);
  if (ret) {
    if (old_folio != nullptr && mm->knobs.wp_copy_pins_old_folio) folio_put(old_folio);
    return ret;
  }
  Folio* new_folio = mm->mem_map->folio_alloc();                       // folio_prealloc
  if (old_folio != nullptr) copy_user_highpage(new_folio, old_folio);  // __wp_page_copy_user
  // Re-check the pte - we dropped the lock.
  vmf->pte = pte_offset_map_lock(vmf->pmd, vmf->address);
  bool page_copied = false;
  if (vmf->pte != nullptr && pte_same(ptep_get(vmf->pte, vmf->address), vmf->orig_pte)) {
    vma_use(vma, "reads vma->vm_page_prot");
    vma->vm_page_prot.read();
    Entry entry = pte_mkyoung(mk_pte(new_folio->pfn));
    entry = maybe_mkwrite(pte_mkdirty(entry), vma);
    // Clear the pte entry and flush it first, before updating the pte with the new entry.
    ptep_get_and_clear(vmf->pte, vmf->address);  // ptep_clear_flush
    flush_tlb_range(mm, vmf->address, vmf->address + 1);
    folio_add_new_anon_rmap(new_folio);
    set_entry(vmf->pte, vmf->address, entry);
    if (old_folio != nullptr) folio_remove_rmap_pte(old_folio);
    page_copied = true;
    pte_unmap_unlock(vmf->pte);
  } else if (vmf->pte != nullptr) {
    pte_unmap_unlock(vmf->pte);  // update_mmu_tlb
  }
  // "new_folio = old_folio" once copied: put the reference that is not needed any more, the old
  // page's mapping reference (copied) or the unused copy (not copied); then the pin.
  if (page_copied) {
    if (old_folio != nullptr) folio_put(old_folio);
  } else {
    folio_put(new_folio);
  }
  if (old_folio != nullptr && mm->knobs.wp_copy_pins_old_folio) folio_put(old_folio);
  return 0;
}

// do_wp_page() (v6.12), private anonymous mappings: called with the PTL held. Reuse the page if
// it is exclusive to this mapping (PageAnonExclusive, or wp_can_reuse_anon_folio: refcount 1 and
// folio_trylock); otherwise pin it, drop the PTL and copy.
vm_fault_t do_wp_page(VmFault* vmf) {
  Vma* vma = vmf->vma;
  if (vma->vm_ops != nullptr) {
    // A driver's shared pfnmap (the model's only VMAs with vm_ops): vm_normal_page() is NULL,
    // VM_SHARED -> wp_pfn_shared(); without ->pfn_mkwrite (vfio has none) -> wp_page_reuse().
    MMCHECK_ASSERT_MSG(vmf->orig_pte.special, "only special PTEs of a driver VMA are modeled");
    return wp_page_reuse(vmf);
  }
  Folio* folio = vma->vm_mm->mem_map->pfn_folio(pte_pfn(vmf->orig_pte));  // vm_normal_page
  if (vmf->orig_pte.special) folio = nullptr;                             // the zero page
  if (folio != nullptr && folio->anon.read()) {
    bool reuse = folio->anon_exclusive.read();
    if (!reuse && folio_ref_count(folio) == 1 && folio_trylock(folio)) {
      // wp_can_reuse_anon_folio(): the only reference is the mapping's own.
      reuse = folio_ref_count(folio) == 1;
      if (reuse) folio->anon_exclusive.write(true);  // folio_move_anon_rmap + SetPageAnonExclusive
      folio_unlock(folio);
    }
    if (reuse) return wp_page_reuse(vmf);
  }
  // Ok, we need to copy. Oh, well..
  if (folio != nullptr && vma->vm_mm->knobs.wp_copy_pins_old_folio) folio_get(folio);
  pte_unmap_unlock(vmf->pte);
  return wp_page_copy(vmf, folio);
}

// __folio_lock_or_retry() (mm/filemap.c, v6.6+; kernel-model.md 3.6 step 5) behind
// folio_lock_or_retry()'s trylock: on the first try of a retriable fault, drop the fault lock
// (release_fault_lock), wait for the folio and return VM_FAULT_RETRY; the VMA is not to be touched
// after that. With FAULT_FLAG_RETRY_NOWAIT it returns VM_FAULT_RETRY *without* dropping the lock
// ("CAUTION! In this case, mmap_lock/per-VMA lock is not released"). On a retry (TRIED) it just
// sleeps for the lock. Seed 002 v2 (5/6): the callee reports the drop with VM_FAULT_VMA_UNLOCKED.
vm_fault_t folio_lock_or_retry(Folio* folio, VmFault* vmf) {
  CurrentExecution().MightSleep("folio_lock_or_retry", __FILE__, __LINE__);
  if (folio_trylock(folio)) return 0;
  const unsigned int flags = vmf->flags;
  if ((flags & FAULT_FLAG_ALLOW_RETRY) && !(flags & FAULT_FLAG_TRIED)) {
    if (flags & FAULT_FLAG_RETRY_NOWAIT) return VM_FAULT_RETRY;
    const vm_fault_t ret = VM_FAULT_RETRY | vma_unlocked_flag(vmf->vma->vm_mm, flags);
    release_fault_lock(vmf->vma, flags);
    folio_wait_locked(folio);  // folio_wait_locked_killable
    return ret;
  }
  folio_lock(folio);  // __folio_lock_killable: no fatal signals in the model
  return 0;
}

// migration_entry_wait() (mm/migrate.c, v6.5+): under the PTL, if the PTE is still a migration
// entry, migration_entry_wait_on_locked(entry, ptl): queue on the folio's (hashed) wait queue,
// drop the PTL, sleep until the folio is unlocked. No folio reference is taken: the wait queue is
// not in the folio, so the wait itself is not a use of it; the PTL keeps the folio locked (and
// alive) until the thread is queued.
static void migration_entry_wait(PageTable* pmd, unsigned long address) {
  PageTable* pte = pte_offset_map_lock(pmd, address);
  if (pte == nullptr) return;
  const Entry entry = ptep_get(pte, address);
  if (entry.kind != EntryKind::kMigration) {
    pte_unmap_unlock(pte);
    return;
  }
  Folio* folio = pte->mm->mem_map->pfn_folio(entry.val);  // pfn_swap_entry_folio
  pte_unmap_unlock(pte);
  folio->lock.wait_unlocked();  // io_schedule() until folio_unlock wakes the queue
}

// do_swap_page() (mm/memory.c, v6.6 as read in full; kernel-model.md 3.6): the swap-cache folio,
// or one swapin_readahead() reads in (swap_state.h). pte_unmap_same() only unmaps on 64-bit. Left
// out: the skip-swapcache path (SWP_SYNCHRONOUS_IO devices), device-exclusive entries,
// KSM, large folios, exclusive-swap-entry write mapping (a write fault goes on to do_wp_page, as
// the kernel does when it cannot map the page writable at once).
vm_fault_t do_swap_page(VmFault* vmf) {
  Vma* vma = vmf->vma;
  MmStruct* mm = vma->vm_mm;
  vm_fault_t ret = 0;
  pte_unmap();  // pte_unmap_same()
  const Entry orig = vmf->orig_pte;
  if (orig.kind == EntryKind::kMigration) {
    // Merged v6.6: migration_entry_wait(vma->vm_mm, vmf->pmd, vmf->address) with the VMA lock
    // still held (the migrator needs no mm lock). Seed 002 v2 4/6 dropped the VMA lock first:
    // "mm = vma->vm_mm; vma_end_read(vma); ret |= VM_FAULT_VMA_UNLOCKED" ("WARNING: VMA can't be
    // used after this") and then still passed vmf->pmd, a pointer into a PMD table nothing keeps
    // alive any more; knob swap_retry_leaves_vma_alone = false also reads vma->vm_mm after the
    // drop instead of the saved mm (S16 twin A).
    if ((vmf->flags & FAULT_FLAG_VMA_LOCK) && mm->knobs.fault_protocol == FaultProtocol::kV2 &&
        mm->knobs.v2_migration_drops_vma_lock) {
      vma_end_read(vma);
      ret |= vma_unlocked_flag(mm, vmf->flags);
      if (!mm->knobs.swap_retry_leaves_vma_alone) vma_use(vma, "reads vma->vm_mm");
    }
    migration_entry_wait(vmf->pmd, vmf->address);
    return ret;
  }
  if (orig.kind == EntryKind::kDevicePrivate) {
    if ((vmf->flags & FAULT_FLAG_VMA_LOCK) && mm->knobs.device_private_falls_back) {
      // migrate_to_ram is not yet ready to operate under VMA lock. (1235ccd05b6d, v6.6)
      vma_end_read(vma);
      return VM_FAULT_RETRY | vma_unlocked_flag(mm, vmf->flags);
    }
    Folio* page = mm->mem_map->pfn_folio(orig.val);  // pfn_swap_entry_to_page
    vmf->pte = pte_offset_map_lock(vmf->pmd, vmf->address);
    if (vmf->pte == nullptr) return ret;
    if (!pte_same(ptep_get(vmf->pte, vmf->address), orig)) {
      pte_unmap_unlock(vmf->pte);
      return ret;
    }
    // Get a page reference while we know the page can't be freed.
    folio_get(page);
    pte_unmap_unlock(vmf->pte);
    ret = migrate_to_ram(vma, vmf->address, vmf->pmd, page);  // pgmap->ops->migrate_to_ram
    folio_put(page);
    return ret;
  }
  MMCHECK_ASSERT_MSG(orig.kind == EntryKind::kSwap,
                     "device-exclusive and marker entries are not modeled");
  const int entry = orig.val;
  // get_swap_device() (a reference against swapoff: no swapoff in the model), then
  // swap_cache_get_folio() -> filemap_get_folio(): the RCU lookup with folio_try_get and the
  // slot's re-check (swap_state.h).
  Folio* folio = filemap_get_swap_folio(mm->mem_map, entry);
  if (folio == nullptr) {
    // Not in the swap cache: read it in (swapin_readahead; may sleep on I/O with the fault lock
    // held, which is allowed). The new folio comes back locked until its read completes.
    vma_use(vma, "swapin_readahead() reads the mempolicy");
    folio = swapin_readahead(mm->mem_map, entry);
    if (folio == nullptr) {
      // Back out if somebody else faulted in this pte while we released the pte lock.
      vmf->pte = pte_offset_map_lock(vmf->pmd, vmf->address);
      if (vmf->pte != nullptr) {
        if (pte_same(ptep_get(vmf->pte, vmf->address), orig)) ret = VM_FAULT_OOM;
        pte_unmap_unlock(vmf->pte);
      }
      return ret;
    }
    ret = VM_FAULT_MAJOR;  // Had to read the page from swap area: Major fault
  }
  ret |= folio_lock_or_retry(folio, vmf);
  if (ret & VM_FAULT_RETRY) {
    // The fault lock is gone: only the folio and the saved mm may be touched (out_release).
    if (!mm->knobs.swap_retry_leaves_vma_alone) vma_use(vma, "reads vma->vm_mm");
    folio_put(folio);
    return ret;
  }
  // Make sure folio_free_swap() or swapoff did not release the swapcache from under us.
  if (!folio->swapcache.read() || folio->swap.read() != entry) {
    folio_unlock(folio);  // out_page
    folio_put(folio);
    return ret;
  }
  // Back out if somebody else already faulted in this pte.
  vmf->pte = pte_offset_map_lock(vmf->pmd, vmf->address);
  if (vmf->pte == nullptr || !pte_same(ptep_get(vmf->pte, vmf->address), orig)) goto out_nomap;
  if (!folio->uptodate.read()) {
    ret = VM_FAULT_SIGBUS;
    goto out_nomap;
  }
  {
    MemMap* mem_map = mm->mem_map;
    // Remove the swap entry and conditionally try to free up the swapcache (v6.6 and v6.12
    // alike): swap_free(), then should_try_to_free_swap() -> folio_free_swap().
    const int left = mem_map->swap_map[static_cast<size_t>(entry)].fetch_add(-1) - 1;
    // should_try_to_free_swap(): a write fault whose reference and the swap cache's are the only
    // ones (folio_ref_count == 2; mem_cgroup_swap_full, VM_LOCKED, mlock and KSM not modeled).
    // folio_free_swap(): under the folio lock, unless folio_swapped() (another swap PTE still
    // uses the slot), the folio leaves the swap cache and the slot goes (folio_set_dirty: its
    // copy on the device is gone). Knob do_swap_page_frees_swap off: the model before it.
    if ((vmf->flags & FAULT_FLAG_WRITE) && mm->knobs.do_swap_page_frees_swap &&
        folio->_refcount.load() == 2 && left == SWAP_HAS_CACHE) {
      delete_from_swap_cache(mem_map, folio, entry);
    }
    // page_add_anon_rmap(): the lookup's reference becomes the mapping's.
    folio->lifetime.Use("page_add_anon_rmap");
    folio->_mapcount.fetch_add(1);
    vma_use(vma, "reads vma->vm_page_prot");
    vma->vm_page_prot.read();
    const Entry pte = pte_mkyoung(mk_pte(folio->pfn));
    set_entry(vmf->pte, vmf->address, pte);
    folio_unlock(folio);
    if (vmf->flags & FAULT_FLAG_WRITE) {
      // do_wp_page() with the PTL still held; it releases it.
      vmf->orig_pte = pte;
      return ret | do_wp_page(vmf);
    }
    pte_unmap_unlock(vmf->pte);
    return ret;
  }
out_nomap:
  if (vmf->pte != nullptr) pte_unmap_unlock(vmf->pte);
  folio_unlock(folio);  // out_page
  folio_put(folio);
  return ret;
}

// vmf_can_call_fault() (v6.7+, "mm: Handle shared faults under the VMA lock"): ->fault may rely
// on mmap_lock unless the VMA has ->map_pages (filemap_fault does not), so under the VMA lock a
// VMA without it drops the lock and retries under mmap_lock (a driver's pfnmap).
vm_fault_t vmf_can_call_fault(VmFault* vmf) {
  if (vmf->vma->vm_ops->map_pages != nullptr || !(vmf->flags & FAULT_FLAG_VMA_LOCK)) return 0;
  vma_end_read(vmf->vma);
  return VM_FAULT_RETRY | vma_unlocked_flag(vmf->vma->vm_mm, vmf->flags);
}

// __do_fault() (v6.12): ->fault, and the folio locked if ->fault did not lock it (a pfnmap
// driver's ->fault returns VM_FAULT_NOPAGE and no page). The PTE table it preallocates when the
// PMD is none is allocated by finish_fault here (pte_alloc), after the folio lock: the memcg
// reclaim deadlock the kernel's order avoids is not modeled.
vm_fault_t do_fault_page(VmFault* vmf) {
  vmf->page = nullptr;
  const vm_fault_t ret = vmf->vma->vm_ops->fault(vmf);
  if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY)) return ret;
  MMCHECK_ASSERT_MSG(vmf->page != nullptr, vmf->vma->vm_ops->name, "->fault returned no page");
  if (!(ret & VM_FAULT_LOCKED)) folio_lock(vmf->page);
  return ret;
}

// finish_fault() (v6.12.59+) for an order-0 page-cache folio of a shared or read-only mapping
// (the COW case, do_cow_fault, is not modeled): a PTE table if the PMD is none; under the PTL,
// NOPAGE if the PTE changed since the fault read it, else set_pte_range() for the one page.
vm_fault_t finish_fault(VmFault* vmf) {
  Vma* vma = vmf->vma;
  MMCHECK_ASSERT_MSG(!(vmf->flags & FAULT_FLAG_WRITE) || (read_vm_flags(vma) & VM_SHARED),
                     "finish_fault of a COW page is not modeled");
  if (pmd_none(ptep_get(vmf->pmd, vmf->address))) {
    if (pte_alloc(vma->vm_mm, vmf->pmd, vmf->address)) return VM_FAULT_OOM;
  }
  vmf->pte = pte_offset_map_lock(vmf->pmd, vmf->address);
  if (vmf->pte == nullptr) return VM_FAULT_NOPAGE;
  vm_fault_t ret = 0;
  if (vmf_pte_changed(vmf)) {
    ret = VM_FAULT_NOPAGE;  // update_mmu_tlb
  } else {
    // One page (nr_pages = 1 for a file that is not anonymous shmem): the page of the index.
    Folio* folio = vmf->page;
    set_pte_range(vmf, folio, folio->pfn + static_cast<int>(vmf->pgoff - folio->index), 1,
                  vmf->address);  // folio_ref_add(folio, nr_pages - 1 = 0)
  }
  pte_unmap_unlock(vmf->pte);
  vmf->pte = nullptr;
  return ret;
}

// fault_around_bytes (64 KiB: 16 pages), at most a PTE table's worth (the model's tables have 2).
constexpr unsigned long kFaultAroundPages = std::min<unsigned long>(16, PTRS_PER_TABLE);

// do_fault_around() (v6.12): the window of fault_around_pages around the address, inside the VMA
// and one PTE table, handed to ->map_pages under RCU. The kernel preallocates a PTE table here
// when the PMD is none and installs it in filemap_map_pmd() under the PMD lock; the model
// allocates and installs it here (pte_alloc), before RCU: the table appears a little earlier,
// and even when ->map_pages maps nothing (the kernel then frees the preallocated one).
vm_fault_t do_fault_around(VmFault* vmf) {
  Vma* vma = vmf->vma;
  const unsigned long nr_pages = kFaultAroundPages;
  const unsigned long pte_off = vmf->address % PTRS_PER_TABLE;  // pte_index()
  // The page offset of vmf->address within the VMA.
  const unsigned long vma_off = vmf->pgoff - vma->vm_pgoff;
  // The PTE offset of the start address, clamped to the VMA.
  const unsigned long from_pte =
      std::max(pte_off - pte_off % nr_pages, pte_off - std::min(pte_off, vma_off));
  // The PTE offset of the end address, clamped to the VMA and PTE.
  const unsigned long to_pte =
      std::min({from_pte + nr_pages, PTRS_PER_TABLE,
                pte_off + (vma->vm_end - vma->vm_start) - vma_off}) - 1;
  if (pmd_none(ptep_get(vmf->pmd, vmf->address))) {
    if (pte_alloc(vma->vm_mm, vmf->pmd, vmf->address)) return VM_FAULT_OOM;
  }
  RcuReadLock();
  const vm_fault_t ret =
      vma->vm_ops->map_pages(vmf, vmf->pgoff + from_pte - pte_off, vmf->pgoff + to_pte - pte_off);
  RcuReadUnlock();
  return ret;
}

// do_read_fault() (v6.12): fault-around first if the VMA has ->map_pages (should_fault_around:
// fault_around_pages > 1; uffd_disable_fault_around concerns userfaultfd-registered VMAs, which
// no file VMA of the model is); if that did not map the address, __do_fault() and finish_fault().
vm_fault_t do_read_fault(VmFault* vmf) {
  vm_fault_t ret = 0;
  if (vmf->vma->vm_ops->map_pages != nullptr) {
    ret = do_fault_around(vmf);
    if (ret) return ret;
  }
  ret = vmf_can_call_fault(vmf);
  if (ret) return ret;
  ret = do_fault_page(vmf);
  if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY)) return ret;
  ret |= finish_fault(vmf);
  Folio* folio = vmf->page;
  folio_unlock(folio);
  if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY)) folio_put(folio);
  return ret;
}

// do_fault() (v6.12): do_read_fault for a read, do_shared_fault for a write to a shared mapping
// (a driver's pfnmap, whose ->fault maps the pfn itself and returns VM_FAULT_NOPAGE; a file's
// do_shared_fault with ->page_mkwrite is not modeled). do_cow_fault (a write to a private
// mapping with vm_ops) is not modeled.
vm_fault_t do_fault(VmFault* vmf) {
  Vma* vma = vmf->vma;
  MMCHECK_ASSERT_MSG(vma->vm_ops->fault != nullptr, "a VMA without ->fault is not modeled");
  if (!(vmf->flags & FAULT_FLAG_WRITE)) return do_read_fault(vmf);
  MMCHECK_ASSERT_MSG(read_vm_flags(vma) & VM_SHARED, "do_cow_fault is not modeled");
  MMCHECK_ASSERT_MSG(vma->vm_ops->map_pages == nullptr,
                     "do_shared_fault of a file (->page_mkwrite) is not modeled");
  // do_shared_fault(): __do_fault, which a pfnmap driver ends with VM_FAULT_NOPAGE.
  vm_fault_t ret = vmf_can_call_fault(vmf);
  if (ret) return ret;
  return do_fault_page(vmf);
}

// handle_pte_fault() (v6.12).
vm_fault_t handle_pte_fault(VmFault* vmf) {
  if (pmd_none(ptep_get(vmf->pmd, vmf->address))) {
    vmf->pte = nullptr;
    vmf->flags &= ~FAULT_FLAG_ORIG_PTE_VALID;
  } else {
    vmf->pte = pte_offset_map(vmf->pmd, vmf->address);  // pte_offset_map_rw_nolock
    if (vmf->pte == nullptr) return 0;
    vmf->orig_pte = ptep_get(vmf->pte, vmf->address);  // ptep_get_lockless
    vmf->flags |= FAULT_FLAG_ORIG_PTE_VALID;
    if (pte_none(vmf->orig_pte)) {
      pte_unmap();
      vmf->pte = nullptr;
    }
  }
  if (vmf->pte == nullptr) {
    // do_pte_missing(): vma_is_anonymous() ? do_anonymous_page : do_fault.
    return vmf->vma->vm_ops == nullptr ? do_anonymous_page(vmf) : do_fault(vmf);
  }
  if (!pte_present(vmf->orig_pte)) return do_swap_page(vmf);
  PageTable* pte = vmf->pte;
  pte_lockptr(pte).lock();
  Entry entry = vmf->orig_pte;
  if (!pte_same(ptep_get(pte, vmf->address), entry)) {
    pte_unmap_unlock(pte);  // update_mmu_tlb
    return 0;
  }
  if (vmf->flags & FAULT_FLAG_WRITE) {
    if (!pte_write(entry)) return do_wp_page(vmf);
    entry = pte_mkdirty(entry);
  }
  entry = pte_mkyoung(entry);
  if (!(entry == vmf->orig_pte)) set_entry(pte, vmf->address, entry);  // ptep_set_access_flags
  pte_unmap_unlock(pte);
  return 0;
}

// sanitize_fault_flags() (v6.12): a write fault needs VM_MAYWRITE; FAULT_FLAG_RETRY_NOWAIT is not
// allowed under the VMA lock (__folio_lock_or_retry would return RETRY without dropping it).
vm_fault_t sanitize_fault_flags(Vma* vma, unsigned int* flags) {
  if (*flags & FAULT_FLAG_WRITE) {
    if (!(read_vm_flags(vma) & VM_MAYWRITE)) return VM_FAULT_SIGSEGV;
  }
  if ((*flags & FAULT_FLAG_VMA_LOCK) && (*flags & FAULT_FLAG_RETRY_NOWAIT) &&
      vma->vm_mm->knobs.sanitize_rejects_vma_lock_nowait) {
    return VM_FAULT_SIGSEGV;  // WARN_ON_ONCE
  }
  return 0;
}

// wp_huge_pud() (v6.12): a shared VMA with ->huge_fault tries it at PUD order; otherwise, or on
// VM_FAULT_FALLBACK, "COW or write-notify not handled on PUD level: split pud".
vm_fault_t wp_huge_pud(VmFault* vmf) {
  Vma* vma = vmf->vma;
  if (read_vm_flags(vma) & (VM_SHARED | VM_MAYSHARE)) {
    if (vma->vm_ops->huge_fault != nullptr) {
      const vm_fault_t ret = vma->vm_ops->huge_fault(vmf, PUD_ORDER);
      if (!(ret & VM_FAULT_FALLBACK)) return ret;
    }
  }
  split_huge_pud(vma, vmf->pud, vmf->address);  // split:
  return VM_FAULT_FALLBACK;
}

// wp_huge_pmd() (v6.12), the same at PMD order ("COW or write-notify handled on pte level: split
// pmd").
vm_fault_t wp_huge_pmd(VmFault* vmf) {
  Vma* vma = vmf->vma;
  if (read_vm_flags(vma) & (VM_SHARED | VM_MAYSHARE)) {
    if (vma->vm_ops->huge_fault != nullptr) {
      const vm_fault_t ret = vma->vm_ops->huge_fault(vmf, PMD_ORDER);
      if (!(ret & VM_FAULT_FALLBACK)) return ret;
    }
  }
  split_huge_pmd(vma, vmf->pmd, vmf->address);
  return VM_FAULT_FALLBACK;
}

// __handle_mm_fault() (v6.12) for a VMA with vm_ops: the PUD level (retry_pud:), the PMD level,
// then handle_pte_fault. thp_vma_allowable_order() for a VMA with ->huge_fault is every order
// ("Trust that ->huge_fault() handlers know what they are doing in fault path", with 003/04's
// THP_ORDERS_ALL_SPECIAL; the sysfs THP setting is taken as enabled), so create_huge_pud/pmd ask
// the driver whenever the slot is none. pud_trans_unstable() after pmd_alloc is the model's
// pmd_alloc returning no table because the PUD became a leaf.
vm_fault_t handle_driver_mm_fault(VmFault* vmf) {
  Vma* vma = vmf->vma;
  MmStruct* mm = vma->vm_mm;
  const bool huge = vma->vm_ops->huge_fault != nullptr;
  vm_fault_t ret = 0;
  vmf->pud = pud_table(mm);  // pud_alloc(): the PUD table always exists (PGD/P4D folded)
  while (true) {             // retry_pud:
    // Two reads, as the kernel makes them: `pud_none(*vmf.pud)`, then, when it is not none (or
    // no huge PUD is allowed), `orig_pud = *vmf.pud; barrier();`, which may see what a racing
    // fault installed in between.
    if (pud_none(ptep_get(vmf->pud, vmf->address)) && huge) {
      ret = vma->vm_ops->huge_fault(vmf, PUD_ORDER);  // create_huge_pud()
      if (!(ret & VM_FAULT_FALLBACK)) return ret;
    } else {
      const Entry orig_pud = ptep_get(vmf->pud, vmf->address);
      if (pud_trans_huge(orig_pud)) {
        if ((vmf->flags & FAULT_FLAG_WRITE) && !pte_write(orig_pud)) {
          ret = wp_huge_pud(vmf);
          if (!(ret & VM_FAULT_FALLBACK)) return ret;
        } else {
          huge_pud_set_accessed(vmf, orig_pud);
          return 0;
        }
      }
    }
    vmf->pmd = pmd_alloc(mm, vmf->address);
    if (vmf->pmd != nullptr) break;  // else: huge pud page fault raced with pmd_alloc
  }
  const Entry pmdval = ptep_get(vmf->pmd, vmf->address);
  if (pmd_none(pmdval) && huge) {
    ret = vma->vm_ops->huge_fault(vmf, PMD_ORDER);  // create_huge_pmd()
    if (!(ret & VM_FAULT_FALLBACK)) return ret;
  } else {
    vmf->orig_pmd = ptep_get(vmf->pmd, vmf->address);  // pmdp_get_lockless
    if (pmd_trans_huge(vmf->orig_pmd)) {
      if ((vmf->flags & FAULT_FLAG_WRITE) && !pte_write(vmf->orig_pmd)) {
        ret = wp_huge_pmd(vmf);
        if (!(ret & VM_FAULT_FALLBACK)) return ret;
      } else {
        huge_pmd_set_accessed(vmf);
        return 0;
      }
    }
  }
  return handle_pte_fault(vmf);
}

}  // namespace

// set_pte_range() (mm/memory.c v6.12): `nr` PTEs from `addr` for the pages of `folio` from pfn
// `pfn` (set_ptes), all young, or all old if the batch is prefaulted and the arch wants old
// prefaulted PTEs (arch_wants_old_prefaulted_pte(): arm64 with the hardware access flag, taken as
// present; x86: false); prefault as knob set_pte_range_prefault says (v6.12: the July 2024 fix's
// !in_range). Dirty and writable on a write; the file rmap. The caller holds the PTL.
// I-AGE-1 is checked on what it installs: the faulting address's PTE young; on an arch that wants
// old prefaulted PTEs, a batch that does not contain the faulting address old.
void set_pte_range(VmFault* vmf, Folio* folio, int pfn, int nr, unsigned long addr) {
  Vma* vma = vmf->vma;
  MmStruct* mm = vma->vm_mm;
  const bool write = vmf->flags & FAULT_FLAG_WRITE;
  const bool in_range = vmf->address >= addr && vmf->address < addr + static_cast<unsigned>(nr);
  bool prefault = !in_range;
  if (mm->knobs.set_pte_range_prefault == PrefaultRule::kInRange) prefault = in_range;
  if (mm->knobs.set_pte_range_prefault == PrefaultRule::kBatchStart) {
    prefault = vmf->address != addr;
  }
  const bool wants_old = mm->knobs.arch == Arch::kArm64;  // arch_wants_old_prefaulted_pte()
  vma_use(vma, "reads vma->vm_page_prot");
  vma->vm_page_prot.read();
  Entry entry = mk_pte(pfn);
  entry = prefault && wants_old ? pte_mkold(entry) : pte_mkyoung(entry);  // pte_sw_mkyoung
  if (write) entry = maybe_mkwrite(pte_mkdirty(entry), vma);
  MMCHECK_ASSERT_MSG(!write || (read_vm_flags(vma) & VM_SHARED),
                     "set_pte_range of a COW page is not modeled");
  if (in_range && !entry.young) {
    Violate(ViolationKind::kInvariant,
            absl::StrCat("I-AGE-1: the fault at page ", vmf->address, " maps its own page old",
                         nr > 1 ? absl::StrCat(" (a batch of ", nr, " from page ", addr, ")") : "",
                         ": the access it retries takes a spurious access-flag fault"));
  }
  if (!in_range && wants_old && entry.young) {
    Violate(ViolationKind::kInvariant,
            absl::StrCat("I-AGE-1: the fault at page ", vmf->address, " prefaults page ", addr,
                         " young, where the arch wants prefaulted PTEs old"));
  }
  folio_add_file_rmap_ptes(folio, nr);
  for (int i = 0; i < nr; ++i) {
    entry.val = pfn + i;
    set_entry(vmf->pte, addr + static_cast<unsigned>(i), entry);  // set_ptes
  }
  // update_mmu_cache_range: nothing to model.
}

vm_fault_t handle_mm_fault(Vma* vma, unsigned long address, unsigned int flags) {
  MmStruct* mm = vma->vm_mm;  // saved: the VMA is not to be touched once the lock is dropped
  vm_fault_t ret = sanitize_fault_flags(vma, &flags);
  if (ret) return ret;
  // __handle_mm_fault(): pgd_offset, p4d_alloc, pud_alloc are folded (mm->pud_table). The PUD
  // entry is read first (retry_pud: no huge PUD for anonymous memory), then pmd_alloc.
  if (is_vm_hugetlb_page(vma)) return hugetlb_fault(mm, vma, address, flags);
  VmFault vmf{.vma = vma, .address = address, .flags = flags};
  vma_use(vma, "walks the page tables");
  if (vma->vm_ops != nullptr) {
    vmf.pgoff = address - vma->vm_start + vma->vm_pgoff;  // linear_page_index()
    return handle_driver_mm_fault(&vmf);
  }
  vmf.pmd = pmd_alloc(mm, address);
  // No PMD-order THP for anonymous memory in the model: straight to the PTE level.
  ret = handle_pte_fault(&vmf);
  // From here on the VMA must not be dereferenced: only mm (fault accounting, left out).
  return ret;
}

}  // namespace mmcheck::model
