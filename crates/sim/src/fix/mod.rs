//! Fix it: least-privilege repairs for failing steps, verified by re-running.
//!
//! For a step that fails, Keyflow derives candidate repairs from the failing
//! check's exact request (its principal, action, resource and context): a
//! statement in the resource's policy naming the caller, a statement in the
//! caller's IAM policy, one value added to a statement that almost matched,
//! or — where AWS documents a setting rather than a statement — that setting.
//! Each candidate is applied to a copy of the scenario and the whole scenario
//! re-run; it is offered only if the step then passes, no expectation that
//! held turns red, and no step that passed fails. Candidates are ranked by how
//! little they grant, measured on the access view and on every check of the
//! run that flips.
//!
//! ```text
//! fix(scenario)            -> Vec<StepFix>   every failing step, with candidates
//! fix_step(scenario, f, s) -> StepFix        one step (the page's Fix button)
//! fix_all(scenario, only)  -> FixAll         best candidate applied, step after step
//! candidate.edits / apply_to(scenario)       ready-to-apply `Edit`s
//! ```

mod derive;
pub mod docs;
mod text;

use serde::Serialize;

pub use derive::{ConditionUse, FIX_POLICY_NAME, StatementEdit};
pub use text::{DiffLine, DiffOp, line_diff};

use crate::access::{AccessCell, access_view};
use crate::diff::{StepChange, diff};
use crate::edit::{Edit, apply};
use crate::ids::{CheckId, PolicyId};
use crate::names::names;
use crate::report::{Outcome, Report, Step, Verdict};
use crate::scenario::{Expectation, ExpectedDecision, ExpectedOutcome, Scenario};
use crate::sources::Source;
use crate::world::World;
use derive::{Builder, Strategy};

/// The label every suggestion carries.
pub const FIX_LABEL: &str = "computed by Keyflow, verified by re-running";

/// A setting a fix changes (a scenario field other than a policy text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SettingChange {
    /// JSON path in the scenario: `buckets[0].default_encryption.sse`.
    pub path: String,
    pub before: String,
    pub after: String,
}

/// The documented setting change a flow offers for one of its checks instead
/// of a statement (see `FlowDef::documented_fix`).
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentedFix {
    pub title: String,
    /// Why AWS's documentation points to this change.
    pub why: String,
    pub edits: Vec<Edit>,
    pub settings: Vec<SettingChange>,
    pub source: Source,
}

names! {
    /// Where a failing step stands.
    pub enum FixStatus {
        /// At least one verified candidate.
        Fixable = "fixable",
        /// An expectation of the scenario says the step (or a request it needs) fails.
        ExpectedToFail = "expected-to-fail",
        /// Keyflow found no candidate that passes verification.
        NoCandidate = "no-candidate",
        /// A policy the step needs does not parse.
        NotEvaluated = "not-evaluated",
        /// The step passes.
        Passes = "passes",
    }
}

names! {
    /// What kind of change a candidate starts with.
    pub enum FixKind {
        /// A documented setting (bucket default encryption, key state).
        Setting = "setting",
        /// One value added to a statement that almost matched.
        EditStatement = "edit-statement",
        /// A statement in the resource's policy (key, bucket or trust policy) naming the caller.
        ResourcePolicy = "resource-policy",
        /// A statement in the caller's IAM policy.
        IdentityPolicy = "identity-policy",
    }
}

/// A statement a candidate adds, as it appears in the policy after the fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddedStatement {
    pub sid: String,
    /// The statement's JSON, laid out with a 4-space indent.
    pub text: String,
    /// `AWS` / `Service` and the principal, for resource policies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    pub actions: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    pub conditions: Vec<ConditionUse>,
}

/// One policy text a candidate changes, with its diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyChange {
    pub policy: PolicyId,
    /// JSON path of the text in the scenario after the fix.
    pub path: Option<String>,
    /// The scenario had no such policy: the fix creates it.
    pub created: bool,
    pub before: String,
    pub after: String,
    pub added: Vec<AddedStatement>,
    pub edited: Vec<StatementEdit>,
    pub diff: Vec<DiffLine>,
}

/// A check whose decision differs after the candidate is applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckFlip {
    pub id: CheckId,
    pub principal: String,
    pub action: String,
    pub resource: String,
    /// `None`: the run did not make this request before (an earlier check failed).
    pub before: Option<Verdict>,
    /// `None`: the run no longer makes this request (a setting removed the need).
    pub after: Option<Verdict>,
    /// The check belongs to the step being fixed.
    pub in_step: bool,
}

/// An access-view cell that changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessChange {
    pub resource: String,
    pub action: String,
    pub principal: String,
    pub before: Verdict,
    pub after: Verdict,
    /// The conditions an allow holds under, before and after.
    pub before_conditions: Vec<String>,
    pub after_conditions: Vec<String>,
}

/// How much a candidate grants; candidates are ranked by it, smallest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Default)]
pub struct Breadth {
    /// Access-view cells that become allowed or whose conditions change.
    pub access: usize,
    /// Of those, the cells allowed without any condition.
    pub open: usize,
    /// Checks of the run outside the step that were denied and become allowed
    /// (requests the run did not make before are listed in `flips`, not counted).
    pub checks: usize,
    /// Policies and settings changed.
    pub changes: usize,
    /// Statements plus values added.
    pub additions: usize,
}

/// A verified repair.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FixCandidate {
    /// 1 = the best (grants least).
    pub rank: usize,
    pub title: String,
    /// Always [`FIX_LABEL`].
    pub label: &'static str,
    pub kind: FixKind,
    /// One line per change: what and why.
    pub why: Vec<String>,
    pub changes: Vec<PolicyChange>,
    pub settings: Vec<SettingChange>,
    /// Every condition key the candidate writes, with the page documenting it.
    pub conditions: Vec<ConditionUse>,
    pub sources: Vec<Source>,
    /// Every check of the run whose decision flips (the step's own included).
    pub flips: Vec<CheckFlip>,
    /// The steps whose outcome changes (the what-if diff).
    pub steps: Vec<StepChange>,
    /// Access-view cells that change.
    pub access: Vec<AccessChange>,
    pub breadth: Breadth,
    /// The changes as scenario edits, in order; `apply_to` applies them.
    #[serde(skip)]
    pub edits: Vec<Edit>,
}

impl FixCandidate {
    /// The scenario with this candidate applied.
    pub fn apply_to(&self, s: &Scenario) -> Scenario {
        let mut copy = s.clone();
        for e in &self.edits {
            apply(&mut copy, e.clone());
        }
        copy
    }
}

/// A candidate Keyflow built or tried and does not offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejected {
    pub kind: FixKind,
    pub why: String,
}

/// A check of the step that did not allow.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailingCheck {
    pub id: CheckId,
    pub decision: Verdict,
    pub why: String,
}

/// The repairs for one failing step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepFix {
    pub flow: String,
    pub step: String,
    pub title: String,
    pub status: FixStatus,
    /// The expectation (for `expected-to-fail`), or why nothing is offered.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
    pub failing: Vec<FailingCheck>,
    /// Verified candidates, best first.
    pub candidates: Vec<FixCandidate>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rejected: Vec<Rejected>,
}

impl StepFix {
    pub fn best(&self) -> Option<&FixCandidate> {
        self.candidates.first()
    }
}

/// The repairs for every failing step of the scenario (applied steps that end
/// in an error or could not be evaluated), in timeline order.
pub fn fix(s: &Scenario) -> Vec<StepFix> {
    let report = crate::run(s);
    failing_steps(&report)
        .into_iter()
        .filter_map(|(f, st)| fix_step_in(s, &report, &f, &st))
        .collect()
}

/// The repairs for one step (`flow` and `step` ids as in the report); `None`
/// when the run has no such step.
pub fn fix_step(s: &Scenario, flow: &str, step: &str) -> Option<StepFix> {
    let report = crate::run(s);
    fix_step_in(s, &report, flow, step)
}

fn failing_steps(report: &Report) -> Vec<(String, String)> {
    report
        .flows
        .iter()
        .flat_map(|f| {
            f.steps
                .iter()
                .filter(|s| s.applied && s.outcome != Outcome::Ok)
                .map(|s| (f.id.clone(), s.id.clone()))
        })
        .collect()
}

/// A fix applied by [`fix_all`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppliedFix {
    pub flow: String,
    pub step: String,
    pub candidate: FixCandidate,
}

/// The outcome of [`fix_all`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FixAll {
    #[serde(skip)]
    pub scenario: Scenario,
    /// In the order applied.
    pub applied: Vec<AppliedFix>,
    /// Failing steps left as they are (expected to fail, or no candidate).
    pub left: Vec<StepFix>,
}

/// Applies the best candidate to every failing step that no expectation
/// expects to fail, one step at a time (a repaired step can let a later one
/// run and fail). With `only`, just that `(flow, step)`.
pub fn fix_all(s: &Scenario, only: Option<(&str, &str)>) -> FixAll {
    let mut current = s.clone();
    let mut applied = Vec::new();
    let mut left: Vec<StepFix> = Vec::new();
    let mut done: Vec<(String, String)> = Vec::new();
    // Each round repairs one step or gives one up, so this bounds the loop.
    for _ in 0..64 {
        let report = crate::run(&current);
        let next = failing_steps(&report).into_iter().find(|(f, st)| {
            !done.iter().any(|(df, ds)| df == f && ds == st)
                && only.is_none_or(|(of, os)| of == f && os == st)
        });
        let Some((f, st)) = next else { break };
        done.push((f.clone(), st.clone()));
        let Some(sf) = fix_step_in(&current, &report, &f, &st) else {
            continue;
        };
        match sf.candidates.first() {
            Some(best) if sf.status == FixStatus::Fixable => {
                current = best.apply_to(&current);
                applied.push(AppliedFix {
                    flow: f,
                    step: st,
                    candidate: best.clone(),
                });
            }
            _ => left.push(sf),
        }
    }
    FixAll {
        scenario: current,
        applied,
        left,
    }
}

/// Read and deliver columns of an access matrix (CloudTrail's: S3 reads and
/// decrypts, S3 writes and data keys).
pub(crate) fn matrix_column(action: &str, read: bool) -> bool {
    let reads = ["s3:GetObject", "kms:Decrypt"];
    let delivers = ["s3:PutObject", "kms:GenerateDataKey"];
    if read {
        reads.iter().any(|a| a.eq_ignore_ascii_case(action))
    } else {
        delivers.iter().any(|a| a.eq_ignore_ascii_case(action))
    }
}

/// The expectation that says this step fails: a step expectation with outcome
/// `error`, or a request or matrix expectation asserting that a request the
/// step is denied (same principal, action and resource) is denied.
pub fn expected_failure(s: &Scenario, report: &Report, flow: &str, step: &Step) -> Option<String> {
    let denied: Vec<&crate::report::Check> = step.checks.iter().filter(|c| !c.allowed()).collect();
    let same = |c: &crate::report::Check, principal: &str, action: &str, resource: &str| {
        c.principal() == principal
            && c.action().eq_ignore_ascii_case(action)
            && c.resource() == resource
    };
    let w = World::new(s);
    for (e, result) in s.expectations.iter().zip(&report.expectations) {
        let hit = match e {
            Expectation::Step {
                flow: f,
                step: st,
                outcome: ExpectedOutcome::Error,
                ..
            } => f == flow && st == &step.id,
            Expectation::Request {
                principal,
                action,
                resource,
                decision,
                ..
            } if *decision != ExpectedDecision::Allowed => {
                let arn = w.actor(principal).map(|a| a.arn);
                let res = w.key(resource).map_or(resource.clone(), |k| k.arn.clone());
                arn.is_some_and(|a| denied.iter().any(|c| same(c, &a, action, &res)))
            }
            Expectation::Matrix {
                flow: f,
                principal,
                read,
                deliver,
                ..
            } => {
                let row = report
                    .flow(f)
                    .and_then(|fl| fl.matrix.iter().find(|r| &r.principal == principal));
                row.is_some_and(|row| {
                    [(read, true), (deliver, false)]
                        .iter()
                        .any(|(want, column)| {
                            **want == Some(false)
                                && row.checks.iter().any(|m| {
                                    !m.allowed()
                                        && matrix_column(m.action(), *column)
                                        && denied.iter().any(|c| {
                                            same(c, m.principal(), m.action(), m.resource())
                                        })
                                })
                        })
                })
            }
            _ => false,
        };
        if hit {
            return Some(result.expectation.clone());
        }
    }
    None
}

fn fix_step_in(s: &Scenario, report: &Report, flow: &str, step: &str) -> Option<StepFix> {
    let st = report.flow(flow)?.step(step)?;
    let mut out = StepFix {
        flow: flow.to_string(),
        step: step.to_string(),
        title: st.title.clone(),
        status: FixStatus::NoCandidate,
        detail: String::new(),
        failing: st
            .checks
            .iter()
            .filter(|c| !c.allowed())
            .map(|c| FailingCheck {
                id: c.id.clone(),
                decision: c.decision,
                why: c.summary(),
            })
            .collect(),
        candidates: Vec::new(),
        rejected: Vec::new(),
    };
    if st.is_ok() {
        out.status = FixStatus::Passes;
        return Some(out);
    }
    if st.outcome == Outcome::NotEvaluated {
        out.status = FixStatus::NotEvaluated;
        out.detail = st
            .not_evaluated
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        return Some(out);
    }
    if let Some(e) = expected_failure(s, report, flow, st) {
        out.status = FixStatus::ExpectedToFail;
        out.detail = e;
        return Some(out);
    }
    let mut seen: Vec<Vec<Edit>> = Vec::new();
    let mut view: Option<Vec<AccessCell>> = None;
    for (strategy, kind) in [
        (Strategy::Edit, FixKind::EditStatement),
        (Strategy::Resource, FixKind::ResourcePolicy),
        (Strategy::Identity, FixKind::IdentityPolicy),
    ] {
        let built = match derive::build(s, report, flow, step, strategy) {
            Ok(b) => b,
            Err(why) => {
                if !out.rejected.iter().any(|r| r.why == why) {
                    out.rejected.push(Rejected { kind, why });
                }
                continue;
            }
        };
        let edited = built.drafts.iter().any(|d| !d.edits.is_empty());
        let kind = if built.drafts.is_empty() {
            FixKind::Setting
        } else if strategy == Strategy::Edit && !edited {
            // No statement almost matched: the candidate is one of the others.
            continue;
        } else {
            kind
        };
        let edits = edits_of(&built);
        if seen.contains(&edits) {
            continue;
        }
        seen.push(edits.clone());
        // The access view before, computed once a candidate needs it.
        if view.is_none() {
            view = Some(access_view(s));
        }
        let base = Baseline {
            s,
            report,
            view: view.as_deref().unwrap_or_default(),
        };
        match verify(&base, flow, st, built, kind, edits) {
            Ok(c) => out.candidates.push(c),
            Err(why) => out.rejected.push(Rejected { kind, why }),
        }
    }
    out.candidates
        .sort_by_key(|c| (c.breadth, kind_order(c.kind)));
    for (i, c) in out.candidates.iter_mut().enumerate() {
        c.rank = i + 1;
    }
    if out.candidates.is_empty() {
        out.detail = out
            .rejected
            .iter()
            .map(|r| r.why.clone())
            .collect::<Vec<_>>()
            .join("; ");
    } else {
        out.status = FixStatus::Fixable;
    }
    Some(out)
}

fn kind_order(k: FixKind) -> u8 {
    match k {
        FixKind::Setting => 0,
        FixKind::EditStatement => 1,
        FixKind::ResourcePolicy => 2,
        FixKind::IdentityPolicy => 3,
    }
}

fn edits_of(b: &Builder) -> Vec<Edit> {
    let mut edits = b.setting_edits.clone();
    for d in &b.drafts {
        if let Some(text) = d.render() {
            edits.push(Edit::Policy {
                id: d.id.clone(),
                text,
            });
        }
    }
    edits
}

/// The run a candidate is verified against.
struct Baseline<'a> {
    s: &'a Scenario,
    report: &'a Report,
    view: &'a [AccessCell],
}

fn verify(
    base: &Baseline<'_>,
    flow: &str,
    step: &Step,
    built: Builder,
    kind: FixKind,
    edits: Vec<Edit>,
) -> Result<FixCandidate, String> {
    let (s, before, view) = (base.s, base.report, base.view);
    let fixed = {
        let mut copy = s.clone();
        for e in &edits {
            if !apply(&mut copy, e.clone()) {
                return Err("an edit of the candidate does not apply".into());
            }
        }
        copy
    };
    let after = crate::run(&fixed);
    let Some(now) = after.flow(flow).and_then(|f| f.step(&step.id)) else {
        return Err(format!("step {flow}/{} no longer runs", step.id));
    };
    if !now.is_ok() {
        return Err(format!("the step still ends {}", now.outcome));
    }
    for (b, a) in before.expectations.iter().zip(&after.expectations) {
        if b.passed && !a.passed {
            return Err(format!(
                "it would break the expectation \"{}\" ({})",
                b.expectation, a.reason
            ));
        }
    }
    for fb in &before.flows {
        for sb in fb.steps.iter().filter(|x| x.applied && x.is_ok()) {
            if let Some(sa) = after.flow(&fb.id).and_then(|f| f.step(&sb.id))
                && !sa.is_ok()
            {
                return Err(format!("step {}/{} would fail", fb.id, sb.id));
            }
        }
    }
    // Least privilege by construction; checked again on what is written.
    for d in &built.drafts {
        for a in &d.added {
            let open =
                a.principal.as_ref().is_some_and(|(_, p)| p == "*") && a.conditions.is_empty();
            if open || a.actions.iter().any(|x| x.contains('*')) {
                return Err(format!("statement {} would be too broad", a.sid));
            }
        }
    }
    let flips = flips(before, &after, flow, &step.id);
    let steps = diff(before, &after);
    let access = access_changes(view, &access_view(&fixed));
    let breadth = Breadth {
        access: access
            .iter()
            .filter(|c| c.after == Verdict::Allowed)
            .count(),
        open: access
            .iter()
            .filter(|c| c.after == Verdict::Allowed && c.after_conditions.is_empty())
            .count(),
        checks: flips
            .iter()
            .filter(|f| {
                !f.in_step
                    && f.after == Some(Verdict::Allowed)
                    && f.before.is_some_and(|b| b != Verdict::Allowed)
            })
            .count(),
        changes: built.drafts.len() + built.settings.len(),
        additions: built
            .drafts
            .iter()
            .map(|d| d.added.len() + d.edits.len())
            .sum(),
    };
    let changes: Vec<PolicyChange> = built
        .drafts
        .iter()
        .map(|d| {
            let after_text = d.render().unwrap_or_default();
            let path = fixed
                .policy_fields()
                .into_iter()
                .find(|f| f.id == d.id)
                .map(|f| f.path);
            PolicyChange {
                policy: d.id.clone(),
                path,
                created: d.original.is_none(),
                before: d.original.clone().unwrap_or_default(),
                diff: line_diff(d.original.as_deref().unwrap_or(""), &after_text),
                after: after_text,
                added: d
                    .added
                    .iter()
                    .map(|a| AddedStatement {
                        sid: a.sid.clone(),
                        text: crate::jsontext::pretty(&a.json()).unwrap_or_else(|| a.json()),
                        principal: a.principal.as_ref().map(|(k, v)| format!("{k}: {v}")),
                        actions: a.actions.clone(),
                        resource: a.resource.clone(),
                        conditions: a.conditions.clone(),
                    })
                    .collect(),
                edited: d.edits.clone(),
            }
        })
        .collect();
    let mut conditions: Vec<ConditionUse> = built.conditions.clone();
    for c in changes
        .iter()
        .flat_map(|c| c.added.iter().flat_map(|a| a.conditions.iter()))
    {
        if !conditions.contains(c) {
            conditions.push(c.clone());
        }
    }
    let mut title: Vec<String> = built
        .settings
        .iter()
        .map(|x| format!("{}: {} → {}", x.path, x.before, x.after))
        .collect();
    for c in &changes {
        let mut parts = Vec::new();
        if !c.added.is_empty() {
            parts.push(format!("{} statement(s) added", c.added.len()));
        }
        if !c.edited.is_empty() {
            let what: Vec<String> = c
                .edited
                .iter()
                .map(|e| {
                    format!(
                        "statement #{} gains {} {}",
                        e.statement + 1,
                        e.element,
                        e.added
                    )
                })
                .collect();
            parts.push(what.join(", "));
        }
        title.push(format!(
            "{}{}: {}",
            if c.created { "new " } else { "" },
            c.policy,
            parts.join("; ")
        ));
    }
    Ok(FixCandidate {
        rank: 0,
        title: title.join("; "),
        label: FIX_LABEL,
        kind,
        why: built.why,
        changes,
        settings: built.settings,
        conditions,
        sources: built.sources,
        flips,
        steps,
        access,
        breadth,
        edits,
    })
}

/// Every check whose decision differs, steps and matrix rows alike, plus
/// the requests one run makes and the other does not.
fn flips(before: &Report, after: &Report, flow: &str, step: &str) -> Vec<CheckFlip> {
    let flip = |c: &crate::report::Check, b: Option<Verdict>, a: Option<Verdict>| CheckFlip {
        id: c.id.clone(),
        principal: c.principal().to_string(),
        action: c.action().to_string(),
        resource: c.resource().to_string(),
        before: b,
        after: a,
        in_step: c.id.flow == flow && c.id.step == step,
    };
    let mut out: Vec<CheckFlip> = after
        .checks()
        .filter_map(|a| {
            let b = before.check(&a.id);
            let changed = b.is_none_or(|b| b.decision != a.decision || b.allowed() != a.allowed());
            changed.then(|| flip(a, b.map(|b| b.decision), Some(a.decision)))
        })
        .collect();
    out.extend(
        before
            .checks()
            .filter(|b| after.check(&b.id).is_none())
            .map(|b| flip(b, Some(b.decision), None)),
    );
    out
}

fn condition_texts(c: &AccessCell) -> Vec<String> {
    c.conditions.iter().map(|x| x.text.clone()).collect()
}

fn access_changes(before: &[AccessCell], after: &[AccessCell]) -> Vec<AccessChange> {
    after
        .iter()
        .filter_map(|a| {
            let b = before.iter().find(|b| {
                b.resource == a.resource && b.action == a.action && b.principal == a.principal
            })?;
            let (bc, ac) = (condition_texts(b), condition_texts(a));
            (b.decision != a.decision || (a.decision == Verdict::Allowed && bc != ac)).then(|| {
                AccessChange {
                    resource: a.resource.clone(),
                    action: a.action.clone(),
                    principal: a.principal.clone(),
                    before: b.decision,
                    after: a.decision,
                    before_conditions: bc,
                    after_conditions: ac,
                }
            })
        })
        .collect()
}
