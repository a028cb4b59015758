// Fiber and StackPool; see fiber.h.
#include "explorer/runtime/fiber.h"

#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdlib>

#include <memory>
#include <utility>

#include "explorer/runtime/check.h"

#ifdef MMCHECK_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace mmcheck {
namespace {

// The allocator handed to Boost.Context: a pointer to the pool, copied into the fiber's record.
// It also tells the fiber where its stack lies, for the sanitizer's switch annotations.
struct PooledStack {
  StackPool* pool;
  void** bottom;
  boost::context::stack_context allocate() {
    boost::context::stack_context sctx = pool->Allocate();
    *bottom = static_cast<char*>(sctx.sp) - sctx.size;
    return sctx;
  }
  void deallocate(boost::context::stack_context& sctx) { pool->Deallocate(sctx); }
};

size_t PageSize() { return static_cast<size_t>(sysconf(_SC_PAGESIZE)); }

}  // namespace

StackPool::StackPool(size_t stack_size) : stack_size_(stack_size) {
  const size_t page = PageSize();
  stack_size_ = (stack_size_ + page - 1) / page * page;
}

StackPool::~StackPool() {
  const size_t page = PageSize();
  for (void* top : free_) {
#ifdef MMCHECK_ASAN
    // Frames a fiber left on its stack keep their redzones poisoned; a later mapping at these
    // addresses (a library's heap or stack) would inherit them as false stack-buffer-overflows.
    __asan_unpoison_memory_region(static_cast<char*>(top) - stack_size_, stack_size_);
#endif
    munmap(static_cast<char*>(top) - stack_size_ - page, stack_size_ + page);
  }
}

boost::context::stack_context StackPool::Allocate() {
  boost::context::stack_context sctx;
  if (free_.empty()) {
    const size_t page = PageSize();
    void* base = mmap(nullptr, stack_size_ + page, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    MMCHECK_CHECK(base != MAP_FAILED);
    MMCHECK_CHECK(mprotect(base, page, PROT_NONE) == 0);  // guard page below the stack
    ++mapped_;
    sctx.sp = static_cast<char*>(base) + page + stack_size_;
  } else {
    sctx.sp = free_.back();
    free_.pop_back();
  }
  sctx.size = stack_size_;
  return sctx;
}

void StackPool::Deallocate(boost::context::stack_context& sctx) { free_.push_back(sctx.sp); }

Fiber::Fiber(StackPool& pool, Entry entry, void* arg) : entry_(entry), arg_(arg) {
  context_ = boost::context::fiber(
      std::allocator_arg, PooledStack{&pool, &stack_bottom_},
      [this](boost::context::fiber&& caller) { return Start(std::move(caller)); });
  stack_size_ = pool.stack_size();
}

namespace {

// Thrown from Suspend() into a fiber being destroyed, caught at its entry: the stack unwinds
// through the thread's destructors by the ordinary path, switch annotations and all (Boost's own
// forced unwind would leave the sanitizer's switch unfinished on the fiber side).
struct FiberUnwind {};

thread_local Fiber* running_fiber = nullptr;
thread_local void* escape_stack_top = nullptr;
thread_local std::atomic<uint64_t> switches{0};

// One writer (this thread): a plain increment, no locked instruction on the step's path.
void CountSwitch() {
  switches.store(switches.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

}  // namespace

Fiber* Fiber::Running() { return running_fiber; }

const std::atomic<uint64_t>* Fiber::Switches() { return &switches; }

void Fiber::CountSwitchOutside() { CountSwitch(); }

void Fiber::SetEscapeStack(void* top) { escape_stack_top = top; }

// On the escape stack, after a signal handler returned here (Divert): switches to whoever resumed
// the fiber, as Suspend() would, from this stack instead of the fiber's. That side gets this
// context as the fiber's, which nobody resumes again.
void Fiber::Escape() {
  Fiber* self = running_fiber;
  self->caller_ = std::move(self->caller_).resume();
  std::abort();  // never resumed
}

bool Fiber::InGuardPage(uintptr_t address) const {
  const uintptr_t bottom = reinterpret_cast<uintptr_t>(stack_bottom_);
  return address < bottom && address + PageSize() >= bottom;
}

bool Fiber::Divert(void* ucontext, const Crash& crash) {
#if defined(__x86_64__) || defined(__aarch64__)
  if (escape_stack_top == nullptr || crashed()) return false;
  auto* uc = static_cast<ucontext_t*>(ucontext);
#if defined(__x86_64__)
  const uintptr_t sp = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RSP]);
#else
  const uintptr_t sp = static_cast<uintptr_t>(uc->uc_mcontext.sp);
#endif
  const uintptr_t bottom = reinterpret_cast<uintptr_t>(stack_bottom_);
  const uintptr_t page = PageSize();
  // Inside the stack, or in its guard page (an overflow): code of this fiber. Elsewhere (the
  // scheduler, in the middle of a switch) it is not.
  if (sp + page < bottom || sp > bottom + stack_size_) return false;
  crash_ = crash;
  // A call's alignment: the stack 16-byte aligned before the (absent) return address.
  const uintptr_t top = reinterpret_cast<uintptr_t>(escape_stack_top) & ~uintptr_t{15};
#if defined(__x86_64__)
  uc->uc_mcontext.gregs[REG_RSP] = static_cast<greg_t>(top - 8);
  uc->uc_mcontext.gregs[REG_RIP] = reinterpret_cast<greg_t>(&Fiber::Escape);
#else
  uc->uc_mcontext.sp = top;
  uc->uc_mcontext.pc = reinterpret_cast<uintptr_t>(&Fiber::Escape);
#endif
  return true;
#else
  (void)ucontext;
  (void)crash;
  return false;
#endif
}

Fiber::~Fiber() {
  if (crashed()) {
    // Its context is on the escape stack and its stack is given up: neither is resumed nor
    // unwound. The handle is let go (boost::context::fiber would unwind it on destruction).
    new boost::context::fiber(std::move(context_));
    return;
  }
  if (context_ && !finished_) {
    if (started_) {
      unwinding_ = true;  // the resumed Suspend() throws FiberUnwind
    } else {
      entry_ = nullptr;  // never ran: Start() returns at once
    }
    Resume();
  }
  MMCHECK_CHECK(!context_);
}

boost::context::fiber Fiber::Start(boost::context::fiber&& caller) {
  caller_ = std::move(caller);
#ifdef MMCHECK_ASAN
  __sanitizer_finish_switch_fiber(nullptr, &caller_bottom_, &caller_size_);
#endif
  if (entry_ != nullptr) {
    try {
      entry_(arg_);
    } catch (const FiberUnwind&) {
      // destroyed while suspended: the stack is unwound
    }
  }
  finished_ = true;
#ifdef MMCHECK_ASAN
  __sanitizer_start_switch_fiber(nullptr, caller_bottom_, caller_size_);
#endif
  return std::move(caller_);
}

void Fiber::Resume() {
  MMCHECK_CHECK(context_ && !finished_);
  started_ = true;
#ifdef MMCHECK_ASAN
  __sanitizer_start_switch_fiber(&caller_fake_stack_, stack_bottom_, stack_size_);
#endif
  Fiber* const resumer = running_fiber;
  running_fiber = this;
  CountSwitch();
  context_ = std::move(context_).resume();
  CountSwitch();
  running_fiber = resumer;
#ifdef MMCHECK_ASAN
  __sanitizer_finish_switch_fiber(caller_fake_stack_, nullptr, nullptr);
#endif
}

void Fiber::Suspend() {
#ifdef MMCHECK_ASAN
  __sanitizer_start_switch_fiber(&fiber_fake_stack_, caller_bottom_, caller_size_);
#endif
  caller_ = std::move(caller_).resume();
#ifdef MMCHECK_ASAN
  __sanitizer_finish_switch_fiber(fiber_fake_stack_, &caller_bottom_, &caller_size_);
#endif
  if (unwinding_) throw FiberUnwind{};
}

}  // namespace mmcheck
