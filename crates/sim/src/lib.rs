//! The simulated AWS world of Keyflow: scenarios, flows, built-ins,
//! expectations, edits, what-ifs and the what-if diff.
//!
//! ```text
//! Scenario::from_json ──▶ run ──▶ Report ──▶ render_text / serde JSON
//!        │                          ├──▶ explain(scenario, check) ──▶ full trace
//!        └──▶ edit::apply           └──▶ diff(before, after)
//! ```
//! Every authorization check a flow makes goes through `keyflow_policy::evaluate`
//! with the full request context, and the `Check` keeps that request and the
//! typed answer; no decision is written into a flow.

pub mod access;
mod builtins;
pub mod compose;
mod diff;
pub mod edit;
mod errors;
mod expect;
pub mod findings;
pub mod fix;
mod flips;
pub mod flows;
mod ids;
pub mod jsontext;
pub mod lockout;
mod managed;
mod names;
mod principal_arn;
pub mod rename;
mod render;
mod report;
mod scenario;
pub mod sources;
mod whatif;
mod world;

pub use access::{AccessCell, access_view, who_can};
pub use builtins::{Builtin, builtin, builtins};
pub use diff::{StepChange, StepState, diff};
pub use fix::{FixCandidate, StepFix, fix, fix_all, fix_step};
pub use flips::{CellChange, matrix_changes};
pub use flows::{FieldRef, FlowKind, FlowParams, FlowSpec, RefKind};
pub use ids::{BadId, CheckId, ManagedService, PolicyId};
pub use lockout::{LockoutReport, put_key_policy};
pub use managed::key_policy as managed_key_policy;
pub use names::{Named, UnknownName};
pub use principal_arn::principals_from_arn;
pub use render::{RenderOptions, render, render_text};
pub use report::*;
pub use scenario::*;
pub use whatif::{WhatIf, what_ifs};

/// Runs every flow of the scenario, checks its expectations, and reports the
/// names its policies use that the scenario lacks. Each policy is parsed once.
pub fn run(scenario: &Scenario) -> Report {
    let mut report = run_flows(scenario);
    report.findings = findings::findings(scenario);
    report
}

/// [`run`] without the name-mismatch findings (`findings` is empty): for hosts
/// that compute those elsewhere, e.g. the page, off its main thread.
pub fn run_flows(scenario: &Scenario) -> Report {
    let w = world::World::new(scenario);
    let flows: Vec<FlowReport> = scenario
        .flows
        .iter()
        .map(|f| flows::run_flow(&w, f))
        .collect();
    let expectations = expect::check_all(&w, &flows);
    Report {
        scenario: scenario.name.clone(),
        title: scenario.title.clone(),
        account: scenario.account.clone(),
        region: scenario.region.clone(),
        settings: scenario.settings,
        flows,
        expectations,
        policies: w.policies.iter().map(|p| p.info.clone()).collect(),
        findings: Vec::new(),
    }
}

/// The full trace of a check from a run of `scenario`: the same request and
/// policies, evaluated with `keyflow_policy::explain`. `None` when a policy it
/// needs does not parse, or the scenario changed so that the answer differs.
pub fn explain(scenario: &Scenario, check: &Check) -> Option<keyflow_policy::Evaluation> {
    world::World::new(scenario).explain(check)
}
