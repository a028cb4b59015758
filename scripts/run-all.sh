#!/usr/bin/env bash
# The main job: set up, build, and run every registered scenario, writing a text report for each
# violation found into mmcheck-reports/. Exits as `mmcheck run --all` does (0: every result
# matches its expectation).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
rm -rf mmcheck-reports
exec build/cli/mmcheck run --all --report=mmcheck-reports "$@"
