// Result: pass (v6.6+ merged protocol); @v6.4-arch: violation:lock-misuse;
// @migrate-under-vma-lock: violation:lock-misuse.
// Question: a fault on a page that lives in device memory must leave the per-VMA lock and call
// the driver's migrate_to_ram under mmap_lock; is that fallback safe against munmap?
// (kernel-model.md 3.6 step 2, S16's note "This is why device-private entries fall back")
// Threads: "fault" (a read fault at page 0, whose PTE is a device-private entry for device page 1:
// lock_vma_under_rcu, handle_mm_fault -> do_swap_page, which drops the VMA lock and returns
// VM_FAULT_RETRY; then the mmap_lock path: do_swap_page -> migrate_to_ram, which migrates the page
// back to system memory) and "munmap" (its zap drops the device page's mapping and reference).
// Kernel paths: mm/memory.c do_swap_page (v6.6, 1235ccd05b6d), mm/migrate_device.c
// migrate_vma_setup/pages/finalize and lib/test_hmm.c dmirror_devmem_fault (v6.6),
// mm/pagewalk.c walk_page_range (PGWALK_RDLOCK), arch/x86/mm/fault.c.
// Invariant I-MAP-1 at the end (the device page is freed, or replaced by the system page).
// Twins: @v6.4-arch (the v6.4 arch handler releases the VMA lock do_swap_page dropped: double
// release, I-VMA-2) and @migrate-under-vma-lock (no fallback: migrate_to_ram runs under the VMA
// lock and its page walk asserts mmap_lock, which is not held).
#include "explorer/runtime/scenario.h"
#include "model/fault.h"
#include "model/oracle.h"
#include "model/vma.h"

namespace mmcheck {
namespace {

using model::Knobs;
using model::MmStruct;

void DevicePrivateVsMunmap(Knobs knobs) {
  MmStruct* mm = Make<MmStruct>(knobs);
  mm->map(0, 2, model::VM_READ | model::VM_WRITE | model::VM_MAYWRITE)->anon_vma.store(true);
  // Page 0 was migrated to device memory: device page 1, mapped once, one reference.
  model::Folio* page = mm->mem_map->folio_alloc_setup(1, 1, /*anon_exclusive=*/true);
  mm->set_pte_setup(0, model::make_device_private_entry(page->pfn, /*writable=*/true));
  Spawn("fault", [mm] { model::do_user_addr_fault(mm, 0, model::FAULT_FLAG_USER); });
  Spawn("munmap", [mm] { model::do_munmap(mm, 0, 2); });
  model::check_mem_map_at_end(mm->mem_map);
}

MMCHECK_SCENARIO("swap/device-private-vs-munmap", Expect::Pass(),
                 {.question = "Is the device-private fallback (drop the VMA lock, migrate_to_ram "
                              "under mmap_lock) safe against munmap?",
                  .spec = "S16",
                  .protocol = "v6.6"}) {
  DevicePrivateVsMunmap(Knobs{});
}

MMCHECK_SCENARIO("swap/device-private-vs-munmap@v6.4-arch",
                 Expect::Violation(ViolationKind::kLockMisuse,
                                   "up_read(vm_lock) without holding it"),
                 {.question = "Does the v6.4 arch handler release the VMA lock the device-private "
                              "fallback dropped?",
                  .spec = "S16",
                  .protocol = "v6.4"}) {
  DevicePrivateVsMunmap(Knobs{.fault_protocol = model::FaultProtocol::kV6_4});
}

MMCHECK_SCENARIO("swap/device-private-vs-munmap@migrate-under-vma-lock",
                 Expect::Violation(ViolationKind::kLockMisuse, "mmap_assert_locked"),
                 {.question = "Without the fallback, does migrate_to_ram walk page tables without "
                              "mmap_lock?",
                  .spec = "S16",
                  .protocol = "v6.6"}) {
  DevicePrivateVsMunmap(Knobs{.device_private_falls_back = false});
}

}  // namespace
}  // namespace mmcheck
