//! The access matrix of flows that have one (CloudTrail): who can deliver
//! (encrypt) and who can read (decrypt) the logs. Every cell explains itself.

use keyflow_sim::{Expectation, FlowReport};
use yew::prelude::*;

use super::column_checks;
use super::explain::explain;
use super::focused_check;
use crate::AppContext;
use crate::state::{Action, Selection};

const COLUMNS: [&str; 2] = ["deliver (encrypt)", "read (decrypt)"];

/// Plain function rather than a component: it has no hooks, and each
/// component type costs bundle size.
pub fn matrix(ctx: &AppContext) -> Html {
    let report = &ctx.run.report;
    let flows = report.flows.iter().filter(|f| !f.matrix.is_empty());
    let selected = ctx.state.selection.as_ref().and_then(|s| match s {
        Selection::Cell { .. } => focused_check(report, s).cloned(),
        _ => None,
    });
    html! {
        <div class="matrix-view" data-testid="matrix">
            { for flows.map(|f| table(ctx, f)) }
            if let Some(check) = selected {
                { explain(ctx, &check) }
            } else {
                <p class="muted small">{ "Select a cell to see the checks behind it." }</p>
            }
        </div>
    }
}

fn table(ctx: &AppContext, flow: &FlowReport) -> Html {
    let rows = flow.matrix.iter().enumerate().map(|(r, row)| {
        let cells = [row.deliver, row.read].into_iter().enumerate().map(|(col, ok)| {
            let selected = ctx.state.selection
                == Some(Selection::Cell { flow: flow.id.clone(), row: r, column: col });
            let why = if col == 0 { &row.deliver_why } else { &row.read_why };
            let select = {
                let ctx = ctx.clone();
                let flow_id = flow.id.clone();
                let open = column_checks(row, col)
                    .into_iter()
                    .find(|c| !c.allowed)
                    .or(column_checks(row, col).last().copied())
                    .and_then(|c| c.deciding.first())
                    .map(|d| d.policy.clone());
                Callback::from(move |_| {
                    if selected {
                        ctx.dispatch(Action::Select(None));
                        return;
                    }
                    ctx.dispatch(Action::Select(Some(Selection::Cell { flow: flow_id.clone(), row: r, column: col })));
                    if let Some(p) = &open
                        && ctx.state.scenario.policy_fields().iter().any(|f| &f.id == p)
                    {
                        ctx.dispatch(Action::OpenPolicy(p.clone()));
                    }
                })
            };
            let pin = {
                let ctx = ctx.clone();
                let e = Expectation::Matrix {
                    flow: flow.id.clone(),
                    principal: row.principal.clone(),
                    read: (col == 1).then_some(ok),
                    deliver: (col == 0).then_some(ok),
                    because: "pinned in the playground".into(),
                };
                Callback::from(move |_| ctx.dispatch(Action::Pin(e.clone())))
            };
            html! {
                <td class={super::cls(&["cell", if ok { "ok" } else { "deny" }, super::when(selected, "selected")])}>
                    <button type="button" class="cell-btn" title={why.clone()} onclick={select} aria-pressed={selected.to_string()}
                        data-testid={format!("cell-{}-{}-{}", flow.id, row.principal, if col == 0 { "deliver" } else { "read" })}
                        data-allowed={ok.to_string()}>
                        { super::badge(ok, if ok { "yes" } else { "no" }) }
                        <span class="why small">{ why.clone() }</span>
                    </button>
                    <button type="button" class="btn small ghost" title="Pin this cell as an expectation" onclick={pin}
                        data-testid={format!("cell-{}-{}-{}-pin", flow.id, row.principal, if col == 0 { "deliver" } else { "read" })}>{ "Pin" }</button>
                </td>
            }
        });
        html! {
            <tr>
                <th scope="row"><span>{ row.principal.clone() }</span><br /><code class="small muted">{ row.arn.clone() }</code></th>
                { for cells }
            </tr>
        }
    });
    html! {
        <section class="flow">
            <h3>{ flow.title.clone() }</h3>
            <table class="matrix" data-testid={format!("matrix-{}", flow.id)}>
                <thead><tr><th>{ "principal" }</th>{ for COLUMNS.iter().map(|c| html! { <th scope="col">{ *c }</th> }) }</tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
        </section>
    }
}
