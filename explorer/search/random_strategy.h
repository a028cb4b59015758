// RandomStrategy: each step picks a uniformly random enabled thread, from a seeded generator.
//
// Same seed, same scenario: the same sequence of executions, on every run and build (the
// generator is SplitMix64, written out here, not a library distribution whose mapping may vary).
// It never finishes on its own: the explorer's execution or time limit ends it, and its result is
// never complete.
#ifndef MMCHECK_EXPLORER_SEARCH_RANDOM_STRATEGY_H_
#define MMCHECK_EXPLORER_SEARCH_RANDOM_STRATEGY_H_

#include <cstdint>

#include "explorer/search/strategy.h"

namespace mmcheck {

// SplitMix64 (Steele, Lea, Flood 2014): small, fast, and fully specified.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n), n > 0, by rejection (no modulo bias).
  uint64_t Below(uint64_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do x = Next();
    while (x >= limit);
    return x % n;
  }

 private:
  uint64_t state_;
};

// The index of the k-th set bit of mask (k counted from 0).
int NthThread(uint64_t mask, int k);

class RandomStrategy : public Strategy {
 public:
  explicit RandomStrategy(uint64_t seed) : rng_(seed) {}
  absl::string_view name() const override { return "random"; }
  bool exhaustive() const override { return false; }
  bool NewExecution() override { return true; }
  int NextThread(const SchedulePoint& point) override;

 private:
  SplitMix64 rng_;
};

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_SEARCH_RANDOM_STRATEGY_H_
