//! `keyflow cases` and `keyflow lint`, end to end through the binary.

use std::process::Output;

fn keyflow(args: &[&str]) -> Output {
    keyflow_acceptance::keyflow(args).expect("the keyflow binary runs")
}

fn scratch(name: &str, text: &str) -> String {
    let dir = keyflow_acceptance::repo_root().join("target/cli-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn cases_prints_a_line_per_case_and_a_summary() {
    let file = keyflow_acceptance::repo_root().join("tests/corpus/cases/public.json");
    let o = keyflow(&["cases", file.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    let summary = lines.last().unwrap();
    let cases = lines.len() - 1;
    assert_eq!(*summary, format!("{cases} passed, 0 failed"));
    for line in &lines[..cases] {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["agree"], true);
        assert_eq!(v["expected"], v["actual"]);
    }
}

#[test]
fn cases_exits_1_on_a_disagreement_and_2_on_bad_input() {
    let wrong = scratch(
        "wrong.json",
        r#"[{"name":"no-policy-no-access","request":{"principal":"arn:aws:iam::111122223333:user/a","action":"s3:GetObject","resource":"arn:aws:s3:::b/k","resource_account":"111122223333"},
            "identity_policies":[],"resource_policy":null,"scps":[],"expected":"Allowed"}]"#,
    );
    let o = keyflow(&["cases", &wrong]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).ends_with("0 passed, 1 failed\n"));

    let broken = scratch(
        "broken.json",
        "[\n  {\"name\": \"x\",\n    \"request\": }\n]",
    );
    let o = keyflow(&["cases", &broken]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("broken.json:3:"), "position missing: {err}");
}

#[test]
fn lint_points_at_the_misspelled_operator() {
    let policy = scratch(
        "typo.json",
        "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": {\n    \"Effect\": \"Allow\",\n    \"Action\": \"s3:GetObject\",\n    \"Resource\": \"*\",\n    \"Condition\": {\"StringEqual\": {\"aws:SourceAccount\": \"111122223333\"}}\n  }\n}\n",
    );
    let o = keyflow(&["lint", "--kind", "identity", &policy]);
    assert_eq!(o.status.code(), Some(1), "an unknown operator is an error");
    let out = String::from_utf8_lossy(&o.stdout);
    let line = out
        .lines()
        .find(|l| l.contains("[KF101]"))
        .expect("KF101 reported");
    assert!(
        line.starts_with(&format!("{policy}:7:19: error[KF101]")),
        "{line}"
    );
    assert!(
        out.contains("StringEquals"),
        "suggests the right operator: {out}"
    );

    let o = keyflow(&["lint", "--format", "json", "--kind", "identity", &policy]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v.to_string().contains("KF101"));
}
