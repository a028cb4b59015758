// "Did you mean ...?" for a mistyped scenario name, command or option.
#ifndef MMCHECK_EXPLORER_IO_SUGGEST_H_
#define MMCHECK_EXPLORER_IO_SUGGEST_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace mmcheck {

// The candidate closest to `typed` by edit distance (one insertion, deletion or substitution of a
// character, or a swap of two adjacent ones, each), if it is close enough to be a likely typo: at
// most a third of `typed`'s length and at least one edit away, or differing only in letter case.
// The first of equally close candidates wins; "" if none is close enough.
std::string ClosestMatch(absl::string_view typed, const std::vector<std::string>& candidates);

// " (did you mean 'X'?)" for ClosestMatch's X, or "".
std::string DidYouMean(absl::string_view typed, const std::vector<std::string>& candidates);

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_IO_SUGGEST_H_
