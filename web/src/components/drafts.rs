//! Every scenario the user edited, kept in this browser: restore one, rename
//! it, or delete it. Switching scenarios never drops work.

use yew::prelude::*;

use super::fields::Field;
use crate::AppContext;
use crate::state::Action;
use crate::text::v;

/// Plain function rather than a component: it has no hooks.
pub fn drafts(ctx: &AppContext) -> Html {
    let state = &ctx.state;
    if state.drafts.is_empty() {
        return html! {};
    }
    let items = state.drafts.iter().map(|d| {
        let on_screen = state.draft == Some(d.id);
        let id = d.id;
        let restore = {
            let ctx = ctx.clone();
            Callback::from(move |_| ctx.dispatch(Action::RestoreDraft(id)))
        };
        let delete = {
            let ctx = ctx.clone();
            Callback::from(move |_| ctx.dispatch(Action::DeleteDraft(id)))
        };
        let rename = {
            let ctx = ctx.clone();
            Callback::from(move |name: String| ctx.dispatch(Action::NameDraft(id, name)))
        };
        let check = Callback::from(|name: String| name.trim().is_empty().then(|| "a draft needs a name".to_string()));
        html! {
            <li class={if on_screen { "draft current" } else { "draft" }} data-testid={format!("draft-{id}")}>
                if on_screen {
                    <div class="draft-name"><Field label="On screen, named" value={d.name.clone()} testid="draft-name" {check} on_commit={rename} /></div>
                } else {
                    <button type="button" class="link draft-name" onclick={restore} data-testid={format!("draft-restore-{id}")}
                        title="Open this draft">{ v(&d.name) }</button>
                    <span class="small muted">{ d.origin.describe() }</span>
                }
                <button type="button" class="btn tiny ghost" onclick={delete} aria-label={format!("Delete draft {}", v(&d.name))}
                    data-testid={format!("draft-delete-{id}")}>{ "×" }</button>
            </li>
        }
    });
    html! {
        <section class="drafts" aria-label="Drafts" data-testid="drafts">
            <h2>{ "Your drafts" }</h2>
            <p class="small muted">{ "Every scenario you edit is kept in this browser." }</p>
            <ul>{ for items }</ul>
        </section>
    }
}
