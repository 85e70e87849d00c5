//! Built-in scenarios and "start blank".

use yew::prelude::*;

use crate::state::{Action, Origin};
use crate::{AppContext, engine};

/// Plain function rather than a component: it has no hooks, and each
/// component type costs bundle size.
pub fn picker(ctx: &AppContext) -> Html {
    let state = &ctx.state;
    let current = match &state.origin {
        Origin::Builtin(name) => Some(name.clone()),
        Origin::Blank => Some("blank".to_string()),
        _ => None,
    };
    let items = keyflow_sim::builtins().iter().map(|b| {
        let active = current.as_deref() == Some(b.name);
        let onclick = {
            let ctx = ctx.clone();
            let name = b.name;
            Callback::from(move |_| match engine::builtin(name) {
                Some(scenario) => ctx.dispatch(Action::Load { scenario, origin: Origin::Builtin(name.to_string()) }),
                None => ctx.dispatch(Action::Notify(format!("The built-in scenario {name} could not be read."))),
            })
        };
        html! {
            <li>
                <button type="button" class={if active { "pick active" } else { "pick" }} aria-pressed={active.to_string()}
                    data-testid={format!("pick-{}", b.name)} {onclick} title={b.title}>
                    <span class="pick-name">{ b.name }</span>
                    <span class="pick-title">{ b.title }</span>
                </button>
            </li>
        }
    });
    let blank = {
        let ctx = ctx.clone();
        Callback::from(move |_| {
            ctx.dispatch(Action::Load {
                scenario: engine::blank(),
                origin: Origin::Blank,
            })
        })
    };
    let blank_active = current.as_deref() == Some("blank");
    let s = &state.scenario;
    let status = match (&state.origin, state.edited) {
        (Origin::Shared, _) => "opened from a share link",
        (Origin::Saved, _) => "restored from this browser",
        (_, true) => "edited, saved in this browser as a draft",
        _ => "",
    };
    html! {
        <nav class="picker" aria-label="Scenarios">
            <h2>{ "Scenarios" }</h2>
            <ul class="pick-list">
                { for items }
                <li>
                    <button type="button" class={if blank_active { "pick active" } else { "pick" }} aria-pressed={blank_active.to_string()}
                        data-testid="pick-blank" onclick={blank}>
                        <span class="pick-name">{ "blank" }</span>
                        <span class="pick-title">{ "Start blank: your account and Region, then add flows from the menu" }</span>
                    </button>
                </li>
            </ul>
            <div class="scenario-about" data-testid="scenario-about">
                <h3 data-testid="scenario-title">{ crate::text::v(if s.title.is_empty() { &s.name } else { &s.title }) }</h3>
                if !status.is_empty() { <p class="muted small" data-testid="scenario-status">{ status }</p> }
                if !s.description.is_empty() { <p class="small">{ crate::text::v(&s.description) }</p> }
            </div>
        </nav>
    }
}
