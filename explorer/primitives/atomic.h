// Atomic<T>: a sequentially consistent shared variable whose every access is a scheduling point.
//
// Mirrors std::atomic's names. Each operation is one visible step: the thread suspends before
// it, and the scheduler decides when it happens. A compare_exchange that fails is recorded with
// ok = false (it only read). T must be trivially copyable; integral and enum values appear in
// traces, others as 0.
#ifndef MMCHECK_EXPLORER_PRIMITIVES_ATOMIC_H_
#define MMCHECK_EXPLORER_PRIMITIVES_ATOMIC_H_

#include <cstdint>
#include <type_traits>

#include "explorer/runtime/check.h"
#include "explorer/runtime/execution.h"

namespace mmcheck {

// A value type may say how it appears in traces: `int64_t TraceValue() const` encodes it, and
// `static std::string FormatTrace(int64_t)` reads the encoding back for reports.
template <typename T>
int64_t TraceValue(const T& value) {
  if constexpr (requires { value.TraceValue(); }) {
    return value.TraceValue();
  } else if constexpr (std::is_integral_v<T> || std::is_enum_v<T>) {
    return static_cast<int64_t>(value);
  } else if constexpr (std::is_pointer_v<T>) {
    return value == nullptr ? 0 : 1;  // addresses are not deterministic
  } else {
    return 0;
  }
}

template <typename T>
class Atomic {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  // Must be created inside an execution (scenario body or thread). `name` must outlive it.
  explicit Atomic(T initial = T{}, const char* name = "atomic", int index = -1)
      : value_(initial), id_(Execution::Get().RegisterObject("atomic", name, index, Format())) {}
  Atomic(Atomic&&) = default;
  Atomic& operator=(Atomic&&) = delete;

  T load(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
         const char* function = __builtin_FUNCTION()) {
    Step& step = Execution::Get().Visible(OpKind::kLoad, id_, 0, file, line);
    step.function = function;
    step.value = step.old = TraceValue(value_);
    return value_;
  }

  void store(T value, const char* file = __builtin_FILE(), int line = __builtin_LINE(),
             const char* function = __builtin_FUNCTION()) {
    Step& step = Execution::Get().Visible(OpKind::kStore, id_, TraceValue(value), file, line);
    step.function = function;
    step.old = TraceValue(value_);
    value_ = value;
    step.value = TraceValue(value);
  }

  T exchange(T value, const char* file = __builtin_FILE(), int line = __builtin_LINE(),
             const char* function = __builtin_FUNCTION()) {
    Step& step = Execution::Get().Visible(OpKind::kExchange, id_, TraceValue(value), file, line);
    step.function = function;
    T old = value_;
    value_ = value;
    step.value = step.old = TraceValue(old);
    return old;
  }

  // Strong compare-and-swap. On failure `expected` receives the current value.
  bool compare_exchange(T& expected, T desired, const char* file = __builtin_FILE(),
                        int line = __builtin_LINE(), const char* function = __builtin_FUNCTION()) {
    Step& step =
        Execution::Get().Visible(OpKind::kCompareExchange, id_, TraceValue(desired), file, line);
    step.function = function;
    step.value = step.old = TraceValue(value_);
    step.expected = TraceValue(expected);
    if (value_ == expected) {
      value_ = desired;
      step.ok = true;
      return true;
    }
    expected = value_;
    step.ok = false;
    return false;
  }

  T fetch_add(T delta, const char* file = __builtin_FILE(), int line = __builtin_LINE(),
              const char* function = __builtin_FUNCTION()) {
    Step& step = Execution::Get().Visible(OpKind::kFetchAdd, id_, TraceValue(delta), file, line);
    step.function = function;
    T old = value_;
    value_ = static_cast<T>(value_ + delta);
    step.value = step.old = TraceValue(old);
    return old;
  }

  // The value without a step: for invariants and model oracles, never for the code being modeled.
  const T& peek() const {
    NotePeek(id_);
    return value_;
  }

  int id() const { return id_; }

 private:
  static constexpr auto Format() -> std::string (*)(int64_t) {
    if constexpr (requires { T::FormatTrace(int64_t{0}); }) {
      return &T::FormatTrace;
    } else {
      return nullptr;
    }
  }

  T value_;
  int id_;
};

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_PRIMITIVES_ATOMIC_H_
