// Violation kind names; see violation.h.
#include "explorer/violation.h"

namespace mmcheck {
namespace {

constexpr absl::string_view kNames[kNumViolationKinds] = {
    "assertion",  "invariant",       "deadlock",       "livelock",  "lock-misuse",
    "lock-order", "sleep-in-atomic", "use-after-free", "data-race",
};

}  // namespace

absl::string_view KindName(ViolationKind kind) { return kNames[static_cast<int>(kind)]; }

std::optional<ViolationKind> ParseKind(absl::string_view name) {
  for (int i = 0; i < kNumViolationKinds; ++i) {
    if (kNames[i] == name) return static_cast<ViolationKind>(i);
  }
  return std::nullopt;
}

}  // namespace mmcheck
