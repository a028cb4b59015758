// SyncState; see sync_state.h.
#include "explorer/runtime/sync_state.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace mmcheck {

void SyncState::Reset() {
  owner_.clear();
  for (RwState& rw : rw_) rw.queued.clear();
  rw_.clear();
  spin_held_.fill(0);
  sections_ = {};
  grace_periods_.clear();
  waiting_on_.fill(-1);
  woken_.fill(false);
}

void SyncState::AddObject() {
  owner_.push_back(-1);
  rw_.emplace_back();
}

bool SyncState::Enabled(int thread, const Step& pending) const {
  const int o = pending.object;
  switch (pending.op) {
    case OpKind::kLock:
    case OpKind::kSpinLock:
    case OpKind::kWaitUnlocked:
      return owner(o) < 0;
    case OpKind::kDownRead:
      return ReadFree(o);
    case OpKind::kDownWrite:
      return WriteFree(o);
    case OpKind::kGracePeriodWait:
      return GracePeriodDone(static_cast<int>(pending.arg));
    case OpKind::kSchedule:
      return Awake(thread);
    default:
      return true;
  }
}

int SyncState::WaitsFor(int thread, const Step& pending) const {
  const int o = pending.object;
  switch (pending.op) {
    case OpKind::kLock:
    case OpKind::kSpinLock:
    case OpKind::kWaitUnlocked:
      return owner(o);
    case OpKind::kDownRead: {
      const RwState& rw = rw_[static_cast<size_t>(o)];
      if (rw.writer >= 0) return rw.writer;
      return rw.queued.empty() ? -1 : rw.queued.front();
    }
    case OpKind::kDownWrite: {
      const RwState& rw = rw_[static_cast<size_t>(o)];
      return rw.writer;  // readers are not tracked by name; see the report's list
    }
    case OpKind::kGracePeriodWait: {
      for (const OpenSection& s : grace_periods_[static_cast<size_t>(pending.arg)].open) {
        if (!Left(s)) return s.thread;
      }
      return -1;
    }
    default:
      (void)thread;
      return -1;
  }
}

bool SyncState::ReadFree(int object) const {
  const RwState& rw = rw_[static_cast<size_t>(object)];
  return rw.writer < 0 && rw.queued.empty();
}

bool SyncState::WriteFree(int object) const {
  const RwState& rw = rw_[static_cast<size_t>(object)];
  return rw.writer < 0 && rw.readers == 0;
}

int64_t SyncState::RwBits(int object) const {
  const RwState& rw = rw_[static_cast<size_t>(object)];
  return (rw.writer >= 0 ? kRwWriterHeld : 0) | (rw.queued.empty() ? 0 : kRwWriterQueued) |
         (rw.readers > 0 ? kRwReaders : 0);
}

void SyncState::QueueWriter(int object, int thread) {
  rw_[static_cast<size_t>(object)].queued.push_back(thread);
}

void SyncState::TakeWrite(int object, int thread) {
  RwState& rw = rw_[static_cast<size_t>(object)];
  rw.writer = thread;
  auto it = std::find(rw.queued.begin(), rw.queued.end(), thread);
  if (it != rw.queued.end()) rw.queued.erase(it);
}

bool SyncState::Queued(int object, int thread) const {
  const RwState& rw = rw_[static_cast<size_t>(object)];
  return std::find(rw.queued.begin(), rw.queued.end(), thread) != rw.queued.end();
}

void SyncState::EnterSection(int thread, bool irq) {
  Sections& s = sections_[irq];
  if (s.depth[thread]++ == 0) ++s.entered[thread];
}

void SyncState::LeaveSection(int thread, bool irq) {
  Sections& s = sections_[irq];
  if (--s.depth[thread] == 0) ++s.left[thread];
}

int SyncState::StartGracePeriod(bool ipi) {
  std::vector<OpenSection> open;
  for (int t = 0; t < kMaxThreads; ++t) {
    for (const bool irq : {false, true}) {
      if (irq || !ipi) {
        if (section_depth(t, irq) > 0)
          open.push_back(OpenSection{t, irq, sections_[irq].entered[t]});
      }
    }
  }
  grace_periods_.push_back(GracePeriod{ipi, std::move(open)});
  return static_cast<int>(grace_periods_.size()) - 1;
}

bool SyncState::GracePeriodDone(int id) const {
  for (const OpenSection& s : grace_periods_[static_cast<size_t>(id)].open) {
    if (!Left(s)) return false;
  }
  return true;
}

void SyncState::PrepareToWait(int thread, int queue) {
  waiting_on_[thread] = queue;
  woken_[thread] = false;
}

void SyncState::FinishWait(int thread) {
  waiting_on_[thread] = -1;
  woken_[thread] = false;
}

uint64_t SyncState::WakeUp(int queue) {
  uint64_t woke = 0;
  for (int t = 0; t < kMaxThreads; ++t) {
    if (waiting_on_[t] == queue && !woken_[t]) {
      woken_[t] = true;
      woke |= uint64_t{1} << t;
    }
  }
  return woke;
}

std::string SyncState::AtomicReason(int thread,
                                    const std::vector<std::string>& held_spinlocks) const {
  std::string reason;
  for (const std::string& name : held_spinlocks) {
    absl::StrAppend(&reason, reason.empty() ? "" : " and ", "holding spinlock ", name);
  }
  if (rcu_depth(thread) > 0) {
    absl::StrAppend(&reason, reason.empty() ? "" : " and ", "inside an RCU read-side section");
  }
  if (irq_depth(thread) > 0) {
    absl::StrAppend(&reason, reason.empty() ? "" : " and ", "with interrupts off");
  }
  return reason;
}

}  // namespace mmcheck
