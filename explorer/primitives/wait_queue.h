// WaitQueue: the kernel's wait_queue_head_t with the prepare_to_wait / schedule / finish_wait
// sleep and wake_up. Each is a scheduling point.
//
// prepare_to_wait puts the thread on the queue (set_current_state included: one step); a
// wake_up after that wakes it; schedule() sleeps until then and returns at once if it was
// already woken (or never queued). A sleeper no thread wakes is reported as a deadlock that names
// it (a lost wakeup). schedule() may sleep.
#ifndef MMCHECK_EXPLORER_PRIMITIVES_WAIT_QUEUE_H_
#define MMCHECK_EXPLORER_PRIMITIVES_WAIT_QUEUE_H_

#include "explorer/runtime/execution.h"

namespace mmcheck {

class WaitQueue {
 public:
  explicit WaitQueue(const char* name = "waitqueue", int index = -1);
  WaitQueue(WaitQueue&&) = default;
  WaitQueue& operator=(WaitQueue&&) = delete;

  void prepare_to_wait(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
                       const char* function = __builtin_FUNCTION());
  void finish_wait(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
                   const char* function = __builtin_FUNCTION());
  void wake_up(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
               const char* function = __builtin_FUNCTION());
  int id() const { return id_; }

 private:
  int id_;
};

// Sleeps until a wake_up on the queue the thread prepared to wait on.
void Schedule(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
              const char* function = __builtin_FUNCTION());

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_PRIMITIVES_WAIT_QUEUE_H_
