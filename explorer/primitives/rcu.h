// RCU: read-side sections, synchronize_rcu and call_rcu, on the execution's one RCU state.
//
// rcu_read_lock/rcu_read_unlock are scheduling points and nest; a section is atomic context.
// synchronize_rcu may sleep and returns once every section open when it was called has ended.
// call_rcu starts a grace period the same way and spawns a thread ("rcu callback") that runs the
// callback once it ends; the caller does not wait. A thread that exits inside a section is
// lock-misuse.
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

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_PRIMITIVES_RCU_H_
