//! Panels whose content comes from the helper worker (`crate::helper::Panel`):
//! "Fix it", the access view, the lockout check. The helper sends an element
//! tree (`[tag, {attributes}, child…]`); one small renderer draws it, so the
//! page holds no markup of its own for them. Only the tags and attributes
//! listed here are drawn, and every text is a text node (never markup).
//! Controls carry `data-act`: the panel's one click and one change handler
//! turn them into actions.

use std::rc::Rc;

use keyflow_json::Value;
use wasm_bindgen::JsCast;
use yew::prelude::*;
use yew::virtual_dom::{AttributeOrProperty, Attributes, VTag, VText};

use crate::AppContext;
use crate::helper::Panel;
use crate::state::{Action, Asked};

/// The tags a panel may hold.
pub static TAGS: [&str; 22] = [
    "div", "p", "span", "pre", "ul", "li", "table", "thead", "tbody", "tr", "th", "td", "a",
    "button", "strong", "code", "h4", "section", "select", "option", "label", "br",
];

/// The attributes a panel's elements may carry.
pub static ATTRS: [&str; 19] = [
    "class",
    "title",
    "href",
    "target",
    "rel",
    "type",
    "scope",
    "value",
    "selected",
    "data-testid",
    "data-act",
    "data-arg",
    "data-status",
    "data-rank",
    "data-op",
    "data-answer",
    "data-principal",
    "data-resource",
    "data-policy",
];

fn node(v: &Value<'_>) -> Html {
    if let Some(text) = v.as_str() {
        return VText::new(crate::text::v(text)).into();
    }
    let Some([tag, attrs, kids @ ..]) = v.as_array() else {
        return Html::default();
    };
    let Some(tag) = TAGS.iter().find(|t| tag.as_str() == Some(t)) else {
        return Html::default();
    };
    let mut el = VTag::new(*tag);
    let values = ATTRS
        .iter()
        .map(|k| {
            let value = attrs.get(k)?.as_str()?;
            Some(AttributeOrProperty::Attribute(value.to_string().into()))
        })
        .collect();
    el.set_attributes(Attributes::Dynamic {
        keys: &ATTRS,
        values,
    });
    el.add_children(kids.iter().map(node));
    el.into()
}

/// A control of a panel was used: `value` is a select's new value.
fn act(ctx: &AppContext, el: &web_sys::Element, value: String) {
    let arg = el.get_attribute("data-arg").unwrap_or_default();
    match el.get_attribute("data-act").as_deref() {
        Some("apply") => {
            let (Some(fix), Some((rank, title))) = (&ctx.state.fix, arg.split_once('\n')) else {
                return;
            };
            let request =
                crate::helper::request_apply_fix(&ctx.state.scenario, &fix.what, rank, title);
            crate::hooks::helper::ask_scenario(ctx.state.dispatcher(), request, "Fix".into());
        }
        Some("close") => ctx.dispatch(Action::Ask(Panel::Fix, None)),
        Some("access") => ctx.dispatch(Action::Ask(Panel::Access, Some(value))),
        Some("caller") => {
            ctx.dispatch(Action::Ask(Panel::Lockout, Some(format!("{arg}\0{value}"))))
        }
        _ => {}
    }
}

/// A button that opens a panel asking the helper about `what`, or closes it when `open`.
pub fn ask_button(
    ctx: &AppContext,
    panel: Panel,
    what: String,
    open: bool,
    label: &str,
    testid: String,
) -> Html {
    let ctx = ctx.clone();
    let onclick =
        Callback::from(move |_| ctx.dispatch(Action::Ask(panel, (!open).then(|| what.clone()))));
    html! {
        <button type="button" class="btn small" {onclick} aria-expanded={open.to_string()} data-testid={testid}>{ label.to_string() }</button>
    }
}

/// A panel: the helper at work, why it could not answer, or its tree
/// (dimmed while it answers an earlier scenario).
pub fn panel(ctx: &AppContext, asked: Option<&Asked>, class: &str, testid: &str) -> Html {
    let body = match asked.and_then(|a| a.tree.as_ref()) {
        None => html! { <p class="busy small" role="status">{ "Asking Keyflow's helper…" }</p> },
        Some(Err(why)) => html! { <p class="small muted">{ crate::text::v(why) }</p> },
        Some(Ok(tree)) => keyflow_json::parse(tree)
            .map(|v| node(&v))
            .unwrap_or_default(),
    };
    let stale = asked.is_some_and(|a| !Rc::ptr_eq(&a.scenario, &ctx.state.scenario));
    let onclick = {
        let ctx = ctx.clone();
        Callback::from(move |e: MouseEvent| {
            if let Some(el) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|t| t.closest("button[data-act]").ok().flatten())
            {
                act(&ctx, &el, String::new());
            }
        })
    };
    let onchange = {
        let ctx = ctx.clone();
        Callback::from(move |e: Event| {
            let select = e.target_unchecked_into::<web_sys::HtmlSelectElement>();
            act(&ctx, &select, select.value());
        })
    };
    html! {
        <div class={super::cls(&[class, super::when(stale, "dim")])} data-testid={testid.to_string()} {onclick} {onchange}>
            { body }
        </div>
    }
}
