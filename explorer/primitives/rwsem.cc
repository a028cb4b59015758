// RwSemaphore; see rwsem.h.
#include "explorer/primitives/rwsem.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "explorer/runtime/check.h"

namespace mmcheck {

RwSemaphore::RwSemaphore(const char* name, int index)
    : id_(Execution::Get().RegisterObject("rwsem", name, index)) {}

bool RwSemaphore::held_by_current_for_write() const {
  const Execution& e = Execution::Get();
  return e.InThread() && e.sync().writer(id_) == e.current_thread();
}

bool RwSemaphore::held_by_current() const {
  const Execution& e = Execution::Get();
  if (!e.InThread()) return false;
  const std::vector<int>& held = e.held_locks(e.current_thread());
  return std::find(held.begin(), held.end(), id_) != held.end();
}

void RwSemaphore::down_read(const char* file, int line, const char* function) {
  Execution& e = Execution::Get();
  e.MightSleep(absl::StrCat("down_read(", e.ObjectName(id_), ")"), file, line);
  e.CheckLockOrder(OpKind::kDownRead, id_, file, line);
  Step& step = e.Visible(OpKind::kDownRead, id_, 0, file, line);
  step.function = function;
  step.old = e.sync().RwBits(id_);
  if (!e.InThread()) return;
  e.sync().TakeRead(id_);
  e.AddHold(e.current_thread(), id_, file, line);
}

bool RwSemaphore::down_read_trylock(const char* file, int line, const char* function) {
  Execution& e = Execution::Get();
  Step& step = e.Visible(OpKind::kDownReadTry, id_, 0, file, line);
  step.function = function;
  step.old = e.sync().RwBits(id_);
  step.ok = OutcomeAt(OpKind::kDownReadTry, step.old, 0);
  if (step.ok && e.InThread()) {
    e.sync().TakeRead(id_);
    e.AddHold(e.current_thread(), id_, file, line);
  }
  return step.ok;
}

void RwSemaphore::CheckHeld(bool write, absl::string_view op, const char* file, int line) {
  Execution& e = Execution::Get();
  const int self = e.current_thread();
  const bool holds =
      write ? e.sync().writer(id_) == self : held_by_current() && e.sync().writer(id_) != self;
  if (!holds) {
    e.Fail(ViolationKind::kLockMisuse,
           absl::StrCat("thread '", e.thread_name(self), "' calls ", op, "(", e.ObjectName(id_),
                        ") without holding it for ", write ? "write" : "read"),
           file, line);
  }
}


void RwSemaphore::up_read(const char* file, int line, const char* function) {
  Execution& e = Execution::Get();
  Step& step = e.Visible(OpKind::kUpRead, id_, 0, file, line);
  step.function = function;
  step.old = e.sync().RwBits(id_);
  if (!e.InThread()) return;
  CheckHeld(/*write=*/false, "up_read", file, line);
  e.sync().ReleaseRead(id_);
  e.DropHold(e.current_thread(), id_);
}

void RwSemaphore::down_write(const char* file, int line, const char* function) {
  down_write_nested(0, file, line, function);
}

void RwSemaphore::down_write_nested(int subclass, const char* file, int line,
                                    const char* function) {
  Execution& e = Execution::Get();
  e.MightSleep(absl::StrCat("down_write(", e.ObjectName(id_), ")"), file, line);
  e.CheckLockOrder(OpKind::kDownWriteStart, id_, file, line, subclass);
  Step& start = e.Visible(OpKind::kDownWriteStart, id_, 0, file, line);
  start.function = function;
  start.old = e.sync().RwBits(id_);
  if (!e.InThread()) return;
  e.sync().QueueWriter(id_, e.current_thread());
  Step& take = e.Visible(OpKind::kDownWrite, id_, 0, file, line);
  take.function = function;
  take.old = e.sync().RwBits(id_);
  e.sync().TakeWrite(id_, e.current_thread());
  e.AddHold(e.current_thread(), id_, file, line, subclass);
}

bool RwSemaphore::down_write_trylock(const char* file, int line, const char* function) {
  Execution& e = Execution::Get();
  Step& step = e.Visible(OpKind::kDownWriteTry, id_, 0, file, line);
  step.function = function;
  step.old = e.sync().RwBits(id_);
  step.ok = OutcomeAt(OpKind::kDownWriteTry, step.old, 0);
  if (step.ok && e.InThread()) {
    e.sync().TakeWrite(id_, e.current_thread());
    e.AddHold(e.current_thread(), id_, file, line);
  }
  return step.ok;
}

void RwSemaphore::up_write(const char* file, int line, const char* function) {
  Execution& e = Execution::Get();
  Step& step = e.Visible(OpKind::kUpWrite, id_, 0, file, line);
  step.function = function;
  step.old = e.sync().RwBits(id_);
  if (!e.InThread()) return;
  CheckHeld(/*write=*/true, "up_write", file, line);
  e.sync().ReleaseWrite(id_);
  e.DropHold(e.current_thread(), id_);
}

void RwSemaphore::downgrade_write(const char* file, int line, const char* function) {
  Execution& e = Execution::Get();
  Step& step = e.Visible(OpKind::kDowngradeWrite, id_, 0, file, line);
  step.function = function;
  step.old = e.sync().RwBits(id_);
  if (!e.InThread()) return;
  CheckHeld(/*write=*/true, "downgrade_write", file, line);
  e.sync().ReleaseWrite(id_);
  e.sync().TakeRead(id_);  // the hold stays, now for read
}

}  // namespace mmcheck
