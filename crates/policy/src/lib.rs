//! AWS policy language (placeholder until the engine lands).

/// Engine version shown by the UI and the CLI.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
