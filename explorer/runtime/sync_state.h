// SyncState: the state of every lock, RCU section, grace period and wait queue of one
// execution, and whether a blocked operation may go on.
//
// Semantics (kernel-model.md 2.8): mutexes and spinlocks are non-recursive and released by their
// owner; a spinlock held, an RCU read-side section, or interrupts off make atomic context, where
// nothing may sleep. An rw_semaphore prefers writers: a writer queues first (down_write start),
// and from then on new readers wait; it takes the lock once no one holds it. A grace period
// (synchronize_rcu, call_rcu) ends when every RCU section open at its start has ended. A
// wait-queue sleeper (prepare_to_wait, schedule) runs again only after a wake_up on that queue
// that came after its prepare_to_wait.
#ifndef MMCHECK_EXPLORER_RUNTIME_SYNC_STATE_H_
#define MMCHECK_EXPLORER_RUNTIME_SYNC_STATE_H_

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "explorer/runtime/trace.h"

namespace mmcheck {

class SyncState {
 public:
  static constexpr int kMaxThreads = 64;

  void Reset();
  void AddObject();  // a new object id, in registration order

  // Whether `pending`, the next step of `thread`, may run now.
  bool Enabled(int thread, const Step& pending) const;
  // The thread `thread` waits for when its pending step cannot run (for the deadlock report's
  // waits-for cycle), or -1 when no single thread can let it go.
  int WaitsFor(int thread, const Step& pending) const;

  // Locks: Mutex and SpinLock.
  int owner(int object) const { return owner_[static_cast<size_t>(object)]; }
  void set_owner(int object, int thread) { owner_[static_cast<size_t>(object)] = thread; }

  // RwSemaphore.
  bool ReadFree(int object) const;   // no writer holds it and none is queued
  bool WriteFree(int object) const;  // nobody holds it
  int64_t RwBits(int object) const;  // kRwWriterHeld | kRwWriterQueued | kRwReaders (ops.h)
  int writer(int object) const { return rw_[static_cast<size_t>(object)].writer; }
  void QueueWriter(int object, int thread);
  void TakeWrite(int object, int thread);  // leaves the queue if it was in it
  void ReleaseWrite(int object) { rw_[static_cast<size_t>(object)].writer = -1; }
  void TakeRead(int object) { ++rw_[static_cast<size_t>(object)].readers; }
  void ReleaseRead(int object) { --rw_[static_cast<size_t>(object)].readers; }
  bool Queued(int object, int thread) const;

  // RCU, and interrupts off. An IRQ-off section is an RCU read-side section too (since v4.20
  // every flavour of RCU is one, and synchronize_rcu() waits for interrupts-off regions); a
  // synchronous IPI (StartGracePeriod(true)) waits for IRQ-off sections only.
  // A section's kind: an RCU read-side section, or an IRQ-off one (irq).
  int section_depth(int thread, bool irq) const { return sections_[irq].depth[thread]; }
  int rcu_depth(int thread) const { return section_depth(thread, false); }
  int irq_depth(int thread) const { return section_depth(thread, true); }
  void EnterSection(int thread, bool irq);
  void LeaveSection(int thread, bool irq);
  int StartGracePeriod(bool ipi = false);  // returns its id
  bool GracePeriodDone(int id) const;
  bool IsIpi(int id) const { return grace_periods_[static_cast<size_t>(id)].ipi; }

  // Wait queues.
  void PrepareToWait(int thread, int queue);
  void FinishWait(int thread);
  uint64_t WakeUp(int queue);  // the threads it woke
  bool Awake(int thread) const { return waiting_on_[thread] < 0 || woken_[thread]; }
  int waiting_on(int thread) const { return waiting_on_[thread]; }

  // Atomic context.
  int spin_held(int thread) const { return spin_held_[thread]; }
  void AddSpinHeld(int thread, int delta) { spin_held_[thread] += delta; }
  // "holding spinlock ptl", "inside an RCU read-side section", or "" when not atomic.
  std::string AtomicReason(int thread, const std::vector<std::string>& held_spinlocks) const;

 private:
  struct RwState {
    int readers = 0;
    int writer = -1;
    std::vector<int> queued;  // writer threads, in queueing order
  };
  std::vector<int> owner_;   // by object id
  std::vector<RwState> rw_;  // by object id
  std::array<int, kMaxThreads> spin_held_{};
  struct Sections {  // of one kind, by thread
    std::array<int, kMaxThreads> depth{};
    std::array<int, kMaxThreads> entered{};  // outermost sections entered
    std::array<int, kMaxThreads> left{};     // outermost sections left
  };
  std::array<Sections, 2> sections_{};  // RCU, IRQ-off
  // A section a grace period (or an IPI) waits for: the thread's `section`-th outermost section
  // of its kind, until the thread has left that many.
  struct OpenSection {
    int thread;
    bool irq;  // an IRQ-off section, else an RCU read-side section
    int section;
  };
  bool Left(const OpenSection& s) const { return sections_[s.irq].left[s.thread] >= s.section; }
  struct GracePeriod {
    bool ipi;
    std::vector<OpenSection> open;  // the sections it waits for
  };
  std::vector<GracePeriod> grace_periods_;
  std::array<int, kMaxThreads> waiting_on_{};
  std::array<bool, kMaxThreads> woken_{};
};

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_RUNTIME_SYNC_STATE_H_
