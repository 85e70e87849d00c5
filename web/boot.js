// Starts the wasm bundle. Kept as a file (not inline) so the page's CSP can
// forbid inline scripts; Trunk's pattern_script passes the hashed names here.
// The glue is a classic script (wasm-bindgen's no-modules target, which
// Trunk can minify); it defines the global `wasm_bindgen`.
const tag = document.querySelector('script[data-keyflow-js]');
const glue = document.createElement('script');
glue.src = tag.dataset.keyflowJs;
await new Promise((ok, fail) => {
  glue.onload = ok;
  glue.onerror = fail;
  document.head.append(glue);
});
await wasm_bindgen({ module_or_path: tag.dataset.keyflowWasm });
