// NUMA memory policies (mm/mempolicy.c, v6.12; kernel-model.md S20): a VMA's vm_policy, the
// allocation of a fault's page by it, and mbind() with its page-table walk (queue_pages_range).
//
// Two nodes, 0 and 1; a policy is MPOL_BIND or MPOL_PREFERRED to one node, and a VMA without one
// allocates on node 0 (the task's default, local policy). A policy has one owner (the VMA, or
// do_mbind's own copy), so mpol_put frees it: its Lifetime ends, and a use after that is a
// use-after-free. Not modeled: interleave, home nodes, shared (shmem) policies, vma_modify_policy's
// split and merge (mbind covers whole VMAs here), and migrate_pages() itself: a folio mbind
// queued counts as moved to the policy's node when do_mbind returns.
#ifndef MMCHECK_MODEL_MEMPOLICY_H_
#define MMCHECK_MODEL_MEMPOLICY_H_

#include <string>

#include "explorer/api.h"
#include "explorer/checks/lifetime.h"
#include "model/folio.h"
#include "model/mm_types.h"

namespace mmcheck::model {

inline constexpr unsigned long MPOL_MF_STRICT = 1 << 0;
inline constexpr unsigned long MPOL_MF_MOVE = 1 << 1;

struct Mempolicy {
  explicit Mempolicy(int node);
  const int node;
  std::string name;  // "mempolicy (node 1)"
  Lifetime lifetime;
};

// Setup only: `vma` has the policy `pol` (nullptr: the default policy, but the VMA's vm_policy is
// a word the explorer sees, so reads and writes of it are steps).
void vma_set_policy_setup(Vma* vma, Mempolicy* pol);

// vma_alloc_folio() for a fault (v6.12: get_vma_policy -> vma->vm_policy, then
// folio_alloc_mpol on the policy's node): reads vma->vm_policy under the caller's VMA or mmap
// lock, uses the policy, and allocates the folio on its node. A VMA without a vm_policy object
// allocates on node 0 without a step more than folio_alloc().
Folio* vma_alloc_folio(Vma* vma);

// do_mbind(start, end - start, MPOL_BIND, {node}, flags) (v6.12): mmap_write_lock;
// queue_pages_range() (walk_page_range with PGWALK_WRLOCK, knob mbind_walk_write_locks; with
// MPOL_MF_MOVE, each present page not on `node` is isolated and queued); mbind_range ->
// vma_replace_policy() for each VMA (the old policy put); mmap_write_unlock; the queued folios
// migrate (counted as moved, see above) and are put back. Returns 0 or an error.
long do_mbind(MmStruct* mm, unsigned long start, unsigned long end, int node, unsigned long flags);

// At the end of a run, after do_mbind(node, MPOL_MF_MOVE) over [start, end) returned: every page
// of `mm` there is on `node`, or was queued by mbind to move there (I-VMA-4's consequence for
// mbind: a walker that relies on mmap_lock to exclude faults misses a page a VMA-locked fault
// inserts). Reads the final state: sound under DPOR.
void check_mbind_at_end(MmStruct* mm, unsigned long start, unsigned long end, int node);

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_MEMPOLICY_H_
