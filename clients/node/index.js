// agent-sandbox for Node tests: start the binary on a free port with a
// temporary database (or attach to a running one), give each test its own
// namespace, create runs in both dialects, wait for a status, answer
// interrupts, move the clock, reset, stop. Node's own fetch and
// child_process only; every wait is bounded.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DEFAULT_KEY = 'mk_test_sandbox';
export const DEFAULT_ORG = '11111111-2222-4333-8444-555555555555';
const TERMINAL = ['completed', 'error', 'cancelled'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class SandboxError extends Error {
  constructor(message, status, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

export class Sandbox {
  constructor(url, { key = DEFAULT_KEY, namespace, org = DEFAULT_ORG, process, workdir } = {}) {
    this.url = url.replace(/\/$/, '');
    this.key = key;
    this.namespaceName = namespace;
    this.org = org;
    this.process = process;
    this.workdir = workdir;
  }

  // Runs the binary (AGENT_SANDBOX_BINARY, else agent-sandbox on PATH) on a free port.
  static async start({ binary, fixtures, args = [], timeoutMs = 20000, key } = {}) {
    binary = binary ?? process.env.AGENT_SANDBOX_BINARY ?? 'agent-sandbox';
    const workdir = mkdtempSync(join(tmpdir(), 'agent-sandbox-'));
    const ready = join(workdir, 'ready.json');
    const argv = ['--port', '0', '--db', join(workdir, 'sandbox.db'), '--ready-file', ready, '--log-level', 'warn'];
    if (fixtures) argv.push('--fixtures', fixtures);
    const child = spawn(binary, [...argv, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    let exited = false;
    child.on('exit', () => { exited = true; });
    child.on('error', (e) => { exited = true; output += String(e); });
    const deadline = Date.now() + timeoutMs;
    while (!existsSync(ready)) {
      if (exited || Date.now() > deadline) {
        child.kill('SIGKILL');
        rmSync(workdir, { recursive: true, force: true });
        throw new SandboxError(`agent-sandbox did not start: ${output.trim()}`);
      }
      await sleep(20);
    }
    const { url } = JSON.parse(readFileSync(ready, 'utf8'));
    return new Sandbox(url, { key, process: child, workdir });
  }

  // A sandbox that already runs at `url`: nothing is started or stopped.
  static attach(url, { key } = {}) {
    return new Sandbox(url, { key });
  }

  // SIGTERM, then SIGKILL after timeoutMs; the exit code (null when attached).
  async stop({ timeoutMs = 10000 } = {}) {
    const child = this.process;
    if (!child) return null;
    this.process = undefined;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    }
    if (this.workdir) rmSync(this.workdir, { recursive: true, force: true });
    return child.exitCode;
  }

  // This sandbox through X-Sandbox-Namespace: runs, threads and a clock of its own.
  namespace(name) {
    return new Sandbox(this.url, { key: this.key, namespace: name, org: this.org });
  }

  // { status, body }; auth: 'key' (Middesk), 'pat' (Modus) or null.
  async request(method, path, body, { headers = {}, auth = 'key' } = {}) {
    const h = { 'content-type': 'application/json', ...headers };
    if (auth === 'key') h.authorization = `Bearer ${this.key}`;
    if (auth === 'pat') h.authorization = `Bearer modus_${this.org}_abc123_s3cret`;
    if (this.namespaceName) h['x-sandbox-namespace'] = this.namespaceName;
    const res = await fetch(this.url + path, {
      method, headers: h, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed = null;
    try { parsed = text ? JSON.parse(text) : null; } catch { parsed = text; }
    return { status: res.status, body: parsed };
  }

  async #ok(method, path, body, options) {
    const r = await this.request(method, path, body, options);
    if (r.status !== 200 && r.status !== 201) {
      throw new SandboxError(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`, r.status, r.body);
    }
    return r.body;
  }

  // Middesk: POST /v1/runs; `scenario` picks one by name (X-Sandbox-Scenario).
  createRun(type, { businessId = '8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f', scenario, ...fields } = {}) {
    const body = { type, ...fields };
    if (businessId && !('context_type' in fields) && !('thread_id' in fields)) body.business_id = businessId;
    return this.#ok('POST', '/v1/runs', body, { headers: scenario ? { 'x-sandbox-scenario': scenario } : {} });
  }

  run(runId, { steps = false } = {}) {
    return this.#ok('GET', `/v1/runs/${runId}${steps ? '?include=steps' : ''}`);
  }

  // Polls the run until its status is one of `statuses` (default: any terminal one).
  async waitForStatus(runId, statuses = TERMINAL, { timeoutMs = 10000 } = {}) {
    const wanted = Array.isArray(statuses) ? statuses : [statuses];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await this.run(runId);
      if (wanted.includes(run.status)) return run;
      if (Date.now() > deadline) {
        throw new SandboxError(`run ${runId} is ${run.status}, not ${wanted.join('/')}, after ${timeoutMs} ms`);
      }
      await sleep(20);
    }
  }

  // Resumes the run's pending interrupt with {decision} (or `input` as given).
  async answerInterrupt(runId, decision = 'approve', { input } = {}) {
    const run = await this.run(runId);
    const pending = run.interrupts ?? [];
    if (!pending.length) throw new SandboxError(`run ${runId} has no pending interrupt (status ${run.status})`);
    return this.#ok('POST', `/v1/runs/${runId}/resume`, {
      interrupt_id: pending[0].id, input: input ?? { decision },
    });
  }

  // Modus: a run of agent `agentId` (the sandbox's extension); the Modus run.
  createModusRun(agentId, body = {}) {
    return this.#ok('POST', `/_sandbox/modus/agents/${agentId}/runs`, body, { auth: 'pat' });
  }

  modusRun(agentId, workflowId) {
    return this.#ok('GET', `/api/v1/agents/${agentId}/runs/${workflowId}`, undefined, { auth: 'pat' });
  }

  approveModusRun(agentId, workflowId, decision = 'approve', comment) {
    return this.#ok('POST', `/api/v1/agents/${agentId}/runs/${workflowId}/approval`,
      comment ? { decision, comment } : { decision }, { auth: 'pat' });
  }

  // Moves this namespace's clock: { by: '90s' } or { to: ISO 8601 }.
  advanceClock(move) {
    return this.#ok('POST', '/_sandbox/clock/advance', move);
  }

  // Empties this namespace (without one, every namespace).
  reset() {
    return this.#ok('POST', '/_sandbox/reset', {});
  }

  health() {
    return this.#ok('GET', '/_sandbox/health', undefined, { auth: null });
  }
}
