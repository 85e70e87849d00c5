//! CloudTrail log files encrypted with a customer managed key (sources 001, 002).

use super::*;
use crate::report::{FlowReport, MatrixRow};
use crate::scenario::{DigestEncryption, FlowSpec};

const SERVICE: &str = "cloudtrail.amazonaws.com";

struct Trail<'a> {
    arn: String,
    bucket: &'a str,
    bucket_key: bool,
    log_key: String,
    digest_key: String,
}

impl Trail<'_> {
    /// What CloudTrail (or S3 for it) adds to its requests.
    fn source(&self, account: &str) -> Ctx {
        let mut c = Ctx::new();
        ctx_set(&mut c, "aws:SourceArn", self.arn.as_str());
        ctx_set(&mut c, "aws:SourceAccount", account);
        c
    }

    fn s3_context<'k>(&'k self, object: &'k str) -> [(&'k str, &'k str); 2] {
        [
            ("aws:cloudtrail:arn", self.arn.as_str()),
            ("aws:s3:arn", object),
        ]
    }
}

/// A PUT of `key` by `actor` with the trail's encryption: bucket policy + (if keyed) S3→KMS.
fn put(
    w: &World<'_>,
    s: &mut Step,
    t: &Trail<'_>,
    actor: &Actor,
    key: &str,
    kms: Option<&KeyInfo>,
) -> bool {
    let mut extra = if actor.kind == ActorKind::Service {
        t.source(&w.s.account)
    } else {
        Ctx::new()
    };
    ctx_set(&mut extra, "s3:x-amz-acl", "bucket-owner-full-control");
    let mut ok = s.push(s3_call(
        w,
        actor,
        "s3:PutObject",
        t.bucket,
        Some(key),
        extra,
    ));
    if let Some(k) = kms {
        let obj = object_arn(t.bucket, key);
        let ec_arn = if t.bucket_key {
            bucket_arn(t.bucket)
        } else {
            obj
        };
        let extra = if actor.kind == ActorKind::Service {
            t.source(&w.s.account)
        } else {
            Ctx::new()
        };
        ok &= s.push(kms_call(
            w,
            actor,
            "kms:GenerateDataKey",
            k,
            Some("s3"),
            &t.s3_context(&ec_arn),
            extra,
        ));
    }
    ok
}

/// A reader's GET of a log file: s3:GetObject, then kms:Decrypt through S3.
fn read(w: &World<'_>, s: &mut Step, t: &Trail<'_>, actor: &Actor, kms: Option<&KeyInfo>) -> bool {
    let mut ok = s.push(s3_call(
        w,
        actor,
        "s3:GetObject",
        t.bucket,
        Some(&t.log_key),
        Ctx::new(),
    ));
    if ok && let Some(k) = kms {
        let obj = object_arn(t.bucket, &t.log_key);
        let ec_arn = if t.bucket_key {
            bucket_arn(t.bucket)
        } else {
            obj
        };
        ok = s.push(kms_call(
            w,
            actor,
            "kms:Decrypt",
            k,
            Some("s3"),
            &t.s3_context(&ec_arn),
            Ctx::new(),
        ));
    }
    ok
}

fn why(checks: &[Check]) -> String {
    match first_denied(checks) {
        Some(c) => format!("{} denied: {}", c.action, c.summary),
        None => checks
            .iter()
            .map(|c| format!("{}: {}", c.action, c.summary))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

pub(super) fn run(w: &World<'_>, spec: &FlowSpec) -> FlowReport {
    let mut flow = new_flow("CloudTrail log files with SSE-KMS", &["001", "002"]);
    let FlowSpec::CloudtrailSseKms {
        trail,
        key,
        admin,
        readers,
        ..
    } = spec
    else {
        return flow;
    };
    let (Some(trail), Some(admin), Some(new_key)) = (
        w.s.trails.iter().find(|t| &t.name == trail),
        w.actor(admin),
        w.key(key),
    ) else {
        return flow;
    };
    let Some(bucket) = w.bucket(&trail.bucket) else {
        return flow;
    };
    let account = w.s.account.clone();
    let region = w.s.region.clone();
    let logs = prefixed(&trail.prefix, &format!("AWSLogs/{account}/"));
    let t = Trail {
        arn: format!("arn:aws:cloudtrail:{region}:{account}:trail/{}", trail.name),
        bucket: &bucket.name,
        bucket_key: bucket.default_encryption.bucket_key,
        log_key: format!(
            "{logs}CloudTrail/{region}/2022/09/18/{account}_CloudTrail_{region}_20220918T0310Z_Kq3bW7cP1xYz.json.gz"
        ),
        digest_key: format!(
            "{logs}CloudTrail-Digest/{region}/2022/09/18/{account}_CloudTrail-Digest_{region}_{}_{region}_20220918T031000Z.json.gz",
            trail.name
        ),
    };
    let cloudtrail = w.service(SERVICE);
    let mut current = trail.kms_key.as_deref().and_then(|k| w.key(k));

    // 1. UpdateTrail with the key: IAM, bucket policy, then CloudTrail's own KMS test.
    let mut s = step(
        "update-trail",
        format!(
            "Update trail {} to encrypt with {}",
            trail.name,
            new_key.label()
        ),
        &admin.name,
        "cloudtrail:UpdateTrail",
    );
    if !s.push(iam_call(
        w,
        &admin,
        "cloudtrail:UpdateTrail",
        &t.arn,
        Ctx::new(),
    )) {
        let msg = s.checks.last().map(not_authorized).unwrap_or_default();
        s.fail("AccessDeniedException", msg);
    } else {
        let mut acl_extra = t.source(&account);
        let acl = s.push(s3_call(
            w,
            &cloudtrail,
            "s3:GetBucketAcl",
            &bucket.name,
            None,
            acl_extra.clone(),
        ));
        ctx_set(&mut acl_extra, "s3:x-amz-acl", "bucket-owner-full-control");
        let putok = s.push(s3_call(
            w,
            &cloudtrail,
            "s3:PutObject",
            &bucket.name,
            Some(&t.log_key),
            acl_extra,
        ));
        if !(acl && putok) {
            s.fail(
                "InsufficientS3BucketPolicyException",
                format!(
                    "Incorrect S3 bucket policy is detected for bucket: {}",
                    bucket.name
                ),
            );
        } else {
            let prefix_arn = object_arn(&bucket.name, &logs);
            let ec = [
                ("aws:cloudtrail:arn", t.arn.as_str()),
                ("aws:s3:arn", prefix_arn.as_str()),
            ];
            let mut ok = s.push(kms_call(
                w,
                &cloudtrail,
                "kms:GenerateDataKey",
                new_key,
                None,
                &ec,
                t.source(&account),
            ));
            ok &= s.push(kms_call(
                w,
                &cloudtrail,
                "kms:DescribeKey",
                new_key,
                None,
                &[],
                t.source(&account),
            ));
            if t.bucket_key {
                ok &= s.push(kms_call(
                    w,
                    &cloudtrail,
                    "kms:Decrypt",
                    new_key,
                    None,
                    &ec,
                    t.source(&account),
                ));
            }
            if ok && key_state_error(new_key).is_none() {
                current = Some(new_key);
                s.result = format!(
                    "trail {} now encrypts log files with {}; files already delivered stay SSE-S3",
                    trail.name, new_key.arn
                );
            } else {
                s.fail(
                    "InsufficientEncryptionPolicyException",
                    format!(
                        "Insufficient permissions to access S3 bucket {} or KMS key {}.",
                        bucket.name, new_key.arn
                    ),
                );
            }
        }
    }
    s.note = "CloudTrail checks the bucket policy, then sends GenerateDataKey to KMS as cloudtrail.amazonaws.com to verify the key and its permission; the data key is discarded (source 002).".into();
    if t.bucket_key {
        s.note.push_str(" With an S3 Bucket Key on the bucket, current docs also require kms:Decrypt to create or update the trail.");
    }
    flow.steps.push(s);

    // 2. Periodic delivery.
    let mut d = step(
        "deliver-log-file",
        "CloudTrail delivers a log file (about every 5 minutes)",
        SERVICE,
        "s3:PutObject",
    );
    let ok = put(w, &mut d, &t, &cloudtrail, &t.log_key, current);
    if ok {
        d.result = format!(
            "wrote {} ({})",
            t.log_key,
            current
                .map(|k| format!("SSE-KMS, {}", k.arn))
                .unwrap_or_else(|| "SSE-S3".into())
        );
    } else {
        let msg = first_denied(&d.checks)
            .map(not_authorized)
            .unwrap_or_default();
        d.fail("AccessDenied", msg);
    }
    d.note = "S3 asks KMS for a data key on CloudTrail's behalf (encryption context aws:cloudtrail:arn + aws:s3:arn); one GenerateDataKey per file.".into();
    flow.steps.push(d);
    if current.is_some() {
        flow.kms.estimates.push(estimate(
            "GenerateDataKey",
            288,
            "log files every 5 minutes, per Region per account (source 001)",
        ));
    }

    // 3. Digest files: which docs to follow is a setting.
    let digest_kms = if w.s.settings.digest_encryption == DigestEncryption::SseKms {
        current
    } else {
        None
    };
    let mut g = step(
        "deliver-digest-file",
        "CloudTrail delivers the hourly digest file",
        SERVICE,
        "s3:PutObject",
    );
    if put(w, &mut g, &t, &cloudtrail, &t.digest_key, digest_kms) {
        g.result = format!(
            "wrote {} ({})",
            t.digest_key,
            if digest_kms.is_some() {
                "SSE-KMS"
            } else {
                "SSE-S3"
            }
        );
    } else {
        let msg = first_denied(&g.checks)
            .map(not_authorized)
            .unwrap_or_default();
        g.fail("AccessDenied", msg);
    }
    if current.is_some() {
        g.documented =
            Some("Current CloudTrail docs: SSE-KMS encrypts log files and digest files.".into());
        g.observed = Some("2018 docs (source 002): digest files are not encrypted with SSE-KMS; they stay SSE-S3.".into());
        g.note = format!(
            "settings.digest_encryption = {}",
            if digest_kms.is_some() {
                "sse-kms"
            } else {
                "sse-s3"
            }
        );
        if digest_kms.is_some() {
            flow.kms.estimates.push(estimate(
                "GenerateDataKey",
                24,
                "one digest file per hour, per Region per account",
            ));
        }
    }
    flow.steps.push(g);

    // 4. Readers named by the flow.
    for name in readers {
        let Some(actor) = w.actor(name) else { continue };
        let mut r = step(
            format!("read-log:{name}"),
            format!("{name} downloads a log file"),
            name,
            "s3:GetObject",
        );
        if !read(w, &mut r, &t, &actor, current) {
            let kms_denied = r
                .checks
                .last()
                .is_some_and(|c| c.action == "kms:Decrypt" && !c.allowed);
            if kms_denied {
                r.fail("AccessDenied", E29);
            } else {
                let msg = first_denied(&r.checks)
                    .map(not_authorized)
                    .unwrap_or_default();
                r.fail("AccessDenied", msg);
            }
        } else {
            r.result = "log file returned, decrypted by S3".into();
        }
        r.note = "Reading needs s3:GetObject on the object and kms:Decrypt allowed through the key policy (directly or by delegation to IAM).".into();
        flow.steps.push(r);
    }

    // 5. The access matrix: every principal of the scenario, plus CloudTrail.
    let mut actors: Vec<Actor> =
        w.s.principals
            .iter()
            .filter_map(|p| w.actor(&p.name))
            .collect();
    if !actors.iter().any(|a| a.arn == SERVICE) {
        actors.push(cloudtrail.clone());
    }
    for actor in actors {
        let mut scratch = step("matrix", "", &actor.name, "");
        let deliver = put(w, &mut scratch, &t, &actor, &t.log_key, current);
        let deliver_why = why(&scratch.checks);
        let mut checks = std::mem::take(&mut scratch.checks);
        let read_ok = read(w, &mut scratch, &t, &actor, current);
        let read_why = why(&scratch.checks);
        checks.append(&mut scratch.checks);
        flow.matrix.push(MatrixRow {
            principal: actor.name.clone(),
            arn: actor.arn.clone(),
            deliver,
            read: read_ok,
            deliver_why,
            read_why,
            checks,
        });
    }
    flow
}
