// The race diagram; see race_diagram.h.
#include "viz/race_diagram.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace mmcheck {
namespace {

constexpr size_t kWidth = 80;
// Threads side by side as columns, up to this many; more are drawn as indented lanes.
constexpr size_t kMaxColumns = 3;
// A space Wrap does not break at: "<== deadlock" stays on one line.
constexpr char kGlue = '\x01';

// `text` in lines of at most `width` characters, broken at a space or after a call's '(' where
// possible (a word longer than a line is broken inside), each line after the first indented by
// `indent`. Nothing is cut.
std::vector<std::string> Wrap(const std::string& text, size_t width, size_t indent) {
  indent = std::min(indent, width / 2);
  std::vector<std::string> lines;
  std::string rest = text;
  size_t keep = text.find_first_not_of(' ');  // a break must leave some text on the line
  if (keep == std::string::npos) keep = 0;
  while (rest.size() > width) {
    // The last space, or the last '(' of a call ("wait_unlocked(folio_lock[1])": the '(' stays
    // on this line), that leaves text on the line.
    size_t cut = width;
    for (size_t p = width; p-- > keep + 1;) {
      if (rest[p] == ' ' || (rest[p] == '(' && rest[p - 1] != ' ')) {
        cut = rest[p] == '(' ? p + 1 : p;
        break;
      }
    }
    lines.push_back(rest.substr(0, cut));
    const size_t next = rest.find_first_not_of(' ', cut);
    if (next == std::string::npos) {
      rest.clear();
      break;
    }
    rest = std::string(indent, ' ') + rest.substr(next);
    keep = indent;
  }
  if (!rest.empty() || lines.empty()) lines.push_back(rest);
  for (std::string& line : lines) std::replace(line.begin(), line.end(), kGlue, ' ');
  return lines;
}

std::string RightTrim(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// One line of the diagram before layout: a thread's kernel call, step or note.
struct Row {
  int thread;
  std::string text;
};

}  // namespace

std::string RaceDiagram(const ReportHeader& header, const Violation& v) {
  const Trace& t = v.trace;
  const Marks marks = MarkViolation(v);
  const size_t steps = std::min(t.steps.size(), static_cast<size_t>(std::max(v.step, 0)));
  const std::string marker = absl::StrCat(" <==", std::string(1, kGlue), KindName(v.kind));

  // The rows, in time order. A kernel call is the run of a thread's steps in one (model)
  // function: folded, it is one row naming the function, with its key steps under it; verbose,
  // every step is under it. A note (a race's access, a blocked operation) is a row of its own
  // after its thread's step.
  std::vector<Row> rows;
  std::vector<std::string> function_of(t.thread_names.size());
  std::vector<bool> has_rows(t.thread_names.size(), false);
  auto add = [&](int thread, std::string text) {
    has_rows[static_cast<size_t>(thread)] = true;
    rows.push_back(Row{thread, std::move(text)});
  };
  auto add_notes = [&](int after_step, int thread) {
    for (size_t n = 0; n < v.notes.size(); ++n) {
      const TraceNote& note = v.notes[n];
      if (note.after_step != after_step || note.thread != thread) continue;
      const bool indented = !function_of[static_cast<size_t>(thread)].empty();
      add(thread, absl::StrCat(indented ? "  " : "", note.text,
                               static_cast<int>(n) == marks.note ? marker : ""));
    }
  };
  for (size_t th = 0; th < t.thread_names.size(); ++th) add_notes(-1, static_cast<int>(th));
  for (size_t i = 0; i < steps; ++i) {
    const Step& s = t.steps[i];
    std::string& current = function_of[static_cast<size_t>(s.thread)];
    const std::string function = s.function != nullptr ? s.function : "";
    if (!function.empty() && function != current) add(s.thread, absl::StrCat(function, "()"));
    current = function;
    if (header.verbose || marks.key[i] || function.empty()) {
      std::string text =
          absl::StrCat(function.empty() ? "" : "  ", OpName(s.op), "(", t.ObjectName(s), ")");
      const std::string effect = DescribeEffect(t, s);
      if (!effect.empty()) absl::StrAppend(&text, " ", effect);
      if (static_cast<int>(i) == marks.step) absl::StrAppend(&text, marker);
      if (marks.read_by_check[i]) absl::StrAppend(&text, " (read by the check)");
      if (marks.overwritten_by[i] >= 0) {
        absl::StrAppend(&text, " (stale: overwritten at step ", marks.overwritten_by[i] + 1, ")");
      }
      add(s.thread, std::move(text));
    }
    add_notes(static_cast<int>(i), s.thread);
  }

  // Lanes: every thread with a row, and the one that found the violation, in thread order.
  std::vector<int> lanes;
  std::vector<std::string> idle;
  for (size_t th = 0; th < t.thread_names.size(); ++th) {
    if (has_rows[th] || static_cast<int>(th) == v.thread) {
      lanes.push_back(static_cast<int>(th));
    } else {
      idle.push_back(t.thread_names[th]);
    }
  }
  std::string out;
  for (const std::string& line :
       Wrap(absl::StrCat(KindName(v.kind), " in ", header.scenario), kWidth, 4)) {
    absl::StrAppend(&out, line, "\n");
  }
  absl::StrAppend(&out, "\n");
  auto lane_of = [&](int thread) {
    return static_cast<size_t>(std::find(lanes.begin(), lanes.end(), thread) - lanes.begin());
  };
  auto cpu = [&](int th) {
    return absl::StrCat("CPU ", th, " (", t.thread_names[static_cast<size_t>(th)], ")");
  };
  if (!lanes.empty() && lanes.size() <= kMaxColumns) {
    // Columns, as kernel commit messages draw two or three CPUs; a long entry wraps inside its
    // column.
    const size_t width = kWidth / lanes.size();
    std::string head;
    for (size_t l = 0; l < lanes.size(); ++l) {
      std::string name = cpu(lanes[l]);
      if (l + 1 < lanes.size() && name.size() >= width) name = absl::StrCat("CPU ", lanes[l]);
      name.resize(std::max(name.size(), width), ' ');
      head += name;
    }
    absl::StrAppend(&out, RightTrim(head), "\n");
    for (const Row& row : rows) {
      const size_t lane = lane_of(row.thread);
      const size_t left = width * lane;
      const size_t room = lane + 1 == lanes.size() ? kWidth - left : width - 1;
      const size_t indent = row.text.find_first_not_of(' ') + 2;
      for (const std::string& line : Wrap(row.text, room, indent)) {
        absl::StrAppend(&out, RightTrim(std::string(left, ' ') + line), "\n");
      }
    }
  } else if (!lanes.empty()) {
    // Lanes: each thread's rows indented by its lane and tagged with its CPU number, so that
    // every thread is there and no line is cut however many there are.
    std::vector<std::string> names;
    for (int th : lanes) names.push_back(cpu(th));
    for (const std::string& line : Wrap(absl::StrJoin(names, ", "), kWidth, 0)) {
      absl::StrAppend(&out, line, "\n");
    }
    absl::StrAppend(&out, "\n");
    const size_t step = std::clamp<size_t>((kWidth - 40) / (lanes.size() - 1), 2, 6);
    for (const Row& row : rows) {
      const std::string tag = absl::StrCat("[", row.thread, "] ");
      const size_t left = step * lane_of(row.thread);
      const size_t indent = tag.size() + row.text.find_first_not_of(' ') + 2;
      for (const std::string& line : Wrap(tag + row.text, kWidth - left, indent)) {
        absl::StrAppend(&out, RightTrim(std::string(left, ' ') + line), "\n");
      }
    }
  }
  if (!idle.empty()) {
    for (const std::string& line :
         Wrap(absl::StrCat("(no step: ", absl::StrJoin(idle, ", "), ")"), kWidth, 1)) {
      absl::StrAppend(&out, line, "\n");
    }
  }
  // What was found, below the lanes; a check at the end or after a step has no row to mark.
  const bool marked = marks.step >= 0 || marks.note >= 0;
  const std::string what =
      marked ? absl::StrCat(KindName(v.kind), ": ", v.message)
             : absl::StrCat(
                   "==>", std::string(1, kGlue), KindName(v.kind),
                   v.thread < 0
                       ? absl::StrCat(" after step ", v.step, ": ")
                       : absl::StrCat(" in ", t.thread_names[static_cast<size_t>(v.thread)], ": "),
                   v.message);
  absl::StrAppend(&out, "\n");
  for (const std::string& line : Wrap(what, kWidth, 4)) absl::StrAppend(&out, line, "\n");
  return out;
}

}  // namespace mmcheck
