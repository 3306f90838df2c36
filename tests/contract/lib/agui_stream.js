// Reads GET /v1/runs/{id}/stream as a real client does: the `eventsource`
// package (v3; the key goes in through its `fetch` option) and the zod event
// schemas of @ag-ui/core. Every frame's data must be JSON, its `type` must
// equal the SSE event name, and it must parse with the AG-UI schema of its
// type and with the EventSchemas union. The client is closed on RUN_FINISHED
// so it never reconnects after the server ends the stream.
import { EventSource } from 'eventsource';
import { EventType } from '@ag-ui/core';
import * as agui from '@ag-ui/core/schemas';
import { API_KEY } from './client.js';

const BY_TYPE = {
  RUN_STARTED: agui.RunStartedEventSchema,
  STATE_SNAPSHOT: agui.StateSnapshotEventSchema,
  RUN_FINISHED: agui.RunFinishedEventSchema,
};

// Options: lastEventId (sent as Last-Event-ID on the first request),
// cutAfterFrames (end the first response after that many frames plus a few
// bytes of the next one, as a dropped connection would), query (appended to
// the URL, e.g. 'through_interrupts=true').
export function openRunStream(baseUrl, runId, { lastEventId, cutAfterFrames, query } = {}) {
  const s = { events: [], problems: [], requests: [], errors: [], closed: false };
  let waiters = [];
  const notify = () => { waiters = waiters.filter((w) => !w()); };

  const customFetch = async (input, init) => {
    const headers = { ...init.headers, Authorization: `Bearer ${API_KEY}` };
    if (lastEventId !== undefined && s.requests.length === 0) headers['Last-Event-ID'] = String(lastEventId);
    s.requests.push({ lastEventId: headers['Last-Event-ID'] ?? null });
    const res = await fetch(input, { ...init, headers });
    return cutAfterFrames !== undefined && s.requests.length === 1 ? cut(res, cutAfterFrames) : res;
  };
  const es = new EventSource(`${baseUrl}/v1/runs/${runId}/stream${query ? `?${query}` : ''}`, { fetch: customFetch });
  s.source = es;
  es.onerror = (e) => { s.errors.push(e.message ?? String(e)); notify(); };

  const onFrame = (name) => (msg) => {
    let data;
    try {
      data = JSON.parse(msg.data);
    } catch {
      s.problems.push(`frame ${msg.lastEventId} (${name}): data is not JSON: ${msg.data.slice(0, 200)}`);
      return;
    }
    const ev = { id: msg.lastEventId, name, data };
    s.events.push(ev);
    if (data.type !== name) s.problems.push(`frame ${ev.id}: event name ${name} but data.type ${data.type}`);
    const specific = BY_TYPE[name];
    if (!specific) s.problems.push(`frame ${ev.id}: ${name} is not one of the documented RUN_STARTED, STATE_SNAPSHOT, RUN_FINISHED`);
    for (const [label, schema] of [['EventSchemas', agui.EventSchemas], [`${name} schema`, specific]]) {
      if (!schema) continue;
      const r = schema.safeParse(data);
      if (!r.success) s.problems.push(`frame ${ev.id}: ${label}: ${JSON.stringify(r.error.issues)}`);
    }
    if (name === 'RUN_FINISHED') s.close();
    notify();
  };
  // Every AG-UI event name (and unnamed messages), so no frame goes unseen.
  for (const t of [...Object.values(EventType), 'message']) es.addEventListener(t, onFrame(t));

  s.close = () => { s.closed = true; es.close(); notify(); };
  // Resolves when predicate(s) holds; rejects after timeoutMs.
  s.waitFor = (predicate, what, timeoutMs = 15000) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got ${s.events.length} events, errors ${JSON.stringify(s.errors)}`)), timeoutMs);
    const check = () => {
      if (!predicate(s)) return false;
      clearTimeout(timer);
      resolve(s);
      return true;
    };
    if (!check()) waiters.push(check);
  });
  s.finished = () => s.waitFor((x) => x.events.some((e) => e.name === 'RUN_FINISHED'), 'RUN_FINISHED');
  return s;
}

// A Response whose body stops after `frames` complete SSE frames and 10 bytes
// of the next, then ends, cancelling the real connection.
function cut(res, frames) {
  const reader = res.body.getReader();
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  let buf = '';
  let sent = 0;
  const body = new ReadableStream({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) return controller.close();
      buf += dec.decode(value, { stream: true });
      let at = -1;
      for (let i = 0; i < frames; i++) {
        at = buf.indexOf('\n\n', at + 1);
        if (at < 0) break;
      }
      if (at < 0 || buf.length < at + 12) {
        controller.enqueue(enc.encode(buf.slice(sent)));
        sent = buf.length;
        return;
      }
      controller.enqueue(enc.encode(buf.slice(sent, at + 12)));
      controller.close();
      await reader.cancel();
    },
  });
  return new Response(body, { status: res.status, headers: res.headers });
}
