// Entry point of the contract suite (`node --test` in tests/contract). Starts
// one real agent-sandbox, registers the suites in suites/, and at the end
// requires that no response the suite received broke the OpenAPI documents in
// ../shared/spec/openapi. That part is skipped, with one line, when
// ../shared/spec (beside the repository) is missing; the Modus runtime's
// real-client check at the end needs no spec and always runs.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SPEC_DIR, startSandbox } from './lib/sandbox.js';
import { ContractClient, formatViolations } from './lib/client.js';

import agentsAndThreads from './suites/agents_threads.js';
import runs from './suites/runs.js';
import actions from './suites/actions.js';
import errors from './suites/errors.js';
import stream from './suites/stream.js';
import aguiClient from './suites/agui_client.js';
import newmanSuite from './suites/newman.js';
import webhooks from './suites/webhooks.js';
import modusEventSource from './suites/modus_eventsource.js';

const specMissing = !fs.existsSync(path.join(SPEC_DIR, 'openapi'));
if (specMissing) console.log(`contract suite skipped: vendor spec not found at ${SPEC_DIR}`);

// Filled in before(); the suites read ctx.api when their tests run.
const ctx = { api: null, baseUrl: null };

describe('middesk contract', { skip: specMissing ? 'no ../shared/spec' : false }, () => {
  let sandbox;
  before(async () => {
    const { OpenApiContract } = await import('./lib/openapi.js');
    const contract = new OpenApiContract(SPEC_DIR);
    sandbox = await startSandbox();
    ctx.baseUrl = sandbox.baseUrl;
    ctx.api = new ContractClient(sandbox.baseUrl, contract);
  });
  after(async () => {
    if (!sandbox) return;
    const { code, signal } = await sandbox.stop();
    assert.ok(code === 0 || signal === 'SIGTERM', `agent-sandbox stopped with code ${code}, signal ${signal}`);
  });

  agentsAndThreads(ctx);
  runs(ctx);
  actions(ctx);
  webhooks(ctx);
  errors(ctx);
  stream(ctx);
  aguiClient(ctx);
  newmanSuite(ctx);

  it('no response broke the OpenAPI documents', (t) => {
    const v = ctx.api.violations;
    t.diagnostic(`${ctx.api.checked} bodies checked against the OpenAPI documents, ${v.length} violation(s)`);
    assert.ok(ctx.api.checked > 0, 'no response was checked');
    assert.equal(v.length, 0, `${v.length} schema violation(s) in ${ctx.api.checked} checked bodies:\n${formatViolations(v)}`);
  });
});

// The Modus runtime has no OpenAPI document to check against, but a real
// client still reads its stream; it runs whether or not ../shared is there.
describe('modus runtime with a real SSE client', () => {
  const modus = { baseUrl: null };
  let sandbox;
  before(async () => {
    sandbox = await startSandbox();
    modus.baseUrl = sandbox.baseUrl;
  });
  after(async () => {
    if (sandbox) await sandbox.stop();
  });
  modusEventSource(modus);
});
