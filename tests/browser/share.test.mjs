// Share links round-trip the whole scenario; broken links explain
// themselves; work survives reloads and is never silently replaced.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  start, stop,
  openApp, pick, step, policyId, setPolicy, policyText, shareLink, foreignRequests,
} from './harness.mjs';

let site, browser;
before(async () => ({ site, browser } = await start()));
after(() => stop(site, browser));

async function outcomes(page) {
  return page.locator('[data-testid^="step-"][data-outcome]').evaluateAll((els) => els.map((e) => `${e.dataset.testid}=${e.dataset.outcome}`));
}

test('share round-trip: an edited scenario opens identically in a fresh browser', async () => {
  const a = await openApp(browser, site.url, { permissions: ['clipboard-read', 'clipboard-write'] });
  await pick(a.page, 'ssm-securestring-cmk');
  const id = await policyId(a.page, 'key:');
  const edited = (await policyText(a.page, id)).replace('user/KeyUser', 'user/Intern');
  await setPolicy(a.page, id, edited);
  await a.page.getByTestId('param-tier-prd-db-pass').selectOption('Advanced');
  const link = await shareLink(a.page);
  assert.match(link, /#s=2\.[A-Za-z0-9_-]+$/);
  assert.ok(link.startsWith(site.url));
  // The clipboard holds the same link.
  await a.page.waitForFunction(() => document.querySelector('[data-testid="share-pop"]').textContent.includes('Copied'));
  assert.equal(await a.page.evaluate(() => navigator.clipboard.readText()), link);
  const before = await outcomes(a.page);

  const b = await openApp(browser, link);
  assert.equal(await policyText(b.page, id), edited);
  assert.deepEqual(await outcomes(b.page), before);
  assert.equal(await b.page.getByTestId('param-tier-prd-db-pass').inputValue(), 'Advanced');
  assert.equal(await b.page.getByTestId('notice').count(), 0);
  // The fragment is consumed, and the same state shares to the same link.
  assert.equal(new URL(b.page.url()).hash, '');
  assert.equal(await shareLink(b.page), link);
  assert.deepEqual(foreignRequests(b.log, site.origin), []);
  assert.deepEqual([...a.log.errors, ...b.log.errors], []);
  await a.context.close();
  await b.context.close();
});

test('a reload keeps edits', async () => {
  const { context, page } = await openApp(browser, site.url);
  await pick(page, 'alb-logs-cmk');
  const id = await policyId(page, 'bucket:');
  const text = (await policyText(page, id)).replace('"Version"', '"Id": "kept-after-reload",\n    "Version"');
  await setPolicy(page, id, text);
  await page.reload();
  await page.getByTestId('timeline').waitFor();
  assert.equal(await policyText(page, id), text);
  assert.match(await page.getByTestId('scenario-status').textContent(), /edited|restored/);
  await context.close();
});

test('broken, truncated, tampered, future and oversized links say why and show the default scenario', async () => {
  const { context, page } = await openApp(browser, site.url);
  await pick(page, 'cloudtrail-sse-kms');
  const good = await shareLink(page);
  await context.close();
  const payload = good.split('#s=2.')[1];
  const mid = Math.floor(payload.length / 2);
  const flip = (c) => (c === 'A' ? 'B' : 'A');
  const cases = {
    truncated: [`#s=2.${payload.slice(0, mid)}`, /truncated|damaged/],
    tampered: [`#s=2.${payload.slice(0, mid)}${flip(payload[mid])}${payload.slice(mid + 1)}`, /damaged|invalid|truncated/],
    'bad base64': ['#s=1.@@@@', /not valid base64url/],
    future: ['#s=9.AAAA', /newer Keyflow \(format 9\)/],
    oversized: [`#s=1.${'A'.repeat(70000)}`, /too long/],
  };
  for (const [name, [fragment, why]] of Object.entries(cases)) {
    const { context, page, log } = await openApp(browser, site.url + fragment);
    const notice = page.getByTestId('notice');
    await notice.waitFor();
    const text = await notice.textContent();
    assert.match(text, /could not be opened/, name);
    assert.match(text, why, `${name}: ${text}`);
    assert.equal(await page.locator('[data-testid="pick-alb-logs-cmk"][aria-pressed="true"]').count(), 1, name);
    assert.ok((await step(page, 'alb', 'enable-access-logs').count()) === 1, name);
    assert.deepEqual(log.errors, [], name);
    await context.close();
  }
});

test('opening a shared link does not silently replace edited work', async () => {
  const other = await openApp(browser, site.url);
  await pick(other.page, 'ssm-securestring-cmk');
  const link = await shareLink(other.page);
  await other.context.close();

  const { context, page } = await openApp(browser, site.url);
  await pick(page, 'alb-logs-cmk');
  await page.getByTestId('bucket-sse-test-alb-access-logs').selectOption('SSE-S3');
  await page.waitForFunction(() => document.querySelector('[data-testid="step-alb-enable-access-logs"]').dataset.outcome === 'ok');
  // Same browser (same storage), the link opened over edited work: ask first.
  await page.goto(link);
  await page.getByTestId('notice-take').waitFor();
  assert.equal(await step(page, 'alb', 'enable-access-logs').getAttribute('data-outcome'), 'ok');
  await page.getByTestId('notice-keep').click();
  assert.equal(await page.getByTestId('notice').count(), 0);
  assert.equal(await step(page, 'alb', 'enable-access-logs').getAttribute('data-outcome'), 'ok');
  // Taking it keeps the work restorable.
  await page.goto(link);
  await page.getByTestId('notice-take').click();
  await step(page, 'ssm', 'put-parameter').waitFor();
  await page.getByTestId('notice-restore').click();
  await step(page, 'alb', 'enable-access-logs').waitFor();
  assert.equal(await step(page, 'alb', 'enable-access-logs').getAttribute('data-outcome'), 'ok');
  await context.close();
});
