// Violation kinds and values: what a finding in scenario or model code is.
//
// The kinds and their meaning are the table of architecture.md 2.4. A violation is a value recorded
// on the execution that found it; it never travels as an exception across a fiber boundary.
#ifndef MMCHECK_EXPLORER_RUNTIME_VIOLATION_H_
#define MMCHECK_EXPLORER_RUNTIME_VIOLATION_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "explorer/io/token.h"
#include "explorer/runtime/trace.h"

namespace mmcheck {

enum class ViolationKind : uint8_t {
  kAssertion,
  kInvariant,
  kDeadlock,
  kLivelock,
  kLockMisuse,
  kLockOrder,
  kSleepInAtomic,
  kUseAfterFree,
  kDataRace,
  kException,  // scenario or model code threw (a bug of the scenario, reported as a finding)
  kCrash,          // a scenario thread died of a fatal signal (crash_guard.h)
  kStackOverflow,  // a scenario thread overflowed its fiber's stack
  kResourceLimit,  // scenario or model code ran out of memory (std::bad_alloc)
};
inline constexpr int kNumViolationKinds = 13;

// "assertion", "lock-misuse", ... as in architecture.md 2.4.
absl::string_view KindName(ViolationKind kind);
std::optional<ViolationKind> ParseKind(absl::string_view name);

// A finding a buggy twin declares: a kind and, to tell findings of one kind apart, a detail
// ("invariant:I-PT-7", "use-after-free:VMA", "deadlock:fault_pending_wqh"). A violation is that
// finding when its kind is the finding's and the detail is empty, is the invariant code its
// message opens with ("I-PT-7: ..."), or occurs in its message.
struct Finding {
  ViolationKind kind;
  std::string detail;
  // "kind" or "kind:detail".
  std::string ToString() const;
};

struct Violation;
bool IsFinding(const Violation& v, const Finding& finding);

// What a finding involves that the trace's steps do not show, for reports to draw in place: a
// data race's or an unordered free's two plain accesses, a deadlock's blocked operations. A note
// belongs to its thread's lane right after that thread's step `after_step` (an index into the
// trace's steps; -1: before the thread's first step).
struct TraceNote {
  int thread = 0;
  int after_step = -1;
  std::string text;    // "writes data (scenarios/demo/publish.cc:17)", "down_write(mmap_lock)"
  int waits_for = -1;  // a blocked operation: the thread it waits for, or -1
  bool blocked = false;
  int object = -1;  // the object accessed or waited for (an id of the trace's objects), or -1
};

struct Violation {
  ViolationKind kind;
  std::string message;
  int thread = -1;       // index of the thread that found it; -1 for an end-of-run check
  int step = 0;          // 1-based step at which it was found (0: before any step)
  int preemptions = 0;   // context switches away from a thread that could have continued
  std::string schedule;  // replay token
  Trace trace;           // the failing execution, step by step
  int execution = 0;     // 1-based number of the execution that found it
  std::string found_by;  // the strategy that found it
  int picks = 0;         // scheduling decisions up to the finding: the replay token's length
  // Earlier executions the finding depends on (a lock-order cycle's other edges): the token
  // carries them (token.h).
  std::vector<Witness> witnesses;
  std::vector<TraceNote> notes;
  // Steps that made a failing end-of-run check false: the last write of each object it read (an
  // atomic's writing step; for plain data, the step in whose block its writer wrote it).
  std::vector<int> key_steps;
};

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_RUNTIME_VIOLATION_H_
