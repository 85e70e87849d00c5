//! The simulated AWS world of Keyflow: scenarios, flows, built-ins,
//! expectations and the what-if diff.
//!
//! ```text
//! Scenario::from_json ──▶ run ──▶ Report ──▶ render_text / serde JSON
//!                                   └──▶ diff(before, after)
//! ```
//! Every authorization check a flow makes goes through `keyflow_policy::evaluate`
//! with the full request context; no decision is written into a flow.

mod builtins;
mod diff;
mod expect;
mod flows;
pub mod jsontext;
mod reader;
mod render;
mod report;
mod scenario;
mod validate;
mod world;

pub use builtins::{Builtin, builtin, builtins};
pub use diff::{StepChange, StepState, diff};
pub use render::render_text;
pub use report::*;
pub use scenario::*;
pub use validate::{KeyRef, resolve_key};

/// Runs every flow of the scenario and checks its expectations. Each policy is parsed once.
pub fn run(scenario: &Scenario) -> Report {
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
    }
}

impl Report {
    /// Where a policy id used in checks and explanations comes from (its JSON path
    /// in the scenario, or `None` for policies AWS writes).
    pub fn policy(&self, id: &str) -> Option<&PolicyInfo> {
        self.policies.iter().find(|p| p.id == id)
    }
}

/// The text of an AWS managed key's policy (`aws/s3`, `aws/ssm`) for an account and Region.
pub fn managed_key_policy(service: &str, account: &str, region: &str) -> String {
    world::managed_key_policy(service, account, region)
}
