// See mpi.h. The protocol, on MPI_COMM_WORLD:
//   rank r > 0 -> 0, kRequest: an empty first request;
//   rank r > 0 -> 0, kResult:  the encoded result (scenario_unit.h: it carries its unit's index);
//   0 -> rank r,     kUnit:    one int64, the unit to run next, or -1: stop.
// Every kRequest and kResult is answered by exactly one kUnit, so a rank is stopped exactly when
// rank 0 has answered it -1, and StopAll knows how many answers remain.
#include "cli/mpi.h"

#include <unistd.h>

#include <cstdlib>
#include <utility>
#include <vector>

#include "absl/status/status.h"

#if MMCHECK_WITH_MPI
#include <mpi.h>
#endif

namespace mmcheck {
namespace {

// Open MPI's mpirun sets OMPI_COMM_WORLD_*; MPICH's Hydra and Slurm's PMI set PMI_*.
int EnvNumber(const char* open_mpi, const char* pmi, int fallback) {
  for (const char* name : {open_mpi, pmi}) {
    if (const char* value = std::getenv(name); value != nullptr) return std::atoi(value);
  }
  return fallback;
}

[[maybe_unused]] constexpr int kRequest = 1;
[[maybe_unused]] constexpr int kResult = 2;
[[maybe_unused]] constexpr int kUnit = 3;

}  // namespace

int LauncherRank() { return EnvNumber("OMPI_COMM_WORLD_RANK", "PMI_RANK", 0); }

#if MMCHECK_WITH_MPI

#ifdef MMCHECK_ASAN
// AddressSanitizer builds only: Open MPI unloads its plugins (mca_*.so) in MPI_Finalize, and
// LeakSanitizer, which looks at exit, cannot name a module that is gone, so what the plugins keep
// shows as leaks "in <unknown module>" that no suppression can match. Keeping every shared
// object loaded (dlclose does nothing: the process is about to exit) lets the built-in
// suppressions (viz/graph.cc) name them. Debian 12's Open MPI 4.1.4 has no
// mca_base_component_disable_dlclose parameter for this.
extern "C" int dlclose(void*) { return 0; }
#endif

absl::StatusOr<std::unique_ptr<UnitExchange>> UnitExchange::Start() {
  if (EnvNumber("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", 1) <= 1) return nullptr;
  int provided = 0;
  // Only the main thread of each process calls MPI; rank 0's worker threads do not.
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return std::unique_ptr<UnitExchange>(new UnitExchange(rank, size));
}

UnitExchange::~UnitExchange() { MPI_Finalize(); }

void UnitExchange::Serve(const std::function<std::string(uint64_t index)>& run) {
  char nothing = 0;
  MPI_Send(&nothing, 0, MPI_BYTE, 0, kRequest, MPI_COMM_WORLD);
  for (;;) {
    int64_t unit = -1;
    MPI_Recv(&unit, 1, MPI_INT64_T, 0, kUnit, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (unit < 0) return;
    const std::string message = run(static_cast<uint64_t>(unit));
    MPI_Send(message.data(), static_cast<int>(message.size()), MPI_BYTE, 0, kResult,
             MPI_COMM_WORLD);
  }
}

bool UnitExchange::Poll(const std::function<void(int rank, std::string bytes)>& done,
                        const std::function<int64_t(int rank)>& next) {
  bool any = false;
  for (;;) {
    int arrived = 0;
    MPI_Status status;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &arrived, &status);
    if (!arrived) return any;
    any = true;
    int count = 0;
    MPI_Get_count(&status, MPI_BYTE, &count);
    std::string message(static_cast<size_t>(count), '\0');
    MPI_Recv(message.data(), count, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
    if (status.MPI_TAG == kResult) done(status.MPI_SOURCE, std::move(message));
    const int64_t unit = next(status.MPI_SOURCE);
    if (unit < 0) ++stopped_;
    MPI_Send(&unit, 1, MPI_INT64_T, status.MPI_SOURCE, kUnit, MPI_COMM_WORLD);
  }
}

void UnitExchange::StopAll() {
  while (stopped_ < size_ - 1) {
    // Rank 0's main thread waits here for ranks still inside a scenario; polling with a short
    // sleep keeps it off the core those ranks (and its own workers) use.
    if (!Poll([](int, std::string) {}, [](int) -> int64_t { return -1; })) {
      usleep(1000);
    }
  }
}

#else  // !MMCHECK_WITH_MPI

absl::StatusOr<std::unique_ptr<UnitExchange>> UnitExchange::Start() {
  if (EnvNumber("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", 1) <= 1) return nullptr;
  return absl::FailedPreconditionError(
      "started by mpirun, but this mmcheck was built without MPI (install libopenmpi-dev and "
      "rebuild)");
}

UnitExchange::~UnitExchange() = default;
void UnitExchange::Serve(const std::function<std::string(uint64_t)>&) {}
bool UnitExchange::Poll(const std::function<void(int, std::string)>&,
                        const std::function<int64_t(int)>&) {
  return false;
}
void UnitExchange::StopAll() {}

#endif  // MMCHECK_WITH_MPI

}  // namespace mmcheck
