//! Helpers shared by the end-to-end tests in `tests/`.

use std::path::PathBuf;

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
