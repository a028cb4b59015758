// Replay token encoding: round trips and every way a token can be wrong.
#include "explorer/token.h"

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
