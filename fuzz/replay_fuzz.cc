// libFuzzer target: replaying any token against the scenarios it may name. A token that parses
// is replayed on the scenario whose hash it carries (one of three small ones, with a lock-order
// cycle across executions, a deadlock and a data race); the replay must end, with a result or an
// input error, whatever the schedule asks. A crash, a sanitizer report, a leak, an
// out-of-memory or a timeout is a finding; see scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "explorer/io/token.h"
#include "explorer/runtime/explorer.h"
#include "explorer/runtime/scenario.h"
#include "explorer/search/replay_strategy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  for (const char* name :
       {"demo/lock-order@across-executions", "demo/lock-order@abba", "demo/publish@no-wait"}) {
    absl::StatusOr<mmcheck::ReplayToken> token = mmcheck::ParseToken(name, text);
    if (!token.ok()) continue;
    absl::StatusOr<mmcheck::ScenarioInstance> instance = mmcheck::FindScenario(name);
    if (!instance.ok()) __builtin_trap();
    mmcheck::ReplayStrategy replay(*std::move(token));
    mmcheck::ExploreOptions options;
    options.scenario = name;
    options.limits.max_steps_per_thread = 1000;
    const mmcheck::ExploreResult result =
        mmcheck::Explore([&] { instance->Run(); }, replay, options);
    (void)result;
  }
  return 0;
}
