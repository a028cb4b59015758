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
  // Race diagrams: every step, not one line per kernel call (--verbose).
  bool verbose = false;
};

// Where a violation shows in its trace, for every report alike.
struct Marks {
  // The step or the note (Violation::notes) that is the finding, marked "<== kind"; neither for a
  // check at the end of the run or after a step that no thread's step is (marked_after).
  int step = -1;
  int note = -1;
  // Steps a folded race diagram always shows: the marked one; the acquisition of each lock a
  // blocked operation waits for; each thread's last step that changed what a failing invariant
  // observes; a trylock or compare-exchange that failed.
  std::vector<bool> key;
  // By note: for a blocked operation, the step that took what it waits for and still holds it
  // (of the thread it waits for, or, waiting on readers, of a reader), or -1.
  std::vector<int> holder;
  // Steps that last wrote what a failing end-of-run check read (Violation::key_steps).
  std::vector<bool> read_by_check;
  // By step: for a read a later write of another thread made stale (a read by the thread of a
  // step the check read, before that step: the value it acted on), that write's step; else -1.
  std::vector<int> overwritten_by;
};
Marks MarkViolation(const Violation& violation);

// What a step did to its object, e.g. "-> 0", "= 1", "0 -> 1", "failed, saw 3", "busy".
std::string DescribeEffect(const Trace& trace, const Step& step);

std::string TextReport(const ReportHeader& header, const Violation& violation);

}  // namespace mmcheck

#endif  // MMCHECK_VIZ_TEXT_REPORT_H_
