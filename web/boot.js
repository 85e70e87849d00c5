// Starts the wasm bundle. Kept as a file (not inline) so the page's CSP can
// forbid inline scripts; Trunk's pattern_script passes the hashed names here.
const tag = document.querySelector('script[data-keyflow-js]');
const { default: init } = await import(tag.dataset.keyflowJs);
await init({ module_or_path: tag.dataset.keyflowWasm });
