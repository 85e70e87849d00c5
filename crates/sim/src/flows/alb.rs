//! ALB access logs into a bucket whose default encryption is, or becomes, a
//! customer managed key.

use keyflow_policy::Context;

use super::calls::{
    Via, iam_call, key_state_error, kms_call, prefixed, put_bucket_encryption, s3_call,
    s3_context_arn, step,
};
use super::{FieldRefMut, FlowDef, FlowRun, RefKind};
use crate::errors;
use crate::fix::{DocumentedFix, SettingChange};
use crate::report::{NoteKind, Step};
use crate::scenario::json::Obj;
use crate::scenario::{
    Behaviour, Bucket, ElbLogWriter, Encryption, LoadBalancer, Scenario, ScenarioError, Sse,
};
use crate::sources::{self, Source};
use crate::whatif::WhatIf;
use crate::world::{Actor, KeyInfo, World};

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Params {
    pub load_balancer: String,
    /// The customer managed key the bucket default is switched to after enabling.
    pub key: String,
    pub admin: String,
    pub reader: String,
}

impl Params {
    pub(crate) fn read(o: &mut Obj<'_>) -> Result<Self, ScenarioError> {
        Ok(Params {
            load_balancer: o.req_str("load_balancer")?,
            key: o.req_str("key")?,
            admin: o.req_str("admin")?,
            reader: o.req_str("reader")?,
        })
    }
}

/// ELB account per Region for the legacy bucket-policy form (ALB guide, "Enable
/// access logs", Regions available before August 2022).
pub(crate) fn elb_account(region: &str) -> Option<&'static str> {
    Some(match region {
        "us-east-1" => "127311923021",
        "us-east-2" => "033677994240",
        "us-west-1" => "027434742980",
        "us-west-2" => "797873946194",
        "af-south-1" => "098369216593",
        "ap-east-1" => "754344448648",
        "ap-southeast-3" => "589379963580",
        "ap-south-1" => "718504428378",
        "ap-northeast-3" => "383597477331",
        "ap-northeast-2" => "600734575887",
        "ap-southeast-1" => "114774131450",
        "ap-southeast-2" => "783225319266",
        "ap-northeast-1" => "582318560864",
        "ca-central-1" => "985666609251",
        "eu-central-1" => "054676820928",
        "eu-west-1" => "156460612806",
        "eu-west-2" => "652711504416",
        "eu-south-1" => "635631232127",
        "eu-west-3" => "009996457667",
        "eu-north-1" => "897822967062",
        "me-south-1" => "076674570225",
        "sa-east-1" => "507241528517",
        "us-gov-east-1" => "190560391635",
        "us-gov-west-1" => "048591011584",
        _ => return None,
    })
}

const LOG_SERVICE: &str = "logdelivery.elasticloadbalancing.amazonaws.com";

/// The statement a key policy would need for the log writer to encrypt through S3.
fn needed_statement(writer: &Actor, region: &str) -> String {
    let principal = if writer.is_service() {
        format!("\"Service\": \"{}\"", writer.arn)
    } else {
        format!("\"AWS\": \"{}\"", writer.arn)
    };
    format!(
        "{{\"Effect\": \"Allow\", \"Principal\": {{{principal}}}, \"Action\": \"kms:GenerateDataKey\", \"Resource\": \"*\", \"Condition\": {{\"StringEquals\": {{\"kms:ViaService\": \"s3.{region}.amazonaws.com\"}}}}}}"
    )
}

/// What every step of one run shares.
struct Ctx<'a, 'w> {
    w: &'a World<'w>,
    lb: &'w LoadBalancer,
    bucket: &'w Bucket,
    writer: Actor,
    writer_label: String,
    lb_arn: String,
    test_key: String,
    log_key: String,
}

impl Ctx<'_, '_> {
    /// Context ELB's writer sends with each object (service-principal form only).
    fn writer_extra(&self) -> Context {
        let mut c = Context::new();
        if self.writer.is_service() {
            c.insert("aws:SourceAccount", self.w.s.account.as_str());
            c.insert("aws:SourceArn", self.lb_arn.as_str());
        }
        c
    }

    /// The writer puts `key` under `enc`; returns the checks' overall result.
    fn write(&self, step: &mut Step, key: &str, enc: &Encryption, explicit_sse_s3: bool) -> bool {
        let mut extra = self.writer_extra();
        if explicit_sse_s3 {
            extra.insert("s3:x-amz-server-side-encryption", "AES256");
        }
        let mut ok = step.push(s3_call(
            self.w,
            &self.writer,
            "s3:PutObject",
            &self.bucket.name,
            Some(key),
            extra,
        ));
        if enc.sse == Sse::Kms && !explicit_sse_s3 {
            let Some(k) = self.w.key(enc.key.as_deref().unwrap_or("alias/aws/s3")) else {
                return false;
            };
            let ec = s3_context_arn(&self.bucket.name, key, enc.bucket_key);
            ok &= step.push(kms_call(
                self.w,
                &self.writer,
                "kms:GenerateDataKey",
                k,
                Some(Via::S3),
                &[("aws:s3:arn", &ec)],
                self.writer_extra(),
            ));
            if ok && let Some((code, msg)) = key_state_error(k) {
                step.fail(errors::key_state(&format!("KMS.{code}"), msg));
                return false;
            }
        }
        ok
    }

    fn describe(&self, enc: &Encryption) -> String {
        describe(self.w, enc)
    }
}

/// A bucket default as the scenario writes it: `SSE-KMS (alias/x)`, `SSE-S3`.
fn describe_default(b: &Bucket) -> String {
    let e = &b.default_encryption;
    match (&e.sse, &e.key) {
        (Sse::Kms, Some(k)) => format!("{} ({k})", e.sse),
        (sse, _) => sse.as_str().to_string(),
    }
}

fn describe(w: &World<'_>, enc: &Encryption) -> String {
    match enc.sse {
        Sse::Kms => {
            let key = enc
                .key
                .as_deref()
                .and_then(|k| w.key(k))
                .map(KeyInfo::label)
                .unwrap_or_else(|| "aws/s3".into());
            format!(
                "SSE-KMS with {key}{}",
                if enc.bucket_key {
                    ", Bucket Key on"
                } else {
                    ""
                }
            )
        }
        other => other.as_str().to_string(),
    }
}

impl FlowDef for Params {
    fn default_id(&self) -> &'static str {
        "alb"
    }

    fn title(&self, _w: &World<'_>) -> String {
        "ALB access logs into a bucket encrypted with a customer managed key".into()
    }

    fn sources(&self) -> Vec<Source> {
        vec![
            Source::Post(&sources::POST_ALB),
            Source::Doc(&sources::ALB_ACCESS_LOGS),
        ]
    }

    fn refs_mut(&mut self) -> Vec<FieldRefMut<'_>> {
        vec![
            FieldRefMut::new(
                "load_balancer",
                RefKind::LoadBalancer,
                &mut self.load_balancer,
            ),
            FieldRefMut::new("key", RefKind::Key, &mut self.key),
            FieldRefMut::new("admin", RefKind::Principal, &mut self.admin),
            FieldRefMut::new("reader", RefKind::Principal, &mut self.reader),
        ]
    }

    fn what_ifs(&self, s: &Scenario) -> Vec<WhatIf> {
        let (now, then, to) = match s.settings.alb_delivery {
            Behaviour::Observed => ("observed", "documented", Behaviour::Documented),
            Behaviour::Documented => ("documented", "observed", Behaviour::Observed),
        };
        vec![WhatIf {
            label: format!("ALB log delivery after the key switch: {now} → {then} behaviour"),
            edits: vec![crate::edit::Edit::AlbDelivery(to)],
        }]
    }

    /// AWS documents only SSE-S3 for access-log buckets (ALB guide, "Enable
    /// access logs"): when ELB refuses the bucket under a KMS default, or the
    /// log writer's KMS request is denied, the repair is the bucket default,
    /// never a key-policy statement.
    fn documented_fix(&self, s: &Scenario, step: &Step) -> Option<DocumentedFix> {
        if step.is_ok() {
            return None;
        }
        let writer = |p: &str| {
            p == LOG_SERVICE
                || elb_account(&s.region).is_some_and(|a| p == format!("arn:aws:iam::{a}:root"))
        };
        let kms_denied = step
            .checks
            .iter()
            .any(|c| !c.allowed() && c.action().starts_with("kms:") && writer(c.principal()));
        let lb = s
            .load_balancers
            .iter()
            .find(|l| l.name == self.load_balancer)?;
        let (i, bucket) = s
            .buckets
            .iter()
            .enumerate()
            .find(|(_, b)| b.name == lb.access_logs.bucket)?;
        let refused = step
            .error
            .as_ref()
            .is_some_and(|e| e.code == "InvalidConfigurationRequest")
            && bucket.default_encryption.sse == Sse::Kms;
        if !(kms_denied || refused) {
            return None;
        }
        Some(DocumentedFix {
            title: format!("Set the default encryption of bucket {} to SSE-S3", bucket.name),
            why: "The only server-side encryption AWS documents for ALB access-log buckets is SSE-S3; no key-policy statement for the log writer is documented.".into(),
            edits: vec![
                crate::edit::Edit::BucketSse {
                    bucket: i,
                    sse: Sse::S3,
                },
                crate::edit::Edit::BucketKmsKey {
                    bucket: i,
                    key: None,
                },
            ],
            settings: vec![SettingChange {
                path: format!("buckets[{i}].default_encryption"),
                before: describe_default(bucket),
                after: Sse::S3.as_str().to_string(),
            }],
            source: Source::Doc(&sources::ALB_ACCESS_LOGS),
        })
    }

    fn run(&self, w: &World<'_>, flow: &mut FlowRun) {
        let (Some(lb), Some(admin), Some(reader)) = (
            w.s.load_balancers
                .iter()
                .find(|l| l.name == self.load_balancer),
            w.actor(&self.admin),
            w.actor(&self.reader),
        ) else {
            return;
        };
        let Some(bucket) = w.bucket(&lb.access_logs.bucket) else {
            return;
        };
        let account = &w.s.account;
        let region = &w.s.region;
        let legacy = w.s.settings.elb_log_writer == ElbLogWriter::ElbAccount;
        let writer = match (legacy, elb_account(region)) {
            (true, Some(acct)) => w.aws_owned(acct),
            _ => w.service(LOG_SERVICE),
        };
        let writer_label = if writer.is_service() {
            format!("ELB log delivery ({LOG_SERVICE})")
        } else {
            format!("ELB log delivery ({})", writer.arn)
        };
        let logs = prefixed(&lb.access_logs.prefix, &format!("AWSLogs/{account}/"));
        let c = Ctx {
            w,
            lb,
            bucket,
            writer,
            writer_label,
            lb_arn: format!(
                "arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/{}/{}",
                lb.name, lb.id
            ),
            test_key: format!("{logs}ELBAccessLogTestFile"),
            log_key: format!(
                "{logs}elasticloadbalancing/{region}/2022/09/18/{account}_elasticloadbalancing_{region}_app.{}.{}_20220918T0310Z_10.0.1.23_2ab3c4d5.log.gz",
                lb.name, lb.id
            ),
        };
        let Some(current) = enable(&c, &admin, flow) else {
            return;
        };
        let current = switch_default(&c, &admin, &self.key, current, flow);
        let delivered = deliver(&c, &current, flow);
        flow.push(read_log(&c, &reader, delivered));
    }
}

/// Enables access logs; like the write-up, retries with SSE-S3 after a failure
/// under a KMS default. Returns the bucket default once logging is on.
fn enable(c: &Ctx<'_, '_>, admin: &Actor, flow: &mut FlowRun) -> Option<Encryption> {
    let w = c.w;
    let mut current = c.bucket.default_encryption.clone();
    for attempt in 1..=2 {
        let id = if attempt == 1 {
            "enable-access-logs"
        } else {
            "enable-access-logs-sse-s3"
        };
        let mut s = step(
            id,
            format!(
                "Enable access logs on {} (bucket default: {})",
                c.lb.name,
                c.describe(&current)
            ),
            &admin.name,
            "elasticloadbalancing:ModifyLoadBalancerAttributes",
        );
        s.sets_state = true;
        let mut enabled = false;
        if !s.push(iam_call(
            w,
            admin,
            "elasticloadbalancing:ModifyLoadBalancerAttributes",
            &c.lb_arn,
            Context::new(),
        )) {
            s.deny("AccessDenied");
        } else if c.write(&mut s, &c.test_key, &current, false) {
            enabled = true;
            s.result = format!(
                "access_logs.s3.enabled=true; {} wrote {} ({})",
                c.writer_label,
                c.test_key,
                c.describe(&current)
            );
        } else if s.is_ok() {
            s.fail(errors::elb_bucket_denied(&c.bucket.name));
        }
        s.note(
            NoteKind::Note,
            format!(
                "ELB validates the bucket by writing a test object as {}; under a KMS default S3 must also get a data key from KMS for that writer.",
                c.writer_label
            ),
            Source::Doc(&sources::ALB_ACCESS_LOGS),
        );
        if current.sse == Sse::Kms {
            s.note(
                NoteKind::Documented,
                "Docs: the only server-side encryption supported for access logs is SSE-S3; enabling checks the bucket and fails with InvalidConfigurationRequest when the default is not SSE-S3.",
                Source::Doc(&sources::ALB_ACCESS_LOGS),
            );
            s.note(
                NoteKind::Observed,
                "Seed 000 (2022-09-18, ap-northeast-1): enabling with the customer managed key as bucket default failed with a permission error; after switching the default to SSE-S3 it succeeded.",
                Source::Post(&sources::POST_ALB),
            );
        }
        let failed_under_kms = !s.is_ok() && current.sse == Sse::Kms;
        flow.push(s);
        if enabled {
            return Some(current);
        }
        if !failed_under_kms || attempt > 1 {
            return None;
        }
        let (mut sw, ok) = put_bucket_encryption(
            w,
            admin,
            &c.bucket.name,
            "use-sse-s3-default",
            format!("Switch {} default encryption to SSE-S3", c.bucket.name),
        );
        if ok {
            current = Encryption::default();
            sw.result = "default encryption: SSE-S3".into();
        }
        flow.push(sw);
        if !ok {
            return None;
        }
    }
    None
}

/// Switches the bucket default to the flow's key after logging is on.
fn switch_default(
    c: &Ctx<'_, '_>,
    admin: &Actor,
    key: &str,
    current: Encryption,
    flow: &mut FlowRun,
) -> Encryption {
    let w = c.w;
    let Some(k) = w.key(key) else {
        return current;
    };
    let already = current.sse == Sse::Kms
        && current
            .key
            .as_deref()
            .and_then(|r| w.key(r))
            .is_some_and(|x| x.arn == k.arn);
    if already {
        return current;
    }
    let (mut sw, ok) = put_bucket_encryption(
        w,
        admin,
        &c.bucket.name,
        "switch-default-to-key",
        format!(
            "Switch {} default encryption to {}",
            c.bucket.name,
            k.label()
        ),
    );
    let mut next = current;
    if ok {
        next = Encryption {
            sse: Sse::Kms,
            key: Some(k.arn.clone()),
            bucket_key: c.bucket.default_encryption.bucket_key,
        };
        sw.result = format!(
            "default encryption: {}; objects already in the bucket keep their encryption",
            c.describe(&next)
        );
        sw.note(
            NoteKind::Note,
            "S3 does not check the key or its policy here; problems show at the next write.",
            Source::Doc(&sources::S3_DEFAULT_ENCRYPTION),
        );
    }
    flow.push(sw);
    next
}

/// Periodic delivery under the chosen behaviour; returns the encryption of the
/// delivered object, or `None` when nothing was delivered.
fn deliver(c: &Ctx<'_, '_>, current: &Encryption, flow: &mut FlowRun) -> Option<Encryption> {
    let w = c.w;
    let region = &w.s.region;
    let observed = w.s.settings.alb_delivery == Behaviour::Observed;
    let mut d = step(
        "deliver-log",
        format!(
            "{} delivers a log file (every 5 minutes per node)",
            c.writer_label
        ),
        &c.writer.name,
        "s3:PutObject",
    );
    let under_kms = current.sse == Sse::Kms;
    let delivered_enc = if under_kms && observed {
        Encryption::default()
    } else {
        current.clone()
    };
    let ok = c.write(&mut d, &c.log_key, current, observed && under_kms);
    if ok {
        d.result = format!("wrote {} ({})", c.log_key, c.describe(&delivered_enc));
    } else if d.is_ok() {
        d.deny("AccessDenied");
    }
    if under_kms {
        let statement = needed_statement(&c.writer, region);
        d.note(
            NoteKind::Note,
            format!(
                "Writer: {}. Under the KMS default S3 calls kms:GenerateDataKey for that writer (kms:ViaService=s3.{region}.amazonaws.com, context aws:s3:arn); the key policy must allow it, e.g. {statement}. A statement for elasticloadbalancing.amazonaws.com via elasticloadbalancing.{region}.amazonaws.com matches neither the writer nor the path. ELB reports nothing when delivery fails: logs just stop arriving. The sim follows the {} behaviour (settings.alb_delivery).",
                c.writer_label,
                w.s.settings.alb_delivery
            ),
            Source::Assumption("the writer's KMS request is modelled on how S3 calls KMS for other writers"),
        );
        d.note(
            NoteKind::Documented,
            "Only SSE-S3 is supported for ALB access logs; with a KMS default, delivery would need kms:GenerateDataKey for the writer, so the sim lets the key policy decide.",
            Source::Doc(&sources::ALB_ACCESS_LOGS),
        );
        d.note(
            NoteKind::Observed,
            "Seed 000: logs kept arriving after the default was switched to the key (checked 2022-09-18 ~12:00 JST) and a downloaded file was readable; how those objects were encrypted was not shown. The sim models this as the writer asking for SSE-S3 explicitly, which overrides the bucket default [unconfirmed].",
            Source::Post(&sources::POST_ALB),
        );
    } else {
        d.note(
            NoteKind::Note,
            format!(
                "Writer: {}; objects take the bucket default ({}).",
                c.writer_label,
                c.describe(current)
            ),
            Source::Doc(&sources::S3_DEFAULT_ENCRYPTION),
        );
    }
    if ok && delivered_enc.sse == Sse::Kms {
        flow.estimate(
            "GenerateDataKey",
            288,
            "one log file per load-balancer node every 5 minutes, one data key each (without a Bucket Key)",
            Source::Doc(&sources::ALB_ACCESS_LOGS),
        );
    }
    flow.push(d);
    ok.then_some(delivered_enc)
}

/// A reader fetches the newest object there is: the last log file, or the test object.
fn read_log(c: &Ctx<'_, '_>, reader: &Actor, delivered: Option<Encryption>) -> Step {
    let w = c.w;
    let (read_key, read_enc, body) = match delivered {
        Some(enc) => (
            c.log_key.clone(),
            enc,
            "h2 2022-09-18T03:09:14.366280Z app/test/… \"GET https://test-….ap-northeast-1.elb.amazonaws.com:443/ HTTP/2.0\" … \"forward\" \"-\" \"-\" \"-\" \"200\" \"-\" \"-\"",
        ),
        // The test object was written while the default was SSE-S3.
        None => (
            c.test_key.clone(),
            Encryption::default(),
            "Enable AccessLog for ELB: …",
        ),
    };
    let mut r = step(
        "read-log",
        format!("{} downloads {read_key}", reader.name),
        &reader.name,
        "s3:GetObject",
    );
    let mut allowed = r.push(s3_call(
        w,
        reader,
        "s3:GetObject",
        &c.bucket.name,
        Some(&read_key),
        Context::new(),
    ));
    if !allowed {
        r.deny("AccessDenied");
    } else if read_enc.sse == Sse::Kms
        && let Some(k) = read_enc.key.as_deref().and_then(|x| w.key(x))
    {
        let ec = s3_context_arn(&c.bucket.name, &read_key, read_enc.bucket_key);
        allowed = r.push(kms_call(
            w,
            reader,
            "kms:Decrypt",
            k,
            Some(Via::S3),
            &[("aws:s3:arn", &ec)],
            Context::new(),
        ));
        if !allowed {
            r.fail(errors::kms_ciphertext_denied("AccessDenied"));
        }
    }
    if allowed {
        r.result = body.to_string();
    }
    let (note, source) = if read_enc.sse == Sse::Kms {
        (
            "Reading needs s3:GetObject and kms:Decrypt (S3 decrypts for the reader).",
            Source::Doc(&sources::S3_SSE_KMS),
        )
    } else {
        (
            "The object is SSE-S3: reading needs s3:GetObject only.",
            Source::Doc(&sources::S3_DEFAULT_ENCRYPTION),
        )
    };
    r.note(NoteKind::Note, note, source);
    r
}
