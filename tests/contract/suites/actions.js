// POST/GET /v1/actions and GET /v1/actions/{id}: every creatable action type,
// a decision answering an interrupted cip_orchestrator run, and a dismissal of
// a watchlist hit answering an interrupted watchlist_resolution run.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { artifactsOf, contractTest, expectStatus, newBusinessId } from '../lib/suite.js';

export default function actions(ctx) {
  const test = contractTest(ctx);

  describe('actions', () => {
    const business = newBusinessId();
    const taken = [];

    test('a decision with run_id answers the interrupt and resumes the run', async (api) => {
      const run = await api.post('/v1/runs', { type: 'cip_orchestrator', business_id: business });
      expectStatus(run, 201);
      assert.equal((await api.get(`/v1/runs/${run.body.id}`)).body.status, 'interrupted');
      const action = await api.post('/v1/actions', { object_type: 'businesses', object_id: business, type: 'decision',
        payload: { status: 'approved' }, note: 'checks passed', run_id: run.body.id });
      expectStatus(action, 201);
      assert.equal(action.body.object_type, 'Business');
      assert.ok(action.body.actors.some((a) => a.actor_type === 'run' && a.data.id === run.body.id));
      taken.push(action.body);
      const after = await api.get(`/v1/runs/${run.body.id}`);
      expectStatus(after, 200);
      assert.equal(after.body.status, 'completed');
    });

    test('add_sources, add_attributes and verify_tin on the approved business', async (api) => {
      const bodies = [
        { type: 'add_sources', payload: { sources: [{ source_type: 'faa_airmen_certificate', source_name: 'FAA Airmen Registry',
          tier: 'government', url: 'https://faa.gov/pilots/records',
          addresses: [{ full_address: '123 Main St, San Francisco, CA 94102' }],
          people: [{ name: 'Kyle Mack', titles: ['Registered Agent'] }] }] } },
        { type: 'add_attributes', payload: { addresses: [{ full_address: '1 Market St, San Francisco, CA 94105' }] } },
        { type: 'verify_tin', payload: { document_id: '3f0c2a1e-5b6d-4e7f-8a9b-0c1d2e3f4a5b' } },
      ];
      for (const b of bodies) {
        const res = await api.post('/v1/actions', { object_type: 'businesses', object_id: business, ...b });
        expectStatus(res, 201);
        assert.equal(res.body.type, b.type);
        assert.ok(res.body.effects.length > 0);
        taken.push(res.body);
      }
    });

    test('GET /v1/actions and GET /v1/actions/{id} find them through the business', async (api) => {
      const list = await api.get('/v1/actions', { query: { object_type: 'businesses', object_id: business } });
      expectStatus(list, 200);
      assert.deepEqual(list.body.data.map((a) => a.id).sort(), taken.map((a) => a.id).sort());
      for (const a of taken) {
        const one = await api.get(`/v1/actions/${a.id}`, { query: { object_type: 'businesses', object_id: business } });
        expectStatus(one, 200);
        assert.deepEqual(one.body, a);
      }
    });

    test('a dismissal of a watchlist hit answers a watchlist_resolution interrupt', async (api) => {
      const run = await api.post('/v1/runs', { type: 'watchlist_resolution', business_id: newBusinessId() });
      expectStatus(run, 201);
      const full = await api.get(`/v1/runs/${run.body.id}`, { query: { include: 'steps' } });
      assert.equal(full.body.status, 'interrupted');
      const hit = artifactsOf(full.body.steps).find((a) => a.type.startsWith('watchlist_'));
      assert.ok(hit, 'the run produced a watchlist_ artifact');
      const res = await api.post('/v1/actions', { object_type: 'watchlist_result', object_id: hit.id, type: 'dismissal',
        payload: {}, note: 'different person: date of birth does not match', run_id: run.body.id });
      expectStatus(res, 201);
      assert.equal(res.body.object_type, 'Watchlist::Result');
      const list = await api.get('/v1/actions', { query: { object_type: 'watchlist_result', object_id: hit.id } });
      expectStatus(list, 200);
      assert.deepEqual(list.body.data.map((a) => a.id), [res.body.id]);
      const after = await api.get(`/v1/runs/${run.body.id}`);
      expectStatus(after, 200);
      assert.notEqual(after.body.status, 'interrupted');
    });
  });
}
