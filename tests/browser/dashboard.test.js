// The dashboard at /_sandbox/ in a real browser (Debian's chromium, driven by
// playwright-core) against the real binary: runs appear as the API creates
// them, a run opens into its steps, artifacts and pending interrupt, the
// clock buttons move time, namespaces switch, webhook deliveries show, and
// text from requests is shown as text, never as markup. Skipped, with one
// line, when chromium is not installed (scripts/setup.sh --tests installs it).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startSandbox } from '../contract/lib/sandbox.js';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const missing = !fs.existsSync(CHROMIUM);
if (missing) console.log(`browser tests skipped: no chromium at ${CHROMIUM}`);

const KEY = { Authorization: 'Bearer mk_test_dashboard', 'Content-Type': 'application/json' };
const ORG = '11111111-2222-4333-8444-555555555555';

describe('dashboard', { skip: missing ? 'no chromium' : false }, () => {
  let sandbox, browser, page;
  const post = async (path, body, headers = KEY) => {
    const res = await fetch(sandbox.baseUrl + path, { method: 'POST', headers, body: JSON.stringify(body) });
    const text = await res.text();
    assert.ok(res.status < 300, `${path}: HTTP ${res.status} ${text}`);
    return JSON.parse(text);
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
});
