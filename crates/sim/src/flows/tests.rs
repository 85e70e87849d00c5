//! Flow behaviour on the built-ins: the requests each step sends and what decides them.

use crate::report::{Check, Report, Step};
use crate::{PolicyId, Scenario, builtin, run};

fn report(name: &str) -> Report {
    let b = builtin(name).unwrap();
    run(&Scenario::from_json(b.json).unwrap())
}

fn step<'r>(r: &'r Report, flow: &str, id: &str) -> &'r Step {
    r.flow(flow)
        .unwrap()
        .step(id)
        .unwrap_or_else(|| panic!("no step {flow}/{id}"))
}

fn check<'s>(s: &'s Step, action: &str) -> &'s Check {
    s.checks
        .iter()
        .find(|c| c.action() == action)
        .unwrap_or_else(|| panic!("no {action} check in {}", s.id))
}

fn ctx<'c>(c: &'c Check, key: &str) -> &'c str {
    c.context(key).unwrap_or_else(|| panic!("no {key}"))
}

#[test]
fn alb_enable_asks_kms_for_the_log_writer_through_s3() {
    let r = report("alb-logs-cmk");
    let s = step(&r, "alb", "enable-access-logs");
    let kms = check(s, "kms:GenerateDataKey");
    assert_eq!(
        kms.principal(),
        "logdelivery.elasticloadbalancing.amazonaws.com"
    );
    assert_eq!(
        ctx(kms, "kms:ViaService"),
        "s3.ap-northeast-1.amazonaws.com"
    );
    assert_eq!(
        ctx(kms, "kms:EncryptionContext:aws:s3:arn"),
        "arn:aws:s3:::test-alb-access-logs/AWSLogs/111122223333/ELBAccessLogTestFile"
    );
    assert!(!kms.allowed());
    assert_eq!(
        kms.policies.resource,
        Some(PolicyId::Key("1234abcd-12ab-34cd-56ef-1234567890ab".into()))
    );
    assert!(kms.policies.identity.is_empty());
    let put = check(s, "s3:PutObject");
    assert!(put.allowed());
    assert_eq!(ctx(put, "aws:SourceAccount"), "111122223333");
    assert_eq!(
        s.error.as_ref().unwrap().message,
        "Access Denied for bucket: test-alb-access-logs. Please check S3bucket permission"
    );
}

#[test]
fn alb_observed_delivery_makes_no_kms_call_documented_does() {
    let observed = report("alb-logs-cmk");
    let d = step(&observed, "alb", "deliver-log");
    assert!(d.checks.iter().all(|c| !c.action().starts_with("kms:")));
    assert_eq!(
        ctx(check(d, "s3:PutObject"), "s3:x-amz-server-side-encryption"),
        "AES256"
    );
    assert!(has_both_sides(d));
    let documented = report("alb-logs-cmk-documented");
    let d = step(&documented, "alb", "deliver-log");
    assert!(!check(d, "kms:GenerateDataKey").allowed());
    assert_eq!(d.error.as_ref().unwrap().code, "AccessDenied");
    assert!(has_both_sides(d));
}

#[test]
fn cloudtrail_checks_carry_the_trail_context() {
    let r = report("cloudtrail-sse-kms");
    let u = step(&r, "cloudtrail", "update-trail");
    let g = check(u, "kms:GenerateDataKey");
    assert_eq!(g.principal(), "cloudtrail.amazonaws.com");
    let trail = "arn:aws:cloudtrail:ap-northeast-1:123456789012:trail/management-events";
    assert_eq!(ctx(g, "kms:EncryptionContext:aws:cloudtrail:arn"), trail);
    assert_eq!(ctx(g, "aws:SourceArn"), trail);
    assert!(
        g.context("kms:ViaService").is_none(),
        "CloudTrail calls KMS itself here"
    );
    let d = step(&r, "cloudtrail", "deliver-log-file");
    let g = check(d, "kms:GenerateDataKey");
    assert_eq!(ctx(g, "kms:ViaService"), "s3.ap-northeast-1.amazonaws.com");
    assert!(
        ctx(g, "kms:EncryptionContext:aws:s3:arn").contains("/AWSLogs/123456789012/CloudTrail/")
    );
    assert_eq!(
        ctx(check(d, "s3:PutObject"), "s3:x-amz-acl"),
        "bucket-owner-full-control"
    );
    let r1 = step(&r, "cloudtrail", "read-log:user1");
    let dec = check(r1, "kms:Decrypt");
    assert_eq!(ctx(dec, "kms:CallerAccount"), "123456789012");
    assert_eq!(ctx(dec, "aws:ViaAWSService"), "true");
    assert_eq!(r.flow("cloudtrail").unwrap().kms.estimates[0].per_day, 288);
}

#[test]
fn cloudtrail_matrix_covers_every_principal() {
    let r = report("cloudtrail-sse-kms");
    let m = &r.flow("cloudtrail").unwrap().matrix;
    assert_eq!(m.len(), 6);
    let user2 = m.iter().find(|row| row.principal == "user2").unwrap();
    assert!(user2.read.allowed() && !user2.deliver.allowed());
    let restricted = report("cloudtrail-sse-kms-restricted");
    let user2 = restricted
        .flow("cloudtrail")
        .unwrap()
        .matrix
        .iter()
        .find(|row| row.principal == "user2")
        .unwrap()
        .clone();
    assert!(!user2.read.allowed());
    assert!(
        user2.read.why.starts_with("kms:Decrypt denied"),
        "{}",
        user2.read.why
    );
}

#[test]
fn digest_encryption_follows_the_setting() {
    let b = builtin("cloudtrail-sse-kms").unwrap();
    let mut s = Scenario::from_json(b.json).unwrap();
    let kms = run(&s);
    assert!(
        step(&kms, "cloudtrail", "deliver-digest-file")
            .checks
            .iter()
            .any(|c| c.action() == "kms:GenerateDataKey")
    );
    s.settings.digest_encryption = crate::DigestEncryption::SseS3;
    let s3 = run(&s);
    assert!(
        step(&s3, "cloudtrail", "deliver-digest-file")
            .checks
            .iter()
            .all(|c| !c.action().starts_with("kms:"))
    );
}

#[test]
fn ssm_calls_carry_parameter_arn_and_via_ssm() {
    let r = report("ssm-securestring-cmk");
    let put = step(&r, "ssm", "put-parameter");
    let enc = check(put, "kms:Encrypt");
    assert_eq!(
        ctx(enc, "kms:EncryptionContext:PARAMETER_ARN"),
        "arn:aws:ssm:ap-northeast-1:111122223333:parameter/prd-db-pass"
    );
    assert_eq!(
        ctx(enc, "kms:ViaService"),
        "ssm.ap-northeast-1.amazonaws.com"
    );
    let denied = step(&r, "ssm", "get-parameters-with-decryption:Intern");
    assert_eq!(
        denied.cli_error.as_deref(),
        Some(
            "An error occurred (AccessDeniedException) when calling the GetParameters operation: The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access."
        )
    );
    let plain = step(&r, "ssm", "get-parameters-no-decryption:Intern");
    assert!(plain.checks.iter().all(|c| !c.action().starts_with("kms:")));
    assert!(plain.result.contains("AQICAH"));
}

#[test]
fn ssm_advanced_tier_uses_generate_data_key() {
    let b = builtin("ssm-securestring-cmk").unwrap();
    let mut s = Scenario::from_json(b.json).unwrap();
    s.parameters[0].tier = crate::Tier::Advanced;
    let r = run(&s);
    let put = step(&r, "ssm", "put-parameter");
    assert!(
        put.checks
            .iter()
            .any(|c| c.action() == "kms:GenerateDataKey")
    );
    assert!(put.checks.iter().all(|c| c.action() != "kms:Encrypt"));
}

#[test]
fn s3_bucket_key_context_is_the_bucket_arn() {
    let r = report("s3-encrypt-in-use-bucket");
    let put = step(&r, "s3", "app-put-new");
    assert_eq!(
        ctx(
            check(put, "kms:GenerateDataKey"),
            "kms:EncryptionContext:aws:s3:arn"
        ),
        "arn:aws:s3:::example"
    );
    let without = step(&r, "s3", "batch-copy-without-bucket-key-flag");
    let per_object = without
        .checks
        .iter()
        .filter(|c| c.action() == "kms:GenerateDataKey")
        .count();
    let with = step(&r, "s3", "batch-copy");
    let bucket_level = with
        .checks
        .iter()
        .filter(|c| c.action() == "kms:GenerateDataKey")
        .count();
    assert_eq!((per_object, bucket_level), (3, 1));
    assert!(
        without
            .inventory
            .iter()
            .filter(|row| row.key.starts_with("users/"))
            .all(|row| row.bucket_key_status == "DISABLED")
    );
    let assume = step(&r, "s3", "batch-assume-role");
    assert_eq!(
        check(assume, "sts:AssumeRole").policies.resource,
        Some(PolicyId::Trust("s3-batch".into()))
    );
}

#[test]
fn disabled_key_stops_ssm_reads() {
    let b = builtin("ssm-securestring-cmk").unwrap();
    let mut s = Scenario::from_json(b.json).unwrap();
    s.keys[0].state = crate::KeyState::Disabled;
    let r = run(&s);
    let put = step(&r, "ssm", "put-parameter");
    assert_eq!(put.error.as_ref().unwrap().code, "InvalidKeyId");
    assert!(
        put.error
            .as_ref()
            .unwrap()
            .message
            .ends_with("is disabled.")
    );
}

#[test]
fn grants_allow_where_policies_do_not() {
    let b = builtin("ssm-securestring-cmk").unwrap();
    let mut s = Scenario::from_json(b.json).unwrap();
    s.keys[0].grants.push(crate::Grant {
        grantee: "Intern".into(),
        operations: vec!["Decrypt".into()],
        encryption_context_subset: [(
            "PARAMETER_ARN".to_string(),
            "arn:aws:ssm:ap-northeast-1:111122223333:parameter/prd-db-pass".to_string(),
        )]
        .into(),
    });
    let r = run(&s);
    let st = step(&r, "ssm", "get-parameters-with-decryption:Intern");
    assert!(st.is_ok(), "{:?}", st.error);
    let decrypt = check(st, "kms:Decrypt");
    assert!(decrypt.summary().contains("grant"));
    assert_eq!(
        decrypt.granted_by,
        Some(crate::GrantRef {
            key: s.keys[0].id.clone(),
            index: 0
        })
    );
}

fn has_both_sides(s: &Step) -> bool {
    use crate::NoteKind;
    s.notes_of(NoteKind::Documented).next().is_some()
        && s.notes_of(NoteKind::Observed).next().is_some()
}

#[test]
fn a_key_policy_that_does_not_parse_is_not_evaluated_with_its_position() {
    let b = builtin("cloudtrail-sse-kms").unwrap();
    let mut s = Scenario::from_json(b.json).unwrap();
    // Delete the comma after the first statement's "Effect" value.
    let policy = &mut s.keys[0].policy;
    let at = policy.find("\"Effect\": \"Allow\",").unwrap() + "\"Effect\": \"Allow\"".len();
    policy.remove(at);
    let line = policy[..at].matches('\n').count() as u32 + 1;
    let r = run(&s);
    let update = step(&r, "cloudtrail", "update-trail");
    assert_eq!(update.outcome, crate::Outcome::NotEvaluated);
    assert_eq!(
        update.error, None,
        "no AWS error for a policy AWS never saw"
    );
    let why = update.not_evaluated.as_ref().unwrap();
    assert_eq!(why.policy, Some(PolicyId::Key(s.keys[0].id.clone())));
    assert!(why.line == line || why.line == line + 1, "{why}");
    // Every later step builds on the update: none is evaluated, none shows an AWS answer.
    let flow = r.flow("cloudtrail").unwrap();
    for later in flow.steps.iter().skip(1) {
        assert_eq!(later.outcome, crate::Outcome::NotEvaluated, "{}", later.id);
        assert!(later.error.is_none() && later.checks.is_empty());
    }
}

#[test]
fn a_readers_broken_policy_leaves_the_other_steps_evaluated() {
    let b = builtin("ssm-securestring-cmk").unwrap();
    let mut s = Scenario::from_json(b.json).unwrap();
    let intern = s
        .principals
        .iter_mut()
        .find(|p| p.name == "Intern")
        .unwrap();
    intern.policies[0].document = "Version: 2012-10-17".into();
    let r = run(&s);
    assert!(step(&r, "ssm", "put-parameter").is_ok());
    let broken = step(&r, "ssm", "get-parameters-with-decryption:Intern");
    assert_eq!(broken.outcome, crate::Outcome::NotEvaluated);
    assert!(broken.cli_error.is_none());
    // A reader's own steps do not change the world: the others still run.
    assert!(step(&r, "ssm", "get-parameters-with-decryption:AppServer").is_ok());
}
