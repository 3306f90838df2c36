// The README's example test ("Testing a client") runs as written: its code
// block is taken from README.md, pointed at a sandbox started here, given a
// small client that retries a 503 and approves the interrupt, and run with
// node's test runner. Needs no node modules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { startSandbox } from '../contract/lib/sandbox.js';

const here = dirname(fileURLToPath(import.meta.url));

// The client under test: creates a run (retrying a 503 once), waits for its
// interrupt, approves it.
const client = `
async function approveOnboarding(base, headers) {
  const body = JSON.stringify({ type: 'cip_orchestrator', business_id: '8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f' });
  let res = await fetch(base + '/v1/runs', { method: 'POST', headers, body });
  if (res.status === 503) res = await fetch(base + '/v1/runs', { method: 'POST', headers, body });
  if (res.status !== 201) throw new Error('create: ' + res.status);
  const run = await (await fetch(base + '/v1/runs/' + (await res.json()).id, { headers })).json();
  const answer = { interrupt_id: run.interrupts[0].id, input: { approved: true } };
  const done = await fetch(base + '/v1/runs/' + run.id + '/resume', { method: 'POST', headers, body: JSON.stringify(answer) });
  if (done.status !== 200) throw new Error('resume: ' + done.status);
}
`;

test("the README's example test passes against a real sandbox", async () => {
  const readme = readFileSync(join(here, '../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Testing a client'));
  const block = section.match(/```js\n([\s\S]*?)```/);
  assert.ok(block, 'README.md has the js block under "## Testing a client"');
  const sb = await startSandbox();
  const dir = mkdtempSync(join(tmpdir(), 'readme-'));
  try {
    const code = block[1].replace("const SB = 'http://localhost:8080';", `const SB = '${sb.baseUrl}';`);
    assert.notEqual(code, block[1], 'the example names its sandbox as const SB');
    const file = join(dir, 'example.test.mjs');
    writeFileSync(file, code + client);
    // A runner of its own: a child that inherits NODE_TEST_CONTEXT reports to
    // this runner in its private protocol instead of running as a test file.
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const run = spawnSync(process.execPath, ['--test', file], { encoding: 'utf8', timeout: 60000, env });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    // The fault fired: the client's first create was refused, then retried.
    const log = await (await fetch(`${sb.baseUrl}/_sandbox/requests?method=POST&path=/v1/runs`)).json();
    assert.deepEqual(log.data.map((e) => e.status), [503, 201]);
    assert.match(log.data[0].fault, /^status 503/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await sb.stop();
  }
});
