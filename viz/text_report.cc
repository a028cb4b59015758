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

Marks MarkViolation(const Violation& v) {
  const Trace& t = v.trace;
  Marks m;
  m.key.assign(t.steps.size(), false);
  // A finding recorded with notes (a race's accesses, a deadlock's blocked operations) is marked
  // on its thread's last note; else on the step that found it, if that thread performed it.
  for (size_t i = 0; i < v.notes.size(); ++i) {
    if (v.notes[i].thread == v.thread) m.note = static_cast<int>(i);
  }
  const int last = std::min(v.step, static_cast<int>(t.steps.size())) - 1;
  if (m.note < 0 && v.thread >= 0 && last >= 0 &&
      t.steps[static_cast<size_t>(last)].thread == v.thread) {
    m.step = last;
    m.key[static_cast<size_t>(last)] = true;
  }
  m.holder.assign(v.notes.size(), -1);
  for (size_t n = 0; n < v.notes.size(); ++n) {
    // The holder's acquisition of what a blocked operation waits for: the last acquisition of
    // the object by another thread that has not released it since.
    const TraceNote& note = v.notes[n];
    if (!note.blocked || note.object < 0) continue;
    std::vector<int> holds(t.thread_names.size(), 0), taken(t.thread_names.size(), -1);
    for (int i = 0; i <= last; ++i) {
      const Step& s = t.steps[static_cast<size_t>(i)];
      if (s.object != note.object || s.thread == note.thread) continue;
      const Access a = AccessOf(s);
      if (a.acquires) {
        ++holds[static_cast<size_t>(s.thread)];
        taken[static_cast<size_t>(s.thread)] = i;
      } else if (a.releases) {
        --holds[static_cast<size_t>(s.thread)];
      }
    }
    for (size_t th = 0; th < holds.size(); ++th) {
      if (holds[th] <= 0 || (note.waits_for >= 0 && static_cast<int>(th) != note.waits_for))
        continue;
      m.key[static_cast<size_t>(taken[th])] = true;
      if (m.holder[n] < 0) m.holder[n] = taken[th];
    }
  }
  m.read_by_check.assign(t.steps.size(), false);
  m.overwritten_by.assign(t.steps.size(), -1);
  for (const int i : v.key_steps) {
    if (i < 0 || i > last) continue;
    m.key[static_cast<size_t>(i)] = true;
    m.read_by_check[static_cast<size_t>(i)] = true;
    // The stale reads behind that write: reads its thread made before it of an object another
    // thread wrote afterwards (before the check).
    const Step& w = t.steps[static_cast<size_t>(i)];
    for (int r = i - 1; r >= 0; --r) {
      const Step& s = t.steps[static_cast<size_t>(r)];
      const Access a = AccessOf(s);
      if (s.thread != w.thread || s.object < 0 || !a.reads || a.writes || a.acquires) continue;
      for (int k = r + 1; k <= last; ++k) {
        const Step& o = t.steps[static_cast<size_t>(k)];
        const Access b = AccessOf(o);
        if (o.thread != s.thread && o.object == s.object && b.writes && !b.acquires &&
            !b.releases) {
          m.overwritten_by[static_cast<size_t>(r)] = k;
          m.key[static_cast<size_t>(r)] = true;
          break;
        }
      }
    }
  }
  if (v.kind == ViolationKind::kInvariant) {
    std::vector<bool> seen(t.thread_names.size(), false);
    for (int i = last; i >= 0; --i) {
      const Step& s = t.steps[static_cast<size_t>(i)];
      if (s.observed && !seen[static_cast<size_t>(s.thread)]) {
        seen[static_cast<size_t>(s.thread)] = true;
        m.key[static_cast<size_t>(i)] = true;
      }
    }
  }
  for (int i = 0; i <= last; ++i) {
    const Step& s = t.steps[static_cast<size_t>(i)];
    const bool tries = s.op == OpKind::kTryLock || s.op == OpKind::kSpinTryLock ||
                       s.op == OpKind::kDownReadTry || s.op == OpKind::kDownWriteTry ||
                       s.op == OpKind::kCompareExchange;
    if (tries && !s.ok) m.key[static_cast<size_t>(i)] = true;
  }
  return m;
}

std::string TextReport(const ReportHeader& header, const Violation& v) {
  const Trace& trace = v.trace;
  const Marks marks = MarkViolation(v);
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
    // At the step that is the finding, or after the steps so far (a check, a plain access).
    absl::StrAppend(&out, "found by:    ", who, marks.step >= 0 ? " at step " : " after step ",
                    v.step, " (", preemptions, ")\n");
  }
  absl::StrAppend(&out, "replay:      ", header.program, " run ", header.scenario,
                  " --replay=", v.schedule, "\n\n");

  size_t name_width = 6;
  for (const std::string& name : trace.thread_names) name_width = std::max(name_width, name.size());
  // A step's row, then the notes that come after it in its thread (a race's access, a blocked
  // operation), which are not steps: no step number.
  auto notes_after = [&](int step, int thread) {
    std::string rows;
    for (size_t n = 0; n < v.notes.size(); ++n) {
      const TraceNote& note = v.notes[n];
      if (note.after_step != step || (step < 0 && note.thread != thread)) continue;
      rows += absl::StrFormat("%5s  %-*s  -- %s%s\n", "", static_cast<int>(name_width),
                              trace.thread_names[static_cast<size_t>(note.thread)], note.text,
                              static_cast<int>(n) == marks.note ? "   <==" : "");
    }
    return rows;
  };
  auto row = [&](size_t i) {
    const Step& s = trace.steps[i];
    const std::string& thread = trace.thread_names[s.thread];
    return absl::StrCat(
        absl::StrFormat("%5d  %-*s  %-16s %-12s %-14s %s:%d%s\n", i + 1,
                        static_cast<int>(name_width), thread, OpName(s.op), trace.ObjectName(s),
                        DescribeEffect(trace, s), s.file, s.line,
                        static_cast<int>(i) == marks.step ? "   <=="
                        : marks.read_by_check[i]        ? "   <-- read by the check"
                        : marks.overwritten_by[i] >= 0
                            ? absl::StrCat("   <-- stale: overwritten at step ",
                                           marks.overwritten_by[i] + 1)
                            : ""),
        notes_after(static_cast<int>(i), s.thread));
  };
  absl::StrAppend(&out, "Interleaving:\n");
  absl::StrAppend(&out, absl::StrFormat("%5s  %-*s  %-16s %-12s %-14s %s\n", "step",
                                        static_cast<int>(name_width), "thread", "operation",
                                        "object", "effect", "location"));
  for (size_t t = 0; t < trace.thread_names.size(); ++t) {
    absl::StrAppend(&out, notes_after(-1, static_cast<int>(t)));
  }
  for (size_t i = 0; i < trace.steps.size(); ++i) absl::StrAppend(&out, row(i));

  absl::StrAppend(&out, "\nPer thread:\n");
  for (size_t t = 0; t < trace.thread_names.size(); ++t) {
    absl::StrAppend(&out, "thread ", t, " '", trace.thread_names[t], "':\n");
    const std::string first_notes = notes_after(-1, static_cast<int>(t));
    absl::StrAppend(&out, first_notes);
    bool any = !first_notes.empty();
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
