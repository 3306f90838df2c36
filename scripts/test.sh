#!/usr/bin/env bash
# Sets up (with what the tests need), builds and runs the whole test suite
# through ctest, twice:
#   1. the Release build (build/), every test: unit, HTTP against the real
#      binary, the node contract suite, the browser tests, and the Debian
#      package (built, its contents checked, its binary run);
#   2. a clang build with AddressSanitizer and UBSan (build-sanitize/): the
#      same tests but the browser's and the package's, plus a short run of every libFuzzer
#      target in fuzz/ (docs/operations.md shows a longer one). The
#      benchmarks are left out of this build: the Release pass compiles them,
#      and nothing here runs them.
# Each pass ends with ctest's summary line; the script stops at the first
# pass that fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests
scripts/build.sh
jobs="$(nproc)"

(cd build && ctest --output-on-failure -j "$jobs" --timeout 300)

CC=clang CXX=clang++ cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" \
  -DAGENT_SANDBOX_SANITIZE=ON -DAGENT_SANDBOX_FUZZ=ON -DAGENT_SANDBOX_BENCH=OFF > /dev/null
cmake --build build-sanitize -j "$jobs"
# A sanitizer report fails the test that caused it; the server's own leaks
# at exit would too.
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-sanitize && ctest --output-on-failure -j "$jobs" --timeout 600 -E '^(browser|package):')
