// Live editing: diagnostics at the right line, the explanation of a step
// with its deciding statement highlighted, the matrix, before/after,
// expectations, and text that is only ever rendered as text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  start, stop, foreignRequests,
  openApp, pick, step, policyId, openPolicy, setPolicy, policyText, screenshot,
} from './harness.mjs';

let site, browser;
before(async () => ({ site, browser } = await start()));
after(() => stop(site, browser));

const MISSPELLED = `{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Allow use of the key",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "kms:*",
            "Resource": "*",
            "Condition": {
                "StringEqual": {"kms:ViaService": "ssm.ap-northeast-1.amazonaws.com"}
            }
        }
    ]
}`;

test('a misspelled operator is flagged at its line and column; clicking the problem moves the caret', async () => {
  const { context, page, log } = await openApp(browser, site.url);
  await pick(page, 'ssm-securestring-cmk');
  const id = await policyId(page, 'key:');
  await setPolicy(page, id, MISSPELLED);
  const problem = page.locator('[data-testid="problem"][data-code="KF101"]');
  await problem.waitFor();
  assert.equal(await problem.getAttribute('data-line'), '11');
  assert.equal(await problem.getAttribute('data-column'), '17');
  assert.match(await problem.textContent(), /StringEqual/);
  // The gutter marks line 11 and tells why on hover.
  const gutter = page.getByTestId(`editor-${id}`).locator('.gutter .ln').nth(10);
  assert.match(await gutter.getAttribute('class'), /ln-error/);
  assert.match(await gutter.getAttribute('title'), /11:17 error \[KF101\].*StringEqual/);
  // The squiggle sits on the operator itself.
  assert.equal(await page.getByTestId(`editor-${id}`).locator('.sq-error').first().textContent(), '"StringEqual"');
  await problem.click();
  const caret = await page.getByTestId(`textarea-${id}`).evaluate((t) => [document.activeElement === t, t.selectionStart]);
  assert.deepEqual(caret, [true, MISSPELLED.indexOf('"StringEqual"')]);
  // The root statement never applies now, so not even the admin can encrypt.
  assert.equal(await step(page, 'ssm', 'put-parameter').getAttribute('data-outcome'), 'error');
  await screenshot(page, 'editor-diagnostic');
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('broken JSON is flagged where the parser stopped; Format refuses until it is fixed', async () => {
  const { context, page } = await openApp(browser, site.url);
  await pick(page, 'ssm-securestring-cmk');
  const id = await policyId(page, 'key:');
  const broken = MISSPELLED.replace('"StringEqual"', '"StringEquals"').replace('"Effect": "Allow",', '"Effect": "Allow"');
  await setPolicy(page, id, broken);
  const problem = page.locator('[data-testid="problem"][data-code="KF001"]');
  await problem.waitFor();
  assert.equal(await problem.getAttribute('data-line'), '7');
  assert.match(await problem.textContent(), /Syntax errors in policy/);
  assert.ok(await page.getByTestId(`format-${id}`).isDisabled());
  // Fixing it clears the problem and Format lays it out again.
  await setPolicy(page, id, broken.replace('"Effect": "Allow"', '"Effect": "Allow",').replace(/\n\s*/g, ''));
  await page.getByTestId(`format-${id}`).click();
  await page.waitForFunction((i) => document.querySelector(`[data-testid="textarea-${i}"]`).value.includes('\n    "Statement": ['), id);
  assert.equal(await page.locator('[data-testid="problem"][data-code="KF001"]').count(), 0);
  await context.close();
});

test('a CloudTrail key policy that no longer fits fails the trail update with the AWS error', async () => {
  const { context, page } = await openApp(browser, site.url);
  await pick(page, 'cloudtrail-sse-kms');
  const id = await policyId(page, 'key:');
  const text = await policyText(page, id);
  await setPolicy(page, id, text.replace('trail/*"', 'trail/*-typo"'));
  const s = step(page, 'cloudtrail', 'update-trail');
  assert.equal(await s.getAttribute('data-outcome'), 'error');
  const err = page.getByTestId('step-cloudtrail-update-trail-error');
  assert.equal(await err.locator('.err-code').textContent(), 'InsufficientEncryptionPolicyException');
  assert.equal(
    await err.locator('.err-msg').textContent(),
    'Insufficient permissions to access S3 bucket aws-cloudtrail-logs-123456789012-1a2b3c4d or KMS key arn:aws:kms:ap-northeast-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b.',
  );
  await context.close();
});

test('selecting a step explains it: deciding statement highlighted, conditions with values', async () => {
  const { context, page } = await openApp(browser, site.url);
  await pick(page, 'cloudtrail-sse-kms');
  // Keyboard: focus the step and press Enter.
  await page.getByTestId('step-cloudtrail-deliver-log-file-open').focus();
  await page.keyboard.press('Enter');
  const ex = page.getByTestId('explanation');
  await ex.waitFor();
  // Pick the KMS check S3 makes for CloudTrail.
  const kms = page.locator('[data-testid^="check-cloudtrail-deliver-log-file-"]', { hasText: 'kms:GenerateDataKey' }).first();
  if ((await kms.getAttribute('aria-expanded')) !== 'true') await kms.click();
  await ex.waitFor();
  assert.equal(await page.getByTestId('explain-decision').textContent(), 'Allowed');
  assert.match(await ex.getByTestId('deciding-statement').first().textContent(), /Allow CloudTrail to encrypt logs/);
  const conds = await ex.getByTestId('condition').allTextContents();
  assert.ok(conds.some((c) => /StringLike.*kms:EncryptionContext:aws:cloudtrail:arn.*policy: arn:aws:cloudtrail:\*:123456789012:trail\/\*.*request: arn:aws:cloudtrail:/.test(c)), conds.join('\n'));
  // The key policy is open with the deciding statement highlighted.
  const hl = await page.locator('.code-hl .hl-decide').allTextContents();
  assert.match(hl.join(''), /"Allow CloudTrail to encrypt logs"/);
  await screenshot(page, 'step-explanation');
  // A denied step explains itself too.
  // The explanation follows the selection once the page has re-rendered:
  // wait for the new one (reading at once races the render on a busy machine).
  await page.getByTestId('step-cloudtrail-read-log:developer-open').click();
  await page.getByTestId('explain-decision').filter({ hasText: /Denied/ }).waitFor();
  await context.close();
});

test('the access matrix: cells explain themselves and can be pinned', async () => {
  const { context, page } = await openApp(browser, site.url);
  await pick(page, 'cloudtrail-sse-kms-restricted');
  await page.getByTestId('view-matrix').click();
  const cell = page.getByTestId('cell-cloudtrail-user2-read');
  assert.equal(await cell.getAttribute('data-allowed'), 'false');
  assert.equal(await page.getByTestId('cell-cloudtrail-user1-read').getAttribute('data-allowed'), 'true');
  await cell.click();
  await page.getByTestId('explanation').waitFor();
  assert.match(await page.getByTestId('explain-decision').textContent(), /Denied/);
  await screenshot(page, 'matrix');
  await page.getByTestId('cell-cloudtrail-user2-read-pin').click();
  await page.getByTestId('view-expectations').click();
  const items = page.getByTestId('expectation');
  assert.ok((await items.allTextContents()).some((t) => /user2/.test(t) && /read/.test(t)));
  assert.equal(await page.locator('[data-testid="expectation"][data-passed="false"]').count(), 0);
  await context.close();
});

test('before / after marks the steps a change affects', async () => {
  const { context, page } = await openApp(browser, site.url);
  await pick(page, 'alb-logs-cmk');
  await page.getByTestId('view-compare').click();
  const change = page.getByTestId('compare-change');
  assert.match(await change.locator('option:checked').textContent(), /observed → documented/);
  const row = page.getByTestId('compare-alb-deliver-log');
  assert.equal(await row.getAttribute('data-changed'), 'true');
  assert.equal(await page.getByTestId('compare-alb-read-log').getAttribute('data-changed'), 'false');
  assert.match(await row.textContent(), /before\s*ok|ok.*error/s);
  await screenshot(page, 'compare');
  // The bucket default switch: enabling logs now succeeds first time.
  await change.selectOption({ label: 'Bucket test-alb-access-logs: default encryption SSE-KMS → SSE-S3' });
  await page.waitForFunction(() => document.querySelector('[data-testid="compare-alb-enable-access-logs"]')?.dataset.changed === 'true');
  await context.close();
});

test('expectations update as you type, and a step can be pinned in one click', async () => {
  const { context, page } = await openApp(browser, site.url);
  await pick(page, 'ssm-securestring-cmk');
  await page.getByTestId('step-ssm-get-parameters-no-decryption:KeyUser-pin').click();
  await page.getByTestId('view-expectations').click();
  const total = await page.getByTestId('expectation').count();
  assert.equal(await page.locator('[data-testid="expectation"][data-passed="false"]').count(), 0);
  // Remove the key user from the key policy: the expectations that relied on it fail at once.
  const id = await policyId(page, 'key:');
  const text = await policyText(page, id);
  await setPolicy(page, id, text.replace('user/KeyUser', 'user/Nobody'));
  await page.locator('[data-testid="expectation"][data-passed="false"]').first().waitFor();
  assert.equal(await page.getByTestId('expectation').count(), total);
  assert.match(await page.getByTestId('expectations-summary').textContent(), /1 of \d+ expectations fail/);
  await context.close();
});

test('a Sid holding markup renders as text and runs nothing', async () => {
  const { context, page, log } = await openApp(browser, site.url);
  await pick(page, 'ssm-securestring-cmk');
  const id = await policyId(page, 'key:');
  const evil = '<img src=x onerror=alert(1)>';
  const text = await policyText(page, id);
  await setPolicy(page, id, text.replace('"Allow use of the key"', JSON.stringify(evil)));
  // Its statement decides the key user's decrypt; open that explanation.
  await page.getByTestId('step-ssm-get-parameters-with-decryption:KeyUser-open').click();
  const kms = page.locator('[data-testid^="check-ssm-get-parameters-with-decryption:KeyUser-"]', { hasText: 'kms:Decrypt' }).first();
  if ((await kms.getAttribute('aria-expanded')) !== 'true') await kms.click();
  assert.match(await page.getByTestId('deciding-statement').first().textContent(), /<img src=x onerror=alert\(1\)>/);
  assert.ok((await page.locator('.code-hl').textContent()).includes(evil));
  await page.waitForTimeout(300);
  assert.equal(await page.locator('img').count(), 0);
  assert.deepEqual(log.dialogs, []);
  await context.close();
});

test('bidi and control characters in a Sid are shown, not obeyed, and flagged', async () => {
  const { context, page } = await openApp(browser, site.url);
  await pick(page, 'ssm-securestring-cmk');
  const id = await policyId(page, 'key:');
  const text = await policyText(page, id);
  // JSON escapes, so the policy text itself stays plain ASCII.
  await setPolicy(page, id, text.replace('"Allow use of the key"', '"\\u202eyek eht fo esu wollA\\u0007"'));
  await page.getByTestId('step-ssm-get-parameters-with-decryption:KeyUser-open').click();
  const kms = page.locator('[data-testid^="check-ssm-get-parameters-with-decryption:KeyUser-"]', { hasText: 'kms:Decrypt' }).first();
  if ((await kms.getAttribute('aria-expanded')) !== 'true') await kms.click();
  const deciding = await page.getByTestId('deciding-statement').first().textContent();
  assert.ok(deciding.includes('⟨U+202E⟩yek eht fo esu wollA⟨U+0007⟩'), deciding);
  assert.ok(!deciding.includes('\u202e'), 'the override itself is not in the page text');
  await page.locator('[data-testid="problem"][data-code="KF123"]').first().waitFor();
  await context.close();
});

test('settings forms change the run: bucket default encryption and key state', async () => {
  const { context, page } = await openApp(browser, site.url);
  await pick(page, 'alb-logs-cmk');
  await page.getByTestId('bucket-sse-test-alb-access-logs').selectOption('SSE-S3');
  await page.waitForFunction(() => document.querySelector('[data-testid="step-alb-enable-access-logs"]').dataset.outcome === 'ok');
  await pick(page, 'ssm-securestring-cmk');
  const state = page.locator('[data-testid^="key-state-"]').first();
  await state.selectOption('Disabled');
  await page.waitForFunction(() => document.querySelector('[data-testid="step-ssm-put-parameter"]').dataset.outcome === 'error');
  // Picking another scenario over edited work offers it back.
  await pick(page, 'alb-logs-cmk');
  await page.getByTestId('notice-restore').click();
  assert.equal(await page.getByTestId('step-ssm-put-parameter').getAttribute('data-outcome'), 'error');
  await context.close();
});

test('dark theme', async () => {
  const { context, page } = await openApp(browser, site.url, { colorScheme: 'dark' });
  await pick(page, 'cloudtrail-sse-kms');
  await page.getByTestId('step-cloudtrail-read-log:developer-open').click();
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, 'rgb(21, 23, 26)');
  await screenshot(page, 'dark');
  await context.close();
});

test('lints with the AWS service table come from the helper worker, fetched from the page itself once the user edits', async () => {
  const { context, page, log } = await openApp(browser, site.url);
  // A visitor who only reads never downloads the helper.
  assert.ok(!log.requests.some((u) => u.includes('keyflow-helper')), 'no helper on first load');
  await pick(page, 'ssm-securestring-cmk');
  const id = await policyId(page, 'identity:Intern/');
  await setPolicy(page, id, `{
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "ssm:GetParameterz", "Resource": "*"}
    ]
}`);
  // An unknown action of a known service needs the table to be told.
  const problem = page.locator('[data-testid="problem"][data-code="KF104"]');
  await problem.waitFor();
  assert.equal(await problem.getAttribute('data-line'), '4');
  assert.ok(log.requests.some((u) => /keyflow-helper[^/]*_bg\.wasm$/.test(u)), 'the helper is fetched');
  assert.deepEqual(foreignRequests(log, site.origin), []);
  assert.deepEqual(log.errors, []);
  await context.close();
});
