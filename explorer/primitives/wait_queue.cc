// WaitQueue; see wait_queue.h.
#include "explorer/primitives/wait_queue.h"

#include "explorer/runtime/check.h"

namespace mmcheck {

WaitQueue::WaitQueue(const char* name, int index)
    : id_(Execution::Get().RegisterObject("waitqueue", name, index)) {}

void WaitQueue::prepare_to_wait(const char* file, int line, const char* function) {
  Execution& e = Execution::Get();
  e.Visible(OpKind::kPrepareToWait, id_, 0, file, line).function = function;
  if (e.InThread()) e.sync().PrepareToWait(e.current_thread(), id_);
}

void WaitQueue::finish_wait(const char* file, int line, const char* function) {
  Execution& e = Execution::Get();
  e.Visible(OpKind::kFinishWait, id_, 0, file, line).function = function;
  if (e.InThread()) e.sync().FinishWait(e.current_thread());
}

void WaitQueue::wake_up(const char* file, int line, const char* function) {
  Execution& e = Execution::Get();
  e.Visible(OpKind::kWakeUp, id_, 0, file, line).function = function;
  e.sync().WakeUp(id_);
}

void Schedule(const char* file, int line, const char* function) {
  Execution& e = Execution::Get();
  e.MightSleep("schedule()", file, line);
  if (!e.InThread()) return;
  const int queue = e.sync().waiting_on(e.current_thread());
  e.Visible(OpKind::kSchedule, queue, 0, file, line).function = function;
}

}  // namespace mmcheck
