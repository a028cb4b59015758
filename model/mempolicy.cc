// NUMA memory policies and mbind; see mempolicy.h. Mirrors mm/mempolicy.c (v6.12): do_mbind,
// queue_pages_range, queue_pages_test_walk, queue_folios_pte_range, migrate_folio_add,
// mbind_range, vma_replace_policy, mpol_dup/mpol_put, get_vma_policy and vma_alloc_folio.
#include "model/mempolicy.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "model/memory.h"
#include "model/mmap_lock.h"
#include "model/pagewalk.h"
#include "model/pgtable.h"
#include "model/vma_lock.h"

namespace mmcheck::model {
namespace {

inline constexpr unsigned long MPOL_MF_INVERT = 1 << 4;

// struct queue_pages (v6.12), the walk's private data.
struct QueuePages {
  std::vector<Folio*>* pagelist;
  unsigned long flags;
  int node;  // the nodemask: one node
  long nr_failed = 0;
};

Mempolicy* mpol_new(int node) {
  CurrentExecution().MightSleep("mpol_new (kmem_cache_alloc(GFP_KERNEL))", __FILE__, __LINE__);
  return Make<Mempolicy>(node);
}

// mpol_dup(): a copy for the VMA (GFP_KERNEL).
Mempolicy* mpol_dup(Mempolicy* pol) {
  pol->lifetime.Use("mpol_dup copies the mempolicy");
  return mpol_new(pol->node);
}

// mpol_put(): the last reference (each policy has one owner here) frees it.
void mpol_put(Mempolicy* pol) {
  if (pol != nullptr) pol->lifetime.Free("mpol_put (kmem_cache_free)");
}

// vma_migratable() (include/linux/mempolicy.h): not VM_IO or VM_PFNMAP.
bool vma_migratable(Vma* vma) { return !(vma->vm_flags.read() & (VM_IO | VM_PFNMAP)); }

// queue_pages_test_walk() (v6.12); the hole checks (MPOL_MF_DISCONTIG_OK) never fire: the
// scenarios' ranges are contiguous.
int queue_pages_test_walk(unsigned long start, unsigned long end, MmWalk* walk) {
  (void)start;
  (void)end;
  const unsigned long flags = static_cast<QueuePages*>(walk->priv)->flags;
  vma_use(walk->vma, "reads vma->vm_flags");
  if (!vma_migratable(walk->vma) && !(flags & MPOL_MF_STRICT)) return 1;
  // "Check page nodes, and queue pages to move, in the current vma. But if no moving, and no
  // strict checking, the scan can be skipped."
  if (flags & (MPOL_MF_STRICT | MPOL_MF_MOVE)) return 0;
  return 1;
}

// migrate_folio_add() (v6.12): a folio mapped once is isolated from the LRU (a reference) and
// queued; a shared one is left alone, which is not a failure.
bool migrate_folio_add(Folio* folio, QueuePages* qp) {
  if (folio->_mapcount.load() > 1) return true;  // folio_likely_mapped_shared()
  folio_get(folio);                               // folio_isolate_lru()
  folio->mbind_queued = true;
  qp->pagelist->push_back(folio);
  return true;
}

// queue_folios_pte_range() (v6.12), the ->pmd_entry: under the PTL, each present normal page not
// on the policy's node (MPOL_MF_INVERT) is queued. (No PMD leaves in the model's anonymous VMAs;
// a PTE table that went away (ACTION_AGAIN) is not met.)
int queue_folios_pte_range(PageTable* pmd, unsigned long addr, unsigned long end, MmWalk* walk) {
  QueuePages* qp = static_cast<QueuePages*>(walk->priv);
  PageTable* pte = pte_offset_map_lock(pmd, addr);
  if (pte == nullptr) return 0;
  for (; addr < end; ++addr) {
    const Entry ptent = ptep_get(pte, addr);
    if (!pte_present(ptent) || ptent.special) continue;  // none, swap, migration; vm_normal_folio
    Folio* folio = walk->mm->mem_map->pfn_folio(pte_pfn(ptent));
    if (folio->nid == qp->node) continue;  // queue_folio_required(): already where it belongs
    if (!(qp->flags & MPOL_MF_MOVE) || !vma_migratable(walk->vma) ||
        !migrate_folio_add(folio, qp)) {
      ++qp->nr_failed;
      if ((qp->flags & (MPOL_MF_STRICT | MPOL_MF_MOVE)) == MPOL_MF_STRICT) break;
    }
  }
  pte_unmap_unlock(pte);
  return 0;
}

// vma_replace_policy() (v6.12).
void vma_replace_policy(Vma* vma, Mempolicy* pol) {
  if (vma->vm_mm->knobs.walk_locks_skipped_vmas) vma_assert_write_locked(vma);
  Mempolicy* new_pol = mpol_dup(pol);
  vma_use(vma, "replaces vma->vm_policy");
  Mempolicy* old = vma->vm_policy->load();
  vma->vm_policy->store(new_pol);  // "protected by mmap_lock"
  mpol_put(old);
}

// mbind_range() (v6.12) for a VMA inside the range (vma_modify_policy returns it whole).
void mbind_range(Vma* vma, Mempolicy* new_pol) {
  vma_use(vma, "reads vma->vm_policy");
  Mempolicy* cur = vma->vm_policy->load();
  if (cur != nullptr) cur->lifetime.Use("mpol_equal reads the mempolicy");
  if (cur != nullptr && cur->node == new_pol->node) return;  // mpol_equal()
  vma_replace_policy(vma, new_pol);
}

}  // namespace

Mempolicy::Mempolicy(int n)
    : node(n), name(absl::StrCat("mempolicy (node ", n, ")")), lifetime(name.c_str()) {}

void vma_set_policy_setup(Vma* vma, Mempolicy* pol) {
  vma->vm_policy = Make<Atomic<Mempolicy*>>(pol, "vm_policy");
}

Folio* vma_alloc_folio(Vma* vma) {
  int node = 0;  // get_task_policy(): the default, local policy
  if (vma->vm_policy != nullptr) {
    vma_use(vma, "reads vma->vm_policy");
    if (Mempolicy* pol = vma->vm_policy->load()) {  // __get_vma_policy()
      pol->lifetime.Use("folio_alloc_mpol reads the mempolicy");
      node = pol->node;
    }
  }
  Folio* folio = vma->vm_mm->mem_map->folio_alloc();
  folio->nid = node;
  return folio;
}

long do_mbind(MmStruct* mm, unsigned long start, unsigned long end, int node,
              unsigned long flags) {
  Mempolicy* new_pol = mpol_new(node);
  mmap_write_lock(mm);  // (mpol_set_nodemask: nothing to model)
  // queue_pages_range(mm, start, end, nmask, flags | MPOL_MF_INVERT | MPOL_MF_WRLOCK, &pagelist)
  std::vector<Folio*> pagelist;
  QueuePages qp{.pagelist = &pagelist, .flags = flags | MPOL_MF_INVERT, .node = node};
  const MmWalkOps ops{.pmd_entry = &queue_folios_pte_range,
                      .test_walk = &queue_pages_test_walk,
                      .walk_lock = mm->knobs.mbind_walk_write_locks ? PageWalkLock::kWrLock
                                                                    : PageWalkLock::kRdLock};
  const int walked = walk_page_range(mm, start, end, &ops, &qp);
  long err = 0;
  if (walked < 0) {
    err = walked;
  } else {
    // for_each_vma_range(vmi, vma, end)
    for (Vma* vma = find_vma_intersection(mm, start, end); vma != nullptr;
         vma = find_vma_intersection(mm, vma->vm_end, end)) {
      mbind_range(vma, new_pol);
    }
  }
  mmap_write_unlock(mm);
  // migrate_pages(&pagelist, alloc_migration_target_by_mpol, ...): not modeled (mempolicy.h); the
  // queued folios go back to the LRU (putback_movable_pages: their isolation reference).
  for (Folio* folio : pagelist) folio_put(folio);
  mpol_put(new_pol);  // mpol_out: do_mbind's own reference
  return err;
}

void check_mbind_at_end(MmStruct* mm, unsigned long start, unsigned long end, int node) {
  AtEnd([mm, start, end, node] {
    for (unsigned long addr = start; addr < end; ++addr) {
      const Entry pte = peek_pte(mm, addr);
      if (!pte_present(pte) || pte.special) continue;
      Folio* folio = mm->mem_map->pfn_folio(pte_pfn(pte));
      if (folio->nid == node || folio->mbind_queued) continue;
      Violate(ViolationKind::kInvariant,
              absl::StrCat("I-VMA-4: after mbind(MPOL_BIND, node ", node,
                           ", MPOL_MF_MOVE) returned, page ", addr, " maps ", folio->name,
                           " on node ", folio->nid, ", which mbind's page walk never queued (a "
                           "fault inserted it while mbind ran)"));
    }
  });
}

}  // namespace mmcheck::model
