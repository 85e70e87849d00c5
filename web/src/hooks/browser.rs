//! The few browser facilities the page uses: localStorage, the URL fragment,
//! the clipboard and a clock. Every call tolerates their absence (private
//! windows, blocked storage): the page then simply forgets.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

const PREFIX: &str = "keyflow.v2.";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// A stored value under the playground's prefix.
pub fn get(key: &str) -> Option<String> {
    storage()?
        .get_item(&format!("{PREFIX}{key}"))
        .ok()
        .flatten()
}

/// Stores a value; a full or blocked storage simply forgets.
pub fn set(key: &str, value: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(&format!("{PREFIX}{key}"), value);
    }
}

pub fn remove(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(&format!("{PREFIX}{key}"));
    }
}

/// What the previous version of the page kept (one autosave slot): scenario
/// JSON, origin tag, whether it was edited.
pub fn legacy_autosave() -> Option<(String, String, bool)> {
    let s = storage()?;
    let get = |k: &str| s.get_item(&format!("keyflow.v1.{k}")).ok().flatten();
    Some((
        get("scenario")?,
        get("origin").unwrap_or_default(),
        get("edited").as_deref() == Some("1"),
    ))
}

/// The fragment without its `#`, if any.
pub fn fragment() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let hash = hash.strip_prefix('#').unwrap_or(&hash).to_string();
    (!hash.is_empty()).then_some(hash)
}

/// The page's address without the fragment: the base of share links.
pub fn base_url() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .map(|h| h.split('#').next().unwrap_or("").to_string())
        .unwrap_or_default()
}

/// Drops the fragment from the address bar without reloading, so a reload
/// shows the autosaved work rather than reopening the link.
pub fn clear_fragment() {
    if let Some(w) = web_sys::window()
        && let Ok(history) = w.history()
    {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&base_url()));
    }
}

/// Calls `f` with the new fragment whenever it changes (a link pasted into
/// the address bar of an open page).
pub fn on_fragment_change(f: impl Fn(String) + 'static) -> Option<Closure<dyn Fn()>> {
    let window = web_sys::window()?;
    let closure = Closure::<dyn Fn()>::new(move || {
        if let Some(h) = fragment() {
            f(h);
        }
    });
    window.set_onhashchange(Some(closure.as_ref().unchecked_ref()));
    Some(closure)
}

pub fn remove_fragment_listener() {
    if let Some(w) = web_sys::window() {
        w.set_onhashchange(None);
    }
}

/// Copies text to the clipboard and reports whether it worked. A promise
/// callback rather than an async block keeps the future machinery out of the
/// bundle.
pub fn copy(text: &str, done: impl FnOnce(bool) + 'static) {
    let Some(w) = web_sys::window() else {
        return done(false);
    };
    let done = std::rc::Rc::new(std::cell::Cell::new(Some(
        Box::new(done) as Box<dyn FnOnce(bool)>
    )));
    let (d1, d2) = (done.clone(), done);
    let ok = Closure::once(move |_: wasm_bindgen::JsValue| {
        if let Some(f) = d1.take() {
            f(true)
        }
    });
    let err = Closure::once(move |_: wasm_bindgen::JsValue| {
        if let Some(f) = d2.take() {
            f(false)
        }
    });
    let _ = w.navigator().clipboard().write_text(text).then2(&ok, &err);
    // Deliberately leaked: two small closures per click, so the promise can
    // call back whenever it settles.
    ok.forget();
    err.forget();
}

/// Calls `f` with the key of every keydown on the page (one handler: the page's).
pub fn on_key(f: impl Fn(String) + 'static) -> Option<Closure<dyn Fn(web_sys::KeyboardEvent)>> {
    let window = web_sys::window()?;
    let closure =
        Closure::<dyn Fn(web_sys::KeyboardEvent)>::new(move |e: web_sys::KeyboardEvent| f(e.key()));
    window.set_onkeydown(Some(closure.as_ref().unchecked_ref()));
    Some(closure)
}

pub fn remove_key_listener() {
    if let Some(w) = web_sys::window() {
        w.set_onkeydown(None);
    }
}

/// Moves the keyboard focus to the element with this id.
pub fn focus(id: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// Moves the keyboard focus to `id` while the element `open` is on the page
/// (a dialog about to close gives the focus back to its button).
pub fn focus_while(open: &str, id: &str) {
    let doc = web_sys::window().and_then(|w| w.document());
    if doc.and_then(|d| d.get_element_by_id(open)).is_some() {
        focus(id);
    }
}

/// Sets one CSS property through the CSSOM (the page's CSP refuses `style` attributes).
pub fn set_style(el: &web_sys::Element, property: &str, value: &str) {
    if let Some(el) = el.dyn_ref::<web_sys::HtmlElement>() {
        let _ = el.style().set_property(property, value);
    }
}

/// Arrow keys, Home and End in a tab list: focus and choose the neighbour tab.
/// Tabs are the buttons with `role="tab"` directly inside the list.
pub fn tablist_key(e: &web_sys::KeyboardEvent) {
    let key = e.key();
    if !matches!(
        key.as_str(),
        "ArrowLeft" | "ArrowRight" | "ArrowUp" | "ArrowDown" | "Home" | "End"
    ) {
        return;
    }
    // Yew delegates events, so `currentTarget` is its root: find the list from the tab.
    let Some(list) = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|t| t.closest("[role=tablist]").ok().flatten())
    else {
        return;
    };
    let tabs = list.children();
    let n = tabs.length();
    let current = (0..n).find(|&i| {
        tabs.item(i)
            .is_some_and(|t| t.get_attribute("aria-selected").as_deref() == Some("true"))
    });
    let at = current.unwrap_or(0);
    let to = match key.as_str() {
        "Home" => 0,
        "End" => n.saturating_sub(1),
        "ArrowLeft" | "ArrowUp" => (at + n - 1) % n.max(1),
        _ => (at + 1) % n.max(1),
    };
    if let Some(tab) = tabs
        .item(to)
        .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
    {
        e.prevent_default();
        tab.click();
        let _ = tab.focus();
    }
}

/// Milliseconds from a monotonic clock (0 off the browser).
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// The value of the input or textarea with this id ("" when there is none).
pub fn value_of(id: &str) -> String {
    let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
    else {
        return String::new();
    };
    if let Some(t) = el.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        return t.value();
    }
    el.dyn_ref::<web_sys::HtmlInputElement>()
        .map(|i| i.value())
        .unwrap_or_default()
}

/// Reads chosen or dropped files as text: `done` gets (name, text) of each
/// (files the browser cannot read give no answer).
pub fn read_files(
    files: Option<web_sys::FileList>,
    done: impl FnOnce(Vec<(String, String)>) + 'static,
) {
    let list: Vec<web_sys::File> = files
        .map(|f| (0..f.length()).filter_map(|i| f.get(i)).collect())
        .unwrap_or_default();
    let names: Vec<String> = list.iter().map(web_sys::File::name).collect();
    let texts: js_sys::Array = list.iter().map(|f| f.text()).collect();
    let read = Closure::once(move |v: wasm_bindgen::JsValue| {
        let texts = js_sys::Array::from(&v);
        let texts = texts.iter().map(|t| t.as_string().unwrap_or_default());
        done(names.into_iter().zip(texts).collect())
    });
    let _ = js_sys::Promise::all(&texts).then(&read);
    // Leaked like `copy`'s: one small closure per choice of files.
    read.forget();
}

/// Offers `text` as a download named `name` (a Blob behind an object URL,
/// released once the download has it).
pub fn download(name: &str, text: &str) -> bool {
    let saved = (|| {
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("application/json");
        let parts = js_sys::Array::of1(&text.into());
        let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
        let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
        let a = web_sys::window()?.document()?.create_element("a").ok()?;
        a.set_attribute("href", &url).ok()?;
        a.set_attribute("download", name).ok()?;
        a.dyn_ref::<web_sys::HtmlElement>()?.click();
        web_sys::Url::revoke_object_url(&url).ok()
    })();
    saved.is_some()
}
