// Shared<T>: plain (non-atomic) shared data. Accessing it is no scheduling point; every access is
// checked against the execution's happens-before order (explorer/checks/happens_before.h), and two
// conflicting accesses (at least one a write) of different threads that are not ordered are a
// `data-race` violation. This is how a model states "protected by a lock" without paying a
// scheduling point per field access: forget the lock and the checker reports the race.
#ifndef MMCHECK_EXPLORER_PRIMITIVES_SHARED_H_
#define MMCHECK_EXPLORER_PRIMITIVES_SHARED_H_

#include "explorer/runtime/check.h"
#include "explorer/runtime/execution.h"

namespace mmcheck {

template <typename T>
class Shared {
 public:
  // Must be created inside an execution. `name` must outlive it.
  explicit Shared(T initial = T{}, const char* name = "shared", int index = -1)
      : value_(initial), id_(Execution::Get().RegisterShared(name, index)) {}
  Shared(Shared&&) = default;
  Shared& operator=(Shared&&) = delete;

  // `function` is the caller, for reports.
  const T& read(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
                const char* function = __builtin_FUNCTION()) const {
    Execution::Get().PlainAccess(id_, /*write=*/false, file, line, "", function);
    return value_;
  }
  void write(T value, const char* file = __builtin_FILE(), int line = __builtin_LINE(),
             const char* function = __builtin_FUNCTION()) {
    Execution::Get().PlainAccess(id_, /*write=*/true, file, line, "", function);
    value_ = value;
  }
  // A write access that hands out the value for an in-place update.
  T& modify(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
            const char* function = __builtin_FUNCTION()) {
    Execution::Get().PlainAccess(id_, /*write=*/true, file, line, "", function);
    return value_;
  }

  // The value without an access check: for invariants and model oracles, never for the code
  // being modeled.
  const T& peek() const {
    NotePeek(id_);
    return value_;
  }

  int id() const { return id_; }

 private:
  T value_;
  int id_;
};

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_PRIMITIVES_SHARED_H_
