//! `keyflow lint` (lands with the policy engine).

use std::process::ExitCode;

pub fn run(_args: &[String]) -> Result<ExitCode, String> {
    Err("`lint` is not available yet".into())
}
