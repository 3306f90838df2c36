#!/usr/bin/env bash
# Configures and builds agent-sandbox (Release) into ./build: every target,
# or only the targets named (scripts/run.sh builds just the server, so a
# demo does not wait for the tests to compile).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
if [ "$#" -gt 0 ]; then
  cmake --build build -j "$(nproc)" --target "$@"
else
  cmake --build build -j "$(nproc)"
fi
