//! The page's view of the engine: runs, diagnostics per editor, explanations
//! of a single check, and the what-if changes the compare view offers. No DOM
//! here; all of it runs natively in tests.

use std::rc::Rc;

use keyflow_policy::{Decision, Evaluation, Policies, PolicyRef, Request};
use keyflow_sim::{
    Behaviour, Check, FlowSpec, KeyState, NamedPolicy, Parameter, PolicySlot, Principal,
    PrincipalKind, Report, Scenario, Sse, Tier,
};

use crate::components::editor::{Mark, Severity};
use crate::state::{Edit, apply};

/// Parse and lint findings of one policy text, as editor marks, before the AWS
/// service table has arrived (checks that need it are skipped).
pub fn marks(text: &str, slot: PolicySlot) -> Vec<Mark> {
    marks_with(text, slot, keyflow_policy::ServiceData::none())
}

/// [`marks`] with the given service data: once the page has fetched
/// `aws-iam-data.txt` and decoded it with `ServiceData::from_bytes`, pass it here.
pub fn marks_with(text: &str, slot: PolicySlot, data: &keyflow_policy::ServiceData) -> Vec<Mark> {
    // Sorted by position already; each finding is positioned in constant time.
    let found = keyflow_policy::lint_text(text, slot.kind(), data);
    let mut out: Vec<Mark> = keyflow_policy::positioned(found, text)
        .into_iter()
        .map(|d| Mark {
            range: d.span.start as usize..d.span.end as usize,
            severity: match d.severity {
                keyflow_policy::Severity::Error => Severity::Error,
                keyflow_policy::Severity::SecurityWarning | keyflow_policy::Severity::Warning => {
                    Severity::Warning
                }
                keyflow_policy::Severity::Suggestion => Severity::Info,
            },
            code: d.code.to_string(),
            message: d.message,
            help: d.help,
            line: d.line,
            column: d.column,
        })
        .collect();
    out.dedup();
    out
}

/// Marks for every policy of the scenario, in `policy_fields` order.
pub fn all_marks(s: &Scenario) -> PolicyMarks {
    PolicyMarks(
        s.policy_fields()
            .into_iter()
            .map(|f| (f.id, Rc::new(marks(&f.text, f.slot))))
            .collect(),
    )
}

/// Marks by policy id. A handful of policies: a list is as fast as a map and smaller in the bundle.
#[derive(Default)]
pub struct PolicyMarks(pub Vec<(String, Rc<Vec<Mark>>)>);

impl PolicyMarks {
    pub fn get(&self, id: &str) -> Option<&Rc<Vec<Mark>>> {
        self.0.iter().find(|(i, _)| i == id).map(|(_, m)| m)
    }
}

/// The text behind a policy id: scenario fields, or the AWS managed key
/// policies the simulator generates. `None` for texts the page cannot see.
pub fn policy_text(s: &Scenario, id: &str) -> Option<(String, PolicySlot, bool)> {
    if let Some(f) = s.policy_fields().into_iter().find(|f| f.id == id) {
        return Some((f.text, f.slot, true));
    }
    let service = id.strip_prefix("key:aws/")?;
    Some((
        keyflow_sim::managed_key_policy(service, &s.account, &s.region),
        PolicySlot::Key,
        false,
    ))
}

/// The account owning a check's resource, as the simulator sets it: S3 ARNs
/// carry none, so it is the bucket's; other ARNs name theirs.
fn resource_account(s: &Scenario, check: &Check) -> Option<String> {
    if let Some(rest) = check.resource.strip_prefix("arn:aws:s3:::") {
        let bucket = rest.split('/').next().unwrap_or(rest);
        let b = s.buckets.iter().find(|b| b.name == bucket);
        return Some(
            b.and_then(|b| b.account.clone())
                .unwrap_or_else(|| s.account.clone()),
        );
    }
    let has_account = check
        .resource
        .split(':')
        .nth(4)
        .is_some_and(|a| !a.is_empty());
    if has_account {
        None
    } else {
        check
            .context
            .get("aws:PrincipalAccount")
            .and_then(|v| v.first().cloned())
    }
}

/// A check explained in full: the evaluator's trace, re-run on the same
/// request and policies. `None` when a policy it used is not visible here or
/// the re-run disagrees (then the page shows the run's own summary only).
pub fn explain(s: &Scenario, report: &Report, check: &Check) -> Option<Evaluation> {
    let mut loaded: Vec<(String, PolicySlot, keyflow_policy::Policy)> = Vec::new();
    for id in &check.policies {
        let (text, slot, _) = policy_text(s, id)?;
        let slot = report.policy(id).map_or(slot, |p| p.slot);
        let parsed = keyflow_policy::parse(&text, slot.kind());
        loaded.push((id.clone(), slot, parsed.policy));
    }
    let mut policies = Policies::default();
    for (id, slot, policy) in &loaded {
        let r = PolicyRef::new(id, policy);
        match slot {
            PolicySlot::Identity => policies.identity.push(r),
            PolicySlot::Key | PolicySlot::Bucket | PolicySlot::Trust => policies.resource = Some(r),
            PolicySlot::PermissionBoundary => policies.permission_boundary = Some(r),
            PolicySlot::Scp => policies.scps.push(r),
        }
    }
    let mut request = Request::new(&check.principal, &check.action, &check.resource);
    request.resource_account = resource_account(s, check);
    for (k, v) in &check.context {
        if v.len() == 1 {
            request
                .context
                .insert(k.clone(), v.first().cloned().unwrap_or_default());
        } else {
            request.context.insert(k.clone(), v.clone());
        }
    }
    let evaluation = keyflow_policy::explain(&request, &policies);
    (Decision::parse(&check.decision) == Some(evaluation.decision)).then_some(evaluation)
}

/// A change the compare view can try on a copy of the scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct WhatIf {
    pub label: String,
    pub edits: Vec<Edit>,
}

/// The changes worth comparing for this scenario, most telling first.
pub fn what_ifs(s: &Scenario) -> Vec<WhatIf> {
    let mut out = Vec::new();
    let flow_key = s.flows.iter().find_map(|f| match f {
        FlowSpec::AlbAccessLogs { key, .. } | FlowSpec::S3EncryptInUse { key, .. } => {
            Some(key.clone())
        }
        _ => None,
    });
    for (i, b) in s.buckets.iter().enumerate() {
        let enc = &b.default_encryption;
        match enc.sse {
            Sse::Kms => out.push(WhatIf {
                label: format!("Bucket {}: default encryption SSE-KMS → SSE-S3", b.name),
                edits: vec![Edit::BucketSse {
                    bucket: i,
                    sse: Sse::S3,
                }],
            }),
            _ => out.push(WhatIf {
                label: format!(
                    "Bucket {}: default encryption {} → SSE-KMS ({})",
                    b.name,
                    enc.sse.as_str(),
                    flow_key
                        .as_deref()
                        .or(enc.key.as_deref())
                        .unwrap_or("aws/s3")
                ),
                edits: vec![
                    Edit::BucketSse {
                        bucket: i,
                        sse: Sse::Kms,
                    },
                    Edit::BucketKmsKey {
                        bucket: i,
                        key: flow_key.clone().or_else(|| enc.key.clone()),
                    },
                ],
            }),
        }
        out.push(WhatIf {
            label: format!(
                "Bucket {}: Bucket Key {}",
                b.name,
                if enc.bucket_key {
                    "on → off"
                } else {
                    "off → on"
                }
            ),
            edits: vec![Edit::BucketKeyEnabled {
                bucket: i,
                on: !enc.bucket_key,
            }],
        });
    }
    if s.flows
        .iter()
        .any(|f| matches!(f, FlowSpec::AlbAccessLogs { .. }))
    {
        let (now, then, to) = match s.settings.alb_delivery {
            Behaviour::Observed => ("observed", "documented", Behaviour::Documented),
            Behaviour::Documented => ("documented", "observed", Behaviour::Observed),
        };
        out.push(WhatIf {
            label: format!("ALB log delivery after the key switch: {now} → {then} behaviour"),
            edits: vec![Edit::AlbDelivery(to)],
        });
    }
    for (i, k) in s.keys.iter().enumerate() {
        let (label, state) = match k.state {
            KeyState::Enabled => ("Enabled → Disabled", KeyState::Disabled),
            _ => ("→ Enabled", KeyState::Enabled),
        };
        out.push(WhatIf {
            label: format!("Key {}: {label}", k.aliases.first().unwrap_or(&k.id)),
            edits: vec![Edit::KeyState { key: i, state }],
        });
    }
    for (i, t) in s.trails.iter().enumerate() {
        let edit = match &t.kms_key {
            Some(_) => ("SSE-KMS → SSE-S3".to_string(), None),
            None => match s.keys.first() {
                Some(k) => (format!("SSE-S3 → SSE-KMS ({})", k.id), Some(k.id.clone())),
                None => continue,
            },
        };
        out.push(WhatIf {
            label: format!("Trail {}: {}", t.name, edit.0),
            edits: vec![Edit::TrailKey {
                trail: i,
                key: edit.1,
            }],
        });
    }
    for (i, p) in s.parameters.iter().enumerate() {
        let (label, tier) = match p.tier {
            Tier::Standard => ("Standard → Advanced", Tier::Advanced),
            Tier::Advanced => ("Advanced → Standard", Tier::Standard),
        };
        out.push(WhatIf {
            label: format!("Parameter {}: tier {label}", p.name),
            edits: vec![Edit::ParameterTier { parameter: i, tier }],
        });
    }
    // The ALB story is about the behaviour switch; put it first there.
    if let Some(pos) = out
        .iter()
        .position(|w| w.label.starts_with("ALB log delivery"))
    {
        let w = out.remove(pos);
        out.insert(0, w);
    }
    out
}

/// The scenario with a what-if applied.
pub fn with_change(s: &Scenario, change: &WhatIf) -> Scenario {
    let mut copy = s.clone();
    for e in &change.edits {
        apply(&mut copy, e.clone());
    }
    copy
}

const DEFAULT_KEY_POLICY: &str = r#"{
    "Version": "2012-10-17",
    "Id": "key-default-1",
    "Statement": [
        {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {
                "AWS": "arn:aws:iam::111122223333:root"
            },
            "Action": "kms:*",
            "Resource": "*"
        }
    ]
}"#;

const ADMIN_POLICY: &str = r#"{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "*",
            "Resource": "*"
        }
    ]
}"#;

/// "Start blank": one key with the default key policy, an administrator, an
/// application with no permissions yet, and an SSM SecureString flow to try
/// them on.
pub fn blank() -> Scenario {
    let user = |name: &str, policy: &str, doc: &str| Principal {
        name: name.to_string(),
        kind: PrincipalKind::User,
        account: None,
        role: None,
        session: None,
        service: None,
        policies: vec![NamedPolicy {
            name: policy.to_string(),
            document: doc.to_string(),
        }],
        permission_boundary: None,
        trust_policy: None,
    };
    Scenario {
        name: "blank".into(),
        title: "Blank scenario".into(),
        description: "A key with the default key policy, an administrator and an application without permissions."
            .into(),
        account: "111122223333".into(),
        region: "us-east-1".into(),
        settings: Default::default(),
        principals: vec![
            user("Admin", "AdministratorAccess", ADMIN_POLICY),
            user("App", "AppPolicy", crate::state::EMPTY_POLICY),
        ],
        keys: vec![keyflow_sim::Key {
            id: "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e".into(),
            account: None,
            description: String::new(),
            aliases: vec!["alias/my-key".into()],
            policy: DEFAULT_KEY_POLICY.into(),
            state: KeyState::Enabled,
            grants: Vec::new(),
        }],
        buckets: Vec::new(),
        load_balancers: Vec::new(),
        trails: Vec::new(),
        parameters: vec![Parameter {
            name: "my-secret".into(),
            kind: Default::default(),
            key: Some("alias/my-key".into()),
            tier: Tier::Standard,
            value: "s3cr3t".into(),
        }],
        scps: Vec::new(),
        flows: vec![FlowSpec::SsmSecurestring {
            id: None,
            parameter: "my-secret".into(),
            writer: "Admin".into(),
            readers: vec!["App".into()],
        }],
        expectations: Vec::new(),
    }
}

/// The scenario a page opens with when it has nothing else.
pub fn default_scenario() -> Scenario {
    keyflow_sim::builtins()
        .iter()
        .find_map(|b| b.scenario().ok())
        .unwrap_or_else(blank)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_runs_and_every_check_explains_the_same_way() {
        for b in keyflow_sim::builtins() {
            let s = b.scenario().unwrap();
            let report = keyflow_sim::run(&s);
            let mut missed = Vec::new();
            for f in &report.flows {
                let matrix = f.matrix.iter().flat_map(|r| r.checks.iter());
                for c in f.steps.iter().flat_map(|s| s.checks.iter()).chain(matrix) {
                    // Only the stand-in IAM of AWS-owned accounts is invisible to the page.
                    if explain(&s, &report, c).is_none()
                        && !c.policies.iter().any(|p| p.starts_with("aws-owned:"))
                    {
                        missed.push(format!("{} {} {}", c.principal, c.action, c.resource));
                    }
                }
            }
            assert!(missed.is_empty(), "{}: {missed:#?}", b.name);
        }
    }

    #[test]
    fn blank_is_a_valid_scenario_with_a_flow() {
        let s = blank();
        let json = s.to_canonical_json();
        let back = Scenario::from_canonical_json(&json).unwrap();
        assert_eq!(back.flows.len(), 1);
        let report = keyflow_sim::run(&s);
        assert_eq!(report.flows.len(), 1);
        assert!(!report.flows[0].steps.is_empty());
    }

    #[test]
    fn misspelled_operator_is_marked_on_its_line() {
        let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\n    \"Effect\": \"Allow\",\n    \"Action\": \"kms:Decrypt\",\n    \"Resource\": \"*\",\n    \"Condition\": {\"StringEqual\": {\"aws:username\": \"x\"}}\n  }]\n}";
        let m = marks(text, PolicySlot::Identity);
        assert!(
            m.iter()
                .any(|m| m.line == 7 && m.severity == Severity::Error),
            "{m:?}"
        );
    }

    #[test]
    fn what_ifs_apply() {
        for b in keyflow_sim::builtins() {
            let s = b.scenario().unwrap();
            for w in what_ifs(&s) {
                let changed = with_change(&s, &w);
                assert_ne!(changed, s, "{}", w.label);
            }
        }
    }
}
