// Many processes, on one machine or many, as the workers of one `run`: `mpirun -n K mmcheck run
// ...`. Rank 0 owns the list of scenarios and hands them out one at a time as ranks ask (so a rank
// that drew short scenarios takes more); each rank explores, judges and renders its scenario
// (scenario_unit.h) and sends the bytes back. Rank 0 runs scenarios too, on a worker thread, and
// alone prints, writes JSON and writes reports, in the scenarios' order. The work units are whole
// scenarios, as for --jobs: the output is the same as one process's.
//
// Without mpirun (no launcher variables in the environment) there is no MPI at all: MPI is not
// initialised, and a build without Open MPI runs as before.
#ifndef MMCHECK_CLI_MPI_H_
#define MMCHECK_CLI_MPI_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace mmcheck {

// This process's rank as the launcher's environment gives it (0 when not launched by one), read
// before MPI is initialised: only rank 0 prints errors and `list`.
int LauncherRank();

class UnitExchange {
 public:
  // Initialises MPI when a launcher started this process in a world of more than one. nullptr:
  // not under a launcher, or a world of one. Errors: launched, but this mmcheck was built
  // without MPI.
  static absl::StatusOr<std::unique_ptr<UnitExchange>> Start();
  ~UnitExchange();  // MPI_Finalize
  UnitExchange(const UnitExchange&) = delete;
  UnitExchange& operator=(const UnitExchange&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }

  // A rank other than 0: asks for a unit, runs it with `run` (which returns its encoded result,
  // EncodeUnit), sends the result, and again, until rank 0 answers "stop".
  void Serve(const std::function<std::string(uint64_t index)>& run);

  // Rank 0. Takes the messages that have arrived without waiting: each result goes to `done`,
  // and each message (a first request or a result) is answered with `next()`: a unit's index, or
  // -1 for "stop". Returns whether any message came.
  bool Poll(const std::function<void(int rank, std::string bytes)>& done,
            const std::function<int64_t(int rank)>& next);
  // Rank 0: answers "stop" to every rank still working, at its next message (a result that
  // arrives now is dropped); returns when all have been.
  void StopAll();

 private:
  UnitExchange(int rank, int size) : rank_(rank), size_(size) {}
  int rank_;
  int size_;
  int stopped_ = 0;  // rank 0: ranks answered "stop"
};

}  // namespace mmcheck

#endif  // MMCHECK_CLI_MPI_H_
