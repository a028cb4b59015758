#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang, AddressSanitizer and UndefinedBehaviorSanitizer
# into build-fuzz/, then runs each from its seed corpus (fuzz/corpus/<target>, copied: the seeds
# stay as committed) for RUNS inputs.
#   bash scripts/fuzz.sh            100,000 inputs per target (a few minutes)
#   bash scripts/fuzz.sh 10000000   the long run
# Exit 0 iff no target found anything; a finding leaves its input as build-fuzz/crash-* (or
# leak-*, oom-*, timeout-*), which `build-fuzz/fuzz/<target> <file>` replays.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-100000}"
case "$runs" in ''|*[!0-9]*) echo "usage: bash scripts/fuzz.sh [RUNS]" >&2; exit 2 ;; esac

bash scripts/install-packages.sh cmake ninja-build pkg-config \
  libboost-context-dev libabsl-dev libgtest-dev libgraphviz-dev libcli11-dev nlohmann-json3-dev
source scripts/clang-sanitizers.sh
configure_sanitized build-fuzz -DMMCHECK_FUZZ=ON
cmake --build build-fuzz --target token_fuzz options_fuzz replay_fuzz -- -j"$(nproc)" | tail -n 1

export ASAN_OPTIONS="detect_leaks=1:detect_stack_use_after_return=0"
status=0
for target in token_fuzz options_fuzz replay_fuzz; do
  work=$(mktemp -d)
  cp fuzz/corpus/"${target%_fuzz}"/* "$work"/
  echo "== $target: $runs inputs"
  if ! (cd build-fuzz && ./fuzz/"$target" -runs="$runs" -max_len=2048 -timeout=20 \
          -rss_limit_mb=2048 -print_final_stats=1 "$work" 2>&1 | tail -n 12); then
    status=1
  fi
  rm -rf "$work"
done
exit "$status"
