// CheckFailed; see check.h.
#include "explorer/runtime/check.h"

#include <cstdio>
#include <cstdlib>

namespace mmcheck {

void CheckFailed(const char* file, int line, const char* condition) {
  std::fprintf(stderr, "mmcheck internal error: %s:%d: check failed: %s\n", file, line, condition);
  std::abort();
}

}  // namespace mmcheck
