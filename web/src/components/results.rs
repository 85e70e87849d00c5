//! The right-hand column: timeline, access matrix, compare and expectations.

use yew::prelude::*;

use crate::AppContext;
use crate::state::{Action, View};

/// Plain function rather than a component: it has no hooks, and each
/// component type costs bundle size.
pub fn results(ctx: &AppContext) -> Html {
    let view = ctx.state.view;
    let report = &ctx.run.report;
    let has_matrix = report.flows.iter().any(|f| !f.matrix.is_empty());
    let passed = report.expectations.iter().filter(|e| e.passed).count();
    let total = report.expectations.len();
    let tab = |v: View, label: String, testid: &str, enabled: bool| {
        let active = v == view;
        let onclick = {
            let ctx = ctx.clone();
            Callback::from(move |_| ctx.dispatch(Action::Show(v)))
        };
        html! {
            <button type="button" role="tab" aria-selected={active.to_string()} disabled={!enabled}
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
        View::Timeline => super::timeline::timeline(ctx),
        View::Matrix if has_matrix => super::matrix::matrix(ctx),
        View::Matrix => {
            html! { <p class="muted">{ "No flow in this scenario has an access matrix (CloudTrail flows do)." }</p> }
        }
        View::Compare => super::compare::compare(ctx),
        View::Expectations => super::expectations::expectations(ctx),
    };
    let all_pass = passed == total;
    html! {
        <div class="results-inner">
            <div class="results-head">
                <div class="tabs" role="tablist" aria-label="Views">
                    { tab(View::Timeline, "Timeline".into(), "view-timeline", true) }
                    { tab(View::Matrix, "Access matrix".into(), "view-matrix", has_matrix) }
                    { tab(View::Compare, "Before / after".into(), "view-compare", true) }
                    { tab(View::Expectations, exp_label, "view-expectations", true) }
                </div>
                if total > 0 {
                    <span class={if all_pass { "badge ok" } else { "badge deny" }} data-testid="expectations-summary">
                        { if all_pass { format!("{total} expectations pass") } else { format!("{} of {total} expectations fail", total - passed) } }
                    </span>
                }
            </div>
            { body }
        </div>
    }
}
