//! `keyflow import FILE… [--account ID] [--region R] [--json]`: CloudFormation/CDK
//! templates, Terraform plans (`terraform show -json`) and IAM authorization details
//! into one scenario on stdout. Findings go to stderr as `file:line:column:
//! severity: message`; `--json` prints `{"scenario": …, "findings": […]}` instead.
//! Exit 1 when an input could not be read (the scenario is still printed), 2 on bad
//! usage or unreadable files.

use std::io::Write;
use std::process::ExitCode;

use keyflow_import::{ImportOptions, Source};

const USAGE: &str = "usage: keyflow import [--account ID] [--region REGION] [--json] FILE…";

pub fn run(args: &[String]) -> Result<ExitCode, String> {
    let mut options = ImportOptions::default();
    let mut json = false;
    let mut files = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--account" => {
                let v = it
                    .next()
                    .ok_or_else(|| format!("--account needs a value\n{USAGE}"))?;
                options.account = Some(v.clone());
            }
            "--region" => {
                let v = it
                    .next()
                    .ok_or_else(|| format!("--region needs a value\n{USAGE}"))?;
                options.region = Some(v.clone());
            }
            s if s.starts_with("--account=") => {
                options.account = Some(s["--account=".len()..].to_string())
            }
            s if s.starts_with("--region=") => {
                options.region = Some(s["--region=".len()..].to_string())
            }
            "--json" => json = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(ExitCode::SUCCESS);
            }
            s if s.starts_with('-') => return Err(format!("unknown option `{s}`\n{USAGE}")),
            s => files.push(s.to_string()),
        }
    }
    if files.is_empty() {
        return Err(USAGE.into());
    }
    if let Some(a) = &options.account
        && !(a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!("--account \"{a}\" is not a 12-digit account ID"));
    }
    let mut texts = Vec::new();
    for f in &files {
        texts.push(std::fs::read_to_string(f).map_err(|e| format!("cannot read {f}: {e}"))?);
    }
    let sources: Vec<Source<'_>> = files
        .iter()
        .zip(&texts)
        .map(|(name, text)| Source { name, text })
        .collect();
    let imported = keyflow_import::import(&sources, &options);
    let mut out = std::io::stdout().lock();
    // Write errors (a closed pipe) are ignored: the exit code still tells.
    if json {
        let scenario: serde_json::Value = serde_json::from_str(&imported.scenario)
            .map_err(|e| format!("cannot serialize the scenario: {e}"))?;
        let doc = serde_json::json!({ "scenario": scenario, "findings": imported.findings });
        let text =
            serde_json::to_string_pretty(&doc).map_err(|e| format!("cannot serialize: {e}"))?;
        let _ = writeln!(out, "{text}");
    } else {
        let _ = writeln!(out, "{}", imported.scenario);
        let mut err = std::io::stderr().lock();
        for f in &imported.findings {
            let _ = writeln!(err, "{f}");
        }
    }
    Ok(if imported.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
