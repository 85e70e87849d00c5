//! The scenario as written: the field names and layout `keyflow_sim::Scenario::from_json`
//! reads (crates/sim/src/scenario.rs), built here as plain serialisable data so the
//! importer does not depend on the simulator's Rust types.

use serde::Serialize;

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Clone, Debug, Default, Serialize)]
pub(crate) struct ScenarioOut {
    pub name: String,
    pub title: String,
    pub description: String,
    pub account: String,
    pub region: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub principals: Vec<PrincipalOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<KeyOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub buckets: Vec<BucketOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub load_balancers: Vec<LoadBalancerOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trails: Vec<TrailOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<ParameterOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flows: Vec<FlowOut>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum PrincipalType {
    User,
    Role,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct PrincipalOut {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: PrincipalType,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<NamedPolicyOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permission_boundary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust_policy: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct NamedPolicyOut {
    pub name: String,
    pub document: String,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct KeyOut {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub policy: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<&'static str>,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct EncryptionOut {
    pub sse: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub bucket_key: bool,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct BucketOut {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_ownership: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_encryption: Option<EncryptionOut>,
    #[serde(skip_serializing_if = "is_false")]
    pub versioning: bool,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct AccessLogsOut {
    pub bucket: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub prefix: String,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct LoadBalancerOut {
    pub name: String,
    pub id: String,
    pub access_logs: AccessLogsOut,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct TrailOut {
    pub name: String,
    pub bucket: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub prefix: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
    /// `EnableLogFileValidation`; omitted when off (the reader's default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_file_validation: Option<bool>,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct ParameterOut {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<&'static str>,
    pub value: String,
}

/// One flow; only the fields of its kind are set.
#[derive(Clone, Debug, Default, Serialize)]
pub(crate) struct FlowOut {
    pub flow: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub bucket_key: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub writer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reader: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub readers: Vec<String>,
}
