//! The access matrix of flows that have one (CloudTrail): who can deliver
//! (encrypt) and who can read (decrypt) the logs. Every cell explains itself.
//! Below it, the access view of any key or bucket, from the helper: every
//! principal, account, service and "anyone" against the operations that
//! matter, each cell with why and the conditions an allow holds under.

use keyflow_sim::{Expectation, FlowReport, Verdict};
use yew::prelude::*;

use super::column_checks;
use super::explain::explain;
use super::focused_check;
use crate::AppContext;
use crate::state::{Action, MatrixColumn, Selection};

const COLUMNS: [(MatrixColumn, &str, &str); 2] = [
    (MatrixColumn::Deliver, "deliver", "deliver (encrypt)"),
    (MatrixColumn::Read, "read", "read (decrypt)"),
];

/// Plain function rather than a component: it has no hooks, and each
/// component type costs bundle size.
pub fn matrix(ctx: &AppContext) -> Html {
    let report = ctx.report();
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
    let rows = flow.matrix.iter().map(|row| {
        let cells = COLUMNS.iter().map(|(column, slug, _)| {
            let access = match column {
                MatrixColumn::Deliver => &row.deliver,
                MatrixColumn::Read => &row.read,
            };
            let ok = access.allowed();
            let this = Selection::Cell {
                flow: flow.id.clone(),
                principal: row.principal.clone(),
                column: *column,
            };
            let selected = ctx.state.selection.as_ref() == Some(&this);
            let why = &access.why;
            let select = {
                let ctx = ctx.clone();
                let checks = column_checks(row, *column);
                let open = checks
                    .iter()
                    .find(|c| !c.allowed())
                    .or(checks.last())
                    .and_then(|c| c.deciding.first())
                    .map(|d| d.policy.clone())
                    .filter(keyflow_sim::PolicyId::is_editable);
                Callback::from(move |_| {
                    if selected {
                        ctx.dispatch(Action::Select(None));
                        return;
                    }
                    ctx.dispatch(Action::Select(Some(this.clone())));
                    if let Some(p) = &open {
                        ctx.dispatch(Action::OpenPolicy(p.clone()));
                    }
                })
            };
            let evaluated = access.verdict != Verdict::NotEvaluated;
            let pin = evaluated.then(|| {
                let ctx = ctx.clone();
                let e = Expectation::Matrix {
                    flow: flow.id.clone(),
                    principal: row.principal.clone(),
                    read: (*column == MatrixColumn::Read).then_some(ok),
                    deliver: (*column == MatrixColumn::Deliver).then_some(ok),
                    because: "pinned in the playground".into(),
                    source: "Keyflow's own run, pinned in the playground".into(),
                };
                Callback::from(move |_| ctx.dispatch(Action::Pin(e.clone())))
            });
            let (state, label) = match access.verdict {
                Verdict::Allowed => ("ok", "yes"),
                Verdict::NotEvaluated => ("warn", "not evaluated"),
                _ => ("deny", "no"),
            };
            let testid = format!("cell-{}-{}-{slug}", flow.id, row.principal);
            html! {
                <td class={super::cls(&["cell", state, super::when(selected, "selected")])}>
                    <button type="button" class="cell-btn" title={crate::text::v(why)} onclick={select} aria-pressed={selected.to_string()}
                        data-testid={testid.clone()} data-allowed={ok.to_string()} data-verdict={access.verdict.as_str()}>
                        { super::badge(ok, label) }
                        <span class="why small">{ crate::text::v(why) }</span>
                    </button>
                    if let Some(pin) = pin {
                        <button type="button" class="btn small ghost" title="Pin this cell as an expectation" onclick={pin}
                            data-testid={format!("{testid}-pin")}>{ "Pin" }</button>
                    }
                </td>
            }
        });
        html! {
            <tr>
                <th scope="row"><span>{ crate::text::v(&row.principal) }</span><br /><code class="small muted">{ crate::text::v(&row.arn) }</code></th>
                { for cells }
            </tr>
        }
    });
    html! {
        <section class="flow">
            <h3>{ flow.title.clone() }</h3>
            <div class="table-wrap">
            <table class="matrix" data-testid={format!("matrix-{}", flow.id)}>
                <thead><tr><th>{ "principal" }</th>{ for COLUMNS.iter().map(|c| html! { <th scope="col">{ c.2 }</th> }) }</tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
            </div>
        </section>
    }
}

/// The access view of a key or bucket (the helper draws all of it).
pub fn access(ctx: &AppContext) -> Html {
    super::panel::panel(
        ctx,
        ctx.state.asked(crate::helper::Panel::Access),
        "flow",
        "access-view",
    )
}
