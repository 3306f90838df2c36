// GET/POST /v1/runs, GET /v1/runs/{id} (with and without include=steps),
// POST /v1/runs/{id}/resume (approve and reject branches, with include=steps)
// and POST /v1/runs/{id}/feedback, over the three shipped fixtures; also as a
// dashboard user (X-Sandbox-User), which fills the User variants of the schemas.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { artifactsOf, contractTest, expectStatus, newBusinessId } from '../lib/suite.js';

export default function runs(ctx) {
  const test = contractTest(ctx);

  describe('runs', () => {
    const business = newBusinessId();
    let completed;

    test('address_verification completes straight away', async (api) => {
      const created = await api.post('/v1/runs', { type: 'address_verification', business_id: business });
      expectStatus(created, 201);
      assert.equal(created.body.object, 'run');
      const got = await api.get(`/v1/runs/${created.body.id}`);
      expectStatus(got, 200);
      assert.equal(got.body.status, 'completed');
      assert.equal(got.body.steps, undefined, 'steps are opt-in');
      assert.ok(got.body.output.artifacts.length > 0);
      const full = await api.get(`/v1/runs/${created.body.id}`, { query: { include: 'steps' } });
      expectStatus(full, 200);
      assert.ok(full.body.steps.length > 0);
      completed = full.body;
    });

    test('POST /v1/runs in an existing thread', async (api) => {
      const again = await api.post('/v1/runs', { type: 'address_verification', thread_id: completed.thread_id });
      expectStatus(again, 201);
      assert.equal(again.body.thread_id, completed.thread_id);
    });

    test('GET /v1/runs: list and pagination', async (api) => {
      const all = await api.get('/v1/runs');
      expectStatus(all, 200);
      assert.ok(all.body.data.length >= 2);
      assert.ok(all.body.data.every((r) => r.steps === undefined));
      const p = await api.get('/v1/runs', { query: { page: 2, per_page: 1 } });
      expectStatus(p, 200);
      assert.equal(p.body.data.length, 1);
    });

    for (const decision of ['approve', 'reject']) {
      test(`cip_orchestrator interrupts, resume with ${decision} completes it`, async (api) => {
        const created = await api.post('/v1/runs', { type: 'cip_orchestrator', business_id: business });
        expectStatus(created, 201);
        const waiting = await api.get(`/v1/runs/${created.body.id}`, { query: { include: 'steps' } });
        expectStatus(waiting, 200);
        assert.equal(waiting.body.status, 'interrupted');
        assert.equal(waiting.body.interrupts.length, 1);
        assert.equal(waiting.body.output, null);
        const resumed = await api.post(`/v1/runs/${created.body.id}/resume`,
          { interrupt_id: waiting.body.interrupts[0].id, input: { decision } }, { query: { include: 'steps' } });
        expectStatus(resumed, 200);
        assert.ok(Array.isArray(resumed.body.steps));
        const done = await api.get(`/v1/runs/${created.body.id}`);
        expectStatus(done, 200);
        assert.equal(done.body.status, 'completed');
        assert.deepEqual(done.body.interrupts, []);
        assert.ok(done.body.output.artifacts.some((a) => a.type === 'cip_summary'));
      });
    }

    test('watchlist_resolution interrupts with watchlist_ artifacts', async (api) => {
      const created = await api.post('/v1/runs', { type: 'watchlist_resolution', business_id: business });
      expectStatus(created, 201);
      const got = await api.get(`/v1/runs/${created.body.id}`, { query: { include: 'steps' } });
      expectStatus(got, 200);
      assert.equal(got.body.status, 'interrupted');
      assert.ok(artifactsOf(got.body.steps).some((a) => a.type.startsWith('watchlist_')));
    });

    test('POST /v1/runs/{id}/feedback records, then supersedes, a rating', async (api) => {
      const artifact = completed.output.artifacts[0];
      const first = await api.post(`/v1/runs/${completed.id}/feedback`,
        { rating: 'POSITIVE', artifact_id: artifact.id, comment: '  useful  ' });
      expectStatus(first, 201);
      assert.equal(first.body.comment, 'useful');
      assert.equal(first.body.superseded_prior, false);
      const second = await api.post(`/v1/runs/${completed.id}/feedback`,
        { rating: 'NEGATIVE', artifact_id: artifact.id, comment: '   ' });
      expectStatus(second, 201);
      assert.equal(second.body.comment, null);
      assert.equal(second.body.superseded_prior, true);
    });

    test('as a dashboard user (X-Sandbox-User): requester, reviewer and actor are the user', async (api) => {
      const as = { headers: { 'X-Sandbox-User': 'dana@example.com' } };
      const b = newBusinessId();
      const run = await api.post('/v1/runs', { type: 'address_verification', business_id: b }, as);
      expectStatus(run, 201);
      assert.equal(run.body.requester.email, 'dana@example.com');
      const done = await api.get(`/v1/runs/${run.body.id}`, as);
      const fb = await api.post(`/v1/runs/${run.body.id}/feedback`,
        { rating: 'POSITIVE', artifact_id: done.body.output.artifacts[0].id }, as);
      expectStatus(fb, 201);
      assert.equal(fb.body.reviewer.type, 'User');
      const action = await api.post('/v1/actions', { object_type: 'businesses', object_id: b, type: 'decision',
        payload: { status: 'rejected' }, thread_id: run.body.thread_id }, as);
      expectStatus(action, 201);
      assert.ok(action.body.actors.some((a) => a.actor_type === 'user'));
      expectStatus(await api.get(`/v1/threads/${run.body.thread_id}`, as), 200);
    });
  });
}
