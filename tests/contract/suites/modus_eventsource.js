// The Modus runtime stream (GET /agent/runs/{runId}/stream) read by the
// `eventsource` client, as a browser's EventSource would: it reconnects with
// Last-Event-ID when a connection drops, gets every frame exactly once, and
// stops for good after the run's end, because the reconnect that follows the
// last frame is answered 204 (the SSE specification's "stop reconnecting").
// The dropped connection is the sandbox's own drop_after fault.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventSource } from 'eventsource';

const ORG = '11111111-2222-4333-8444-555555555555';
const PAT = `Bearer modus_${ORG}_abc123_s3cret`;

async function call(baseUrl, method, path, body, headers = {}) {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { Authorization: PAT, 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : null };
}

// Frames of a text/event-stream body, heartbeats left out: [{id, data}].
function parseFrames(text) {
  const out = [];
  for (const block of text.split('\n\n')) {
    if (!block) continue;
    const id = /^id: (.*)$/m.exec(block)?.[1] ?? '';
    const data = JSON.parse(/^data: (.*)$/m.exec(block)[1]);
    if (data.type !== 'heartbeat') out.push({ id, data });
  }
  return out;
}

// Follows the run's stream until the client gives up for good (readyState
// CLOSED) or timeoutMs passes; what it received and what it asked for.
function follow(baseUrl, runId, timeoutMs) {
  const seen = { frames: [], requests: [], statuses: [] };
  const customFetch = async (input, init) => {
    seen.requests.push(init.headers['Last-Event-ID'] ?? init.headers['last-event-id'] ?? null);
    const res = await fetch(input, { ...init, headers: { ...init.headers, Authorization: PAT } });
    seen.statuses.push(res.status);
    return res;
  };
  const es = new EventSource(`${baseUrl}/agent/runs/${runId}/stream`, { fetch: customFetch });
  es.onmessage = (m) => {
    const data = JSON.parse(m.data);
    if (data.type !== 'heartbeat') seen.frames.push({ id: m.lastEventId, data });
  };
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (es.readyState === EventSource.CLOSED) {
        clearInterval(timer);
        resolve(seen);
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        es.close();
        reject(new Error(`still following after ${timeoutMs} ms: ${JSON.stringify(seen.requests)} ${JSON.stringify(seen.statuses)}`));
      }
    }, 50);
  });
}

export default function modusEventSource(ctx) {
  test('the eventsource client resumes a dropped Modus stream with Last-Event-ID and stops after the end', async () => {
    const created = await call(ctx.baseUrl, 'POST', '/agent/runs',
      { message: 'Is Acme Lending LLC in good standing?', sessionId: 'es-1', organizationId: ORG },
      { Accept: 'application/json' });
    assert.equal(created.status, 201, created.text);
    const runId = created.json.runId;
    const whole = await call(ctx.baseUrl, 'GET', `/agent/runs/${runId}/stream`);
    assert.equal(whole.status, 200);
    const expected = parseFrames(whole.text);
    assert.ok(expected.length > 4, 'a run with several frames');
    assert.equal(expected.at(-1).data.type, 'done');

    const fault = await call(ctx.baseUrl, 'POST', '/_sandbox/faults',
      { fault: 'drop_after', frames: 3, path: `/agent/runs/${runId}/stream`, count: 1 });
    assert.equal(fault.status, 201, fault.text);
    const seen = await follow(ctx.baseUrl, runId, 20000);
    // Dropped after three frames, resumed after the third, ended, then one
    // more reconnect after the last frame, which the 204 ends.
    assert.deepEqual(seen.requests, [null, expected[2].id, expected.at(-1).id]);
    assert.deepEqual(seen.statuses, [200, 200, 204]);
    assert.deepEqual(seen.frames, expected);
  });
}
