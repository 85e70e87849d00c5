//! Flow behaviour on the built-ins: the requests each step sends and what decides them.

use crate::report::{Check, Report, Step};
use crate::sources::{self, Source};
use crate::{NoteKind, PolicyId, Scenario, builtin, run};

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
fn alb_enable_under_a_kms_default_fails_as_documented_without_asking_kms() {
    let r = report("alb-logs-cmk");
    let s = step(&r, "alb", "enable-access-logs");
    // SSE-S3 is the only supported encryption: no key policy can make this work,
    // so the step asks KMS for nothing.
    assert!(s.checks.iter().all(|c| !c.action().starts_with("kms:")));
    let put = check(s, "s3:PutObject");
    assert_eq!(
        put.principal(),
        "logdelivery.elasticloadbalancing.amazonaws.com"
    );
    assert!(put.allowed());
    let e = s.error.as_ref().unwrap();
    assert_eq!(e.code, "InvalidConfigurationRequest");
    assert_eq!(
        e.message,
        "Access Denied for bucket: test-alb-access-logs. Please check S3bucket permission"
    );
    assert_eq!(e.source, Source::Doc(&sources::CLB_ACCESS_LOGS));
    assert!(
        s.notes
            .iter()
            .any(|n| n.kind == NoteKind::Documented && n.text.contains("SSE-S3"))
    );
}

#[test]
fn alb_delivery_under_a_kms_default_suggests_no_statement_and_reports_no_error() {
    let observed = report("alb-logs-cmk");
    let d = step(&observed, "alb", "deliver-log");
    assert!(d.is_ok());
    assert!(d.checks.iter().all(|c| !c.action().starts_with("kms:")));
    assert!(
        d.notes
            .iter()
            .any(|n| matches!(n.source, Source::Assumption(_)) && n.text.contains("SSE-S3")),
        "the observed delivery's encryption is labelled an assumption"
    );
    assert!(has_both_sides(d));
    let documented = report("alb-logs-cmk-documented");
    let d = step(&documented, "alb", "deliver-log");
    assert_eq!(d.outcome, crate::Outcome::Error);
    assert_eq!(
        d.error, None,
        "nobody receives an error for an asynchronous delivery"
    );
    assert!(d.cli_error.is_none());
    assert!(d.result.contains("no log object arrives"), "{}", d.result);
    assert!(d.checks.iter().all(|c| !c.action().starts_with("kms:")));
    // No note hands the user a key-policy statement AWS never documented.
    for n in &d.notes {
        assert!(!n.text.contains("\"Principal\""), "{}", n.text);
    }
    assert!(has_both_sides(d));
    // The sample log line follows the scenario's Region.
    let mut s = Scenario::from_json(builtin("alb-logs-cmk").unwrap().json).unwrap();
    s.region = "us-east-1".into();
    s.keys[0].policy = s.keys[0].policy.replace("ap-northeast-1", "us-east-1");
    let r = run(&s);
    let read = step(&r, "alb", "read-log");
    assert!(read.result.contains("us-east-1"), "{}", read.result);
    assert!(!read.result.contains("ap-northeast-1"), "{}", read.result);
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
            "An error occurred (AccessDeniedException) when calling the GetParameters operation: The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access. (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException; Request ID: xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"
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
            .filter(|row| row.key.starts_with("users/") && row.is_latest)
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

#[test]
fn a_copy_in_place_in_a_versioned_bucket_leaves_the_old_versions_noncurrent() {
    let r = report("s3-encrypt-in-use-bucket");
    let after = step(&r, "s3", "inventory-after");
    let noncurrent: Vec<_> = after
        .inventory
        .iter()
        .filter(|row| !row.is_latest)
        .collect();
    assert_eq!(noncurrent.len(), 3, "{:?}", after.inventory);
    assert!(
        noncurrent
            .iter()
            .all(|row| row.encryption_status == crate::Sse::None
                && row.version_id.as_ref().is_some_and(|v| v.len() == 32))
    );
    assert!(
        after
            .result
            .contains("3 noncurrent version(s) stay NOT-SSE"),
        "{}",
        after.result
    );
    assert!(
        after
            .notes
            .iter()
            .any(|n| n.text.contains("NoncurrentVersionExpiration"))
    );
    // The query is the user's, authorized as s3:GetObject on the report.
    let q = step(&r, "s3", "query-inventory");
    assert_eq!(q.actor, "Admin");
    let get = check(q, "s3:GetObject");
    assert!(get.resource().starts_with("arn:aws:s3:::example-s3-batch/"));
    assert!(
        q.checks
            .iter()
            .all(|c| c.action() != "s3:SelectObjectContent")
    );
    assert!(q.result.contains("hides 3 noncurrent"), "{}", q.result);
    assert!(
        q.notes
            .iter()
            .any(|n| n.text.contains("no longer available to new customers"))
    );
    // Without versioning the copy overwrites: nothing stays behind.
    let mut s = Scenario::from_json(builtin("s3-encrypt-in-use-bucket").unwrap().json).unwrap();
    s.buckets[0].versioning = false;
    let r = run(&s);
    let after = step(&r, "s3", "inventory-after");
    assert!(after.inventory.iter().all(|row| row.is_latest));
    assert_eq!(after.result, "report written; every version is encrypted");
}

#[test]
fn create_job_is_checked_on_every_resource() {
    let r = report("s3-encrypt-in-use-bucket");
    let job = step(&r, "s3", "create-batch-job");
    assert_eq!(check(job, "s3:CreateJob").resource(), "*");
}

#[test]
fn kms_totals_count_applied_steps_and_list_denials_apart() {
    let r = report("s3-encrypt-in-use-bucket");
    let kms = &r.flow("s3").unwrap().kms;
    // app-put-new and the bucket-level key of the real copy; the what-if adds none.
    assert_eq!(kms.calls.get("GenerateDataKey"), Some(&2));
    let r = report("ssm-securestring-cmk");
    let kms = &r.flow("ssm").unwrap().kms;
    assert_eq!(kms.denied.get("Decrypt"), Some(&1));
}

#[test]
fn digest_files_exist_only_with_log_file_validation() {
    let b = builtin("cloudtrail-sse-kms").unwrap();
    let mut s = Scenario::from_json(b.json).unwrap();
    let on = run(&s);
    let digest = step(&on, "cloudtrail", "deliver-digest-file");
    // Both descriptions are documentation from different years; neither is an observation.
    assert!(digest.notes.iter().all(|n| n.kind != NoteKind::Observed));
    s.trails[0].log_file_validation = false;
    let off = run(&s);
    let flow = off.flow("cloudtrail").unwrap();
    assert!(flow.step("deliver-digest-file").is_none());
    assert!(flow.kms.estimates.iter().all(|e| e.per_day != 24));
}

#[test]
fn s3_access_denied_quotes_the_resource_and_says_nothing_across_accounts() {
    let b = builtin("cloudtrail-sse-kms").unwrap();
    let mut s = Scenario::from_json(b.json).unwrap();
    let developer = s
        .principals
        .iter()
        .position(|p| p.name == "developer")
        .unwrap();
    s.flows[0].params = match s.flows[0].params.clone() {
        crate::FlowParams::CloudtrailSseKms(mut p) => {
            p.readers.push("developer".into());
            crate::FlowParams::CloudtrailSseKms(p)
        }
        other => other,
    };
    let r = run(&s);
    let read = step(&r, "cloudtrail", "read-log:developer");
    let e = read.error.as_ref().unwrap();
    assert!(
        e.message.contains("on resource: \"arn:aws:s3:::"),
        "{}",
        e.message
    );
    assert_eq!(e.source, Source::Doc(&sources::S3_ACCESS_DENIED));
    // The same reader in another account gets S3's message without detail.
    s.principals[developer].account = Some("777788889999".into());
    let r = run(&s);
    let read = step(&r, "cloudtrail", "read-log:developer");
    assert_eq!(read.error.as_ref().unwrap().message, "Access Denied");
}
