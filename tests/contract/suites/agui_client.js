// GET /v1/runs/{id}/stream read by the official AG-UI client, @ag-ui/client's
// HttpAgent, with its event verifier, as an app built on AG-UI would: a
// completed run ends in success, a failed one in RUN_ERROR, an interrupted one
// returns from runAgent() with the pending interrupt (it used to hang on an
// open stream), and after the resume a new run replays the log to the end.
// The stream is a GET, so the agent's request is a GET with the API key.
import assert from 'node:assert/strict';
import { HttpAgent } from '@ag-ui/client';
import { API_KEY } from '../lib/client.js';
import { contractTest, expectStatus, newBusinessId } from '../lib/suite.js';

class RunStreamAgent extends HttpAgent {
  requestInit() {
    return {
      method: 'GET',
      headers: { Authorization: `Bearer ${API_KEY}`, Accept: 'text/event-stream' },
      signal: this.abortController.signal,
    };
  }
}

// Runs the agent on the run's stream; what its subscriber saw, and how
// runAgent() ended. Bounded: a stream that never ends fails the test.
async function read(baseUrl, run, resume) {
  const agent = new RunStreamAgent({ url: `${baseUrl}/v1/runs/${run.id}/stream`, threadId: run.thread_id });
  if (resume) agent.pendingInterrupts = resume.pending;
  const seen = { types: [], finished: null, error: null };
  const subscriber = {
    onEvent: ({ event }) => { seen.types.push(event.type); },
    onRunFinishedEvent: (e) => { seen.finished = e; },
    onRunErrorEvent: ({ event }) => { seen.error = event; },
  };
  let timer;
  const bound = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('runAgent() did not return within 15 s')), 15000); });
  try {
    const params = { runId: run.id, ...(resume ? { resume: resume.entries } : {}) };
    await Promise.race([agent.runAgent(params, subscriber).then(() => { seen.resolved = true; }, (e) => { seen.rejected = e; }), bound]);
  } finally {
    clearTimeout(timer);
    agent.abortRun();
  }
  return { seen, agent };
}

export default function aguiClient(ctx) {
  const test = contractTest(ctx);
  const create = async (api, type, business = newBusinessId()) => {
    const res = await api.post('/v1/runs', { type, business_id: business });
    expectStatus(res, 201);
    return res.body;
  };

  test('@ag-ui/client reads a completed run to success', async (api) => {
    const run = await create(api, 'address_verification');
    const { seen, agent } = await read(ctx.baseUrl, run);
    assert.equal(seen.rejected, undefined, String(seen.rejected));
    assert.equal(seen.types[0], 'RUN_STARTED');
    assert.equal(seen.types.at(-1), 'RUN_FINISHED');
    assert.equal(seen.finished.outcome, 'success');
    assert.equal(agent.state.status, 'completed');
    assert.deepEqual(agent.pendingInterrupts, []);
  });

  test('@ag-ui/client sees a failed run fail (RUN_ERROR)', async (api) => {
    const run = await create(api, 'cip_orchestrator', '00000000-0000-4000-8000-00000000dead');
    const { seen, agent } = await read(ctx.baseUrl, run);
    assert.equal(seen.types.at(-1), 'RUN_ERROR');
    assert.equal(seen.finished, null, 'no RUN_FINISHED: that would read as a success');
    assert.equal(seen.error.message, agent.state.error.message);
    assert.equal(agent.state.status, 'error');
  });

  test('@ag-ui/client returns from an interrupted run with its interrupt, and reads the resumed run to the end', async (api) => {
    const run = await create(api, 'cip_orchestrator');
    const first = await read(ctx.baseUrl, run);
    assert.equal(first.seen.rejected, undefined, String(first.seen.rejected));
    assert.equal(first.seen.types.at(-1), 'RUN_FINISHED');
    assert.equal(first.seen.finished.outcome, 'interrupt');
    const waiting = (await api.get(`/v1/runs/${run.id}`)).body;
    assert.equal(waiting.status, 'interrupted');
    const interruptId = waiting.interrupts[0].id;
    assert.deepEqual(first.agent.pendingInterrupts.map((i) => i.id), [interruptId]);
    assert.equal(first.agent.pendingInterrupts[0].reason, waiting.interrupts[0].value.type);

    expectStatus(await api.post(`/v1/runs/${run.id}/resume`, { interrupt_id: interruptId, input: 'approve' }), 200);
    const second = await read(ctx.baseUrl, run, {
      pending: first.agent.pendingInterrupts,
      entries: [{ interruptId, status: 'resolved', payload: { decision: 'approve' } }],
    });
    assert.equal(second.seen.rejected, undefined, String(second.seen.rejected));
    assert.equal(second.seen.types.filter((t) => t === 'RUN_STARTED').length, 1);
    assert.equal(second.seen.types.at(-1), 'RUN_FINISHED');
    assert.equal(second.seen.finished.outcome, 'success');
    assert.equal(second.agent.state.status, 'completed');
  });
}
