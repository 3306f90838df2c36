#!/usr/bin/env bash
# Installs what agent-sandbox needs to build, from Debian's packages; with
# --tests, also what the test suite needs: clang (the sanitizer and fuzzing
# pass), node and npm, Debian's chromium (browser tests) and the node modules
# of tests/contract, tests/browser, tests/openapi and clients/node (its types
# check's typescript; from their package-lock.json). Idempotent and silent
# when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

tests=0
for arg in "$@"; do
  case "$arg" in
    --tests) tests=1 ;;
    *) echo "setup: unknown argument $arg (expected --tests)" >&2; exit 2 ;;
  esac
done

packages=(g++ cmake make pkg-config libcpp-httplib-dev nlohmann-json3-dev catch2 libsqlite3-dev libssl-dev libre2-dev libcli11-dev libjemalloc-dev libzstd-dev)
# The test suite's second pass is a clang build with sanitizers and libFuzzer
# (clang's runtime libraries come with libclang-rt-dev).
# dpkg-dev: the test suite builds the Debian package (dpkg-shlibdeps finds its Depends).
# python3-pytest, -pip, -setuptools, -wheel: clients/python is pip-installed and tested with Debian's pytest.
if [ "$tests" = 1 ]; then
  packages+=(chromium clang libclang-rt-dev dpkg-dev python3-pytest python3-pip python3-setuptools python3-wheel)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ "$tests" = 1 ]; then
  # node and npm may come from elsewhere than Debian: look for the commands.
  command -v node > /dev/null || missing+=(nodejs)
  command -v npm > /dev/null || missing+=(npm)
fi

if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
fi

if [ "$tests" = 1 ]; then
  # Each node test folder's modules, when missing or older than its lock file.
  for dir in tests/contract tests/browser tests/openapi clients/node; do
    if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
      echo "setup: npm ci in $dir"
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error > /dev/null)
      touch "$dir/node_modules"
    fi
  done
fi
