//! The world a run works on: parsed policies, resolved principals and keys, and
//! the one function through which every authorization check goes.

use std::collections::HashMap;

use keyflow_policy::{Context, Decision, LineIndex, Policies, PolicyRef, Request, Severity};

use crate::ids::{CheckId, ManagedService, PolicyId};
use crate::managed;
use crate::report::{
    Check, Deciding, GrantRef, NotEvaluated, PolicyInfo, PolicyOrigin, PolicySet, Verdict,
};
use crate::scenario::{
    Bucket, ElbLogWriter, Key, KeyRef, KeyState, PolicySlot, Principal, PrincipalKind, Scenario,
};

/// The clock every request carries: the time of the ALB write-up's observations.
pub(crate) const CLOCK: &str = "2022-09-18T03:10:00Z";
const EPOCH: &str = "1663470600";

pub(crate) struct LoadedPolicy {
    pub info: PolicyInfo,
    /// The id as the evaluator labels it in traces.
    pub(crate) label: String,
    pub(crate) parsed: keyflow_policy::Parsed,
    /// The first error that keeps AWS from accepting the text, if any.
    pub(crate) unparsable: Option<NotEvaluated>,
    pub(crate) lines: LineIndex,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ActorKind {
    User,
    Session,
    Root,
    Service,
    /// A principal in an account AWS owns (the legacy ELB log writer).
    AwsOwned,
    /// An unauthenticated caller (`Principal "*"` is the only way to name it).
    Anonymous,
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
    pub identity: Vec<PolicyId>,
    pub boundary: Option<PolicyId>,
    pub username: Option<String>,
}

impl Actor {
    pub fn is_service(&self) -> bool {
        self.kind == ActorKind::Service
    }
}

/// A KMS key as the run sees it (customer managed or AWS managed).
#[derive(Debug, Clone)]
pub(crate) struct KeyInfo {
    pub id: String,
    pub arn: String,
    pub account: String,
    pub alias: Option<String>,
    pub policy: PolicyId,
    pub state: KeyState,
    /// Index in `Scenario::keys`; `None` for AWS managed keys.
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

/// One request a service makes, before the evaluator sees it.
pub(crate) struct Call<'a> {
    pub actor: &'a Actor,
    pub action: &'a str,
    pub resource: String,
    pub resource_account: Option<String>,
    /// The resource's policy, if it has one.
    pub policy: Option<PolicyId>,
    /// Keys the calling service adds (ViaService, encryption context, SourceArn…).
    pub extra: Context,
    pub via: String,
}

pub(crate) struct World<'s> {
    pub s: &'s Scenario,
    pub policies: Vec<LoadedPolicy>,
    index: HashMap<PolicyId, usize>,
    pub keys: Vec<KeyInfo>,
}

/// The IAM of an account AWS owns is unknown; the simulator assumes it lets its
/// own service principals do their job, so only the customer's policies decide.
const AWS_OWNED_IDENTITY: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

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
                policy: PolicyId::Key(k.id.clone()),
                state: k.state,
                scenario_index: Some(i),
            });
        }
        for &service in ManagedService::ALL {
            let id = managed::key_id(service);
            let policy = PolicyId::ManagedKey(service);
            let text = managed::key_policy(service, &s.account, &s.region);
            w.load(
                policy.clone(),
                PolicySlot::Key,
                None,
                PolicyOrigin::AwsManaged,
                &text,
            );
            w.keys.push(KeyInfo {
                arn: format!("arn:aws:kms:{}:{}:key/{id}", s.region, s.account),
                id: id.to_string(),
                account: s.account.clone(),
                alias: Some(service.alias()),
                policy,
                state: KeyState::Enabled,
                scenario_index: None,
            });
        }
        // The legacy ELB log writer lives in an AWS-owned account.
        if s.settings.elb_log_writer == ElbLogWriter::ElbAccount
            && let Some(acct) = crate::flows::elb_account(&s.region)
        {
            w.load(
                PolicyId::AwsOwned(acct.to_string()),
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
        id: PolicyId,
        slot: PolicySlot,
        path: Option<String>,
        origin: PolicyOrigin,
        text: &str,
    ) {
        let parsed = keyflow_policy::parse(text, slot.kind());
        let lines = LineIndex::new(text);
        let unparsable = parsed
            .diagnostics
            .iter()
            .find(|d| d.severity == Severity::Error)
            .map(|d| {
                let at = lines.position(d.span.start);
                NotEvaluated {
                    policy: Some(id.clone()),
                    line: at.line,
                    column: at.column,
                    message: d.message.clone(),
                }
            });
        self.index.insert(id.clone(), self.policies.len());
        self.policies.push(LoadedPolicy {
            label: id.to_string(),
            info: PolicyInfo {
                id,
                slot,
                path,
                origin,
                diagnostics: parsed.diagnostics.clone(),
            },
            parsed,
            unparsable,
            lines,
        });
    }

    pub(crate) fn policy(&self, id: &PolicyId) -> Option<&LoadedPolicy> {
        self.index.get(id).and_then(|i| self.policies.get(*i))
    }

    pub fn key(&self, reference: &str) -> Option<&KeyInfo> {
        match self.s.resolve_key(reference)? {
            KeyRef::Customer(i) => self.keys.iter().find(|k| k.scenario_index == Some(i)),
            KeyRef::Managed(service) => self
                .keys
                .iter()
                .find(|k| k.policy == PolicyId::ManagedKey(service)),
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
        let ids = |p: &Principal| -> Vec<PolicyId> {
            p.policies
                .iter()
                .map(|pol| PolicyId::Identity {
                    principal: p.name.clone(),
                    policy: pol.name.clone(),
                })
                .collect()
        };
        let boundary = |p: &Principal| {
            p.permission_boundary
                .as_ref()
                .map(|_| PolicyId::Boundary(p.name.clone()))
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
        let arn = format!("arn:aws:iam::{account}:root");
        Actor {
            name: format!("ELB account {account}"),
            principal_arn: arn.clone(),
            arn,
            account: Some(account.to_string()),
            kind: ActorKind::AwsOwned,
            identity: vec![PolicyId::AwsOwned(account.to_string())],
            boundary: None,
            username: None,
        }
    }

    /// The context every request carries, before the calling service adds its keys.
    fn base_context(&self, actor: &Actor) -> Context {
        let mut c = Context::new();
        c.insert("aws:CurrentTime", CLOCK);
        c.insert("aws:EpochTime", EPOCH);
        c.insert("aws:SecureTransport", "true");
        c.insert("aws:RequestedRegion", self.s.region.as_str());
        if actor.kind == ActorKind::Anonymous {
            return c;
        }
        if actor.is_service() {
            c.insert("aws:PrincipalIsAWSService", "true");
            c.insert("aws:PrincipalServiceName", actor.arn.as_str());
            return c;
        }
        c.insert("aws:PrincipalIsAWSService", "false");
        c.insert("aws:PrincipalArn", actor.principal_arn.as_str());
        if let Some(a) = &actor.account {
            c.insert("aws:PrincipalAccount", a.as_str());
        }
        let ty = match actor.kind {
            ActorKind::User => "User",
            ActorKind::Session => "AssumedRole",
            _ => "Account",
        };
        c.insert("aws:PrincipalType", ty);
        if let Some(u) = &actor.username {
            c.insert("aws:username", u.as_str());
        }
        c
    }

    /// Which policies apply to a call, by role.
    fn policy_set(&self, call: &Call<'_>) -> PolicySet {
        let known = |id: &PolicyId| self.index.contains_key(id);
        let mut set = PolicySet {
            identity: call
                .actor
                .identity
                .iter()
                .filter(|id| known(id))
                .cloned()
                .collect(),
            resource: call.policy.clone().filter(known),
            permission_boundary: call.actor.boundary.clone().filter(known),
            scps: Vec::new(),
        };
        // SCPs bind principals of the home account (a member account here).
        if call.actor.account.as_deref() == Some(self.s.account.as_str())
            && call.actor.kind != ActorKind::AwsOwned
        {
            set.scps = self
                .s
                .scps
                .iter()
                .map(|scp| PolicyId::Scp(scp.name.clone()))
                .filter(known)
                .collect();
        }
        set
    }

    /// The evaluator's view of a policy set; `Err` names the first policy that does not parse.
    pub fn policies(&self, set: &PolicySet) -> Result<Policies<'_>, NotEvaluated> {
        let get = |id: &PolicyId| -> Result<Option<PolicyRef<'_>>, NotEvaluated> {
            let Some(loaded) = self.policy(id) else {
                return Ok(None);
            };
            if let Some(problem) = &loaded.unparsable {
                return Err(problem.clone());
            }
            Ok(Some(PolicyRef::new(&loaded.label, &loaded.parsed.policy)))
        };
        let mut policies = Policies::default();
        for id in &set.identity {
            policies.identity.extend(get(id)?);
        }
        policies.resource = match &set.resource {
            Some(id) => get(id)?,
            None => None,
        };
        policies.permission_boundary = match &set.permission_boundary {
            Some(id) => get(id)?,
            None => None,
        };
        for id in &set.scps {
            if let Some(p) = get(id)? {
                policies.scps.push(p);
            }
        }
        Ok(policies)
    }

    /// Runs one authorization check through the policy engine. The check's id
    /// is filled in when its step is placed in a flow.
    pub fn check(&self, call: Call<'_>) -> Check {
        let mut context = self.base_context(call.actor);
        for (k, v) in call.extra.iter() {
            context.insert(k, v.clone());
        }
        let request = Request {
            principal: call.actor.arn.clone(),
            action: call.action.to_string(),
            resource: call.resource.clone(),
            resource_account: call.resource_account.clone(),
            context,
        };
        let set = self.policy_set(&call);
        let mut check = Check {
            id: CheckId {
                flow: String::new(),
                step: String::new(),
                action: call.action.to_string(),
                occurrence: 0,
            },
            request,
            decision: Verdict::NotEvaluated,
            reason: None,
            reason_code: "",
            deciding: Vec::new(),
            granted_by: None,
            not_evaluated: None,
            service_rule: None,
            via: call.via,
            policies: PolicySet::default(),
        };
        match self.policies(&set) {
            Err(problem) => {
                check.reason_code = "not_evaluated";
                check.not_evaluated = Some(problem);
            }
            Ok(policies) => {
                let evaluation = keyflow_policy::evaluate(&check.request, &policies);
                check.decision = evaluation.decision.into();
                check.reason_code = evaluation.reason_code;
                check.deciding = evaluation
                    .deciding
                    .iter()
                    .filter_map(|d| {
                        let policy = set.at(d.slot)?;
                        let at = self.policy(policy)?.lines.position(d.span.start);
                        Some(Deciding {
                            policy: policy.clone(),
                            statement: d.statement,
                            sid: d.sid.clone(),
                            effect: d.effect,
                            span: d.span,
                            line: at.line,
                            column: at.column,
                            slot: d.slot,
                        })
                    })
                    .collect();
                check.service_rule = evaluation.service_rule;
                check.reason = Some(evaluation.reason);
            }
        }
        check.policies = set;
        check
    }

    /// Grants only allow: where the policies leave an implicit deny, a matching
    /// grant on a scenario key allows (AWS KMS grants).
    pub fn apply_grants(&self, actor: &Actor, key: &KeyInfo, check: &mut Check) {
        if check.decision != Verdict::ImplicitlyDenied {
            return;
        }
        let Some(k) = self.scenario_key(key) else {
            return;
        };
        let op = check.action().trim_start_matches("kms:");
        for (i, g) in k.grants.iter().enumerate() {
            let grantee_matches = g.grantee == actor.name
                || g.grantee == actor.arn
                || g.grantee == actor.principal_arn;
            let op_matches = g
                .operations
                .iter()
                .any(|o| o.trim_start_matches("kms:").eq_ignore_ascii_case(op));
            let ec_matches = g.encryption_context_subset.iter().all(|(ck, cv)| {
                check
                    .request
                    .context
                    .get(&format!("kms:EncryptionContext:{ck}"))
                    .is_some_and(|v| v.values().iter().any(|x| x == cv))
            });
            if grantee_matches && op_matches && ec_matches {
                check.decision = Verdict::Allowed;
                check.granted_by = Some(GrantRef {
                    key: k.id.clone(),
                    index: i,
                });
                return;
            }
        }
    }

    /// The full trace of a check, from the same request and policies the run used.
    pub fn explain(&self, check: &Check) -> Option<keyflow_policy::Evaluation> {
        let policies = self.policies(&check.policies).ok()?;
        let evaluation = keyflow_policy::explain(&check.request, &policies);
        let same = match check.granted_by {
            Some(_) => evaluation.decision == Decision::ImplicitlyDenied,
            None => Verdict::from(evaluation.decision) == check.decision,
        };
        same.then_some(evaluation)
    }
}
