// Shared set-up for the browser tests: serve dist/ under a sub-path on
// 127.0.0.1 (as a static host would) and drive Debian's Chromium headless.
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const here = new URL('.', import.meta.url).pathname;
export const DIST = resolve(process.env.KEYFLOW_DIST ?? join(here, '../../dist'));
// Screenshots are for people reviewing the page, not checks: written only when asked for.
export const SCREENSHOTS = process.env.KEYFLOW_SCREENSHOTS ? resolve(process.env.KEYFLOW_SCREENSHOTS) : null;
// A sub-path proves the release build uses relative URLs.
export const BASE_PATH = '/keyflow/';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

export async function serveDist() {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    if (!url.pathname.startsWith(BASE_PATH)) {
      res.writeHead(404).end('outside the base path');
      return;
    }
    let rel = url.pathname.slice(BASE_PATH.length) || 'index.html';
    const file = normalize(join(DIST, rel));
    if (!file.startsWith(DIST)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return { server, origin: `http://127.0.0.1:${port}`, url: `http://127.0.0.1:${port}${BASE_PATH}` };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium-headless-shell',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      // `cargo xtask test` asks for V8's baseline wasm compiler only (Liftoff,
      // the tier every page starts in): these pages live a few seconds, and
      // optimizing recompiles in the background took about a sixth of the
      // suite's CPU (117 → 97 CPU-seconds without them).
      ...(process.env.KEYFLOW_WASM_TIER === 'baseline' ? ['--js-flags=--liftoff-only'] : []),
    ],
  });
}

// A page that records console errors, page errors, dialogs and every request.
export async function openPage(browser, url, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, ...options });
  const page = await context.newPage();
  const log = { errors: [], requests: [], dialogs: [] };
  page.on('console', (msg) => { if (msg.type() === 'error') log.errors.push(msg.text()); });
  page.on('pageerror', (err) => log.errors.push(String(err)));
  page.on('request', (req) => log.requests.push(req.url()));
  page.on('dialog', async (dialog) => { log.dialogs.push(dialog.message()); await dialog.dismiss(); });
  await page.goto(url);
  return { context, page, log };
}

export async function screenshot(page, name) {
  if (!SCREENSHOTS) return;
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

// Requests that left the page's own origin (data: and blob: URLs stay in the page).
export function foreignRequests(log, origin) {
  return log.requests.filter((u) => !u.startsWith(origin + '/') && !u.startsWith('data:') && !u.startsWith('blob:'));
}

// ---- Playground helpers (stable data-testid hooks) ----

// Opens the page and waits until the first run is on screen.
export async function openApp(browser, url, options = {}) {
  const opened = await openPage(browser, url, options);
  await opened.page.getByTestId('timeline').waitFor({ timeout: 20000 });
  return opened;
}

export async function pick(page, name) {
  await page.getByTestId(`pick-${name}`).click();
  await page.locator(`[data-testid="pick-${name}"][aria-pressed="true"]`).waitFor();
  await page.getByTestId('timeline').waitFor();
}

export function step(page, flow, id) {
  return page.getByTestId(`step-${flow}-${id}`);
}

// The id of the first policy tab whose id starts with `prefix` (e.g. "key:").
export async function policyId(page, prefix) {
  const tab = page.locator(`[data-testid^="policy-tab-${prefix}"]`).first();
  return (await tab.getAttribute('data-testid')).slice('policy-tab-'.length);
}

export async function openPolicy(page, id) {
  await page.getByTestId(`policy-tab-${id}`).click();
  await page.getByTestId(`textarea-${id}`).waitFor();
}

// Puts `text` into a text field the way pasting over a selection does: focus,
// then one input event. (Playwright's `fill` enters a multi-line text line by
// line, one input event per line and per line break: a 96-line policy gave
// 191 events, each a run and a render of the page, none of which a test reads.)
export async function paste(field, text) {
  await field.evaluate((el, text) => {
    el.focus();
    el.value = text;
    el.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }));
  }, text);
}

// Replaces a policy's text the way a paste does (one input event), then
// waits for the page to re-run.
export async function setPolicy(page, id, text) {
  await openPolicy(page, id);
  const before = await page.getByTestId('app').getAttribute('data-revision');
  await paste(page.getByTestId(`textarea-${id}`), text);
  await page.waitForFunction((b) => document.querySelector('[data-testid="app"]').dataset.revision !== b, before);
}

export async function policyText(page, id) {
  await openPolicy(page, id);
  return page.getByTestId(`textarea-${id}`).inputValue();
}

// Reads the share link the page offers.
export async function shareLink(page) {
  await page.getByTestId('share').click();
  const input = page.getByTestId('share-url');
  await input.waitFor();
  return input.inputValue();
}

export function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// One static site and one browser per process, shared by every test file
// the process runs (each test opens its own context); closed when the last
// file that started them stops.
let shared = null;
let users = 0;

export async function start() {
  users += 1;
  shared ??= (async () => ({ site: await serveDist(), browser: await launch() }))();
  return shared;
}

export async function stop() {
  users -= 1;
  if (users > 0 || !shared) return;
  const { site, browser } = await shared;
  shared = null;
  await browser.close();
  site.server.close();
}
