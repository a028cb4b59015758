// The `list` and `run` commands. Each returns the process exit code (0: every result matches its
// expectation, 1: some do not) or an input error (exit 2, one line).
#ifndef MMCHECK_CLI_COMMANDS_H_
#define MMCHECK_CLI_COMMANDS_H_

#include "absl/status/statusor.h"
#include "cli/options.h"

namespace mmcheck {

absl::StatusOr<int> ListCommand(const Options& options);
absl::StatusOr<int> RunCommand(const Options& options);

}  // namespace mmcheck

#endif  // MMCHECK_CLI_COMMANDS_H_
