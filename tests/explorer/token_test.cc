// Replay token encoding: round trips and every way a token can be wrong.
#include "explorer/io/token.h"

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace mmcheck {
namespace {

TEST(TokenTest, RoundTrips) {
  const std::vector<std::vector<int>> schedules = {
      {}, {0}, {0, 0, 0, 1, 0, 0}, {3, 2, 1, 0, 63}, std::vector<int>(10000, 5)};
  for (const std::vector<int>& schedule : schedules) {
    const std::string token = EncodeToken("demo/counter", schedule);
    absl::StatusOr<std::vector<int>> decoded = DecodeToken("demo/counter", token);
    ASSERT_TRUE(decoded.ok()) << token << ": " << decoded.status();
    EXPECT_EQ(*decoded, schedule) << token;
  }
}

TEST(TokenTest, IsCompactAndVersioned) {
  const std::string token = EncodeToken("x", {0, 0, 0, 1, 0, 0});
  EXPECT_EQ(token.substr(0, 3), "v1:");
  EXPECT_EQ(token.substr(12), "0*3.1.0*2");
  EXPECT_EQ(token.find_first_of(" \t\n"), std::string::npos);
}

TEST(TokenTest, CarriesWhereItWasFound) {
  const std::string token = EncodeToken("s", {0, 1}, Provenance{"dpor", 12});
  EXPECT_EQ(token.substr(12), "0.1:dpor.12");
  ASSERT_TRUE(DecodeToken("s", token).ok());
  EXPECT_EQ(*DecodeToken("s", token), (std::vector<int>{0, 1}));
  EXPECT_EQ(TokenProvenance(token).strategy, "dpor");
  EXPECT_EQ(TokenProvenance(token).execution, 12);
  EXPECT_EQ(TokenProvenance(EncodeToken("s", {0})).strategy, "");
  for (const char* origin : {":dpor", ":dpor.", ":dpor.0", ":.3", ":DPOR.3", ":dpor.x", ":a.1:b"}) {
    EXPECT_FALSE(DecodeToken("s", EncodeToken("s", {0}) + origin).ok()) << origin;
  }
}

TEST(TokenTest, CarriesWitnessesInVersionTwo) {
  const std::vector<Witness> witnesses = {{2, {0, 1, 1, 1}}, {5, {1, 1, 0}}, {9, {}}};
  const std::string token = EncodeToken("s", {0, 0, 0, 1, 1}, Provenance{"dpor", 12}, witnesses);
  EXPECT_EQ(token.substr(0, 3), "v2:");
  EXPECT_EQ(token.substr(12), "0*3.1*2:dpor.12:2=0.1*3;5=1*2.0;9=");
  absl::StatusOr<ReplayToken> parsed = ParseToken("s", token);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->schedule, (std::vector<int>{0, 0, 0, 1, 1}));
  EXPECT_EQ(parsed->origin.strategy, "dpor");
  EXPECT_EQ(parsed->origin.execution, 12);
  EXPECT_EQ(parsed->witnesses, witnesses);
  EXPECT_EQ(TokenProvenance(token).execution, 12);
  // Without witnesses a token stays v1, and v1 tokens parse with none.
  EXPECT_EQ(EncodeToken("s", {0}, Provenance{"dpor", 1}).substr(0, 3), "v1:");
  EXPECT_TRUE(ParseToken("s", EncodeToken("s", {0}, Provenance{"dpor", 1}))->witnesses.empty());
  // No origin: the field stays, empty.
  const std::string bare = EncodeToken("s", {0}, Provenance{}, {{1, {0}}});
  EXPECT_EQ(bare.substr(12), "0::1=0");
  ASSERT_TRUE(ParseToken("s", bare).ok());
  EXPECT_EQ(ParseToken("s", bare)->origin.strategy, "");
  const std::string head = token.substr(0, 12) + "0:dpor.1:";
  for (const std::string& bad :
       {head, head + "x", head + "1", head + "0=0", head + "-1=0", head + "1=0;", head + "1=a",
        head + "1=0*1", head + "+1=0", token.substr(0, 12) + "0:dpor.1",
        "v1" + token.substr(2)}) {
    absl::StatusOr<ReplayToken> p = ParseToken("s", bad);
    EXPECT_FALSE(p.ok()) << bad;
    if (!p.ok()) {
      EXPECT_EQ(std::string(p.status().message()).find('\n'), std::string::npos);
    }
  }
}

// Counts are checked before anything is expanded, names are checked, and what is echoed is
// escaped (issue 21's fuzzing found an overflow, a 0.6 GB allocation and multi-line errors).
TEST(TokenTest, RejectsHugeCountsUnknownOriginsAndControlCharacters) {
  const std::string prefix = EncodeToken("s", {});  // "v1:xxxxxxxx:"
  for (const std::string& bad :
       {prefix + "0*9223372036854775807", prefix + "0*9223372036854775807.1*9223372036854775807",
        prefix + "0*5000000.1*5000001", prefix + "0*99999999999999999999", prefix + "0:zzz.5",
        prefix + "0:dpor.2147483648", prefix + "0\n1", prefix + "0:dpor.1\x01",
        std::string("v1:\x1b[2J:0")}) {
    absl::StatusOr<ReplayToken> p = ParseToken("s", bad);
    EXPECT_FALSE(p.ok()) << absl::CHexEscape(bad);
    if (!p.ok()) {
      const std::string message(p.status().message());
      EXPECT_EQ(message.find_first_of("\n\r\x1b\x01"), std::string::npos) << message;
    }
  }
  // At the bound it is accepted.
  EXPECT_TRUE(ParseToken("s", prefix + "0*5000000.1*5000000").ok());
  for (const char* origin : {"dpor", "dfs", "random", "pct", "replay"}) {
    EXPECT_TRUE(ParseToken("s", prefix + "0:" + origin + ".3").ok()) << origin;
  }
}

TEST(TokenTest, RejectsTokensForAnotherScenario) {
  const std::string token = EncodeToken("demo/counter", {0, 1});
  absl::StatusOr<std::vector<int>> decoded = DecodeToken("demo/lock-order", token);
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TokenTest, RejectsMalformedTokens) {
  const std::string prefix = EncodeToken("s", {});  // "v1:xxxxxxxx:"
  for (const std::string& bad :
       {std::string("garbage"), std::string(""), std::string("v2:00000000:0"),
        std::string("v1:zz:0"), std::string("v1:0000000:0"), prefix + "a", prefix + "0..1",
        prefix + "0*", prefix + "0*1", prefix + "0*x", prefix + "-1", prefix + "64",
        prefix + "0*99999999999", prefix + "+1", prefix + "1*+3", prefix + "0.",
        std::string("V1:") + prefix.substr(3) + "0"}) {
    absl::StatusOr<std::vector<int>> decoded = DecodeToken("s", bad);
    EXPECT_FALSE(decoded.ok()) << bad;
    if (!decoded.ok()) {
      EXPECT_EQ(std::string(decoded.status().message()).find('\n'), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace mmcheck
