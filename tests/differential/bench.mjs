#!/usr/bin/env node
// Side-by-side speed: Keyflow's wasm engine and @cloud-copilot/iam-simulate
// evaluate the same cases in the same Node process. Prints one JSON line per
// measurement, then a summary. Not a test: nothing here fails on a slow machine.
//
//   node bench.mjs CASES.json [--seconds S]
import { readFileSync } from 'node:fs';
import { loadKeyflow, iamSimulateDecide } from './engines.mjs';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
const seconds = Number(args[args.indexOf('--seconds') + 1]) || 2;
if (!file) {
  console.error('usage: node bench.mjs CASES.json [--seconds S]');
  process.exit(2);
}
const text = readFileSync(file, 'utf8');
const cases = JSON.parse(text);
const keyflow = loadKeyflow();

// Runs `round` (which evaluates `perRound` cases) until `seconds` have passed.
async function measure(name, perRound, round) {
  await round(); // warm-up: JIT, lazy data loading
  let evals = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < seconds * 1e9) {
    await round();
    evals += perRound;
    elapsed = Number(process.hrtime.bigint() - start);
  }
  const result = { engine: name, evaluations: evals, seconds: elapsed / 1e9, evals_per_sec: Math.round(evals / (elapsed / 1e9)) };
  console.log(JSON.stringify(result));
  return result;
}

function subset(filter) {
  const picked = cases.filter(filter);
  return { picked, set: new keyflow.CaseSet(JSON.stringify(picked)) };
}

const groups = {
  all: subset(() => true),
  'kms-s3': subset((c) => /^(kms|s3):/i.test(c.request.action)),
};

const results = {};
for (const [group, { picked, set }] of Object.entries(groups)) {
  if (set.error()) throw new Error(`Keyflow could not read the cases: ${set.error()}`);
  const n = set.len();
  // Policies parsed once, outside the loop: one boundary crossing per evaluation.
  const parsedOnce = await measure(`keyflow (${group}, parsed once)`, n, () => {
    for (let i = 0; i < n; i++) set.evaluate(i);
  });
  // Parse included: every round re-reads the case file, policies and all.
  const json = JSON.stringify(picked);
  const withParse = await measure(`keyflow (${group}, parse included)`, n, () => {
    keyflow.decideCasesJson(json);
  });
  const iam = await measure(`iam-simulate (${group})`, n, async () => {
    for (const c of picked) await iamSimulateDecide(c);
  });
  results[group] = {
    cases: n,
    keyflow_parsed_once: parsedOnce.evals_per_sec,
    keyflow_parse_included: withParse.evals_per_sec,
    iam_simulate: iam.evals_per_sec,
    ratio_parsed_once: Number((parsedOnce.evals_per_sec / iam.evals_per_sec).toFixed(1)),
    ratio_parse_included: Number((withParse.evals_per_sec / iam.evals_per_sec).toFixed(1)),
  };
}
console.log(JSON.stringify({ summary: results }));
