// Mutex; see mutex.h.
#include "explorer/mutex.h"

#include "absl/strings/str_cat.h"
#include "explorer/check.h"

namespace mmcheck {
namespace {

Execution& Exec() {
  Execution* e = Execution::Current();
  MMCHECK_CHECK(e != nullptr);
  return *e;
}

}  // namespace

Mutex::Mutex(const char* name, int index) : id_(Exec().RegisterObject("mutex", name, index)) {}

void Mutex::lock(const char* file, int line) {
  Execution& e = Exec();
  e.Visible(OpKind::kLock, id_, 0, file, line);
  if (!e.InThread()) {
    MMCHECK_CHECK(e.lock_owner(id_) < 0);  // setup code cannot wait
  }
  // Enabledness guaranteed the mutex is free; the owner re-locking was reported in Visible().
  e.set_lock_owner(id_, e.current_thread());
}

bool Mutex::try_lock(const char* file, int line) {
  Execution& e = Exec();
  Step& step = e.Visible(OpKind::kTryLock, id_, 0, file, line);
  step.old = e.lock_owner(id_) >= 0 ? 1 : 0;
  step.ok = step.old == 0;
  if (step.ok) e.set_lock_owner(id_, e.current_thread());
  return step.ok;
}

void Mutex::unlock(const char* file, int line) {
  Execution& e = Exec();
  e.Visible(OpKind::kUnlock, id_, 0, file, line).old = 1;
  const int self = e.current_thread();
  const int owner = e.lock_owner(id_);
  if (owner != self) {
    const std::string who = self >= 0 ? absl::StrCat("thread '", e.thread_name(self), "'")
                                      : std::string("setup code");
    std::string message;
    if (owner >= 0) {
      message = absl::StrCat(who, " unlocks ", e.ObjectName(id_), " held by thread '",
                             e.thread_name(owner), "'");
    } else if (last_unlocker_ == self && last_unlock_file_ != nullptr) {
      message = absl::StrCat("double unlock: ", who, " unlocks ", e.ObjectName(id_),
                             " again; it was released at ", last_unlock_file_, ":",
                             last_unlock_line_);
    } else {
      message = absl::StrCat(who, " unlocks ", e.ObjectName(id_), ", which is not held");
    }
    e.Fail(ViolationKind::kLockMisuse, std::move(message), file, line);
  }
  e.set_lock_owner(id_, -1);
  last_unlocker_ = self;
  last_unlock_file_ = file;
  last_unlock_line_ = line;
}

}  // namespace mmcheck
