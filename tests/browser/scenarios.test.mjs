// Every built-in scenario: each flow's decisions and the exact AWS error
// texts, as the page shows them; screenshots of each.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, openApp, pick, step, screenshot, foreignRequests } from './harness.mjs';

let site, browser;
before(async () => ({ site, browser } = await start()));
after(() => stop(site, browser));

const ELB = 'Access Denied for bucket: test-alb-access-logs. Please check S3bucket permission';
const CIPHERTEXT = 'The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.';
// The whole line the AWS CLI printed in the SSM write-up.
const SSM_DENIED = `${CIPHERTEXT} (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException; Request ID: xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)`;

// flow -> step -> expected outcome, and the exact error (code, message) where one fails.
const EXPECTED = {
  'alb-logs-cmk': {
    alb: {
      'enable-access-logs': ['error', 'InvalidConfigurationRequest', ELB],
      'use-sse-s3-default': ['ok'],
      'enable-access-logs-sse-s3': ['ok'],
      'switch-default-to-key': ['ok'],
      'deliver-log': ['ok'],
      'read-log': ['ok'],
    },
  },
  'alb-logs-cmk-documented': {
    alb: {
      'enable-access-logs': ['error', 'InvalidConfigurationRequest', ELB],
      'enable-access-logs-sse-s3': ['ok'],
      // Asynchronous: nobody receives an error; the page says what the user sees instead.
      'deliver-log': ['error', null, /no log object arrives/],
      'read-log': ['ok'],
    },
  },
  'cloudtrail-sse-kms': {
    cloudtrail: {
      'update-trail': ['ok'],
      'deliver-log-file': ['ok'],
      'deliver-digest-file': ['ok'],
      'read-log:user1': ['ok'],
      'read-log:user2': ['ok'],
      'read-log:developer': ['error', 'AccessDenied', /^User: arn:aws:iam::123456789012:user\/developer is not authorized to perform: s3:GetObject on resource: .* because no identity-based policy allows the s3:GetObject action$/],
    },
  },
  'cloudtrail-sse-kms-restricted': {
    cloudtrail: {
      'update-trail': ['ok'],
      'read-log:user1': ['ok'],
      'read-log:user2': ['error', 'AccessDenied', CIPHERTEXT],
      'read-log:developer': ['error', 'AccessDenied', /^User: arn:aws:iam::123456789012:user\/developer is not authorized/],
    },
  },
  'ssm-securestring-cmk': {
    ssm: {
      'put-parameter': ['ok'],
      'get-parameters-with-decryption:AppServer': ['ok'],
      'get-parameters-with-decryption:KeyUser': ['ok'],
      'get-parameters-with-decryption:Intern': ['error', 'AccessDeniedException', SSM_DENIED],
      'get-parameters-no-decryption:Intern': ['ok'],
    },
    'ssm-default-key': {
      'get-parameters-with-decryption:Intern': ['ok'],
    },
  },
  's3-encrypt-in-use-bucket': {
    s3: {
      'put-bucket-encryption': ['ok'],
      'app-put-new': ['ok'],
      'batch-copy': ['ok'],
      'inventory-after': ['ok'],
    },
  },
};

// One page shows every built-in in turn, as a visitor picks them (a page
// load costs about half a CPU-second; these tests only read).
describe('the built-ins, picked in turn on one page', { concurrency: 1 }, () => {
  let app;
  before(async () => { app = await openApp(browser, site.url); });
  after(() => app.context.close());

  for (const [name, flows] of Object.entries(EXPECTED)) {
    test(`built-in ${name}: decisions and exact errors on the page`, async () => {
      const { page, log } = app;
      const errorsBefore = log.errors.length;
      await pick(page, name);
      for (const [flow, steps] of Object.entries(flows)) {
        for (const [id, [outcome, code, message]] of Object.entries(steps)) {
          const s = step(page, flow, id);
          assert.equal(await s.getAttribute('data-outcome'), outcome, `${flow}/${id}`);
          if (outcome === 'error' && code === null) {
            assert.equal(await page.getByTestId(`step-${flow}-${id}-error`).count(), 0, `${flow}/${id} shows no AWS error`);
            assert.match(await page.getByTestId(`step-${flow}-${id}-unseen`).textContent(), message);
          } else if (outcome === 'error') {
            const err = page.getByTestId(`step-${flow}-${id}-error`);
            assert.equal(await err.locator('.err-code').textContent(), code);
            const text = await err.locator('.err-msg').textContent();
            if (message instanceof RegExp) assert.match(text, message);
            else assert.equal(text, message);
            assert.ok(await err.isVisible());
          }
        }
      }
      // Every step shows its checks with an allow/deny decision.
      const decisions = await page.locator('[data-testid^="check-"]').evaluateAll((els) => els.map((e) => e.dataset.decision));
      assert.ok(decisions.length > 0);
      assert.ok(decisions.every((d) => ['Allowed', 'ImplicitlyDenied', 'ExplicitlyDenied'].includes(d)), decisions.join());
      // The scenario's own expectations all pass.
      assert.match(await page.getByTestId('expectations-summary').textContent(), /^\d+ expectations pass$/);
      await screenshot(page, `builtin-${name}`);
      assert.deepEqual(log.errors.slice(errorsBefore), []);
      assert.deepEqual(foreignRequests(log, site.origin), []);
    });
  }

  test('the SSM error carries the CLI wording', async () => {
    const { page } = app;
    await pick(page, 'ssm-securestring-cmk');
    const cli = await page.getByTestId('step-ssm-get-parameters-with-decryption:Intern-cli').textContent();
    assert.equal(cli, `An error occurred (AccessDeniedException) when calling the GetParameters operation: ${SSM_DENIED}`);
  });
});
