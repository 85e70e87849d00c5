//! Before / after: the scenario on screen beside an earlier state of it (the
//! text before the last edit, a draft, the built-in it came from) or beside a
//! what-if change, with the steps and access-matrix cells that flip. The
//! helper runs both sides (see `AppContext::compare`).

use yew::prelude::*;

use crate::helper::{StepRow, StepSide};
use crate::state::{Action, CompareWith, Origin};
use crate::text::v;
use crate::{AppContext, CompareKey};

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

fn cell(side: &Option<StepSide>) -> Html {
    match side {
        None => html! { <td class="muted">{ "—" }</td> },
        Some(StepSide {
            outcome,
            code,
            message,
        }) => {
            let ok = *outcome == keyflow_sim::Outcome::Ok;
            html! {
                <td>
                    { super::badge(ok, &outcome.as_str().replace('_', " ")) }
                    // The code only: the full message is a hover away, and in the timeline.
                    if !code.is_empty() { <span class="small err-code" title={v(message)}>{ format!(" {code}") }</span> }
                </td>
            }
        }
    }
}

fn row(flow: &str, r: &StepRow) -> Html {
    html! {
        <tr class={super::when(r.changed, "changed").to_string()} data-testid={format!("compare-{flow}-{}", r.id)} data-changed={r.changed.to_string()}>
            <th scope="row">
                if r.changed { <span class="badge warn small">{ "changed" }</span>{ " " } }
                { v(&r.title) }
            </th>
            { cell(&r.before) }
            { cell(&r.after) }
        </tr>
    }
}

pub fn compare(ctx: &AppContext) -> Html {
    let state = &ctx.state;
    let choice = state.compare;
    let answer = ctx.compare.as_ref().as_ref();
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
    let mut own = Vec::new();
    if let Some(cp) = &state.checkpoint {
        own.push(option(CompareWith::Checkpoint, cp.label.clone()));
    }
    if let Origin::Builtin(name) = &state.origin
        && state.edited
    {
        own.push(option(
            CompareWith::Builtin,
            format!("The built-in {name} as shipped"),
        ));
    }
    for d in state.drafts.iter().filter(|d| Some(d.id) != state.draft) {
        own.push(option(
            CompareWith::Draft(d.id),
            format!("Draft: {}", v(&d.name)),
        ));
    }
    let what_ifs = answer.map(|(_, c)| c.what_ifs.clone()).unwrap_or_default();
    let select = html! {
        <label class="field">
            <span>{ "Compare with" }</span>
            <select data-testid="compare-change" {onchange}>
                if !own.is_empty() { <optgroup label="Your earlier states (before → now)">{ for own }</optgroup> }
                <optgroup label="What if (now → after the change)">
                    { for what_ifs.iter().enumerate().map(|(i, w)| option(CompareWith::WhatIf(i), v(w))) }
                </optgroup>
            </select>
        </label>
    };
    // Only an answer for this very choice and these scenarios is shown.
    let current = answer.filter(|(CompareKey(c, now, _), _)| {
        *c == choice && *now == std::rc::Rc::as_ptr(&state.scenario) as usize
    });
    let Some((_, c)) = current else {
        return html! {
            <div class="compare" data-testid="compare">
                { select }
                <p class="muted small" role="status" data-testid="compare-working">{ "Running both sides…" }</p>
            </div>
        };
    };
    let changed = c
        .flows
        .iter()
        .flat_map(|f| f.2.iter())
        .filter(|r| r.changed)
        .count();
    let summary = match (changed, c.cells.len()) {
        (0, 0) => "No step ends differently and no access changes.".to_string(),
        (s, m) => format!(
            "{s} step{} and {m} access cell{} change.",
            if s == 1 { "" } else { "s" },
            if m == 1 { "" } else { "s" }
        ),
    };
    html! {
        <div class="compare" data-testid="compare">
            { select }
            <p class="small" data-testid="compare-summary">{ summary }</p>
            { for c.flows.iter().map(|(id, title, rows)| html! {
                <section class="flow">
                    <h3>{ v(title) }</h3>
                    <div class="table-wrap">
                        <table class="compare-table">
                            <thead><tr><th>{ "step" }</th><th>{ "before" }</th><th>{ "after" }</th></tr></thead>
                            <tbody>{ for rows.iter().map(|r| row(id, r)) }</tbody>
                        </table>
                    </div>
                </section>
            }) }
            if !c.cells.is_empty() {
                <h4>{ "Access cells that flip" }</h4>
                <div class="table-wrap">
                <table class="compare-table small" data-testid="compare-cells">
                    <thead><tr><th>{ "flow · principal · column" }</th><th>{ "before" }</th><th>{ "after" }</th></tr></thead>
                    <tbody>
                        { for c.cells.iter().map(|[flow, principal, column, before, after]| html! {
                            <tr class="changed" data-testid={format!("compare-cell-{flow}-{principal}-{column}")}>
                                <th scope="row">{ format!("{flow} · {} · {column}", v(principal)) }</th>
                                <td>{ before.clone() }</td><td>{ after.clone() }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
                </div>
            }
            if !c.decisions.is_empty() {
                <h4>{ "Changed decisions" }</h4>
                <ul class="small">{ for c.decisions.iter().map(|d| html! { <li>{ v(d) }</li> }) }</ul>
            }
        </div>
    }
}
