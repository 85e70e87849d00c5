//! Panels whose content comes from the helper worker (`crate::helper::Panel`):
//! "Fix it", the access view, the lockout check. The helper sends an element
//! tree (`[tag, {attributes}, child…]`); one small builder makes its DOM,
//! which Yew mounts as it is, so the page holds no markup of its own for
//! them. Only the tags and attributes
//! listed here are drawn, and every text is a text node (never markup).
//! Controls carry `data-act`: the panel's one click and one change handler
//! turn them into actions.

use std::rc::Rc;

use keyflow_json::Value;
use wasm_bindgen::JsCast;
use yew::prelude::*;

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

/// The DOM of one element of a tree: only the tags and attributes listed
/// above, every text a text node.
fn build(doc: &web_sys::Document, v: &Value<'_>) -> Option<web_sys::Element> {
    let [tag, attrs, kids @ ..] = v.as_array()? else {
        return None;
    };
    let tag = TAGS.iter().find(|t| tag.as_str() == Some(t))?;
    let el = doc.create_element(tag).ok()?;
    for m in attrs.as_object()? {
        if let (true, Some(value)) = (ATTRS.contains(&&*m.key), m.value.as_str()) {
            // Links go to AWS's pages only: never a script URL, whatever a scenario holds.
            if m.key == "href" && !value.starts_with("https://") {
                continue;
            }
            let _ = el.set_attribute(&m.key, value);
        }
    }
    for k in kids {
        let _ = match k.as_str() {
            Some(text) => el.append_with_str_1(&crate::text::v(text)),
            None => build(doc, k).map_or(Ok(()), |c| el.append_with_node_1(&c)),
        };
    }
    Some(el)
}

thread_local! {
    /// The DOM drawn for the trees on screen, so a render that shows the
    /// same answer keeps the same nodes (and the focus in them).
    static DRAWN: std::cell::RefCell<Vec<(Rc<str>, web_sys::Node)>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn drawn(tree: &Rc<str>) -> Html {
    let node = DRAWN.with(|d| {
        let mut d = d.borrow_mut();
        if let Some((_, n)) = d.iter().find(|(t, _)| Rc::ptr_eq(t, tree)) {
            return Some(n.clone());
        }
        let doc = web_sys::window()?.document()?;
        let n: web_sys::Node = build(&doc, &keyflow_json::parse(tree).ok()?)?.into();
        d.push((tree.clone(), n.clone()));
        // One per panel is enough.
        if d.len() > 3 {
            d.remove(0);
        }
        Some(n)
    });
    node.map(Html::VRef).unwrap_or_default()
}

/// A control of a panel was used: `value` is a select's new value.
fn act(ctx: &AppContext, el: &web_sys::Element, value: String) {
    let arg = el.get_attribute("data-arg").unwrap_or_default();
    match el.get_attribute("data-act").as_deref() {
        Some("apply") => {
            let (Some(fix), Some((rank, title))) =
                (ctx.state.asked(Panel::Fix), arg.split_once('\n'))
            else {
                return;
            };
            let request =
                crate::helper::request_apply_fix(&ctx.state.scenario, &fix.what, rank, title);
            crate::hooks::helper::ask_scenario(ctx.state.dispatcher(), request, "Fix".into());
        }
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
        Some(Ok(tree)) => drawn(tree),
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
