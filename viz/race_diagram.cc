// The race diagram; see race_diagram.h.
#include "viz/race_diagram.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"

namespace mmcheck {
namespace {

constexpr size_t kWidth = 80;

std::string Fit(std::string s, size_t width) {
  if (s.size() > width) s = s.substr(0, width - 1) + "~";
  s.resize(width, ' ');
  return s;
}

std::string RightTrim(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

std::string RaceDiagram(const ReportHeader& header, const Violation& v) {
  const Trace& t = v.trace;
  const int threads = static_cast<int>(t.thread_names.size());
  // Columns: the failing thread first, then the others by how late their last step comes.
  std::vector<int> order;
  if (v.thread >= 0) order.push_back(v.thread);
  std::vector<std::pair<int, int>> last;  // (last step index, thread)
  for (int th = 0; th < threads; ++th) {
    if (th == v.thread) continue;
    int at = -1;
    for (size_t i = 0; i < t.steps.size(); ++i) {
      if (t.steps[i].thread == th) at = static_cast<int>(i);
    }
    if (at >= 0) last.emplace_back(at, th);
  }
  std::sort(last.rbegin(), last.rend());
  for (const auto& [at, th] : last) order.push_back(th);
  const size_t columns = std::min<size_t>(order.size(), 3);
  order.resize(columns);
  std::sort(order.begin(), order.end());  // CPU numbers follow thread numbers
  if (columns == 0) return "";
  const size_t width = kWidth / columns;

  std::string out = absl::StrCat(KindName(v.kind), " in ", header.scenario, "\n\n");
  std::string head;
  for (int th : order) {
    head +=
        Fit(absl::StrCat("CPU ", th, " (", t.thread_names[static_cast<size_t>(th)], ")"), width);
  }
  absl::StrAppend(&out, RightTrim(head), "\n");
  // One line per step in its thread's column, under the name of the (model) function that did
  // it, repeated whenever the function changes: the kernel call a step belongs to.
  std::vector<std::string> function_of(static_cast<size_t>(threads));
  auto emit = [&](std::vector<int>::iterator col, const std::string& text) {
    std::string line(width * static_cast<size_t>(col - order.begin()), ' ');
    line += Fit(text, col + 1 == order.end() ? kWidth - line.size() : width - 1);
    absl::StrAppend(&out, RightTrim(line), "\n");
  };
  for (size_t i = 0; i < t.steps.size(); ++i) {
    const Step& s = t.steps[i];
    auto col = std::find(order.begin(), order.end(), s.thread);
    if (col == order.end()) continue;
    std::string& current = function_of[static_cast<size_t>(s.thread)];
    const std::string function = s.function != nullptr ? s.function : "";
    if (!function.empty() && function != current) emit(col, absl::StrCat(function, "()"));
    current = function;
    std::string text =
        absl::StrCat(function.empty() ? "" : "  ", OpName(s.op), "(", t.ObjectName(s), ")");
    const std::string effect = DescribeEffect(t, s);
    if (!effect.empty()) absl::StrAppend(&text, " ", effect);
    if (static_cast<int>(i + 1) == v.step) absl::StrAppend(&text, " <== ", KindName(v.kind));
    emit(col, text);
  }
  return out;
}

}  // namespace mmcheck
