// Shared set-up for the browser tests: serve dist/ under a sub-path on
// 127.0.0.1 (as a static host would) and drive Debian's Chromium headless.
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const here = new URL('.', import.meta.url).pathname;
export const DIST = resolve(process.env.KEYFLOW_DIST ?? join(here, '../../dist'));
export const SCREENSHOTS = resolve(process.env.KEYFLOW_SCREENSHOTS ?? join(here, '../../target/screenshots'));
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
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
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
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

// Requests that left the page's own origin (data: and blob: URLs stay in the page).
export function foreignRequests(log, origin) {
  return log.requests.filter((u) => !u.startsWith(origin + '/') && !u.startsWith('data:') && !u.startsWith('blob:'));
}
