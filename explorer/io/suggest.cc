// See suggest.h.
#include "explorer/io/suggest.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace mmcheck {
namespace {

// Edit distance with adjacent transpositions (optimal string alignment: "dsf" is one edit from
// "dfs"), three rows; gives up (returns limit + 1) once every entry of a row is past `limit`, so
// a long candidate list costs little.
size_t Distance(absl::string_view a, absl::string_view b, size_t limit) {
  const size_t gap = a.size() > b.size() ? a.size() - b.size() : b.size() - a.size();
  if (gap > limit) return limit + 1;
  std::vector<size_t> before(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    size_t row_min = cur[0];
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        cur[j] = std::min(cur[j], before[j - 2] + 1);
      }
      row_min = std::min(row_min, cur[j]);
    }
    if (row_min > limit) return limit + 1;
    std::swap(before, prev);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::string ClosestMatch(absl::string_view typed, const std::vector<std::string>& candidates) {
  if (typed.empty()) return "";
  const std::string lower = absl::AsciiStrToLower(typed);
  const size_t limit = std::max<size_t>(1, typed.size() / 3);
  const std::string* best = nullptr;
  size_t best_distance = limit + 1;
  for (const std::string& c : candidates) {
    if (c == typed) continue;
    const size_t d = absl::AsciiStrToLower(c) == lower ? 0 : Distance(typed, c, limit);
    if (d < best_distance) {
      best = &c;
      best_distance = d;
    }
  }
  return best != nullptr ? *best : "";
}

std::string DidYouMean(absl::string_view typed, const std::vector<std::string>& candidates) {
  const std::string closest = ClosestMatch(typed, candidates);
  return closest.empty() ? "" : absl::StrCat(" (did you mean '", closest, "'?)");
}

}  // namespace mmcheck
