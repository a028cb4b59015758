// The vfio-pci device; see vfio.h.
#include "model/vfio.h"

#include "absl/strings/str_cat.h"
#include "model/fault.h"
#include "model/huge_memory.h"

namespace mmcheck::model {
namespace {

// vfio_pci_mmap_page_fault() (v6.12): return vfio_pci_mmap_huge_fault(vmf, 0).
vm_fault_t vfio_pci_mmap_page_fault(VmFault* vmf) { return vfio_pci_mmap_huge_fault(vmf, 0); }

// vma_to_pfn() (v6.12): the BAR's first pfn plus the VMA's page offset into the BAR.
int vma_to_pfn(Vma* vma) {
  auto* vdev = static_cast<VfioPciCoreDevice*>(vma->vm_private_data);
  return vdev->bar_pfn + static_cast<int>(vma->vm_pgoff);
}

}  // namespace

const VmOperations vfio_pci_mmap_ops = {
    .name = "vfio_pci_mmap_ops",
    .fault = vfio_pci_mmap_page_fault,
    .huge_fault = vfio_pci_mmap_huge_fault,
};

VfioPciCoreDevice::VfioPciCoreDevice(int pfn, int pages)
    : memory_lock("memory_lock"),
      memory_enabled(true, "PCI_COMMAND_MEMORY"),
      inode("vfio-pci device inode"),
      bar_pfn(pfn),
      bar_pages(pages) {}

Vma* vfio_pci_core_mmap(VfioPciCoreDevice* vdev, MmStruct* mm, unsigned long start,
                        unsigned long end, unsigned long pgoff, bool map_private) {
  MMCHECK_CHECK(pgoff + (end - start) <= static_cast<unsigned long>(vdev->bar_pages));
  // if ((vma->vm_flags & VM_SHARED) == 0) return -EINVAL;
  MMCHECK_CHECK(!map_private || !mm->knobs.vfio_mmap_requires_shared);
  const unsigned long shared = map_private ? 0 : VM_SHARED | VM_MAYSHARE;
  const unsigned long flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | shared | VM_IO |
                              VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP;
  return mm->map_file(start, end, flags, &vdev->inode, pgoff, &vfio_pci_mmap_ops, vdev);
}

vm_fault_t vfio_pci_mmap_huge_fault(VmFault* vmf, unsigned int order) {
  Vma* vma = vmf->vma;
  auto* vdev = static_cast<VfioPciCoreDevice*>(vma->vm_private_data);
  const unsigned long size = 1ul << order;  // PAGE_SIZE << order, in pages
  const VfioHugeFault variant = vma->vm_mm->knobs.vfio_huge_fault;
  unsigned long pgoff;  // the page's offset into the VMA
  int pfn;
  bool fallback;
  switch (variant) {
    case VfioHugeFault::kV6_12:
      // pfn = vma_to_pfn(vma); pgoff = vmf->pgoff - vma->vm_pgoff; the pfn is not checked.
      pgoff = vmf->pgoff - vma->vm_pgoff;
      pfn = vma_to_pfn(vma) + static_cast<int>(pgoff);
      fallback = order != 0 && (vmf->address % size != 0 || vmf->address + size > vma->vm_end);
      break;
    case VfioHugeFault::kV6_13:
      // 09dfc8a5f2ce: pgoff = (vmf->address - vma->vm_start) >> PAGE_SHIFT, and the pfn must be
      // aligned to the order too.
      pgoff = vmf->address - vma->vm_start;
      pfn = vma_to_pfn(vma) + static_cast<int>(pgoff);
      fallback = order != 0 && (pfn % static_cast<int>(size) != 0 || vmf->address % size != 0 ||
                                vmf->address + size > vma->vm_end);
      break;
    case VfioHugeFault::kAlignOrder:
    default: {
      // 2025 "Align huge faults to order": addr = ALIGN_DOWN(vmf->address, PAGE_SIZE << order).
      const unsigned long addr = vmf->address - vmf->address % size;
      pgoff = addr - vma->vm_start;
      pfn = vma_to_pfn(vma) + static_cast<int>(pgoff);
      fallback = order != 0 && (addr < vma->vm_start || addr + size > vma->vm_end ||
                                pfn % static_cast<int>(size) != 0);
      break;
    }
  }
  if (fallback) return VM_FAULT_FALLBACK;  // goto out
  // v6.12 on: `false`; the twin's driver passes the fault's write flag.
  const bool write =
      vma->vm_mm->knobs.vfio_huge_fault_passes_write && (vmf->flags & FAULT_FLAG_WRITE) != 0;
  vm_fault_t ret = VM_FAULT_SIGBUS;
  vdev->memory_lock.down_read();
  if (vdev->memory_enabled.read()) {  // pm_runtime_engaged is false in the model
    switch (order) {
      case 0:
        ret = vmf_insert_pfn(vma, vmf->address, pfn);
        break;
      case PMD_ORDER:  // CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
        ret = vmf_insert_pfn_pmd(vmf, pfn, write);
        break;
      case PUD_ORDER:  // CONFIG_ARCH_SUPPORTS_PUD_PFNMAP
        ret = vmf_insert_pfn_pud(vmf, pfn, write);
        break;
      default:
        ret = VM_FAULT_FALLBACK;
    }
  }
  vdev->memory_lock.up_read();  // out_unlock:
  return ret;
}

void vfio_pci_zap_and_down_write_memory_lock(VfioPciCoreDevice* vdev) {
  vdev->memory_lock.down_write();
  // vfio_pci_zap_bars(): unmap_mapping_range(core_vdev->inode->i_mapping, BAR0 offset, the
  // length up to the ROM, true).
  unmap_mapping_range(&vdev->inode, 0, static_cast<unsigned long>(vdev->bar_pages));
}

void vfio_pci_memory_disable(VfioPciCoreDevice* vdev) { vdev->memory_enabled.write(false); }

void vfio_pci_memory_unlock(VfioPciCoreDevice* vdev) { vdev->memory_lock.up_write(); }

void vfio_pci_disable_memory(VfioPciCoreDevice* vdev) {
  vfio_pci_zap_and_down_write_memory_lock(vdev);
  vfio_pci_memory_disable(vdev);
  vfio_pci_memory_unlock(vdev);
}

void vfio_setup_huge_leaf(Vma* vma, Level level, unsigned long address) {
  const int pfn = vma_to_pfn(vma) + static_cast<int>(address - vma->vm_start);
  vma->vm_mm->set_huge_setup(level, address,
                             pte_mkyoung(mk_special_entry(pfn, vma->vm_page_prot.peek())));
}

std::string check_vfio_mappings(VfioPciCoreDevice* vdev) {
  const bool disabled = !vdev->memory_enabled.peek();
  for (Vma* vma : vdev->inode.i_mmap) {
    MmStruct* mm = vma->vm_mm;
    const std::string where = mm->child ? absl::StrCat("the fork ", vma->name)
                                        : absl::StrCat("the parent's ", vma->name);
    for (unsigned long a = vma->vm_start; a < vma->vm_end; ++a) {
      unsigned long first = a;
      unsigned long size = 1;  // how many pages the entry maps: 1, or a PMD's or a PUD's
      const Entry e = peek_pte(mm, a, &first, &size);
      if (!pte_present(e) || first != a) continue;
      const std::string entry = Entry::FormatTrace(e.TraceValue());
      if (disabled && e.val >= vdev->bar_pfn && e.val < vdev->bar_pfn + vdev->bar_pages) {
        return absl::StrCat("I-PFN-1: ", where, " maps BAR pfn ", e.val, " at address ", a,
                            " (", entry, ") after vfio zapped the BAR and disabled its memory: "
                            "an access reaches MMIO the driver has revoked");
      }
      if (size == 1) continue;
      const int want = vdev->bar_pfn + static_cast<int>(vma->vm_pgoff + (a - vma->vm_start));
      const unsigned long flags = vma->vm_flags.peek();
      std::string wrong;
      if (a + size > vma->vm_end) {
        wrong = "runs past the VMA's end";
      } else if (e.val != want) {
        wrong = absl::StrCat("maps pfn ", e.val, " where the VMA's offset gives pfn ", want);
      } else if (e.val % static_cast<int>(size) != 0) {
        wrong = absl::StrCat("maps pfn ", e.val, ", not aligned to the leaf's ", size, " pages");
      } else if (!(flags & VM_PFNMAP) || is_cow_mapping(flags)) {
        wrong = "is in a VMA that is not a shared VM_PFNMAP";
      }
      if (!wrong.empty()) {
        return absl::StrCat("I-PFN-2: the huge ", size == PUD_PAGES ? "PUD" : "PMD",
                            " leaf at address ", a, " of ", where, " (", entry, ") ", wrong);
      }
    }
  }
  return "";
}

void check_vfio_mappings_at_end(VfioPciCoreDevice* vdev) {
  AtEnd([vdev] {
    const std::string why = check_vfio_mappings(vdev);
    if (!why.empty()) Violate(ViolationKind::kInvariant, why);
  });
}

}  // namespace mmcheck::model
