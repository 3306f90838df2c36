// /v1/webhooks: register, read, list, update and delete an endpoint, its
// errors, and the public OIDC keys, every answer checked against
// middesk-webhooks.yml (most of its bodies are untyped; its 404s are
// ErrorResponse).
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { contractTest, expectStatus } from '../lib/suite.js';

export default function webhooks(ctx) {
  const test = contractTest(ctx);

  describe('webhooks', () => {
    test('create, get, list, update and delete', async (api) => {
      const created = await api.post('/v1/webhooks', { url: 'http://127.0.0.1:9/hooks', enabled_events: ['*'] });
      expectStatus(created, 201);
      const id = created.body.id;
      expectStatus(await api.get(`/v1/webhooks/${id}`), 200);
      const list = await api.get('/v1/webhooks');
      expectStatus(list, 200);
      assert.ok(list.body.data.some((w) => w.id === id));
      const updated = await api.call('PUT', `/v1/webhooks/${id}`, { body: { enabled_events: ['run.completed'] } });
      expectStatus(updated, 200);
      assert.deepEqual(updated.body.enabled_events, ['run.completed']);
      expectStatus(await api.call('DELETE', `/v1/webhooks/${id}`), 200);
      expectStatus(await api.get(`/v1/webhooks/${id}`), 404);
      expectStatus(await api.call('PUT', `/v1/webhooks/${id}`, { body: {} }), 404);
      expectStatus(await api.call('DELETE', `/v1/webhooks/${id}`), 404);
    });

    test('an invalid registration is 422, the only refusal declared; the OIDC keys are public', async (api) => {
      expectStatus(await api.post('/v1/webhooks', { url: 'nope', enabled_events: ['*'] }), 422);
      expectStatus(await api.post('/v1/webhooks', { url: 'http://127.0.0.1:9/hook' }), 422);
      expectStatus(await api.post('/v1/webhooks', [1]), 422);
      const keys = await api.get('/v1/webhooks/oidc_keys', { auth: false });
      expectStatus(keys, 200);
      assert.deepEqual(keys.body.keys, []);
    });
  });
}
