// LockOrder: lockdep for the model. Lock classes (an object's name: every VMA's "vm_lock" is one
// class) and the order in which threads take them, gathered over all executions of a scenario.
//
// At each blocking acquisition, every lock the thread already holds gives an edge held -> new.
// An edge that closes a cycle in the graph is a potential deadlock even if no explored execution
// deadlocked: the check reports the cycle with each edge's acquisition sites and where it was
// first seen. Taking a lock of a class the thread already holds is reported too (lockdep's
// "possible recursive locking"). Trylocks add no edge to the lock they take (they cannot wait),
// but locks taken under them do.
#ifndef MMCHECK_EXPLORER_CHECKS_LOCK_ORDER_H_
#define MMCHECK_EXPLORER_CHECKS_LOCK_ORDER_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "explorer/io/token.h"

namespace mmcheck {

class LockOrder {
 public:
  struct Site {
    std::string lock_class;
    const char* file;
    int line;
  };
  struct Cycle {
    std::string message;
    // The executions that first added the cycle's other edges, each with its schedule up to
    // that acquisition, in the order of the message: a replay runs them first (token.h).
    std::vector<Witness> witnesses;
  };
  // `held` are the thread's holds in acquisition order; `schedule` is this execution's so far.
  // Returns the violation, if any.
  std::optional<Cycle> OnAcquire(const std::string& thread, const std::vector<Site>& held,
                                 const Site& acquiring, int execution,
                                 const std::vector<int>& schedule);

 private:
  struct Edge {
    std::string description;  // "B taken at x.cc:3 while holding A (taken at x.cc:2), thread 't'"
    Witness first_seen;       // the execution that added it, up to the acquisition
  };
  // Path from `from` to `to` in the graph, as classes; empty if none.
  std::vector<std::string> Path(const std::string& from, const std::string& to) const;

  std::map<std::string, std::map<std::string, Edge>> edges_;  // ordered: deterministic reports
};

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_CHECKS_LOCK_ORDER_H_
