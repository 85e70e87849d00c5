//! The right-hand column: timeline, access, compare and expectations,
//! under a banner when the result on show is out of date.

use yew::prelude::*;

use crate::AppContext;
use crate::hooks::browser;
use crate::state::{Action, View};
use crate::text::v;

/// Says which policy does not parse and where; while it does not, the
/// column keeps the last result that parsed, marked stale.
fn stale_banner(ctx: &AppContext) -> Html {
    let shown = &ctx.shown;
    let Some(first) = shown.broken.first() else {
        return html! {};
    };
    let goto = {
        let ctx = ctx.clone();
        let (policy, offset) = (first.policy.clone(), first.offset);
        Callback::from(move |_| {
            ctx.dispatch(Action::GoTo {
                policy: policy.clone(),
                offset,
            })
        })
    };
    let list = shown.broken.iter().map(|b| {
        html! { <li>{ v(&format!("{}: line {}, column {}: {}", b.policy, b.line, b.column, b.message)) }</li> }
    });
    html! {
        <div class={if shown.stale { "stale-banner stale" } else { "stale-banner" }} role="status" data-testid="stale-banner"
            data-stale={shown.stale.to_string()}>
            <p>
                <strong>{ if shown.stale { "Stale: " } else { "Not evaluated: " } }</strong>
                { if shown.stale {
                    "a policy does not parse, so Keyflow cannot say what AWS would do. Below is the last result in which every policy parsed; it updates again when the text parses."
                } else {
                    "a policy does not parse; the steps that need it are not evaluated (Keyflow shows no AWS answer for text it cannot read)."
                } }
            </p>
            <ul class="small">{ for list }</ul>
            <button type="button" class="btn small" onclick={goto} data-testid="stale-goto">{ "Show me" }</button>
        </div>
    }
}

/// Plain function rather than a component: it has no hooks, and each
/// component type costs bundle size.
pub fn results(ctx: &AppContext) -> Html {
    let view = ctx.state.view;
    let report = ctx.report();
    let has_matrix = report.flows.iter().any(|f| !f.matrix.is_empty());
    let passed = report.expectations.iter().filter(|e| e.passed).count();
    let total = report.expectations.len();
    let tab = |v: View, label: String, testid: &str| {
        let active = v == view;
        let onclick = {
            let ctx = ctx.clone();
            Callback::from(move |_| ctx.dispatch(Action::Show(v)))
        };
        html! {
            <button type="button" role="tab" aria-selected={active.to_string()} tabindex={if active { "0" } else { "-1" }}
                class={if active { "tab view-tab active" } else { "tab view-tab" }} data-testid={testid.to_string()} {onclick}>
                { label }
            </button>
        }
    };
    let exp_label = if total == 0 {
        "Expectations".to_string()
    } else {
        format!("Expectations {passed}/{total}")
    };
    let body = match view {
        _ if ctx.state.opening.is_some() => html! {
            <p class="busy" role="status" data-testid="opening">{ "Opening the shared scenario…" }</p>
        },
        View::Timeline => super::timeline::timeline(ctx),
        View::Matrix => html! {
            <>
                if has_matrix { { super::matrix::matrix(ctx) } }
                { super::matrix::access(ctx) }
            </>
        },
        View::Compare => super::compare::compare(ctx),
        View::Expectations => super::expectations::expectations(ctx),
    };
    let all_pass = passed == total;
    let keys = Callback::from(|e: KeyboardEvent| browser::tablist_key(&e));
    html! {
        <div class={if ctx.shown.stale { "results-inner is-stale" } else { "results-inner" }}>
            <div class="results-head">
                <div class="tabs" role="tablist" aria-label="Views" onkeydown={keys}>
                    { tab(View::Timeline, "Timeline".into(), "view-timeline") }
                    { tab(View::Matrix, "Access".into(), "view-matrix") }
                    { tab(View::Compare, "Before / after".into(), "view-compare") }
                    { tab(View::Expectations, exp_label, "view-expectations") }
                </div>
                if total > 0 {
                    <span class={if all_pass { "badge ok" } else { "badge deny" }} data-testid="expectations-summary">
                        { if all_pass { format!("{total} expectations pass") } else { format!("{} of {total} expectations fail", total - passed) } }
                    </span>
                }
            </div>
            if let Some(busy) = &ctx.state.busy { <p class="busy small" role="status" data-testid="busy">{ v(busy) }</p> }
            { stale_banner(ctx) }
            <div class="results-body">{ body }</div>
        </div>
    }
}
