//! Expectations a scenario carries, checked against a run.

use keyflow_policy::{Arn, Context};

use crate::flows::calls::kms_call;
use crate::ids::PolicyId;
use crate::report::{ExpectationResult, FlowReport, Outcome, Verdict};
use crate::scenario::{Expectation, ExpectedDecision, ExpectedOutcome};
use crate::world::{Call, World};

pub(crate) fn check_all(w: &World<'_>, flows: &[FlowReport]) -> Vec<ExpectationResult> {
    w.s.expectations
        .iter()
        .map(|e| ExpectationResult {
            source: e.source().to_string(),
            ..check_one(w, flows, e)
        })
        .collect()
}

fn with_because(mut text: String, because: &str) -> String {
    if !because.is_empty() {
        text.push_str(&format!(" ({because})"));
    }
    text
}

fn check_one(w: &World<'_>, flows: &[FlowReport], e: &Expectation) -> ExpectationResult {
    match e {
        Expectation::Step {
            flow,
            step,
            outcome,
            code,
            because,
            ..
        } => {
            let want = match (outcome, code) {
                (ExpectedOutcome::Ok, _) => "ok".to_string(),
                (ExpectedOutcome::Error, Some(c)) => format!("error {c}"),
                (ExpectedOutcome::Error, None) => "error".to_string(),
            };
            let expectation = with_because(format!("step {flow}/{step} ends {want}"), because);
            let found = flows
                .iter()
                .find(|f| &f.id == flow)
                .and_then(|f| f.step(step));
            let Some(s) = found else {
                return ExpectationResult {
                    expectation,
                    source: String::new(),
                    passed: false,
                    reason: format!("the run has no step {flow}/{step}"),
                };
            };
            let got_code = s.error.as_ref().map(|e| e.code.as_str());
            let passed = match outcome {
                ExpectedOutcome::Ok => s.outcome == Outcome::Ok,
                ExpectedOutcome::Error => {
                    s.outcome == Outcome::Error
                        && code.as_deref().is_none_or(|c| Some(c) == got_code)
                }
            };
            let reason = match (&s.error, &s.not_evaluated) {
                (Some(err), _) => format!("ended error {}: {}", err.code, err.message),
                (None, Some(n)) => format!("not evaluated: {n}"),
                (None, None) if s.result.is_empty() => format!("ended {}", s.outcome),
                (None, None) => format!("ended {}: {}", s.outcome, s.result),
            };
            ExpectationResult {
                expectation,
                source: String::new(),
                passed,
                reason,
            }
        }
        Expectation::Matrix {
            flow,
            principal,
            read,
            deliver,
            because,
            ..
        } => {
            let mut parts = Vec::new();
            if let Some(r) = read {
                parts.push(if *r { "can read" } else { "cannot read" });
            }
            if let Some(d) = deliver {
                parts.push(if *d { "can deliver" } else { "cannot deliver" });
            }
            let expectation = with_because(
                format!("{principal} {} the {flow} logs", parts.join(" and ")),
                because,
            );
            let row = flows
                .iter()
                .find(|f| &f.id == flow)
                .and_then(|f| f.matrix.iter().find(|r| &r.principal == principal));
            let Some(row) = row else {
                return ExpectationResult {
                    expectation,
                    source: String::new(),
                    passed: false,
                    reason: format!("flow {flow} has no matrix row for {principal}"),
                };
            };
            // A cell Keyflow could not evaluate meets no expectation.
            let meets = |want: Option<bool>, cell: &crate::report::Access| {
                want.is_none_or(|w| cell.verdict != Verdict::NotEvaluated && w == cell.allowed())
            };
            let mut reason = Vec::new();
            if read.is_some() {
                reason.push(format!("read={}: {}", row.read.allowed(), row.read.why));
            }
            if deliver.is_some() {
                reason.push(format!(
                    "deliver={}: {}",
                    row.deliver.allowed(),
                    row.deliver.why
                ));
            }
            ExpectationResult {
                expectation,
                source: String::new(),
                passed: meets(*read, &row.read) && meets(*deliver, &row.deliver),
                reason: reason.join("; "),
            }
        }
        Expectation::Request {
            principal,
            action,
            resource,
            context,
            decision,
            because,
            ..
        } => {
            let expectation = with_because(
                format!("{principal} {action} on {resource} is {decision}"),
                because,
            );
            let Some(actor) = w.actor(principal) else {
                return ExpectationResult {
                    expectation,
                    source: String::new(),
                    passed: false,
                    reason: format!("unknown principal {principal}"),
                };
            };
            let mut extra = Context::new();
            for (k, v) in context {
                match v.as_slice() {
                    [one] => extra.insert(k.as_str(), one.as_str()),
                    many => extra.insert(k.as_str(), many.to_vec()),
                }
            }
            let arn = Arn::parse(resource);
            let is_s3 = arn.is_some_and(|a| a.service == "s3");
            let check = match w.key(resource).filter(|_| !is_s3) {
                Some(key) => kms_call(w, &actor, action, key, None, &[], extra),
                None => {
                    let (policy, account) = match arn {
                        Some(a) if a.service == "s3" => {
                            let name = a.resource.split('/').next().unwrap_or(a.resource);
                            match w.bucket(name) {
                                Some(b) => (
                                    b.policy.as_ref().map(|_| PolicyId::Bucket(b.name.clone())),
                                    Some(w.bucket_account(b)),
                                ),
                                None => (None, None),
                            }
                        }
                        Some(a) if action.eq_ignore_ascii_case("sts:AssumeRole") => (
                            w.principal(a.last_segment())
                                .filter(|p| p.trust_policy.is_some())
                                .map(|p| PolicyId::Trust(p.name.clone())),
                            None,
                        ),
                        _ => (None, None),
                    };
                    w.check(Call {
                        actor: &actor,
                        action,
                        resource: resource.clone(),
                        resource_account: account,
                        policy,
                        extra,
                        via: String::new(),
                    })
                }
            };
            let passed = match decision {
                ExpectedDecision::Allowed => check.decision == Verdict::Allowed,
                ExpectedDecision::ImplicitlyDenied => check.decision == Verdict::ImplicitlyDenied,
                ExpectedDecision::ExplicitlyDenied => check.decision == Verdict::ExplicitlyDenied,
                ExpectedDecision::Denied => matches!(
                    check.decision,
                    Verdict::ImplicitlyDenied | Verdict::ExplicitlyDenied
                ),
            };
            ExpectationResult {
                expectation,
                source: String::new(),
                passed,
                reason: format!("{}: {}", check.decision, check.summary()),
            }
        }
    }
}
