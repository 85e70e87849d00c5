//! The scenario: a small AWS world as a JSON document.
//!
//! Reading is done by hand (see `reader.rs`) so that every error carries its
//! JSON path; writing uses serde and drops every field that holds its default,
//! which keeps share links short.

use std::collections::BTreeMap;
use std::fmt;

use keyflow_json::Value;
use serde::Serialize;

use crate::reader::Obj;

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

/// Where AWS's documentation and what a source post observed disagree, which one
/// the simulator follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Behaviour {
    #[default]
    Observed,
    Documented,
}

impl Behaviour {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Observed => "observed",
            Self::Documented => "documented",
        }
    }
}

/// Who writes ELB access logs, which follows the bucket-policy form a Region uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ElbLogWriter {
    /// `logdelivery.elasticloadbalancing.amazonaws.com` (current form, every Region).
    #[default]
    Service,
    /// The Region's ELB account (legacy form, Regions before August 2022).
    ElbAccount,
}

/// How CloudTrail digest files are encrypted when the trail has a KMS key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DigestEncryption {
    /// Current CloudTrail docs: the trail's key encrypts logs and digests.
    #[default]
    SseKms,
    /// 2018 docs (source 002): digests stay SSE-S3.
    SseS3,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Settings {
    /// ALB log delivery after the bucket default is switched to a KMS key (source 000).
    #[serde(skip_serializing_if = "is_default")]
    pub alb_delivery: Behaviour,
    #[serde(skip_serializing_if = "is_default")]
    pub elb_log_writer: ElbLogWriter,
    #[serde(skip_serializing_if = "is_default")]
    pub digest_encryption: DigestEncryption,
    /// Bucket Key of Batch Operations copies made without `BucketKeyEnabled` (source 003).
    #[serde(skip_serializing_if = "is_default")]
    pub batch_copy_bucket_key: Behaviour,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrincipalKind {
    User,
    Role,
    /// A session of a role: `arn:aws:sts::ACCT:assumed-role/ROLE/SESSION`.
    AssumedRole,
    /// The account root user.
    Root,
    Service,
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

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamedPolicy {
    pub name: String,
    pub document: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum KeyState {
    #[default]
    Enabled,
    Disabled,
    PendingDeletion,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Sse {
    /// Unencrypted (possible before 5 January 2023).
    #[serde(rename = "NOT-SSE")]
    None,
    #[default]
    #[serde(rename = "SSE-S3")]
    S3,
    #[serde(rename = "SSE-KMS")]
    Kms,
}

impl Sse {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "NOT-SSE",
            Self::S3 => "SSE-S3",
            Self::Kms => "SSE-KMS",
        }
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum ObjectOwnership {
    #[default]
    BucketOwnerEnforced,
    BucketOwnerPreferred,
    ObjectWriter,
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum ParameterType {
    String,
    StringList,
    #[default]
    SecureString,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Tier {
    #[default]
    Standard,
    Advanced,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parameter {
    pub name: String,
    #[serde(rename = "type", skip_serializing_if = "is_default")]
    pub kind: ParameterType,
    /// Key reference; none = `alias/aws/ssm`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "is_default")]
    pub tier: Tier,
    pub value: String,
}

/// One flow to run, with the names of the actors that take part.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "flow", rename_all = "kebab-case")]
pub enum FlowSpec {
    /// Source 000.
    AlbAccessLogs {
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        load_balancer: String,
        /// The customer managed key the bucket default is switched to after enabling.
        key: String,
        admin: String,
        reader: String,
    },
    /// Sources 001 and 002.
    CloudtrailSseKms {
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        trail: String,
        key: String,
        admin: String,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        readers: Vec<String>,
    },
    /// Source 004.
    SsmSecurestring {
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        parameter: String,
        writer: String,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        readers: Vec<String>,
    },
    /// Source 003.
    S3EncryptInUse {
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        bucket: String,
        key: String,
        #[serde(skip_serializing_if = "is_false")]
        bucket_key: bool,
        admin: String,
        app: String,
        batch_role: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        inventory_bucket: Option<String>,
        /// App PUTs per day, for the KMS request estimate.
        #[serde(skip_serializing_if = "Option::is_none")]
        puts_per_day: Option<u64>,
    },
}

impl FlowSpec {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::AlbAccessLogs { .. } => "alb-access-logs",
            Self::CloudtrailSseKms { .. } => "cloudtrail-sse-kms",
            Self::SsmSecurestring { .. } => "ssm-securestring",
            Self::S3EncryptInUse { .. } => "s3-encrypt-in-use",
        }
    }

    fn default_id(&self) -> &'static str {
        match self {
            Self::AlbAccessLogs { .. } => "alb",
            Self::CloudtrailSseKms { .. } => "cloudtrail",
            Self::SsmSecurestring { .. } => "ssm",
            Self::S3EncryptInUse { .. } => "s3",
        }
    }

    /// The id steps and expectations refer to (`alb`, `cloudtrail`, `ssm`, `s3` unless given).
    pub fn id(&self) -> &str {
        let given = match self {
            Self::AlbAccessLogs { id, .. }
            | Self::CloudtrailSseKms { id, .. }
            | Self::SsmSecurestring { id, .. }
            | Self::S3EncryptInUse { id, .. } => id.as_deref(),
        };
        given.unwrap_or(self.default_id())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExpectedOutcome {
    Ok,
    Error,
}

/// A decision as written in expectations (the engine's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ExpectedDecision {
    Allowed,
    ImplicitlyDenied,
    ExplicitlyDenied,
    /// Either kind of deny.
    Denied,
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
    },
}

// ---------------------------------------------------------------- reading

impl Scenario {
    /// Reads a scenario; every problem is reported with its JSON path.
    pub fn from_json(text: &str) -> Result<Self, ScenarioError> {
        let value = keyflow_json::parse(text).map_err(|e| {
            let at = keyflow_policy::LineIndex::new(text).position(e.span.start);
            ScenarioError::new(
                "",
                format!(
                    "not valid JSON: {} at line {}, column {}",
                    e.kind, at.line, at.column
                ),
            )
        })?;
        let scenario = read_scenario(&value)?;
        crate::validate::check(&scenario)?;
        Ok(scenario)
    }
}

fn read_scenario(value: &Value) -> Result<Scenario, ScenarioError> {
    let mut o = Obj::new(value, "")?;
    let name = o.str_or("name", "")?;
    let title = o.str_or("title", "")?;
    let description = o.str_or("description", "")?;
    let account = o.req_str("account")?;
    let region = o.req_str("region")?;
    let settings = match o.opt_obj("settings")? {
        Some(s) => read_settings(s)?,
        None => Settings::default(),
    };
    let principals = o
        .array("principals")?
        .into_iter()
        .map(|(p, v)| read_principal(v, &p))
        .collect::<Result<_, _>>()?;
    let keys = o
        .array("keys")?
        .into_iter()
        .map(|(p, v)| read_key(v, &p))
        .collect::<Result<_, _>>()?;
    let buckets = o
        .array("buckets")?
        .into_iter()
        .map(|(p, v)| read_bucket(v, &p))
        .collect::<Result<_, _>>()?;
    let load_balancers = o
        .array("load_balancers")?
        .into_iter()
        .map(|(p, v)| read_lb(v, &p))
        .collect::<Result<_, _>>()?;
    let trails = o
        .array("trails")?
        .into_iter()
        .map(|(p, v)| read_trail(v, &p))
        .collect::<Result<_, _>>()?;
    let parameters = o
        .array("parameters")?
        .into_iter()
        .map(|(p, v)| read_parameter(v, &p))
        .collect::<Result<_, _>>()?;
    let scps = o
        .array("scps")?
        .into_iter()
        .map(|(p, v)| read_named_policy(v, &p))
        .collect::<Result<_, _>>()?;
    let flows = o
        .array("flows")?
        .into_iter()
        .map(|(p, v)| read_flow(v, &p))
        .collect::<Result<_, _>>()?;
    let expectations = o
        .array("expectations")?
        .into_iter()
        .map(|(p, v)| read_expectation(v, &p))
        .collect::<Result<_, _>>()?;
    o.finish()?;
    Ok(Scenario {
        name,
        title,
        description,
        account,
        region,
        settings,
        principals,
        keys,
        buckets,
        load_balancers,
        trails,
        parameters,
        scps,
        flows,
        expectations,
    })
}

fn read_settings(mut o: Obj<'_>) -> Result<Settings, ScenarioError> {
    let behaviours = ["observed", "documented"];
    let pick = |i: usize| {
        if i == 0 {
            Behaviour::Observed
        } else {
            Behaviour::Documented
        }
    };
    let s = Settings {
        alb_delivery: pick(o.choice("alb_delivery", &behaviours, 0)?),
        elb_log_writer: if o.choice("elb_log_writer", &["service", "elb-account"], 0)? == 0 {
            ElbLogWriter::Service
        } else {
            ElbLogWriter::ElbAccount
        },
        digest_encryption: if o.choice("digest_encryption", &["sse-kms", "sse-s3"], 0)? == 0 {
            DigestEncryption::SseKms
        } else {
            DigestEncryption::SseS3
        },
        batch_copy_bucket_key: pick(o.choice("batch_copy_bucket_key", &behaviours, 0)?),
    };
    o.finish()?;
    Ok(s)
}

fn read_named_policy(v: &Value, path: &str) -> Result<NamedPolicy, ScenarioError> {
    let mut o = Obj::new(v, path)?;
    let p = NamedPolicy {
        name: o.req_str("name")?,
        document: o.str_or("document", "")?,
    };
    o.finish()?;
    Ok(p)
}

fn read_principal(v: &Value, path: &str) -> Result<Principal, ScenarioError> {
    let mut o = Obj::new(v, path)?;
    let name = o.req_str("name")?;
    let kinds = ["user", "role", "assumed-role", "root", "service"];
    let kind = match o.choice("type", &kinds, 0)? {
        0 => PrincipalKind::User,
        1 => PrincipalKind::Role,
        2 => PrincipalKind::AssumedRole,
        3 => PrincipalKind::Root,
        _ => PrincipalKind::Service,
    };
    let p = Principal {
        name,
        kind,
        account: o.opt_str("account")?,
        role: o.opt_str("role")?,
        session: o.opt_str("session")?,
        service: o.opt_str("service")?,
        policies: o
            .array("policies")?
            .into_iter()
            .map(|(p, v)| read_named_policy(v, &p))
            .collect::<Result<_, _>>()?,
        permission_boundary: o.opt_str("permission_boundary")?,
        trust_policy: o.opt_str("trust_policy")?,
    };
    o.finish()?;
    Ok(p)
}

fn read_key(v: &Value, path: &str) -> Result<Key, ScenarioError> {
    let mut o = Obj::new(v, path)?;
    let id = o.req_str("id")?;
    let account = o.opt_str("account")?;
    let description = o.str_or("description", "")?;
    let aliases = o.str_list("aliases")?;
    let policy = o.req_str("policy")?;
    let state = match o.choice("state", &["Enabled", "Disabled", "PendingDeletion"], 0)? {
        0 => KeyState::Enabled,
        1 => KeyState::Disabled,
        _ => KeyState::PendingDeletion,
    };
    let mut grants = Vec::new();
    for (gp, gv) in o.array("grants")? {
        let mut g = Obj::new(gv, &gp)?;
        let grant = Grant {
            grantee: g.req_str("grantee")?,
            operations: g.str_list("operations")?,
            encryption_context_subset: g
                .str_map("encryption_context_subset")?
                .into_iter()
                .map(|(k, v)| (k, v.join(",")))
                .collect(),
        };
        g.finish()?;
        grants.push(grant);
    }
    o.finish()?;
    Ok(Key {
        id,
        account,
        description,
        aliases,
        policy,
        state,
        grants,
    })
}

fn read_encryption(o: &mut Obj<'_>, key_field: &'static str) -> Result<Encryption, ScenarioError> {
    let sse = match o.choice("sse", &["NOT-SSE", "SSE-S3", "SSE-KMS"], 1)? {
        0 => Sse::None,
        1 => Sse::S3,
        _ => Sse::Kms,
    };
    let key = o.opt_str(key_field)?;
    let bucket_key = o.bool_or("bucket_key", false)?;
    if sse != Sse::Kms && key.is_some() {
        return Err(ScenarioError::new(
            &o.at(key_field),
            "a key is only used with \"sse\": \"SSE-KMS\"",
        ));
    }
    if sse != Sse::Kms && bucket_key {
        return Err(ScenarioError::new(
            &o.at("bucket_key"),
            "S3 Bucket Keys only apply to SSE-KMS",
        ));
    }
    Ok(Encryption {
        sse,
        key,
        bucket_key,
    })
}

fn read_bucket(v: &Value, path: &str) -> Result<Bucket, ScenarioError> {
    let mut o = Obj::new(v, path)?;
    let name = o.req_str("name")?;
    let account = o.opt_str("account")?;
    let policy = o.opt_str("policy")?;
    let object_ownership = match o.choice(
        "object_ownership",
        &[
            "BucketOwnerEnforced",
            "BucketOwnerPreferred",
            "ObjectWriter",
        ],
        0,
    )? {
        0 => ObjectOwnership::BucketOwnerEnforced,
        1 => ObjectOwnership::BucketOwnerPreferred,
        _ => ObjectOwnership::ObjectWriter,
    };
    let default_encryption = match o.opt_obj("default_encryption")? {
        Some(mut e) => {
            let enc = read_encryption(&mut e, "key")?;
            e.finish()?;
            enc
        }
        None => Encryption::default(),
    };
    let versioning = o.bool_or("versioning", false)?;
    let mut objects = Vec::new();
    for (op, ov) in o.array("objects")? {
        let mut obj = Obj::new(ov, &op)?;
        let key = obj.req_str("key")?;
        let e = read_encryption(&mut obj, "kms_key")?;
        obj.finish()?;
        objects.push(S3Object {
            key,
            sse: e.sse,
            kms_key: e.key,
            bucket_key: e.bucket_key,
        });
    }
    o.finish()?;
    Ok(Bucket {
        name,
        account,
        policy,
        object_ownership,
        default_encryption,
        versioning,
        objects,
    })
}

fn read_lb(v: &Value, path: &str) -> Result<LoadBalancer, ScenarioError> {
    let mut o = Obj::new(v, path)?;
    let name = o.req_str("name")?;
    let id = o.str_or("id", "50dc6c495c0c9188")?;
    let Some(mut logs) = o.opt_obj("access_logs")? else {
        return Err(ScenarioError::new(
            &o.at("access_logs"),
            "missing required field",
        ));
    };
    let access_logs = AccessLogs {
        bucket: logs.req_str("bucket")?,
        prefix: logs.str_or("prefix", "")?,
    };
    if access_logs.prefix.contains("AWSLogs") {
        return Err(ScenarioError::new(
            &logs.at("prefix"),
            "the prefix must not contain \"AWSLogs\"",
        ));
    }
    logs.finish()?;
    o.finish()?;
    Ok(LoadBalancer {
        name,
        id,
        access_logs,
    })
}

fn read_trail(v: &Value, path: &str) -> Result<Trail, ScenarioError> {
    let mut o = Obj::new(v, path)?;
    let t = Trail {
        name: o.req_str("name")?,
        bucket: o.req_str("bucket")?,
        prefix: o.str_or("prefix", "")?,
        kms_key: o.opt_str("kms_key")?,
    };
    o.finish()?;
    Ok(t)
}

fn read_parameter(v: &Value, path: &str) -> Result<Parameter, ScenarioError> {
    let mut o = Obj::new(v, path)?;
    let name = o.req_str("name")?;
    let kind = match o.choice("type", &["String", "StringList", "SecureString"], 2)? {
        0 => ParameterType::String,
        1 => ParameterType::StringList,
        _ => ParameterType::SecureString,
    };
    let key = o.opt_str("key")?;
    let tier = if o.choice("tier", &["Standard", "Advanced"], 0)? == 0 {
        Tier::Standard
    } else {
        Tier::Advanced
    };
    let value = o.str_or("value", "")?;
    if kind != ParameterType::SecureString && key.is_some() {
        return Err(ScenarioError::new(
            &o.at("key"),
            "only SecureString parameters use a KMS key",
        ));
    }
    o.finish()?;
    Ok(Parameter {
        name,
        kind,
        key,
        tier,
        value,
    })
}

fn read_flow(v: &Value, path: &str) -> Result<FlowSpec, ScenarioError> {
    let mut o = Obj::new(v, path)?;
    let kinds = [
        "alb-access-logs",
        "cloudtrail-sse-kms",
        "ssm-securestring",
        "s3-encrypt-in-use",
    ];
    if !o.has("flow") {
        return Err(ScenarioError::new(
            &o.at("flow"),
            format!("missing required field (one of: {})", kinds.join(", ")),
        ));
    }
    let kind = o.choice("flow", &kinds, 0)?;
    let id = o.opt_str("id")?;
    let spec = match kind {
        0 => FlowSpec::AlbAccessLogs {
            id,
            load_balancer: o.req_str("load_balancer")?,
            key: o.req_str("key")?,
            admin: o.req_str("admin")?,
            reader: o.req_str("reader")?,
        },
        1 => FlowSpec::CloudtrailSseKms {
            id,
            trail: o.req_str("trail")?,
            key: o.req_str("key")?,
            admin: o.req_str("admin")?,
            readers: o.str_list("readers")?,
        },
        2 => FlowSpec::SsmSecurestring {
            id,
            parameter: o.req_str("parameter")?,
            writer: o.req_str("writer")?,
            readers: o.str_list("readers")?,
        },
        _ => FlowSpec::S3EncryptInUse {
            id,
            bucket: o.req_str("bucket")?,
            key: o.req_str("key")?,
            bucket_key: o.bool_or("bucket_key", false)?,
            admin: o.req_str("admin")?,
            app: o.req_str("app")?,
            batch_role: o.req_str("batch_role")?,
            inventory_bucket: o.opt_str("inventory_bucket")?,
            puts_per_day: o.opt_u64("puts_per_day")?,
        },
    };
    o.finish()?;
    Ok(spec)
}

fn read_expectation(v: &Value, path: &str) -> Result<Expectation, ScenarioError> {
    let mut o = Obj::new(v, path)?;
    if !o.has("expect") {
        return Err(ScenarioError::new(
            &o.at("expect"),
            "missing required field (one of: step, matrix, request)",
        ));
    }
    let kind = o.choice("expect", &["step", "matrix", "request"], 0)?;
    let e = match kind {
        0 => Expectation::Step {
            flow: o.req_str("flow")?,
            step: o.req_str("step")?,
            outcome: if o.choice("outcome", &["ok", "error"], 0)? == 0 {
                ExpectedOutcome::Ok
            } else {
                ExpectedOutcome::Error
            },
            code: o.opt_str("code")?,
            because: o.str_or("because", "")?,
        },
        1 => {
            let e = Expectation::Matrix {
                flow: o.req_str("flow")?,
                principal: o.req_str("principal")?,
                read: o.opt_bool("read")?,
                deliver: o.opt_bool("deliver")?,
                because: o.str_or("because", "")?,
            };
            if let Expectation::Matrix {
                read: None,
                deliver: None,
                ..
            } = e
            {
                return Err(ScenarioError::new(
                    &o.at("read"),
                    "a matrix expectation needs \"read\" or \"deliver\"",
                ));
            }
            e
        }
        _ => Expectation::Request {
            principal: o.req_str("principal")?,
            action: o.req_str("action")?,
            resource: o.req_str("resource")?,
            context: o.str_map("context")?.into_iter().collect(),
            decision: match o.choice(
                "decision",
                &["Allowed", "ImplicitlyDenied", "ExplicitlyDenied", "Denied"],
                0,
            )? {
                0 => ExpectedDecision::Allowed,
                1 => ExpectedDecision::ImplicitlyDenied,
                2 => ExpectedDecision::ExplicitlyDenied,
                _ => ExpectedDecision::Denied,
            },
            because: o.str_or("because", "")?,
        },
    };
    o.finish()?;
    Ok(e)
}

// ---------------------------------------------------------------- policies and canonical form

/// Which kind of policy a scenario field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicySlot {
    Identity,
    PermissionBoundary,
    Trust,
    Key,
    Bucket,
    Scp,
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

impl Scenario {
    /// Every policy text in the scenario with its id, slot and JSON path, in document order.
    pub fn policy_fields(&self) -> Vec<PolicyField> {
        let mut out = Vec::new();
        for (i, p) in self.principals.iter().enumerate() {
            for (j, pol) in p.policies.iter().enumerate() {
                out.push(PolicyField {
                    id: format!("identity:{}/{}", p.name, pol.name),
                    slot: PolicySlot::Identity,
                    path: format!("principals[{i}].policies[{j}].document"),
                    text: pol.document.clone(),
                });
            }
            if let Some(text) = &p.permission_boundary {
                out.push(PolicyField {
                    id: format!("boundary:{}", p.name),
                    slot: PolicySlot::PermissionBoundary,
                    path: format!("principals[{i}].permission_boundary"),
                    text: text.clone(),
                });
            }
            if let Some(text) = &p.trust_policy {
                out.push(PolicyField {
                    id: format!("trust:{}", p.name),
                    slot: PolicySlot::Trust,
                    path: format!("principals[{i}].trust_policy"),
                    text: text.clone(),
                });
            }
        }
        for (i, k) in self.keys.iter().enumerate() {
            out.push(PolicyField {
                id: format!("key:{}", k.id),
                slot: PolicySlot::Key,
                path: format!("keys[{i}].policy"),
                text: k.policy.clone(),
            });
        }
        for (i, b) in self.buckets.iter().enumerate() {
            if let Some(text) = &b.policy {
                out.push(PolicyField {
                    id: format!("bucket:{}", b.name),
                    slot: PolicySlot::Bucket,
                    path: format!("buckets[{i}].policy"),
                    text: text.clone(),
                });
            }
        }
        for (i, s) in self.scps.iter().enumerate() {
            out.push(PolicyField {
                id: format!("scp:{}", s.name),
                slot: PolicySlot::Scp,
                path: format!("scps[{i}].document"),
                text: s.document.clone(),
            });
        }
        out
    }

    fn policy_texts_mut(&mut self) -> Vec<&mut String> {
        let mut out: Vec<&mut String> = Vec::new();
        for p in &mut self.principals {
            out.extend(p.policies.iter_mut().map(|pol| &mut pol.document));
            out.extend(p.permission_boundary.as_mut());
            out.extend(p.trust_policy.as_mut());
        }
        out.extend(self.keys.iter_mut().map(|k| &mut k.policy));
        out.extend(self.buckets.iter_mut().filter_map(|b| b.policy.as_mut()));
        out.extend(self.scps.iter_mut().map(|s| &mut s.document));
        out
    }

    /// The compact canonical JSON used by share links: defaults dropped, no
    /// whitespace. A policy laid out exactly as [`crate::jsontext::pretty`] would
    /// lay it out is stored minified (the decoder lays it out again); any other
    /// text is stored verbatim, so a link restores every policy to the byte.
    /// One-line verbatim texts get a leading space to tell them from minified ones.
    pub fn to_canonical_json(&self) -> String {
        let mut copy = self.clone();
        for text in copy.policy_texts_mut() {
            let min = crate::jsontext::minify(text);
            let canonical = min.as_deref().and_then(crate::jsontext::pretty);
            if let (Some(min), Some(pretty)) = (min, canonical)
                && pretty == *text
            {
                *text = min;
            } else if !text.contains('\n') {
                text.insert(0, ' ');
            }
        }
        // Serialising plain data to a string cannot fail; fall back to empty to stay panic-free.
        serde_json::to_string(&copy).unwrap_or_default()
    }

    /// Reads canonical JSON: minified policies are laid out again (4-space
    /// indent), verbatim ones are restored as they were written.
    pub fn from_canonical_json(text: &str) -> Result<Self, ScenarioError> {
        let mut scenario = Self::from_json(text)?;
        for t in scenario.policy_texts_mut() {
            if t.contains('\n') {
                continue;
            }
            if let Some(verbatim) = t.strip_prefix(' ') {
                *t = verbatim.to_string();
            } else if let Some(pretty) = crate::jsontext::pretty(t) {
                *t = pretty;
            }
        }
        Ok(scenario)
    }

    /// The scenario as indented JSON (the file format).
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// A policy text in the scenario, for editors and for explanations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyField {
    /// The id used in checks and explanations (`key:<key id>`, `bucket:<name>`,
    /// `identity:<principal>/<policy>`, `boundary:<principal>`, `trust:<role>`, `scp:<name>`).
    pub id: String,
    pub slot: PolicySlot,
    /// JSON path of the field holding the text (`keys[0].policy`).
    pub path: String,
    pub text: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{"account":"111122223333","region":"us-east-1"}"#;

    fn err(text: &str) -> String {
        Scenario::from_json(text).unwrap_err().to_string()
    }

    #[test]
    fn minimal_scenario_and_defaults() {
        let s = Scenario::from_json(MINIMAL).unwrap();
        assert_eq!(s.settings, Settings::default());
        assert_eq!(s.to_canonical_json(), MINIMAL);
    }

    #[test]
    fn errors_name_their_path() {
        assert_eq!(
            err(
                r#"{"account":"111122223333","region":"us-east-1","keys":[{"id":"k","policy":"{}"}],
                "buckets":[{"name":"b","default_encryption":{"sse":"SSE-KMS","key":"alias/nope"}}]}"#
            ),
            "buckets[0].default_encryption.key: unknown key \"alias/nope\""
        );
        assert!(
            err(r#"{"account":"111122223333","region":"us-east-1","bukets":[]}"#)
                .starts_with("bukets: unknown field")
        );
        assert_eq!(
            err(
                r#"{"account":"111122223333","region":"us-east-1","buckets":[{"name":"b","versioning":"yes"}]}"#
            ),
            "buckets[0].versioning: expected true or false, found a string"
        );
        assert_eq!(
            err(r#"{"account":"1234","region":"us-east-1"}"#),
            "account: \"1234\" is not a 12-digit account ID"
        );
        assert_eq!(
            err(r#"{"region":"us-east-1"}"#),
            "account: missing required field"
        );
        assert!(err("{").starts_with("not valid JSON"));
        assert_eq!(
            err(
                r#"{"account":"111122223333","region":"us-east-1","principals":[{"name":"a","type":"robot"}]}"#
            ),
            "principals[0].type: unknown value \"robot\" (expected one of: user, role, assumed-role, root, service)"
        );
        assert_eq!(
            err(
                r#"{"account":"111122223333","region":"us-east-1","flows":[{"flow":"ssm-securestring","parameter":"p","writer":"w"}]}"#
            ),
            "flows[0].parameter: unknown parameter \"p\""
        );
    }

    #[test]
    fn key_references_resolve_like_kms() {
        let s = Scenario::from_json(
            r#"{"account":"111122223333","region":"us-east-1","keys":[{"id":"k1","aliases":["alias/a"],"policy":"{}"}]}"#,
        )
        .unwrap();
        use crate::validate::{KeyRef, resolve_key};
        assert_eq!(resolve_key(&s, "k1"), Some(KeyRef::Customer(0)));
        assert_eq!(resolve_key(&s, "alias/a"), Some(KeyRef::Customer(0)));
        assert_eq!(
            resolve_key(&s, "arn:aws:kms:us-east-1:111122223333:key/k1"),
            Some(KeyRef::Customer(0))
        );
        assert_eq!(
            resolve_key(&s, "arn:aws:kms:us-east-1:111122223333:alias/a"),
            Some(KeyRef::Customer(0))
        );
        assert_eq!(
            resolve_key(&s, "arn:aws:kms:eu-west-1:111122223333:key/k1"),
            None
        );
        assert_eq!(resolve_key(&s, "alias/aws/s3"), Some(KeyRef::Managed("s3")));
        // A bare `aws/s3` is not an alias (the classic cross-account mistake).
        assert_eq!(resolve_key(&s, "aws/s3"), None);
    }

    #[test]
    fn a_repeated_field_or_broken_json_is_an_error_with_its_place() {
        let e = Scenario::from_json(
            r#"{"account":"111122223333","region":"us-east-1","region":"eu-west-1"}"#,
        )
        .unwrap_err();
        assert_eq!(
            (e.path.as_str(), e.message.as_str()),
            ("region", "duplicate field")
        );
        let e = Scenario::from_json("{\n  \"account\": \"1\",\n  \"region\" \"x\"\n}").unwrap_err();
        assert!(e.message.contains("line 3, column 12"), "{e}");
    }

    #[test]
    fn canonical_form_restores_every_policy_text_exactly() {
        let builtin = crate::builtins().first().unwrap().scenario().unwrap();
        let original = builtin.keys.first().unwrap().policy.clone();
        let texts = [
            original.clone(),
            original.replace("    ", "  "),
            format!("{original}\n"),
            crate::jsontext::minify(&original).unwrap(),
            format!(" {}", crate::jsontext::minify(&original).unwrap()),
            "{ \"Statement\": [".to_string(),
            String::new(),
            "\t{}\t".to_string(),
        ];
        for text in texts {
            let mut s = builtin.clone();
            s.keys[0].policy = text.clone();
            let back = Scenario::from_canonical_json(&s.to_canonical_json()).unwrap();
            assert_eq!(back.keys[0].policy, text);
        }
    }

    #[test]
    fn canonical_round_trip_of_every_builtin() {
        for b in crate::builtins() {
            let s = Scenario::from_json(b.json).unwrap();
            let back = Scenario::from_canonical_json(&s.to_canonical_json()).unwrap();
            assert_eq!(back, s, "{}", b.name);
        }
    }
}
