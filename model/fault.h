// The arch fault entry (arch/x86/mm/fault.c do_user_addr_fault, v6.6+; kernel-model.md 3.1) and
// the fault-return protocol between it and handle_mm_fault.
#ifndef MMCHECK_MODEL_FAULT_H_
#define MMCHECK_MODEL_FAULT_H_

#include "model/mm_types.h"

namespace mmcheck::model {

// include/linux/mm_types.h enum vm_fault_reason and enum fault_flag, v6.12 values.
using vm_fault_t = unsigned int;
inline constexpr vm_fault_t VM_FAULT_OOM = 0x000001;
inline constexpr vm_fault_t VM_FAULT_SIGBUS = 0x000002;
inline constexpr vm_fault_t VM_FAULT_MAJOR = 0x000004;
inline constexpr vm_fault_t VM_FAULT_SIGSEGV = 0x000040;
inline constexpr vm_fault_t VM_FAULT_NOPAGE = 0x000100;
inline constexpr vm_fault_t VM_FAULT_LOCKED = 0x000200;
inline constexpr vm_fault_t VM_FAULT_RETRY = 0x000400;
inline constexpr vm_fault_t VM_FAULT_FALLBACK = 0x000800;
inline constexpr vm_fault_t VM_FAULT_COMPLETED = 0x004000;
inline constexpr vm_fault_t VM_FAULT_VMA_UNLOCKED = 0x008000;  // seed 002 v2 only
inline constexpr vm_fault_t VM_FAULT_ERROR = VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV;

inline constexpr unsigned int FAULT_FLAG_WRITE = 1 << 0;
inline constexpr unsigned int FAULT_FLAG_ALLOW_RETRY = 1 << 2;
inline constexpr unsigned int FAULT_FLAG_RETRY_NOWAIT = 1 << 3;
inline constexpr unsigned int FAULT_FLAG_KILLABLE = 1 << 4;
inline constexpr unsigned int FAULT_FLAG_TRIED = 1 << 5;
inline constexpr unsigned int FAULT_FLAG_USER = 1 << 6;
inline constexpr unsigned int FAULT_FLAG_ORIG_PTE_VALID = 1 << 11;
inline constexpr unsigned int FAULT_FLAG_VMA_LOCK = 1 << 12;

// The arch's retry bound for I-RETRY-1: a fault that returns VM_FAULT_RETRY more often than this
// without progress is a livelock (VMA path -> mmap path -> TRIED needs at most 3).
inline constexpr int kMaxFaultRetries = 3;

// What a callee that has just dropped the VMA lock adds to its result: VM_FAULT_VMA_UNLOCKED
// under seed 002 v2 (lore 20230609005158.2421285-*) for a FAULT_FLAG_VMA_LOCK fault, so that the
// arch handler skips its vma_end_read; 0 under the other protocols, and 0 when knob
// v2_callee_sets_vma_unlocked is off (the twins whose callee forgets).
vm_fault_t vma_unlocked_flag(const MmStruct* mm, unsigned int flags);

// A user fault at `address` (FAULT_FLAG_WRITE for a write): the per-VMA-lock path, then the
// mmap_lock path with its retry loop. Returns the last handle_mm_fault result, or
// VM_FAULT_SIGSEGV when no VMA maps the address or the access is not allowed (access_error).
vm_fault_t do_user_addr_fault(MmStruct* mm, unsigned long address, unsigned int flags);

// A user access by the CPU (a load, or a store if `write`) at `address`: the MMU's walk (one read
// per level, down to a leaf), and while the entry does not allow the access, do_user_addr_fault
// and the access again, as the CPU re-executes the instruction. Ends when the access succeeds or
// the fault raises a signal (VM_FAULT_SIGBUS/SIGSEGV). Checks, as kernel-model.md 4 says:
// I-RETRY-2, a fault that returns VM_FAULT_OOM (the model has no memory pressure: only a lost
// race can produce it); I-RETRY-1, kMaxFaultRetries faults in a row that change nothing (the
// same result, the same entry): the access can never complete (a livelock).
void user_access(MmStruct* mm, unsigned long address, bool write);

}  // namespace mmcheck::model

#endif  // MMCHECK_MODEL_FAULT_H_
