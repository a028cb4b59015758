// The registry sees every scenario written in scenarios/, and the names follow
// architecture.md section 4.
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "explorer/runtime/explorer.h"
#include "explorer/runtime/scenario.h"
#include "explorer/search/dpor_strategy.h"
#include "model/mm_types.h"
#include "gtest/gtest.h"

namespace mmcheck {
namespace {

// Names in MMCHECK_SCENARIO("...") / MMCHECK_FAMILY("...") across the source tree.
std::set<std::string> NamesInSources() {
  std::set<std::string> names;
  const std::regex macro(R"re(MMCHECK_(?:SCENARIO|FAMILY)\(\s*"([^"]+)")re");
  for (const auto& entry : std::filesystem::recursive_directory_iterator(
           std::string(MMCHECK_SOURCE_DIR) + "/scenarios")) {
    if (entry.path().extension() != ".cc") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    const std::string s = text.str();
    for (auto it = std::sregex_iterator(s.begin(), s.end(), macro); it != std::sregex_iterator();
         ++it) {
      names.insert((*it)[1]);
    }
  }
  return names;
}

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every invariant code named in the tree (sources, tests, README, docs) has its entry in
// docs/invariants.md, which says what it means, its kernel source and how it is checked.
TEST(RegistryTest, EveryInvariantCodeIsInTheCatalogue) {
  const std::string root = MMCHECK_SOURCE_DIR;
  const std::string catalogue = ReadAll(root + "/docs/invariants.md");
  const std::regex code(R"re(I-[A-Z]+-[0-9]+)re");
  std::set<std::string> named;
  auto scan = [&](const std::filesystem::path& path) {
    const std::string s = ReadAll(path);
    for (auto it = std::sregex_iterator(s.begin(), s.end(), code); it != std::sregex_iterator();
         ++it) {
      named.insert(it->str());
    }
  };
  for (const char* dir : {"explorer", "model", "scenarios", "viz", "cli", "tests", "docs"}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root + "/" + dir)) {
      const std::string ext = entry.path().extension().string();
      if (ext == ".cc" || ext == ".h" || ext == ".md") scan(entry.path());
    }
  }
  scan(root + "/README.md");
  EXPECT_GE(named.size(), 20u);
  for (const std::string& c : named) {
    EXPECT_NE(catalogue.find("### " + c + ": "), std::string::npos)
        << c << " is named in the tree but has no entry in docs/invariants.md";
  }
}

TEST(RegistryTest, EveryScenarioInTheSourcesIsRegistered) {
  std::set<std::string> registered;
  for (const ScenarioInfo* info : AllScenarios()) registered.insert(info->name);
  const std::set<std::string> in_sources = NamesInSources();
  EXPECT_GE(in_sources.size(), 15u);
  EXPECT_EQ(registered, in_sources);
}

TEST(RegistryTest, EveryCorrectScenarioHasABuggyTwinAndEveryTwinItsScenario) {
  std::set<std::string> names;
  for (const ScenarioInfo* info : AllScenarios()) names.insert(info->name);
  for (const ScenarioInfo* info : AllScenarios()) {
    if (info->name.rfind("bench/", 0) == 0) continue;  // explorer benchmarks have no twins
    const size_t at = info->name.find('@');
    if (at == std::string::npos) {
      EXPECT_TRUE(info->expect.is_pass()) << info->name;
      bool has_twin = false;
      for (const std::string& other : names) has_twin |= other.rfind(info->name + "@", 0) == 0;
      EXPECT_TRUE(has_twin) << info->name << " has no buggy twin";
    } else {
      EXPECT_FALSE(info->expect.is_pass()) << info->name;
      // A twin names the finding it was written for, not only its kind.
      EXPECT_FALSE(info->expect.finding()->detail.empty()) << info->name;
      EXPECT_EQ(names.count(info->name.substr(0, at)), 1u) << info->name;
    }
    EXPECT_NE(std::string(info->meta.question), "") << info->name;
  }
}

// The arch is in the name (docs/cli.md, "Scenario names"), and a scenario's model refuses another.
TEST(RegistryTest, AScenarioDeclaresItsArchInItsName) {
  EXPECT_EQ(ArchOfName("vma/fault-vs-munmap@no-detached-check"), "x86");
  EXPECT_EQ(ArchOfName("gup/gup-fast-vs-munmap+arm64"), "arm64");
  EXPECT_EQ(ArchOfName("gup/gup-fast-vs-thp-munmap~rcu-walk+arm64@table-free-without-rcu"),
            "arm64");
  EXPECT_EQ(ArchOfName("gup/gup-fast-vs-thp-munmap+x86-guest@native-table-free"), "x86-guest");
  EXPECT_EQ(ArchOfName("gup/x+riscv"), "");
  std::set<std::string> arches;
  for (const ScenarioInfo* info : AllScenarios()) {
    EXPECT_EQ(info->arch, ArchOfName(info->name)) << info->name;
    arches.insert(info->arch);
  }
  EXPECT_EQ(arches, (std::set<std::string>{"arm64", "x86", "x86-guest"}));
  // The model runs the arch of the name, or the search stops as misuse (exit 2, one line).
  auto run = [](const ScenarioInfo& info) {
    DporStrategy dpor;
    ExploreOptions options;
    options.max_executions = 1;
    return Explore([&] { ScenarioInstance{info.name, &info, 0}.Run(); }, dpor, options).status;
  };
  for (const char* name : {"gup/gup-fast-vs-thp-munmap", "gup/gup-fast-vs-thp-munmap+arm64",
                           "gup/gup-fast-vs-thp-munmap+x86-guest"}) {
    absl::StatusOr<ScenarioInstance> s = FindScenario(name);
    ASSERT_TRUE(s.ok()) << name;
    EXPECT_TRUE(run(*s->info).ok()) << name;
  }
  ScenarioInfo wrong{"test/mm+arm64", Expect::Pass(), ScenarioMeta{},
                     [](int) { Make<model::MmStruct>(model::Knobs{}); }, false, "arm64"};
  const absl::Status status = run(wrong);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(std::string(status.message())
                .find("scenario 'test/mm+arm64' is an arm64 scenario but its mm runs the model of "
                      "x86 (Knobs::arch)"),
            std::string::npos)
      << status;
}

// The x86 fault handler a scenario's mm runs follows its declared protocol (docs/cli.md).
TEST(RegistryTest, AScenarioRunsTheFaultHandlerOfItsProtocol) {
  static model::X86FaultHandler handler;
  for (const auto& [protocol, expected] :
       {std::pair<const char*, model::X86FaultHandler>{"v6.4", model::X86FaultHandler::kV6_4},
        {"v6.6", model::X86FaultHandler::kV6_4},
        {"v2", model::X86FaultHandler::kV6_4},
        {"v6.9", model::X86FaultHandler::kV6_8},
        {"v6.12", model::X86FaultHandler::kV6_10},
        {"2026", model::X86FaultHandler::kV6_10},
        {"", model::X86FaultHandler::kV6_10}}) {
    ScenarioInfo info{"test/handler", Expect::Pass(), ScenarioMeta{.protocol = protocol},
                      [](int) { handler = Make<model::MmStruct>(model::Knobs{})->knobs.x86_fault_handler; },
                      false, "x86"};
    DporStrategy dpor;
    ExploreOptions options;
    options.max_executions = 1;
    handler = model::X86FaultHandler::kFromProtocol;
    Explore([&] { ScenarioInstance{info.name, &info, 0}.Run(); }, dpor, options);
    EXPECT_EQ(handler, expected) << protocol;
  }
}

TEST(RegistryTest, FamiliesAnswerToAnySizeInRange) {
  absl::StatusOr<ScenarioInstance> lz = FindScenario("bench/lastzero-15");
  ASSERT_TRUE(lz.ok());
  EXPECT_EQ(lz->param, 15);
  EXPECT_EQ(lz->name, "bench/lastzero-15");
  EXPECT_FALSE(FindScenario("bench/lastzero-0").ok());
  EXPECT_FALSE(FindScenario("bench/lastzero-").ok());
  EXPECT_FALSE(FindScenario("bench/lastzero-x").ok());
  EXPECT_FALSE(FindScenario("bench/lastzero-+3").ok());
  EXPECT_FALSE(FindScenario("no/such").ok());
  // indexer's table holds 4 values of 32 threads: 33 could never finish.
  EXPECT_TRUE(FindScenario("bench/indexer-32").ok());
  EXPECT_FALSE(FindScenario("bench/indexer-33").ok());
  absl::StatusOr<std::vector<ScenarioInstance>> demo = MatchScenarios("demo/*@*");
  ASSERT_TRUE(demo.ok());
  for (const ScenarioInstance& i : *demo) EXPECT_NE(i.name.find('@'), std::string::npos);
  EXPECT_FALSE(MatchScenarios("nothing/*").ok());
}

}  // namespace
}  // namespace mmcheck
