// Scenario code that dies: a fatal signal (a null dereference, abort(), a trap), a stack overflow
// into a fiber's guard page, or a thread that runs without end between two visible operations.
//
// While a CrashGuard is armed on an exploring OS thread, such a fault in one of the scenario's
// threads (code on a fiber) ends that thread where it is: the signal handler diverts the fiber to
// switch back to the scheduler from a spare stack (Fiber::Divert), and the execution records the
// finding (`crash`, `stack-overflow`, or `livelock` for the hang) with the trace up to the
// thread's last visible step. Such a finding ends the search of its scenario: the dead fiber's
// stack is given up, its locals are never destroyed, and what the code wrote before dying may be
// corrupt, so no further execution of that scenario is trusted. Other scenarios of the run go on.
//
// A fault outside the scenario's threads (its body, an invariant, mmcheck itself) cannot be
// survived in place: the process prints one line naming the scenario and dies of the signal.
// A hang is seen by a watchdog thread that reads each armed thread's fiber switch count
// (Fiber::Switches) and signals a thread whose fiber has not switched for the hang limit. A
// thread stopped that way inside the C library (holding malloc's lock, say) could leave it held;
// a loop without visible operations rarely is.
//
// Not under AddressSanitizer, which handles these signals itself.
#ifndef MMCHECK_EXPLORER_RUNTIME_CRASH_GUARD_H_
#define MMCHECK_EXPLORER_RUNTIME_CRASH_GUARD_H_

#include "absl/strings/string_view.h"

namespace mmcheck {

class CrashGuard {
 public:
  // Arms this OS thread while exploring `scenario` (for the one-line message of a fault outside
  // its threads); `hang_limit_s` > 0: a scenario thread that runs that long without a visible
  // operation is stopped as hung.
  CrashGuard(absl::string_view scenario, double hang_limit_s);
  ~CrashGuard();
  CrashGuard(const CrashGuard&) = delete;
  CrashGuard& operator=(const CrashGuard&) = delete;

  struct Watch;  // an armed thread, as the watchdog sees it

 private:
  Watch* watch_ = nullptr;
};

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_RUNTIME_CRASH_GUARD_H_
