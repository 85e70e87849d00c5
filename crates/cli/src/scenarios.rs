//! `keyflow scenarios`, `run` and `share` (land with the simulated world).

use std::process::ExitCode;

pub fn list(_args: &[String]) -> Result<ExitCode, String> {
    Err("`scenarios` is not available yet".into())
}

pub fn run(_args: &[String]) -> Result<ExitCode, String> {
    Err("`run` is not available yet".into())
}

pub fn share(_args: &[String]) -> Result<ExitCode, String> {
    Err("`share` is not available yet".into())
}
