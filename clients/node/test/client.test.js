// The Node helpers against the real binary (AGENT_SANDBOX_BINARY): one
// sandbox for the file, a namespace per test.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Sandbox, SandboxError } from '../index.js';

let sandbox;
let n = 0;
const fresh = (t) => sandbox.namespace(`n${++n}-${t.name.replace(/[^A-Za-z0-9_-]/g, '-')}`.slice(0, 64));

before(async () => { sandbox = await Sandbox.start({ fixtures: process.env.AGENT_SANDBOX_FIXTURES }); });
after(async () => { assert.equal(await sandbox.stop(), 0); });

test('a Middesk run waits for its interrupt and completes once approved', async (t) => {
  const sb = fresh(t);
  const run = await sb.createRun('cip_orchestrator');
  assert.equal(run.status, 'running');
  const paused = await sb.waitForStatus(run.id, 'interrupted');
  assert.match(paused.interrupts[0].id, /^intr_/);
  await sb.answerInterrupt(run.id, 'approve');
  const done = await sb.waitForStatus(run.id);
  assert.equal(done.status, 'completed');
  assert.deepEqual(done.output.artifacts.map((a) => a.type), ['cip_summary']);
});

test('each test has a namespace of its own', async (t) => {
  const sb = fresh(t);
  await sb.createRun('cip_orchestrator', { scenario: 'auto_approved' });
  assert.equal((await sb.request('GET', '/v1/runs')).body.total_count, 1);
  assert.equal((await sandbox.namespace('nobody').request('GET', '/v1/runs')).body.total_count, 0);
});

test('a Modus workflow run waits for approval', async (t) => {
  const sb = fresh(t);
  const run = await sb.createModusRun(202);
  assert.equal(run.status, 'awaiting_human');
  await sb.approveModusRun(202, run.workflowId, 'approve', 'fine');
  assert.equal((await sb.modusRun(202, run.workflowId)).status, 'completed');
});

test('the clock moves and a reset empties the namespace', async (t) => {
  const sb = fresh(t);
  assert.equal((await sb.advanceClock({ by: '2h' })).now, '2026-01-01T02:00:00.000Z');
  await sb.createRun('cip_orchestrator');
  await sb.reset();
  assert.equal((await sb.request('GET', '/v1/runs')).body.total_count, 0);
});

test('a refusal is an error with the status and body', async (t) => {
  await assert.rejects(fresh(t).createRun('no_such_agent'), (e) => {
    assert.ok(e instanceof SandboxError);
    assert.equal(e.status, 404);
    assert.equal(e.body.errors[0].parameter, 'type');
    return true;
  });
});

test('a sandbox that cannot start says why', async () => {
  await assert.rejects(Sandbox.start({ fixtures: '/nonexistent/fixtures' }), /no such fixture file or folder/);
});
