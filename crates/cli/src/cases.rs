//! `keyflow cases FILE`: runs request/decision cases through the engine and prints
//! one JSON line per case, then `N passed, N failed`. Exit 1 on any disagreement,
//! 2 when the file cannot be read or parsed.

use std::io::Write;
use std::process::ExitCode;

use keyflow_policy::LineIndex;
use keyflow_policy::cases::parse_cases;

const USAGE: &str = "usage: keyflow cases [--explain] FILE";

pub fn run(args: &[String]) -> Result<ExitCode, String> {
    let mut file = None;
    let mut explain = false;
    for a in args {
        match a.as_str() {
            "--explain" => explain = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(ExitCode::SUCCESS);
            }
            s if s.starts_with('-') && s != "-" => {
                return Err(format!("unknown option `{s}`\n{USAGE}"));
            }
            s => {
                if file.replace(s.to_owned()).is_some() {
                    return Err(format!("only one cases file may be given\n{USAGE}"));
                }
            }
        }
    }
    let Some(file) = file else {
        return Err(USAGE.into());
    };
    let text = if file == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| format!("cannot read stdin: {e}"))?;
        s
    } else {
        std::fs::read_to_string(&file).map_err(|e| format!("cannot read {file}: {e}"))?
    };
    let cases = parse_cases(&text).map_err(|e| {
        let pos = LineIndex::new(&text).position(e.span.start);
        format!("{file}:{}:{}: {}", pos.line, pos.column, e.message)
    })?;
    let mut out = std::io::stdout().lock();
    let (mut passed, mut failed) = (0usize, 0usize);
    for case in &cases {
        let policies = case.policies();
        let eval = if explain {
            keyflow_policy::explain(&case.request, &policies)
        } else {
            keyflow_policy::evaluate(&case.request, &policies)
        };
        let agree = eval.decision == case.expected;
        if agree {
            passed += 1;
        } else {
            failed += 1;
        }
        let mut line = serde_json::json!({
            "name": case.name,
            "expected": case.expected.as_str(),
            "actual": eval.decision.as_str(),
            "agree": agree,
        });
        if explain && let Some(obj) = line.as_object_mut() {
            obj.insert("reason".into(), serde_json::Value::String(eval.summary()));
            obj.insert(
                "evaluation".into(),
                serde_json::to_value(&eval)
                    .map_err(|e| format!("cannot serialize evaluation: {e}"))?,
            );
        }
        // A closed pipe (e.g. `| head`) ends the output quietly.
        if writeln!(out, "{line}").is_err() {
            return Ok(ExitCode::from(if failed == 0 { 0 } else { 1 }));
        }
    }
    let _ = writeln!(out, "{passed} passed, {failed} failed");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
