// See scenario_unit.h.
#include "cli/scenario_unit.h"

#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "nlohmann/json.hpp"
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

// A violation's report files: its base name (ReportBaseNames) and each of these, in this order:
// text report, race diagram, HTML page (all of it in one file), graph as dot, svg and png.
constexpr const char* kReportExtensions[] = {".txt", ".race.txt", ".html", ".dot", ".svg", ".png"};

const char* StopName(StopReason stop) {
  switch (stop) {
    case StopReason::kExhausted:
      return "exhausted";
    case StopReason::kViolation:
      return "violation";
    case StopReason::kMaxExecutions:
      return "max-executions";
    case StopReason::kTimeLimit:
      return "time-limit";
    case StopReason::kInterrupted:
      return "interrupted";
    case StopReason::kInputError:
      return "input-error";
  }
  return "";
}

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

// Seconds as JSON numbers with three decimals (0.123), as the text line has two.
double Seconds(double s) { return std::round(s * 1000) / 1000; }

nlohmann::ordered_json ViolationJson(const Violation& v, const std::vector<std::string>& reports) {
  nlohmann::ordered_json json;
  json["kind"] = KindName(v.kind);
  json["message"] = v.message;
  json["thread"] = v.thread >= 0 ? v.trace.thread_names[v.thread] : std::string();
  json["thread_index"] = v.thread;
  json["step"] = v.step;
  json["preemptions"] = v.preemptions;
  json["execution"] = v.execution;
  json["schedule"] = v.schedule;
  json["reports"] = reports;
  return json;
}

// The report files of each violation, as paths under --report's directory (none without it).
std::vector<std::vector<std::string>> ReportPaths(const Options& options, const Outcome& o) {
  std::vector<std::vector<std::string>> paths(o.result.violations.size());
  if (options.report_dir.empty()) return paths;
  // The directory as given, so that a script finds the paths it expects.
  const std::string dir = absl::EndsWith(options.report_dir, "/") ? options.report_dir
                                                                   : options.report_dir + "/";
  const std::vector<std::string> bases = ReportBaseNames(o.instance->name, o.result.violations);
  for (size_t i = 0; i < bases.size(); ++i) {
    for (const char* ext : kReportExtensions) paths[i].push_back(dir + bases[i] + ext);
  }
  return paths;
}

std::string RunJson(const Options& options, const Outcome& o) {
  const ExploreResult& r = o.result;
  const std::vector<std::vector<std::string>> reports = ReportPaths(options, o);
  nlohmann::ordered_json json;
  json["scenario"] = o.instance->name;
  json["expect"] = o.instance->info->expect.ToString();
  json["expect_finding"] = o.instance->info->expect.FindingString();
  json["arch"] = o.instance->info->arch;
  json["verdict"] = r.violations.empty() ? "pass" : "violation";
  json["matches_expectation"] = o.matches;
  json["strategy"] = o.strategy;
  json["complete"] = r.complete;
  json["stop"] = StopName(r.stop);
  json["executions"] = r.executions;
  json["explored_executions"] = r.explored();
  json["redundant_executions"] = r.redundant_executions;
  json["blocked_executions"] = r.blocked_executions;
  json["violating_executions"] = r.violating_executions;
  json["max_depth"] = r.max_depth;
  json["elapsed_s"] = Seconds(r.elapsed_s);
  if (o.shown != nullptr) {
    const size_t shown = static_cast<size_t>(o.shown - r.violations.data());
    json["violation"] = ViolationJson(*o.shown, reports[shown]);
  }
  json["violations"] = nlohmann::ordered_json::array();
  for (size_t i = 0; i < r.violations.size(); ++i) {
    json["violations"].push_back(ViolationJson(r.violations[i], reports[i]));
  }
  json["mmcheck_version"] = Version();
  return json.dump();
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
    case StopReason::kInterrupted:
      return "interrupted, not exhaustive";
    case StopReason::kInputError:
      return "input error";
  }
  return "";
}

std::string TextLine(const Options& options, const Outcome& o) {
  const ExploreResult& r = o.result;
  // Every execution the search ran, so that a violation found in the search's execution K (its
  // token's number) reads "K executions"; those that did not complete are counted apart.
  std::vector<std::string> incomplete;
  for (const auto& [count, what] : {std::pair{r.violating_executions, "violating"},
                                     std::pair{r.blocked_executions, "blocked"},
                                     std::pair{r.redundant_executions, "redundant"}}) {
    if (count > 0) incomplete.push_back(absl::StrCat(count, " ", what));
  }
  std::string line = absl::StrFormat(
      "%-9s %s: %s (expect %s); %s: %d execution%s%s, max depth %d, %.2f s, %s\n",
      o.matches ? "[ok]" : "[MISMATCH]", o.instance->name,
      r.violations.empty() ? "pass" : absl::StrCat("violation:", KindName(o.shown->kind)),
      o.instance->info->expect.ToString(), o.strategy, r.explored(), r.explored() == 1 ? "" : "s",
      incomplete.empty() ? "" : absl::StrCat(" (", absl::StrJoin(incomplete, ", "), ")"),
      r.max_depth, r.elapsed_s, Coverage(o));
  for (const Violation& v : r.violations) {
    absl::StrAppend(&line, "    ", KindName(v.kind), ": ", v.message, "\n");
    absl::StrAppend(&line, "    replay: ", options.program, " run ", o.instance->name,
                    " --replay=", v.schedule, "\n");
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

// Text as XML character data or an attribute value: markup escaped (HtmlEscape), and the characters
// XML 1.0 cannot carry at all (controls other than tab and newline) as '?'.
std::string Xml(absl::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') c = '?';
  }
  return HtmlEscape(out);
}

// One <testcase>: classname the area (`swap`), name the scenario; a result that misses its
// expectation is a <failure> whose message says what was expected and what came, with the text
// lines (findings and their replay commands) as its body.
std::string JunitCase(const Outcome& o, const std::string& text) {
  const std::string& name = o.instance->name;
  const std::string area = name.substr(0, name.find('/'));
  std::string out = absl::StrFormat("    <testcase classname=\"%s\" name=\"%s\" time=\"%.3f\">\n",
                                    Xml(area), Xml(name), o.result.elapsed_s);
  if (!o.matches) {
    const std::string got =
        o.result.violations.empty()
            ? absl::StrCat("pass (", Coverage(o), ")")
            : absl::StrCat("violation:", KindName(o.shown->kind), ": ", o.shown->message);
    absl::StrAppend(&out, "      <failure type=\"mismatch\" message=\"",
                    Xml(absl::StrCat("expected ", o.instance->info->expect.ToString(), ", got ",
                                     got)),
                    "\">", Xml(text), "</failure>\n");
  }
  absl::StrAppend(&out, "      <system-out>", Xml(text), "</system-out>\n    </testcase>\n");
  return out;
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

// For each violation, its files (kReportExtensions).
absl::Status RenderReports(const Options& options, const Outcome& o,
                           std::vector<std::pair<std::string, std::string>>* files) {
  const std::vector<std::string> bases = ReportBaseNames(o.instance->name, o.result.violations);
  for (size_t i = 0; i < bases.size(); ++i) {
    const Violation& v = o.result.violations[i];
    const std::string expect = o.instance->info->expect.ToString();
    ReportHeader header{o.instance->name, expect, o.strategy, options.program};
    header.verbose = options.verbose;
    std::lock_guard<std::mutex> lock(graphviz_mu);
    absl::StatusOr<RenderedGraph> graph = RenderGraph(header, v);
    if (!graph.ok()) return graph.status();
    std::string contents[] = {TextReport(header, v),
                              RaceDiagram(header, v),
                              HtmlReport(header, v, graph->svg),
                              std::move(graph->dot),
                              std::move(graph->svg),
                              std::move(graph->png)};
    static_assert(std::size(contents) == std::size(kReportExtensions));
    for (size_t k = 0; k < std::size(contents); ++k) {
      files->emplace_back(bases[i] + kReportExtensions[k], std::move(contents[k]));
    }
  }
  return absl::OkStatus();
}

// The encoding: a magic word, then each field as a little-endian 64-bit length or number followed
// by its bytes.
constexpr absl::string_view kMagic = "mmcheck-unit-2";

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
                   const std::function<void(const ExploreProgress&)>& progress,
                   const std::atomic<bool>* interrupt) {
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
  explore.interrupt = interrupt;
  Outcome o{&instance, Explore([&instance] { instance.Run(); }, *strategy, explore),
            std::string(strategy->name())};
  unit.status = o.result.status;
  if (!unit.status.ok()) return unit;
  Judge(o);
  unit.matches = o.matches;
  unit.text = TextLine(options, o);
  unit.json = RunJson(options, o);
  unit.junit = JunitCase(o, unit.text);
  unit.interrupted = o.result.stop == StopReason::kInterrupted;
  unit.explored_executions = o.result.explored();
  if (!options.report_dir.empty()) unit.status = RenderReports(options, o, &unit.files);
  return unit;
}

std::string JunitDocument(const std::string& testcases, size_t tests, size_t failures,
                          double seconds) {
  return absl::StrFormat(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites name=\"mmcheck\" tests=\"%d\" failures=\"%d\" errors=\"0\" time=\"%.3f\">\n"
      "  <testsuite name=\"mmcheck run\" tests=\"%d\" failures=\"%d\" errors=\"0\" "
      "skipped=\"0\" time=\"%.3f\">\n%s  </testsuite>\n</testsuites>\n",
      tests, failures, seconds, tests, failures, seconds, testcases);
}

std::string EncodeUnit(uint64_t index, const UnitResult& result) {
  std::string out(kMagic);
  Put(&out, index);
  Put(&out, static_cast<uint64_t>(result.status.code()));
  Put(&out, result.status.message());
  Put(&out, static_cast<uint64_t>(result.matches));
  Put(&out, result.text);
  Put(&out, result.json);
  Put(&out, result.junit);
  Put(&out, static_cast<uint64_t>(result.interrupted));
  Put(&out, result.explored_executions);
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
  result.junit = r.Bytes();
  result.interrupted = r.Number() != 0;
  result.explored_executions = r.Number();
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
