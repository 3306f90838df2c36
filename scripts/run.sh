#!/usr/bin/env bash
# Sets up, builds and starts the sandbox on 127.0.0.1:8080 with the shipped
# fixtures and ./agent-sandbox.db. Extra arguments go to agent-sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh agent-sandbox
exec build/agent-sandbox serve --host 127.0.0.1 --port 8080 --fixtures fixtures --db ./agent-sandbox.db "$@"
