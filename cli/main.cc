// mmcheck: the command line. See cli/options.h for the grammar and architecture.md section 6 for
// the exit codes and the JSON contract.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "cli/commands.h"
#include "cli/mpi.h"
#include "cli/options.h"

namespace {

// An error line as printed: control characters (a newline or an escape sequence in a name, a
// token or an option the user gave) as \xNN, so that every error is one line and the terminal
// shows what was typed.
std::string OneLine(absl::string_view message) {
  std::string out;
  for (const char c : message) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      absl::StrAppendFormat(&out, "\\x%02x", u);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  // Under mpirun every rank runs this; only rank 0 speaks (errors, help, list) and only its exit
  // code counts. The others exit 0 even on an error all ranks meet alike (a bad option): mpirun
  // ends the job at the first non-zero exit, which could come before rank 0's line.
  const bool quiet = mmcheck::LauncherRank() > 0;
  absl::StatusOr<mmcheck::Options> options = mmcheck::ParseOptions(args);
  if (!options.ok()) {
    if (quiet) return 0;
    std::fprintf(stderr, "mmcheck: %s\n", OneLine(options.status().message()).c_str());
    return 2;
  }
  if (quiet && options->command != mmcheck::Options::Command::kRun) return 0;
  if (argc > 0) {
    const absl::string_view self = argv[0];
    options->program = std::string(self.substr(self.rfind('/') + 1));
  }
  if (!quiet) {
    for (const std::string& warning : options->warnings) {
      std::fprintf(stderr, "mmcheck: warning: %s\n", OneLine(warning).c_str());
    }
  }
  absl::StatusOr<int> code = 0;
  switch (options->command) {
    case mmcheck::Options::Command::kHelp:
      std::fputs(mmcheck::HelpText(options->help_topic).c_str(), stdout);
      return 0;
    case mmcheck::Options::Command::kVersion:
      std::printf("mmcheck %s\n", mmcheck::Version());
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
    std::fprintf(stderr, "mmcheck: %s\n", OneLine(code.status().message()).c_str());
    return 2;
  }
  return *code;
}
