//! Encrypting a bucket that is in use: default SSE-KMS + Bucket Key, inventory,
//! new writes, and a Batch Operations copy in place.

use keyflow_policy::Context;

use super::calls::{
    Via, bucket_arn, iam_call, kms_call, put_bucket_encryption, s3_call, s3_context_arn, step,
};
use super::{FieldRefMut, FlowDef, FlowRun, RefKind};
use crate::errors;
use crate::report::{InventoryRow, NoteKind, Step};
use crate::scenario::json::Obj;
use crate::scenario::{Behaviour, Bucket, Encryption, S3Object, ScenarioError, Sse};
use crate::sources::{self, Source};
use crate::world::{Actor, Call, KeyInfo, World};

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Params {
    pub bucket: String,
    pub key: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub bucket_key: bool,
    pub admin: String,
    pub app: String,
    pub batch_role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inventory_bucket: Option<String>,
    /// App PUTs per day, for the KMS request estimate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub puts_per_day: Option<u64>,
}

impl Params {
    pub(crate) fn read(o: &mut Obj<'_>) -> Result<Self, ScenarioError> {
        Ok(Params {
            bucket: o.req_str("bucket")?,
            key: o.req_str("key")?,
            bucket_key: o.bool_or("bucket_key", false)?,
            admin: o.req_str("admin")?,
            app: o.req_str("app")?,
            batch_role: o.req_str("batch_role")?,
            inventory_bucket: o.opt_str("inventory_bucket")?,
            puts_per_day: o.opt_u64("puts_per_day")?,
        })
    }
}

const NEW_OBJECT: &str = "uploads/2022/09/18/new-object.json";

fn inventory(w: &World<'_>, objects: &[S3Object]) -> Vec<InventoryRow> {
    objects
        .iter()
        .map(|o| InventoryRow {
            key: o.key.clone(),
            version_id: None,
            is_latest: true,
            encryption_status: o.sse,
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

/// What every step of one run shares.
struct Ctx<'a, 'w> {
    w: &'a World<'w>,
    p: &'a Params,
    bucket: &'w Bucket,
    key: &'a KeyInfo,
    account: String,
}

impl Ctx<'_, '_> {
    /// A GET of an object by `actor`, with kms:Decrypt through S3 for SSE-KMS objects.
    fn get(&self, s: &mut Step, actor: &Actor, object: &S3Object) -> bool {
        let w = self.w;
        let mut ok = s.push(s3_call(
            w,
            actor,
            "s3:GetObject",
            &self.bucket.name,
            Some(&object.key),
            Context::new(),
        ));
        if ok
            && object.sse == Sse::Kms
            && let Some(src) = object.kms_key.as_deref().and_then(|k| w.key(k))
        {
            let ec = s3_context_arn(&self.bucket.name, &object.key, object.bucket_key);
            ok = s.push(kms_call(
                w,
                actor,
                "kms:Decrypt",
                src,
                Some(Via::S3),
                &[("aws:s3:arn", &ec)],
                Context::new(),
            ));
            if !ok {
                s.fail(errors::kms_ciphertext_denied("AccessDenied"));
            }
        }
        ok
    }

    /// Batch copy in place of every unencrypted object (the manifest); returns (ok, new objects).
    fn batch_copy(
        &self,
        s: &mut Step,
        role: &Actor,
        objects: &[S3Object],
        bucket_key: bool,
    ) -> (bool, Vec<S3Object>) {
        let w = self.w;
        let bucket = &self.bucket.name;
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
                Context::new(),
            ));
            let mut extra = Context::new();
            extra.insert("s3:x-amz-server-side-encryption", "aws:kms");
            extra.insert(
                "s3:x-amz-server-side-encryption-aws-kms-key-id",
                self.key.arn.as_str(),
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
                let ec = s3_context_arn(bucket, &o.key, bucket_key);
                ok &= s.push(kms_call(
                    w,
                    role,
                    "kms:GenerateDataKey",
                    self.key,
                    Some(Via::S3),
                    &[("aws:s3:arn", &ec)],
                    Context::new(),
                ));
                data_key_fetched = true;
            }
            if ok {
                o.set_encryption(Encryption {
                    sse: Sse::Kms,
                    key: Some(self.key.arn.clone()),
                    bucket_key,
                });
            }
            all_ok &= ok;
        }
        (all_ok, out)
    }
}

impl FlowDef for Params {
    fn default_id(&self) -> &'static str {
        "s3"
    }

    fn title(&self, _w: &World<'_>) -> String {
        "Encrypting an in-use bucket with SSE-KMS and an S3 Bucket Key".into()
    }

    fn sources(&self) -> Vec<Source> {
        vec![
            Source::Post(&sources::POST_S3_IN_USE),
            Source::Doc(&sources::S3_BATCH_COPY),
        ]
    }

    fn refs_mut(&mut self) -> Vec<FieldRefMut<'_>> {
        let mut out = vec![
            FieldRefMut::new("bucket", RefKind::Bucket, &mut self.bucket),
            FieldRefMut::new("key", RefKind::Key, &mut self.key),
            FieldRefMut::new("admin", RefKind::Principal, &mut self.admin),
            FieldRefMut::new("app", RefKind::Principal, &mut self.app),
            FieldRefMut::new("batch_role", RefKind::Role, &mut self.batch_role),
        ];
        if let Some(b) = self.inventory_bucket.as_mut() {
            out.push(FieldRefMut::new("inventory_bucket", RefKind::Bucket, b));
        }
        out
    }

    fn run(&self, w: &World<'_>, flow: &mut FlowRun) {
        let (Some(b), Some(k), Some(admin), Some(app), Some(role)) = (
            w.bucket(&self.bucket),
            w.key(&self.key),
            w.actor(&self.admin),
            w.actor(&self.app),
            w.actor(&self.batch_role),
        ) else {
            return;
        };
        let c = Ctx {
            w,
            p: self,
            bucket: b,
            key: k,
            account: w.bucket_account(b),
        };
        let mut objects = b.objects.clone();
        let default = set_default(&c, &admin, flow);
        if let Some(dest) = &self.inventory_bucket {
            flow.push(inventory_report(&c, dest, &objects));
        }
        if let Some(old) = objects.first().cloned() {
            flow.push(app_read_existing(&c, &app, &old));
        }
        let (p, stored) = app_put_new(&c, &app, &default);
        flow.push(p);
        if let Some(new) = stored {
            objects.push(new.clone());
            if default.sse == Sse::Kms {
                flow.push(app_read_new(&c, &app, &new));
            }
        }
        if let Some(n) = self.puts_per_day {
            flow.estimate(
                "GenerateDataKey",
                n,
                "one per PUT without a Bucket Key",
                Source::Doc(&sources::S3_SSE_KMS),
            );
            if self.bucket_key {
                flow.estimate(
                    "GenerateDataKey",
                    n.div_ceil(100),
                    "with a Bucket Key: docs say up to 99 % fewer KMS requests (lower bound shown)",
                    Source::Doc(&sources::S3_BUCKET_KEY),
                );
            }
        }
        let job = create_batch_job(&c, &admin, &role);
        let created = job.is_ok();
        flow.push(job);
        if !created {
            return;
        }
        let assume = batch_assume_role(&c, &role);
        let assumed = assume.is_ok();
        flow.push(assume);
        if !assumed {
            return;
        }
        flow.push(batch_copy_what_if(&c, &role, &objects, &default));
        let (copy, copied) = batch_copy(&c, &role, &objects);
        flow.push(copy);
        flow.push(inventory_after(&c, &copied));
    }
}

/// Sets the bucket default to SSE-KMS with the flow's key; returns the default in force after.
fn set_default(c: &Ctx<'_, '_>, admin: &Actor, flow: &mut FlowRun) -> Encryption {
    let bk = c.p.bucket_key;
    let (mut s, encrypted) = put_bucket_encryption(
        c.w,
        admin,
        &c.bucket.name,
        "put-bucket-encryption",
        format!(
            "Set {} default encryption to SSE-KMS with {}{}",
            c.bucket.name,
            c.key.label(),
            if bk { " and a Bucket Key" } else { "" }
        ),
    );
    if encrypted {
        s.result = "new objects written without encryption headers get SSE-KMS; existing objects stay as they were".into();
        s.note(
            NoteKind::Note,
            "Changing the default never re-encrypts existing objects; mixed buckets stay readable with the right permissions.",
            Source::Doc(&sources::S3_DEFAULT_ENCRYPTION),
        );
    }
    flow.push(s);
    if encrypted {
        Encryption {
            sse: Sse::Kms,
            key: Some(c.key.arn.clone()),
            bucket_key: bk,
        }
    } else {
        c.bucket.default_encryption.clone()
    }
}

/// The inventory report delivered into the report bucket.
fn inventory_report(c: &Ctx<'_, '_>, dest: &str, objects: &[S3Object]) -> Step {
    let mut i = step(
        "inventory",
        format!(
            "S3 Inventory of {} (EncryptionStatus, BucketKeyStatus) into {dest}",
            c.bucket.name
        ),
        "s3.amazonaws.com",
        "s3:PutObject",
    );
    let s3 = c.w.service("s3.amazonaws.com");
    let mut extra = Context::new();
    extra.insert("aws:SourceArn", bucket_arn(&c.bucket.name));
    extra.insert("aws:SourceAccount", c.account.as_str());
    extra.insert("s3:x-amz-acl", "bucket-owner-full-control");
    let report_key = format!(
        "{}/inventory/2022-09-18T01-00Z/manifest.json",
        c.bucket.name
    );
    if i.push(s3_call(
        c.w,
        &s3,
        "s3:PutObject",
        dest,
        Some(&report_key),
        extra,
    )) {
        i.inventory = inventory(c.w, objects);
        let todo = objects.iter().filter(|o| o.sse == Sse::None).count();
        i.result = format!(
            "report written; {todo} object(s) with IsLatest='true' AND EncryptionStatus='NOT-SSE'"
        );
    } else {
        i.deny("AccessDenied");
    }
    i.note(
        NoteKind::Note,
        "Reports are daily or weekly; the first can take up to 48 hours. The destination's bucket policy must let s3.amazonaws.com put with aws:SourceArn / aws:SourceAccount and bucket-owner-full-control.",
        Source::Doc(&sources::S3_INVENTORY),
    );
    i
}

/// The application keeps reading an object that was there before.
fn app_read_existing(c: &Ctx<'_, '_>, app: &Actor, old: &S3Object) -> Step {
    let mut r = step(
        "app-read-existing",
        format!("{} reads existing {} ({})", app.name, old.key, old.sse),
        &app.name,
        "s3:GetObject",
    );
    let ok = c.get(&mut r, app, old);
    if r.is_ok() && !ok {
        r.deny("AccessDenied");
    } else if ok {
        r.result = "object returned unchanged".into();
    }
    r
}

/// The application writes a new object under the default; returns the step and the object stored.
fn app_put_new(c: &Ctx<'_, '_>, app: &Actor, default: &Encryption) -> (Step, Option<S3Object>) {
    let w = c.w;
    let mut p = step(
        "app-put-new",
        format!("{} uploads {NEW_OBJECT}", app.name),
        &app.name,
        "s3:PutObject",
    );
    p.sets_state = true;
    let mut ok = p.push(s3_call(
        w,
        app,
        "s3:PutObject",
        &c.bucket.name,
        Some(NEW_OBJECT),
        Context::new(),
    ));
    if ok
        && default.sse == Sse::Kms
        && let Some(dk) = default.key.as_deref().and_then(|x| w.key(x))
    {
        let ec = s3_context_arn(&c.bucket.name, NEW_OBJECT, default.bucket_key);
        ok = p.push(kms_call(
            w,
            app,
            "kms:GenerateDataKey",
            dk,
            Some(Via::S3),
            &[("aws:s3:arn", &ec)],
            Context::new(),
        ));
    }
    let mut stored = None;
    if ok {
        let mut new = S3Object {
            key: NEW_OBJECT.into(),
            sse: Sse::None,
            kms_key: None,
            bucket_key: false,
        };
        new.set_encryption(default.clone());
        stored = Some(new);
        p.result = format!(
            "stored with {}",
            match default.sse {
                Sse::Kms => format!(
                    "SSE-KMS ({}), BucketKeyStatus {}",
                    c.key.arn,
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
        p.deny("AccessDenied");
    }
    p.note(
        NoteKind::Note,
        "S3 calls kms:GenerateDataKey as the application (forward access), so the key policy needs no s3.amazonaws.com principal (source 003's surprise). With a Bucket Key the encryption context is the bucket ARN.",
        Source::Doc(&sources::S3_SSE_KMS),
    );
    (p, stored)
}

/// The application reads the object it just wrote.
fn app_read_new(c: &Ctx<'_, '_>, app: &Actor, new: &S3Object) -> Step {
    let mut g = step(
        "app-read-new",
        format!("{} reads {NEW_OBJECT}", app.name),
        &app.name,
        "s3:GetObject",
    );
    let ok = c.get(&mut g, app, new);
    if g.is_ok() && !ok {
        g.deny("AccessDenied");
    } else if ok {
        g.result = "object returned, decrypted by S3".into();
    }
    g
}

/// The admin creates an S3PutObjectCopy job run as the batch role.
fn create_batch_job(c: &Ctx<'_, '_>, admin: &Actor, role: &Actor) -> Step {
    let w = c.w;
    let job_arn = format!("arn:aws:s3:{}:{}:job/*", w.s.region, c.account);
    let mut j = step(
        "create-batch-job",
        format!(
            "{} creates an S3PutObjectCopy job run as {}",
            admin.name, c.p.batch_role
        ),
        &admin.name,
        "s3:CreateJob",
    );
    j.sets_state = true;
    let mut ok = j.push(iam_call(w, admin, "s3:CreateJob", &job_arn, Context::new()));
    let mut pass = Context::new();
    pass.insert("iam:PassedToService", "batchoperations.s3.amazonaws.com");
    ok &= j.push(iam_call(
        w,
        admin,
        "iam:PassRole",
        &role.principal_arn,
        pass,
    ));
    if ok {
        j.result = "manifest S3BatchOperations_CSV_20180820 (Bucket, Key) from the inventory query; report FailedTasksOnly".into();
    } else {
        j.deny("AccessDenied");
    }
    j
}

/// Batch Operations assumes the job role under its trust policy.
fn batch_assume_role(c: &Ctx<'_, '_>, role: &Actor) -> Step {
    let w = c.w;
    let mut a = step(
        "batch-assume-role",
        format!("Batch Operations assumes {}", c.p.batch_role),
        "batchoperations.s3.amazonaws.com",
        "sts:AssumeRole",
    );
    a.sets_state = true;
    let batch = w.service("batchoperations.s3.amazonaws.com");
    let trust = w
        .principal(&c.p.batch_role)
        .filter(|p| p.trust_policy.is_some())
        .map(|p| crate::ids::PolicyId::Trust(p.name.clone()));
    let assumed = a.push(w.check(Call {
        actor: &batch,
        action: "sts:AssumeRole",
        resource: role.principal_arn.clone(),
        resource_account: Some(c.account.clone()),
        policy: trust,
        extra: Context::new(),
        via: String::new(),
    }));
    if assumed {
        a.result = format!("session {}", role.arn);
    } else {
        a.deny("AccessDenied");
    }
    a.note(
        NoteKind::Note,
        "The job role must trust batchoperations.s3.amazonaws.com and allow S3 plus kms:GenerateDataKey / kms:Decrypt.",
        Source::Doc(&sources::BATCH_OPS_IAM_ROLE),
    );
    a
}

/// The same copy without BucketKeyEnabled, shown beside the real run and not applied.
fn batch_copy_what_if(
    c: &Ctx<'_, '_>,
    role: &Actor,
    objects: &[S3Object],
    default: &Encryption,
) -> Step {
    let setting = c.w.s.settings.batch_copy_bucket_key;
    let inherit = setting == Behaviour::Documented && default.bucket_key;
    let mut x = step(
        "batch-copy-without-bucket-key-flag",
        "What-if: S3PutObjectCopy without BucketKeyEnabled (not applied)",
        &role.name,
        "s3:PutObject",
    );
    x.applied = false;
    let (ok, copied) = c.batch_copy(&mut x, role, objects, inherit);
    if ok {
        x.inventory = inventory(c.w, &copied);
        x.result = format!(
            "copies would have BucketKeyStatus {}",
            if inherit { "ENABLED" } else { "DISABLED" }
        );
    } else {
        x.deny("AccessDenied");
    }
    x.note(
        NoteKind::Note,
        format!("settings.batch_copy_bucket_key = {setting}"),
        Source::Scenario,
    );
    x.note(
        NoteKind::Documented,
        "Docs: a PUT/COPY without the Bucket Key header inherits the destination bucket's Bucket Key setting.",
        Source::Doc(&sources::S3_BUCKET_KEY),
    );
    x.note(
        NoteKind::Observed,
        "Source 003: without BucketKeyEnabled=true the copies had no Bucket Key despite the bucket default (the key policy was ruled out as the cause).",
        Source::Post(&sources::POST_S3_IN_USE),
    );
    x
}

/// The copy in place with BucketKeyEnabled=true; returns the step and the objects after it.
fn batch_copy(c: &Ctx<'_, '_>, role: &Actor, objects: &[S3Object]) -> (Step, Vec<S3Object>) {
    let mut s = step(
        "batch-copy",
        "S3PutObjectCopy={BucketKeyEnabled=true} over the manifest",
        &role.name,
        "s3:PutObject",
    );
    s.sets_state = true;
    let (ok, copied) = c.batch_copy(&mut s, role, objects, true);
    if ok {
        s.result = "every listed object copied in place with SSE-KMS and a Bucket Key".into();
    } else {
        s.deny("AccessDenied");
    }
    s.note(
        NoteKind::Note,
        "Copy in place of the NOT-SSE objects the inventory listed: the role reads each object and writes it back; with a Bucket Key S3 needs one GenerateDataKey for the bucket-level key instead of one per object.",
        Source::Doc(&sources::S3_BATCH_COPY),
    );
    (s, copied)
}

/// The next inventory, queried for what is still unencrypted.
fn inventory_after(c: &Ctx<'_, '_>, objects: &[S3Object]) -> Step {
    let mut after = step(
        "inventory-after",
        "Next inventory: S3 Select for IsLatest='true' AND EncryptionStatus='NOT-SSE'",
        "s3.amazonaws.com",
        "s3:SelectObjectContent",
    );
    after.inventory = inventory(c.w, objects);
    let left = objects.iter().filter(|o| o.sse == Sse::None).count();
    after.result = if left == 0 {
        "query result empty: every object is encrypted".into()
    } else {
        format!("{left} object(s) still NOT-SSE")
    };
    after
}
