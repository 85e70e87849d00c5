// Starts the wasm bundle. Kept as a file (not inline) so the page's CSP can
// forbid inline scripts; Trunk's pattern_script passes the hashed names here.
const tag = document.querySelector('script[data-keyflow-js]');
const { default: init } = await import(tag.dataset.keyflowJs);
await init({ module_or_path: tag.dataset.keyflowWasm });

// After first paint: the tools module (linter with the AWS service table, …),
// from the page's own origin. The page works without it; it re-lints when it arrives.
const tools = (file) => new URL(`tools/${file}`, document.baseURI);
import(tools('keyflow_tools.js').href)
  .then(async (module) => {
    await module.default({ module_or_path: tools('keyflow_tools_bg.wasm') });
    globalThis.keyflowTools = module;
    globalThis.dispatchEvent(new Event('keyflow-tools'));
  })
  .catch((error) => console.warn('Keyflow tools module not loaded:', error));
