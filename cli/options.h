// The command line of architecture.md section 6, parsed into a value.
//
//   mmcheck list [--json]
//   mmcheck run NAME|PATTERN|--all [--strategy=S] [--max-executions=N] [--time-limit=SECONDS]
//               [--seed=N] [--replay=TOKEN] [--json=FILE|-] [--report=DIR] [--max-steps=N]
//               [--jobs=N] [--hang-limit=SECONDS]
//
// Any malformed input is an InvalidArgument status with a one-line message (exit 2).
#ifndef MMCHECK_CLI_OPTIONS_H_
#define MMCHECK_CLI_OPTIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace mmcheck {

struct Options {
  enum class Command { kList, kRun, kHelp };
  Command command = Command::kHelp;
  bool json = false;                 // list --json, or run --json=...
  std::string json_path;             // run: "-" for stdout
  std::vector<std::string> targets;  // run: names or patterns
  bool all = false;
  std::string strategy = "dpor";
  bool strategy_given = false;
  int max_preemptions = -1;  // -1: no bound
  int pct_depth = 3;
  uint64_t max_executions = 0;  // 0: the strategy's default
  double time_limit_s = 0;
  uint64_t seed = 0;
  std::optional<std::string> replay;
  std::string report_dir;
  int max_steps = 10000;
  // A scenario thread running this long between two visible operations is stopped: livelock.
  double hang_limit_s = 10;
  // Scenarios explored at once, each in its own worker thread (0: the machine's cores). One
  // scenario's search stays on one worker; results and output do not depend on the number.
  int jobs = 0;
};

absl::StatusOr<Options> ParseOptions(const std::vector<std::string>& args);

// The usage text printed by `mmcheck help` and on a missing command.
const char* UsageText();

}  // namespace mmcheck

#endif  // MMCHECK_CLI_OPTIONS_H_
