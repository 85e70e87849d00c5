//! The page's side of the on-demand helper worker (`crate::helper`): started
//! the first time it is asked for something, then kept. Each request gets an
//! id; the answer calls back the one that asked.

use std::cell::RefCell;

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

/// The worker's loader (`web/helper-loader.js`; Trunk does not hash worker files).
const LOADER: &str = "./helper-loader.js";

type Done = Box<dyn FnOnce(String)>;

struct Client {
    worker: web_sys::Worker,
    next: u32,
    waiting: Vec<(u32, Done)>,
    /// Requests written before the worker said it is ready.
    queued: Option<Vec<String>>,
    _message: Closure<dyn Fn(web_sys::MessageEvent)>,
    _error: Closure<dyn Fn(web_sys::Event)>,
}

thread_local! {
    static CLIENT: RefCell<Option<Client>> = const { RefCell::new(None) };
    /// Answers that arrived since the last frame (see `defer`).
    static ARRIVED: RefCell<Vec<(Option<u32>, String)>> = const { RefCell::new(Vec::new()) };
}

/// Keeps an answer for the next animation frame, where every answer that
/// arrived meanwhile is handed over together: one edit asks for its lints and
/// its lockout check at once, and their answers then re-render the page once,
/// not once each. (A hidden tab draws no frames; its answers wait until it is
/// shown.)
fn defer(id: Option<u32>, text: String) {
    let first = ARRIVED.with(|a| {
        let mut a = a.borrow_mut();
        a.push((id, text));
        a.len() == 1
    });
    if !first {
        return;
    }
    let flush = wasm_bindgen::closure::Closure::once_into_js(hand_over_arrived);
    let requested = web_sys::window()
        .and_then(|w| w.request_animation_frame(flush.unchecked_ref()).ok())
        .is_some();
    if !requested {
        hand_over_arrived();
    }
}

fn hand_over_arrived() {
    for (id, text) in ARRIVED.with(|a| std::mem::take(&mut *a.borrow_mut())) {
        answer(id, &text);
    }
}

/// Takes the callback waiting for `id` (or every one, for `None`) out of the
/// client before calling it, so a callback may ask again.
fn answer(id: Option<u32>, text: &str) {
    let done: Vec<Done> = CLIENT.with(|c| {
        let mut c = c.borrow_mut();
        let Some(client) = c.as_mut() else {
            return Vec::new();
        };
        let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut client.waiting)
            .into_iter()
            .partition(|(i, _)| id.is_none_or(|id| id == *i));
        client.waiting = rest;
        mine.into_iter().map(|(_, f)| f).collect()
    });
    for f in done {
        f(text.to_string());
    }
}

fn start() -> Option<Client> {
    let worker = web_sys::Worker::new(LOADER).ok()?;
    let message = Closure::<dyn Fn(web_sys::MessageEvent)>::new(|e: web_sys::MessageEvent| {
        let text = e.data().as_string().unwrap_or_default();
        if text == "ready" {
            CLIENT.with(|c| {
                if let Some(client) = c.borrow_mut().as_mut() {
                    for request in client.queued.take().unwrap_or_default() {
                        let _ = client.worker.post_message(&request.into());
                    }
                }
            });
        } else if let Some((id, body)) = text.split_once('\0') {
            defer(id.parse().ok(), body.to_owned());
        }
    });
    let error = Closure::<dyn Fn(web_sys::Event)>::new(|_| {
        answer(None, "err\0the helper could not be loaded from this site");
    });
    worker.set_onmessage(Some(message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(error.as_ref().unchecked_ref()));
    Some(Client {
        worker,
        next: 1,
        waiting: Vec::new(),
        queued: Some(Vec::new()),
        _message: message,
        _error: error,
    })
}

/// Sends a request (built with `crate::helper::request_*`); `done` gets the answer.
pub fn ask(request: String, done: impl FnOnce(String) + 'static) {
    ask_boxed(request, Box::new(done));
}

/// The one copy of the sending code (`ask` is generic over its callback).
#[inline(never)]
fn ask_boxed(request: String, done: Done) {
    let mut done: Option<Done> = Some(done);
    let posted = CLIENT.with(|c| {
        let mut c = c.borrow_mut();
        if c.is_none() {
            *c = start();
        }
        let client = c.as_mut()?;
        let id = client.next;
        client.next = client.next.wrapping_add(1);
        let text = format!("{id}\0{request}");
        let sent = match client.queued.as_mut() {
            Some(queue) => {
                queue.push(text);
                true
            }
            None => client.worker.post_message(&text.into()).is_ok(),
        };
        if sent && let Some(f) = done.take() {
            client.waiting.push((id, f));
        }
        Some(())
    });
    if let Some(f) = done {
        let _ = posted;
        f("err\0this browser could not start the helper (Web Workers are off)".into());
    }
}

/// Asks for a whole new scenario (a quick fix, a repair) that replaces the one
/// on screen. An answer that names its change (a repair applied) comes with an
/// Undo notice; `label` names the change otherwise, and says what failed.
pub fn ask_scenario(
    d: yew::UseReducerDispatcher<crate::state::State>,
    request: String,
    label: String,
) {
    use crate::state::Action;
    ask(request, move |answer| {
        d.dispatch(match crate::helper::parse_replacement(&answer) {
            Ok((scenario, Some(label))) => Action::Applied { scenario, label },
            Ok((scenario, None)) => Action::Replace { scenario, label },
            Err(why) => Action::Notify(format!("{label}: {why}")),
        })
    });
}
