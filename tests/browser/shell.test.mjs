// The page boots from a static sub-path, the engine answers, and nothing
// leaves the page's origin.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, openPage, screenshot, foreignRequests } from './harness.mjs';

let site, browser;
before(async () => ({ site, browser } = await start()));
after(() => stop(site, browser));

// One page load, looked at three ways (a load costs about half a CPU-second).
describe('one load of the page', { concurrency: 1 }, () => {
  let opened;
  before(async () => { opened = await openPage(browser, site.url); });
  after(() => opened.context.close());

  test('boots with the engine line and no console errors', async () => {
    const { page, log } = opened;
    const line = page.getByTestId('engine-line');
    await line.waitFor({ timeout: 20000 });
    assert.match(await line.textContent(), /keyflow-policy \d+\.\d+\.\d+/);
    await assert.doesNotReject(page.locator('h1', { hasText: 'Keyflow' }).waitFor());
    await screenshot(page, 'shell');
    assert.deepEqual(log.errors, []);
  });

  test('makes no request outside its own origin', async () => {
    const { page, log } = opened;
    await page.getByTestId('engine-line').waitFor({ timeout: 20000 });
    await page.waitForLoadState('networkidle');
    assert.ok(log.requests.some((u) => u.endsWith('.wasm')), `the wasm bundle was fetched: ${log.requests.join(', ')}`);
    assert.deepEqual(foreignRequests(log, site.origin), []);
  });

  test('a content security policy restricts the page to its own origin', async () => {
    const csp = await opened.page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    assert.match(csp, /default-src 'self'/);
    assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'/);
  });
});
