// Share links are checked before they are offered, carry an integrity check,
// and survive being wrapped over lines by a mail client.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, openApp, pick, step, shareLink as offeredLink, screenshot, policyId, policyText } from './harness.mjs';
import { shareLink } from './own-helpers.mjs';

let site, browser;
before(async () => ({ site, browser } = await start()));
after(() => stop(site, browser));

test('a scenario whose link would not open gets no link, only the reason', async () => {
  const { context, page, log } = await openApp(browser, site.url, { permissions: ['clipboard-read', 'clipboard-write'] });
  await pick(page, 'cloudtrail-sse-kms');
  await page.evaluate(() => navigator.clipboard.writeText('untouched'));
  // A key policy so long that the link would expand past what a link may hold.
  const id = await policyId(page, 'key:');
  const original = await policyText(page, id);
  const end = original.lastIndexOf('}', original.lastIndexOf(']'));
  let extra = '';
  for (let i = 0; extra.length < 270 * 1024; i++) {
    extra += `,\n        {"Sid": "Reader${i}", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/reader${i}"}, "Action": "kms:Decrypt", "Resource": "*"}`;
  }
  // Pasted in one input event, as a paste is (typing 270 KB would take minutes).
  const before = await page.getByTestId('app').getAttribute('data-revision');
  await page.evaluate(({ id, text }) => {
    const ta = document.querySelector(`[data-testid="textarea-${id}"]`);
    ta.value = text;
    ta.dispatchEvent(new InputEvent('input', { bubbles: true }));
  }, { id, text: original.slice(0, end + 1) + extra + original.slice(end + 1) });
  await page.waitForFunction((b) => document.querySelector('[data-testid="app"]').dataset.revision !== b, before);
  await page.getByTestId('share').click();
  const refused = page.getByTestId('share-refused');
  await refused.waitFor({ timeout: 20000 });
  assert.match(await refused.textContent(), /No link: it would not open\..*expands past 256 KiB/);
  assert.equal(await page.getByTestId('share-url').count(), 0);
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'untouched', 'nothing was copied');
  await screenshot(page, 'share-refused');
  await page.keyboard.press('Escape');
  await page.getByTestId('share-pop').waitFor({ state: 'detached' });
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('removing a reader takes it out of the flow; the admin cannot be removed while the flow names it', async () => {
  const { context, page, log } = await openApp(browser, site.url);
  await pick(page, 'cloudtrail-sse-kms');
  const readerSteps = () => page.locator('[data-testid^="step-cloudtrail-"][data-testid*="user1"]').count();
  assert.ok((await readerSteps()) > 0, 'user1 has steps');
  await page.getByRole('button', { name: 'Remove user1', exact: true }).click();
  await page.waitForFunction(() => !document.querySelector('[data-testid="principal-user1"]'));
  assert.equal(await readerSteps(), 0, 'its steps went with it');
  assert.match(await offeredLink(page), /#s=2\./, 'the scenario still shares');
  await page.keyboard.press('Escape');
  const admin = page.getByRole('button', { name: 'Remove User1', exact: true });
  assert.ok(await admin.isDisabled());
  assert.match(await admin.getAttribute('title'), /admin of flow `cloudtrail`/);
  assert.deepEqual(log.errors, []);
  await context.close();
});

test('a link with one character changed is refused, not opened with altered policies', async () => {
  const a = await openApp(browser, site.url);
  await pick(a.page, 'ssm-securestring-cmk');
  const good = await offeredLink(a.page);
  assert.match(good, /#s=2\.[A-Za-z0-9_-]+$/);
  await a.context.close();
  const payload = good.split('#s=2.')[1];
  // Every position tried is refused (a sample across the link).
  for (const at of [5, Math.floor(payload.length / 3), Math.floor(payload.length / 2), payload.length - 8]) {
    const c = payload[at];
    const other = c === 'Q' ? 'R' : 'Q';
    const bad = `${site.url}#s=2.${payload.slice(0, at)}${other}${payload.slice(at + 1)}`;
    const { context, page, log } = await openApp(browser, bad);
    const notice = page.getByTestId('notice');
    await notice.waitFor();
    // A change near the end breaks the compressed stream itself ("ends early").
    assert.match(await notice.textContent(), /could not be opened.*(damaged|truncated)/s, `position ${at}`);
    assert.equal(await page.locator('[data-testid="pick-alb-logs-cmk"][aria-pressed="true"]').count(), 1, 'the default scenario is shown');
    assert.equal(await step(page, 'ssm', 'put-parameter').count(), 0);
    if (at === 5) await screenshot(page, 'share-corrupted');
    assert.deepEqual(log.errors, []);
    await context.close();
  }
});

test('a link wrapped over lines by a mail client opens', async () => {
  const a = await openApp(browser, site.url);
  await pick(a.page, 'alb-logs-cmk');
  const good = await offeredLink(a.page);
  await a.context.close();
  const [base, fragment] = good.split('#');
  // As pasted into the address bar: the line breaks come back percent-encoded.
  const wrapped = `${base}#${fragment.match(/.{1,60}/g).join('%0A%20%20')}`;
  const { context, page } = await openApp(browser, wrapped);
  await step(page, 'alb', 'enable-access-logs').waitFor();
  assert.equal(await page.getByTestId('notice').count(), 0);
  assert.equal(await offeredLink(page), good);
  await context.close();
});

test('an independently written link opens (the format is documented, not private)', async () => {
  const scenario = JSON.stringify({
    name: 'mine', account: '123456789012', region: 'us-east-1',
    buckets: [{ name: 'my-alb-logs-123456789012' }],
  });
  const { context, page } = await openApp(browser, shareLink(site.url, scenario));
  await page.getByTestId('bucket-name-0').waitFor();
  assert.equal(await page.getByTestId('bucket-name-0').inputValue(), 'my-alb-logs-123456789012');
  assert.equal(await page.getByTestId('account').inputValue(), '123456789012');
  await context.close();
});
