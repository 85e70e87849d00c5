// A policy that stops parsing mid-edit: the results keep the last good run,
// visibly stale, with where the text breaks; no AWS error is shown for text
// Keyflow cannot read; fixing the text brings the live result back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, openApp, pick, step, policyId, policyText, setPolicy, screenshot } from './harness.mjs';

let site, browser;
before(async () => ({ site, browser } = await start()));
after(() => stop(site, browser));

test('a deleted comma mid-edit: stale result, its position, no AWS error text', async () => {
  const { context, page, log } = await openApp(browser, site.url);
  await pick(page, 'cloudtrail-sse-kms');
  const id = await policyId(page, 'key:');
  const text = await policyText(page, id);
  assert.equal(await step(page, 'cloudtrail', 'update-trail').getAttribute('data-outcome'), 'ok');
  const broken = text.replace('"Effect": "Allow",', '"Effect": "Allow"');
  await setPolicy(page, id, broken);
  const banner = page.getByTestId('stale-banner');
  await banner.waitFor();
  assert.equal(await banner.getAttribute('data-stale'), 'true');
  const said = await banner.textContent();
  assert.match(said, /Stale/);
  assert.match(said, new RegExp(`key:${id.slice('key:'.length)}: line 8, column \\d+: `), said);
  // The last good result stays on show, and nothing in the results is an AWS error.
  assert.equal(await step(page, 'cloudtrail', 'update-trail').getAttribute('data-outcome'), 'ok');
  const results = await page.locator('.results').textContent();
  assert.doesNotMatch(results, /InsufficientEncryptionPolicyException|AccessDeniedException/);
  assert.match(await page.locator('.results-inner').getAttribute('class'), /is-stale/);
  // The editor marks the break; "Show me" puts the caret there.
  await page.getByTestId('stale-goto').click();
  const caret = await page.getByTestId(`textarea-${id}`).evaluate((t) => t.selectionStart);
  assert.ok(caret > 0 && caret <= broken.length);
  await screenshot(page, 'parse-error-stale');
  // Fixed: live again.
  await setPolicy(page, id, text);
  await banner.waitFor({ state: 'detached' });
  assert.doesNotMatch(await page.locator('.results-inner').getAttribute('class'), /is-stale/);
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('a scenario that arrives with a broken policy shows its steps as not evaluated, not as AWS errors', async () => {
  const { context, page } = await openApp(browser, site.url);
  await pick(page, 'cloudtrail-sse-kms');
  const id = await policyId(page, 'key:');
  const text = await policyText(page, id);
  await setPolicy(page, id, text.replace('"Effect": "Allow",', '"Effect": "Allow"'));
  // A reload starts a new session of the page: there is no earlier good run to show.
  await page.reload();
  await page.getByTestId('timeline').waitFor();
  const banner = page.getByTestId('stale-banner');
  await banner.waitFor();
  assert.equal(await banner.getAttribute('data-stale'), 'false');
  assert.equal(await step(page, 'cloudtrail', 'update-trail').getAttribute('data-outcome'), 'not_evaluated');
  const why = await page.getByTestId('step-cloudtrail-update-trail-not-evaluated').textContent();
  assert.match(why, /line 8, column \d+/);
  assert.equal(await page.getByTestId('step-cloudtrail-update-trail-error').count(), 0);
  await screenshot(page, 'parse-error-not-evaluated');
  await context.close();
});
