// Result: pass; @in-range-polarity: violation:invariant (I-AGE-1); ~large-folio: pass;
// ~large-folio@batch-start-prefault: violation:invariant (I-AGE-1). All on arm64.
// Question (S17): on arm64 with the hardware access flag (arch_wants_old_prefaulted_pte()), does
// fault-around install the faulting address's PTE young and the prefaulted ones old, when two
// read faults race in one fault-around window and set_pte_range() maps a large folio in batches?
// Threads: "fault1" (a read fault at page 1) and "fault0" (a read fault at page 0), both under the
// VMA lock, both in the window of pages 0-1 (one PTE table: kernel-model.md's S17 has a window of
// four and faults at pages 2 and 1; the model's PTE table holds two pages). Setup: a shared file
// mapping [0, 2) of a file of two uptodate pages: two order-0 folios, or (~large-folio) one folio
// of order 1 over both; the page tables down to an empty PTE table (as an earlier fault and a
// zap left them: the races of two faults allocating tables are vma/fault-vs-munmap's).
// Kernel paths (v6.12): mm/memory.c do_read_fault, do_fault_around, set_pte_range (with the July
// 2024 fix "mm: fix old/young bit handling in the faulting path": prefault =
// !in_range(vmf->address, addr, nr * PAGE_SIZE)), finish_fault; mm/filemap.c filemap_map_pages,
// filemap_map_order0_folio, filemap_map_folio_range (batches of none PTEs), filemap_fault;
// arch/arm64/include/asm/pgtable.h arch_wants_old_prefaulted_pte() = cpu_has_hw_af(), taken true.
// Why it passes: each batch set_pte_range() maps is young iff it holds the faulting address; the
// fault that loses the PTE lock race finds the PTEs present and maps nothing (filemap_fault and
// finish_fault then see the PTE changed and return VM_FAULT_NOPAGE, or the present-PTE path marks
// it young). I-AGE-1 is checked on every batch installed; I-MAP-1 at the end.
// @in-range-polarity (S17 twin A, 3bd786f76de2 as merged in v6.4, fixed in July 2024): prefault =
// in_range(...): the faulting page old, the prefaulted young.
// ~large-folio@batch-start-prefault (S17 twin B, seed 001 v4 as posted: prefault = vmf->address !=
// addr): fault1's batch of the large folio starts at page 0, so the whole batch, page 1 with it,
// is old (Ryan Roberts's objection in seed 001).
#include "explorer/runtime/scenario.h"
#include "model/fault.h"
#include "model/filemap.h"
#include "model/oracle.h"

namespace mmcheck {
namespace {

using model::Arch;
using model::Knobs;
using model::PrefaultRule;

void FaultAroundYoungOld(Knobs knobs, int order) {
  knobs.arch = Arch::kArm64;
  model::MmStruct* mm = Make<model::MmStruct>(knobs);
  auto* file = Make<model::AddressSpace>("file");
  model::filemap_add_folios_setup(mm->mem_map, file, 2, 2 * model::PAGE_SIZE, order);
  mm->map_file(0, 2, model::VM_READ | model::VM_MAYREAD | model::VM_SHARED | model::VM_MAYSHARE,
               file, 0, &model::generic_file_vm_ops, nullptr);
  mm->set_pte_setup(0, model::Entry{});  // the page tables down to an empty PTE table
  Spawn("fault1", [mm] { model::do_user_addr_fault(mm, 1, model::FAULT_FLAG_USER); });
  Spawn("fault0", [mm] { model::do_user_addr_fault(mm, 0, model::FAULT_FLAG_USER); });
  model::check_mem_map_at_end(mm->mem_map);
}

MMCHECK_SCENARIO("filemap/fault-around-young-old+arm64", Expect::Pass(),
                 {.question = "Do two read faults in one fault-around window on arm64 each map "
                              "their own page young and prefaulted pages old?",
                  .spec = "S17",
                  .protocol = "v6.12"}) {
  FaultAroundYoungOld(Knobs{}, 0);
}

MMCHECK_SCENARIO("filemap/fault-around-young-old+arm64@in-range-polarity",
                 Expect::Violation(ViolationKind::kInvariant, "I-AGE-1"),
                 {.question = "With 3bd786f76de2's prefault = in_range() (S17 twin A), is the "
                              "faulting page mapped old?",
                  .spec = "S17",
                  .protocol = "v6.4"}) {
  FaultAroundYoungOld(Knobs{.set_pte_range_prefault = PrefaultRule::kInRange}, 0);
}

MMCHECK_SCENARIO("filemap/fault-around-young-old~large-folio+arm64", Expect::Pass(),
                 {.question = "When fault-around maps a large folio in one batch, is the batch "
                              "that holds the faulting address young?",
                  .spec = "S17",
                  .protocol = "v6.12"}) {
  FaultAroundYoungOld(Knobs{}, 1);
}

MMCHECK_SCENARIO("filemap/fault-around-young-old~large-folio+arm64@batch-start-prefault",
                 Expect::Violation(ViolationKind::kInvariant,
                                   "I-AGE-1: the fault at page 1 maps its own page old"),
                 {.question = "With seed 001 v4's prefault = (vmf->address != addr) (S17 twin "
                              "B), is a batch starting before the faulting address all old?",
                  .spec = "S17",
                  .protocol = "v6.12"}) {
  FaultAroundYoungOld(Knobs{.set_pte_range_prefault = PrefaultRule::kBatchStart}, 1);
}

}  // namespace
}  // namespace mmcheck
