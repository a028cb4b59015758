// Replay tokens; see token.h.
#include "explorer/io/token.h"

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "explorer/runtime/execution.h"

namespace mmcheck {

uint32_t ScenarioHash(absl::string_view scenario) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : scenario) {
    hash ^= c;
    hash *= 16777619u;
  }
  return hash;
}

namespace {

void AppendSchedule(std::string& token, const std::vector<int>& schedule) {
  for (size_t i = 0; i < schedule.size();) {
    size_t j = i;
    while (j < schedule.size() && schedule[j] == schedule[i]) ++j;
    if (i > 0) token += '.';
    absl::StrAppend(&token, schedule[i]);
    if (j - i > 1) absl::StrAppend(&token, "*", j - i);
    i = j;
  }
}

// A positive decimal number without a sign.
bool ParsePositive(absl::string_view text, int64_t& value) {
  return !text.empty() && text[0] != '+' && absl::SimpleAtoi(text, &value) && value >= 1;
}

}  // namespace

std::string EncodeToken(absl::string_view scenario, const std::vector<int>& schedule,
                        const Provenance& provenance, const std::vector<Witness>& witnesses) {
  std::string token =
      absl::StrFormat("%s:%08x:", witnesses.empty() ? "v1" : "v2", ScenarioHash(scenario));
  AppendSchedule(token, schedule);
  if (!provenance.strategy.empty() || !witnesses.empty()) token += ':';
  if (!provenance.strategy.empty()) {
    absl::StrAppend(&token, provenance.strategy, ".", provenance.execution);
  }
  if (!witnesses.empty()) {
    token += ':';
    for (size_t i = 0; i < witnesses.size(); ++i) {
      absl::StrAppend(&token, i == 0 ? "" : ";", witnesses[i].execution, "=");
      AppendSchedule(token, witnesses[i].schedule);
    }
  }
  return token;
}

absl::StatusOr<ReplayToken> ParseToken(absl::string_view scenario, absl::string_view token) {
  // Echoed escaped: a control character in it must not break the one-line error.
  const std::string shown = absl::CHexEscape(token);
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("malformed replay token '", shown, "': ", why));
  };
  const bool v2 = token.substr(0, 3) == "v2:";
  if (token.substr(0, 3) != "v1:" && !v2) return bad("expected it to start with 'v1:' or 'v2:'");
  std::vector<absl::string_view> parts = absl::StrSplit(token.substr(3), ':');
  if (!v2 && (parts.size() < 2 || parts.size() > 3 || parts[0].size() != 8)) {
    return bad("expected v1:<8 hex digits>:<schedule>[:<strategy>.<execution>]");
  }
  if (v2 && (parts.size() != 4 || parts[0].size() != 8)) {
    return bad("expected v2:<8 hex digits>:<schedule>:[<strategy>.<execution>]:<witnesses>");
  }
  ReplayToken parsed;
  if (parts.size() >= 3 && !(v2 && parts[2].empty())) {
    std::vector<absl::string_view> origin = absl::StrSplit(parts[2], absl::MaxSplits('.', 1));
    int64_t execution = 0;
    if (origin.size() != 2 || !ParsePositive(origin[1], execution) || execution > INT32_MAX) {
      return bad("the origin is not <strategy>.<execution>");
    }
    if (origin[0] != "dpor" && origin[0] != "dfs" && origin[0] != "random" &&
        origin[0] != "pct" && origin[0] != "replay") {
      return bad(
          absl::StrCat("the origin names no strategy: '", absl::CHexEscape(origin[0]), "'"));
    }
    parsed.origin = Provenance{std::string(origin[0]), static_cast<int>(execution)};
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
        absl::StrCat("replay token '", shown, "' was not made for scenario ", scenario));
  }
  // Every count is checked against what is left of the budget before anything is expanded (no
  // overflow, no huge allocation for a short token): 10 million steps, witnesses included.
  constexpr int64_t kMaxSteps = 10'000'000;
  int64_t total = 0;
  auto schedule_of = [&](absl::string_view text, std::vector<int>& schedule) -> absl::Status {
    if (text.empty()) return absl::OkStatus();
    for (absl::string_view run : absl::StrSplit(text, '.')) {
      std::vector<absl::string_view> tc = absl::StrSplit(run, absl::MaxSplits('*', 1));
      int thread = 0;
      int64_t count = 1;
      if (tc[0].empty() || !absl::SimpleAtoi(tc[0], &thread) || thread < 0 ||
          thread >= kMaxThreads || tc[0][0] == '+') {
        return bad(absl::StrCat("'", absl::CHexEscape(run), "' is not a thread index"));
      }
      if (tc.size() == 2 && (!ParsePositive(tc[1], count) || count < 2)) {
        return bad(absl::StrCat("'", absl::CHexEscape(run), "' has a bad repeat count"));
      }
      if (count > kMaxSteps - total) return bad("too long");
      total += count;
      schedule.insert(schedule.end(), static_cast<size_t>(count), thread);
    }
    return absl::OkStatus();
  };
  if (absl::Status s = schedule_of(parts[1], parsed.schedule); !s.ok()) return s;
  if (v2) {
    if (parts[3].empty()) return bad("a v2 token lists at least one witness");
    for (absl::string_view w : absl::StrSplit(parts[3], ';')) {
      std::vector<absl::string_view> ns = absl::StrSplit(w, absl::MaxSplits('=', 1));
      int64_t execution = 0;
      if (ns.size() != 2 || !ParsePositive(ns[0], execution) || execution > INT32_MAX) {
        return bad(absl::StrCat("'", absl::CHexEscape(w), "' is not <execution>=<schedule>"));
      }
      Witness witness;
      witness.execution = static_cast<int>(execution);
      if (absl::Status s = schedule_of(ns[1], witness.schedule); !s.ok()) return s;
      parsed.witnesses.push_back(std::move(witness));
    }
  }
  return parsed;
}

absl::StatusOr<std::vector<int>> DecodeToken(absl::string_view scenario, absl::string_view token) {
  absl::StatusOr<ReplayToken> parsed = ParseToken(scenario, token);
  if (!parsed.ok()) return parsed.status();
  return std::move(parsed->schedule);
}

Provenance TokenProvenance(absl::string_view token) {
  std::vector<absl::string_view> parts = absl::StrSplit(token, ':');
  Provenance p;
  if (parts.size() < 4) return p;
  std::vector<absl::string_view> origin = absl::StrSplit(parts[3], absl::MaxSplits('.', 1));
  if (origin.size() == 2 && absl::SimpleAtoi(origin[1], &p.execution)) {
    p.strategy = std::string(origin[0]);
  }
  return p;
}

}  // namespace mmcheck
