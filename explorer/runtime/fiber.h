// Fiber: one modeled thread's stack and context, on Boost.Context, with pooled stacks.
//
// The scheduler is the only code that resumes a fiber, and a fiber only ever suspends back to
// whoever resumed it. Stacks come from a StackPool and go back to it when the fiber is destroyed,
// so steady-state exploration maps no memory. Destroying a fiber that has not finished unwinds its
// stack: its Suspend() throws an exception caught at the fiber's entry, so the destructors of the
// thread's locals run; code on a fiber must never swallow that exception with catch (...).
#ifndef MMCHECK_EXPLORER_RUNTIME_FIBER_H_
#define MMCHECK_EXPLORER_RUNTIME_FIBER_H_

#include <atomic>
#include <boost/context/fiber.hpp>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace mmcheck {

// A free list of fixed-size stacks with a guard page below each. Not thread-safe: one pool per
// exploring OS thread.
class StackPool {
 public:
  explicit StackPool(size_t stack_size = 256 * 1024);
  ~StackPool();
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  boost::context::stack_context Allocate();
  void Deallocate(boost::context::stack_context& sctx);

  // Stacks ever mapped; stays flat once exploration reaches steady state.
  size_t mapped() const { return mapped_; }
  size_t stack_size() const { return stack_size_; }

 private:
  size_t stack_size_;
  size_t mapped_ = 0;
  std::vector<void*> free_;  // stack tops (highest address)
};

class Fiber {
 public:
  using Entry = void (*)(void* arg);

  // Creates a fiber that will run entry(arg) on a pooled stack. It does not run until Resume().
  Fiber(StackPool& pool, Entry entry, void* arg);
  ~Fiber();  // unwinds the stack if the fiber has not finished
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  // Runs the fiber until it calls Suspend() or its entry returns. Must not be called from the
  // fiber itself.
  void Resume();
  // Called on this fiber's own stack: switches back to the code that resumed it.
  void Suspend();

  bool finished() const { return finished_; }
  // Destroyed while suspended: its stack is being unwound by an exception that code on the fiber
  // must let pass (a catch (...) rethrows when this is true).
  bool unwinding() const { return unwinding_; }
  bool started() const { return started_; }

  // How a fiber died in the middle of its code (crash_guard.h): a fatal signal, an overflow of
  // its stack into the guard page, or too long without switching back (a hang).
  struct Crash {
    enum class Cause { kNone, kSignal, kStackOverflow, kHang };
    Cause cause = Cause::kNone;
    int signal = 0;
    uintptr_t address = 0;  // the faulting address of SIGSEGV/SIGBUS
  };
  const Crash& crash() const { return crash_; }
  bool crashed() const { return crash_.cause != Crash::Cause::kNone; }

  // The fiber running on this OS thread, or nullptr (scheduler code).
  static Fiber* Running();
  // Called from a signal handler on this OS thread. If the interrupted code ran on this fiber's
  // stack (or overflowed it into its guard page), records `crash` and rewrites the interrupted
  // context (`ucontext`) so that the handler returns into a switch back to whoever resumed the
  // fiber, made from this thread's escape stack. The fiber never runs again; its stack is given up
  // (never reused, never unwound: the destructors of its locals do not run). Returns whether it
  // did; false also on an architecture it does not know (x86-64 and arm64 only).
  bool Divert(void* ucontext, const Crash& crash);
  // This OS thread's count of switches into and out of fibers: odd while a fiber runs. Written by
  // this thread only; a watchdog on another thread reads it to see a fiber that runs too long.
  static const std::atomic<uint64_t>* Switches();
  // Counts one switch without one: CrashGuard::ScenarioCode calls it on entering and on leaving
  // scenario code that runs outside the fibers, so the count is odd while that code runs too.
  static void CountSwitchOutside();
  // The escape stack of this OS thread (its highest address), set up before any fiber runs.
  static void SetEscapeStack(void* top);
  // Whether `address` lies in the guard page below this fiber's stack (an overflow).
  bool InGuardPage(uintptr_t address) const;

 private:
  [[noreturn]] static void Escape();
  boost::context::fiber Start(boost::context::fiber&& caller);

  Entry entry_;
  void* arg_;
  boost::context::fiber context_;  // the fiber, while it is suspended
  boost::context::fiber caller_;   // whoever resumed it, while it runs
  bool started_ = false;
  bool finished_ = false;
  bool unwinding_ = false;
  Crash crash_;
  void* stack_bottom_ = nullptr;  // for the sanitizer annotations
  size_t stack_size_ = 0;
#ifdef MMCHECK_ASAN
  // ASan's fake stacks, one per side of the switch: saved when leaving, handed back on return.
  void* caller_fake_stack_ = nullptr;
  void* fiber_fake_stack_ = nullptr;
  const void* caller_bottom_ = nullptr;
  size_t caller_size_ = 0;
#endif
};

}  // namespace mmcheck

#endif  // MMCHECK_EXPLORER_RUNTIME_FIBER_H_
