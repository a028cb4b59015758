// See crash_guard.h.
#include "explorer/runtime/crash_guard.h"

#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "explorer/runtime/check.h"
#include "explorer/runtime/fiber.h"

namespace mmcheck {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP};
// Two stacks per exploring OS thread: the handler's (sigaltstack: a fiber that overflowed has no
// stack left to run it on) and the one a diverted fiber switches back from.
constexpr size_t kSignalStackSize = 64 * 1024;
constexpr size_t kEscapeStackSize = 64 * 1024;

int HangSignal() { return SIGRTMIN + 3; }

// This OS thread's stacks, mapped on first use and kept until it exits.
struct ThreadStacks {
  void* signal_stack = nullptr;
  void* escape_stack = nullptr;
  ThreadStacks() {
    signal_stack =
        mmap(nullptr, kSignalStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    escape_stack =
        mmap(nullptr, kEscapeStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    MMCHECK_CHECK(signal_stack != MAP_FAILED && escape_stack != MAP_FAILED);
    stack_t ss{};
    ss.ss_sp = signal_stack;
    ss.ss_size = kSignalStackSize;
    MMCHECK_CHECK(sigaltstack(&ss, nullptr) == 0);
    Fiber::SetEscapeStack(static_cast<char*>(escape_stack) + kEscapeStackSize);
  }
  ~ThreadStacks() {
    stack_t ss{};
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, nullptr);
    Fiber::SetEscapeStack(nullptr);
    munmap(signal_stack, kSignalStackSize);
    munmap(escape_stack, kEscapeStackSize);
  }
};

// The scenario an armed thread explores, for the message of a fault outside its threads.
thread_local bool armed = false;
thread_local char armed_scenario[160];
// Scenario code outside the threads: where a fault in it lands, which code runs (-1: none), and
// what the last one that died died of.
thread_local sigjmp_buf* landing = nullptr;
thread_local int running_site = -1;
thread_local int landed_site = -1;
thread_local Fiber::Crash landed_crash;

// From a signal handler, for a fault or a hang in guarded scenario code: unblocks the signal (the
// landing saved no mask) and jumps to the landing. Returns if there is none.
void LandIfScenarioCode(int sig, const Fiber::Crash& crash) {
  if (!armed || landing == nullptr || running_site < 0) return;
  landed_site = running_site;
  landed_crash = crash;
  running_site = -1;
  Fiber::CountSwitchOutside();  // the code is left: the count is even again
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  siglongjmp(*landing, 1);
}

void Write(const char* text) {
  ssize_t ignored = write(STDERR_FILENO, text, std::strlen(text));
  (void)ignored;
}

void OnFatalSignal(int sig, siginfo_t* info, void* ucontext) {
  Fiber* fiber = Fiber::Running();
  Fiber::Crash crash;
  crash.cause = Fiber::Crash::Cause::kSignal;
  crash.signal = sig;
  if (sig == SIGSEGV || sig == SIGBUS) crash.address = reinterpret_cast<uintptr_t>(info->si_addr);
  if (armed && fiber != nullptr) {
    if ((sig == SIGSEGV || sig == SIGBUS) && fiber->InGuardPage(crash.address)) {
      crash.cause = Fiber::Crash::Cause::kStackOverflow;
    }
    if (fiber->Divert(ucontext, crash)) return;
  }
  if (fiber == nullptr) LandIfScenarioCode(sig, crash);
  if (armed) {
    // Only async-signal-safe calls from here.
    Write("mmcheck: scenario ");
    Write(armed_scenario);
    Write(": SIG");
    Write(sigabbrev_np(sig));  // a lookup in glibc's table, as execution.cc names the signal
    Write(" outside the scenario's threads (in its body, a check, or mmcheck itself); no report\n");
  }
  // Die of the signal as the process would have without this handler.
  signal(sig, SIG_DFL);
  raise(sig);
}

void OnHangSignal(int, siginfo_t*, void* ucontext) {
  Fiber* fiber = Fiber::Running();
  Fiber::Crash crash;
  crash.cause = Fiber::Crash::Cause::kHang;
  // Neither a fiber nor guarded scenario code runs: it switched back meanwhile, no hang.
  if (armed && fiber != nullptr) fiber->Divert(ucontext, crash);
  if (fiber == nullptr) LandIfScenarioCode(HangSignal(), crash);
}

[[maybe_unused]] void InstallHandlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action {};
    action.sa_sigaction = &OnFatalSignal;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    for (int sig : kFatalSignals) sigaction(sig, &action, nullptr);
    action.sa_sigaction = &OnHangSignal;
    sigaction(HangSignal(), &action, nullptr);
  });
}

}  // namespace

struct CrashGuard::Watch {
  pthread_t thread;
  Clock::duration limit;
  const std::atomic<uint64_t>* switches;
  uint64_t seen = 0;  // the count when last looked at, and since when it has not moved
  Clock::time_point seen_at;
  Clock::time_point signalled_at;
};

namespace {

std::mutex watches_mu;
std::vector<CrashGuard::Watch*>* watches = nullptr;

// Ten looks a second at every armed thread with a hang limit; a fiber (odd switch count) that
// has not switched for the limit is signalled, again each further limit while it stays.
[[maybe_unused]] void Watchdog() {
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::lock_guard<std::mutex> lock(watches_mu);
    const Clock::time_point now = Clock::now();
    for (CrashGuard::Watch* w : *watches) {
      const uint64_t count = w->switches->load(std::memory_order_relaxed);
      if (count != w->seen) {
        w->seen = count;
        w->seen_at = now;
        continue;
      }
      if ((count & 1) != 0 && now - w->seen_at >= w->limit && now - w->signalled_at >= w->limit) {
        w->signalled_at = now;
        pthread_kill(w->thread, HangSignal());
      }
    }
  }
}

}  // namespace

CrashGuard::CrashGuard(absl::string_view scenario, double hang_limit_s) {
#ifndef MMCHECK_ASAN
  static thread_local ThreadStacks stacks;
  (void)stacks;
  InstallHandlers();
  const size_t n = std::min(scenario.size(), sizeof(armed_scenario) - 1);
  std::memcpy(armed_scenario, scenario.data(), n);
  armed_scenario[n] = '\0';
  armed = true;
  if (hang_limit_s > 0) {
    watch_ = new Watch();
    watch_->thread = pthread_self();
    watch_->limit =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(hang_limit_s));
    watch_->switches = Fiber::Switches();
    watch_->seen = watch_->switches->load(std::memory_order_relaxed);
    watch_->seen_at = Clock::now();
    std::lock_guard<std::mutex> lock(watches_mu);
    if (watches == nullptr) {
      watches = new std::vector<Watch*>();
      std::thread(Watchdog).detach();
    }
    watches->push_back(watch_);
  }
#else
  (void)scenario;
  (void)hang_limit_s;
#endif
}

void CrashGuard::SetLanding(sigjmp_buf* buffer) { landing = buffer; }

int CrashGuard::LandedSite() { return landed_site; }

const Fiber::Crash& CrashGuard::LandedCrash() { return landed_crash; }

CrashGuard::ScenarioCode::ScenarioCode(int site) {
  running_site = site;
  Fiber::CountSwitchOutside();
}

CrashGuard::ScenarioCode::~ScenarioCode() {
  running_site = -1;
  Fiber::CountSwitchOutside();
}

CrashGuard::~CrashGuard() {
  armed = false;
  if (watch_ != nullptr) {
    std::lock_guard<std::mutex> lock(watches_mu);
    watches->erase(std::find(watches->begin(), watches->end(), watch_));
    delete watch_;
  }
}

}  // namespace mmcheck
