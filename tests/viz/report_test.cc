// Reports: goldens for the text report and the race diagram of three violations, the SVG (well
// formed, one cluster per thread), the PNG (a real image of plausible size), the DOT, and
// byte-identical renderings from two replays of one token.
// Regenerate the goldens with MMCHECK_UPDATE_GOLDENS=1 (then read the diff before committing).
#include <algorithm>
#include <optional>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "explorer/io/token.h"
#include "explorer/runtime/explorer.h"
#include "explorer/runtime/scenario.h"
#include "explorer/search/dpor_strategy.h"
#include "explorer/search/replay_strategy.h"
#include "gtest/gtest.h"
#include "viz/graph.h"
#include "viz/html_report.h"
#include "viz/race_diagram.h"
#include "viz/text_report.h"

namespace mmcheck {
namespace {

struct Found {
  std::string name;
  std::string expect;
  Violation violation;
};

// The scenario's declared finding, or with `kind`, the first violation of that kind it meets.
Found Explore(const std::string& name, Strategy& strategy,
              std::optional<ViolationKind> kind = std::nullopt) {
  absl::StatusOr<ScenarioInstance> s = FindScenario(name);
  EXPECT_TRUE(s.ok());
  ExploreOptions options;
  options.scenario = name;
  options.target = s->info->expect.finding();
  const ExploreResult r = Explore([&] { s->Run(); }, strategy, options);
  const Violation* v = r.Find(kind.value_or(*s->info->expect.kind()));
  EXPECT_NE(v, nullptr) << name;
  return Found{name, s->info->expect.ToString(), v ? *v : Violation{}};
}

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void CheckGolden(const std::string& file, const std::string& actual) {
  const std::string path = std::string(MMCHECK_SOURCE_DIR) + "/tests/viz/goldens/" + file;
  if (std::getenv("MMCHECK_UPDATE_GOLDENS") != nullptr) {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  EXPECT_EQ(actual, Read(path)) << "golden " << file << " differs";
}

struct GoldenCase {
  const char* scenario;
  std::optional<ViolationKind> kind = std::nullopt;  // another finding than the declared one
  bool verbose = false;
};

class GoldenTest : public ::testing::TestWithParam<GoldenCase> {};

// The race diagram as a mail carries it: no line past 80 columns, a lane for every thread that
// took a step, and the finding marked on its step or note, or said below the lanes.
TEST_P(GoldenTest, TextReportAndRaceDiagramMatchTheirGoldens) {
  DporStrategy dpor;
  const GoldenCase& c = GetParam();
  const Found f = Explore(c.scenario, dpor, c.kind);
  ReportHeader header{f.name, f.expect, "dpor"};
  header.verbose = c.verbose;
  std::string base = f.name;
  for (char& ch : base) {
    if (ch == '/') ch = '_';
  }
  if (c.kind) base += absl::StrCat(".", KindName(*c.kind));
  const std::string race = RaceDiagram(header, f.violation);
  if (!c.verbose) CheckGolden(base + ".txt", TextReport(header, f.violation));
  CheckGolden(base + (c.verbose ? ".verbose" : "") + ".race.txt", race);
  std::istringstream lines(race);
  for (std::string line; std::getline(lines, line);) EXPECT_LE(line.size(), 80u) << line;
  const Trace& t = f.violation.trace;
  for (size_t th = 0; th < t.thread_names.size(); ++th) {
    const bool stepped = std::any_of(t.steps.begin(), t.steps.end(), [&](const Step& s) {
      return static_cast<size_t>(s.thread) == th;
    });
    if (stepped) {
      EXPECT_NE(race.find(absl::StrCat("CPU ", th, " (", t.thread_names[th], ")")),
                std::string::npos)
          << "thread " << th << " has no lane:\n" << race;
    }
  }
  const std::string marker = absl::StrCat("<== ", KindName(f.violation.kind));
  const std::string said = absl::StrCat("==> ", KindName(f.violation.kind));
  EXPECT_TRUE(race.find(marker) != std::string::npos || race.find(said) != std::string::npos)
      << race;
}

INSTANTIATE_TEST_SUITE_P(
    Violations, GoldenTest,
    ::testing::Values(
        // Two threads: a deadlock, an assertion, a data race (its two accesses are notes).
        GoldenCase{"demo/lock-order@abba"}, GoldenCase{"demo/counter@lost-update"},
        GoldenCase{"demo/publish@no-wait"}, GoldenCase{"vma/fault-vs-munmap@end-read-without-rcu"},
        GoldenCase{"vma/anon-prepare-vs-mprotect@blocking-mmap-lock"},
        GoldenCase{"vma/anon-prepare-vs-mprotect@blocking-mmap-lock", std::nullopt, true},
        // An end-of-run check: the steps that wrote what it read are shown.
        GoldenCase{"fork/fork-vs-bar-zap@v6.12"},
        // Three threads, a deadlock of three.
        GoldenCase{"swap/migration-wait-vs-munmap@migrator-needs-mmap-lock"},
        // Four threads: lanes.
        GoldenCase{"swap/fault-vs-munmap@v6.4-arch", ViolationKind::kUseAfterFree}));

// Start tags minus end tags, failing on a mismatched end tag: enough to say the XML nests.
bool WellFormed(const std::string& xml) {
  std::vector<std::string> open;
  for (size_t i = xml.find('<'); i != std::string::npos; i = xml.find('<', i + 1)) {
    const size_t end = xml.find('>', i);
    if (end == std::string::npos) return false;
    const std::string tag = xml.substr(i + 1, end - i - 1);
    if (tag.empty() || tag[0] == '?' || tag[0] == '!' || tag.back() == '/') continue;
    const bool closing = tag[0] == '/';
    std::string name = closing ? tag.substr(1) : tag;
    name.resize(std::min(name.size(), name.find_first_of(" \n\t")));
    if (closing) {
      if (open.empty() || open.back() != name) return false;
      open.pop_back();
    } else {
      open.push_back(name);
    }
  }
  return open.empty();
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t i = text.find(what); i != std::string::npos; i = text.find(what, i + 1)) ++n;
  return n;
}

// A PNG's width (`at` 16) or height (`at` 20): big-endian in its IHDR chunk.
uint32_t PngIhdr(const std::string& png, size_t at) {
  uint32_t value = 0;
  for (size_t k = at; k < at + 4 && k < png.size(); ++k) {
    value = (value << 8) | static_cast<unsigned char>(png[k]);
  }
  return value;
}

TEST(GraphTest, SvgHasOneClusterPerThreadAndPngIsARealImage) {
  DporStrategy dpor;
  const Found f = Explore("vma/fault-vs-munmap@end-read-without-rcu", dpor);
  const ReportHeader header{f.name, f.expect, "dpor"};
  absl::StatusOr<RenderedGraph> graph = RenderGraph(header, f.violation);
  ASSERT_TRUE(graph.ok()) << graph.status();
  const std::string& svg = graph->svg;
  EXPECT_TRUE(WellFormed(svg));
  EXPECT_EQ(Count(svg, "class=\"cluster\""), f.violation.trace.thread_names.size());
  // fault, munmap, and the RCU callback that frees the VMA (x86 frees the tables right after
  // the flush IPI, in munmap).
  EXPECT_EQ(Count(svg, "class=\"cluster\""), 3u);
  const std::string& png = graph->png;
  ASSERT_GT(png.size(), 24u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  const uint32_t width = PngIhdr(png, 16), height = PngIhdr(png, 20);
  EXPECT_GT(width, 300u);
  EXPECT_GT(height, 300u);
  EXPECT_LT(width, 20000u);
  EXPECT_LT(height, 20000u);
  // The DOT names every step, and the failing one is highlighted.
  const std::string& dot = graph->dot;
  const std::string failing_node = absl::StrCat("s", f.violation.step);
  EXPECT_NE(dot.find(failing_node), std::string::npos);
  EXPECT_NE(dot.find("#f8d0d0"), std::string::npos);
  // The HTML report is one file with the SVG inside.
  const std::string html = HtmlReport(header, f.violation, svg);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find(f.violation.schedule), std::string::npos);
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
}


// The x of each lane's header in the SVG, by thread.
std::vector<double> LaneXs(const std::string& svg, size_t threads) {
  std::vector<double> xs;
  for (size_t th = 0; th < threads; ++th) {
    const size_t label = svg.find(absl::StrCat(">thread ", th, ": "));
    if (label == std::string::npos) return {};
    const size_t x = svg.rfind(" x=\"", label);
    xs.push_back(std::stod(svg.substr(x + 4)));
  }
  return xs;
}

// A four-thread violation (swap's fault, munmap, reclaim and an RCU callback): lanes left to
// right in thread order, and an image at most 2000 pixels wide.
TEST(GraphTest, LanesInThreadOrderAndAFourThreadGraphAtMost2000PixelsWide) {
  for (const char* name : {"swap/fault-vs-munmap@v6.4-arch", "demo/lock-order@abba",
                           "swap/migration-wait-vs-munmap@migrator-needs-mmap-lock"}) {
    DporStrategy dpor;  // one search each
    const Found f =
        std::string(name) == "swap/fault-vs-munmap@v6.4-arch"
            ? Explore(name, dpor, ViolationKind::kUseAfterFree)
            : Explore(name, dpor);
    const ReportHeader header{f.name, f.expect, "dpor"};
    absl::StatusOr<RenderedGraph> graph = RenderGraph(header, f.violation);
    ASSERT_TRUE(graph.ok()) << graph.status();
    const std::vector<double> xs = LaneXs(graph->svg, f.violation.trace.thread_names.size());
    ASSERT_EQ(xs.size(), f.violation.trace.thread_names.size()) << name;
    EXPECT_TRUE(std::is_sorted(xs.begin(), xs.end())) << name;
    EXPECT_LE(PngIhdr(graph->png, 16), 2000u) << name;
    // A deadlock's blocked operations, with their wait-for edges.
    if (f.violation.kind == ViolationKind::kDeadlock) {
      EXPECT_NE(graph->dot.find("waits for"), std::string::npos) << name;
      EXPECT_NE(graph->svg.find(" blocks"), std::string::npos) << name;
    }
  }
}

// An end-of-run check's finding is drawn at the steps that made it false, not at the last step:
// fork/fork-vs-bar-zap@v6.12's child PMD store (read by the check), fork's stale reads of the
// parent's PMD, with "overwritten" edges to the zap's exchange.
TEST(GraphTest, AnEndOfRunFindingMarksTheWritesTheCheckReadAndTheStaleReads) {
  DporStrategy dpor;
  const Found f = Explore("fork/fork-vs-bar-zap@v6.12", dpor);
  const ReportHeader header{f.name, f.expect, "dpor"};
  absl::StatusOr<RenderedGraph> graph = RenderGraph(header, f.violation);
  ASSERT_TRUE(graph.ok()) << graph.status();
  const Marks marks = MarkViolation(f.violation);
  EXPECT_EQ(marks.step, -1);  // no step of a thread is the finding
  const Trace& t = f.violation.trace;
  int child_store = -1, stale = 0;
  for (size_t i = 0; i < t.steps.size(); ++i) {
    if (marks.read_by_check[i] && t.steps[i].op == OpKind::kStore &&
        t.ObjectName(t.steps[i]) == "child pmd[0]") {
      child_store = static_cast<int>(i);
    }
    if (marks.overwritten_by[i] >= 0 && t.thread_names[t.steps[i].thread] == "fork") ++stale;
  }
  EXPECT_GE(child_store, 0);
  EXPECT_GE(stale, 1);
  EXPECT_NE(graph->dot.find("overwritten"), std::string::npos);
  EXPECT_NE(graph->dot.find("(read by the check)"), std::string::npos);
  EXPECT_NE(RaceDiagram(header, f.violation).find("==> invariant after step"), std::string::npos);
}

TEST(GraphTest, TwoReplaysOfATokenWriteIdenticalFiles) {
  DporStrategy dpor;
  const Found f = Explore("vma/anon-prepare-vs-mprotect@blocking-mmap-lock", dpor);
  std::vector<std::vector<std::string>> outputs;
  for (int run = 0; run < 2; ++run) {
    ReplayStrategy replay(*DecodeToken(f.name, f.violation.schedule),
                          TokenProvenance(f.violation.schedule));
    const Found again = Explore(f.name, replay);
    const ReportHeader header{f.name, f.expect, "replay"};
    absl::StatusOr<RenderedGraph> graph = RenderGraph(header, again.violation);
    ASSERT_TRUE(graph.ok()) << graph.status();
    outputs.push_back({TextReport(header, again.violation), RaceDiagram(header, again.violation),
                       graph->dot, graph->svg, graph->png});
  }
  const char* kinds[] = {"text", "race diagram", "dot", "svg", "png"};
  for (size_t i = 0; i < outputs[0].size(); ++i) {
    EXPECT_FALSE(outputs[0][i].empty()) << kinds[i];
    EXPECT_TRUE(outputs[0][i] == outputs[1][i]) << kinds[i] << " differs between two replays";
  }
}

// A long trace in many lanes (bench/indexer-32 cut by a bound of 50 steps per thread: 311 steps
// in 32 threads, whose whole graph Graphviz's dot had not laid out after 100 s) is drawn as a
// window: at most 120 steps in at most 12 lanes, the title saying what is left out, laid out in
// about a second (issue 21). The text report keeps every step.
TEST(GraphTest, ALongTraceIsDrawnAsABoundedWindow) {
  absl::StatusOr<ScenarioInstance> s = FindScenario("bench/indexer-32");
  ASSERT_TRUE(s.ok());
  ExploreOptions options;
  options.scenario = s->name;
  options.limits.max_steps_per_thread = 50;
  DporStrategy dpor;
  const ExploreResult r = Explore([&] { s->Run(); }, dpor, options);
  const Violation* v = r.Find(ViolationKind::kLivelock);
  ASSERT_NE(v, nullptr);
  ASSERT_GT(v->trace.steps.size(), 300u);
  const ReportHeader header{s->name, "pass", "dpor"};
  absl::StatusOr<RenderedGraph> graph = RenderGraph(header, *v);
  ASSERT_TRUE(graph.ok()) << graph.status();
  const std::string& dot = graph->dot;
  size_t step_nodes = 0, lanes = 0;
  std::istringstream lines(dot);
  for (std::string line; std::getline(lines, line);) {
    // A step's node: "s<number>" at the start of its line, then its attributes (an edge line
    // has "->" there).
    const size_t at = line.find_first_not_of('\t');
    if (at == std::string::npos || line[at] != 's') continue;
    const size_t end = line.find_first_not_of("0123456789", at + 1);
    const size_t attributes = end == std::string::npos ? end : line.find_first_not_of("\t ", end);
    if (end > at + 1 && attributes != std::string::npos && line[attributes] == '[') ++step_nodes;
  }
  for (size_t at = 0; (at = dot.find("subgraph cluster_", at)) != std::string::npos; ++at) ++lanes;
  EXPECT_GT(step_nodes, 0u);
  EXPECT_LE(step_nodes, 120u);
  EXPECT_LE(lanes, 12u);
  EXPECT_NE(dot.find(absl::StrCat("steps 1-", v->trace.steps.size() - 120, " not drawn")),
            std::string::npos);
  EXPECT_NE(dot.find("threads not drawn"), std::string::npos);
  EXPECT_NE(dot.find("the text report has every step"), std::string::npos);
  EXPECT_GT(graph->png.size(), 1000u);
  const std::string text = TextReport(header, *v);
  EXPECT_GE(static_cast<size_t>(std::count(text.begin(), text.end(), '\n')),
            v->trace.steps.size());
}

}  // namespace
}  // namespace mmcheck
