// The vendor's Postman collections (../shared/spec/postman) run by Newman, the
// Postman CLI, against the sandbox: every one of their requests, with the
// placeholders ("<uuid>", "<string>") replaced by real values chained from
// objects made first (a thread, a completed run and its artifact, an action,
// a webhook), must get a 2xx answer. Their own bodies and parameters are kept
// otherwise, so a collection's shape the sandbox does not serve fails here.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import newman from 'newman';
import { SPEC_DIR } from '../lib/sandbox.js';
import { API_KEY } from '../lib/client.js';
import { artifactsOf, contractTest, expectStatus, newBusinessId } from '../lib/suite.js';

const COLLECTIONS = ['agents', 'threads', 'runs', 'actions', 'webhooks'];

// The values for each request, by method and path template.
function valuesFor(ids) {
  return {
    'GET v1/agents/:id': { id: ids.agent },
    'GET v1/runs': { query: { page: '1', per_page: '10' } },
    'POST v1/runs': { body: { type: 'address_verification', business_id: ids.business } },
    'GET v1/runs/:id': { id: ids.run, query: { include: 'steps' } },
    'POST v1/runs/:id/feedback': { id: ids.run, body: { rating: 'POSITIVE', artifact_id: ids.artifact, comment: 'Looks right' } },
    'GET v1/runs/:id/stream': { id: ids.run },
    'GET v1/threads': { query: { page: '1', per_page: '10', business_id: ids.business } },
    'POST v1/threads': { body: { type: 'address_verification', business_id: ids.business } },
    'GET v1/threads/:id': { id: ids.thread },
    'GET v1/actions': { query: { object_type: 'businesses', object_id: ids.business } },
    'POST v1/actions': {
      body: { object_type: 'businesses', object_id: ids.business, type: 'add_attributes',
        payload: { addresses: [{ full_address: '1 Market St, San Francisco, CA 94105' }] }, note: 'from Postman' },
    },
    'GET v1/actions/:id': { id: ids.action, query: { object_type: 'businesses', object_id: ids.business } },
    'GET v1/webhooks': { query: { page: '1', per_page: '10' } },
    'POST v1/webhooks': { body: { url: 'http://127.0.0.1:9/postman', enabled_events: ['run.completed'], secret: 's3cret' } },
    'GET v1/webhooks/:id': { id: ids.webhook },
    'PUT v1/webhooks/:id': { id: ids.webhook, body: { url: 'http://127.0.0.1:9/postman-2', enabled_events: ['*'] } },
    'DELETE v1/webhooks/:id': { id: ids.webhook },
  };
}

// The collection with its placeholders filled in; throws on a request this
// suite has no values for, so a new request in the collection is noticed.
function chained(collection, values, baseUrl) {
  const fill = (items) => {
    for (const item of items) {
      if (item.item) { fill(item.item); continue; }
      const r = item.request;
      const key = `${r.method} ${r.url.path.join('/')}`;
      const v = values[key] ?? (r.url.variable?.length || r.url.query?.length || r.body ? undefined : {});
      if (!v) throw new Error(`no values for ${key}`);
      for (const variable of r.url.variable ?? []) variable.value = v.id;
      r.url.query = (r.url.query ?? []).filter((q) => !q.disabled && v.query && q.key in v.query)
        .map((q) => ({ key: q.key, value: v.query[q.key] }));
      if (v.body) r.body = { mode: 'raw', raw: JSON.stringify(v.body), options: { raw: { language: 'json' } } };
      // The collections' examples carry no credentials: the key goes in here.
      r.header = [...(r.header ?? []).filter((h) => h.key !== 'Authorization'),
        { key: 'Authorization', value: `Bearer ${API_KEY}` }];
      delete item.response;  // saved examples only
    }
  };
  const c = structuredClone(collection);
  fill(c.item);
  c.variable = [{ key: 'baseUrl', value: baseUrl }];
  return c;
}

function run(collection) {
  return new Promise((resolve, reject) => {
    newman.run({ collection, reporters: [], timeout: 20000 }, (err, summary) => (err ? reject(err) : resolve(summary)));
  });
}

export default function newmanSuite(ctx) {
  const test = contractTest(ctx);

  test('Newman runs every request of the vendor Postman collections, ids chained, to a 2xx', async (api, t) => {
    const business = newBusinessId();
    const agents = await api.get('/v1/agents');
    const thread = await api.post('/v1/threads', { type: 'address_verification', business_id: business });
    expectStatus(thread, 201);
    const made = await api.post('/v1/runs', { type: 'address_verification', thread_id: thread.body.id });
    expectStatus(made, 201);
    const done = await api.get(`/v1/runs/${made.body.id}`, { query: { include: 'steps' } });
    // A decision first: the business must be approved before attributes are added to it.
    const action = await api.post('/v1/actions', { object_type: 'businesses', object_id: business, type: 'decision',
      payload: { status: 'approved' } });
    expectStatus(action, 201);
    const hook = await api.post('/v1/webhooks', { url: 'http://127.0.0.1:9/chained', enabled_events: ['*'] });
    expectStatus(hook, 201);
    const ids = {
      agent: agents.body.data[0].id, business, thread: thread.body.id, run: made.body.id,
      artifact: artifactsOf(done.body.steps)[0].id, action: action.body.id, webhook: hook.body.id,
    };
    const values = valuesFor(ids);
    const outcomes = [];
    for (const name of COLLECTIONS) {
      const file = path.join(SPEC_DIR, 'postman', `middesk-${name}.postman_collection.json`);
      const summary = await run(chained(JSON.parse(fs.readFileSync(file, 'utf8')), values, ctx.baseUrl));
      for (const e of summary.run.executions) {
        const req = e.request;
        outcomes.push(`${req.method} ${req.url.getPath()} -> ${e.response?.code ?? e.requestError?.message}`);
      }
      assert.deepEqual(summary.run.failures.map((f) => f.error?.message), [], `${name}: Newman failures`);
    }
    t.diagnostic(outcomes.join('; '));
    assert.equal(outcomes.length, 19, outcomes.join('\n'));
    const bad = outcomes.filter((o) => !/ -> 2\d\d$/.test(o));
    assert.deepEqual(bad, [], `every request answers 2xx:\n${outcomes.join('\n')}`);
  });
}
