// The page boots from a static sub-path, the engine answers, and nothing
// leaves the page's origin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, openPage, screenshot, foreignRequests } from './harness.mjs';

let site, browser;
before(async () => ({ site, browser } = await start()));
after(() => stop(site, browser));

test('boots with the engine line and no console errors', async () => {
  const { context, page, log } = await openPage(browser, site.url);
  const line = page.getByTestId('engine-line');
  await line.waitFor({ timeout: 20000 });
  assert.match(await line.textContent(), /keyflow-policy \d+\.\d+\.\d+/);
  await assert.doesNotReject(page.locator('h1', { hasText: 'Keyflow' }).waitFor());
  await screenshot(page, 'shell');
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('makes no request outside its own origin', async () => {
  const { context, page, log } = await openPage(browser, site.url);
  await page.getByTestId('engine-line').waitFor({ timeout: 20000 });
  await page.waitForLoadState('networkidle');
  assert.ok(log.requests.some((u) => u.endsWith('.wasm')), `the wasm bundle was fetched: ${log.requests.join(', ')}`);
  assert.deepEqual(foreignRequests(log, site.origin), []);
  await context.close();
});

test('a content security policy restricts the page to its own origin', async () => {
  const { context, page } = await openPage(browser, site.url);
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  assert.match(csp, /default-src 'self'/);
  assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'/);
  await context.close();
});
