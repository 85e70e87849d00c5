//! The PutKeyPolicy what-if: AWS's lockout safety check on the caller, with
//! its exact error, and Keyflow's own warning when nobody could change the key
//! policy afterwards.

use keyflow_sim::lockout::{LOCKOUT_CODE, LOCKOUT_MESSAGE, put_key_policy};
use keyflow_sim::{Scenario, Verdict, builtin};

fn scenario() -> Scenario {
    builtin("cloudtrail-sse-kms").unwrap().scenario().unwrap()
}

fn policy(statements: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)
}

const ROLE1_ADMIN: &str = r#"{"Sid":"Admins","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/Role1"},"Action":["kms:PutKeyPolicy","kms:GetKeyPolicy"],"Resource":"*"}"#;
const TRAIL: &str = r#"{"Sid":"CloudTrail","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"kms:GenerateDataKey*","Resource":"*"}"#;

#[test]
fn a_caller_that_drops_itself_gets_aws_s_error_but_no_warning_when_others_remain() {
    let s = scenario();
    // user1 (no key policy statement of its own, no IAM allow) puts a policy that keeps Role1.
    let r = put_key_policy(&s, "alias/cloudtrail-logs", "user1", &policy(ROLE1_ADMIN)).unwrap();
    assert!(r.refused());
    let e = r.error.as_ref().unwrap();
    assert_eq!(e.code, LOCKOUT_CODE);
    assert_eq!(
        e.message,
        "The new key policy will not allow you to update the key policy in the future."
    );
    assert_eq!(
        r.cli_error.as_deref(),
        Some(
            "An error occurred (MalformedPolicyDocumentException) when calling the PutKeyPolicy operation: The new key policy will not allow you to update the key policy in the future."
        )
    );
    assert_ne!(r.caller_decision, Verdict::Allowed);
    assert!(r.warning.is_none(), "{:?}", r.warning);
    assert!(r.can_change.iter().any(|c| c.principal == "Role1"));
}

#[test]
fn nobody_left_is_keyflow_s_own_warning() {
    let s = scenario();
    let r = put_key_policy(&s, "alias/cloudtrail-logs", "User1", &policy(TRAIL)).unwrap();
    assert!(r.refused());
    assert_eq!(r.error.as_ref().unwrap().message, LOCKOUT_MESSAGE);
    let w = r
        .warning
        .as_ref()
        .expect("Keyflow warns that nobody could change the policy");
    assert_eq!(w.label, "Keyflow's own check");
    assert!(w.text.contains("unmanageable"), "{}", w.text);
    assert!(r.can_change.is_empty());
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["warning"]["source"]["kind"], "aws-doc");
    assert_eq!(json["error"]["source"]["kind"], "aws-doc");
}

#[test]
fn keeping_the_caller_passes_the_check() {
    let s = scenario();
    let r = put_key_policy(
        &s,
        "alias/cloudtrail-logs",
        "User1",
        &policy(&format!("{ROLE1_ADMIN},{TRAIL}")),
    )
    .unwrap();
    assert!(!r.refused(), "{}", r.caller_why);
    assert_eq!(r.caller_decision, Verdict::Allowed);
    assert!(r.warning.is_none());
    // The account delegation statement is gone: only Role1 (and its session) remain.
    assert!(
        r.can_change
            .iter()
            .all(|c| c.principal == "Role1" || c.principal == "User1"),
        "{:?}",
        r.can_change
            .iter()
            .map(|c| &c.principal)
            .collect::<Vec<_>>()
    );
    // A new policy that does not parse is not an AWS answer.
    let r = put_key_policy(&s, "alias/cloudtrail-logs", "User1", "{ not json").unwrap();
    assert!(r.not_evaluated.is_some() && r.error.is_none() && r.warning.is_none());
    assert!(put_key_policy(&s, "alias/nope", "User1", "{}").is_err());
    assert!(put_key_policy(&s, "alias/aws/s3", "User1", "{}").is_err());
}
