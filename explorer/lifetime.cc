// Lifetime; see lifetime.h.
#include "explorer/lifetime.h"

#include "absl/strings/str_cat.h"
#include "explorer/check.h"

namespace mmcheck {

Lifetime::Lifetime(const char* what)
    : id_(Execution::Get().RegisterShared(what, -1, /*lifetime=*/true)) {}

void Lifetime::Use(absl::string_view access, const char* file, int line) {
  Execution& e = Execution::Get();
  if (!e.InThread()) return;
  if (freed_) {
    e.Fail(ViolationKind::kUseAfterFree,
           absl::StrCat("thread '", e.thread_name(e.current_thread()), "' ", access, " of ",
                        e.ObjectName(id_), " after it was freed (", freed_by_, ")"),
           file, line);
  }
  e.PlainAccess(id_, /*write=*/false, file, line, access);
}

void Lifetime::Free(absl::string_view how, const char* file, int line) {
  Execution& e = Execution::Get();
  if (!e.InThread()) {
    freed_ = true;
    return;
  }
  e.PlainAccess(id_, /*write=*/true, file, line, how);
  freed_ = true;
  freed_by_ = absl::StrCat(how, " at ", file, ":", line, " by thread '",
                           e.thread_name(e.current_thread()), "'");
}

}  // namespace mmcheck
