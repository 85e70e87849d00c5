//! CloudTrail log files encrypted with a customer managed key: updating the
//! trail, delivery, digests, readers, and who can deliver and read.

use keyflow_policy::Context;

use super::calls::{
    Via, bucket_arn, iam_call, key_state_error, kms_call, object_arn, prefixed, s3_call, step,
};
use super::{FieldRefMut, FlowDef, FlowRun, RefKind};
use crate::errors;
use crate::report::{Access, Check, MatrixRow, NoteKind, Step, Verdict};
use crate::scenario::json::Obj;
use crate::scenario::{DigestEncryption, Scenario, ScenarioError};
use crate::sources::{self, Source};
use crate::whatif::WhatIf;
use crate::world::{Actor, KeyInfo, World};

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Params {
    pub trail: String,
    pub key: String,
    pub admin: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub readers: Vec<String>,
}

impl Params {
    pub(crate) fn read(o: &mut Obj<'_>) -> Result<Self, ScenarioError> {
        Ok(Params {
            trail: o.req_str("trail")?,
            key: o.req_str("key")?,
            admin: o.req_str("admin")?,
            readers: o.str_list("readers")?,
        })
    }
}

const SERVICE: &str = "cloudtrail.amazonaws.com";

/// The trail as the run sees it.
struct Trail<'a> {
    name: &'a str,
    arn: String,
    account: &'a str,
    bucket: &'a str,
    bucket_key: bool,
    log_key: String,
    digest_key: String,
}

impl Trail<'_> {
    /// What CloudTrail (or S3 for it) adds to its requests.
    fn source(&self) -> Context {
        let mut c = Context::new();
        c.insert("aws:SourceArn", self.arn.as_str());
        c.insert("aws:SourceAccount", self.account);
        c
    }

    /// The context of a service request, nothing for anyone else.
    fn source_if_service(&self, actor: &Actor) -> Context {
        if actor.is_service() {
            self.source()
        } else {
            Context::new()
        }
    }

    fn s3_context<'k>(&'k self, object: &'k str) -> [(&'k str, &'k str); 2] {
        [
            ("aws:cloudtrail:arn", self.arn.as_str()),
            ("aws:s3:arn", object),
        ]
    }

    fn context_arn(&self, key: &str) -> String {
        if self.bucket_key {
            bucket_arn(self.bucket)
        } else {
            object_arn(self.bucket, key)
        }
    }

    /// A PUT of `key` by `actor` with the trail's encryption: bucket policy + (if keyed) S3→KMS.
    fn put(
        &self,
        w: &World<'_>,
        s: &mut Step,
        actor: &Actor,
        key: &str,
        kms: Option<&KeyInfo>,
    ) -> bool {
        let mut extra = self.source_if_service(actor);
        extra.insert("s3:x-amz-acl", "bucket-owner-full-control");
        let mut ok = s.push(s3_call(
            w,
            actor,
            "s3:PutObject",
            self.bucket,
            Some(key),
            extra,
        ));
        if let Some(k) = kms {
            let ec_arn = self.context_arn(key);
            ok &= s.push(kms_call(
                w,
                actor,
                "kms:GenerateDataKey",
                k,
                Some(Via::S3),
                &self.s3_context(&ec_arn),
                self.source_if_service(actor),
            ));
        }
        ok
    }

    /// A reader's GET of a log file: s3:GetObject, then kms:Decrypt through S3.
    fn read(&self, w: &World<'_>, s: &mut Step, actor: &Actor, kms: Option<&KeyInfo>) -> bool {
        let mut ok = s.push(s3_call(
            w,
            actor,
            "s3:GetObject",
            self.bucket,
            Some(&self.log_key),
            Context::new(),
        ));
        if ok && let Some(k) = kms {
            let ec_arn = self.context_arn(&self.log_key);
            ok = s.push(kms_call(
                w,
                actor,
                "kms:Decrypt",
                k,
                Some(Via::S3),
                &self.s3_context(&ec_arn),
                Context::new(),
            ));
        }
        ok
    }
}

/// A matrix cell: the first check that did not allow decides it.
fn access(checks: &[Check]) -> Access {
    match checks.iter().find(|c| !c.allowed()) {
        Some(c) => Access {
            verdict: c.decision,
            why: format!("{} denied: {}", c.action(), c.summary()),
        },
        None => Access {
            verdict: Verdict::Allowed,
            why: checks
                .iter()
                .map(|c| format!("{}: {}", c.action(), c.summary()))
                .collect::<Vec<_>>()
                .join("; "),
        },
    }
}

impl FlowDef for Params {
    fn default_id(&self) -> &'static str {
        "cloudtrail"
    }

    fn title(&self, _w: &World<'_>) -> String {
        "CloudTrail log files with SSE-KMS".into()
    }

    fn sources(&self) -> Vec<Source> {
        vec![
            Source::Post(&sources::POST_CLOUDTRAIL_SSE_KMS),
            Source::Post(&sources::POST_KMS_2018),
            Source::Doc(&sources::CLOUDTRAIL_KMS_POLICY),
        ]
    }

    fn refs_mut(&mut self) -> Vec<FieldRefMut<'_>> {
        let mut out = vec![
            FieldRefMut::new("trail", RefKind::Trail, &mut self.trail),
            FieldRefMut::new("key", RefKind::Key, &mut self.key),
            FieldRefMut::new("admin", RefKind::Principal, &mut self.admin),
        ];
        out.extend(FieldRefMut::each(
            "readers",
            RefKind::Principal,
            &mut self.readers,
        ));
        out
    }

    fn what_ifs(&self, s: &Scenario) -> Vec<WhatIf> {
        let Some(i) = s.trails.iter().position(|t| t.name == self.trail) else {
            return Vec::new();
        };
        let (label, key) = match s.trails.get(i).and_then(|t| t.kms_key.as_ref()) {
            Some(_) => ("SSE-KMS → SSE-S3".to_string(), None),
            None => (
                format!("SSE-S3 → SSE-KMS ({})", self.key),
                Some(self.key.clone()),
            ),
        };
        vec![WhatIf {
            label: format!("Trail {}: {label}", self.trail),
            edits: vec![crate::edit::Edit::TrailKey { trail: i, key }],
        }]
    }

    fn run(&self, w: &World<'_>, flow: &mut FlowRun) {
        let (Some(trail), Some(admin), Some(new_key)) = (
            w.s.trails.iter().find(|t| t.name == self.trail),
            w.actor(&self.admin),
            w.key(&self.key),
        ) else {
            return;
        };
        let Some(bucket) = w.bucket(&trail.bucket) else {
            return;
        };
        let account = &w.s.account;
        let region = &w.s.region;
        let logs = prefixed(&trail.prefix, &format!("AWSLogs/{account}/"));
        let t = Trail {
            name: &trail.name,
            arn: format!("arn:aws:cloudtrail:{region}:{account}:trail/{}", trail.name),
            account,
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
        let before = trail.kms_key.as_deref().and_then(|k| w.key(k));
        let (s, current) = update_trail(w, &t, &admin, &cloudtrail, &logs, new_key, before);
        flow.push(s);
        let mut d = deliver_log(w, &t, &cloudtrail, current);
        if !trail.log_file_validation {
            d.note(
                NoteKind::Note,
                "No digest files: log file validation is off for this trail (EnableLogFileValidation defaults to false), and CloudTrail delivers digest files only while it is on.",
                Source::Doc(&sources::CLOUDTRAIL_UPDATE_TRAIL),
            );
        }
        flow.push(d);
        if current.is_some() {
            flow.estimate(
                "GenerateDataKey",
                288,
                "a log file about every 5 minutes, one data key each, per Region per account",
                Source::Doc(&sources::CLOUDTRAIL_HOW_IT_WORKS),
            );
        }
        if trail.log_file_validation {
            let digest_kms = match w.s.settings.digest_encryption {
                DigestEncryption::SseKms => current,
                DigestEncryption::SseS3 => None,
            };
            flow.push(deliver_digest(w, &t, &cloudtrail, current, digest_kms));
            if digest_kms.is_some() {
                flow.estimate(
                    "GenerateDataKey",
                    24,
                    "one digest file per hour, per Region per account",
                    Source::Doc(&sources::CLOUDTRAIL_VALIDATION),
                );
            }
        }
        let cross_account_statement = w
            .scenario_key(new_key)
            .is_some_and(|k| k.policy.contains("Enable cross account log decryption"));
        for name in &self.readers {
            let Some(actor) = w.actor(name) else { continue };
            let mut r = read_log(w, &t, name, &actor, current);
            if cross_account_statement {
                r.note(
                    NoteKind::Note,
                    "The console's key policy also has a statement \"Enable cross account log decryption\" for the account that created the trail; its kms:CallerAccount condition pins it to that account, so it grants nothing to other accounts but does let every principal of that account decrypt.",
                    Source::Doc(&sources::CLOUDTRAIL_DEFAULT_KEY_POLICY),
                );
            }
            flow.push(r);
        }
        matrix(w, &t, &cloudtrail, current, flow);
    }
}

/// UpdateTrail with the key: IAM, the bucket policy, then CloudTrail's own KMS
/// test. Returns the step and the key the trail encrypts with afterwards.
fn update_trail<'k>(
    w: &World<'_>,
    t: &Trail<'_>,
    admin: &Actor,
    cloudtrail: &Actor,
    logs: &str,
    new_key: &'k KeyInfo,
    before: Option<&'k KeyInfo>,
) -> (Step, Option<&'k KeyInfo>) {
    let mut current = before;
    let mut s = step(
        "update-trail",
        format!(
            "Update trail {} to encrypt with {}",
            t.name,
            new_key.label()
        ),
        &admin.name,
        "cloudtrail:UpdateTrail",
    );
    s.sets_state = true;
    if !s.push(iam_call(
        w,
        admin,
        "cloudtrail:UpdateTrail",
        &t.arn,
        Context::new(),
    )) {
        s.deny("AccessDeniedException");
    } else {
        let mut acl_extra = t.source();
        let acl = s.push(s3_call(
            w,
            cloudtrail,
            "s3:GetBucketAcl",
            t.bucket,
            None,
            acl_extra.clone(),
        ));
        acl_extra.insert("s3:x-amz-acl", "bucket-owner-full-control");
        let put = s.push(s3_call(
            w,
            cloudtrail,
            "s3:PutObject",
            t.bucket,
            Some(&t.log_key),
            acl_extra,
        ));
        if !(acl && put) {
            s.fail(errors::cloudtrail_bucket_policy(t.bucket));
        } else {
            let prefix_arn = object_arn(t.bucket, logs);
            let ec = [
                ("aws:cloudtrail:arn", t.arn.as_str()),
                ("aws:s3:arn", prefix_arn.as_str()),
            ];
            let mut ok = s.push(kms_call(
                w,
                cloudtrail,
                "kms:GenerateDataKey",
                new_key,
                None,
                &ec,
                t.source(),
            ));
            ok &= s.push(kms_call(
                w,
                cloudtrail,
                "kms:DescribeKey",
                new_key,
                None,
                &[],
                t.source(),
            ));
            if t.bucket_key {
                ok &= s.push(kms_call(
                    w,
                    cloudtrail,
                    "kms:Decrypt",
                    new_key,
                    None,
                    &ec,
                    t.source(),
                ));
            }
            if ok && key_state_error(new_key).is_none() {
                current = Some(new_key);
                s.result = format!(
                    "trail {} now encrypts log files with {}; files already delivered keep their encryption",
                    t.name, new_key.arn
                );
            } else {
                s.fail(errors::cloudtrail_key_policy(t.bucket, &new_key.arn));
            }
        }
    }
    s.note(
        NoteKind::Note,
        "CloudTrail sends a GenerateDataKey request to KMS to verify that the key exists and that CloudTrail may use it for encryption; it does not use the data key.",
        Source::Doc(&sources::CLOUDTRAIL_HOW_KMS),
    );
    s.note(
        NoteKind::Note,
        "Keyflow also has CloudTrail check the bucket policy with s3:GetBucketAcl and an s3:PutObject of a log file, sends the verification request with the contexts aws:cloudtrail:arn and aws:s3:arn (the log prefix), and checks kms:DescribeKey, which AWS's key policy for CloudTrail grants.",
        Source::Assumption("AWS documents the verification GenerateDataKey only, not these requests or their context"),
    );
    s.note(
        NoteKind::Note,
        "As a security best practice, AWS recommends an aws:SourceArn condition in the key policy's CloudTrail statement, so that the key is used only for the named trail or trails.",
        Source::Doc(&sources::CLOUDTRAIL_KMS_POLICY),
    );
    if t.bucket_key {
        s.note(
            NoteKind::Note,
            "The bucket uses an S3 Bucket Key: kms:Decrypt permission is required to create or update a trail with SSE-KMS encryption.",
            Source::Doc(&sources::CLOUDTRAIL_KMS_POLICY),
        );
    }
    if let Some(e) = &s.error {
        let meaning = if e.code == "InsufficientS3BucketPolicyException" {
            "InsufficientS3BucketPolicyException means the policy on the S3 bucket is not sufficient."
        } else {
            "InsufficientEncryptionPolicyException means the policy on the S3 bucket or the KMS key does not allow what the operation needs."
        };
        let source = if e.code == "InsufficientS3BucketPolicyException" {
            Source::Doc(&sources::CLOUDTRAIL_BUCKET_POLICY_EXCEPTION)
        } else {
            Source::Doc(&sources::CLOUDTRAIL_ENCRYPTION_POLICY_EXCEPTION)
        };
        s.note(NoteKind::Note, meaning, source);
    }
    (s, current)
}

/// Periodic delivery of a log file.
fn deliver_log(
    w: &World<'_>,
    t: &Trail<'_>,
    cloudtrail: &Actor,
    current: Option<&KeyInfo>,
) -> Step {
    let mut d = step(
        "deliver-log-file",
        "CloudTrail delivers a log file (about every 5 minutes)",
        SERVICE,
        "s3:PutObject",
    );
    if t.put(w, &mut d, cloudtrail, &t.log_key, current) {
        d.result = format!(
            "wrote {} ({})",
            t.log_key,
            current
                .map(|k| format!("SSE-KMS, {}", k.arn))
                .unwrap_or_else(|| "SSE-S3".into())
        );
    } else {
        d.fail_unseen(
            "CloudTrail cannot deliver the log file: no new object arrives in the bucket",
        );
        d.note(
            NoteKind::Note,
            "If encryption is enabled on a trail and the key is disabled or its policy is not correctly configured for CloudTrail, CloudTrail cannot deliver logs.",
            Source::Doc(&sources::CLOUDTRAIL_KMS_POLICY),
        );
    }
    if current.is_some() {
        d.note(
            NoteKind::Note,
            "One GenerateDataKey per log file, with the encryption contexts aws:cloudtrail:arn (the trail) and aws:s3:arn (the object).",
            Source::Doc(&sources::CLOUDTRAIL_KMS_POLICY),
        );
        d.note(
            NoteKind::Note,
            "Keyflow sends this request as cloudtrail.amazonaws.com through S3 (kms:ViaService=s3.REGION.amazonaws.com) with aws:SourceArn and aws:SourceAccount.",
            Source::Assumption("AWS does not document the calling path and context of CloudTrail's delivery requests beyond the encryption context"),
        );
    }
    d
}

/// The hourly digest file; which docs to follow is a setting.
fn deliver_digest(
    w: &World<'_>,
    t: &Trail<'_>,
    cloudtrail: &Actor,
    current: Option<&KeyInfo>,
    digest_kms: Option<&KeyInfo>,
) -> Step {
    let mut g = step(
        "deliver-digest-file",
        "CloudTrail delivers the hourly digest file (log file validation is on)",
        SERVICE,
        "s3:PutObject",
    );
    if t.put(w, &mut g, cloudtrail, &t.digest_key, digest_kms) {
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
        g.fail_unseen(
            "CloudTrail cannot deliver the digest file: no new digest arrives in the bucket",
        );
    }
    g.note(
        NoteKind::Note,
        "With log file validation on, CloudTrail delivers a digest file every hour that references the log files of the last hour.",
        Source::Doc(&sources::CLOUDTRAIL_VALIDATION),
    );
    if current.is_some() {
        g.note(
            NoteKind::Note,
            format!(
                "settings.digest_encryption = {}",
                w.s.settings.digest_encryption
            ),
            Source::Scenario,
        );
        g.note(
            NoteKind::Documented,
            "Current CloudTrail documentation: the key policy must allow CloudTrail to use the key to encrypt log files, digest files, and event data stores.",
            Source::Doc(&sources::CLOUDTRAIL_KMS_POLICY),
        );
        g.note(
            NoteKind::Documented,
            "CloudTrail documentation until June 2023: SSE-KMS encrypts the log files but not the digest files, which are encrypted with SSE-S3.",
            Source::Doc(&sources::CLOUDTRAIL_SSE_KMS_2023),
        );
        g.note(
            NoteKind::Documented,
            "The 2018 write-up quotes the same rule from the documentation of its time: digest files stay SSE-S3.",
            Source::Post(&sources::POST_KMS_2018),
        );
    }
    g
}

/// A reader named by the flow downloads a log file.
fn read_log(
    w: &World<'_>,
    t: &Trail<'_>,
    name: &str,
    actor: &Actor,
    current: Option<&KeyInfo>,
) -> Step {
    let mut r = step(
        format!("read-log:{name}"),
        format!("{name} downloads a log file"),
        name,
        "s3:GetObject",
    );
    if t.read(w, &mut r, actor, current) {
        r.result = match current {
            Some(_) => "log file returned, decrypted by S3".into(),
            None => "log file returned".into(),
        };
    } else {
        r.deny("AccessDenied");
    }
    r.note(
        NoteKind::Note,
        "Reading a log file needs s3:GetObject on it and, for SSE-KMS, kms:Decrypt allowed by the key policy (directly, or by delegating to the account and an IAM policy); S3 asks KMS for the reader.",
        Source::Doc(&sources::CLOUDTRAIL_KMS_POLICY),
    );
    r
}

/// The access matrix: every principal of the scenario, plus CloudTrail.
fn matrix(
    w: &World<'_>,
    t: &Trail<'_>,
    cloudtrail: &Actor,
    current: Option<&KeyInfo>,
    flow: &mut FlowRun,
) {
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
        t.put(w, &mut scratch, &actor, &t.log_key, current);
        let deliver = access(&scratch.checks);
        let mut checks = std::mem::take(&mut scratch.checks);
        t.read(w, &mut scratch, &actor, current);
        let read = access(&scratch.checks);
        checks.append(&mut scratch.checks);
        flow.report.matrix.push(MatrixRow {
            principal: actor.name.clone(),
            arn: actor.arn.clone(),
            deliver,
            read,
            checks,
        });
    }
}
