// HappensBefore: vector clocks over the steps of one execution, for the data-race check on plain
// (non-atomic) data.
//
// Synchronisation, as C++ and the kernel define it for the primitives modeled here, is SyncOf()
// in ops.h: an atomic write releases, an atomic read acquires, a read-modify-write does both;
// releasing a lock releases and taking it acquires; a wakeup acquires from the wake_up. A grace
// period's end acquires from the ends of the sections that began before it started, as RCU's
// fundamental law states it ("if any part of a read-side critical section precedes the beginning
// of a grace period, the entirety of that section precedes its end"): those that had ended, and
// those it waited for; not from a section that began after it started and happened to end
// before it did. A synchronous IPI is the same over IRQ-off sections only. Spawn orders the
// parent's past before the child, join the child's whole run before the joiner. Each step ends a thread's epoch: plain
// accesses are stamped with the epoch they ran in, and a release publishes the clock before the
// epoch moves on, so a plain access after an unlock is not ordered before the next holder.
#ifndef MMCHECK_EXPLORER_CHECKS_HAPPENS_BEFORE_H_
#define MMCHECK_EXPLORER_CHECKS_HAPPENS_BEFORE_H_

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "explorer/runtime/trace.h"

namespace mmcheck {

class HappensBefore {
 public:
  static constexpr int kWidth = 64;  // = kMaxThreads
  using Clock = std::array<uint32_t, kWidth>;

  void Reset();
  void AddThread(int thread, int parent);  // parent -1: created in setup
  // After `step` was performed.
  void OnStep(const Step& step);

  uint32_t epoch(int thread) const { return threads_[static_cast<size_t>(thread)][thread]; }
  // Whether thread `earlier` at `epoch` happens before the current point of thread `later`.
  bool Ordered(int earlier, uint32_t at_epoch, int later) const {
    return threads_[static_cast<size_t>(later)][earlier] >= at_epoch;
  }

 private:
  Clock& ObjectClock(int object);
  void Join(Clock& into, const Clock& from) const;
  void Copy(Clock& into, const Clock& from) const;

  // Threads 0..width_-1 exist in this execution: every clock is 0 beyond them, so joins and
  // copies stop there (a scenario has a handful of threads, a clock room for kWidth).
  int width_ = 0;
  std::vector<Clock> threads_;
  std::vector<Clock> objects_;
  // RCU: each thread's section depths (RCU, IRQ-off); the ends of every section so far, and of
  // every IRQ-off section; and by grace-period id the clock its end acquires and the
  // (thread, IRQ-off) sections it still waits for.
  struct GracePeriod {
    Clock ends{};
    std::vector<std::pair<int, bool>> waiting;
  };
  std::vector<std::array<int, 2>> depth_;
  Clock section_ends_{};
  Clock irq_section_ends_{};
  std::vector<GracePeriod> grace_periods_;
};

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_CHECKS_HAPPENS_BEFORE_H_
