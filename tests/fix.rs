//! `keyflow fix`: for every failing step that no expectation expects to fail,
//! in every built-in and in the failure scenarios of `tests/corpus/fix/`,
//! `keyflow fix --write` produces a scenario where the step passes, every
//! expectation that held still holds, and no added or widened statement uses
//! `Principal "*"` without a condition or a wildcard action.

use std::path::{Path, PathBuf};
use std::process::Output;

use keyflow_sim::fix::{FIX_LABEL, FixKind, FixStatus};
use keyflow_sim::{PolicyId, Report, Scenario, builtins, run};

fn keyflow(args: &[&str]) -> Output {
    keyflow_acceptance::keyflow(args).expect("the keyflow binary runs")
}

fn corpus() -> PathBuf {
    keyflow_acceptance::repo_root()
        .join("tests")
        .join("corpus")
        .join("fix")
}

/// Every scenario the tests cover: (how the CLI names it, the scenario).
fn scenarios() -> Vec<(String, Scenario)> {
    let mut out: Vec<(String, Scenario)> = builtins()
        .iter()
        .map(|b| (format!("builtin:{}", b.name), b.scenario().unwrap()))
        .collect();
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "the failure scenarios are missing");
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let s = Scenario::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        out.push((f.display().to_string(), s));
    }
    out
}

/// The failure scenarios and the steps each must get repaired.
const TARGETS: &[(&str, &[&str])] = &[
    ("alb-logs-kms-default", &["alb/enable-access-logs"]),
    (
        "cloudtrail-key-without-cloudtrail-statements",
        &["cloudtrail/update-trail"],
    ),
    ("cross-account-log-reader", &["cloudtrail/read-log:auditor"]),
    ("s3-uploader-without-generate-data-key", &["s3/app-put-new"]),
    (
        "ssm-reader-without-key-permission",
        &["ssm/get-parameters-with-decryption:Reporter"],
    ),
];

fn failing(report: &Report) -> Vec<String> {
    report
        .flows
        .iter()
        .flat_map(|f| {
            f.steps
                .iter()
                .filter(|s| s.applied && !s.is_ok())
                .map(move |s| format!("{}/{}", f.id, s.id))
        })
        .collect()
}

fn step_ok(report: &Report, id: &str) -> bool {
    let (f, s) = id.split_once('/').unwrap();
    report
        .flow(f)
        .and_then(|fl| fl.step(s))
        .is_some_and(|st| st.is_ok())
}

/// The statements of a policy text as minified JSON, by index.
fn statements(text: &str) -> Vec<String> {
    let v: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(_) => return Vec::new(),
    };
    match &v["Statement"] {
        serde_json::Value::Array(items) => items.iter().map(|i| i.to_string()).collect(),
        serde_json::Value::Object(_) => vec![v["Statement"].to_string()],
        _ => Vec::new(),
    }
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    match v {
        serde_json::Value::String(s) => vec![s.clone()],
        serde_json::Value::Array(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// Fails on a statement that is new or changed and grants a wildcard action or
/// to `Principal "*"` without a condition.
fn assert_least_privilege(name: &str, before: &Scenario, after: &Scenario) {
    for field in after.policy_fields() {
        let old = before
            .policy_text(&field.id)
            .map(statements)
            .unwrap_or_default();
        for (i, st) in statements(&field.text).iter().enumerate() {
            if old.get(i) == Some(st) {
                continue;
            }
            let v: serde_json::Value = serde_json::from_str(st).unwrap();
            let was: Option<serde_json::Value> =
                old.get(i).map(|o| serde_json::from_str(o).unwrap());
            for a in strings(&v["Action"]) {
                let existed = was
                    .as_ref()
                    .is_some_and(|w| strings(&w["Action"]).contains(&a));
                assert!(
                    existed || !a.contains('*'),
                    "{name}: {} statement {i} gains the wildcard action {a}",
                    field.id
                );
            }
            let star = v["Principal"] == "*" || v["Principal"]["AWS"] == "*";
            let was_star = was
                .as_ref()
                .is_some_and(|w| w["Principal"] == "*" || w["Principal"]["AWS"] == "*");
            assert!(
                !star || was_star || v.get("Condition").is_some(),
                "{name}: {} statement {i} opens to Principal \"*\" without a condition",
                field.id
            );
            assert!(
                v.get("NotAction").is_none() || was.is_some(),
                "{name}: {} statement {i} adds NotAction",
                field.id
            );
        }
    }
}

#[test]
fn fix_write_repairs_every_failure_no_expectation_expects() {
    let dir = std::env::temp_dir().join(format!("keyflow-fix-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut repaired = 0;
    for (name, before) in scenarios() {
        let report = run(&before);
        let fixes = keyflow_sim::fix(&before);
        let out = dir.join(format!("{}.json", before.name));
        let o = keyflow(&["fix", &name, "--write", out.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        let written =
            std::fs::read_to_string(&out).unwrap_or_else(|e| panic!("{name}: {e} {stderr}"));
        let after = Scenario::from_json(&written)
            .unwrap_or_else(|e| panic!("{name}: the written scenario does not load: {e}"));
        let fixed = run(&after);
        // Every expectation that held still holds.
        for (b, a) in report.expectations.iter().zip(&fixed.expectations) {
            assert!(
                !b.passed || a.passed,
                "{name}: `{}` held and no longer does: {}",
                b.expectation,
                a.reason
            );
        }
        for id in failing(&report) {
            let (f, s) = id.split_once('/').unwrap();
            let sf = fixes
                .iter()
                .find(|x| x.flow == f && x.step == s)
                .unwrap_or_else(|| panic!("{name}: no fix report for {id}"));
            if sf.status == FixStatus::ExpectedToFail {
                // An expectation of the scenario says so, and the fix leaves it failing.
                assert!(
                    report
                        .expectations
                        .iter()
                        .any(|e| e.expectation == sf.detail),
                    "{name}: {id} is said to be expected to fail by `{}`, which is no expectation",
                    sf.detail
                );
                assert!(
                    !step_ok(&fixed, &id),
                    "{name}: {id} was expected to fail and was fixed"
                );
                continue;
            }
            assert!(
                step_ok(&fixed, &id),
                "{name}: {id} still fails after keyflow fix --write ({:?}: {})",
                sf.status,
                sf.detail
            );
            repaired += 1;
        }
        assert_eq!(
            o.status.code(),
            Some(0),
            "{name}: every step was repaired or expected to fail: {stderr}"
        );
        assert_least_privilege(&name, &before, &after);
        // The fixtures' own targets were failing and now pass.
        if let Some((_, targets)) = TARGETS.iter().find(|(n, _)| *n == before.name) {
            for t in *targets {
                assert!(!step_ok(&report, t), "{name}: {t} passes before the fix");
                assert!(step_ok(&fixed, t), "{name}: {t} still fails");
            }
        }
    }
    assert!(repaired >= 5, "only {repaired} steps repaired");
    let _ = std::fs::remove_dir_all(&dir);
}

fn fixture(name: &str) -> Scenario {
    let path: PathBuf = corpus().join(format!("{name}.json"));
    Scenario::from_json(&std::fs::read_to_string(Path::new(&path)).unwrap()).unwrap()
}

#[test]
fn candidates_are_labelled_sourced_ranked_and_list_what_flips() {
    for (name, targets) in TARGETS {
        let s = fixture(name);
        for t in *targets {
            let (f, st) = t.split_once('/').unwrap();
            let sf = keyflow_sim::fix_step(&s, f, st).unwrap();
            assert_eq!(sf.status, FixStatus::Fixable, "{name} {t}: {}", sf.detail);
            assert!(!step_ok(&run(&s), t), "{name}: {t} passes before the fix");
            let mut last = None;
            for (i, c) in sf.candidates.iter().enumerate() {
                assert_eq!(c.rank, i + 1);
                assert_eq!(c.label, FIX_LABEL);
                assert!(!c.sources.is_empty(), "{name}: {} has no source", c.title);
                assert!(!c.edits.is_empty());
                // Ranked by how little they grant.
                if let Some(prev) = last {
                    assert!(prev <= c.breadth, "{name}: ranks out of order");
                }
                last = Some(c.breadth);
                // Every condition key cites an AWS page.
                for k in &c.conditions {
                    let json = serde_json::to_value(k.source).unwrap();
                    assert_eq!(json["kind"], "aws-doc", "{name}: {} {}", k.key, json);
                    assert!(
                        json["url"]
                            .as_str()
                            .unwrap()
                            .starts_with("https://docs.aws.amazon.com/"),
                        "{json}"
                    );
                }
                // The step's failing checks flip to Allowed, and the flips say so.
                for failing in &sf.failing {
                    assert!(
                        c.flips.iter().any(|x| x.id == failing.id
                            && x.in_step
                            && x.after.is_none_or(|a| a.is_allowed())),
                        "{name}: {} does not flip {}",
                        c.title,
                        failing.id
                    );
                }
                // Applying the edits gives a scenario where the step passes.
                let fixed = run(&c.apply_to(&s));
                assert!(
                    step_ok(&fixed, t),
                    "{name}: {} does not repair {t}",
                    c.title
                );
                // Policy changes carry their diff.
                for p in &c.changes {
                    assert!(
                        p.diff
                            .iter()
                            .any(|d| d.op == keyflow_sim::fix::DiffOp::Added)
                    );
                    assert_eq!(
                        c.apply_to(&s).policy_text(&p.policy),
                        Some(p.after.as_str())
                    );
                }
            }
        }
    }
}

#[test]
fn the_cloudtrail_repair_is_the_documented_statements_with_the_trail_context() {
    let s = fixture("cloudtrail-key-without-cloudtrail-statements");
    let sf = keyflow_sim::fix_step(&s, "cloudtrail", "update-trail").unwrap();
    let best = sf.best().unwrap();
    let key = best
        .changes
        .iter()
        .find(|c| matches!(c.policy, PolicyId::Key(_)))
        .expect("the key policy changes");
    let generate = key
        .added
        .iter()
        .find(|a| a.actions == ["kms:GenerateDataKey"])
        .expect("a GenerateDataKey statement");
    assert_eq!(
        generate.principal.as_deref(),
        Some("Service: cloudtrail.amazonaws.com")
    );
    let keys: Vec<&str> = generate.conditions.iter().map(|c| c.key.as_str()).collect();
    assert!(
        keys.contains(&"kms:EncryptionContext:aws:cloudtrail:arn")
            && keys.contains(&"aws:SourceArn"),
        "{keys:?}"
    );
    assert!(key.added.iter().any(|a| a.actions == ["kms:DescribeKey"]));
    // Encrypting the trail's logs would break user1's read: the candidate lets user1 decrypt too.
    assert!(
        best.why
            .iter()
            .any(|w| w.contains("to keep step cloudtrail/read-log:user1")),
        "{:?}",
        best.why
    );
}

#[test]
fn alb_access_log_failures_are_repaired_by_the_bucket_default_never_a_statement() {
    let s = fixture("alb-logs-kms-default");
    let sf = keyflow_sim::fix_step(&s, "alb", "enable-access-logs").unwrap();
    assert_eq!(sf.status, FixStatus::Fixable);
    for c in &sf.candidates {
        assert_eq!(c.kind, FixKind::Setting, "{}", c.title);
        assert!(c.changes.is_empty(), "{} writes a policy", c.title);
        assert!(c.settings.iter().any(|x| x.after == "SSE-S3"));
    }
}

#[test]
fn cross_account_access_changes_both_accounts_and_names_the_reader() {
    let s = fixture("cross-account-log-reader");
    let sf = keyflow_sim::fix_step(&s, "cloudtrail", "read-log:auditor").unwrap();
    let best = sf.best().unwrap();
    let ids: Vec<String> = best.changes.iter().map(|c| c.policy.to_string()).collect();
    assert!(ids.iter().any(|i| i.starts_with("bucket:")), "{ids:?}");
    assert!(ids.iter().any(|i| i.starts_with("key:")), "{ids:?}");
    assert!(
        ids.iter().any(|i| i == "identity:auditor/keyflow-fix"),
        "{ids:?}"
    );
    for c in best
        .changes
        .iter()
        .filter(|c| !matches!(c.policy, PolicyId::Identity { .. }))
    {
        for a in &c.added {
            assert_eq!(
                a.principal.as_deref(),
                Some("AWS: arn:aws:iam::444455556666:user/auditor"),
                "{}",
                a.text
            );
        }
    }
    // The bucket statement is limited to the log prefix the bucket policy already uses.
    let bucket = best
        .changes
        .iter()
        .find(|c| matches!(c.policy, PolicyId::Bucket(_)))
        .unwrap();
    assert_eq!(
        bucket.added[0].resource.as_deref(),
        Some("arn:aws:s3:::aws-cloudtrail-logs-123456789012-1a2b3c4d/AWSLogs/123456789012/*")
    );
    // Widening the account-wide decrypt statement to the auditor's account grants more: ranked later.
    if let Some(edit) = sf
        .candidates
        .iter()
        .find(|c| c.kind == FixKind::EditStatement)
    {
        assert!(edit.rank > best.rank && edit.breadth > best.breadth);
    }
}

#[test]
fn fix_json_and_text_on_the_command_line() {
    let path = corpus().join("ssm-reader-without-key-permission.json");
    let o = keyflow(&["fix", path.to_str().unwrap(), "--json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let step = &v[0];
    assert_eq!(step["status"], "fixable");
    let c = &step["candidates"][0];
    assert_eq!(c["label"], FIX_LABEL);
    assert!(
        c["changes"][0]["diff"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["op"] == "added")
    );
    assert!(
        c["flips"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["after"] == "Allowed")
    );
    assert!(
        c["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["key"] == "kms:EncryptionContext:PARAMETER_ARN")
    );
    let o = keyflow(&[
        "fix",
        "builtin:ssm-securestring-cmk",
        "--step",
        "ssm/get-parameters-with-decryption:Intern",
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("[expected-to-fail]"), "{text}");
    assert!(
        text.contains("step ssm/get-parameters-with-decryption:Intern ends error"),
        "{text}"
    );
    let o = keyflow(&["fix", "builtin:ssm-securestring-cmk", "--step", "ssm/nope"]);
    assert_eq!(o.status.code(), Some(2));
    let o = keyflow(&["fix", "builtin:ssm-securestring-cmk", "--step", "nope"]);
    assert_eq!(o.status.code(), Some(2));
}

/// Reporter gets kms:Decrypt from IAM but a permissions boundary (or an SCP)
/// does not allow it: the repair widens the boundary (or the SCP) by exactly
/// that action on that key, with the request's conditions.
#[test]
fn boundaries_and_scps_get_the_exact_action() {
    let base = fixture("ssm-reader-without-key-permission");
    let key_arn =
        "arn:aws:kms:ap-northeast-1:111122223333:key/1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d";
    let allow = |actions: &str, resource: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":{actions},"Resource":"{resource}"}}]}}"#
        )
    };
    let mut s = base.clone();
    let reporter = s
        .principals
        .iter_mut()
        .find(|p| p.name == "Reporter")
        .unwrap();
    reporter.policies.push(keyflow_sim::NamedPolicy {
        name: "Decrypt".into(),
        document: allow(r#""kms:Decrypt""#, key_arn),
    });
    let mut bounded = s.clone();
    bounded
        .principals
        .iter_mut()
        .find(|p| p.name == "Reporter")
        .unwrap()
        .permission_boundary = Some(allow(r#"["ssm:GetParameter*"]"#, "*"));
    let mut scp = s.clone();
    scp.scps.push(keyflow_sim::NamedPolicy {
        name: "OnlySsm".into(),
        document: allow(r#"["ssm:*", "kms:Encrypt"]"#, "*"),
    });
    for (s, id) in [
        (bounded, PolicyId::Boundary("Reporter".into())),
        (scp, PolicyId::Scp("OnlySsm".into())),
    ] {
        let sf =
            keyflow_sim::fix_step(&s, "ssm", "get-parameters-with-decryption:Reporter").unwrap();
        assert_eq!(sf.status, FixStatus::Fixable, "{id}: {}", sf.detail);
        let best = sf.best().unwrap();
        let change = best
            .changes
            .iter()
            .find(|c| c.policy == id)
            .unwrap_or_else(|| panic!("{id} is not changed: {}", best.title));
        assert_eq!(change.added.len(), 1);
        assert_eq!(change.added[0].actions, ["kms:Decrypt"]);
        assert_eq!(change.added[0].resource.as_deref(), Some(key_arn));
        assert!(step_ok(
            &run(&best.apply_to(&s)),
            "ssm/get-parameters-with-decryption:Reporter"
        ));
    }
}
