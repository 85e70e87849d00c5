//! The typed policy AST. Every element keeps its span; matchers are compiled at
//! parse time so evaluation does no string preparation.

use serde::Serialize;

use crate::condition::{Compiled, OperatorSpec};
use crate::pattern::Glob;
use crate::span::Span;
use crate::variables::Template;

/// What a policy document is attached to; decides which elements are required.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum PolicyKind {
    /// Identity-based policy (user, group, role; inline or managed).
    Identity,
    /// KMS key policy.
    KeyPolicy,
    /// S3 bucket policy.
    BucketPolicy,
    /// IAM role trust policy.
    TrustPolicy,
    /// Organizations service control policy.
    Scp,
    /// Organizations resource control policy.
    Rcp,
    PermissionBoundary,
    SessionPolicy,
}

impl PolicyKind {
    /// Every kind, e.g. to read one text under each kind's rules.
    pub const ALL: [PolicyKind; 8] = [
        PolicyKind::Identity,
        PolicyKind::KeyPolicy,
        PolicyKind::BucketPolicy,
        PolicyKind::TrustPolicy,
        PolicyKind::Scp,
        PolicyKind::Rcp,
        PolicyKind::PermissionBoundary,
        PolicyKind::SessionPolicy,
    ];
}

impl PolicyKind {
    /// Resource-based policies name a `Principal`.
    pub fn is_resource_based(self) -> bool {
        matches!(
            self,
            PolicyKind::KeyPolicy
                | PolicyKind::BucketPolicy
                | PolicyKind::TrustPolicy
                | PolicyKind::Rcp
        )
    }

    /// Short name used by the CLI (`--kind`), the JS boundary and scenario files.
    pub fn name(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity",
            PolicyKind::KeyPolicy => "key",
            PolicyKind::BucketPolicy => "bucket",
            PolicyKind::TrustPolicy => "trust",
            PolicyKind::Scp => "scp",
            PolicyKind::Rcp => "rcp",
            PolicyKind::PermissionBoundary => "boundary",
            PolicyKind::SessionPolicy => "session",
        }
    }

    pub fn from_name(name: &str) -> Option<PolicyKind> {
        PolicyKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Guesses the kind from content: a Principal means a resource policy — a key
    /// policy when the actions are KMS actions (or resources are KMS ARNs), a trust
    /// policy for `sts:AssumeRole*` without Resource, else a bucket policy. Without
    /// Principal: an identity policy.
    pub fn guess(text: &str) -> PolicyKind {
        let parsed = crate::parse(text, PolicyKind::Identity);
        let statements = &parsed.policy.statements;
        if !statements.iter().any(|s| s.principal.is_some()) {
            return PolicyKind::Identity;
        }
        let actions: Vec<String> = statements
            .iter()
            .filter_map(|s| s.action.as_ref())
            .flat_map(|a| a.items.iter().map(|i| i.value.to_ascii_lowercase()))
            .collect();
        let resources: Vec<&str> = statements
            .iter()
            .filter_map(|s| s.resource.as_ref())
            .flat_map(|r| r.items.iter().map(|i| i.value.as_str()))
            .collect();
        let kms_actions = !actions.is_empty() && actions.iter().all(|a| a.starts_with("kms:"));
        if resources.iter().any(|r| r.starts_with("arn:aws:kms:")) || kms_actions {
            return PolicyKind::KeyPolicy;
        }
        if resources.is_empty() && actions.iter().any(|a| a.starts_with("sts:assumerole")) {
            return PolicyKind::TrustPolicy;
        }
        PolicyKind::BucketPolicy
    }

    pub fn label(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity-based policy",
            PolicyKind::KeyPolicy => "KMS key policy",
            PolicyKind::BucketPolicy => "S3 bucket policy",
            PolicyKind::TrustPolicy => "role trust policy",
            PolicyKind::Scp => "service control policy",
            PolicyKind::Rcp => "resource control policy",
            PolicyKind::PermissionBoundary => "permissions boundary",
            PolicyKind::SessionPolicy => "session policy",
        }
    }
}

/// A value with the span it came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Effect {
    Allow,
    Deny,
}

/// A parsed policy document.
#[derive(Clone, Debug)]
pub struct Policy {
    pub kind: PolicyKind,
    pub version: Option<Spanned<String>>,
    pub id: Option<Spanned<String>>,
    pub statements: Vec<Statement>,
    /// Span of the whole document (the top-level object).
    pub span: Span,
    /// Keys that appear more than once in one JSON object: (key, span of the repeat).
    pub duplicate_keys: Vec<Spanned<String>>,
    /// True under `Version: 2012-10-17`, the only version with policy variables.
    pub(crate) variables: bool,
}

impl Policy {
    pub(crate) fn empty(kind: PolicyKind) -> Self {
        Policy {
            kind,
            version: None,
            id: None,
            statements: Vec::new(),
            span: Span::default(),
            duplicate_keys: Vec::new(),
            variables: false,
        }
    }

    /// Whether `${...}` variables are substituted (Version 2012-10-17).
    pub fn supports_variables(&self) -> bool {
        self.variables
    }
}

/// One statement.
#[derive(Clone, Debug)]
pub struct Statement {
    /// Position in the `Statement` list (0-based).
    pub index: usize,
    pub span: Span,
    pub sid: Option<Spanned<String>>,
    pub effect: Option<Spanned<Effect>>,
    pub principal: Option<PrincipalBlock>,
    pub action: Option<ActionBlock>,
    pub resource: Option<ResourceBlock>,
    pub conditions: Vec<Condition>,
    /// Span of the `Condition` value, if present.
    pub condition_span: Option<Span>,
}

/// `Principal` or `NotPrincipal`.
#[derive(Clone, Debug)]
pub struct PrincipalBlock {
    pub negated: bool,
    /// Span of the element's key (`"Principal"`).
    pub key_span: Span,
    /// Span of the element's value.
    pub span: Span,
    pub entries: Vec<PrincipalEntry>,
}

/// Which `Principal` map key an entry came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum PrincipalType {
    /// `"Principal": "*"`.
    Wildcard,
    Aws,
    Service,
    Federated,
    CanonicalUser,
    /// An unknown key; the entry never matches.
    Unknown,
}

#[derive(Clone, Debug)]
pub struct PrincipalEntry {
    pub principal_type: PrincipalType,
    pub value: String,
    pub span: Span,
    pub(crate) matcher: PrincipalMatcher,
}

/// A principal entry resolved at parse time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PrincipalMatcher {
    Any,
    Account(String),
    User(String),
    Role {
        account: String,
        name: String,
    },
    Session(String),
    FederatedUser(String),
    Service(String),
    /// Exact text: federated providers, canonical users, other ARNs.
    Exact(String),
    /// Invalid (partial wildcard, unknown type): matches nothing.
    Never,
}

/// `Action` or `NotAction`.
#[derive(Clone, Debug)]
pub struct ActionBlock {
    pub negated: bool,
    pub key_span: Span,
    pub span: Span,
    pub items: Vec<ActionItem>,
}

#[derive(Clone, Debug)]
pub struct ActionItem {
    pub value: String,
    pub span: Span,
    pub(crate) glob: Glob,
}

/// `Resource` or `NotResource`.
#[derive(Clone, Debug)]
pub struct ResourceBlock {
    pub negated: bool,
    pub key_span: Span,
    pub span: Span,
    pub items: Vec<ResourceItem>,
}

#[derive(Clone, Debug)]
pub struct ResourceItem {
    pub value: String,
    pub span: Span,
    pub(crate) pattern: ResourcePattern,
}

#[derive(Clone, Debug)]
pub(crate) enum ResourcePattern {
    Glob(Glob),
    /// Contains policy variables; resolved per request.
    Template(Template),
}

/// One `operator: { key: values }` clause of a `Condition` block.
#[derive(Clone, Debug)]
pub struct Condition {
    /// The operator as written, with its span.
    pub operator: Spanned<String>,
    /// `None` when the operator is unknown (the clause then never matches).
    pub spec: Option<OperatorSpec>,
    /// The condition key as written, with its span.
    pub key: Spanned<String>,
    /// The policy values as text (JSON booleans and numbers as written).
    pub values: Vec<Spanned<String>>,
    /// Span of the values (string or array).
    pub values_span: Span,
    pub(crate) compiled: Vec<Compiled>,
}

#[cfg(test)]
mod kind_tests {
    use super::*;

    #[test]
    fn kind_names_round_trip_and_guessing_reads_the_content() {
        for kind in PolicyKind::ALL {
            assert_eq!(PolicyKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(PolicyKind::from_name("bucket-policy"), None);
        let key = r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kms:*","Resource":"*"}}"#;
        assert_eq!(PolicyKind::guess(key), PolicyKind::KeyPolicy);
        let bucket = r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#;
        assert_eq!(PolicyKind::guess(bucket), PolicyKind::BucketPolicy);
        assert_eq!(PolicyKind::guess("not json"), PolicyKind::Identity);
    }
}
