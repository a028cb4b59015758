// The vfio-pci device of the huge-pfnmap scenarios (kernel-model.md 2.7, 3.13, 3.14):
// drivers/vfio/pci/vfio_pci_core.c, v6.10 to v6.12 (after "vfio/pci: Use unmap_mapping_range()",
// with f9e54c3a2f5b's huge_fault), plus the two later handler fixes as knob values.
//
// One BAR (BAR0) of `bar_pages` pages at pfn `bar_pfn`, mmapped through the device file's inode
// (core_vdev->inode->i_mapping: every mmap of the BAR, in every mm, is in its i_mmap). The
// memory-enable bit (PCI_COMMAND_MEMORY) is read and changed under memory_lock; the fault path
// refuses (SIGBUS) while it is clear. Left out: pm_runtime (pm_runtime_engaged is false), the
// other BARs, the config-space write that clears the bit (modeled as vfio_pci_memory_disable).
#ifndef MMCHECK_MODEL_VFIO_H_
#define MMCHECK_MODEL_VFIO_H_

#include <string>

#include "model/memory.h"

namespace mmcheck::model {

struct VfioPciCoreDevice {
  VfioPciCoreDevice(int bar_pfn, int bar_pages);

  RwSemaphore memory_lock;     // vdev->memory_lock
  Shared<bool> memory_enabled;  // __vfio_pci_memory_enabled(): PCI_COMMAND_MEMORY
  AddressSpace inode;           // core_vdev->inode->i_mapping
  const int bar_pfn;            // pci_resource_start(pdev, 0) >> PAGE_SHIFT
  const int bar_pages;
};

// vfio_pci_mmap_ops (v6.12): .fault = vfio_pci_mmap_page_fault (huge_fault at order 0),
// .huge_fault = vfio_pci_mmap_huge_fault. No .open/.close: nothing vfio-specific runs at fork.
extern const VmOperations vfio_pci_mmap_ops;

// vfio_pci_core_mmap() (v6.12), setup only: mmaps BAR0 pages [pgoff, pgoff + (end - start)) at
// [start, end) of `mm`, MAP_SHARED unless `map_private`; VM_SHARED required (-EINVAL otherwise,
// unless knob vfio_mmap_requires_shared is off: the model's setup asserts it), and sets
// VM_ALLOW_ANY_UNCACHED | VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP (no VM_DONTCOPY).
Vma* vfio_pci_core_mmap(VfioPciCoreDevice* vdev, MmStruct* mm, unsigned long start,
                        unsigned long end, unsigned long pgoff, bool map_private = false);

// vfio_pci_mmap_huge_fault() (f9e54c3a2f5b, v6.12; knob vfio_huge_fault picks the v6.13 and 2025
// checks): the alignment test (FALLBACK), down_read(memory_lock), SIGBUS if memory is disabled,
// else vmf_insert_pfn / _pmd / _pud (write = false; knob vfio_huge_fault_passes_write), up_read.
vm_fault_t vfio_pci_mmap_huge_fault(VmFault* vmf, unsigned int order);

// vfio_pci_zap_and_down_write_memory_lock() (v6.10 to v6.12): down_write(memory_lock), then
// vfio_pci_zap_bars(): unmap_mapping_range() of the BAR over the inode's i_mmap. Returns with
// memory_lock held for writing.
void vfio_pci_zap_and_down_write_memory_lock(VfioPciCoreDevice* vdev);
// What the caller then does with memory_lock held (a config write clearing PCI_COMMAND_MEMORY,
// a reset): memory decode is off.
void vfio_pci_memory_disable(VfioPciCoreDevice* vdev);
// up_write(memory_lock) (vfio_pci_memory_unlock_and_restore without the restore).
void vfio_pci_memory_unlock(VfioPciCoreDevice* vdev);
// The whole BAR disable of the scenarios, as a config write clearing PCI_COMMAND_MEMORY does it
// (vfio_basic_config_write): zap and down_write, memory decode off, up_write.
void vfio_pci_disable_memory(VfioPciCoreDevice* vdev);

// Setup only: the special, young leaf at `level` for the page `address` of `vma` that an earlier
// vfio_pci_mmap_huge_fault left (writable: the mapping is shared and writable).
void vfio_setup_huge_leaf(Vma* vma, Level level, unsigned long address);

// I-PFN-1 and I-PFN-2 over every mapping of the BAR (the i_mmap VMAs: parent and fork children),
// read without steps. I-PFN-1: while memory decode is disabled after a completed zap, no entry
// maps a BAR pfn. I-PFN-2: a special PMD/PUD leaf is aligned, inside its VMA, maps
// pfn_base + offset with the pfn aligned to its order, in a VM_PFNMAP VMA that is not COW.
// Returns "" when both hold.
std::string check_vfio_mappings(VfioPciCoreDevice* vdev);
// Registers check_vfio_mappings as an end-of-run invariant check.
void check_vfio_mappings_at_end(VfioPciCoreDevice* vdev);

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_VFIO_H_
