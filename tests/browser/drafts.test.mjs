// Nothing lost: every edited scenario is a named draft in this browser,
// listed, restorable and deletable, across scenario switches and reloads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, openApp, pick, step, screenshot } from './harness.mjs';
import { waitOutcome } from './own-helpers.mjs';

let site, browser;
before(async () => ({ site, browser } = await start()));
after(() => stop(site, browser));

test('edit A, switch, edit B, switch again, reload: both drafts are there and come back', async () => {
  const { context, page, log } = await openApp(browser, site.url);
  await pick(page, 'alb-logs-cmk');
  await page.getByTestId('bucket-sse-test-alb-access-logs').selectOption('SSE-S3');
  await waitOutcome(page, 'alb', 'enable-access-logs', 'ok');
  await pick(page, 'ssm-securestring-cmk');
  await page.locator('[data-testid^="key-state-"]').first().selectOption('Disabled');
  await waitOutcome(page, 'ssm', 'put-parameter', 'error');
  await pick(page, 'cloudtrail-sse-kms');
  const drafts = page.locator('[data-testid^="draft-restore-"]');
  assert.equal(await drafts.count(), 2);
  const names = await drafts.allTextContents();
  assert.ok(names.some((n) => /ALB access logs/.test(n)) && names.some((n) => /SSM/.test(n)), names.join(' | '));
  await screenshot(page, 'drafts-listed');

  await page.reload();
  await page.getByTestId('timeline').waitFor();
  assert.equal(await page.locator('[data-testid^="draft-restore-"]').count(), 2, 'a reload loses nothing');
  await page.locator('[data-testid^="draft-restore-"]', { hasText: 'ALB' }).click();
  await waitOutcome(page, 'alb', 'enable-access-logs', 'ok');
  assert.equal(await page.getByTestId('bucket-sse-test-alb-access-logs').inputValue(), 'SSE-S3');
  // The one on screen is named in place; the other can be restored or deleted.
  await page.getByTestId('draft-name').fill('My ALB logs');
  await page.getByTestId('draft-name').press('Enter');
  await page.locator('[data-testid^="draft-restore-"]', { hasText: 'SSM' }).click();
  await waitOutcome(page, 'ssm', 'put-parameter', 'error');
  assert.ok((await page.locator('[data-testid^="draft-restore-"]').allTextContents()).includes('My ALB logs'));
  const alb = await page.locator('[data-testid^="draft-restore-"]', { hasText: 'My ALB logs' }).getAttribute('data-testid');
  await page.getByTestId(alb.replace('restore', 'delete')).click();
  assert.equal(await page.locator('[data-testid^="draft-restore-"]').count(), 0);
  await page.reload();
  await page.getByTestId('timeline').waitFor();
  assert.equal(await step(page, 'ssm', 'put-parameter').getAttribute('data-outcome'), 'error', 'the draft on screen is back after a reload');
  assert.equal(await page.locator('[data-testid^="draft-restore-"]').count(), 0, 'the deleted draft stays deleted');
  assert.deepEqual(log.errors, []);
  await context.close();
});
