// Scenario registry; see scenario.h.
#include "explorer/runtime/scenario.h"

#include <fnmatch.h>

#include <algorithm>
#include <memory>

#include "absl/functional/function_ref.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "explorer/io/suggest.h"
#include "explorer/runtime/check.h"

namespace mmcheck {
namespace {

std::vector<std::unique_ptr<ScenarioInfo>>& Storage() {
  static auto* storage = new std::vector<std::unique_ptr<ScenarioInfo>>();
  return *storage;
}

std::vector<const ScenarioInfo*>& Sorted() {
  static auto* sorted = new std::vector<const ScenarioInfo*>();
  return *sorted;
}

// "bench/lastzero-N" -> "bench/lastzero-".
absl::string_view FamilyPrefix(const ScenarioInfo& info) {
  return absl::string_view(info.name).substr(0, info.name.size() - 1);
}

std::string InstanceName(const ScenarioInfo& info, int param) {
  return absl::StrCat(FamilyPrefix(info), param);
}

thread_local const ScenarioInfo* running = nullptr;  // per worker (--jobs)

// A scenario whose declared finding is a thread's death by a signal needs the crash guard, which
// an AddressSanitizer build does not have (ASan handles those signals itself: the process would
// die instead of reporting the finding). Such a build leaves them out of --all and of patterns,
// and refuses them by name.
bool NeedsCrashGuard(const ScenarioInfo& info) {
  const std::optional<ViolationKind> kind = info.expect.kind();
  return kind == ViolationKind::kCrash || kind == ViolationKind::kStackOverflow;
}

bool Available(const ScenarioInfo& info) {
#ifdef MMCHECK_ASAN
  return !NeedsCrashGuard(info);
#else
  (void)NeedsCrashGuard;
  (void)info;
  return true;
#endif
}

}  // namespace

std::string ArchOfName(absl::string_view name) {
  const size_t plus = name.find('+');
  if (plus == absl::string_view::npos) return "x86";
  absl::string_view arch = name.substr(plus + 1);
  arch = arch.substr(0, arch.find('@'));
  for (absl::string_view known : {"arm64", "x86-guest", "x86"}) {
    if (arch == known) return std::string(known);
  }
  return "";
}

void ScenarioInstance::Run() const {
  struct Running {
    explicit Running(const ScenarioInfo* info) { running = info; }
    ~Running() { running = nullptr; }
  } scope(info);
  info->body(param);
}

const ScenarioInfo* RunningScenario() { return running; }

std::string Expect::ToString() const {
  return finding_ ? absl::StrCat("violation:", KindName(finding_->kind)) : "pass";
}

bool RegisterScenario(ScenarioInfo info) {
  MMCHECK_CHECK(!info.family || absl::EndsWith(info.name, "-N"));
  for (const auto& existing : Storage()) MMCHECK_CHECK(existing->name != info.name);
  info.arch = ArchOfName(info.name);
  MMCHECK_CHECK(!info.arch.empty());  // a "+..." that names no arch
  Storage().push_back(std::make_unique<ScenarioInfo>(std::move(info)));
  Sorted().push_back(Storage().back().get());
  std::sort(Sorted().begin(), Sorted().end(),
            [](const ScenarioInfo* a, const ScenarioInfo* b) { return a->name < b->name; });
  return true;
}

const std::vector<const ScenarioInfo*>& AllScenarios() { return Sorted(); }

absl::StatusOr<ScenarioInstance> FindScenario(absl::string_view name) {
  for (const ScenarioInfo* info : Sorted()) {
    if (!info->family) {
      if (info->name != name) continue;
      if (!Available(*info)) {
        return absl::InvalidArgumentError(
            absl::StrCat(info->name, " needs the crash guard, which an AddressSanitizer build does "
                                     "not have"));
      }
      return ScenarioInstance{info->name, info, 0};
    }
    const absl::string_view prefix = FamilyPrefix(*info);
    if (!absl::StartsWith(name, prefix)) continue;
    const absl::string_view digits = name.substr(prefix.size());
    int param = 0;
    if (digits.empty() || digits[0] == '+' || digits[0] == '-' ||
        !absl::SimpleAtoi(digits, &param)) {
      continue;
    }
    if (param < info->meta.min_param || param > info->meta.max_param) {
      return absl::InvalidArgumentError(absl::StrCat(info->name, " takes N from ",
                                                     info->meta.min_param, " to ",
                                                     info->meta.max_param, ", not ", param));
    }
    return ScenarioInstance{std::string(name), info, param};
  }
  return absl::NotFoundError(absl::StrCat(
      "no scenario named '", name, "'", DidYouMean(name, InstanceNames()), " (see: mmcheck list)"));
}

namespace {

// The instances of every available scenario in list order (a family's for each of its
// all_params) whose names `keep` accepts; only those are built.
std::vector<ScenarioInstance> Instances(absl::FunctionRef<bool(const std::string&)> keep) {
  std::vector<ScenarioInstance> all;
  for (const ScenarioInfo* info : Sorted()) {
    if (!Available(*info)) continue;
    if (!info->family) {
      if (keep(info->name)) all.push_back(ScenarioInstance{info->name, info, 0});
      continue;
    }
    for (int param : info->meta.all_params) {
      std::string name = InstanceName(*info, param);
      if (keep(name)) all.push_back(ScenarioInstance{std::move(name), info, param});
    }
  }
  return all;
}

}  // namespace

std::vector<ScenarioInstance> AllInstances() {
  return Instances([](const std::string&) { return true; });
}

const std::vector<std::string>& InstanceNames() {
  // The registry is complete before main() and never changes: listed once.
  static const std::vector<std::string> names = [] {
    std::vector<std::string> all;
    for (const ScenarioInstance& instance : AllInstances()) all.push_back(instance.name);
    return all;
  }();
  return names;
}

absl::StatusOr<std::vector<ScenarioInstance>> MatchScenarios(absl::string_view pattern) {
  const bool glob = pattern.find_first_of("*?[") != absl::string_view::npos;
  if (!glob) {
    absl::StatusOr<ScenarioInstance> one = FindScenario(pattern);
    if (!one.ok()) return one.status();
    return std::vector<ScenarioInstance>{*std::move(one)};
  }
  const std::string pat(pattern);
  std::vector<ScenarioInstance> matched = Instances(
      [&pat](const std::string& name) { return fnmatch(pat.c_str(), name.c_str(), 0) == 0; });
  if (matched.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no scenario matches '", pattern, "' (see: mmcheck list)"));
  }
  return matched;
}

}  // namespace mmcheck
