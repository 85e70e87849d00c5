//! The share button: the whole scenario in the URL fragment, copied to the
//! clipboard and shown, so it can be copied by hand where the clipboard is
//! blocked.

use yew::prelude::*;

use crate::AppContext;
use crate::hooks::browser;
use crate::state::Action;

/// The link lives in `State::share`, so this is a plain function.
pub fn share_button(ctx: &AppContext) -> Html {
    let onclick = {
        let ctx = ctx.clone();
        Callback::from(move |_| {
            let url = keyflow_share::url(&ctx.state.scenario, &browser::base_url());
            ctx.dispatch(Action::ShareLink(url.clone()));
            let dispatcher = ctx.state.dispatcher();
            browser::copy(&url, move |copied| {
                dispatcher.dispatch(Action::Copied(copied))
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
    html! {
        <div class="share">
            <button type="button" class="btn primary" data-testid="share" {onclick}>{ "Copy share link" }</button>
            if let Some((url, copied)) = ctx.state.share.clone() {
                <div class="share-pop" data-testid="share-pop">
                    <label class="small" for="share-url">
                        { match copied { Some(true) => "Copied to the clipboard. ", Some(false) => "Copy this link: ", None => "" } }
                        { format!("{} characters; the scenario travels in the fragment and is never sent to a server.", url.len()) }
                    </label>
                    <input id="share-url" class="share-url" readonly=true value={url} data-testid="share-url" onfocus={select_all} />
                    <button type="button" class="btn small" onclick={close}>{ "Close" }</button>
                </div>
            }
        </div>
    }
}
