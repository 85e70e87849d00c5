//! `keyflow lint [--format json] [--kind KIND] FILE…`: validates and lints policy
//! documents with the full AWS service table. Prints
//! `file:line:col: severity[code]: message` (plus help and the AWS page that
//! states the rule), or JSON: one object per finding, the fields of
//! `keyflow_policy::PositionedDiagnostic` plus `file` and `kind`.
//! Exit 1 when any error-level finding exists, 2 on bad usage or unreadable files.

use std::io::Write;
use std::process::ExitCode;

use keyflow_policy::{
    LineIndex, PolicyKind, PositionedDiagnostic, ServiceData, Severity, lint_text,
};

const USAGE: &str = "usage: keyflow lint [--format text|json] [--kind identity|key|bucket|trust|scp|rcp|boundary|session] FILE…";

pub fn run(args: &[String]) -> Result<ExitCode, String> {
    let mut json = false;
    let mut kind = None;
    let mut files = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--format" => match it.next().map(String::as_str) {
                Some("json") => json = true,
                Some("text") => json = false,
                other => {
                    return Err(format!(
                        "--format needs text or json, got {other:?}\n{USAGE}"
                    ));
                }
            },
            "--format=json" => json = true,
            "--format=text" => json = false,
            "--kind" => {
                let v = it
                    .next()
                    .ok_or_else(|| format!("--kind needs a value\n{USAGE}"))?;
                kind = Some(
                    PolicyKind::from_name(v)
                        .ok_or_else(|| format!("unknown kind `{v}`\n{USAGE}"))?,
                );
            }
            s if s.starts_with("--kind=") => {
                let v = &s["--kind=".len()..];
                kind = Some(
                    PolicyKind::from_name(v)
                        .ok_or_else(|| format!("unknown kind `{v}`\n{USAGE}"))?,
                );
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(ExitCode::SUCCESS);
            }
            s if s.starts_with('-') && s != "-" => {
                return Err(format!("unknown option `{s}`\n{USAGE}"));
            }
            s => files.push(s.to_owned()),
        }
    }
    if files.is_empty() {
        return Err(USAGE.into());
    }
    let mut out = std::io::stdout().lock();
    let mut any_error = false;
    let mut report = Vec::new();
    let data = ServiceData::full();
    for file in &files {
        let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {file}: {e}"))?;
        // Pasted CLI output, URL-encoded or YAML policies are linted unwrapped,
        // with positions mapped back to the file as written (keyflow-import).
        let unwrapped = keyflow_import::unwrap_policy(&text);
        let policy = unwrapped
            .as_ref()
            .map_or(text.as_str(), |u| u.text.as_str());
        let k = kind.unwrap_or_else(|| PolicyKind::guess(policy));
        let mut diags = lint_text(policy, k, data);
        if let Some(u) = &unwrapped {
            eprintln!("{file}: note: {}", u.describe());
            for d in &mut diags {
                d.span = keyflow_policy::Span::new(
                    u.original_offset(d.span.start),
                    u.original_offset(d.span.end),
                );
            }
        }
        let index = LineIndex::new(&text);
        let found: Vec<PositionedDiagnostic> = diags
            .into_iter()
            .map(|d| PositionedDiagnostic::new(d, &index))
            .collect();
        any_error |= found.iter().any(|d| d.severity == Severity::Error);
        for d in found {
            if json {
                report.push(json_finding(file, k, &d)?);
                continue;
            }
            // Write errors (a closed pipe) are ignored: the exit code still reports findings.
            let _ = writeln!(
                out,
                "{file}:{}:{}: {}[{}]: {}",
                d.line, d.column, d.severity, d.code, d.message
            );
            if let Some(h) = &d.help {
                let _ = writeln!(out, "  help: {h}");
            }
            let _ = writeln!(out, "  see: {}", d.url);
        }
    }
    if json {
        let text = serde_json::to_string_pretty(&report)
            .map_err(|e| format!("cannot serialize findings: {e}"))?;
        let _ = writeln!(out, "{text}");
    }
    Ok(if any_error {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A finding as JSON: the positioned diagnostic's fields plus `file` and `kind`.
fn json_finding(
    file: &str,
    kind: PolicyKind,
    d: &PositionedDiagnostic,
) -> Result<serde_json::Value, String> {
    let mut v = serde_json::to_value(d).map_err(|e| format!("cannot serialize findings: {e}"))?;
    if let Some(obj) = v.as_object_mut() {
        obj.insert("file".into(), file.into());
        obj.insert("kind".into(), kind.name().into());
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_kinds() {
        assert_eq!(
            PolicyKind::guess(r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#),
            PolicyKind::Identity
        );
        assert_eq!(
            PolicyKind::guess(
                r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kms:*","Resource":"*"}}"#
            ),
            PolicyKind::KeyPolicy
        );
        assert_eq!(
            PolicyKind::guess(
                r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}"#
            ),
            PolicyKind::TrustPolicy
        );
        assert_eq!(
            PolicyKind::guess(
                r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#
            ),
            PolicyKind::BucketPolicy
        );
    }
}
