// `list` and `run`; see commands.h.
#include "cli/commands.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "cli/json.h"
#include "explorer/io/token.h"
#include "explorer/runtime/explorer.h"
#include "explorer/runtime/scenario.h"
#include "explorer/search/dfs_strategy.h"
#include "explorer/search/dpor_strategy.h"
#include "explorer/search/pct_strategy.h"
#include "explorer/search/random_strategy.h"
#include "explorer/search/replay_strategy.h"
#include "viz/graph.h"
#include "viz/html_report.h"
#include "viz/race_diagram.h"
#include "viz/text_report.h"

namespace mmcheck {
namespace {

constexpr uint64_t kRandomDefaultExecutions = 1000;  // random and pct, unless told otherwise

struct Outcome {
  const ScenarioInstance* instance;
  ExploreResult result;
  std::string strategy;
  const Violation* shown = nullptr;  // the violation the verdict reports
  bool matches = false;
};

// Where the verdict comes from: the expected kind if it was found, else the first found.
void Judge(Outcome& o) {
  const Expect& expect = o.instance->info->expect;
  const ExploreResult& r = o.result;
  if (expect.finding()) {
    o.shown = r.Find(*expect.finding());
    o.matches = o.shown != nullptr;
  } else {
    o.matches = r.violations.empty() && r.complete;
  }
  if (o.shown == nullptr && !r.violations.empty()) o.shown = &r.violations.front();
}

std::string RunJson(const Outcome& o) {
  const ExploreResult& r = o.result;
  JsonObject json;
  json.Add("scenario", o.instance->name)
      .Add("expect", o.instance->info->expect.ToString())
      .Add("expect_finding", o.instance->info->expect.FindingString())
      .Add("verdict", r.violations.empty() ? "pass" : "violation")
      .Add("matches_expectation", o.matches)
      .Add("strategy", o.strategy)
      .Add("complete", r.complete)
      .Add("executions", r.executions)
      .Add("redundant_executions", r.redundant_executions)
      .Add("blocked_executions", r.blocked_executions)
      .Add("max_depth", r.max_depth)
      .Add("elapsed_s", r.elapsed_s);
  if (o.shown != nullptr) {
    const Violation& v = *o.shown;
    JsonObject violation;
    violation.Add("kind", KindName(v.kind))
        .Add("message", v.message)
        .Add("thread", v.thread >= 0 ? v.trace.thread_names[v.thread] : std::string())
        .Add("thread_index", v.thread)
        .Add("step", v.step)
        .Add("preemptions", v.preemptions)
        .Add("schedule", v.schedule);
    json.Add("violation", violation);
  }
  return json.str();
}

std::string Coverage(const Outcome& o) {
  switch (o.result.stop) {
    case StopReason::kExhausted:
      return o.result.complete ? "complete" : "bounded, not exhaustive (--max-preemptions)";
    case StopReason::kViolation:
      return "stopped at the violation";
    case StopReason::kMaxExecutions:
      return "bounded, not exhaustive (--max-executions)";
    case StopReason::kTimeLimit:
      return "bounded, not exhaustive (--time-limit)";
    case StopReason::kInputError:
      return "input error";
  }
  return "";
}

std::string TextLine(const Outcome& o) {
  const ExploreResult& r = o.result;
  std::string line = absl::StrFormat(
      "%-9s %s: %s (expect %s); %s: %d executions, max depth %d, %.2f s, %s\n",
      o.matches ? "[ok]" : "[MISMATCH]", o.instance->name,
      r.violations.empty() ? "pass" : absl::StrCat("violation:", KindName(o.shown->kind)),
      o.instance->info->expect.ToString(), o.strategy, r.executions, r.max_depth, r.elapsed_s,
      Coverage(o));
  for (const Violation& v : r.violations) {
    absl::StrAppend(&line, "    ", KindName(v.kind), ": ", v.message, "\n");
    absl::StrAppend(&line, "    replay: mmcheck run ", o.instance->name, " --replay=", v.schedule,
                    "\n");
  }
  return line;
}

absl::Status WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return absl::InvalidArgumentError(absl::StrCat("cannot write ", path.string()));
  return absl::OkStatus();
}

// For each violation, DIR/<scenario with '/' as '__'>.<kind> + .txt (text report), .race.txt
// (race diagram), .dot/.svg/.png (graph) and .html (all of it in one file).
absl::Status WriteReports(const std::string& dir, const Outcome& o) {
  for (const Violation& v : o.result.violations) {
    const std::string base =
        (std::filesystem::path(dir) /
         absl::StrCat(absl::StrReplaceAll(o.instance->name, {{"/", "__"}}), ".", KindName(v.kind)))
            .string();
    const std::string expect = o.instance->info->expect.ToString();
    const ReportHeader header{o.instance->name, expect, o.strategy};
    absl::Status s = WriteFile(base + ".txt", TextReport(header, v));
    if (s.ok()) s = WriteFile(base + ".race.txt", RaceDiagram(header, v));
    if (s.ok()) s = WriteGraph(header, v, base);
    absl::StatusOr<std::string> svg = GraphSvg(header, v);
    if (s.ok() && !svg.ok()) s = svg.status();
    if (s.ok()) s = WriteFile(base + ".html", HtmlReport(header, v, *svg));
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

std::unique_ptr<Strategy> MakeStrategy(const Options& options, const ScenarioInstance& instance,
                                       absl::Status* status) {
  if (options.replay) {
    absl::StatusOr<ReplayToken> token = ParseToken(instance.name, *options.replay);
    if (!token.ok()) {
      *status = token.status();
      return nullptr;
    }
    return std::make_unique<ReplayStrategy>(*std::move(token));
  }
  if (options.strategy == "random") {
    // The same seed for every scenario of a run, mixed with the name so they differ.
    return std::make_unique<RandomStrategy>(options.seed ^ ScenarioHash(instance.name));
  }
  if (options.strategy == "pct") {
    return std::make_unique<PctStrategy>(options.seed ^ ScenarioHash(instance.name),
                                         options.pct_depth);
  }
  if (options.strategy == "dfs") return std::make_unique<DfsStrategy>(options.max_preemptions);
  return std::make_unique<DporStrategy>();
}

}  // namespace

absl::StatusOr<int> ListCommand(const Options& options) {
  for (const ScenarioInfo* info : AllScenarios()) {
    if (options.json) {
      JsonObject json;
      json.Add("scenario", info->name)
          .Add("expect", info->expect.ToString())
          .Add("expect_finding", info->expect.FindingString())
          .Add("question", info->meta.question)
          .Add("spec", info->meta.spec)
          .Add("protocol", info->meta.protocol);
      std::printf("%s\n", json.str().c_str());
    } else {
      const std::string expect = info->expect.is_pass()
                                     ? "pass"
                                     : absl::StrCat("violation:", info->expect.FindingString());
      std::printf("%-32s %-26s %s\n", info->name.c_str(), expect.c_str(), info->meta.question);
    }
  }
  return 0;
}

absl::StatusOr<int> RunCommand(const Options& options) {
  std::vector<ScenarioInstance> instances;
  if (options.all) {
    instances = AllInstances();
  } else {
    for (const std::string& target : options.targets) {
      absl::StatusOr<std::vector<ScenarioInstance>> matched = MatchScenarios(target);
      if (!matched.ok()) return matched.status();
      instances.insert(instances.end(), matched->begin(), matched->end());
    }
  }
  if (!options.report_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options.report_dir, ec);
    if (ec || access(options.report_dir.c_str(), W_OK) != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot write reports to '", options.report_dir, "'"));
    }
  }
  FILE* json_out = nullptr;
  std::unique_ptr<FILE, int (*)(FILE*)> json_file(nullptr, &std::fclose);
  if (options.json) {
    if (options.json_path == "-") {
      json_out = stdout;
    } else {
      json_file.reset(std::fopen(options.json_path.c_str(), "w"));
      if (json_file == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat("cannot write '", options.json_path, "'"));
      }
      json_out = json_file.get();
    }
  }
  // With JSON on stdout the text lines go to stderr, so stdout stays one object per line.
  FILE* text_out = json_out == stdout ? stderr : stdout;
  const bool show_progress = isatty(STDERR_FILENO) != 0;

  // Scenarios run on `workers` threads, each whole search on one worker (its own stacks,
  // Execution and lockdep graph; the current Execution is thread-local). Results are printed,
  // written and judged by this thread in the scenarios' order as they come in, so the output does
  // not depend on the number of workers. Reports are written here too (Graphviz's layout is not
  // known to be thread-safe).
  const size_t n = instances.size();
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const int workers =
      static_cast<int>(std::min<size_t>(n, static_cast<size_t>(options.jobs > 0 ? options.jobs
                                                                                : cores)));
  struct Slot {
    std::optional<Outcome> outcome;
    absl::Status status;
    bool done = false;
    std::atomic<bool> running{false};
    std::atomic<uint64_t> executions{0};
    std::atomic<double> elapsed_s{0};
  };
  std::vector<Slot> slots(n);
  std::mutex mu;
  std::condition_variable finished;
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  auto explore_one = [&](size_t i) {
    const ScenarioInstance& instance = instances[i];
    Slot& slot = slots[i];
    absl::Status status;
    std::unique_ptr<Strategy> strategy = MakeStrategy(options, instance, &status);
    std::optional<Outcome> outcome;
    if (strategy != nullptr) {
      ExploreOptions explore;
      explore.scenario = instance.name;
      const std::optional<Finding>& expected = instance.info->expect.finding();
      if (expected) explore.target.emplace(Finding{expected->kind, expected->detail});
      explore.max_executions = options.max_executions;
      if (explore.max_executions == 0 && !strategy->exhaustive() && !options.replay) {
        explore.max_executions = kRandomDefaultExecutions;
      }
      explore.time_limit_s = options.time_limit_s;
      explore.limits.max_steps_per_thread = options.max_steps;
      explore.progress = [&slot](const ExploreProgress& p) {
        slot.executions = p.executions;
        slot.elapsed_s = p.elapsed_s;
      };
      slot.running = true;
      ExploreResult result = Explore([&instance] { instance.Run(); }, *strategy, explore);
      outcome.emplace(Outcome{&instance, std::move(result), std::string(strategy->name())});
      slot.running = false;
      status = outcome->result.status;
    }
    std::lock_guard<std::mutex> lock(mu);
    slot.outcome = std::move(outcome);
    slot.status = status;
    slot.done = true;
    finished.notify_all();
  };
  // Workers take the scenarios expected to pass first: their searches are exhaustive and hold
  // the long ones, while a twin mostly stops at its first violation. Starting the long ones early
  // keeps one worker from running the last of them alone. Only the order of work changes; the
  // output is still printed in the scenarios' order. One worker keeps that order, so each line
  // comes as soon as its scenario ends.
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  if (workers > 1) {
    std::stable_partition(order.begin(), order.end(),
                          [&](size_t i) { return instances[i].info->expect.is_pass(); });
  }
  std::vector<std::thread> pool;
  for (int w = 0; w < workers; ++w) {
    pool.emplace_back([&] {
      for (size_t k; !stop && (k = next++) < n;) explore_one(order[k]);
    });
  }
  auto join = [&] {
    stop = true;
    for (std::thread& t : pool) t.join();
  };
  // Progress on a terminal: the scenarios running, their executions so far.
  auto show = [&] {
    std::string line;
    for (Slot& slot : slots) {
      if (!slot.running || slot.elapsed_s < 1) continue;
      const size_t i = static_cast<size_t>(&slot - slots.data());
      absl::StrAppend(&line, line.empty() ? "" : "; ", instances[i].name, ": ",
                      slot.executions.load(), " executions, ",
                      absl::StrFormat("%.0f", slot.elapsed_s.load()), " s");
    }
    if (line.empty()) return;
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
  };

  int mismatches = 0;
  for (size_t i = 0; i < n; ++i) {
    Slot& slot = slots[i];
    {
      std::unique_lock<std::mutex> lock(mu);
      while (!slot.done) {
        if (finished.wait_for(lock, std::chrono::seconds(1)) == std::cv_status::timeout &&
            show_progress) {
          show();
        }
      }
    }
    if (show_progress) std::fprintf(stderr, "\r\033[K");
    if (!slot.status.ok()) {
      join();
      return slot.status;
    }
    Outcome& o = *slot.outcome;
    Judge(o);
    if (!o.matches) ++mismatches;
    std::fputs(TextLine(o).c_str(), text_out);
    // Flushed per scenario, so what was printed survives a later failure; a write that fails
    // (a full disk) is an input error, not a silent success.
    std::fflush(text_out);
    if (json_out != nullptr) {
      std::fprintf(json_out, "%s\n", RunJson(o).c_str());
      if (std::fflush(json_out) != 0 || std::ferror(json_out)) {
        join();
        return absl::InvalidArgumentError(absl::StrCat(
            "cannot write '", options.json_path == "-" ? "standard output" : options.json_path,
            "'"));
      }
    }
    if (!options.report_dir.empty()) {
      absl::Status s = WriteReports(options.report_dir, o);
      if (!s.ok()) {
        join();
        return s;
      }
    }
    slot.outcome.reset();  // its traces are printed: free them
  }
  join();
  std::fprintf(text_out, "%zu scenarios: %zu match their expectation, %d do not%s\n",
               instances.size(), instances.size() - static_cast<size_t>(mismatches), mismatches,
               options.report_dir.empty()
                   ? ""
                   : absl::StrCat("; reports in ", options.report_dir, "/").c_str());
  return mismatches == 0 ? 0 : 1;
}

}  // namespace mmcheck
