//! Messages above the workspace: broken links, a shared scenario waiting
//! for a decision, work that was kept as a draft.

use yew::prelude::*;

use crate::AppContext;
use crate::state::{Action, Notice};
use crate::text::v;

/// Plain function rather than a component: it has no hooks, and each
/// component type costs bundle size.
pub fn notice_bar(ctx: &AppContext) -> Html {
    let Some(notice) = ctx.state.notice.clone() else {
        return html! {};
    };
    let button = |label: &str, testid: &str, action: Box<dyn Fn() -> Action>| {
        let ctx = ctx.clone();
        let onclick = Callback::from(move |_| ctx.dispatch(action()));
        html! { <button type="button" class="btn" data-testid={testid.to_string()} {onclick}>{ label.to_string() }</button> }
    };
    let dismiss = button(
        "Dismiss",
        "notice-dismiss",
        Box::new(|| Action::DismissNotice),
    );
    let (class, body) = match notice {
        Notice::BadLink { message } => (
            "notice notice-error",
            html! {
                <>
                    <p><strong>{ "This share link could not be opened. " }</strong>{ v(&message) }</p>
                    <p>{ "Showing the default scenario instead; your drafts are kept." }</p>
                    { dismiss }
                </>
            },
        ),
        Notice::SharedPending => (
            "notice notice-warn",
            html! {
                <>
                    <p><strong>{ "A shared scenario was opened. " }</strong>{ "You have edited work on screen; it stays in your drafts if you open the link." }</p>
                    { button("Open the shared scenario", "notice-take", Box::new(|| Action::TakePending)) }
                    { button("Keep my work", "notice-keep", Box::new(|| Action::KeepMine)) }
                </>
            },
        ),
        Notice::Replaced { draft, name } => (
            "notice notice-info",
            html! {
                <>
                    <p>{ format!("Your earlier work is kept as the draft “{}”. Bring it back here or from Your drafts at any time.", v(&name)) }</p>
                    { button("Restore my work", "notice-restore", Box::new(move || Action::RestoreDraft(draft))) }
                    { dismiss }
                </>
            },
        ),
        Notice::Undo(text) => (
            "notice notice-info",
            html! { <><p data-testid="notice-text">{ v(&text) }</p>{ button("Undo", "notice-undo", Box::new(|| Action::Undo)) }{ dismiss }</> },
        ),
        Notice::Info(text) => (
            "notice notice-info",
            html! { <><p>{ v(&text) }</p>{ dismiss }</> },
        ),
    };
    html! { <div class={class} role="status" data-testid="notice">{ body }</div> }
}
