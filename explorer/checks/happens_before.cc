// HappensBefore; see happens_before.h.
#include "explorer/checks/happens_before.h"

#include <algorithm>

namespace mmcheck {

void HappensBefore::Reset() {
  threads_.clear();
  objects_.clear();
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
  }
  width_ = std::max(width_, thread + 1);
  Clock& c = threads_[static_cast<size_t>(thread)];
  c = parent >= 0 ? threads_[static_cast<size_t>(parent)] : Clock{};
  c[thread] = 1;
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
