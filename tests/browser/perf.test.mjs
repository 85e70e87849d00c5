// Keystroke → update timing: ≥ 200 edits per built-in, each followed until
// the page has re-run every flow and re-rendered. Prints p50/p95 of the
// whole update and of the engine run alone (measured in the page with
// performance.now()).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop, openApp, pick, policyId, openPolicy, percentile } from './harness.mjs';

let site, browser;
before(async () => ({ site, browser } = await start()));
after(() => stop(site, browser));

// cargo xtask bench sets the count; the test suite measures the same 200 the issue asks for.
const EDITS = Number(process.env.KEYFLOW_LATENCY_EDITS ?? 200);
const NAMES = [
  'alb-logs-cmk', 'alb-logs-cmk-documented', 'cloudtrail-sse-kms', 'cloudtrail-sse-kms-restricted',
  'ssm-securestring-cmk', 's3-encrypt-in-use-bucket',
];

test(`keystroke → update over ${EDITS} edits per built-in`, async () => {
  const { context, page } = await openApp(browser, site.url);
  const rows = [];
  for (const name of NAMES) {
    await pick(page, name);
    const id = await policyId(page, 'key:');
    await openPolicy(page, id);
    const r = await page.evaluate(async ({ id, n }) => {
      const ta = document.querySelector(`[data-testid="textarea-${id}"]`);
      const app = document.querySelector('[data-testid="app"]');
      // A message-channel task: runs after the page's microtasks (where Yew
      // renders) without setTimeout's 4 ms clamp.
      const channel = new MessageChannel();
      const tick = () => new Promise((ok) => { channel.port1.onmessage = () => ok(); channel.port2.postMessage(0); });
      const total = [], engine = [], lint = [];
      const original = ta.value;
      // Type a Sid-like word into the policy's Id one character at a time,
      // then delete it again: the JSON stays valid, the text keeps changing.
      const at = original.indexOf('"Version"');
      for (let i = 0; i < n; i++) {
        const k = i % 20;
        const word = 'abcdefghij'.slice(0, k < 10 ? k + 1 : 19 - k);
        ta.value = original.slice(0, at) + `"Id": "${word}",\n    ` + original.slice(at);
        const before = app.dataset.revision;
        const t0 = performance.now();
        ta.dispatchEvent(new InputEvent('input', { bubbles: true }));
        while (app.dataset.revision === before) await tick();
        total.push(performance.now() - t0);
        engine.push(Number(app.dataset.engineUs) / 1000);
        lint.push(Number(app.dataset.lintUs) / 1000);
      }
      ta.value = original;
      ta.dispatchEvent(new InputEvent('input', { bubbles: true }));
      return { total, engine, lint };
    }, { id, n: EDITS });
    const stat = (xs) => {
      const s = [...xs].sort((a, b) => a - b);
      return [percentile(s, 50), percentile(s, 95)];
    };
    const [t50, t95] = stat(r.total);
    const [e50, e95] = stat(r.engine);
    const [l50, l95] = stat(r.lint);
    assert.equal(r.total.length, EDITS);
    rows.push({ name, t50, t95, e50, e95, l50, l95 });
  }
  const f = (x) => x.toFixed(2).padStart(6);
  console.log(`\n${'built-in'.padEnd(30)} update p50/p95 ms   engine run p50/p95 ms   lint p50/p95 ms`);
  for (const r of rows) {
    console.log(`${r.name.padEnd(30)} ${f(r.t50)} / ${f(r.t95)}     ${f(r.e50)} / ${f(r.e95)}        ${f(r.l50)} / ${f(r.l95)}`);
  }
  // Figures, not a timed test: speed targets live in BENCHMARKS.md (cargo xtask bench).
  for (const r of rows) {
    console.log(`KEYFLOW_LATENCY ${JSON.stringify({ scenario: r.name, edits: EDITS, update_p50_ms: r.t50, update_p95_ms: r.t95, engine_p50_ms: r.e50, engine_p95_ms: r.e95, lint_p50_ms: r.l50, lint_p95_ms: r.l95 })}`);
    assert.ok(Number.isFinite(r.e95) && r.t50 >= r.e50, `${r.name}: the page reported its engine time`);
  }
  await context.close();
});

// A 300 KB key policy (the CloudTrail key policy with hundreds of reader
// statements added): the first update after pasting it, then keystrokes typed
// into it (real key events, from keydown to the page's re-run and re-render).
// Lints run in the helper worker, off the main thread; the editor renders
// only the lines in view.
const BIG_EDITS = Number(process.env.KEYFLOW_BIG_EDITS ?? 60);

test(`a 300 KB key policy: paste, then ${BIG_EDITS} keystrokes`, async () => {
  const { context, page } = await openApp(browser, site.url);
  await pick(page, 'cloudtrail-sse-kms');
  const id = await policyId(page, 'key:');
  await openPolicy(page, id);
  const pasted = await page.evaluate(async ({ id }) => {
    const ta = document.querySelector(`[data-testid="textarea-${id}"]`);
    const app = document.querySelector('[data-testid="app"]');
    const channel = new MessageChannel();
    const tick = () => new Promise((ok) => { channel.port1.onmessage = () => ok(); channel.port2.postMessage(0); });
    const original = ta.value;
    const statement = (i) => `,
        {
            "Sid": "Reader${i}",
            "Effect": "Allow",
            "Principal": {
                "AWS": "arn:aws:iam::123456789012:user/reader${i}"
            },
            "Action": [
                "kms:Decrypt",
                "kms:DescribeKey"
            ],
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "kms:CallerAccount": "123456789012"
                }
            }
        }`;
    const end = original.lastIndexOf('}', original.lastIndexOf(']'));
    let extra = '';
    for (let i = 0; original.length + extra.length < 300 * 1024; i++) extra += statement(i);
    const big = original.slice(0, end + 1) + extra + original.slice(end + 1);
    const before = app.dataset.revision;
    const t0 = performance.now();
    ta.value = big;
    ta.dispatchEvent(new InputEvent('input', { bubbles: true }));
    while (app.dataset.revision === before) await tick();
    const paste = performance.now() - t0;
    // From each keydown to the re-render that follows it.
    window.keyflowLatency = { total: [], engine: [] };
    let down = 0;
    document.addEventListener('keydown', () => { down = performance.now(); }, true);
    new MutationObserver(() => {
      window.keyflowLatency.total.push(performance.now() - down);
      window.keyflowLatency.engine.push(Number(app.dataset.engineUs) / 1000);
    }).observe(app, { attributes: true, attributeFilter: ['data-revision'] });
    ta.focus();
    const at = big.indexOf('"Version"');
    ta.setSelectionRange(at, at);
    return { bytes: big.length, paste };
  }, { id });
  // Type a word into the policy, one key at a time, as a user would.
  for (let i = 0; i < BIG_EDITS; i++) {
    await page.keyboard.press(i % 10 === 9 ? 'Backspace' : 'x');
    await page.waitForFunction((n) => window.keyflowLatency.total.length >= n, i + 1);
  }
  const r = await page.evaluate(({ id }) => ({
    ...window.keyflowLatency,
    lines: document.querySelectorAll(`[data-testid="editor-${id}"] .gutter .ln`).length,
    steps: document.querySelectorAll('[data-testid^="step-cloudtrail-"][data-outcome]').length,
  }), { id });
  const sorted = (xs) => [...xs].sort((a, b) => a - b);
  const [t50, t95] = [percentile(sorted(r.total), 50), percentile(sorted(r.total), 95)];
  const [e50, e95] = [percentile(sorted(r.engine), 50), percentile(sorted(r.engine), 95)];
  console.log(`\n300 KB key policy (${pasted.bytes} bytes): first update after paste ${pasted.paste.toFixed(1)} ms; keystroke → update p50 ${t50.toFixed(1)} / p95 ${t95.toFixed(1)} ms (engine ${e50.toFixed(1)} / ${e95.toFixed(1)} ms); ${r.lines} gutter lines rendered`);
  console.log(`KEYFLOW_LATENCY ${JSON.stringify({ scenario: 'cloudtrail-sse-kms + 300 KB key policy', edits: BIG_EDITS, bytes: pasted.bytes, paste_ms: pasted.paste, update_p50_ms: t50, update_p95_ms: t95, engine_p50_ms: e50, engine_p95_ms: e95 })}`);
  assert.ok(pasted.bytes >= 300 * 1024);
  assert.equal(r.total.length, BIG_EDITS);
  // Only the lines in view (and a margin) are rendered, not ten thousand.
  assert.ok(r.lines < 400, `${r.lines} lines rendered`);
  assert.ok(r.steps > 0, 'the timeline is on show');
  await context.close();
});
