// One-line JSON objects for the `--json` contract of architecture.md section 6.
#ifndef MMCHECK_CLI_JSON_H_
#define MMCHECK_CLI_JSON_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace mmcheck {

// Builds {"a":1,"b":"x",...} in the order fields are added.
class JsonObject {
 public:
  JsonObject& Add(absl::string_view key, absl::string_view value);
  JsonObject& Add(absl::string_view key, const char* value) {
    return Add(key, absl::string_view(value));
  }
  JsonObject& Add(absl::string_view key, bool value);
  JsonObject& Add(absl::string_view key, int64_t value);
  JsonObject& Add(absl::string_view key, uint64_t value) {
    return Add(key, static_cast<int64_t>(value));
  }
  JsonObject& Add(absl::string_view key, int value) {
    return Add(key, static_cast<int64_t>(value));
  }
  JsonObject& Add(absl::string_view key, double value);
  JsonObject& Add(absl::string_view key, const JsonObject& value);
  std::string str() const { return "{" + body_ + "}"; }

 private:
  void Key(absl::string_view key);
  std::string body_;
};

// A JSON string literal, quotes included.
std::string JsonQuote(absl::string_view text);

}  // namespace mmcheck

#endif  // MMCHECK_CLI_JSON_H_
