// RCU: read-side sections, synchronize_rcu and call_rcu, on the execution's one RCU state; and
// interrupts off, with the synchronous IPI that waits for them.
//
// rcu_read_lock/rcu_read_unlock are scheduling points and nest; a section is atomic context.
// synchronize_rcu may sleep and returns once every section open when it was called has ended.
// call_rcu starts a grace period the same way and spawns a thread ("rcu callback") that runs the
// callback once it ends; the caller does not wait. A thread that exits inside a section is
// lock-misuse.
//
// local_irq_disable/local_irq_enable (and _save/_restore) bracket an IRQ-off section: atomic
// context, and an RCU read-side section as well (since v4.20 synchronize_rcu() waits for
// interrupts-off regions). SendIpiAndWait is smp_call_function_many()/on_each_cpu_mask() with
// wait = true, as x86's native_flush_tlb_multi() sends it: it returns once every other CPU has
// run the function, that is once every IRQ-off section open when it was sent has ended (a CPU
// with interrupts off takes the IPI only when it enables them); RCU read-side sections with
// interrupts on do not hold it back. It spins, so it may be called under a spinlock, but not with
// interrupts off: a thread that waits for its own IRQ-off section is a deadlock.
#ifndef MMCHECK_EXPLORER_PRIMITIVES_RCU_H_
#define MMCHECK_EXPLORER_PRIMITIVES_RCU_H_

#include <utility>

#include "absl/functional/any_invocable.h"
#include "explorer/runtime/execution.h"

namespace mmcheck {

void RcuReadLock(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
                 const char* function = __builtin_FUNCTION());
void RcuReadUnlock(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
                   const char* function = __builtin_FUNCTION());
void SynchronizeRcu(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
                    const char* function = __builtin_FUNCTION());
void CallRcu(absl::AnyInvocable<void()> callback, const char* file = __builtin_FILE(),
             int line = __builtin_LINE(), const char* function = __builtin_FUNCTION());
// Whether the current thread is inside a read-side section (rcu_read_lock_held()).
bool RcuReadLockHeld();

void LocalIrqDisable(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
                     const char* function = __builtin_FUNCTION());
void LocalIrqEnable(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
                    const char* function = __builtin_FUNCTION());
void SendIpiAndWait(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
                    const char* function = __builtin_FUNCTION());
// Whether the current thread has interrupts off (irqs_disabled()).
bool IrqsDisabled();

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_PRIMITIVES_RCU_H_
