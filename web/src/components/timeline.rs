//! Each flow as a timeline of steps: actor, call, the checks it caused
//! (including the KMS calls services make on the caller's behalf), the
//! outcome, and the exact AWS error when it fails.

use keyflow_sim::{Expectation, ExpectedOutcome, FlowReport, NoteKind, Outcome, Step};
use yew::prelude::*;

use super::explain::explain;
use super::{short_arn, telling_check};
use crate::AppContext;
use crate::helper::Panel;
use crate::state::{Action, Selection};
use crate::text::v;

/// Plain function rather than a component: it has no hooks, and each
/// component type costs bundle size.
pub fn timeline(ctx: &AppContext) -> Html {
    let report = ctx.report();
    if report.flows.is_empty() {
        return html! {
            <div class="timeline" data-testid="timeline">
                <p class="muted" data-testid="no-flows">{ "This scenario has no flows yet. Add one under Settings → Flows: it is bound to your own buckets, keys and principals." }</p>
            </div>
        };
    }
    html! {
        <div class="timeline" data-testid="timeline">
            { for report.flows.iter().map(|f| flow_view(ctx, f)) }
        </div>
    }
}

fn flow_view(ctx: &AppContext, flow: &FlowReport) -> Html {
    let failed = flow
        .steps
        .iter()
        .filter(|s| s.outcome == Outcome::Error)
        .count();
    let kms: Vec<String> = flow
        .kms
        .calls
        .iter()
        .map(|(api, n)| format!("{api} ×{n}"))
        .collect();
    html! {
        <section class="flow" data-testid={format!("flow-{}", flow.id)} aria-label={v(&flow.title)}>
            <header class="flow-head">
                <h3>{ v(&flow.title) }</h3>
                <p class="muted small">
                    { format!("{} · {} steps", flow.kind, flow.steps.len()) }
                    if failed > 0 { { format!(" · {failed} failing") } }
                    if !kms.is_empty() { { format!(" · KMS requests: {}", kms.join(", ")) } }
                </p>
                if !flow.sources.is_empty() {
                    <ul class="sources small" data-testid={format!("flow-{}-sources", flow.id)}>
                        { for flow.sources.iter().map(source_view) }
                    </ul>
                }
            </header>
            <ol class="steps">
                { for flow.steps.iter().enumerate().map(|(i, s)| step_view(ctx, flow, i, s)) }
            </ol>
        </section>
    }
}

fn step_view(ctx: &AppContext, flow: &FlowReport, index: usize, step: &Step) -> Html {
    // The selected check, if it belongs to this step.
    let selected = match &ctx.state.selection {
        Some(Selection::Check(id)) if id.flow == flow.id && id.step == step.id => {
            step.checks.iter().find(|c| &c.id == id)
        }
        _ => None,
    };
    let ok = step.outcome == Outcome::Ok;
    let not_evaluated = step.outcome == Outcome::NotEvaluated;
    let select = |check: Option<&keyflow_sim::Check>| {
        let ctx = ctx.clone();
        let id = check.map(|c| c.id.clone());
        let open = check
            .and_then(|c| c.deciding.first())
            .map(|d| d.policy.clone())
            .filter(keyflow_sim::PolicyId::is_editable);
        let toggle_off = id.is_some() && selected.map(|c| &c.id) == id.as_ref();
        Callback::from(move |_: MouseEvent| {
            let Some(id) = &id else { return };
            if toggle_off {
                ctx.dispatch(Action::Select(None));
                return;
            }
            ctx.dispatch(Action::Select(Some(Selection::Check(id.clone()))));
            if let Some(policy) = &open {
                ctx.dispatch(Action::OpenPolicy(policy.clone()));
            }
        })
    };
    let head_click = select(telling_check(&step.checks));
    let testid = format!("step-{}-{}", flow.id, step.id);
    let checks = step.checks.iter().enumerate().map(|(i, c)| {
        let is_sel = selected.is_some_and(|s| s.id == c.id);
        let kms = c.action().starts_with("kms:");
        let label = match c.decision {
            keyflow_sim::Verdict::Allowed => "allow",
            keyflow_sim::Verdict::NotEvaluated => "not evaluated",
            _ => "deny",
        };
        html! {
            <li class={super::cls(&["check", super::when(kms, "kms"), super::when(is_sel, "selected")])}>
                <button type="button" class="check-row" aria-expanded={is_sel.to_string()}
                    data-testid={format!("check-{}-{}-{i}", flow.id, step.id)} data-check={c.id.to_string()}
                    data-decision={c.decision.as_str()}
                    onclick={select(Some(c))} title={v(&format!("{} {} {}", c.principal(), c.action(), c.resource()))}>
                    { super::badge(c.allowed(), label) }
                    <span class="action">{ v(c.action()) }</span>
                    <span class="who">{ v(&short_arn(c.principal())) }</span>
                    <span class="res">{ v(&short_arn(c.resource())) }</span>
                    if !c.via.is_empty() { <span class="via">{ v(&c.via) }</span> }
                </button>
            </li>
        }
    });
    // Only an AWS answer can be pinned: a step Keyflow could not evaluate has none.
    let pin = (!not_evaluated).then(|| {
        let ctx = ctx.clone();
        let e = Expectation::Step {
            flow: flow.id.clone(),
            step: step.id.clone(),
            outcome: if ok {
                ExpectedOutcome::Ok
            } else {
                ExpectedOutcome::Error
            },
            code: step.error.as_ref().map(|e| e.code.clone()),
            because: "pinned in the playground".into(),
            source: "Keyflow's own run, pinned in the playground".into(),
        };
        Callback::from(move |_| ctx.dispatch(Action::Pin(e.clone())))
    });
    let outcome_class = match step.outcome {
        Outcome::Ok => "step-ok",
        Outcome::Error => "step-error",
        Outcome::NotEvaluated => "step-unevaluated",
    };
    let badge_class = match step.outcome {
        Outcome::Ok => "badge outcome ok",
        Outcome::Error => "badge outcome deny",
        Outcome::NotEvaluated => "badge outcome warn",
    };
    let notes = |kind: NoteKind| {
        step.notes_of(kind)
            .map(|n| {
                html! {
                    <p>
                        if kind != NoteKind::Note { <strong>{ format!("{}: ", capitalised(kind.as_str())) }</strong> }
                        { v(&n.text) }
                        <span class="source small muted" data-testid="note-source">{ format!(" — {}", n.source.label()) }</span>
                    </p>
                }
            })
            .collect::<Html>()
    };
    let has_sides = step.notes_of(NoteKind::Documented).next().is_some();
    // "Fix it" for a failing step that no expectation expects to fail.
    let what = format!("{}\0{}", flow.id, step.id);
    let fix_open = ctx.state.asked(Panel::Fix).filter(|a| a.what == what);
    // Expectations of other kinds (a request or matrix cell denied) are
    // found by the helper, whose answer then says the step is expected to fail.
    let expected = ctx.state.scenario.expectations.iter().any(|e| {
        matches!(e, Expectation::Step { flow: f, step: s, outcome: ExpectedOutcome::Error, .. }
            if *f == flow.id && *s == step.id)
    });
    let fix = (step.applied && step.outcome == Outcome::Error && !expected).then(|| {
        super::panel::ask_button(
            ctx,
            Panel::Fix,
            what,
            fix_open.is_some(),
            "Fix",
            format!("{testid}-fix"),
        )
    });
    html! {
        <li class={super::cls(&["step", outcome_class, super::when(selected.is_some(), "selected")])}
            data-testid={testid.clone()} data-outcome={step.outcome.as_str()}>
            <div class="step-head">
                <button type="button" class="step-main" onclick={head_click} aria-expanded={selected.is_some().to_string()}
                    data-testid={format!("{testid}-open")}>
                    <span class="step-n">{ index + 1 }</span>
                    <span class="step-title">{ v(&step.title) }</span>
                    <span class="step-meta"><span class="actor">{ v(&step.actor) }</span>{ " → " }<code>{ step.call.clone() }</code></span>
                </button>
                <span class={badge_class}>{ step.outcome.as_str().replace('_', " ") }</span>
                { fix.unwrap_or_default() }
                if let Some(pin) = pin {
                    <button type="button" class="btn small ghost" title="Pin this outcome as an expectation" onclick={pin}
                        data-testid={format!("{testid}-pin")}>{ "Pin" }</button>
                }
            </div>
            if fix_open.is_some() { { super::panel::panel(ctx, fix_open, "explain", "fix-panel") } }
            if let Some(why) = &step.not_evaluated {
                <div class="not-evaluated" data-testid={format!("{testid}-not-evaluated")}>
                    <strong>{ "Not evaluated: " }</strong>{ v(&why.to_string()) }
                    <p class="small muted">{ "Keyflow cannot say what AWS would do until the policy parses; no AWS error is shown." }</p>
                </div>
            }
            if let Some(err) = &step.error {
                <div class="aws-error" data-testid={format!("{testid}-error")}>
                    <span class="err-code">{ err.code.clone() }</span>{ ": " }<span class="err-msg">{ v(&err.message) }</span>
                    if let Some(cli) = &step.cli_error { <pre class="cli-error" data-testid={format!("{testid}-cli")}>{ v(cli) }</pre> }
                </div>
            }
            if ok && !step.result.is_empty() { <p class="result small">{ v(&step.result) }</p> }
            if step.outcome == Outcome::Error && step.error.is_none() {
                <p class="unseen-failure" data-testid={format!("{testid}-unseen")}>
                    <strong>{ "Fails without an error: " }</strong>{ v(&step.result) }
                </p>
            }
            if !step.checks.is_empty() { <ul class="checks">{ for checks }</ul> }
            if !step.notes.is_empty() {
                <details class="notes">
                    <summary>{ "Notes" }{ if has_sides { " · documented vs observed" } else { "" } }</summary>
                    { notes(NoteKind::Note) }
                    { notes(NoteKind::Documented) }
                    { notes(NoteKind::Observed) }
                </details>
            }
            if !step.inventory.is_empty() {
                <table class="inventory small">
                    <thead><tr><th>{ "Key" }</th><th>{ "EncryptionStatus" }</th><th>{ "BucketKeyStatus" }</th></tr></thead>
                    <tbody>{ for step.inventory.iter().map(|r| html! {
                        <tr><td>{ v(&r.key) }</td><td>{ r.encryption_status.as_str() }</td><td>{ r.bucket_key_status.clone() }</td></tr>
                    }) }</tbody>
                </table>
            }
            if let Some(check) = selected {
                { explain(ctx, check) }
            }
        </li>
    }
}

/// `documented` → `Documented`.
fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => std::iter::once(first.to_ascii_uppercase())
            .chain(chars)
            .collect(),
        None => String::new(),
    }
}

/// Where a flow's facts come from: AWS pages as links, write-ups by title.
fn source_view(source: &keyflow_sim::sources::Source) -> Html {
    use keyflow_sim::sources::Source;
    match source {
        Source::Doc(d) => html! {
            <li>{ "AWS docs: " }<a href={d.url} target="_blank" rel="noopener noreferrer">{ d.title }</a></li>
        },
        other => html! { <li>{ other.label() }</li> },
    }
}
