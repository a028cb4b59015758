// `list` and `run`; see commands.h.
#include "cli/commands.h"

#include <signal.h>
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
#include "cli/mpi.h"
#include "cli/scenario_unit.h"
#include "explorer/runtime/scenario.h"
#include "nlohmann/json.hpp"

namespace mmcheck {
namespace {

// Set by SIGINT (Ctrl-C) during a run; every search stops after its current execution.
std::atomic<bool> interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free);  // so the handler may store it

void OnInterrupt(int) { interrupted.store(true, std::memory_order_relaxed); }

// Ctrl-C during a run: the first stops the searches (and a second, with the default action
// restored by SA_RESETHAND, kills). Restores the previous action when the run ends.
class InterruptScope {
 public:
  InterruptScope() {
    interrupted = false;
    struct sigaction action = {};
    action.sa_handler = OnInterrupt;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &action, &previous_);
  }
  ~InterruptScope() { sigaction(SIGINT, &previous_, nullptr); }

 private:
  struct sigaction previous_ = {};
};

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
      nlohmann::ordered_json json;
      json["scenario"] = info->name;
      json["expect"] = info->expect.ToString();
      json["expect_finding"] = info->expect.FindingString();
      json["question"] = info->meta.question;
      json["spec"] = info->meta.spec;
      json["protocol"] = info->meta.protocol;
      json["arch"] = info->arch;
      std::printf("%s\n", json.dump().c_str());
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
    if (stop || interrupted) return -1;
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
    deliver(i, RunUnit(
                   options, instances[i],
                   [&slot](const ExploreProgress& p) {
                     slot.executions = p.executions;
                     slot.elapsed_s = p.elapsed_s;
                   },
                   &interrupted));
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
  // The output files, opened now so that an unwritable path is an input error before any search
  // (--junit is written at the end).
  std::unique_ptr<FILE, int (*)(FILE*)> json_file(nullptr, &std::fclose);
  std::unique_ptr<FILE, int (*)(FILE*)> junit_file(nullptr, &std::fclose);
  for (auto [path, file] : {std::pair{&options.json_path, &json_file},
                            std::pair{&options.junit_path, &junit_file}}) {
    if (path->empty() || *path == "-") continue;
    file->reset(std::fopen(path->c_str(), "w"));
    if (*file == nullptr) {
      finish();
      return absl::InvalidArgumentError(absl::StrCat("cannot write '", *path, "'"));
    }
  }
  FILE* json_out = !options.json ? nullptr : options.json_path == "-" ? stdout : json_file.get();
  // With JSON on stdout the text lines go to stderr, so stdout stays one object per line.
  FILE* text_out = json_out == stdout ? stderr : stdout;
  // Progress: on a terminal, one line redrawn every second; otherwise (a CI log, a pipe) a line
  // of its own every 5 s, so a long run is seen to move without flooding the log.
  const bool terminal = isatty(STDERR_FILENO) != 0;
  const std::chrono::duration<double> progress_every(
      options.progress_s > 0 ? options.progress_s : terminal ? 1.0 : 5.0);
  // Ctrl-C stops the searches and ends the run with a summary (exit 130). Under mpirun the
  // launcher delivers it to every rank, which has the default action.
  std::optional<InterruptScope> interrupt_scope;
  if (mpi == nullptr) interrupt_scope.emplace();

  const auto run_start = std::chrono::steady_clock::now();
  for (int w = 0; w < workers; ++w) {
    pool.emplace_back([&] {
      for (int64_t i; (i = take()) >= 0;) explore_one(static_cast<size_t>(i));
    });
  }
  size_t printed = 0;
  // Progress: the scenarios running, their executions so far.
  auto show = [&] {
    std::string line;
    for (Slot& slot : slots) {
      if (!slot.running) continue;
      const size_t i = static_cast<size_t>(&slot - slots.data());
      if (slot.rank > 0) {
        absl::StrAppend(&line, line.empty() ? "" : "; ", instances[i].name, " on rank ",
                        slot.rank);
      } else if (slot.elapsed_s > 0) {
        absl::StrAppend(&line, line.empty() ? "" : "; ", instances[i].name, ": ",
                        slot.executions.load(), " executions, ",
                        absl::StrFormat("%.0f", slot.elapsed_s.load()), " s");
      }
    }
    if (line.empty()) return;
    if (terminal) {
      std::fprintf(stderr, "\r\033[K%s", line.c_str());
    } else {
      std::fprintf(stderr, "mmcheck: progress: %zu of %zu scenarios done; %s\n", printed, n,
                   line.c_str());
    }
    std::fflush(stderr);
  };

  int mismatches = 0;
  std::string junit_cases;
  size_t cut_short = 0;  // searches an interrupt stopped
  uint64_t explored = 0;  // executions of the scenarios printed
  // Prints, writes and judges slot i's result; false and `*error` on an input error.
  auto emit = [&](size_t i, absl::Status* error) {
    Slot& slot = slots[i];
    UnitResult& result = *slot.result;
    if (!result.status.ok()) {
      *error = result.status;
      return false;
    }
    ++printed;
    if (!result.matches) ++mismatches;
    if (result.interrupted) ++cut_short;
    explored += result.explored_executions;
    std::fputs(result.text.c_str(), text_out);
    // Flushed per scenario, so what was printed survives a later failure; a write that fails
    // (a full disk) is an input error, not a silent success.
    std::fflush(text_out);
    if (json_out != nullptr) {
      std::fprintf(json_out, "%s\n", result.json.c_str());
      if (std::fflush(json_out) != 0 || std::ferror(json_out)) {
        *error = absl::InvalidArgumentError(absl::StrCat(
            "cannot write '", options.json_path == "-" ? "standard output" : options.json_path,
            "'"));
        return false;
      }
    }
    junit_cases += result.junit;
    for (const auto& [name, contents] : result.files) {
      absl::Status s = WriteFile(std::filesystem::path(options.report_dir) / name, contents);
      if (!s.ok()) {
        *error = s;
        return false;
      }
    }
    slot.result.reset();  // printed and written: free it
    return true;
  };
  auto last_shown = std::chrono::steady_clock::now();
  bool stopped = false;  // by an interrupt
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
      if (interrupted) {
        // No new search starts; the running ones stop after their current execution.
        lock.unlock();
        finish();
        stopped = true;
        break;
      }
      // Under mpirun this thread also answers the other ranks: it looks every millisecond.
      finished.wait_for(lock, mpi != nullptr ? std::chrono::milliseconds(1)
                                             : std::chrono::milliseconds(250));
      if (std::chrono::steady_clock::now() - last_shown >= progress_every) {
        last_shown = std::chrono::steady_clock::now();
        show();
      }
    }
    if (terminal) std::fprintf(stderr, "\r\033[K");
    if (stopped) break;
    absl::Status error;
    if (!emit(i, &error)) {
      finish();
      return error;
    }
  }
  finish();
  if (stopped) {
    // What had ended when the interrupt came, and the searches it cut short, in order.
    for (size_t i = 0; i < n; ++i) {
      if (!slots[i].done || !slots[i].result) continue;
      absl::Status error;
      if (!emit(i, &error)) return error;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
  if (junit_file != nullptr) {
    const std::string xml = JunitDocument(junit_cases, printed,
                                          static_cast<size_t>(mismatches), seconds);
    if (std::fputs(xml.c_str(), junit_file.get()) < 0 || std::fflush(junit_file.get()) != 0) {
      return absl::InvalidArgumentError(absl::StrCat("cannot write '", options.junit_path, "'"));
    }
  }
  const std::string reports =
      options.report_dir.empty() ? "" : absl::StrCat("; reports in ", options.report_dir, "/");
  if (stopped) {
    std::fprintf(text_out,
                 "interrupted: %zu of %zu scenarios explored (%zu of them cut short), %llu "
                 "executions in %.1f s; %zu match their expectation, %d do not%s\n",
                 printed, n, cut_short, static_cast<unsigned long long>(explored), seconds,
                 printed - static_cast<size_t>(mismatches), mismatches, reports.c_str());
    std::fflush(text_out);
    return 130;
  }
  std::fprintf(text_out, "%zu scenario%s: %zu match their expectation, %d do not%s\n", n,
               n == 1 ? "" : "s", n - static_cast<size_t>(mismatches), mismatches,
               reports.c_str());
  return mismatches == 0 ? 0 : 1;
}

}  // namespace mmcheck
