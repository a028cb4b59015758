#!/usr/bin/env bash
# Set up, build, and run the test suite through ctest (its summary line comes last).
#   bash scripts/test.sh        every test but the long ones (about 3 minutes once built)
#   bash scripts/test.sh long   only the tests labelled `long` (every scenario, big oracle runs)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cd build
case "${1:-}" in
  "") exec ctest --output-on-failure -j"$(nproc)" -LE long ;;
  long) exec ctest --output-on-failure -j"$(nproc)" -L long ;;
  *) echo "usage: bash scripts/test.sh [long]" >&2; exit 2 ;;
esac
