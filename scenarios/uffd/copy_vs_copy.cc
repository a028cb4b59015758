// Result: pass (v6.6+); @no-pte-none-check: violation:invariant.
// Question: can two UFFDIO_COPYs of the same page both install it? (kernel-model.md S3, twin B)
// Threads: "monitor" and "monitor2" (UFFDIO_COPY of page 0 of a registered VMA, each under
// mmap_read_lock: allocate, then under the PTL install only if the slot is still none, else
// -EEXIST).
// Kernel paths: mm/userfaultfd.c mfill_atomic -> mfill_atomic_install_pte (v6.6 to v6.8).
// Invariant I-MAP-1 at the end (and I-UFFD-1: a copy installs only into a none slot).
// Twin B: the install skips the pte_none re-check: the second copy overwrites the first one's PTE
// and the first folio stays counted as mapped with nothing mapping it.
#include "explorer/runtime/scenario.h"
#include "model/oracle.h"
#include "model/userfaultfd.h"

namespace mmcheck {
namespace {

using model::Knobs;
using model::MmStruct;

void CopyVsCopy(Knobs knobs) {
  MmStruct* mm = Make<MmStruct>(knobs);
  model::Vma* vma = mm->map(0, 2, model::VM_READ | model::VM_WRITE | model::VM_MAYWRITE);
  vma->anon_vma.store(true);
  model::UserfaultfdCtx* ctx = Make<model::UserfaultfdCtx>();
  model::userfaultfd_register_setup(vma, ctx);
  Spawn("monitor", [mm, ctx] { model::uffdio_copy(mm, ctx, 0); });
  Spawn("monitor2", [mm, ctx] { model::uffdio_copy(mm, ctx, 0); });
  model::check_mem_map_at_end(mm->mem_map);
}

MMCHECK_SCENARIO("uffd/copy-vs-copy", Expect::Pass(),
                 {.question = "Can two UFFDIO_COPYs of the same page both install it?",
                  .spec = "S3",
                  .protocol = ""}) {
  CopyVsCopy(Knobs{});
}

MMCHECK_SCENARIO("uffd/copy-vs-copy@no-pte-none-check",
                 Expect::Violation(ViolationKind::kInvariant, "I-MAP-1"),
                 {.question = "Without the pte_none re-check under the PTL, is a page installed "
                              "twice?",
                  .spec = "S3",
                  .protocol = ""}) {
  CopyVsCopy(Knobs{.uffd_copy_checks_pte_none = false});
}

}  // namespace
}  // namespace mmcheck
