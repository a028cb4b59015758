// Replay tokens: a printable, versioned encoding of one execution's schedule.
//
// Format v1: "v1:" + 8 hex digits of the FNV-1a hash of the scenario name + ":" + the thread
// picked at each scheduling point, run-length encoded as "T" or "T*N" joined by ".". Example:
// "v1:1f2e3d4c:0*3.1.0*2" is threads 0,0,0,1,0,0 of the scenario whose name hashes to 1f2e3d4c.
// The hash makes a token given to the wrong scenario an input error instead of a wrong replay.
// An optional fourth field records where the violation was found, "<strategy>.<execution>"
// ("v1:1f2e3d4c:0*3.1.0*2:dpor.12"), so a replay reports the same origin and writes the same
// report files as the run that found it.
#ifndef MMCHECK_EXPLORER_TOKEN_H_
#define MMCHECK_EXPLORER_TOKEN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mmcheck {

uint32_t ScenarioHash(absl::string_view scenario);

struct Provenance {
  std::string strategy;  // empty: unknown
  int execution = 0;
};

std::string EncodeToken(absl::string_view scenario, const std::vector<int>& schedule,
                        const Provenance& provenance = {});

// Fails (InvalidArgument, one line) on a token that does not parse or names another scenario.
absl::StatusOr<std::vector<int>> DecodeToken(absl::string_view scenario, absl::string_view token);
// The provenance field of a token DecodeToken accepts (empty strategy if it has none).
Provenance TokenProvenance(absl::string_view token);

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_TOKEN_H_
