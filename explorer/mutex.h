// Mutex: a non-recursive sleeping lock. lock, try_lock and unlock are each a scheduling point.
//
// Checks, as the kernel's lock debugging would: a lock() by the owner is a self-deadlock; an
// unlock() of a mutex nobody holds (or held by another thread) is lock-misuse, and so is a thread
// that exits holding one. Blocked lock() calls take part in the deadlock report (waits-for).
#ifndef MMCHECK_EXPLORER_MUTEX_H_
#define MMCHECK_EXPLORER_MUTEX_H_

#include "explorer/execution.h"

namespace mmcheck {

class Mutex {
 public:
  explicit Mutex(const char* name = "mutex", int index = -1);
  Mutex(Mutex&&) = default;
  Mutex& operator=(Mutex&&) = delete;

  // Visible; enabled only while the mutex is free.
  void lock(const char* file = __builtin_FILE(), int line = __builtin_LINE());
  // Visible; always enabled. True when it took the lock.
  bool try_lock(const char* file = __builtin_FILE(), int line = __builtin_LINE());
  // Visible. Precondition: the calling thread holds the mutex (else a lock-misuse violation).
  void unlock(const char* file = __builtin_FILE(), int line = __builtin_LINE());

  int id() const { return id_; }

 private:
  int id_;
  // Where the last unlock was, to tell a double unlock from an unlock of a never-taken mutex.
  int last_unlocker_ = -1;
  const char* last_unlock_file_ = nullptr;
  int last_unlock_line_ = 0;
};

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_MUTEX_H_
