//! The few browser facilities the page uses: localStorage, the URL fragment,
//! the clipboard and a clock. Every call tolerates their absence (private
//! windows, blocked storage): the page then simply forgets.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

const SCENARIO_KEY: &str = "keyflow.v1.scenario";
const ORIGIN_KEY: &str = "keyflow.v1.origin";
const EDITED_KEY: &str = "keyflow.v1.edited";
const PREVIOUS_KEY: &str = "keyflow.v1.previous";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// What an earlier visit left: scenario JSON, origin tag, whether it was edited.
pub struct Saved {
    pub json: String,
    pub origin: String,
    pub edited: bool,
}

pub fn load_saved() -> Option<Saved> {
    let s = storage()?;
    let json = s.get_item(SCENARIO_KEY).ok().flatten()?;
    let origin = s.get_item(ORIGIN_KEY).ok().flatten().unwrap_or_default();
    let edited = s.get_item(EDITED_KEY).ok().flatten().as_deref() == Some("1");
    Some(Saved {
        json,
        origin,
        edited,
    })
}

pub fn save(json: &str, origin: &str, edited: bool, previous: Option<&str>) {
    if let Some(s) = storage() {
        let _ = s.set_item(SCENARIO_KEY, json);
        let _ = s.set_item(ORIGIN_KEY, origin);
        let _ = s.set_item(EDITED_KEY, if edited { "1" } else { "0" });
        if let Some(p) = previous {
            let _ = s.set_item(PREVIOUS_KEY, p);
        }
    }
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

/// Milliseconds from a monotonic clock (0 off the browser).
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// A listener for a window event; removed when dropped.
pub struct WindowListener {
    name: &'static str,
    closure: Closure<dyn Fn()>,
}

impl Drop for WindowListener {
    fn drop(&mut self) {
        if let Some(w) = web_sys::window() {
            let _ = w.remove_event_listener_with_callback(
                self.name,
                self.closure.as_ref().unchecked_ref(),
            );
        }
    }
}

/// Calls `f` on each window event `name` (such as `boot.js`'s `keyflow-tools`).
pub fn on_window_event(name: &'static str, f: impl Fn() + 'static) -> Option<WindowListener> {
    let window = web_sys::window()?;
    let closure = Closure::<dyn Fn()>::new(f);
    window
        .add_event_listener_with_callback(name, closure.as_ref().unchecked_ref())
        .ok()?;
    Some(WindowListener { name, closure })
}
