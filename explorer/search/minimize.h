// Minimal counterexamples (architecture.md 2.5): among the interleavings of a violating
// execution's happens-before order (its Mazurkiewicz trace), the one with the fewest
// preemptions, ties broken deterministically. All of them have the same steps,
// so "then the fewest steps" never decides.
//
// Happens-before here is program order, spawn and join, and the order of dependent steps on one
// object (AccessOf: two steps conflict unless both only read). A preemption is a switch away from
// a thread that could run on, as the scheduler counts it: one with steps left, unless the next is
// a blocking acquisition whose release has not happened yet. The search is a 0/1 shortest path over
// (steps taken per thread, last thread): cheap for the 2 to 4 threads of a scenario.
#ifndef MMCHECK_EXPLORER_SEARCH_MINIMIZE_H_
#define MMCHECK_EXPLORER_SEARCH_MINIMIZE_H_

#include <optional>
#include <vector>

#include "explorer/runtime/violation.h"

namespace mmcheck {

// The schedule (thread per step) of the minimal interleaving of `v`'s steps, or nullopt when it
// cannot be computed (the trace ends with a step that was never performed, or is too large).
std::optional<std::vector<int>> MinimalSchedule(const Violation& v);

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_SEARCH_MINIMIZE_H_
