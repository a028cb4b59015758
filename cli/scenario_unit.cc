// See scenario_unit.h.
#include "cli/scenario_unit.h"

#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "cli/json.h"
#include "explorer/io/token.h"
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
      .Add("arch", o.instance->info->arch)
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

// Graphviz (libcgraph's dictionaries, libgvc's context) is not known to be thread-safe: the
// workers of one process render one violation at a time.
std::mutex graphviz_mu;

}  // namespace

std::vector<std::string> ReportBaseNames(absl::string_view scenario,
                                         const std::vector<Violation>& violations) {
  std::vector<std::string> bases;
  std::map<ViolationKind, int> seen;
  for (const Violation& v : violations) {
    const int n = ++seen[v.kind];
    bases.push_back(absl::StrCat(absl::StrReplaceAll(scenario, {{"/", "__"}}), ".",
                                 KindName(v.kind), n > 1 ? absl::StrCat("-", n) : ""));
  }
  return bases;
}

namespace {

// For each violation, its base name (ReportBaseNames) + .txt (text report), .race.txt (race
// diagram), .dot/.svg/.png (graph) and .html (all of it in one file).
absl::Status RenderReports(const Outcome& o,
                           std::vector<std::pair<std::string, std::string>>* files) {
  const std::vector<std::string> bases = ReportBaseNames(o.instance->name, o.result.violations);
  for (size_t i = 0; i < bases.size(); ++i) {
    const Violation& v = o.result.violations[i];
    const std::string& base = bases[i];
    const std::string expect = o.instance->info->expect.ToString();
    const ReportHeader header{o.instance->name, expect, o.strategy};
    std::lock_guard<std::mutex> lock(graphviz_mu);
    absl::StatusOr<RenderedGraph> graph = RenderGraph(header, v);
    if (!graph.ok()) return graph.status();
    files->emplace_back(base + ".txt", TextReport(header, v));
    files->emplace_back(base + ".race.txt", RaceDiagram(header, v));
    files->emplace_back(base + ".html", HtmlReport(header, v, graph->svg));
    files->emplace_back(base + ".dot", std::move(graph->dot));
    files->emplace_back(base + ".svg", std::move(graph->svg));
    files->emplace_back(base + ".png", std::move(graph->png));
  }
  return absl::OkStatus();
}

// The encoding: a magic word, then each field as a little-endian 64-bit length or number followed
// by its bytes.
constexpr absl::string_view kMagic = "mmcheck-unit-1";

void Put(std::string* out, uint64_t n) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((n >> (8 * i)) & 0xff));
}
void Put(std::string* out, absl::string_view bytes) {
  Put(out, static_cast<uint64_t>(bytes.size()));
  out->append(bytes.data(), bytes.size());
}

struct Reader {
  absl::string_view in;
  bool ok = true;
  uint64_t Number() {
    if (in.size() < 8) {
      ok = false;
      return 0;
    }
    uint64_t n = 0;
    for (int i = 0; i < 8; ++i)
      n |= static_cast<uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
    in.remove_prefix(8);
    return n;
  }
  std::string Bytes() {
    const uint64_t size = Number();
    if (!ok || size > in.size()) {
      ok = false;
      return std::string();
    }
    std::string bytes(in.substr(0, size));
    in.remove_prefix(size);
    return bytes;
  }
};

}  // namespace

UnitResult RunUnit(const Options& options, const ScenarioInstance& instance,
                   const std::function<void(const ExploreProgress&)>& progress) {
  UnitResult unit;
  std::unique_ptr<Strategy> strategy = MakeStrategy(options, instance, &unit.status);
  if (strategy == nullptr) return unit;
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
  explore.limits.hang_limit_s = options.hang_limit_s;
  explore.progress = progress;
  Outcome o{&instance, Explore([&instance] { instance.Run(); }, *strategy, explore),
            std::string(strategy->name())};
  unit.status = o.result.status;
  if (!unit.status.ok()) return unit;
  Judge(o);
  unit.matches = o.matches;
  unit.text = TextLine(o);
  unit.json = RunJson(o);
  if (!options.report_dir.empty()) unit.status = RenderReports(o, &unit.files);
  return unit;
}

std::string EncodeUnit(uint64_t index, const UnitResult& result) {
  std::string out(kMagic);
  Put(&out, index);
  Put(&out, static_cast<uint64_t>(result.status.code()));
  Put(&out, result.status.message());
  Put(&out, static_cast<uint64_t>(result.matches));
  Put(&out, result.text);
  Put(&out, result.json);
  Put(&out, static_cast<uint64_t>(result.files.size()));
  for (const auto& [name, contents] : result.files) {
    Put(&out, name);
    Put(&out, contents);
  }
  return out;
}

absl::StatusOr<std::pair<uint64_t, UnitResult>> DecodeUnit(absl::string_view bytes) {
  const absl::Status bad = absl::InternalError("a worker sent a result this mmcheck cannot read");
  if (!absl::StartsWith(bytes, kMagic)) return bad;
  Reader r{bytes.substr(kMagic.size())};
  const uint64_t index = r.Number();
  UnitResult result;
  const uint64_t code = r.Number();
  const std::string message = r.Bytes();
  if (code > static_cast<uint64_t>(absl::StatusCode::kUnauthenticated)) return bad;
  result.status = absl::Status(static_cast<absl::StatusCode>(code), message);
  result.matches = r.Number() != 0;
  result.text = r.Bytes();
  result.json = r.Bytes();
  const uint64_t files = r.Number();
  for (uint64_t i = 0; r.ok && i < files; ++i) {
    std::string name = r.Bytes();
    std::string contents = r.Bytes();
    result.files.emplace_back(std::move(name), std::move(contents));
  }
  if (!r.ok || !r.in.empty()) return bad;
  return std::pair{index, std::move(result)};
}

}  // namespace mmcheck
