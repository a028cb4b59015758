// RandomStrategy; see random_strategy.h.
#include "explorer/search/random_strategy.h"

namespace mmcheck {

int NthThread(uint64_t mask, int k) {
  for (; k > 0; --k) mask &= mask - 1;
  return LowestThread(mask);
}

int RandomStrategy::NextThread(const SchedulePoint& point) {
  const int n = CountThreads(point.enabled);
  return NthThread(point.enabled, static_cast<int>(rng_.Below(static_cast<uint64_t>(n))));
}

}  // namespace mmcheck
