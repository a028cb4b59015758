// Mutex and SpinLock: non-recursive locks. Each acquisition and release is a scheduling point.
//
// Mutex is a sleeping lock (kernel mutex, and the folio lock: lock, trylock, unlock, and
// wait_unlocked for folio_wait_locked); SpinLock is not, and holding one is atomic context.
// Checks, as the kernel's lock debugging would: a lock() by the owner blocks forever (reported as
// a deadlock); an unlock() of a lock nobody holds, or another thread holds, is lock-misuse, and
// so is a thread that exits holding one; sleeping under a spinlock is sleep-in-atomic.
#ifndef MMCHECK_EXPLORER_PRIMITIVES_MUTEX_H_
#define MMCHECK_EXPLORER_PRIMITIVES_MUTEX_H_

#include "explorer/runtime/execution.h"

namespace mmcheck {

// What Mutex and SpinLock share: ownership, the checks, the trace.
class LockBase {
 public:
  LockBase(LockBase&&) = default;
  LockBase& operator=(LockBase&&) = delete;
  int id() const { return id_; }
  // Whether the calling thread holds it (spin_is_locked by the owner; lockdep_assert_held).
  bool held_by_current() const;
  // lockdep_set_class(): see Execution::SetLockClass.
  void lockdep_set_class(const char* lock_class) {
    Execution::Get().SetLockClass(id_, lock_class);
  }

 protected:
  struct Ops {
    OpKind lock, trylock, unlock;
  };
  LockBase(const char* kind, const char* name, int index);
  void Lock(const Ops& ops, const char* file, int line, const char* function, int subclass = 0);
  bool TryLock(const Ops& ops, const char* file, int line, const char* function);
  void Unlock(const Ops& ops, const char* file, int line, const char* function);

 private:
  int id_;
  // Where the last unlock was, to tell a double unlock from an unlock of a never-taken lock.
  int last_unlocker_ = -1;
  const char* last_unlock_file_ = nullptr;
  int last_unlock_line_ = 0;
};

class Mutex : public LockBase {
 public:
  explicit Mutex(const char* name = "mutex", int index = -1) : LockBase("mutex", name, index) {}

  // Visible, may sleep; enabled only while the mutex is free.
  void lock(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
            const char* function = __builtin_FUNCTION()) {
    Lock(kOps, file, line, function);
  }
  // Visible; always enabled. True when it took the lock.
  bool try_lock(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
                const char* function = __builtin_FUNCTION()) {
    return TryLock(kOps, file, line, function);
  }
  // Visible. Precondition: the calling thread holds the mutex (else lock-misuse).
  void unlock(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
              const char* function = __builtin_FUNCTION()) {
    Unlock(kOps, file, line, function);
  }
  // Not a scheduling point. The calling thread, which holds the mutex, makes `thread` its owner:
  // a bit lock such as PG_locked has no owner, and the folio lock taken for a read is released by
  // the I/O completion (folio_unlock in end_swap_bio_read), which the model runs as a thread.
  // From then on `thread` must unlock it; the caller may exit.
  void hand_over(int thread, const char* file = __builtin_FILE(), int line = __builtin_LINE());
  // Visible, may sleep; returns once the mutex is free, without taking it (folio_wait_locked).
  void wait_unlocked(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
                     const char* function = __builtin_FUNCTION());

 private:
  static constexpr Ops kOps{OpKind::kLock, OpKind::kTryLock, OpKind::kUnlock};
};

class SpinLock : public LockBase {
 public:
  explicit SpinLock(const char* name = "spinlock", int index = -1)
      : LockBase("spinlock", name, index) {}

  // Visible; enabled only while free. Holding it is atomic context.
  void lock(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
            const char* function = __builtin_FUNCTION());
  // spin_lock_nested(): the same, as lockdep subclass `subclass` (a second lock of a class the
  // thread already holds, in a documented nesting: copy_huge_pmd's src_ptl under dst_ptl).
  void lock_nested(int subclass, const char* file = __builtin_FILE(),
                   int line = __builtin_LINE(), const char* function = __builtin_FUNCTION());
  bool try_lock(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
                const char* function = __builtin_FUNCTION());
  void unlock(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
              const char* function = __builtin_FUNCTION());

 private:
  static constexpr Ops kOps{OpKind::kSpinLock, OpKind::kSpinTryLock, OpKind::kSpinUnlock};
};

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_PRIMITIVES_MUTEX_H_
