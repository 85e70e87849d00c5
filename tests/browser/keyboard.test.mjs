// Keyboard only: a skip link to the results, arrow keys in tab lists, Enter
// on the main controls, Escape closes dialogs. And names with control or
// bidi characters are shown, never obeyed, in every label.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, openApp, pick, screenshot } from './harness.mjs';
import { renamePreview, shareLink } from './own-helpers.mjs';

let site, browser;
before(async () => ({ site, browser } = await start()));
after(() => stop(site, browser));

const focused = (page) => page.evaluate(() => document.activeElement?.dataset?.testid ?? document.activeElement?.id ?? '');

test('keyboard only: skip link, tab lists, scenarios, share, rename, Escape', async () => {
  const { context, page, log } = await openApp(browser, site.url);
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'skip-link', 'the first Tab reaches the skip link');
  await screenshot(page, 'keyboard-skip-link');
  await page.keyboard.press('Enter');
  assert.equal(await focused(page), 'results');
  await pick(page, 'cloudtrail-sse-kms');
  await page.locator('#results').focus();
  // Into the view tabs: the active tab is the one Tab stop; arrows move between tabs.
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'view-timeline');
  await page.keyboard.press('ArrowRight');
  assert.equal(await focused(page), 'view-matrix');
  await page.getByTestId('matrix').waitFor();
  await page.keyboard.press('ArrowRight');
  assert.equal(await focused(page), 'view-compare');
  await page.keyboard.press('End');
  assert.equal(await focused(page), 'view-expectations');
  await page.keyboard.press('Home');
  assert.equal(await focused(page), 'view-timeline');
  await page.getByTestId('timeline').waitFor();
  // Policy tabs the same way.
  await page.locator('[data-testid^="policy-tab-"][aria-selected="true"]').focus();
  const first = await focused(page);
  await page.keyboard.press('ArrowRight');
  const second = await focused(page);
  assert.notEqual(second, first);
  assert.equal(await page.getByTestId(second).getAttribute('aria-selected'), 'true');
  // A scenario from the picker with Enter.
  await page.getByTestId('pick-ssm-securestring-cmk').focus();
  await page.keyboard.press('Enter');
  await page.locator('[data-testid="pick-ssm-securestring-cmk"][aria-pressed="true"]').waitFor();
  // Share with the keyboard; Escape closes the popover.
  await page.getByTestId('share').focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('share-url').waitFor({ timeout: 20000 });
  await page.keyboard.press('Escape');
  await page.getByTestId('share-pop').waitFor({ state: 'detached' });
  // A rename from the keyboard: type, Enter, the dialog takes the focus, Escape closes it.
  await page.getByTestId('account').focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.type('123456789012');
  await page.keyboard.press('Enter');
  await renamePreview(page);
  assert.equal(await focused(page), 'rename-apply');
  await screenshot(page, 'keyboard-rename-dialog');
  await page.keyboard.press('Escape');
  await page.getByTestId('rename-dialog').waitFor({ state: 'detached' });
  assert.equal(await page.getByTestId('account').inputValue(), '111122223333');
  // Enter on a step opens its explanation.
  await page.getByTestId('step-ssm-put-parameter-open').focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('explanation').waitFor();
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('a right-to-left override in a name is shown, not obeyed, in tabs, labels and steps', async () => {
  const evil = 'Aud\u202eitor';
  const text = JSON.stringify({
    name: 'bidi', account: '111122223333', region: 'us-east-1',
    principals: [
      { name: evil, type: 'service', service: 'logs.amazonaws.com' },
      { name: 'Admin', policies: [{ name: 'Allow\u202eAll', document: '{"Version":"2012-10-17","Statement":[]}' }] },
    ],
    parameters: [{ name: 'p', value: 'x' }],
    flows: [{ flow: 'ssm-securestring', parameter: 'p', writer: 'Admin', readers: [evil] }],
  });
  const { context, page } = await openApp(browser, shareLink(site.url, text));
  await page.getByTestId('flow-ssm').waitFor();
  const shown = await page.evaluate(() => document.body.innerText);
  assert.ok(shown.includes('Aud⟨U+202E⟩itor'), 'the override is spelled out');
  assert.ok(shown.includes('Allow⟨U+202E⟩All'));
  assert.ok(!shown.includes('\u202e'), 'no raw override in any label');
  await screenshot(page, 'bidi-labels');
  await context.close();
});
