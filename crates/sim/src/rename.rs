//! Renaming as a refactoring, like an IDE rename: change the name of a
//! principal, bucket, key ID or alias, load balancer, trail or parameter, an
//! account ID or the Region, and compute every other place that refers to it —
//! ARNs, account IDs and names inside policy texts, flow fields, expectations
//! (pinned items) and the step ids they name — as a list of changes the page
//! shows before applying them.
//!
//! Policy texts are changed with text edits at the positions of their JSON
//! strings, so their layout is kept; a policy that is not valid JSON is left
//! as it is and reported in [`Renamed::skipped`].

use std::fmt;

use keyflow_json::{Kind, Value};
use keyflow_policy::{Arn, LineIndex};

use crate::flows::RefKind;
use crate::ids::PolicyId;
use crate::scenario::{Expectation, PrincipalKind, Scenario};

/// What is renamed. Names are the scenario's current ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Every use of an account ID: the home account, principals', keys' and
    /// buckets' accounts, and the ID wherever a policy or name holds it.
    Account(String),
    /// The scenario's Region (and the Region's ELB log account in policies).
    Region,
    /// A principal, by handle (for users and roles also the IAM name in ARNs).
    Principal(String),
    /// Move a principal to another account (`to` empty: the home account).
    PrincipalAccount(String),
    Bucket(String),
    /// Move a bucket to another account (`to` empty: the home account).
    BucketAccount(String),
    /// A key ID.
    KeyId(String),
    /// Move a key to another account (`to` empty: the home account).
    KeyAccount(String),
    /// An alias (`alias/name`) of a scenario key.
    KeyAlias(String),
    LoadBalancer(String),
    Trail(String),
    Parameter(String),
}

impl Target {
    /// What the target is, in words (`bucket "logs"`).
    pub fn describe(&self) -> String {
        match self {
            Target::Account(a) => format!("account {a}"),
            Target::Region => "the Region".into(),
            Target::Principal(n) => format!("principal \"{n}\""),
            Target::PrincipalAccount(n) => format!("the account of principal \"{n}\""),
            Target::Bucket(n) => format!("bucket \"{n}\""),
            Target::BucketAccount(n) => format!("the account of bucket \"{n}\""),
            Target::KeyId(n) => format!("key ID {n}"),
            Target::KeyAccount(n) => format!("the account of key {n}"),
            Target::KeyAlias(n) => format!("alias {n}"),
            Target::LoadBalancer(n) => format!("load balancer \"{n}\""),
            Target::Trail(n) => format!("trail \"{n}\""),
            Target::Parameter(n) => format!("parameter \"{n}\""),
        }
    }

    /// The policy id a policy has after this rename (ids name principals, keys and buckets).
    pub fn policy_id_after(&self, id: &PolicyId, to: &str) -> PolicyId {
        let moved = |name: &String, old: &str| {
            if name == old {
                to.to_string()
            } else {
                name.clone()
            }
        };
        match (self, id) {
            (Target::Principal(old), PolicyId::Identity { principal, policy }) => {
                PolicyId::Identity {
                    principal: moved(principal, old),
                    policy: policy.clone(),
                }
            }
            (Target::Principal(old), PolicyId::Boundary(p)) => PolicyId::Boundary(moved(p, old)),
            (Target::Principal(old), PolicyId::Trust(p)) => PolicyId::Trust(moved(p, old)),
            (Target::Bucket(old), PolicyId::Bucket(b)) => PolicyId::Bucket(moved(b, old)),
            (Target::KeyId(old), PolicyId::Key(k)) => PolicyId::Key(moved(k, old)),
            _ => id.clone(),
        }
    }
}

/// The kinds of name the page validates as they are typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    Account,
    Region,
    /// A user or role: an IAM name.
    IamName,
    /// Any other principal handle (root, service, role session).
    Handle,
    Bucket,
    KeyId,
    Alias,
    LoadBalancer,
    Trail,
    Parameter,
}

/// Whether `name` is a valid name of `kind`; the error says why not.
pub fn check_name(kind: NameKind, name: &str) -> Result<(), String> {
    let fail = |why: &str| Err(format!("\"{name}\" {why}"));
    let chars_ok = |extra: &str| {
        name.chars()
            .all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
    };
    let ends_alnum = |s: &str| {
        s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            && s.chars().last().is_some_and(|c| c.is_ascii_alphanumeric())
    };
    match kind {
        NameKind::Account if !keyflow_policy::is_account_id(name) => {
            fail("is not a 12-digit account ID")
        }
        NameKind::Region if !region_ok(name) => fail("is not a Region code like us-east-1"),
        // IAM name requirements: alphanumerics and + = , . @ _ -; users and roles at
        // most 64 characters (IAM and AWS STS quotas,
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
        NameKind::IamName if name.is_empty() || name.len() > 64 || !chars_ok("+=,.@_-") => {
            fail("is not an IAM name (1-64 letters, digits and + = , . @ _ -)")
        }
        // Policy ids and step ids use `/` and `:` as separators.
        NameKind::Handle if name.trim().is_empty() || name.contains(['/', ':']) => {
            fail("is not a principal name (not empty, no \"/\" or \":\")")
        }
        // General purpose bucket naming rules
        // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
        NameKind::Bucket
            if !(3..=63).contains(&name.len())
                || !name.chars().all(|c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-'
                })
                || !ends_alnum(name)
                || name.contains("..") =>
        {
            fail(
                "is not a bucket name (3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit)",
            )
        }
        NameKind::KeyId if name.is_empty() || name.contains(['/', ':']) || name.contains(' ') => {
            fail("is not a key ID")
        }
        // Create aliases, AWS KMS Developer Guide
        // (https://docs.aws.amazon.com/kms/latest/developerguide/alias-create.html).
        NameKind::Alias
            if name.len() > 256
                || name.len() <= "alias/".len()
                || !name.starts_with("alias/")
                || !chars_ok("/_-") =>
        {
            fail("is not an alias (alias/ then letters, digits, / _ -)")
        }
        NameKind::Alias if name.starts_with("alias/aws/") => {
            fail("uses alias/aws/, which is reserved for AWS managed keys")
        }
        // CreateLoadBalancer, Elastic Load Balancing API Reference
        // (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html).
        NameKind::LoadBalancer
            if name.is_empty()
                || name.len() > 32
                || !chars_ok("-")
                || name.starts_with('-')
                || name.ends_with('-')
                || name.starts_with("internal-") =>
        {
            fail("is not a load balancer name (1-32 letters, digits and hyphens)")
        }
        // CreateTrail, AWS CloudTrail API Reference
        // (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_CreateTrail.html).
        NameKind::Trail
            if !(3..=128).contains(&name.len()) || !chars_ok("._-") || !ends_alnum(name) =>
        {
            fail("is not a trail name (3-128 letters, digits, . _ -)")
        }
        // PutParameter, AWS Systems Manager API Reference
        // (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html).
        NameKind::Parameter
            if name.is_empty()
                || name.len() > 1011
                || !chars_ok("_.-/")
                || name
                    .trim_start_matches('/')
                    .to_ascii_lowercase()
                    .starts_with("aws")
                || name
                    .trim_start_matches('/')
                    .to_ascii_lowercase()
                    .starts_with("ssm") =>
        {
            fail("is not a parameter name (letters, digits, _ . - /; not starting with aws or ssm)")
        }
        _ => Ok(()),
    }
}

/// `us-east-1`, `ap-northeast-3`, `us-gov-west-1`: lowercase words and a number.
fn region_ok(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    let Some((last, words)) = parts.split_last() else {
        return false;
    };
    words.len() >= 2
        && words
            .iter()
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
        && !last.is_empty()
        && last.bytes().all(|b| b.is_ascii_digit())
}

/// One place a rename changes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    /// JSON path of the scenario field (`buckets[0].name`, `keys[0].policy`).
    pub field: String,
    /// For a change inside a policy text: the policy and where (1-based).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyId>,
    pub line: u32,
    pub column: u32,
    pub before: String,
    pub after: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.policy {
            Some(p) => write!(
                f,
                "{p} {}:{}: {} → {}",
                self.line, self.column, self.before, self.after
            ),
            None => write!(f, "{}: {} → {}", self.field, self.before, self.after),
        }
    }
}

/// The result of a rename: the new scenario and every change, in document order.
#[derive(Debug, Clone, PartialEq)]
pub struct Renamed {
    pub scenario: Scenario,
    pub changes: Vec<Change>,
    /// Policies that could not be rewritten (not valid JSON), with the reason.
    pub skipped: Vec<(PolicyId, String)>,
}

/// Why a rename is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenameError(pub String);

impl fmt::Display for RenameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RenameError {}

/// An owned ARN, for rewriting one part.
#[derive(Clone, PartialEq)]
struct ArnParts {
    partition: String,
    service: String,
    region: String,
    account: String,
    resource: String,
}

impl ArnParts {
    fn parse(text: &str) -> Option<Self> {
        let a = Arn::parse(text)?;
        Some(ArnParts {
            partition: a.partition.into(),
            service: a.service.into(),
            region: a.region.into(),
            account: a.account.into(),
            resource: a.resource.into(),
        })
    }

    fn render(&self) -> String {
        format!(
            "arn:{}:{}:{}:{}:{}",
            self.partition, self.service, self.region, self.account, self.resource
        )
    }
}

/// Rewrites `text` if it is an ARN and `f` changes it.
fn map_arn(text: &str, f: &dyn Fn(&mut ArnParts)) -> Option<String> {
    let mut a = ArnParts::parse(text)?;
    let before = a.clone();
    f(&mut a);
    (a != before).then(|| a.render())
}

/// Replaces every whole-token occurrence of `old` (not next to a `word` character).
fn replace_token(text: &str, old: &str, new: &str, word: fn(char) -> bool) -> Option<String> {
    if old.is_empty() || !text.contains(old) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut changed = false;
    let mut prev: Option<char> = None;
    while let Some(i) = rest.find(old) {
        let (head, tail) = rest.split_at(i);
        let before = head.chars().next_back().or(prev);
        let after = tail.get(old.len()..).and_then(|t| t.chars().next());
        out.push_str(head);
        if before.is_some_and(word) || after.is_some_and(word) {
            out.push_str(old);
        } else {
            out.push_str(new);
            changed = true;
        }
        prev = old.chars().next_back();
        rest = tail.get(old.len()..).unwrap_or("");
    }
    out.push_str(rest);
    changed.then_some(out)
}

fn digit(c: char) -> bool {
    c.is_ascii_digit()
}

fn region_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

/// A JSON string literal for `s` (quotes, backslashes and control characters escaped).
pub(crate) fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Every string value (not object key) of a JSON document, with its span.
pub(crate) fn string_values<'v>(v: &'v Value<'_>, out: &mut Vec<(keyflow_json::Span, &'v str)>) {
    match &v.kind {
        Kind::String(s) => out.push((v.span, s)),
        Kind::Array(items) => items.iter().for_each(|i| string_values(i, out)),
        Kind::Object(members) => members.iter().for_each(|m| string_values(&m.value, out)),
        _ => {}
    }
}

/// The contents of every `"…"` in text that may not be JSON (escapes kept as written).
fn quoted(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let start = rest.find('"')? + 1;
        let body = rest.get(start..)?;
        let mut escaped = false;
        let end = body
            .char_indices()
            .find(|&(_, c)| {
                let close = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                close || c == '\n'
            })
            .map_or(body.len(), |(i, _)| i);
        rest = body.get(end + 1..).unwrap_or("");
        body.get(..end)
    })
}

/// One string of a policy text replaced: where, and the text before and after.
pub(crate) struct TextEdit {
    pub start: usize,
    pub end: usize,
    pub before: String,
    pub after: String,
}

/// Applies `f` to every string value of a policy; `Err` when the text is not JSON.
pub(crate) fn rewrite_strings(
    text: &str,
    f: &dyn Fn(&str) -> Option<String>,
) -> Result<(String, Vec<TextEdit>), String> {
    let value = keyflow_json::parse(text).map_err(|e| {
        let at = LineIndex::new(text).position(e.span.start);
        format!("line {}, column {}: {}", at.line, at.column, e.kind)
    })?;
    let mut strings = Vec::new();
    string_values(&value, &mut strings);
    let edits: Vec<TextEdit> = strings
        .into_iter()
        .filter_map(|(span, s)| {
            let new = f(s)?;
            Some(TextEdit {
                start: span.start as usize,
                end: span.end as usize,
                before: s.to_string(),
                after: new,
            })
        })
        .collect();
    Ok((apply_edits(text, &edits), edits))
}

/// The text with each edit's span replaced by the JSON literal of its new value.
pub(crate) fn apply_edits(text: &str, edits: &[TextEdit]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for e in edits {
        out.push_str(text.get(at..e.start).unwrap_or(""));
        out.push_str(&json_string(&e.after));
        at = e.end;
    }
    out.push_str(text.get(at..).unwrap_or(""));
    out
}

/// Collects the changes while fields are rewritten.
struct Rewrite {
    changes: Vec<Change>,
    skipped: Vec<(PolicyId, String)>,
}

impl Rewrite {
    fn set(&mut self, field: String, slot: &mut String, new: &str) {
        if slot != new {
            self.changes.push(Change {
                field,
                policy: None,
                line: 0,
                column: 0,
                before: slot.clone(),
                after: new.to_string(),
            });
            *slot = new.to_string();
        }
    }

    fn map(&mut self, field: String, slot: &mut String, f: &dyn Fn(&str) -> Option<String>) {
        if let Some(new) = f(slot) {
            self.set(field, slot, &new);
        }
    }

    fn map_opt(
        &mut self,
        field: String,
        slot: &mut Option<String>,
        f: &dyn Fn(&str) -> Option<String>,
    ) {
        if let Some(s) = slot {
            self.map(field, s, f);
        }
    }

    /// Rewrites every policy text's strings with `f`.
    fn policies(&mut self, s: &mut Scenario, f: &dyn Fn(&str) -> Option<String>) {
        for field in s.policy_fields() {
            match rewrite_strings(&field.text, f) {
                Ok((text, edits)) if !edits.is_empty() => {
                    let lines = LineIndex::new(&field.text);
                    for e in &edits {
                        let at = lines.position(e.start as u32);
                        self.changes.push(Change {
                            field: field.path.clone(),
                            policy: Some(field.id.clone()),
                            line: at.line,
                            column: at.column,
                            before: e.before.clone(),
                            after: e.after.clone(),
                        });
                    }
                    if let Some(slot) = s.policy_text_mut(&field.id) {
                        *slot = text;
                    }
                }
                Ok(_) => {}
                Err(why) => {
                    // Only a policy that might hold the name is worth reporting.
                    if quoted(&field.text).any(|q| f(q).is_some()) {
                        self.skipped
                            .push((field.id, format!("not valid JSON ({why})")));
                    }
                }
            }
        }
    }

    /// Rewrites the strings of request expectations (resource ARNs, context values).
    fn expectations(&mut self, s: &mut Scenario, f: &dyn Fn(&str) -> Option<String>) {
        for (i, e) in s.expectations.iter_mut().enumerate() {
            if let Expectation::Request {
                resource, context, ..
            } = e
            {
                self.map(format!("expectations[{i}].resource"), resource, f);
                for (k, values) in context.iter_mut() {
                    for (j, v) in values.iter_mut().enumerate() {
                        self.map(format!("expectations[{i}].context.{k}[{j}]"), v, f);
                    }
                }
            }
        }
    }

    /// Rewrites every flow field of `kind` equal to `old`.
    fn flow_refs(
        &mut self,
        s: &mut Scenario,
        kinds: &[RefKind],
        f: &dyn Fn(&str) -> Option<String>,
    ) {
        for (i, flow) in s.flows.iter_mut().enumerate() {
            for r in flow.params.refs_mut() {
                if kinds.contains(&r.kind) {
                    self.map(format!("flows[{i}].{}", r.field), r.name, f);
                }
            }
        }
    }

    /// Every field that holds a key reference.
    fn key_refs(&mut self, s: &mut Scenario, f: &dyn Fn(&str) -> Option<String>) {
        for (i, b) in s.buckets.iter_mut().enumerate() {
            self.map_opt(
                format!("buckets[{i}].default_encryption.key"),
                &mut b.default_encryption.key,
                f,
            );
            for (j, o) in b.objects.iter_mut().enumerate() {
                self.map_opt(
                    format!("buckets[{i}].objects[{j}].kms_key"),
                    &mut o.kms_key,
                    f,
                );
            }
        }
        for (i, t) in s.trails.iter_mut().enumerate() {
            self.map_opt(format!("trails[{i}].kms_key"), &mut t.kms_key, f);
        }
        for (i, p) in s.parameters.iter_mut().enumerate() {
            self.map_opt(format!("parameters[{i}].key"), &mut p.key, f);
        }
        self.flow_refs(s, &[RefKind::Key], f);
    }

    /// Every field that names a bucket.
    fn bucket_refs(&mut self, s: &mut Scenario, f: &dyn Fn(&str) -> Option<String>) {
        for (i, b) in s.buckets.iter_mut().enumerate() {
            self.map(format!("buckets[{i}].name"), &mut b.name, f);
        }
        for (i, lb) in s.load_balancers.iter_mut().enumerate() {
            self.map(
                format!("load_balancers[{i}].access_logs.bucket"),
                &mut lb.access_logs.bucket,
                f,
            );
        }
        for (i, t) in s.trails.iter_mut().enumerate() {
            self.map(format!("trails[{i}].bucket"), &mut t.bucket, f);
        }
        self.flow_refs(s, &[RefKind::Bucket], f);
    }

    fn grants(&mut self, s: &mut Scenario, f: &dyn Fn(&str) -> Option<String>) {
        for (i, k) in s.keys.iter_mut().enumerate() {
            for (j, g) in k.grants.iter_mut().enumerate() {
                self.map(format!("keys[{i}].grants[{j}].grantee"), &mut g.grantee, f);
            }
        }
    }
}

fn exact(old: &str, new: &str) -> impl Fn(&str) -> Option<String> {
    let (old, new) = (old.to_string(), new.to_string());
    move |s: &str| (s == old).then(|| new.clone())
}

fn refuse(why: impl Into<String>) -> RenameError {
    RenameError(why.into())
}

/// Renames `target` to `to` and every reference to it. Refused when `to` is not
/// a valid name of its kind, is taken, or the target is not in the scenario.
pub fn rename(s: &Scenario, target: &Target, to: &str) -> Result<Renamed, RenameError> {
    let to = to.trim();
    let mut out = s.clone();
    let mut rw = Rewrite {
        changes: Vec::new(),
        skipped: Vec::new(),
    };
    let home = s.account.clone();
    let missing = || refuse(format!("the scenario has no {}", target.describe()));
    let taken = |what: &str| refuse(format!("the scenario already has a {what} \"{to}\""));
    let valid = |kind: NameKind| check_name(kind, to).map_err(RenameError);
    match target {
        Target::Account(old) => {
            valid(NameKind::Account)?;
            let (old, new) = (old.clone(), to.to_string());
            let token = move |t: &str| replace_token(t, &old, &new, digit);
            rw.policies(&mut out, &token);
            rw.set(
                "account".into(),
                &mut out.account,
                &token(&s.account).unwrap_or(s.account.clone()),
            );
            for (i, p) in out.principals.iter_mut().enumerate() {
                rw.map_opt(format!("principals[{i}].account"), &mut p.account, &token);
            }
            for (i, k) in out.keys.iter_mut().enumerate() {
                rw.map_opt(format!("keys[{i}].account"), &mut k.account, &token);
            }
            for (i, b) in out.buckets.iter_mut().enumerate() {
                rw.map_opt(format!("buckets[{i}].account"), &mut b.account, &token);
            }
            // Bucket names often carry the account ID (aws-cloudtrail-logs-ACCOUNT-…).
            rw.bucket_refs(&mut out, &token);
            rw.key_refs(&mut out, &token);
            rw.grants(&mut out, &token);
            rw.expectations(&mut out, &token);
        }
        Target::Region => {
            valid(NameKind::Region)?;
            let (old, new) = (s.region.clone(), to.to_string());
            // The legacy ALB bucket policy names the Region's ELB account.
            let elb = match (
                crate::flows::elb_account(&old),
                crate::flows::elb_account(&new),
            ) {
                (Some(a), Some(b)) if a != b => Some((a, b)),
                _ => None,
            };
            let token = move |t: &str| {
                let r = replace_token(t, &old, &new, region_char);
                match elb {
                    Some((a, b)) => {
                        let base = r.clone().unwrap_or_else(|| t.to_string());
                        replace_token(&base, a, b, digit).or(r)
                    }
                    None => r,
                }
            };
            rw.policies(&mut out, &token);
            rw.set("region".into(), &mut out.region, to);
            rw.key_refs(&mut out, &token);
            rw.grants(&mut out, &token);
            rw.expectations(&mut out, &token);
        }
        Target::Principal(old) => {
            let i = s
                .principals
                .iter()
                .position(|p| &p.name == old)
                .ok_or_else(missing)?;
            let p = s.principals.get(i).ok_or_else(missing)?;
            let iam = matches!(p.kind, PrincipalKind::User | PrincipalKind::Role);
            valid(if iam {
                NameKind::IamName
            } else {
                NameKind::Handle
            })?;
            if to != old && s.principals.iter().any(|q| q.name == to) {
                return Err(taken("principal"));
            }
            if iam {
                let arns = principal_arns(
                    p.kind,
                    p.account.as_deref().unwrap_or(&home),
                    old,
                    |a| a.to_string(),
                    to,
                );
                rw.policies(&mut out, &arns);
                rw.expectations(&mut out, &arns);
                rw.grants(&mut out, &arns);
            }
            let handle = exact(old, to);
            if let Some(q) = out.principals.get_mut(i) {
                rw.set(format!("principals[{i}].name"), &mut q.name, to);
            }
            for (j, q) in out.principals.iter_mut().enumerate() {
                rw.map_opt(format!("principals[{j}].role"), &mut q.role, &handle);
            }
            rw.grants(&mut out, &handle);
            rw.flow_refs(&mut out, &[RefKind::Principal, RefKind::Role], &handle);
            let suffix = format!(":{old}");
            let step = move |id: &str| {
                id.strip_suffix(suffix.as_str())
                    .map(|head| format!("{head}:{}", to))
            };
            for (j, e) in out.expectations.iter_mut().enumerate() {
                match e {
                    Expectation::Step { step: id, .. } => {
                        rw.map(format!("expectations[{j}].step"), id, &step);
                    }
                    Expectation::Matrix { principal, .. }
                    | Expectation::Request { principal, .. } => {
                        rw.map(format!("expectations[{j}].principal"), principal, &handle);
                    }
                }
            }
        }
        Target::PrincipalAccount(name) => {
            let i = s
                .principals
                .iter()
                .position(|p| &p.name == name)
                .ok_or_else(missing)?;
            let p = s.principals.get(i).ok_or_else(missing)?;
            if !to.is_empty() {
                valid(NameKind::Account)?;
            }
            let old = p.account.clone().unwrap_or_else(|| home.clone());
            let new = if to.is_empty() {
                home.clone()
            } else {
                to.to_string()
            };
            if matches!(p.kind, PrincipalKind::User | PrincipalKind::Role) {
                let new2 = new.clone();
                let arns = principal_arns(p.kind, &old, name, move |_| new2.clone(), name);
                rw.policies(&mut out, &arns);
                rw.expectations(&mut out, &arns);
                rw.grants(&mut out, &arns);
            }
            if let Some(q) = out.principals.get_mut(i) {
                let value = (new != home).then_some(new);
                if q.account != value {
                    rw.changes.push(Change {
                        field: format!("principals[{i}].account"),
                        policy: None,
                        line: 0,
                        column: 0,
                        before: q
                            .account
                            .clone()
                            .unwrap_or_else(|| format!("{home} (home)")),
                        after: value.clone().unwrap_or_else(|| format!("{home} (home)")),
                    });
                    q.account = value;
                }
            }
        }
        Target::Bucket(old) => {
            if !s.buckets.iter().any(|b| &b.name == old) {
                return Err(missing());
            }
            valid(NameKind::Bucket)?;
            if to != old && s.buckets.iter().any(|b| b.name == to) {
                return Err(taken("bucket"));
            }
            let (o, n) = (old.clone(), to.to_string());
            let arns = move |t: &str| {
                map_arn(t, &|a| {
                    if a.service != "s3" {
                        return;
                    }
                    if a.resource == o {
                        a.resource = n.clone();
                    } else if let Some(rest) = a.resource.strip_prefix(&format!("{o}/")) {
                        a.resource = format!("{n}/{rest}");
                    }
                })
            };
            rw.policies(&mut out, &arns);
            rw.expectations(&mut out, &arns);
            rw.bucket_refs(&mut out, &exact(old, to));
        }
        Target::BucketAccount(name) => {
            let i = s
                .buckets
                .iter()
                .position(|b| &b.name == name)
                .ok_or_else(missing)?;
            if !to.is_empty() {
                valid(NameKind::Account)?;
            }
            let value = (!to.is_empty() && to != home).then(|| to.to_string());
            if let Some(b) = out.buckets.get_mut(i)
                && b.account != value
            {
                rw.changes.push(Change {
                    field: format!("buckets[{i}].account"),
                    policy: None,
                    line: 0,
                    column: 0,
                    before: b
                        .account
                        .clone()
                        .unwrap_or_else(|| format!("{home} (home)")),
                    after: value.clone().unwrap_or_else(|| format!("{home} (home)")),
                });
                b.account = value;
            }
        }
        Target::KeyId(old) => {
            let k = s.keys.iter().find(|k| &k.id == old).ok_or_else(missing)?;
            valid(NameKind::KeyId)?;
            if to != old && s.keys.iter().any(|k| k.id == to) {
                return Err(taken("key"));
            }
            let account = k.account.clone().unwrap_or_else(|| home.clone());
            let (o, n) = (format!("key/{old}"), format!("key/{to}"));
            let arns = move |t: &str| {
                map_arn(t, &|a| {
                    if a.service == "kms" && a.account == account && a.resource == o {
                        a.resource = n.clone();
                    }
                })
            };
            rw.policies(&mut out, &arns);
            rw.expectations(&mut out, &arns);
            let (o2, n2) = (old.clone(), to.to_string());
            let refs = move |t: &str| {
                if t == o2 {
                    Some(n2.clone())
                } else if t == format!("key/{o2}") {
                    Some(format!("key/{n2}"))
                } else {
                    arns(t)
                }
            };
            if let Some(i) = s.keys.iter().position(|k| &k.id == old)
                && let Some(key) = out.keys.get_mut(i)
            {
                rw.set(format!("keys[{i}].id"), &mut key.id, to);
            }
            rw.key_refs(&mut out, &refs);
        }
        Target::KeyAccount(id) => {
            let i = s
                .keys
                .iter()
                .position(|k| &k.id == id)
                .ok_or_else(missing)?;
            let k = s.keys.get(i).ok_or_else(missing)?;
            if !to.is_empty() {
                valid(NameKind::Account)?;
            }
            let old = k.account.clone().unwrap_or_else(|| home.clone());
            let new = if to.is_empty() {
                home.clone()
            } else {
                to.to_string()
            };
            let mut names: Vec<String> = k.aliases.clone();
            names.push(format!("key/{id}"));
            let (o, n) = (old.clone(), new.clone());
            let arns = move |t: &str| {
                map_arn(t, &|a| {
                    if a.service == "kms" && a.account == o && names.contains(&a.resource) {
                        a.account = n.clone();
                    }
                })
            };
            rw.policies(&mut out, &arns);
            rw.expectations(&mut out, &arns);
            rw.key_refs(&mut out, &arns);
            let value = (new != home).then_some(new);
            if let Some(key) = out.keys.get_mut(i)
                && key.account != value
            {
                rw.changes.push(Change {
                    field: format!("keys[{i}].account"),
                    policy: None,
                    line: 0,
                    column: 0,
                    before: key
                        .account
                        .clone()
                        .unwrap_or_else(|| format!("{home} (home)")),
                    after: value.clone().unwrap_or_else(|| format!("{home} (home)")),
                });
                key.account = value;
            }
        }
        Target::KeyAlias(old) => {
            let (i, k) = s
                .keys
                .iter()
                .enumerate()
                .find(|(_, k)| k.aliases.contains(old))
                .ok_or_else(missing)?;
            valid(NameKind::Alias)?;
            if to != old && s.keys.iter().any(|k| k.aliases.iter().any(|a| a == to)) {
                return Err(taken("alias"));
            }
            let account = k.account.clone().unwrap_or_else(|| home.clone());
            let (o, n) = (old.clone(), to.to_string());
            let f = move |t: &str| {
                if t == o {
                    return Some(n.clone());
                }
                map_arn(t, &|a| {
                    if a.service == "kms" && a.account == account && a.resource == o {
                        a.resource = n.clone();
                    }
                })
            };
            rw.policies(&mut out, &f);
            rw.expectations(&mut out, &f);
            if let Some(key) = out.keys.get_mut(i) {
                for (j, a) in key.aliases.iter_mut().enumerate() {
                    rw.map(format!("keys[{i}].aliases[{j}]"), a, &f);
                }
            }
            rw.key_refs(&mut out, &f);
        }
        Target::LoadBalancer(old) => {
            if !s.load_balancers.iter().any(|l| &l.name == old) {
                return Err(missing());
            }
            valid(NameKind::LoadBalancer)?;
            if to != old && s.load_balancers.iter().any(|l| l.name == to) {
                return Err(taken("load balancer"));
            }
            let (o, n) = (old.clone(), to.to_string());
            let arns = move |t: &str| {
                map_arn(t, &|a| {
                    if a.service != "elasticloadbalancing" {
                        return;
                    }
                    let parts: Vec<&str> = a.resource.split('/').collect();
                    if let ["loadbalancer", kind, name, rest @ ..] = parts.as_slice()
                        && *name == o
                    {
                        let mut r = format!("loadbalancer/{kind}/{n}");
                        for p in rest {
                            r.push('/');
                            r.push_str(p);
                        }
                        a.resource = r;
                    }
                })
            };
            rw.policies(&mut out, &arns);
            rw.expectations(&mut out, &arns);
            for (i, l) in out.load_balancers.iter_mut().enumerate() {
                rw.map(
                    format!("load_balancers[{i}].name"),
                    &mut l.name,
                    &exact(old, to),
                );
            }
            rw.flow_refs(&mut out, &[RefKind::LoadBalancer], &exact(old, to));
        }
        Target::Trail(old) => {
            if !s.trails.iter().any(|t| &t.name == old) {
                return Err(missing());
            }
            valid(NameKind::Trail)?;
            if to != old && s.trails.iter().any(|t| t.name == to) {
                return Err(taken("trail"));
            }
            let (o, n) = (format!("trail/{old}"), format!("trail/{to}"));
            let arns = move |t: &str| {
                map_arn(t, &|a| {
                    if a.service == "cloudtrail" && a.resource == o {
                        a.resource = n.clone();
                    }
                })
            };
            rw.policies(&mut out, &arns);
            rw.expectations(&mut out, &arns);
            for (i, t) in out.trails.iter_mut().enumerate() {
                rw.map(format!("trails[{i}].name"), &mut t.name, &exact(old, to));
            }
            rw.flow_refs(&mut out, &[RefKind::Trail], &exact(old, to));
        }
        Target::Parameter(old) => {
            if !s.parameters.iter().any(|p| &p.name == old) {
                return Err(missing());
            }
            valid(NameKind::Parameter)?;
            if to != old && s.parameters.iter().any(|p| p.name == to) {
                return Err(taken("parameter"));
            }
            let o = format!("parameter/{}", old.trim_start_matches('/'));
            let n = format!("parameter/{}", to.trim_start_matches('/'));
            let arns = move |t: &str| {
                map_arn(t, &|a| {
                    if a.service == "ssm" && a.resource == o {
                        a.resource = n.clone();
                    }
                })
            };
            rw.policies(&mut out, &arns);
            rw.expectations(&mut out, &arns);
            for (i, p) in out.parameters.iter_mut().enumerate() {
                rw.map(
                    format!("parameters[{i}].name"),
                    &mut p.name,
                    &exact(old, to),
                );
            }
            rw.flow_refs(&mut out, &[RefKind::Parameter], &exact(old, to));
        }
    }
    out.validate()
        .map_err(|e| refuse(format!("the renamed scenario would not be valid: {e}")))?;
    Ok(Renamed {
        scenario: out,
        changes: rw.changes,
        skipped: rw.skipped,
    })
}

/// Points every field that refers to a key by `old` (an alias or ID) at `new`.
pub(crate) fn replace_key_refs(s: &mut Scenario, old: &str, new: &str) {
    let mut rw = Rewrite {
        changes: Vec::new(),
        skipped: Vec::new(),
    };
    rw.key_refs(s, &exact(old, new));
}

/// Rewrites the ARNs of a user or role (and its sessions) in `account` named
/// `old`: the account through `account_to`, the name to `name_to`.
fn principal_arns(
    kind: PrincipalKind,
    account: &str,
    old: &str,
    account_to: impl Fn(&str) -> String + 'static,
    name_to: &str,
) -> impl Fn(&str) -> Option<String> + 'static {
    let (account, old, new) = (account.to_string(), old.to_string(), name_to.to_string());
    move |t: &str| {
        map_arn(t, &|a| {
            if a.account != account {
                return;
            }
            let segments: Vec<&str> = a.resource.split('/').collect();
            let renamed = match (kind, a.service.as_str(), segments.as_slice()) {
                (PrincipalKind::User, "iam", ["user", .., last])
                | (PrincipalKind::Role, "iam", ["role", .., last])
                    if *last == old =>
                {
                    let head = a
                        .resource
                        .strip_suffix(old.as_str())
                        .unwrap_or(&a.resource)
                        .to_string();
                    Some(format!("{head}{new}"))
                }
                (PrincipalKind::Role, "sts", ["assumed-role", role, rest @ ..]) if *role == old => {
                    let mut r = format!("assumed-role/{new}");
                    for p in rest {
                        r.push('/');
                        r.push_str(p);
                    }
                    Some(r)
                }
                _ => None,
            };
            if let Some(r) = renamed {
                a.resource = r;
                a.account = account_to(&a.account);
            }
        })
    }
}

#[cfg(test)]
mod tests;
