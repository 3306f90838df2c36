// GET /v1/runs/{id}/stream read with the eventsource client and the AG-UI
// schemas (lib/agui_stream.js): a run that completes at once; an interrupted
// cip_orchestrator run, whose stream ends with the interrupt outcome, or with
// ?through_interrupts=true stays open and carries on, on the same connection,
// after an HTTP resume; and Last-Event-ID, sent by hand and by the client's
// own reconnect after a dropped connection.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { openRunStream } from '../lib/agui_stream.js';
import { contractTest, expectStatus, newBusinessId } from '../lib/suite.js';

// RUN_STARTED first and only once, RUN_FINISHED last and only once, ids
// strictly increasing integers, every event about this run, and every
// snapshot an AgentsRun of the runs document.
function checkRun(api, s, runId) {
  assert.deepEqual(s.problems, [], 'every frame parses with the AG-UI schemas');
  const names = s.events.map((e) => e.name);
  assert.equal(names[0], 'RUN_STARTED');
  assert.equal(names.at(-1), 'RUN_FINISHED');
  assert.equal(names.filter((n) => n === 'RUN_STARTED').length, 1);
  assert.equal(names.filter((n) => n === 'RUN_FINISHED').length, 1);
  assert.ok(names.slice(1, -1).every((n) => n === 'STATE_SNAPSHOT'), `order: ${names.join(' ')}`);
  assertIncreasing(s.events);
  for (const e of s.events) {
    assert.equal(e.data.runId, runId);
    assert.equal(e.data.run_id, runId);
    if (e.name === 'STATE_SNAPSHOT') {
      api.checkComponent(`GET /v1/runs/${runId}/stream frame ${e.id} snapshot`, 'middesk-runs.yml', 'type_:AgentsRun', e.data.snapshot);
      assert.equal(e.data.snapshot.id, runId);
    }
  }
}

function assertIncreasing(events) {
  const ids = events.map((e) => Number(e.id));
  assert.ok(ids.every((id, i) => Number.isInteger(id) && (i === 0 || id > ids[i - 1])), `ids strictly increase: ${ids}`);
}

const snapshots = (s) => s.events.filter((e) => e.name === 'STATE_SNAPSHOT').map((e) => e.data.snapshot);
const strip = (e) => ({ id: e.id, name: e.name, data: e.data });

export default function stream(ctx) {
  const test = contractTest(ctx);

  describe('run stream (AG-UI over SSE)', () => {
    let cip; // the full event list of the interrupted-and-resumed run

    test('a completed address_verification run replays in full', async (api) => {
      const run = await api.post('/v1/runs', { type: 'address_verification', business_id: newBusinessId() });
      expectStatus(run, 201);
      const s = openRunStream(ctx.baseUrl, run.body.id);
      await s.finished();
      checkRun(api, s, run.body.id);
      assert.equal(s.requests.length, 1, 'one connection');
      const last = snapshots(s).at(-1);
      assert.equal(last.status, 'completed');
      assert.equal(s.events.at(-1).data.status, 'completed');
      const got = await api.get(`/v1/runs/${run.body.id}`, { query: { include: 'steps' } });
      assert.deepEqual(last, got.body, 'the last snapshot is the run with its steps');
    });

    test('an interrupted run: the stream ends with RUN_FINISHED and the interrupt outcome', async (api) => {
      const run = await api.post('/v1/runs', { type: 'cip_orchestrator', business_id: newBusinessId() });
      expectStatus(run, 201);
      const s = openRunStream(ctx.baseUrl, run.body.id);
      await s.finished();
      assert.deepEqual(s.problems, [], 'every frame parses with the AG-UI schemas');
      const end = s.events.at(-1);
      assert.equal(end.name, 'RUN_FINISHED');
      assert.equal(end.data.outcome.type, 'interrupt');
      const waiting = snapshots(s).at(-1);
      assert.equal(waiting.status, 'interrupted');
      assert.deepEqual(end.data.outcome.interrupts.map((i) => i.id), waiting.interrupts.map((i) => i.id));
      assert.equal(s.requests.length, 1);
    });

    test('through_interrupts=true: the stream stays open while interrupted, then finishes after resume', async (api) => {
      const run = await api.post('/v1/runs', { type: 'cip_orchestrator', business_id: newBusinessId() });
      expectStatus(run, 201);
      const s = openRunStream(ctx.baseUrl, run.body.id, { query: 'through_interrupts=true' });
      try {
        await s.waitFor((x) => snapshots(x).some((r) => r.status === 'interrupted'), 'an interrupted snapshot');
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(s.source.readyState, s.source.OPEN, 'the stream stays open while interrupted');
        assert.ok(!s.events.some((e) => e.name === 'RUN_FINISHED'), 'no RUN_FINISHED while interrupted');
        const seen = s.events.length;
        const interrupt = snapshots(s).at(-1).interrupts[0];
        assert.ok(interrupt?.id, 'the interrupted snapshot carries the interrupt');
        const resumed = await api.post(`/v1/runs/${run.body.id}/resume`, { interrupt_id: interrupt.id, input: { decision: 'approve' } });
        expectStatus(resumed, 200);
        await s.finished();
        assert.ok(s.events.length > seen + 1, 'the resumed part arrived');
        assert.equal(s.requests.length, 1, 'on the same connection');
        checkRun(api, s, run.body.id);
        assert.equal(snapshots(s).at(-1).status, 'completed');
        cip = s.events.map(strip);
      } finally {
        s.close();
      }
    });

    test('Last-Event-ID resumes after the given frame, nothing lost or repeated', async () => {
      assert.ok(cip, 'needs the events of the previous test');
      const runId = cip[0].data.runId;
      for (const k of [0, 3, cip.length - 2]) {
        const s = openRunStream(ctx.baseUrl, runId, { lastEventId: cip[k].id });
        await s.finished();
        assert.deepEqual(s.problems, []);
        assert.deepEqual(s.events.map(strip), cip.slice(k + 1), `after frame ${cip[k].id}`);
      }
    });

    test('the eventsource client reconnects with Last-Event-ID after a dropped connection', async (api) => {
      assert.ok(cip, 'needs the events of the previous test');
      const runId = cip[0].data.runId;
      const s = openRunStream(ctx.baseUrl, runId, { cutAfterFrames: 3 });
      await s.finished();
      assert.equal(s.requests.length, 2, 'one reconnect');
      assert.deepEqual(s.requests.map((r) => r.lastEventId), [null, cip[2].id]);
      checkRun(api, s, runId);
      assert.deepEqual(s.events.map(strip), cip);
    });
  });
}
