// Fix it, the access view and the lockout check: the helper computes them,
// the page shows them, and an applied fix can be undone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, openApp, pick, step, policyId, policyText, setPolicy, screenshot } from './harness.mjs';
import { waitOutcome, outcome } from './own-helpers.mjs';

let site, browser;
before(async () => ({ site, browser } = await start()));
after(() => stop(site, browser));

const STEP = 'get-parameters-with-decryption:KeyUser';

// Picks a built-in while another view than the timeline is in front.
async function pickHere(page, name) {
  await page.getByTestId(`pick-${name}`).click();
  await page.locator(`[data-testid="pick-${name}"][aria-pressed="true"]`).waitFor();
}

// The SSM built-in's key policy without statement `i`, typed into its editor.
async function dropStatement(page, i) {
  const key = await policyId(page, 'key:');
  const policy = JSON.parse(await policyText(page, key));
  policy.Statement.splice(i, 1);
  await setPolicy(page, key, JSON.stringify(policy, null, 4));
  return key;
}

test('a failing step offers verified repairs; Apply turns it green, Undo takes it back', async () => {
  const { context, page, log } = await openApp(browser, site.url);
  await pick(page, 'ssm-securestring-cmk');
  // A step an expectation expects to fail offers no Fix; passing steps neither.
  assert.equal(await page.getByTestId('step-ssm-get-parameters-with-decryption:Intern-fix').count(), 0);
  assert.equal(await page.getByTestId(`step-ssm-${STEP}-fix`).count(), 0);
  const key = await dropStatement(page, 1);
  await waitOutcome(page, 'ssm', STEP, 'error');
  await page.getByTestId(`step-ssm-${STEP}-fix`).click();
  const panel = page.getByTestId('fix-panel');
  await panel.getByTestId('fix-candidate').first().waitFor({ timeout: 20000 });
  assert.equal(await panel.getByTestId('panel-status').getAttribute('data-status'), 'fixable');
  const best = panel.locator('[data-testid="fix-candidate"][data-rank="1"]');
  assert.match(await best.locator('h4').textContent(), /^#1 key:/);
  assert.equal(await best.getByTestId('fix-label').textContent(), 'computed by Keyflow, verified by re-running');
  // The diff: monospace, the added lines marked +, on the policy it edits.
  const diff = best.getByTestId('fix-diff');
  assert.equal(await diff.getAttribute('data-policy'), key);
  const added = await diff.locator('pre .add').allTextContents();
  assert.ok(added.length > 3 && added.every((l) => l.startsWith('+')), added.join(''));
  assert.ok(added.some((l) => l.includes('"kms:ViaService": "ssm.ap-northeast-1.amazonaws.com"')), added.join(''));
  assert.match(await diff.locator('pre').evaluate((e) => getComputedStyle(e).fontFamily), /mono/i);
  // The conditions' AWS pages, and the checks that flip.
  const links = await best.locator('a').evaluateAll((as) => as.map((a) => a.href));
  assert.ok(links.some((h) => h.startsWith('https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html')), links.join(' '));
  assert.match(await best.textContent(), new RegExp(`Checks that flip:.*ssm/${STEP}/kms:Decrypt.*ImplicitlyDenied → Allowed`));
  await screenshot(page, 'fix-panel');

  await best.getByTestId('fix-apply-1').click();
  await waitOutcome(page, 'ssm', STEP, 'ok');
  await page.getByTestId('fix-panel').waitFor({ state: 'detached' });
  assert.match(await page.getByTestId('notice-text').textContent(), /^Fix applied to key policy key:/);
  assert.ok((await policyText(page, key)).includes('"kms:ViaService"'));
  await page.getByTestId('notice-undo').click();
  await waitOutcome(page, 'ssm', STEP, 'error');
  assert.ok(!(await policyText(page, key)).includes('"kms:ViaService"'));
  assert.equal(await page.getByTestId('notice').count(), 0);
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('the access view shows a table for a bucket of the ALB built-in and a key of the SSM built-in', async () => {
  const { context, page, log } = await openApp(browser, site.url);
  await pick(page, 'alb-logs-cmk');
  await page.getByTestId('view-matrix').click();
  const table = page.getByTestId('access-table');
  await table.waitFor({ timeout: 20000 });
  await page.getByTestId('access-resource').selectOption('bucket:test-alb-access-logs');
  await page.locator('[data-testid="access-table"][data-resource="bucket:test-alb-access-logs"]').waitFor();
  assert.deepEqual(await table.locator('th[scope=col]').allTextContents(),
    ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:PutBucketPolicy']);
  const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((t) => t.dataset.principal));
  for (const p of ['Admin', 'LogReader', 'ELBLogDelivery', 'any AWS service', 'anyone']) assert.ok(rows.includes(p), rows.join());
  // ELB may write only under its prefix: the condition shows on focus.
  const cell = table.locator('tr[data-principal="ELBLogDelivery"] [data-op="s3:PutObject"]');
  assert.equal(await cell.getAttribute('data-answer'), 'yes, if');
  const detail = cell.locator('.acc-detail');
  assert.equal(await detail.isVisible(), false);
  await cell.focus();
  assert.equal(await detail.isVisible(), true);
  assert.match(await detail.textContent(), /only for objects matching arn:aws:s3:::test-alb-access-logs\/AWSLogs\/111122223333\/\*/);
  assert.equal(await table.locator('tr[data-principal="anyone"] [data-op="s3:GetObject"]').getAttribute('data-answer'), 'no');
  await screenshot(page, 'access-view-bucket');

  // SSM: its key, with the KMS operations.
  await pickHere(page, 'ssm-securestring-cmk');
  await page.locator('[data-testid="access-table"][data-resource^="key:"]').waitFor({ timeout: 20000 });
  const ops = await table.locator('th[scope=col]').allTextContents();
  assert.deepEqual(ops, ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:CreateGrant', 'kms:PutKeyPolicy']);
  assert.equal(await table.locator('tr[data-principal="KeyUser"] [data-op="kms:Decrypt"]').getAttribute('data-answer'), 'yes');
  assert.equal(await table.locator('tr[data-principal="Intern"] [data-op="kms:Decrypt"]').getAttribute('data-answer'), 'no');
  // It follows edits: without the account's delegation, Admin can no longer change the key policy.
  assert.equal(await table.locator('tr[data-principal="Admin"] [data-op="kms:PutKeyPolicy"]').getAttribute('data-answer'), 'yes');
  await dropStatement(page, 0);
  await page.waitForFunction(() => document.querySelector('[data-testid="access-table"] tr[data-principal="Admin"] [data-op="kms:PutKeyPolicy"]')?.dataset.answer === 'no');
  // Every other built-in gets a table too.
  for (const name of ['s3-encrypt-in-use-bucket', 'cloudtrail-sse-kms']) {
    const shown = await table.getAttribute('data-resource');
    await pickHere(page, name);
    await page.waitForFunction((r) => {
      const t = document.querySelector('[data-testid="access-table"]');
      return t && t.dataset.resource !== r && t.querySelectorAll('tbody tr').length > 3;
    }, shown, { timeout: 20000 });
  }
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('the lockout check under the key policy editor shows AWS\'s error and Keyflow\'s own warning when an edit locks the caller out', async () => {
  const { context, page, log } = await openApp(browser, site.url);
  await pick(page, 'ssm-securestring-cmk');
  const key = await policyId(page, 'key:');
  // Shown under the key policy editor once the user works in the page.
  await page.getByTestId(`policy-tab-${key}`).click();
  const result = page.getByTestId('lockout-result');
  await result.getByTestId('lockout-passes').waitFor({ timeout: 20000 });
  assert.equal(await result.getByTestId('lockout-caller').inputValue(), 'Admin');
  // Without the statement that delegates to the account, the check follows the edit.
  await dropStatement(page, 0);
  const error = result.getByTestId('lockout-error');
  await error.waitFor({ timeout: 20000 });
  assert.equal(await error.textContent(),
    'MalformedPolicyDocumentException: The new key policy will not allow you to update the key policy in the future.');
  assert.match(await result.getByTestId('lockout-warning').textContent(), /^Keyflow's own check: /);
  const links = await result.locator('a').evaluateAll((as) => as.map((a) => a.href));
  assert.ok(links.some((h) => h.startsWith('https://aws.amazon.com/premiumsupport/knowledge-center/')), links.join(' '));
  await screenshot(page, 'lockout-check');
  // Another caller, chosen in the panel.
  await result.getByTestId('lockout-caller').selectOption('KeyUser');
  await page.waitForFunction(() => document.querySelector('[data-testid="lockout-result"]')?.textContent.includes('by KeyUser'));
  assert.deepEqual(log.errors, []);
  await context.close();
});
