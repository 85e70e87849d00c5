// Starts the helper worker (see web/src/helper.rs): the no-modules glue, then its wasm.
importScripts('./keyflow-helper.js');
wasm_bindgen({ module_or_path: './keyflow-helper_bg.wasm' });
