//! The scenario: a small AWS world as a JSON document.
//!
//! Reading is done by hand (`read.rs`) so that every error carries its JSON
//! path; writing uses serde and drops every field that holds its default,
//! which keeps share links short. Cross-references are checked in
//! `validate.rs`; the share-link form lives in `canonical.rs`.

mod canonical;
pub(crate) mod json;
mod keys;
mod read;
mod validate;

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

pub use keys::KeyRef;

use crate::flows::FlowSpec;
use crate::ids::PolicyId;
use crate::names::names;

/// A scenario that could not be read: where, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScenarioError {
    /// JSON path such as `buckets[0].default_encryption.key`; empty for the whole document.
    pub path: String,
    pub message: String,
}

impl ScenarioError {
    pub fn new(path: &str, message: impl Into<String>) -> Self {
        Self {
            path: path.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for ScenarioError {}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

fn is_false(v: &bool) -> bool {
    !*v
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The home account: the default for every resource and principal.
    pub account: String,
    pub region: String,
    #[serde(skip_serializing_if = "is_default")]
    pub settings: Settings,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub principals: Vec<Principal>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<Key>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub buckets: Vec<Bucket>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub load_balancers: Vec<LoadBalancer>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trails: Vec<Trail>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<Parameter>,
    /// SCPs that apply to the home account (as an Organizations member).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scps: Vec<NamedPolicy>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flows: Vec<FlowSpec>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expectations: Vec<Expectation>,
}

names! {
    /// Where AWS's documentation and what a write-up observed disagree, which
    /// one the simulator follows.
    #[derive(Default)]
    pub enum Behaviour {
        #[default]
        Observed = "observed",
        Documented = "documented",
    }
}

names! {
    /// Who writes ELB access logs, which follows the bucket-policy form a Region uses.
    #[derive(Default)]
    pub enum ElbLogWriter {
        /// `logdelivery.elasticloadbalancing.amazonaws.com` (current form).
        #[default]
        Service = "service",
        /// The Region's ELB account (legacy form, Regions before August 2022).
        ElbAccount = "elb-account",
    }
}

names! {
    /// How CloudTrail digest files are encrypted when the trail has a KMS key.
    #[derive(Default)]
    pub enum DigestEncryption {
        /// Current CloudTrail docs: the trail's key encrypts logs and digests.
        #[default]
        SseKms = "sse-kms",
        /// CloudTrail docs of 2018 (quoted in the 2018 KMS write-up): digests stay SSE-S3.
        SseS3 = "sse-s3",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Settings {
    /// ALB log delivery after the bucket default is switched to a KMS key.
    #[serde(skip_serializing_if = "is_default")]
    pub alb_delivery: Behaviour,
    #[serde(skip_serializing_if = "is_default")]
    pub elb_log_writer: ElbLogWriter,
    #[serde(skip_serializing_if = "is_default")]
    pub digest_encryption: DigestEncryption,
    /// Bucket Key of Batch Operations copies made without `BucketKeyEnabled`.
    #[serde(skip_serializing_if = "is_default")]
    pub batch_copy_bucket_key: Behaviour,
}

names! {
    /// The kinds of principal a scenario can hold.
    #[derive(Default)]
    pub enum PrincipalKind {
        #[default]
        User = "user",
        Role = "role",
        /// A session of a role: `arn:aws:sts::ACCT:assumed-role/ROLE/SESSION`.
        AssumedRole = "assumed-role",
        /// The account root user.
        Root = "root",
        Service = "service",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Principal {
    /// The handle used elsewhere in the scenario (and the IAM name for users and roles).
    pub name: String,
    #[serde(rename = "type")]
    pub kind: PrincipalKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// For `assumed-role`: the `name` of the role principal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// For `assumed-role`: the session name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// For `service`: e.g. `cloudtrail.amazonaws.com`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<NamedPolicy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permission_boundary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust_policy: Option<String>,
}

impl Principal {
    /// A principal of `kind` with nothing else set.
    pub fn new(name: impl Into<String>, kind: PrincipalKind) -> Self {
        Principal {
            name: name.into(),
            kind,
            account: None,
            role: None,
            session: None,
            service: None,
            policies: Vec::new(),
            permission_boundary: None,
            trust_policy: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamedPolicy {
    pub name: String,
    pub document: String,
}

names! {
    /// The key states a scenario key can be in.
    #[derive(Default)]
    pub enum KeyState {
        #[default]
        Enabled = "Enabled",
        Disabled = "Disabled",
        PendingDeletion = "PendingDeletion",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Key {
    /// Key ID (the UUID part of the ARN).
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub policy: String,
    #[serde(skip_serializing_if = "is_default")]
    pub state: KeyState,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<Grant>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Grant {
    /// Principal name from the scenario, or an ARN / service name.
    pub grantee: String,
    /// KMS operations without the prefix, e.g. `Decrypt`.
    pub operations: Vec<String>,
    /// `EncryptionContextSubset` constraint; empty = none.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub encryption_context_subset: BTreeMap<String, String>,
}

names! {
    /// Server-side encryption of an object or a bucket default, as S3 Inventory spells it.
    #[derive(Default)]
    pub enum Sse {
        /// Unencrypted (possible before 5 January 2023).
        None = "NOT-SSE",
        #[default]
        S3 = "SSE-S3",
        Kms = "SSE-KMS",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Encryption {
    #[serde(skip_serializing_if = "is_default")]
    pub sse: Sse,
    /// Key reference (ID, ARN, alias name or alias ARN) for SSE-KMS; none = `aws/s3`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub bucket_key: bool,
}

names! {
    /// S3 Object Ownership of a bucket.
    #[derive(Default)]
    pub enum ObjectOwnership {
        #[default]
        BucketOwnerEnforced = "BucketOwnerEnforced",
        BucketOwnerPreferred = "BucketOwnerPreferred",
        ObjectWriter = "ObjectWriter",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bucket {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    #[serde(skip_serializing_if = "is_default")]
    pub object_ownership: ObjectOwnership,
    #[serde(skip_serializing_if = "is_default")]
    pub default_encryption: Encryption,
    #[serde(skip_serializing_if = "is_false")]
    pub versioning: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<S3Object>,
}

impl Bucket {
    pub fn new(name: impl Into<String>) -> Self {
        Bucket {
            name: name.into(),
            account: None,
            policy: None,
            object_ownership: ObjectOwnership::default(),
            default_encryption: Encryption::default(),
            versioning: false,
            objects: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct S3Object {
    pub key: String,
    #[serde(skip_serializing_if = "is_default")]
    pub sse: Sse,
    /// KMS key reference for SSE-KMS objects (`kms_key`, since `key` is the object key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub bucket_key: bool,
}

impl S3Object {
    pub fn encryption(&self) -> Encryption {
        Encryption {
            sse: self.sse,
            key: self.kms_key.clone(),
            bucket_key: self.bucket_key,
        }
    }

    pub fn set_encryption(&mut self, e: Encryption) {
        self.sse = e.sse;
        self.kms_key = e.key;
        self.bucket_key = e.bucket_key;
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoadBalancer {
    pub name: String,
    /// The resource ID part of the ARN (`app/NAME/ID`).
    pub id: String,
    /// Access-log attributes: the bucket and prefix logs go to.
    pub access_logs: AccessLogs,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccessLogs {
    pub bucket: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub prefix: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trail {
    pub name: String,
    pub bucket: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub prefix: String,
    /// The key the trail encrypts with now; none = SSE-S3.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
    /// `EnableLogFileValidation` (default false): CloudTrail delivers digest files only when on.
    #[serde(skip_serializing_if = "is_false")]
    pub log_file_validation: bool,
}

names! {
    /// The types of an SSM parameter.
    #[derive(Default)]
    pub enum ParameterType {
        String = "String",
        StringList = "StringList",
        #[default]
        SecureString = "SecureString",
    }
}

names! {
    /// The tiers of an SSM parameter.
    #[derive(Default)]
    pub enum Tier {
        #[default]
        Standard = "Standard",
        Advanced = "Advanced",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parameter {
    pub name: String,
    /// Always written, though the reader defaults it to SecureString: AWS has no
    /// default type for a new parameter ("You must specify a parameter type when
    /// creating a parameter", PutParameter `Type`, AWS SDK for Kotlin API reference,
    /// https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/ssm/aws.sdk.kotlin.services.ssm.model/-put-parameter-request/type.html),
    /// so a scenario file states it.
    #[serde(rename = "type")]
    pub kind: ParameterType,
    /// Key reference; none = `alias/aws/ssm`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "is_default")]
    pub tier: Tier,
    pub value: String,
}

names! {
    /// How an expected step ends.
    pub enum ExpectedOutcome {
        Ok = "ok",
        Error = "error",
    }
}

names! {
    /// A decision as written in expectations (the engine's names, plus either deny).
    pub enum ExpectedDecision {
        Allowed = "Allowed",
        ImplicitlyDenied = "ImplicitlyDenied",
        ExplicitlyDenied = "ExplicitlyDenied",
        /// Either kind of deny.
        Denied = "Denied",
    }
}

names! {
    /// The kinds of expectation a scenario can carry.
    pub enum ExpectationKind {
        Step = "step",
        Matrix = "matrix",
        Request = "request",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "expect", rename_all = "lowercase")]
pub enum Expectation {
    /// A step of a flow ends ok or with an error (optionally a given error code).
    Step {
        flow: String,
        step: String,
        outcome: ExpectedOutcome,
        #[serde(skip_serializing_if = "Option::is_none")]
        code: Option<String>,
        #[serde(skip_serializing_if = "String::is_empty")]
        because: String,
        /// Where the expected outcome comes from (an AWS page, a write-up).
        #[serde(skip_serializing_if = "String::is_empty")]
        source: String,
    },
    /// A cell of a flow's access matrix.
    Matrix {
        flow: String,
        principal: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        read: Option<bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        deliver: Option<bool>,
        #[serde(skip_serializing_if = "String::is_empty")]
        because: String,
        #[serde(skip_serializing_if = "String::is_empty")]
        source: String,
    },
    /// A plain request against the world's policies.
    Request {
        principal: String,
        action: String,
        /// An ARN, or a key reference such as `alias/name`.
        resource: String,
        #[serde(skip_serializing_if = "BTreeMap::is_empty")]
        context: BTreeMap<String, Vec<String>>,
        decision: ExpectedDecision,
        #[serde(skip_serializing_if = "String::is_empty")]
        because: String,
        #[serde(skip_serializing_if = "String::is_empty")]
        source: String,
    },
}

impl Expectation {
    pub fn because(&self) -> &str {
        match self {
            Expectation::Step { because, .. }
            | Expectation::Matrix { because, .. }
            | Expectation::Request { because, .. } => because,
        }
    }

    pub fn because_mut(&mut self) -> &mut String {
        match self {
            Expectation::Step { because, .. }
            | Expectation::Matrix { because, .. }
            | Expectation::Request { because, .. } => because,
        }
    }

    /// Where the expected outcome comes from; empty when the scenario does not say.
    pub fn source(&self) -> &str {
        match self {
            Expectation::Step { source, .. }
            | Expectation::Matrix { source, .. }
            | Expectation::Request { source, .. } => source,
        }
    }

    pub fn source_mut(&mut self) -> &mut String {
        match self {
            Expectation::Step { source, .. }
            | Expectation::Matrix { source, .. }
            | Expectation::Request { source, .. } => source,
        }
    }
}

names! {
    /// Which kind of policy a scenario field holds.
    pub enum PolicySlot {
        Identity = "identity",
        PermissionBoundary = "permission-boundary",
        Trust = "trust",
        Key = "key",
        Bucket = "bucket",
        Scp = "scp",
    }
}

impl PolicySlot {
    /// The policy language rules the text in this slot follows.
    pub fn kind(self) -> keyflow_policy::PolicyKind {
        use keyflow_policy::PolicyKind;
        match self {
            PolicySlot::Identity => PolicyKind::Identity,
            PolicySlot::PermissionBoundary => PolicyKind::PermissionBoundary,
            PolicySlot::Trust => PolicyKind::TrustPolicy,
            PolicySlot::Key => PolicyKind::KeyPolicy,
            PolicySlot::Bucket => PolicyKind::BucketPolicy,
            PolicySlot::Scp => PolicyKind::Scp,
        }
    }
}

/// A policy text in the scenario, for editors and for explanations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyField {
    pub id: PolicyId,
    pub slot: PolicySlot,
    /// JSON path of the field holding the text (`keys[0].policy`).
    pub path: String,
    pub text: String,
}

impl Scenario {
    /// Checks every cross-reference (the same checks `from_json` makes), for a
    /// scenario built or changed in memory.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        validate::check(self)
    }

    /// Every policy text in the scenario with its id, slot and JSON path, in document order.
    pub fn policy_fields(&self) -> Vec<PolicyField> {
        let mut out = Vec::new();
        for (i, p) in self.principals.iter().enumerate() {
            for (j, pol) in p.policies.iter().enumerate() {
                out.push(PolicyField {
                    id: PolicyId::Identity {
                        principal: p.name.clone(),
                        policy: pol.name.clone(),
                    },
                    slot: PolicySlot::Identity,
                    path: format!("principals[{i}].policies[{j}].document"),
                    text: pol.document.clone(),
                });
            }
            if let Some(text) = &p.permission_boundary {
                out.push(PolicyField {
                    id: PolicyId::Boundary(p.name.clone()),
                    slot: PolicySlot::PermissionBoundary,
                    path: format!("principals[{i}].permission_boundary"),
                    text: text.clone(),
                });
            }
            if let Some(text) = &p.trust_policy {
                out.push(PolicyField {
                    id: PolicyId::Trust(p.name.clone()),
                    slot: PolicySlot::Trust,
                    path: format!("principals[{i}].trust_policy"),
                    text: text.clone(),
                });
            }
        }
        for (i, k) in self.keys.iter().enumerate() {
            out.push(PolicyField {
                id: PolicyId::Key(k.id.clone()),
                slot: PolicySlot::Key,
                path: format!("keys[{i}].policy"),
                text: k.policy.clone(),
            });
        }
        for (i, b) in self.buckets.iter().enumerate() {
            if let Some(text) = &b.policy {
                out.push(PolicyField {
                    id: PolicyId::Bucket(b.name.clone()),
                    slot: PolicySlot::Bucket,
                    path: format!("buckets[{i}].policy"),
                    text: text.clone(),
                });
            }
        }
        for (i, s) in self.scps.iter().enumerate() {
            out.push(PolicyField {
                id: PolicyId::Scp(s.name.clone()),
                slot: PolicySlot::Scp,
                path: format!("scps[{i}].document"),
                text: s.document.clone(),
            });
        }
        out
    }

    /// The text of a scenario policy, if the scenario holds it.
    pub fn policy_text(&self, id: &PolicyId) -> Option<&str> {
        self.policy_text_ref(id).map(String::as_str)
    }

    fn policy_text_ref(&self, id: &PolicyId) -> Option<&String> {
        let principal = |name: &str| self.principals.iter().find(|p| p.name == name);
        match id {
            PolicyId::Identity {
                principal: who,
                policy,
            } => principal(who)?
                .policies
                .iter()
                .find(|p| &p.name == policy)
                .map(|p| &p.document),
            PolicyId::Boundary(who) => principal(who)?.permission_boundary.as_ref(),
            PolicyId::Trust(who) => principal(who)?.trust_policy.as_ref(),
            PolicyId::Key(k) => self.keys.iter().find(|x| &x.id == k).map(|x| &x.policy),
            PolicyId::Bucket(b) => self
                .buckets
                .iter()
                .find(|x| &x.name == b)
                .and_then(|x| x.policy.as_ref()),
            PolicyId::Scp(n) => self.scps.iter().find(|x| &x.name == n).map(|x| &x.document),
            PolicyId::ManagedKey(_) | PolicyId::AwsOwned(_) => None,
        }
    }

    /// The scenario field holding a policy text, for editing.
    pub fn policy_text_mut(&mut self, id: &PolicyId) -> Option<&mut String> {
        match id {
            PolicyId::Identity { principal, policy } => self
                .principals
                .iter_mut()
                .find(|p| &p.name == principal)?
                .policies
                .iter_mut()
                .find(|p| &p.name == policy)
                .map(|p| &mut p.document),
            PolicyId::Boundary(who) => self
                .principals
                .iter_mut()
                .find(|p| &p.name == who)?
                .permission_boundary
                .as_mut(),
            PolicyId::Trust(who) => self
                .principals
                .iter_mut()
                .find(|p| &p.name == who)?
                .trust_policy
                .as_mut(),
            PolicyId::Key(k) => self
                .keys
                .iter_mut()
                .find(|x| &x.id == k)
                .map(|x| &mut x.policy),
            PolicyId::Bucket(b) => self
                .buckets
                .iter_mut()
                .find(|x| &x.name == b)
                .and_then(|x| x.policy.as_mut()),
            PolicyId::Scp(n) => self
                .scps
                .iter_mut()
                .find(|x| &x.name == n)
                .map(|x| &mut x.document),
            PolicyId::ManagedKey(_) | PolicyId::AwsOwned(_) => None,
        }
    }

    /// The slot a policy id's text follows the rules of.
    pub fn policy_slot(id: &PolicyId) -> PolicySlot {
        match id {
            PolicyId::Identity { .. } | PolicyId::AwsOwned(_) => PolicySlot::Identity,
            PolicyId::Boundary(_) => PolicySlot::PermissionBoundary,
            PolicyId::Trust(_) => PolicySlot::Trust,
            PolicyId::Key(_) | PolicyId::ManagedKey(_) => PolicySlot::Key,
            PolicyId::Bucket(_) => PolicySlot::Bucket,
            PolicyId::Scp(_) => PolicySlot::Scp,
        }
    }

    /// The text behind any policy id a run uses: scenario fields, or the AWS
    /// managed key policies the simulator generates for this account and Region.
    pub fn policy_source_text(&self, id: &PolicyId) -> Option<String> {
        match id {
            PolicyId::ManagedKey(service) => Some(crate::managed::key_policy(
                *service,
                &self.account,
                &self.region,
            )),
            other => self.policy_text(other).map(str::to_string),
        }
    }
}

#[cfg(test)]
mod tests;
