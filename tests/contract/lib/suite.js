// Small helpers shared by the suites: a test that also fails on any schema
// violation recorded while it ran, ids, and small tree helpers.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { formatViolations } from './client.js';

export const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

// contractTest(ctx)('name', async (api) => { ... })
export const contractTest = (ctx) => (name, fn) => it(name, async (t) => {
  const from = ctx.api.violations.length;
  await fn(ctx.api, t);
  const v = ctx.api.violations.slice(from);
  assert.equal(v.length, 0, `schema violation(s):\n${formatViolations(v)}`);
});

// A fresh business id per use, so suites do not share business state.
let n = 0;
export function newBusinessId() {
  n += 1;
  return `8d1c4f0e-2b6a-4c1e-9f7d-${String(n).padStart(12, '0')}`;
}

// Artifacts of a step tree (depth first), or of a run's output.
export function artifactsOf(steps) {
  const out = [];
  const walk = (list) => { for (const s of list ?? []) { out.push(...(s.artifacts ?? [])); walk(s.steps); } };
  walk(steps);
  return out;
}

export const expectStatus = (res, status) =>
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
