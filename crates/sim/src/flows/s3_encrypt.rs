//! Encrypting a bucket that is in use: default SSE-KMS + Bucket Key, inventory,
//! new writes, a Batch Operations copy in place, and what the next inventory
//! shows of the versions a copy leaves behind.

use keyflow_policy::Context;
use keyflow_policy::base64::{self, Alphabet};

use super::calls::{
    Via, bucket_arn, iam_call, kms_call, put_bucket_encryption, s3_call, s3_context_arn, step,
};
use super::{FieldRefMut, FlowDef, FlowRun, RefKind};
use crate::names::names;
use crate::report::{InventoryRow, NoteKind, Step};
use crate::scenario::json::Obj;
use crate::scenario::{Behaviour, Bucket, Encryption, ScenarioError, Sse};
use crate::sources::{self, Source};
use crate::world::{Actor, Call, KeyInfo, World};

names! {
    /// Which object versions an S3 Inventory report lists (`IncludedObjectVersions`).
    #[derive(Default)]
    pub enum InventoryVersions {
        /// Every version, with `VersionId` and `IsLatest` (the write-up's configuration).
        #[default]
        All = "All",
        Current = "Current",
    }
}

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
    #[serde(skip_serializing_if = "is_all")]
    pub inventory_versions: InventoryVersions,
    /// App PUTs per day, for the KMS request estimate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub puts_per_day: Option<u64>,
}

fn is_all(v: &InventoryVersions) -> bool {
    *v == InventoryVersions::All
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
            inventory_versions: o.named_or("inventory_versions", InventoryVersions::All)?,
            puts_per_day: o.opt_u64("puts_per_day")?,
        })
    }
}

const NEW_OBJECT: &str = "uploads/2022/09/18/new-object.json";

/// One version of an object as the run tracks it.
#[derive(Debug, Clone)]
struct Version {
    key: String,
    /// `None` in a bucket that never had versioning.
    id: Option<String>,
    latest: bool,
    enc: Encryption,
}

/// A stable stand-in for the 32-character version IDs S3 assigns.
fn version_id(key: &str, n: u32) -> String {
    // FNV-1a stretched into bytes: deterministic, not random like S3's.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut bytes = Vec::with_capacity(24);
    for i in 0..24u32 {
        for b in key.bytes().chain(n.to_le_bytes()).chain(i.to_le_bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        bytes.push((h >> 32) as u8);
    }
    base64::encode(&bytes, Alphabet::UrlSafe)
}

/// What every step of one run shares, and the bucket's versions as they change.
struct Ctx<'a, 'w> {
    w: &'a World<'w>,
    p: &'a Params,
    bucket: &'w Bucket,
    key: &'a KeyInfo,
    account: String,
    versions: Vec<Version>,
}

impl Ctx<'_, '_> {
    fn versioned(&self) -> bool {
        self.bucket.versioning
    }

    /// Writes a new version of `key` (or overwrites it in an unversioned bucket).
    fn store(&mut self, key: &str, enc: Encryption) {
        if self.versioned() {
            let n = self.versions.iter().filter(|v| v.key == key).count() as u32;
            for v in self.versions.iter_mut().filter(|v| v.key == key) {
                v.latest = false;
            }
            self.versions.push(Version {
                key: key.to_string(),
                id: Some(version_id(key, n)),
                latest: true,
                enc,
            });
        } else if let Some(v) = self.versions.iter_mut().find(|v| v.key == key) {
            v.enc = enc;
        } else {
            self.versions.push(Version {
                key: key.to_string(),
                id: None,
                latest: true,
                enc,
            });
        }
    }

    fn latest(&self) -> impl Iterator<Item = &Version> {
        self.versions.iter().filter(|v| v.latest)
    }

    /// The rows an inventory report lists, as its configuration says.
    fn inventory(&self) -> Vec<InventoryRow> {
        let all = self.p.inventory_versions == InventoryVersions::All;
        self.versions
            .iter()
            .filter(|v| all || v.latest)
            .map(|v| InventoryRow {
                key: v.key.clone(),
                version_id: v.id.clone().filter(|_| all),
                is_latest: v.latest,
                encryption_status: v.enc.sse,
                bucket_key_status: match v.enc.sse {
                    Sse::Kms if v.enc.bucket_key => "ENABLED".into(),
                    Sse::Kms => "DISABLED".into(),
                    _ => String::new(),
                },
                kms_key: match v.enc.sse {
                    Sse::Kms => v
                        .enc
                        .key
                        .as_deref()
                        .and_then(|k| self.w.key(k))
                        .map(|k| k.arn.clone())
                        .unwrap_or_default(),
                    _ => String::new(),
                },
            })
            .collect()
    }

    /// A GET of a version by `actor`, with kms:Decrypt through S3 for SSE-KMS objects.
    fn get(&self, s: &mut Step, actor: &Actor, v: &Version) -> bool {
        let w = self.w;
        let mut ok = s.push(s3_call(
            w,
            actor,
            "s3:GetObject",
            &self.bucket.name,
            Some(&v.key),
            Context::new(),
        ));
        if ok
            && v.enc.sse == Sse::Kms
            && let Some(src) = v.enc.key.as_deref().and_then(|k| w.key(k))
        {
            let ec = s3_context_arn(&self.bucket.name, &v.key, v.enc.bucket_key);
            ok = s.push(kms_call(
                w,
                actor,
                "kms:Decrypt",
                src,
                Some(Via::S3),
                &[("aws:s3:arn", &ec)],
                Context::new(),
            ));
        }
        ok
    }

    /// Copies every current NOT-SSE version in place under the bucket default
    /// (the manifest); returns whether every copy succeeded and the copies made.
    fn batch_copy(&self, s: &mut Step, role: &Actor, bucket_key: bool) -> (bool, Vec<String>) {
        let w = self.w;
        let bucket = &self.bucket.name;
        let manifest: Vec<&Version> = self.latest().filter(|v| v.enc.sse == Sse::None).collect();
        let mut copied = Vec::new();
        let mut all_ok = true;
        let mut data_key_fetched = false;
        for v in manifest {
            let mut ok = s.push(s3_call(
                w,
                role,
                "s3:GetObject",
                bucket,
                Some(&v.key),
                Context::new(),
            ));
            ok &= s.push(s3_call(
                w,
                role,
                "s3:PutObject",
                bucket,
                Some(&v.key),
                Context::new(),
            ));
            // With a Bucket Key S3 reuses one bucket-level data key; without, one per object.
            if ok && (!bucket_key || !data_key_fetched) {
                let ec = s3_context_arn(bucket, &v.key, bucket_key);
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
                copied.push(v.key.clone());
            }
            all_ok &= ok;
        }
        (all_ok, copied)
    }

    fn sse_kms(&self, bucket_key: bool) -> Encryption {
        Encryption {
            sse: Sse::Kms,
            key: Some(self.key.arn.clone()),
            bucket_key,
        }
    }

    fn report_key(&self, date: &str) -> String {
        format!("{}/inventory/{date}/manifest.json", self.bucket.name)
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
        let mut c = Ctx {
            w,
            p: self,
            bucket: b,
            key: k,
            account: w.bucket_account(b),
            versions: Vec::new(),
        };
        for o in &b.objects {
            c.store(&o.key, o.encryption());
        }
        let default = set_default(&c, &admin, flow);
        if let Some(dest) = &self.inventory_bucket {
            flow.push(inventory_report(&c, dest));
        }
        if let Some(old) = c.latest().next().cloned() {
            flow.push(app_read_existing(&c, &app, &old));
        }
        let (p, stored) = app_put_new(&c, &app, &default);
        flow.push(p);
        if stored {
            c.store(NEW_OBJECT, default.clone());
            if default.sse == Sse::Kms
                && let Some(new) = c.latest().find(|v| v.key == NEW_OBJECT).cloned()
            {
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
                    "with a Bucket Key: AWS says up to 99 % fewer KMS requests (the lower bound is shown)",
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
        flow.push(batch_copy_what_if(&c, &role, &default));
        let (copy, copied) = batch_copy(&c, &role);
        flow.push(copy);
        let encrypted = c.sse_kms(true);
        for key in copied {
            c.store(&key, encrypted.clone());
        }
        if let Some(dest) = &self.inventory_bucket {
            flow.push(inventory_after(&c, dest));
            flow.push(query_inventory(&c, &admin, dest));
        }
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
            "A new default applies to objects written afterwards; existing objects keep their encryption until they are copied.",
            Source::Doc(&sources::S3_DEFAULT_ENCRYPTION),
        );
    }
    flow.push(s);
    if encrypted {
        c.sse_kms(bk)
    } else {
        c.bucket.default_encryption.clone()
    }
}

/// S3 delivers an inventory report into the destination bucket.
fn inventory_delivery(c: &Ctx<'_, '_>, id: &str, title: String, dest: &str, date: &str) -> Step {
    let mut i = step(id, title, "s3.amazonaws.com", "s3:PutObject");
    let s3 = c.w.service("s3.amazonaws.com");
    let mut extra = Context::new();
    extra.insert("aws:SourceArn", bucket_arn(&c.bucket.name));
    extra.insert("aws:SourceAccount", c.account.as_str());
    extra.insert("s3:x-amz-acl", "bucket-owner-full-control");
    if i.push(s3_call(
        c.w,
        &s3,
        "s3:PutObject",
        dest,
        Some(&c.report_key(date)),
        extra,
    )) {
        i.inventory = c.inventory();
    } else {
        i.fail_unseen("no inventory report arrives in the destination bucket");
    }
    i.note(
        NoteKind::Note,
        "The destination's bucket policy must let s3.amazonaws.com put the report, with aws:SourceArn (the source bucket), aws:SourceAccount and s3:x-amz-acl bucket-owner-full-control.",
        Source::Doc(&sources::S3_INVENTORY_BUCKET_POLICY),
    );
    let listed = match c.p.inventory_versions {
        InventoryVersions::All => {
            "IncludedObjectVersions=All: the report lists every version, with VersionId and IsLatest."
        }
        InventoryVersions::Current => {
            "IncludedObjectVersions=Current: the report lists current versions only, without VersionId and IsLatest."
        }
    };
    i.note(
        NoteKind::Note,
        listed,
        Source::Doc(&sources::S3_INVENTORY_CONFIGURATION),
    );
    i
}

/// The first inventory report, before any copy.
fn inventory_report(c: &Ctx<'_, '_>, dest: &str) -> Step {
    let mut i = inventory_delivery(
        c,
        "inventory",
        format!(
            "S3 Inventory of {} (EncryptionStatus, BucketKeyStatus) into {dest}",
            c.bucket.name
        ),
        dest,
        "2022-09-18T01-00Z",
    );
    if i.is_ok() {
        let todo = c.latest().filter(|v| v.enc.sse == Sse::None).count();
        i.result = format!(
            "report written; {todo} object(s) with IsLatest='true' AND EncryptionStatus='NOT-SSE'"
        );
    }
    i
}

/// The application keeps reading an object that was there before.
fn app_read_existing(c: &Ctx<'_, '_>, app: &Actor, old: &Version) -> Step {
    let mut r = step(
        "app-read-existing",
        format!("{} reads existing {} ({})", app.name, old.key, old.enc.sse),
        &app.name,
        "s3:GetObject",
    );
    if c.get(&mut r, app, old) {
        r.result = "object returned unchanged".into();
    } else {
        r.deny("AccessDenied");
    }
    r
}

/// The application writes a new object under the default; returns the step and whether it was stored.
fn app_put_new(c: &Ctx<'_, '_>, app: &Actor, default: &Encryption) -> (Step, bool) {
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
    if ok {
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
        "S3 calls KMS with the uploader's permissions (a forward access session): the uploader needs kms:GenerateDataKey, and the key policy needs no s3.amazonaws.com principal, which surprised the write-up.",
        Source::Doc(&sources::IAM_FORWARD_ACCESS),
    );
    p.note(
        NoteKind::Note,
        "The encryption context is aws:s3:arn: the object ARN, or the bucket ARN when a Bucket Key is used.",
        Source::Doc(&sources::S3_SSE_KMS),
    );
    (p, ok)
}

/// The application reads the object it just wrote.
fn app_read_new(c: &Ctx<'_, '_>, app: &Actor, new: &Version) -> Step {
    let mut g = step(
        "app-read-new",
        format!("{} reads {NEW_OBJECT}", app.name),
        &app.name,
        "s3:GetObject",
    );
    if c.get(&mut g, app, new) {
        g.result = "object returned, decrypted by S3".into();
    } else {
        g.deny("AccessDenied");
    }
    g
}

/// The admin creates an S3PutObjectCopy job run as the batch role.
fn create_batch_job(c: &Ctx<'_, '_>, admin: &Actor, role: &Actor) -> Step {
    let w = c.w;
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
    // CreateJob supports no resource-level permissions: the resource is `*`.
    let mut ok = j.push(iam_call(w, admin, "s3:CreateJob", "*", Context::new()));
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
        j.result = "manifest: the Bucket and Key of every current NOT-SSE object, from the inventory; report: failed tasks only".into();
    } else {
        j.deny("AccessDenied");
    }
    j.note(
        NoteKind::Note,
        "s3:CreateJob has no resource types in the Service Authorization Reference, so a policy grants it on \"*\".",
        Source::Doc(&sources::S3_ACTIONS),
    );
    j.note(
        NoteKind::Note,
        "Whoever creates the job must also be allowed iam:PassRole on the job's role.",
        Source::Doc(&sources::BATCH_OPS_IAM_ROLE),
    );
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
        "The job role must trust batchoperations.s3.amazonaws.com and be allowed to read and write the objects, with kms:GenerateDataKey and kms:Decrypt on the key.",
        Source::Doc(&sources::BATCH_OPS_IAM_ROLE),
    );
    a
}

/// The same copy without BucketKeyEnabled, shown beside the run and not applied.
fn batch_copy_what_if(c: &Ctx<'_, '_>, role: &Actor, default: &Encryption) -> Step {
    let setting = c.w.s.settings.batch_copy_bucket_key;
    let inherit = setting == Behaviour::Documented && default.bucket_key;
    let mut x = step(
        "batch-copy-without-bucket-key-flag",
        "What-if: S3PutObjectCopy without BucketKeyEnabled (not applied)",
        &role.name,
        "s3:PutObject",
    );
    x.applied = false;
    let (ok, copied) = c.batch_copy(&mut x, role, inherit);
    if ok {
        let mut after = Ctx {
            w: c.w,
            p: c.p,
            bucket: c.bucket,
            key: c.key,
            account: c.account.clone(),
            versions: c.versions.clone(),
        };
        let encrypted = after.sse_kms(inherit);
        for key in copied {
            after.store(&key, encrypted.clone());
        }
        x.inventory = after.inventory();
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
        "If a copy does not specify an S3 Bucket Key, S3 applies the destination bucket's Bucket Key setting, and AWS's Batch Operations example says copies made by Batch Operations inherit it too.",
        Source::Doc(&sources::S3_BUCKET_KEY_OBJECT),
    );
    x.note(
        NoteKind::Observed,
        "Without BucketKeyEnabled=true the copies were encrypted without a Bucket Key despite the bucket default (the key policy was ruled out as the cause).",
        Source::Post(&sources::POST_S3_IN_USE),
    );
    x
}

/// The copy in place with BucketKeyEnabled=true; returns the step and the keys copied.
fn batch_copy(c: &Ctx<'_, '_>, role: &Actor) -> (Step, Vec<String>) {
    let mut s = step(
        "batch-copy",
        "S3PutObjectCopy={BucketKeyEnabled=true} over the manifest",
        &role.name,
        "s3:PutObject",
    );
    s.sets_state = true;
    let (ok, copied) = c.batch_copy(&mut s, role, true);
    if ok {
        s.result = if c.versioned() {
            "every listed object copied in place with SSE-KMS and a Bucket Key, as a new current version; the NOT-SSE versions stay as noncurrent versions".into()
        } else {
            "every listed object copied in place with SSE-KMS and a Bucket Key".into()
        };
    } else {
        s.deny("AccessDenied");
    }
    s.note(
        NoteKind::Note,
        "The Copy operation can write existing unencrypted objects back to the same bucket as encrypted objects: the role reads each object and writes it again; with a Bucket Key S3 needs one GenerateDataKey for the bucket-level key instead of one per object.",
        Source::Doc(&sources::S3_BATCH_COPY),
    );
    s.note(
        NoteKind::Note,
        "BucketKeyEnabled=true makes S3 use a Bucket Key for the copies; it does not change the bucket's own setting.",
        Source::Doc(&sources::S3_COPY_OPERATION),
    );
    s.note(
        NoteKind::Note,
        "The write-up's job set no encryption headers of its own: the copies take the bucket default (SSE-KMS with the key), so Keyflow sends none.",
        Source::Post(&sources::POST_S3_IN_USE),
    );
    if c.versioned() {
        s.note(
            NoteKind::Note,
            "In a versioned bucket a copy is a PUT: it adds a new current version and the previous version stays as a noncurrent version, still readable by its version ID.",
            Source::Doc(&sources::S3_VERSIONING),
        );
    }
    (s, copied)
}

/// The next inventory report, after the copy.
fn inventory_after(c: &Ctx<'_, '_>, dest: &str) -> Step {
    let mut i = inventory_delivery(
        c,
        "inventory-after",
        format!("Next S3 Inventory of {} into {dest}", c.bucket.name),
        dest,
        "2022-09-19T01-00Z",
    );
    let noncurrent = c
        .versions
        .iter()
        .filter(|v| !v.latest && v.enc.sse == Sse::None)
        .count();
    let current = c.latest().filter(|v| v.enc.sse == Sse::None).count();
    if i.is_ok() {
        i.result = match (current, noncurrent) {
            (0, 0) => "report written; every version is encrypted".into(),
            (0, n) => format!(
                "report written; no current version is NOT-SSE, but {n} noncurrent version(s) stay NOT-SSE and readable by version ID"
            ),
            (m, n) => {
                format!("report written; {m} current and {n} noncurrent version(s) still NOT-SSE")
            }
        };
    }
    if noncurrent > 0 {
        i.note(
            NoteKind::Note,
            "A noncurrent version is removed only by deleting it: a lifecycle rule with NoncurrentVersionExpiration, or DeleteObject with its version ID; a plain DELETE adds a delete marker.",
            Source::Doc(&sources::S3_DELETE_VERSIONS),
        );
        i.note(
            NoteKind::Note,
            "That nothing else removes a noncurrent version is Keyflow's reading of the versioning pages, which list these two ways.",
            Source::Assumption("AWS lists the ways to delete a version but does not say no other way exists"),
        );
        i.note(
            NoteKind::Note,
            "Copying an old version onto its key makes that content current again and keeps every version.",
            Source::Doc(&sources::S3_RESTORE_VERSIONS),
        );
    }
    i
}

/// The admin queries the report for what is still unencrypted, as the write-up did.
fn query_inventory(c: &Ctx<'_, '_>, admin: &Actor, dest: &str) -> Step {
    let mut q = step(
        "query-inventory",
        format!(
            "{}: aws s3api select-object-content … \"WHERE IsLatest='true' AND EncryptionStatus='NOT-SSE'\"",
            admin.name
        ),
        &admin.name,
        "s3:GetObject",
    );
    if q.push(s3_call(
        c.w,
        admin,
        "s3:GetObject",
        dest,
        Some(&c.report_key("2022-09-19T01-00Z")),
        Context::new(),
    )) {
        let current = c.latest().filter(|v| v.enc.sse == Sse::None).count();
        let noncurrent = c
            .versions
            .iter()
            .filter(|v| !v.latest && v.enc.sse == Sse::None)
            .count();
        q.result = match (current, noncurrent) {
            (0, 0) => "query result empty: every version is encrypted".into(),
            (0, n) => format!(
                "query result empty for current versions; the filter IsLatest='true' hides {n} noncurrent NOT-SSE version(s)"
            ),
            (m, _) => format!("{m} current object(s) still NOT-SSE"),
        };
    } else {
        q.deny("AccessDenied");
    }
    q.note(
        NoteKind::Note,
        "SelectObjectContent is authorized as s3:GetObject on the report object.",
        Source::Doc(&sources::S3_SELECT_OBJECT_CONTENT),
    );
    q.note(
        NoteKind::Note,
        "Amazon S3 Select is no longer available to new customers; existing customers can keep using it. Amazon Athena can query S3 Inventory reports with SQL instead.",
        Source::Doc(&sources::S3_SELECT),
    );
    q.note(
        NoteKind::Note,
        "With Athena: a table over the inventory report, queried for is_latest and encryption_status.",
        Source::Doc(&sources::S3_INVENTORY_ATHENA),
    );
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_ids_look_like_s3_version_ids_and_are_stable() {
        let a = version_id("users/1/profile.json", 0);
        assert_eq!(a.len(), 32);
        assert_eq!(a, version_id("users/1/profile.json", 0));
        assert_ne!(a, version_id("users/1/profile.json", 1));
    }
}
