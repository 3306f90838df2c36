// The dashboard at /_sandbox/ in a real browser (Debian's chromium, driven by
// playwright-core) against the real binary: runs appear as the API creates
// them, a run opens into its steps, artifacts and pending interrupt, the
// clock buttons move time, namespaces switch, webhook deliveries show, and
// text from requests is shown as text, never as markup. Issue 16: runs are
// started and their interrupts answered from the page (a Middesk account's
// namespace and a Modus organisation's), changes arrive live over
// /_sandbox/stream, the URL deep-links a namespace and a run, the run list
// filters, the clock moves by any amount or to a time, snapshots save and
// restore, a fixture reload shows each problem, and at 390 px and 1280 px
// the page never overflows sideways. With SCREENSHOTS=docs/img (a folder,
// relative to the repository) it also writes the README's PNGs there.
// Skipped, with one line, when chromium is not installed (scripts/setup.sh
// --tests installs it). No test sleeps: every wait is a playwright wait.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, startSandbox } from '../contract/lib/sandbox.js';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const missing = !fs.existsSync(CHROMIUM);
if (missing) console.log(`browser tests skipped: no chromium at ${CHROMIUM}`);
const SHOTS = process.env.SCREENSHOTS ? path.resolve(REPO_ROOT, process.env.SCREENSHOTS) : null;

const KEY = { Authorization: 'Bearer mk_test_dashboard', 'Content-Type': 'application/json' };
const KEY2 = { Authorization: 'Bearer mk_test_dash2', 'Content-Type': 'application/json' };
const ORG = '11111111-2222-4333-8444-555555555555';
const ORG2 = '22222222-3333-4444-8555-666666666666';
const PAT2 = { Authorization: `Bearer modus_${ORG2}_abc_secret`, 'Content-Type': 'application/json' };
const BUSINESS = '8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f';

describe('dashboard', { skip: missing ? 'no chromium' : false }, () => {
  let sandbox, browser, page;
  let dash2;  // the namespace of mk_test_dash2's account, once a test has made it
  const post = async (path, body, headers = KEY) => {
    const res = await fetch(sandbox.baseUrl + path, { method: 'POST', headers, body: JSON.stringify(body) });
    const text = await res.text();
    assert.ok(res.status < 300, `${path}: HTTP ${res.status} ${text}`);
    return JSON.parse(text);
  };

  const get = async (path, headers = {}) => {
    const res = await fetch(sandbox.baseUrl + path, { headers });
    assert.equal(res.status, 200, `${path}: HTTP ${res.status}`);
    return res.json();
  };
  // The namespace a first API call creates (an account's or an organisation's).
  const namespaceMadeBy = async (call) => {
    const names = async () => (await get('/_sandbox/namespaces')).namespaces.map((n) => n.name);
    const known = new Set(await names());
    const result = await call();
    const added = (await names()).filter((n) => !known.has(n));
    assert.equal(added.length, 1, `new namespaces: ${added}`);
    return { ns: added[0], result };
  };
  const detailStatus = (p) => p.locator('[data-testid=detail] h2 [data-status]');
  const noOverflow = (p) => p.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  // Starts a run from the page's form and waits until the page shows it.
  const startFromPage = async (p, agent, scenario, expectedRequest) => {
    if (!(await p.getByTestId('start-run').evaluate((d) => d.open))) await p.locator('[data-testid=start-run] > summary').click();
    await p.getByTestId('start-agent').selectOption(agent);
    await p.getByTestId('start-scenario').selectOption(scenario);
    assert.deepEqual(JSON.parse(await p.getByTestId('start-request').inputValue()), expectedRequest);
    const before = await p.getByTestId('run-row').count();
    await p.getByTestId('start-submit').click();
    await p.waitForFunction((n) => document.querySelectorAll('[data-testid=run-row]').length === n + 1, before);
    // The new run (the newest, first in the list) is selected, shown, and in the URL.
    const id = await p.getByTestId('run-row').first().getAttribute('data-run-id');
    await p.waitForFunction((want) => document.querySelector('[data-testid=run-id]')?.textContent === want, id);
    assert.equal(new URL(p.url()).searchParams.get('run'), id);
    return id;
  };

  before(async () => {
    const { chromium } = await import('playwright-core');
    sandbox = await startSandbox();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage();
  });
  after(async () => {
    if (browser) await browser.close();
    if (sandbox) await sandbox.stop();
  });

  it('lists the runs and opens one into its steps, artifacts and pending interrupt', async () => {
    await post('/v1/webhooks', { url: 'http://127.0.0.1:9/nobody-listens', enabled_events: ['run.created'] });
    const cip = await post('/v1/runs', { type: 'cip_orchestrator', business_id: '8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f' });
    await post('/v1/runs', { type: 'address_verification', business_id: '8d1c4f0e-2b6a-4c1e-9f7d-3a5b6c7d8e9f' });
    // Without ?namespace=, the page opens the first namespace with runs: the key's account.
    await page.goto(sandbox.baseUrl + '/_sandbox/');
    await page.getByTestId('run-row').nth(1).waitFor();
    assert.equal(await page.getByTestId('run-row').count(), 2);
    assert.equal(await page.getByTestId('health').textContent(), 'ok');
    const statuses = await page.locator('[data-testid=run-row] [data-status]').allTextContents();
    assert.deepEqual(statuses, ['completed', 'interrupted']);

    await page.locator(`[data-run-id="${cip.id}"]`).click();
    await page.getByTestId('pending-interrupt').waitFor();
    assert.equal(await page.getByTestId('run-id').textContent(), cip.id);
    const steps = await page.getByTestId('step').evaluateAll((nodes) => nodes.map((n) => n.dataset.stepName));
    assert.ok(steps.includes('verify_sos_registration'), `steps: ${steps}`);
    assert.ok(await page.getByTestId('artifact').count() > 0);
    assert.match(await page.getByTestId('events').textContent(), /run\.interrupted/);

    // Both runs announced run.created to an endpoint nobody listens on: pending, retried later.
    await page.getByTestId('delivery').nth(1).waitFor();
    assert.deepEqual(await page.locator('[data-testid=delivery] [data-status]').allTextContents(), ['pending', 'pending']);
  });

  it('moves the clock with its buttons', async () => {
    // Two runs took 17.8 s of virtual time.
    assert.equal(await page.getByTestId('clock-now').textContent(), '2026-01-01 00:00:17.800Z');
    await page.getByTestId('advance-1d').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=clock-now]').textContent.startsWith('2026-01-02'));
    assert.equal(await page.getByTestId('clock-now').textContent(), '2026-01-02 00:00:17.800Z');
    // The runs are the key's account's: the control API answers for it when given the key.
    const clock = await (await fetch(sandbox.baseUrl + '/_sandbox/clock', { headers: KEY })).json();
    assert.equal(clock.now, '2026-01-02T00:00:17.800Z');
  });

  it('switches namespaces, and shows text from requests as text', async () => {
    // A Modus chat in an organisation: the answer quotes the message, markup included.
    const chat = await post('/api/v1/agents/101/chat', { message: '<img id="injected" src="x">', model: 'gpt-5.2' },
      { Authorization: `Bearer modus_${ORG}_abc_secret`, 'Content-Type': 'application/json' });
    await page.waitForFunction((ns) => [...document.querySelectorAll('#namespace option')].some((o) => o.value === ns),
      `org-${ORG}`);
    await page.getByTestId('namespace').selectOption(`org-${ORG}`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=run-row]').length === 1);
    await page.getByTestId('run-row').first().click();
    await page.waitForFunction((id) => document.querySelector('[data-testid=run-id]')?.textContent === id, chat.runId);
    await page.getByTestId('step').first().waitFor();
    assert.match(await page.getByTestId('detail').textContent(), /You asked: "<img id="injected" src="x">"/);
    assert.equal(await page.locator('#injected').count(), 0);
  });

  it('follows deep links, and keeps the URL in step with the namespace and run shown', async () => {
    const account = (await get('/_sandbox/namespaces')).namespaces.find((n) => n.runs === 2).name;
    const runs = (await get('/_sandbox/runs', { 'X-Sandbox-Namespace': account })).runs;
    const older = runs[1];
    await page.goto(`${sandbox.baseUrl}/_sandbox/?namespace=${encodeURIComponent(account)}&run=${older.id}`);
    await page.waitForFunction((id) => document.querySelector('[data-testid=run-id]')?.textContent === id, older.id);
    assert.equal(await page.getByTestId('namespace').inputValue(), account);
    assert.equal(await page.locator('tr.run.selected').getAttribute('data-run-id'), older.id);
    // Another run clicked: the URL follows (replaceState, so reloading shows it again).
    await page.locator(`[data-run-id="${runs[0].id}"]`).click();
    await page.waitForFunction((id) => new URL(location.href).searchParams.get('run') === id, runs[0].id);
    await page.reload();
    await page.waitForFunction((id) => document.querySelector('[data-testid=run-id]')?.textContent === id, runs[0].id);
  });

  it('filters the run list by text, status and agent', async () => {
    const rows = () => page.getByTestId('run-row').count();
    await page.getByTestId('run-row').nth(1).waitFor();
    await page.getByTestId('run-search').fill('address');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=run-row]').length === 1);
    assert.match(await page.getByTestId('runs').textContent(), /Address Verification/);
    await page.getByTestId('run-search').fill('');
    await page.getByTestId('run-status-filter').selectOption('interrupted');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=run-row]').length === 1);
    assert.match(await page.getByTestId('runs').textContent(), /CIP Orchestrator/);
    await page.getByTestId('run-agent-filter').selectOption('address_verification');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=run-row]').length === 0);
    await page.getByTestId('run-status-filter').selectOption('');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=run-row]').length === 1);
    assert.match(await page.getByTestId('run-count').textContent(), /1 of 2/);
    await page.getByTestId('run-agent-filter').selectOption('');
    assert.equal(await rows(), 2);
  });

  it('opens a webhook delivery into its body and attempts', async () => {
    // The +1 day of the clock test made the retries fall due: each failed against port 9.
    await page.getByTestId('delivery').first().click();
    const detail = page.getByTestId('delivery-detail');
    await detail.waitFor();
    assert.match(await detail.textContent(), /"type": "run\.created"/);
    assert.ok(await detail.locator('[data-testid=delivery-attempts] li').count() >= 1);
    // The header the body went with, as a receiver would check it.
    assert.match(await detail.getByTestId('delivery-signature').textContent(),
      /^Signature X-Middesk-Signature-256: [0-9a-f]{64}$/);
    await page.getByTestId('delivery').first().click();
    await detail.waitFor({ state: 'detached' });
  });

  it('starts a run in a Middesk account, sees it reach its interrupt live, approves it and sees it complete', async () => {
    const { ns, result: first } = await namespaceMadeBy(() =>
      post('/v1/runs', { type: 'cip_orchestrator', business_id: BUSINESS }, KEY2));
    dash2 = ns;
    await page.goto(`${sandbox.baseUrl}/_sandbox/?namespace=${encodeURIComponent(ns)}`);
    await page.getByTestId('run-row').first().waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid=live]').textContent === 'live');

    // A run the API starts shows up with no reload: the stream told the page.
    await post('/v1/runs', { type: 'address_verification', business_id: BUSINESS }, KEY2);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=run-row]').length === 2);

    const id = await startFromPage(page, 'cip_orchestrator', 'default', { type: 'cip_orchestrator', business_id: BUSINESS });
    assert.notEqual(id, first.id);
    const panel = page.getByTestId('pending-interrupt');
    await panel.waitFor();
    assert.equal(await detailStatus(page).textContent(), 'interrupted');
    assert.deepEqual(await panel.locator('[data-testid=answer-branch]').evaluateAll((b) => b.map((n) => n.dataset.branch)),
      ['approve', 'reject']);
    await panel.getByTestId('answer-note').fill('checked by the browser test');
    await panel.locator('[data-testid=answer-branch][data-branch=approve]').click();
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=detail] h2 [data-status]')?.textContent === 'completed');
    assert.equal(await page.getByTestId('pending-interrupt').count(), 0);
    // The list's row follows the detail: it re-renders from its own fetch, a moment later.
    await page.waitForFunction((runId) =>
      document.querySelector(`[data-run-id="${runId}"] [data-status]`)?.textContent === 'completed', id);

    // What the answer was, as the run recorded it.
    const run = await get(`/_sandbox/runs/${id}`, { 'X-Sandbox-Namespace': ns });
    assert.deepEqual(run.interrupts[0].input, { decision: 'approve', note: 'checked by the browser test' });
    // The rest of the run view: request, timeline, payloads, the Middesk view.
    assert.match(await page.getByTestId('run-request').textContent(), new RegExp(BUSINESS));
    assert.equal(await page.getByTestId('timeline-row').count(), await page.getByTestId('step').count());
    const event = page.getByTestId('event').first();
    await event.locator('summary').click();
    assert.match(await event.locator('pre').textContent(), /"scenario": "default"/);
    const view = page.getByTestId('dialect-view');
    assert.equal(await view.locator('summary').textContent(), 'Middesk view');
    await view.locator('summary').click();
    assert.match(await view.locator('pre').textContent(), /"object": "run"/);
  });

  it('falls back to polling every 2 s when the stream is not there', async () => {
    const p = await browser.newPage();
    try {
      await p.route('**/_sandbox/stream**', (route) => route.fulfill({ status: 404, body: '' }));
      await p.goto(`${sandbox.baseUrl}/_sandbox/?namespace=${dash2}`);
      await p.getByTestId('run-row').nth(2).waitFor();
      await p.waitForFunction(() => document.querySelector('[data-testid=live]').textContent === 'polling');
      await post('/v1/runs', { type: 'address_verification', business_id: BUSINESS }, KEY2);
      await p.waitForFunction(() => document.querySelectorAll('[data-testid=run-row]').length === 4, null, { timeout: 10000 });
    } finally {
      await p.close();
    }
  });

  it('starts a run in a Modus organisation, approves its interrupt from the page and sees it complete', async () => {
    const { ns } = await namespaceMadeBy(() => post('/_sandbox/modus/agents/202/runs', {}, PAT2));
    assert.equal(ns, `org-${ORG2}`);
    await page.goto(`${sandbox.baseUrl}/_sandbox/?namespace=${ns}`);
    await page.getByTestId('run-row').first().waitFor();
    const id = await startFromPage(page, 'onboarding_review_workflow', 'default', {});
    const panel = page.getByTestId('pending-interrupt');
    await panel.waitFor();
    assert.match(await panel.textContent(), /Approve onboarding of Acme Lending LLC\?/);
    await panel.locator('[data-testid=answer-branch][data-branch=approve]').click();
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=detail] h2 [data-status]')?.textContent === 'completed');
    const steps = await page.getByTestId('step').evaluateAll((nodes) => nodes.map((n) => n.dataset.stepName));
    assert.ok(steps.includes('record_approval'), `steps: ${steps}`);
    assert.equal(await page.locator('[data-testid=dialect-view] > summary').textContent(), 'Modus view');
    assert.equal(new URL(page.url()).searchParams.get('run'), id);
  });

  it('answers with raw JSON, after showing why a malformed answer was not sent', async () => {
    await page.goto(`${sandbox.baseUrl}/_sandbox/?namespace=org-${ORG2}`);
    await page.getByTestId('run-row').nth(1).waitFor();
    // The run the control call started is still waiting.
    await page.locator('[data-testid=run-row]:has([data-status=interrupted])').click();
    const panel = page.getByTestId('pending-interrupt');
    await panel.waitFor();
    await panel.locator('summary', { hasText: 'raw JSON answer' }).click();
    await panel.getByTestId('answer-json').fill('{"decision": ');
    await panel.getByTestId('answer-json-send').click();
    await page.waitForFunction(() => /answer: /.test(document.querySelector('[data-testid=answer-error]').textContent));
    await panel.getByTestId('answer-json').fill('{"decision": "reject", "note": "raw"}');
    await panel.getByTestId('answer-json-send').click();
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=detail] h2 [data-status]')?.textContent === 'completed');
    const steps = await page.getByTestId('step').evaluateAll((nodes) => nodes.map((n) => n.dataset.stepName));
    assert.ok(steps.includes('record_rejection'), `steps: ${steps}`);
  });

  it('fits 390 px and 1280 px without sideways overflow, a long namespace cut with an ellipsis', async () => {
    const narrow = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      const wf = await post('/_sandbox/modus/agents/202/runs', {}, PAT2);
      const run = (await get('/_sandbox/runs', { 'X-Sandbox-Namespace': `org-${ORG2}` })).runs
        .find((r) => r.status === 'interrupted');
      assert.ok(run, JSON.stringify(wf));
      await narrow.goto(`${sandbox.baseUrl}/_sandbox/?namespace=org-${ORG2}&run=${run.id}`);
      await narrow.getByTestId('pending-interrupt').waitFor();
      const [scroll, inner] = await noOverflow(narrow);
      assert.ok(scroll <= inner, `390 px: the page is ${scroll} px wide`);
      const select = narrow.getByTestId('namespace');
      assert.equal(await select.getAttribute('title'), `org-${ORG2}`);
      assert.ok(await select.evaluate((s) => s.getBoundingClientRect().right <= window.innerWidth));
      await narrow.setViewportSize({ width: 1280, height: 800 });
      await narrow.waitForFunction(() => document.documentElement.scrollWidth <= window.innerWidth);
      // The header stays on one line at 1280 px, even with this long namespace.
      const middles = await narrow.locator('header > *').evaluateAll((nodes) => nodes.map((e) => {
        const r = e.getBoundingClientRect();
        return Math.round((r.top + r.bottom) / 2);
      }));
      assert.ok(Math.max(...middles) - Math.min(...middles) < 12, `header rows: ${middles}`);
    } finally {
      await narrow.close();
    }
  });

  it('moves the clock by any amount and to a time; saves and restores a snapshot', async () => {
    const clockNow = () => page.getByTestId('clock-now').textContent();
    await page.goto(`${sandbox.baseUrl}/_sandbox/?namespace=org-${ORG2}`);
    await page.getByTestId('run-row').first().waitFor();
    const start = (await get('/_sandbox/clock', { 'X-Sandbox-Namespace': `org-${ORG2}` })).now;
    const plus = (ms) => new Date(Date.parse(start) + ms).toISOString().replace('T', ' ').replace('.000Z', 'Z');
    await page.getByTestId('advance-by').fill('90s');
    await page.getByTestId('advance-by-submit').click();
    await page.waitForFunction((want) => document.querySelector('[data-testid=clock-now]').textContent === want, plus(90000));
    await page.getByTestId('advance-by').fill('1d 2h');
    await page.getByTestId('advance-by-submit').click();
    await page.waitForFunction((want) => document.querySelector('[data-testid=clock-now]').textContent === want,
      plus(90000 + 26 * 3600000));
    await page.getByTestId('advance-by').fill('soon');
    await page.getByTestId('advance-by-submit').click();
    await page.waitForFunction(() => /a duration/.test(document.querySelector('[data-testid=tools-error]').textContent));

    await page.getByTestId('snapshot-name').fill('before-jump');
    await page.getByTestId('snapshot-save').click();
    await page.locator('[data-testid=snapshot-restore][data-name=before-jump]').waitFor();
    const saved = await clockNow();

    await page.getByTestId('advance-to').fill('2026-03-01T12:00:00.000');
    await page.getByTestId('advance-to-submit').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=clock-now]').textContent === '2026-03-01 12:00:00Z');

    page.once('dialog', (d) => d.accept());
    await page.locator('[data-testid=snapshot-restore][data-name=before-jump]').click();
    await page.waitForFunction((want) => document.querySelector('[data-testid=clock-now]').textContent === want, saved);
  });

  it("shows a retried Modus workflow's executions, each one a click away", async () => {
    const ORG4 = '44444444-5555-4666-8777-888888888888';
    const PAT4 = { Authorization: `Bearer modus_${ORG4}_abc_secret`, 'Content-Type': 'application/json' };
    // registry_outage: two failed executions, then a third that waits for approval.
    const { ns, result: first } = await namespaceMadeBy(
      () => post('/_sandbox/modus/agents/202/runs', { input: { simulate: 'registry_outage' } }, PAT4));
    await page.goto(`${sandbox.baseUrl}/_sandbox/?namespace=${ns}&run=${first.temporalRunId}`);
    const executions = page.getByTestId('executions');
    await executions.waitFor();
    const links = executions.getByTestId('execution');
    assert.equal(await links.count(), 3);
    assert.deepEqual(await links.allTextContents(), ['#1 error', '#2 error', '#3 awaiting_human']);
    await links.nth(2).click();
    await page.waitForFunction(() => new URL(location.href).searchParams.get('run') !==
      document.querySelector('[data-testid=execution]')?.title);
    await page.locator('[data-testid=modus-head] [data-testid=approval-state][data-approval=pending]').waitFor();
    assert.equal(await page.getByTestId('modus-head').getByTestId('workflow-id').textContent(), first.workflowId);
  });

  it("shows a Modus organisation's run in Modus's terms: its status, workflowId and approval", async () => {
    const ORG3 = '33333333-4444-4555-8666-777777777777';
    const PAT3 = { Authorization: `Bearer modus_${ORG3}_abc_secret`, 'Content-Type': 'application/json' };
    const { ns, result: wf } = await namespaceMadeBy(() => post('/_sandbox/modus/agents/202/runs', {}, PAT3));
    assert.equal(ns, `org-${ORG3}`);
    assert.match(wf.workflowId, /^wf_202_run_\d+$/);
    const shown = (iso) => iso.replace('T', ' ').replace('.000Z', 'Z');
    await page.goto(`${sandbox.baseUrl}/_sandbox/?namespace=${ns}`);
    // The list: Modus's status and workflowId, the temporalRunId in the title, the sandbox's status muted.
    const row = page.locator(`[data-testid=run-row][data-run-id="${wf.temporalRunId}"]`);
    await row.waitFor();
    assert.equal(await row.getByTestId('dialect-status').textContent(), 'awaiting_human');
    assert.equal(await row.getByTestId('workflow-id').textContent(), wf.workflowId);
    assert.equal(await row.getByTestId('sandbox-status').textContent(), 'interrupted');
    assert.match(await row.getAttribute('title'), new RegExp(`${wf.workflowId}.*${wf.temporalRunId}`));

    // The detail header: the same, with the approval waited for.
    await row.click();
    const head = page.getByTestId('modus-head');
    await head.waitFor();
    assert.equal(await page.locator('[data-testid=detail] h2 [data-testid=dialect-status]').textContent(), 'awaiting_human');
    assert.equal(await detailStatus(page).textContent(), 'interrupted');
    assert.equal(await head.getByTestId('workflow-id').textContent(), wf.workflowId);
    assert.equal(await head.getByTestId('temporal-run-id').textContent(), wf.temporalRunId);
    assert.equal(await head.getByTestId('approval-state').getAttribute('data-approval'), 'pending');
    assert.equal(await head.getByTestId('approval-label').textContent(), 'Approve onboarding of Acme Lending LLC?');
    assert.equal(await head.getByTestId('approval-requested').textContent(), `requested ${shown(wf.pendingApproval.requestedAt)}`);
    assert.equal(await head.getByTestId('approval-expires').textContent(), `expires ${shown(wf.pendingApproval.expiresAt)}`);
    // The request that created it, as Modus's route took it.
    await page.locator('[data-testid=interaction][data-interaction=created]').waitFor();
    assert.match(await page.getByTestId('interaction').first().textContent(), /POST\/_sandbox\/modus\/agents\/202\/runs201/);

    // Approved from the page: the list and the header say completed, no approval waits.
    await page.getByTestId('pending-interrupt').locator('[data-testid=answer-branch][data-branch=approve]').click();
    await page.waitForFunction((id) => document.querySelector(
      `[data-testid=run-row][data-run-id="${id}"] [data-testid=dialect-status]`)?.textContent === 'completed', wf.temporalRunId);
    assert.equal(await row.getByTestId('sandbox-status').textContent(), 'completed');
    assert.equal(await row.getByTestId('workflow-id').textContent(), wf.workflowId);
    await page.waitForFunction(() =>
      document.querySelector('[data-testid=approval-state]')?.dataset.approval === 'none');
    assert.equal(await page.locator('[data-testid=detail] h2 [data-testid=dialect-status]').textContent(), 'completed');
    assert.equal(await head.getByTestId('workflow-id').textContent(), wf.workflowId);
  });

  it("lists the requests clients made to a run, each with its body, and follows new ones", async () => {
    const KEY4 = { Authorization: 'Bearer mk_test_interactions', 'Content-Type': 'application/json' };
    const { ns, result: run } = await namespaceMadeBy(() =>
      post('/v1/runs', { type: 'cip_orchestrator', business_id: BUSINESS }, KEY4));
    await get(`/v1/runs/${run.id}`, KEY4);
    await get(`/v1/runs/${run.id}`, KEY4);
    await page.goto(`${sandbox.baseUrl}/_sandbox/?namespace=${encodeURIComponent(ns)}&run=${run.id}`);
    await page.getByTestId('interaction').nth(2).waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid=live]').textContent === 'live');
    const kinds = () => page.getByTestId('interaction').evaluateAll((rows) => rows.map((r) => r.dataset.interaction));
    assert.deepEqual(await kinds(), ['created', 'polled', 'polled']);
    const cells = await page.getByTestId('interaction').evaluateAll((rows) =>
      rows.map((r) => [...r.cells].slice(2).map((c) => c.textContent)));
    assert.deepEqual(cells, [['POST', '/v1/runs', '201'], ['GET', `/v1/runs/${run.id}`, '200'], ['GET', `/v1/runs/${run.id}`, '200']]);
    assert.match(await page.getByTestId('interaction-summary').textContent(), /^3 requests: created 1 · polled 2$/);

    // A click shows the request's body; another hides it.
    await page.getByTestId('interaction').first().click();
    const body = page.getByTestId('interaction-detail');
    await body.waitFor();
    assert.deepEqual(JSON.parse(await body.locator('pre').textContent()), { type: 'cip_orchestrator', business_id: BUSINESS });
    await page.getByTestId('interaction').first().click();
    await body.waitFor({ state: 'detached' });

    // A resume changes the run: the stream's event brings it in with no reload.
    const interrupt = (await get(`/_sandbox/runs/${run.id}`, { 'X-Sandbox-Namespace': ns })).interrupts.find((i) => i.pending);
    await post(`/v1/runs/${run.id}/resume`, { interrupt_id: interrupt.id, input: { decision: 'approve' } }, KEY4);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=interaction]').length === 4);
    assert.deepEqual(await kinds(), ['created', 'polled', 'polled', 'resumed']);
    // A poll changes nothing a stream reports: Reload reads them again.
    await get(`/v1/runs/${run.id}`, KEY4);
    await page.getByTestId('interactions-refresh').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=interaction]').length === 5);
    assert.match(await page.getByTestId('interaction-summary').textContent(), /created 1 · polled 3 · resumed 1/);
  });

  // SCREENSHOTS=docs/img: the README's pictures, from a namespace of their own.
  it('writes the screenshots', { skip: SHOTS ? false : 'set SCREENSHOTS=docs/img to write them' }, async () => {
    const KEY3 = { Authorization: 'Bearer mk_test_screenshots', 'Content-Type': 'application/json' };
    const { ns } = await namespaceMadeBy(() =>
      post('/v1/webhooks', { url: 'http://127.0.0.1:9/nobody-listens', enabled_events: ['run.created', 'run.completed'] }, KEY3));
    const control = { 'X-Sandbox-Namespace': ns, 'Content-Type': 'application/json' };
    await post('/_sandbox/runs', { agent: 'address_verification', request: { type: 'address_verification', business_id: BUSINESS } }, control);
    const done = await post('/_sandbox/runs', { agent: 'cip_orchestrator', scenario: 'default',
                                                request: { type: 'cip_orchestrator', business_id: BUSINESS } }, control);
    await post(`/_sandbox/runs/${done.id}/resume`, { input: { decision: 'approve', note: 'all clear' } }, control);
    await post('/_sandbox/runs', { agent: 'watchlist_resolution', request: { type: 'watchlist_resolution', business_id: BUSINESS } }, control);
    const shown = await post('/_sandbox/runs', { agent: 'cip_orchestrator', scenario: 'parallel_checks',
                                                 request: { type: 'cip_orchestrator', business_id: BUSINESS } }, control);
    fs.mkdirSync(SHOTS, { recursive: true });
    const shot = async (name, p, options = {}) => {
      const file = path.join(SHOTS, name);
      await (options.locator || p).screenshot({ path: file, animations: 'disabled' });
      assert.ok(fs.statSync(file).size < 300 * 1024, `${name} is ${fs.statSync(file).size} bytes`);
    };
    const url = `${sandbox.baseUrl}/_sandbox/?namespace=${encodeURIComponent(ns)}&run=${shown.id}`;
    for (const scheme of ['light', 'dark']) {
      const p = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: scheme });
      await p.goto(url);
      await p.getByTestId('pending-interrupt').waitFor();
      await p.waitForFunction(() => document.querySelector('[data-testid=live]').textContent === 'live');
      await p.locator('[data-testid=start-run] > summary').click();
      await p.getByTestId('start-agent').selectOption('cip_orchestrator');
      await p.getByTestId('start-scenario').selectOption('parallel_checks');
      await shot(`dashboard-${scheme}.png`, p);
      if (scheme === 'light') {
        const panel = p.getByTestId('pending-interrupt');
        await panel.getByTestId('answer-note').fill('Both hits are other companies');
        await panel.locator('summary', { hasText: 'raw JSON answer' }).click();
        await shot('dashboard-answer.png', p, { locator: panel });
      }
      await p.close();
    }
    const narrow = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await narrow.goto(url);
    await narrow.getByTestId('pending-interrupt').waitFor();
    await shot('dashboard-narrow.png', narrow);
    await narrow.close();
  });
});

describe('dashboard: fixture reload', { skip: missing ? 'no chromium' : false }, () => {
  let sandbox, browser, dir;
  before(async () => {
    const { chromium } = await import('playwright-core');
    // Fixtures of its own, to break one.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-sandbox-dash-fixtures-'));
    const source = process.env.AGENT_SANDBOX_FIXTURES || path.join(REPO_ROOT, 'fixtures');
    for (const f of fs.readdirSync(source)) fs.copyFileSync(path.join(source, f), path.join(dir, f));
    const saved = process.env.AGENT_SANDBOX_FIXTURES;
    process.env.AGENT_SANDBOX_FIXTURES = dir;
    try { sandbox = await startSandbox(); } finally {
      if (saved === undefined) delete process.env.AGENT_SANDBOX_FIXTURES; else process.env.AGENT_SANDBOX_FIXTURES = saved;
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  after(async () => {
    if (browser) await browser.close();
    if (sandbox) await sandbox.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows each problem of a refused reload on its own line', async () => {
    const page = await browser.newPage();
    await page.goto(sandbox.baseUrl + '/_sandbox/');
    await page.waitForFunction(() => /5 agents/.test(document.querySelector('[data-testid=fixtures-info]').textContent));
    const file = path.join(dir, 'watchlist_resolution.json');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"name"', '"nmae"'));
    await page.getByTestId('fixtures-reload').click();
    await page.locator('[data-testid=fixtures-problems] li').nth(1).waitFor();
    const problems = await page.locator('[data-testid=fixtures-problems] li').allTextContents();
    for (const p of problems) assert.match(p, /watchlist_resolution\.json:\d+:\d+: \/agents\/0/);
    assert.ok(problems.some((p) => /unknown key "nmae"/.test(p)), problems.join('\n'));
    assert.match(await page.getByTestId('fixtures-info').textContent(), /last reload failed/);
  });
});
