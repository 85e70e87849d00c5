//! Deriving a repair from a failing check: which policy lacks the allow (from
//! the evaluator's reason), and the least-privilege statement or edit whose
//! principal, action, resource and conditions come from the check's request.
//!
//! A repair is built by a loop: apply one change, re-run the scenario, and if
//! the step still fails, repair the next denied check (cross-account access,
//! for instance, needs the key policy *and* the caller's IAM policy).

use keyflow_policy::{ConditionTrace, PolicySlot as EvalSlot, Reason};
use serde::Serialize;

use super::docs;
use super::text;
use crate::edit::{Edit, apply};
use crate::ids::PolicyId;
use crate::report::{Check, Report, Step};
use crate::scenario::{KeyState, PrincipalKind, Scenario};
use crate::sources::{self, Source};
use crate::world::World;

/// The inline policy a fix adds to a user or role that needs an IAM allow.
pub const FIX_POLICY_NAME: &str = "keyflow-fix";

/// How many changes one candidate may chain before Keyflow gives up.
const MAX_ROUNDS: usize = 12;

/// Which kind of change a candidate tries first; later changes follow the
/// evaluator's reason whatever the strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strategy {
    /// A statement in the resource's policy (key, bucket or trust policy) naming the caller.
    Resource,
    /// A statement in the caller's IAM policy.
    Identity,
    /// One value added to an existing statement that almost matched.
    Edit,
}

/// A condition a fix writes, with the AWS page that documents the key for the integration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConditionUse {
    pub operator: String,
    pub key: String,
    pub value: String,
    pub source: Source,
}

/// A statement a fix adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewStatement {
    pub sid: String,
    /// `("AWS" | "Service", value)`; `None` in identity policies, boundaries and SCPs.
    pub principal: Option<(&'static str, String)>,
    pub actions: Vec<String>,
    /// `None` in trust policies (they take no Resource).
    pub resource: Option<String>,
    pub conditions: Vec<ConditionUse>,
}

impl NewStatement {
    /// The statement as compact JSON, keys in the order AWS's examples use.
    pub fn json(&self) -> String {
        let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let mut parts = vec![
            format!("\"Sid\":{}", q(&self.sid)),
            "\"Effect\":\"Allow\"".to_string(),
        ];
        if let Some((kind, value)) = &self.principal {
            parts.push(format!("\"Principal\":{{\"{kind}\":{}}}", q(value)));
        }
        let actions = match self.actions.as_slice() {
            [one] => q(one),
            many => format!(
                "[{}]",
                many.iter().map(|a| q(a)).collect::<Vec<_>>().join(",")
            ),
        };
        parts.push(format!("\"Action\":{actions}"));
        if let Some(r) = &self.resource {
            parts.push(format!("\"Resource\":{}", q(r)));
        }
        if !self.conditions.is_empty() {
            let mut ops: Vec<(&str, Vec<String>)> = Vec::new();
            for c in &self.conditions {
                let pair = format!("{}:{}", q(&c.key), q(&c.value));
                match ops.iter_mut().find(|(op, _)| *op == c.operator) {
                    Some((_, pairs)) => pairs.push(pair),
                    None => ops.push((&c.operator, vec![pair])),
                }
            }
            let body: Vec<String> = ops
                .iter()
                .map(|(op, pairs)| format!("{}:{{{}}}", q(op), pairs.join(",")))
                .collect();
            parts.push(format!("\"Condition\":{{{}}}", body.join(",")));
        }
        format!("{{{}}}", parts.join(","))
    }

    /// Whether another statement could share this one's Action list.
    fn same_scope(&self, other: &NewStatement) -> bool {
        self.principal == other.principal
            && self.resource == other.resource
            && self.conditions == other.conditions
    }
}

/// An existing statement a fix widens by one value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementEdit {
    pub policy: PolicyId,
    /// Index in the policy's `Statement` list.
    pub statement: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// The element widened: `Principal`, `Action`, `Resource` or `Condition KEY`.
    pub element: String,
    pub added: String,
}

/// The changes to one policy while a candidate is built.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub id: PolicyId,
    /// The text before the fix; `None` when the fix creates the policy.
    pub original: Option<String>,
    /// The original text with in-place edits applied.
    pub base: String,
    pub added: Vec<NewStatement>,
    pub edits: Vec<StatementEdit>,
}

impl Draft {
    pub fn render(&self) -> Option<String> {
        let statements: Vec<String> = self.added.iter().map(NewStatement::json).collect();
        match &self.original {
            Some(_) => text::append_statements(&self.base, &statements),
            None => Some(text::new_policy(&statements)),
        }
    }
}

/// A candidate while it is built: the scenario with the changes so far.
pub(crate) struct Builder {
    pub s: Scenario,
    pub drafts: Vec<Draft>,
    /// Setting changes (documented alternatives, key state).
    pub settings: Vec<super::SettingChange>,
    pub setting_edits: Vec<Edit>,
    pub sources: Vec<Source>,
    /// One line per change: what was changed and why.
    pub why: Vec<String>,
    /// Condition values added to existing statements.
    pub conditions: Vec<ConditionUse>,
}

impl Builder {
    pub fn new(s: &Scenario) -> Self {
        Builder {
            s: s.clone(),
            drafts: Vec::new(),
            settings: Vec::new(),
            setting_edits: Vec::new(),
            sources: Vec::new(),
            why: Vec::new(),
            conditions: Vec::new(),
        }
    }

    fn source(&mut self, source: Source) {
        if !self.sources.contains(&source) {
            self.sources.push(source);
        }
    }

    fn draft(&mut self, id: &PolicyId) -> Option<usize> {
        if let Some(i) = self.drafts.iter().position(|d| &d.id == id) {
            return Some(i);
        }
        let original = self.s.policy_text(id).map(str::to_string);
        let creatable = match id {
            PolicyId::Bucket(name) => self.s.buckets.iter().any(|b| &b.name == name),
            PolicyId::Identity { principal, .. } => self.s.principals.iter().any(|p| {
                &p.name == principal && matches!(p.kind, PrincipalKind::User | PrincipalKind::Role)
            }),
            _ => false,
        };
        if original.is_none() && !creatable {
            return None;
        }
        self.drafts.push(Draft {
            id: id.clone(),
            base: original.clone().unwrap_or_default(),
            original,
            added: Vec::new(),
            edits: Vec::new(),
        });
        Some(self.drafts.len() - 1)
    }

    /// Writes a draft's text into the working scenario.
    fn write(&mut self, i: usize) -> bool {
        let Some(d) = self.drafts.get(i) else {
            return false;
        };
        let Some(text) = d.render() else {
            return false;
        };
        let id = d.id.clone();
        apply(&mut self.s, Edit::Policy { id, text })
    }

    /// Adds a statement (or the action to an added statement of the same scope).
    fn add_statement(&mut self, id: &PolicyId, mut st: NewStatement) -> bool {
        let Some(i) = self.draft(id) else {
            return false;
        };
        let taken = sids(self.s.policy_text(id).unwrap_or(""));
        let d = &mut self.drafts[i];
        if let Some(same) = d.added.iter_mut().find(|a| a.same_scope(&st)) {
            if st.actions.iter().all(|a| same.actions.contains(a)) {
                return false;
            }
            same.actions.extend(st.actions);
        } else {
            st.sid = unique_sid(&st.sid, &taken);
            d.added.push(st);
        }
        self.write(i)
    }

    /// Widens an existing statement by one value at `span` (an Action,
    /// Resource or condition value list, or the `key` list of a Principal block).
    fn widen(
        &mut self,
        id: &PolicyId,
        span: keyflow_policy::Span,
        member: Option<&str>,
        value: &str,
        note: StatementEdit,
    ) -> bool {
        let Some(i) = self.draft(id) else {
            return false;
        };
        let base = self.drafts[i].base.clone();
        let span = match member {
            Some(key) => match text::member_span(&base, span, key) {
                Some(s) => s,
                None => return false,
            },
            None => span,
        };
        let Some(next) = text::add_to_list(&base, span, value) else {
            return false;
        };
        self.drafts[i].base = next;
        self.drafts[i].edits.push(note);
        self.write(i)
    }
}

fn sids(text: &str) -> Vec<String> {
    let Ok(root) = keyflow_json::parse(text) else {
        return Vec::new();
    };
    let statements = match root.get("Statement") {
        Some(v) => match v.as_array() {
            Some(items) => items.iter().collect::<Vec<_>>(),
            None => vec![v],
        },
        None => Vec::new(),
    };
    statements
        .iter()
        .filter_map(|s| s.get("Sid").and_then(|v| v.as_str()).map(str::to_string))
        .collect()
}

/// `base`, `base2`, `base3`, … : the first Sid the policy does not use.
fn unique_sid(base: &str, taken: &[String]) -> String {
    (1..)
        .map(|n| {
            if n == 1 {
                base.to_string()
            } else {
                format!("{base}{n}")
            }
        })
        .find(|n| !taken.iter().any(|t| t == n))
        .unwrap_or_else(|| base.to_string())
}

/// Letters and digits only: Sids of IAM and S3 policies allow nothing else.
fn alnum(text: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(if upper { c.to_ascii_uppercase() } else { c });
            upper = false;
        } else {
            upper = true;
        }
    }
    out
}

/// `KeyflowDecryptForIntern`, `KeyflowGenerateDataKeyForCloudtrail`.
fn sid_for(action: &str, principal: &str) -> String {
    let op = action.split_once(':').map_or(action, |(_, op)| op);
    let who = principal
        .rsplit(['/', ':'])
        .next()
        .unwrap_or(principal)
        .split('.')
        .next()
        .unwrap_or(principal);
    format!("Keyflow{}For{}", alnum(op), alnum(who))
}

/// `*` and `?` wildcards, as IAM matches resource patterns.
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// The narrowest object scope the scenario already uses for `object_arn`: the
/// most specific S3 resource pattern in any of its policies that covers the
/// object (a log prefix such as `bucket/AWSLogs/ACCOUNT/*`), else `bucket/*`.
pub(crate) fn object_scope(s: &Scenario, object_arn: &str) -> String {
    let bucket = object_arn
        .strip_prefix("arn:aws:s3:::")
        .and_then(|r| r.split('/').next())
        .unwrap_or("");
    let whole = format!("arn:aws:s3:::{bucket}/*");
    let prefix = format!("arn:aws:s3:::{bucket}/");
    let literal = |p: &str| p.find(['*', '?']).unwrap_or(p.len());
    let mut best = whole.clone();
    for field in s.policy_fields() {
        let parsed = keyflow_policy::parse(&field.text, field.slot.kind());
        for st in &parsed.policy.statements {
            let Some(block) = st.resource.as_ref().filter(|b| !b.negated) else {
                continue;
            };
            for item in &block.items {
                let p = item.value.as_str();
                let wild = p.contains(['*', '?']);
                if wild
                    && p.starts_with(&prefix)
                    && !p.contains("${")
                    && glob(p, object_arn)
                    && literal(p) > literal(&best)
                {
                    best = p.to_string();
                }
            }
        }
    }
    best
}

fn ctx<'c>(check: &'c Check, key: &str) -> Option<&'c str> {
    check.context(key)
}

fn is_service(check: &Check) -> bool {
    ctx(check, "aws:PrincipalIsAWSService") == Some("true")
}

/// Where a statement goes, which decides the conditions it can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    KeyPolicy,
    BucketPolicy,
    TrustPolicy,
    /// Identity policy, boundary or SCP.
    Caller,
}

/// The page that documents `aws:SourceArn` / `aws:SourceAccount` (and for
/// buckets `s3:x-amz-acl`) for a service principal writing to this target.
fn service_doc(service: &str, target: Target) -> Option<&'static crate::sources::Doc> {
    match (service, target) {
        ("cloudtrail.amazonaws.com", Target::KeyPolicy) => Some(&sources::CLOUDTRAIL_KMS_POLICY),
        ("cloudtrail.amazonaws.com", Target::BucketPolicy) => Some(&docs::CLOUDTRAIL_S3_POLICY),
        ("s3.amazonaws.com", Target::BucketPolicy) => Some(&sources::S3_INVENTORY),
        _ => None,
    }
}

/// The conditions that keep a statement to what the failing request needs,
/// each from the request's own context and documented for its integration.
fn conditions(s: &Scenario, check: &Check, target: Target) -> Vec<ConditionUse> {
    let mut out = Vec::new();
    let mut add = |operator: &str, key: &str, value: String, source: Source| {
        out.push(ConditionUse {
            operator: operator.to_string(),
            key: key.to_string(),
            value,
            source,
        });
    };
    if check.action().starts_with("kms:") {
        if let Some(v) = ctx(check, "kms:ViaService") {
            add(
                "StringEquals",
                "kms:ViaService",
                v.to_string(),
                Source::Doc(&docs::KMS_VIA_SERVICE),
            );
        }
        if let Some(trail) = ctx(check, "kms:EncryptionContext:aws:cloudtrail:arn") {
            add(
                "StringEquals",
                "kms:EncryptionContext:aws:cloudtrail:arn",
                trail.to_string(),
                Source::Doc(&sources::CLOUDTRAIL_KMS_POLICY),
            );
        } else if let Some(arn) = ctx(check, "kms:EncryptionContext:aws:s3:arn") {
            // With an S3 Bucket Key the context is the bucket ARN itself.
            let (op, value) = if arn.contains('/') {
                ("StringLike", object_scope(s, arn))
            } else {
                ("StringEquals", arn.to_string())
            };
            add(
                op,
                "kms:EncryptionContext:aws:s3:arn",
                value,
                Source::Doc(&sources::S3_SSE_KMS),
            );
        }
        if let Some(p) = ctx(check, "kms:EncryptionContext:PARAMETER_ARN") {
            add(
                "StringEquals",
                "kms:EncryptionContext:PARAMETER_ARN",
                p.to_string(),
                Source::Doc(&sources::SSM_KMS),
            );
        }
    }
    if is_service(check) && matches!(target, Target::KeyPolicy | Target::BucketPolicy) {
        let doc = service_doc(check.principal(), target);
        let source = Source::Doc(doc.unwrap_or(&docs::IAM_GLOBAL_KEYS));
        if let Some(arn) = ctx(check, "aws:SourceArn") {
            add("StringEquals", "aws:SourceArn", arn.to_string(), source);
        } else if let Some(acct) = ctx(check, "aws:SourceAccount") {
            add(
                "StringEquals",
                "aws:SourceAccount",
                acct.to_string(),
                source,
            );
        }
        if target == Target::BucketPolicy
            && let (Some(acl), Some(doc)) = (ctx(check, "s3:x-amz-acl"), doc)
        {
            add(
                "StringEquals",
                "s3:x-amz-acl",
                acl.to_string(),
                Source::Doc(doc),
            );
        }
    }
    out
}

/// The resource a caller-side statement names: the key ARN, the object scope,
/// or the exact ARN of anything else.
fn caller_resource(s: &Scenario, check: &Check) -> String {
    let r = check.resource();
    if r.starts_with("arn:aws:s3:::") && r.contains('/') {
        object_scope(s, r)
    } else {
        r.to_string()
    }
}

/// The scenario principal that owns the caller's IAM policies (the role of a
/// session), if the caller is a user or a role session of the scenario.
fn identity_owner(s: &Scenario, check: &Check) -> Option<String> {
    let w = World::new(s);
    let p = s
        .principals
        .iter()
        .find(|p| w.actor(&p.name).is_some_and(|a| a.arn == check.principal()))?;
    match p.kind {
        PrincipalKind::User | PrincipalKind::Role => Some(p.name.clone()),
        PrincipalKind::AssumedRole => p.role.clone(),
        PrincipalKind::Root | PrincipalKind::Service => None,
    }
}

/// What the evaluator says is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Missing {
    /// The resource policy must name the caller (key and trust policies, cross account).
    Resource,
    /// An IAM allow, where the resource policy delegates or cross account.
    Identity {
        delegated: bool,
    },
    /// Either an IAM allow or a resource-policy statement (same-account S3).
    Either,
    Boundary,
    Scp(usize),
}

fn missing(check: &Check) -> Result<Missing, String> {
    let deny_labels = || {
        check
            .deciding
            .iter()
            .map(crate::report::Deciding::located)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match &check.reason {
        Some(Reason::ExplicitDeny) => Err(format!(
            "an explicit Deny decides ({}); Keyflow does not weaken a Deny",
            deny_labels()
        )),
        Some(
            Reason::KeyPolicyNoGrant { .. }
            | Reason::KeyPolicyMissing
            | Reason::TrustPolicyNoGrant
            | Reason::CrossAccountNoResourcePolicy { .. }
            | Reason::CrossAccountNoResourceGrant { .. },
        ) => Ok(Missing::Resource),
        Some(Reason::KeyPolicyDelegatesNoIdentity { .. }) => {
            Ok(Missing::Identity { delegated: true })
        }
        Some(Reason::CrossAccountNoIdentity { .. }) => Ok(Missing::Identity { delegated: false }),
        Some(Reason::NoIdentityAllow) => {
            if check.resource().starts_with("arn:aws:s3:::") {
                Ok(Missing::Either)
            } else {
                Ok(Missing::Identity { delegated: false })
            }
        }
        Some(Reason::BoundaryNoAllow) => Ok(Missing::Boundary),
        Some(Reason::ScpNoAllow { level }) => Ok(Missing::Scp(*level)),
        Some(other) => Err(format!(
            "denied: {other}; no policy statement Keyflow can add repairs it"
        )),
        None => Err("the check was not evaluated".into()),
    }
}

/// The policy of the resource, or the bucket policy a fix may create.
fn resource_policy(s: &Scenario, check: &Check) -> Result<PolicyId, String> {
    if let Some(id) = &check.policies.resource {
        if !id.is_editable() {
            return Err(match id {
                PolicyId::ManagedKey(service) => format!(
                    "the key is the AWS managed key {}: its key policy cannot be changed ({})",
                    service.alias(),
                    Source::Doc(&docs::KMS_AWS_MANAGED_KEYS).label()
                ),
                other => format!("{other} is written by AWS and cannot be changed"),
            });
        }
        return Ok(id.clone());
    }
    let bucket = check
        .resource()
        .strip_prefix("arn:aws:s3:::")
        .and_then(|r| r.split('/').next())
        .filter(|b| s.buckets.iter().any(|x| &x.name == b));
    match bucket {
        Some(b) => Ok(PolicyId::Bucket(b.to_string())),
        None => Err(format!(
            "{} has no resource-based policy Keyflow can change",
            check.resource()
        )),
    }
}

impl Builder {
    /// A statement in the resource's policy naming the caller.
    fn resource_statement(&mut self, check: &Check) -> Result<(), String> {
        let id = resource_policy(&self.s, check)?;
        let target = match id {
            PolicyId::Key(_) => Target::KeyPolicy,
            PolicyId::Trust(_) => Target::TrustPolicy,
            _ => Target::BucketPolicy,
        };
        let principal = if is_service(check) {
            ("Service", check.principal().to_string())
        } else if check.principal() == "*" {
            return Err("an anonymous caller can only be named by Principal \"*\"; Keyflow does not suggest it".into());
        } else {
            // A role session is named by its role (aws:PrincipalArn).
            let arn = ctx(check, "aws:PrincipalArn").unwrap_or(check.principal());
            ("AWS", arn.to_string())
        };
        let resource = match target {
            Target::KeyPolicy => Some("*".to_string()),
            Target::TrustPolicy => None,
            _ => Some(caller_resource(&self.s, check)),
        };
        let st = NewStatement {
            sid: sid_for(check.action(), &principal.1),
            principal: Some(principal.clone()),
            actions: vec![check.action().to_string()],
            resource,
            conditions: conditions(&self.s, check, target),
        };
        let conds = st.conditions.clone();
        if !self.add_statement(&id, st) {
            return Err(format!("{id} cannot take the statement"));
        }
        let page = match target {
            Target::KeyPolicy => &docs::KMS_KEY_POLICIES,
            _ => &docs::S3_BUCKET_POLICIES,
        };
        self.source(Source::Doc(page));
        self.record_conditions(&conds);
        if check.request.resource_account.is_some()
            && ctx(check, "aws:PrincipalAccount")
                .is_some_and(|a| Some(a) != check.request.resource_account.as_deref())
        {
            self.source(Source::Doc(if target == Target::KeyPolicy {
                &docs::KMS_EXTERNAL_ACCOUNTS
            } else {
                &sources::IAM_EVALUATION
            }));
        }
        self.why.push(format!(
            "{id}: allow {} {} (the request's principal and action)",
            principal.1,
            check.action()
        ));
        Ok(())
    }

    /// A statement in the caller's IAM policy (or boundary, or SCP).
    fn caller_statement(&mut self, check: &Check, id: PolicyId, what: &str) -> Result<(), String> {
        let st = NewStatement {
            sid: sid_for(
                check.action(),
                ctx(check, "aws:PrincipalArn").unwrap_or(check.principal()),
            ),
            principal: None,
            actions: vec![check.action().to_string()],
            resource: Some(caller_resource(&self.s, check)),
            conditions: conditions(&self.s, check, Target::Caller),
        };
        let conds = st.conditions.clone();
        if !self.add_statement(&id, st) {
            return Err(format!("{id} cannot take the statement"));
        }
        self.source(Source::Doc(if check.action().starts_with("kms:") {
            &docs::KMS_IAM_POLICIES
        } else {
            &sources::IAM_EVALUATION
        }));
        self.record_conditions(&conds);
        self.why.push(format!(
            "{id}: {what} allows {} on {}",
            check.action(),
            check.resource()
        ));
        Ok(())
    }

    fn identity_statement(&mut self, check: &Check) -> Result<(), String> {
        let owner = identity_owner(&self.s, check)
            .ok_or_else(|| format!("{} has no IAM policy Keyflow can change", check.principal()))?;
        let id = PolicyId::Identity {
            principal: owner,
            policy: FIX_POLICY_NAME.to_string(),
        };
        self.caller_statement(check, id, "the caller's IAM policy")
    }

    fn record_conditions(&mut self, conds: &[ConditionUse]) {
        for c in conds {
            self.source(c.source);
        }
    }

    /// Widens the statement of `slots` that misses the request by one value.
    fn near_miss(&mut self, check: &Check, resource_side: bool) -> bool {
        let Some(evaluation) = crate::explain(&self.s, check) else {
            return false;
        };
        let Some(trace) = evaluation.trace else {
            return false;
        };
        for pt in &trace.policies {
            let wanted = match pt.slot {
                EvalSlot::Resource => resource_side,
                EvalSlot::Identity(_) => !resource_side,
                _ => false,
            };
            let Some(id) = check.policies.at(pt.slot).cloned() else {
                continue;
            };
            if !wanted || !id.is_editable() {
                continue;
            }
            let added: Vec<String> = self
                .drafts
                .iter()
                .filter(|d| d.id == id)
                .flat_map(|d| d.added.iter().map(|a| a.sid.clone()))
                .collect();
            for st in &pt.statements {
                if st.effect != Some(keyflow_policy::Effect::Allow)
                    || st.sid.as_ref().is_some_and(|s| added.contains(s))
                {
                    continue;
                }
                if self.widen_statement(check, &id, st) {
                    return true;
                }
            }
        }
        false
    }

    /// Whether a statement grants every action of a service (`*`, `kms:*`) or
    /// uses NotAction: widening it would grant far more than the request.
    fn service_wide(&self, id: &PolicyId, index: usize) -> bool {
        let Some(text) = self.s.policy_text(id) else {
            return true;
        };
        let parsed = keyflow_policy::parse(text, Scenario::policy_slot(id).kind());
        parsed
            .policy
            .statements
            .iter()
            .find(|s| s.index == index)
            .and_then(|s| s.action.as_ref())
            .is_none_or(|a| {
                a.negated
                    || a.items
                        .iter()
                        .any(|i| i.value == "*" || i.value.ends_with(":*"))
            })
    }

    fn widen_statement(
        &mut self,
        check: &Check,
        id: &PolicyId,
        st: &keyflow_policy::StatementTrace,
    ) -> bool {
        if self.service_wide(id, st.index) {
            return false;
        }
        let p_ok = st.principal.as_ref().is_none_or(|p| p.matched);
        let failing: Vec<&ConditionTrace> = st.conditions.iter().filter(|c| !c.result).collect();
        let note = |element: String, added: &str| StatementEdit {
            policy: id.clone(),
            statement: st.index,
            sid: st.sid.clone(),
            element,
            added: added.to_string(),
        };
        let misses = [!p_ok, !st.action.matched, !st.resource.matched]
            .iter()
            .filter(|m| **m)
            .count();
        if misses == 0 && !failing.is_empty() {
            let mut values = Vec::new();
            for c in &failing {
                match condition_value(&self.s, c) {
                    Some(v) => values.push((c.values_span, c.key.clone(), c.operator.clone(), v)),
                    None => return false,
                }
            }
            let mut ok = true;
            for (span, key, operator, value) in values {
                let n = note(format!("Condition {key}"), &value);
                ok &= self.widen(id, span, None, &value, n);
                let source = Source::Doc(key_doc(&key, check));
                self.source(source);
                self.conditions.push(ConditionUse {
                    operator,
                    key,
                    value,
                    source,
                });
            }
            self.source(Source::Doc(side_doc(id, check)));
            if ok {
                self.why.push(format!(
                    "{id}: statement #{} also allows the request's condition values",
                    st.index + 1
                ));
            }
            return ok;
        }
        if misses != 1 || !failing.is_empty() {
            return false;
        }
        let (span, member, value, element) = if !p_ok {
            let Some(p) = st.principal.as_ref().filter(|p| !p.negated) else {
                return false;
            };
            let (key, value) = if is_service(check) {
                ("Service", check.principal().to_string())
            } else {
                let arn = ctx(check, "aws:PrincipalArn").unwrap_or(check.principal());
                ("AWS", arn.to_string())
            };
            let Some(span) = p.span else { return false };
            (span, Some(key), value, "Principal")
        } else if !st.action.matched {
            let Some(span) = st.action.span.filter(|_| !st.action.negated) else {
                return false;
            };
            (span, None, check.action().to_string(), "Action")
        } else {
            let Some(span) = st.resource.span.filter(|_| !st.resource.negated) else {
                return false;
            };
            (span, None, caller_resource(&self.s, check), "Resource")
        };
        let n = note(element.to_string(), &value);
        let ok = self.widen(id, span, member, &value, n);
        self.source(Source::Doc(side_doc(id, check)));
        if ok {
            self.why.push(format!(
                "{id}: statement #{} gains {element} {value}",
                st.index + 1
            ));
        }
        ok
    }
}

/// The page that documents a condition key for the integration the request comes from.
fn key_doc(key: &str, check: &Check) -> &'static crate::sources::Doc {
    let k = key.to_ascii_lowercase();
    match k.as_str() {
        "kms:viaservice" => &docs::KMS_VIA_SERVICE,
        "kms:calleraccount" => &docs::KMS_CALLER_ACCOUNT,
        "kms:encryptioncontext:aws:cloudtrail:arn" => &sources::CLOUDTRAIL_KMS_POLICY,
        "kms:encryptioncontext:aws:s3:arn" => &sources::S3_SSE_KMS,
        "kms:encryptioncontext:parameter_arn" => &sources::SSM_KMS,
        _ if k.starts_with("kms:encryptioncontext:") => &docs::KMS_ENCRYPTION_CONTEXT,
        "aws:sourcearn" | "aws:sourceaccount" | "s3:x-amz-acl" => {
            let target = if check.action().starts_with("kms:") {
                Target::KeyPolicy
            } else {
                Target::BucketPolicy
            };
            service_doc(check.principal(), target).unwrap_or(&docs::IAM_GLOBAL_KEYS)
        }
        _ => &docs::IAM_GLOBAL_KEYS,
    }
}

/// The page on the kind of policy an edit changes.
fn side_doc(id: &PolicyId, check: &Check) -> &'static crate::sources::Doc {
    match (id, check.action().starts_with("kms:")) {
        (PolicyId::Key(_), _) => &docs::KMS_KEY_POLICIES,
        (PolicyId::Bucket(_), _) => &docs::S3_BUCKET_POLICIES,
        (_, true) => &docs::KMS_IAM_POLICIES,
        _ => &sources::IAM_EVALUATION,
    }
}

/// The value a failing condition needs to hold, if adding one value can make it
/// hold: a positive string or ARN operator, without set operators, on a key
/// the request carries once.
fn condition_value(s: &Scenario, c: &ConditionTrace) -> Option<String> {
    let op = c.operator.strip_suffix("IfExists").unwrap_or(&c.operator);
    let like = matches!(op, "StringLike" | "ArnLike");
    if !(like || matches!(op, "StringEquals" | "ArnEquals" | "StringEqualsIgnoreCase")) {
        return None;
    }
    let [value] = c.request_values.as_deref()? else {
        return None;
    };
    if c.key
        .eq_ignore_ascii_case("kms:EncryptionContext:aws:s3:arn")
        && value.contains('/')
    {
        return like.then(|| object_scope(s, value));
    }
    Some(value.clone())
}

/// Builds one candidate for the failing step: change, re-run, repeat until the
/// step passes. `Err` says why this strategy cannot repair it.
pub(crate) fn build(
    s: &Scenario,
    before: &Report,
    flow: &str,
    step: &str,
    strategy: Strategy,
) -> Result<Builder, String> {
    let mut b = Builder::new(s);
    let mut documented: Vec<String> = Vec::new();
    for _ in 0..MAX_ROUNDS {
        let report = crate::run(&b.s);
        let Some(st) = report.flow(flow).and_then(|f| f.step(step)) else {
            return Err(format!("step {flow}/{step} no longer runs"));
        };
        if !st.is_ok() {
            b.repair_step(flow, st, strategy, &mut documented)?;
            continue;
        }
        // The step passes; what worked before and fails now is repaired too
        // (encrypting a trail's logs means its readers need kms:Decrypt).
        let Some((what, broken)) = consequence(&b.s, before, &report) else {
            return Ok(b);
        };
        let n = b.why.len();
        let repaired = match &broken {
            Broken::Step(f, st) => b.repair_step(f, st, strategy, &mut documented),
            Broken::Check(c) => b.repair(c, strategy),
        };
        repaired.map_err(|e| format!("the change breaks {what}, and {e}"))?;
        for w in b.why.iter_mut().skip(n) {
            w.push_str(&format!(" (to keep {what})"));
        }
    }
    Err(format!("the step still fails after {MAX_ROUNDS} changes"))
}

/// The first thing that worked before and fails after a change, with the
/// denied check to repair: an applied step that passed (unless an expectation
/// wants it to fail), or a positive matrix or step expectation that held.
/// What a change broke: a step that passed, or a matrix or step expectation's check.
enum Broken {
    Step(String, Step),
    Check(Check),
}

fn consequence(s: &Scenario, before: &Report, after: &Report) -> Option<(String, Broken)> {
    for fb in &before.flows {
        for sb in fb.steps.iter().filter(|x| x.applied && x.is_ok()) {
            let Some(sa) = after.flow(&fb.id).and_then(|f| f.step(&sb.id)) else {
                continue;
            };
            if sa.is_ok() || super::expected_failure(s, after, &fb.id, sa).is_some() {
                continue;
            }
            return Some((
                format!("step {}/{}", fb.id, sb.id),
                Broken::Step(fb.id.clone(), sa.clone()),
            ));
        }
    }
    for (i, e) in s.expectations.iter().enumerate() {
        let (Some(was), Some(now)) = (before.expectations.get(i), after.expectations.get(i)) else {
            continue;
        };
        if !was.passed || now.passed {
            continue;
        }
        let what = format!("the expectation \"{}\"", was.expectation);
        let denied = match e {
            crate::scenario::Expectation::Matrix {
                flow,
                principal,
                read,
                deliver,
                ..
            } => after
                .flow(flow)
                .and_then(|f| f.matrix.iter().find(|r| &r.principal == principal))
                .and_then(|row| {
                    row.checks.iter().find(|c| {
                        !c.allowed()
                            && ((*read == Some(true) && super::matrix_column(c.action(), true))
                                || (*deliver == Some(true)
                                    && super::matrix_column(c.action(), false)))
                    })
                }),
            crate::scenario::Expectation::Step {
                flow,
                step,
                outcome: crate::scenario::ExpectedOutcome::Ok,
                ..
            } => after
                .flow(flow)
                .and_then(|f| f.step(step))
                .and_then(|st| st.checks.iter().find(|c| !c.allowed())),
            _ => None,
        };
        if let Some(c) = denied {
            return Some((what, Broken::Check(c.clone())));
        }
    }
    None
}

impl Builder {
    /// Repairs a failing step: the flow's documented setting if it has one,
    /// else its first denied check, else the state of its key.
    fn repair_step(
        &mut self,
        flow: &str,
        st: &Step,
        strategy: Strategy,
        documented: &mut Vec<String>,
    ) -> Result<(), String> {
        if self.documented(flow, st, documented)? {
            return Ok(());
        }
        match st.checks.iter().find(|c| !c.allowed()) {
            Some(check) => self.repair(check, strategy),
            None => self.repair_state(st),
        }
    }

    /// Applies the setting a flow documents for this failing step, once.
    fn documented(
        &mut self,
        flow: &str,
        st: &Step,
        documented: &mut Vec<String>,
    ) -> Result<bool, String> {
        let spec = self.s.flows.iter().find(|f| f.id() == flow).cloned();
        let Some(fix) = spec.and_then(|f| f.params.documented_fix(&self.s, st)) else {
            return Ok(false);
        };
        if documented.contains(&fix.title) {
            return Err(format!("{} does not repair the step", fix.title));
        }
        documented.push(fix.title.clone());
        let before = self.s.clone();
        for e in &fix.edits {
            apply(&mut self.s, e.clone());
        }
        if self.s == before {
            return Err(format!(
                "{} is already the scenario's setting and does not repair the step. {}",
                fix.title, fix.why
            ));
        }
        self.setting_edits.extend(fix.edits);
        self.settings.extend(fix.settings);
        self.source(fix.source);
        self.why.push(format!("{}: {}", fix.title, fix.why));
        Ok(true)
    }

    fn repair(&mut self, check: &Check, strategy: Strategy) -> Result<(), String> {
        if let Some(n) = &check.not_evaluated {
            return Err(format!("not evaluated: {n}"));
        }
        if let Some(rule) = &check.service_rule {
            return Err(format!(
                "refused by a service rule whatever the policies say: {rule}"
            ));
        }
        match missing(check)? {
            Missing::Resource => {
                if strategy == Strategy::Edit && self.near_miss(check, true) {
                    return Ok(());
                }
                self.resource_statement(check)
            }
            Missing::Identity { delegated } => {
                if strategy == Strategy::Resource && delegated {
                    return self.resource_statement(check);
                }
                // A key policy that delegates can also name the caller itself.
                if strategy == Strategy::Edit
                    && ((delegated && self.near_miss(check, true)) || self.near_miss(check, false))
                {
                    return Ok(());
                }
                self.identity_statement(check)
            }
            Missing::Either => match strategy {
                Strategy::Resource => self.resource_statement(check),
                Strategy::Identity => self
                    .identity_statement(check)
                    .or_else(|_| self.resource_statement(check)),
                Strategy::Edit => {
                    if self.near_miss(check, false) || self.near_miss(check, true) {
                        return Ok(());
                    }
                    self.identity_statement(check)
                        .or_else(|_| self.resource_statement(check))
                }
            },
            Missing::Boundary => {
                let owner = identity_owner(&self.s, check)
                    .ok_or("the caller's permissions boundary is not in the scenario")?;
                self.caller_statement(check, PolicyId::Boundary(owner), "the permissions boundary")
            }
            Missing::Scp(level) => {
                let id = check
                    .policies
                    .scps
                    .get(level)
                    .cloned()
                    .ok_or("the SCP at that level is not in the scenario")?;
                self.caller_statement(check, id, "the service control policy")
            }
        }
    }

    /// A step that failed with every check allowed: a key that is not enabled.
    fn repair_state(&mut self, st: &Step) -> Result<(), String> {
        let error = st
            .error
            .as_ref()
            .map(|e| format!("{}: {}", e.code, e.message))
            .unwrap_or_else(|| st.outcome.to_string());
        let w = World::new(&self.s);
        let key = st
            .checks
            .iter()
            .filter(|c| c.action().starts_with("kms:"))
            .filter_map(|c| w.keys.iter().find(|k| k.arn == c.resource()))
            .find(|k| k.state != KeyState::Enabled)
            .and_then(|k| k.scenario_index.map(|i| (i, k.label(), k.state)));
        let Some((i, label, state)) = key else {
            return Err(format!("the step fails without a denied check ({error})"));
        };
        let edit = Edit::KeyState {
            key: i,
            state: KeyState::Enabled,
        };
        apply(&mut self.s, edit.clone());
        self.setting_edits.push(edit);
        self.settings.push(super::SettingChange {
            path: format!("keys[{i}].state"),
            before: state.as_str().to_string(),
            after: KeyState::Enabled.as_str().to_string(),
        });
        self.source(Source::Doc(&sources::KMS_KEY_STATE));
        self.why.push(format!(
            "key {label} is {state}: KMS refuses cryptographic operations on it ({error})"
        ));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_like_iam() {
        assert!(glob(
            "arn:aws:s3:::b/AWSLogs/1/*",
            "arn:aws:s3:::b/AWSLogs/1/x/y.gz"
        ));
        assert!(glob("arn:aws:s3:::b/*", "arn:aws:s3:::b/"));
        assert!(!glob(
            "arn:aws:s3:::b/AWSLogs/2/*",
            "arn:aws:s3:::b/AWSLogs/1/x"
        ));
        assert!(glob("a?c*", "abcdef"));
        assert!(!glob("a?c", "ac"));
    }

    #[test]
    fn sids_are_letters_and_digits() {
        assert_eq!(
            sid_for("kms:GenerateDataKey", "cloudtrail.amazonaws.com"),
            "KeyflowGenerateDataKeyForCloudtrail"
        );
        assert_eq!(
            sid_for("s3:GetObject", "arn:aws:iam::1:user/log-reader"),
            "KeyflowGetObjectForLogReader"
        );
        assert_eq!(unique_sid("A", &["A".into()]), "A2");
    }

    #[test]
    fn statements_render_in_aws_order() {
        let st = NewStatement {
            sid: "S".into(),
            principal: Some(("Service", "cloudtrail.amazonaws.com".into())),
            actions: vec!["kms:GenerateDataKey".into()],
            resource: Some("*".into()),
            conditions: vec![
                ConditionUse {
                    operator: "StringEquals".into(),
                    key: "aws:SourceArn".into(),
                    value: "arn:t".into(),
                    source: Source::Scenario,
                },
                ConditionUse {
                    operator: "StringEquals".into(),
                    key: "kms:EncryptionContext:aws:cloudtrail:arn".into(),
                    value: "arn:t".into(),
                    source: Source::Scenario,
                },
            ],
        };
        assert_eq!(
            st.json(),
            r#"{"Sid":"S","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"kms:GenerateDataKey","Resource":"*","Condition":{"StringEquals":{"aws:SourceArn":"arn:t","kms:EncryptionContext:aws:cloudtrail:arn":"arn:t"}}}"#
        );
    }
}
