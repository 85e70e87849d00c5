// Bring what you have: CLI output pasted into a policy editor is unwrapped
// (and can be put back), templates and plans are imported by paste, file
// choice or drop, and the exported scenario file is what `keyflow run` reads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { start, stop, openApp, pick, policyId, openPolicy, paste, screenshot } from './harness.mjs';
import { waitOutcome, outcome } from './own-helpers.mjs';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const fixture = (name) => readFileSync(join(ROOT, 'tests/corpus/import', name), 'utf8');

let site, browser;
before(async () => ({ site, browser } = await start()));
after(() => stop(site, browser));

// Every step's outcome, by test id.
async function outcomes(page) {
  return page.locator('[data-testid^="step-"][data-outcome]').evaluateAll(
    (els) => Object.fromEntries(els.map((e) => [e.dataset.testid, e.dataset.outcome])),
  );
}

// `keyflow run FILE --check`: the built CLI when cargo test left one, else through cargo.
function keyflowRun(file) {
  const target = resolve(process.env.CARGO_TARGET_DIR ?? join(ROOT, 'target'));
  const bin = join(target, 'debug', 'keyflow');
  const [cmd, args] = existsSync(bin)
    ? [bin, ['run', file, '--check']]
    : ['cargo', ['run', '-q', '-p', 'keyflow-cli', '--', 'run', file, '--check']];
  return spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8' });
}

async function openImport(page) {
  await page.getByTestId('import-open').click();
  await page.getByTestId('import-dialog').waitFor();
  // The dialog takes the keyboard focus.
  await page.waitForFunction(() => document.activeElement?.id === 'import-text');
}

// What came of the import, then the importer's findings, one
// `file:line:column: severity: message` a line.
async function findingLines(page) {
  return (await page.getByTestId('import-result').textContent()).split('\n');
}

async function runImport(page) {
  await page.getByTestId('import-run').click();
  const result = page.getByTestId('import-result');
  await result.waitFor({ timeout: 20000 });
  return result;
}

test('aws kms get-key-policy output pasted into the key policy is unwrapped, and can be put back', async () => {
  const { context, page, log } = await openApp(browser, site.url);
  await pick(page, 'cloudtrail-sse-kms');
  const before = await outcomes(page);
  const key = await policyId(page, 'key:');
  await openPolicy(page, key);
  const area = page.getByTestId(`textarea-${key}`);
  const policy = await area.inputValue();
  // What `aws kms get-key-policy --output json` prints: the policy as an escaped string.
  const pasted = JSON.stringify({ Policy: policy, PolicyName: 'default' }, null, 4);
  await paste(area, pasted);
  const note = page.getByTestId('unwrap-note');
  await note.waitFor({ timeout: 20000 });
  assert.match(await note.textContent(), /unwrapped from `aws kms get-key-policy` output/);
  const shows = (text) => page.waitForFunction(
    ([id, t]) => document.querySelector(`[data-testid="textarea-${id}"]`).value === t,
    [key, text],
    { polling: 100 },
  );
  await shows(policy);
  // The timeline runs on the unwrapped policy: every step as before the paste.
  await page.waitForFunction(
    (want) => Object.entries(want).every(([id, o]) => document.querySelector(`[data-testid="${id}"]`)?.dataset.outcome === o),
    before,
  );
  assert.deepEqual(await outcomes(page), before);
  await screenshot(page, 'import-unwrapped-key-policy');
  // What was pasted comes back on request.
  await page.getByTestId('unwrap-restore').click();
  await note.waitFor({ state: 'detached' });
  await shows(pasted);
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('a CloudFormation template pasted into Import runs the CloudTrail flow; a broken one says where', async () => {
  const { context, page, log } = await openApp(browser, site.url);
  await pick(page, 'alb-logs-cmk');
  // Edited work on screen: the import keeps it as a draft.
  await page.getByTestId('bucket-sse-test-alb-access-logs').selectOption('SSE-S3');
  await waitOutcome(page, 'alb', 'enable-access-logs', 'ok');
  await openImport(page);
  // A template that does not parse: a positioned error, and the screen stays.
  await paste(page.getByTestId('import-text'), fixture('cfn-doc-trail-bad-indentation.yaml'));
  const result = await runImport(page);
  assert.equal(await result.getAttribute('data-loaded'), 'false');
  const bad = await findingLines(page);
  assert.equal(bad[0], 'Nothing was imported.');
  assert.ok(bad.some((f) => /^pasted:9:3: error: not valid YAML/.test(f)), bad.join('\n'));
  assert.equal(await outcome(page, 'alb', 'enable-access-logs'), 'ok');

  await paste(page.getByTestId('import-text'), fixture('cfn-cloudtrail-kms.yaml'));
  await page.getByTestId('import-account').fill('111122223333');
  await page.getByTestId('import-region').fill('eu-west-1');
  await page.getByTestId('import-run').click();
  await page.locator('[data-testid="import-result"][data-loaded="true"]').waitFor({ timeout: 20000 });
  const findings = await findingLines(page);
  assert.match(findings[0], /^Imported: on screen and in Your drafts/);
  assert.ok(findings.some((f) => /^pasted:10:1: note: AWS::StackName is taken from the file name/.test(f)), findings.join('\n'));
  await screenshot(page, 'import-cloudformation-findings');
  await page.keyboard.press('Escape');
  await page.getByTestId('import-dialog').waitFor({ state: 'detached' });
  await page.waitForFunction(() => document.activeElement?.id === 'import-open');
  // The template's key, bucket and trail run the CloudTrail flow.
  await waitOutcome(page, 'cloudtrail', 'deliver-log-file', 'ok');
  assert.equal(await outcome(page, 'cloudtrail', 'update-trail'), 'error');
  assert.equal(await page.getByTestId('step-cloudtrail-update-trail-error').count(), 1);
  assert.equal(await outcome(page, 'cloudtrail', 'read-log:log-reader'), 'ok');
  // Nothing of the earlier work is lost: it and the import (on screen) are drafts.
  const drafts = await page.locator('[data-testid^="draft-restore-"]').allTextContents();
  assert.ok(drafts.some((d) => /ALB/.test(d)), drafts.join(' | '));
  assert.equal(await page.getByTestId('draft-name').inputValue(), 'Imported from pasted');
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('files dropped on or chosen in the Import dialog import together', async () => {
  const { context, page, log } = await openApp(browser, site.url);
  await openImport(page);
  // A drop event carrying a File, as a file manager's drag does.
  const transfer = await page.evaluateHandle((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], 'cfn-cloudtrail-kms.yaml', { type: 'application/yaml' }));
    return dt;
  }, fixture('cfn-cloudtrail-kms.yaml'));
  await page.getByTestId('import-dialog').dispatchEvent('drop', { dataTransfer: transfer });
  const list = page.getByTestId('import-file-list');
  await page.waitForFunction(() => document.querySelector('[data-testid="import-file-list"]').textContent !== '');
  // And one chosen with the file input.
  await page.getByTestId('import-files').setInputFiles(join(ROOT, 'tests/corpus/import/tf-plan-ssm-securestring.json'));
  await page.locator('[data-testid="import-file-list"]', { hasText: 'tf-plan-ssm-securestring.json' }).waitFor();
  const files = (await list.textContent()).split('\n');
  assert.deepEqual(files, ['cfn-cloudtrail-kms.yaml', 'tf-plan-ssm-securestring.json']);
  // Empty fields: the account and Region come from the files.
  await page.getByTestId('import-account').fill('');
  await page.getByTestId('import-region').fill('');
  const result = await runImport(page);
  assert.equal(await result.getAttribute('data-loaded'), 'true');
  const findings = await findingLines(page);
  assert.ok(findings.some((f) => f.startsWith('cfn-cloudtrail-kms.yaml:12:3: note: key myKey')), findings.join('\n'));
  assert.ok(findings.some((f) => f.startsWith('tf-plan-ssm-securestring.json:1:1: note: account 111122223333 taken from this file')), findings.join('\n'));
  await page.getByTestId('import-close').click();
  await page.getByTestId('import-dialog').waitFor({ state: 'detached' });
  await waitOutcome(page, 'cloudtrail', 'deliver-log-file', 'ok');
  assert.ok(Object.keys(await outcomes(page)).some((id) => id.startsWith('step-ssm-')));
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('Export downloads the scenario file that keyflow run --check reads', async () => {
  const { context, page, log } = await openApp(browser, site.url, { acceptDownloads: true });
  await pick(page, 'cloudtrail-sse-kms-restricted');
  const dir = mkdtempSync(join(tmpdir(), 'keyflow-export-'));
  const exported = async (file) => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export').click()]);
    assert.equal(download.suggestedFilename(), 'cloudtrail-sse-kms-restricted.keyflow.json');
    const path = join(dir, file);
    await download.saveAs(path);
    return path;
  };
  const good = await exported('good.keyflow.json');
  const ran = keyflowRun(good);
  assert.equal(ran.status, 0, ran.stdout + ran.stderr);
  assert.equal(JSON.parse(readFileSync(good, 'utf8')).name, 'cloudtrail-sse-kms-restricted');
  // The file carries the edit on screen: the key user moved, its expectations fail in the CLI too.
  const key = await policyId(page, 'key:');
  await openPolicy(page, key);
  const area = page.getByTestId(`textarea-${key}`);
  await paste(area, (await area.inputValue()).replaceAll('user/user1', 'user/user2'));
  await page.getByTestId('view-expectations').click();
  await page.locator('[data-testid="expectation"][data-passed="false"]').first().waitFor();
  const edited = await exported('edited.keyflow.json');
  const failed = keyflowRun(edited);
  assert.equal(failed.status, 1, failed.stdout + failed.stderr);
  assert.deepEqual(log.errors, []);
  await context.close();
});
