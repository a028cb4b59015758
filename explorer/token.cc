// Replay tokens; see token.h.
#include "explorer/token.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "explorer/execution.h"

namespace mmcheck {

uint32_t ScenarioHash(absl::string_view scenario) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : scenario) {
    hash ^= c;
    hash *= 16777619u;
  }
  return hash;
}

std::string EncodeToken(absl::string_view scenario, const std::vector<int>& schedule,
                        const Provenance& provenance) {
  std::string token = absl::StrFormat("v1:%08x:", ScenarioHash(scenario));
  for (size_t i = 0; i < schedule.size();) {
    size_t j = i;
    while (j < schedule.size() && schedule[j] == schedule[i]) ++j;
    if (i > 0) token += '.';
    absl::StrAppend(&token, schedule[i]);
    if (j - i > 1) absl::StrAppend(&token, "*", j - i);
    i = j;
  }
  if (!provenance.strategy.empty()) {
    absl::StrAppend(&token, ":", provenance.strategy, ".", provenance.execution);
  }
  return token;
}

absl::StatusOr<std::vector<int>> DecodeToken(absl::string_view scenario, absl::string_view token) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("malformed replay token '", token, "': ", why));
  };
  if (token.substr(0, 3) != "v1:") return bad("expected it to start with 'v1:'");
  std::vector<absl::string_view> parts = absl::StrSplit(token.substr(3), ':');
  if (parts.size() < 2 || parts.size() > 3 || parts[0].size() != 8) {
    return bad("expected v1:<8 hex digits>:<schedule>[:<strategy>.<execution>]");
  }
  if (parts.size() == 3) {
    std::vector<absl::string_view> origin = absl::StrSplit(parts[2], absl::MaxSplits('.', 1));
    int execution = 0;
    if (origin.size() != 2 || origin[0].empty() ||
        origin[0].find_first_not_of("abcdefghijklmnopqrstuvwxyz") != absl::string_view::npos ||
        origin[1].empty() || origin[1][0] == '+' || !absl::SimpleAtoi(origin[1], &execution) ||
        execution < 1) {
      return bad("the origin is not <strategy>.<execution>");
    }
  }
  uint32_t hash = 0;
  for (char c : parts[0]) {
    int digit;
    if (c >= '0' && c <= '9')
      digit = c - '0';
    else if (c >= 'a' && c <= 'f')
      digit = c - 'a' + 10;
    else
      return bad("the scenario hash is not lowercase hex");
    hash = hash << 4 | static_cast<uint32_t>(digit);
  }
  if (hash != ScenarioHash(scenario)) {
    return absl::InvalidArgumentError(
        absl::StrCat("replay token '", token, "' was not made for scenario ", scenario));
  }
  std::vector<int> schedule;
  if (parts[1].empty()) return schedule;
  constexpr int64_t kMaxSteps = 100'000'000;
  for (absl::string_view run : absl::StrSplit(parts[1], '.')) {
    std::vector<absl::string_view> tc = absl::StrSplit(run, absl::MaxSplits('*', 1));
    int thread = 0;
    int64_t count = 1;
    if (tc[0].empty() || !absl::SimpleAtoi(tc[0], &thread) || thread < 0 || thread >= kMaxThreads ||
        tc[0][0] == '+') {
      return bad(absl::StrCat("'", run, "' is not a thread index"));
    }
    if (tc.size() == 2 &&
        (tc[1].empty() || tc[1][0] == '+' || !absl::SimpleAtoi(tc[1], &count) || count < 2)) {
      return bad(absl::StrCat("'", run, "' has a bad repeat count"));
    }
    if (static_cast<int64_t>(schedule.size()) + count > kMaxSteps) return bad("too long");
    schedule.insert(schedule.end(), static_cast<size_t>(count), thread);
  }
  return schedule;
}

Provenance TokenProvenance(absl::string_view token) {
  std::vector<absl::string_view> parts = absl::StrSplit(token, ':');
  Provenance p;
  if (parts.size() != 4) return p;
  std::vector<absl::string_view> origin = absl::StrSplit(parts[3], absl::MaxSplits('.', 1));
  if (origin.size() == 2 && absl::SimpleAtoi(origin[1], &p.execution)) {
    p.strategy = std::string(origin[0]);
  }
  return p;
}

}  // namespace mmcheck
