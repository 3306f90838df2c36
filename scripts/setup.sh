#!/usr/bin/env bash
# Installs what agent-sandbox needs to build and test, from Debian's packages,
# and the contract suite's node modules (tests/contract, from package-lock.json).
# Idempotent and silent when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(g++ cmake make pkg-config libcpp-httplib-dev nlohmann-json3-dev catch2 libsqlite3-dev libssl-dev)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# node and npm may come from elsewhere than Debian: look for the commands.
command -v node > /dev/null || missing+=(nodejs)
command -v npm > /dev/null || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
fi

# The contract suite's modules, when missing or older than the lock file.
contract=tests/contract
if [ ! -d "$contract/node_modules" ] || [ "$contract/package-lock.json" -nt "$contract/node_modules" ]; then
  echo "setup: npm ci in $contract"
  (cd "$contract" && npm ci --no-audit --no-fund --loglevel=error > /dev/null)
  touch "$contract/node_modules"
fi
