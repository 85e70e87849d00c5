//! The text timeline of a report (CLI output and golden files).

use std::fmt::Write;

use crate::report::{Check, Outcome, Report, Step};

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

fn check_lines(out: &mut String, c: &Check, indent: &str) {
    let mark = if c.allowed { "allow" } else { "DENY " };
    let _ = writeln!(
        out,
        "{indent}[{mark}] {} {} {} -> {}",
        c.principal, c.action, c.resource, c.decision
    );
    if !c.via.is_empty() {
        let _ = writeln!(out, "{indent}        via: {}", c.via);
    }
    let extra: Vec<String> = c
        .context
        .iter()
        .filter(|(k, _)| !BASE_KEYS.contains(&k.as_str()))
        .map(|(k, v)| {
            if v.len() == 1 {
                format!("{k}={}", v.join(""))
            } else {
                format!("{k}=[{}]", v.join(","))
            }
        })
        .collect();
    if !extra.is_empty() {
        let _ = writeln!(out, "{indent}        context: {}", extra.join(", "));
    }
    let _ = writeln!(out, "{indent}        why: {}", c.summary);
}

fn step_lines(out: &mut String, n: usize, s: &Step) {
    let _ = writeln!(out, "{n}. {} - {}", s.id, s.title);
    let _ = writeln!(out, "   actor: {}   call: {}", s.actor, s.call);
    for c in &s.checks {
        check_lines(out, c, "   ");
    }
    match (s.outcome, &s.error) {
        (Outcome::Error, Some(e)) => {
            let _ = writeln!(out, "   => ERROR {}: {}", e.code, e.message);
        }
        _ => {
            let _ = writeln!(
                out,
                "   => ok{}",
                if s.result.is_empty() {
                    String::new()
                } else {
                    format!(": {}", s.result)
                }
            );
        }
    }
    for row in &s.inventory {
        let _ = writeln!(
            out,
            "      inventory: {}  {}  {}{}",
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
    if !s.note.is_empty() {
        let _ = writeln!(out, "   note: {}", s.note);
    }
    if let Some(d) = &s.documented {
        let _ = writeln!(out, "   documented: {d}");
    }
    if let Some(o) = &s.observed {
        let _ = writeln!(out, "   observed: {o}");
    }
}

/// Renders the whole report as a readable timeline.
pub fn render_text(r: &Report) -> String {
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
        st.alb_delivery.as_str(),
        match st.elb_log_writer {
            crate::ElbLogWriter::Service => "service",
            crate::ElbLogWriter::ElbAccount => "elb-account",
        },
        match st.digest_encryption {
            crate::DigestEncryption::SseKms => "sse-kms",
            crate::DigestEncryption::SseS3 => "sse-s3",
        },
        st.batch_copy_bucket_key.as_str()
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
    for f in &r.flows {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "== {} ({}): {} [source {}]",
            f.id,
            f.kind,
            f.title,
            f.sources.join(", ")
        );
        for (i, s) in f.steps.iter().enumerate() {
            let _ = writeln!(out);
            step_lines(&mut out, i + 1, s);
        }
        let _ = writeln!(out);
        if f.kms.calls.is_empty() {
            let _ = writeln!(out, "KMS requests in this run: none");
        } else {
            let calls: Vec<String> = f
                .kms
                .calls
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            let _ = writeln!(out, "KMS requests in this run: {}", calls.join(", "));
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
                let yn = |b: bool| if b { "yes" } else { "no " };
                let _ = writeln!(
                    out,
                    "  {:<28} deliver {}  read {}  {}",
                    m.principal,
                    yn(m.deliver),
                    yn(m.read),
                    m.arn
                );
                let _ = writeln!(out, "      read: {}", m.read_why);
                let _ = writeln!(out, "      deliver: {}", m.deliver_why);
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
        }
    }
    out
}
