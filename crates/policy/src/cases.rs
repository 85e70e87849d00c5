//! The request/decision case format (`keyflow cases`, the acceptance tests).
//!
//! A cases file is a JSON array of case objects. Unknown fields are ignored. Each
//! policy is parsed from its own slice of the file, so its spans are relative to
//! that slice.
//!
//! | field | meaning |
//! |---|---|
//! | `name` | unique, non-empty |
//! | `note` | optional free text: where the expected answer comes from |
//! | `request` | `principal`, `action`, `resource`, optional `resource_account`, `context` (key → string or array of strings) |
//! | `identity_policies` | array of policy documents (may be empty or absent) |
//! | `resource_policy` | the bucket, key or trust policy, or `null` |
//! | `permission_boundary` | one document or `null` |
//! | `session_policy` | optional: one document or `null` |
//! | `scps` | the SCPs of the caller's account by organization level, root first. Each level is one document, or an array of one or more documents attached to that node (AWS allows up to five): an action passes a level when any of its documents allows it, and any Deny denies |
//! | `rcps` | optional, same shape as `scps`, for the resource's account |
//! | `vpc_endpoint_policy` | optional: the request came through a VPC endpoint with this policy (one document, or `null` for no endpoint); the endpoint policy must allow the request too |
//! | `expected` | what the policies decide: `Allowed`, `ImplicitlyDenied` or `ExplicitlyDenied` |
//! | `expected_service_rule` | optional: a service rule that refuses the call whatever the policies decide (`aws_managed_policy`, `aws_reserved_alias`, `aws_reserved_role`), or `null` / absent for none |
//!
//! Every addition (level arrays, `rcps`, `session_policy`, `vpc_endpoint_policy`,
//! `expected_service_rule`) is optional, so older case files keep their meaning.

use keyflow_json::{Kind, Value};

use crate::ast::PolicyKind;
use crate::context::{Context, ContextValue, Request};
use crate::eval::{Decision, Evaluation, OrgLevels, Policies, PolicyRef, ServiceRule, evaluate};
use crate::parse::{Parsed, parse};
use crate::span::Span;

/// One case, with its policies parsed.
#[derive(Clone, Debug)]
pub struct Case {
    pub name: String,
    pub note: Option<String>,
    /// What the policies should decide.
    pub expected: Decision,
    /// The service rule that should refuse the call, if any.
    pub expected_service_rule: Option<ServiceRule>,
    pub request: Request,
    pub identity: Vec<Parsed>,
    pub resource: Option<Parsed>,
    pub permission_boundary: Option<Parsed>,
    /// SCPs by organization level (root first); every level holds one or more.
    pub scps: Vec<Vec<Parsed>>,
    /// RCPs by organization level (root first); every level holds one or more.
    pub rcps: Vec<Vec<Parsed>>,
    pub session: Option<Parsed>,
    /// The policy of the VPC endpoint the request came through.
    pub vpc_endpoint: Option<Parsed>,
    /// Span of the case object in the file.
    pub span: Span,
    identity_ids: Vec<String>,
    scp_ids: Vec<Vec<String>>,
    rcp_ids: Vec<Vec<String>>,
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

/// One organization level: a document, or an array of one or more documents.
fn org_level(
    text: &str,
    v: &Value<'_>,
    kind: PolicyKind,
    what: &str,
) -> Result<Vec<Parsed>, CaseError> {
    match v.as_array() {
        // AWS Organizations: "Every root, OU, and account must have at least one
        // SCP attached" (Organizations API Reference, DetachPolicy,
        // https://docs.aws.amazon.com/organizations/latest/APIReference/API_DetachPolicy.html).
        Some([]) => fail(
            v.span,
            format!("{what}: an organization level holds at least one policy"),
        ),
        Some(items) => items
            .iter()
            .map(|item| one_policy(text, item, kind, what))
            .collect(),
        None => one_policy(text, v, kind, what).map(|p| vec![p]),
    }
}

fn org_levels(
    text: &str,
    case: &Value<'_>,
    key: &str,
    kind: PolicyKind,
    what: &str,
) -> Result<Vec<Vec<Parsed>>, CaseError> {
    match case.get(key) {
        None => Ok(Vec::new()),
        Some(v) if matches!(v.kind, Kind::Null) => Ok(Vec::new()),
        Some(v) => match v.as_array() {
            Some(levels) => levels
                .iter()
                .map(|level| {
                    org_level(text, level, kind, &format!("{what}: each level of `{key}`"))
                })
                .collect(),
            None => fail(
                v.span,
                format!(
                    "{what}: `{key}` must be an array of organization levels (each a policy or an array of policies)"
                ),
            ),
        },
    }
}

fn level_ids(prefix: &str, levels: &[Vec<Parsed>]) -> Vec<Vec<String>> {
    levels
        .iter()
        .enumerate()
        .map(|(level, docs)| {
            if docs.len() == 1 {
                vec![format!("{prefix}-level-{level}")]
            } else {
                (0..docs.len())
                    .map(|i| format!("{prefix}-level-{level}-{i}"))
                    .collect()
            }
        })
        .collect()
}

fn expected_service_rule(case: &Value<'_>, what: &str) -> Result<Option<ServiceRule>, CaseError> {
    let Some(v) = case.get("expected_service_rule") else {
        return Ok(None);
    };
    if matches!(v.kind, Kind::Null) {
        return Ok(None);
    }
    let codes = ServiceRule::ALL.map(ServiceRule::code).join(", ");
    match v.as_str() {
        Some(code) => match ServiceRule::parse(code) {
            Some(rule) => Ok(Some(rule)),
            None => fail(
                v.span,
                format!(
                    "{what}: `expected_service_rule` must be one of {codes} or null, not `{code}`"
                ),
            ),
        },
        None => fail(
            v.span,
            format!("{what}: `expected_service_rule` must be a string ({codes}) or null"),
        ),
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
        let scps = org_levels(text, c, "scps", PolicyKind::Scp, &what)?;
        let rcps = org_levels(text, c, "rcps", PolicyKind::Rcp, &what)?;
        cases.push(Case {
            identity_ids: (0..identity.len())
                .map(|i| format!("identity-{i}"))
                .collect(),
            scp_ids: level_ids("scp", &scps),
            rcp_ids: level_ids("rcp", &rcps),
            expected_service_rule: expected_service_rule(c, &what)?,
            // A VPC endpoint policy is read under the bucket-policy rules: it must
            // name a Principal and may hold 20,480 characters, as a bucket policy
            // (AWS PrivateLink Guide, "Control access to VPC endpoints using
            // endpoint policies", Considerations).
            vpc_endpoint: optional_policy(
                text,
                c,
                "vpc_endpoint_policy",
                PolicyKind::BucketPolicy,
                &what,
            )?,
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
    /// `resource-policy`, `permission-boundary`, `scp-level-N` (or `scp-level-N-M`
    /// when level N holds several), `rcp-level-N` (`rcp-level-N-M`),
    /// `session-policy` and `vpc-endpoint-policy`.
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
            scps: levels(&self.scps, &self.scp_ids),
            rcps: levels(&self.rcps, &self.rcp_ids),
            session: self
                .session
                .as_ref()
                .map(|p| PolicyRef::new("session-policy", &p.policy)),
            vpc_endpoint: self
                .vpc_endpoint
                .as_ref()
                .map(|p| PolicyRef::new("vpc-endpoint-policy", &p.policy)),
        }
    }

    pub fn evaluate(&self) -> Evaluation {
        evaluate(&self.request, &self.policies())
    }

    /// Every policy document of the case, in no particular order.
    pub fn all_policies(&self) -> impl Iterator<Item = &Parsed> {
        self.identity
            .iter()
            .chain(&self.resource)
            .chain(&self.permission_boundary)
            .chain(self.scps.iter().flatten())
            .chain(self.rcps.iter().flatten())
            .chain(&self.session)
            .chain(&self.vpc_endpoint)
    }

    /// Whether `evaluation` gives the expected decision and the expected service rule.
    pub fn agrees(&self, evaluation: &Evaluation) -> bool {
        evaluation.decision == self.expected
            && evaluation.service_rule == self.expected_service_rule
    }
}

fn levels<'a>(docs: &'a [Vec<Parsed>], ids: &'a [Vec<String>]) -> OrgLevels<'a> {
    let mut levels = OrgLevels::new();
    for (level, level_ids) in docs.iter().zip(ids) {
        levels.push_level(
            level
                .iter()
                .zip(level_ids)
                .map(|(p, id)| PolicyRef::new(id, &p.policy)),
        );
    }
    levels
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

    const ALLOW_ALL: &str =
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;

    fn one_case(fields: &str) -> Result<Vec<Case>, CaseError> {
        parse_cases(&format!(
            r#"[{{"name":"a","expected":"Allowed","request":{{"principal":"arn:aws:iam::111122223333:role/R","action":"s3:GetObject","resource":"arn:aws:s3:::b/k","resource_account":"111122223333"}},"identity_policies":[{ALLOW_ALL}]{fields}}}]"#
        ))
    }

    #[test]
    fn an_organization_level_is_one_document_or_several() {
        let deny_s3 = r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:*","Resource":"*"}}"#;
        let cases = one_case(&format!(r#","scps":[{ALLOW_ALL},[{ALLOW_ALL},{deny_s3}]]"#)).unwrap();
        let c = &cases[0];
        assert_eq!(c.scps.len(), 2);
        assert_eq!(c.scps[1].len(), 2);
        let e = c.evaluate();
        assert_eq!(e.decision, Decision::ExplicitlyDenied);
        assert_eq!(e.deciding[0].policy_id, "scp-level-1-1");
        assert_eq!(c.policies().scps.levels(), 2);
        assert_eq!(c.all_policies().count(), 4);
        // A one-document array is the same as the document.
        let cases = one_case(&format!(
            r#","scps":[[{ALLOW_ALL}]],"rcps":[[{ALLOW_ALL}]]"#
        ))
        .unwrap();
        assert_eq!(
            cases[0].policies().scps.get(0, 0).map(|p| p.id),
            Some("scp-level-0")
        );
        // An empty level is refused: every node holds at least one policy.
        let e = one_case(r#","scps":[[]]"#).unwrap_err();
        assert!(e.message.contains("at least one policy"), "{}", e.message);
        assert!(one_case(r#","scps":{}"#).is_err());
        assert!(one_case(r#","scps":[[1]]"#).is_err());
    }

    #[test]
    fn reads_a_vpc_endpoint_policy_and_an_expected_service_rule() {
        let vpce = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"*"}]}"#;
        let cases = one_case(&format!(r#","vpc_endpoint_policy":{vpce}"#)).unwrap();
        let c = &cases[0];
        assert!(c.vpc_endpoint.as_ref().is_some_and(|p| p.is_valid()));
        let e = c.evaluate();
        assert_eq!(e.reason_code, "vpc_endpoint_no_allow");
        assert!(!c.agrees(&e));
        let cases =
            one_case(r#","vpc_endpoint_policy":null,"expected_service_rule":null"#).unwrap();
        assert!(cases[0].agrees(&cases[0].evaluate()));
        // A service rule is expected beside the decision.
        let cases = parse_cases(&format!(
            r#"[{{"name":"a","expected":"Allowed","expected_service_rule":"aws_managed_policy","request":{{"principal":"arn:aws:iam::111122223333:role/R","action":"iam:CreatePolicyVersion","resource":"arn:aws:iam::aws:policy/ReadOnlyAccess"}},"identity_policies":[{ALLOW_ALL}]}}]"#
        ))
        .unwrap();
        let c = &cases[0];
        assert_eq!(c.expected_service_rule, Some(ServiceRule::AwsManagedPolicy));
        assert!(c.agrees(&c.evaluate()));
        let e = one_case(r#","expected_service_rule":"nope""#).unwrap_err();
        assert!(e.message.contains("aws_reserved_role"), "{}", e.message);
        assert!(one_case(r#","expected_service_rule":3"#).is_err());
        // A case that expects no rule disagrees when one applies.
        let cases = parse_cases(&format!(
            r#"[{{"name":"a","expected":"Allowed","request":{{"principal":"arn:aws:iam::111122223333:role/R","action":"kms:DeleteAlias","resource":"arn:aws:kms:us-east-1:111122223333:alias/aws/ebs"}},"identity_policies":[{ALLOW_ALL}]}}]"#
        ))
        .unwrap();
        assert!(!cases[0].agrees(&cases[0].evaluate()));
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
