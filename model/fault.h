// The arch fault entry (arch/x86/mm/fault.c do_user_addr_fault, v6.6+; kernel-model.md 3.1) and
// the fault-return protocol between it and handle_mm_fault.
#ifndef MMCHECK_MODEL_FAULT_H_
#define MMCHECK_MODEL_FAULT_H_

#include "model/mm_types.h"

namespace mmcheck::model {

using vm_fault_t = unsigned int;
inline constexpr vm_fault_t VM_FAULT_SIGSEGV = 0x000040;
inline constexpr vm_fault_t VM_FAULT_RETRY = 0x000400;
inline constexpr vm_fault_t VM_FAULT_COMPLETED = 0x004000;
inline constexpr vm_fault_t VM_FAULT_VMA_UNLOCKED = 0x008000;  // seed 002 v2 only

inline constexpr unsigned int FAULT_FLAG_WRITE = 0x01;
inline constexpr unsigned int FAULT_FLAG_USER = 0x40;
inline constexpr unsigned int FAULT_FLAG_VMA_LOCK = 0x1000;

// A user fault at `address`: the per-VMA-lock path, then the mmap_lock path. Returns 0 when
// handled, VM_FAULT_SIGSEGV when no VMA maps the address.
vm_fault_t do_user_addr_fault(MmStruct* mm, unsigned long address, unsigned int flags);

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_FAULT_H_
