// Internal consistency checks of the checker itself.
//
// A failed MMCHECK_CHECK is a bug in mmcheck, not a finding in the model: it prints file:line and
// aborts, in every build type (a wrong verdict is worse than a slow one). Findings in scenario or
// model code use MMCHECK_ASSERT (explorer/api.h) and become Violation values instead.
#ifndef MMCHECK_EXPLORER_RUNTIME_CHECK_H_
#define MMCHECK_EXPLORER_RUNTIME_CHECK_H_

namespace mmcheck {

[[noreturn]] void CheckFailed(const char* file, int line, const char* condition);

}  // namespace mmcheck

#define MMCHECK_CHECK(cond) \
  ((cond) ? static_cast<void>(0) : ::mmcheck::CheckFailed(__FILE__, __LINE__, #cond))

#endif  // MMCHECK_EXPLORER_RUNTIME_CHECK_H_
