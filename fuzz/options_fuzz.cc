// libFuzzer target: command lines. The input is the arguments, one per line; ParseOptions must
// return options or a one-line error, and each scenario pattern of a `run` (the first four) must
// match or fail with one line. A crash, a sanitizer report, a leak or an out-of-memory is a finding; see
// scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "cli/options.h"
#include "explorer/runtime/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  const std::vector<std::string> args = absl::StrSplit(text, '\n');
  absl::StatusOr<mmcheck::Options> options = mmcheck::ParseOptions(args);
  if (!options.ok()) {
    if (options.status().message().find('\n') != absl::string_view::npos) __builtin_trap();
    return 0;
  }
  // The first few patterns only: one pattern exercises the matcher as well as hundreds, and
  // inputs of hundreds of `*` lines (each matching every scenario) slowed the target from 30,000
  // to under 1,500 inputs a second.
  constexpr size_t kMaxTargets = 4;
  for (size_t i = 0; i < options->targets.size() && i < kMaxTargets; ++i) {
    const std::string& target = options->targets[i];
    absl::StatusOr<std::vector<mmcheck::ScenarioInstance>> matched =
        mmcheck::MatchScenarios(target);
    if (!matched.ok() && matched.status().message().find('\n') != absl::string_view::npos) {
      __builtin_trap();
    }
    if (matched.ok() && matched->empty()) __builtin_trap();  // no match is an error, not nothing
  }
  return 0;
}
