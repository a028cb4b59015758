#!/usr/bin/env bash
# Installs the Debian packages mmcheck needs (only those missing), then configures and builds it
# in Release into build/. Sourced by run-all.sh and test.sh; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-packages.sh cmake ninja-build g++ pkg-config libboost-context-dev \
  libabsl-dev libgtest-dev libgraphviz-dev libopenmpi-dev openmpi-bin \
  libcli11-dev nlohmann-json3-dev python3-jsonschema

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -- -j"$(nproc)" | tail -n 1
