// RwSemaphore: the kernel's rw_semaphore, with writer preference. Every acquisition and release
// is a scheduling point; down_write is two (the writer queues, then takes the lock once free).
//
// A queued or holding writer keeps new readers out (down_read waits, down_read_trylock fails),
// so a reader that takes the lock again while a writer waits deadlocks, as in the kernel.
// downgrade_write turns the write hold into a read hold and lets waiting readers in. The
// _killable variants are the plain ones: the model sends no fatal signals. up_* by a thread that
// does not hold the lock that way is lock-misuse; so is exiting with a hold. down_* may sleep.
#ifndef MMCHECK_EXPLORER_PRIMITIVES_RWSEM_H_
#define MMCHECK_EXPLORER_PRIMITIVES_RWSEM_H_

#include "explorer/runtime/execution.h"

namespace mmcheck {

class RwSemaphore {
 public:
  explicit RwSemaphore(const char* name = "rwsem", int index = -1);
  RwSemaphore(RwSemaphore&&) = default;
  RwSemaphore& operator=(RwSemaphore&&) = delete;
  // lockdep_set_class(): see Execution::SetLockClass.
  void lockdep_set_class(const char* lock_class) {
    Execution::Get().SetLockClass(id_, lock_class);
  }

  void down_read(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
                 const char* function = __builtin_FUNCTION());
  int down_read_killable(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
                         const char* function = __builtin_FUNCTION()) {
    down_read(file, line, function);
    return 0;
  }
  bool down_read_trylock(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
                         const char* function = __builtin_FUNCTION());
  void up_read(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
               const char* function = __builtin_FUNCTION());

  void down_write(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
                  const char* function = __builtin_FUNCTION());
  // down_write_nested() / mmap_write_lock_nested(): as lockdep subclass `subclass`.
  void down_write_nested(int subclass, const char* file = __builtin_FILE(),
                         int line = __builtin_LINE(), const char* function = __builtin_FUNCTION());
  int down_write_killable(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
                          const char* function = __builtin_FUNCTION()) {
    down_write(file, line, function);
    return 0;
  }
  bool down_write_trylock(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
                          const char* function = __builtin_FUNCTION());
  void up_write(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
                const char* function = __builtin_FUNCTION());
  void downgrade_write(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
                       const char* function = __builtin_FUNCTION());

  // For model assertions (mmap_assert_locked and friends); no scheduling point.
  bool held_by_current_for_write() const;
  bool held_by_current() const;  // read or write
  int id() const { return id_; }

 private:
  void CheckHeld(bool write, absl::string_view op, const char* file, int line);
  int id_;
};

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_PRIMITIVES_RWSEM_H_
