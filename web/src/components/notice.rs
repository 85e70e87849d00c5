//! Messages above the workspace: broken links, a shared scenario waiting
//! for a decision, work that can be brought back.

use yew::prelude::*;

use crate::AppContext;
use crate::state::{Action, Notice};

/// Plain function rather than a component: it has no hooks, and each
/// component type costs bundle size.
pub fn notice_bar(ctx: &AppContext) -> Html {
    let Some(notice) = ctx.state.notice.clone() else {
        return html! {};
    };
    let button = |label: &str, testid: &str, action: fn() -> Action| {
        let ctx = ctx.clone();
        let onclick = Callback::from(move |_| ctx.dispatch(action()));
        html! { <button type="button" class="btn" data-testid={testid.to_string()} {onclick}>{ label.to_string() }</button> }
    };
    let dismiss = button("Dismiss", "notice-dismiss", || Action::DismissNotice);
    let (class, body) = match notice {
        Notice::BadLink {
            message,
            saved_work,
        } => (
            "notice notice-error",
            html! {
                <>
                    <p><strong>{ "This share link could not be opened. " }</strong>{ message }</p>
                    <p>{ "Showing the default scenario instead." }</p>
                    if saved_work { { button("Restore my work", "notice-restore", || Action::RestorePrevious) } }
                    { dismiss }
                </>
            },
        ),
        Notice::SharedPending => (
            "notice notice-warn",
            html! {
                <>
                    <p><strong>{ "A shared scenario was opened. " }</strong>{ "You have edited work in this browser; opening the link replaces it on screen (it stays restorable)." }</p>
                    { button("Open the shared scenario", "notice-take", || Action::TakePending) }
                    { button("Keep my work", "notice-keep", || Action::KeepMine) }
                </>
            },
        ),
        Notice::Replaced => (
            "notice notice-info",
            html! {
                <>
                    <p>{ "Your earlier work was replaced on screen. It is kept: bring it back at any time." }</p>
                    { button("Restore my work", "notice-restore", || Action::RestorePrevious) }
                    { dismiss }
                </>
            },
        ),
        Notice::Info(text) => (
            "notice notice-info",
            html! { <><p>{ text }</p>{ dismiss }</> },
        ),
    };
    html! { <div class={class} role="status" data-testid="notice">{ body }</div> }
}
