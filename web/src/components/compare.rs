//! Before / after: the flows run on the scenario and on a copy with one
//! change applied, side by side, with the steps that changed marked.

use keyflow_sim::{FlowReport, Outcome, Report};
use yew::prelude::*;

use crate::AppContext;
use crate::state::Action;

/// The what-if run itself is memoised in the app (see `AppContext::compare`).
pub fn compare(ctx: &AppContext) -> Html {
    let choice = ctx.state.compare;
    let Some((changes, after)) = ctx.compare.as_ref().as_ref() else {
        return html! { <p class="muted">{ "Nothing in this scenario to compare." }</p> };
    };
    let before = &ctx.run.report;
    let diff = keyflow_sim::diff(before, after);
    let onchange = {
        let ctx = ctx.clone();
        Callback::from(move |e: Event| {
            let v = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            ctx.dispatch(Action::CompareWith(v.parse().unwrap_or(0)));
        })
    };
    let options = changes.iter().enumerate().map(|(i, w)| {
        html! { <option value={i.to_string()} selected={i == choice}>{ w.label.clone() }</option> }
    });
    let changed: Vec<(String, String)> = diff
        .iter()
        .map(|d| (d.flow.clone(), d.step.clone()))
        .collect();
    html! {
        <div class="compare" data-testid="compare">
            <label class="field">
                <span>{ "Change to try" }</span>
                <select data-testid="compare-change" {onchange}>{ for options }</select>
            </label>
            <p class="small" data-testid="compare-summary">
                { match diff.len() { 0 => "No step ends differently.".to_string(), 1 => "1 step changes.".to_string(), n => format!("{n} steps change.") } }
            </p>
            { for after.flows.iter().map(|fa| flow_pair(before, fa, &changed)) }
            if diff.iter().any(|d| !d.decisions.is_empty()) {
                <h4>{ "Changed decisions" }</h4>
                <ul class="small">
                    { for diff.iter().flat_map(|d| d.decisions.iter().map(move |x| html! { <li>{ format!("{}: {x}", d.step) }</li> })) }
                </ul>
            }
        </div>
    }
}

fn flow_pair(before: &Report, after: &FlowReport, changed: &[(String, String)]) -> Html {
    let fb = before.flow(&after.id);
    let mut ids: Vec<String> = after.steps.iter().map(|s| s.id.clone()).collect();
    if let Some(fb) = fb {
        for s in &fb.steps {
            if !ids.contains(&s.id) {
                ids.push(s.id.clone());
            }
        }
    }
    let cell = |f: Option<&FlowReport>, id: &str| match f.and_then(|f| f.step(id)) {
        None => html! { <td class="muted">{ "—" }</td> },
        Some(s) => {
            let ok = s.outcome == Outcome::Ok;
            html! {
                <td>
                    { super::badge(ok, if ok { "ok" } else { "error" }) }
                    // The code only: the full message is a hover away, and in the timeline.
                    if let Some(e) = &s.error { <span class="small err-code" title={e.message.clone()}>{ format!(" {}", e.code) }</span> }
                </td>
            }
        }
    };
    let rows = ids.iter().map(|id| {
        let is_changed = changed.contains(&(after.id.clone(), id.clone()));
        let title = after.step(id).or(fb.and_then(|f| f.step(id))).map(|s| s.title.clone()).unwrap_or_default();
        html! {
            <tr class={super::when(is_changed, "changed").to_string()} data-testid={format!("compare-{}-{id}", after.id)} data-changed={is_changed.to_string()}>
                <th scope="row">
                    if is_changed { <span class="badge warn small">{ "changed" }</span>{ " " } }
                    { title }
                </th>
                { cell(fb, id) }
                { cell(Some(after), id) }
            </tr>
        }
    });
    html! {
        <section class="flow">
            <h3>{ after.title.clone() }</h3>
            <table class="compare-table">
                <thead><tr><th>{ "step" }</th><th>{ "before" }</th><th>{ "after" }</th></tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
        </section>
    }
}
