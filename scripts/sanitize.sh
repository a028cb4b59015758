#!/usr/bin/env bash
# The whole test suite under AddressSanitizer and UndefinedBehaviorSanitizer: builds everything
# with clang into build-asan/, runs every test but the long ones there, then checks that
# `mmcheck run --all --json` gives the same results (timings aside) as the Release build's.
#   bash scripts/sanitize.sh
# Exit 0 iff every test passes, no sanitizer reports anything, and the two JSON runs agree.
# (LeakSanitizer's suppressions for Graphviz's kept context are built in: viz/graph.cc.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh  # the Release build, for the comparison

bash scripts/install-packages.sh clang libclang-rt-14-dev

cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DMMCHECK_ASAN=ON -DCMAKE_CXX_FLAGS="-fsanitize=undefined -fno-sanitize-recover=undefined" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=undefined" >/dev/null
cmake --build build-asan -- -j"$(nproc)" | tail -n 1

export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
untimed() { sed -E 's/"elapsed_s":[0-9.]+//'; }
build/cli/mmcheck run --all --jobs="$(nproc)" --json=- 2>/dev/null | untimed > build-asan/release.json
build-asan/cli/mmcheck run --all --jobs="$(nproc)" --json=- 2>/dev/null | untimed \
  > build-asan/sanitized.json
if cmp -s build-asan/release.json build-asan/sanitized.json; then
  echo "mmcheck sanitize: run --all gives the same JSON in the Release and sanitizer builds" \
       "($(wc -l < build-asan/release.json) scenarios)"
else
  echo "mmcheck sanitize: run --all differs between the Release and sanitizer builds:" >&2
  diff build-asan/release.json build-asan/sanitized.json | head -20 >&2
  exit 1
fi
cd build-asan
exec ctest --output-on-failure -j"$(nproc)" -LE long
