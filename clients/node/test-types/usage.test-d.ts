// The package's types as a user's TypeScript sees them: checked by tsc
// (test-types/tsconfig.json), never run. Each right use must compile, and
// each `@ts-expect-error` line must be refused (tsc fails on one that is not).
// Kept out of test/, which `node --test test/` runs.
import { DEFAULT_KEY, DEFAULT_ORG, Sandbox, SandboxError } from 'agent-sandbox';
import type { ModusRun, Run, StartOptions } from 'agent-sandbox';

export async function rightUses(): Promise<void> {
  const options: StartOptions = { fixtures: 'fixtures', args: ['--seed', '7'], timeoutMs: 5000, key: DEFAULT_KEY };
  const sandbox: Sandbox = await Sandbox.start(options);
  const ns: Sandbox = sandbox.namespace('types-check');
  const url: string = ns.url;
  const namespaceName: string | undefined = ns.namespaceName;

  // Middesk: a run, its interrupt, its end.
  const run: Run = await ns.createRun('cip_orchestrator', { scenario: 'auto_approved', businessId: null });
  const runStatus: 'running' | 'interrupted' | 'completed' | 'error' | 'cancelled' = run.status;
  const paused: Run = await ns.waitForStatus(run.id, ['interrupted'], { timeoutMs: 1000 });
  const interruptId: string | undefined = paused.interrupts[0]?.id;
  await ns.answerInterrupt(run.id, 'approve', { input: { decision: 'approve' } });
  const done: Run = await ns.waitForStatus(run.id);
  const withSteps: Run = await ns.run(done.id, { steps: true });
  const threadId: string = withSteps.thread_id;

  // Modus: a workflow run and its approval.
  const modus: ModusRun = await ns.createModusRun(202, { input: { customer: 'x' } });
  const approved: ModusRun = await ns.approveModusRun(202, modus.workflowId, 'approve', 'fine');
  const again: ModusRun = await ns.modusRun(202, approved.workflowId);
  const temporalRunId: string = again.temporalRunId;

  // The control API and raw requests.
  const moved = await ns.advanceClock({ by: '90s' });
  const now: string = moved.now;
  await ns.advanceClock({ to: '2026-01-02T00:00:00.000Z' });
  const answer: { status: number; body: any } = await ns.request('GET', '/v1/runs', undefined, {
    headers: { 'x-sandbox-strict': 'true' },
    auth: null,
  });
  const reset: boolean = (await ns.reset()).ok;
  const health: string = (await sandbox.health()).status;

  // Refusals, attaching, stopping.
  try {
    await ns.createRun('no_such_agent');
  } catch (e) {
    if (e instanceof SandboxError) {
      const status: number | undefined = e.status;
      const body: unknown = e.body;
      const message: string = e.message;
      void [status, body, message];
    }
  }
  const error = new SandboxError('refused', 404, { errors: [] });
  const attached: Sandbox = Sandbox.attach('http://127.0.0.1:8080', { key: DEFAULT_KEY });
  const org: string = attached.org === DEFAULT_ORG ? attached.org : DEFAULT_ORG;
  const exitCode: number | null = await sandbox.stop({ timeoutMs: 1000 });
  void [url, namespaceName, runStatus, interruptId, threadId, temporalRunId, now, answer, reset, health, error, org,
    exitCode];
}

export async function wrongUses(sandbox: Sandbox, run: Run): Promise<void> {
  // @ts-expect-error a run id is a string
  await sandbox.run(42);
  // @ts-expect-error a Modus agent id is a number
  await sandbox.createModusRun('202');
  // @ts-expect-error the clock moves { by } or { to }
  await sandbox.advanceClock({ seconds: 90 });
  // @ts-expect-error auth is 'key', 'pat' or null
  await sandbox.request('GET', '/v1/runs', undefined, { auth: 'bearer' });
  // @ts-expect-error timeoutMs is a number of milliseconds
  await Sandbox.start({ timeoutMs: '5s' });
  // @ts-expect-error the url is read-only
  sandbox.url = 'http://127.0.0.1:9999';
  // @ts-expect-error a run's status is one of its five
  const status: Run['status'] = 'paused';
  // @ts-expect-error stop answers the exit code, or null
  const exitCode: string = await sandbox.stop();
  // @ts-expect-error the package has no default export
  const { default: nothing } = await import('agent-sandbox');
  void [run, status, exitCode, nothing];
}
