//! `keyflow fix SCENARIO [--step FLOW/STEP] [--write OUT] [--json]`: the
//! least-privilege repairs for failing steps, each verified by re-running the
//! scenario; with `--write`, the scenario with the best candidate applied for
//! every failing step that no expectation expects to fail.
//!
//! Exit 0 when every such step was repaired (or, without `--write`, always),
//! 1 when `--write` left a step it could not repair, 2 on bad input.

use std::fmt::Write as _;
use std::process::ExitCode;

use keyflow_sim::fix::{DiffOp, FixStatus, StepFix};
use keyflow_sim::{FixCandidate, Scenario, fix, fix_all, fix_step};

use crate::scenarios::load;

const USAGE: &str = "usage: keyflow fix SCENARIO [--step FLOW/STEP] [--write OUT] [--json]";

pub fn run(args: &[String]) -> Result<ExitCode, String> {
    let mut json = false;
    let mut write: Option<&str> = None;
    let mut step: Option<(&str, &str)> = None;
    let mut source: Option<&str> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--json" => json = true,
            "--write" => {
                write = Some(
                    it.next()
                        .ok_or(format!("`--write` needs a file\n{USAGE}"))?,
                )
            }
            "--step" => {
                let v = it
                    .next()
                    .ok_or(format!("`--step` needs FLOW/STEP\n{USAGE}"))?;
                step = Some(
                    v.split_once('/')
                        .filter(|(f, s)| !f.is_empty() && !s.is_empty())
                        .ok_or(format!("`--step` needs FLOW/STEP, got `{v}`"))?,
                );
            }
            flag if flag.starts_with("--") => {
                return Err(format!("unknown option `{flag}` for `fix`\n{USAGE}"));
            }
            s if source.is_none() => source = Some(s),
            s => return Err(format!("unexpected argument `{s}`\n{USAGE}")),
        }
    }
    let source = source.ok_or(USAGE)?;
    let scenario = load(source)?;
    if let Some((f, s)) = step {
        let report = keyflow_sim::run(&scenario);
        if report.flow(f).and_then(|fl| fl.step(s)).is_none() {
            return Err(format!("the scenario has no step {f}/{s}"));
        }
    }
    match write {
        Some(out) => write_fixed(&scenario, step, out, json),
        None => {
            let fixes: Vec<StepFix> = match step {
                Some((f, s)) => fix_step(&scenario, f, s).into_iter().collect(),
                None => fix(&scenario),
            };
            if json {
                let text = serde_json::to_string_pretty(&fixes).map_err(|e| e.to_string())?;
                println!("{text}");
            } else {
                print!("{}", render(&fixes));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn write_fixed(
    scenario: &Scenario,
    step: Option<(&str, &str)>,
    out: &str,
    json: bool,
) -> Result<ExitCode, String> {
    let all = fix_all(scenario, step);
    std::fs::write(out, all.scenario.to_json_pretty() + "\n")
        .map_err(|e| format!("cannot write `{out}`: {e}"))?;
    let unrepaired = all
        .left
        .iter()
        .filter(|l| l.status != FixStatus::ExpectedToFail)
        .count();
    if json {
        let text = serde_json::to_string_pretty(&all).map_err(|e| e.to_string())?;
        println!("{text}");
    } else {
        let mut text = String::new();
        for a in &all.applied {
            let _ = writeln!(text, "fixed {}/{}: {}", a.flow, a.step, a.candidate.title);
            let _ = writeln!(text, "      ({})", a.candidate.label);
        }
        for l in &all.left {
            let _ = writeln!(
                text,
                "left {}/{} ({}): {}",
                l.flow, l.step, l.status, l.detail
            );
        }
        let _ = writeln!(
            text,
            "wrote {out}: {} step(s) fixed, {} left",
            all.applied.len(),
            all.left.len()
        );
        print!("{text}");
    }
    Ok(if unrepaired > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn render(fixes: &[StepFix]) -> String {
    let mut out = String::new();
    if fixes.is_empty() {
        out.push_str("no failing step\n");
    }
    for f in fixes {
        let _ = writeln!(out, "{}/{}: {} [{}]", f.flow, f.step, f.title, f.status);
        if !f.detail.is_empty() {
            let _ = writeln!(out, "  {}", f.detail);
        }
        for c in &f.failing {
            let _ = writeln!(out, "  failing {} -> {}: {}", c.id, c.decision, c.why);
        }
        for c in &f.candidates {
            candidate(&mut out, c);
        }
        for r in &f.rejected {
            let _ = writeln!(out, "  not offered [{}]: {}", r.kind, r.why);
        }
        out.push('\n');
    }
    out
}

fn candidate(out: &mut String, c: &FixCandidate) {
    let _ = writeln!(out, "  #{} [{}] {}", c.rank, c.kind, c.title);
    let _ = writeln!(out, "     {}", c.label);
    let b = c.breadth;
    let _ = writeln!(
        out,
        "     grants: {} access cell(s), {} other check(s); {} change(s), {} addition(s)",
        b.access, b.checks, b.changes, b.additions
    );
    for w in &c.why {
        let _ = writeln!(out, "     why: {w}");
    }
    for s in &c.settings {
        let _ = writeln!(out, "     set {}: {} -> {}", s.path, s.before, s.after);
    }
    for p in &c.changes {
        let _ = writeln!(
            out,
            "     --- {}{}",
            p.policy,
            p.path
                .as_ref()
                .map(|x| format!(" ({x}{})", if p.created { ", new" } else { "" }))
                .unwrap_or_default()
        );
        for l in &p.diff {
            let mark = match l.op {
                DiffOp::Same => continue,
                DiffOp::Added => '+',
                DiffOp::Removed => '-',
            };
            let at = l.after.or(l.before).unwrap_or(0);
            let _ = writeln!(out, "     {mark}{at:>4} {}", l.text);
        }
    }
    for k in &c.conditions {
        let _ = writeln!(
            out,
            "     condition {} {} {}  <- {}",
            k.operator,
            k.key,
            k.value,
            k.source.label()
        );
    }
    for f in &c.flips {
        let before = f
            .before
            .map_or("(not requested)".to_string(), |d| d.to_string());
        let after = f
            .after
            .map_or("(no longer requested)".to_string(), |d| d.to_string());
        let _ = writeln!(out, "     flips {}: {before} -> {after}", f.id);
    }
    for a in &c.access {
        let _ = writeln!(
            out,
            "     access {} {} {}: {} -> {}{}",
            a.principal,
            a.action,
            a.resource,
            a.before,
            a.after,
            if a.after_conditions.is_empty() {
                String::new()
            } else {
                format!(" ({})", a.after_conditions.join("; "))
            }
        );
    }
    for s in &c.sources {
        let _ = writeln!(out, "     source: {}", s.label());
    }
}
