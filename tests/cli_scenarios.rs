//! The `keyflow scenarios | run | share` commands, run through cargo so the
//! binary is always the current one.

use std::process::Output;

fn keyflow(args: &[&str]) -> Output {
    keyflow_acceptance::keyflow(args).expect("the keyflow binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn scenarios_lists_every_builtin() {
    let o = keyflow(&["scenarios"]);
    assert!(o.status.success());
    let text = stdout(&o);
    for b in keyflow_sim::builtins() {
        assert!(
            text.lines()
                .any(|l| l.starts_with(b.name) && l.contains(b.title)),
            "{} missing",
            b.name
        );
    }
}

#[test]
fn run_json_has_the_documented_shape() {
    let o = keyflow(&["run", "builtin:ssm-securestring-cmk", "--json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["scenario"], "ssm-securestring-cmk");
    let flows = v["flows"].as_array().unwrap();
    assert!(!flows.is_empty());
    let mut saw_error = false;
    for f in flows {
        assert!(f["id"].is_string() && f["title"].is_string());
        for s in f["steps"].as_array().unwrap() {
            assert!(s["actor"].is_string() && s["call"].is_string());
            match s["outcome"].as_str().unwrap() {
                "ok" => assert!(s["error"].is_null()),
                "error" => {
                    saw_error = true;
                    assert!(s["error"]["code"].is_string() && s["error"]["message"].is_string());
                    assert!(s["error"]["source"]["kind"].is_string());
                }
                other => panic!("outcome {other}"),
            }
            for c in s["checks"].as_array().unwrap() {
                let id = c["id"].as_str().unwrap();
                assert!(id.parse::<keyflow_sim::CheckId>().is_ok(), "{id}");
                for k in ["principal", "action", "resource"] {
                    assert!(c["request"][k].is_string(), "check request lacks {k}");
                }
                assert!(c["request"]["context"].is_object());
                let decision = c["decision"].as_str().unwrap();
                assert!(
                    [
                        "Allowed",
                        "ImplicitlyDenied",
                        "ExplicitlyDenied",
                        "NotEvaluated"
                    ]
                    .contains(&decision)
                );
                assert!(c["reason"].is_string() && c["reason_code"].is_string());
                for d in c["deciding"].as_array().unwrap() {
                    assert!(
                        d["policy"]
                            .as_str()
                            .unwrap()
                            .parse::<keyflow_sim::PolicyId>()
                            .is_ok()
                    );
                    assert!(d["line"].as_u64().unwrap() >= 1 && d["column"].as_u64().unwrap() >= 1);
                    assert!(["Allow", "Deny"].contains(&d["effect"].as_str().unwrap()));
                }
            }
        }
    }
    assert!(saw_error, "a denied step is data: the run still exits 0");
}

#[test]
fn check_exit_codes() {
    assert_eq!(
        keyflow(&["run", "builtin:cloudtrail-sse-kms", "--check"])
            .status
            .code(),
        Some(0)
    );
    // The same scenario with an expectation that cannot hold.
    let mut v: serde_json::Value =
        serde_json::from_str(keyflow_sim::builtin("cloudtrail-sse-kms").unwrap().json).unwrap();
    v["expectations"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"expect": "matrix", "flow": "cloudtrail", "principal": "developer", "read": true}));
    let path = std::env::temp_dir().join(format!("keyflow-cli-check-{}.json", std::process::id()));
    std::fs::write(&path, v.to_string()).unwrap();
    let o = keyflow(&["run", path.to_str().unwrap(), "--check"]);
    std::fs::remove_file(&path).ok();
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(
        text.contains("FAIL developer can read the cloudtrail logs"),
        "{text}"
    );
    assert!(
        text.lines().any(|l| l.ends_with("passed, 1 failed")),
        "{text}"
    );
    // Bad input is exit 2.
    assert_eq!(keyflow(&["run", "builtin:nope"]).status.code(), Some(2));
    assert_eq!(keyflow(&["run", "#s=9.AAAA"]).status.code(), Some(2));
}

#[test]
fn share_then_run_the_link_gives_the_same_report() {
    let o = keyflow(&[
        "share",
        "builtin:alb-logs-cmk",
        "--base",
        "https://keyflow.example/play",
    ]);
    assert!(o.status.success());
    let url = stdout(&o).trim().to_string();
    assert!(
        url.starts_with("https://keyflow.example/play#s=2."),
        "{url}"
    );
    let from_link = keyflow(&["run", &url, "--json"]);
    let from_builtin = keyflow(&["run", "builtin:alb-logs-cmk", "--json"]);
    assert!(from_link.status.success());
    assert_eq!(stdout(&from_link), stdout(&from_builtin));
    let bare = keyflow(&["share", "builtin:alb-logs-cmk"]);
    assert!(stdout(&bare).starts_with("#s=2."));
}

#[test]
fn diff_reports_the_steps_a_change_flips() {
    let o = keyflow(&[
        "diff",
        "builtin:cloudtrail-sse-kms",
        "builtin:cloudtrail-sse-kms-restricted",
        "--json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let changes: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let changes = changes.as_array().unwrap();
    assert!(!changes.is_empty());
    for c in changes {
        assert_ne!(
            c["before"], c["after"],
            "only changed steps are listed: {c}"
        );
    }
    let o = keyflow(&[
        "diff",
        "builtin:ssm-securestring-cmk",
        "builtin:ssm-securestring-cmk",
    ]);
    assert_eq!(stdout(&o).trim(), "0 step(s) changed");
    assert_eq!(
        keyflow(&["diff", "builtin:ssm-securestring-cmk"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn run_explain_prints_each_check_with_its_deciding_statements_and_positions() {
    let o = keyflow(&["run", "builtin:ssm-securestring-cmk", "--explain"]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    assert!(
        text.contains("check: ssm/put-parameter/kms:Encrypt"),
        "{text}"
    );
    // The statement the run names is where the key policy text says it is.
    let s = keyflow_sim::builtin("ssm-securestring-cmk")
        .unwrap()
        .scenario()
        .unwrap();
    let key = &s.keys[0];
    let at = key
        .policy
        .find("\"Sid\": \"Allow use of the key\"")
        .unwrap();
    // The statement's span starts at its `{`, the line before or at the Sid.
    let start = key.policy[..at].rfind('{').unwrap();
    let line = key.policy[..start].matches('\n').count() + 1;
    let column = start - key.policy[..start].rfind('\n').map_or(0, |i| i + 1) + 1;
    let expected = format!(
        "Allow: key:{} \"Allow use of the key\" ({line}:{column})",
        key.id
    );
    assert!(text.contains(&expected), "missing {expected} in\n{text}");
}
