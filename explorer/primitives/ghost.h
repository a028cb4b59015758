// GhostCounter: model bookkeeping that no kernel code reads (a count of the readers that own a
// VMA lock), kept without scheduling points but ordered by DPOR like an rwsem's reader count.
//
// A change (add) belongs to the step its thread performed last (it runs in that step's atomic
// block), and so does a check that reads it (read): DPOR treats the first as a change of the
// ghost's count and the second as a read of it, so changes commute with each other and every
// check is ordered against every change, as a check must be to be sound (issue 14 (d)). One
// ghost per step: a step's block that touches two different ghosts is a checker error.
#ifndef MMCHECK_EXPLORER_PRIMITIVES_GHOST_H_
#define MMCHECK_EXPLORER_PRIMITIVES_GHOST_H_

#include "explorer/runtime/execution.h"

namespace mmcheck {

class GhostCounter {
 public:
  explicit GhostCounter(const char* name = "ghost", int index = -1)
      : id_(Execution::Get().RegisterObject("ghost", name, index)) {}
  GhostCounter(GhostCounter&&) = default;
  GhostCounter& operator=(GhostCounter&&) = delete;

  void add(int delta) {
    Execution::Get().GhostAccess(id_, /*change=*/true);
    value_ += delta;
  }
  int read() const {
    Execution::Get().GhostAccess(id_, /*change=*/false);
    return value_;
  }
  int id() const { return id_; }

 private:
  int value_ = 0;
  int id_;
};

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_PRIMITIVES_GHOST_H_
