// Seeded generator of request/decision cases (the shared case format, without
// "expected") that exercise the evaluator's rules: principals of both accounts
// and services, wildcards, Not* elements, every condition family, boundaries
// and SCP levels. Deterministic for a given seed.

export function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const A = '111122223333';
const B = '444455556666';
const REGION = 'ap-northeast-1';
const KEY = (acct) => `arn:aws:kms:${REGION}:${acct}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const PARAM = `arn:aws:ssm:${REGION}:${A}:parameter/prd/db-pass`;

const PRINCIPALS = [
  { arn: `arn:aws:iam::${A}:user/Alice`, account: A },
  { arn: `arn:aws:iam::${A}:role/App`, account: A },
  { arn: `arn:aws:sts::${A}:assumed-role/App/i-0abc`, account: A },
  { arn: `arn:aws:iam::${B}:user/Bob`, account: B },
  { arn: `arn:aws:iam::${B}:role/Reader`, account: B },
];

const REQUESTS = [
  { action: 's3:GetObject', resource: 'arn:aws:s3:::logs-bucket/AWSLogs/111122223333/x.json.gz', resource_account: A },
  { action: 's3:PutObject', resource: 'arn:aws:s3:::logs-bucket/app/report.csv', resource_account: A },
  { action: 's3:ListBucket', resource: 'arn:aws:s3:::logs-bucket', resource_account: A },
  { action: 'kms:Decrypt', resource: KEY(A) },
  { action: 'kms:GenerateDataKey', resource: KEY(A) },
  { action: 'ssm:GetParameters', resource: PARAM },
  { action: 'ssm:PutParameter', resource: PARAM },
];

const pick = (r, xs) => xs[Math.floor(r() * xs.length)];
const chance = (r, p) => r() < p;
const oneOrMany = (r, xs) => (xs.length === 1 && chance(r, 0.5) ? xs[0] : xs);

function actionPattern(r, action) {
  const [svc, name] = action.split(':');
  return pick(r, [
    action, action.toLowerCase(), `${svc}:*`, `${svc}:${name.slice(0, 3)}*`, `${svc}:${name.slice(0, -1)}?`,
    '*', 's3:GetObject', 'kms:Decrypt', 'ssm:GetParameter*', 'kms:Encrypt',
  ]);
}

function resourcePattern(r, resource) {
  const cut = resource.lastIndexOf('/');
  return pick(r, [
    resource, '*', cut > 0 ? resource.slice(0, cut) + '/*' : resource + '*',
    resource.replace(/[0-9]/, '?'), 'arn:aws:s3:::logs-bucket/*', `arn:aws:kms:*:${A}:key/*`,
    'arn:aws:s3:::other-bucket/*', resource.toUpperCase(),
  ]);
}

// Context keys the generator can set, with values; conditions refer to them.
// Service keys appear only on that service's actions, as in a real request
// (global aws: keys may appear on any request).
const CONTEXT = [
  ['aws:SecureTransport', (r) => pick(r, ['true', 'false'])],
  ['aws:SourceIp', () => '203.0.113.7'],
  ['aws:PrincipalTag/team', () => 'payments'],
  ['aws:CurrentTime', () => '2025-06-01T12:00:00Z'],
  ['aws:EpochTime', () => '1748779200'],
  ['aws:SourceAccount', () => A],
  ['aws:TagKeys', () => ['env', 'team'], 'ssm:PutParameter'],
  ['s3:x-amz-acl', () => 'bucket-owner-full-control', 's3:PutObject'],
  ['kms:ViaService', () => `s3.${REGION}.amazonaws.com`, 'kms:'],
];

const appliesTo = (action, scope) => !scope || action === scope || (scope.endsWith(':') && action.startsWith(scope));

function condition(r) {
  const ops = [
    ['StringEquals', 'aws:PrincipalTag/team', pick(r, ['payments', 'Payments', 'billing'])],
    ['StringNotEquals', 'aws:PrincipalTag/team', 'billing'],
    ['StringEqualsIgnoreCase', 'aws:PrincipalTag/team', 'PAYMENTS'],
    ['StringLike', 's3:x-amz-acl', pick(r, ['bucket-owner-*', '*-full-?ontrol', 'private'])],
    ['StringNotLike', 'kms:ViaService', 'ssm.*'],
    ['StringEqualsIfExists', 'kms:ViaService', `s3.${REGION}.amazonaws.com`],
    ['Bool', 'aws:SecureTransport', pick(r, ['true', 'false'])],
    ['BoolIfExists', 'aws:SecureTransport', 'false'],
    ['IpAddress', 'aws:SourceIp', pick(r, ['203.0.113.0/24', '198.51.100.0/24', '203.0.113.7'])],
    ['NotIpAddress', 'aws:SourceIp', '10.0.0.0/8'],
    ['NumericLessThan', 'aws:EpochTime', pick(r, ['1800000000', '1700000000'])],
    ['DateGreaterThan', 'aws:CurrentTime', pick(r, ['2024-01-01T00:00:00Z', '2026-01-01T00:00:00Z'])],
    ['DateLessThanEquals', 'aws:CurrentTime', '2025-06-01T12:00:00Z'],
    ['Null', pick(r, ['aws:SourceIp', 'aws:PrincipalTag/team']), pick(r, ['true', 'false'])],
    ['ForAnyValue:StringEquals', 'aws:TagKeys', pick(r, [['env'], ['owner']])],
    ['ForAllValues:StringEquals', 'aws:TagKeys', pick(r, [['env', 'team'], ['env']])],
    ['ArnLike', 'aws:SourceArn', 'arn:aws:cloudtrail:*:111122223333:trail/*'],
    ['StringEquals', 'aws:SourceAccount', A],
  ];
  const [op, key, value] = pick(r, ops);
  return { [op]: { [key]: value } };
}

function statement(r, request, resourcePolicy) {
  const s = { Effect: chance(r, 0.3) ? 'Deny' : 'Allow' };
  if (chance(r, 0.4)) s.Sid = `S${Math.floor(r() * 1000)}`;
  if (resourcePolicy) {
    const p = pick(r, [
      '*', { AWS: '*' }, { AWS: `arn:aws:iam::${A}:root` }, { AWS: A }, { AWS: `arn:aws:iam::${B}:root` },
      { AWS: PRINCIPALS[Math.floor(r() * PRINCIPALS.length)].arn }, { AWS: `arn:aws:iam::${A}:role/App` },
      { Service: 'cloudtrail.amazonaws.com' },
    ]);
    s.Principal = p;
  }
  const actions = [actionPattern(r, request.action)];
  if (chance(r, 0.3)) actions.push(actionPattern(r, request.action));
  if (chance(r, 0.15)) s.NotAction = oneOrMany(r, [pick(r, ['s3:DeleteObject', 'kms:ScheduleKeyDeletion', request.action])]);
  else s.Action = oneOrMany(r, actions);
  if (chance(r, 0.1)) s.NotResource = resourcePattern(r, request.resource);
  else s.Resource = oneOrMany(r, [resourcePattern(r, request.resource)]);
  if (chance(r, 0.45)) {
    s.Condition = condition(r);
    if (chance(r, 0.25)) Object.assign(s.Condition, condition(r));
  }
  return s;
}

function policy(r, request, resourcePolicy, min = 1) {
  const n = min + Math.floor(r() * 3);
  const statements = Array.from({ length: n }, () => statement(r, request, resourcePolicy));
  return { Version: '2012-10-17', Statement: statements.length === 1 && chance(r, 0.3) ? statements[0] : statements };
}

export function generateCase(seed) {
  const r = rng(seed);
  const principal = pick(r, PRINCIPALS);
  const base = pick(r, REQUESTS);
  const request = { principal: principal.arn, action: base.action, resource: base.resource, context: {} };
  if (base.resource_account) request.resource_account = base.resource_account;
  for (const [key, value, scope] of CONTEXT) {
    if (appliesTo(base.action, scope) && chance(r, 0.5)) request.context[key] = value(r);
  }
  if (!('aws:SecureTransport' in request.context)) request.context['aws:SecureTransport'] = 'true';
  const isKms = base.action.startsWith('kms:');
  const c = {
    name: `generated-${seed}`,
    request,
    identity_policies: Array.from({ length: Math.floor(r() * 3) }, () => policy(r, request, false)),
    // KMS keys always have a key policy; buckets sometimes have none.
    resource_policy: isKms || chance(r, 0.6) && !base.action.startsWith('ssm:') ? policy(r, request, true) : null,
    permission_boundary: chance(r, 0.15) ? policy(r, request, false) : null,
    scps: chance(r, 0.15) ? Array.from({ length: 1 + Math.floor(r() * 2) }, () => policy(r, request, false)) : [],
  };
  return c;
}
