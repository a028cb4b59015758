// Mutex and SpinLock; see mutex.h.
#include "explorer/primitives/mutex.h"

#include "absl/strings/str_cat.h"
#include "explorer/runtime/check.h"

namespace mmcheck {

LockBase::LockBase(const char* kind, const char* name, int index)
    : id_(Execution::Get().RegisterObject(kind, name, index)) {}

bool LockBase::held_by_current() const {
  const Execution& e = Execution::Get();
  return e.InThread() && e.sync().owner(id_) == e.current_thread();
}

void LockBase::Lock(const Ops& ops, const char* file, int line, const char* function,
                    int subclass) {
  Execution& e = Execution::Get();
  if (ops.lock == OpKind::kLock) {
    e.MightSleep(absl::StrCat("mutex_lock(", e.ObjectName(id_), ")"), file, line);
  }
  e.CheckLockOrder(ops.lock, id_, file, line, subclass);
  e.Visible(ops.lock, id_, 0, file, line).function = function;
  if (!e.InThread()) {
    if (e.sync().owner(id_) >= 0) {
      e.MisuseWait(absl::StrCat("takes ", e.ObjectName(id_), ", which is held,"), file, line);
    }
    return;
  }
  // Enabledness guaranteed the lock is free.
  e.sync().set_owner(id_, e.current_thread());
  e.AddHold(e.current_thread(), id_, file, line, subclass);
}

bool LockBase::TryLock(const Ops& ops, const char* file, int line, const char* function) {
  Execution& e = Execution::Get();
  Step& step = e.Visible(ops.trylock, id_, 0, file, line);
  step.function = function;
  step.old = e.sync().owner(id_) >= 0 ? 1 : 0;
  step.ok = step.old == 0;
  if (step.ok && e.InThread()) {
    e.sync().set_owner(id_, e.current_thread());
    e.AddHold(e.current_thread(), id_, file, line);
  }
  return step.ok;
}

void LockBase::Unlock(const Ops& ops, const char* file, int line, const char* function) {
  Execution& e = Execution::Get();
  Step& step = e.Visible(ops.unlock, id_, 0, file, line);
  step.old = 1;
  step.function = function;
  if (!e.InThread()) return;
  const int self = e.current_thread();
  const int owner = e.sync().owner(id_);
  if (owner != self) {
    const std::string who = absl::StrCat("thread '", e.thread_name(self), "'");
    std::string message;
    if (owner >= 0) {
      message = absl::StrCat(who, " unlocks ", e.ObjectName(id_), " held by thread '",
                             e.thread_name(owner), "'");
    } else if (last_unlocker_ == self && last_unlock_file_ != nullptr) {
      message =
          absl::StrCat("double unlock: ", who, " unlocks ", e.ObjectName(id_),
                       " again; it was released at ", last_unlock_file_, ":", last_unlock_line_);
    } else {
      message = absl::StrCat(who, " unlocks ", e.ObjectName(id_), ", which is not held");
    }
    e.Fail(ViolationKind::kLockMisuse, std::move(message), file, line);
  }
  e.sync().set_owner(id_, -1);
  e.DropHold(self, id_);
  last_unlocker_ = self;
  last_unlock_file_ = file;
  last_unlock_line_ = line;
}

void Mutex::hand_over(int thread, const char* file, int line) {
  Execution& e = Execution::Get();
  MMCHECK_CHECK(e.InThread() && e.sync().owner(id()) == e.current_thread());
  e.sync().set_owner(id(), thread);
  e.DropHold(e.current_thread(), id());
  e.AddHold(thread, id(), file, line);
}

void Mutex::wait_unlocked(const char* file, int line, const char* function) {
  Execution& e = Execution::Get();
  e.MightSleep(absl::StrCat("wait_unlocked(", e.ObjectName(id()), ")"), file, line);
  e.Visible(OpKind::kWaitUnlocked, id(), 0, file, line).function = function;
}

void SpinLock::lock(const char* file, int line, const char* function) {
  lock_nested(0, file, line, function);
}

void SpinLock::lock_nested(int subclass, const char* file, int line, const char* function) {
  Lock(kOps, file, line, function, subclass);
  Execution& e = Execution::Get();
  if (e.InThread()) e.sync().AddSpinHeld(e.current_thread(), 1);
}

bool SpinLock::try_lock(const char* file, int line, const char* function) {
  const bool taken = TryLock(kOps, file, line, function);
  Execution& e = Execution::Get();
  if (taken && e.InThread()) e.sync().AddSpinHeld(e.current_thread(), 1);
  return taken;
}

void SpinLock::unlock(const char* file, int line, const char* function) {
  Unlock(kOps, file, line, function);
  Execution& e = Execution::Get();
  if (e.InThread()) e.sync().AddSpinHeld(e.current_thread(), -1);
}

}  // namespace mmcheck
