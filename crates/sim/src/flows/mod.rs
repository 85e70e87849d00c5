//! The flows: ordered service calls whose checks all go through `World::check`.
//!
//! A flow is a module with a `Params` type (what the scenario says about it)
//! implementing [`FlowDef`]: how to read its fields, which names it refers to,
//! its what-ifs, and its steps. The `registry!` list below is the only place
//! that names every flow.

pub(crate) mod calls;

pub(crate) use alb::elb_account;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::fix::DocumentedFix;
use crate::names::names;
use crate::report::{FlowReport, KmsEstimate, KmsUsage, NotEvaluated, Outcome, Step};
use crate::scenario::json::Obj;
use crate::scenario::{Scenario, ScenarioError};
use crate::sources::Source;
use crate::whatif::WhatIf;
use crate::world::World;

names! {
    /// The kinds of name a flow's fields refer to.
    pub enum RefKind {
        Principal = "principal",
        /// A principal that must be a role.
        Role = "role",
        Key = "key",
        Bucket = "bucket",
        LoadBalancer = "load balancer",
        Trail = "trail",
        Parameter = "parameter",
    }
}

/// A field of a flow that names something else in the scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRef {
    /// The field's path inside the flow (`readers[1]`).
    pub field: String,
    pub kind: RefKind,
    pub name: String,
}

/// The same, borrowed mutably: what a rename rewrites.
pub struct FieldRefMut<'a> {
    pub field: String,
    pub kind: RefKind,
    pub name: &'a mut String,
}

impl<'a> FieldRefMut<'a> {
    pub(crate) fn new(field: impl Into<String>, kind: RefKind, name: &'a mut String) -> Self {
        FieldRefMut {
            field: field.into(),
            kind,
            name,
        }
    }

    /// One entry per element of a list field (`readers[0]`, `readers[1]`, …).
    pub(crate) fn each(field: &str, kind: RefKind, names: &'a mut [String]) -> Vec<Self> {
        names
            .iter_mut()
            .enumerate()
            .map(|(i, name)| FieldRefMut::new(format!("{field}[{i}]"), kind, name))
            .collect()
    }
}

/// What every flow provides. `Params::read(&mut Obj)` is the one part that
/// cannot live on a trait object; `registry!` calls it by name.
pub(crate) trait FlowDef {
    /// The id steps and expectations use when the scenario gives none.
    fn default_id(&self) -> &'static str;
    fn title(&self, w: &World<'_>) -> String;
    /// The write-ups and AWS pages the flow reproduces.
    fn sources(&self) -> Vec<Source>;
    /// Every field that names a principal, key or resource.
    fn refs_mut(&mut self) -> Vec<FieldRefMut<'_>>;
    /// Changes worth comparing for this flow (the scenario-wide ones live in `whatif`).
    fn what_ifs(&self, _s: &Scenario) -> Vec<WhatIf> {
        Vec::new()
    }
    /// The documented setting change that repairs a failing step of this flow
    /// where AWS documents no policy statement for it (ALB access logs: SSE-S3
    /// only). When `Some`, `keyflow fix` applies this change before any
    /// statement, and never writes a statement for what it covers.
    fn documented_fix(&self, _s: &Scenario, _step: &Step) -> Option<DocumentedFix> {
        None
    }
    fn run(&self, w: &World<'_>, flow: &mut FlowRun);
}

/// Declares every flow: its enum variant, module and wire name. An entry may
/// carry `#[cfg(...)]` (the test-only flow that shows what adding one takes).
macro_rules! registry {
    ($( $(#[cfg($cfg:meta)])? $variant:ident($module:ident) = $kind:literal; )+) => {
        $( $(#[cfg($cfg)])? pub mod $module; )+

        /// The kinds of flow Keyflow simulates.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum FlowKind {
            $( $(#[cfg($cfg)])? $variant, )+
        }

        impl FlowKind {
            /// Every kind, in registry order.
            pub const ALL: &'static [FlowKind] = &[$( $(#[cfg($cfg)])? FlowKind::$variant, )+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $( $(#[cfg($cfg)])? FlowKind::$variant => $kind, )+
                }
            }
        }

        impl crate::names::Named for FlowKind {
            const NAMES: &'static [&'static str] = &[$( $(#[cfg($cfg)])? $kind, )+];

            fn name(self) -> &'static str {
                self.as_str()
            }

            fn from_name(text: &str) -> Option<Self> {
                match text {
                    $( $(#[cfg($cfg)])? $kind => Some(FlowKind::$variant), )+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for FlowKind {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for FlowKind {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        /// A flow's parameters, by kind (`"flow": KIND` in the scenario).
        #[derive(Debug, Clone, PartialEq, Serialize)]
        #[serde(tag = "flow")]
        pub enum FlowParams {
            $( $(#[cfg($cfg)])? #[serde(rename = $kind)] $variant($module::Params), )+
        }

        impl FlowParams {
            pub fn kind(&self) -> FlowKind {
                match self {
                    $( $(#[cfg($cfg)])? FlowParams::$variant(_) => FlowKind::$variant, )+
                }
            }

            pub(crate) fn read(kind: FlowKind, o: &mut Obj<'_>) -> Result<Self, ScenarioError> {
                match kind {
                    $( $(#[cfg($cfg)])? FlowKind::$variant => $module::Params::read(o).map(FlowParams::$variant), )+
                }
            }

            fn def(&self) -> &dyn FlowDef {
                match self {
                    $( $(#[cfg($cfg)])? FlowParams::$variant(p) => p, )+
                }
            }

            fn def_mut(&mut self) -> &mut dyn FlowDef {
                match self {
                    $( $(#[cfg($cfg)])? FlowParams::$variant(p) => p, )+
                }
            }
        }
    };
}

registry! {
    AlbAccessLogs(alb) = "alb-access-logs";
    CloudtrailSseKms(cloudtrail) = "cloudtrail-sse-kms";
    SsmSecurestring(ssm) = "ssm-securestring";
    S3EncryptInUse(s3_encrypt) = "s3-encrypt-in-use";
    #[cfg(test)]
    Probe(probe) = "probe";
}

impl FlowParams {
    /// Every field that names something else in the scenario.
    pub fn refs(&self) -> Vec<FieldRef> {
        let mut copy = self.clone();
        copy.refs_mut()
            .into_iter()
            .map(|r| FieldRef {
                field: r.field,
                kind: r.kind,
                name: r.name.clone(),
            })
            .collect()
    }

    pub fn refs_mut(&mut self) -> Vec<FieldRefMut<'_>> {
        self.def_mut().refs_mut()
    }

    pub fn what_ifs(&self, s: &Scenario) -> Vec<WhatIf> {
        self.def().what_ifs(s)
    }

    pub(crate) fn documented_fix(&self, s: &Scenario, step: &Step) -> Option<DocumentedFix> {
        self.def().documented_fix(s, step)
    }
}

/// One flow of a scenario: its parameters and the id steps and expectations use.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowSpec {
    #[serde(flatten)]
    pub params: FlowParams,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl FlowSpec {
    pub fn kind(&self) -> FlowKind {
        self.params.kind()
    }

    /// The id steps and expectations refer to (`alb`, `cloudtrail`, `ssm`, `s3` unless given).
    pub fn id(&self) -> &str {
        self.id
            .as_deref()
            .unwrap_or_else(|| self.params.def().default_id())
    }
}

/// A flow's report while its steps run.
pub(crate) struct FlowRun {
    pub report: FlowReport,
}

impl FlowRun {
    pub fn push(&mut self, step: Step) {
        self.report.steps.push(step);
    }

    pub fn estimate(&mut self, api: &str, per_day: u64, basis: &str, source: Source) {
        self.report.kms.estimates.push(KmsEstimate {
            api: api.to_string(),
            per_day,
            basis: basis.to_string(),
            source,
        });
    }
}

/// Runs one flow: its steps, then the bookkeeping every flow shares (check
/// ids, steps after an unevaluable one, KMS request counts).
pub(crate) fn run_flow(w: &World<'_>, spec: &FlowSpec) -> FlowReport {
    let def = spec.params.def();
    let mut run = FlowRun {
        report: FlowReport {
            id: spec.id().to_string(),
            kind: spec.kind(),
            title: def.title(w),
            sources: def.sources(),
            steps: Vec::new(),
            kms: KmsUsage::default(),
            matrix: Vec::new(),
        },
    };
    def.run(w, &mut run);
    let mut flow = run.report;
    stop_after_unevaluable(&mut flow.steps);
    assign_check_ids(&mut flow);
    flow.kms.calls = BTreeMap::new();
    for step in flow.steps.iter().filter(|s| s.applied) {
        for c in &step.checks {
            if let Some(api) = c.action().strip_prefix("kms:") {
                let tally = if c.allowed() {
                    &mut flow.kms.calls
                } else {
                    &mut flow.kms.denied
                };
                *tally.entry(api.to_string()).or_default() += 1;
            }
        }
    }
    flow
}

/// Later steps build on what a state-setting step changed; when Keyflow
/// could not evaluate that step, it cannot know their outcome either.
fn stop_after_unevaluable(steps: &mut [Step]) {
    let Some(first) = steps
        .iter()
        .position(|s| s.outcome == Outcome::NotEvaluated && s.sets_state)
    else {
        return;
    };
    let cause = steps.get(first).map(|s| s.id.clone()).unwrap_or_default();
    for s in steps.iter_mut().skip(first + 1) {
        s.outcome = Outcome::NotEvaluated;
        s.error = None;
        s.cli_error = None;
        s.result.clear();
        s.checks.clear();
        s.inventory.clear();
        s.not_evaluated = Some(NotEvaluated {
            policy: None,
            line: 0,
            column: 0,
            message: format!("step {cause} could not be evaluated, and this step depends on it"),
        });
    }
}

/// Gives every check its stable id: flow, step, action and occurrence.
fn assign_check_ids(flow: &mut FlowReport) {
    let id = flow.id.clone();
    let rows = flow
        .matrix
        .iter_mut()
        .map(|r| (format!("matrix:{}", r.principal), &mut r.checks));
    let steps = flow.steps.iter_mut().map(|s| (s.id.clone(), &mut s.checks));
    for (step, checks) in steps.chain(rows) {
        let mut seen: BTreeMap<String, u32> = BTreeMap::new();
        for c in checks.iter_mut() {
            let n = seen.entry(c.action().to_string()).or_default();
            c.id.flow = id.clone();
            c.id.step = step.clone();
            c.id.action = c.action().to_string();
            c.id.occurrence = *n;
            *n += 1;
        }
    }
}

#[cfg(test)]
mod tests;
