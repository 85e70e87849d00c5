//! The tools module: crates/wasm built for the page, loaded by `boot.js` after
//! first paint (it holds the linter and its AWS service table, which the first
//! load leaves out). Until it arrives the editors show parse findings only.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `lintPolicy(text, kind)` of the tools module: tagged JSON findings.
    #[wasm_bindgen(js_namespace = keyflowTools, js_name = lintPolicy, catch)]
    fn lint_policy(text: &str, kind: &str) -> Result<String, JsValue>;
}

/// Whether `boot.js` has loaded the tools module.
pub fn loaded() -> bool {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &JsValue::from_str("keyflowTools")).ok())
        .is_some_and(|t| t.is_object())
}

/// The findings of one policy as the tools module reports them (JSON), or
/// `None` while it is not loaded.
pub fn lint(text: &str, kind: keyflow_policy::PolicyKind) -> Option<String> {
    if !loaded() {
        return None;
    }
    lint_policy(text, kind.name()).ok()
}
