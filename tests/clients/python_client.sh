#!/usr/bin/env bash
# The Python helpers (clients/python) as a user gets them: pip-installed (from
# a copy, so the source tree stays clean) into a temporary folder, then their
# tests run by Debian's pytest, the plugin found through its entry point,
# against the real binary.
#   tests/clients/python_client.sh SOURCE_DIR BINARY
set -euo pipefail
src=$1 binary=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$src/clients/python" "$work/pkg"
/usr/bin/python3 -m pip install -q --no-build-isolation --no-deps --no-cache-dir --target "$work/site" "$work/pkg" \
  2>&1 | grep -v "Running pip as the 'root' user" || true
[ -f "$work/site/agent_sandbox/pytest_plugin.py" ] || { echo "python_client: pip did not install the package" >&2; exit 1; }
cd "$work"
AGENT_SANDBOX_BINARY="$binary" AGENT_SANDBOX_FIXTURES="$src/fixtures" PYTHONPATH="$work/site" \
  /usr/bin/python3 -m pytest -q -p no:cacheprovider "$src/clients/python/tests"
