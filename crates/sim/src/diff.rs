//! What-if: the steps whose outcome changed between two runs.

use serde::Serialize;

use crate::report::{Outcome, Report, Step};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepState {
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub result: String,
}

impl StepState {
    fn of(step: &Step) -> Self {
        StepState {
            outcome: step.outcome,
            error_code: step.error.as_ref().map(|e| e.code.clone()),
            result: step.result.clone(),
        }
    }
}

/// A step that is new, gone, or ends differently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepChange {
    pub flow: String,
    pub step: String,
    pub title: String,
    /// `None`: the step did not happen before.
    pub before: Option<StepState>,
    /// `None`: the step no longer happens.
    pub after: Option<StepState>,
    /// Checks (action on resource) whose decision changed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<String>,
}

/// Steps whose outcome (or error code) changed, plus steps only one run has, in
/// the order of `after` (then steps only `before` had).
pub fn diff(before: &Report, after: &Report) -> Vec<StepChange> {
    let mut out = Vec::new();
    for fa in &after.flows {
        let fb = before.flow(&fa.id);
        for sa in &fa.steps {
            let sb = fb.and_then(|f| f.step(&sa.id));
            let new = StepState::of(sa);
            let old = sb.map(StepState::of);
            let decisions: Vec<String> = match sb {
                Some(sb) => sa
                    .checks
                    .iter()
                    .filter_map(|ca| {
                        let cb = sb.checks.iter().find(|c| c.id == ca.id)?;
                        (cb.decision != ca.decision).then(|| {
                            format!(
                                "{} on {}: {} -> {}",
                                ca.action(),
                                ca.resource(),
                                cb.decision,
                                ca.decision
                            )
                        })
                    })
                    .collect(),
                None => Vec::new(),
            };
            let changed = match &old {
                None => true,
                Some(o) => o.outcome != new.outcome || o.error_code != new.error_code,
            };
            if changed || !decisions.is_empty() {
                out.push(StepChange {
                    flow: fa.id.clone(),
                    step: sa.id.clone(),
                    title: sa.title.clone(),
                    before: old,
                    after: Some(new),
                    decisions,
                });
            }
        }
        if let Some(fb) = fb {
            for sb in &fb.steps {
                if fa.step(&sb.id).is_none() {
                    out.push(StepChange {
                        flow: fb.id.clone(),
                        step: sb.id.clone(),
                        title: sb.title.clone(),
                        before: Some(StepState::of(sb)),
                        after: None,
                        decisions: Vec::new(),
                    });
                }
            }
        }
    }
    out
}
