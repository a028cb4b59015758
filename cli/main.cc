// mmcheck: the command line. See cli/options.h for the grammar and architecture.md section 6 for
// the exit codes and the JSON contract.
#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/mpi.h"
#include "cli/options.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  // Under mpirun every rank runs this; only rank 0 speaks (errors, help, list) and only its exit
  // code counts. The others exit 0 even on an error all ranks meet alike (a bad option): mpirun
  // ends the job at the first non-zero exit, which could come before rank 0's line.
  const bool quiet = mmcheck::LauncherRank() > 0;
  absl::StatusOr<mmcheck::Options> options = mmcheck::ParseOptions(args);
  if (!options.ok()) {
    if (quiet) return 0;
    std::fprintf(stderr, "mmcheck: %s\n", std::string(options.status().message()).c_str());
    return 2;
  }
  if (quiet && options->command != mmcheck::Options::Command::kRun) return 0;
  absl::StatusOr<int> code = 0;
  switch (options->command) {
    case mmcheck::Options::Command::kHelp:
      std::fputs(mmcheck::UsageText(), stdout);
      return 0;
    case mmcheck::Options::Command::kList:
      code = mmcheck::ListCommand(*options);
      break;
    case mmcheck::Options::Command::kRun:
      code = mmcheck::RunCommand(*options);
      break;
  }
  if (!code.ok()) {
    if (quiet) return 0;
    std::fprintf(stderr, "mmcheck: %s\n", std::string(code.status().message()).c_str());
    return 2;
  }
  return *code;
}
