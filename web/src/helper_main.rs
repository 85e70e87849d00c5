//! Entry point of the on-demand helper worker (see `helper.rs`): answers each
//! message with `keyflow_web::helper::handle`, echoing the request id.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

fn main() {
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply = scope.clone();
    let onmessage =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            let text = e.data().as_string().unwrap_or_default();
            let (id, request) = text.split_once('\0').unwrap_or(("", ""));
            let answer = keyflow_web::helper::handle(request);
            let _ = reply.post_message(&format!("{id}\0{answer}").into());
        });
    scope.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    // The worker lives as long as the page: its handler is never dropped.
    onmessage.forget();
    // Messages that arrive before the handler is set are lost: the page
    // holds its requests until it hears this.
    let _ = scope.post_message(&"ready".into());
}
