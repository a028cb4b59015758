// CheckFailed; see check.h.
#include "explorer/check.h"

#include <cstdio>
#include <cstdlib>

namespace mmcheck {

void CheckFailed(const char* file, int line, const char* condition) {
  std::fprintf(stderr, "mmcheck internal error: %s:%d: check failed: %s\n", file, line, condition);
  std::abort();
}

}  // namespace mmcheck
