// Issue 14, "Done when": a user's own account in the playground. Account
// 123456789012 in us-east-1, the log bucket renamed to my-alb-logs-123456789012,
// the classic us-east-1 ELB-account bucket policy pasted: with SSE-S3 the logs
// are enabled and delivered; with SSE-KMS enabling fails with AWS's error.
// Then a cross-account auditor role in 777788889999 reads CloudTrail logs and
// gets its steps and its access-matrix row.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, openApp, pick, policyId, setPolicy, screenshot, foreignRequests } from './harness.mjs';
import { commitField, renamePreview, applyRename, rename, waitOutcome, outcome } from './own-helpers.mjs';

let site, browser;
before(async () => ({ site, browser } = await start()));
after(() => stop(site, browser));

const BUCKET = 'my-alb-logs-123456789012';
// The bucket policy of "Enable access logs for your Application Load Balancer"
// for Regions available before August 2022: the Region's ELB account (us-east-1: 127311923021).
const CLASSIC = `{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {
                "AWS": "arn:aws:iam::127311923021:root"
            },
            "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::${BUCKET}/AWSLogs/123456789012/*"
        }
    ]
}`;

test('journey: my account, my Region, my bucket, my bucket policy, then a cross-account auditor', async () => {
  const { context, page, log } = await openApp(browser, site.url);
  await pick(page, 'alb-logs-cmk');

  // The account: twelve digits only, and a rename rewrites every ARN that names it.
  await commitField(page, 'account', '12345');
  await page.getByTestId('account-error').waitFor();
  assert.match(await page.getByTestId('account-error').textContent(), /not a 12-digit account ID/);
  assert.equal(await page.getByTestId('rename-dialog').count(), 0, 'an invalid account is not proposed');
  const accountChanges = await rename(page, 'account', '123456789012');
  assert.ok(accountChanges.some((c) => /arn:aws:iam::123456789012:root/.test(c)), accountChanges.join('\n'));
  assert.match(await page.locator('[data-testid="step-alb-enable-access-logs"] .step-title').textContent(), /test/);

  // The Region: endpoints and ARNs in the policies follow.
  await page.getByTestId('region').selectOption('us-east-1');
  const regionChanges = await renamePreview(page);
  assert.ok(regionChanges.some((c) => /elasticloadbalancing\.us-east-1\.amazonaws\.com/.test(c)), regionChanges.join('\n'));
  await applyRename(page);

  // Paste the classic policy before the bucket has its name: the mismatch is a finding.
  const bucketPolicy = await policyId(page, 'bucket:');
  await setPolicy(page, bucketPolicy, CLASSIC);
  const finding = page.locator('[data-testid="problem"][data-code="unknown-name"]');
  await finding.waitFor();
  assert.match(await finding.textContent(), new RegExp(`no bucket "${BUCKET}"`));
  assert.equal(await finding.getAttribute('data-line'), '10');
  assert.ok((await page.getByTestId('quick-fix').allTextContents()).some((t) => /Use the scenario's bucket "test-alb-access-logs"/.test(t)));
  await screenshot(page, 'own-finding');

  // Rename the bucket: the dialog lists every change before anything is applied.
  await commitField(page, 'bucket-name-0', BUCKET);
  const bucketChanges = await renamePreview(page);
  await screenshot(page, 'own-rename-dialog');
  assert.ok(bucketChanges.some((c) => /buckets\[0\]\.name/.test(c)), bucketChanges.join('\n'));
  assert.ok(bucketChanges.some((c) => /load_balancers\[0\]\.access_logs\.bucket/.test(c)));
  assert.ok(bucketChanges.some((c) => /identity:LogReader\/ReadAlbLogs \d+:\d+/.test(c)));
  await applyRename(page);
  await page.locator('[data-testid="problem"][data-code="unknown-name"]').waitFor({ state: 'detached' });

  // The legacy writer (the Region's ELB account), SSE-S3: enabled and delivered.
  await page.getByTestId('elb-writer').selectOption('elb-account');
  await page.getByTestId(`bucket-sse-${BUCKET}`).selectOption('SSE-S3');
  await waitOutcome(page, 'alb', 'enable-access-logs', 'ok');
  assert.equal(await outcome(page, 'alb', 'deliver-log'), 'ok');
  assert.match(await page.locator('[data-testid="step-alb-deliver-log"] .result').textContent(), /AWSLogs\/123456789012\/elasticloadbalancing\/us-east-1\//);
  await screenshot(page, 'own-sse-s3-delivered');

  // SSE-KMS: AWS refuses to enable access logs, with its own error.
  await page.getByTestId(`bucket-sse-${BUCKET}`).selectOption('SSE-KMS');
  await waitOutcome(page, 'alb', 'enable-access-logs', 'error');
  const err = page.getByTestId('step-alb-enable-access-logs-error');
  assert.equal(await err.locator('.err-code').textContent(), 'InvalidConfigurationRequest');
  assert.equal(await err.locator('.err-msg').textContent(), `Access Denied for bucket: ${BUCKET}. Please check S3bucket permission`);
  await screenshot(page, 'own-sse-kms-refused');

  // A cross-account auditor: add a CloudTrail flow from the menu, the role from its ARN.
  await page.getByTestId('add-flow').selectOption('cloudtrail-sse-kms');
  await page.getByTestId('flow-cloudtrail').waitFor({ timeout: 20000 });
  await commitField(page, 'principal-arn', 'arn:aws:iam::777788889999:role/Auditor');
  await page.getByTestId('principal-Auditor').waitFor();
  assert.equal(await page.getByTestId('principal-account-' + (await page.locator('[data-testid^="principal-name-"]').count() - 1)).inputValue(), '777788889999');
  await page.getByTestId('reader-cloudtrail-Auditor').check();
  await page.getByTestId('step-cloudtrail-read-log:Auditor').waitFor();
  assert.match(await page.locator('[data-testid="step-cloudtrail-read-log:Auditor"] .step-title').textContent(), /Auditor downloads a log file/);
  await page.getByTestId('view-matrix').click();
  const cell = page.getByTestId('cell-cloudtrail-Auditor-read');
  await cell.waitFor();
  assert.match(await page.locator('[data-testid="matrix-cloudtrail"] tr', { hasText: 'Auditor' }).textContent(), /arn:aws:sts::777788889999:assumed-role\/Auditor\//);
  await screenshot(page, 'own-auditor-matrix');

  assert.deepEqual(foreignRequests(log, site.origin), []);
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('blank starts empty and valid; a flow is added from the menu, bound to my own bucket', async () => {
  const { context, page, log } = await openApp(browser, site.url);
  await page.getByTestId('pick-blank').click();
  await page.getByTestId('no-flows').waitFor();
  assert.equal(await page.getByTestId('notice').count(), 0);
  assert.equal(await page.locator('[data-testid="problem"][data-code^="KF0"]').count(), 0, 'no error in a starter policy');
  await page.getByTestId('add-flow').selectOption('ssm-securestring');
  await page.getByTestId('flow-ssm').waitFor({ timeout: 20000 });
  await waitOutcome(page, 'ssm', 'put-parameter', 'ok');
  await screenshot(page, 'blank-with-flow');
  // The flow is a draft now: it survives a reload.
  await page.reload();
  await page.getByTestId('flow-ssm').waitFor();
  assert.deepEqual(log.errors, []);
  await context.close();
});
