// The command line, parsed into a value. The grammar, every option and the exit codes are in
// `mmcheck help run` (HelpText below) and docs/cli.md:
//
//   mmcheck list [--json]
//   mmcheck run NAME|PATTERN...|--all [options]
//   mmcheck help [list|run]
//   mmcheck --version
//
// The parser is CLI11's (Debian's libcli11-dev): it knows the options of each command, writes
// their help and takes both `--opt=value` and `--opt value`. Values are read here, not by
// CLI11, so that numbers stay plain decimal (CLI11 would take `0x10` and `010`, octal).
// Any malformed input is an InvalidArgument status with a one-line message (exit 2); an
// unknown command or option says which known one is closest.
#ifndef MMCHECK_CLI_OPTIONS_H_
#define MMCHECK_CLI_OPTIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mmcheck {

struct Options {
  enum class Command { kList, kRun, kHelp, kVersion };
  Command command = Command::kHelp;
  std::string help_topic;            // help: "", "list" or "run"
  bool json = false;                 // list --json, or run --json=...
  std::string json_path;             // run: "-" for stdout
  std::string junit_path;            // run --junit=FILE: a JUnit XML report for CI systems
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
  // Race diagrams with every step, not one line per kernel call.
  bool verbose = false;
  // Seconds between progress lines on stderr (0: the default, 1 on a terminal, 5 otherwise).
  double progress_s = 0;
  // The command as typed, for replay lines: "mmcheck", or a checker built on mmcheck::main.
  std::string program = "mmcheck";
  // Options given that the run ignores (`--seed` with dpor): one line each, printed as a warning.
  std::vector<std::string> warnings;
};

absl::StatusOr<Options> ParseOptions(const std::vector<std::string>& args);

// `mmcheck help` (topic ""), `mmcheck help list`, `mmcheck help run`: the commands, or every
// option of one command with the exit codes.
std::string HelpText(absl::string_view topic);

// mmcheck's version, as `--version` prints it and `run --json` reports it.
const char* Version();

}  // namespace mmcheck

#endif  // MMCHECK_CLI_OPTIONS_H_
