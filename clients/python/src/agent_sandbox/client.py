"""A client of a running agent-sandbox, and the process that runs it.

Standard library only. Every wait is bounded. `Sandbox.start()` runs the
binary on a free port (--port 0) with a temporary database and learns the
port from its ready file (--ready-file); `Sandbox.attach(url)` uses one that
already runs. `namespace(name)` is the same sandbox seen through
X-Sandbox-Namespace: each test gets its own runs, threads and clock.
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

DEFAULT_KEY = "mk_test_sandbox"
DEFAULT_ORG = "11111111-2222-4333-8444-555555555555"
TERMINAL = ("completed", "error", "cancelled")


class SandboxError(Exception):
    """A request the sandbox refused, or a wait that ran out."""

    def __init__(self, message, status=None, body=None):
        super().__init__(message)
        self.status = status
        self.body = body


class Sandbox:
    def __init__(self, url, key=DEFAULT_KEY, namespace=None, org=DEFAULT_ORG, _process=None, _workdir=None):
        self.url = url.rstrip("/")
        self.key = key
        self.namespace_name = namespace
        self.org = org
        self._process = _process
        self._workdir = _workdir

    # ---- lifecycle

    @classmethod
    def start(cls, binary=None, fixtures=None, args=(), timeout=20.0, key=DEFAULT_KEY):
        """Runs the binary (AGENT_SANDBOX_BINARY, else agent-sandbox on PATH) on a free port."""
        binary = binary or os.environ.get("AGENT_SANDBOX_BINARY") or shutil.which("agent-sandbox")
        if not binary:
            raise SandboxError("no agent-sandbox binary: set AGENT_SANDBOX_BINARY or put it on PATH")
        workdir = tempfile.mkdtemp(prefix="agent-sandbox-")
        ready = os.path.join(workdir, "ready.json")
        cmd = [binary, "--port", "0", "--db", os.path.join(workdir, "sandbox.db"), "--ready-file", ready,
               "--log-level", "warn"]
        if fixtures:
            cmd += ["--fixtures", fixtures]
        cmd += list(args)
        log = open(os.path.join(workdir, "sandbox.log"), "wb")
        process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout
        while not os.path.exists(ready):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                process.wait()
                with open(os.path.join(workdir, "sandbox.log"), "rb") as f:
                    output = f.read().decode("utf-8", "replace")
                shutil.rmtree(workdir, ignore_errors=True)
                raise SandboxError("agent-sandbox did not start: " + output.strip())
            time.sleep(0.02)
        with open(ready) as f:
            url = json.load(f)["url"]
        return cls(url, key=key, _process=process, _workdir=workdir)

    @classmethod
    def attach(cls, url, key=DEFAULT_KEY):
        """A sandbox that already runs at `url` (nothing is started or stopped)."""
        return cls(url, key=key)

    def stop(self, timeout=10.0):
        """SIGTERM, then SIGKILL after `timeout`; returns the exit code (None when attached)."""
        if not self._process:
            return None
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        code = self._process.returncode
        if self._workdir:
            shutil.rmtree(self._workdir, ignore_errors=True)
        self._process = None
        return code

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def namespace(self, name):
        """This sandbox through X-Sandbox-Namespace `name`: runs, threads and clock of its own."""
        return Sandbox(self.url, key=self.key, namespace=name, org=self.org)

    # ---- HTTP

    def request(self, method, path, body=None, headers=None, auth="key", timeout=30.0):
        """(status, parsed JSON or None). auth: "key" (Middesk), "pat" (Modus), or None."""
        h = {"Content-Type": "application/json"}
        if auth == "key":
            h["Authorization"] = "Bearer " + self.key
        elif auth == "pat":
            h["Authorization"] = "Bearer modus_%s_abc123_s3cret" % self.org
        if self.namespace_name:
            h["X-Sandbox-Namespace"] = self.namespace_name
        h.update(headers or {})
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, headers=h, method=method)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as res:
                status, raw = res.status, res.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode("utf-8", "replace")
        return status, parsed

    def _ok(self, method, path, body=None, auth="key", expect=(200, 201)):
        status, parsed = self.request(method, path, body, auth=auth)
        if status not in expect:
            raise SandboxError("%s %s answered %d: %s" % (method, path, status, parsed), status, parsed)
        return parsed

    # ---- Middesk runs

    def create_run(self, agent_type, business_id="8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f", scenario=None, **fields):
        """POST /v1/runs; `scenario` picks one by name (X-Sandbox-Scenario)."""
        body = dict(type=agent_type, **fields)
        if business_id and "context_type" not in fields and "thread_id" not in fields:
            body["business_id"] = business_id
        headers = {"X-Sandbox-Scenario": scenario} if scenario else None
        status, parsed = self.request("POST", "/v1/runs", body, headers=headers)
        if status != 201:
            raise SandboxError("POST /v1/runs answered %d: %s" % (status, parsed), status, parsed)
        return parsed

    def run(self, run_id, steps=False):
        return self._ok("GET", "/v1/runs/%s%s" % (run_id, "?include=steps" if steps else ""))

    def wait_for_status(self, run_id, *statuses, timeout=10.0):
        """Polls the run until its status is one of `statuses` (default: any terminal one)."""
        wanted = statuses or TERMINAL
        deadline = time.monotonic() + timeout
        while True:
            run = self.run(run_id)
            if run["status"] in wanted:
                return run
            if time.monotonic() > deadline:
                raise SandboxError("run %s is %s, not %s, after %.1f s" % (run_id, run["status"], "/".join(wanted), timeout))
            time.sleep(0.02)

    def answer_interrupt(self, run_id, decision="approve", input=None):
        """Resumes the run's pending interrupt with {"decision": ...} (or `input` as given)."""
        run = self.run(run_id)
        pending = run.get("interrupts") or []
        if not pending:
            raise SandboxError("run %s has no pending interrupt (status %s)" % (run_id, run["status"]))
        answer = input if input is not None else {"decision": decision}
        return self._ok("POST", "/v1/runs/%s/resume" % run_id, {"interrupt_id": pending[0]["id"], "input": answer})

    # ---- Modus runs

    def create_modus_run(self, agent_id, body=None):
        """Starts a run of Modus agent `agent_id` (the sandbox's extension); returns the Modus run."""
        return self._ok("POST", "/_sandbox/modus/agents/%d/runs" % agent_id, body or {}, auth="pat")

    def modus_run(self, agent_id, workflow_id):
        return self._ok("GET", "/api/v1/agents/%d/runs/%s" % (agent_id, workflow_id), auth="pat")

    def approve_modus_run(self, agent_id, workflow_id, decision="approve", comment=None):
        body = {"decision": decision}
        if comment:
            body["comment"] = comment
        return self._ok("POST", "/api/v1/agents/%d/runs/%s/approval" % (agent_id, workflow_id), body, auth="pat")

    # ---- the sandbox itself

    def advance_clock(self, by=None, to=None):
        """Moves this namespace's clock ("90s", "2h"; or to an ISO 8601 time)."""
        return self._ok("POST", "/_sandbox/clock/advance", {"by": by} if by else {"to": to})

    def reset(self):
        """Empties this namespace (or, without one, every namespace)."""
        return self._ok("POST", "/_sandbox/reset", {})

    def health(self):
        return self._ok("GET", "/_sandbox/health", auth=None)
