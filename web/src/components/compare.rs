//! Before / after: the scenario on screen beside an earlier state of it (the
//! text before the last edit, a draft, the built-in it came from) or beside a
//! what-if change, with the steps and access-matrix cells that flip.

use keyflow_sim::{FlowReport, Outcome, Report, Verdict};
use yew::prelude::*;

use crate::AppContext;
use crate::state::{Action, CompareWith, Origin};
use crate::text::v;

fn choice_value(c: CompareWith) -> String {
    match c {
        CompareWith::WhatIf(i) => format!("w{i}"),
        CompareWith::Checkpoint => "c".into(),
        CompareWith::Builtin => "b".into(),
        CompareWith::Draft(id) => format!("d{id}"),
    }
}

fn choice_of(value: &str) -> CompareWith {
    let n = |s: &str| s.parse().unwrap_or(0);
    match value.split_at(value.len().min(1)) {
        ("c", _) => CompareWith::Checkpoint,
        ("b", _) => CompareWith::Builtin,
        ("d", id) => CompareWith::Draft(n(id)),
        (_, i) => CompareWith::WhatIf(n(i) as usize),
    }
}

fn verdict(v: Option<Verdict>) -> &'static str {
    match v {
        None => "—",
        Some(Verdict::Allowed) => "yes",
        Some(Verdict::NotEvaluated) => "not evaluated",
        Some(_) => "no",
    }
}

/// The run pair itself is memoised in the app (see `AppContext::compare`).
pub fn compare(ctx: &AppContext) -> Html {
    let state = &ctx.state;
    let choice = state.compare;
    let onchange = {
        let ctx = ctx.clone();
        Callback::from(move |e: Event| {
            let value = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            ctx.dispatch(Action::CompareWith(choice_of(&value)));
        })
    };
    let option = |c: CompareWith, label: String| {
        html! { <option value={choice_value(c)} selected={c == choice}>{ label }</option> }
    };
    let what_ifs = ctx
        .compare
        .as_ref()
        .as_ref()
        .map(|c| c.what_ifs.clone())
        .unwrap_or_default();
    let mut own = Vec::new();
    if let Some(cp) = &state.checkpoint {
        own.push(option(CompareWith::Checkpoint, cp.label.clone()));
    }
    if let Origin::Builtin(name) = &state.origin
        && state.edited
    {
        own.push(option(CompareWith::Builtin, format!("The built-in {name} as shipped")));
    }
    for d in state.drafts.iter().filter(|d| Some(d.id) != state.draft) {
        own.push(option(CompareWith::Draft(d.id), format!("Draft: {}", v(&d.name))));
    }
    let select = html! {
        <label class="field">
            <span>{ "Compare with" }</span>
            <select data-testid="compare-change" {onchange}>
                if !own.is_empty() { <optgroup label="Your earlier states (before → now)">{ for own }</optgroup> }
                <optgroup label="What if (now → after the change)">
                    { for what_ifs.iter().enumerate().map(|(i, w)| option(CompareWith::WhatIf(i), v(&w.label))) }
                </optgroup>
            </select>
        </label>
    };
    let Some(c) = ctx.compare.as_ref().as_ref() else {
        return html! { <div class="compare" data-testid="compare">{ select }<p class="muted">{ "Nothing to compare with yet." }</p></div> };
    };
    let steps = keyflow_sim::diff(&c.before, &c.after);
    let cells = keyflow_sim::matrix_changes(&c.before, &c.after);
    let changed: Vec<(String, String)> = steps
        .iter()
        .map(|d| (d.flow.clone(), d.step.clone()))
        .collect();
    let summary = match (steps.len(), cells.len()) {
        (0, 0) => "No step ends differently and no access changes.".to_string(),
        (s, m) => format!(
            "{s} step{} and {m} access cell{} change.",
            if s == 1 { "" } else { "s" },
            if m == 1 { "" } else { "s" }
        ),
    };
    let flows: Vec<&FlowReport> = c
        .after
        .flows
        .iter()
        .chain(
            c.before
                .flows
                .iter()
                .filter(|f| c.after.flow(&f.id).is_none()),
        )
        .collect();
    html! {
        <div class="compare" data-testid="compare">
            { select }
            <p class="small" data-testid="compare-summary">{ summary }</p>
            { for flows.into_iter().map(|f| flow_pair(&c.before, &c.after, f, &changed)) }
            if !cells.is_empty() {
                <h4>{ "Access cells that flip" }</h4>
                <div class="table-wrap">
                <table class="compare-table small" data-testid="compare-cells">
                    <thead><tr><th>{ "flow · principal · column" }</th><th>{ "before" }</th><th>{ "after" }</th></tr></thead>
                    <tbody>
                        { for cells.iter().map(|x| html! {
                            <tr class="changed" data-testid={format!("compare-cell-{}-{}-{}", x.flow, x.principal, x.column)}>
                                <th scope="row">{ format!("{} · {} · {}", x.flow, v(&x.principal), x.column) }</th>
                                <td>{ verdict(x.before) }</td><td>{ verdict(x.after) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
                </div>
            }
            if steps.iter().any(|d| !d.decisions.is_empty()) {
                <h4>{ "Changed decisions" }</h4>
                <ul class="small">
                    { for steps.iter().flat_map(|d| d.decisions.iter().map(move |x| html! { <li>{ v(&format!("{}: {x}", d.step)) }</li> })) }
                </ul>
            }
        </div>
    }
}

fn flow_pair(before: &Report, after: &Report, flow: &FlowReport, changed: &[(String, String)]) -> Html {
    let fb = before.flow(&flow.id);
    let fa = after.flow(&flow.id);
    let mut ids: Vec<String> = Vec::new();
    for s in fa.iter().chain(fb.iter()).flat_map(|f| f.steps.iter()) {
        if !ids.contains(&s.id) {
            ids.push(s.id.clone());
        }
    }
    let cell = |f: Option<&FlowReport>, id: &str| match f.and_then(|f| f.step(id)) {
        None => html! { <td class="muted">{ "—" }</td> },
        Some(s) => {
            let (ok, label) = match s.outcome {
                Outcome::Ok => (true, "ok"),
                Outcome::Error => (false, "error"),
                Outcome::NotEvaluated => (false, "not evaluated"),
            };
            html! {
                <td>
                    { super::badge(ok, label) }
                    // The code only: the full message is a hover away, and in the timeline.
                    if let Some(e) = &s.error { <span class="small err-code" title={v(&e.message)}>{ format!(" {}", e.code) }</span> }
                </td>
            }
        }
    };
    let rows = ids.iter().map(|id| {
        let is_changed = changed.contains(&(flow.id.clone(), id.clone()));
        let title = fa.and_then(|f| f.step(id)).or(fb.and_then(|f| f.step(id))).map(|s| v(&s.title)).unwrap_or_default();
        html! {
            <tr class={super::when(is_changed, "changed").to_string()} data-testid={format!("compare-{}-{id}", flow.id)} data-changed={is_changed.to_string()}>
                <th scope="row">
                    if is_changed { <span class="badge warn small">{ "changed" }</span>{ " " } }
                    { title }
                </th>
                { cell(fb, id) }
                { cell(fa, id) }
            </tr>
        }
    });
    html! {
        <section class="flow">
            <h3>{ v(&flow.title) }</h3>
            <div class="table-wrap">
            <table class="compare-table">
                <thead><tr><th>{ "step" }</th><th>{ "before" }</th><th>{ "after" }</th></tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
            </div>
        </section>
    }
}
