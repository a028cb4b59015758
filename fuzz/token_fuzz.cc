// libFuzzer target: replay tokens as the command line takes them (--replay=TOKEN). ParseToken
// must turn any bytes into a token or a one-line error, and a token it accepts must come back
// the same through EncodeToken (its schedule and witnesses; the origin is free text). A crash,
// a sanitizer report, a leak or an out-of-memory is a finding; see scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "explorer/io/token.h"

namespace {

// The seeds (fuzz/corpus/token) carry this scenario's hash, so mutations get past it.
constexpr absl::string_view kScenario = "demo/lock-order@across-executions";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<mmcheck::ReplayToken> token = mmcheck::ParseToken(kScenario, text);
  if (!token.ok()) {
    // One line: the message never carries a newline of the input.
    if (token.status().message().find('\n') != absl::string_view::npos) __builtin_trap();
    return 0;
  }
  const std::string again =
      mmcheck::EncodeToken(kScenario, token->schedule, token->origin, token->witnesses);
  absl::StatusOr<mmcheck::ReplayToken> back = mmcheck::ParseToken(kScenario, again);
  if (!back.ok() || back->schedule != token->schedule || back->witnesses != token->witnesses) {
    __builtin_trap();
  }
  return 0;
}
