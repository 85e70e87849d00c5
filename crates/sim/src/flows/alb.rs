//! ALB access logs into a bucket whose default encryption is, or becomes, a
//! customer managed key (source 000).

use super::*;
use crate::report::FlowReport;
use crate::scenario::{Behaviour, ElbLogWriter, Encryption, FlowSpec, Sse};

/// ELB account per Region for the legacy bucket-policy form (DOMAIN §5.2).
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
    let principal = if writer.kind == ActorKind::Service {
        format!("\"Service\": \"{}\"", writer.arn)
    } else {
        format!("\"AWS\": \"{}\"", writer.arn)
    };
    format!(
        "{{\"Effect\": \"Allow\", \"Principal\": {{{principal}}}, \"Action\": \"kms:GenerateDataKey\", \"Resource\": \"*\", \"Condition\": {{\"StringEquals\": {{\"kms:ViaService\": \"s3.{region}.amazonaws.com\"}}}}}}"
    )
}

struct Ctx0<'a, 'w> {
    w: &'a World<'w>,
    writer: Actor,
    bucket: String,
    account: String,
    lb_arn: String,
}

impl Ctx0<'_, '_> {
    /// Context ELB's writer sends with each object (service-principal form only).
    fn writer_extra(&self) -> Ctx {
        let mut c = Ctx::new();
        if self.writer.kind == ActorKind::Service {
            ctx_set(&mut c, "aws:SourceAccount", self.account.as_str());
            ctx_set(&mut c, "aws:SourceArn", self.lb_arn.as_str());
        }
        c
    }

    /// The writer puts `key` under `enc`; returns the checks' overall result.
    fn write(&self, step: &mut Step, key: &str, enc: &Encryption, explicit_sse_s3: bool) -> bool {
        let mut extra = self.writer_extra();
        if explicit_sse_s3 {
            ctx_set(&mut extra, "s3:x-amz-server-side-encryption", "AES256");
        }
        let mut ok = step.push(s3_call(
            self.w,
            &self.writer,
            "s3:PutObject",
            &self.bucket,
            Some(key),
            extra,
        ));
        if enc.sse == Sse::Kms && !explicit_sse_s3 {
            let Some(k) = self.w.key(enc.key.as_deref().unwrap_or("alias/aws/s3")) else {
                return false;
            };
            let obj = object_arn(&self.bucket, key);
            let bucket = bucket_arn(&self.bucket);
            let ec = if enc.bucket_key {
                bucket.as_str()
            } else {
                obj.as_str()
            };
            let check = kms_call(
                self.w,
                &self.writer,
                "kms:GenerateDataKey",
                k,
                Some("s3"),
                &[("aws:s3:arn", ec)],
                self.writer_extra(),
            );
            ok &= step.push(check);
            if ok && let Some((code, msg)) = key_state_error(k) {
                step.fail(&format!("KMS.{code}"), msg);
                return false;
            }
        }
        ok
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

pub(super) fn run(w: &World<'_>, spec: &FlowSpec) -> FlowReport {
    let mut flow = new_flow(
        "ALB access logs into a bucket encrypted with a customer managed key",
        &["000"],
    );
    let FlowSpec::AlbAccessLogs {
        load_balancer,
        key,
        admin,
        reader,
        ..
    } = spec
    else {
        return flow;
    };
    let (Some(lb), Some(admin), Some(reader)) = (
        w.s.load_balancers.iter().find(|l| &l.name == load_balancer),
        w.actor(admin),
        w.actor(reader),
    ) else {
        return flow;
    };
    let Some(bucket) = w.bucket(&lb.access_logs.bucket) else {
        return flow;
    };
    let account = w.s.account.clone();
    let region = w.s.region.clone();
    let lb_arn = format!(
        "arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/{}/{}",
        lb.name, lb.id
    );
    let legacy = w.s.settings.elb_log_writer == ElbLogWriter::ElbAccount;
    let writer = match (legacy, elb_account(&region)) {
        (true, Some(acct)) => w.aws_owned(acct),
        _ => w.service(LOG_SERVICE),
    };
    let writer_label = if writer.kind == ActorKind::Service {
        format!("ELB log delivery ({LOG_SERVICE})")
    } else {
        format!("ELB log delivery ({})", writer.arn)
    };
    let c = Ctx0 {
        w,
        writer,
        bucket: bucket.name.clone(),
        account: account.clone(),
        lb_arn: lb_arn.clone(),
    };
    let logs = prefixed(&lb.access_logs.prefix, &format!("AWSLogs/{account}/"));
    let test_key = format!("{logs}ELBAccessLogTestFile");
    let log_key = format!(
        "{logs}elasticloadbalancing/{region}/2022/09/18/{account}_elasticloadbalancing_{region}_app.{}.{}_20220918T0310Z_10.0.1.23_2ab3c4d5.log.gz",
        lb.name, lb.id
    );
    let target_key = w.key(key);
    let mut current = bucket.default_encryption.clone();
    let mut enabled = false;
    let mut attempt = 0;
    let documented_enable = "Docs: the only server-side encryption supported for access logs is SSE-S3; enabling checks the bucket and fails with InvalidConfigurationRequest when the default is not SSE-S3.";

    // Enable (and, like the post, retry with SSE-S3 after a failure under a KMS default).
    loop {
        attempt += 1;
        let id = if attempt == 1 {
            "enable-access-logs"
        } else {
            "enable-access-logs-sse-s3"
        };
        let mut s = step(
            id,
            format!(
                "Enable access logs on {} (bucket default: {})",
                lb.name,
                describe(w, &current)
            ),
            &admin.name,
            "elasticloadbalancing:ModifyLoadBalancerAttributes",
        );
        let allowed = s.push(iam_call(
            w,
            &admin,
            "elasticloadbalancing:ModifyLoadBalancerAttributes",
            &lb_arn,
            Ctx::new(),
        ));
        if !allowed {
            let msg = s.checks.last().map(not_authorized).unwrap_or_default();
            s.fail("AccessDenied", msg);
        } else if c.write(&mut s, &test_key, &current, false) {
            enabled = true;
            s.result = format!(
                "access_logs.s3.enabled=true; {writer_label} wrote {test_key} ({})",
                describe(w, &current)
            );
        } else if s.is_ok() {
            s.fail(
                "InvalidConfigurationRequest",
                format!(
                    "Access Denied for bucket: {}. Please check S3bucket permission",
                    bucket.name
                ),
            );
        }
        s.note = format!(
            "ELB validates the bucket by writing a test object as {writer_label}; under a KMS default S3 must also get a data key from KMS for that writer."
        );
        if current.sse == Sse::Kms {
            s.documented = Some(documented_enable.to_string());
            s.observed = Some("Seed 000 (2022-09-18, ap-northeast-1): enabling with the customer managed key as bucket default failed with a permission error; after switching the default to SSE-S3 it succeeded.".into());
        }
        let failed_under_kms = !s.is_ok() && current.sse == Sse::Kms;
        flow.steps.push(s);
        if enabled || !failed_under_kms || attempt > 1 {
            break;
        }
        let (mut sw, ok) = put_bucket_encryption(
            w,
            &admin,
            &bucket.name,
            "use-sse-s3-default",
            format!("Switch {} default encryption to SSE-S3", bucket.name),
        );
        if ok {
            current = Encryption::default();
            sw.result = "default encryption: SSE-S3".into();
        }
        flow.steps.push(sw);
        if !ok {
            break;
        }
    }
    if !enabled {
        return flow;
    }

    // Switch the default to the flow's key after logging is on.
    if let Some(k) = target_key
        && !(current.sse == Sse::Kms
            && current
                .key
                .as_deref()
                .and_then(|r| w.key(r))
                .is_some_and(|c| c.arn == k.arn))
    {
        let (mut sw, ok) = put_bucket_encryption(
            w,
            &admin,
            &bucket.name,
            "switch-default-to-key",
            format!("Switch {} default encryption to {}", bucket.name, k.label()),
        );
        if ok {
            current = Encryption {
                sse: Sse::Kms,
                key: Some(k.arn.clone()),
                bucket_key: bucket.default_encryption.bucket_key,
            };
            sw.result = format!(
                "default encryption: {}; objects already in the bucket keep their encryption",
                describe(w, &current)
            );
            sw.note =
                "S3 does not check the key or its policy here; problems show at the next write."
                    .into();
        }
        flow.steps.push(sw);
    }

    // Periodic delivery under the chosen behaviour.
    let observed = w.s.settings.alb_delivery == Behaviour::Observed;
    let mut d = step(
        "deliver-log",
        format!("{writer_label} delivers a log file (every 5 minutes per node)"),
        &c.writer.name,
        "s3:PutObject",
    );
    let delivered_enc = if current.sse == Sse::Kms && observed {
        Encryption::default()
    } else {
        current.clone()
    };
    let ok = c.write(
        &mut d,
        &log_key,
        &current,
        observed && current.sse == Sse::Kms,
    );
    if ok {
        d.result = format!("wrote {log_key} ({})", describe(w, &delivered_enc));
    } else if d.is_ok() {
        let msg = first_denied(&d.checks)
            .map(not_authorized)
            .unwrap_or_default();
        d.fail("AccessDenied", msg);
    }
    let statement = needed_statement(&c.writer, &region);
    d.note = if current.sse == Sse::Kms {
        format!(
            "Writer: {writer_label}. Under the KMS default S3 calls kms:GenerateDataKey for that writer (kms:ViaService=s3.{region}.amazonaws.com, context aws:s3:arn); the key policy must allow it, e.g. {statement}. A statement for elasticloadbalancing.amazonaws.com via elasticloadbalancing.{region}.amazonaws.com matches neither the writer nor the path. ELB reports nothing when delivery fails: logs just stop arriving. The sim follows the {} behaviour (settings.alb_delivery).",
            w.s.settings.alb_delivery.as_str()
        )
    } else {
        format!(
            "Writer: {writer_label}; objects take the bucket default ({}).",
            describe(w, &current)
        )
    };
    if current.sse == Sse::Kms {
        d.documented = Some("Only SSE-S3 is supported for ALB access logs; with a KMS default, delivery would need kms:GenerateDataKey for the writer, so the sim lets the key policy decide.".into());
        d.observed = Some("Seed 000: logs kept arriving after the default was switched to the key (checked 2022-09-18 ~12:00 JST) and a downloaded file was readable; how those objects were encrypted was not shown. The sim models this as the writer asking for SSE-S3 explicitly, which overrides the bucket default [unconfirmed].".into());
    }
    if ok && delivered_enc.sse == Sse::Kms {
        flow.kms.estimates.push(estimate(
            "GenerateDataKey",
            288,
            "one log file per load-balancer node every 5 minutes, one data key each (without a Bucket Key)",
        ));
    }
    flow.steps.push(d);

    // A reader fetches the newest object there is.
    let (read_key, read_enc, body) = if ok {
        (
            log_key.clone(),
            delivered_enc,
            "h2 2022-09-18T03:09:14.366280Z app/test/… \"GET https://test-….ap-northeast-1.elb.amazonaws.com:443/ HTTP/2.0\" … \"forward\" \"-\" \"-\" \"-\" \"200\" \"-\" \"-\"",
        )
    } else {
        (
            test_key.clone(),
            flow.steps
                .iter()
                .rev()
                .find(|s| s.id.starts_with("enable-access-logs") && s.is_ok())
                .map(|_| Encryption::default())
                .unwrap_or_default(),
            "Enable AccessLog for ELB: …",
        )
    };
    let mut r = step(
        "read-log",
        format!("{} downloads {read_key}", reader.name),
        &reader.name,
        "s3:GetObject",
    );
    let mut allowed = r.push(s3_call(
        w,
        &reader,
        "s3:GetObject",
        &bucket.name,
        Some(&read_key),
        Ctx::new(),
    ));
    if !allowed {
        let msg = r.checks.last().map(not_authorized).unwrap_or_default();
        r.fail("AccessDenied", msg);
    } else if read_enc.sse == Sse::Kms
        && let Some(k) = read_enc.key.as_deref().and_then(|x| w.key(x))
    {
        let obj = object_arn(&bucket.name, &read_key);
        let b = bucket_arn(&bucket.name);
        let ec = if read_enc.bucket_key {
            b.as_str()
        } else {
            obj.as_str()
        };
        allowed = r.push(kms_call(
            w,
            &reader,
            "kms:Decrypt",
            k,
            Some("s3"),
            &[("aws:s3:arn", ec)],
            Ctx::new(),
        ));
        if !allowed {
            r.fail("AccessDenied", E29);
        }
    }
    if allowed {
        r.result = body.to_string();
    }
    r.note = if read_enc.sse == Sse::Kms {
        "Reading needs s3:GetObject and kms:Decrypt (S3 decrypts for the reader).".into()
    } else {
        "The object is SSE-S3: reading needs s3:GetObject only.".into()
    };
    flow.steps.push(r);
    flow
}
