//! `keyflow scenarios`, `run` and `share`: the simulated world on the command line.
//!
//! A denied step is data, not a failure: `run` exits 0 whatever the timeline
//! says, 1 only when `--check` finds a failed expectation, and 2 on bad input.

use std::process::ExitCode;

use keyflow_sim::{RenderOptions, Scenario, builtin, builtins, render, run as run_scenario};

/// Loads `builtin:NAME`, a share link (`https://…#s=2.…`, `#s=2.…`, `s=2.…`) or a file.
pub(crate) fn load(source: &str) -> Result<Scenario, String> {
    if let Some(name) = source.strip_prefix("builtin:") {
        let b = builtin(name).ok_or_else(|| {
            let names: Vec<&str> = builtins().iter().map(|b| b.name).collect();
            format!(
                "no built-in scenario `{name}` (available: {})",
                names.join(", ")
            )
        })?;
        return b.scenario().map_err(|e| format!("built-in `{name}`: {e}"));
    }
    if keyflow_share::looks_like_link(source) {
        return keyflow_share::decode(source).map_err(|e| e.to_string());
    }
    let text =
        std::fs::read_to_string(source).map_err(|e| format!("cannot read `{source}`: {e}"))?;
    Scenario::from_json(&text).map_err(|e| format!("{source}: {e}"))
}

pub fn list(args: &[String]) -> Result<ExitCode, String> {
    if let Some(extra) = args.first() {
        return Err(format!("`scenarios` takes no arguments (got `{extra}`)"));
    }
    let width = builtins().iter().map(|b| b.name.len()).max().unwrap_or(0);
    for b in builtins() {
        println!("{:<width$}  {}", b.name, b.title);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run(args: &[String]) -> Result<ExitCode, String> {
    let mut json = false;
    let mut check = false;
    let mut options = RenderOptions::default();
    let mut source: Option<&str> = None;
    for a in args {
        match a.as_str() {
            "--json" => json = true,
            "--check" => check = true,
            "--explain" => options.explain = true,
            flag if flag.starts_with("--") => {
                return Err(format!("unknown option `{flag}` for `run`"));
            }
            s if source.is_none() => source = Some(s),
            s => return Err(format!("unexpected argument `{s}`")),
        }
    }
    let source = source.ok_or("usage: keyflow run SCENARIO [--json] [--check] [--explain]")?;
    let scenario = load(source)?;
    let report = run_scenario(&scenario);
    if json {
        let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        println!("{text}");
    } else if check {
        let passed = report.expectations.iter().filter(|e| e.passed).count();
        for e in &report.expectations {
            println!(
                "{} {}",
                if e.passed { "PASS" } else { "FAIL" },
                e.expectation
            );
            println!("     {}", e.reason);
            if !e.source.is_empty() {
                println!("     source: {}", e.source);
            }
        }
        println!(
            "{passed} passed, {} failed",
            report.expectations.len() - passed
        );
    } else {
        print!("{}", render(&report, options));
    }
    if check && !report.expectations_pass() {
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn share(args: &[String]) -> Result<ExitCode, String> {
    let mut base: Option<&str> = None;
    let mut source: Option<&str> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--base" => base = Some(it.next().ok_or("`--base` needs a URL")?),
            flag if flag.starts_with("--") => {
                return Err(format!("unknown option `{flag}` for `share`"));
            }
            s if source.is_none() => source = Some(s),
            s => return Err(format!("unexpected argument `{s}`")),
        }
    }
    let source = source.ok_or("usage: keyflow share SCENARIO [--base URL]")?;
    let scenario = load(source)?;
    match base {
        Some(b) => println!("{}", keyflow_share::url(&scenario, b)),
        None => println!("#{}", keyflow_share::encode(&scenario)),
    }
    Ok(ExitCode::SUCCESS)
}

/// `keyflow diff BEFORE AFTER [--json]`: the steps whose outcome changed
/// between two versions of a scenario (the what-if view).
pub fn diff(args: &[String]) -> Result<ExitCode, String> {
    let mut json = false;
    let mut sources = Vec::new();
    for a in args {
        match a.as_str() {
            "--json" => json = true,
            flag if flag.starts_with("--") => {
                return Err(format!("unknown option `{flag}` for `diff`"));
            }
            s => sources.push(s),
        }
    }
    let [before, after] = sources[..] else {
        return Err("usage: keyflow diff BEFORE AFTER [--json]".into());
    };
    let changes = keyflow_sim::diff(&run_scenario(&load(before)?), &run_scenario(&load(after)?));
    if json {
        let text = serde_json::to_string_pretty(&changes).map_err(|e| e.to_string())?;
        println!("{text}");
        return Ok(ExitCode::SUCCESS);
    }
    let state = |s: &Option<keyflow_sim::StepState>| match s {
        None => "absent".to_string(),
        Some(s) => match &s.error_code {
            Some(code) => format!("error {code}"),
            None => "ok".to_string(),
        },
    };
    for c in &changes {
        println!(
            "{}/{}: {} -> {}  ({})",
            c.flow,
            c.step,
            state(&c.before),
            state(&c.after),
            c.title
        );
        for d in &c.decisions {
            println!("    {d}");
        }
    }
    println!("{} step(s) changed", changes.len());
    Ok(ExitCode::SUCCESS)
}
