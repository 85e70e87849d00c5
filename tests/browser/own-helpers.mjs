// Helpers for the "your own account" browser tests (issue 14): committing a
// name field, going through the rename dialog, waiting for outcomes, and
// writing share links the way the page does (format 2: CRC-32 + raw DEFLATE).
import { deflateRawSync } from 'node:zlib';

export async function revision(page) {
  return page.getByTestId('app').getAttribute('data-revision');
}

export async function nextRevision(page, before) {
  await page.waitForFunction((b) => document.querySelector('[data-testid="app"]').dataset.revision !== b, before);
}

// Types a value into a name field and commits it (Enter), as a user does.
export async function commitField(page, testid, value) {
  const input = page.getByTestId(testid);
  await input.fill(value);
  await input.press('Enter');
}

// Waits for the rename dialog to list its changes; returns their texts.
export async function renamePreview(page) {
  await page.getByTestId('rename-apply').waitFor({ timeout: 20000 });
  return page.getByTestId('rename-change').allTextContents();
}

// Applies the open rename and waits for the page to re-run.
export async function applyRename(page) {
  const before = await revision(page);
  await page.getByTestId('rename-apply').click();
  await page.getByTestId('rename-dialog').waitFor({ state: 'detached' });
  await nextRevision(page, before);
}

// Proposes a rename through a field, checks the dialog lists changes, applies it.
export async function rename(page, testid, value) {
  await commitField(page, testid, value);
  const changes = await renamePreview(page);
  await applyRename(page);
  return changes;
}

export async function waitOutcome(page, flow, step, outcome) {
  await page.waitForFunction(
    ([id, o]) => document.querySelector(`[data-testid="${id}"]`)?.dataset.outcome === o,
    [`step-${flow}-${step}`, outcome],
  );
}

export async function outcome(page, flow, step) {
  return page.getByTestId(`step-${flow}-${step}`).getAttribute('data-outcome');
}

export async function noHorizontalScroll(page) {
  return page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
}

function crc32(bytes) {
  let crc = ~0;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

// A share link for scenario JSON, written independently of the page's code.
export function shareLink(base, json) {
  const data = Buffer.from(json, 'utf8');
  const head = Buffer.alloc(4);
  head.writeUInt32BE(crc32(data));
  const payload = Buffer.concat([head, deflateRawSync(data, { level: 9 })]).toString('base64url');
  return `${base}#s=2.${payload}`;
}
