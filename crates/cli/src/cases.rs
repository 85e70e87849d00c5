//! `keyflow cases FILE`: runs request/decision cases through the engine and prints
//! one JSON line per case, then `N passed, N failed`. Exit 1 on any disagreement,
//! 2 when the file cannot be read or parsed. The case format is documented in
//! `keyflow_policy::cases` and in `keyflow cases --help`.

use std::io::Write;
use std::process::ExitCode;

use keyflow_policy::LineIndex;
use keyflow_policy::cases::parse_cases;

const USAGE: &str = "usage: keyflow cases [--explain] FILE";

const HELP: &str = "\
usage: keyflow cases [--explain] FILE

Runs request/decision cases through the engine (FILE `-` reads stdin). Prints one
JSON line per case ({\"name\", \"expected\", \"actual\", \"agree\"}, plus
\"expected_service_rule\" and \"service_rule\" when either is set), then
`N passed, N failed`. Exit status: 0 all agree, 1 a case disagrees, 2 unreadable input.

  --explain   add the reason and the full evaluation (every policy, statement and
              condition) to each line

FILE is a JSON array of cases:
  name                   unique, non-empty
  note                   optional: where the expected answer comes from
  request                principal, action, resource, optional resource_account,
                         context (key -> string or array of strings)
  identity_policies      array of policy documents
  resource_policy        the bucket, key or trust policy, or null
  permission_boundary    one document or null
  session_policy         optional: one document or null
  scps                   SCPs of the caller's account by organization level, root
                         first. A level is one document, or an array of the (up to
                         five) documents attached to that node: an action passes a
                         level when any of them allows it; any Deny denies
  rcps                   optional, same shape as scps, for the resource's account
  vpc_endpoint_policy    optional: the request came through a VPC endpoint with this
                         policy; it must allow the request too (null: no endpoint)
  expected               what the policies decide: Allowed, ImplicitlyDenied or
                         ExplicitlyDenied
  expected_service_rule  optional: a service rule that refuses the call whatever the
                         policies decide: aws_managed_policy (AWS managed policies
                         cannot be changed), aws_reserved_alias (alias/aws/* is
                         reserved for AWS managed keys), aws_reserved_role (roles
                         under /aws-reserved/ are modifiable only by AWS); null or
                         absent: none
A case agrees when both the decision and the service rule match. Unknown fields are
ignored, and every optional field may be left out, so older files keep their meaning.
";

pub fn run(args: &[String]) -> Result<ExitCode, String> {
    let mut file = None;
    let mut explain = false;
    for a in args {
        match a.as_str() {
            "--explain" => explain = true,
            "-h" | "--help" => {
                print!("{HELP}");
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
        let agree = case.agrees(&eval);
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
        if (case.expected_service_rule.is_some() || eval.service_rule.is_some())
            && let Some(obj) = line.as_object_mut()
        {
            let code = |r: Option<keyflow_policy::ServiceRule>| {
                r.map_or(serde_json::Value::Null, |r| r.code().into())
            };
            obj.insert(
                "expected_service_rule".into(),
                code(case.expected_service_rule),
            );
            obj.insert("service_rule".into(), code(eval.service_rule));
        }
        if explain && let Some(obj) = line.as_object_mut() {
            obj.insert("reason".into(), serde_json::Value::String(eval.summary()));
            if let Some(rule) = eval.service_rule {
                obj.insert("service_rule_reason".into(), rule.to_string().into());
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `keyflow cases --help` documents every field the case reader takes and every
    /// service rule code it accepts.
    #[test]
    fn help_lists_the_whole_case_format() {
        for field in [
            "name",
            "note",
            "request",
            "resource_account",
            "context",
            "identity_policies",
            "resource_policy",
            "permission_boundary",
            "session_policy",
            "scps",
            "rcps",
            "vpc_endpoint_policy",
            "expected",
            "expected_service_rule",
        ] {
            assert!(
                HELP.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .any(|word| word == field),
                "{field} missing from the help text"
            );
        }
        for rule in keyflow_policy::ServiceRule::ALL {
            assert!(HELP.contains(rule.code()), "{} missing", rule.code());
        }
        assert!(HELP.starts_with(USAGE));
    }
}
