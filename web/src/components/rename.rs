//! The rename dialog: every place a rename changes (fields, and each ARN or
//! name inside a policy with its line and column), shown before anything is
//! applied — and the two helper requests the settings make.

use keyflow_sim::FlowKind;
use keyflow_sim::rename::Target;
use yew::prelude::*;

use crate::AppContext;
use crate::helper;
use crate::hooks::helper::ask;
use crate::state::{Action, Rename};
use crate::text::v;

/// Asks the helper what renaming `target` to `to` would change; the dialog
/// opens at once and fills in when the answer comes.
pub fn propose(ctx: &AppContext, target: Target, to: String) {
    let request = helper::request_rename(&ctx.state.scenario, &target, &to);
    ctx.dispatch(Action::Rename(Rename::Working {
        target: target.clone(),
        to: to.clone(),
    }));
    let d = ctx.state.dispatcher();
    ask(request, move |answer| {
        d.dispatch(Action::Rename(
            match helper::parse_rename(target.clone(), &to, &answer) {
                Ok(p) => Rename::Ready(p),
                Err(why) => Rename::Refused { target, to, why },
            },
        ))
    });
}

/// Adds a flow bound to the scenario's resources (the helper composes it).
pub fn add_flow(ctx: &AppContext, kind: FlowKind) {
    ctx.dispatch(Action::Busy(Some(format!("Adding the {kind} flow…"))));
    let d = ctx.state.dispatcher();
    ask(
        helper::request_add_flow(&ctx.state.scenario, kind),
        move |answer| {
            d.dispatch(match helper::parse_scenario(&answer) {
                Ok(scenario) => Action::Replace {
                    scenario,
                    label: format!("add the {kind} flow"),
                },
                Err(why) => Action::Notify(format!("The {kind} flow could not be added: {why}")),
            });
            d.dispatch(Action::Busy(None));
        },
    );
}

/// The modal, when a rename is under way. Escape or Cancel closes it.
pub fn rename_dialog(ctx: &AppContext) -> Html {
    let Some(r) = &ctx.state.rename else {
        return html! {};
    };
    let cancel = {
        let ctx = ctx.clone();
        Callback::from(move |_| ctx.dispatch(Action::CancelRename))
    };
    let (title, body) = match r {
        Rename::Working { target, to } => (
            format!("Rename {} to {}", v(&target.describe()), v(to)),
            html! { <p class="muted" data-testid="rename-working">{ "Finding every place that refers to it…" }</p> },
        ),
        Rename::Refused { target, to, why } => (
            format!("Rename {} to {}", v(&target.describe()), v(to)),
            html! { <p class="field-error" role="alert" data-testid="rename-refused">{ v(why) }</p> },
        ),
        Rename::Ready(p) => {
            let apply = {
                let ctx = ctx.clone();
                Callback::from(move |_| ctx.dispatch(Action::ApplyRename))
            };
            let n = p.changes.len();
            // A 300 KB policy may hold thousands of the name: the first 300 are listed.
            let rows = p.changes.iter().take(300).map(|c| {
                let place = match &c.policy {
                    Some(id) => format!("{} {}:{}", v(&id.to_string()), c.line, c.column),
                    None => c.field.clone(),
                };
                html! {
                    <tr data-testid="rename-change">
                        <td class="place">{ place }</td>
                        <td><del>{ v(&c.before) }</del><br /><ins>{ v(&c.after) }</ins></td>
                    </tr>
                }
            });
            (
                format!("Rename {} to {}", v(&p.target.describe()), v(&p.to)),
                html! {
                    <>
                        <p data-testid="rename-summary">{ format!("{n} change{} in fields, policies, flows and expectations:", if n == 1 { "" } else { "s" }) }</p>
                        <div class="rename-table"><table class="small"><tbody>{ for rows }</tbody></table></div>
                        if n > 300 { <p class="small muted">{ format!("… and {} more.", n - 300) }</p> }
                        { for p.skipped.iter().map(|(id, why)| html! {
                            <p class="small warn-text" data-testid="rename-skipped">{ format!("{} is left as it is: {}", v(id), v(why)) }</p>
                        }) }
                        <div class="row end">
                            <button type="button" class="btn" onclick={cancel.clone()} data-testid="rename-cancel">{ "Cancel" }</button>
                            <button type="button" class="btn primary" id="rename-apply" onclick={apply} data-testid="rename-apply">
                                { format!("Apply {n} change{}", if n == 1 { "" } else { "s" }) }
                            </button>
                        </div>
                    </>
                },
            )
        }
    };
    let ready = matches!(r, Rename::Ready(_));
    html! {
        <div class="backdrop">
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="rename-title" data-testid="rename-dialog">
                <h2 id="rename-title">{ title }</h2>
                { body }
                if !ready {
                    <div class="row end"><button type="button" class="btn" id="rename-close" onclick={cancel} data-testid="rename-cancel">{ "Close" }</button></div>
                }
            </div>
        </div>
    }
}
