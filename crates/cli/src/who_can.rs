//! `keyflow who-can SCENARIO ACTION [RESOURCE] [--json]`: for every key (kms:
//! actions) or bucket (s3: actions) of the scenario, or the one given, every
//! principal plus "any principal of account X", the AWS services the policy
//! names, "any AWS service" and "anyone": the decision, why, and the
//! conditions under which an allow holds.
//!
//! `--json` prints a list of `{"principal", "arn", "decision", "why",
//! "conditions", "subject", "action", "resource", "resource_arn"}`. Exit 0, or
//! 2 on bad input.

use std::fmt::Write as _;
use std::process::ExitCode;

use keyflow_sim::who_can;

use crate::scenarios::load;

const USAGE: &str = "usage: keyflow who-can SCENARIO ACTION [RESOURCE] [--json]";

pub fn run(args: &[String]) -> Result<ExitCode, String> {
    let mut json = false;
    let mut positional: Vec<&str> = Vec::new();
    for a in args {
        match a.as_str() {
            "--json" => json = true,
            flag if flag.starts_with("--") => {
                return Err(format!("unknown option `{flag}` for `who-can`\n{USAGE}"));
            }
            s => positional.push(s),
        }
    }
    let (source, action, resource) = match positional[..] {
        [s, a] => (s, a, None),
        [s, a, r] => (s, a, Some(r)),
        _ => return Err(USAGE.into()),
    };
    let scenario = load(source)?;
    let cells = who_can(&scenario, action, resource).map_err(|e| e.to_string())?;
    if json {
        let text = serde_json::to_string_pretty(&cells).map_err(|e| e.to_string())?;
        println!("{text}");
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = String::new();
    let mut last = String::new();
    let width = cells.iter().map(|c| c.principal.len()).max().unwrap_or(0);
    for c in &cells {
        let heading = format!("{} on {}", c.action, c.resource);
        if heading != last {
            if !last.is_empty() {
                out.push('\n');
            }
            let _ = writeln!(out, "{heading}");
            last = heading;
        }
        let _ = writeln!(
            out,
            "  {:<17} {:<width$}  {}",
            c.decision.as_str(),
            c.principal,
            c.arn
        );
        let _ = writeln!(out, "  {:<17} why: {}", "", c.why);
        for (mark, text) in c.condition_lines() {
            let _ = writeln!(out, "  {:<17} {mark}: {text}", "");
        }
    }
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}
