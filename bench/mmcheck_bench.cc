// mmcheck-bench: the explorer's speed, from one run. A benchmark, not a test: it prints numbers
// and judges nothing.
//
//   ns per bare fiber switch (a resume and a suspend of an empty fiber, per switch),
//   for bench/lastzero-15, bench/indexer-15, bench/casrot-10 under dpor: executions, seconds,
//   executions/s, ns per explored step, heap allocations per execution and per step,
//   and the peak RSS after lastzero-15 (it runs first).
//
// Heap allocations are counted by replacing the global operator new in this binary.
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>

#include "explorer/dpor_strategy.h"
#include "explorer/explorer.h"
#include "explorer/fiber.h"
#include "explorer/scenario.h"

namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace

void* operator new(size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace mmcheck {
namespace {

struct SwitchArg {
  Fiber* self;
  long rounds;
};

void Bounce(void* arg) {
  auto* a = static_cast<SwitchArg*>(arg);
  for (long i = 0; i < a->rounds; ++i) a->self->Suspend();
}

double NsPerFiberSwitch() {
  constexpr long kRounds = 10'000'000;
  StackPool pool;
  SwitchArg arg{nullptr, kRounds};
  Fiber fiber(pool, &Bounce, &arg);
  arg.self = &fiber;
  const auto start = std::chrono::steady_clock::now();
  while (!fiber.finished()) fiber.Resume();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return s * 1e9 / (2.0 * kRounds);  // each round is two switches
}

long PeakRssKb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

int Bench(const char* name) {
  absl::StatusOr<ScenarioInstance> s = FindScenario(name);
  if (!s.ok()) {
    std::fprintf(stderr, "mmcheck-bench: %s\n", std::string(s.status().message()).c_str());
    return 2;
  }
  DporStrategy dpor;
  ExploreOptions options;
  options.scenario = s->name;
  const uint64_t allocations_before = g_allocations.load();
  const ExploreResult r = Explore([&] { s->Run(); }, dpor, options);
  const uint64_t allocations = g_allocations.load() - allocations_before;
  std::printf(
      "%-20s %8llu executions %s in %6.3f s: %9.0f executions/s, %6.1f ns/step, "
      "%5.1f allocations/execution, %5.2f allocations/step\n",
      name, static_cast<unsigned long long>(r.executions),
      r.complete && r.redundant_executions == 0 ? "(complete, 0 redundant)" : "(!)", r.elapsed_s,
      r.executions / r.elapsed_s, r.elapsed_s * 1e9 / r.total_steps,
      static_cast<double>(allocations) / r.executions,
      static_cast<double>(allocations) / r.total_steps);
  return 0;
}

}  // namespace
}  // namespace mmcheck

int main() {
  std::printf("bare fiber switch: %.1f ns\n", mmcheck::NsPerFiberSwitch());
  const long rss_before = mmcheck::PeakRssKb();
  if (int rc = mmcheck::Bench("bench/lastzero-15")) return rc;
  std::printf("peak RSS after lastzero-15: %.1f MB (%.1f MB before it)\n",
              mmcheck::PeakRssKb() / 1024.0, rss_before / 1024.0);
  for (const char* name : {"bench/indexer-15", "bench/casrot-10"}) {
    if (int rc = mmcheck::Bench(name)) return rc;
  }
  return 0;
}
