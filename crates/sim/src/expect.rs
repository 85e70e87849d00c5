//! Expectations a scenario carries, checked against a run.

use crate::flows::kms_call_plain;
use crate::report::{ExpectationResult, FlowReport, Outcome};
use crate::scenario::{Expectation, ExpectedDecision, ExpectedOutcome};
use crate::world::{Call, Ctx, ResourcePolicy, World};

fn outcome_name(o: Outcome) -> &'static str {
    match o {
        Outcome::Ok => "ok",
        Outcome::Error => "error",
    }
}

pub(crate) fn check_all(w: &World<'_>, flows: &[FlowReport]) -> Vec<ExpectationResult> {
    w.s.expectations
        .iter()
        .map(|e| check_one(w, flows, e))
        .collect()
}

fn check_one(w: &World<'_>, flows: &[FlowReport], e: &Expectation) -> ExpectationResult {
    match e {
        Expectation::Step {
            flow,
            step,
            outcome,
            code,
            because,
        } => {
            let want = match outcome {
                ExpectedOutcome::Ok => "ok".to_string(),
                ExpectedOutcome::Error => match code {
                    Some(c) => format!("error {c}"),
                    None => "error".to_string(),
                },
            };
            let mut expectation = format!("step {flow}/{step} ends {want}");
            if !because.is_empty() {
                expectation.push_str(&format!(" ({because})"));
            }
            let found = flows
                .iter()
                .find(|f| &f.id == flow)
                .and_then(|f| f.step(step));
            let Some(s) = found else {
                return ExpectationResult {
                    expectation,
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
            let reason = match (&s.error, s.outcome) {
                (Some(err), _) => format!("ended error {}: {}", err.code, err.message),
                (None, o) => format!(
                    "ended {}{}",
                    outcome_name(o),
                    if s.result.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", s.result)
                    }
                ),
            };
            ExpectationResult {
                expectation,
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
        } => {
            let mut parts = Vec::new();
            if let Some(r) = read {
                parts.push(if *r { "can read" } else { "cannot read" });
            }
            if let Some(d) = deliver {
                parts.push(if *d { "can deliver" } else { "cannot deliver" });
            }
            let mut expectation = format!("{principal} {} the {flow} logs", parts.join(" and "));
            if !because.is_empty() {
                expectation.push_str(&format!(" ({because})"));
            }
            let row = flows
                .iter()
                .find(|f| &f.id == flow)
                .and_then(|f| f.matrix.iter().find(|r| &r.principal == principal));
            let Some(row) = row else {
                return ExpectationResult {
                    expectation,
                    passed: false,
                    reason: format!("flow {flow} has no matrix row for {principal}"),
                };
            };
            let read_ok = read.is_none_or(|r| r == row.read);
            let deliver_ok = deliver.is_none_or(|d| d == row.deliver);
            let mut reason = Vec::new();
            if read.is_some() {
                reason.push(format!("read={}: {}", row.read, row.read_why));
            }
            if deliver.is_some() {
                reason.push(format!("deliver={}: {}", row.deliver, row.deliver_why));
            }
            ExpectationResult {
                expectation,
                passed: read_ok && deliver_ok,
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
        } => {
            let mut expectation = format!("{principal} {action} on {resource} is {decision:?}");
            if !because.is_empty() {
                expectation.push_str(&format!(" ({because})"));
            }
            let Some(actor) = w.actor(principal) else {
                return ExpectationResult {
                    expectation,
                    passed: false,
                    reason: format!("unknown principal {principal}"),
                };
            };
            let extra: Ctx = context.clone();
            let check = if let Some(key) = w
                .key(resource)
                .filter(|_| !resource.starts_with("arn:aws:s3"))
            {
                kms_call_plain(w, &actor, action, key, extra)
            } else {
                let (policy, account) = if let Some(rest) = resource.strip_prefix("arn:aws:s3:::") {
                    let name = rest.split('/').next().unwrap_or(rest);
                    match w.bucket(name) {
                        Some(b) if b.policy.is_some() => {
                            (ResourcePolicy::Bucket(&b.name), Some(w.bucket_account(b)))
                        }
                        Some(b) => (ResourcePolicy::None, Some(w.bucket_account(b))),
                        None => (ResourcePolicy::None, None),
                    }
                } else if action.eq_ignore_ascii_case("sts:AssumeRole") {
                    let role = resource.rsplit('/').next().unwrap_or_default();
                    match w.principal(role).filter(|p| p.trust_policy.is_some()) {
                        Some(p) => (ResourcePolicy::Trust(&p.name), None),
                        None => (ResourcePolicy::None, None),
                    }
                } else {
                    (ResourcePolicy::None, None)
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
            };
            let passed = match decision {
                ExpectedDecision::Allowed => check.decision == "Allowed",
                ExpectedDecision::ImplicitlyDenied => check.decision == "ImplicitlyDenied",
                ExpectedDecision::ExplicitlyDenied => check.decision == "ExplicitlyDenied",
                ExpectedDecision::Denied => check.decision != "Allowed",
            };
            ExpectationResult {
                expectation,
                passed,
                reason: format!("{}: {}", check.decision, check.summary),
            }
        }
    }
}
