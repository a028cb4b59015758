// Fiber and StackPool; see fiber.h.
#include "explorer/runtime/fiber.h"

#include <sys/mman.h>
#include <unistd.h>

#include <memory>
#include <utility>

#include "explorer/runtime/check.h"

#ifdef MMCHECK_ASAN
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

}  // namespace

Fiber::~Fiber() {
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
  context_ = std::move(context_).resume();
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
