// mmcheck-bench: the explorer's speed, from one run. A benchmark, not a test: it prints numbers
// and judges nothing.
//
//   ns per bare fiber switch (a resume and a suspend of an empty fiber, per switch),
//   for bench/lastzero-15, bench/indexer-15, bench/casrot-10 under dpor: executions, seconds,
//   executions/s, ns per explored step, heap allocations per execution and per step,
//   and the peak RSS after lastzero-15 (it runs first);
//   the same for the four largest scenarios of `--all`, with the peak RSS after each;
//   and `mmcheck run --all` (its output thrown away) with --jobs=1, --jobs=2 and, in a build with
//   Open MPI, as `mpirun -n 2 mmcheck run --all`: wall seconds and the speed-ups over --jobs=1.
//
//   mmcheck-bench            all of it (about 3 minutes on a 2-core machine)
//   mmcheck-bench --quick    the fiber switch and the three small benchmarks only
//
// Heap allocations are counted by replacing the global operator new in this binary.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "explorer/runtime/explorer.h"
#include "explorer/runtime/fiber.h"
#include "explorer/runtime/scenario.h"
#include "explorer/search/dpor_strategy.h"

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
      "%-36s %8llu executions %s in %6.3f s: %9.0f executions/s, %6.1f ns/step, "
      "%5.1f allocations/execution, %5.2f allocations/step\n",
      name, static_cast<unsigned long long>(r.executions),
      r.complete && r.redundant_executions == 0 ? "(complete, 0 redundant)" : "(!)", r.elapsed_s,
      r.executions / r.elapsed_s, r.elapsed_s * 1e9 / r.total_steps,
      static_cast<double>(allocations) / r.executions,
      static_cast<double>(allocations) / r.total_steps);
  return 0;
}

// `mmcheck run --all --jobs=N` as the command runs it, its output sent to /dev/null: wall seconds,
// or -1 if it did not run or a result did not match its expectation.
double RunAll(int jobs) {
  absl::StatusOr<Options> options =
      ParseOptions({"run", "--all", absl::StrCat("--jobs=", jobs)});
  if (!options.ok()) return -1;
  std::fflush(stdout);
  const int saved = dup(STDOUT_FILENO);
  const int null = open("/dev/null", O_WRONLY);
  dup2(null, STDOUT_FILENO);
  close(null);
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<int> rc = RunCommand(*options);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fflush(stdout);
  dup2(saved, STDOUT_FILENO);
  close(saved);
  if (!rc.ok() || *rc != 0) {
    std::fprintf(stderr, "mmcheck-bench: run --all --jobs=%d did not pass\n", jobs);
    return -1;
  }
  return s;
}

#ifdef MMCHECK_MPIEXEC
// `mpirun -n 2 mmcheck run --all`, its output sent to /dev/null: wall seconds, or -1 if it did not
// run or a result did not match its expectation.
double MpiRunAll() {
  const std::string command =
      absl::StrCat(MMCHECK_MPIEXEC,
                   " --allow-run-as-root --oversubscribe --mca btl_vader_single_copy_mechanism "
                   "none -n 2 ",
                   MMCHECK_BINARY,
                   " run --all >/dev/null");
  const auto start = std::chrono::steady_clock::now();
  const int rc = std::system(command.c_str());
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (rc != 0) {
    std::fprintf(stderr, "mmcheck-bench: mpirun -n 2 mmcheck run --all did not pass\n");
    return -1;
  }
  return s;
}
#endif

}  // namespace
}  // namespace mmcheck

int main(int argc, char** argv) {
  const bool quick = argc == 2 && std::strcmp(argv[1], "--quick") == 0;
  if (argc > 2 || (argc == 2 && !quick)) {
    std::fprintf(stderr, "usage: mmcheck-bench [--quick]\n");
    return 2;
  }
  std::printf("bare fiber switch: %.1f ns\n", mmcheck::NsPerFiberSwitch());
  const long rss_before = mmcheck::PeakRssKb();
  if (int rc = mmcheck::Bench("bench/lastzero-15")) return rc;
  std::printf("peak RSS after lastzero-15: %.1f MB (%.1f MB before it)\n",
              mmcheck::PeakRssKb() / 1024.0, rss_before / 1024.0);
  for (const char* name : {"bench/indexer-15", "bench/casrot-10"}) {
    if (int rc = mmcheck::Bench(name)) return rc;
  }
  if (quick) return 0;
  // The largest scenarios of `--all`, one worker each.
  for (const char* name : {"gup/gup-fast-vs-munmap+arm64", "uffd/fault-vs-munmap-vma-locked-copy",
                           "uffd/two-faults-vs-copy", "uffd/fault-vs-munmap"}) {
    if (int rc = mmcheck::Bench(name)) return rc;
    std::printf("%-36s peak RSS so far: %.1f MB\n", "", mmcheck::PeakRssKb() / 1024.0);
  }
  double wall[3] = {0, 0, 0};
  for (int jobs : {1, 2}) {
    wall[jobs] = mmcheck::RunAll(jobs);
    if (wall[jobs] < 0) return 1;
    std::printf("mmcheck run --all --jobs=%d: %.1f s wall\n", jobs, wall[jobs]);
  }
  std::printf("speed-up of --jobs=2 over --jobs=1: %.2fx (on %u cores)\n", wall[1] / wall[2],
              std::thread::hardware_concurrency());
#ifdef MMCHECK_MPIEXEC
  const double mpi = mmcheck::MpiRunAll();
  if (mpi < 0) return 1;
  std::printf("mpirun -n 2 mmcheck run --all: %.1f s wall\n", mpi);
  std::printf("speed-up of mpirun -n 2 over --jobs=1: %.2fx (on %u cores)\n", wall[1] / mpi,
              std::thread::hardware_concurrency());
#endif
  return 0;
}
