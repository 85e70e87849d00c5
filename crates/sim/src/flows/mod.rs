//! The flows: ordered service calls whose checks all go through `World::check`.

mod alb;
pub(crate) use alb::elb_account;
mod cloudtrail;
mod s3_encrypt;
mod ssm;

use std::collections::BTreeMap;

use crate::report::{ApiError, Check, FlowReport, KmsEstimate, KmsUsage, Outcome, Step};
use crate::scenario::{FlowSpec, KeyState};
use crate::world::{Actor, ActorKind, Call, Ctx, KeyInfo, ResourcePolicy, World, ctx_set};

pub(crate) fn run_flow(w: &World<'_>, spec: &FlowSpec) -> FlowReport {
    let mut flow = match spec {
        FlowSpec::AlbAccessLogs { .. } => alb::run(w, spec),
        FlowSpec::CloudtrailSseKms { .. } => cloudtrail::run(w, spec),
        FlowSpec::SsmSecurestring { .. } => ssm::run(w, spec),
        FlowSpec::S3EncryptInUse { .. } => s3_encrypt::run(w, spec),
    };
    flow.id = spec.id().to_string();
    flow.kind = spec.kind().to_string();
    // Every KMS check a step made is one request to KMS.
    let mut calls: BTreeMap<String, u64> = BTreeMap::new();
    for step in &flow.steps {
        for c in &step.checks {
            if let Some(api) = c.action.strip_prefix("kms:") {
                *calls.entry(api.to_string()).or_default() += 1;
            }
        }
    }
    flow.kms.calls = calls;
    flow
}

pub(crate) fn new_flow(title: &str, sources: &[&str]) -> FlowReport {
    FlowReport {
        id: String::new(),
        kind: String::new(),
        title: title.to_string(),
        sources: sources.iter().map(|s| s.to_string()).collect(),
        steps: Vec::new(),
        kms: KmsUsage::default(),
        matrix: Vec::new(),
    }
}

pub(crate) fn estimate(api: &str, per_day: u64, basis: &str) -> KmsEstimate {
    KmsEstimate {
        api: api.to_string(),
        per_day,
        basis: basis.to_string(),
    }
}

pub(crate) fn step(
    id: impl Into<String>,
    title: impl Into<String>,
    actor: &str,
    call: &str,
) -> Step {
    Step {
        id: id.into(),
        title: title.into(),
        actor: actor.to_string(),
        call: call.to_string(),
        outcome: Outcome::Ok,
        error: None,
        cli_error: None,
        checks: Vec::new(),
        result: String::new(),
        note: String::new(),
        documented: None,
        observed: None,
        inventory: Vec::new(),
    }
}

impl Step {
    pub(crate) fn fail(&mut self, code: &str, message: impl Into<String>) {
        let message = message.into();
        let operation = self
            .call
            .split(':')
            .nth(1)
            .unwrap_or(&self.call)
            .to_string();
        self.cli_error = Some(format!(
            "An error occurred ({code}) when calling the {operation} operation: {message}"
        ));
        self.error = Some(ApiError {
            code: code.to_string(),
            message,
        });
        self.outcome = Outcome::Error;
    }

    pub(crate) fn is_ok(&self) -> bool {
        self.outcome == Outcome::Ok
    }

    /// Adds a check and tells whether it allowed.
    pub(crate) fn push(&mut self, check: Check) -> bool {
        let ok = check.allowed;
        self.checks.push(check);
        ok
    }
}

pub(crate) fn bucket_arn(bucket: &str) -> String {
    format!("arn:aws:s3:::{bucket}")
}

pub(crate) fn object_arn(bucket: &str, key: &str) -> String {
    format!("arn:aws:s3:::{bucket}/{key}")
}

/// `prefix/` or nothing.
pub(crate) fn prefixed(prefix: &str, rest: &str) -> String {
    let p = prefix.trim_matches('/');
    if p.is_empty() {
        rest.to_string()
    } else {
        format!("{p}/{rest}")
    }
}

/// A call the actor makes to an identity-only API (no resource policy).
pub(crate) fn iam_call(
    w: &World<'_>,
    actor: &Actor,
    action: &str,
    resource: &str,
    extra: Ctx,
) -> Check {
    w.check(Call {
        actor,
        action,
        resource: resource.to_string(),
        resource_account: actor.account.clone(),
        policy: ResourcePolicy::None,
        extra,
        via: String::new(),
    })
}

/// An actor sets a bucket's default encryption: one step with one S3 check,
/// failed with S3's AccessDenied when the check is denied. Returns the step and
/// whether the call succeeded; the caller describes the result.
pub(crate) fn put_bucket_encryption(
    w: &World<'_>,
    actor: &Actor,
    bucket: &str,
    id: &str,
    title: String,
) -> (Step, bool) {
    const CALL: &str = "s3:PutEncryptionConfiguration";
    let mut s = step(id, title, &actor.name, CALL);
    let ok = s.push(s3_call(w, actor, CALL, bucket, None, Ctx::new()));
    if !ok {
        let msg = s.checks.last().map(not_authorized).unwrap_or_default();
        s.fail("AccessDenied", msg);
    }
    (s, ok)
}

/// A request to S3 on a bucket or object, under the bucket policy.
pub(crate) fn s3_call(
    w: &World<'_>,
    actor: &Actor,
    action: &str,
    bucket: &str,
    key: Option<&str>,
    extra: Ctx,
) -> Check {
    let account = w.bucket(bucket).map(|b| w.bucket_account(b));
    let has_policy = w.bucket(bucket).is_some_and(|b| b.policy.is_some());
    w.check(Call {
        actor,
        action,
        resource: match key {
            Some(k) => object_arn(bucket, k),
            None => bucket_arn(bucket),
        },
        resource_account: account,
        policy: if has_policy {
            ResourcePolicy::Bucket(bucket)
        } else {
            ResourcePolicy::None
        },
        extra,
        via: String::new(),
    })
}

/// The encryption context a service sends, and the keys that describe it.
pub(crate) fn encryption_context(ctx: &mut Ctx, pairs: &[(&str, &str)]) {
    for (k, v) in pairs {
        ctx_set(ctx, &format!("kms:EncryptionContext:{k}"), *v);
    }
    if !pairs.is_empty() {
        ctx.insert(
            "kms:EncryptionContextKeys".to_string(),
            pairs.iter().map(|(k, _)| k.to_string()).collect(),
        );
    }
}

/// A KMS request another service makes for `actor` (S3, SSM: forward access) or
/// as itself (CloudTrail's check): `via_service` is `s3`, `ssm` or `None`.
pub(crate) fn kms_call(
    w: &World<'_>,
    actor: &Actor,
    action: &str,
    key: &KeyInfo,
    via_service: Option<&str>,
    ec: &[(&str, &str)],
    mut extra: Ctx,
) -> Check {
    if let Some(svc) = via_service {
        ctx_set(
            &mut extra,
            "kms:ViaService",
            format!("{svc}.{}.amazonaws.com", w.s.region),
        );
        if actor.kind != ActorKind::Service {
            ctx_set(&mut extra, "aws:ViaAWSService", "true");
        }
    }
    if let Some(a) = &actor.account {
        ctx_set(&mut extra, "kms:CallerAccount", a.as_str());
    }
    encryption_context(&mut extra, ec);
    let via = match via_service {
        Some("s3") => "S3 calls KMS for the requester".to_string(),
        Some("ssm") => "Systems Manager calls KMS for the caller".to_string(),
        Some(other) => format!("{other} calls KMS for the caller"),
        None => String::new(),
    };
    key_check(w, actor, action, key, extra, via)
}

/// A request on a KMS key under its key policy; a denial a grant covers turns
/// into an allow.
fn key_check(
    w: &World<'_>,
    actor: &Actor,
    action: &str,
    key: &KeyInfo,
    extra: Ctx,
    via: String,
) -> Check {
    let mut check = w.check(Call {
        actor,
        action,
        resource: key.arn.clone(),
        resource_account: Some(key.account.clone()),
        policy: ResourcePolicy::Key(key),
        extra,
        via,
    });
    grant_fallback(w, actor, key, &mut check);
    check
}

/// Grants only allow: where the policies leave an implicit deny, a matching grant allows.
fn grant_fallback(w: &World<'_>, actor: &Actor, key: &KeyInfo, check: &mut Check) {
    if check.decision != "ImplicitlyDenied" {
        return;
    }
    let Some(k) = w.scenario_key(key) else { return };
    let op = check.action.trim_start_matches("kms:");
    for (i, g) in k.grants.iter().enumerate() {
        let grantee_matches =
            g.grantee == actor.name || g.grantee == actor.arn || g.grantee == actor.principal_arn;
        let op_matches = g
            .operations
            .iter()
            .any(|o| o.trim_start_matches("kms:").eq_ignore_ascii_case(op));
        let ec_matches = g.encryption_context_subset.iter().all(|(ck, cv)| {
            check
                .context
                .get(&format!("kms:EncryptionContext:{ck}"))
                .is_some_and(|v| v.iter().any(|x| x == cv))
        });
        if grantee_matches && op_matches && ec_matches {
            check.decision = "Allowed".to_string();
            check.allowed = true;
            check.summary = format!("allowed by grant #{i} on the key (keys[].grants[{i}])");
            return;
        }
    }
}

/// KMS refuses crypto operations on keys that are not enabled, after authorization.
pub(crate) fn key_state_error(key: &KeyInfo) -> Option<(&'static str, String)> {
    match key.state {
        KeyState::Enabled => None,
        KeyState::Disabled => Some(("DisabledException", format!("{} is disabled.", key.arn))),
        KeyState::PendingDeletion => Some((
            "KMSInvalidStateException",
            format!("{} is pending deletion.", key.arn),
        )),
    }
}

/// The reason AWS gives when a check denied: which kind of policy is missing or denies.
pub(crate) fn denial_reason(check: &Check) -> String {
    let action = &check.action;
    if check.decision == "ExplicitlyDenied" {
        let kind = match check
            .deciding
            .iter()
            .find(|d| d.effect == "Deny")
            .map(|d| d.slot.as_str())
        {
            Some("resource") => "a resource-based policy",
            Some("permission-boundary") => "a permissions boundary",
            Some("scp") => "a service control policy",
            Some("rcp") => "a resource control policy",
            Some("session") => "a session policy",
            _ => "an identity-based policy",
        };
        return format!("with an explicit deny in {kind}");
    }
    let missing = match check.reason_code.as_str() {
        "key_policy_no_grant"
        | "key_policy_missing"
        | "trust_policy_no_grant"
        | "cross_account_no_resource_policy"
        | "cross_account_no_resource_grant" => "resource-based policy",
        "scp_no_allow" => "service control policy",
        "rcp_no_allow" => "resource control policy",
        "boundary_no_allow" => "permissions boundary",
        "session_no_allow" => "session policy",
        _ => "identity-based policy",
    };
    format!("because no {missing} allows the {action} action")
}

/// `User: ARN is not authorized to perform: ACTION on resource: RES because …` (E30/E31 form).
pub(crate) fn not_authorized(check: &Check) -> String {
    format!(
        "User: {} is not authorized to perform: {} on resource: {} {}",
        check.principal,
        check.action,
        check.resource,
        denial_reason(check)
    )
}

/// The first denied check, if any.
pub(crate) fn first_denied(checks: &[Check]) -> Option<&Check> {
    checks.iter().find(|c| !c.allowed)
}

pub(crate) const E29: &str = "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.";

/// A direct KMS request (no calling service), for expectations written as plain requests.
pub(crate) fn kms_call_plain(
    w: &World<'_>,
    actor: &Actor,
    action: &str,
    key: &KeyInfo,
    mut extra: Ctx,
) -> Check {
    if let Some(a) = &actor.account {
        extra
            .entry("kms:CallerAccount".to_string())
            .or_insert_with(|| vec![a.clone()]);
    }
    key_check(w, actor, action, key, extra, String::new())
}

#[cfg(test)]
mod tests {
    use crate::report::{Check, Report, Step};
    use crate::{Scenario, builtin, run};

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
            .find(|c| c.action == action)
            .unwrap_or_else(|| panic!("no {action} check in {}", s.id))
    }

    fn ctx<'c>(c: &'c Check, key: &str) -> &'c str {
        c.context
            .get(key)
            .and_then(|v| v.first())
            .map(String::as_str)
            .unwrap_or_else(|| panic!("no {key}"))
    }

    #[test]
    fn alb_enable_asks_kms_for_the_log_writer_through_s3() {
        let r = report("alb-logs-cmk");
        let s = step(&r, "alb", "enable-access-logs");
        let kms = check(s, "kms:GenerateDataKey");
        assert_eq!(
            kms.principal,
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
        assert!(!kms.allowed);
        assert_eq!(
            kms.policies,
            vec!["key:1234abcd-12ab-34cd-56ef-1234567890ab".to_string()]
        );
        let put = check(s, "s3:PutObject");
        assert!(put.allowed);
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
        assert!(d.checks.iter().all(|c| !c.action.starts_with("kms:")));
        assert_eq!(
            ctx(check(d, "s3:PutObject"), "s3:x-amz-server-side-encryption"),
            "AES256"
        );
        assert!(d.documented.is_some() && d.observed.is_some());
        let documented = report("alb-logs-cmk-documented");
        let d = step(&documented, "alb", "deliver-log");
        assert!(!check(d, "kms:GenerateDataKey").allowed);
        assert_eq!(d.error.as_ref().unwrap().code, "AccessDenied");
        assert!(d.documented.is_some() && d.observed.is_some());
    }

    #[test]
    fn cloudtrail_checks_carry_the_trail_context() {
        let r = report("cloudtrail-sse-kms");
        let u = step(&r, "cloudtrail", "update-trail");
        let g = check(u, "kms:GenerateDataKey");
        assert_eq!(g.principal, "cloudtrail.amazonaws.com");
        let trail = "arn:aws:cloudtrail:ap-northeast-1:123456789012:trail/management-events";
        assert_eq!(ctx(g, "kms:EncryptionContext:aws:cloudtrail:arn"), trail);
        assert_eq!(ctx(g, "aws:SourceArn"), trail);
        assert!(
            !g.context.contains_key("kms:ViaService"),
            "CloudTrail calls KMS itself here"
        );
        let d = step(&r, "cloudtrail", "deliver-log-file");
        let g = check(d, "kms:GenerateDataKey");
        assert_eq!(ctx(g, "kms:ViaService"), "s3.ap-northeast-1.amazonaws.com");
        assert!(
            ctx(g, "kms:EncryptionContext:aws:s3:arn")
                .contains("/AWSLogs/123456789012/CloudTrail/")
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
        assert!(user2.read && !user2.deliver);
        let restricted = report("cloudtrail-sse-kms-restricted");
        let user2 = restricted
            .flow("cloudtrail")
            .unwrap()
            .matrix
            .iter()
            .find(|row| row.principal == "user2")
            .unwrap()
            .clone();
        assert!(!user2.read);
        assert!(
            user2.read_why.starts_with("kms:Decrypt denied"),
            "{}",
            user2.read_why
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
                .any(|c| c.action == "kms:GenerateDataKey")
        );
        s.settings.digest_encryption = crate::DigestEncryption::SseS3;
        let s3 = run(&s);
        assert!(
            step(&s3, "cloudtrail", "deliver-digest-file")
                .checks
                .iter()
                .all(|c| !c.action.starts_with("kms:"))
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
        assert!(plain.checks.iter().all(|c| !c.action.starts_with("kms:")));
        assert!(plain.result.contains("AQICAH"));
    }

    #[test]
    fn ssm_advanced_tier_uses_generate_data_key() {
        let b = builtin("ssm-securestring-cmk").unwrap();
        let mut s = Scenario::from_json(b.json).unwrap();
        s.parameters[0].tier = crate::Tier::Advanced;
        let r = run(&s);
        let put = step(&r, "ssm", "put-parameter");
        assert!(put.checks.iter().any(|c| c.action == "kms:GenerateDataKey"));
        assert!(put.checks.iter().all(|c| c.action != "kms:Encrypt"));
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
            .filter(|c| c.action == "kms:GenerateDataKey")
            .count();
        let with = step(&r, "s3", "batch-copy");
        let bucket_level = with
            .checks
            .iter()
            .filter(|c| c.action == "kms:GenerateDataKey")
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
            check(assume, "sts:AssumeRole").policies,
            vec!["trust:s3-batch".to_string()]
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
        assert!(check(st, "kms:Decrypt").summary.contains("grant"));
    }
}
