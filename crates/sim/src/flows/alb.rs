//! ALB access logs into a bucket whose default encryption is, or becomes, a
//! customer managed key.

use keyflow_policy::Context;

use super::calls::{iam_call, prefixed, put_bucket_encryption, s3_call, step};
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

/// ELB account per Region for the bucket-policy form AWS's ALB guide gives for
/// Regions available before August 2022 ("Enable access logs for your
/// Application Load Balancer", as published until 2023).
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
    /// The log writer's PUT of one object, under the bucket policy. ELB asks for
    /// no encryption of its own: the object takes the bucket default.
    fn write(&self, step: &mut Step, key: &str) -> bool {
        let mut extra = Context::new();
        if self.writer.is_service() {
            extra.insert("aws:SourceAccount", self.w.s.account.as_str());
            extra.insert("aws:SourceArn", self.lb_arn.as_str());
        }
        step.push(s3_call(
            self.w,
            &self.writer,
            "s3:PutObject",
            &self.bucket.name,
            Some(key),
            extra,
        ))
    }

    fn describe(&self, enc: &Encryption) -> String {
        describe(self.w, enc)
    }

    fn writer_notes(&self, step: &mut Step) {
        if self.writer.is_service() {
            step.note(
                NoteKind::Note,
                "Keyflow sends aws:SourceAccount and aws:SourceArn (the load balancer) with the log writer's requests; AWS's example bucket policy for this writer uses no conditions, so whether ELB sends them is not documented.",
                Source::Assumption("other AWS log deliveries send these keys; ELB's is not documented"),
            );
            if let Some(account) = elb_account(&self.w.s.region) {
                step.note(
                    NoteKind::Note,
                    format!(
                        "For {} AWS's ALB guide (as published until 2023) gives the bucket policy naming the Region's ELB account {account}; the logdelivery service principal was for Regions opened from August 2022. Choose the writer under settings.elb_log_writer.",
                        self.w.s.region
                    ),
                    Source::Doc(&sources::ALB_ACCESS_LOGS),
                );
            }
        }
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

/// AWS's one documented way: access-log buckets use SSE-S3.
fn recommend_sse_s3(step: &mut Step) {
    step.note(
        NoteKind::Documented,
        "The only server-side encryption option supported for access-log buckets is Amazon S3-managed keys (SSE-S3). No AWS document gives a key-policy statement that makes delivery into an SSE-KMS bucket work: set the log bucket's default encryption to SSE-S3.",
        Source::Doc(&sources::ALB_ACCESS_LOGS),
    );
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
        let under_kms = current.sse == Sse::Kms;
        let mut enabled = false;
        if !s.push(iam_call(
            w,
            admin,
            "elasticloadbalancing:ModifyLoadBalancerAttributes",
            &c.lb_arn,
            Context::new(),
        )) {
            s.deny("AccessDenied");
        } else if !c.write(&mut s, &c.test_key) || under_kms {
            // A missing bucket-policy grant and an unsupported encryption option
            // are both causes of this error (ELB troubleshooting).
            s.fail(errors::elb_bucket_denied(&c.bucket.name));
        } else {
            enabled = true;
            s.result = format!(
                "access_logs.s3.enabled=true; {} wrote {} ({})",
                c.writer_label,
                c.test_key,
                c.describe(&current)
            );
        }
        s.note(
            NoteKind::Note,
            format!(
                "After access logs are enabled, ELB validates the bucket by creating the test file ELBAccessLogTestFile; the bucket policy must let {} put it.",
                c.writer_label
            ),
            Source::Doc(&sources::ALB_ACCESS_LOGS),
        );
        if s.error.is_some() {
            s.note(
                NoteKind::Note,
                "AWS's guides give this message and its causes; the error code InvalidConfigurationRequest is the one seen in real output.",
                Source::Observed(&sources::OBS_ELB_ERROR_CODE),
            );
        }
        if under_kms {
            recommend_sse_s3(&mut s);
            s.note(
                NoteKind::Observed,
                "Enabling with the customer managed key as the bucket default failed with a permission error; after the default was switched to SSE-S3 it succeeded (2022-09-18, ap-northeast-1).",
                Source::Post(&sources::POST_ALB),
            );
        }
        c.writer_notes(&mut s);
        let failed_under_kms = !s.is_ok() && under_kms;
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
        recommend_sse_s3(&mut sw);
        flow.push(sw);
        if !ok {
            return None;
        }
    }
    None
}

/// Switches the bucket default to the flow's key after logging is on, as the write-up did.
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
            "A new default applies to objects written afterwards; objects already in the bucket keep their encryption.",
            Source::Doc(&sources::S3_DEFAULT_ENCRYPTION),
        );
        sw.note(
            NoteKind::Note,
            "Keyflow does not check the key or its policy here: KMS is asked only when an object is written.",
            Source::Assumption("S3 stores the key reference; no AWS page says it validates the key policy"),
        );
    }
    flow.push(sw);
    next
}

/// Periodic delivery; returns the encryption of the delivered object, or `None`
/// when no log object arrives.
fn deliver(c: &Ctx<'_, '_>, current: &Encryption, flow: &mut FlowRun) -> Option<Encryption> {
    let w = c.w;
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
    d.note(
        NoteKind::Note,
        "ELB publishes a log file for each load balancer node every 5 minutes; delivery is eventually consistent.",
        Source::Doc(&sources::ALB_LOGS_OVERVIEW),
    );
    let under_kms = current.sse == Sse::Kms;
    let delivered = if under_kms && !observed {
        // The guide supports SSE-S3 only; what ELB then does is not documented.
        None
    } else if c.write(&mut d, &c.log_key) {
        Some(if under_kms {
            Encryption::default()
        } else {
            current.clone()
        })
    } else {
        None
    };
    match &delivered {
        Some(enc) => {
            d.result = format!("wrote {} ({})", c.log_key, c.describe(enc));
        }
        None => d.fail_unseen("no log object arrives, and ELB reports no error"),
    }
    if under_kms {
        recommend_sse_s3(&mut d);
        d.note(
            NoteKind::Observed,
            "After the bucket default was switched back to the customer managed key, logs kept arriving (checked 2022-09-18 around 12:00 JST) and a downloaded file was readable; how those objects were encrypted was not shown.",
            Source::Post(&sources::POST_ALB),
        );
        if observed {
            d.note(
                NoteKind::Note,
                "Keyflow shows the delivered object as SSE-S3 and asks KMS for nothing.",
                Source::Assumption("the write-up does not show how the objects were encrypted"),
            );
        }
    }
    if delivered.is_none() {
        d.note(
            NoteKind::Note,
            "Delivery is asynchronous: a failed delivery shows up only as missing log objects; no error reaches the user.",
            Source::Assumption("no AWS page describes what a failed ELB log delivery reports"),
        );
    }
    c.writer_notes(&mut d);
    flow.push(d);
    delivered
}

/// A reader fetches the newest object there is: the last log file, or the test object.
fn read_log(c: &Ctx<'_, '_>, reader: &Actor, delivered: Option<Encryption>) -> Step {
    let w = c.w;
    let lb = c.lb;
    let (read_key, body) = match delivered {
        Some(_) => (
            c.log_key.clone(),
            format!(
                "h2 2022-09-18T03:09:14.366280Z app/{}/{} … \"GET https://{}-….{}.elb.amazonaws.com:443/ HTTP/2.0\" … \"forward\" \"-\" \"-\" \"-\" \"200\" \"-\" \"-\"",
                lb.name, lb.id, lb.name, w.s.region
            ),
        ),
        // The test object was written while the default was SSE-S3.
        None => (
            c.test_key.clone(),
            "Enable AccessLog for ELB: …".to_string(),
        ),
    };
    let mut r = step(
        "read-log",
        format!("{} downloads {read_key}", reader.name),
        &reader.name,
        "s3:GetObject",
    );
    if r.push(s3_call(
        w,
        reader,
        "s3:GetObject",
        &c.bucket.name,
        Some(&read_key),
        Context::new(),
    )) {
        r.result = body;
    } else {
        r.deny("AccessDenied");
    }
    r.note(
        NoteKind::Note,
        "The object is SSE-S3: reading needs s3:GetObject only.",
        Source::Doc(&sources::S3_DEFAULT_ENCRYPTION),
    );
    r
}
