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

/// Runs the `keyflow` CLI through cargo, so the binary is always the current one.
pub fn keyflow(args: &[&str]) -> std::io::Result<Output> {
    Command::new(env!("CARGO"))
        .args(["run", "-q", "-p", "keyflow-cli", "--"])
        .args(args)
        .current_dir(repo_root())
        .output()
}
pub mod fuzz_targets;
