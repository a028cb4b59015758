// Fiber switching, stack reuse and unwinding.
#include "explorer/runtime/fiber.h"

#include <vector>

#include "gtest/gtest.h"

namespace mmcheck {
namespace {

struct PingPong {
  Fiber* self = nullptr;
  std::vector<int>* log = nullptr;
};

void PingPongEntry(void* arg) {
  auto* p = static_cast<PingPong*>(arg);
  for (int i = 0; i < 3; ++i) {
    p->log->push_back(i);
    p->self->Suspend();
  }
}

TEST(FiberTest, SwitchesBackAndForthUntilFinished) {
  StackPool pool;
  std::vector<int> log;
  PingPong p{nullptr, &log};
  Fiber fiber(pool, &PingPongEntry, &p);
  p.self = &fiber;
  EXPECT_FALSE(fiber.started());
  for (int i = 0; i < 3; ++i) {
    fiber.Resume();
    log.push_back(100 + i);
    EXPECT_FALSE(fiber.finished());
  }
  fiber.Resume();
  EXPECT_TRUE(fiber.finished());
  EXPECT_EQ(log, (std::vector<int>{0, 100, 1, 101, 2, 102}));
}

TEST(FiberTest, StacksAreReusedAcrossFibers) {
  StackPool pool;
  std::vector<int> log;
  for (int round = 0; round < 1000; ++round) {
    PingPong a{nullptr, &log}, b{nullptr, &log};
    Fiber fa(pool, &PingPongEntry, &a);
    Fiber fb(pool, &PingPongEntry, &b);
    a.self = &fa;
    b.self = &fb;
    while (!fa.finished()) fa.Resume();
    while (!fb.finished()) fb.Resume();
  }
  EXPECT_EQ(pool.mapped(), 2u);  // two stacks at once, ever
  EXPECT_EQ(log.size(), 6000u);
}

struct Guard {
  int* destroyed;
  ~Guard() { ++*destroyed; }
};

struct UnwindArgs {
  Fiber* self;
  int* destroyed;
};

void SuspendForever(void* arg) {
  auto* u = static_cast<UnwindArgs*>(arg);
  Guard guard{u->destroyed};
  while (true) u->self->Suspend();
}

TEST(FiberTest, DestroyingASuspendedFiberRunsItsDestructors) {
  StackPool pool;
  int destroyed = 0;
  {
    UnwindArgs u{nullptr, &destroyed};
    Fiber fiber(pool, &SuspendForever, &u);
    u.self = &fiber;
    fiber.Resume();
    EXPECT_EQ(destroyed, 0);
  }
  EXPECT_EQ(destroyed, 1);
  // A fiber that never ran can be destroyed too, and its stack goes back to the pool.
  { Fiber unused(pool, &SuspendForever, nullptr); }
  EXPECT_EQ(pool.mapped(), 1u);
}

}  // namespace
}  // namespace mmcheck
