// The text report; see text_report.h.
#include "viz/text_report.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace mmcheck {

std::string DescribeEffect(const Trace& trace, const Step& step) {
  auto v = [&](int64_t x) { return trace.Value(step, x); };
  switch (step.op) {
    case OpKind::kLoad:
      return absl::StrCat("-> ", v(step.value));
    case OpKind::kStore:
      return absl::StrCat("= ", v(step.value));
    case OpKind::kExchange:
      return absl::StrCat(v(step.value), " -> ", v(step.arg));
    case OpKind::kFetchAdd:
      return absl::StrCat(step.value, " + ", step.arg);
    case OpKind::kCompareExchange:
      return step.ok ? absl::StrCat(v(step.value), " -> ", v(step.arg))
                     : absl::StrCat("failed, saw ", v(step.value));
    case OpKind::kTryLock:
    case OpKind::kSpinTryLock:
    case OpKind::kDownReadTry:
    case OpKind::kDownWriteTry:
      return step.ok ? "taken" : "busy";
    default:
      return "";
  }
}

std::string TextReport(const ReportHeader& header, const Violation& v) {
  const Trace& trace = v.trace;
  std::string out;
  absl::StrAppend(&out, "mmcheck: ", KindName(v.kind), " in ", header.scenario, "\n\n");
  absl::StrAppend(&out, v.message, "\n\n");
  absl::StrAppend(&out, "scenario:    ", header.scenario, " (expect ", header.expect, ")\n");
  absl::StrAppend(&out, "strategy:    ", v.found_by, ", execution ", v.execution, "\n");
  const std::string who =
      v.thread >= 0 && v.thread < static_cast<int>(trace.thread_names.size())
          ? absl::StrCat("thread ", v.thread, " '", trace.thread_names[v.thread], "'")
          : std::string("the end-of-run check");
  const std::string preemptions =
      absl::StrCat(v.preemptions, v.preemptions == 1 ? " preemption" : " preemptions");
  if (v.kind == ViolationKind::kDeadlock) {
    // Found by the scheduler when no thread could run, not by a step of the named thread.
    absl::StrAppend(&out, "found:       no thread can run after step ", v.step, " (", preemptions,
                    "); the cycle starts at ", who, "\n");
  } else {
    absl::StrAppend(&out, "found by:    ", who, " at step ", v.step, ", after ", preemptions, "\n");
  }
  absl::StrAppend(&out, "replay:      ", header.program, " run ", header.scenario, " --replay=", v.schedule,
                  "\n\n");

  size_t name_width = 6;
  for (const std::string& name : trace.thread_names) name_width = std::max(name_width, name.size());
  auto row = [&](size_t i) {
    const Step& s = trace.steps[i];
    const std::string& thread = trace.thread_names[s.thread];
    return absl::StrFormat("%5d  %-*s  %-16s %-12s %-14s %s:%d%s\n", i + 1,
                           static_cast<int>(name_width), thread, OpName(s.op), trace.ObjectName(s),
                           DescribeEffect(trace, s), s.file, s.line,
                           static_cast<int>(i + 1) == v.step ? "   <==" : "");
  };
  absl::StrAppend(&out, "Interleaving:\n");
  absl::StrAppend(&out, absl::StrFormat("%5s  %-*s  %-16s %-12s %-14s %s\n", "step",
                                        static_cast<int>(name_width), "thread", "operation",
                                        "object", "effect", "location"));
  for (size_t i = 0; i < trace.steps.size(); ++i) absl::StrAppend(&out, row(i));

  absl::StrAppend(&out, "\nPer thread:\n");
  for (size_t t = 0; t < trace.thread_names.size(); ++t) {
    absl::StrAppend(&out, "thread ", t, " '", trace.thread_names[t], "':\n");
    bool any = false;
    for (size_t i = 0; i < trace.steps.size(); ++i) {
      if (static_cast<size_t>(trace.steps[i].thread) != t) continue;
      absl::StrAppend(&out, row(i));
      any = true;
    }
    if (!any) absl::StrAppend(&out, "      (no steps)\n");
  }
  return out;
}

}  // namespace mmcheck
