// A phone (390 px): every built-in, the explanation, the matrix and the
// compare view fit the width — no horizontal scroll — and the results come first.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, openApp, pick, screenshot } from './harness.mjs';
import { noHorizontalScroll } from './own-helpers.mjs';

let site, browser;
before(async () => ({ site, browser } = await start()));
after(() => stop(site, browser));

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const NAMES = ['alb-logs-cmk', 'alb-logs-cmk-documented', 'cloudtrail-sse-kms', 'cloudtrail-sse-kms-restricted', 'ssm-securestring-cmk', 's3-encrypt-in-use-bucket'];

test('390 px: no horizontal scroll in any built-in or view, results first', async () => {
  const { context, page, log } = await openApp(browser, site.url, PHONE);
  for (const name of NAMES) {
    await pick(page, name);
    const w = await noHorizontalScroll(page);
    assert.ok(w.scroll <= w.client, `${name}: ${w.scroll} px wide in a ${w.client} px window`);
  }
  // The timeline is near the top, not ~2,650 px down.
  const top = await page.getByTestId('timeline').evaluate((e) => e.getBoundingClientRect().top + window.scrollY);
  assert.ok(top < 400, `timeline starts at ${top} px`);
  await screenshot(page, 'mobile-390-timeline');
  // An explanation, the matrix, before/after and the share popover stay inside too.
  await pick(page, 'cloudtrail-sse-kms');
  await page.getByTestId('step-cloudtrail-read-log:developer-open').click();
  await page.getByTestId('explanation').waitFor();
  let w = await noHorizontalScroll(page);
  assert.ok(w.scroll <= w.client, `explanation: ${w.scroll}`);
  await screenshot(page, 'mobile-390-explanation');
  for (const view of ['view-matrix', 'view-compare', 'view-expectations']) {
    await page.getByTestId(view).click();
    w = await noHorizontalScroll(page);
    assert.ok(w.scroll <= w.client, `${view}: ${w.scroll}`);
  }
  await page.getByTestId('view-matrix').click();
  await screenshot(page, 'mobile-390-matrix');
  await page.getByTestId('share').click();
  await page.getByTestId('share-url').waitFor({ timeout: 20000 });
  w = await noHorizontalScroll(page);
  assert.ok(w.scroll <= w.client, `share: ${w.scroll}`);
  const pop = await page.getByTestId('share-pop').boundingBox();
  assert.ok(pop.x >= 0 && pop.x + pop.width <= 390, JSON.stringify(pop));
  await screenshot(page, 'mobile-390-share');
  assert.deepEqual(log.errors, []);
  await context.close();
});
