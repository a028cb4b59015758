// Lifetime; see lifetime.h.
#include "explorer/checks/lifetime.h"

#include "absl/strings/str_cat.h"
#include "explorer/runtime/check.h"

namespace mmcheck {

Lifetime::Lifetime(const char* what)
    : id_(Execution::Get().RegisterShared(what, -1, /*lifetime=*/true)) {}

void Lifetime::Use(const char* access, const char* file, int line, const char* function) {
  Execution& e = Execution::Get();
  if (!e.InThread()) return;
  if (freed_) {
    e.Fail(ViolationKind::kUseAfterFree,
           absl::StrCat("thread '", e.thread_name(e.current_thread()), "' ", access, " of ",
                        e.ObjectName(id_), " after it was freed (", FreedBy(), ")"),
           file, line);
  }
  e.PlainAccess(id_, /*write=*/false, file, line, access, function);
}

void Lifetime::Free(const char* how, const char* file, int line, const char* function) {
  Execution& e = Execution::Get();
  if (!e.InThread()) {
    freed_ = true;
    return;
  }
  e.PlainAccess(id_, /*write=*/true, file, line, how, function);
  freed_ = true;
  freed_how_ = how;
  freed_file_ = file;
  freed_line_ = line;
  freed_thread_ = e.current_thread();
}

std::string Lifetime::FreedBy() const {
  if (freed_thread_ < 0) return "";  // freed by the scenario's set-up or teardown
  return absl::StrCat(freed_how_, " at ", freed_file_, ":", freed_line_, " by thread '",
                      Execution::Get().thread_name(freed_thread_), "'");
}

}  // namespace mmcheck
