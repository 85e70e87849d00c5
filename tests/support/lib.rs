//! Helpers shared by the end-to-end tests in `tests/`.

use std::path::PathBuf;
use std::process::{Command, Output};

/// The repository root, where `tests/` and `../shared` are found.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared` beside the checkout, if present.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = repo_root().join("..").join("shared");
    dir.is_dir().then_some(dir)
}

pub mod mutate;

/// Runs the `keyflow` CLI: the binary cargo builds for this checkout (see
/// [`binary`]), from the repository root.
pub fn keyflow(args: &[&str]) -> std::io::Result<Output> {
    Command::new(binary()?)
        .args(args)
        .current_dir(repo_root())
        .output()
}

/// The `keyflow` binary, built through cargo once per test process, so it is
/// always the current one, and then run directly: a `cargo run` per call cost
/// about 0.1 s of CPU each, four seconds over the suite.
fn binary() -> std::io::Result<&'static std::path::Path> {
    static BUILT: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(build_binary)
        .as_deref()
        .map_err(|e| std::io::Error::other(e.clone()))
}

fn build_binary() -> Result<PathBuf, String> {
    let out = Command::new(env!("CARGO"))
        .args(["build", "-q", "-p", "keyflow-cli", "--bin", "keyflow"])
        .args(["--message-format=json-render-diagnostics"])
        .current_dir(repo_root())
        .output()
        .map_err(|e| format!("cargo build could not start: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo build -p keyflow-cli failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    // Cargo prints one JSON message per line; the binary's artifact names its path.
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find_map(|m| {
            (m["reason"] == "compiler-artifact" && m["target"]["name"] == "keyflow")
                .then(|| m["executable"].as_str().map(PathBuf::from))
                .flatten()
        })
        .ok_or_else(|| "cargo build named no `keyflow` executable".to_string())
}
pub mod fuzz_targets;
