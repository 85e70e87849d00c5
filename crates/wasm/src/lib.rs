//! The JavaScript boundary: each export takes and returns plain data and never
//! throws for bad input (errors come back as values).

use wasm_bindgen::prelude::*;

/// Engine version, as shown by the playground and the CLI.
#[wasm_bindgen]
pub fn version() -> String {
    keyflow_policy::VERSION.to_owned()
}
