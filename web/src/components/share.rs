//! The share button: the whole scenario in the URL fragment. The link is
//! written by the helper, which also opens it again and compares: a link is
//! only offered (and copied) when it opens to the scenario on screen;
//! otherwise the popover says why.

use yew::prelude::*;

use crate::AppContext;
use crate::helper;
use crate::hooks::{browser, helper::ask};
use crate::state::{Action, Share};
use crate::text::v;

/// The link lives in `State::share`, so this is a plain function.
pub fn share_button(ctx: &AppContext) -> Html {
    let onclick = {
        let ctx = ctx.clone();
        Callback::from(move |_| {
            ctx.dispatch(Action::Share(Share::Working));
            let request = helper::request_share(&ctx.state.scenario, &browser::base_url());
            let d = ctx.state.dispatcher();
            ask(request, move |answer| match helper::parse_link(&answer) {
                Ok(url) => {
                    d.dispatch(Action::Share(Share::Link {
                        url: url.clone(),
                        copied: None,
                    }));
                    let d = d.clone();
                    browser::copy(&url, move |copied| d.dispatch(Action::Copied(copied)));
                }
                Err(why) => d.dispatch(Action::Share(Share::Refused(why))),
            });
        })
    };
    let close = {
        let ctx = ctx.clone();
        Callback::from(move |_| ctx.dispatch(Action::CloseShare))
    };
    let select_all = Callback::from(|e: FocusEvent| {
        if let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
            input.select();
        }
    });
    let body = match ctx.state.share.clone() {
        None => {
            return html! {
                <div class="share">
                    <button type="button" class="btn primary" data-testid="share" {onclick}>{ "Copy share link" }</button>
                </div>
            };
        }
        Some(Share::Working) => {
            html! { <p class="small" data-testid="share-working">{ "Writing the link and opening it again to check it…" }</p> }
        }
        Some(Share::Refused(why)) => html! {
            <p class="small field-error" role="alert" data-testid="share-refused">
                <strong>{ "No link: it would not open. " }</strong>{ v(&why) }
            </p>
        },
        Some(Share::Link { url, copied }) => html! {
            <>
                <label class="small" for="share-url">
                    { match copied { Some(true) => "Copied to the clipboard. ", Some(false) => "Copy this link: ", None => "" } }
                    { format!("{} characters, checked to open again; the scenario travels in the fragment and is never sent to a server.", url.len()) }
                </label>
                <input id="share-url" class="share-url" readonly=true value={url} data-testid="share-url" onfocus={select_all} />
            </>
        },
    };
    html! {
        <div class="share">
            <button type="button" class="btn primary" data-testid="share" {onclick}>{ "Copy share link" }</button>
            <div class="share-pop" role="dialog" aria-label="Share link" data-testid="share-pop">
                { body }
                <button type="button" class="btn small" onclick={close} data-testid="share-close">{ "Close" }</button>
            </div>
        </div>
    }
}
