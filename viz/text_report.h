// The text report of a violation: what a reviewer pastes into a mail.
//
// Kind, message, scenario, strategy, execution number, replay command, then the interleaving
// step by step (step, thread, operation, object, value, source location), then the same steps
// grouped per thread. Everything comes from the Violation value, so a replay of its token gives a
// byte-identical report on the same build.
#ifndef MMCHECK_VIZ_TEXT_REPORT_H_
#define MMCHECK_VIZ_TEXT_REPORT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "explorer/runtime/violation.h"

namespace mmcheck {

struct ReportHeader {
  absl::string_view scenario;
  absl::string_view expect;    // "pass" or "violation:<kind>"
  absl::string_view strategy;  // the strategy that found it
  // The command that replays it: mmcheck, or a checker of one's own built on mmcheck::main.
  absl::string_view program = "mmcheck";
};

// What a step did to its object, e.g. "-> 0", "= 1", "0 -> 1", "failed, saw 3", "busy".
std::string DescribeEffect(const Trace& trace, const Step& step);

std::string TextReport(const ReportHeader& header, const Violation& violation);

}  // namespace mmcheck

#endif  // MMCHECK_VIZ_TEXT_REPORT_H_
