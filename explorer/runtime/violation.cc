// Violation kind names; see violation.h.
#include "explorer/runtime/violation.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace mmcheck {
namespace {

constexpr absl::string_view kNames[kNumViolationKinds] = {
    "assertion",  "invariant",       "deadlock",       "livelock",  "lock-misuse",
    "lock-order", "sleep-in-atomic", "use-after-free", "data-race", "exception",
    "crash",      "stack-overflow",  "resource-limit",
};

}  // namespace

absl::string_view KindName(ViolationKind kind) { return kNames[static_cast<int>(kind)]; }

std::string Finding::ToString() const {
  return detail.empty() ? std::string(KindName(kind)) : absl::StrCat(KindName(kind), ":", detail);
}

bool IsFinding(const Violation& v, const Finding& finding) {
  if (v.kind != finding.kind) return false;
  if (finding.detail.empty()) return true;
  const absl::string_view message = v.message;
  if (absl::StartsWith(message, absl::StrCat(finding.detail, ":"))) return true;
  return absl::StrContains(message, finding.detail);
}

std::optional<ViolationKind> ParseKind(absl::string_view name) {
  for (int i = 0; i < kNumViolationKinds; ++i) {
    if (kNames[i] == name) return static_cast<ViolationKind>(i);
  }
  return std::nullopt;
}

}  // namespace mmcheck
