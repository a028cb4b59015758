// HappensBefore; see happens_before.h.
#include "explorer/checks/happens_before.h"

#include <algorithm>

namespace mmcheck {

void HappensBefore::Reset() {
  threads_.clear();
  objects_.clear();
  depth_.clear();
  section_ends_ = Clock{};
  irq_section_ends_ = Clock{};
  grace_periods_.clear();
  width_ = 0;
}

void HappensBefore::Join(Clock& into, const Clock& from) const {
  for (int t = 0; t < width_; ++t) into[t] = std::max(into[t], from[t]);
}

void HappensBefore::Copy(Clock& into, const Clock& from) const {
  std::copy(from.begin(), from.begin() + width_, into.begin());
}

HappensBefore::Clock& HappensBefore::ObjectClock(int object) {
  if (static_cast<size_t>(object) >= objects_.size()) {
    objects_.resize(static_cast<size_t>(object) + 1, Clock{});
  }
  return objects_[static_cast<size_t>(object)];
}

void HappensBefore::AddThread(int thread, int parent) {
  if (static_cast<size_t>(thread) >= threads_.size()) {
    threads_.resize(static_cast<size_t>(thread) + 1, Clock{});
    depth_.resize(threads_.size(), std::array<int, 2>{});
  }
  width_ = std::max(width_, thread + 1);
  Clock& c = threads_[static_cast<size_t>(thread)];
  c = parent >= 0 ? threads_[static_cast<size_t>(parent)] : Clock{};
  c[thread] = 1;
  depth_[static_cast<size_t>(thread)] = {0, 0};
}

void HappensBefore::OnStep(const Step& step) {
  const int t = step.thread;
  // A spawn may grow threads_: take the reference to this thread's clock after it.
  if (step.op == OpKind::kSpawn) AddThread(step.object, t);
  Clock& clock = threads_[static_cast<size_t>(t)];
  switch (step.op) {
    case OpKind::kSpawn:
      break;
    case OpKind::kJoin:
      Join(clock, threads_[static_cast<size_t>(step.object)]);
      break;
    case OpKind::kRcuLock:
    case OpKind::kIrqDisable:
      ++depth_[static_cast<size_t>(t)][step.op == OpKind::kIrqDisable];
      break;
    case OpKind::kRcuUnlock:
    case OpKind::kIrqEnable: {
      const bool irq = step.op == OpKind::kIrqEnable;
      int& depth = depth_[static_cast<size_t>(t)][irq];
      if (depth == 0 || --depth > 0) break;  // an unlock outside a section is lock-misuse
      Join(section_ends_, clock);
      if (irq) Join(irq_section_ends_, clock);
      for (GracePeriod& gp : grace_periods_) {
        auto it = std::find(gp.waiting.begin(), gp.waiting.end(), std::make_pair(t, irq));
        if (it == gp.waiting.end()) continue;
        Join(gp.ends, clock);
        gp.waiting.erase(it);
      }
      break;
    }
    case OpKind::kSynchronizeRcu:
    case OpKind::kCallRcu:
    case OpKind::kSendIpi: {
      // The sections open now are the ones it waits for (SyncState::StartGracePeriod).
      const size_t id = static_cast<size_t>(step.arg);
      if (grace_periods_.size() <= id) grace_periods_.resize(id + 1);
      GracePeriod& gp = grace_periods_[id];
      gp = GracePeriod{};
      Copy(gp.ends, step.op == OpKind::kSendIpi ? irq_section_ends_ : section_ends_);
      for (int u = 0; u < width_; ++u) {
        const std::array<int, 2>& d = depth_[static_cast<size_t>(u)];
        if (d[0] > 0 && step.op != OpKind::kSendIpi) gp.waiting.emplace_back(u, false);
        if (d[1] > 0) gp.waiting.emplace_back(u, true);
      }
      break;
    }
    case OpKind::kGracePeriodWait:
      Join(clock, grace_periods_[static_cast<size_t>(step.arg)].ends);
      break;
    default: {
      if (step.object < 0) break;
      const Sync sync = SyncOf(step.op, step.ok);
      if (sync.acquire) Join(clock, ObjectClock(step.object));
      if (sync.replace) {
        Copy(ObjectClock(step.object), clock);
      } else if (sync.release) {
        Join(ObjectClock(step.object), clock);
      }
      break;
    }
  }
  ++clock[t];
}

}  // namespace mmcheck
