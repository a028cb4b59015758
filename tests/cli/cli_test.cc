// The mmcheck command as scripts use it: exit codes, one-line errors, the JSON contract.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "cli/options.h"
#include "cli/scenario_unit.h"
#include "gtest/gtest.h"

namespace mmcheck {
namespace {

struct Result {
  int code;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `command` (a shell command line) and takes its exit code, stdout and stderr.
Result Run(const std::string& command_line) {
  // ctest runs the cases of this file as parallel processes: one stderr file per process.
  const std::string err_file =
      ::testing::TempDir() + "/mmcheck_stderr." + std::to_string(getpid());
  const std::string command = command_line + " 2>" + err_file;
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
  const int status = pclose(pipe);
  std::ifstream in(err_file);
  std::stringstream err;
  err << in.rdbuf();
  return Result{WIFEXITED(status) ? WEXITSTATUS(status) : -1, out, err.str()};
}

Result Mmcheck(const std::string& args) { return Run(std::string(MMCHECK_BINARY) + " " + args); }

#ifdef MMCHECK_MPIEXEC
// mmcheck as `mpirun -n 2 mmcheck ...` on this machine, as root if the tests run as root, and
// without the shared-memory transport's single-copy mechanism (CMA), which containers without
// CAP_SYS_PTRACE refuse.
Result MpiMmcheck(const std::string& args) {
  return Run(std::string(MMCHECK_MPIEXEC) +
             " --allow-run-as-root --oversubscribe --mca btl_vader_single_copy_mechanism none "
             "-n 2 " +
             MMCHECK_BINARY + " " + args);
}
#endif

// A file's bytes, or "(missing)" if it cannot be read.
std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return in.good() || in.eof() ? s.str() : std::string("(missing)");
}

int Lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

TEST(CliTest, ReadersThreeUnderDfsHas24Executions) {
  const Result r = Mmcheck("run bench/readers-3 --strategy=dfs --json=-");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Lines(r.out), 1);
  EXPECT_NE(r.out.find("\"executions\":24,"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"complete\":true"), std::string::npos) << r.out;
}

TEST(CliTest, RunJsonHasEveryContractField) {
  const Result r = Mmcheck("run demo/counter@lost-update --json=-");
  EXPECT_EQ(r.code, 0) << r.err;
  const std::string violation =
      R"re(\{"kind":"assertion","message":"[^"]+","thread":"","thread_index":-1,"step":\d+,"preemptions":\d+,"execution":2,"schedule":"v1:[0-9a-f]{8}:[0-9.*]+:dpor\.2","reports":\[\]\})re";
  const std::regex object(
      R"re(^\{"scenario":"demo/counter@lost-update","expect":"violation:assertion","expect_finding":"assertion:an update was lost","arch":"x86","verdict":"violation","matches_expectation":true,"strategy":"dpor","complete":false,"stop":"violation","executions":1,"explored_executions":2,"redundant_executions":0,"blocked_executions":0,"violating_executions":1,"max_depth":\d+,"elapsed_s":[0-9.]+,"violation":)re" +
      violation + R"re(,"violations":\[)re" + violation +
      R"re(\],"mmcheck_version":"[0-9.]+"\}\n$)re");
  EXPECT_TRUE(std::regex_match(r.out, object)) << r.out;
}

TEST(CliTest, ListJsonHasEveryContractField) {
  const Result r = Mmcheck("list --json");
  EXPECT_EQ(r.code, 0);
  std::istringstream lines(r.out);
  std::string line;
  int n = 0;
  const std::regex object(
      R"re(^\{"scenario":"[^"]+","expect":"(pass|violation:[a-z-]+)","expect_finding":"([a-z-]+:[^"]+)?","question":"[^"]+","spec":"[^"]*","protocol":"[^"]*","arch":"(x86|x86-guest|arm64)"\}$)re");
  while (std::getline(lines, line)) {
    ++n;
    EXPECT_TRUE(std::regex_match(line, object)) << line;
  }
  EXPECT_GE(n, 15);
}

// Every violation's token replays to the same violation and the same report files, byte for
// byte: a deadlock, a lock-order cycle found in one execution, and one whose first edge came from
// an earlier execution (a v2 token, which carries that execution as a witness).
TEST(CliTest, TokenReplaysToTheSameViolation) {
  const struct {
    const char* scenario;
    const char* kind;
    const char* version;
  } cases[] = {{"demo/lock-order@abba", "deadlock", "v1:"},
               {"demo/lock-order@inversion", "lock-order", "v1:"},
               {"demo/lock-order@across-executions", "lock-order", "v2:"}};
  for (const auto& c : cases) {
    const std::string run = absl::StrCat("run ", c.scenario);
    const Result first = Mmcheck(run + " --json=-");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(first.out, m, std::regex(R"re("schedule":"([^"]+)")re")))
        << first.out;
    const std::string token = m[1];
    EXPECT_EQ(token.rfind(c.version, 0), 0u) << token;
    const Result again = Mmcheck(run + " --replay=" + token + " --json=-");
    EXPECT_EQ(again.code, 0) << again.err;
    EXPECT_NE(again.out.find("\"schedule\":\"" + token + "\""), std::string::npos) << again.out;
    EXPECT_NE(again.out.find("\"strategy\":\"replay\""), std::string::npos);
    std::smatch message;
    ASSERT_TRUE(std::regex_search(first.out, message, std::regex(R"re("message":"([^"]+)")re")));
    EXPECT_NE(again.out.find(message[1].str()), std::string::npos) << again.out;
    const std::string dir = ::testing::TempDir() + "/mmcheck_reports";
    std::filesystem::remove_all(dir);
    Mmcheck(run + " --report=" + dir + "/a");
    Mmcheck(run + " --replay=" + token + " --report=" + dir + "/b");
    const std::string base =
        absl::StrCat("/", absl::StrReplaceAll(c.scenario, {{"/", "__"}}), ".", c.kind);
    for (const char* ext : {".txt", ".race.txt", ".dot", ".svg", ".png", ".html"}) {
      const std::string a = ReadFile(dir + "/a" + base + ext);
      EXPECT_FALSE(a.empty()) << c.scenario << ext;
      EXPECT_TRUE(a == ReadFile(dir + "/b" + base + ext)) << c.scenario << ext << " differs";
    }
  }
}

// The same for the twins of the tree and every violation their runs report (the declared one
// and any other found on the way): each token replays to the same message and writes the same
// report files for that violation, byte for byte.
// `stride` 1 replays every twin (the long test), 5 every fifth (with the tests).
void ReplayTwinsTokens(int stride) {
  const Result list = Mmcheck("list --json");
  std::istringstream lines(list.out);
  std::string line;
  int twins = 0, tokens = 0;
  while (std::getline(lines, line)) {
    std::smatch m;
    const std::regex twin(R"re(^\{"scenario":"([^"]+)","expect":"violation)re");
    if (!std::regex_search(line, m, twin)) continue;
    if (twins++ % stride != 0) continue;
    const std::string name = m[1];
    const std::string dir = ::testing::TempDir() + "/mmcheck_twin_reports";
    std::filesystem::remove_all(dir);
    const Result first = Mmcheck("run " + name + " --report=" + dir + "/found");
    // "    <kind>: <message>" then "    replay: mmcheck run <name> --replay=<token>".
    const std::regex finding(
        R"re(\n    ([a-z-]+): ([^\n]*)\n    replay: mmcheck run \S+ --replay=(\S+))re");
    for (auto it = std::sregex_iterator(first.out.begin(), first.out.end(), finding);
         it != std::sregex_iterator(); ++it) {
      ++tokens;
      const std::string kind = (*it)[1], message = (*it)[2], token = (*it)[3];
      const std::string replayed = dir + "/" + kind;
      const Result again = Mmcheck("run " + name + " --replay=" + token + " --report=" + replayed);
      EXPECT_NE(again.out.find("    " + kind + ": " + message + "\n"), std::string::npos)
          << name << " " << token << ": " << again.out << again.err;
      int files = 0;
      for (const auto& entry : std::filesystem::directory_iterator(dir + "/found")) {
        const std::string file = entry.path().filename().string();
        if (file.find("." + kind + ".") == std::string::npos) continue;
        ++files;
        EXPECT_TRUE(ReadFile(entry.path()) == ReadFile(replayed + "/" + file))
            << name << " " << token << ": " << file << " differs";
      }
      EXPECT_EQ(files, 6) << name << " " << kind;
    }
  }
  EXPECT_GE(twins, 40);
  EXPECT_GE(tokens, twins / stride);
}

TEST(CliTest, EveryFifthTwinsTokensReplayToTheSameReports) { ReplayTwinsTokens(5); }

TEST(CliTest, LongEveryTwinsTokensReplayToTheSameReports) { ReplayTwinsTokens(1); }

// Every file of a report directory, by name.
std::map<std::string, std::string> Files(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    files[entry.path().filename().string()] = ReadFile(entry.path());
  }
  return files;
}

// A run on several workers (threads, or processes under mpirun) gives the same results, in the
// same order, as on one: the JSON lines agree once their timings are taken out, so do the text
// and the exit code, and the report directories hold the same files, byte for byte.
void ExpectSameAsOneWorker(const std::string& targets, const std::string& name,
                           const std::function<Result(const std::string&)>& several,
                           const std::string& several_flags, bool reports) {
  auto untimed = [](std::string text) {
    text = std::regex_replace(text, std::regex(R"re("elapsed_s":[0-9.]+)re"), "");
    return std::regex_replace(text, std::regex(R"re(, [0-9.]+ s,)re"), ",");
  };
  const std::string dir = ::testing::TempDir() + "/workers_" + name + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  const std::string one_flags = reports ? " --report=" + dir + "/one" : "";
  const std::string many_flags = reports ? " --report=" + dir + "/many" : "";
  const Result one = Mmcheck("run " + targets + " --jobs=1 --json=-" + one_flags);
  const Result many = several("run " + targets + " " + several_flags + " --json=-" + many_flags);
  EXPECT_EQ(one.code, 0) << one.err;
  EXPECT_GE(Lines(one.out), 15);
  // The report paths in the JSON and the last line name the report directory, which differs;
  // progress lines come when they come.
  auto same = [&](const std::string& text, const std::string& sub) {
    return untimed(std::regex_replace(absl::StrReplaceAll(text, {{dir + sub, "DIR"}}),
                                      std::regex("mmcheck: progress: [^\n]*\n"), ""));
  };
  EXPECT_EQ(same(one.out, "/one"), same(many.out, "/many"));
  EXPECT_EQ(same(one.err, "/one"), same(many.err, "/many"));
  EXPECT_EQ(many.code, one.code);
  if (reports) {
    const std::map<std::string, std::string> one_files = Files(dir + "/one");
    EXPECT_GE(one_files.size(), 30u);
    EXPECT_TRUE(one_files == Files(dir + "/many"));
  }
  std::filesystem::remove_all(dir);
}

// The JSON and text of a wider subset; the report files (Graphviz's layouts take most of the
// time) of a narrower one.
const char kNamedSubset[] = "demo/* swap/*fault* swap/device* fork/*";
const char kReportSubset[] = "demo/* swap/*fault* swap/device*";

TEST(CliTest, JobsDoNotChangeTheResults) {
  // More workers than CI's cores.
  ExpectSameAsOneWorker(kNamedSubset, "jobs", Mmcheck, "--jobs=3", /*reports=*/false);
  ExpectSameAsOneWorker(kReportSubset, "jobs", Mmcheck, "--jobs=3", /*reports=*/true);
}

#ifdef MMCHECK_MPIEXEC
TEST(CliTest, MpiRanksDoNotChangeTheResults) {
  ExpectSameAsOneWorker(kNamedSubset, "mpi", MpiMmcheck, "", /*reports=*/false);
  ExpectSameAsOneWorker(kReportSubset, "mpi", MpiMmcheck, "", /*reports=*/true);
}

TEST(CliTest, MpiInputErrorsExitTwoWithOneLine) {
  for (const std::string& args :
       {std::string("run no/such/scenario"), std::string("run demo/counter --jobs=2"),
        std::string("run demo/counter --replay=v1:00000000:0"), std::string("run --bogus")}) {
    const Result r = MpiMmcheck(args);
    EXPECT_EQ(r.code, 2) << args;
    EXPECT_EQ(r.out, "") << args;
    // mpirun adds its own lines about a rank's exit code; mmcheck's line is there once.
    size_t lines = 0;
    for (size_t at = 0; (at = r.err.find("mmcheck: ", at)) != std::string::npos; ++at) ++lines;
    EXPECT_EQ(lines, 1u) << args << ": " << r.err;
  }
}

// Every scenario on one worker, two threads and two processes: label `long`.
TEST(CliTest, LongEveryScenarioTheSameOnJobsAndMpiRanks) {
  ExpectSameAsOneWorker("--all", "all_jobs", Mmcheck, "--jobs=2", /*reports=*/true);
  ExpectSameAsOneWorker("--all", "all_mpi", MpiMmcheck, "", /*reports=*/true);
}
#endif

TEST(CliTest, InputErrorsExitTwoWithOneLine) {
  for (const std::string& args :
       {std::string("run no/such/scenario"), std::string("run demo/counter --replay=garbage"),
        std::string("run demo/counter --replay=v1:00000000:0"), std::string("run --bogus"),
        std::string("run demo/counter --strategy=nope"), std::string("run"),
        std::string("frobnicate"), std::string(""),
        std::string("run demo/counter --max-executions=0"),
        std::string("run demo/counter --time-limit=-1"),
        std::string("run demo/counter --hang-limit=0"), std::string("run demo/counter --hang-limit=1e3"), std::string("run demo/* --replay=v1:0:0"),
        std::string("run bench/readers-0"), std::string("list --frob"),
        std::string("run demo/counter --json=/nonexistent/dir/x.json"),
        std::string("run demo/counter --max-preemptions=1 --strategy=dpor"),
        std::string("run demo/counter --strategy=pct --pct-depth=0"),
        std::string("run demo/counter --max-preemptions=-1"),
        std::string("run demo/counter --jobs=0"), std::string("run demo/counter --jobs=x"),
        std::string("run demo/counter --jobs=2000"), std::string("run demo/counter --jobs"),
        std::string("run demo/counter --json=/dev/full"),
        std::string("run demo/counter --time-limit=0x10"),
        std::string("run demo/counter --time-limit=1e3"),
        std::string("run demo/counter --time-limit=inf"),
        std::string("run demo/counter --time-limit=.5"), std::string("list --json=3"),
        std::string("run --all=1"), std::string("run demo/counter --seed=1 --seed=2"),
        std::string("run demo/counter --json"), std::string("help frob"),
        std::string("--version x")}) {
    const Result r = Mmcheck(args);
    EXPECT_EQ(r.code, 2) << args;
    EXPECT_EQ(Lines(r.err), 1) << args << ": " << r.err;
    EXPECT_EQ(r.err.rfind("mmcheck: ", 0), 0u) << r.err;
  }
  // A token of the right scenario that picks a thread that cannot run.
  const Result r = Mmcheck("run demo/lock-order@abba --replay=v1:74988095:0.0.0.0.0.0.0.0.0");
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(Lines(r.err), 1) << r.err;
  // Control characters the user typed come back escaped: one line, no raw escape sequence.
  const Result name = Mmcheck("run \"$(printf 'demo/co\\nunter')\"");
  EXPECT_EQ(name.code, 2);
  EXPECT_EQ(name.err,
            "mmcheck: no scenario named 'demo/co\\x0aunter' (did you mean 'demo/counter'?) (see: "
            "mmcheck list)\n");
  const Result strategy = Mmcheck("run demo/counter --strategy=\"$(printf 'd\\033por')\"");
  EXPECT_EQ(strategy.code, 2);
  EXPECT_EQ(strategy.err,
            "mmcheck: unknown strategy 'd\\x1bpor' (did you mean 'dpor'?): use dpor, dfs, random "
            "or pct\n");
}

TEST(CliTest, HelpDescribesEveryOptionAndTheExitCodes) {
  const Result run = Mmcheck("help run");
  EXPECT_EQ(run.code, 0) << run.err;
  for (const char* option :
       {"--all", "--strategy", "--max-preemptions", "--pct-depth", "--max-executions",
        "--time-limit", "--seed", "--replay", "--json", "--junit", "--report", "--max-steps",
        "--jobs", "--hang-limit", "--progress", "--verbose", "Exit codes:", "  0 ", "  1 ", "  2 ",
        "130"}) {
    EXPECT_NE(run.out.find(option), std::string::npos) << option << "\n" << run.out;
  }
  EXPECT_EQ(Mmcheck("run --help").out, run.out);
  EXPECT_EQ(Mmcheck("run demo/counter --bogus -h").out, run.out);
  const Result top = Mmcheck("help");
  EXPECT_EQ(top.code, 0);
  EXPECT_NE(top.out.find("run"), std::string::npos);
  EXPECT_NE(top.out.find("list"), std::string::npos);
  EXPECT_EQ(Mmcheck("--help").out, top.out);
  EXPECT_NE(Mmcheck("help list").out.find("--json"), std::string::npos);
  const Result version = Mmcheck("--version");
  EXPECT_EQ(version.code, 0);
  EXPECT_TRUE(std::regex_match(version.out, std::regex("mmcheck [0-9]+\\.[0-9]+\\.[0-9]+\n")))
      << version.out;
}

TEST(CliTest, MistypedNamesAndOptionsGetTheClosestSuggested) {
  const struct {
    const char* args;
    const char* err;
  } cases[] = {
      {"run demo/countr",
       "mmcheck: no scenario named 'demo/countr' (did you mean 'demo/counter'?) (see: mmcheck "
       "list)\n"},
      {"run swap/fault-vs-munmap@v6.4arch",
       "mmcheck: no scenario named 'swap/fault-vs-munmap@v6.4arch' (did you mean "
       "'swap/fault-vs-munmap@v6.4-arch'?) (see: mmcheck list)\n"},
      {"run demo/counter --stratgy=dfs",
       "mmcheck: unknown option '--stratgy' for run (did you mean '--strategy'?) (see: mmcheck "
       "help run)\n"},
      {"run demo/counter --strategy=dsf",
       "mmcheck: unknown strategy 'dsf' (did you mean 'dfs'?): use dpor, dfs, random or pct\n"},
      {"lsit", "mmcheck: unknown command 'lsit' (did you mean 'list'?): use 'list', 'run' or "
               "'help'\n"},
      {"list --jsn", "mmcheck: unknown option '--jsn' for list (did you mean '--json'?) (see: "
                     "mmcheck help list)\n"},
      // Nothing close: no guess.
      {"run demo/counter --frobnicate",
       "mmcheck: unknown option '--frobnicate' for run (see: mmcheck help run)\n"},
  };
  for (const auto& c : cases) {
    const Result r = Mmcheck(c.args);
    EXPECT_EQ(r.code, 2) << c.args;
    EXPECT_EQ(r.err, c.err) << c.args;
  }
}

// The parser is kept between parses (building it costs more than a parse): nothing of one parse
// may leak into the next.
TEST(CliTest, ParsesInOneProcessDoNotSeeEachOther) {
  absl::StatusOr<Options> first =
      ParseOptions({"run", "a", "b", "--seed=3", "--strategy=pct", "--json=-", "--verbose"});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->targets, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(first->seed, 3u);
  EXPECT_TRUE(first->verbose);
  EXPECT_FALSE(ParseOptions({"run", "--bogus"}).ok());
  absl::StatusOr<Options> second = ParseOptions({"run", "c"});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->targets, (std::vector<std::string>{"c"}));
  EXPECT_EQ(second->seed, 0u);
  EXPECT_EQ(second->strategy, "dpor");
  EXPECT_FALSE(second->strategy_given);
  EXPECT_FALSE(second->json);
  EXPECT_FALSE(second->verbose);
  EXPECT_TRUE(second->warnings.empty());
  absl::StatusOr<Options> list = ParseOptions({"list", "--json"});
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->json);
  absl::StatusOr<Options> list_again = ParseOptions({"list"});
  ASSERT_TRUE(list_again.ok());
  EXPECT_FALSE(list_again->json);
}

TEST(CliTest, IgnoredOptionsAreWarnedAbout) {
  const Result seed = Mmcheck("run demo/counter --seed=3");
  EXPECT_EQ(seed.code, 0);
  EXPECT_EQ(seed.err, "mmcheck: warning: --seed is ignored by --strategy=dpor: it seeds random "
                      "and pct\n");
  const Result depth = Mmcheck("run demo/counter --strategy=dfs --pct-depth=2");
  EXPECT_EQ(depth.err, "mmcheck: warning: --pct-depth is ignored by --strategy=dfs: it sets "
                       "pct's depth\n");
  const Result replay =
      Mmcheck("run demo/counter@lost-update --replay=v1:ab64d141:1.0*2.1:dpor.2 --strategy=dfs");
  EXPECT_EQ(replay.code, 0) << replay.err;
  EXPECT_EQ(replay.err, "mmcheck: warning: --strategy is ignored: --replay runs the token's one "
                        "schedule\n");
  EXPECT_EQ(Mmcheck("run demo/counter --strategy=pct --seed=3 --pct-depth=2").err, "");
}

// A violation found in the search's execution K reads "K executions", the number its token names.
TEST(CliTest, TheTextLineCountsTheExecutionTheTokenNames) {
  const Result r = Mmcheck("run demo/counter@lost-update demo/publish@no-wait");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("dpor: 2 executions (1 violating),"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(":dpor.2\n"), std::string::npos) << r.out;
  // A data race is found in an execution that completes.
  EXPECT_NE(r.out.find("dpor: 1 execution,"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(":dpor.1\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(" 0 executions"), std::string::npos) << r.out;
}

// Ctrl-C: the searches stop, what ran is printed and summarized, exit 130; the JUnit file is
// still written.
TEST(CliTest, InterruptEndsWithASummaryAndExit130) {
  const std::string junit = ::testing::TempDir() + "/interrupt" + std::to_string(getpid()) + ".xml";
  // demo/counter ends at once; the signal comes once progress shows uffd/fault-vs-munmap's
  // search under way (it runs for seconds), whatever the machine's load.
  const std::string err = ::testing::TempDir() + "/interrupt" + std::to_string(getpid()) + ".err";
  const Result r = ::mmcheck::Run(
      std::string("(") + MMCHECK_BINARY +
      " run demo/counter uffd/fault-vs-munmap uffd/two-faults-vs-copy --jobs=1 --progress=0.1"
      " --junit=" + junit + " 2>" + err + " & pid=$!; for i in $(seq 600); do grep -q "
      "'uffd/fault-vs-munmap: ' " + err + " && break; sleep 0.1; done; kill -INT $pid; wait $pid)");
  std::filesystem::remove(err);
  EXPECT_EQ(r.code, 130) << r.out << r.err;
  EXPECT_NE(r.out.find("[ok]      demo/counter: pass"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("uffd/fault-vs-munmap: pass (expect pass); dpor: "), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("interrupted, not exhaustive"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("uffd/two-faults-vs-copy"), std::string::npos) << r.out;  // never started
  EXPECT_TRUE(std::regex_search(
      r.out, std::regex("\ninterrupted: 2 of 3 scenarios explored \\(1 of them cut short\\), "
                        "[0-9]+ executions in [0-9.]+ s; 1 match their expectation, 1 do not\n$")))
      << r.out;
  const std::string xml = ReadFile(junit);
  EXPECT_NE(xml.find("tests=\"2\" failures=\"1\""), std::string::npos) << xml;
  std::filesystem::remove(junit);
}

// Without a terminal (a CI log), progress comes as lines of their own.
TEST(CliTest, ProgressLinesWithoutATerminal) {
  const Result r = Mmcheck("run uffd/fault-vs-munmap --progress=0.3");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(std::regex_search(
      r.err, std::regex("^mmcheck: progress: 0 of 1 scenarios done; uffd/fault-vs-munmap: "
                        "[0-9]+ executions, [0-9]+ s\n")))
      << r.err;
  EXPECT_EQ(r.err.find('\r'), std::string::npos);
}

TEST(CliTest, ExitOneWhenAResultMissesItsExpectation) {
  // A pass scenario cut short is not a pass: the expectation is not met.
  const Result r = Mmcheck("run bench/readers-3 --max-executions=2");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("bounded, not exhaustive"), std::string::npos) << r.out;
}

TEST(CliTest, BoundedSearchSaysSo) {
  const Result r = Mmcheck("run demo/counter@lost-update --max-preemptions=0 --json=-");
  EXPECT_EQ(r.code, 1);  // the race needs a preemption: not found, so the twin does not match
  EXPECT_NE(r.out.find("\"verdict\":\"pass\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"complete\":false"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("bounded, not exhaustive"), std::string::npos) << r.err;
  const Result pct = Mmcheck("run demo/counter@lost-update --strategy=pct --seed=3 --json=-");
  EXPECT_EQ(pct.code, 0) << pct.err;
  EXPECT_NE(pct.out.find("\"strategy\":\"pct\""), std::string::npos) << pct.out;
}

// A twin's finding met after another violation of its kind is a second violation of that kind in
// one result: its report files must not overwrite the first's.
TEST(CliTest, TwoViolationsOfOneKindGetReportFilesOfTheirOwn) {
  std::vector<Violation> violations(4);
  violations[0].kind = ViolationKind::kInvariant;
  violations[1].kind = ViolationKind::kDeadlock;
  violations[2].kind = ViolationKind::kInvariant;
  violations[3].kind = ViolationKind::kInvariant;
  EXPECT_EQ(ReportBaseNames("swap/x@y", violations),
            (std::vector<std::string>{"swap__x@y.invariant", "swap__x@y.deadlock",
                                      "swap__x@y.invariant-2", "swap__x@y.invariant-3"}));
}

// Every scenario, about 3 minutes on one core: label `long`.
TEST(CliTest, LongAllMatchesEveryExpectation) {
  const Result r = Mmcheck("run --all --json=-");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.find("\"matches_expectation\":false"), std::string::npos) << r.out;
  EXPECT_GE(Lines(r.out), 20);
  // Every twin stops at its finding (none finds it only through the minimized report).
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("\"expect\":\"pass\"") != std::string::npos) continue;
    EXPECT_NE(line.find("\"stop\":\"violation\""), std::string::npos) << line.substr(0, 200);
  }
}

}  // namespace
}  // namespace mmcheck
