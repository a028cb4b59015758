// One scenario of a `run`, as a unit of work: explored, judged and rendered wherever it runs (a
// worker thread, or another process under mpirun), and handed back as the bytes the run prints
// and writes. Rendering where the search ran keeps what is printed the same whichever worker ran
// it, and lets a process on another machine send its reports to the one that writes them.
#ifndef MMCHECK_CLI_SCENARIO_UNIT_H_
#define MMCHECK_CLI_SCENARIO_UNIT_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cli/options.h"
#include "explorer/runtime/explorer.h"
#include "explorer/runtime/scenario.h"

namespace mmcheck {

struct UnitResult {
  absl::Status status;   // an input error (a bad replay token): the run stops with it, exit 2
  bool matches = false;  // the verdict is the scenario's expectation
  std::string text;      // the text lines of the scenario
  std::string json;      // its JSON object, one line without the newline
  std::string junit;     // its JUnit <testcase> element (--junit)
  bool interrupted = false;  // its search was cut short by an interrupt
  uint64_t explored_executions = 0;  // ExploreResult::explored()
  // With --report: (file name inside the report directory, contents) for each report file.
  std::vector<std::pair<std::string, std::string>> files;
};

// Explores `instance` as `options` say, judges it against its expectation and renders its text
// line, JSON object, JUnit test case and (with --report) report files. `progress` is called as
// the search goes; once `*interrupt` is set (may be null) the search stops.
UnitResult RunUnit(const Options& options, const ScenarioInstance& instance,
                   const std::function<void(const ExploreProgress&)>& progress,
                   const std::atomic<bool>* interrupt = nullptr);

// The JUnit XML document of a run: `testcases` are the units' <testcase> elements in order.
std::string JunitDocument(const std::string& testcases, size_t tests, size_t failures,
                          double seconds);

// The base names of `violations`' report files in the report directory, in their order:
// `<scenario with / as __>.<kind>`, and `.<kind>-2`, `-3`... for a second and later violation of
// one kind (a twin's finding met after another of its kind).
std::vector<std::string> ReportBaseNames(absl::string_view scenario,
                                         const std::vector<Violation>& violations);

// The result of unit `index` (the scenario's place in the run's list) as bytes and back, for
// sending between processes. Decode rejects bytes that are not an encoding (truncated or from
// another build).
std::string EncodeUnit(uint64_t index, const UnitResult& result);
absl::StatusOr<std::pair<uint64_t, UnitResult>> DecodeUnit(absl::string_view bytes);

}  // namespace mmcheck

#endif  // MMCHECK_CLI_SCENARIO_UNIT_H_
