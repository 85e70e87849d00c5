//! What a run produces: plain serialisable data, rendered by the CLI and the UI.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::scenario::{PolicySlot, Settings};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub scenario: String,
    pub title: String,
    pub account: String,
    pub region: String,
    pub settings: Settings,
    pub flows: Vec<FlowReport>,
    pub expectations: Vec<ExpectationResult>,
    /// Every policy the run parsed, with its diagnostics and where it came from.
    pub policies: Vec<PolicyInfo>,
}

impl Report {
    pub fn flow(&self, id: &str) -> Option<&FlowReport> {
        self.flows.iter().find(|f| f.id == id)
    }

    /// Whether every expectation passed (true when there are none).
    pub fn expectations_pass(&self) -> bool {
        self.expectations.iter().all(|e| e.passed)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyInfo {
    pub id: String,
    pub slot: PolicySlot,
    /// JSON path in the scenario; `None` for policies AWS writes (managed keys, AWS-owned accounts).
    pub path: Option<String>,
    pub origin: PolicyOrigin,
    pub diagnostics: Vec<keyflow_policy::Diagnostic>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyOrigin {
    /// Text from the scenario (editable).
    Scenario,
    /// The fixed policy of an AWS managed key, generated per account and Region.
    AwsManaged,
    /// A stand-in for the IAM of an account AWS owns (e.g. the ELB log account).
    AwsOwned,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowReport {
    pub id: String,
    pub kind: String,
    pub title: String,
    /// Source posts this flow reproduces (`000`…`004`).
    pub sources: Vec<String>,
    pub steps: Vec<Step>,
    pub kms: KmsUsage,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matrix: Vec<MatrixRow>,
}

impl FlowReport {
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Ok,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiError {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub id: String,
    pub title: String,
    /// Who acts: the scenario's name for the principal, or the service.
    pub actor: String,
    /// The API call as `service:Operation`.
    pub call: String,
    pub outcome: Outcome,
    pub error: Option<ApiError>,
    /// The line the AWS CLI would print for the error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cli_error: Option<String>,
    pub checks: Vec<Check>,
    /// What the call returned or changed, in one line.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub result: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// What AWS documents, where a source post saw something else.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documented: Option<String>,
    /// What the source post observed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub inventory: Vec<InventoryRow>,
}

/// One authorization check a call caused.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// The request principal (ARN or service principal).
    pub principal: String,
    pub action: String,
    pub resource: String,
    /// `Allowed`, `ImplicitlyDenied` or `ExplicitlyDenied`.
    pub decision: String,
    pub allowed: bool,
    /// Who makes the request on whose behalf (e.g. "S3 for the requester").
    #[serde(skip_serializing_if = "String::is_empty")]
    pub via: String,
    /// The full request context sent to the evaluator.
    pub context: BTreeMap<String, Vec<String>>,
    /// Ids of the policies that took part (see `Report::policies`).
    pub policies: Vec<String>,
    /// One line on why (the evaluator's reason and the deciding statements).
    pub summary: String,
    /// The evaluator's reason code (e.g. `key_policy_no_grant`).
    pub reason_code: String,
    /// The statements that decided (empty for an implicit deny).
    pub deciding: Vec<Deciding>,
}

/// A statement that decided a check, pointing back into the scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deciding {
    /// Policy id (see `Report::policies` for its JSON path).
    pub policy: String,
    /// Index of the statement in the policy's `Statement` list.
    pub statement: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// `Allow` or `Deny`.
    pub effect: String,
    /// Byte range of the statement in the policy text.
    pub span: [usize; 2],
    /// Which slot the policy filled: identity, resource, permission-boundary, scp, rcp, session.
    pub slot: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InventoryRow {
    pub key: String,
    /// `NOT-SSE`, `SSE-S3`, `SSE-KMS`.
    pub encryption_status: String,
    /// `ENABLED` / `DISABLED` for SSE-KMS objects, empty otherwise.
    pub bucket_key_status: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kms_key: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct KmsUsage {
    /// KMS requests the steps of this run made, by API.
    pub calls: BTreeMap<String, u64>,
    pub estimates: Vec<KmsEstimate>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KmsEstimate {
    pub api: String,
    pub per_day: u64,
    pub basis: String,
}

/// Can this principal deliver (encrypt) and read (decrypt) the flow's logs?
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatrixRow {
    pub principal: String,
    pub arn: String,
    pub deliver: bool,
    pub read: bool,
    pub deliver_why: String,
    pub read_why: String,
    pub checks: Vec<Check>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExpectationResult {
    /// The expectation in words.
    pub expectation: String,
    pub passed: bool,
    /// What was found (and why it differs, if it does).
    pub reason: String,
}
