//! `keyflow who-can`: the access view of every key and bucket agrees with the
//! flows and the access matrix of every built-in (and of the failure
//! scenarios): each check a flow made on a key or bucket is allowed exactly
//! when the who-can cell for its principal is allowed under conditions that
//! the check's own request meets.

use std::path::PathBuf;
use std::process::Output;

use keyflow_policy::Context;
use keyflow_sim::access::{AccessCell, ConditionRole, SubjectKind};
use keyflow_sim::{Check, Scenario, Verdict, builtin, builtins, run, who_can};

fn keyflow(args: &[&str]) -> Output {
    keyflow_acceptance::keyflow(args).expect("the keyflow binary runs")
}

fn scenarios() -> Vec<Scenario> {
    let mut out: Vec<Scenario> = builtins().iter().map(|b| b.scenario().unwrap()).collect();
    let dir: PathBuf = keyflow_acceptance::repo_root().join("tests/corpus/fix");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in files {
        out.push(Scenario::from_json(&std::fs::read_to_string(f).unwrap()).unwrap());
    }
    out
}

/// `*` and `?` wildcards.
fn glob(p: &str, t: &str) -> bool {
    fn go(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('*', rest)) => (0..=t.len()).any(|i| go(rest, &t[i..])),
            Some((c, rest)) => t
                .split_first()
                .is_some_and(|(x, tr)| (*c == '?' || c == x) && go(rest, tr)),
        }
    }
    let (p, t): (Vec<char>, Vec<char>) = (p.chars().collect(), t.chars().collect());
    go(&p, &t)
}

/// Whether the check's request meets a listed condition; `None` for an
/// operator this test does not model.
fn holds(c: &keyflow_sim::access::AccessCondition, check: &Check) -> Option<bool> {
    if c.key == "Resource" {
        return Some(c.values.iter().any(|v| glob(v, check.resource())));
    }
    let ctx: &Context = &check.request.context;
    let op = c.operator.strip_suffix("IfExists").unwrap_or(&c.operator);
    let Some(values) = ctx.get(&c.key).map(|v| v.values().to_vec()) else {
        return Some(c.operator.ends_with("IfExists") || op.contains("Not"));
    };
    let any =
        |f: &dyn Fn(&str, &str) -> bool| values.iter().any(|r| c.values.iter().any(|p| f(p, r)));
    Some(match op {
        "StringEquals" | "ArnEquals" | "Bool" => any(&|p, r| p == r),
        "StringEqualsIgnoreCase" => any(&|p, r| p.eq_ignore_ascii_case(r)),
        "StringLike" | "ArnLike" => any(&|p, r| glob(p, r)),
        "StringNotEquals" | "ArnNotEquals" => !any(&|p, r| p == r),
        "StringNotLike" | "ArnNotLike" => !any(&|p, r| glob(p, r)),
        "EncryptionContextSubset" => any(&|p, r| p == r),
        _ => return None,
    })
}

/// The row of the view that stands for the check's principal.
fn row<'a>(cells: &'a [AccessCell], check: &Check) -> Option<&'a AccessCell> {
    cells
        .iter()
        .find(|c| c.subject == SubjectKind::Principal && c.arn == check.principal())
        .or_else(|| {
            cells
                .iter()
                .find(|c| c.subject == SubjectKind::Service && c.arn == check.principal())
        })
        .or_else(|| {
            let service = check.context("aws:PrincipalIsAWSService") == Some("true");
            service
                .then(|| cells.iter().find(|c| c.subject == SubjectKind::AnyService))
                .flatten()
        })
}

fn on_key_or_bucket(s: &Scenario, check: &Check) -> bool {
    let r = check.resource();
    let a = check.action();
    let bucket = r
        .strip_prefix("arn:aws:s3:::")
        .and_then(|x| x.split('/').next())
        .is_some_and(|b| s.buckets.iter().any(|x| x.name == b));
    let key = r.starts_with("arn:aws:kms:") && a.starts_with("kms:");
    (bucket && a.starts_with("s3:")) || key
}

#[test]
fn who_can_agrees_with_every_check_the_flows_make() {
    let mut compared = 0;
    let mut allowed = 0;
    let mut conditional_denials = 0;
    for s in scenarios() {
        let report = run(&s);
        for check in report.checks() {
            if !on_key_or_bucket(&s, check) || check.not_evaluated.is_some() {
                continue;
            }
            let cells = who_can(&s, check.action(), Some(check.resource()))
                .unwrap_or_else(|e| panic!("{}: {e}", s.name));
            let Some(cell) = row(&cells, check) else {
                continue;
            };
            compared += 1;
            let at = format!("{} {} ({})", s.name, check.id, cell.principal);
            // Each alternative holds when all its conditions (and the shared ones) hold.
            let shared: Vec<Option<bool>> = cell
                .conditions
                .iter()
                .filter(|c| c.role == ConditionRole::AllowsWhen && c.alternative.is_none())
                .map(|c| holds(c, check))
                .collect();
            let count = cell
                .conditions
                .iter()
                .filter_map(|c| c.alternative)
                .max()
                .map_or(1, |m| m + 1);
            let allows_hold: Vec<Option<bool>> = (0..count)
                .map(|i| {
                    let mut all: Vec<Option<bool>> = cell
                        .conditions
                        .iter()
                        .filter(|c| c.role == ConditionRole::AllowsWhen && c.alternative == Some(i))
                        .map(|c| holds(c, check))
                        .collect();
                    all.extend(shared.iter().copied());
                    if all.contains(&Some(false)) {
                        Some(false)
                    } else if all.contains(&None) {
                        None
                    } else {
                        Some(true)
                    }
                })
                .collect();
            let denies_apply: Vec<Option<bool>> = cell
                .conditions
                .iter()
                .filter(|c| c.role == ConditionRole::DeniesWhen)
                .map(|c| holds(c, check))
                .collect();
            if check.decision == Verdict::Allowed {
                allowed += 1;
                assert_eq!(
                    cell.decision,
                    Verdict::Allowed,
                    "{at}: the flow allowed: {}",
                    cell.why
                );
                assert!(
                    !allows_hold.iter().all(|h| *h == Some(false)),
                    "{at}: the flow allowed, but its request meets no alternative: {:?}",
                    cell.conditions
                );
                assert!(
                    !denies_apply.contains(&Some(true)),
                    "{at}: a listed Deny applies to an allowed request"
                );
            } else if cell.decision == Verdict::Allowed {
                // Allowed only under conditions the flow's request does not meet.
                conditional_denials += 1;
                let unmet = allows_hold.iter().all(|h| *h == Some(false))
                    || denies_apply.contains(&Some(true));
                let unknown = allows_hold.contains(&None) || denies_apply.contains(&None);
                assert!(
                    unmet || unknown,
                    "{at}: the flow was {} but the view allows with conditions the request meets: {:?}",
                    check.decision,
                    cell.conditions
                );
            } else {
                assert_eq!(cell.decision, check.decision, "{at}: {}", cell.why);
            }
        }
    }
    assert!(compared > 100, "compared only {compared} checks");
    assert!(
        allowed > 30,
        "{allowed} allowed, {conditional_denials} conditional"
    );
}

#[test]
fn a_request_outside_the_listed_conditions_is_denied_by_the_flow() {
    // The console key policy, with decryption pinned to another trail's context.
    let mut s = builtin("cloudtrail-sse-kms").unwrap().scenario().unwrap();
    let policy = s.keys[0].policy.clone();
    let at = policy
        .find("Allow principals in the account to decrypt")
        .unwrap();
    s.keys[0].policy = format!(
        "{}{}",
        &policy[..at],
        policy[at..].replace("trail/*", "trail/other-trail")
    );
    let report = run(&s);
    let step = report
        .flow("cloudtrail")
        .unwrap()
        .step("read-log:user1")
        .unwrap();
    let decrypt = step
        .checks
        .iter()
        .find(|c| c.action() == "kms:Decrypt")
        .unwrap();
    assert_eq!(decrypt.decision, Verdict::ImplicitlyDenied);
    let cells = who_can(&s, "kms:Decrypt", Some(decrypt.resource())).unwrap();
    let user1 = row(&cells, decrypt).unwrap();
    assert_eq!(user1.decision, Verdict::Allowed, "{}", user1.why);
    let context = user1
        .conditions
        .iter()
        .find(|c| c.key == "kms:EncryptionContext:aws:cloudtrail:arn")
        .unwrap();
    assert_eq!(holds(context, decrypt), Some(false));
    assert!(context.text.contains("other-trail"), "{}", context.text);
}

#[test]
fn who_can_agrees_with_the_cloudtrail_access_matrix() {
    for s in scenarios() {
        let report = run(&s);
        for flow in report.flows.iter().filter(|f| !f.matrix.is_empty()) {
            for row_ in &flow.matrix {
                // A reader reads when both the S3 read and the KMS decrypt are allowed.
                let reads: Vec<&Check> = row_
                    .checks
                    .iter()
                    .filter(|c| ["s3:GetObject", "kms:Decrypt"].contains(&c.action()))
                    .collect();
                for c in &reads {
                    let cells = who_can(&s, c.action(), Some(c.resource())).unwrap();
                    let cell = row(&cells, c)
                        .unwrap_or_else(|| panic!("{}: no row for {}", s.name, row_.principal));
                    if c.allowed() {
                        assert_eq!(
                            cell.decision,
                            Verdict::Allowed,
                            "{} {}",
                            s.name,
                            row_.principal
                        );
                    }
                }
                if row_.read.allowed() {
                    assert!(reads.iter().all(|c| c.allowed()));
                }
            }
        }
    }
}

#[test]
fn every_key_and_bucket_lists_accounts_services_and_anyone() {
    for s in scenarios() {
        let view = keyflow_sim::access_view(&s);
        for k in &s.keys {
            for op in keyflow_sim::access::KEY_OPERATIONS {
                let cells: Vec<&AccessCell> = view
                    .iter()
                    .filter(|c| c.action == op && c.resource.contains(&k.id))
                    .collect();
                for p in &s.principals {
                    assert!(
                        cells.iter().any(|c| c.principal == p.name),
                        "{} {op}: {}",
                        s.name,
                        p.name
                    );
                }
                let account = format!("any principal of account {}", s.account);
                let root = cells.iter().find(|c| c.principal == account).unwrap();
                assert_eq!(root.arn, format!("arn:aws:iam::{}:root", s.account));
                assert!(cells.iter().any(|c| c.subject == SubjectKind::AnyService));
                let anyone = cells
                    .iter()
                    .find(|c| c.subject == SubjectKind::Anyone)
                    .unwrap();
                assert_eq!(anyone.arn, "*");
            }
        }
        for b in &s.buckets {
            let n = view.iter().filter(|c| c.resource == b.name).count();
            assert!(
                n >= keyflow_sim::access::BUCKET_OPERATIONS.len() * 3,
                "{} {}",
                s.name,
                b.name
            );
        }
    }
}

#[test]
fn who_can_on_the_command_line() {
    let o = keyflow(&[
        "who-can",
        "builtin:cloudtrail-sse-kms",
        "kms:Decrypt",
        "alias/cloudtrail-logs",
        "--json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rows = v.as_array().unwrap();
    for r in rows {
        assert!(r["principal"].is_string() && r["arn"].is_string() && r["why"].is_string());
        assert!(
            [
                "Allowed",
                "ImplicitlyDenied",
                "ExplicitlyDenied",
                "NotEvaluated"
            ]
            .contains(&r["decision"].as_str().unwrap())
        );
        assert!(r["conditions"].is_array());
    }
    let user2 = rows.iter().find(|r| r["principal"] == "user2").unwrap();
    assert_eq!(user2["decision"], "Allowed");
    assert!(
        user2["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["key"] == "kms:EncryptionContext:aws:cloudtrail:arn"),
        "{user2}"
    );
    assert!(
        rows.iter()
            .any(|r| r["principal"] == "anyone" && r["arn"] == "*")
    );
    let o = keyflow(&["who-can", "builtin:cloudtrail-sse-kms", "s3:GetObject"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.starts_with("s3:GetObject on aws-cloudtrail-logs-123456789012-1a2b3c4d"),
        "{text}"
    );
    assert!(text.contains("any AWS service"), "{text}");
    let o = keyflow(&["who-can", "builtin:cloudtrail-sse-kms", "ec2:RunInstances"]);
    assert_eq!(o.status.code(), Some(2));
    let o = keyflow(&[
        "who-can",
        "builtin:cloudtrail-sse-kms",
        "kms:Decrypt",
        "alias/nope",
    ]);
    assert_eq!(o.status.code(), Some(2));
}
