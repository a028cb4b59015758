// The visible operations and, for each, the rules every part of the explorer follows: what it
// reads and writes (DPOR dependency, happens-before), whether it blocks or sleeps, and, for a
// blocking acquisition, which earlier step it really races with. Adding a primitive means adding
// its operations here; nothing else in the explorer switches on an OpKind for these rules.
#ifndef MMCHECK_EXPLORER_RUNTIME_OPS_H_
#define MMCHECK_EXPLORER_RUNTIME_OPS_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace mmcheck {

enum class OpKind : uint8_t {
  // Atomic<T>
  kLoad,
  kStore,
  kExchange,
  kFetchAdd,
  kCompareExchange,  // ok: it succeeded
  // Mutex (sleeping) and SpinLock
  kLock,
  kTryLock,  // ok: it took the lock
  kUnlock,
  kWaitUnlocked,  // sleep until the lock is free, without taking it (folio_wait_locked)
  kSpinLock,
  kSpinTryLock,
  kSpinUnlock,
  // RwSemaphore, writer preference
  kDownRead,
  kDownReadTry,
  kUpRead,
  kDownWriteStart,  // the writer queues: new readers wait from here on
  kDownWrite,       // ... and takes the lock once no one holds it
  kDownWriteTry,
  kUpWrite,
  kDowngradeWrite,
  // RCU
  kRcuLock,          // rcu_read_lock
  kRcuUnlock,        // rcu_read_unlock
  kSynchronizeRcu,   // starts a grace period and sleeps until it ends (then kGracePeriodWait)
  kCallRcu,          // starts a grace period for a callback
  kGracePeriodWait,  // blocks until every section open at the start has ended
  // Interrupts off, and the IPI that waits for them (explorer/primitives/irq.h), on the RCU
  // object: an IRQ-off section is also an RCU read-side section (consolidated RCU), and a
  // synchronous IPI is a grace period that waits for IRQ-off sections only.
  kIrqDisable,  // local_irq_disable / local_irq_save
  kIrqEnable,   // local_irq_enable / local_irq_restore
  kSendIpi,     // starts the IPI (then kGracePeriodWait until every CPU has taken it)
  // WaitQueue
  kPrepareToWait,
  kWakeUp,
  kSchedule,  // sleeps until woken
  kFinishWait,
  // Threads
  kSpawn,  // object is the new thread's index
  kJoin,   // object is the joined thread's index
  kYield,
};

absl::string_view OpName(OpKind op);

// How a step touches its object. Two steps of different threads on the same object are
// dependent unless both only read, except that a step that changes an rwsem's reader count and
// one whose outcome reads it are dependent (Dependent() below).
struct Access {
  bool reads = false;
  bool writes = false;
  bool acquires = false;  // takes a hold (lock, read or write side, RCU section)
  bool releases = false;  // gives a hold back (or wakes sleepers)
  bool blocks = false;    // may wait for another thread's release
  // An rwsem's reader count: readers' steps change it and commute with each other (two
  // down_reads give the same state in either order), but a write trylock's outcome reads it, so
  // a failed down_write_trylock, which changes nothing, is still dependent with them.
  bool counts = false;       // changes the reader count (down_read, up_read, a read trylock)
  bool reads_count = false;  // its outcome depends on the reader count (down_write_trylock)
  // A blocked acquisition races with the step that made it wait, not with the release that let
  // it go (it could not run between the two): the releasing thread's acquisition, or, for a
  // reader kept out by a queued writer, that writer's queueing step.
  bool races_with_queue = false;
};

// The access of a performed step. `ok` matters for compare_exchange and the trylocks.
inline Access AccessOf(OpKind op, bool ok) {
  Access a;
  switch (op) {
    case OpKind::kLoad:
      a.reads = true;
      break;
    case OpKind::kStore:
      a.writes = true;
      break;
    case OpKind::kExchange:
    case OpKind::kFetchAdd:
      a.reads = a.writes = true;
      break;
    case OpKind::kCompareExchange:
      a.reads = true;
      a.writes = ok;
      break;
    case OpKind::kLock:
    case OpKind::kSpinLock:
    case OpKind::kDownWrite:
      a.reads = a.writes = a.acquires = a.blocks = true;
      break;
    case OpKind::kTryLock:
    case OpKind::kSpinTryLock:
      a.reads = true;
      a.writes = a.acquires = ok;
      break;
    case OpKind::kDownWriteTry:
      a.reads = a.reads_count = true;
      a.writes = a.acquires = ok;
      break;
    case OpKind::kUnlock:
    case OpKind::kSpinUnlock:
    case OpKind::kUpWrite:
      a.writes = a.releases = true;
      break;
    case OpKind::kWaitUnlocked:
      a.reads = a.blocks = true;
      break;
    // Readers of one rwsem commute with each other: their steps only read the writer side and
    // change the reader count (Access::counts).
    case OpKind::kDownRead:
      a.reads = a.acquires = a.blocks = a.races_with_queue = a.counts = true;
      break;
    case OpKind::kDownReadTry:
      a.reads = true;
      a.acquires = a.counts = ok;
      break;
    case OpKind::kUpRead:
      a.reads = a.releases = a.counts = true;
      break;
    case OpKind::kDownWriteStart:
      a.writes = true;
      break;
    case OpKind::kDowngradeWrite:
      a.writes = a.releases = a.acquires = true;
      break;
    // RCU readers commute with each other; starting a grace period writes. Waiting for one
    // changes nothing and acquires only (explorer/checks/happens_before.h): two callbacks'
    // waits commute. A wait is still ordered against every section's start and end, as the
    // counts/reads_count pair orders an rwsem's readers against a write trylock; the pair is
    // used the other way round here (the wait `counts`) so that a section's steps, which change
    // nothing another thread reads, keep waking no spinning thread (Execution::AfterStep).
    // (The wait was a write, and two callbacks' waits were explored in both orders for
    // nothing: uffd/fault-vs-munmap, issue 15.)
    // Interrupts off and on are sections of the same kind, and an IPI is a grace period: the
    // same rules, on the same object.
    case OpKind::kRcuLock:
    case OpKind::kIrqDisable:
      a.reads = a.acquires = a.reads_count = true;
      break;
    case OpKind::kRcuUnlock:
    case OpKind::kIrqEnable:
      a.reads = a.releases = a.reads_count = true;
      break;
    case OpKind::kSynchronizeRcu:
    case OpKind::kCallRcu:
    case OpKind::kSendIpi:
      a.writes = true;
      break;
    case OpKind::kGracePeriodWait:
      a.reads = a.counts = a.blocks = true;
      break;
    // prepare_to_wait and finish_wait change only their own thread's entry on the queue (queued,
    // woken): two threads' entries commute, and so does another thread's schedule(), which reads
    // only its own. Only wake_up reads every entry: it writes, and is dependent with all of them.
    // (They were writes, and each pair of waiters was explored in both orders for nothing:
    // uffd/two-faults-vs-copy, issue 15.) `counts` keeps them changes of the queue for an
    // invariant that observes it, like an rwsem's reader count.
    case OpKind::kPrepareToWait:
    case OpKind::kFinishWait:
      a.reads = a.counts = true;
      break;
    case OpKind::kWakeUp:
      a.writes = a.releases = true;
      break;
    case OpKind::kSchedule:
      a.reads = a.blocks = true;
      break;
    case OpKind::kSpawn:
    case OpKind::kJoin:
    case OpKind::kYield:
      break;
  }
  return a;
}

// Whether two steps of different threads on the same object are dependent (do not commute).
inline bool Dependent(const Access& a, const Access& b) {
  return a.writes || b.writes || (a.counts && b.reads_count) || (a.reads_count && b.counts);
}

// How a step synchronises (happens-before, for the data-race check): an acquire joins the
// object's clock into the thread's, a release joins the thread's into the object's (`replace`: a
// plain atomic store starts a new release sequence instead). A wakeup acquires from its wake_up.
// RCU and IRQ-off sections and grace periods are not here: a grace period's end acquires from
// the ends of the sections it waited for, and from no other (HappensBefore::OnStep).
struct Sync {
  bool acquire = false;
  bool release = false;
  bool replace = false;
};

inline Sync SyncOf(OpKind op, bool ok) {
  Sync s;
  switch (op) {
    case OpKind::kLoad:
      s.acquire = true;
      break;
    case OpKind::kStore:
      s.release = s.replace = true;
      break;
    case OpKind::kExchange:
    case OpKind::kFetchAdd:
      s.acquire = s.release = true;
      break;
    case OpKind::kCompareExchange:
      s.acquire = true;
      s.release = ok;
      break;
    case OpKind::kLock:
    case OpKind::kSpinLock:
    case OpKind::kDownRead:
    case OpKind::kDownWrite:
    case OpKind::kWaitUnlocked:
    case OpKind::kSchedule:
      s.acquire = true;
      break;
    case OpKind::kTryLock:
    case OpKind::kSpinTryLock:
    case OpKind::kDownReadTry:
    case OpKind::kDownWriteTry:
      s.acquire = ok;
      break;
    case OpKind::kUnlock:
    case OpKind::kSpinUnlock:
    case OpKind::kUpRead:
    case OpKind::kUpWrite:
    case OpKind::kDowngradeWrite:
    case OpKind::kWakeUp:
      s.release = true;
      break;
    default:
      break;
  }
  return s;
}

// Whether the operation may sleep (so it is a bug in atomic context: under a spinlock, inside
// an RCU read-side section, with interrupts off).
inline bool Sleeps(OpKind op) {
  switch (op) {
    case OpKind::kLock:
    case OpKind::kWaitUnlocked:
    case OpKind::kDownRead:
    case OpKind::kDownWriteStart:
    case OpKind::kSynchronizeRcu:
    case OpKind::kSchedule:
      return true;
    default:
      return false;
  }
}

// What every step on an rwsem records as Step::old: the semaphore's state before the step, in
// one encoding for every operation, so that a trylock moved to another rwsem step's place (a race
// reversal) can tell whether it succeeds there. (Each operation used to record only the bit it
// tested itself, and a down_read or up_read recorded nothing: a down_write_trylock moved before
// a reader's up_read was wrongly taken to succeed; the oracle found it, issue 14.)
constexpr int64_t kRwWriterHeld = 1;
constexpr int64_t kRwWriterQueued = 2;
constexpr int64_t kRwReaders = 4;

inline bool IsRwsemOp(OpKind op) {
  switch (op) {
    case OpKind::kDownRead:
    case OpKind::kDownReadTry:
    case OpKind::kUpRead:
    case OpKind::kDownWriteStart:
    case OpKind::kDownWrite:
    case OpKind::kDownWriteTry:
    case OpKind::kUpWrite:
    case OpKind::kDowngradeWrite:
      return true;
    default:
      return false;
  }
}

// An operation whose footprint depends on the state where it runs, given whether the object was
// busy (Step::old != 0) there: compare_exchange and the trylocks. See AccessAt (trace.h).
inline bool OutcomeAt(OpKind op, int64_t old, int64_t expected) {
  switch (op) {
    case OpKind::kCompareExchange:
      return old == expected;
    case OpKind::kTryLock:
    case OpKind::kSpinTryLock:
    case OpKind::kDownWriteTry:  // nobody holds it and no writer is queued (SyncState::RwBits)
      return old == 0;
    case OpKind::kDownReadTry:  // no writer holds it and none is queued
      return (old & (kRwWriterHeld | kRwWriterQueued)) == 0;
    default:
      return true;
  }
}

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_RUNTIME_OPS_H_
