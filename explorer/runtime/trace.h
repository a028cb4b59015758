// Step and Trace: the record of one execution, as a sequence of visible operations.
//
// A Step is one visible operation of one thread: what it did (OpKind), to which object (an id from
// the execution's ObjectRegistry, never an address), the value it read or wrote, and the source
// line that did it. A Trace is the steps of one execution plus what is needed to print them
// without the execution: thread role names and object names.
#ifndef MMCHECK_EXPLORER_RUNTIME_TRACE_H_
#define MMCHECK_EXPLORER_RUNTIME_TRACE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "explorer/runtime/ops.h"

namespace mmcheck {

inline constexpr int kNoObject = -1;

struct Step {
  int16_t thread = 0;
  OpKind op = OpKind::kYield;
  bool ok = true;  // a compare_exchange or trylock that succeeded
  int32_t object = kNoObject;
  int64_t value = 0;     // value read (loads, read-modify-writes) or written (stores)
  int64_t arg = 0;       // value written by a read-modify-write / desired value of a cas
  int64_t old = 0;       // the object's value before the step (a lock: 1 if it was busy)
  int64_t expected = 0;  // what a compare_exchange expected
  uint64_t enabled = 0;  // threads that could have been scheduled at this step
  uint64_t wakes = 0;    // spinning threads this step's write let run again
  // The step (or the invisible code its thread ran after it, up to its next step) changed an
  // object an invariant observes: DPOR orders every two such steps (Execution::AddInvariant).
  bool observed = false;
  // A GhostCounter its block changed or read (explorer/primitives/ghost.h), or kNoObject.
  int32_t ghost = kNoObject;
  bool ghost_changes = false;
  bool ghost_reads = false;
  const char* file = "";
  int line = 0;
  const char* function = "";  // the (model) function that performed it, for reports
};

// The step a thread announces: what it is about to do, before the outcome is known.
inline Step PendingStep(int thread, OpKind op, int object, int64_t arg, const char* file,
                        int line) {
  Step step;
  step.thread = static_cast<int16_t>(thread);
  step.op = op;
  step.object = object;
  step.arg = arg;
  step.file = file;
  step.line = line;
  return step;
}

// What an object id stands for, for printing, and its key across executions.
struct ObjectInfo {
  const char* kind;  // "atomic", "mutex", ...
  const char* name;  // scenario-given base name
  int index;         // element index for arrays of objects, or -1
  // Dense ids follow creation order, which may differ between executions when threads create
  // objects. The key (creating thread, its n-th object) does not: strategies that compare steps
  // of different executions use it.
  int32_t key;
  // How the object's values read in reports (a page-table entry: "leaf(pfn 1, write)"), or
  // nullptr for plain numbers.
  std::string (*format)(int64_t value) = nullptr;
  // A lock's lockdep class (lockdep_set_class), or nullptr: its name is its class.
  const char* lock_class = nullptr;
};

inline Access AccessOf(const Step& step) { return AccessOf(step.op, step.ok); }

// The access `step` would make if it ran where the object's value is `old` instead (see
// Step::old). Only a compare_exchange and a try_lock change footprint with the state: a reduction
// that moves a step must know what it becomes there.
Access AccessAt(const Step& step, int64_t old);

// The object's value after `step` (a lock: 1 held, 0 free), where one step determines it.
std::optional<int64_t> ValueAfter(const Step& step);

struct Trace {
  std::vector<Step> steps;
  std::vector<std::string> thread_names;  // role names, by thread index
  std::vector<ObjectInfo> objects;        // by object id

  // "x", "a[3]", or "thread 2" for spawn/join steps.
  std::string ObjectName(const Step& step) const;
  std::string ObjectName(int object) const;
  // A value `step` read or wrote, as its object's formatter has it.
  std::string Value(const Step& step, int64_t value) const;
};

// Steps at which a thread that could have continued was switched away from.
int CountPreemptions(const std::vector<Step>& steps);

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_RUNTIME_TRACE_H_
