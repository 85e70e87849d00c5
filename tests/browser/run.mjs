// Every browser test file in one process, two tests at a time, sharing one
// Chromium (harness.mjs `start`): what `cargo xtask test` runs. On a 2-core
// machine this takes ~60 s where a process and a browser per file took ~75 s
// (each process loads playwright-core, about a second of CPU, and launches
// its own Chromium). `node --test tests/browser/FILE.test.mjs` still runs one
// file alone, and `node tests/browser/run.mjs FILE…` several.
import { describe } from 'node:test';
import { readdirSync } from 'node:fs';

const here = new URL('.', import.meta.url);
const asked = process.argv.slice(2).map((a) => a.split('/').pop());
// The files holding the longest tests (the latency runs, the 270 KB share
// link, the many-link checks) start first: a run that ends on one long test
// leaves the other slot, and a core, idle until it is done.
const LONGEST_FIRST = ['perf.test.mjs', 'share-checks.test.mjs', 'share.test.mjs', 'editing.test.mjs'];
const rank = (f) => (LONGEST_FIRST.includes(f) ? LONGEST_FIRST.indexOf(f) : LONGEST_FIRST.length);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.test.mjs') && (asked.length === 0 || asked.includes(f)))
  .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
if (files.length === 0) throw new Error(`no browser test file matches ${asked.join(' ')}`);

// Tests registered while a suite's function runs belong to that suite, so
// importing the files here puts all their tests (and hooks) under one
// concurrency limit. More than two only adds contention on two cores.
describe('browser', { concurrency: Number(process.env.KEYFLOW_BROWSER_CONCURRENCY ?? 2) }, async () => {
  for (const file of files) await import(new URL(file, here));
});
