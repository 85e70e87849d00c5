//! The AWS decision procedure.
//!
//! One core ([`decide`]) computes which statements apply and the decision; both
//! [`evaluate`] (fast, no trace) and [`explain`] (full trace for the UI) call it, so
//! the decision is identical by construction. The trace re-runs the same matchers
//! per element without short-circuiting.

use std::fmt;

use serde::Serialize;

use crate::ast::*;
use crate::condition::{evaluate_clause, request_values};
use crate::context::{Context, Request};
use crate::pattern::{Flavor, Glob, tokenize};
use crate::span::Span;

/// A policy handed to the evaluator; `id` names it in explanations.
#[derive(Clone, Copy, Debug)]
pub struct PolicyRef<'a> {
    pub id: &'a str,
    pub policy: &'a Policy,
}

impl<'a> PolicyRef<'a> {
    pub fn new(id: &'a str, policy: &'a Policy) -> Self {
        PolicyRef { id, policy }
    }
}

/// The SCPs (or RCPs) in force, by organization level: the root, each OU on the
/// path, the account. A level holds every policy attached to that node (AWS
/// Organizations allows up to five: "Quotas and service limits",
/// <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html>).
/// An action passes a level when any policy at that level allows it, and a Deny in
/// any policy denies ("SCP evaluation", AWS Organizations User Guide,
/// <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html>).
///
/// Stored flat, so a level holding one policy costs no allocation of its own.
#[derive(Clone, Debug, Default)]
pub struct OrgLevels<'a> {
    entries: Vec<LevelEntry<'a>>,
    levels: usize,
}

#[derive(Clone, Copy, Debug)]
struct LevelEntry<'a> {
    level: usize,
    index: usize,
    policy: PolicyRef<'a>,
}

impl<'a> OrgLevels<'a> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a level (below the ones already added) holding one policy.
    pub fn push(&mut self, policy: PolicyRef<'a>) {
        self.push_level([policy]);
    }

    /// Adds a level holding every policy of `policies`. An empty iterator adds no
    /// level: AWS requires at least one policy at every node.
    pub fn push_level(&mut self, policies: impl IntoIterator<Item = PolicyRef<'a>>) {
        let level = self.levels;
        let before = self.entries.len();
        self.entries.extend(
            policies
                .into_iter()
                .enumerate()
                .map(|(index, policy)| LevelEntry {
                    level,
                    index,
                    policy,
                }),
        );
        if self.entries.len() > before {
            self.levels += 1;
        }
    }

    /// The number of levels.
    pub fn levels(&self) -> usize {
        self.levels
    }

    pub fn is_empty(&self) -> bool {
        self.levels == 0
    }

    /// Every policy as `(level, index within the level, policy)`, root level first.
    pub fn iter(&self) -> impl Iterator<Item = (usize, usize, PolicyRef<'a>)> + '_ {
        self.entries.iter().map(|e| (e.level, e.index, e.policy))
    }

    /// The policies of one level.
    pub fn level(&self, level: usize) -> impl Iterator<Item = PolicyRef<'a>> + '_ {
        self.entries
            .iter()
            .filter(move |e| e.level == level)
            .map(|e| e.policy)
    }

    pub fn get(&self, level: usize, index: usize) -> Option<PolicyRef<'a>> {
        self.entries
            .iter()
            .find(|e| e.level == level && e.index == index)
            .map(|e| e.policy)
    }
}

/// One level per policy, as [`OrgLevels::push`] does.
impl<'a> FromIterator<PolicyRef<'a>> for OrgLevels<'a> {
    fn from_iter<I: IntoIterator<Item = PolicyRef<'a>>>(iter: I) -> Self {
        let mut levels = OrgLevels::new();
        for p in iter {
            levels.push(p);
        }
        levels
    }
}

/// Every policy in force for one request.
#[derive(Clone, Debug, Default)]
pub struct Policies<'a> {
    /// Identity-based policies of the caller (user + groups, or the role).
    pub identity: Vec<PolicyRef<'a>>,
    /// The resource's policy (bucket policy, KMS key policy, trust policy).
    pub resource: Option<PolicyRef<'a>>,
    pub permission_boundary: Option<PolicyRef<'a>>,
    /// SCPs of the caller's account, by level of the organization (root first).
    pub scps: OrgLevels<'a>,
    /// RCPs of the resource's account, by level.
    pub rcps: OrgLevels<'a>,
    /// Session policy passed when the session was created.
    pub session: Option<PolicyRef<'a>>,
    /// The policy of the VPC endpoint the request came through; `None` when it did
    /// not come through one. An endpoint policy does not grant access by itself and
    /// does not replace identity- or resource-based policies: the request must be
    /// allowed by them *and* by the endpoint policy ("Control access to VPC endpoints
    /// using endpoint policies", AWS PrivateLink Guide,
    /// <https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html>).
    pub vpc_endpoint: Option<PolicyRef<'a>>,
}

/// The final answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Decision {
    Allowed,
    ImplicitlyDenied,
    ExplicitlyDenied,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allowed => "Allowed",
            Decision::ImplicitlyDenied => "ImplicitlyDenied",
            Decision::ExplicitlyDenied => "ExplicitlyDenied",
        }
    }

    pub fn parse(s: &str) -> Option<Decision> {
        match s {
            "Allowed" => Some(Decision::Allowed),
            "ImplicitlyDenied" => Some(Decision::ImplicitlyDenied),
            "ExplicitlyDenied" => Some(Decision::ExplicitlyDenied),
            _ => None,
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which policy of [`Policies`] a statement belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "type", content = "index", rename_all = "snake_case")]
pub enum PolicySlot {
    Identity(usize),
    Resource,
    PermissionBoundary,
    /// The `index`-th SCP attached at organization `level` (root = 0).
    Scp {
        level: usize,
        index: usize,
    },
    /// The `index`-th RCP attached at organization `level` (root = 0).
    Rcp {
        level: usize,
        index: usize,
    },
    Session,
    /// The policy of the VPC endpoint the request came through.
    VpcEndpoint,
}

/// How a resource-policy statement named the caller; decides what else must allow
/// (IAM UG, same-account table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantKind {
    /// `*`, `{"AWS": "*"}` or an Allow with `NotPrincipal`.
    Everyone,
    /// The exact user, role session, federated user or service principal.
    Principal,
    /// The role ARN of the calling session: boundary and session policies still limit.
    Role,
    /// The caller's account: delegation, an identity policy must allow too.
    Account,
}

/// Why the decision came out as it did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    ExplicitDeny,
    ScpNoAllow {
        level: usize,
    },
    KeyPolicyMissing,
    /// `account` is the caller's; `None` for service principals, which have none to delegate to.
    KeyPolicyNoGrant {
        account: Option<String>,
    },
    KeyPolicyDelegatesNoIdentity {
        account: String,
    },
    TrustPolicyNoGrant,
    CrossAccountNoResourcePolicy {
        resource_account: String,
    },
    CrossAccountNoResourceGrant {
        resource_account: String,
    },
    CrossAccountNoIdentity {
        account: String,
    },
    NoIdentityAllow,
    BoundaryNoAllow,
    SessionNoAllow,
    AllowedByResourcePolicy {
        grant: GrantKind,
    },
    AllowedCrossAccount,
    AllowedByIdentity {
        delegated: bool,
    },
    AllowedRootUser {
        delegated: bool,
    },
    /// The action needs no permission at all: AWS performs it whatever the policies
    /// say (`sts:GetCallerIdentity`).
    NoPermissionRequired,
    /// The request came through a VPC endpoint whose policy does not allow it.
    VpcEndpointNoAllow,
}

impl Reason {
    /// A stable short code for the reason.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::ExplicitDeny => "explicit_deny",
            Reason::ScpNoAllow { .. } => "scp_no_allow",
            Reason::KeyPolicyMissing => "key_policy_missing",
            Reason::KeyPolicyNoGrant { .. } => "key_policy_no_grant",
            Reason::KeyPolicyDelegatesNoIdentity { .. } => "key_policy_delegates_no_identity_allow",
            Reason::TrustPolicyNoGrant => "trust_policy_no_grant",
            Reason::CrossAccountNoResourcePolicy { .. } => "cross_account_no_resource_policy",
            Reason::CrossAccountNoResourceGrant { .. } => "cross_account_no_resource_grant",
            Reason::CrossAccountNoIdentity { .. } => "cross_account_no_identity_allow",
            Reason::NoIdentityAllow => "no_identity_allow",
            Reason::BoundaryNoAllow => "boundary_no_allow",
            Reason::SessionNoAllow => "session_no_allow",
            Reason::AllowedByResourcePolicy { .. } => "allowed_by_resource_policy",
            Reason::AllowedCrossAccount => "allowed_cross_account",
            Reason::AllowedByIdentity { .. } => "allowed_by_identity",
            Reason::AllowedRootUser { .. } => "allowed_root_user",
            Reason::NoPermissionRequired => "no_permission_required",
            Reason::VpcEndpointNoAllow => "vpc_endpoint_no_allow",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::ExplicitDeny => f.write_str("an explicit Deny statement matches the request (explicit deny wins over any allow)"),
            Reason::ScpNoAllow { level } => write!(f, "no service control policy at organization level {level} allows the action (every level from the root to the account must allow)"),
            Reason::KeyPolicyMissing => f.write_str("no KMS key policy was given; without a key policy nobody can use the key"),
            Reason::KeyPolicyNoGrant { account: Some(account) } => write!(f, "KMS key policy does not allow the principal and does not delegate to account {account}"),
            Reason::KeyPolicyNoGrant { account: None } => f.write_str("KMS key policy does not allow the principal (a service principal is allowed only by a statement that names it)"),
            Reason::KeyPolicyDelegatesNoIdentity { account } => write!(f, "KMS key policy delegates to account {account}, but no identity-based policy allows the action"),
            Reason::TrustPolicyNoGrant => f.write_str("the role trust policy does not allow the principal"),
            Reason::CrossAccountNoResourcePolicy { resource_account } => write!(f, "cross-account request: the resource in account {resource_account} has no resource-based policy to allow it"),
            Reason::CrossAccountNoResourceGrant { resource_account } => write!(f, "cross-account request: no resource-based policy statement in account {resource_account} allows the principal"),
            Reason::CrossAccountNoIdentity { account } => write!(f, "cross-account request: the resource policy allows it, but no identity-based policy in account {account} does"),
            Reason::NoIdentityAllow => f.write_str("no identity-based or resource-based policy allows the action"),
            Reason::BoundaryNoAllow => f.write_str("the permissions boundary does not allow the action"),
            Reason::SessionNoAllow => f.write_str("the session policy does not allow the action"),
            Reason::AllowedByResourcePolicy { grant } => match grant {
                GrantKind::Role => f.write_str("allowed by the resource-based policy, which names the caller's role (boundary and session policy also allow)"),
                GrantKind::Everyone => f.write_str("allowed by the resource-based policy, whose statement applies to every principal (\"*\") that meets its conditions"),
                _ => f.write_str("allowed by the resource-based policy, which names the caller directly"),
            },
            Reason::AllowedCrossAccount => f.write_str("cross-account: allowed by both the resource-based policy and the caller's identity-based policy"),
            Reason::AllowedByIdentity { delegated: true } => f.write_str("allowed by an identity-based policy; the resource policy delegates to the caller's account"),
            Reason::AllowedByIdentity { delegated: false } => f.write_str("allowed by an identity-based policy"),
            Reason::AllowedRootUser { delegated: true } => f.write_str("the account root user has full identity-side access and the resource policy allows its account"),
            Reason::AllowedRootUser { delegated: false } => f.write_str("the account root user has full access to its own account's resources"),
            // AWS STS API Reference, "GetCallerIdentity",
            // https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
            Reason::NoPermissionRequired => f.write_str("sts:GetCallerIdentity needs no permission: AWS performs it even when a policy explicitly denies it, because a denial would return the same information (AWS STS API Reference, GetCallerIdentity, https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html)"),
            Reason::VpcEndpointNoAllow => f.write_str("the request came through a VPC endpoint whose policy does not allow it; an endpoint policy grants nothing by itself but must allow the request too (AWS PrivateLink Guide, Control access to VPC endpoints using endpoint policies, https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html)"),
        }
    }
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A statement that decided the outcome (a matching Deny, or the Allows that granted).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DecidingStatement {
    pub policy_id: String,
    pub slot: PolicySlot,
    pub statement: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    pub span: Span,
    pub grant: Option<GrantKind>,
}

/// The result of evaluating one request.
#[derive(Clone, Debug, Serialize)]
pub struct Evaluation {
    /// What the policies decide.
    pub decision: Decision,
    /// Short human reason (serialized as text).
    pub reason: Reason,
    pub reason_code: &'static str,
    /// Statements that decided; empty for an implicit deny.
    pub deciding: Vec<DecidingStatement>,
    /// A rule of the service that refuses the call whatever `decision` says; the
    /// call fails when this is set, even if the policies allow it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_rule: Option<ServiceRule>,
    /// Per-policy, per-statement detail; only from [`explain`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<Trace>,
}

impl Evaluation {
    /// The statements that decided: (policy id, statement index, sid, span) and more.
    pub fn deciding_statements(&self) -> &[DecidingStatement] {
        &self.deciding
    }

    /// The reason as text.
    pub fn summary(&self) -> String {
        self.reason.to_string()
    }

    /// The call goes through: the policies allow it and no service rule refuses it.
    pub fn is_permitted(&self) -> bool {
        self.decision == Decision::Allowed && self.service_rule.is_none()
    }
}

// ---------------------------------------------------------------------------
// Service rules: refusals that come from the service, not from a policy.

/// A rule of an AWS service that refuses a call whatever the policies say. It is
/// reported beside the policy decision, never as one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceRule {
    /// An AWS managed policy (`arn:aws:iam::aws:policy/…`) cannot be changed or
    /// deleted: AWS creates and administers it.
    AwsManagedPolicy,
    /// Aliases that begin with `alias/aws/` are reserved for AWS managed keys: they
    /// cannot be created, updated or deleted by customers.
    AwsReservedAlias,
    /// A role under the `/aws-reserved/` path (created by IAM Identity Center) is
    /// modifiable only by AWS.
    AwsReservedRole,
}

impl ServiceRule {
    pub const ALL: [ServiceRule; 3] = [
        ServiceRule::AwsManagedPolicy,
        ServiceRule::AwsReservedAlias,
        ServiceRule::AwsReservedRole,
    ];

    /// A stable short code (also the case-format spelling).
    pub fn code(self) -> &'static str {
        match self {
            ServiceRule::AwsManagedPolicy => "aws_managed_policy",
            ServiceRule::AwsReservedAlias => "aws_reserved_alias",
            ServiceRule::AwsReservedRole => "aws_reserved_role",
        }
    }

    pub fn parse(code: &str) -> Option<ServiceRule> {
        ServiceRule::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The AWS page that states the rule: (title, URL).
    pub fn source(self) -> (&'static str, &'static str) {
        match self {
            ServiceRule::AwsManagedPolicy => (
                "AWS Managed Policy Reference: What are AWS managed policies?",
                "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/about-managed-policy-reference.html",
            ),
            ServiceRule::AwsReservedAlias => (
                "AWS KMS Developer Guide: Create aliases",
                "https://docs.aws.amazon.com/kms/latest/developerguide/alias-create.html",
            ),
            ServiceRule::AwsReservedRole => (
                "AWS re:Post Knowledge Center: How do I resolve the IAM error \"Cannot perform the operation on the protected role AWSReservedSSO\"?",
                "https://repost.aws/knowledge-center/identity-center-aws-reserved-sso",
            ),
        }
    }
}

impl fmt::Display for ServiceRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self {
            ServiceRule::AwsManagedPolicy => {
                "the policy is an AWS managed policy: AWS creates and administers it, and nobody can change the permissions it defines"
            }
            ServiceRule::AwsReservedAlias => {
                "the alias begins with alias/aws/, a prefix reserved for AWS managed keys: customers cannot create, update or delete such aliases"
            }
            ServiceRule::AwsReservedRole => {
                "the role is under the /aws-reserved/ path, where IAM Identity Center creates its roles: such a role is only modifiable by AWS (change its permission set in IAM Identity Center instead)"
            }
        };
        let (title, url) = self.source();
        write!(
            f,
            "refused by the service whatever the policies say: {what} ({title}, {url})"
        )
    }
}

/// Actions that change an IAM managed policy (IAM API Reference: CreatePolicyVersion,
/// DeletePolicyVersion, SetDefaultPolicyVersion, DeletePolicy).
const POLICY_CHANGES: [&str; 4] = [
    "iam:CreatePolicyVersion",
    "iam:DeletePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:DeletePolicy",
];

/// Actions that create, repoint or delete a KMS alias.
const ALIAS_CHANGES: [&str; 3] = ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"];

/// Actions that modify or delete an IAM role. The first seven are the changes AWS's
/// own `AWSSSOServiceRolePolicy` lets IAM Identity Center make to
/// `role/aws-reserved/sso.amazonaws.com/*`
/// (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSSSOServiceRolePolicy.html);
/// detaching or deleting a role's policies and deleting the role modify it too.
const ROLE_CHANGES: [&str; 10] = [
    "iam:AttachRolePolicy",
    "iam:PutRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
    "iam:UpdateAssumeRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DetachRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:DeleteRole",
];

fn action_in(action: &str, list: &[&str]) -> bool {
    list.iter().any(|a| a.eq_ignore_ascii_case(action))
}

/// The service rule that refuses `request`, if any.
///
/// The rules bind the principals of AWS customers; AWS service principals are exempt
/// (assumption: AWS creates and administers these resources itself, and no AWS page
/// says how its own calls are checked).
pub fn service_rule(request: &Request) -> Option<ServiceRule> {
    let action = request.action.as_str();
    // The action decides which rule could apply: cheap, and none for the common case.
    let candidate = if action_in(action, &POLICY_CHANGES) {
        ServiceRule::AwsManagedPolicy
    } else if action_in(action, &ALIAS_CHANGES) {
        ServiceRule::AwsReservedAlias
    } else if action_in(action, &ROLE_CHANGES) {
        ServiceRule::AwsReservedRole
    } else {
        return None;
    };
    let (service, _, account, resource) = arn_parts(&request.resource)?;
    let applies = match candidate {
        ServiceRule::AwsManagedPolicy => {
            service == "iam" && account == "aws" && resource.starts_with("policy/")
        }
        ServiceRule::AwsReservedAlias => service == "kms" && resource.starts_with("alias/aws/"),
        ServiceRule::AwsReservedRole => {
            service == "iam" && resource.starts_with("role/aws-reserved/")
        }
    };
    (applies && !matches!(Caller::parse(&request.principal), Caller::Service(_)))
        .then_some(candidate)
}

/// Everything the UI needs to highlight what matched and what failed.
#[derive(Clone, Debug, Serialize)]
pub struct Trace {
    pub caller_account: Option<String>,
    pub resource_account: Option<String>,
    pub cross_account: bool,
    /// Whether the resource policy must itself allow (KMS key policy, trust policy).
    pub resource_policy_mandatory: bool,
    pub policies: Vec<PolicyTrace>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PolicyTrace {
    pub id: String,
    pub slot: PolicySlot,
    pub kind: PolicyKind,
    /// False when this policy does not apply to the caller (e.g. SCPs and service principals).
    pub applies: bool,
    pub note: Option<String>,
    /// Some Allow statement applies.
    pub allows: bool,
    /// Some Deny statement applies.
    pub denies: bool,
    pub statements: Vec<StatementTrace>,
}

#[derive(Clone, Debug, Serialize)]
pub struct StatementTrace {
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Option<Effect>,
    pub span: Span,
    /// `None` when the policy type has no principal (identity, SCP, boundary, session).
    pub principal: Option<ElementTrace>,
    pub action: ElementTrace,
    pub resource: ElementTrace,
    pub conditions: Vec<ConditionTrace>,
    pub conditions_met: bool,
    /// The statement applies to the request (all of the above hold).
    pub applies: bool,
    pub grant: Option<GrantKind>,
}

/// Whether Principal/Action/Resource matched, and where.
#[derive(Clone, Debug, Serialize)]
pub struct ElementTrace {
    pub matched: bool,
    /// Not* form.
    pub negated: bool,
    /// The element is missing from the statement.
    pub missing: bool,
    /// Span of the element's value.
    pub span: Option<Span>,
    /// Spans of the listed values that matched the request.
    pub matching_values: Vec<Span>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ConditionTrace {
    pub operator: String,
    pub operator_span: Span,
    pub key: String,
    pub key_span: Span,
    pub policy_values: Vec<String>,
    pub values_span: Span,
    /// `None` when the key is absent from the request context.
    pub request_values: Option<Vec<String>>,
    pub known_operator: bool,
    pub result: bool,
}

// ---------------------------------------------------------------------------
// The caller.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caller<'a> {
    Root {
        account: &'a str,
    },
    User {
        arn: &'a str,
        account: &'a str,
    },
    /// A role ARN as request principal: a session of that role.
    Role {
        account: &'a str,
        name: &'a str,
    },
    Session {
        arn: &'a str,
        account: &'a str,
        role: &'a str,
    },
    FederatedUser {
        arn: &'a str,
        account: &'a str,
    },
    Service(&'a str),
    Anonymous,
    Other {
        text: &'a str,
        account: Option<&'a str>,
    },
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Splits an ARN into (service, region, account, resource).
fn arn_parts(arn: &str) -> Option<(&str, &str, &str, &str)> {
    let rest = arn.strip_prefix("arn:")?;
    let (_partition, rest) = rest.split_once(':')?;
    let (service, rest) = rest.split_once(':')?;
    let (region, rest) = rest.split_once(':')?;
    let (account, resource) = rest.split_once(':')?;
    Some((service, region, account, resource))
}

impl<'a> Caller<'a> {
    fn parse(p: &'a str) -> Caller<'a> {
        if p == "*" || p.eq_ignore_ascii_case("anonymous") {
            return Caller::Anonymous;
        }
        if is_account_id(p) {
            return Caller::Root { account: p };
        }
        if let Some((service, _, account, resource)) = arn_parts(p) {
            match service {
                "iam" if resource == "root" => return Caller::Root { account },
                "iam" if resource.starts_with("user/") => return Caller::User { arn: p, account },
                "iam" if resource.starts_with("role/") => {
                    let name = resource.rsplit('/').next().unwrap_or(resource);
                    return Caller::Role { account, name };
                }
                "sts" => {
                    if let Some(rest) = resource.strip_prefix("assumed-role/") {
                        let role = rest.split('/').next().unwrap_or(rest);
                        return Caller::Session {
                            arn: p,
                            account,
                            role,
                        };
                    }
                    if resource.starts_with("federated-user/") {
                        return Caller::FederatedUser { arn: p, account };
                    }
                }
                _ => {}
            }
            let account = (!account.is_empty()).then_some(account);
            return Caller::Other { text: p, account };
        }
        if p.contains('.') && !p.contains(':') && !p.contains('/') {
            return Caller::Service(p);
        }
        Caller::Other {
            text: p,
            account: None,
        }
    }

    fn account(&self) -> Option<&'a str> {
        match *self {
            Caller::Root { account }
            | Caller::User { account, .. }
            | Caller::Role { account, .. }
            | Caller::Session { account, .. }
            | Caller::FederatedUser { account, .. } => Some(account),
            Caller::Other { account, .. } => account,
            Caller::Service(_) | Caller::Anonymous => None,
        }
    }

    fn text(&self) -> Option<&'a str> {
        match *self {
            Caller::User { arn, .. }
            | Caller::Session { arn, .. }
            | Caller::FederatedUser { arn, .. } => Some(arn),
            Caller::Service(s) => Some(s),
            Caller::Other { text, .. } => Some(text),
            _ => None,
        }
    }

    /// IAM principals (users, roles, sessions, root) are what SCPs restrict.
    fn is_iam(&self) -> bool {
        !matches!(self, Caller::Service(_) | Caller::Anonymous)
    }
}

/// Does one `Principal` entry name the caller, and how?
fn principal_entry(m: &PrincipalMatcher, caller: &Caller<'_>) -> Option<GrantKind> {
    match m {
        PrincipalMatcher::Any => Some(GrantKind::Everyone),
        PrincipalMatcher::Account(a) => {
            (caller.account() == Some(a.as_str()) && caller.is_iam()).then_some(GrantKind::Account)
        }
        PrincipalMatcher::User(arn) => matches!(caller, Caller::User { arn: c, .. } if c == arn)
            .then_some(GrantKind::Principal),
        PrincipalMatcher::Role { account, name } => match caller {
            Caller::Role {
                account: a,
                name: n,
            }
            | Caller::Session {
                account: a,
                role: n,
                ..
            } if a == account && n == name => Some(GrantKind::Role),
            _ => None,
        },
        PrincipalMatcher::Session(arn) => {
            matches!(caller, Caller::Session { arn: c, .. } if c == arn)
                .then_some(GrantKind::Principal)
        }
        PrincipalMatcher::FederatedUser(arn) => {
            matches!(caller, Caller::FederatedUser { arn: c, .. } if c == arn)
                .then_some(GrantKind::Principal)
        }
        PrincipalMatcher::Service(s) => {
            matches!(caller, Caller::Service(c) if c.eq_ignore_ascii_case(s))
                .then_some(GrantKind::Principal)
        }
        PrincipalMatcher::Exact(s) => {
            (caller.text() == Some(s.as_str())).then_some(GrantKind::Principal)
        }
        PrincipalMatcher::Never => None,
    }
}

/// Whether a `NotPrincipal` element spares the caller from the statement.
///
/// With `Deny`, the caller is spared only when every element of its identity chain
/// is listed: the specific principal *and* its account (IAM User Guide, "AWS JSON
/// policy elements: NotPrincipal": with Deny, list the account ARN too; listing only
/// the account does not spare its users).
///
/// With `Allow`, today's IAM reference says the combination "is not supported" for
/// new policies (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html);
/// existing statements keep working as the earlier IAM User Guide described them:
/// "Doing so allows all principals except the one named in the NotPrincipal
/// element", anonymous users included (IAM User Guide, archived 2023, "NotPrincipal
/// With Allow",
/// https://github.com/awsdocs/iam-user-guide/blob/main/doc_source/reference_policies_elements_notprincipal.md).
/// So the caller is left out as soon as it is named: its own ARN, its role (for a
/// role session) or its account. That AWS validates the account, then the role,
/// then the session (same page, "NotPrincipal With Deny") is why naming an account
/// or a role leaves out everything under it (derived).
fn not_principal_excludes(entries: &[PrincipalEntry], caller: &Caller<'_>, effect: Effect) -> bool {
    if effect == Effect::Allow {
        return entries
            .iter()
            .any(|e| principal_entry(&e.matcher, caller).is_some());
    }
    let any = entries.iter().any(|e| e.matcher == PrincipalMatcher::Any);
    if any {
        return true;
    }
    let account_listed = caller.account().is_some_and(|acct| {
        entries
            .iter()
            .any(|e| matches!(&e.matcher, PrincipalMatcher::Account(a) if a == acct))
    });
    let identity_listed = || {
        entries.iter().any(|e| match (&e.matcher, caller) {
            (PrincipalMatcher::Role { .. }, Caller::Role { .. }) => {
                principal_entry(&e.matcher, caller).is_some()
            }
            (PrincipalMatcher::Role { .. }, _) | (PrincipalMatcher::Account(_), _) => false,
            (m, _) => principal_entry(m, caller).is_some(),
        })
    };
    match caller {
        Caller::Root { .. } => account_listed,
        Caller::Service(_) | Caller::Anonymous => identity_listed(),
        Caller::Other { account: None, .. } => identity_listed(),
        _ => account_listed && identity_listed(),
    }
}

fn principal_block(
    block: &PrincipalBlock,
    caller: &Caller<'_>,
    effect: Effect,
) -> Option<GrantKind> {
    if block.negated {
        return (!not_principal_excludes(&block.entries, caller, effect))
            .then_some(GrantKind::Everyone);
    }
    let mut best: Option<GrantKind> = None;
    for e in &block.entries {
        if let Some(g) = principal_entry(&e.matcher, caller) {
            best = Some(match (best, g) {
                (None, g) => g,
                (Some(b), g) => stronger(b, g),
            });
            if matches!(g, GrantKind::Everyone | GrantKind::Principal) {
                break;
            }
        }
    }
    best
}

fn rank(g: GrantKind) -> u8 {
    match g {
        GrantKind::Everyone | GrantKind::Principal => 3,
        GrantKind::Role => 2,
        GrantKind::Account => 1,
    }
}

fn stronger(a: GrantKind, b: GrantKind) -> GrantKind {
    if rank(b) > rank(a) { b } else { a }
}

fn action_item(item: &ActionItem, action: &str) -> bool {
    item.glob.matches(action, true)
}

fn resource_item(item: &ResourceItem, resource: &str, ctx: &Context) -> bool {
    match &item.pattern {
        ResourcePattern::Glob(g) => g.matches(resource, false),
        ResourcePattern::Template(t) => {
            let mut chars = Vec::with_capacity(item.value.len() + 16);
            if !t.resolve_marked(ctx, &mut chars) {
                return false;
            }
            Glob::from_tokens(tokenize(&chars, Flavor::Arn)).matches(resource, false)
        }
    }
}

fn action_block(b: &ActionBlock, action: &str) -> bool {
    b.items.iter().any(|i| action_item(i, action)) != b.negated
}

fn resource_block(b: &ResourceBlock, resource: &str, ctx: &Context) -> bool {
    b.items.iter().any(|i| resource_item(i, resource, ctx)) != b.negated
}

fn condition(c: &Condition, ctx: &Context) -> bool {
    evaluate_clause(c.spec, &c.key.value, &c.compiled, ctx)
}

struct View<'a> {
    req: &'a Request,
    caller: Caller<'a>,
}

/// Whether a statement applies; `principal` is considered only for resource-based
/// policies. Returns the grant kind (for non-resource policies: `Principal`).
fn statement_applies(
    st: &Statement,
    policy: &Policy,
    v: &View<'_>,
    use_principal: bool,
) -> Option<GrantKind> {
    let effect = st.effect.as_ref()?.value;
    if !st
        .action
        .as_ref()
        .is_some_and(|a| action_block(a, &v.req.action))
    {
        return None;
    }
    let resource_ok = match &st.resource {
        Some(r) => resource_block(r, &v.req.resource, &v.req.context),
        // Trust policies have no Resource: the role itself is the resource.
        None => policy.kind == PolicyKind::TrustPolicy,
    };
    if !resource_ok {
        return None;
    }
    let grant = if use_principal {
        principal_block(st.principal.as_ref()?, &v.caller, effect)?
    } else {
        GrantKind::Principal
    };
    if !st.conditions.iter().all(|c| condition(c, &v.req.context)) {
        return None;
    }
    Some(grant)
}

#[derive(Clone, Copy, Debug)]
struct Hit {
    slot: PolicySlot,
    stmt: usize,
    effect: Effect,
    grant: GrantKind,
}

fn uses_principal(slot: PolicySlot) -> bool {
    matches!(
        slot,
        PolicySlot::Resource | PolicySlot::Rcp { .. } | PolicySlot::VpcEndpoint
    )
}

fn collect(policy: &Policy, slot: PolicySlot, v: &View<'_>, hits: &mut Vec<Hit>) {
    let use_principal = uses_principal(slot);
    for st in &policy.statements {
        if let Some(grant) = statement_applies(st, policy, v, use_principal)
            && let Some(effect) = &st.effect
        {
            hits.push(Hit {
                slot,
                stmt: st.index,
                effect: effect.value,
                grant,
            });
        }
    }
}

struct Core {
    decision: Decision,
    reason: Reason,
    /// Indices into `hits` of the deciding statements.
    deciding: Vec<usize>,
    hits: Vec<Hit>,
    applicable: Applicability,
    caller_account: Option<String>,
    resource_account: Option<String>,
    cross_account: bool,
    mandatory: bool,
}

#[derive(Clone, Copy)]
struct Applicability {
    scps: bool,
    rcps: bool,
    boundary: bool,
    session: bool,
    /// False when the action needs no permission: no policy is consulted.
    any: bool,
}

fn resource_account<'a>(req: &'a Request, caller: &Caller<'a>) -> Option<&'a str> {
    if let Some(a) = req.resource_account.as_deref().filter(|a| !a.is_empty()) {
        return Some(a);
    }
    // AWS managed policies carry `aws` where the account goes
    // (`arn:aws:iam::aws:policy/…`): AWS owns them, no account does, so a request on
    // one is decided by the caller's own policies.
    if let Some((_, _, account, _)) = arn_parts(&req.resource)
        && !account.is_empty()
        && account != "aws"
    {
        return Some(account);
    }
    if req.resource == "*" {
        return caller.account();
    }
    None
}

fn is_kms_key(resource: &str) -> bool {
    arn_parts(resource)
        .is_some_and(|(service, _, _, res)| service == "kms" && res.starts_with("key/"))
}

/// `sts:GetCallerIdentity` needs no permission: "If an administrator attaches a
/// policy to your identity that explicitly denies access to the
/// sts:GetCallerIdentity action, you can still perform this operation. Permissions
/// are not required because the same information is returned when access is denied."
/// (AWS STS API Reference, GetCallerIdentity,
/// https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
/// The page names identity policies; Keyflow applies the rule to every policy type
/// (SCPs, boundaries, session and endpoint policies too), because the documented
/// reason holds for each (derived).
fn needs_no_permission(action: &str, caller: &Caller<'_>) -> bool {
    caller.is_iam() && action.eq_ignore_ascii_case("sts:GetCallerIdentity")
}

fn decide(req: &Request, pols: &Policies<'_>) -> Core {
    let caller = Caller::parse(&req.principal);
    let v = View { req, caller };
    let mut hits: Vec<Hit> = Vec::new();

    let applicable = Applicability {
        // SCPs restrict IAM principals of member accounts, never AWS service principals.
        scps: caller.is_iam(),
        // RCPs never restrict AWS service principals either.
        rcps: !matches!(caller, Caller::Service(_)),
        // The root user and service principals have no permissions boundary.
        boundary: !matches!(
            caller,
            Caller::Root { .. } | Caller::Service(_) | Caller::Anonymous
        ),
        session: !matches!(
            caller,
            Caller::Root { .. } | Caller::Service(_) | Caller::Anonymous
        ),
        any: true,
    };

    let caller_account = caller.account();
    let res_account = resource_account(req, &caller);
    let cross_account = matches!((caller_account, res_account), (Some(c), Some(r)) if c != r);
    let mandatory = is_kms_key(&req.resource)
        || pols.resource.as_ref().is_some_and(|r| {
            matches!(
                r.policy.kind,
                PolicyKind::KeyPolicy | PolicyKind::TrustPolicy
            )
        });
    let mut core = Core {
        decision: Decision::ImplicitlyDenied,
        reason: Reason::NoIdentityAllow,
        deciding: Vec::new(),
        hits: Vec::new(),
        applicable,
        caller_account: caller_account.map(str::to_owned),
        resource_account: res_account.map(str::to_owned),
        cross_account,
        mandatory,
    };

    if needs_no_permission(&req.action, &caller) {
        core.decision = Decision::Allowed;
        core.reason = Reason::NoPermissionRequired;
        core.applicable = Applicability {
            scps: false,
            rcps: false,
            boundary: false,
            session: false,
            any: false,
        };
        return core;
    }

    if applicable.scps {
        for (level, index, p) in pols.scps.iter() {
            collect(p.policy, PolicySlot::Scp { level, index }, &v, &mut hits);
        }
    }
    if applicable.rcps {
        for (level, index, p) in pols.rcps.iter() {
            collect(p.policy, PolicySlot::Rcp { level, index }, &v, &mut hits);
        }
    }
    // The endpoint policy applies to every request that comes through the endpoint.
    if let Some(e) = &pols.vpc_endpoint {
        collect(e.policy, PolicySlot::VpcEndpoint, &v, &mut hits);
    }
    if let Some(r) = &pols.resource {
        collect(r.policy, PolicySlot::Resource, &v, &mut hits);
    }
    for (i, p) in pols.identity.iter().enumerate() {
        collect(p.policy, PolicySlot::Identity(i), &v, &mut hits);
    }
    if applicable.boundary
        && let Some(b) = &pols.permission_boundary
    {
        collect(b.policy, PolicySlot::PermissionBoundary, &v, &mut hits);
    }
    if applicable.session
        && let Some(s) = &pols.session
    {
        collect(s.policy, PolicySlot::Session, &v, &mut hits);
    }

    let trust = pols
        .resource
        .as_ref()
        .is_some_and(|r| r.policy.kind == PolicyKind::TrustPolicy);

    // 1. Explicit deny anywhere.
    let denies: Vec<usize> = (0..hits.len())
        .filter(|&i| hits[i].effect == Effect::Deny)
        .collect();
    if !denies.is_empty() {
        core.decision = Decision::ExplicitlyDenied;
        core.reason = Reason::ExplicitDeny;
        core.deciding = denies;
        core.hits = hits;
        return core;
    }
    let allow_in = |pred: &dyn Fn(PolicySlot) -> bool| hits.iter().any(|h| pred(h.slot));

    // 2. RCPs limit only through their Denies (step 1): AWS attaches the
    // undetachable RCPFullAWSAccess at every level, and Allow is supported in no
    // other RCP, so every level always allows.
    // 3. SCPs: every level must allow.
    // An action passes a level when any SCP attached there allows it.
    if applicable.scps {
        for i in 0..pols.scps.levels() {
            if !allow_in(&|s| matches!(s, PolicySlot::Scp { level, .. } if level == i)) {
                core.reason = Reason::ScpNoAllow { level: i };
                core.hits = hits;
                return core;
            }
        }
    }
    // 4. A VPC endpoint policy must allow too. It names principals like any
    // resource-based policy, except that an account principal ("AWS": "<account>")
    // grants access to that account's root user only, not to its users and roles
    // (AWS PrivateLink Guide, "Principals for gateway endpoints",
    // https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html;
    // applied to every endpoint type, as the page states no other rule: assumption).
    if pols.vpc_endpoint.is_some() {
        let root_caller = matches!(caller, Caller::Root { .. });
        let endpoint_allows = hits.iter().any(|h| {
            h.slot == PolicySlot::VpcEndpoint && (h.grant != GrantKind::Account || root_caller)
        });
        if !endpoint_allows {
            core.reason = Reason::VpcEndpointNoAllow;
            core.hits = hits;
            return core;
        }
    }

    let identity_hits: Vec<usize> = (0..hits.len())
        .filter(|&i| matches!(hits[i].slot, PolicySlot::Identity(_)))
        .collect();
    let root = matches!(caller, Caller::Root { .. });
    // The account root user has full identity-side access.
    let id_allow = root || !identity_hits.is_empty();
    let boundary_ok = !applicable.boundary
        || pols.permission_boundary.is_none()
        || allow_in(&|s| s == PolicySlot::PermissionBoundary);
    let session_ok =
        !applicable.session || pols.session.is_none() || allow_in(&|s| s == PolicySlot::Session);
    let limits_ok = boundary_ok && session_ok;
    let rp_hits = |kinds: &[GrantKind]| -> Vec<usize> {
        (0..hits.len())
            .filter(|&i| hits[i].slot == PolicySlot::Resource && kinds.contains(&hits[i].grant))
            .collect()
    };
    let rp_unlimited = rp_hits(&[GrantKind::Everyone, GrantKind::Principal]);
    let rp_role = rp_hits(&[GrantKind::Role]);
    let rp_account = rp_hits(&[GrantKind::Account]);
    let limit_reason = || {
        if boundary_ok {
            Reason::SessionNoAllow
        } else {
            Reason::BoundaryNoAllow
        }
    };
    let account_text = caller_account.unwrap_or("(unknown)").to_owned();

    let allowed_with = |core: &mut Core, reason: Reason, deciding: Vec<usize>| {
        core.decision = Decision::Allowed;
        core.reason = reason;
        core.deciding = deciding;
    };

    if cross_account {
        let rp_any: Vec<usize> = rp_hits(&[
            GrantKind::Everyone,
            GrantKind::Principal,
            GrantKind::Role,
            GrantKind::Account,
        ]);
        let resource_account_text = res_account.unwrap_or("(unknown)").to_owned();
        core.reason = if pols.resource.is_none() {
            if mandatory && !trust {
                Reason::KeyPolicyMissing
            } else {
                Reason::CrossAccountNoResourcePolicy {
                    resource_account: resource_account_text,
                }
            }
        } else if rp_any.is_empty() {
            if trust {
                Reason::TrustPolicyNoGrant
            } else if mandatory {
                Reason::KeyPolicyNoGrant {
                    account: caller_account.map(str::to_owned),
                }
            } else {
                Reason::CrossAccountNoResourceGrant {
                    resource_account: resource_account_text,
                }
            }
        } else if !id_allow {
            Reason::CrossAccountNoIdentity {
                account: account_text,
            }
        } else if !limits_ok {
            limit_reason()
        } else {
            let mut d = rp_any;
            d.extend(identity_hits);
            allowed_with(&mut core, Reason::AllowedCrossAccount, d);
            core.hits = hits;
            return core;
        };
        core.hits = hits;
        return core;
    }

    // Same account (or a service principal / anonymous caller).
    if !rp_unlimited.is_empty() {
        // Name the grant the way the statements made it: a statement naming the
        // caller says more than one open to every principal.
        let grant = if rp_unlimited
            .iter()
            .any(|&i| hits[i].grant == GrantKind::Principal)
        {
            GrantKind::Principal
        } else {
            GrantKind::Everyone
        };
        allowed_with(
            &mut core,
            Reason::AllowedByResourcePolicy { grant },
            rp_unlimited,
        );
    } else if !rp_role.is_empty() && limits_ok {
        allowed_with(
            &mut core,
            Reason::AllowedByResourcePolicy {
                grant: GrantKind::Role,
            },
            rp_role,
        );
    } else if mandatory {
        core.reason = if pols.resource.is_none() {
            if trust {
                Reason::TrustPolicyNoGrant
            } else {
                Reason::KeyPolicyMissing
            }
        } else if rp_account.is_empty() {
            if !rp_role.is_empty() {
                limit_reason()
            } else if trust {
                Reason::TrustPolicyNoGrant
            } else {
                Reason::KeyPolicyNoGrant {
                    account: caller_account.map(str::to_owned),
                }
            }
        } else if !id_allow {
            Reason::KeyPolicyDelegatesNoIdentity {
                account: account_text,
            }
        } else if !limits_ok {
            limit_reason()
        } else {
            let mut d = rp_account;
            d.extend(&identity_hits);
            let reason = if root {
                Reason::AllowedRootUser { delegated: true }
            } else {
                Reason::AllowedByIdentity { delegated: true }
            };
            allowed_with(&mut core, reason, d);
            core.hits = hits;
            return core;
        };
    } else if !id_allow {
        core.reason = if !rp_role.is_empty() {
            limit_reason()
        } else {
            Reason::NoIdentityAllow
        };
    } else if !limits_ok {
        core.reason = limit_reason();
    } else {
        let reason = if root {
            Reason::AllowedRootUser { delegated: false }
        } else {
            Reason::AllowedByIdentity { delegated: false }
        };
        allowed_with(&mut core, reason, identity_hits);
    }
    core.hits = hits;
    core
}

fn policy_at<'a>(pols: &Policies<'a>, slot: PolicySlot) -> Option<PolicyRef<'a>> {
    match slot {
        PolicySlot::Identity(i) => pols.identity.get(i).copied(),
        PolicySlot::Resource => pols.resource,
        PolicySlot::PermissionBoundary => pols.permission_boundary,
        PolicySlot::Scp { level, index } => pols.scps.get(level, index),
        PolicySlot::Rcp { level, index } => pols.rcps.get(level, index),
        PolicySlot::Session => pols.session,
        PolicySlot::VpcEndpoint => pols.vpc_endpoint,
    }
}

fn deciding(core: &Core, pols: &Policies<'_>) -> Vec<DecidingStatement> {
    core.deciding
        .iter()
        .filter_map(|&i| {
            let h = core.hits.get(i)?;
            let p = policy_at(pols, h.slot)?;
            let st = p.policy.statements.get(h.stmt)?;
            Some(DecidingStatement {
                policy_id: p.id.to_owned(),
                slot: h.slot,
                statement: h.stmt,
                sid: st.sid.as_ref().map(|s| s.value.clone()),
                effect: h.effect,
                span: st.span,
                grant: uses_principal(h.slot).then_some(h.grant),
            })
        })
        .collect()
}

/// Evaluates `request` against `policies` (AWS decision procedure). Fast: no trace.
pub fn evaluate(request: &Request, policies: &Policies<'_>) -> Evaluation {
    let core = decide(request, policies);
    let deciding = deciding(&core, policies);
    Evaluation {
        decision: core.decision,
        reason_code: core.reason.code(),
        reason: core.reason,
        deciding,
        service_rule: service_rule(request),
        trace: None,
    }
}

/// Only the decision (the cheapest call).
pub fn decision(request: &Request, policies: &Policies<'_>) -> Decision {
    decide(request, policies).decision
}

/// Like [`evaluate`], plus a full [`Trace`] of every policy, statement and condition.
pub fn explain(request: &Request, policies: &Policies<'_>) -> Evaluation {
    let core = decide(request, policies);
    let deciding_list = deciding(&core, policies);
    let caller = Caller::parse(&request.principal);
    let v = View {
        req: request,
        caller,
    };
    let mut traces = Vec::new();
    let mut add = |slot: PolicySlot, p: &PolicyRef<'_>, applies: bool, note: Option<String>| {
        traces.push(policy_trace(slot, p, applies, note, &v));
    };
    let a = core.applicable;
    // Why a policy is not consulted, when it is not.
    let skipped = |applies: bool, why: &str| -> Option<String> {
        if !a.any {
            Some("sts:GetCallerIdentity needs no permission: no policy is consulted".to_string())
        } else {
            (!applies).then(|| why.to_string())
        }
    };
    for (level, index, p) in policies.scps.iter() {
        add(
            PolicySlot::Scp { level, index },
            &p,
            a.scps,
            skipped(a.scps, "SCPs do not restrict AWS service principals"),
        );
    }
    for (level, index, p) in policies.rcps.iter() {
        add(
            PolicySlot::Rcp { level, index },
            &p,
            a.rcps,
            skipped(a.rcps, "RCPs do not restrict AWS service principals"),
        );
    }
    if let Some(p) = &policies.vpc_endpoint {
        add(PolicySlot::VpcEndpoint, p, a.any, skipped(true, ""));
    }
    if let Some(p) = &policies.resource {
        add(PolicySlot::Resource, p, a.any, skipped(true, ""));
    }
    for (i, p) in policies.identity.iter().enumerate() {
        add(PolicySlot::Identity(i), p, a.any, skipped(true, ""));
    }
    if let Some(p) = &policies.permission_boundary {
        add(
            PolicySlot::PermissionBoundary,
            p,
            a.boundary,
            skipped(
                a.boundary,
                "permissions boundaries do not apply to this principal",
            ),
        );
    }
    if let Some(p) = &policies.session {
        add(
            PolicySlot::Session,
            p,
            a.session,
            skipped(a.session, "session policies do not apply to this principal"),
        );
    }
    Evaluation {
        decision: core.decision,
        reason_code: core.reason.code(),
        reason: core.reason,
        deciding: deciding_list,
        service_rule: service_rule(request),
        trace: Some(Trace {
            caller_account: core.caller_account,
            resource_account: core.resource_account,
            cross_account: core.cross_account,
            resource_policy_mandatory: core.mandatory,
            policies: traces,
        }),
    }
}

fn policy_trace(
    slot: PolicySlot,
    p: &PolicyRef<'_>,
    applies: bool,
    note: Option<String>,
    v: &View<'_>,
) -> PolicyTrace {
    let use_principal = uses_principal(slot);
    let statements: Vec<StatementTrace> = p
        .policy
        .statements
        .iter()
        .map(|st| statement_trace(st, p.policy, v, use_principal))
        .collect();
    let effect_applies =
        |e: Effect| applies && statements.iter().any(|s| s.applies && s.effect == Some(e));
    PolicyTrace {
        id: p.id.to_owned(),
        slot,
        kind: p.policy.kind,
        applies,
        note,
        allows: effect_applies(Effect::Allow),
        denies: effect_applies(Effect::Deny),
        statements,
    }
}

fn statement_trace(
    st: &Statement,
    policy: &Policy,
    v: &View<'_>,
    use_principal: bool,
) -> StatementTrace {
    let ctx = &v.req.context;
    let action = match &st.action {
        Some(b) => {
            let matching: Vec<Span> = b
                .items
                .iter()
                .filter(|i| action_item(i, &v.req.action))
                .map(|i| i.span)
                .collect();
            ElementTrace {
                matched: matching.is_empty() == b.negated,
                negated: b.negated,
                missing: false,
                span: Some(b.span),
                matching_values: matching,
            }
        }
        None => missing(false),
    };
    let resource = match &st.resource {
        Some(b) => {
            let matching: Vec<Span> = b
                .items
                .iter()
                .filter(|i| resource_item(i, &v.req.resource, ctx))
                .map(|i| i.span)
                .collect();
            ElementTrace {
                matched: matching.is_empty() == b.negated,
                negated: b.negated,
                missing: false,
                span: Some(b.span),
                matching_values: matching,
            }
        }
        None => missing(policy.kind == PolicyKind::TrustPolicy),
    };
    let (principal, grant_from_principal) = if use_principal {
        match &st.principal {
            Some(b) => {
                let effect = st.effect.as_ref().map_or(Effect::Deny, |e| e.value);
                let grant = principal_block(b, &v.caller, effect);
                let matching = if b.negated {
                    Vec::new()
                } else {
                    b.entries
                        .iter()
                        .filter(|e| principal_entry(&e.matcher, &v.caller).is_some())
                        .map(|e| e.span)
                        .collect()
                };
                (
                    Some(ElementTrace {
                        matched: grant.is_some(),
                        negated: b.negated,
                        missing: false,
                        span: Some(b.span),
                        matching_values: matching,
                    }),
                    grant,
                )
            }
            None => (Some(missing(false)), None),
        }
    } else {
        (None, Some(GrantKind::Principal))
    };
    let conditions: Vec<ConditionTrace> = st
        .conditions
        .iter()
        .map(|c| ConditionTrace {
            operator: c.operator.value.clone(),
            operator_span: c.operator.span,
            key: c.key.value.clone(),
            key_span: c.key.span,
            policy_values: c.values.iter().map(|v| v.value.clone()).collect(),
            values_span: c.values_span,
            request_values: request_values(ctx, &c.key.value).map(<[String]>::to_vec),
            known_operator: c.spec.is_some(),
            result: condition(c, ctx),
        })
        .collect();
    let conditions_met = conditions.iter().all(|c| c.result);
    let applies = st.effect.is_some()
        && action.matched
        && resource.matched
        && grant_from_principal.is_some()
        && conditions_met;
    StatementTrace {
        index: st.index,
        sid: st.sid.as_ref().map(|s| s.value.clone()),
        effect: st.effect.as_ref().map(|e| e.value),
        span: st.span,
        principal,
        action,
        resource,
        conditions,
        conditions_met,
        applies,
        grant: if use_principal && applies {
            grant_from_principal
        } else {
            None
        },
    }
}

fn missing(matched: bool) -> ElementTrace {
    ElementTrace {
        matched,
        negated: false,
        missing: true,
        span: None,
        matching_values: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    const A: &str = "111122223333";
    const B: &str = "444455556666";
    const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/k1";
    const OBJ: &str = "arn:aws:s3:::bucket/doc.txt";

    fn pol(kind: PolicyKind, statements: &str) -> Policy {
        let p = parse(
            &format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#),
            kind,
        );
        assert!(p.is_valid(), "{:?}", p.diagnostics);
        p.policy
    }
    fn allow(action: &str, resource: &str) -> String {
        format!(r#"{{"Effect":"Allow","Action":"{action}","Resource":"{resource}"}}"#)
    }
    fn deny(action: &str, resource: &str) -> String {
        format!(r#"{{"Effect":"Deny","Action":"{action}","Resource":"{resource}"}}"#)
    }
    fn grant(principal: &str, action: &str) -> String {
        format!(
            r#"{{"Effect":"Allow","Principal":{principal},"Action":"{action}","Resource":"*"}}"#
        )
    }
    fn req(principal: &str, action: &str, resource: &str) -> Request {
        let mut r = Request::new(principal, action, resource);
        if resource.starts_with("arn:aws:s3") {
            r.resource_account = Some(A.into());
        }
        r
    }

    #[derive(Default)]
    struct Set {
        identity: Vec<Policy>,
        resource: Option<Policy>,
        boundary: Option<Policy>,
        /// One level each.
        scps: Vec<Policy>,
        rcps: Vec<Policy>,
        session: Option<Policy>,
        vpc_endpoint: Option<Policy>,
        /// Levels added after `scps`, several documents each.
        scp_levels: Vec<Vec<Policy>>,
    }

    impl Set {
        fn policies(&self) -> Policies<'_> {
            Policies {
                identity: self
                    .identity
                    .iter()
                    .map(|p| PolicyRef::new("identity", p))
                    .collect(),
                resource: self
                    .resource
                    .as_ref()
                    .map(|p| PolicyRef::new("resource", p)),
                permission_boundary: self
                    .boundary
                    .as_ref()
                    .map(|p| PolicyRef::new("boundary", p)),
                scps: {
                    let mut levels: OrgLevels<'_> =
                        self.scps.iter().map(|p| PolicyRef::new("scp", p)).collect();
                    for level in &self.scp_levels {
                        levels.push_level(level.iter().map(|p| PolicyRef::new("scp", p)));
                    }
                    levels
                },
                rcps: self.rcps.iter().map(|p| PolicyRef::new("rcp", p)).collect(),
                session: self.session.as_ref().map(|p| PolicyRef::new("session", p)),
                vpc_endpoint: self
                    .vpc_endpoint
                    .as_ref()
                    .map(|p| PolicyRef::new("vpce", p)),
            }
        }
        fn decide(&self, r: &Request) -> Decision {
            let fast = evaluate(r, &self.policies());
            let slow = explain(r, &self.policies());
            assert_eq!(fast.decision, slow.decision, "evaluate and explain agree");
            assert_eq!(fast.deciding, slow.deciding);
            assert_eq!(decision(r, &self.policies()), fast.decision);
            fast.decision
        }
    }

    use Decision::{Allowed as ALLOW, ExplicitlyDenied as EXPLICIT, ImplicitlyDenied as IMPLICIT};
    const ID: PolicyKind = PolicyKind::Identity;
    const BUCKET: PolicyKind = PolicyKind::BucketPolicy;
    const KP: PolicyKind = PolicyKind::KeyPolicy;

    fn user(name: &str) -> String {
        format!("arn:aws:iam::{A}:user/{name}")
    }
    fn role(account: &str, name: &str) -> String {
        format!("arn:aws:iam::{account}:role/{name}")
    }

    #[test]
    fn nothing_allows_means_implicit_deny_and_deny_wins() {
        let mut s = Set::default();
        assert_eq!(s.decide(&req(&user("a"), "s3:GetObject", OBJ)), IMPLICIT);
        s.identity.push(pol(ID, &allow("s3:*", "*")));
        assert_eq!(s.decide(&req(&user("a"), "s3:GetObject", OBJ)), ALLOW);
        s.identity
            .push(pol(ID, &deny("s3:Get*", "arn:aws:s3:::bucket/*")));
        let e = evaluate(&req(&user("a"), "s3:GetObject", OBJ), &s.policies());
        assert_eq!(e.decision, EXPLICIT);
        assert_eq!(e.deciding.len(), 1);
        assert_eq!(e.deciding[0].effect, Effect::Deny);
        assert_eq!(e.deciding[0].statement, 0);
        assert_eq!(e.reason_code, "explicit_deny");
    }

    #[test]
    fn same_account_resource_policy_grants_by_principal_type() {
        let bucket = |p: &str| {
            pol(
                BUCKET,
                &format!(
                    r#"{{"Effect":"Allow","Principal":{p},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*"}}"#
                ),
            )
        };
        let boundary = pol(PolicyKind::PermissionBoundary, &allow("ec2:*", "*"));
        let session_pol = pol(PolicyKind::SessionPolicy, &allow("ec2:*", "*"));
        let r_user = req(&user("carol"), "s3:GetObject", OBJ);
        let r_role = req(&role(A, "Builder"), "s3:GetObject", OBJ);
        let sess = format!("arn:aws:sts::{A}:assumed-role/Builder/s1");
        let r_sess = req(&sess, "s3:GetObject", OBJ);
        // User ARN: not limited by identity implicit deny or boundary.
        let mut s = Set {
            resource: Some(bucket(&format!(r#"{{"AWS":"{}"}}"#, user("carol")))),
            boundary: Some(boundary.clone()),
            ..Set::default()
        };
        assert_eq!(s.decide(&r_user), ALLOW);
        // Role ARN: limited by the boundary and the session policy.
        s.resource = Some(bucket(&format!(r#"{{"AWS":"{}"}}"#, role(A, "Builder"))));
        assert_eq!(s.decide(&r_role), IMPLICIT);
        assert_eq!(s.decide(&r_sess), IMPLICIT);
        s.boundary = None;
        assert_eq!(s.decide(&r_role), ALLOW);
        assert_eq!(
            s.decide(&r_sess),
            ALLOW,
            "a role principal matches its sessions"
        );
        s.session = Some(session_pol.clone());
        assert_eq!(s.decide(&r_sess), IMPLICIT);
        // Session ARN: not limited by boundary or session policy.
        s.resource = Some(bucket(&format!(r#"{{"AWS":"{sess}"}}"#)));
        s.boundary = Some(boundary);
        assert_eq!(s.decide(&r_sess), ALLOW);
        // ...but it names one session only, not the role.
        assert_eq!(s.decide(&r_role), IMPLICIT);
        // Account principal: delegation, the identity policy must allow.
        let mut s = Set {
            resource: Some(bucket(&format!(r#"{{"AWS":"{A}"}}"#))),
            ..Set::default()
        };
        assert_eq!(s.decide(&r_role), IMPLICIT);
        s.identity.push(pol(ID, &allow("s3:GetObject", "*")));
        assert_eq!(s.decide(&r_role), ALLOW);
        // "*": same-account principals need nothing else.
        let s = Set {
            resource: Some(bucket(r#""*""#)),
            ..Set::default()
        };
        assert_eq!(s.decide(&r_role), ALLOW);
        assert_eq!(s.decide(&req("anonymous", "s3:GetObject", OBJ)), ALLOW);
    }

    #[test]
    fn cross_account_needs_both_sides() {
        let caller = role(B, "Reader");
        let r = req(&caller, "s3:GetObject", OBJ);
        let rp = |p: &str| {
            pol(
                BUCKET,
                &format!(
                    r#"{{"Effect":"Allow","Principal":{p},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*"}}"#
                ),
            )
        };
        let mut s = Set {
            resource: Some(rp(&format!(r#"{{"AWS":"{caller}"}}"#))),
            ..Set::default()
        };
        assert_eq!(s.decide(&r), IMPLICIT);
        assert_eq!(
            evaluate(&r, &s.policies()).reason_code,
            "cross_account_no_identity_allow"
        );
        s.identity.push(pol(ID, &allow("s3:GetObject", "*")));
        assert_eq!(s.decide(&r), ALLOW);
        s.resource = Some(rp(&format!(r#"{{"AWS":"{B}"}}"#)));
        assert_eq!(s.decide(&r), ALLOW);
        s.resource = Some(rp(r#""*""#));
        assert_eq!(s.decide(&r), ALLOW);
        s.resource = Some(rp(&format!(r#"{{"AWS":"{A}"}}"#)));
        assert_eq!(s.decide(&r), IMPLICIT);
        s.resource = None;
        assert_eq!(s.decide(&r), IMPLICIT);
        // Boundary still limits the caller's side.
        s.resource = Some(rp(&format!(r#"{{"AWS":"{B}"}}"#)));
        s.boundary = Some(pol(PolicyKind::PermissionBoundary, &allow("ec2:*", "*")));
        assert_eq!(s.decide(&r), IMPLICIT);
        // Root of another account: identity side is implicit, resource side is required.
        let root = format!("arn:aws:iam::{B}:root");
        let s = Set {
            resource: Some(rp(&format!(r#"{{"AWS":"{B}"}}"#))),
            ..Set::default()
        };
        assert_eq!(s.decide(&req(&root, "s3:GetObject", OBJ)), ALLOW);
        assert_eq!(
            Set::default().decide(&req(&root, "s3:GetObject", OBJ)),
            IMPLICIT
        );
    }

    #[test]
    fn resource_account_rules() {
        let s = Set {
            identity: vec![pol(ID, &allow("kms:CreateKey", "*"))],
            ..Set::default()
        };
        // Resource "*" is in the caller's account.
        assert_eq!(s.decide(&req(&role(B, "P"), "kms:CreateKey", "*")), ALLOW);
        // resource_account overrides the ARN.
        let mut r = Request::new(role(A, "P"), "s3:GetObject", OBJ);
        r.resource_account = Some(B.into());
        let s = Set {
            identity: vec![pol(ID, &allow("s3:*", "*"))],
            ..Set::default()
        };
        assert_eq!(s.decide(&r), IMPLICIT);
        r.resource_account = Some(A.into());
        assert_eq!(s.decide(&r), ALLOW);
    }

    #[test]
    fn root_user() {
        let root = format!("arn:aws:iam::{A}:root");
        assert_eq!(
            Set::default().decide(&req(&root, "s3:GetObject", OBJ)),
            ALLOW
        );
        let s = Set {
            scps: vec![pol(PolicyKind::Scp, &deny("s3:*", "*"))],
            ..Set::default()
        };
        assert_eq!(
            s.decide(&req(&root, "s3:GetObject", OBJ)),
            EXPLICIT,
            "SCPs bind a member account's root"
        );
        let s = Set {
            scps: vec![pol(PolicyKind::Scp, &allow("ec2:*", "*"))],
            ..Set::default()
        };
        assert_eq!(s.decide(&req(&root, "s3:GetObject", OBJ)), IMPLICIT);
    }

    #[test]
    fn kms_key_policy_is_mandatory() {
        let root_stmt = grant(&format!(r#"{{"AWS":"arn:aws:iam::{A}:root"}}"#), "kms:*");
        let admin = grant(&format!(r#"{{"AWS":"{}"}}"#, role(A, "KeyAdmin")), "kms:*");
        let iam_allow = pol(ID, &allow("kms:Decrypt", KEY));
        let r = req(&role(A, "App"), "kms:Decrypt", KEY);
        let root = format!("arn:aws:iam::{A}:root");
        // No delegation: the IAM allow is ineffective, even for the root user.
        let mut s = Set {
            identity: vec![iam_allow.clone()],
            resource: Some(pol(KP, &admin)),
            ..Set::default()
        };
        assert_eq!(s.decide(&r), IMPLICIT);
        let e = evaluate(&r, &s.policies());
        assert_eq!(
            e.summary(),
            format!(
                "KMS key policy does not allow the principal and does not delegate to account {A}"
            )
        );
        assert_eq!(s.decide(&req(&root, "kms:PutKeyPolicy", KEY)), IMPLICIT);
        // ...while IAM denies still apply.
        s.identity = vec![pol(ID, &deny("kms:*", "*"))];
        assert_eq!(
            s.decide(&req(&role(A, "KeyAdmin"), "kms:Decrypt", KEY)),
            EXPLICIT
        );
        // With delegation: IAM policies count, and root has access.
        let mut s = Set {
            identity: vec![iam_allow],
            resource: Some(pol(KP, &root_stmt)),
            ..Set::default()
        };
        assert_eq!(s.decide(&r), ALLOW);
        assert_eq!(s.decide(&req(&root, "kms:ScheduleKeyDeletion", KEY)), ALLOW);
        s.identity.clear();
        assert_eq!(s.decide(&r), IMPLICIT);
        assert_eq!(
            evaluate(&r, &s.policies()).reason_code,
            "key_policy_delegates_no_identity_allow"
        );
        // No key policy at all: nobody.
        let s = Set {
            identity: vec![pol(ID, &allow("kms:*", "*"))],
            ..Set::default()
        };
        assert_eq!(s.decide(&r), IMPLICIT);
        assert_eq!(s.decide(&req(&root, "kms:Decrypt", KEY)), IMPLICIT);
        // A key user named directly needs no IAM policy.
        let s = Set {
            resource: Some(pol(
                KP,
                &grant(&format!(r#"{{"AWS":"{}"}}"#, role(A, "App")), "kms:Decrypt"),
            )),
            ..Set::default()
        };
        assert_eq!(s.decide(&r), ALLOW);
        // Cross-account: key policy names the account and the external IAM policy allows.
        let ext = req(&role(B, "Up"), "kms:GenerateDataKey", KEY);
        let mut s = Set {
            resource: Some(pol(
                KP,
                &grant(
                    &format!(r#"{{"AWS":"arn:aws:iam::{B}:root"}}"#),
                    "kms:GenerateDataKey*",
                ),
            )),
            ..Set::default()
        };
        assert_eq!(s.decide(&ext), IMPLICIT);
        s.identity.push(pol(ID, &allow("kms:GenerateDataKey", KEY)));
        assert_eq!(s.decide(&ext), ALLOW);
    }

    #[test]
    fn scp_levels_and_service_principals() {
        let full = pol(PolicyKind::Scp, &allow("*", "*"));
        let s3_only = pol(PolicyKind::Scp, &allow("s3:*", "*"));
        let mut s = Set {
            identity: vec![pol(ID, &allow("*", "*"))],
            scps: vec![full.clone(), s3_only],
            ..Set::default()
        };
        let r = req(&role(A, "Admin"), "kms:CreateKey", "*");
        assert_eq!(s.decide(&r), IMPLICIT);
        assert_eq!(
            evaluate(&r, &s.policies()).reason,
            Reason::ScpNoAllow { level: 1 }
        );
        s.scps = vec![full.clone(), full];
        assert_eq!(s.decide(&r), ALLOW);
        // SCPs never restrict service principals.
        let svc = req("cloudtrail.amazonaws.com", "s3:PutObject", OBJ);
        let s = Set {
            resource: Some(pol(
                BUCKET,
                r#"{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::bucket/*"}"#,
            )),
            scps: vec![pol(PolicyKind::Scp, &deny("s3:*", "*"))],
            rcps: vec![pol(
                PolicyKind::Rcp,
                r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}"#,
            )],
            ..Set::default()
        };
        assert_eq!(s.decide(&svc), ALLOW);
        // Service principal must be named exactly.
        assert_eq!(
            s.decide(&req("delivery.logs.amazonaws.com", "s3:PutObject", OBJ)),
            IMPLICIT
        );
        let tr = explain(&svc, &s.policies()).trace.unwrap();
        assert!(!tr.policies[0].applies);
    }

    #[test]
    fn rcps_every_level() {
        let rcp_full = pol(
            PolicyKind::Rcp,
            r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}"#,
        );
        let rcp_deny = pol(
            PolicyKind::Rcp,
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-1"}}}"#,
        );
        let mut s = Set {
            identity: vec![pol(ID, &allow("s3:*", "*"))],
            rcps: vec![rcp_full.clone()],
            ..Set::default()
        };
        let r = req(&role(A, "App"), "s3:GetObject", OBJ);
        assert_eq!(s.decide(&r), ALLOW);
        s.rcps.push(rcp_deny);
        assert_eq!(s.decide(&r), EXPLICIT);
        let mut r2 = r.clone();
        r2.context.insert("aws:PrincipalOrgID", "o-1");
        assert_eq!(
            s.decide(&r2),
            ALLOW,
            "a deny-only level passes: RCPFullAWSAccess is always attached"
        );
        s.rcps = vec![pol(
            PolicyKind::Rcp,
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-1"}}}"#,
        )];
        assert_eq!(s.decide(&r2), ALLOW);
        assert_eq!(s.decide(&r), EXPLICIT);
    }

    #[test]
    fn not_principal_with_allow_grants_everyone_but_the_named() {
        let bucket = |listed: &str| {
            pol(
                BUCKET,
                &format!(
                    r#"{{"Effect":"Allow","NotPrincipal":{{"AWS":{listed}}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*"}}"#
                ),
            )
        };
        let bob = user("Bob");
        let s = Set {
            resource: Some(bucket(&format!(r#""{bob}""#))),
            ..Set::default()
        };
        // The named user is not granted, even though its account is not listed.
        assert_eq!(s.decide(&req(&bob, "s3:GetObject", OBJ)), IMPLICIT);
        // Everyone else is, anonymous callers included.
        assert_eq!(s.decide(&req(&user("Alice"), "s3:GetObject", OBJ)), ALLOW);
        assert_eq!(s.decide(&req("anonymous", "s3:GetObject", OBJ)), ALLOW);
        // Naming the account excludes the account and every principal in it.
        let s = Set {
            resource: Some(bucket(&format!(r#""arn:aws:iam::{A}:root""#))),
            ..Set::default()
        };
        assert_eq!(
            s.decide(&req(&user("Alice"), "s3:GetObject", OBJ)),
            IMPLICIT
        );
        assert_eq!(
            s.decide(&req(&format!("arn:aws:iam::{A}:root"), "s3:GetObject", OBJ)),
            ALLOW,
            "the root user has full access to its own account's resources anyway"
        );
        // Naming a role excludes its sessions.
        let s = Set {
            resource: Some(bucket(&format!(r#""{}""#, role(A, "Builder")))),
            ..Set::default()
        };
        let session = format!("arn:aws:sts::{A}:assumed-role/Builder/s1");
        assert_eq!(s.decide(&req(&session, "s3:GetObject", OBJ)), IMPLICIT);
        assert_eq!(
            s.decide(&req(
                &format!("arn:aws:sts::{A}:assumed-role/Other/s1"),
                "s3:GetObject",
                OBJ
            )),
            ALLOW
        );
    }

    #[test]
    fn get_caller_identity_needs_no_permission() {
        let r = req(&role(A, "App"), "sts:GetCallerIdentity", "*");
        let check = |s: &Set| {
            assert_eq!(s.decide(&r), ALLOW);
            let e = evaluate(&r, &s.policies());
            assert_eq!(e.reason_code, "no_permission_required");
            assert!(e.deciding.is_empty());
        };
        check(&Set::default());
        check(&Set {
            identity: vec![pol(ID, &deny("sts:GetCallerIdentity", "*"))],
            ..Set::default()
        });
        check(&Set {
            identity: vec![pol(ID, &allow("s3:*", "*"))],
            session: Some(pol(PolicyKind::SessionPolicy, &deny("*", "*"))),
            ..Set::default()
        });
        check(&Set {
            identity: vec![pol(ID, &allow("*", "*"))],
            boundary: Some(pol(PolicyKind::PermissionBoundary, &allow("s3:*", "*"))),
            scps: vec![pol(PolicyKind::Scp, &deny("sts:*", "*"))],
            ..Set::default()
        });
        // Any spelling of the action, any IAM caller.
        let mut r2 = req(&user("u"), "STS:getcalleridentity", "*");
        r2.context.insert("aws:username", "u");
        assert_eq!(Set::default().decide(&r2), ALLOW);
        // Other STS actions still need permission.
        assert_eq!(
            Set::default().decide(&req(&role(A, "App"), "sts:GetSessionToken", "*")),
            IMPLICIT
        );
    }

    #[test]
    fn several_scps_at_one_level() {
        let full = pol(PolicyKind::Scp, &allow("*", "*"));
        let ec2 = pol(PolicyKind::Scp, &allow("ec2:*", "*"));
        let s3 = pol(PolicyKind::Scp, &allow("s3:*", "*"));
        let r = req(&role(A, "App"), "s3:GetObject", OBJ);
        // Any policy at a level that allows lets the action through that level.
        let mut s = Set {
            identity: vec![pol(ID, &allow("*", "*"))],
            scps: vec![full.clone()],
            scp_levels: vec![vec![ec2.clone(), s3]],
            ..Set::default()
        };
        assert_eq!(s.decide(&r), ALLOW);
        let e = evaluate(&r, &s.policies());
        assert!(e.deciding.iter().any(|d| d.slot == PolicySlot::Identity(0)));
        // No policy at level 1 allows.
        s.scp_levels = vec![vec![
            ec2.clone(),
            pol(PolicyKind::Scp, &allow("iam:*", "*")),
        ]];
        assert_eq!(s.decide(&r), IMPLICIT);
        assert_eq!(
            evaluate(&r, &s.policies()).reason,
            Reason::ScpNoAllow { level: 1 }
        );
        // A Deny in any policy of a level denies, FullAWSAccess beside it or not.
        s.scp_levels = vec![vec![full.clone(), pol(PolicyKind::Scp, &deny("s3:*", "*"))]];
        assert_eq!(s.decide(&r), EXPLICIT);
        let e = evaluate(&r, &s.policies());
        assert_eq!(e.deciding.len(), 1);
        assert_eq!(e.deciding[0].slot, PolicySlot::Scp { level: 1, index: 1 });
        let tr = explain(&r, &s.policies()).trace.unwrap();
        let slots: Vec<PolicySlot> = tr.policies.iter().map(|p| p.slot).collect();
        assert!(slots.contains(&PolicySlot::Scp { level: 1, index: 0 }));
        assert!(tr.policies.iter().any(|p| p.denies));
        // OrgLevels counts levels, not documents.
        let p = s.policies();
        assert_eq!(p.scps.levels(), 2);
        assert_eq!(p.scps.level(1).count(), 2);
        assert!(p.scps.get(1, 2).is_none());
        let mut empty = OrgLevels::new();
        empty.push_level([]);
        assert!(empty.is_empty());
    }

    #[test]
    fn vpc_endpoint_policy_must_allow_too() {
        let endpoint = |statements: &str| pol(BUCKET, statements);
        let r = req(&role(A, "App"), "s3:GetObject", OBJ);
        let full = r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}"#;
        let mut s = Set {
            identity: vec![pol(ID, &allow("s3:*", "*"))],
            vpc_endpoint: Some(endpoint(full)),
            ..Set::default()
        };
        // The default endpoint policy (full access) changes nothing.
        assert_eq!(s.decide(&r), ALLOW);
        // It grants nothing by itself.
        s.identity.clear();
        assert_eq!(s.decide(&r), IMPLICIT);
        assert_eq!(evaluate(&r, &s.policies()).reason_code, "no_identity_allow");
        // It must allow the request.
        s.identity = vec![pol(ID, &allow("s3:*", "*"))];
        s.vpc_endpoint = Some(endpoint(
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"*"}"#,
        ));
        assert_eq!(s.decide(&r), IMPLICIT);
        let e = evaluate(&r, &s.policies());
        assert_eq!(e.reason, Reason::VpcEndpointNoAllow);
        assert!(e.summary().contains("vpc-endpoints-access.html"));
        // Its Deny denies.
        s.vpc_endpoint = Some(endpoint(&format!(
            r#"{full},{{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*"}}"#
        )));
        assert_eq!(s.decide(&r), EXPLICIT);
        assert_eq!(
            evaluate(&r, &s.policies()).deciding[0].slot,
            PolicySlot::VpcEndpoint
        );
        // An account principal stands for the account's root user only.
        s.vpc_endpoint = Some(endpoint(&format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":"{A}"}},"Action":"*","Resource":"*"}}"#
        )));
        assert_eq!(s.decide(&r), IMPLICIT);
        assert_eq!(
            s.decide(&req(&format!("arn:aws:iam::{A}:root"), "s3:GetObject", OBJ)),
            ALLOW
        );
        // Naming the role lets its sessions through.
        s.vpc_endpoint = Some(endpoint(&format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":"{}"}},"Action":"*","Resource":"*"}}"#,
            role(A, "App")
        )));
        assert_eq!(s.decide(&r), ALLOW);
        assert_eq!(
            s.decide(&req(
                &format!("arn:aws:sts::{A}:assumed-role/App/s"),
                "s3:GetObject",
                OBJ
            )),
            ALLOW
        );
        // Conditions on the endpoint policy see the request context.
        s.vpc_endpoint = Some(endpoint(
            r#"{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}}"#,
        ));
        assert_eq!(s.decide(&r), IMPLICIT);
        let mut r2 = r.clone();
        r2.context.insert("aws:PrincipalOrgID", "o-1");
        assert_eq!(s.decide(&r2), ALLOW);
        let tr = explain(&r2, &s.policies()).trace.unwrap();
        let vpce = tr
            .policies
            .iter()
            .find(|p| p.slot == PolicySlot::VpcEndpoint)
            .unwrap();
        assert!(vpce.applies && vpce.allows);
    }

    #[test]
    fn service_rules_are_reported_beside_the_decision() {
        let admin = Set {
            identity: vec![pol(ID, &allow("*", "*"))],
            ..Set::default()
        };
        let check = |action: &str, resource: &str| {
            let r = req(&role(A, "Admin"), action, resource);
            let e = evaluate(&r, &admin.policies());
            assert_eq!(e.service_rule, explain(&r, &admin.policies()).service_rule);
            (e.decision, e.service_rule, e.is_permitted())
        };
        let managed = "arn:aws:iam::aws:policy/AdministratorAccess";
        assert_eq!(
            check("iam:CreatePolicyVersion", managed),
            (ALLOW, Some(ServiceRule::AwsManagedPolicy), false)
        );
        assert_eq!(
            check("IAM:deletepolicy", managed).1,
            Some(ServiceRule::AwsManagedPolicy)
        );
        // Reading or attaching an AWS managed policy is fine.
        assert_eq!(check("iam:GetPolicyVersion", managed), (ALLOW, None, true));
        // A customer managed policy can be changed.
        assert_eq!(
            check(
                "iam:CreatePolicyVersion",
                &format!("arn:aws:iam::{A}:policy/Mine")
            ),
            (ALLOW, None, true)
        );
        let alias = format!("arn:aws:kms:us-east-1:{A}:alias/aws/s3");
        assert_eq!(
            check("kms:DeleteAlias", &alias).1,
            Some(ServiceRule::AwsReservedAlias)
        );
        assert_eq!(
            check(
                "kms:UpdateAlias",
                &format!("arn:aws:kms:us-east-1:{A}:alias/awsome")
            )
            .1,
            None
        );
        let sso = format!(
            "arn:aws:iam::{A}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef"
        );
        assert_eq!(
            check("iam:AttachRolePolicy", &sso).1,
            Some(ServiceRule::AwsReservedRole)
        );
        assert_eq!(check("iam:GetRole", &sso).1, None);
        assert_eq!(check("s3:GetObject", OBJ).1, None);
        // The decision is still the policies' own: a Deny stays a Deny.
        let denied = Set {
            identity: vec![pol(ID, &deny("iam:*", "*"))],
            ..Set::default()
        };
        let e = evaluate(
            &req(&role(A, "Admin"), "iam:DeleteRole", &sso),
            &denied.policies(),
        );
        assert_eq!(
            (e.decision, e.service_rule),
            (EXPLICIT, Some(ServiceRule::AwsReservedRole))
        );
        // Display cites the AWS page; codes round-trip.
        for rule in ServiceRule::ALL {
            assert_eq!(ServiceRule::parse(rule.code()), Some(rule));
            assert!(rule.to_string().contains(rule.source().1));
        }
        assert_eq!(ServiceRule::parse("aws_managed"), None);
        // Service principals are exempt.
        let r = req("sso.amazonaws.com", "iam:DeleteRole", &sso);
        assert_eq!(service_rule(&r), None);
    }

    #[test]
    fn get_caller_identity_trace_says_no_policy_was_consulted() {
        let s = Set {
            identity: vec![pol(ID, &deny("*", "*"))],
            scps: vec![pol(PolicyKind::Scp, &deny("*", "*"))],
            ..Set::default()
        };
        let r = req(&role(A, "App"), "sts:GetCallerIdentity", "*");
        let e = explain(&r, &s.policies());
        assert_eq!(e.decision, ALLOW);
        assert!(e.summary().contains("API_GetCallerIdentity.html"));
        for p in &e.trace.unwrap().policies {
            assert!(!p.applies && !p.denies);
            assert!(
                p.note
                    .as_deref()
                    .unwrap_or("")
                    .contains("needs no permission")
            );
        }
        // Anonymous callers get no free pass.
        assert_eq!(
            Set::default().decide(&req("anonymous", "sts:GetCallerIdentity", "*")),
            IMPLICIT
        );
    }

    #[test]
    fn not_principal_with_deny() {
        let rp = pol(
            BUCKET,
            &format!(
                r#"{{"Effect":"Allow","Principal":{{"AWS":"{B}"}},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*"}},
               {{"Effect":"Deny","NotPrincipal":{{"AWS":["arn:aws:iam::{B}:user/Bob","arn:aws:iam::{B}:root"]}},"Action":"s3:*","Resource":"arn:aws:s3:::bucket/*"}}"#
            ),
        );
        let s = Set {
            identity: vec![pol(ID, &allow("s3:*", "*"))],
            resource: Some(rp),
            ..Set::default()
        };
        assert_eq!(
            s.decide(&req(
                &format!("arn:aws:iam::{B}:user/Bob"),
                "s3:GetObject",
                OBJ
            )),
            ALLOW
        );
        assert_eq!(
            s.decide(&req(
                &format!("arn:aws:iam::{B}:user/Alice"),
                "s3:GetObject",
                OBJ
            )),
            EXPLICIT
        );
        assert_eq!(
            s.decide(&req(&format!("arn:aws:iam::{B}:root"), "s3:GetObject", OBJ)),
            ALLOW
        );
        // Listing only the user (not its account) does not spare it.
        let rp = pol(
            BUCKET,
            &format!(
                r#"{{"Effect":"Deny","NotPrincipal":{{"AWS":"arn:aws:iam::{B}:user/Bob"}},"Action":"s3:*","Resource":"*"}}"#
            ),
        );
        let s = Set {
            resource: Some(rp),
            ..Set::default()
        };
        assert_eq!(
            s.decide(&req(
                &format!("arn:aws:iam::{B}:user/Bob"),
                "s3:GetObject",
                OBJ
            )),
            EXPLICIT
        );
    }

    #[test]
    fn not_action_not_resource_and_wildcards() {
        let s = Set {
            identity: vec![pol(
                ID,
                r#"{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}"#,
            )],
            ..Set::default()
        };
        assert_eq!(
            s.decide(&req(&role(A, "P"), "iam:CreateUser", "*")),
            IMPLICIT
        );
        assert_eq!(s.decide(&req(&role(A, "P"), "s3:GetObject", OBJ)), ALLOW);
        let s = Set {
            identity: vec![pol(
                ID,
                &format!(
                    r#"{},{{"Effect":"Deny","Action":"kms:*","NotResource":"{KEY}"}}"#,
                    allow("kms:*", "*")
                ),
            )],
            resource: Some(pol(KP, &grant(&format!(r#"{{"AWS":"{A}"}}"#), "kms:*"))),
            ..Set::default()
        };
        assert_eq!(s.decide(&req(&role(A, "P"), "kms:Decrypt", KEY)), ALLOW);
        assert_eq!(
            s.decide(&req(
                &role(A, "P"),
                "kms:Decrypt",
                "arn:aws:kms:us-east-1:111122223333:key/other"
            )),
            EXPLICIT
        );
        let s = Set {
            identity: vec![pol(
                ID,
                &allow("KMS:*datakey*", "arn:aws:s3:::bucket/d?c.*"),
            )],
            ..Set::default()
        };
        assert_eq!(
            s.decide(&req(
                &role(A, "P"),
                "kms:GenerateDataKeyWithoutPlaintext",
                OBJ
            )),
            ALLOW
        );
        assert_eq!(
            s.decide(&req(
                &role(A, "P"),
                "kms:GenerateDataKey",
                "arn:aws:s3:::bucket/Doc.txt"
            )),
            IMPLICIT
        );
    }

    #[test]
    fn policy_variables_in_resources() {
        let s = Set {
            identity: vec![pol(
                ID,
                &allow("s3:*", "arn:aws:s3:::bucket/home/${aws:username}/*"),
            )],
            ..Set::default()
        };
        let mut r = req(
            &user("alice"),
            "s3:GetObject",
            "arn:aws:s3:::bucket/home/alice/x",
        );
        assert_eq!(
            s.decide(&r),
            IMPLICIT,
            "aws:username is not derived from the principal"
        );
        r.context.insert("aws:username", "alice");
        assert_eq!(s.decide(&r), ALLOW);
        r.context.insert("aws:username", "bob");
        assert_eq!(s.decide(&r), IMPLICIT);
        // 2008-10-17: variables are literal text.
        let old = parse(r#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::bucket/home/${aws:username}/*"}}"#, ID).policy;
        let s = Set {
            identity: vec![old],
            ..Set::default()
        };
        assert_eq!(s.decide(&r), IMPLICIT);
        let lit = req(
            &user("bob"),
            "s3:GetObject",
            "arn:aws:s3:::bucket/home/${aws:username}/x",
        );
        assert_eq!(s.decide(&lit), ALLOW);
        // Escapes and defaults.
        let s = Set {
            identity: vec![pol(
                ID,
                &allow(
                    "s3:*",
                    "arn:aws:s3:::bucket/${aws:PrincipalTag/team, 'shared'}/w${*}c${?}",
                ),
            )],
            ..Set::default()
        };
        assert_eq!(
            s.decide(&req(
                &user("a"),
                "s3:GetObject",
                "arn:aws:s3:::bucket/shared/w*c?"
            )),
            ALLOW
        );
        assert_eq!(
            s.decide(&req(
                &user("a"),
                "s3:GetObject",
                "arn:aws:s3:::bucket/shared/wXcY"
            )),
            IMPLICIT
        );
    }

    #[test]
    fn trust_policies() {
        let trust = parse(&format!(r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Principal":{{"AWS":"{B}"}},"Action":"sts:AssumeRole"}}}}"#), PolicyKind::TrustPolicy).policy;
        let r = req(
            &user("x").replace(A, B),
            "sts:AssumeRole",
            &role(A, "Target"),
        );
        let mut s = Set {
            resource: Some(trust),
            ..Set::default()
        };
        assert_eq!(s.decide(&r), IMPLICIT);
        s.identity.push(pol(ID, &allow("sts:AssumeRole", "*")));
        assert_eq!(s.decide(&r), ALLOW);
        // Same account: identity policy alone never suffices for a trust policy.
        let r2 = req(&user("x"), "sts:AssumeRole", &role(A, "Target"));
        assert_eq!(s.decide(&r2), IMPLICIT);
    }

    #[test]
    fn reasons_say_how_the_key_policy_named_the_caller() {
        // A service principal has no account to delegate to: the reason must not invent one.
        let s = Set {
            resource: Some(pol(KP, &grant(&format!(r#"{{"AWS":"{A}"}}"#), "kms:*"))),
            ..Set::default()
        };
        let r = req("cloudtrail.amazonaws.com", "kms:GenerateDataKey", KEY);
        let e = evaluate(&r, &s.policies());
        assert_eq!(e.decision, IMPLICIT);
        let text = e.reason.to_string();
        assert!(
            !text.contains("unknown") && !text.contains("account"),
            "{text}"
        );
        // `Principal "*"` limited by kms:CallerAccount does not name the caller.
        let open = r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"111122223333"}}}"#;
        let s = Set {
            resource: Some(pol(KP, open)),
            ..Set::default()
        };
        let mut r = req(&user("reader"), "kms:Decrypt", KEY);
        r.context.insert("kms:CallerAccount", A);
        let e = evaluate(&r, &s.policies());
        assert_eq!(e.decision, ALLOW);
        assert_eq!(
            e.reason,
            Reason::AllowedByResourcePolicy {
                grant: GrantKind::Everyone
            }
        );
        assert!(!e.reason.to_string().contains("names the caller"));
    }

    #[test]
    fn explanation_shows_what_failed() {
        let text = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Via","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/App"},"Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"ssm.us-east-1.amazonaws.com"}}}]}"#;
        let kp = parse(text, KP).policy;
        let s = Set {
            resource: Some(kp),
            ..Set::default()
        };
        let r = req(&role(A, "App"), "kms:Decrypt", KEY);
        let e = explain(&r, &s.policies());
        assert_eq!(e.decision, IMPLICIT);
        let st = &e.trace.as_ref().unwrap().policies[0].statements[0];
        assert!(st.action.matched && st.resource.matched && st.principal.as_ref().unwrap().matched);
        assert!(!st.conditions[0].result);
        assert_eq!(st.conditions[0].request_values, None);
        assert_eq!(st.conditions[0].key_span.slice(text), "\"kms:ViaService\"");
        assert_eq!(st.sid.as_deref(), Some("Via"));
        let json = serde_json_like(&e);
        assert!(json.contains("\"decision\":\"ImplicitlyDenied\""));
    }

    /// Serializes without serde_json (not a dependency): checks Decision's wire form.
    fn serde_json_like(e: &Evaluation) -> String {
        format!("\"decision\":\"{}\"", e.decision)
    }

    #[test]
    fn conditions_with_and_or_semantics() {
        let body = r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/a":["x","y"],"aws:PrincipalTag/b":"z"},"Bool":{"aws:SecureTransport":"true"}}}"#;
        let s = Set {
            identity: vec![pol(ID, body)],
            ..Set::default()
        };
        let mut r = req(&user("u"), "s3:GetObject", OBJ);
        r.context.insert("aws:PrincipalTag/a", "y");
        r.context.insert("aws:PrincipalTag/b", "z");
        assert_eq!(s.decide(&r), IMPLICIT, "SecureTransport missing");
        r.context.insert("AWS:SECURETRANSPORT", "true");
        assert_eq!(s.decide(&r), ALLOW);
        r.context.insert("aws:principaltag/b", "q");
        assert_eq!(s.decide(&r), IMPLICIT);
    }

    #[test]
    fn unknown_operator_fails_closed_for_allow_and_deny() {
        let s = Set {
            identity: vec![pol(
                ID,
                &format!(
                    r#"{},{{"Effect":"Deny","Action":"*","Resource":"*","Condition":{{"StringEqual":{{"k":"v"}}}}}}"#,
                    allow("s3:*", "*")
                ),
            )],
            ..Set::default()
        };
        let mut r = req(&user("u"), "s3:GetObject", OBJ);
        r.context.insert("k", "v");
        assert_eq!(s.decide(&r), ALLOW);
    }

    #[test]
    fn decision_display() {
        assert_eq!(ALLOW.to_string(), "Allowed");
        assert_eq!(Decision::parse("ExplicitlyDenied"), Some(EXPLICIT));
        assert_eq!(
            Caller::parse("cloudtrail.amazonaws.com"),
            Caller::Service("cloudtrail.amazonaws.com")
        );
        assert_eq!(Caller::parse(A), Caller::Root { account: A });
        assert!(matches!(
            Caller::parse("arn:aws:sts::111122223333:assumed-role/R/s"),
            Caller::Session { role: "R", .. }
        ));
        assert!(matches!(
            Caller::parse("arn:aws:iam::111122223333:role/p/q/R"),
            Caller::Role { name: "R", .. }
        ));
    }
}
