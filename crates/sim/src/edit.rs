//! Changes to a scenario, as pure functions: the page's forms, what-ifs and
//! fixes all dispatch these, and they are tested natively.

use crate::flows::{FlowParams, RefKind};
use crate::ids::PolicyId;
use crate::scenario::{
    Behaviour, DigestEncryption, ElbLogWriter, KeyState, NamedPolicy, Principal, PrincipalKind,
    Scenario, Sse, Tier,
};

/// An identity policy that allows nothing yet, as a starting point.
pub const EMPTY_POLICY: &str = "{\n    \"Version\": \"2012-10-17\",\n    \"Statement\": []\n}";

/// `FullAWSAccess`, the SCP every account starts with.
pub const SCP_ALLOW_ALL: &str = "{\n    \"Version\": \"2012-10-17\",\n    \"Statement\": [\n        {\n            \"Effect\": \"Allow\",\n            \"Action\": \"*\",\n            \"Resource\": \"*\"\n        }\n    ]\n}";

/// One change to a scenario, as the page's controls make it.
#[derive(Clone, Debug, PartialEq)]
pub enum Edit {
    Region(String),
    Account(String),
    /// Replace a policy text. A bucket without a policy, or a user or role
    /// without an inline policy of that name, gets one.
    Policy {
        id: PolicyId,
        text: String,
    },
    BucketSse {
        bucket: usize,
        sse: Sse,
    },
    /// `None` = the AWS managed key `aws/s3`.
    BucketKmsKey {
        bucket: usize,
        key: Option<String>,
    },
    BucketKeyEnabled {
        bucket: usize,
        on: bool,
    },
    KeyState {
        key: usize,
        state: KeyState,
    },
    /// `None` = SSE-S3.
    TrailKey {
        trail: usize,
        key: Option<String>,
    },
    ParameterTier {
        parameter: usize,
        tier: Tier,
    },
    /// `None` = `alias/aws/ssm`.
    ParameterKey {
        parameter: usize,
        key: Option<String>,
    },
    AlbDelivery(Behaviour),
    ElbLogWriter(ElbLogWriter),
    DigestEncryption(DigestEncryption),
    BatchCopyBucketKey(Behaviour),
    AddPrincipal {
        kind: PrincipalKind,
    },
    RemovePrincipal(usize),
    RenamePrincipal {
        principal: usize,
        name: String,
    },
    AddIdentityPolicy {
        principal: usize,
    },
    RemoveIdentityPolicy {
        principal: usize,
        policy: usize,
    },
    AddScp,
    RemoveScp(usize),
    /// Principals made from an ARN ([`crate::principals_from_arn`]).
    AddPrincipals(Vec<Principal>),
    RemoveFlow(usize),
    /// Set a flow field that names one principal (`admin`, `reader`, `writer`, `app`, …).
    FlowPrincipal {
        flow: usize,
        field: String,
        principal: String,
    },
    /// Add a principal to, or drop it from, a flow's readers.
    FlowReader {
        flow: usize,
        principal: String,
        on: bool,
    },
}

/// The readers list of a flow, for flows that have one.
fn readers_mut(p: &mut FlowParams) -> Option<&mut Vec<String>> {
    match p {
        FlowParams::CloudtrailSseKms(c) => Some(&mut c.readers),
        FlowParams::SsmSecurestring(c) => Some(&mut c.readers),
        _ => None,
    }
}

/// What keeps a principal from being removed: flow fields that name exactly
/// one principal (a trail's admin, a parameter's writer) and role sessions of
/// the role. Each as words the page can show ("admin of flow `cloudtrail`").
/// Lists of readers and expectations are not in the way: removing drops it
/// from them.
pub fn principal_uses(s: &Scenario, name: &str) -> Vec<String> {
    let mut uses = Vec::new();
    for f in &s.flows {
        for r in f.params.refs() {
            let single = !r.field.ends_with(']');
            if single && r.name == name && matches!(r.kind, RefKind::Principal | RefKind::Role) {
                uses.push(format!("{} of flow `{}`", r.field, f.id()));
            }
        }
    }
    for p in &s.principals {
        if p.kind == PrincipalKind::AssumedRole && p.role.as_deref() == Some(name) {
            uses.push(format!("the role of session principal `{}`", p.name));
        }
    }
    uses
}

/// Applies an edit; false when it refers to something that is not there (the
/// scenario is then unchanged).
pub fn apply(s: &mut Scenario, edit: Edit) -> bool {
    match edit {
        Edit::Region(r) => s.region = r,
        Edit::Account(a) => s.account = a,
        Edit::Policy { id, text } => match s.policy_text_mut(&id) {
            Some(slot) => *slot = text,
            None => return create_policy(s, &id, text),
        },
        // Without SSE-KMS a default has no key and no Bucket Key (as in
        // PutBucketEncryption with AES256), and the scenario format refuses them.
        Edit::BucketSse { bucket, sse } => match s.buckets.get_mut(bucket) {
            Some(b) => {
                b.default_encryption.sse = sse;
                if sse != Sse::Kms {
                    b.default_encryption.key = None;
                    b.default_encryption.bucket_key = false;
                }
            }
            None => return false,
        },
        Edit::BucketKmsKey { bucket, key } => match s.buckets.get_mut(bucket) {
            Some(b) => b.default_encryption.key = key,
            None => return false,
        },
        Edit::BucketKeyEnabled { bucket, on } => match s.buckets.get_mut(bucket) {
            Some(b) => b.default_encryption.bucket_key = on,
            None => return false,
        },
        Edit::KeyState { key, state } => match s.keys.get_mut(key) {
            Some(k) => k.state = state,
            None => return false,
        },
        Edit::TrailKey { trail, key } => match s.trails.get_mut(trail) {
            Some(t) => t.kms_key = key,
            None => return false,
        },
        Edit::ParameterTier { parameter, tier } => match s.parameters.get_mut(parameter) {
            Some(p) => p.tier = tier,
            None => return false,
        },
        Edit::ParameterKey { parameter, key } => match s.parameters.get_mut(parameter) {
            Some(p) => p.key = key,
            None => return false,
        },
        Edit::AlbDelivery(b) => s.settings.alb_delivery = b,
        Edit::ElbLogWriter(w) => s.settings.elb_log_writer = w,
        Edit::DigestEncryption(d) => s.settings.digest_encryption = d,
        Edit::BatchCopyBucketKey(b) => s.settings.batch_copy_bucket_key = b,
        Edit::AddPrincipal { kind } => {
            let name = unique_name(kind.as_str(), |n| s.principals.iter().any(|p| p.name == n));
            let mut p = Principal::new(name, kind);
            if kind == PrincipalKind::Service {
                p.service = Some("example.amazonaws.com".to_string());
            }
            s.principals.push(p);
        }
        Edit::RemovePrincipal(i) => {
            let Some(name) = s.principals.get(i).map(|p| p.name.clone()) else {
                return false;
            };
            if !principal_uses(s, &name).is_empty() {
                return false;
            }
            // Lists and expectations let it go; the scenario stays valid.
            for f in &mut s.flows {
                if let Some(readers) = readers_mut(&mut f.params) {
                    readers.retain(|r| *r != name);
                }
            }
            s.expectations.retain(|e| match e {
                crate::Expectation::Matrix { principal, .. }
                | crate::Expectation::Request { principal, .. } => *principal != name,
                crate::Expectation::Step { .. } => true,
            });
            s.principals.remove(i);
        }
        Edit::RenamePrincipal { principal, name } => return rename_handle(s, principal, &name),
        Edit::AddPrincipals(list) => {
            let taken = |n: &str| s.principals.iter().any(|p| p.name == n);
            let bad = list.iter().enumerate().any(|(i, p)| {
                p.name.is_empty()
                    || p.name.contains(['/', ':'])
                    || taken(&p.name)
                    || list.iter().take(i).any(|q| q.name == p.name)
            });
            if list.is_empty() || bad {
                return false;
            }
            s.principals.extend(list);
        }
        Edit::RemoveFlow(i) => {
            if i >= s.flows.len() {
                return false;
            }
            let id = s.flows.remove(i).id().to_string();
            // Expectations about the flow go with it, or the scenario would not be valid.
            s.expectations.retain(|e| match e {
                crate::Expectation::Step { flow, .. } | crate::Expectation::Matrix { flow, .. } => {
                    *flow != id
                }
                crate::Expectation::Request { .. } => true,
            });
        }
        Edit::FlowPrincipal {
            flow,
            field,
            principal,
        } => {
            let Some(kind) = s
                .principals
                .iter()
                .find(|p| p.name == principal)
                .map(|p| p.kind)
            else {
                return false;
            };
            let Some(f) = s.flows.get_mut(flow) else {
                return false;
            };
            let mut found = false;
            for r in f.params.refs_mut() {
                // A field that takes a role takes nothing else.
                if r.field == field && (r.kind != RefKind::Role || kind == PrincipalKind::Role) {
                    *r.name = principal.clone();
                    found = true;
                }
            }
            if !found {
                return false;
            }
        }
        Edit::FlowReader {
            flow,
            principal,
            on,
        } => {
            if !s.principals.iter().any(|p| p.name == principal) {
                return false;
            }
            let Some(readers) = s
                .flows
                .get_mut(flow)
                .and_then(|f| readers_mut(&mut f.params))
            else {
                return false;
            };
            let has = readers.contains(&principal);
            match (on, has) {
                (true, false) => readers.push(principal),
                (false, true) => readers.retain(|r| *r != principal),
                _ => return false,
            }
        }
        Edit::AddIdentityPolicy { principal } => match s.principals.get_mut(principal) {
            Some(p) => {
                let name = unique_name("policy", |n| p.policies.iter().any(|x| x.name == n));
                p.policies.push(NamedPolicy {
                    name,
                    document: EMPTY_POLICY.to_string(),
                });
            }
            None => return false,
        },
        Edit::RemoveIdentityPolicy { principal, policy } => match s.principals.get_mut(principal) {
            Some(p) if policy < p.policies.len() => {
                p.policies.remove(policy);
            }
            _ => return false,
        },
        Edit::AddScp => {
            let name = unique_name("scp", |n| s.scps.iter().any(|x| x.name == n));
            s.scps.push(NamedPolicy {
                name,
                document: SCP_ALLOW_ALL.to_string(),
            });
        }
        Edit::RemoveScp(i) => {
            if i >= s.scps.len() {
                return false;
            }
            s.scps.remove(i);
        }
    }
    true
}

/// Renames a principal's handle and every field that names it: sessions of a
/// role, grants, flow fields, expectations and the step ids they hold (so
/// its steps stay). Policy texts are not touched: [`crate::rename`] also
/// rewrites the ARNs in them, and shows every change first.
fn rename_handle(s: &mut Scenario, i: usize, name: &str) -> bool {
    let name = name.trim();
    let Some(old) = s.principals.get(i).map(|p| p.name.clone()) else {
        return false;
    };
    if name.is_empty()
        || name.contains(['/', ':'])
        || s.principals.iter().any(|p| p.name == name && p.name != old)
    {
        return false;
    }
    let swap = |x: &mut String| {
        if *x == old {
            *x = name.to_string();
        }
    };
    for p in &mut s.principals {
        swap(&mut p.name);
        if let Some(r) = &mut p.role {
            swap(r);
        }
    }
    for k in &mut s.keys {
        k.grants.iter_mut().for_each(|g| swap(&mut g.grantee));
    }
    for f in &mut s.flows {
        for r in f.params.refs_mut() {
            if matches!(r.kind, RefKind::Principal | RefKind::Role) {
                swap(r.name);
            }
        }
    }
    let suffix = format!(":{old}");
    for e in &mut s.expectations {
        match e {
            crate::Expectation::Step { step, .. } => {
                if let Some(head) = step.strip_suffix(suffix.as_str()) {
                    *step = format!("{head}:{name}");
                }
            }
            crate::Expectation::Matrix { principal, .. }
            | crate::Expectation::Request { principal, .. } => swap(principal),
        }
    }
    true
}

/// Writes a policy the scenario does not hold yet: the policy of a bucket that
/// has none, or a new inline policy of a user or role. False for anything else.
fn create_policy(s: &mut Scenario, id: &PolicyId, text: String) -> bool {
    match id {
        PolicyId::Bucket(name) => match s.buckets.iter_mut().find(|b| &b.name == name) {
            Some(b) if b.policy.is_none() => b.policy = Some(text),
            _ => return false,
        },
        PolicyId::Identity { principal, policy } => {
            match s.principals.iter_mut().find(|p| &p.name == principal) {
                Some(p) if matches!(p.kind, PrincipalKind::User | PrincipalKind::Role) => {
                    p.policies.push(NamedPolicy {
                        name: policy.clone(),
                        document: text,
                    });
                }
                _ => return false,
            }
        }
        _ => return false,
    }
    true
}

/// `base`, `base-2`, `base-3`, … : the first that is not taken.
pub fn unique_name(base: &str, taken: impl Fn(&str) -> bool) -> String {
    (1..)
        .map(|n| {
            if n == 1 {
                base.to_string()
            } else {
                format!("{base}-{n}")
            }
        })
        .find(|n| !taken(n))
        .unwrap_or_else(|| base.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin;

    fn scenario(name: &str) -> Scenario {
        builtin(name).unwrap().scenario().unwrap()
    }

    #[test]
    fn every_policy_id_can_be_written() {
        for b in crate::builtins() {
            let mut s = b.scenario().unwrap();
            for f in s.clone().policy_fields() {
                let text = format!("// {}", f.id);
                assert!(apply(&mut s, Edit::Policy { id: f.id, text }));
            }
            for f in s.policy_fields() {
                assert_eq!(f.text, format!("// {}", f.id));
            }
        }
        let mut s = scenario("ssm-securestring-cmk");
        let before = s.clone();
        let nothing = Edit::Policy {
            id: PolicyId::Key("nope".into()),
            text: "{}".into(),
        };
        assert!(!apply(&mut s, nothing));
        assert_eq!(s, before);
    }

    #[test]
    fn removing_a_principal_keeps_the_scenario_valid() {
        let mut s = scenario("cloudtrail-sse-kms");
        let at = |s: &Scenario, n: &str| s.principals.iter().position(|p| p.name == n).unwrap();
        // A reader goes, with its matrix expectation; the rest still reads and holds.
        let i = at(&s, "developer");
        assert!(apply(&mut s, Edit::RemovePrincipal(i)));
        assert!(s.principals.iter().all(|p| p.name != "developer"));
        assert!(!s.to_json_pretty().contains("\"developer\""));
        assert_eq!(Scenario::from_json(&s.to_json_pretty()), Ok(s.clone()));
        let report = crate::run(&s);
        assert!(report.expectations.iter().all(|e| e.passed));
        // The trail's admin and the role its session assumes stay until the flow lets go.
        let before = s.clone();
        assert_eq!(principal_uses(&s, "User1"), ["admin of flow `cloudtrail`"]);
        let admin = at(&s, "User1");
        assert!(!apply(&mut s, Edit::RemovePrincipal(admin)));
        assert_eq!(
            principal_uses(&s, "Role1"),
            ["the role of session principal `User1`"]
        );
        let role = at(&s, "Role1");
        assert!(!apply(&mut s, Edit::RemovePrincipal(role)));
        assert_eq!(s, before);
    }

    #[test]
    fn renaming_a_principal_keeps_its_steps_and_expectations() {
        let mut s = scenario("cloudtrail-sse-kms");
        let before = crate::run(&s);
        let i = s.principals.iter().position(|p| p.name == "user1").unwrap();
        assert!(apply(
            &mut s,
            Edit::RenamePrincipal {
                principal: i,
                name: "auditor".into()
            }
        ));
        assert_eq!(s.validate(), Ok(()));
        let after = crate::run(&s);
        assert_eq!(before.flows[0].steps.len(), after.flows[0].steps.len());
        assert!(after.flows[0].step("read-log:auditor").is_some());
        assert!(after.expectations_pass(), "{:#?}", after.expectations);
        // Flows, expectations and the scenario stay valid for a share link.
        assert_eq!(Scenario::from_json(&s.to_json_pretty()), Ok(s.clone()));
    }

    #[test]
    fn flow_fields_and_readers_take_scenario_principals() {
        let mut s = scenario("cloudtrail-sse-kms");
        let n = s.flows[0].params.refs().len();
        assert!(apply(
            &mut s,
            Edit::FlowReader {
                flow: 0,
                principal: "CloudTrail".into(),
                on: true
            }
        ));
        assert_eq!(s.flows[0].params.refs().len(), n + 1);
        assert!(!apply(
            &mut s,
            Edit::FlowReader {
                flow: 0,
                principal: "nobody".into(),
                on: true
            }
        ));
        assert!(apply(
            &mut s,
            Edit::FlowPrincipal {
                flow: 0,
                field: "admin".into(),
                principal: "Role1".into()
            }
        ));
        let run = crate::run(&s);
        assert!(run.flows[0].step("read-log:CloudTrail").is_some());
        assert!(apply(&mut s, Edit::RemoveFlow(0)));
        assert!(s.flows.is_empty());
        assert!(
            s.expectations.is_empty(),
            "the flow's expectations go with it"
        );
        assert_eq!(s.validate(), Ok(()));
    }

    #[test]
    fn a_policy_edit_creates_a_missing_bucket_or_inline_policy() {
        let mut s = scenario("ssm-securestring-cmk");
        s.buckets.push(crate::scenario::Bucket::new("fresh"));
        let bucket = PolicyId::Bucket("fresh".into());
        assert!(apply(
            &mut s,
            Edit::Policy {
                id: bucket.clone(),
                text: "{}".into()
            }
        ));
        assert_eq!(s.policy_text(&bucket), Some("{}"));
        let user = s.principals[0].name.clone();
        let inline = PolicyId::Identity {
            principal: user,
            policy: "new-inline".into(),
        };
        assert!(apply(
            &mut s,
            Edit::Policy {
                id: inline.clone(),
                text: EMPTY_POLICY.into()
            }
        ));
        assert_eq!(s.policy_text(&inline), Some(EMPTY_POLICY));
        let nobody = PolicyId::Identity {
            principal: "nobody".into(),
            policy: "p".into(),
        };
        assert!(!apply(
            &mut s,
            Edit::Policy {
                id: nobody,
                text: "{}".into()
            }
        ));
    }

    #[test]
    fn settings_edits() {
        let mut s = scenario("alb-logs-cmk");
        assert!(apply(
            &mut s,
            Edit::BucketSse {
                bucket: 0,
                sse: Sse::S3
            }
        ));
        assert_eq!(s.buckets[0].default_encryption.sse, Sse::S3);
        // The scenario still reads back (a key is only written with SSE-KMS).
        assert_eq!(Scenario::from_json(&s.to_json_pretty()), Ok(s.clone()));
        assert!(!apply(
            &mut s,
            Edit::BucketSse {
                bucket: 9,
                sse: Sse::S3
            }
        ));
        assert!(apply(
            &mut s,
            Edit::KeyState {
                key: 0,
                state: KeyState::Disabled
            }
        ));
        assert_eq!(s.keys[0].state, KeyState::Disabled);
        let n = s.principals.len();
        assert!(apply(
            &mut s,
            Edit::AddPrincipal {
                kind: PrincipalKind::User
            }
        ));
        assert!(apply(
            &mut s,
            Edit::AddPrincipal {
                kind: PrincipalKind::User
            }
        ));
        assert_eq!(s.principals[n].name, "user");
        assert_eq!(s.principals[n + 1].name, "user-2");
        assert!(!apply(
            &mut s,
            Edit::RenamePrincipal {
                principal: n + 1,
                name: "user".into()
            }
        ));
        assert!(!apply(
            &mut s,
            Edit::RenamePrincipal {
                principal: n + 1,
                name: "a/b".into()
            }
        ));
        assert!(apply(&mut s, Edit::AddIdentityPolicy { principal: n }));
        assert!(s.policy_fields().iter().any(|f| f.id
            == PolicyId::Identity {
                principal: "user".into(),
                policy: "policy".into()
            }));
        assert!(apply(&mut s, Edit::RemovePrincipal(n)));
        assert!(apply(&mut s, Edit::AddScp));
        assert!(
            s.policy_fields()
                .iter()
                .any(|f| f.id == PolicyId::Scp("scp".into()))
        );
        assert!(apply(&mut s, Edit::AlbDelivery(Behaviour::Documented)));
        assert_eq!(s.settings.alb_delivery, Behaviour::Documented);
    }
}
