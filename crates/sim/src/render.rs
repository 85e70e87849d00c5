//! The text timeline of a report (CLI output and golden files).

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::report::{Check, NoteKind, Outcome, Report, Step};

/// Context keys every request carries; the timeline shows only the others.
const BASE_KEYS: [&str; 10] = [
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:SecureTransport",
    "aws:RequestedRegion",
    "aws:PrincipalIsAWSService",
    "aws:PrincipalServiceName",
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:PrincipalType",
    "aws:username",
];

/// How much of each check to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RenderOptions {
    /// Print each check's id and its deciding statements with their line:column.
    pub explain: bool,
}

fn check_lines(out: &mut String, c: &Check, indent: &str, options: RenderOptions) {
    let mark = if c.allowed() { "allow" } else { "DENY " };
    let _ = writeln!(
        out,
        "{indent}[{mark}] {} {} {} -> {}",
        c.principal(),
        c.action(),
        c.resource(),
        c.decision
    );
    if !c.via.is_empty() {
        let _ = writeln!(out, "{indent}        via: {}", c.via);
    }
    // Sorted, so the line does not depend on the order services add their keys.
    let extra: BTreeMap<&str, String> = c
        .request
        .context
        .iter()
        .filter(|(k, _)| !BASE_KEYS.contains(k))
        .map(|(k, v)| {
            let v = v.values();
            let text = if v.len() == 1 {
                v.join("")
            } else {
                format!("[{}]", v.join(","))
            };
            (k, text)
        })
        .collect();
    if !extra.is_empty() {
        let pairs: Vec<String> = extra.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = writeln!(out, "{indent}        context: {}", pairs.join(", "));
    }
    let _ = writeln!(out, "{indent}        why: {}", c.summary());
    if options.explain {
        let _ = writeln!(out, "{indent}        check: {}", c.id);
        for d in &c.deciding {
            let _ = writeln!(out, "{indent}        {:?}: {}", d.effect, d.located());
        }
    }
}

fn step_lines(out: &mut String, n: usize, s: &Step, options: RenderOptions) {
    let _ = writeln!(out, "{n}. {} - {}", s.id, s.title);
    let _ = writeln!(out, "   actor: {}   call: {}", s.actor, s.call);
    for c in &s.checks {
        check_lines(out, c, "   ", options);
    }
    match (s.outcome, &s.error, &s.not_evaluated) {
        (Outcome::Error, Some(e), _) => {
            let _ = writeln!(out, "   => ERROR {}: {}", e.code, e.message);
            let _ = writeln!(out, "      (wording: {})", e.source.label());
        }
        (Outcome::Error, None, _) => {
            let _ = writeln!(out, "   => FAILED, no error is returned: {}", s.result);
        }
        (Outcome::NotEvaluated, _, Some(why)) => {
            let _ = writeln!(out, "   => NOT EVALUATED: {why}");
        }
        _ if s.result.is_empty() => {
            let _ = writeln!(out, "   => ok");
        }
        _ => {
            let _ = writeln!(out, "   => ok: {}", s.result);
        }
    }
    for row in &s.inventory {
        let version = match &row.version_id {
            Some(id) if row.is_latest => format!(" (version {id}, latest)"),
            Some(id) => format!(" (version {id}, noncurrent)"),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "      inventory: {}{version}  {}  {}{}",
            row.key,
            row.encryption_status,
            if row.bucket_key_status.is_empty() {
                "-"
            } else {
                &row.bucket_key_status
            },
            if row.kms_key.is_empty() {
                String::new()
            } else {
                format!("  {}", row.kms_key)
            }
        );
    }
    for kind in NoteKind::ALL {
        for n in s.notes_of(*kind) {
            let _ = writeln!(out, "   {kind}: {}", n.text);
            let _ = writeln!(out, "      ({})", n.source.label());
        }
    }
}

/// Renders the whole report as a readable timeline.
pub fn render_text(r: &Report) -> String {
    render(r, RenderOptions::default())
}

/// [`render_text`] with options.
pub fn render(r: &Report, options: RenderOptions) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Scenario: {}{}",
        r.scenario,
        if r.title.is_empty() {
            String::new()
        } else {
            format!(" - {}", r.title)
        }
    );
    let _ = writeln!(out, "Account {}, region {}", r.account, r.region);
    let st = &r.settings;
    let _ = writeln!(
        out,
        "Settings: alb_delivery={}, elb_log_writer={}, digest_encryption={}, batch_copy_bucket_key={}",
        st.alb_delivery, st.elb_log_writer, st.digest_encryption, st.batch_copy_bucket_key
    );
    for p in &r.policies {
        for d in &p.diagnostics {
            let _ = writeln!(
                out,
                "Policy {}: {} {}: {}",
                p.id,
                d.severity.as_str(),
                d.code,
                d.message
            );
        }
    }
    for f in &r.findings {
        let _ = writeln!(out, "Finding {f}");
        for fix in &f.fixes {
            let _ = writeln!(out, "   fix: {}", fix.label);
        }
    }
    for f in &r.flows {
        let _ = writeln!(out);
        let _ = writeln!(out, "== {} ({}): {}", f.id, f.kind, f.title);
        for s in &f.sources {
            let _ = writeln!(out, "   from {}", s.label());
        }
        for (i, s) in f.steps.iter().enumerate() {
            let _ = writeln!(out);
            step_lines(&mut out, i + 1, s, options);
        }
        let _ = writeln!(out);
        let tally = |calls: &BTreeMap<String, u64>| {
            calls
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if f.kms.calls.is_empty() {
            let _ = writeln!(out, "KMS requests in this run: none");
        } else {
            let _ = writeln!(out, "KMS requests in this run: {}", tally(&f.kms.calls));
        }
        if !f.kms.denied.is_empty() {
            let _ = writeln!(out, "KMS requests denied: {}", tally(&f.kms.denied));
        }
        for e in &f.kms.estimates {
            let _ = writeln!(
                out,
                "KMS estimate: {} ~{}/day ({})",
                e.api, e.per_day, e.basis
            );
        }
        if !f.matrix.is_empty() {
            let _ = writeln!(
                out,
                "Access matrix (deliver = s3:PutObject + kms:GenerateDataKey; read = s3:GetObject + kms:Decrypt):"
            );
            for m in &f.matrix {
                let yn = |a: &crate::report::Access| match a.verdict {
                    crate::report::Verdict::Allowed => "yes",
                    crate::report::Verdict::NotEvaluated => "n/a",
                    _ => "no ",
                };
                let _ = writeln!(
                    out,
                    "  {:<28} deliver {}  read {}  {}",
                    m.principal,
                    yn(&m.deliver),
                    yn(&m.read),
                    m.arn
                );
                let _ = writeln!(out, "      read: {}", m.read.why);
                let _ = writeln!(out, "      deliver: {}", m.deliver.why);
            }
        }
    }
    if !r.expectations.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "Expectations:");
        for e in &r.expectations {
            let _ = writeln!(
                out,
                "  {} {}",
                if e.passed { "PASS" } else { "FAIL" },
                e.expectation
            );
            let _ = writeln!(out, "       {}", e.reason);
            if !e.source.is_empty() {
                let _ = writeln!(out, "       source: {}", e.source);
            }
        }
    }
    out
}
