// Error responses: 400, 401, 404, 409 and 422 across the endpoints. Each body
// is validated (by the client) against the schema the operation declares for
// that status, or ErrorResponse when the status is not declared.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { UNKNOWN_ID, contractTest, newBusinessId } from '../lib/suite.js';

export default function errors(ctx) {
  const test = contractTest(ctx);
  const business = newBusinessId();
  const fixtures = {};

  // Each case: [label, (api) => response promise, expected status].
  const expectError = async (api, label, send, status) => {
    const res = await send(api);
    assert.equal(res.status, status, `${label}: expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
    assert.ok(res.body.errors?.[0]?.message, `${label}: errors[0].message`);
    return res;
  };
  const cases = (title, status, list) => test(`${status}: ${title}`, async (api) => {
    for (const [label, send] of list) await expectError(api, label, send, status);
  });

  describe('errors', () => {
    test('setup: a completed and an interrupted run', async (api) => {
      fixtures.completed = (await api.post('/v1/runs', { type: 'address_verification', business_id: business })).body;
      fixtures.interrupted = (await api.post('/v1/runs', { type: 'cip_orchestrator', business_id: business })).body;
      assert.ok(fixtures.completed.id && fixtures.interrupted.id);
    });

    cases('missing or unknown API key', 401, [
      ['no key, GET /v1/agents', (api) => api.get('/v1/agents', { auth: false })],
      ['unknown key, GET /v1/runs', (api) => api.get('/v1/runs', { auth: 'Bearer not_a_key' })],
      ['no key, POST /v1/runs', (api) => api.post('/v1/runs', { type: 'address_verification', business_id: business }, { auth: false })],
      ['no key, GET /v1/runs/{id}/stream', (api) => api.get(`/v1/runs/${fixtures.completed.id}/stream`, { auth: false })],
      ['no key, POST /v1/actions', (api) => api.post('/v1/actions', {}, { auth: false })],
    ]);

    cases('bad requests', 400, [
      ['run without context', (api) => api.post('/v1/runs', { type: 'address_verification' })],
      ['thread without context', (api) => api.post('/v1/threads', { type: 'address_verification' })],
      ['run without type', (api) => api.post('/v1/runs', { business_id: business })],
      ['malformed JSON', (api) => api.call('POST', '/v1/runs', { raw: '{"type":' })],
      ['invalid action type', (api) => api.post('/v1/actions', { object_type: 'businesses', object_id: business, type: 'teleport', payload: {} })],
      ['invalid object_type on list', (api) => api.get('/v1/actions', { query: { object_type: 'people', object_id: business } })],
      ['resume without interrupt_id', (api) => api.post(`/v1/runs/${fixtures.interrupted.id}/resume`, { input: {} })],
    ]);

    cases('unknown ids and types', 404, [
      ['unknown thread on POST /v1/runs', (api) => api.post('/v1/runs', { type: 'address_verification', thread_id: UNKNOWN_ID })],
      ['unknown run', (api) => api.get(`/v1/runs/${UNKNOWN_ID}`)],
      ['unknown thread', (api) => api.get(`/v1/threads/${UNKNOWN_ID}`)],
      ['unknown agent', (api) => api.get('/v1/agents/no_such_agent')],
      ['unknown agent type on POST /v1/runs', (api) => api.post('/v1/runs', { type: 'no_such_agent', business_id: business })],
      ['unknown agent type on POST /v1/threads', (api) => api.post('/v1/threads', { type: 'no_such_agent', business_id: business })],
      ['unknown business on POST /v1/actions', (api) => api.post('/v1/actions', { object_type: 'businesses', object_id: UNKNOWN_ID, type: 'decision', payload: { status: 'approved' } })],
      ['unknown action', (api) => api.get(`/v1/actions/${UNKNOWN_ID}`, { query: { object_type: 'businesses', object_id: business } })],
      ['unknown run on resume', (api) => api.post(`/v1/runs/${UNKNOWN_ID}/resume`, { interrupt_id: 'intr_x', input: {} })],
      ['unknown run on feedback', (api) => api.post(`/v1/runs/${UNKNOWN_ID}/feedback`, { rating: 'POSITIVE', artifact_id: UNKNOWN_ID })],
      ['unknown run on stream', (api) => api.get(`/v1/runs/${UNKNOWN_ID}/stream`)],
    ]);

    cases('badly formatted values', 422, [
      ['business_id not a UUID', (api) => api.post('/v1/runs', { type: 'address_verification', business_id: 'not-a-uuid' })],
      ['thread business_id filter not a UUID', (api) => api.get('/v1/threads', { query: { business_id: 'nope' } })],
      ['page 0 on runs', (api) => api.get('/v1/runs', { query: { page: 0 } })],
      ['per_page too large on threads', (api) => api.get('/v1/threads', { query: { per_page: 100000 } })],
      ['unknown include', (api) => api.get(`/v1/runs/${fixtures.completed.id}`, { query: { include: 'everything' } })],
      ['feedback with a bad rating', (api) => api.post(`/v1/runs/${fixtures.completed.id}/feedback`, { rating: 'MEH', artifact_id: UNKNOWN_ID })],
      ['feedback without artifact_id', (api) => api.post(`/v1/runs/${fixtures.completed.id}/feedback`, { rating: 'POSITIVE' })],
      ['feedback on an artifact not in the run', (api) => api.post(`/v1/runs/${fixtures.completed.id}/feedback`, { rating: 'POSITIVE', artifact_id: UNKNOWN_ID })],
      ['decision with a bad status', (api) => api.post('/v1/actions', { object_type: 'businesses', object_id: business, type: 'decision', payload: { status: 'maybe' } })],
      ['dismissal without a note', (api) => api.post('/v1/actions', { object_type: 'watchlist_result', object_id: UNKNOWN_ID, type: 'dismissal', payload: {} })],
    ]);

    cases('resume the run cannot take', 409, [
      ['resume a completed run', (api) => api.post(`/v1/runs/${fixtures.completed.id}/resume`, { interrupt_id: 'intr_x', input: { decision: 'approve' } })],
      ['resume with an interrupt id that is not pending', (api) => api.post(`/v1/runs/${fixtures.interrupted.id}/resume`, { interrupt_id: 'intr_not_pending', input: { decision: 'approve' } })],
    ]);
  });
}
