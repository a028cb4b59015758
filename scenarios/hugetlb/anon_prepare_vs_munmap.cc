// Result: pass (v6.12, with 98b74bb4d7e9); @pre-fix: violation:use-after-free.
// Question: when a hugetlb fault under the per-VMA lock cannot prepare the anon_vma (mmap_lock is
// write-held, so the trylock fails) and returns VM_FAULT_RETRY, does it touch the VMA after its
// VMA lock is gone? (kernel-model.md S15)
// Threads: "fault" (a read fault at page 0 of a private MAP_NORESERVE hugetlb VMA without an
// anon_vma: lock_vma_under_rcu, handle_mm_fault -> hugetlb_fault -> hugetlb_no_page ->
// __vmf_anon_prepare, and on VM_FAULT_RETRY the mmap_lock path) and "munmap" (the writer whose
// mmap_lock makes the trylock fail; it then write-locks, detaches, zaps and frees the VMA).
// The spec's S15 has a separate writer T3 and munmap after it; munmap is itself the writer, so
// two threads give every order the spec asks for.
// Kernel paths: mm/hugetlb.c hugetlb_fault, hugetlb_no_page, __unmap_hugepage_range (v6.12),
// mm/memory.c __vmf_anon_prepare and mm/internal.h vmf_anon_prepare (2a058ab3286d), mm/vma.c
// do_vmi_align_munmap, arch/x86/mm/fault.c. The steps are written out in model/hugetlb.cc.
// Twin (@pre-fix, 9acad7ba3e25 until 98b74bb4d7e9): vmf_anon_prepare drops the VMA lock on
// RETRY, then hugetlb_no_page's hugetlb_vma_unlock_read(vma) reads the VMA munmap may have freed
// (syzbot: "vmf_anon_prepare() could drop the per-VMA lock and allow the current VMA to be freed
// before hugetlb_vma_unlock_read() is called"; I-VMA-1).
// No ~v2 variant: hugetlb faults run under the VMA lock only from v6.9 (7c43a5537), after the
// merged protocol; the fault-return protocols are shown on S1, S2, S3, S16, S18 and S19.
// Invariant I-MAP-1 at the end (the huge page's mapcount and refcount balance).
#include "explorer/runtime/scenario.h"
#include "model/fault.h"
#include "model/oracle.h"
#include "model/vma.h"

namespace mmcheck {
namespace {

using model::Knobs;
using model::MmStruct;

void HugetlbAnonPrepareVsMunmap(Knobs knobs) {
  MmStruct* mm = Make<MmStruct>(knobs);
  mm->map(0, 2,
          model::VM_READ | model::VM_WRITE | model::VM_MAYWRITE | model::VM_HUGETLB |
              model::VM_NORESERVE);
  Spawn("fault", [mm] { model::do_user_addr_fault(mm, 0, model::FAULT_FLAG_USER); });
  Spawn("munmap", [mm] { model::do_munmap(mm, 0, 2); });
  model::check_mem_map_at_end(mm->mem_map);
}

MMCHECK_SCENARIO("hugetlb/anon-prepare-vs-munmap", Expect::Pass(),
                 {.question = "Does a hugetlb fault that returns VM_FAULT_RETRY from "
                              "__vmf_anon_prepare keep off the VMA once unlocked?",
                  .spec = "S15",
                  .protocol = "v6.12"}) {
  HugetlbAnonPrepareVsMunmap(Knobs{});
}

MMCHECK_SCENARIO("hugetlb/anon-prepare-vs-munmap@pre-fix",
                 Expect::Violation(ViolationKind::kUseAfterFree, "I-VMA-1"),
                 {.question = "Before 98b74bb4d7e9, does hugetlb_vma_unlock_read touch a VMA "
                              "whose lock vmf_anon_prepare dropped?",
                  .spec = "S15",
                  .protocol = "v6.12"}) {
  HugetlbAnonPrepareVsMunmap(Knobs{.hugetlb_keeps_vma_lock_on_retry = false});
}

}  // namespace
}  // namespace mmcheck
