// The two engines behind one shape: decide(case) -> 'Allowed' | 'ImplicitlyDenied' |
// 'ExplicitlyDenied' | 'Error'. Cases use the shared request/decision case format.
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { runSimulation } from '@cloud-copilot/iam-simulate';

const here = new URL('.', import.meta.url).pathname;

// Keyflow's wasm engine, built with `wasm-bindgen --target nodejs` (cargo xtask does it).
export function loadKeyflow() {
  const dir = resolve(process.env.KEYFLOW_NODE_PKG ?? join(here, '../../target/keyflow-node'));
  const require = createRequire(import.meta.url);
  return require(join(dir, 'keyflow_wasm.js'));
}

function accountOf(arn) {
  const parts = String(arn).split(':');
  return parts.length >= 6 && parts[0] === 'arn' && /^\d{12}$/.test(parts[4]) ? parts[4] : '';
}

// Same reading of the case format as Keyflow's: the resource account is given,
// else taken from the ARN, else (resource "*") the caller's account.
// AWS managed policies (`arn:aws:iam::aws:policy/…`) belong to no account: Keyflow
// decides them with the caller's own policies, iam-simulate's suite gives the
// caller's account.
function resourceAccount(request) {
  return request.resource_account || accountOf(request.resource) ||
    (request.resource === '*' || request.resource.startsWith('arn:aws:iam::aws:')
      ? accountOf(request.principal) : '');
}

// Keyflow reads `*` and `anonymous` as an unauthenticated caller.
const isAnonymous = (p) => p === '*' || String(p).toLowerCase() === 'anonymous';

// AWS attaches RCPFullAWSAccess to every level itself; iam-simulate does the
// same and refuses that statement in a customer RCP, so it is left out here.
const isRcpFullAccess = (s) => s.Effect === 'Allow' && s.Principal === '*' && s.Action === '*' &&
  s.Resource === '*' && !s.Condition;

function withoutFullAccess(policy) {
  const statements = [].concat(policy.Statement ?? []).filter((s) => !isRcpFullAccess(s));
  return { ...policy, Statement: statements };
}

// One organization level per entry, root first; an entry is one document or an
// array of the documents attached at that level.
function orgLevels(levels, kind) {
  return (levels ?? []).map((level, i) => ({
    orgIdentifier: `${kind}-level-${i}`,
    policies: [].concat(level).map((policy, j) => ({
      name: `${kind}-${i}-${j}`,
      policy: kind === 'rcp' ? withoutFullAccess(policy) : policy,
    })),
  }));
}

export function toIamSimulation(c) {
  const r = c.request;
  const context = {};
  for (const [k, v] of Object.entries(r.context ?? {})) context[k] = Array.isArray(v) ? v.map(String) : String(v);
  const sim = {
    request: {
      principal: isAnonymous(r.principal) ? { type: 'Anonymous' } : r.principal,
      action: r.action,
      resource: { resource: r.resource, accountId: resourceAccount(r) },
      contextVariables: context,
    },
    identityPolicies: (c.identity_policies ?? []).map((policy, i) => ({ name: `identity-${i}`, policy })),
    serviceControlPolicies: orgLevels(c.scps, 'scp'),
    resourceControlPolicies: orgLevels(c.rcps, 'rcp'),
  };
  if (c.resource_policy) sim.resourcePolicy = c.resource_policy;
  if (c.session_policy) sim.sessionPolicy = c.session_policy;
  if (c.vpc_endpoint_policy) {
    sim.vpcEndpointPolicies = [{ name: 'vpc-endpoint', policy: c.vpc_endpoint_policy }];
  }
  if (c.permission_boundary) {
    sim.permissionBoundaryPolicies = [{ name: 'boundary', policy: c.permission_boundary }];
  }
  return sim;
}

export async function iamSimulateDecide(c) {
  try {
    const res = await runSimulation(toIamSimulation(c), { simulationMode: 'Strict' });
    return res.resultType === 'error' ? 'Error' : res.overallResult;
  } catch {
    return 'Error';
  }
}
