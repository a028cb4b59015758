// Replay tokens: a printable, versioned encoding of one execution's schedule.
//
// Format v1: "v1:" + 8 hex digits of the FNV-1a hash of the scenario name + ":" + the thread
// picked at each scheduling point, run-length encoded as "T" or "T*N" joined by ".". Example:
// "v1:1f2e3d4c:0*3.1.0*2" is threads 0,0,0,1,0,0 of the scenario whose name hashes to 1f2e3d4c.
// The hash makes a token given to the wrong scenario an input error instead of a wrong replay.
// An optional fourth field records where the violation was found, "<strategy>.<execution>"
// ("v1:1f2e3d4c:0*3.1.0*2:dpor.12"), so a replay reports the same origin and writes the same
// report files as the run that found it.
//
// Format v2 adds what a violation found across executions needs: a lock-order cycle closes with
// an edge of its own execution, but its other edges were first seen in earlier ones. The fifth
// field lists those executions as witnesses, "<execution>=<schedule>" joined by ";", each the
// schedule up to the acquisition that added its edge:
// "v2:1f2e3d4c:0*3.1*2:dpor.7:2=0.1*3;5=1*2.0". A replay runs the witnesses first, in order, as
// the executions of those numbers (they feed lockdep's graph and report nothing), then the
// schedule. The origin field is required in v2 (it may be empty: "v2:h:s::w"). Encoding writes
// v1 whenever there are no witnesses, and v1 tokens replay as they always did.
#ifndef MMCHECK_EXPLORER_IO_TOKEN_H_
#define MMCHECK_EXPLORER_IO_TOKEN_H_

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

// An earlier execution a violation depends on: its number and its schedule up to the point
// that matters (a lock-order edge's acquisition).
struct Witness {
  int execution = 0;
  std::vector<int> schedule;
  bool operator==(const Witness& other) const = default;
};

struct ReplayToken {
  std::vector<int> schedule;
  Provenance origin;
  std::vector<Witness> witnesses;
};

std::string EncodeToken(absl::string_view scenario, const std::vector<int>& schedule,
                        const Provenance& provenance = {},
                        const std::vector<Witness>& witnesses = {});

// Fails (InvalidArgument, one line) on a token that does not parse or names another scenario.
absl::StatusOr<ReplayToken> ParseToken(absl::string_view scenario, absl::string_view token);
// ParseToken's schedule alone.
absl::StatusOr<std::vector<int>> DecodeToken(absl::string_view scenario, absl::string_view token);
// The provenance field of a token ParseToken accepts (empty strategy if it has none).
Provenance TokenProvenance(absl::string_view token);

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_IO_TOKEN_H_
