//! The scenario's expected outcomes as a pass/fail list, live as you type.

use yew::prelude::*;

use crate::AppContext;
use crate::state::Action;

/// Plain function rather than a component: it has no hooks, and each
/// component type costs bundle size.
pub fn expectations(ctx: &AppContext) -> Html {
    let results = &ctx.report().expectations;
    if results.is_empty() {
        return html! {
            <p class="muted" data-testid="expectations">{ "No expectations yet. Pin a step or a matrix cell to add one." }</p>
        };
    }
    let items = results.iter().enumerate().map(|(i, r)| {
        let unpin = {
            let ctx = ctx.clone();
            Callback::from(move |_| ctx.dispatch(Action::Unpin(i)))
        };
        html! {
            <li class={if r.passed { "expectation pass" } else { "expectation fail" }} data-testid="expectation" data-passed={r.passed.to_string()}>
                { super::badge(r.passed, if r.passed { "pass" } else { "fail" }) }
                <div class="exp-body">
                    <p class="exp-what">{ crate::text::v(&r.expectation) }</p>
                    <p class="small muted">{ crate::text::v(&r.reason) }</p>
                </div>
                <button type="button" class="btn small ghost" onclick={unpin} title="Remove this expectation" data-testid="unpin">{ "Remove" }</button>
            </li>
        }
    });
    html! { <ul class="expectations" data-testid="expectations">{ for items }</ul> }
}
