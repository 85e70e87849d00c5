// A rename is a refactoring: every ARN, account ID and name that refers to the
// renamed thing changes with it — policies, flows, expectations, step ids —
// and the page shows the list before anything is applied.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, openApp, pick, step, policyId, policyText, shareLink, screenshot } from './harness.mjs';
import { commitField, renamePreview, applyRename } from './own-helpers.mjs';

let site, browser;
before(async () => ({ site, browser } = await start()));
after(() => stop(site, browser));

async function stepIds(page) {
  return page.locator('[data-testid^="step-"][data-outcome]').evaluateAll((els) => els.map((e) => e.dataset.testid));
}

test('renaming a principal rewrites its ARNs, keeps its steps and expectations, and still shares', async () => {
  const { context, page, log } = await openApp(browser, site.url);
  await pick(page, 'cloudtrail-sse-kms-restricted');
  const before = await stepIds(page);
  const index = await page.locator('[data-testid^="principal-name-"]').evaluateAll(
    (els) => els.findIndex((e) => e.value === 'user1'),
  );
  await commitField(page, `principal-name-${index}`, 'auditor');
  const changes = await renamePreview(page);
  assert.match(await page.getByTestId('rename-summary').textContent(), /^\d+ changes in fields, policies, flows and expectations/);
  // The key policy names the user by ARN; the dialog says where.
  assert.ok(changes.some((c) => /^key:[^ ]+ \d+:\d+arn:aws:iam::123456789012:user\/user1arn:aws:iam::123456789012:user\/auditor$/.test(c)), changes.join('\n'));
  assert.ok(changes.some((c) => /flows\[0\]\.readers\[0\]/.test(c)));
  assert.ok(changes.some((c) => /expectations\[\d+\]\.(step|principal)/.test(c)));
  await screenshot(page, 'rename-principal-dialog');
  await applyRename(page);
  const after = await stepIds(page);
  assert.equal(after.length, before.length, 'no step is dropped');
  assert.ok(after.includes('step-cloudtrail-read-log:auditor'));
  assert.equal(await step(page, 'cloudtrail', 'read-log:auditor').getAttribute('data-outcome'), 'ok');
  await page.getByTestId('view-expectations').click();
  assert.equal(await page.locator('[data-testid="expectation"][data-passed="false"]').count(), 0);
  const key = await policyId(page, 'key:');
  assert.ok((await policyText(page, key)).includes('arn:aws:iam::123456789012:user/auditor'));
  // The share link is offered, and it opens to the renamed scenario.
  const link = await shareLink(page);
  const b = await openApp(browser, link);
  assert.ok((await stepIds(b.page)).includes('step-cloudtrail-read-log:auditor'));
  assert.equal(await b.page.getByTestId('notice').count(), 0);
  await b.context.close();
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('a rename can be cancelled; a name AWS refuses is never proposed', async () => {
  const { context, page } = await openApp(browser, site.url);
  await pick(page, 'ssm-securestring-cmk');
  const key = await policyId(page, 'key:');
  const text = await policyText(page, key);
  await commitField(page, 'key-alias-0-0', 'alias/aws/mine');
  await page.getByTestId('key-alias-0-0-error').waitFor();
  assert.match(await page.getByTestId('key-alias-0-0-error').textContent(), /reserved for AWS managed keys/);
  assert.equal(await page.getByTestId('rename-dialog').count(), 0);
  await commitField(page, 'key-alias-0-0', 'alias/app-secrets');
  await renamePreview(page);
  await page.keyboard.press('Escape');
  await page.getByTestId('rename-dialog').waitFor({ state: 'detached' });
  assert.equal(await policyText(page, key), text);
  assert.notEqual(await page.getByTestId('key-alias-0-0').inputValue(), 'alias/app-secrets', 'the field shows the name in force');
  // Applied: the key is known by its new alias everywhere, and the flows run as before.
  await commitField(page, 'key-alias-0-0', 'alias/app-secrets');
  await renamePreview(page);
  await applyRename(page);
  assert.equal(await page.getByTestId('key-alias-0-0').inputValue(), 'alias/app-secrets');
  assert.ok((await page.getByTestId('param-key-dev-db-pass').locator('option').allTextContents()).includes('alias/app-secrets'));
  assert.equal(await step(page, 'ssm', 'put-parameter').getAttribute('data-outcome'), 'ok');
  await context.close();
});
