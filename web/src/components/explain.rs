//! Why a check was decided: the deciding statements (click to see them in
//! the editor), every policy the evaluator looked at with what matched, and
//! each condition with the values it compared.

use keyflow_policy::{ConditionTrace, Effect, ElementTrace, PolicyTrace, StatementTrace};
use keyflow_sim::{Check, PolicyId};
use yew::prelude::*;

use crate::AppContext;
use crate::engine;
use crate::state::Action;

/// The explanation panel. A plain function: re-explaining one check per
/// render is cheap, and each component type costs bundle size.
pub fn explain(ctx: &AppContext, c: &Check) -> Html {
    let evaluation = engine::explain(&ctx.state.scenario, c);

    let deciding = c.deciding.iter().map(|d| {
        let label = match &d.sid {
            Some(sid) => format!("{} · \"{}\"", d.policy, crate::text::visible(sid)),
            None => format!("{} · statement #{}", d.policy, d.statement + 1),
        };
        let position = format!(" ({}:{})", d.line, d.column);
        let onclick = {
            let ctx = ctx.clone();
            let policy = d.policy.clone();
            let offset = d.span.start as usize;
            Callback::from(move |_| ctx.dispatch(Action::GoTo { policy: policy.clone(), offset }))
        };
        let allow = d.effect == Effect::Allow;
        html! {
            <li>
                { super::badge(allow, if allow { "Allow" } else { "Deny" }) }
                { " " }
                if d.policy.is_editable() {
                    <button type="button" class="link" data-testid="deciding-statement" {onclick}>{ label }{ position }</button>
                } else {
                    <span data-testid="deciding-statement">{ label }{ position }{ " (AWS managed, read-only)" }</span>
                }
                <span class="muted small">{ format!(" as{}", slot_name(&d.slot)) }</span>
            </li>
        }
    });

    // A stale result's checks are from text that has changed since: no trace.
    let stale = ctx.shown.stale;
    let trace = evaluation
        .as_ref()
        .and_then(|e| e.trace.as_ref())
        .filter(|t| !stale && !t.policies.is_empty());
    let context_rows = c.request.context.iter().map(|(k, v)| {
        html! { <tr><td><code>{ k.to_string() }</code></td><td>{ crate::text::v(&v.values().join(", ")) }</td></tr> }
    });
    let implicit = match (&c.not_evaluated, trace.is_some()) {
        (Some(_), _) => {
            "Keyflow could not evaluate this request: a policy it needs does not parse."
        }
        _ if stale => {
            "This explanation belongs to the last result that parsed; it comes back when the policy parses again."
        }
        (None, true) => {
            "No statement allowed this request: an implicit deny. The policies below show what each statement lacked."
        }
        (None, false) => "No statement allowed this request: an implicit deny.",
    };
    html! {
        <div class="explain" data-testid="explanation" data-check={c.id.to_string()}>
            <div class="explain-head">
                <span class={if c.allowed() { "badge ok" } else { "badge deny" }} data-testid="explain-decision">{ c.decision.as_str() }</span>
                <code class="wrap">{ crate::text::v(c.principal()) }</code>
                <span>{ " → " }</span><code>{ crate::text::v(c.action()) }</code>
                <span>{ " on " }</span><code class="wrap">{ crate::text::v(c.resource()) }</code>
            </div>
            if !c.via.is_empty() { <p class="small muted">{ crate::text::v(&c.via) }</p> }
            <p class="summary" data-testid="explain-summary">{ crate::text::visible(&c.summary()).into_owned() }</p>
            if !c.deciding.is_empty() {
                <h4>{ "Deciding statements" }</h4>
                <ul class="deciding">{ for deciding }</ul>
            } else {
                <p class="small">{ implicit }</p>
            }
            if let Some(trace) = trace {
                <h4>{ "Every policy consulted" }</h4>
                // Cross-account policy evaluation logic, IAM User Guide
                // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html).
                if trace.cross_account { <p class="small" data-testid="cross-account">{ "Cross-account request: the caller's identity-based policies and the resource-based policy must both allow it." }</p> }
                if trace.resource_policy_mandatory { <p class="small muted">{ "The resource policy must allow this principal itself (KMS key policies and trust policies are primary)." }</p> }
                { for trace.policies.iter().map(|p| policy_view(ctx, c, p)) }
            }
            <details class="context">
                <summary>{ format!("Request context ({} keys)", c.request.context.len()) }</summary>
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

fn policy_view(ctx: &AppContext, c: &Check, p: &PolicyTrace) -> Html {
    // The trace names policies by the evaluator slot they filled; the check knows which id that is.
    let id = c.policies.at(p.slot).cloned();
    let editable = id.as_ref().is_some_and(PolicyId::is_editable);
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
                <strong>{ crate::text::v(&p.id) }</strong>
                <span class="muted small">{ slot_name(&p.slot) }</span>
                <span class={super::cls(&["badge small", verdict.0])}>{ verdict.1 }</span>
                if !p.applies { <span class="muted small">{ " does not apply to this caller" }</span> }
            </div>
            if let Some(note) = &p.note { <p class="small muted">{ crate::text::v(note) }</p> }
            <ul class="stmts">{ for p.statements.iter().map(|s| statement_view(ctx, id.as_ref().filter(|_| editable), s)) }</ul>
        </div>
    }
}

fn statement_view(ctx: &AppContext, policy: Option<&PolicyId>, s: &StatementTrace) -> Html {
    let name = match &s.sid {
        Some(sid) => format!("\"{}\"", crate::text::visible(sid)),
        None => format!("#{}", s.index + 1),
    };
    let effect = match s.effect {
        Some(keyflow_policy::Effect::Allow) => "Allow",
        Some(keyflow_policy::Effect::Deny) => "Deny",
        None => "?",
    };
    let goto = policy.map(|policy| {
        let ctx = ctx.clone();
        let policy = policy.clone();
        let offset = s.span.start as usize;
        Callback::from(move |_| {
            ctx.dispatch(Action::GoTo {
                policy: policy.clone(),
                offset,
            })
        })
    });
    html! {
        <li class={if s.applies { "stmt applies" } else { "stmt" }}>
            <div class="stmt-head">
                if let Some(goto) = goto {
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
            <code>{ crate::text::v(&c.operator) }</code>
            if !c.known_operator { <span class="badge small deny">{ "unknown operator" }</span> }
            { " " }<code>{ crate::text::v(&c.key) }</code>
            <div class="cond-vals small">
                <span class="muted">{ "policy: " }</span><span class="vals">{ crate::text::v(&c.policy_values.join(", ")) }</span>
                <br />
                <span class="muted">{ "request: " }</span><span class="vals">{ crate::text::v(&request) }</span>
            </div>
        </li>
    }
}
