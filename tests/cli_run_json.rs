//! `keyflow run` on scenarios Keyflow cannot fully evaluate, and on policies
//! that name what the scenario lacks: the JSON shape of not-evaluated steps
//! and of name-mismatch findings, and the same facts in the text timeline.

use std::path::PathBuf;
use std::process::Output;

use keyflow_sim::{Scenario, builtin};
use serde_json::Value;

fn keyflow(args: &[&str]) -> Output {
    keyflow_acceptance::keyflow(args).expect("the keyflow binary runs")
}

/// Writes a scenario file under target/ and returns its path.
fn scenario_file(name: &str, s: &Scenario) -> PathBuf {
    let dir = keyflow_acceptance::repo_root()
        .join("target")
        .join("cli-run-json");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, s.to_json_pretty()).unwrap();
    path
}

fn run_json(path: &std::path::Path) -> Value {
    let o = keyflow(&["run", path.to_str().unwrap(), "--json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

fn run_text(path: &std::path::Path) -> String {
    let o = keyflow(&["run", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The CloudTrail scenario with one comma deleted from its key policy.
fn missing_comma() -> Scenario {
    let mut s = builtin("cloudtrail-sse-kms").unwrap().scenario().unwrap();
    let policy = &mut s.keys[0].policy;
    let at = policy.find("\"Effect\": \"Allow\",").unwrap() + "\"Effect\": \"Allow\"".len();
    policy.remove(at);
    s
}

#[test]
fn a_step_needing_a_policy_that_does_not_parse_is_not_evaluated_in_json() {
    let s = missing_comma();
    let v = run_json(&scenario_file("missing-comma", &s));
    let steps = v["flows"][0]["steps"].as_array().unwrap();
    let update = steps.iter().find(|x| x["id"] == "update-trail").unwrap();
    assert_eq!(update["outcome"], "not_evaluated");
    assert!(
        update["error"].is_null(),
        "no AWS error for text Keyflow cannot read"
    );
    assert!(update.get("cli_error").is_none());
    let why = &update["not_evaluated"];
    let key = format!("key:{}", s.keys[0].id);
    assert_eq!(why["policy"], key.as_str());
    assert_eq!(why["line"], 8);
    assert!(why["column"].as_u64().unwrap() >= 1);
    assert!(why["message"].as_str().unwrap().contains("','"), "{why}");
    // The checks that need the key policy are NotEvaluated, with the same reason.
    let kms: Vec<&Value> = update["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["request"]["action"].as_str().unwrap().starts_with("kms:"))
        .collect();
    assert!(!kms.is_empty());
    for c in kms {
        assert_eq!(c["decision"], "NotEvaluated");
        assert!(c["reason"].is_null());
        assert_eq!(c["reason_code"], "not_evaluated");
        assert_eq!(c["not_evaluated"]["policy"], key.as_str());
    }
    // Later steps build on the trail update: not evaluated either, with the cause named.
    for later in steps
        .iter()
        .skip_while(|x| x["id"] != "update-trail")
        .skip(1)
    {
        assert_eq!(later["outcome"], "not_evaluated", "{}", later["id"]);
        assert!(later["error"].is_null());
        assert!(later["not_evaluated"]["policy"].is_null());
        assert!(
            later["not_evaluated"]["message"]
                .as_str()
                .unwrap()
                .contains("update-trail"),
            "{later}"
        );
    }
    // No outcome of the run names an AWS error code.
    let text = serde_json::to_string(&v["flows"]).unwrap();
    assert!(!text.contains("InsufficientEncryptionPolicyException"));
}

#[test]
fn the_text_timeline_says_not_evaluated_with_the_position() {
    let s = missing_comma();
    let text = run_text(&scenario_file("missing-comma-text", &s));
    let line = text
        .lines()
        .find(|l| l.contains("NOT EVALUATED"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.contains(&format!("key:{}: line 8, column", s.keys[0].id)),
        "{line}"
    );
    assert!(!text.contains("=> ERROR InsufficientEncryptionPolicyException"));
}

#[test]
fn name_mismatch_findings_are_in_json_and_text() {
    let mut s = builtin("alb-logs-cmk").unwrap().scenario().unwrap();
    let policy = s.buckets[0].policy.clone().unwrap();
    s.buckets[0].policy = Some(policy.replace("test-alb-access-logs", "my-alb-logs-111122223333"));
    let path = scenario_file("bucket-mismatch", &s);
    let v = run_json(&path);
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(f["code"], "unknown-name");
    assert_eq!(f["policy"], "bucket:test-alb-access-logs");
    assert_eq!(f["kind"], "bucket");
    assert_eq!(f["name"], "my-alb-logs-111122223333");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(10), Some(25))
    );
    assert!(f["start"].as_u64().unwrap() < f["end"].as_u64().unwrap());
    assert_eq!(
        f["message"],
        "the scenario has no bucket \"my-alb-logs-111122223333\"; it has \"test-alb-access-logs\""
    );
    let fixes: Vec<&str> = f["fixes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        fixes,
        [
            "Use the scenario's bucket \"test-alb-access-logs\"",
            "Add bucket \"my-alb-logs-111122223333\" to the scenario"
        ]
    );
    let text = run_text(&path);
    assert!(
        text.contains("Finding bucket:test-alb-access-logs:10:25: warning[unknown-name]: the scenario has no bucket \"my-alb-logs-111122223333\""),
        "{text}"
    );
    assert!(text.contains("   fix: Use the scenario's bucket \"test-alb-access-logs\""));
    // A built-in has no findings, and says so with an empty list.
    let o = keyflow(&["run", "builtin:alb-logs-cmk", "--json"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["findings"], serde_json::json!([]));
}

#[test]
fn a_key_nobody_can_manage_is_a_finding() {
    let mut s = builtin("ssm-securestring-cmk").unwrap().scenario().unwrap();
    // The key policy keeps only its users' statement: no kms:PutKeyPolicy for anyone.
    s.keys[0].policy = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:Decrypt", "Resource": "*"}
  ]
}"#
    .into();
    let path = scenario_file("unmanageable-key", &s);
    let v = run_json(&path);
    let found: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "unmanageable-key")
        .collect();
    assert_eq!(found.len(), 1, "{v:#?}");
    assert_eq!(
        (found[0]["line"].as_u64(), found[0]["column"].as_u64()),
        (Some(3), Some(3))
    );
    assert!(run_text(&path).contains("warning[unmanageable-key]"));
}
