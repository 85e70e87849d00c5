//! Each flow as a timeline of steps: actor, call, the checks it caused
//! (including the KMS calls services make on the caller's behalf), the
//! outcome, and the exact AWS error when it fails.

use keyflow_sim::{Expectation, ExpectedOutcome, FlowReport, Outcome, Step};
use yew::prelude::*;

use super::explain::explain;
use super::{short_arn, telling_check};
use crate::AppContext;
use crate::state::{Action, Selection};

/// Plain function rather than a component: it has no hooks, and each
/// component type costs bundle size.
pub fn timeline(ctx: &AppContext) -> Html {
    let report = &ctx.run.report;
    if report.flows.is_empty() {
        return html! { <p class="muted">{ "This scenario has no flows." }</p> };
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
        <section class="flow" data-testid={format!("flow-{}", flow.id)} aria-label={flow.title.clone()}>
            <header class="flow-head">
                <h3>{ flow.title.clone() }</h3>
                <p class="muted small">
                    { format!("{} · {} steps", flow.kind, flow.steps.len()) }
                    if failed > 0 { { format!(" · {failed} failing") } }
                    if !flow.sources.is_empty() { { format!(" · source {}", flow.sources.join(", ")) } }
                    if !kms.is_empty() { { format!(" · KMS requests: {}", kms.join(", ")) } }
                </p>
            </header>
            <ol class="steps">
                { for flow.steps.iter().enumerate().map(|(i, s)| step_view(ctx, flow, i, s)) }
            </ol>
        </section>
    }
}

fn step_view(ctx: &AppContext, flow: &FlowReport, index: usize, step: &Step) -> Html {
    let selected = match &ctx.state.selection {
        Some(Selection::Step {
            flow: f,
            step: s,
            check,
        }) if *f == flow.id && *s == index => Some(*check),
        _ => None,
    };
    let ok = step.outcome == Outcome::Ok;
    let select = |check: usize| {
        let ctx = ctx.clone();
        let flow_id = flow.id.clone();
        let open = step
            .checks
            .get(check)
            .and_then(|c| c.deciding.first())
            .map(|d| d.policy.clone());
        let toggle_off = selected == Some(check);
        Callback::from(move |_: MouseEvent| {
            if toggle_off {
                ctx.dispatch(Action::Select(None));
                return;
            }
            ctx.dispatch(Action::Select(Some(Selection::Step {
                flow: flow_id.clone(),
                step: index,
                check,
            })));
            if let Some(policy) = &open
                && ctx
                    .state
                    .scenario
                    .policy_fields()
                    .iter()
                    .any(|f| &f.id == policy)
            {
                ctx.dispatch(Action::OpenPolicy(policy.clone()));
            }
        })
    };
    let head_click = select(telling_check(&step.checks));
    let testid = format!("step-{}-{}", flow.id, step.id);
    let checks = step.checks.iter().enumerate().map(|(i, c)| {
        let is_sel = selected == Some(i);
        let kms = c.action.starts_with("kms:");
        html! {
            <li class={super::cls(&["check", super::when(kms, "kms"), super::when(is_sel, "selected")])}>
                <button type="button" class="check-row" aria-expanded={is_sel.to_string()}
                    data-testid={format!("check-{}-{}-{i}", flow.id, step.id)} data-decision={c.decision.clone()}
                    onclick={select(i)} title={format!("{} {} {}", c.principal, c.action, c.resource)}>
                    { super::badge(c.allowed, if c.allowed { "allow" } else { "deny" }) }
                    <span class="action">{ c.action.clone() }</span>
                    <span class="who">{ short_arn(&c.principal).to_string() }</span>
                    <span class="res">{ short_arn(&c.resource).to_string() }</span>
                    if !c.via.is_empty() { <span class="via">{ c.via.clone() }</span> }
                </button>
            </li>
        }
    });
    let pin = {
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
        };
        Callback::from(move |_| ctx.dispatch(Action::Pin(e.clone())))
    };
    html! {
        <li class={super::cls(&["step", if ok { "step-ok" } else { "step-error" }, super::when(selected.is_some(), "selected")])}
            data-testid={testid.clone()} data-outcome={if ok { "ok" } else { "error" }}>
            <div class="step-head">
                <button type="button" class="step-main" onclick={head_click} aria-expanded={selected.is_some().to_string()}
                    data-testid={format!("{testid}-open")}>
                    <span class="step-n">{ index + 1 }</span>
                    <span class="step-title">{ step.title.clone() }</span>
                    <span class="step-meta"><span class="actor">{ step.actor.clone() }</span>{ " → " }<code>{ step.call.clone() }</code></span>
                </button>
                <span class={if ok { "badge outcome ok" } else { "badge outcome deny" }}>{ if ok { "ok" } else { "error" } }</span>
                <button type="button" class="btn small ghost" title="Pin this outcome as an expectation" onclick={pin}
                    data-testid={format!("{testid}-pin")}>{ "Pin" }</button>
            </div>
            if let Some(err) = &step.error {
                <div class="aws-error" data-testid={format!("{testid}-error")}>
                    <span class="err-code">{ err.code.clone() }</span>{ ": " }<span class="err-msg">{ err.message.clone() }</span>
                    if let Some(cli) = &step.cli_error { <pre class="cli-error" data-testid={format!("{testid}-cli")}>{ cli.clone() }</pre> }
                </div>
            }
            if ok && !step.result.is_empty() { <p class="result small">{ step.result.clone() }</p> }
            if !step.checks.is_empty() { <ul class="checks">{ for checks }</ul> }
            if !step.note.is_empty() || step.documented.is_some() || step.observed.is_some() {
                <details class="notes">
                    <summary>{ "Notes" }{ if step.documented.is_some() { " · documented vs observed" } else { "" } }</summary>
                    if !step.note.is_empty() { <p>{ step.note.clone() }</p> }
                    if let Some(d) = &step.documented { <p><strong>{ "Documented: " }</strong>{ d.clone() }</p> }
                    if let Some(o) = &step.observed { <p><strong>{ "Observed: " }</strong>{ o.clone() }</p> }
                </details>
            }
            if !step.inventory.is_empty() {
                <table class="inventory small">
                    <thead><tr><th>{ "Key" }</th><th>{ "EncryptionStatus" }</th><th>{ "BucketKeyStatus" }</th></tr></thead>
                    <tbody>{ for step.inventory.iter().map(|r| html! {
                        <tr><td>{ r.key.clone() }</td><td>{ r.encryption_status.clone() }</td><td>{ r.bucket_key_status.clone() }</td></tr>
                    }) }</tbody>
                </table>
            }
            if let Some(check) = selected.and_then(|c| step.checks.get(c)) {
                { explain(ctx, check) }
            }
        </li>
    }
}
