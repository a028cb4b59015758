// Command-line parsing; see options.h.
#include "cli/options.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "explorer/io/suggest.h"

#ifndef MMCHECK_VERSION
#define MMCHECK_VERSION "unknown"
#endif

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
absl::Status ParseSeconds(absl::string_view flag, const std::string& value, double* seconds) {
  const bool decimal = !value.empty() &&
                       value.find_first_not_of("0123456789.") == std::string::npos &&
                       std::count(value.begin(), value.end(), '.') <= 1 && value.front() != '.' &&
                       value.back() != '.';
  if (!decimal || !absl::SimpleAtod(value, seconds) || !(*seconds > 0) ||
      !std::isfinite(*seconds)) {
    return Bad(absl::StrCat(flag, " wants a positive number of seconds, not '", value, "'"));
  }
  return absl::OkStatus();
}

constexpr const char* kExitCodes =
    "Results do not depend on --jobs or on the number of MPI ranks (mpirun -n K mmcheck run).\n"
    "--json=- writes the objects to stdout and the text lines to stderr. A violation's reports\n"
    "(--report) are its text report, race diagram, graph (dot, svg, png) and HTML page.\n"
    "\n"
    "Exit codes:\n"
    "  0  every scenario's result matches its expectation (a pass scenario passes exhaustively,\n"
    "     a twin shows its declared finding)\n"
    "  1  some do not (a pass scenario cut short by a limit is not a pass)\n"
    "  2  usage or input error, one line 'mmcheck: ...' on stderr\n"
    "  130  interrupted (Ctrl-C): what was explored so far is summarized first\n"
    "A scenario that crashes, hangs or runs out of memory is a finding, not an exit 2.\n"
    "Details: docs/cli.md.";

// The option values as typed; ParseOptions reads them into Options.
struct Raw {
  bool json_flag = false;  // list --json
  bool all = false;
  bool verbose = false;
  std::vector<std::string> targets;
  std::string strategy, max_preemptions, pct_depth, max_executions, time_limit, seed, replay,
      json, junit, report, max_steps, jobs, hang_limit, progress;
};

struct Parser {
  CLI::App app{"mmcheck: a deterministic concurrency model checker for Linux mm locking.",
               "mmcheck"};
  CLI::App* list = nullptr;
  CLI::App* run = nullptr;
  Raw raw;
};

// The whole grammar; HelpText prints it, ParseOptions parses with it.
std::unique_ptr<Parser> MakeParser() {
  auto p = std::make_unique<Parser>();
  CLI::App& app = p->app;
  Raw& raw = p->raw;
  app.footer(
      "mmcheck help run: every option of run, and the exit codes.\n"
      "mmcheck run 'swap/*' --report=reports: every swap scenario, with reports of violations.");
  p->list = app.add_subcommand("list", "List the scenarios and what they expect");
  p->list->add_flag("--json", raw.json_flag,
                    "One JSON object per scenario");
  CLI::App* run = p->run = app.add_subcommand(
      "run",
      "Explore scenarios and judge each against its expectation.");
  run->add_option("targets", raw.targets,
                  "Names or patterns ('swap/*'): mmcheck list")
      ->type_name("NAME|PATTERN");
  run->add_flag("--all", raw.all, "Every scenario.");
  run->add_flag("--verbose", raw.verbose, "Race diagrams with every step (lock internals too)");
  run->add_option("--strategy", raw.strategy,
                  "dpor (default), dfs, random or pct")
      ->type_name("S");
  run->add_option("--max-preemptions", raw.max_preemptions,
                  "dfs bounded to N preemptions (not exhaustive)")
      ->type_name("N");
  run->add_option("--pct-depth", raw.pct_depth, "pct's bug depth (default 3)")->type_name("D");
  run->add_option("--max-executions", raw.max_executions,
                  "Stop each search after N (random, pct: 1000)")
      ->type_name("N");
  run->add_option("--time-limit", raw.time_limit, "Stop each search after SECONDS")
      ->type_name("SECONDS");
  run->add_option("--seed", raw.seed, "Seed of random and pct (default 0)")->type_name("N");
  run->add_option("--replay", raw.replay,
                  "Replay a violation's token (one scenario)")
      ->type_name("TOKEN");
  run->add_option("--json", raw.json,
                  "A JSON object per scenario to FILE or stdout")
      ->type_name("FILE|-");
  run->add_option("--junit", raw.junit,
                  "A JUnit XML report to FILE")
      ->type_name("FILE");
  run->add_option("--report", raw.report,
                  "Write each violation's reports to DIR")
      ->type_name("DIR");
  run->add_option("--max-steps", raw.max_steps,
                  "Longer executions are a finding (default 10000)")
      ->type_name("N");
  run->add_option("--jobs", raw.jobs,
                  "Scenarios at once (default: every core)")
      ->type_name("N");
  run->add_option("--hang-limit", raw.hang_limit,
                  "A thread that long between steps: livelock (10)")
      ->type_name("SECONDS");
  run->add_option("--progress", raw.progress,
                  "A progress line every SECONDS (1 on a terminal, 5 otherwise)")
      ->type_name("SECONDS");
  run->footer(kExitCodes);
  return p;
}

// The long option names of a command, for suggestions.
std::vector<std::string> OptionNames(CLI::App* command) {
  std::vector<std::string> names;
  for (const CLI::Option* option : command->get_options()) {
    for (const std::string& name : option->get_lnames()) names.push_back("--" + name);
  }
  return names;
}

}  // namespace

const char* Version() { return MMCHECK_VERSION; }

std::string HelpText(absl::string_view topic) {
  std::unique_ptr<Parser> p = MakeParser();
  if (topic == "run") return p->run->help("mmcheck");
  if (topic == "list") return p->list->help("mmcheck");
  return p->app.help();
}

absl::StatusOr<Options> ParseOptions(const std::vector<std::string>& args) {
  Options options;
  if (args.empty()) {
    return Bad("missing command: use 'mmcheck list', 'mmcheck run NAME' or 'mmcheck help'");
  }
  const std::string& command = args[0];
  if (command == "--version" || command == "version") {
    if (args.size() > 1) return Bad(absl::StrCat(command, " takes no argument '", args[1], "'"));
    options.command = Options::Command::kVersion;
    return options;
  }
  if (command == "help" || command == "--help" || command == "-h") {
    if (args.size() > 2) return Bad(absl::StrCat("help takes one command, not '", args[2], "'"));
    if (args.size() == 2) {
      options.help_topic = args[1];
      if (options.help_topic != "list" && options.help_topic != "run") {
        return Bad(absl::StrCat("no help on '", options.help_topic, "'",
                                DidYouMean(options.help_topic, {"list", "run"}),
                                ": use 'mmcheck help list' or 'mmcheck help run'"));
      }
    }
    return options;
  }
  if (command != "list" && command != "run") {
    return Bad(absl::StrCat("unknown command '", command, "'",
                            DidYouMean(command, {"list", "run", "help"}),
                            ": use 'list', 'run' or 'help'"));
  }
  // One parser per thread, reset for each parse: building CLI11's App (its options, their
  // names and help) costs far more than a parse.
  static thread_local std::unique_ptr<Parser> cached = MakeParser();
  Parser* p = cached.get();
  p->raw = Raw{};
  p->app.clear();
  CLI::App* sub = command == "run" ? p->run : p->list;
  // `run ... --help`: the command's help, whatever else is there.
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--") break;
    if (args[i] == "--help" || args[i] == "-h" || absl::StartsWith(args[i], "--help=")) {
      options.help_topic = command;
      return options;
    }
  }
  // Unknown options first, with the closest known one: CLI11 would only list them.
  const std::vector<std::string> names = OptionNames(sub);
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") break;
    if (!absl::StartsWith(arg, "-") || arg == "-") continue;
    const std::string flag = arg.substr(0, arg.find('='));
    if (std::find(names.begin(), names.end(), flag) != names.end()) {
      // CLI11 would read `--all=0` as "not --all", and any other value as true.
      if (flag != arg && sub->get_option(flag)->get_items_expected_max() == 0) {
        return Bad(absl::StrCat("option '", flag, "' takes no value"));
      }
      continue;
    }
    return Bad(absl::StrCat("unknown option '", flag, "' for ", command, DidYouMean(flag, names),
                            " (see: mmcheck help ", command, ")"));
  }
  // CLI11 wants the arguments in reverse order.
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    p->app.parse(reversed);
  } catch (const CLI::Error& e) {
    // One line: CLI11's messages are; main() escapes what the user typed.
    return Bad(absl::StrCat(command, ": ", e.what()));
  }
  const Raw& raw = p->raw;
  if (command == "list") {
    options.command = Options::Command::kList;
    options.json = raw.json_flag;
    return options;
  }
  options.command = Options::Command::kRun;
  options.targets = raw.targets;
  options.all = raw.all;
  options.verbose = raw.verbose;
  // Each valued option: its value as typed, and whether it was given.
  auto given = [&](const char* name) { return p->run->get_option(name)->count() > 0; };
  auto value = [&](const char* name, const std::string& text) -> absl::StatusOr<std::string> {
    if (text.empty()) return Bad(absl::StrCat("option '", name, "' needs a value: ", name, "=..."));
    return text;
  };
  absl::Status status;
  auto number = [&](const char* name, const std::string& text, auto min, auto* out) {
    if (!status.ok() || !given(name)) return;
    absl::StatusOr<std::string> v = value(name, text);
    status = v.ok() ? ParseNumber(name, *v, min, out) : v.status();
  };
  auto seconds = [&](const char* name, const std::string& text, double* out) {
    if (!status.ok() || !given(name)) return;
    absl::StatusOr<std::string> v = value(name, text);
    status = v.ok() ? ParseSeconds(name, *v, out) : v.status();
  };
  auto string = [&](const char* name, const std::string& text, std::string* out) {
    if (!status.ok() || !given(name)) return;
    absl::StatusOr<std::string> v = value(name, text);
    if (v.ok()) {
      *out = *v;
    } else {
      status = v.status();
    }
  };
  string("--strategy", raw.strategy, &options.strategy);
  if (status.ok() && given("--strategy")) {
    options.strategy_given = true;
    if (options.strategy != "dpor" && options.strategy != "dfs" && options.strategy != "random" &&
        options.strategy != "pct") {
      return Bad(absl::StrCat("unknown strategy '", options.strategy, "'",
                              DidYouMean(options.strategy, {"dpor", "dfs", "random", "pct"}),
                              ": use dpor, dfs, random or pct"));
    }
  }
  number("--max-preemptions", raw.max_preemptions, 0, &options.max_preemptions);
  number("--pct-depth", raw.pct_depth, 1, &options.pct_depth);
  number("--max-executions", raw.max_executions, uint64_t{1}, &options.max_executions);
  seconds("--time-limit", raw.time_limit, &options.time_limit_s);
  seconds("--hang-limit", raw.hang_limit, &options.hang_limit_s);
  seconds("--progress", raw.progress, &options.progress_s);
  number("--seed", raw.seed, uint64_t{0}, &options.seed);
  number("--max-steps", raw.max_steps, 1, &options.max_steps);
  number("--jobs", raw.jobs, 1, &options.jobs);
  if (status.ok() && options.jobs > 1024) status = Bad("--jobs wants at most 1024 workers");
  std::string replay;
  string("--replay", raw.replay, &replay);
  if (given("--replay")) options.replay = replay;
  string("--json", raw.json, &options.json_path);
  options.json = given("--json");
  string("--junit", raw.junit, &options.junit_path);
  string("--report", raw.report, &options.report_dir);
  if (!status.ok()) return status;

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
  if (!options.junit_path.empty() && options.junit_path == options.json_path) {
    return Bad("--json and --junit name the same file");
  }
  // Options the run will not use: said, not silently dropped.
  const bool sampling = options.strategy == "random" || options.strategy == "pct";
  if (options.replay) {
    for (const char* name : {"--strategy", "--seed", "--pct-depth", "--max-preemptions",
                             "--max-executions", "--time-limit"}) {
      if (given(name)) {
        options.warnings.push_back(
            absl::StrCat(name, " is ignored: --replay runs the token's one schedule"));
      }
    }
  } else {
    if (given("--seed") && !sampling) {
      options.warnings.push_back(absl::StrCat(
          "--seed is ignored by --strategy=", options.strategy, ": it seeds random and pct"));
    }
    if (given("--pct-depth") && options.strategy != "pct") {
      options.warnings.push_back(absl::StrCat("--pct-depth is ignored by --strategy=",
                                              options.strategy, ": it sets pct's depth"));
    }
  }
  return options;
}

}  // namespace mmcheck
