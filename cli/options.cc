// Command-line parsing; see options.h.
#include "cli/options.h"

#include <algorithm>
#include <cmath>
#include <iterator>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace mmcheck {
namespace {

absl::Status Bad(absl::string_view message) { return absl::InvalidArgumentError(message); }

template <typename T>
absl::Status ParseNumber(absl::string_view flag, absl::string_view text, T min, T* out) {
  T value{};
  if (text.empty() || text[0] == '+' || !absl::SimpleAtoi(text, &value) || value < min) {
    return Bad(absl::StrCat(flag, " wants an integer of at least ", min, ", not '", text, "'"));
  }
  *out = value;
  return absl::OkStatus();
}

// A positive number of seconds, in plain decimal only, like every other number (strtod would
// take "0x10", "1e3", "inf").
absl::Status ParseSeconds(const std::string& flag, const std::string& value, double* seconds) {
  const bool decimal = value.find_first_not_of("0123456789.") == std::string::npos &&
                       std::count(value.begin(), value.end(), '.') <= 1 && value.front() != '.' &&
                       value.back() != '.';
  if (!decimal || !absl::SimpleAtod(value, seconds) || !(*seconds > 0) ||
      !std::isfinite(*seconds)) {
    return Bad(absl::StrCat(flag, " wants a positive number of seconds, not '", value, "'"));
  }
  return absl::OkStatus();
}

}  // namespace

const char* UsageText() {
  return "usage: mmcheck list [--json]\n"
         "       mmcheck run NAME|PATTERN|--all [--strategy=dpor|dfs|random|pct]\n"
         "                   [--max-preemptions=N] [--pct-depth=D] [--max-executions=N]\n"
         "                   [--time-limit=SECONDS] [--seed=N] [--replay=TOKEN]\n"
         "                   [--json=FILE|-] [--report=DIR] [--max-steps=N] [--jobs=N]\n"
         "                   [--hang-limit=SECONDS]\n";
}

absl::StatusOr<Options> ParseOptions(const std::vector<std::string>& args) {
  Options options;
  if (args.empty()) return Bad("missing command: use 'mmcheck list' or 'mmcheck run NAME'");
  const std::string& command = args[0];
  if (command == "help" || command == "--help" || command == "-h") return options;
  if (command == "list") {
    options.command = Options::Command::kList;
  } else if (command == "run") {
    options.command = Options::Command::kRun;
  } else {
    return Bad(absl::StrCat("unknown command '", command, "': use 'list' or 'run'"));
  }
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!absl::StartsWith(arg, "--")) {
      if (options.command == Options::Command::kList) {
        return Bad(absl::StrCat("list takes no argument '", arg, "'"));
      }
      options.targets.push_back(arg);
      continue;
    }
    const size_t eq = arg.find('=');
    const std::string flag = arg.substr(0, eq);
    const bool has_value = eq != std::string::npos;
    const std::string value = has_value ? arg.substr(eq + 1) : "";
    if (options.command == Options::Command::kList) {
      if (flag == "--json" && !has_value) {
        options.json = true;
        continue;
      }
      return Bad(absl::StrCat("unknown option '", arg, "' for list"));
    }
    if (flag == "--all" && !has_value) {
      options.all = true;
      continue;
    }
    static const char* const kValued[] = {
        "--strategy", "--max-executions", "--time-limit",      "--seed",     "--replay", "--json",
        "--report",   "--max-steps",      "--max-preemptions", "--pct-depth", "--jobs",
        "--hang-limit"};
    if (std::find(std::begin(kValued), std::end(kValued), flag) == std::end(kValued)) {
      return Bad(absl::StrCat("unknown option '", arg, "'"));
    }
    if (!has_value || value.empty()) {
      return Bad(absl::StrCat("option '", flag, "' needs a value: ", flag, "=..."));
    }
    absl::Status status;
    if (flag == "--strategy") {
      if (value != "dpor" && value != "dfs" && value != "random" && value != "pct") {
        return Bad(absl::StrCat("unknown strategy '", value, "': use dpor, dfs, random or pct"));
      }
      options.strategy = value;
      options.strategy_given = true;
    } else if (flag == "--max-preemptions") {
      status = ParseNumber<int>(flag, value, 0, &options.max_preemptions);
    } else if (flag == "--pct-depth") {
      status = ParseNumber<int>(flag, value, 1, &options.pct_depth);
    } else if (flag == "--max-executions") {
      status = ParseNumber<uint64_t>(flag, value, 1, &options.max_executions);
    } else if (flag == "--time-limit") {
      status = ParseSeconds(flag, value, &options.time_limit_s);
    } else if (flag == "--hang-limit") {
      status = ParseSeconds(flag, value, &options.hang_limit_s);
    } else if (flag == "--seed") {
      status = ParseNumber<uint64_t>(flag, value, 0, &options.seed);
    } else if (flag == "--replay") {
      options.replay = value;
    } else if (flag == "--json") {
      options.json = true;
      options.json_path = value;
    } else if (flag == "--report") {
      options.report_dir = value;
    } else if (flag == "--max-steps") {
      status = ParseNumber<int>(flag, value, 1, &options.max_steps);
    } else if (flag == "--jobs") {
      status = ParseNumber<int>(flag, value, 1, &options.jobs);
      if (status.ok() && options.jobs > 1024) status = Bad("--jobs wants at most 1024 workers");
    } else {
      return Bad(absl::StrCat("unknown option '", arg, "'"));
    }
    if (!status.ok()) return status;
  }
  if (options.command == Options::Command::kRun) {
    if (options.all == !options.targets.empty()) {
      return Bad("run wants scenario names or patterns, or --all, but not both");
    }
    if (options.max_preemptions >= 0) {
      // Bounding on top of DPOR loses executions (Coons et al. OOPSLA'13): bound dfs instead.
      if (options.strategy_given && options.strategy != "dfs") {
        return Bad("--max-preemptions bounds the dfs search; use it with --strategy=dfs or alone");
      }
      options.strategy = "dfs";
    }
    if (options.replay && (options.all || options.targets.size() != 1 ||
                           options.targets[0].find_first_of("*?[") != std::string::npos)) {
      return Bad("--replay needs exactly one scenario name");
    }
  }
  return options;
}

}  // namespace mmcheck
