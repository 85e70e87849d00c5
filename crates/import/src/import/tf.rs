//! Terraform: `terraform show -json` of a saved plan (or of a state).
//!
//! Resources are read from `planned_values` (`values` for a state), with
//! `resource_changes[].change.after_unknown` telling which attributes are known only
//! after apply ("JSON Output Format", Terraform docs,
//! https://developer.hashicorp.com/terraform/internals/json-format). An unknown
//! value is followed through `configuration` to the resource it references
//! (`aws_kms_key.k.arn` → the key's stand-in ARN) when possible; otherwise it
//! becomes a placeholder with a finding. Policies are JSON strings.

use std::collections::{HashMap, HashSet};

use keyflow_sim::{ObjectOwnership, ParameterType, PrincipalKind, Sse, Tier};

use super::FileCtx;
use super::model::*;
use super::util;
use crate::node::{Node, NodeKind};

struct Res<'a> {
    address: String,
    ty: String,
    values: Option<&'a Node>,
    at: u32,
}

struct Plan<'a> {
    env: util::Env,
    managed: Vec<Res<'a>>,
    data: Vec<Res<'a>>,
    unknown: HashMap<String, &'a Node>,
    config: HashMap<String, &'a Node>,
    noted: HashSet<String>,
}

fn collect<'a>(
    module: &'a Node,
    managed: &mut Vec<Res<'a>>,
    data: &mut Vec<Res<'a>>,
    depth: usize,
) {
    if depth > 32 {
        return;
    }
    for r in module
        .get("resources")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        let (Some(address), Some(ty)) = (r.get_str("address"), r.get_str("type")) else {
            continue;
        };
        let res = Res {
            address: address.to_string(),
            ty: ty.to_string(),
            values: r.get("values"),
            at: r.at,
        };
        if r.get_str("mode") == Some("data") {
            data.push(res);
        } else {
            managed.push(res);
        }
    }
    for child in module
        .get("child_modules")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        collect(child, managed, data, depth + 1);
    }
}

fn collect_config<'a>(
    module: &'a Node,
    prefix: &str,
    out: &mut HashMap<String, &'a Node>,
    depth: usize,
) {
    if depth > 32 {
        return;
    }
    for r in module
        .get("resources")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        if let (Some(address), Some(expr)) = (r.get_str("address"), r.get("expressions")) {
            out.insert(format!("{prefix}{address}"), expr);
        }
    }
    for call in module
        .get("module_calls")
        .and_then(Node::as_map)
        .unwrap_or_default()
    {
        if let Some(m) = call.value.get("module") {
            collect_config(m, &format!("{prefix}module.{}.", call.key), out, depth + 1);
        }
    }
}

/// `aws_kms_key.k[0]` → `aws_kms_key.k` (configuration addresses carry no index).
fn config_address(address: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in address.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

enum Val<'a> {
    Known(&'a Node),
    Unknown,
    Absent,
}

impl<'a> Plan<'a> {
    fn find(&self, address: &str) -> Option<&Res<'a>> {
        self.managed
            .iter()
            .chain(&self.data)
            .find(|r| r.address == address || config_address(&r.address) == address)
    }

    fn value(&self, r: &Res<'a>, name: &str) -> Val<'a> {
        match r.values.and_then(|v| v.get(name)) {
            Some(n) if n.kind != NodeKind::Null => Val::Known(n),
            _ => {
                let unknown = self
                    .unknown
                    .get(&r.address)
                    .and_then(|u| u.get(name))
                    .is_some_and(|u| u.kind != NodeKind::Bool(false) && u.kind != NodeKind::Null);
                if unknown { Val::Unknown } else { Val::Absent }
            }
        }
    }

    /// The references of a resource's attribute in `configuration`.
    fn references(&self, r: &Res<'_>, name: &str) -> Vec<String> {
        self.config
            .get(&config_address(&r.address))
            .and_then(|e| e.get(name))
            .and_then(|e| e.get("references"))
            .and_then(Node::as_seq)
            .map(|refs| {
                refs.iter()
                    .filter_map(|n| n.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// What an attribute of another resource is, known or stand-in.
    fn identity(&mut self, ctx: &mut FileCtx<'_>, address: &str, attr: &str) -> Option<String> {
        let r = self.find(address)?;
        if let Val::Known(n) = self.value(r, attr)
            && let Some(t) = n.scalar_text()
        {
            return Some(t);
        }
        let (ty, at, addr) = (r.ty.clone(), r.at, r.address.clone());
        let e = self.env.clone();
        let p = e.partition();
        let name = |s: &mut Self, ctx: &mut FileCtx<'_>, field: &str| -> String {
            let r = s.find(&addr);
            let known = r.and_then(|r| match s.value(r, field) {
                Val::Known(n) => n.scalar_text(),
                _ => None,
            });
            known.unwrap_or_else(|| {
                let stand_in = format!("{}-{}", addr.replace(['.', '[', ']', '"'], "-").trim_matches('-'), &util::stand_in_hex16(&addr)[..8]);
                if s.noted.insert(format!("{addr}.{field}")) {
                    ctx.note(at, format!("{addr}: {field} is known only after apply; Keyflow uses the stand-in {stand_in}"));
                }
                stand_in
            })
        };
        let key_id = |s: &mut Self, ctx: &mut FileCtx<'_>| -> String {
            let id = util::stand_in_uuid(&addr);
            if s.noted.insert(format!("{addr}.key_id")) {
                ctx.note(at, format!("{addr}: the key ID is assigned by KMS at apply; Keyflow uses the stand-in ID {id}"));
            }
            id
        };
        Some(match (ty.as_str(), attr) {
            ("aws_kms_key", "arn") => format!(
                "arn:{p}:kms:{}:{}:key/{}",
                e.region,
                e.account,
                key_id(self, ctx)
            ),
            ("aws_kms_key", _) => key_id(self, ctx),
            ("aws_s3_bucket", "arn") => format!("arn:{p}:s3:::{}", name(self, ctx, "bucket")),
            ("aws_s3_bucket", _) => name(self, ctx, "bucket"),
            ("aws_iam_role", "arn") => format!(
                "arn:{p}:iam::{}:role/{}",
                e.account,
                name(self, ctx, "name")
            ),
            ("aws_iam_user", "arn") => format!(
                "arn:{p}:iam::{}:user/{}",
                e.account,
                name(self, ctx, "name")
            ),
            ("aws_iam_policy", "arn" | "id") => format!(
                "arn:{p}:iam::{}:policy/{}",
                e.account,
                name(self, ctx, "name")
            ),
            ("aws_cloudtrail", "arn") => format!(
                "arn:{p}:cloudtrail:{}:{}:trail/{}",
                e.region,
                e.account,
                name(self, ctx, "name")
            ),
            ("aws_ssm_parameter", "arn") => format!(
                "arn:{p}:ssm:{}:{}:parameter/{}",
                e.region,
                e.account,
                name(self, ctx, "name").trim_start_matches('/')
            ),
            ("aws_kms_alias", _)
            | (
                "aws_iam_role" | "aws_iam_user" | "aws_iam_group" | "aws_cloudtrail"
                | "aws_ssm_parameter" | "aws_lb" | "aws_alb",
                _,
            ) => name(self, ctx, "name"),
            _ => return None,
        })
    }

    /// An attribute as text: known, followed through its reference, or a placeholder.
    fn text(&mut self, ctx: &mut FileCtx<'_>, r: &Res<'a>, name: &str) -> Option<String> {
        match self.value(r, name) {
            Val::Known(n) => n.scalar_text(),
            Val::Absent => None,
            Val::Unknown => {
                for reference in self.references(r, name) {
                    // `aws_kms_key.k.arn` or `data.aws_iam_policy_document.d.json`.
                    let parts: Vec<&str> = reference.split('.').collect();
                    let (target, attr) = match parts.as_slice() {
                        ["data", t, n, a, ..] => (format!("data.{t}.{n}"), (*a).to_string()),
                        ["module", ..] => continue,
                        [t, n, a, ..] => (format!("{t}.{n}"), (*a).to_string()),
                        _ => continue,
                    };
                    if let Some(v) = self.identity(ctx, &target, &attr) {
                        ctx.note(r.at, format!("{}: {name} is known only after apply; Keyflow follows its reference to {target}.{attr}", r.address));
                        return Some(v);
                    }
                }
                let ph = util::placeholder(&format!("{} {name}", r.address));
                ctx.warn(r.at, format!("{}: {name} is known only after apply and references nothing Keyflow can follow: left as the placeholder {ph}", r.address));
                Some(ph)
            }
        }
    }

    fn doc(&mut self, ctx: &mut FileCtx<'_>, r: &Res<'a>, name: &str) -> Option<String> {
        self.text(ctx, r, name)
            .map(|t| util::policy_text(&Node::str(t, r.at)))
    }

    fn bool(&self, r: &Res<'a>, name: &str) -> Option<bool> {
        match self.value(r, name) {
            Val::Known(n) => n.as_bool(),
            _ => None,
        }
    }

    fn list(&self, r: &Res<'a>, name: &str) -> Vec<&'a Node> {
        match self.value(r, name) {
            Val::Known(n) => n.as_seq().map(|s| s.iter().collect()).unwrap_or_default(),
            _ => Vec::new(),
        }
    }
}

pub(crate) fn import(ctx: &mut FileCtx<'_>, root: &Node, w: &mut World) {
    let mut managed = Vec::new();
    let mut data = Vec::new();
    let module = root
        .get("planned_values")
        .or(root.get("values"))
        .and_then(|v| v.get("root_module"));
    match module {
        Some(m) => collect(m, &mut managed, &mut data, 0),
        None => ctx.finding(
            root.at,
            super::Severity::Error,
            "expected \"planned_values.root_module\" (a plan) or \"values.root_module\" (a state)",
        ),
    }
    if let Some(prior) = root
        .get("prior_state")
        .and_then(|p| p.get("values"))
        .and_then(|v| v.get("root_module"))
    {
        let mut ignored = Vec::new();
        collect(prior, &mut ignored, &mut data, 0);
    }
    let mut unknown = HashMap::new();
    for rc in root
        .get("resource_changes")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        if let (Some(a), Some(u)) = (
            rc.get_str("address"),
            rc.get("change").and_then(|c| c.get("after_unknown")),
        ) {
            unknown.insert(a.to_string(), u);
        }
    }
    let mut config = HashMap::new();
    if let Some(m) = root.get("configuration").and_then(|c| c.get("root_module")) {
        collect_config(m, "", &mut config, 0);
    }
    let mut plan = Plan {
        env: w.env.clone(),
        managed,
        data,
        unknown,
        config,
        noted: HashSet::new(),
    };
    let mut skipped: Vec<String> = Vec::new();
    let count = plan.managed.len();
    for i in 0..count {
        let Some(r) = plan.managed.get(i) else {
            continue;
        };
        let r = Res {
            address: r.address.clone(),
            ty: r.ty.clone(),
            values: r.values,
            at: r.at,
        };
        if !resource(ctx, &mut plan, w, &r) && !skipped.contains(&r.ty) {
            skipped.push(r.ty.clone());
        }
    }
    if !skipped.is_empty() {
        ctx.note(
            root.at,
            format!("not modelled by Keyflow, skipped: {}", skipped.join(", ")),
        );
    }
}

fn resource<'a>(ctx: &mut FileCtx<'_>, p: &mut Plan<'a>, w: &mut World, r: &Res<'a>) -> bool {
    let origin = ctx.origin(r.at);
    let a = r.address.as_str();
    match r.ty.as_str() {
        "aws_kms_key" => {
            let id = p
                .identity(ctx, a, "key_id")
                .unwrap_or_else(|| util::stand_in_uuid(a));
            let policy = match p.value(r, "policy") {
                Val::Absent => {
                    ctx.note(
                        r.at,
                        format!("{a} sets no policy: KMS attaches the default key policy"),
                    );
                    util::default_key_policy(p.env.partition(), &p.env.account)
                }
                _ => match p.doc(ctx, r, "policy") {
                    Some(d) if !util::is_placeholder(&d) => d,
                    _ => {
                        ctx.warn(r.at, format!("{a}: the key policy is known only after apply; the default key policy stands in for it (an assumption)"));
                        util::default_key_policy(p.env.partition(), &p.env.account)
                    }
                },
            };
            let arn = w.key_arn(&id);
            w.keys.push(KeyB {
                id,
                account: None,
                description: p.text(ctx, r, "description").unwrap_or_default(),
                policy,
                enabled: p.bool(r, "is_enabled").unwrap_or(true),
                aliases: Vec::new(),
                also: vec![arn, a.to_string()],
            });
        }
        "aws_kms_alias" => {
            let name = p
                .text(ctx, r, "name")
                .unwrap_or_else(|| util::placeholder(&format!("{a} name")));
            match p.text(ctx, r, "target_key_id") {
                Some(t) => w.aliases.push((name, t, origin)),
                None => ctx.warn(r.at, format!("{a} has no target_key_id; skipped")),
            }
        }
        "aws_s3_bucket" => {
            let name = p
                .identity(ctx, a, "bucket")
                .unwrap_or_else(|| util::placeholder(a));
            if let Val::Known(_) = p.value(r, "policy")
                && let Some(d) = p.doc(ctx, r, "policy")
                && !d.is_empty()
            {
                w.bucket_policies.push((name.clone(), d, origin.clone()));
            }
            let mut enc = None;
            for sse in p.list(r, "server_side_encryption_configuration") {
                if let Some(rule) = sse
                    .get("rule")
                    .and_then(Node::as_seq)
                    .and_then(|s| s.first())
                {
                    let by_default = rule
                        .get("apply_server_side_encryption_by_default")
                        .and_then(Node::as_seq)
                        .and_then(|s| s.first());
                    enc = super::cfn::encryption(
                        ctx,
                        by_default,
                        rule.get("bucket_key_enabled"),
                        rule.at,
                    );
                }
            }
            let versioning = p
                .list(r, "versioning")
                .first()
                .and_then(|v| v.get("enabled"))
                .and_then(Node::as_bool)
                .unwrap_or(false);
            w.buckets.push(BucketB {
                name,
                policy: None,
                enc,
                versioning,
                ownership: ObjectOwnership::default(),
                origin,
            });
        }
        "aws_s3_bucket_policy" => match (p.text(ctx, r, "bucket"), p.doc(ctx, r, "policy")) {
            (Some(b), Some(d)) => w.bucket_policies.push((b, d, origin)),
            _ => ctx.warn(r.at, format!("{a} needs bucket and policy; skipped")),
        },
        "aws_s3_bucket_server_side_encryption_configuration" => {
            let Some(bucket) = p.text(ctx, r, "bucket") else {
                ctx.warn(r.at, format!("{a} has no bucket; skipped"));
                return true;
            };
            let Some(rule) = p.list(r, "rule").first().copied() else {
                return true;
            };
            let by_default = rule
                .get("apply_server_side_encryption_by_default")
                .and_then(Node::as_seq)
                .and_then(|s| s.first());
            let mut enc =
                super::cfn::encryption(ctx, by_default, rule.get("bucket_key_enabled"), rule.at);
            // The key may be known only after apply: follow the reference.
            if let Some(e) = &mut enc
                && e.sse == Sse::Kms
                && e.key.is_none()
                && by_default.is_some()
            {
                let unknown = p
                    .unknown
                    .get(a)
                    .and_then(|u| u.get("rule"))
                    .map(|u| crate::node::to_json(u, None).contains("kms_master_key_id"))
                    .unwrap_or(false);
                if unknown {
                    let refs = p.references(r, "rule");
                    let _ = refs;
                    let key_ref = p
                        .config
                        .get(&config_address(a))
                        .and_then(|e| e.get("rule"))
                        .map(|n| crate::node::to_json(n, None))
                        .and_then(|t| {
                            t.split('"')
                                .find(|s| {
                                    s.starts_with("aws_kms_key.") && s.matches('.').count() >= 2
                                })
                                .map(str::to_string)
                        });
                    match key_ref {
                        Some(k) => {
                            let mut parts = k.splitn(3, '.');
                            let target = format!(
                                "{}.{}",
                                parts.next().unwrap_or_default(),
                                parts.next().unwrap_or_default()
                            );
                            let attr = parts.next().unwrap_or("arn").to_string();
                            e.key = p.identity(ctx, &target, &attr);
                            ctx.note(r.at, format!("{a}: kms_master_key_id is known only after apply; Keyflow follows its reference to {k}"));
                        }
                        None => {
                            let ph = util::placeholder(&format!("{a} kms_master_key_id"));
                            ctx.warn(r.at, format!("{a}: kms_master_key_id is known only after apply: left as the placeholder {ph}"));
                            e.key = Some(ph);
                        }
                    }
                }
            }
            if let Some(e) = enc {
                w.bucket_encryption.push((bucket, e, origin));
            }
        }
        "aws_s3_bucket_versioning" => {
            let bucket = p.text(ctx, r, "bucket");
            let enabled = p
                .list(r, "versioning_configuration")
                .first()
                .and_then(|v| v.get_str("status"))
                == Some("Enabled");
            if let (Some(b), true) = (bucket, enabled)
                && let Some(x) = w.buckets.iter_mut().find(|x| x.name == b)
            {
                x.versioning = true;
            }
        }
        "aws_iam_role" | "aws_iam_user" => {
            let role = r.ty == "aws_iam_role";
            let name = p
                .identity(ctx, a, "name")
                .unwrap_or_else(|| util::placeholder(a));
            let mut pr = PrincipalB::new(
                name,
                if role {
                    PrincipalKind::Role
                } else {
                    PrincipalKind::User
                },
                origin.clone(),
            );
            pr.path = p.text(ctx, r, "path").unwrap_or_else(|| "/".into());
            if role {
                pr.trust = p.doc(ctx, r, "assume_role_policy");
                for ip in p.list(r, "inline_policy") {
                    if let (Some(n), Some(d)) = (ip.get_str("name"), ip.get_str("policy"))
                        && !n.is_empty()
                    {
                        pr.policies
                            .push((n.to_string(), util::policy_text(&Node::str(d, ip.at))));
                    }
                }
                for arn in p.list(r, "managed_policy_arns") {
                    if let Some(s) = arn.as_str() {
                        pr.managed.push((s.to_string(), origin.clone()));
                    }
                }
            }
            if let Some(b) = p
                .text(ctx, r, "permissions_boundary")
                .filter(|b| !b.is_empty())
            {
                pr.boundary = Some((b, origin.clone()));
            }
            w.principals.push(pr);
        }
        "aws_iam_group" => {
            let name = p
                .identity(ctx, a, "name")
                .unwrap_or_else(|| util::placeholder(a));
            w.groups.push(GroupB {
                name,
                ..GroupB::default()
            });
        }
        "aws_iam_role_policy" | "aws_iam_user_policy" | "aws_iam_group_policy" => {
            let (field, kind) = match r.ty.as_str() {
                "aws_iam_role_policy" => ("role", TargetKind::Role),
                "aws_iam_user_policy" => ("user", TargetKind::User),
                _ => ("group", TargetKind::Group),
            };
            let target = p.text(ctx, r, field);
            let name = p
                .text(ctx, r, "name")
                .unwrap_or_else(|| a.rsplit('.').next().unwrap_or(a).to_string());
            match (target, p.doc(ctx, r, "policy")) {
                (Some(t), Some(d)) => w.inline.push((kind, t, name, d, origin)),
                _ => ctx.warn(r.at, format!("{a} needs {field} and policy; skipped")),
            }
        }
        "aws_iam_role_policy_attachment"
        | "aws_iam_user_policy_attachment"
        | "aws_iam_group_policy_attachment" => {
            let (field, kind) = match r.ty.as_str() {
                "aws_iam_role_policy_attachment" => ("role", TargetKind::Role),
                "aws_iam_user_policy_attachment" => ("user", TargetKind::User),
                _ => ("group", TargetKind::Group),
            };
            match (p.text(ctx, r, field), p.text(ctx, r, "policy_arn")) {
                (Some(t), Some(arn)) => w.attachments.push((kind, t, arn, origin)),
                _ => ctx.warn(r.at, format!("{a} needs {field} and policy_arn; skipped")),
            }
        }
        "aws_iam_user_group_membership" => {
            let user = p.text(ctx, r, "user").unwrap_or_default();
            for g in p.list(r, "groups") {
                if let Some(g) = g.as_str() {
                    w.memberships
                        .push((g.to_string(), user.clone(), origin.clone()));
                }
            }
        }
        "aws_iam_policy" => {
            let name = p
                .identity(ctx, a, "name")
                .unwrap_or_else(|| util::placeholder(a));
            let arn = p.identity(ctx, a, "arn").unwrap_or_default();
            match p.doc(ctx, r, "policy") {
                Some(d) => w.managed.push(ManagedB {
                    arn,
                    name,
                    document: d,
                }),
                None => ctx.warn(r.at, format!("{a} has no policy; skipped")),
            }
        }
        "aws_cloudtrail" => {
            let name = p
                .identity(ctx, a, "name")
                .unwrap_or_else(|| util::placeholder(a));
            let Some(bucket) = p.text(ctx, r, "s3_bucket_name") else {
                ctx.warn(r.at, format!("{a} has no s3_bucket_name; skipped"));
                return true;
            };
            w.trails.push(TrailB {
                name,
                bucket,
                prefix: p.text(ctx, r, "s3_key_prefix").unwrap_or_default(),
                kms_key: p.text(ctx, r, "kms_key_id").filter(|k| !k.is_empty()),
                log_file_validation: p.bool(r, "enable_log_file_validation").unwrap_or(false),
                origin,
            });
        }
        "aws_lb" | "aws_alb" => {
            let name = p
                .identity(ctx, a, "name")
                .unwrap_or_else(|| util::placeholder(a));
            let kind = p
                .text(ctx, r, "load_balancer_type")
                .unwrap_or_else(|| "application".into());
            let logs = p.list(r, "access_logs").first().copied();
            let enabled = logs
                .and_then(|l| l.get("enabled"))
                .and_then(Node::as_bool)
                .unwrap_or(false);
            if !enabled {
                ctx.note(r.at, format!("{a} has no access logs enabled: no ALB flow"));
                return true;
            }
            if kind != "application" {
                ctx.warn(r.at, format!("{a} is a {kind} load balancer; Keyflow models ALB access-log delivery only; skipped"));
                return true;
            }
            let Some(bucket) = logs
                .and_then(|l| l.get_str("bucket"))
                .filter(|b| !b.is_empty())
            else {
                ctx.warn(
                    r.at,
                    format!("{a} enables access logs without a bucket; skipped"),
                );
                return true;
            };
            w.lbs.push(LbB {
                name,
                id: util::stand_in_hex16(a),
                bucket: bucket.to_string(),
                prefix: logs
                    .and_then(|l| l.get_str("prefix"))
                    .unwrap_or_default()
                    .to_string(),
                origin,
            });
        }
        "aws_ssm_parameter" => {
            let name = p
                .identity(ctx, a, "name")
                .unwrap_or_else(|| util::placeholder(a));
            let kind = match p.text(ctx, r, "type").as_deref() {
                Some("SecureString") => ParameterType::SecureString,
                Some("StringList") => ParameterType::StringList,
                _ => ParameterType::String,
            };
            let tier = match p.text(ctx, r, "tier").as_deref() {
                Some("Advanced") => Tier::Advanced,
                _ => Tier::Standard,
            };
            let key = if kind == ParameterType::SecureString {
                p.text(ctx, r, "key_id").filter(|k| !k.is_empty())
            } else {
                None
            };
            let value = match p.value(r, "value") {
                Val::Known(n) => n.scalar_text().unwrap_or_default(),
                _ => {
                    ctx.note(r.at, format!("{a}: the value is not in the plan (sensitive or known only after apply); the scenario holds a placeholder value"));
                    util::placeholder(&format!("{a} value"))
                }
            };
            w.params.push(ParamB {
                name,
                kind,
                tier,
                key,
                value,
                origin,
            });
        }
        _ => return false,
    }
    true
}
