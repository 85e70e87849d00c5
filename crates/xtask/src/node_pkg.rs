//! Keyflow's wasm engine packaged for Node (`wasm-bindgen --target nodejs`), used
//! by the differential checker and the side-by-side benchmark in tests/differential.

use crate::shell;
use std::path::PathBuf;

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| shell::root().join("target"))
}

/// Builds crates/wasm for Node (with the page's wasm: `page::release_wasm`)
/// and returns the package directory.
pub fn build() -> Result<PathBuf, String> {
    crate::page::release_wasm()?;
    let wasm = target_dir().join("wasm32-unknown-unknown/release/keyflow_wasm.wasm");
    let out = target_dir().join("keyflow-node");
    shell::run(
        shell::tool("wasm-bindgen")
            .args(["--target", "nodejs", "--out-dir"])
            .arg(&out)
            .arg(&wasm),
    )?;
    Ok(out)
}

/// `npm ci` for the differential runners when their node_modules is stale.
pub fn install_runner_packages() -> Result<(), String> {
    let dir = shell::root().join("tests/differential");
    if dir
        .join("node_modules/@cloud-copilot/iam-simulate")
        .exists()
        && crate::setup::is_fresh(
            &dir.join("node_modules/.package-lock.json"),
            &dir.join("package-lock.json"),
        )
    {
        return Ok(());
    }
    shell::run(
        shell::tool("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir),
    )
}

/// The public case file: ../shared when it is beside the checkout, else the copy in tests/.
pub fn public_cases() -> PathBuf {
    let shared = shell::root().join("../shared/cases/public.json");
    if shared.exists() {
        shared
    } else {
        shell::root().join("tests/corpus/cases/public.json")
    }
}
