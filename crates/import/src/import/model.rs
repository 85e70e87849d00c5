//! The world as the inputs describe it, before it becomes a scenario: resources
//! with where they came from, and the links between them (aliases, bucket
//! policies, attachments) that are resolved once every file has been read.

use keyflow_sim::{
    AccessLogs, Bucket, Encryption, Key, KeyState, LoadBalancer, NamedPolicy, ObjectOwnership,
    Parameter, ParameterType, Principal, PrincipalKind, Scenario, Settings, Sse, Tier, Trail,
};

use super::util::{self, Env};
use super::{FileCtx, Finding, Severity};

/// Where something was declared, for findings made after the file is gone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Origin {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

impl FileCtx<'_> {
    pub fn origin(&self, at: u32) -> Origin {
        let p = crate::pos::position(self.text, at as usize);
        Origin {
            file: self.name.to_string(),
            line: p.line,
            column: p.column,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct KeyB {
    pub id: String,
    pub account: Option<String>,
    pub description: String,
    pub policy: String,
    pub enabled: bool,
    pub aliases: Vec<String>,
    /// Other names the inputs use for this key (its ARN, a Terraform address, …).
    pub also: Vec<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct BucketB {
    pub name: String,
    pub policy: Option<String>,
    pub enc: Option<Encryption>,
    pub versioning: bool,
    pub ownership: ObjectOwnership,
    pub origin: Origin,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TargetKind {
    User,
    Role,
    Group,
}

#[derive(Clone, Debug)]
pub(crate) struct PrincipalB {
    pub name: String,
    /// A user or a role (the kinds the inputs declare).
    pub kind: PrincipalKind,
    pub path: String,
    pub policies: Vec<(String, String)>,
    pub managed: Vec<(String, Origin)>,
    pub boundary: Option<(String, Origin)>,
    pub trust: Option<String>,
    pub groups: Vec<String>,
    pub origin: Origin,
}

impl PrincipalB {
    pub fn new(name: String, kind: PrincipalKind, origin: Origin) -> Self {
        PrincipalB {
            name,
            kind,
            path: "/".into(),
            policies: Vec::new(),
            managed: Vec::new(),
            boundary: None,
            trust: None,
            groups: Vec::new(),
            origin,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub(crate) struct GroupB {
    pub name: String,
    pub policies: Vec<(String, String)>,
    pub managed: Vec<(String, Origin)>,
}

#[derive(Clone, Debug)]
pub(crate) struct TrailB {
    pub name: String,
    pub bucket: String,
    pub prefix: String,
    pub kms_key: Option<String>,
    pub log_file_validation: bool,
    pub origin: Origin,
}

#[derive(Clone, Debug)]
pub(crate) struct LbB {
    pub name: String,
    pub id: String,
    pub bucket: String,
    pub prefix: String,
    pub origin: Origin,
}

#[derive(Clone, Debug)]
pub(crate) struct ParamB {
    pub name: String,
    pub kind: ParameterType,
    pub tier: Tier,
    pub key: Option<String>,
    pub value: String,
    pub origin: Origin,
}

#[derive(Clone, Debug)]
pub(crate) struct ManagedB {
    pub arn: String,
    pub name: String,
    pub document: String,
}

/// Everything read from the inputs.
pub(crate) struct World {
    pub env: Env,
    pub keys: Vec<KeyB>,
    /// (alias name, key reference, origin)
    pub aliases: Vec<(String, String, Origin)>,
    pub buckets: Vec<BucketB>,
    /// (bucket name, policy text, origin)
    pub bucket_policies: Vec<(String, String, Origin)>,
    /// (bucket name, default encryption, origin)
    pub bucket_encryption: Vec<(String, Encryption, Origin)>,
    pub principals: Vec<PrincipalB>,
    pub groups: Vec<GroupB>,
    /// (target, target name, policy name, policy text, origin)
    pub inline: Vec<(TargetKind, String, String, String, Origin)>,
    /// (target, target name, managed policy ARN, origin)
    pub attachments: Vec<(TargetKind, String, String, Origin)>,
    /// (group, user, origin)
    pub memberships: Vec<(String, String, Origin)>,
    pub managed: Vec<ManagedB>,
    pub trails: Vec<TrailB>,
    pub lbs: Vec<LbB>,
    pub params: Vec<ParamB>,
}

pub(crate) fn finding(o: &Origin, severity: Severity, message: impl Into<String>) -> Finding {
    Finding {
        file: o.file.clone(),
        line: o.line,
        column: o.column,
        severity,
        message: message.into(),
    }
}

/// The AWS managed keys the simulator knows (`alias/aws/s3`, `alias/aws/ssm`).
const MANAGED_ALIASES: [&str; 2] = ["alias/aws/s3", "alias/aws/ssm"];

impl World {
    pub fn new(env: Env) -> Self {
        World {
            env,
            keys: Vec::new(),
            aliases: Vec::new(),
            buckets: Vec::new(),
            bucket_policies: Vec::new(),
            bucket_encryption: Vec::new(),
            principals: Vec::new(),
            groups: Vec::new(),
            inline: Vec::new(),
            attachments: Vec::new(),
            memberships: Vec::new(),
            managed: Vec::new(),
            trails: Vec::new(),
            lbs: Vec::new(),
            params: Vec::new(),
        }
    }

    pub fn key_arn(&self, id: &str) -> String {
        format!(
            "arn:{}:kms:{}:{}:key/{id}",
            self.env.partition(),
            self.env.region,
            self.env.account
        )
    }

    /// The index of the key a reference names: key ID, key ARN, alias name or
    /// alias ARN (as KMS resolves them), or another name an input gave it.
    fn find_key(&self, r: &str) -> Option<usize> {
        let local = match r.split_once(":kms:") {
            Some((_, rest)) => rest.splitn(3, ':').nth(2).unwrap_or(rest),
            None => r,
        };
        let id = local.strip_prefix("key/").unwrap_or(local);
        self.keys.iter().position(|k| {
            k.id == id || k.aliases.iter().any(|a| a == local) || k.also.iter().any(|a| a == r)
        })
    }

    /// A key reference the scenario can resolve: a key of the world (by ID), an AWS
    /// managed key alias, or a stand-in key added with a finding.
    fn key_ref(&mut self, r: &str, origin: &Origin, what: &str, out: &mut Vec<Finding>) -> String {
        let r = r.trim();
        for m in MANAGED_ALIASES {
            if r == m || r.ends_with(&format!(":{m}")) {
                return m.to_string();
            }
        }
        if let Some(i) = self.find_key(r)
            && let Some(k) = self.keys.get(i)
        {
            return k.id.clone();
        }
        // Not in the input: add a stand-in with the default key policy.
        let local = r
            .split_once(":kms:")
            .and_then(|(_, rest)| rest.splitn(3, ':').nth(2))
            .unwrap_or(r);
        let account = util::arn_account(r)
            .filter(|a| *a != self.env.account)
            .map(str::to_string);
        let (id, aliases) = if let Some(id) = local.strip_prefix("key/") {
            (id.to_string(), Vec::new())
        } else if local.starts_with("alias/") {
            (util::stand_in_uuid(local), vec![local.to_string()])
        } else {
            (local.to_string(), Vec::new())
        };
        let owner = account.clone().unwrap_or_else(|| self.env.account.clone());
        out.push(finding(
            origin,
            Severity::Warning,
            format!(
                "{what} names key \"{r}\", which is not in the input: added as key {id} with the default key policy (an assumption; paste the real policy from `aws kms get-key-policy`)"
            ),
        ));
        self.keys.push(KeyB {
            id: id.clone(),
            account,
            description: format!("Added by Keyflow: {r} is not in the input; its policy is assumed to be the default key policy"),
            policy: util::default_key_policy(self.env.partition(), &owner),
            enabled: true,
            aliases,
            also: vec![r.to_string()],
        });
        id
    }

    fn ensure_bucket(&mut self, name: &str, origin: &Origin, what: &str, out: &mut Vec<Finding>) {
        if self.buckets.iter().any(|b| b.name == name) {
            return;
        }
        out.push(finding(
            origin,
            Severity::Warning,
            format!("{what} names bucket \"{name}\", which is not in the input: added without a bucket policy"),
        ));
        self.buckets.push(BucketB {
            name: name.to_string(),
            policy: None,
            enc: None,
            versioning: false,
            ownership: ObjectOwnership::default(),
            origin: origin.clone(),
        });
    }

    fn principal_index(&self, kind: TargetKind, name: &str) -> Option<usize> {
        let want = match kind {
            TargetKind::User => PrincipalKind::User,
            TargetKind::Role => PrincipalKind::Role,
            TargetKind::Group => return None,
        };
        self.principals
            .iter()
            .position(|p| p.kind == want && p.name == name)
    }

    /// Ties the world together, adds the flows, and writes the scenario JSON.
    pub fn finish(mut self, files: &[&str], out: &mut Vec<Finding>) -> String {
        // Aliases onto their keys.
        for (alias, target, origin) in std::mem::take(&mut self.aliases) {
            let id = self.key_ref(&target, &origin, &format!("alias {alias}"), out);
            if let Some(k) = self.keys.iter_mut().find(|k| k.id == id) {
                if !k.aliases.contains(&alias) {
                    k.aliases.push(alias);
                }
            } else {
                out.push(finding(
                    &origin,
                    Severity::Warning,
                    format!("alias {alias} points at an AWS managed key; skipped"),
                ));
            }
        }
        // Bucket policies and default encryption given as separate resources.
        for (bucket, policy, origin) in std::mem::take(&mut self.bucket_policies) {
            self.ensure_bucket(&bucket, &origin, "this bucket policy", out);
            if let Some(b) = self.buckets.iter_mut().find(|b| b.name == bucket) {
                if b.policy.is_some() {
                    out.push(finding(&origin, Severity::Warning, format!("bucket {bucket} has more than one bucket policy in the input; the last one is used")));
                }
                b.policy = Some(policy);
            }
        }
        for (bucket, enc, origin) in std::mem::take(&mut self.bucket_encryption) {
            self.ensure_bucket(&bucket, &origin, "this encryption configuration", out);
            if let Some(b) = self.buckets.iter_mut().find(|b| b.name == bucket) {
                b.enc = Some(enc);
            }
        }
        // Inline policies and managed-policy attachments.
        for (kind, target, name, doc, origin) in std::mem::take(&mut self.inline) {
            if kind == TargetKind::Group {
                match self.groups.iter_mut().find(|g| g.name == target) {
                    Some(g) => g.policies.push((name, doc)),
                    None => out.push(finding(&origin, Severity::Warning, format!("policy {name} is attached to group {target}, which is not in the input; skipped"))),
                }
            } else if let Some(i) = self.principal_index(kind, &target) {
                if let Some(p) = self.principals.get_mut(i) {
                    p.policies.push((name, doc));
                }
            } else {
                out.push(finding(
                    &origin,
                    Severity::Warning,
                    format!(
                        "policy {name} is attached to {target}, which is not in the input; skipped"
                    ),
                ));
            }
        }
        for (kind, target, arn, origin) in std::mem::take(&mut self.attachments) {
            if kind == TargetKind::Group {
                match self.groups.iter_mut().find(|g| g.name == target) {
                    Some(g) => g.managed.push((arn, origin)),
                    None => out.push(finding(&origin, Severity::Warning, format!("managed policy {arn} is attached to group {target}, which is not in the input; skipped"))),
                }
            } else if let Some(i) = self.principal_index(kind, &target) {
                if let Some(p) = self.principals.get_mut(i) {
                    p.managed.push((arn, origin));
                }
            } else {
                out.push(finding(&origin, Severity::Warning, format!("managed policy {arn} is attached to {target}, which is not in the input; skipped")));
            }
        }
        for (group, user, origin) in std::mem::take(&mut self.memberships) {
            match self.principal_index(TargetKind::User, &user) {
                Some(i) => {
                    if let Some(p) = self.principals.get_mut(i) {
                        p.groups.push(group);
                    }
                }
                None => out.push(finding(
                    &origin,
                    Severity::Warning,
                    format!("user {user} of group {group} is not in the input; skipped"),
                )),
            }
        }

        // Principals: own policies, group policies, managed policies.
        let mut principals: Vec<Principal> = Vec::new();
        let all = std::mem::take(&mut self.principals);
        for p in &all {
            let mut policies: Vec<NamedPolicy> = Vec::new();
            let mut add = |name: String, document: String| {
                let mut n = name.clone();
                let mut i = 2;
                while policies.iter().any(|x| x.name == n) {
                    n = format!("{name}#{i}");
                    i += 1;
                }
                policies.push(NamedPolicy { name: n, document });
            };
            for (name, doc) in &p.policies {
                add(name.clone(), doc.clone());
            }
            let mut managed = p.managed.clone();
            for g in &p.groups {
                match self.groups.iter().find(|x| &x.name == g) {
                    Some(group) => {
                        for (name, doc) in &group.policies {
                            add(format!("{g}/{name}"), doc.clone());
                        }
                        managed.extend(group.managed.iter().cloned());
                    }
                    None => out.push(finding(&p.origin, Severity::Warning, format!("{} is in group {g}, which is not in the input: the group's policies are not simulated", p.name))),
                }
            }
            for (arn, origin) in &managed {
                match self.managed.iter().find(|m| &m.arn == arn) {
                    Some(m) => add(m.name.clone(), m.document.clone()),
                    // An empty text would be a policy AWS refuses, and Keyflow would
                    // evaluate nothing for this principal; leaving it out can only deny
                    // more than AWS would, and the finding says so.
                    None => out.push(finding(origin, Severity::Warning, format!(
                        "managed policy {arn} is attached to {}, but its text is not in the input: left out, so the simulation may deny what AWS allows (add its document, e.g. from `aws iam get-policy-version`)",
                        p.name
                    ))),
                }
            }
            let boundary = p.boundary.as_ref().and_then(|(arn, origin)| {
                let found = self.managed.iter().find(|m| &m.arn == arn).map(|m| m.document.clone());
                if found.is_none() {
                    out.push(finding(origin, Severity::Warning, format!("permissions boundary {arn} of {} is not in the input: left out, so the simulation may allow more than AWS would", p.name)));
                }
                found
            });
            if p.path != "/" && !p.path.is_empty() {
                out.push(finding(&p.origin, Severity::Warning, format!(
                    "{} has path {}; the scenario format has no path, so its ARN is simulated without it (arn:…:{}/{}) and policies naming the full ARN will not match",
                    p.name,
                    p.path,
                    p.kind,
                    p.name
                )));
            }
            let mut name = p.name.clone();
            if principals.iter().any(|x| x.name == name) {
                name = format!("{}-{}", p.name, p.kind);
                out.push(finding(&p.origin, Severity::Warning, format!("a user and a role are both named {}: this one is called {name} in the scenario", p.name)));
            }
            let mut principal = Principal::new(name, p.kind);
            principal.policies = policies;
            principal.permission_boundary = boundary;
            if p.kind == PrincipalKind::Role {
                principal.trust_policy = p.trust.clone();
            }
            principals.push(principal);
        }

        // Resources that name keys and buckets.
        let mut trails = std::mem::take(&mut self.trails);
        for t in &mut trails {
            self.ensure_bucket(
                &t.bucket.clone(),
                &t.origin,
                &format!("trail {}", t.name),
                out,
            );
            if let Some(k) = t.kms_key.clone() {
                t.kms_key = Some(self.key_ref(&k, &t.origin, &format!("trail {}", t.name), out));
            }
        }
        let lbs = std::mem::take(&mut self.lbs);
        for lb in &lbs {
            self.ensure_bucket(
                &lb.bucket.clone(),
                &lb.origin,
                &format!("load balancer {}", lb.name),
                out,
            );
        }
        let mut params = std::mem::take(&mut self.params);
        for p in &mut params {
            if let Some(k) = p.key.clone() {
                p.key = Some(self.key_ref(&k, &p.origin, &format!("parameter {}", p.name), out));
            }
        }
        let mut buckets = std::mem::take(&mut self.buckets);
        for b in &mut buckets {
            if let Some(enc) = &mut b.enc
                && let Some(k) = enc.key.clone()
            {
                enc.key = Some(self.key_ref(&k, &b.origin, &format!("bucket {}", b.name), out));
            }
        }

        let keys = self
            .keys
            .iter()
            .map(|k| Key {
                id: k.id.clone(),
                account: k.account.clone(),
                description: k.description.clone(),
                aliases: k.aliases.clone(),
                policy: k.policy.clone(),
                state: if k.enabled {
                    KeyState::Enabled
                } else {
                    KeyState::Disabled
                },
                grants: Vec::new(),
            })
            .collect();
        let scenario_buckets = buckets
            .iter()
            .map(|b| {
                let mut bucket = Bucket::new(b.name.clone());
                bucket.policy = b.policy.clone();
                bucket.object_ownership = b.ownership;
                // An SSE-S3 default is the scenario's default: only SSE-KMS is written.
                bucket.default_encryption = b
                    .enc
                    .clone()
                    .filter(|e| e.sse == Sse::Kms)
                    .unwrap_or_default();
                bucket.versioning = b.versioning;
                bucket
            })
            .collect();
        let scenario_trails = trails
            .iter()
            .map(|t| Trail {
                name: t.name.clone(),
                bucket: t.bucket.clone(),
                prefix: t.prefix.clone(),
                kms_key: t.kms_key.clone(),
                log_file_validation: t.log_file_validation,
            })
            .collect();
        let load_balancers = lbs
            .iter()
            .map(|l| LoadBalancer {
                name: l.name.clone(),
                id: l.id.clone(),
                access_logs: AccessLogs {
                    bucket: l.bucket.clone(),
                    prefix: l.prefix.clone(),
                },
            })
            .collect();
        let parameters = params
            .iter()
            .map(|p| Parameter {
                name: p.name.clone(),
                kind: p.kind,
                key: if p.kind == ParameterType::SecureString {
                    p.key.clone()
                } else {
                    None
                },
                tier: p.tier,
                value: p.value.clone(),
            })
            .collect();
        let mut s = Scenario {
            name: String::new(),
            title: String::new(),
            description: String::new(),
            account: self.env.account.clone(),
            region: self.env.region.clone(),
            settings: Settings::default(),
            principals,
            keys,
            buckets: scenario_buckets,
            load_balancers,
            trails: scenario_trails,
            parameters,
            scps: Vec::new(),
            flows: Vec::new(),
            expectations: Vec::new(),
        };

        let ctx = super::flows::Inputs {
            env: &self.env,
            trails: &trails,
            lbs: &lbs,
            params: &params,
            buckets: &buckets,
        };
        let added = super::flows::add_flows(&mut s, &ctx, out);

        let stem: Vec<String> = files.iter().map(|f| file_stem(f)).collect();
        s.name = if stem.len() == 1 {
            format!("imported-{}", stem.join(""))
        } else {
            "imported".into()
        };
        s.title = format!("Imported from {}", files.join(", "));
        let mut d = format!(
            "Imported by `keyflow import` from {}. Names, IDs and values the input does not fix are placeholders (see the import findings).",
            files.join(", ")
        );
        if !added.is_empty() {
            d.push_str(" Added by Keyflow because a flow needs them and the input has none: ");
            d.push_str(&added.join("; "));
            d.push('.');
        }
        s.description = d;
        s.to_json_pretty()
    }
}

pub(crate) fn file_stem(path: &str) -> String {
    let base = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let stem = base.split('.').next().unwrap_or(base);
    let clean: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    if clean.is_empty() {
        "input".into()
    } else {
        clean
    }
}
