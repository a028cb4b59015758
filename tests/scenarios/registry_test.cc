// The registry sees every scenario written in scenarios/, and the names follow
// architecture.md section 4.
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "explorer/runtime/scenario.h"
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
