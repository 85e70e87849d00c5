//! Bring what you have: turn what users hold into what Keyflow runs.
//!
//! Two layers, so that a browser can load the small one first:
//!
//! - [`unwrap`] (always built, no YAML parser unless the `yaml` feature is on):
//!   a pasted policy wrapped in CLI output (`aws kms get-key-policy`,
//!   `aws s3api get-bucket-policy`, `aws iam get-policy-version`, `get-role-policy`, …),
//!   URL-encoded or encoded twice, is unwrapped into the policy text, with a map
//!   back to the user's original text so errors point where the user typed.
//! - the importer (feature `import`, on by default): CloudFormation/CDK templates
//!   (JSON and YAML with short-form tags), Terraform `terraform show -json` plans and
//!   `aws iam get-account-authorization-details` output become one scenario JSON that
//!   `keyflow_sim::Scenario::from_json` reads, plus positioned findings for
//!   everything that was guessed, left as a placeholder or skipped.
//!
//! The crate does no I/O: callers hand in texts and get texts back.
//!
//! ## Features and size in the browser
//!
//! - `default-features = false`: [`unwrap_policy`] for JSON wrappers, URL-encoding and
//!   double encoding only (keyflow-json, which the page already links). Measured on a
//!   throwaway wasm32 cdylib (release profile of this workspace, then `wasm-opt -Oz`):
//!   +10.1 KB, +4.4 KB gzipped over a baseline linking keyflow-json, keyflow-policy and
//!   serde_json. Fit for the first load.
//! - `yaml`: adds YAML documents (saphyr-parser): +75 KB, +31.8 KB gzipped over the same
//!   baseline.
//! - `import` (default): the whole importer: +203 KB, +83.4 KB gzipped. Load it on demand.
//!
//! ```text
//! text ──unwrap_policy──▶ Unwrapped { text, layers, map → original offsets }
//! files ──import──▶ Imported { scenario JSON, findings (file:line:column) }
//! ```

mod pos;
pub mod unwrap;
mod urlenc;

#[cfg(feature = "yaml")]
mod node;
#[cfg(feature = "yaml")]
mod yaml;

#[cfg(feature = "import")]
mod import;

pub use pos::{Position, position};
pub use unwrap::{Unwrapped, Wrapper, unwrap_policy};

#[cfg(feature = "import")]
pub use import::{
    Finding, ImportOptions, Imported, InputKind, Severity, Source, detect_kind, import,
};
