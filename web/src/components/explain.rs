//! Why a check was decided: the deciding statements (click to see them in
//! the editor), every policy the evaluator looked at with what matched, and
//! each condition with the values it compared.

use keyflow_policy::{ConditionTrace, ElementTrace, PolicyTrace, StatementTrace};
use keyflow_sim::Check;
use yew::prelude::*;

use crate::AppContext;
use crate::engine;
use crate::state::Action;

/// The explanation panel. A plain function: re-explaining one check per
/// render is cheap, and each component type costs bundle size.
pub fn explain(ctx: &AppContext, c: &Check) -> Html {
    let evaluation = engine::explain(&ctx.state.scenario, &ctx.run.report, c);
    let editable = |id: &str| {
        ctx.state
            .scenario
            .policy_fields()
            .iter()
            .any(|f| f.id == id)
    };

    let deciding = c.deciding.iter().map(|d| {
        let label = match &d.sid {
            Some(sid) => format!("{} · \"{}\"", d.policy, crate::text::visible(sid)),
            None => format!("{} · statement #{}", d.policy, d.statement + 1),
        };
        let can_open = editable(&d.policy);
        let onclick = {
            let ctx = ctx.clone();
            let policy = d.policy.clone();
            let offset = d.span[0];
            Callback::from(move |_| ctx.dispatch(Action::GoTo { policy: policy.clone(), offset }))
        };
        html! {
            <li>
                { super::badge(d.effect != "Deny", &d.effect) }
                { " " }
                if can_open {
                    <button type="button" class="link" data-testid="deciding-statement" {onclick}>{ label }</button>
                } else {
                    <span data-testid="deciding-statement">{ label }{ " (AWS managed, read-only)" }</span>
                }
                <span class="muted small">{ format!(" as {}", d.slot) }</span>
            </li>
        }
    });

    let trace = evaluation.as_ref().and_then(|e| e.trace.as_ref());
    let context_rows = c.context.iter().map(|(k, v)| {
        html! { <tr><td><code>{ k.clone() }</code></td><td>{ v.join(", ") }</td></tr> }
    });
    html! {
        <div class="explain" data-testid="explanation">
            <div class="explain-head">
                <span class={if c.allowed { "badge ok" } else { "badge deny" }} data-testid="explain-decision">{ c.decision.clone() }</span>
                <code class="wrap">{ c.principal.clone() }</code>
                <span>{ " → " }</span><code>{ c.action.clone() }</code>
                <span>{ " on " }</span><code class="wrap">{ c.resource.clone() }</code>
            </div>
            if !c.via.is_empty() { <p class="small muted">{ c.via.clone() }</p> }
            <p class="summary" data-testid="explain-summary">{ crate::text::visible(&c.summary).into_owned() }</p>
            if !c.deciding.is_empty() {
                <h4>{ "Deciding statements" }</h4>
                <ul class="deciding">{ for deciding }</ul>
            } else {
                <p class="small">{ "No statement allowed this request: an implicit deny. The policies below show what each statement lacked." }</p>
            }
            if let Some(trace) = trace {
                <h4>{ "Every policy consulted" }{ if trace.cross_account { " (cross-account)" } else { "" } }</h4>
                if trace.resource_policy_mandatory { <p class="small muted">{ "The resource policy must allow this principal itself (KMS key policies and trust policies are primary)." }</p> }
                { for trace.policies.iter().map(|p| policy_view(ctx, p)) }
            }
            <details class="context">
                <summary>{ format!("Request context ({} keys)", c.context.len()) }</summary>
                <table class="kv small"><tbody>{ for context_rows }</tbody></table>
            </details>
        </div>
    }
}

fn slot_name(slot: &keyflow_policy::PolicySlot) -> &'static str {
    use keyflow_policy::PolicySlot as S;
    match slot {
        S::Identity(_) => " identity",
        S::Resource => " resource",
        S::PermissionBoundary => " permissions boundary",
        S::Scp { .. } => " SCP",
        S::Rcp { .. } => " RCP",
        S::Session => " session",
        S::VpcEndpoint => " VPC endpoint",
    }
}

fn policy_view(ctx: &AppContext, p: &PolicyTrace) -> Html {
    let editable = ctx
        .state
        .scenario
        .policy_fields()
        .iter()
        .any(|f| f.id == p.id);
    let verdict = if p.denies {
        ("deny", "denies")
    } else if p.allows {
        ("ok", "allows")
    } else {
        ("neutral", "no statement applies")
    };
    html! {
        <div class="ptrace" data-testid="policy-trace">
            <div class="ptrace-head">
                <strong>{ p.id.clone() }</strong>
                <span class="muted small">{ slot_name(&p.slot) }</span>
                <span class={super::cls(&["badge small", verdict.0])}>{ verdict.1 }</span>
                if !p.applies { <span class="muted small">{ " does not apply to this caller" }</span> }
            </div>
            if let Some(note) = &p.note { <p class="small muted">{ note.clone() }</p> }
            <ul class="stmts">{ for p.statements.iter().map(|s| statement_view(ctx, &p.id, editable, s)) }</ul>
        </div>
    }
}

fn statement_view(ctx: &AppContext, policy: &str, editable: bool, s: &StatementTrace) -> Html {
    let name = match &s.sid {
        Some(sid) => format!("\"{}\"", crate::text::visible(sid)),
        None => format!("#{}", s.index + 1),
    };
    let effect = match s.effect {
        Some(keyflow_policy::Effect::Allow) => "Allow",
        Some(keyflow_policy::Effect::Deny) => "Deny",
        None => "?",
    };
    let goto = {
        let ctx = ctx.clone();
        let policy = policy.to_string();
        let offset = s.span.start as usize;
        Callback::from(move |_| {
            ctx.dispatch(Action::GoTo {
                policy: policy.clone(),
                offset,
            })
        })
    };
    html! {
        <li class={if s.applies { "stmt applies" } else { "stmt" }}>
            <div class="stmt-head">
                if editable {
                    <button type="button" class="link" onclick={goto}>{ name }</button>
                } else {
                    <span>{ name }</span>
                }
                <span class="muted small">{ format!(" {effect}") }</span>
                { element("Principal", s.principal.as_ref()) }
                { element("Action", Some(&s.action)) }
                { element("Resource", Some(&s.resource)) }
                if !s.conditions.is_empty() { { mark("conditions", s.conditions_met) } }
                if s.applies { <span class="badge small ok">{ "applies" }</span> }
            </div>
            if !s.conditions.is_empty() {
                <ul class="conds">{ for s.conditions.iter().map(condition_view) }</ul>
            }
        </li>
    }
}

fn mark(label: &str, ok: bool) -> Html {
    html! { <span class={if ok { "el el-ok" } else { "el el-no" }}>{ if ok { "✓ " } else { "✗ " } }{ label.to_string() }</span> }
}

fn element(label: &str, e: Option<&ElementTrace>) -> Html {
    match e {
        None => html! {},
        Some(e) if e.missing => html! { <span class="el el-no">{ format!("✗ no {label}") }</span> },
        Some(e) if e.negated => mark(&format!("Not{label}"), e.matched),
        Some(e) => mark(label, e.matched),
    }
}

fn condition_view(c: &ConditionTrace) -> Html {
    let request = match &c.request_values {
        Some(v) if v.is_empty() => "(empty)".to_string(),
        Some(v) => v.join(", "),
        None => "(absent from the request)".to_string(),
    };
    html! {
        <li class={if c.result { "cond el-ok" } else { "cond el-no" }} data-testid="condition">
            <span class="cond-res">{ if c.result { "✓" } else { "✗" } }</span>
            <code>{ c.operator.clone() }</code>
            if !c.known_operator { <span class="badge small deny">{ "unknown operator" }</span> }
            { " " }<code>{ c.key.clone() }</code>
            <div class="cond-vals small">
                <span class="muted">{ "policy: " }</span><span class="vals">{ c.policy_values.join(", ") }</span>
                <br />
                <span class="muted">{ "request: " }</span><span class="vals">{ request }</span>
            </div>
        </li>
    }
}
