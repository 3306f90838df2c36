#!/usr/bin/env bash
# Sets up (with what the tests need), builds and runs the whole test suite through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests
scripts/build.sh
cd build
ctest --output-on-failure -j "$(nproc)" --timeout 300
