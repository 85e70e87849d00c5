//! The request/decision case format (`keyflow cases`, the acceptance tests).
//!
//! A cases file is a JSON array of objects with `name`, `request` (`principal`,
//! `action`, `resource`, optional `resource_account`, `context`),
//! `identity_policies`, `resource_policy`, `permission_boundary`, `scps`, optional
//! `rcps` and `session_policy`, and `expected`. Unknown fields are ignored. Each
//! policy is parsed from its own slice of the file, so its spans are relative to
//! that slice.

use keyflow_json::{Kind, Value};

use crate::ast::PolicyKind;
use crate::context::{Context, ContextValue, Request};
use crate::eval::{Decision, Evaluation, Policies, PolicyRef, evaluate};
use crate::parse::{Parsed, parse};
use crate::span::Span;

/// One case, with its policies parsed.
#[derive(Clone, Debug)]
pub struct Case {
    pub name: String,
    pub note: Option<String>,
    pub expected: Decision,
    pub request: Request,
    pub identity: Vec<Parsed>,
    pub resource: Option<Parsed>,
    pub permission_boundary: Option<Parsed>,
    pub scps: Vec<Parsed>,
    pub rcps: Vec<Parsed>,
    pub session: Option<Parsed>,
    /// Span of the case object in the file.
    pub span: Span,
    identity_ids: Vec<String>,
    scp_ids: Vec<String>,
    rcp_ids: Vec<String>,
}

/// A malformed cases file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseError {
    pub message: String,
    pub span: Span,
}

impl std::fmt::Display for CaseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CaseError {}

fn fail<T>(span: Span, message: impl Into<String>) -> Result<T, CaseError> {
    Err(CaseError {
        message: message.into(),
        span,
    })
}

/// Which kind of resource policy a request's resource has: decided by the ARN's service.
pub fn resource_policy_kind(request: &Request) -> PolicyKind {
    let service = request
        .resource
        .strip_prefix("arn:")
        .and_then(|r| r.split(':').nth(1))
        .unwrap_or("");
    let action_service = request
        .action
        .split(':')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    match service {
        "kms" => PolicyKind::KeyPolicy,
        "s3" => PolicyKind::BucketPolicy,
        "iam" if action_service == "sts" => PolicyKind::TrustPolicy,
        "" if action_service == "kms" => PolicyKind::KeyPolicy,
        _ => PolicyKind::BucketPolicy,
    }
}

fn string_field(obj: &Value<'_>, key: &str, what: &str) -> Result<String, CaseError> {
    match obj.get(key) {
        Some(v) => match v.as_str() {
            Some(s) => Ok(s.to_owned()),
            None => fail(v.span, format!("{what}: `{key}` must be a string")),
        },
        None => fail(obj.span, format!("{what}: missing `{key}`")),
    }
}

fn scalar_text(v: &Value<'_>) -> Option<String> {
    match &v.kind {
        Kind::String(s) => Some(s.to_string()),
        Kind::Bool(b) => Some(b.to_string()),
        Kind::Number(n) => Some((*n).to_owned()),
        _ => None,
    }
}

fn context(v: Option<&Value<'_>>, what: &str) -> Result<Context, CaseError> {
    let mut ctx = Context::new();
    let Some(v) = v else { return Ok(ctx) };
    if matches!(v.kind, Kind::Null) {
        return Ok(ctx);
    }
    let Some(members) = v.as_object() else {
        return fail(v.span, format!("{what}: `context` must be an object"));
    };
    for m in members {
        let value = match &m.value.kind {
            Kind::Array(items) => {
                let mut vals = Vec::with_capacity(items.len());
                for item in items {
                    match scalar_text(item) {
                        Some(s) => vals.push(s),
                        None => {
                            return fail(
                                item.span,
                                format!("{what}: context values must be strings"),
                            );
                        }
                    }
                }
                ContextValue::Multi(vals)
            }
            _ => match scalar_text(&m.value) {
                Some(s) => ContextValue::Single(s),
                None => {
                    return fail(
                        m.value.span,
                        format!(
                            "{what}: context value of `{}` must be a string or an array of strings",
                            m.key
                        ),
                    );
                }
            },
        };
        ctx.insert(m.key.to_string(), value);
    }
    Ok(ctx)
}

fn one_policy(
    text: &str,
    v: &Value<'_>,
    kind: PolicyKind,
    what: &str,
) -> Result<Parsed, CaseError> {
    if v.as_object().is_none() {
        return fail(v.span, format!("{what} must be a policy object"));
    }
    Ok(parse(v.span.slice(text), kind))
}

fn optional_policy(
    text: &str,
    case: &Value<'_>,
    key: &str,
    kind: PolicyKind,
    what: &str,
) -> Result<Option<Parsed>, CaseError> {
    match case.get(key) {
        None => Ok(None),
        Some(v) if matches!(v.kind, Kind::Null) => Ok(None),
        Some(v) => one_policy(text, v, kind, &format!("{what}: `{key}`")).map(Some),
    }
}

fn policy_list(
    text: &str,
    case: &Value<'_>,
    key: &str,
    kind: PolicyKind,
    what: &str,
) -> Result<Vec<Parsed>, CaseError> {
    match case.get(key) {
        None => Ok(Vec::new()),
        Some(v) if matches!(v.kind, Kind::Null) => Ok(Vec::new()),
        Some(v) => match v.as_array() {
            Some(items) => items
                .iter()
                .map(|item| one_policy(text, item, kind, &format!("{what}: each of `{key}`")))
                .collect(),
            None => fail(
                v.span,
                format!("{what}: `{key}` must be an array of policies"),
            ),
        },
    }
}

/// Parses a cases file.
pub fn parse_cases(text: &str) -> Result<Vec<Case>, CaseError> {
    let root = keyflow_json::parse(text).map_err(|e| CaseError {
        message: format!("invalid JSON: {}", e.kind),
        span: e.span,
    })?;
    let Some(items) = root.as_array() else {
        return fail(root.span, "a cases file must hold a JSON array of cases");
    };
    let mut cases = Vec::with_capacity(items.len());
    let mut names = std::collections::HashSet::new();
    for (i, c) in items.iter().enumerate() {
        if c.as_object().is_none() {
            return fail(c.span, format!("case #{i} is not an object"));
        }
        let name = string_field(c, "name", &format!("case #{i}"))?;
        if name.is_empty() {
            return fail(c.span, format!("case #{i} has an empty name"));
        }
        let what = format!("case `{name}`");
        if !names.insert(name.clone()) {
            return fail(c.span, format!("duplicate case name `{name}`"));
        }
        let expected_text = string_field(c, "expected", &what)?;
        let Some(expected) = Decision::parse(&expected_text) else {
            let span = c.get("expected").map_or(c.span, |v| v.span);
            return fail(
                span,
                format!(
                    "{what}: expected must be Allowed, ImplicitlyDenied or ExplicitlyDenied, not `{expected_text}`"
                ),
            );
        };
        let Some(req) = c.get("request").filter(|r| r.as_object().is_some()) else {
            return fail(c.span, format!("{what}: missing `request` object"));
        };
        let resource_account = match req.get("resource_account") {
            None => None,
            Some(v) if matches!(v.kind, Kind::Null) => None,
            Some(v) => match v.as_str() {
                Some(s) => Some(s.to_owned()),
                None => {
                    return fail(
                        v.span,
                        format!("{what}: `resource_account` must be a string"),
                    );
                }
            },
        };
        let request = Request {
            principal: string_field(req, "principal", &what)?,
            action: string_field(req, "action", &what)?,
            resource: string_field(req, "resource", &what)?,
            resource_account,
            context: context(req.get("context"), &what)?,
        };
        let rp_kind = resource_policy_kind(&request);
        let identity = policy_list(text, c, "identity_policies", PolicyKind::Identity, &what)?;
        let scps = policy_list(text, c, "scps", PolicyKind::Scp, &what)?;
        let rcps = policy_list(text, c, "rcps", PolicyKind::Rcp, &what)?;
        cases.push(Case {
            identity_ids: (0..identity.len())
                .map(|i| format!("identity-{i}"))
                .collect(),
            scp_ids: (0..scps.len()).map(|i| format!("scp-level-{i}")).collect(),
            rcp_ids: (0..rcps.len()).map(|i| format!("rcp-level-{i}")).collect(),
            name,
            note: c.get("note").and_then(|v| v.as_str()).map(str::to_owned),
            expected,
            identity,
            resource: optional_policy(text, c, "resource_policy", rp_kind, &what)?,
            permission_boundary: optional_policy(
                text,
                c,
                "permission_boundary",
                PolicyKind::PermissionBoundary,
                &what,
            )?,
            scps,
            rcps,
            session: optional_policy(text, c, "session_policy", PolicyKind::SessionPolicy, &what)?,
            request,
            span: c.span,
        });
    }
    Ok(cases)
}

impl Case {
    /// The case's policies, named `identity-N`, `key-policy`/`bucket-policy`/
    /// `resource-policy`, `permission-boundary`, `scp-level-N`, `rcp-level-N`, `session-policy`.
    pub fn policies(&self) -> Policies<'_> {
        Policies {
            identity: self
                .identity
                .iter()
                .zip(&self.identity_ids)
                .map(|(p, id)| PolicyRef::new(id, &p.policy))
                .collect(),
            resource: self.resource.as_ref().map(|p| {
                let id = match p.policy.kind {
                    PolicyKind::KeyPolicy => "key-policy",
                    PolicyKind::BucketPolicy => "bucket-policy",
                    PolicyKind::TrustPolicy => "trust-policy",
                    _ => "resource-policy",
                };
                PolicyRef::new(id, &p.policy)
            }),
            permission_boundary: self
                .permission_boundary
                .as_ref()
                .map(|p| PolicyRef::new("permission-boundary", &p.policy)),
            scps: self
                .scps
                .iter()
                .zip(&self.scp_ids)
                .map(|(p, id)| PolicyRef::new(id, &p.policy))
                .collect(),
            rcps: self
                .rcps
                .iter()
                .zip(&self.rcp_ids)
                .map(|(p, id)| PolicyRef::new(id, &p.policy))
                .collect(),
            session: self
                .session
                .as_ref()
                .map(|p| PolicyRef::new("session-policy", &p.policy)),
        }
    }

    pub fn evaluate(&self) -> Evaluation {
        evaluate(&self.request, &self.policies())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_case_format_and_ignores_unknown_fields() {
        let text = r#"[{"name":"a","extra":1,"request":{"principal":"arn:aws:iam::111122223333:user/a","action":"s3:GetObject","resource":"arn:aws:s3:::b/k","resource_account":"111122223333","context":{"aws:TagKeys":["x"],"n":5}},
            "identity_policies":[{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}],
            "resource_policy":null,"permission_boundary":null,"scps":[],"expected":"Allowed"}]"#;
        let cases = parse_cases(text).unwrap();
        assert_eq!(cases.len(), 1);
        assert_eq!(cases[0].evaluate().decision, Decision::Allowed);
        assert!(cases[0].request.context.get("N").is_some());
    }

    #[test]
    fn bad_files_report_a_position() {
        let e = parse_cases("[{\"name\": 1}]").unwrap_err();
        assert!(e.message.contains("name"));
        assert_eq!(e.span.start, 10);
        assert!(parse_cases("{}").is_err());
        assert!(parse_cases("[").is_err());
        let dup = r#"[{"name":"a","expected":"Allowed","request":{"principal":"p","action":"a:b","resource":"*"}},
                     {"name":"a","expected":"Allowed","request":{"principal":"p","action":"a:b","resource":"*"}}]"#;
        assert!(parse_cases(dup).unwrap_err().message.contains("duplicate"));
        let bad = r#"[{"name":"a","expected":"Maybe","request":{"principal":"p","action":"a:b","resource":"*"}}]"#;
        assert!(parse_cases(bad).is_err());
    }

    #[test]
    fn resource_policy_kind_follows_the_arn_service() {
        let mut r = Request::new(
            "p",
            "kms:Decrypt",
            "arn:aws:kms:us-east-1:111122223333:key/k",
        );
        assert_eq!(resource_policy_kind(&r), PolicyKind::KeyPolicy);
        r.resource = "arn:aws:s3:::b".into();
        assert_eq!(resource_policy_kind(&r), PolicyKind::BucketPolicy);
        r.resource = "arn:aws:iam::111122223333:role/R".into();
        r.action = "sts:AssumeRole".into();
        assert_eq!(resource_policy_kind(&r), PolicyKind::TrustPolicy);
    }
}
