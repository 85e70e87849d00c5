//! What a run produces: typed, serialisable data that the CLI, the wasm
//! boundary and the page all render. Nothing here is re-parsed by a reader:
//! decisions, effects and policy ids stay typed from the evaluator to the edge.
//!
//! The JSON shape (`keyflow run --json`) is serde's rendering of these types.

use std::collections::BTreeMap;

use keyflow_policy::{Decision, Effect, Reason, Request, Span};
use serde::Serialize;

use crate::flows::FlowKind;
use crate::ids::{CheckId, PolicyId};
use crate::names::names;
use crate::scenario::{PolicySlot, Settings};
use crate::sources::Source;

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
    /// Names in policies that match nothing in the scenario's own accounts.
    pub findings: Vec<crate::findings::Finding>,
}

impl Report {
    pub fn flow(&self, id: &str) -> Option<&FlowReport> {
        self.flows.iter().find(|f| f.id == id)
    }

    /// Whether every expectation passed (true when there are none).
    pub fn expectations_pass(&self) -> bool {
        self.expectations.iter().all(|e| e.passed)
    }

    /// Where a policy the run used comes from.
    pub fn policy(&self, id: &PolicyId) -> Option<&PolicyInfo> {
        self.policies.iter().find(|p| &p.id == id)
    }

    /// The check with this id, in a step or an access-matrix row.
    pub fn check(&self, id: &CheckId) -> Option<&Check> {
        let flow = self.flow(&id.flow)?;
        flow.steps
            .iter()
            .flat_map(|s| s.checks.iter())
            .chain(flow.matrix.iter().flat_map(|r| r.checks.iter()))
            .find(|c| &c.id == id)
    }

    /// Every check of the run, steps first, then matrix rows, flow by flow.
    pub fn checks(&self) -> impl Iterator<Item = &Check> {
        self.flows.iter().flat_map(|f| {
            f.steps
                .iter()
                .flat_map(|s| s.checks.iter())
                .chain(f.matrix.iter().flat_map(|r| r.checks.iter()))
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyInfo {
    pub id: PolicyId,
    pub slot: PolicySlot,
    /// JSON path in the scenario; `None` for policies AWS writes (managed keys, AWS-owned accounts).
    pub path: Option<String>,
    pub origin: PolicyOrigin,
    pub diagnostics: Vec<keyflow_policy::Diagnostic>,
}

names! {
    /// Who wrote a policy text the run used.
    pub enum PolicyOrigin {
        /// Text from the scenario (editable).
        Scenario = "scenario",
        /// The fixed policy of an AWS managed key, generated per account and Region.
        AwsManaged = "aws-managed",
        /// A stand-in for the IAM of an account AWS owns (e.g. the ELB log account).
        AwsOwned = "aws-owned",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowReport {
    pub id: String,
    pub kind: FlowKind,
    pub title: String,
    /// The write-ups and AWS pages this flow reproduces.
    pub sources: Vec<Source>,
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

names! {
    /// How a step ended.
    pub enum Outcome {
        Ok = "ok",
        Error = "error",
        /// Keyflow could not evaluate the step (a policy it needs does not parse,
        /// or an earlier step could not be evaluated): not an AWS answer.
        NotEvaluated = "not_evaluated",
    }
}

/// An error AWS returns, with where its wording comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiError {
    pub code: String,
    pub message: String,
    pub source: Source,
}

/// Why a step or check was not evaluated: the policy and the first problem in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotEvaluated {
    /// The policy that does not parse; `None` when an earlier step is the cause.
    pub policy: Option<PolicyId>,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl std::fmt::Display for NotEvaluated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.policy {
            Some(p) => write!(
                f,
                "{p}: line {}, column {}: {}",
                self.line, self.column, self.message
            ),
            None => f.write_str(&self.message),
        }
    }
}

names! {
    /// What kind of statement a note makes.
    pub enum NoteKind {
        /// Background on the step.
        Note = "note",
        /// What AWS documents, where a write-up saw something else.
        Documented = "documented",
        /// What a write-up observed.
        Observed = "observed",
    }
}

/// One sourced statement about a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub kind: NoteKind,
    pub text: String,
    pub source: Source,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_evaluated: Option<NotEvaluated>,
    /// False for a what-if shown beside the run (its calls are not counted).
    pub applied: bool,
    /// Later steps build on what this step changes (a setting, a stored value).
    #[serde(skip)]
    pub(crate) sets_state: bool,
    pub checks: Vec<Check>,
    /// What the call returned or changed, in one line.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub result: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub inventory: Vec<InventoryRow>,
}

impl Step {
    pub fn is_ok(&self) -> bool {
        self.outcome == Outcome::Ok
    }

    pub fn notes_of(&self, kind: NoteKind) -> impl Iterator<Item = &Note> {
        self.notes.iter().filter(move |n| n.kind == kind)
    }
}

names! {
    /// The answer for one check: the evaluator's decision, or none when a
    /// policy it needs does not parse.
    pub enum Verdict {
        Allowed = "Allowed",
        ImplicitlyDenied = "ImplicitlyDenied",
        ExplicitlyDenied = "ExplicitlyDenied",
        NotEvaluated = "NotEvaluated",
    }
}

impl From<Decision> for Verdict {
    fn from(d: Decision) -> Self {
        match d {
            Decision::Allowed => Verdict::Allowed,
            Decision::ImplicitlyDenied => Verdict::ImplicitlyDenied,
            Decision::ExplicitlyDenied => Verdict::ExplicitlyDenied,
        }
    }
}

impl Verdict {
    pub fn is_allowed(self) -> bool {
        self == Verdict::Allowed
    }
}

/// The policies a check was evaluated against, by role.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct PolicySet {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identity: Vec<PolicyId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<PolicyId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permission_boundary: Option<PolicyId>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scps: Vec<PolicyId>,
}

impl PolicySet {
    /// Every policy id, identity policies first.
    pub fn iter(&self) -> impl Iterator<Item = &PolicyId> {
        self.identity
            .iter()
            .chain(&self.resource)
            .chain(&self.permission_boundary)
            .chain(&self.scps)
    }

    /// The policy that filled an evaluator slot.
    pub fn at(&self, slot: keyflow_policy::PolicySlot) -> Option<&PolicyId> {
        use keyflow_policy::PolicySlot as S;
        match slot {
            S::Identity(i) => self.identity.get(i),
            S::Resource => self.resource.as_ref(),
            S::PermissionBoundary => self.permission_boundary.as_ref(),
            // Each scenario SCP is one level of the organization, one policy per level.
            S::Scp { level, index: 0 } => self.scps.get(level),
            _ => None,
        }
    }
}

/// A KMS grant that allowed a request the policies left implicitly denied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GrantRef {
    /// The key ID of the scenario key.
    pub key: String,
    /// Index in the key's `grants`.
    pub index: usize,
}

/// One authorization check a call caused, with the exact request evaluated and
/// the evaluator's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub id: CheckId,
    /// The request sent to the evaluator, context included.
    pub request: Request,
    pub decision: Verdict,
    /// The evaluator's reason (text) and its stable code; `None` when not evaluated.
    pub reason: Option<Reason>,
    pub reason_code: &'static str,
    /// The statements that decided (empty for an implicit deny).
    pub deciding: Vec<Deciding>,
    /// Set when a grant allowed what the policies alone did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub granted_by: Option<GrantRef>,
    /// Set when a policy this check needs does not parse.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_evaluated: Option<NotEvaluated>,
    /// A service rule that refuses the call whatever the policies say (reported
    /// beside the policy decision, never as one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_rule: Option<keyflow_policy::ServiceRule>,
    /// Who makes the request on whose behalf (e.g. "S3 calls KMS for the requester").
    #[serde(skip_serializing_if = "String::is_empty")]
    pub via: String,
    pub policies: PolicySet,
}

impl Check {
    /// Whether the call goes through: the policies allow it and no service rule refuses it.
    pub fn allowed(&self) -> bool {
        self.decision.is_allowed() && self.service_rule.is_none()
    }

    pub fn action(&self) -> &str {
        &self.request.action
    }

    pub fn principal(&self) -> &str {
        &self.request.principal
    }

    pub fn resource(&self) -> &str {
        &self.request.resource
    }

    /// The first value of a context key.
    pub fn context(&self, key: &str) -> Option<&str> {
        self.request
            .context
            .get(key)
            .and_then(|v| v.values().first())
            .map(String::as_str)
    }

    /// One line on why: the reason and the deciding statements.
    pub fn summary(&self) -> String {
        if let Some(n) = &self.not_evaluated {
            return format!("not evaluated: {n}");
        }
        if let Some(rule) = &self.service_rule {
            return format!("refused by a service rule: {rule}");
        }
        if let Some(g) = &self.granted_by {
            return format!(
                "allowed by grant #{} on the key (keys[].grants[{}])",
                g.index, g.index
            );
        }
        let reason = self
            .reason
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        let statements: Vec<String> = self.deciding.iter().map(Deciding::label).collect();
        if statements.is_empty() {
            reason
        } else {
            format!("{reason} [{}]", statements.join(", "))
        }
    }
}

/// A statement that decided a check, pointing back into the scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deciding {
    pub policy: PolicyId,
    /// Index of the statement in the policy's `Statement` list.
    pub statement: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub effect: Effect,
    /// Byte range of the statement in the policy text.
    pub span: Span,
    /// Where the statement starts (1-based).
    pub line: u32,
    pub column: u32,
    /// Which evaluator slot the policy filled.
    pub slot: keyflow_policy::PolicySlot,
}

impl Deciding {
    /// `policy-id "Sid"` or `policy-id statement #N`.
    pub fn label(&self) -> String {
        match &self.sid {
            Some(sid) => format!("{} \"{sid}\"", self.policy),
            None => format!("{} statement #{}", self.policy, self.statement + 1),
        }
    }

    /// The label with the statement's position: `key:… "Sid" (12:9)`.
    pub fn located(&self) -> String {
        format!("{} ({}:{})", self.label(), self.line, self.column)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InventoryRow {
    pub key: String,
    /// Set for versioned buckets: the version and whether it is the current one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    pub is_latest: bool,
    pub encryption_status: crate::scenario::Sse,
    /// `ENABLED` / `DISABLED` for SSE-KMS objects, empty otherwise.
    pub bucket_key_status: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kms_key: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct KmsUsage {
    /// KMS requests the applied steps of this run made and KMS allowed, by API.
    pub calls: BTreeMap<String, u64>,
    /// KMS requests that were denied (or not evaluated), by API.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub denied: BTreeMap<String, u64>,
    pub estimates: Vec<KmsEstimate>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KmsEstimate {
    pub api: String,
    pub per_day: u64,
    pub basis: String,
    pub source: Source,
}

/// One cell of an access matrix: the combined answer of its checks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Access {
    pub verdict: Verdict,
    pub why: String,
}

impl Access {
    pub fn allowed(&self) -> bool {
        self.verdict.is_allowed()
    }
}

/// Can this principal deliver (encrypt) and read (decrypt) the flow's logs?
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatrixRow {
    pub principal: String,
    pub arn: String,
    pub deliver: Access,
    pub read: Access,
    pub checks: Vec<Check>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExpectationResult {
    /// The expectation in words.
    pub expectation: String,
    /// Where the expected outcome comes from, as the scenario says.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source: String,
    pub passed: bool,
    /// What was found (and why it differs, if it does).
    pub reason: String,
}
