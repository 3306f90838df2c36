// GET /v1/agents, GET /v1/agents/{id}, GET/POST /v1/threads and
// GET /v1/threads/{id} (with its steps), including pagination and the
// business_id filter. Bodies are validated by the client (lib/client.js).
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { contractTest, expectStatus, newBusinessId } from '../lib/suite.js';

export default function agentsAndThreads(ctx) {
  const test = contractTest(ctx);

  describe('agents', () => {
    test('GET /v1/agents lists the shipped agents', async (api) => {
      const res = await api.get('/v1/agents');
      expectStatus(res, 200);
      assert.deepEqual(res.body.data.map((a) => a.type).sort(),
        ['address_verification', 'cip_orchestrator', 'kyb_research_assistant', 'onboarding_review_workflow',
         'watchlist_resolution']);
    });

    test('HTTP Basic with the key as user name works too', async (api) => {
      const basic = 'Basic ' + Buffer.from('mk_test_contract:').toString('base64');
      expectStatus(await api.get('/v1/agents', { auth: basic }), 200);
    });

    test('GET /v1/agents/{id} by id and by type', async (api) => {
      const list = await api.get('/v1/agents');
      for (const agent of list.body.data) {
        const byId = await api.get(`/v1/agents/${agent.id}`);
        expectStatus(byId, 200);
        assert.equal(byId.body.type, agent.type);
        const byType = await api.get(`/v1/agents/${agent.type}`);
        expectStatus(byType, 200);
        assert.equal(byType.body.id, agent.id);
      }
    });
  });

  describe('threads', () => {
    const business = newBusinessId();
    let thread;

    test('POST /v1/threads with business_id, and with context_type + context_id', async (api) => {
      const a = await api.post('/v1/threads', { type: 'watchlist_resolution', business_id: business });
      expectStatus(a, 201);
      assert.equal(a.body.object, 'thread');
      thread = a.body;
      const b = await api.post('/v1/threads', { type: 'address_verification', context_type: 'business', context_id: business });
      expectStatus(b, 201);
    });

    test('GET /v1/threads/{id} carries its steps, as the vendor example shows', async (api) => {
      const plain = await api.get(`/v1/threads/${thread.id}`);
      expectStatus(plain, 200);
      assert.equal(plain.body.id, thread.id);
      assert.deepEqual(plain.body.steps, []);
      const run = await api.post('/v1/runs', { type: 'address_verification', thread_id: thread.id });
      expectStatus(run, 201);
      const after = await api.get(`/v1/threads/${thread.id}`);
      expectStatus(after, 200);
      assert.ok(after.body.steps.length > 0, 'a thread with a finished run has steps');
      const withSteps = await api.get(`/v1/threads/${thread.id}`, { query: { include: 'steps' } });
      assert.deepEqual(withSteps.body, after.body);
    });

    test('GET /v1/threads: list, business_id filter and pagination', async (api) => {
      const all = await api.get('/v1/threads');
      expectStatus(all, 200);
      assert.equal(all.body.object, 'list');
      const mine = await api.get('/v1/threads', { query: { business_id: business } });
      expectStatus(mine, 200);
      assert.equal(mine.body.data.length, 2);
      const page1 = await api.get('/v1/threads', { query: { business_id: business, per_page: 1, page: 1 } });
      expectStatus(page1, 200);
      assert.equal(page1.body.data.length, 1);
      assert.equal(page1.body.has_more, true);
      const page2 = await api.get('/v1/threads', { query: { business_id: business, per_page: 1, page: 2 } });
      expectStatus(page2, 200);
      assert.equal(page2.body.has_more, false);
      assert.notEqual(page2.body.data[0].id, page1.body.data[0].id);
      const beyond = await api.get('/v1/threads', { query: { business_id: business, per_page: 1, page: 9 } });
      expectStatus(beyond, 200);
      assert.deepEqual(beyond.body.data, []);
    });
  });
}
