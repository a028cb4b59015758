// `list` and `run`; see commands.h.
#include "cli/commands.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/json.h"
#include "cli/mpi.h"
#include "cli/scenario_unit.h"
#include "explorer/runtime/scenario.h"

namespace mmcheck {
namespace {

absl::Status WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return absl::InvalidArgumentError(absl::StrCat("cannot write ", path.string()));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int> ListCommand(const Options& options) {
  for (const ScenarioInfo* info : AllScenarios()) {
    if (options.json) {
      JsonObject json;
      json.Add("scenario", info->name)
          .Add("expect", info->expect.ToString())
          .Add("expect_finding", info->expect.FindingString())
          .Add("question", info->meta.question)
          .Add("spec", info->meta.spec)
          .Add("protocol", info->meta.protocol)
          .Add("arch", info->arch);
      std::printf("%s\n", json.str().c_str());
    } else {
      const std::string expect = info->expect.is_pass()
                                     ? "pass"
                                     : absl::StrCat("violation:", info->expect.FindingString());
      std::printf("%-32s %-26s %s\n", info->name.c_str(), expect.c_str(), info->meta.question);
    }
  }
  return 0;
}

absl::StatusOr<int> RunCommand(const Options& options) {
  std::vector<ScenarioInstance> instances;
  if (options.all) {
    instances = AllInstances();
  } else {
    for (const std::string& target : options.targets) {
      absl::StatusOr<std::vector<ScenarioInstance>> matched = MatchScenarios(target);
      if (!matched.ok()) return matched.status();
      instances.insert(instances.end(), matched->begin(), matched->end());
    }
  }
  // Under mpirun every process gets here with the same list; ranks other than 0 only run the
  // units rank 0 hands them.
  absl::StatusOr<std::unique_ptr<UnitExchange>> started = UnitExchange::Start();
  if (!started.ok()) return started.status();
  std::unique_ptr<UnitExchange> mpi = *std::move(started);
  if (mpi != nullptr && options.jobs > 0) {
    // Checked on every rank alike, before any waits for another.
    return absl::InvalidArgumentError(
        "--jobs does not apply under mpirun: each process runs one scenario at a time (start one "
        "per core)");
  }
  if (mpi != nullptr && mpi->rank() > 0) {
    mpi->Serve([&](uint64_t index) {
      return EncodeUnit(index, RunUnit(options, instances[index], [](const ExploreProgress&) {}));
    });
    return 0;
  }
  // From here on, rank 0 (or the only process). Every return goes through finish(), which also
  // stops the other ranks.
  struct Slot {
    std::optional<UnitResult> result;
    bool done = false;
    std::atomic<bool> running{false};
    int rank = 0;  // the rank running it, under mpirun
    std::atomic<uint64_t> executions{0};
    std::atomic<double> elapsed_s{0};
  };
  const size_t n = instances.size();
  std::vector<Slot> slots(n);
  std::mutex mu;
  std::condition_variable finished;
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  // Scenarios run on `workers` threads here (one under mpirun, beside the other ranks), each
  // whole search on one worker (its own stacks, Execution and lockdep graph; the current
  // Execution is thread-local). Results are printed, written and judged by this thread in the
  // scenarios' order as they come in, so the output does not depend on the number of workers.
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const int workers = mpi != nullptr ? 1
                                     : static_cast<int>(std::min<size_t>(
                                           n, static_cast<size_t>(options.jobs > 0 ? options.jobs
                                                                                    : cores)));
  // Workers take the scenarios expected to pass first: their searches are exhaustive and hold
  // the long ones, while a twin mostly stops at its first violation. Starting the long ones early
  // keeps one worker from running the last of them alone. Only the order of work changes; the
  // output is still printed in the scenarios' order. One worker keeps that order, so each line
  // comes as soon as its scenario ends.
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  if (workers > 1 || mpi != nullptr) {
    std::stable_partition(order.begin(), order.end(),
                          [&](size_t i) { return instances[i].info->expect.is_pass(); });
  }
  auto take = [&]() -> int64_t {
    if (stop) return -1;
    const size_t k = next++;
    return k < n ? static_cast<int64_t>(order[k]) : -1;
  };
  auto deliver = [&](size_t i, UnitResult result) {
    std::lock_guard<std::mutex> lock(mu);
    slots[i].result = std::move(result);
    slots[i].running = false;
    slots[i].done = true;
    finished.notify_all();
  };
  auto explore_one = [&](size_t i) {
    Slot& slot = slots[i];
    slot.running = true;
    deliver(i, RunUnit(options, instances[i], [&slot](const ExploreProgress& p) {
              slot.executions = p.executions;
              slot.elapsed_s = p.elapsed_s;
            }));
  };
  std::vector<std::thread> pool;
  auto finish = [&] {
    stop = true;
    for (std::thread& t : pool) {
      if (t.joinable()) t.join();
    }
    if (mpi != nullptr) mpi->StopAll();
  };
  absl::Status remote_error;  // a result from another rank that cannot be read
  // Another rank's result, or the next unit for a rank that asks.
  auto poll = [&] {
    if (mpi == nullptr) return;
    mpi->Poll(
        [&](int, std::string bytes) {
          absl::StatusOr<std::pair<uint64_t, UnitResult>> result = DecodeUnit(bytes);
          if (result.ok() && result->first >= n) {
            result = absl::InternalError("a worker sent a result for no scenario");
          }
          if (result.ok()) {
            deliver(result->first, std::move(result->second));
          } else if (remote_error.ok()) {
            remote_error = result.status();
          }
        },
        [&](int rank) {
          const int64_t unit = take();
          if (unit >= 0) {
            slots[static_cast<size_t>(unit)].rank = rank;
            slots[static_cast<size_t>(unit)].running = true;
          }
          return unit;
        });
  };

  if (!options.report_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options.report_dir, ec);
    if (ec || access(options.report_dir.c_str(), W_OK) != 0) {
      finish();
      return absl::InvalidArgumentError(
          absl::StrCat("cannot write reports to '", options.report_dir, "'"));
    }
  }
  FILE* json_out = nullptr;
  std::unique_ptr<FILE, int (*)(FILE*)> json_file(nullptr, &std::fclose);
  if (options.json) {
    if (options.json_path == "-") {
      json_out = stdout;
    } else {
      json_file.reset(std::fopen(options.json_path.c_str(), "w"));
      if (json_file == nullptr) {
        finish();
        return absl::InvalidArgumentError(absl::StrCat("cannot write '", options.json_path, "'"));
      }
      json_out = json_file.get();
    }
  }
  // With JSON on stdout the text lines go to stderr, so stdout stays one object per line.
  FILE* text_out = json_out == stdout ? stderr : stdout;
  const bool show_progress = isatty(STDERR_FILENO) != 0;

  for (int w = 0; w < workers; ++w) {
    pool.emplace_back([&] {
      for (int64_t i; (i = take()) >= 0;) explore_one(static_cast<size_t>(i));
    });
  }
  // Progress on a terminal: the scenarios running, their executions so far.
  auto show = [&] {
    std::string line;
    for (Slot& slot : slots) {
      if (!slot.running) continue;
      const size_t i = static_cast<size_t>(&slot - slots.data());
      if (slot.rank > 0) {
        absl::StrAppend(&line, line.empty() ? "" : "; ", instances[i].name, " on rank ",
                        slot.rank);
      } else if (slot.elapsed_s >= 1) {
        absl::StrAppend(&line, line.empty() ? "" : "; ", instances[i].name, ": ",
                        slot.executions.load(), " executions, ",
                        absl::StrFormat("%.0f", slot.elapsed_s.load()), " s");
      }
    }
    if (line.empty()) return;
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
  };

  int mismatches = 0;
  auto last_shown = std::chrono::steady_clock::now();
  for (size_t i = 0; i < n; ++i) {
    Slot& slot = slots[i];
    for (;;) {
      poll();
      if (!remote_error.ok()) {
        finish();
        return remote_error;
      }
      std::unique_lock<std::mutex> lock(mu);
      if (slot.done) break;
      // Under mpirun this thread also answers the other ranks: it looks every millisecond.
      finished.wait_for(lock, mpi != nullptr ? std::chrono::milliseconds(1)
                                             : std::chrono::milliseconds(1000));
      if (show_progress && std::chrono::steady_clock::now() - last_shown >= std::chrono::seconds(1)) {
        last_shown = std::chrono::steady_clock::now();
        show();
      }
    }
    if (show_progress) std::fprintf(stderr, "\r\033[K");
    UnitResult& result = *slot.result;
    if (!result.status.ok()) {
      finish();
      return result.status;
    }
    if (!result.matches) ++mismatches;
    std::fputs(result.text.c_str(), text_out);
    // Flushed per scenario, so what was printed survives a later failure; a write that fails
    // (a full disk) is an input error, not a silent success.
    std::fflush(text_out);
    if (json_out != nullptr) {
      std::fprintf(json_out, "%s\n", result.json.c_str());
      if (std::fflush(json_out) != 0 || std::ferror(json_out)) {
        finish();
        return absl::InvalidArgumentError(absl::StrCat(
            "cannot write '", options.json_path == "-" ? "standard output" : options.json_path,
            "'"));
      }
    }
    for (const auto& [name, contents] : result.files) {
      absl::Status s = WriteFile(std::filesystem::path(options.report_dir) / name, contents);
      if (!s.ok()) {
        finish();
        return s;
      }
    }
    slot.result.reset();  // printed and written: free it
  }
  finish();
  std::fprintf(text_out, "%zu scenarios: %zu match their expectation, %d do not%s\n",
               instances.size(), instances.size() - static_cast<size_t>(mismatches), mismatches,
               options.report_dir.empty()
                   ? ""
                   : absl::StrCat("; reports in ", options.report_dir, "/").c_str());
  return mismatches == 0 ? 0 : 1;
}

}  // namespace mmcheck
