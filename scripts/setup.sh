#!/usr/bin/env bash
# Installs what agent-sandbox needs to build and test, from Debian's packages.
# Idempotent and silent when everything is already there.
set -euo pipefail

packages=(g++ cmake make pkg-config libcpp-httplib-dev nlohmann-json3-dev catch2 libsqlite3-dev)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
