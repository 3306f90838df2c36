#!/usr/bin/env bash
# Builds the Debian package from BUILD_DIR (cpack), checks what it holds
# against SOURCE_DIR (the binary, every shipped fixture, the README, the docs,
# the man page; its control fields), then unpacks it and serves the shipped
# fixtures with the binary it contains: ready file, health, the agents, a
# clean stop. Every wait is bounded.
#   tests/package/check_deb.sh BUILD_DIR SOURCE_DIR VERSION
set -euo pipefail
build=$1 src=$2 version=$3
work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "check_deb: $*" >&2; exit 1; }

(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log" >&2; fail "cpack failed"; }
deb="$work/out/agent-sandbox_${version}_amd64.deb"
[ -f "$deb" ] || fail "no $(basename "$deb") in $(ls "$work/out")"

dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$work/contents"
want=(/usr/bin/agent-sandbox /usr/share/doc/agent-sandbox/README.md /usr/share/man/man1/agent-sandbox.1
      /usr/share/doc/agent-sandbox/docs/scenario.schema.json)
for f in "$src"/fixtures/*.json; do want+=("/usr/share/agent-sandbox/fixtures/$(basename "$f")"); done
for f in "$src"/docs/*.md; do want+=("/usr/share/doc/agent-sandbox/docs/$(basename "$f")"); done
for w in "${want[@]}"; do grep -qx "$w" "$work/contents" || fail "the package lacks $w"; done
[ "$(dpkg-deb -f "$deb" Package)" = agent-sandbox ] || fail "Package is not agent-sandbox"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "Version is not $version"
[ "$(dpkg-deb -f "$deb" Architecture)" = amd64 ] || fail "Architecture is not amd64"
dpkg-deb -f "$deb" Depends | grep -q 'libsqlite3-0' || fail "Depends does not name libsqlite3-0"

dpkg-deb -x "$deb" "$work/root"
bin="$work/root/usr/bin/agent-sandbox"
"$bin" --version | grep -qx "agent-sandbox $version" || fail "the packaged binary is not version $version"
"$bin" validate "$work/root/usr/share/agent-sandbox/fixtures" >/dev/null || fail "the packaged fixtures do not validate"
"$bin" --port 0 --db :memory: --fixtures "$work/root/usr/share/agent-sandbox/fixtures" \
  --ready-file "$work/ready.json" --log-level warn >"$work/out.log" 2>&1 &
pid=$!
for _ in $(seq 400); do [ -s "$work/ready.json" ] && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
[ -s "$work/ready.json" ] || { cat "$work/out.log" >&2; fail "the packaged binary never wrote its ready file"; }
python3 - "$work/ready.json" <<'PY' || fail "the packaged binary does not serve the shipped fixtures"
import json, sys, urllib.request
url = json.load(open(sys.argv[1]))["url"]
health = json.load(urllib.request.urlopen(url + "/_sandbox/health", timeout=10))
assert health["status"] == "ok", health
req = urllib.request.Request(url + "/v1/agents", headers={"Authorization": "Bearer mk_test_package"})
agents = json.load(urllib.request.urlopen(req, timeout=10))
types = sorted(a["type"] for a in agents["data"])
assert "cip_orchestrator" in types and len(types) == 5, types
PY
kill -TERM "$pid"
code=0
wait "$pid" || code=$?
pid=
[ "$code" = 0 ] || fail "the packaged binary exited with $code on SIGTERM"
[ ! -e "$work/ready.json" ] || fail "the ready file outlived the server"
echo "check_deb: $(basename "$deb") holds ${#want[@]} expected files and serves the shipped fixtures"
