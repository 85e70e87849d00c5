//! `keyflow lint [--format json] [--kind KIND] FILE…`: validates and lints policy
//! documents. Prints `file:line:col: severity[code]: message` (plus help), or JSON.
//! Exit 1 when any error-level finding exists, 2 on bad usage or unreadable files.

use std::io::Write;
use std::process::ExitCode;

use keyflow_policy::{Diagnostic, LineIndex, PolicyKind, Severity, lint_text};

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
    for file in &files {
        let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {file}: {e}"))?;
        // Import hook: pasted CLI output, URL-encoded or YAML policies are linted
        // unwrapped, with positions mapped back to the file (keyflow-import).
        let unwrapped = keyflow_import::unwrap_policy(&text);
        let policy = unwrapped
            .as_ref()
            .map_or(text.as_str(), |u| u.text.as_str());
        let k = kind.unwrap_or_else(|| PolicyKind::guess(policy));
        let mut diags = lint_text(policy, k);
        if let Some(u) = &unwrapped {
            eprintln!("{file}: note: {}", u.describe());
            for d in &mut diags {
                d.span = keyflow_policy::Span::new(
                    u.original_offset(d.span.start),
                    u.original_offset(d.span.end),
                );
            }
        }
        any_error |= diags.iter().any(|d| d.severity == Severity::Error);
        let index = LineIndex::new(&text);
        if json {
            for d in &diags {
                report.push(json_finding(file, k, &index, d));
            }
        } else {
            for d in &diags {
                let p = index.position(d.span.start);
                // Write errors (a closed pipe) are ignored: the exit code still reports findings.
                let _ = writeln!(
                    out,
                    "{file}:{}:{}: {}[{}]: {}",
                    p.line, p.column, d.severity, d.code, d.message
                );
                if let Some(h) = &d.help {
                    let _ = writeln!(out, "  help: {h}");
                }
            }
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

fn json_finding(
    file: &str,
    kind: PolicyKind,
    index: &LineIndex,
    d: &Diagnostic,
) -> serde_json::Value {
    let start = index.position(d.span.start);
    let end = index.position(d.span.end);
    serde_json::json!({
        "file": file,
        "kind": kind.name(),
        "line": start.line,
        "column": start.column,
        "end_line": end.line,
        "end_column": end.column,
        "span": d.span,
        "code": d.code,
        "severity": d.severity,
        "message": d.message,
        "help": d.help,
    })
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
