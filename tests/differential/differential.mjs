#!/usr/bin/env node
// Differential check: the same cases through Keyflow's wasm engine and through
// an independent simulator (@cloud-copilot/iam-simulate). Every disagreement is
// either one of that simulator's documented deviations from AWS (KNOWN below),
// or listed with a verdict in findings.json, or it fails the run.
//
//   node differential.mjs [--generated N] [--seed S] [CASES.json ...]
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadKeyflow, iamSimulateDecide } from './engines.mjs';
import { generateCase } from './generate.mjs';

const here = new URL('.', import.meta.url).pathname;

// The simulator's deviations from AWS, as documented with the shared oracle.
// Each test says whether a case touches the feature the deviation is about.
const statements = (p) => (p ? [].concat(p.Statement ?? []) : []);
const allPolicies = (c) => [...(c.identity_policies ?? []), c.resource_policy, c.permission_boundary, ...(c.scps ?? []).flat()].filter(Boolean);
const isService = (p) => !p.startsWith('arn:');
const isKmsKey = (c) => c.request.resource.startsWith('arn:aws:kms:');

export const KNOWN = [
  {
    id: 'encryption-context-keys',
    about: 'kms:EncryptionContext:<key> condition keys are dropped from the request context',
    applies: (c) => JSON.stringify(allPolicies(c)).toLowerCase().includes('kms:encryptioncontext:'),
  },
  {
    id: 'deny-notprincipal',
    about: 'Deny with NotPrincipal spares every principal of a listed account',
    applies: (c) => allPolicies(c).some((p) => statements(p).some((s) => s.Effect === 'Deny' && s.NotPrincipal)),
  },
  {
    id: 'scp-service-principal',
    about: 'SCPs are applied to AWS service principals',
    applies: (c) => isService(c.request.principal) && (c.scps ?? []).length > 0,
  },
  {
    id: 'root-and-key-policies',
    about: 'the account root user gets no implicit identity-side allow (S3, cross-account, KMS key policies delegating to the account)',
    applies: (c) => c.request.principal.endsWith(':root') ||
      (isKmsKey(c) && statements(c.resource_policy).some((s) => JSON.stringify(s.Principal ?? '').includes(':root'))),
  },
];

function parseArgs(argv) {
  const opts = { generated: 2000, seed: 1, files: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--generated') opts.generated = Number(argv[++i]);
    else if (argv[i] === '--seed') opts.seed = Number(argv[++i]);
    else opts.files.push(argv[i]);
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const keyflow = loadKeyflow();
const findings = JSON.parse(readFileSync(join(here, 'findings.json'), 'utf8'));
const verdicts = new Map(findings.map((f) => [f.case, f]));

const cases = [];
for (const file of opts.files) {
  for (const c of JSON.parse(readFileSync(file, 'utf8'))) cases.push({ ...c, source: file });
}
for (let i = 0; i < opts.generated; i++) cases.push({ ...generateCase(opts.seed + i), source: 'generated' });

const tally = { cases: 0, agree: 0, known: {}, documented: 0, unexplained: 0, keyflowErrors: 0 };
const report = [];
for (const c of cases) {
  tally.cases++;
  // Generated cases carry no answer; Keyflow's reader wants the field, and ignores it when deciding.
  const answer = JSON.parse(keyflow.decideCaseJson(JSON.stringify({ expected: 'ImplicitlyDenied', ...c })));
  const ours = answer.type === 'success' ? answer.decision : `Error: ${answer.error}`;
  const theirs = await iamSimulateDecide(c);
  if (answer.type !== 'success') tally.keyflowErrors++;
  if (ours === theirs) {
    tally.agree++;
    continue;
  }
  const known = KNOWN.find((k) => k.applies(c));
  const verdict = verdicts.get(c.name);
  const row = { name: c.name, source: c.source, keyflow: ours, iamSimulate: theirs, expected: c.expected };
  if (verdict) {
    tally.documented++;
    row.verdict = verdict.verdict;
  } else if (known) {
    tally.known[known.id] = (tally.known[known.id] ?? 0) + 1;
    row.known = known.id;
  } else {
    tally.unexplained++;
    row.case = c;
  }
  report.push(row);
}

const out = process.env.KEYFLOW_DIFF_REPORT ?? join(here, '../../target/differential/report.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ tally, disagreements: report }, null, 1));
for (const row of report.filter((r) => !r.known && !r.verdict)) {
  console.log(`UNEXPLAINED ${row.name}: keyflow=${row.keyflow} iam-simulate=${row.iamSimulate}`);
}
console.log(JSON.stringify(tally));
console.log(`differential: ${tally.cases} cases, ${tally.agree} agree, ` +
  `${Object.values(tally.known).reduce((a, b) => a + b, 0)} known simulator deviations, ` +
  `${tally.documented} documented findings, ${tally.unexplained} unexplained (report: ${out})`);
process.exitCode = tally.unexplained > 0 || tally.keyflowErrors > 0 ? 1 : 0;
