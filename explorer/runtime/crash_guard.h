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
// Scenario code that runs outside the threads, on the exploring thread's own stack (the body, an
// invariant, an end-of-run check), runs inside a ScenarioCode scope. A fault or a hang there
// jumps (siglongjmp) to the landing that Execution::Run set with sigsetjmp before running any
// scenario code, and the execution records the finding, naming the code that died; the frames
// jumped over are given up as a dead fiber's stack is, so this too ends the scenario's search.
// A fault anywhere else (mmcheck itself, or with no landing set) cannot be survived: the process
// prints one line naming the scenario and dies of the signal.
// A hang is seen by a watchdog thread that reads each armed thread's fiber switch count
// (Fiber::Switches) and signals a thread whose fiber has not switched for the hang limit. A
// thread stopped that way inside the C library (holding malloc's lock, say) could leave it held;
// a loop without visible operations rarely is.
//
// Not under AddressSanitizer, which handles these signals itself.
#ifndef MMCHECK_EXPLORER_RUNTIME_CRASH_GUARD_H_
#define MMCHECK_EXPLORER_RUNTIME_CRASH_GUARD_H_

#include <setjmp.h>

#include "absl/strings/string_view.h"
#include "explorer/runtime/fiber.h"

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

  // Where a fault in scenario code outside the threads lands on this OS thread: a buffer filled
  // by sigsetjmp(landing, 0) in a frame that outlives every ScenarioCode scope opened while it is
  // set; nullptr clears it. (No signal mask is saved, so the jump costs no system call; the
  // handler unblocks its signal before jumping.)
  static void SetLanding(sigjmp_buf* landing);
  // After a jump to the landing: which scenario code died (the `site` of its ScenarioCode), and how.
  static int LandedSite();
  static const Fiber::Crash& LandedCrash();

  // Marks scenario code run outside the threads, identified by `site` (>= 0, the caller's
  // numbering), as guarded by the landing; also seen by the watchdog, as a running fiber is.
  class ScenarioCode {
   public:
    explicit ScenarioCode(int site);
    ~ScenarioCode();
    ScenarioCode(const ScenarioCode&) = delete;
    ScenarioCode& operator=(const ScenarioCode&) = delete;
  };

 private:
  Watch* watch_ = nullptr;
};

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_RUNTIME_CRASH_GUARD_H_
