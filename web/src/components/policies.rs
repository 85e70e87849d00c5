//! Every policy of the scenario: tabs, the editor, and the problems list.

use std::rc::Rc;

use keyflow_sim::edit::Edit;
use keyflow_sim::{PolicyId, PolicySlot};
use yew::prelude::*;

use super::editor::{Editor, Severity};
use super::focused_check;
use crate::AppContext;
use crate::state::{Action, Unwrapped};

fn slot_label(slot: PolicySlot) -> &'static str {
    match slot {
        PolicySlot::Identity => "identity policy",
        PolicySlot::PermissionBoundary => "permissions boundary",
        PolicySlot::Trust => "trust policy",
        PolicySlot::Key => "key policy",
        PolicySlot::Bucket => "bucket policy",
        PolicySlot::Scp => "SCP",
    }
}

/// A short name for a tab: the key's alias when it has one, else what the id names.
fn tab_name(scenario: &keyflow_sim::Scenario, id: &PolicyId) -> String {
    let name = match id {
        PolicyId::Key(key) => scenario
            .keys
            .iter()
            .find(|k| &k.id == key)
            .and_then(|k| k.aliases.first().cloned())
            .unwrap_or_else(|| key.chars().take(8).collect::<String>() + "…"),
        PolicyId::Identity { principal, policy } => format!("{principal}/{policy}"),
        PolicyId::ManagedKey(service) => service.alias(),
        PolicyId::Boundary(name)
        | PolicyId::Trust(name)
        | PolicyId::Bucket(name)
        | PolicyId::Scp(name)
        | PolicyId::AwsOwned(name) => name.clone(),
    };
    // Names come from the scenario: show control and bidi characters, never obey them.
    crate::text::visible(&name).into_owned()
}

/// Plain function rather than a component: it has no hooks, and each
/// component type costs bundle size.
pub fn policies(ctx: &AppContext) -> Html {
    let state = &ctx.state;
    let scenario = &state.scenario;
    let fields = scenario.policy_fields();
    let Some(current) = state.current_policy() else {
        return html! { <><h2>{ "Policies" }</h2><p class="muted">{ "This scenario has no policies yet: add a flow, a principal's identity policy or an SCP." }</p></> };
    };
    let empty = Rc::new(Vec::new());
    let marks = ctx.marks.by_policy.get(&current).cloned().unwrap_or(empty);

    let tabs = fields.iter().map(|f| {
        let active = f.id == current;
        let errors = ctx.marks.by_policy.get(&f.id).map_or(0, |m| m.iter().filter(|m| m.severity == Severity::Error).count());
        let onclick = {
            let ctx = ctx.clone();
            let id = f.id.clone();
            Callback::from(move |_| ctx.dispatch(Action::OpenPolicy(id.clone())))
        };
        html! {
            <button type="button" role="tab" aria-selected={active.to_string()} class={if active { "tab active" } else { "tab" }}
                tabindex={if active { "0" } else { "-1" }}
                data-testid={format!("policy-tab-{}", f.id)} title={f.path.clone()} {onclick}>
                <span class="tab-kind">{ slot_label(f.slot) }</span>
                <span class="tab-name">{ tab_name(scenario, &f.id) }</span>
                if errors > 0 { <span class="badge deny small">{ errors }</span> }
            </button>
        }
    });

    let Some(field) = fields.iter().find(|f| f.id == current) else {
        return html! {};
    };
    let on_change = {
        let ctx = ctx.clone();
        let id = current.clone();
        Callback::from(move |text: String| {
            // Pasted CLI output, URL-encoding or YAML: the helper takes the
            // wrapper off; the pasted text can be put back.
            if crate::helper::worth_unwrapping(&text) {
                let d = ctx.state.dispatcher();
                let (policy, original) = (id.clone(), text.clone());
                crate::hooks::helper::ask(crate::helper::request_unwrap(&text), move |answer| {
                    if let Ok(Some((inner, what))) = crate::helper::parse_unwrap(&answer) {
                        d.dispatch(Action::Unwrapped(
                            Unwrapped {
                                policy,
                                original,
                                what,
                            },
                            inner,
                        ));
                    }
                });
            }
            ctx.dispatch(Action::Edit(Edit::Policy {
                id: id.clone(),
                text,
            }))
        })
    };

    // The deciding statement of the open explanation, when it is in this policy
    // (and the result on show is this text's: a stale one points elsewhere).
    let highlight = state
        .selection
        .as_ref()
        .filter(|_| !ctx.shown.stale)
        .and_then(|sel| focused_check(ctx.report(), sel))
        .and_then(|c| c.deciding.iter().find(|d| d.policy == current))
        .map(|d| d.span.start as usize..d.span.end as usize);
    let caret = state
        .caret
        .as_ref()
        .filter(|c| c.0 == current)
        .map(|c| (c.1, c.2));

    // A huge policy may have thousands of problems: the first 200 are listed.
    let problems = marks.iter().take(200).map(|m| {
        let onclick = {
            let ctx = ctx.clone();
            let policy = current.clone();
            let offset = m.range.start;
            Callback::from(move |_| ctx.dispatch(Action::GoTo { policy: policy.clone(), offset }))
        };
        let fixes = m.fixes.iter().map(|f| {
            let onclick = {
                let ctx = ctx.clone();
                let fix = f.clone();
                Callback::from(move |_| {
                    let request = crate::helper::request_fix(&ctx.state.scenario, &fix);
                    crate::hooks::helper::ask_scenario(ctx.state.dispatcher(), request, fix.label.clone());
                })
            };
            html! { <button type="button" class="btn tiny" data-testid="quick-fix" {onclick}>{ crate::text::v(&f.label) }</button> }
        });
        html! {
            <li>
                <button type="button" class={super::cls(&["problem", m.severity.class()])} data-testid="problem"
                    data-line={m.line.to_string()} data-column={m.column.to_string()} data-code={m.code.clone()} {onclick}>
                    <span class={super::cls(&["sev", m.severity.class()])}>{ m.severity.class() }</span>
                    <span class="pos">{ format!("{}:{}", m.line, m.column) }</span>
                    <span class="code-id">{ m.code.clone() }</span>
                    <span class="msg">{ crate::text::v(&m.message) }</span>
                    if let Some(help) = &m.help { <span class="help">{ crate::text::v(help) }</span> }
                </button>
                if !m.fixes.is_empty() { <div class="fixes">{ for fixes }</div> }
            </li>
        }
    });
    // The editor's text is uncontrolled: an unwrapped paste (and its
    // restoring) mounts it afresh, even when the text inside equals the text
    // before the paste.
    let unwrapped = state.unwrapped.as_ref().filter(|u| u.policy == current);
    let editor_key = format!("{current}{}", if unwrapped.is_some() { "~" } else { "" });
    let tab_keys = Callback::from(|e: KeyboardEvent| crate::hooks::browser::tablist_key(&e));

    html! {
        <div class="policies">
            <h2>{ "Policies" }</h2>
            <div class="tabs" role="tablist" aria-label="Policies in this scenario" onkeydown={tab_keys}>{ for tabs }</div>
            <p class="muted small policy-path">{ format!("{} · {}", slot_label(field.slot), field.path) }</p>
            if let Some(u) = unwrapped {
                <div class="notice notice-info small" role="status" data-testid="unwrap-note">
                    <span>{ format!("Your paste was {}. ", crate::text::v(&u.what)) }</span>
                    <button type="button" class="btn tiny" data-testid="unwrap-restore"
                        onclick={let d = ctx.state.dispatcher(); Callback::from(move |_| d.dispatch(Action::Rewrap))}>{ "Restore what you pasted" }</button>
                </div>
            }
            <Editor key={editor_key} id={current.to_string()} label={format!("{} {}", slot_label(field.slot), tab_name(scenario, &current))}
                text={Rc::<str>::from(field.text.as_str())} marks={marks.clone()} {highlight} {caret} {on_change} />
            // The PutKeyPolicy what-if of this text (AWS's lockout check and
            // Keyflow's own), from the helper; it follows every edit.
            if let (PolicyId::Key(key), Some(a)) = (&current, state.asked(crate::helper::Panel::Lockout))
                && a.what.split('\0').next() == Some(key)
            {
                { super::panel::panel(ctx, Some(a), "explain", "lockout-result") }
            }
            <div class="problems" data-testid="problems">
                <h3 class="small-head">{ format!("Problems ({})", marks.len()) }</h3>
                if marks.is_empty() {
                    <p class="muted small">{ "No problems in this policy." }</p>
                } else {
                    <ul class="problem-list">{ for problems }</ul>
                }
            </div>
        </div>
    }
}
