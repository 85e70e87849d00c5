//! Who can: for a key or a bucket, every principal of the scenario plus "any
//! principal of account X", the AWS services its policy names, "any AWS
//! service" and "anyone", each with the decision and the conditions under which
//! an allow holds ("only through s3.REGION.amazonaws.com", "only for this
//! trail's encryption context").
//!
//! A cell is evaluated with the same request a flow would send, minus what
//! only the calling service adds: conditions on keys that describe the request
//! (`kms:ViaService`, the encryption context, `aws:SourceArn`, ACL headers, …)
//! are taken as satisfiable and listed, while conditions on who the principal
//! is (`aws:PrincipalArn`, `kms:CallerAccount`, …) are evaluated as usual. A
//! Deny that applies only under request conditions is listed as "denied when".

use keyflow_policy::{Condition, Context, Effect, Policies, PolicyRef, PrincipalType};
use serde::Serialize;

use crate::flows::calls::{kms_call, s3_call};
use crate::ids::PolicyId;
use crate::names::names;
use crate::report::{Check, PolicySet, Verdict};
use crate::scenario::Scenario;
use crate::world::{Actor, ActorKind, KeyInfo, World};

/// The KMS operations the access view shows for a key.
pub const KEY_OPERATIONS: [&str; 7] = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:GenerateDataKey",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:CreateGrant",
    "kms:PutKeyPolicy",
];

/// The S3 operations the access view shows for a bucket.
pub const BUCKET_OPERATIONS: [&str; 4] = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:PutBucketPolicy",
];

/// The service principal "any AWS service" is evaluated as: a name no policy
/// can list, so only statements that admit every service match it (Keyflow's
/// stand-in, not an AWS principal).
pub const ANY_SERVICE: &str = "*.amazonaws.com";

names! {
    /// What a row of the access view stands for.
    pub enum SubjectKind {
        /// A principal of the scenario.
        Principal = "principal",
        /// Any principal of one account whose IAM policies allow (evaluated as the account root).
        Account = "account",
        /// An AWS service principal the resource's policy names.
        Service = "service",
        /// A service principal no policy names.
        AnyService = "any-service",
        /// An anonymous caller.
        Anyone = "anyone",
    }
}

names! {
    /// How a listed condition bears on the cell.
    pub enum ConditionRole {
        /// The allow holds only when this condition holds.
        AllowsWhen = "allows-when",
        /// A Deny applies when this condition holds.
        DeniesWhen = "denies-when",
    }
}

/// A condition under which a cell's answer holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessCondition {
    pub role: ConditionRole,
    pub operator: String,
    /// The condition key, or `Resource` for an object-prefix limit.
    pub key: String,
    pub values: Vec<String>,
    /// In words: "only through s3.ap-northeast-1.amazonaws.com (StringEquals kms:ViaService …)".
    pub text: String,
    /// Allow conditions come in alternatives: the cell is allowed when every
    /// condition of one alternative holds. `None` for a condition that applies
    /// whatever the alternative (an object prefix, a Deny, a grant constraint).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alternative: Option<usize>,
    /// Where the condition is written; `None` for a KMS grant's constraint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<usize>,
}

/// One cell: can this subject perform this action on this resource?
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccessCell {
    pub principal: String,
    pub arn: String,
    pub decision: Verdict,
    pub why: String,
    pub conditions: Vec<AccessCondition>,
    pub subject: SubjectKind,
    pub action: String,
    /// The key (alias and ID) or bucket name.
    pub resource: String,
    /// The ARN the request named (a key ARN, a bucket ARN or an object ARN or pattern).
    pub resource_arn: String,
}

impl AccessCell {
    /// The conditions as they read in words, each with the word that joins it
    /// to the ones before: "if" opens an alternative, "and" continues it,
    /// "or if" starts another, "but" names a Deny's condition.
    pub fn condition_lines(&self) -> Vec<(&'static str, &str)> {
        let mut last: Option<usize> = None;
        self.conditions
            .iter()
            .map(|k| {
                let mark = match (k.role, k.alternative) {
                    (ConditionRole::DeniesWhen, _) => "but",
                    (ConditionRole::AllowsWhen, None) => "if",
                    (ConditionRole::AllowsWhen, Some(a)) if last == Some(a) => "and",
                    (ConditionRole::AllowsWhen, Some(0)) => "if",
                    (ConditionRole::AllowsWhen, Some(_)) => "or if",
                };
                last = k.alternative;
                (mark, k.text.as_str())
            })
            .collect()
    }
}

/// Why `who_can` cannot answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhoCanError(pub String);

impl std::fmt::Display for WhoCanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WhoCanError {}

/// The access view of every key and bucket of the scenario, for the operations that matter.
pub fn access_view(s: &Scenario) -> Vec<AccessCell> {
    let w = World::new(s);
    let mut out = Vec::new();
    for k in w.keys.iter().filter(|k| k.scenario_index.is_some()) {
        for op in KEY_OPERATIONS {
            out.extend(key_cells(&w, k, op));
        }
    }
    for b in &s.buckets {
        for op in BUCKET_OPERATIONS {
            out.extend(bucket_cells(&w, &b.name, op, None));
        }
    }
    out
}

/// Who can perform `action` on one key or bucket (`resource`: a key ID, alias
/// or ARN; a bucket name or ARN; an object ARN) or, without `resource`, on every
/// key (for `kms:` actions) or bucket (for `s3:` actions) of the scenario.
pub fn who_can(
    s: &Scenario,
    action: &str,
    resource: Option<&str>,
) -> Result<Vec<AccessCell>, WhoCanError> {
    let w = World::new(s);
    let service = action.split_once(':').map(|(p, _)| p.to_ascii_lowercase());
    match service.as_deref() {
        Some("kms") => {
            let keys: Vec<&KeyInfo> = match resource {
                Some(r) => vec![
                    w.key(r)
                        .or_else(|| w.keys.iter().find(|k| k.arn == r || k.id == r))
                        .ok_or_else(|| {
                            WhoCanError(format!(
                                "no key `{r}` in the scenario (give a key ID, alias or ARN)"
                            ))
                        })?,
                ],
                None => w
                    .keys
                    .iter()
                    .filter(|k| k.scenario_index.is_some())
                    .collect(),
            };
            Ok(keys
                .into_iter()
                .flat_map(|k| key_cells(&w, k, action))
                .collect())
        }
        Some("s3") => {
            let targets: Vec<(String, Option<String>)> = match resource {
                Some(r) => {
                    let rest = r.strip_prefix("arn:aws:s3:::").unwrap_or(r);
                    let (bucket, key) = match rest.split_once('/') {
                        Some((b, k)) => (b, Some(k.to_string())),
                        None => (rest, None),
                    };
                    if !s.buckets.iter().any(|b| b.name == bucket) {
                        return Err(WhoCanError(format!("no bucket `{bucket}` in the scenario")));
                    }
                    vec![(bucket.to_string(), key)]
                }
                None => s.buckets.iter().map(|b| (b.name.clone(), None)).collect(),
            };
            Ok(targets
                .into_iter()
                .flat_map(|(b, k)| bucket_cells(&w, &b, action, k.as_deref()))
                .collect())
        }
        _ => Err(WhoCanError(format!(
            "who-can answers for KMS keys and S3 buckets: the action must start with kms: or s3: (got `{action}`)"
        ))),
    }
}

/// Whether an S3 action works on objects (`arn:aws:s3:::bucket/key`) rather than the bucket.
fn object_action(action: &str) -> bool {
    action.split_once(':').is_some_and(|(_, op)| {
        op.contains("Object")
            || op.starts_with("AbortMultipart")
            || op.starts_with("ListMultipartUploadParts")
    })
}

/// Condition keys whose value follows from who the principal is; the access
/// view evaluates them. Every other key describes the request and is listed.
fn describes_principal(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "aws:principalarn",
        "aws:principalaccount",
        "aws:principaltype",
        "aws:principalisawsservice",
        "aws:principalservicename",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:username",
        "aws:userid",
        "kms:calleraccount",
    ]
    .contains(&k.as_str())
        || k.starts_with("aws:principaltag/")
}

/// A row of the view: who, and the actor a request of theirs comes from.
struct Subject {
    name: String,
    kind: SubjectKind,
    actor: Actor,
}

fn account_actor(account: &str) -> Actor {
    let arn = format!("arn:aws:iam::{account}:root");
    Actor {
        name: format!("any principal of account {account}"),
        principal_arn: arn.clone(),
        arn,
        account: Some(account.to_string()),
        kind: ActorKind::Root,
        identity: Vec::new(),
        boundary: None,
        username: None,
    }
}

fn anyone() -> Actor {
    Actor {
        name: "anyone".into(),
        arn: "*".into(),
        principal_arn: "*".into(),
        account: None,
        kind: ActorKind::Anonymous,
        identity: Vec::new(),
        boundary: None,
        username: None,
    }
}

/// The rows for a resource whose policy is `policy` in `resource_account`.
fn subjects(w: &World<'_>, policy: Option<&PolicyId>, resource_account: &str) -> Vec<Subject> {
    let s = w.s;
    let mut out: Vec<Subject> = s
        .principals
        .iter()
        .filter_map(|p| {
            w.actor(&p.name).map(|actor| Subject {
                name: p.name.clone(),
                kind: SubjectKind::Principal,
                actor,
            })
        })
        .collect();
    let mut accounts: Vec<String> = vec![s.account.clone(), resource_account.to_string()];
    accounts.extend(out.iter().filter_map(|x| x.actor.account.clone()));
    let named = policy
        .and_then(|id| w.policy(id))
        .map(|p| {
            p.parsed
                .policy
                .statements
                .iter()
                .filter_map(|st| st.principal.as_ref())
                .flat_map(|b| b.entries.iter())
                .map(|e| (e.principal_type, e.value.clone()))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    for (ty, value) in &named {
        match ty {
            PrincipalType::Service if !out.iter().any(|x| x.actor.arn == *value) => {
                out.push(Subject {
                    name: format!("AWS service {value}"),
                    kind: SubjectKind::Service,
                    actor: w.service(value),
                });
            }
            PrincipalType::Aws => {
                let account = if keyflow_policy::is_account_id(value) {
                    Some(value.clone())
                } else {
                    keyflow_policy::Arn::parse(value)
                        .map(|a| a.account.to_string())
                        .filter(|a| keyflow_policy::is_account_id(a))
                };
                accounts.extend(account);
            }
            _ => {}
        }
    }
    let mut seen = Vec::new();
    for a in accounts {
        if !seen.contains(&a) {
            seen.push(a.clone());
            out.push(Subject {
                name: format!("any principal of account {a}"),
                kind: SubjectKind::Account,
                actor: account_actor(&a),
            });
        }
    }
    out.push(Subject {
        name: "any AWS service".into(),
        kind: SubjectKind::AnyService,
        actor: w.service(ANY_SERVICE),
    });
    out.push(Subject {
        name: "anyone".into(),
        kind: SubjectKind::Anyone,
        actor: anyone(),
    });
    out
}

pub(crate) fn key_cells(w: &World<'_>, key: &KeyInfo, action: &str) -> Vec<AccessCell> {
    subjects(w, Some(&key.policy), &key.account)
        .into_iter()
        .map(|sub| {
            let check = kms_call(w, &sub.actor, action, key, None, &[], Context::new());
            let mut cell = cell(w, &sub, &check);
            cell.resource = key.label();
            if cell.decision != Verdict::Allowed && check.granted_by.is_none() {
                grant_cell(w, key, &sub.actor, action, &mut cell);
            }
            cell
        })
        .collect()
}

/// Object patterns worth asking about in a bucket: `bucket/*` and every
/// narrower pattern the scenario's policies use for it.
fn object_patterns(s: &Scenario, bucket: &str) -> Vec<String> {
    let prefix = format!("arn:aws:s3:::{bucket}/");
    let mut out = vec![format!("{prefix}*")];
    for f in s.policy_fields() {
        let parsed = keyflow_policy::parse(&f.text, f.slot.kind());
        for st in &parsed.policy.statements {
            for item in st
                .resource
                .iter()
                .filter(|b| !b.negated)
                .flat_map(|b| b.items.iter())
            {
                if item.value.starts_with(&prefix) && !out.contains(&item.value) {
                    out.push(item.value.clone());
                }
            }
        }
    }
    out
}

fn bucket_cells(w: &World<'_>, bucket: &str, action: &str, key: Option<&str>) -> Vec<AccessCell> {
    let Some(b) = w.bucket(bucket) else {
        return Vec::new();
    };
    let policy = b.policy.as_ref().map(|_| PolicyId::Bucket(b.name.clone()));
    let account = w.bucket_account(b);
    let objects = object_action(action);
    let requests: Vec<Option<String>> = match (objects, key) {
        (true, Some(k)) => vec![Some(k.to_string())],
        (true, None) => object_patterns(w.s, bucket)
            .into_iter()
            .map(|p| {
                p.strip_prefix(&format!("arn:aws:s3:::{bucket}/"))
                    .map(str::to_string)
            })
            .collect(),
        (false, _) => vec![None],
    };
    subjects(w, policy.as_ref(), &account)
        .into_iter()
        .map(|sub| {
            let mut cells: Vec<AccessCell> = requests
                .iter()
                .map(|k| {
                    let check =
                        s3_call(w, &sub.actor, action, bucket, k.as_deref(), Context::new());
                    let mut c = cell(w, &sub, &check);
                    c.resource = bucket.to_string();
                    c
                })
                .collect();
            let first = cells.remove(0);
            if first.decision == Verdict::Allowed || cells.is_empty() {
                return first;
            }
            // Allowed only under some prefixes: say which.
            let narrower: Vec<AccessCell> = cells
                .into_iter()
                .filter(|c| c.decision == Verdict::Allowed)
                .collect();
            let Some(mut best) = narrower.first().cloned() else {
                return first;
            };
            let patterns: Vec<String> = narrower.iter().map(|c| c.resource_arn.clone()).collect();
            best.conditions.insert(
                0,
                AccessCondition {
                    role: ConditionRole::AllowsWhen,
                    operator: "matches".into(),
                    key: "Resource".into(),
                    text: format!("only for objects matching {}", patterns.join(" or ")),
                    values: patterns,
                    alternative: None,
                    policy: None,
                    statement: None,
                },
            );
            best.resource_arn = first.resource_arn;
            best
        })
        .collect()
}

/// Words for a condition: what it limits the request to.
pub fn condition_text(role: ConditionRole, operator: &str, key: &str, values: &[String]) -> String {
    let v = values.join(" or ");
    let k = key.to_ascii_lowercase();
    let gloss = match k.as_str() {
        "kms:viaservice" => format!("only through {v}"),
        "kms:encryptioncontext:aws:cloudtrail:arn" => {
            format!("only for the encryption context of trail {v}")
        }
        "kms:encryptioncontext:aws:s3:arn" => format!("only for S3 objects {v}"),
        "kms:encryptioncontext:parameter_arn" => format!("only for parameter {v}"),
        "kms:grantisforawsresource" => {
            "only for grants an AWS service creates for its resources".to_string()
        }
        "aws:sourcearn" => format!("only on behalf of {v}"),
        "aws:sourceaccount" => format!("only on behalf of account {v}"),
        "s3:x-amz-acl" => format!("only with the ACL {v}"),
        _ if k.starts_with("kms:encryptioncontext:") => {
            format!(
                "only with encryption context {} = {v}",
                &key["kms:EncryptionContext:".len()..]
            )
        }
        _ => format!("only when {key} {operator} {v}"),
    };
    let gloss = match role {
        ConditionRole::AllowsWhen => gloss,
        ConditionRole::DeniesWhen => format!("denied when {key} {operator} {v}"),
    };
    format!("{gloss} ({operator} {key} {})", values.join(", "))
}

fn listed(
    role: ConditionRole,
    c: &Condition,
    policy: &PolicyId,
    statement: usize,
) -> AccessCondition {
    let values: Vec<String> = c.values.iter().map(|v| v.value.clone()).collect();
    AccessCondition {
        role,
        text: condition_text(role, &c.operator.value, &c.key.value, &values),
        operator: c.operator.value.clone(),
        key: c.key.value.clone(),
        values,
        alternative: None,
        policy: Some(policy.clone()),
        statement: Some(statement),
    }
}

/// A policy with the request conditions of its Allow statements taken as
/// satisfiable (`allows`), and its Deny statements either kept whole (`deny_whole`
/// = false: Denies with request conditions are dropped) or with those conditions
/// taken as satisfied (`deny_whole` = true).
fn relax(p: &keyflow_policy::Policy, deny_whole: bool) -> keyflow_policy::Policy {
    let mut out = p.clone();
    out.statements.retain_mut(|st| {
        let allow = st.effect.as_ref().is_some_and(|e| e.value == Effect::Allow);
        let request_conditions = st
            .conditions
            .iter()
            .any(|c| !describes_principal(&c.key.value));
        if allow || deny_whole {
            st.conditions.retain(|c| describes_principal(&c.key.value));
            true
        } else {
            !request_conditions
        }
    });
    out
}

struct Relaxed {
    ids: Vec<(keyflow_policy::PolicySlot, PolicyId)>,
    labels: Vec<String>,
    policies: Vec<keyflow_policy::Policy>,
}

fn relaxed(w: &World<'_>, set: &PolicySet, deny_whole: bool) -> Option<Relaxed> {
    use keyflow_policy::PolicySlot as S;
    let mut r = Relaxed {
        ids: Vec::new(),
        labels: Vec::new(),
        policies: Vec::new(),
    };
    let mut push = |slot: S, id: &PolicyId| -> Option<()> {
        let loaded = w.policy(id)?;
        if loaded.unparsable.is_some() {
            return None;
        }
        r.ids.push((slot, id.clone()));
        r.labels.push(loaded.label.clone());
        r.policies.push(relax(&loaded.parsed.policy, deny_whole));
        Some(())
    };
    for (i, id) in set.identity.iter().enumerate() {
        push(S::Identity(i), id)?;
    }
    if let Some(id) = &set.resource {
        push(S::Resource, id)?;
    }
    if let Some(id) = &set.permission_boundary {
        push(S::PermissionBoundary, id)?;
    }
    for (level, id) in set.scps.iter().enumerate() {
        push(S::Scp { level, index: 0 }, id)?;
    }
    Some(r)
}

impl Relaxed {
    fn policies(&self) -> Policies<'_> {
        use keyflow_policy::PolicySlot as S;
        let mut p = Policies::default();
        for (((slot, _), label), policy) in self.ids.iter().zip(&self.labels).zip(&self.policies) {
            let r = PolicyRef::new(label, policy);
            match slot {
                S::Identity(_) => p.identity.push(r),
                S::Resource => p.resource = Some(r),
                S::PermissionBoundary => p.permission_boundary = Some(r),
                S::Scp { .. } => p.scps.push(r),
                _ => {}
            }
        }
        p
    }
}

/// The original conditions of a statement that the relaxed evaluation set aside.
fn set_aside(
    w: &World<'_>,
    set: &PolicySet,
    slot: keyflow_policy::PolicySlot,
    statement: usize,
    role: ConditionRole,
) -> Vec<AccessCondition> {
    let Some(id) = set.at(slot) else {
        return Vec::new();
    };
    let Some(loaded) = w.policy(id) else {
        return Vec::new();
    };
    loaded
        .parsed
        .policy
        .statements
        .iter()
        .filter(|st| st.index == statement)
        .flat_map(|st| st.conditions.iter())
        .filter(|c| !describes_principal(&c.key.value))
        .map(|c| listed(role, c, id, statement))
        .collect()
}

fn cell(w: &World<'_>, sub: &Subject, check: &Check) -> AccessCell {
    let mut out = AccessCell {
        principal: sub.name.clone(),
        arn: sub.actor.arn.clone(),
        decision: check.decision,
        why: check.summary(),
        conditions: Vec::new(),
        subject: sub.kind,
        action: check.action().to_string(),
        resource: String::new(),
        resource_arn: check.resource().to_string(),
    };
    if sub.kind == SubjectKind::AnyService {
        out.why = format!(
            "{} (evaluated as a service principal that no policy names; Keyflow's stand-in)",
            out.why
        );
    }
    if check.not_evaluated.is_some() {
        return out;
    }
    if check.granted_by.is_some() {
        return out;
    }
    let Some(relaxed_allows) = relaxed(w, &check.policies, false) else {
        return out;
    };
    let evaluation = keyflow_policy::evaluate(&check.request, &relaxed_allows.policies());
    let decision = Verdict::from(evaluation.decision);
    if decision != Verdict::Allowed {
        out.decision = decision;
        return out;
    }
    let labels: Vec<String> = evaluation
        .deciding
        .iter()
        .filter_map(|d| {
            let id = check.policies.at(d.slot)?;
            Some(match &d.sid {
                Some(sid) => format!("{id} \"{sid}\""),
                None => format!("{id} statement #{}", d.statement + 1),
            })
        })
        .collect();
    out.decision = Verdict::Allowed;
    out.why = if labels.is_empty() {
        evaluation.reason.to_string()
    } else {
        format!("{} [{}]", evaluation.reason, labels.join(", "))
    };
    out.conditions = alternatives(w, &check.policies, &evaluation.deciding);
    // Denies set aside because they apply only under request conditions.
    if let Some(strict) = relaxed(w, &check.policies, true) {
        let e = keyflow_policy::evaluate(&check.request, &strict.policies());
        if e.decision == keyflow_policy::Decision::ExplicitlyDenied {
            for d in e.deciding.iter().filter(|d| d.effect == Effect::Deny) {
                out.conditions.extend(set_aside(
                    w,
                    &check.policies,
                    d.slot,
                    d.statement,
                    ConditionRole::DeniesWhen,
                ));
            }
        }
    }
    if let Some(rule) = &check.service_rule {
        out.why = format!("{}; but refused by a service rule: {rule}", out.why);
    }
    out
}

/// The conditions of the deciding Allow statements as alternatives: the
/// statements of one policy slot are alternatives (any one allows), the slots
/// must all allow (a key policy that delegates and the IAM policy), so the
/// result is every combination, simplest first. An unconditional statement
/// makes its slot's conditions moot; no conditions at all when one
/// combination needs none.
fn alternatives(
    w: &World<'_>,
    set: &PolicySet,
    deciding: &[keyflow_policy::DecidingStatement],
) -> Vec<AccessCondition> {
    let mut slots: Vec<(keyflow_policy::PolicySlot, Vec<Vec<AccessCondition>>)> = Vec::new();
    for d in deciding.iter().filter(|d| d.effect == Effect::Allow) {
        let conds = set_aside(w, set, d.slot, d.statement, ConditionRole::AllowsWhen);
        match slots.iter_mut().find(|(s, _)| *s == d.slot) {
            Some((_, alts)) => alts.push(conds),
            None => slots.push((d.slot, vec![conds])),
        }
    }
    let mut combos: Vec<Vec<AccessCondition>> = vec![Vec::new()];
    for (_, alts) in &mut slots {
        if alts.iter().any(Vec::is_empty) {
            continue;
        }
        let mut next = Vec::new();
        for c in &combos {
            for a in alts.iter() {
                let mut both = c.clone();
                both.extend(a.iter().cloned());
                next.push(both);
            }
        }
        combos = next;
        combos.truncate(16);
    }
    let same = |a: &[AccessCondition], b: &[AccessCondition]| {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.text == y.text)
    };
    let mut unique: Vec<Vec<AccessCondition>> = Vec::new();
    for c in combos {
        if !unique.iter().any(|u| same(u, &c)) {
            unique.push(c);
        }
    }
    unique.sort_by_key(Vec::len);
    if unique.first().is_some_and(Vec::is_empty) {
        return Vec::new();
    }
    unique
        .into_iter()
        .enumerate()
        .flat_map(|(i, alt)| {
            alt.into_iter().map(move |mut c| {
                c.alternative = Some(i);
                c
            })
        })
        .collect()
}

/// A KMS grant on the key for this actor and operation allows what the
/// policies do not, under its encryption-context constraint.
fn grant_cell(w: &World<'_>, key: &KeyInfo, actor: &Actor, action: &str, cell: &mut AccessCell) {
    let Some(k) = w.scenario_key(key) else {
        return;
    };
    let op = action.trim_start_matches("kms:");
    for (i, g) in k.grants.iter().enumerate() {
        let grantee =
            g.grantee == actor.name || g.grantee == actor.arn || g.grantee == actor.principal_arn;
        let ops = g
            .operations
            .iter()
            .any(|o| o.trim_start_matches("kms:").eq_ignore_ascii_case(op));
        if grantee && ops && cell.decision == Verdict::ImplicitlyDenied {
            cell.decision = Verdict::Allowed;
            cell.why = format!("allowed by grant #{i} on the key (keys[].grants[{i}])");
            cell.conditions = g
                .encryption_context_subset
                .iter()
                .map(|(ck, cv)| {
                    let key = format!("kms:EncryptionContext:{ck}");
                    let values = vec![cv.clone()];
                    AccessCondition {
                        role: ConditionRole::AllowsWhen,
                        text: condition_text(
                            ConditionRole::AllowsWhen,
                            "EncryptionContextSubset",
                            &key,
                            &values,
                        ),
                        operator: "EncryptionContextSubset".into(),
                        key,
                        values,
                        alternative: None,
                        policy: None,
                        statement: None,
                    }
                })
                .collect();
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(name: &str) -> Scenario {
        crate::builtin(name).unwrap().scenario().unwrap()
    }

    fn find<'a>(cells: &'a [AccessCell], who: &str) -> &'a AccessCell {
        cells.iter().find(|c| c.principal == who).unwrap()
    }

    #[test]
    fn the_console_key_policy_lets_the_account_decrypt_only_for_trails() {
        let s = scenario("cloudtrail-sse-kms");
        let cells = who_can(&s, "kms:Decrypt", Some("alias/cloudtrail-logs")).unwrap();
        let user2 = find(&cells, "user2");
        assert_eq!(user2.decision, Verdict::Allowed, "{user2:?}");
        assert!(
            user2
                .conditions
                .iter()
                .any(|c| c.key == "kms:EncryptionContext:aws:cloudtrail:arn"),
            "{user2:?}"
        );
        let anyone = find(&cells, "anyone");
        assert_eq!(anyone.decision, Verdict::ImplicitlyDenied, "{anyone:?}");
        let other = cells
            .iter()
            .find(|c| c.subject == SubjectKind::AnyService)
            .unwrap();
        assert_ne!(other.decision, Verdict::Allowed, "{other:?}");
        let trail = find(&cells, "CloudTrail");
        assert_ne!(trail.decision, Verdict::Allowed, "{trail:?}");
        let gen_key = who_can(&s, "kms:GenerateDataKey", Some("alias/cloudtrail-logs")).unwrap();
        let trail = find(&gen_key, "CloudTrail");
        assert_eq!(trail.decision, Verdict::Allowed);
        assert!(
            trail.conditions[0]
                .text
                .starts_with("only for the encryption context of trail"),
            "{trail:?}"
        );
    }

    #[test]
    fn a_policy_that_does_not_parse_leaves_cells_not_evaluated() {
        let mut s = scenario("ssm-securestring-cmk");
        s.keys[0].policy = "{ \"Statement\": [ ".into();
        let cells = who_can(&s, "kms:Decrypt", Some(&s.keys[0].id.clone())).unwrap();
        assert!(!cells.is_empty());
        for c in &cells {
            assert_eq!(c.decision, Verdict::NotEvaluated, "{c:?}");
            assert!(c.why.starts_with("not evaluated"), "{}", c.why);
        }
    }

    #[test]
    fn unconditional_alternatives_win() {
        // Role1's session is named by the root-and-session statement without conditions.
        let s = scenario("cloudtrail-sse-kms");
        let cells = who_can(&s, "kms:Decrypt", Some("alias/cloudtrail-logs")).unwrap();
        let user1 = find(&cells, "User1");
        assert_eq!(user1.decision, Verdict::Allowed);
        assert!(user1.conditions.is_empty(), "{:?}", user1.conditions);
    }

    #[test]
    fn bucket_prefixes_show_as_conditions() {
        let s = scenario("cloudtrail-sse-kms");
        let cells = who_can(&s, "s3:PutObject", None).unwrap();
        let trail = find(&cells, "CloudTrail");
        assert_eq!(trail.decision, Verdict::Allowed, "{trail:?}");
        let keys: Vec<&str> = trail.conditions.iter().map(|c| c.key.as_str()).collect();
        assert!(
            keys.contains(&"Resource")
                && keys.contains(&"aws:SourceArn")
                && keys.contains(&"s3:x-amz-acl"),
            "{keys:?}"
        );
        assert!(who_can(&s, "ec2:RunInstances", None).is_err());
        assert!(who_can(&s, "s3:GetObject", Some("no-such-bucket")).is_err());
    }
}
