// Lifetime: the life of a model object (a VMA, a page table, a folio), for use-after-free checks.
//
// Every use of the object by a thread is checked like a plain read and the free like a plain
// write (explorer/checks/happens_before.h): a use after the free, or a use that nothing (a lock,
// an RCU grace period, a release/acquire) orders before the free, is a `use-after-free`
// violation. So a missing grace period is found in whichever order the explorer runs the two, not
// only when it happens to run the free first. Neither is a scheduling point.
#ifndef MMCHECK_EXPLORER_CHECKS_LIFETIME_H_
#define MMCHECK_EXPLORER_CHECKS_LIFETIME_H_

#include <string>

#include "absl/strings/string_view.h"
#include "explorer/runtime/execution.h"

namespace mmcheck {

class Lifetime {
 public:
  // `what` names the object in reports ("VMA [0, 2)"); it must outlive the Lifetime.
  explicit Lifetime(const char* what);
  Lifetime(Lifetime&&) = default;
  Lifetime& operator=(Lifetime&&) = delete;

  // The current thread touches the object (`access` says how: "reads vma->vm_lock_seq").
  // `access` and `how` are string literals: they are recorded on every use, never copied.
  // `function`: the model function that uses or frees it, for reports.
  void Use(const char* access, const char* file = __builtin_FILE(), int line = __builtin_LINE(),
           const char* function = __builtin_FUNCTION());
  // The current thread frees it (`how`: "vm_area_free").
  void Free(const char* how, const char* file = __builtin_FILE(), int line = __builtin_LINE(),
            const char* function = __builtin_FUNCTION());
  bool freed() const { return freed_; }

 private:
  int id_;
  bool freed_ = false;
  // Who freed it, spelled out only for a report: "vm_area_free at mm/x.cc:12 by thread 'rcu
  // callback'".
  std::string FreedBy() const;
  const char* freed_how_ = "";
  const char* freed_file_ = "";
  int freed_line_ = 0;
  int freed_thread_ = -1;
};

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_CHECKS_LIFETIME_H_
