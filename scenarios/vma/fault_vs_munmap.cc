// Result: pass (v6.6+ merged protocol); @no-detached-check, @free-without-rcu and
// @end-read-without-rcu: violation:use-after-free.
// Question: can a fault's lock_vma_under_rcu() use a VMA that a concurrent munmap() detaches and
// frees? (kernel-model.md S12)
// Threads: "fault" (do_user_addr_fault at page 0: lock_vma_under_rcu, then the mmap_lock path)
// and "munmap" (munmap of the VMA [0, 2): write-lock, detach, clear the tree, downgrade,
// vm_area_free through call_rcu), plus the "rcu callback" that frees the VMA.
// Kernel paths: mm/memory.c lock_vma_under_rcu and include/linux/mm.h vma_start_read,
// vma_end_read, vma_start_write, vma_mark_detached (v6.12); mm/vma.c do_vmi_align_munmap
// (v6.12); kernel/fork.c vm_area_free (call_rcu).
// Twins: A drops lock_vma_under_rcu's detached check (the fault works on a detached VMA,
// I-VMA-5); B frees the VMA without call_rcu (vma_start_read touches freed memory, I-VMA-5);
// C drops vma_end_read's RCU bracket (the VMA is freed while up_read still touches it).
#include "explorer/runtime/scenario.h"
#include "model/fault.h"
#include "model/vma.h"

namespace mmcheck {
namespace {

using model::FAULT_FLAG_USER;
using model::FAULT_FLAG_WRITE;
using model::Knobs;
using model::MmStruct;

void FaultVsMunmap(Knobs knobs) {
  MmStruct* mm = Make<MmStruct>(knobs);
  mm->map(0, 2, model::VM_READ | model::VM_WRITE | model::VM_MAYWRITE);
  Spawn("fault", [mm] { model::do_user_addr_fault(mm, 0, FAULT_FLAG_USER | FAULT_FLAG_WRITE); });
  Spawn("munmap", [mm] { model::do_munmap(mm, 0, 2); });
}

MMCHECK_SCENARIO("vma/fault-vs-munmap", Expect::Pass(),
                 {.question = "Can a fault's lock_vma_under_rcu use a VMA munmap detaches and "
                              "frees?",
                  .spec = "S12",
                  .protocol = "v6.6"}) {
  FaultVsMunmap(Knobs{});
}

MMCHECK_SCENARIO("vma/fault-vs-munmap@no-detached-check",
                 Expect::Violation(ViolationKind::kUseAfterFree, "I-VMA-5"),
                 {.question = "Without the detached check, does the fault lock a detached VMA?",
                  .spec = "S12",
                  .protocol = "v6.6"}) {
  FaultVsMunmap(Knobs{.lock_vma_checks_detached = false});
}

MMCHECK_SCENARIO("vma/fault-vs-munmap@free-without-rcu",
                 Expect::Violation(ViolationKind::kUseAfterFree, "frees VMA"),
                 {.question = "If vm_area_free frees at once, does vma_start_read touch a freed "
                              "VMA?",
                  .spec = "S12",
                  .protocol = "v6.6"}) {
  FaultVsMunmap(Knobs{.vm_area_free_rcu = false});
}

MMCHECK_SCENARIO("vma/fault-vs-munmap@end-read-without-rcu",
                 Expect::Violation(ViolationKind::kUseAfterFree, "frees VMA"),
                 {.question = "Without vma_end_read's RCU bracket, is the VMA freed under "
                              "up_read?",
                  .spec = "S12",
                  .protocol = "v6.6"}) {
  FaultVsMunmap(Knobs{.vma_end_read_rcu_bracket = false});
}

}  // namespace
}  // namespace mmcheck
