//! The world a run works on: parsed policies, resolved principals and keys, and
//! the one function through which every authorization check goes.

use std::collections::{BTreeMap, HashMap};

use keyflow_policy::{Decision, Policies, PolicyRef, Request};

use crate::report::{Check, Deciding, PolicyInfo, PolicyOrigin};
use crate::scenario::{Bucket, Key, KeyState, PolicySlot, Principal, PrincipalKind, Scenario};
use crate::validate::{KeyRef, resolve_key};

/// A context under construction: key → values (a single value is a one-element list).
pub(crate) type Ctx = BTreeMap<String, Vec<String>>;

pub(crate) fn ctx_set(ctx: &mut Ctx, key: &str, value: impl Into<String>) {
    ctx.insert(key.to_string(), vec![value.into()]);
}

pub(crate) struct LoadedPolicy {
    pub info: PolicyInfo,
    pub parsed: keyflow_policy::Parsed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ActorKind {
    User,
    Session,
    Root,
    Service,
    /// A principal in an account AWS owns (the legacy ELB log writer).
    AwsOwned,
}

#[derive(Debug, Clone)]
pub(crate) struct Actor {
    /// The scenario handle (or the service principal).
    pub name: String,
    /// The request principal: user/session/root ARN or service principal.
    pub arn: String,
    /// `aws:PrincipalArn` (the role ARN for a session).
    pub principal_arn: String,
    pub account: Option<String>,
    pub kind: ActorKind,
    pub identity: Vec<String>,
    pub boundary: Option<String>,
    pub username: Option<String>,
}

/// A KMS key as the run sees it (customer managed or AWS managed).
#[derive(Debug, Clone)]
pub(crate) struct KeyInfo {
    pub id: String,
    pub arn: String,
    pub account: String,
    pub alias: Option<String>,
    pub policy_id: String,
    pub state: KeyState,
    pub scenario_index: Option<usize>,
}

impl KeyInfo {
    /// How the key is named in timelines: alias if any, else the ID.
    pub fn label(&self) -> String {
        match &self.alias {
            Some(a) => format!("{a} ({})", self.id),
            None => self.id.clone(),
        }
    }
}

/// Where a request's resource policy comes from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ResourcePolicy<'a> {
    None,
    Bucket(&'a str),
    Key(&'a KeyInfo),
    Trust(&'a str),
}

pub(crate) struct Call<'a> {
    pub actor: &'a Actor,
    pub action: &'a str,
    pub resource: String,
    pub resource_account: Option<String>,
    pub policy: ResourcePolicy<'a>,
    /// Keys the calling service adds (ViaService, encryption context, SourceArn…).
    pub extra: Ctx,
    pub via: String,
}

pub(crate) const CLOCK: &str = "2022-09-18T03:10:00Z";

pub(crate) struct World<'s> {
    pub s: &'s Scenario,
    pub policies: Vec<LoadedPolicy>,
    index: HashMap<String, usize>,
    pub keys: Vec<KeyInfo>,
}

/// The fixed key policy of an AWS managed key (`aws/s3`, `aws/ssm`) in this account and Region.
pub(crate) fn managed_key_policy(service: &str, account: &str, region: &str) -> String {
    let (id, sid) = match service {
        "s3" => (
            "    \"Id\": \"auto-s3-2\",\n",
            "Allow access through S3 for all principals in the account that are authorized to use S3",
        ),
        _ => (
            "",
            "Allow access through AWS Systems Manager for all principals in the account that are authorized to use AWS Systems Manager",
        ),
    };
    format!(
        r#"{{
    "Version": "2012-10-17",
{id}    "Statement": [
        {{
            "Sid": "{sid}",
            "Effect": "Allow",
            "Principal": {{
                "AWS": "*"
            }},
            "Action": [
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:DescribeKey"
            ],
            "Resource": "*",
            "Condition": {{
                "StringEquals": {{
                    "kms:CallerAccount": "{account}",
                    "kms:ViaService": "{service}.{region}.amazonaws.com"
                }}
            }}
        }},
        {{
            "Sid": "Allow direct access to key metadata to the account",
            "Effect": "Allow",
            "Principal": {{
                "AWS": "arn:aws:iam::{account}:root"
            }},
            "Action": [
                "kms:Describe*",
                "kms:Get*",
                "kms:List*"
            ],
            "Resource": "*"
        }}
    ]
}}"#
    )
}

/// The IAM of an account AWS owns is unknown; the simulator assumes it lets its
/// own service principals do their job, so only the customer's policies decide.
const AWS_OWNED_IDENTITY: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// Deterministic key IDs for the AWS managed keys.
fn managed_key_id(service: &str) -> String {
    match service {
        "s3" => "a0b1c2d3-0000-4000-8000-000000000053".to_string(),
        _ => "a0b1c2d3-0000-4000-8000-000000000055".to_string(),
    }
}

impl<'s> World<'s> {
    pub fn new(s: &'s Scenario) -> Self {
        let mut w = World {
            s,
            policies: Vec::new(),
            index: HashMap::new(),
            keys: Vec::new(),
        };
        for field in s.policy_fields() {
            w.load(
                field.id,
                field.slot,
                Some(field.path),
                PolicyOrigin::Scenario,
                &field.text,
            );
        }
        for (i, k) in s.keys.iter().enumerate() {
            let account = k.account.clone().unwrap_or_else(|| s.account.clone());
            w.keys.push(KeyInfo {
                arn: format!("arn:aws:kms:{}:{}:key/{}", s.region, account, k.id),
                id: k.id.clone(),
                account,
                alias: k.aliases.first().cloned(),
                policy_id: format!("key:{}", k.id),
                state: k.state,
                scenario_index: Some(i),
            });
        }
        for svc in crate::validate::MANAGED_SERVICES {
            let id = managed_key_id(svc);
            let policy_id = format!("key:aws/{svc}");
            let text = managed_key_policy(svc, &s.account, &s.region);
            w.load(
                policy_id.clone(),
                PolicySlot::Key,
                None,
                PolicyOrigin::AwsManaged,
                &text,
            );
            w.keys.push(KeyInfo {
                arn: format!("arn:aws:kms:{}:{}:key/{id}", s.region, s.account),
                id,
                account: s.account.clone(),
                alias: Some(format!("alias/aws/{svc}")),
                policy_id,
                state: KeyState::Enabled,
                scenario_index: None,
            });
        }
        // The legacy ELB log writer lives in an AWS-owned account.
        if s.settings.elb_log_writer == crate::scenario::ElbLogWriter::ElbAccount
            && let Some(acct) = crate::flows::elb_account(&s.region)
        {
            w.load(
                format!("aws-owned:{acct}"),
                PolicySlot::Identity,
                None,
                PolicyOrigin::AwsOwned,
                AWS_OWNED_IDENTITY,
            );
        }
        w
    }

    fn load(
        &mut self,
        id: String,
        slot: PolicySlot,
        path: Option<String>,
        origin: PolicyOrigin,
        text: &str,
    ) {
        let parsed = keyflow_policy::parse(text, slot.kind());
        let diagnostics = parsed.diagnostics.clone();
        self.index.insert(id.clone(), self.policies.len());
        self.policies.push(LoadedPolicy {
            info: PolicyInfo {
                id,
                slot,
                path,
                origin,
                diagnostics,
            },
            parsed,
        });
    }

    fn policy(&self, id: &str) -> Option<&LoadedPolicy> {
        self.index.get(id).and_then(|i| self.policies.get(*i))
    }

    pub fn key(&self, reference: &str) -> Option<&KeyInfo> {
        match resolve_key(self.s, reference)? {
            KeyRef::Customer(i) => self.keys.iter().find(|k| k.scenario_index == Some(i)),
            KeyRef::Managed(svc) => self
                .keys
                .iter()
                .find(|k| k.policy_id == format!("key:aws/{svc}")),
        }
    }

    pub fn scenario_key(&self, info: &KeyInfo) -> Option<&'s Key> {
        info.scenario_index.and_then(|i| self.s.keys.get(i))
    }

    pub fn bucket(&self, name: &str) -> Option<&'s Bucket> {
        self.s.buckets.iter().find(|b| b.name == name)
    }

    pub fn bucket_account(&self, b: &Bucket) -> String {
        b.account.clone().unwrap_or_else(|| self.s.account.clone())
    }

    pub fn principal(&self, name: &str) -> Option<&'s Principal> {
        self.s.principals.iter().find(|p| p.name == name)
    }

    /// The actor for a scenario principal.
    pub fn actor(&self, name: &str) -> Option<Actor> {
        let p = self.principal(name)?;
        let account = p.account.clone().unwrap_or_else(|| self.s.account.clone());
        let ids = |p: &Principal| -> Vec<String> {
            p.policies
                .iter()
                .map(|pol| format!("identity:{}/{}", p.name, pol.name))
                .collect()
        };
        let boundary = |p: &Principal| {
            p.permission_boundary
                .as_ref()
                .map(|_| format!("boundary:{}", p.name))
        };
        Some(match p.kind {
            PrincipalKind::User => {
                let arn = format!("arn:aws:iam::{account}:user/{}", p.name);
                Actor {
                    name: p.name.clone(),
                    principal_arn: arn.clone(),
                    arn,
                    account: Some(account),
                    kind: ActorKind::User,
                    identity: ids(p),
                    boundary: boundary(p),
                    username: Some(p.name.clone()),
                }
            }
            PrincipalKind::Role | PrincipalKind::AssumedRole => {
                let role = if p.kind == PrincipalKind::Role {
                    p
                } else {
                    self.principal(p.role.as_deref()?)?
                };
                let role_account = role
                    .account
                    .clone()
                    .unwrap_or_else(|| self.s.account.clone());
                // A role acts through a session; unnamed ones are called "session".
                let session = p.session.clone().unwrap_or_else(|| "session".to_string());
                Actor {
                    name: p.name.clone(),
                    arn: format!(
                        "arn:aws:sts::{role_account}:assumed-role/{}/{session}",
                        role.name
                    ),
                    principal_arn: format!("arn:aws:iam::{role_account}:role/{}", role.name),
                    account: Some(role_account),
                    kind: ActorKind::Session,
                    identity: ids(role),
                    boundary: boundary(role),
                    username: None,
                }
            }
            PrincipalKind::Root => {
                let arn = format!("arn:aws:iam::{account}:root");
                Actor {
                    name: p.name.clone(),
                    principal_arn: arn.clone(),
                    arn,
                    account: Some(account),
                    kind: ActorKind::Root,
                    identity: Vec::new(),
                    boundary: None,
                    username: None,
                }
            }
            PrincipalKind::Service => Actor {
                name: p.name.clone(),
                ..self.service(p.service.as_deref()?)
            },
        })
    }

    /// A service principal acting for itself.
    pub fn service(&self, service: &str) -> Actor {
        Actor {
            name: service.to_string(),
            arn: service.to_string(),
            principal_arn: service.to_string(),
            account: None,
            kind: ActorKind::Service,
            identity: Vec::new(),
            boundary: None,
            username: None,
        }
    }

    /// The root of an account AWS owns (the legacy ELB log writer).
    pub fn aws_owned(&self, account: &str) -> Actor {
        let id = format!("aws-owned:{account}");
        let arn = format!("arn:aws:iam::{account}:root");
        Actor {
            name: format!("ELB account {account}"),
            principal_arn: arn.clone(),
            arn,
            account: Some(account.to_string()),
            kind: ActorKind::AwsOwned,
            identity: vec![id],
            boundary: None,
            username: None,
        }
    }

    /// The context every request carries, before the calling service adds its keys.
    fn base_context(&self, actor: &Actor) -> Ctx {
        let mut c = Ctx::new();
        ctx_set(&mut c, "aws:CurrentTime", CLOCK);
        ctx_set(&mut c, "aws:EpochTime", "1663470600");
        ctx_set(&mut c, "aws:SecureTransport", "true");
        ctx_set(&mut c, "aws:RequestedRegion", self.s.region.as_str());
        if actor.kind == ActorKind::Service {
            ctx_set(&mut c, "aws:PrincipalIsAWSService", "true");
            ctx_set(&mut c, "aws:PrincipalServiceName", actor.arn.as_str());
            return c;
        }
        ctx_set(&mut c, "aws:PrincipalIsAWSService", "false");
        ctx_set(&mut c, "aws:PrincipalArn", actor.principal_arn.as_str());
        if let Some(a) = &actor.account {
            ctx_set(&mut c, "aws:PrincipalAccount", a.as_str());
        }
        let ty = match actor.kind {
            ActorKind::User => "User",
            ActorKind::Session => "AssumedRole",
            _ => "Account",
        };
        ctx_set(&mut c, "aws:PrincipalType", ty);
        if let Some(u) = &actor.username {
            ctx_set(&mut c, "aws:username", u.as_str());
        }
        c
    }

    /// Runs one authorization check through the policy engine.
    pub fn check(&self, call: Call<'_>) -> Check {
        let mut context = self.base_context(call.actor);
        for (k, v) in &call.extra {
            context.insert(k.clone(), v.clone());
        }
        let resource_id = match call.policy {
            ResourcePolicy::None => None,
            ResourcePolicy::Bucket(name) => Some(format!("bucket:{name}")),
            ResourcePolicy::Key(k) => Some(k.policy_id.clone()),
            ResourcePolicy::Trust(role) => Some(format!("trust:{role}")),
        };
        let mut used: Vec<String> = Vec::new();
        let mut r = |id: &str| -> Option<PolicyRef<'_>> {
            let loaded = self.policy(id)?;
            used.push(id.to_string());
            Some(PolicyRef {
                id: &loaded.info.id,
                policy: &loaded.parsed.policy,
            })
        };
        let mut policies = Policies::default();
        for id in &call.actor.identity {
            if let Some(p) = r(id) {
                policies.identity.push(p);
            }
        }
        if let Some(id) = &resource_id {
            policies.resource = r(id);
        }
        if let Some(b) = &call.actor.boundary {
            policies.permission_boundary = r(b);
        }
        // SCPs bind principals of the home account (a member account here).
        if call.actor.account.as_deref() == Some(self.s.account.as_str())
            && call.actor.kind != ActorKind::AwsOwned
        {
            for scp in &self.s.scps {
                if let Some(p) = r(&format!("scp:{}", scp.name)) {
                    policies.scps.push(p);
                }
            }
        }
        let request = Request {
            principal: call.actor.arn.clone(),
            action: call.action.to_string(),
            resource: call.resource.clone(),
            resource_account: call.resource_account.clone(),
            context: to_context(&context),
        };
        let evaluation = keyflow_policy::evaluate(&request, &policies);
        let decision = evaluation.decision;
        let deciding: Vec<Deciding> = evaluation
            .deciding
            .iter()
            .map(|d| Deciding {
                policy: d.policy_id.clone(),
                statement: d.statement,
                sid: d.sid.clone(),
                effect: match d.effect {
                    keyflow_policy::Effect::Allow => "Allow".into(),
                    keyflow_policy::Effect::Deny => "Deny".into(),
                },
                span: [d.span.start as usize, d.span.end as usize],
                slot: slot_name(d.slot).into(),
            })
            .collect();
        let statements: Vec<String> = deciding
            .iter()
            .map(|d| match &d.sid {
                Some(sid) => format!("{} \"{sid}\"", d.policy),
                None => format!("{} statement #{}", d.policy, d.statement + 1),
            })
            .collect();
        let summary = if statements.is_empty() {
            evaluation.summary()
        } else {
            format!("{} [{}]", evaluation.summary(), statements.join(", "))
        };
        Check {
            principal: call.actor.arn.clone(),
            action: call.action.to_string(),
            resource: call.resource,
            decision: decision_name(decision).to_string(),
            allowed: decision == Decision::Allowed,
            via: call.via,
            context,
            policies: used,
            summary,
            reason_code: evaluation.reason_code.to_string(),
            deciding,
        }
    }
}

fn slot_name(slot: keyflow_policy::PolicySlot) -> &'static str {
    use keyflow_policy::PolicySlot as S;
    match slot {
        S::Identity(_) => "identity",
        S::Resource => "resource",
        S::PermissionBoundary => "permission-boundary",
        S::Scp { .. } => "scp",
        S::Rcp { .. } => "rcp",
        S::Session => "session",
        S::VpcEndpoint => "vpc-endpoint",
    }
}

pub(crate) fn decision_name(d: Decision) -> &'static str {
    match d {
        Decision::Allowed => "Allowed",
        Decision::ImplicitlyDenied => "ImplicitlyDenied",
        Decision::ExplicitlyDenied => "ExplicitlyDenied",
    }
}

fn to_context(ctx: &Ctx) -> keyflow_policy::Context {
    let mut c = keyflow_policy::Context::default();
    for (k, v) in ctx {
        c.insert(k, v.clone());
    }
    c
}
