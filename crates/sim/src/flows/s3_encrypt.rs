//! Encrypting a bucket that is in use: default SSE-KMS + Bucket Key, inventory,
//! new writes, and a Batch Operations copy in place (source 003).

use super::*;
use crate::report::{FlowReport, InventoryRow};
use crate::scenario::{Behaviour, Encryption, FlowSpec, S3Object, Sse};

fn inventory(w: &World<'_>, objects: &[S3Object]) -> Vec<InventoryRow> {
    objects
        .iter()
        .map(|o| InventoryRow {
            key: o.key.clone(),
            encryption_status: o.sse.as_str().to_string(),
            bucket_key_status: match o.sse {
                Sse::Kms if o.bucket_key => "ENABLED".into(),
                Sse::Kms => "DISABLED".into(),
                _ => String::new(),
            },
            kms_key: match o.sse {
                Sse::Kms => o
                    .kms_key
                    .as_deref()
                    .and_then(|k| w.key(k))
                    .map(|k| k.arn.clone())
                    .unwrap_or_default(),
                _ => String::new(),
            },
        })
        .collect()
}

/// The KMS context S3 sends for an object: the bucket ARN with a Bucket Key, else the object ARN.
fn s3_ec(bucket: &str, key: &str, bucket_key: bool) -> String {
    if bucket_key {
        bucket_arn(bucket)
    } else {
        object_arn(bucket, key)
    }
}

/// Batch copy in place of every unencrypted object (the manifest); returns (ok, new objects).
fn batch_copy(
    w: &World<'_>,
    s: &mut Step,
    role: &Actor,
    bucket: &str,
    objects: &[S3Object],
    key: &KeyInfo,
    bucket_key: bool,
) -> (bool, Vec<S3Object>) {
    let mut out = objects.to_vec();
    let mut all_ok = true;
    let mut data_key_fetched = false;
    for o in out.iter_mut() {
        // The manifest is the inventory query: IsLatest='true' AND EncryptionStatus='NOT-SSE'.
        if o.sse != Sse::None {
            continue;
        }
        let mut ok = s.push(s3_call(
            w,
            role,
            "s3:GetObject",
            bucket,
            Some(&o.key),
            Ctx::new(),
        ));
        if ok
            && o.sse == Sse::Kms
            && let Some(src) = o.kms_key.as_deref().and_then(|k| w.key(k))
        {
            let ec = s3_ec(bucket, &o.key, o.bucket_key);
            ok &= s.push(kms_call(
                w,
                role,
                "kms:Decrypt",
                src,
                Some("s3"),
                &[("aws:s3:arn", &ec)],
                Ctx::new(),
            ));
        }
        let mut extra = Ctx::new();
        ctx_set(&mut extra, "s3:x-amz-server-side-encryption", "aws:kms");
        ctx_set(
            &mut extra,
            "s3:x-amz-server-side-encryption-aws-kms-key-id",
            key.arn.as_str(),
        );
        ok &= s.push(s3_call(
            w,
            role,
            "s3:PutObject",
            bucket,
            Some(&o.key),
            extra,
        ));
        // With a Bucket Key S3 reuses one bucket-level data key; without, one per object.
        if ok && (!bucket_key || !data_key_fetched) {
            let ec = s3_ec(bucket, &o.key, bucket_key);
            ok &= s.push(kms_call(
                w,
                role,
                "kms:GenerateDataKey",
                key,
                Some("s3"),
                &[("aws:s3:arn", &ec)],
                Ctx::new(),
            ));
            data_key_fetched = true;
        }
        if ok {
            o.set_encryption(Encryption {
                sse: Sse::Kms,
                key: Some(key.arn.clone()),
                bucket_key,
            });
        }
        all_ok &= ok;
    }
    (all_ok, out)
}

pub(super) fn run(w: &World<'_>, spec: &FlowSpec) -> FlowReport {
    let mut flow = new_flow(
        "Encrypting an in-use bucket with SSE-KMS and an S3 Bucket Key",
        &["003"],
    );
    let FlowSpec::S3EncryptInUse {
        bucket,
        key,
        bucket_key,
        admin,
        app,
        batch_role,
        inventory_bucket,
        puts_per_day,
        ..
    } = spec
    else {
        return flow;
    };
    let (Some(b), Some(k), Some(admin), Some(app), Some(role_actor)) = (
        w.bucket(bucket),
        w.key(key),
        w.actor(admin),
        w.actor(app),
        w.actor(batch_role),
    ) else {
        return flow;
    };
    let account = w.bucket_account(b);
    let role_arn = role_actor.principal_arn.clone();
    let mut objects = b.objects.clone();
    let bk = *bucket_key;

    // 1. Default encryption.
    let (mut s, encrypted) = put_bucket_encryption(
        w,
        &admin,
        &b.name,
        "put-bucket-encryption",
        format!(
            "Set {} default encryption to SSE-KMS with {}{}",
            b.name,
            k.label(),
            if bk { " and a Bucket Key" } else { "" }
        ),
    );
    if encrypted {
        s.result = "new objects written without encryption headers get SSE-KMS; existing objects stay as they were".into();
        s.note = "Changing the default never re-encrypts existing objects; mixed buckets stay readable with the right permissions.".into();
    }
    flow.steps.push(s);
    let default = if encrypted {
        Encryption {
            sse: Sse::Kms,
            key: Some(k.arn.clone()),
            bucket_key: bk,
        }
    } else {
        b.default_encryption.clone()
    };

    // 2. Inventory report delivered into the report bucket.
    if let Some(dest) = inventory_bucket {
        let mut i = step(
            "inventory",
            format!(
                "S3 Inventory of {} (EncryptionStatus, BucketKeyStatus) into {dest}",
                b.name
            ),
            "s3.amazonaws.com",
            "s3:PutObject",
        );
        let s3 = w.service("s3.amazonaws.com");
        let mut extra = Ctx::new();
        ctx_set(&mut extra, "aws:SourceArn", bucket_arn(&b.name));
        ctx_set(&mut extra, "aws:SourceAccount", account.as_str());
        ctx_set(&mut extra, "s3:x-amz-acl", "bucket-owner-full-control");
        let report_key = format!("{}/inventory/2022-09-18T01-00Z/manifest.json", b.name);
        if i.push(s3_call(
            w,
            &s3,
            "s3:PutObject",
            dest,
            Some(&report_key),
            extra,
        )) {
            i.inventory = inventory(w, &objects);
            let todo = objects.iter().filter(|o| o.sse == Sse::None).count();
            i.result = format!(
                "report written; {todo} object(s) with IsLatest='true' AND EncryptionStatus='NOT-SSE'"
            );
        } else {
            let msg = i.checks.last().map(not_authorized).unwrap_or_default();
            i.fail("AccessDenied", msg);
        }
        i.note = "Reports are daily or weekly; the first can take up to 48 hours. The destination's bucket policy must let s3.amazonaws.com put with aws:SourceArn / aws:SourceAccount and bucket-owner-full-control.".into();
        flow.steps.push(i);
    }

    // 3. The application keeps reading old objects and writes new ones.
    if let Some(old) = objects.first().cloned() {
        let mut r = step(
            "app-read-existing",
            format!(
                "{} reads existing {} ({})",
                app.name,
                old.key,
                old.sse.as_str()
            ),
            &app.name,
            "s3:GetObject",
        );
        let mut ok = r.push(s3_call(
            w,
            &app,
            "s3:GetObject",
            &b.name,
            Some(&old.key),
            Ctx::new(),
        ));
        if ok
            && old.sse == Sse::Kms
            && let Some(src) = old.kms_key.as_deref().and_then(|x| w.key(x))
        {
            let ec = s3_ec(&b.name, &old.key, old.bucket_key);
            ok = r.push(kms_call(
                w,
                &app,
                "kms:Decrypt",
                src,
                Some("s3"),
                &[("aws:s3:arn", &ec)],
                Ctx::new(),
            ));
            if !ok {
                r.fail("AccessDenied", E29);
            }
        }
        if r.is_ok() && !ok {
            let msg = first_denied(&r.checks)
                .map(not_authorized)
                .unwrap_or_default();
            r.fail("AccessDenied", msg);
        } else if ok {
            r.result = "object returned unchanged".into();
        }
        flow.steps.push(r);
    }
    let new_key_name = "uploads/2022/09/18/new-object.json";
    let mut p = step(
        "app-put-new",
        format!("{} uploads {new_key_name}", app.name),
        &app.name,
        "s3:PutObject",
    );
    let mut ok = p.push(s3_call(
        w,
        &app,
        "s3:PutObject",
        &b.name,
        Some(new_key_name),
        Ctx::new(),
    ));
    if ok
        && default.sse == Sse::Kms
        && let Some(dk) = default.key.as_deref().and_then(|x| w.key(x))
    {
        let ec = s3_ec(&b.name, new_key_name, default.bucket_key);
        ok = p.push(kms_call(
            w,
            &app,
            "kms:GenerateDataKey",
            dk,
            Some("s3"),
            &[("aws:s3:arn", &ec)],
            Ctx::new(),
        ));
    }
    if ok {
        let mut new = S3Object {
            key: new_key_name.into(),
            sse: Sse::None,
            kms_key: None,
            bucket_key: false,
        };
        new.set_encryption(default.clone());
        objects.push(new);
        p.result = format!(
            "stored with {}",
            match default.sse {
                Sse::Kms => format!(
                    "SSE-KMS ({}), BucketKeyStatus {}",
                    k.arn,
                    if default.bucket_key {
                        "ENABLED"
                    } else {
                        "DISABLED"
                    }
                ),
                other => other.as_str().to_string(),
            }
        );
    } else {
        let msg = first_denied(&p.checks)
            .map(not_authorized)
            .unwrap_or_default();
        p.fail("AccessDenied", msg);
    }
    p.note = "S3 calls kms:GenerateDataKey as the application (forward access), so the key policy needs no s3.amazonaws.com principal (source 003's surprise). With a Bucket Key the encryption context is the bucket ARN.".into();
    let put_ok = p.is_ok();
    flow.steps.push(p);
    if put_ok && default.sse == Sse::Kms {
        let mut g = step(
            "app-read-new",
            format!("{} reads {new_key_name}", app.name),
            &app.name,
            "s3:GetObject",
        );
        let mut ok = g.push(s3_call(
            w,
            &app,
            "s3:GetObject",
            &b.name,
            Some(new_key_name),
            Ctx::new(),
        ));
        if ok && let Some(dk) = default.key.as_deref().and_then(|x| w.key(x)) {
            let ec = s3_ec(&b.name, new_key_name, default.bucket_key);
            ok = g.push(kms_call(
                w,
                &app,
                "kms:Decrypt",
                dk,
                Some("s3"),
                &[("aws:s3:arn", &ec)],
                Ctx::new(),
            ));
            if !ok {
                g.fail("AccessDenied", E29);
            }
        }
        if g.is_ok() && !ok {
            let msg = first_denied(&g.checks)
                .map(not_authorized)
                .unwrap_or_default();
            g.fail("AccessDenied", msg);
        } else if ok {
            g.result = "object returned, decrypted by S3".into();
        }
        flow.steps.push(g);
    }
    if let Some(n) = puts_per_day {
        flow.kms.estimates.push(estimate(
            "GenerateDataKey",
            *n,
            "one per PUT without a Bucket Key",
        ));
        if bk {
            flow.kms.estimates.push(estimate(
                "GenerateDataKey",
                n.div_ceil(100),
                "with a Bucket Key: docs say up to 99 % fewer KMS requests (lower bound shown)",
            ));
        }
    }

    // 4. Batch Operations: job creation, role assumption, copies.
    let job_arn = format!("arn:aws:s3:{}:{account}:job/*", w.s.region);
    let mut j = step(
        "create-batch-job",
        format!(
            "{} creates an S3PutObjectCopy job run as {}",
            admin.name, batch_role
        ),
        &admin.name,
        "s3:CreateJob",
    );
    let mut jok = j.push(iam_call(w, &admin, "s3:CreateJob", &job_arn, Ctx::new()));
    let mut pass = Ctx::new();
    ctx_set(
        &mut pass,
        "iam:PassedToService",
        "batchoperations.s3.amazonaws.com",
    );
    jok &= j.push(iam_call(w, &admin, "iam:PassRole", &role_arn, pass));
    if !jok {
        let msg = first_denied(&j.checks)
            .map(not_authorized)
            .unwrap_or_default();
        j.fail("AccessDenied", msg);
    } else {
        j.result = "manifest S3BatchOperations_CSV_20180820 (Bucket, Key) from the inventory query; report FailedTasksOnly".into();
    }
    flow.steps.push(j);
    if !jok {
        return flow;
    }
    let mut a = step(
        "batch-assume-role",
        format!("Batch Operations assumes {batch_role}"),
        "batchoperations.s3.amazonaws.com",
        "sts:AssumeRole",
    );
    let batch = w.service("batchoperations.s3.amazonaws.com");
    let role_name = w
        .principal(batch_role)
        .map(|p| p.name.clone())
        .unwrap_or_default();
    let assumed = a.push(
        w.check(Call {
            actor: &batch,
            action: "sts:AssumeRole",
            resource: role_arn.clone(),
            resource_account: Some(account.clone()),
            policy: if w
                .principal(&role_name)
                .is_some_and(|p| p.trust_policy.is_some())
            {
                ResourcePolicy::Trust(&role_name)
            } else {
                ResourcePolicy::None
            },
            extra: Ctx::new(),
            via: String::new(),
        }),
    );
    if assumed {
        a.result = format!("session {}", role_actor.arn);
    } else {
        let msg = a.checks.last().map(not_authorized).unwrap_or_default();
        a.fail("AccessDenied", msg);
    }
    a.note = "The job role must trust batchoperations.s3.amazonaws.com and allow S3 plus kms:GenerateDataKey / kms:Decrypt.".into();
    flow.steps.push(a);
    if !assumed {
        return flow;
    }

    // The same copy without BucketKeyEnabled, shown beside the real run and not applied.
    let inherit = w.s.settings.batch_copy_bucket_key == Behaviour::Documented && default.bucket_key;
    let mut x = step(
        "batch-copy-without-bucket-key-flag",
        "What-if: S3PutObjectCopy without BucketKeyEnabled (not applied)",
        &role_actor.name,
        "s3:PutObject",
    );
    let (xok, xobjects) = batch_copy(w, &mut x, &role_actor, &b.name, &objects, k, inherit);
    if xok {
        x.inventory = inventory(w, &xobjects);
        x.result = format!(
            "copies would have BucketKeyStatus {}",
            if inherit { "ENABLED" } else { "DISABLED" }
        );
    } else {
        let msg = first_denied(&x.checks)
            .map(not_authorized)
            .unwrap_or_default();
        x.fail("AccessDenied", msg);
    }
    x.documented = Some("Docs: a PUT/COPY without the Bucket Key header inherits the destination bucket's Bucket Key setting.".into());
    x.observed = Some("Source 003: without BucketKeyEnabled=true the copies had no Bucket Key despite the bucket default (the key policy was ruled out as the cause).".into());
    x.note = format!(
        "settings.batch_copy_bucket_key = {}",
        w.s.settings.batch_copy_bucket_key.as_str()
    );
    flow.steps.push(x);

    let mut c = step(
        "batch-copy",
        "S3PutObjectCopy={BucketKeyEnabled=true} over the manifest",
        &role_actor.name,
        "s3:PutObject",
    );
    let (cok, cobjects) = batch_copy(w, &mut c, &role_actor, &b.name, &objects, k, true);
    if cok {
        c.result = "every listed object copied in place with SSE-KMS and a Bucket Key".into();
    } else {
        let msg = first_denied(&c.checks)
            .map(not_authorized)
            .unwrap_or_default();
        c.fail("AccessDenied", msg);
    }
    c.note = "Copy in place of the NOT-SSE objects the inventory listed: the role reads each object and writes it back; with a Bucket Key S3 needs one GenerateDataKey for the bucket-level key instead of one per object.".into();
    objects = cobjects;
    flow.steps.push(c);

    let mut after = step(
        "inventory-after",
        "Next inventory: S3 Select for IsLatest='true' AND EncryptionStatus='NOT-SSE'",
        "s3.amazonaws.com",
        "s3:SelectObjectContent",
    );
    after.inventory = inventory(w, &objects);
    let left = objects.iter().filter(|o| o.sse == Sse::None).count();
    after.result = if left == 0 {
        "query result empty: every object is encrypted".into()
    } else {
        format!("{left} object(s) still NOT-SSE")
    };
    flow.steps.push(after);
    flow
}
