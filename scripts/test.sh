#!/usr/bin/env bash
# Set up, build, and run the whole test suite through ctest (its summary line comes last).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cd build
exec ctest --output-on-failure -j"$(nproc)"
