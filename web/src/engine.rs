//! The page's view of the engine: diagnostics per editor, the explanation of
//! one check, and the scenarios a page starts from. No DOM here; all of it
//! runs natively in tests.

use std::rc::Rc;

use keyflow_sim::edit::EMPTY_POLICY;
use keyflow_sim::{
    Check, FlowParams, FlowSpec, KeyState, NamedPolicy, Parameter, PolicyId, PolicySlot, Principal,
    PrincipalKind, Scenario, Tier,
};

use crate::components::editor::{Mark, Severity};

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
pub fn all_marks(s: &Scenario, data: &keyflow_policy::ServiceData) -> PolicyMarks {
    PolicyMarks(
        s.policy_fields()
            .into_iter()
            .map(|f| (f.id, Rc::new(marks_with(&f.text, f.slot, data))))
            .collect(),
    )
}

/// Marks by policy id. A handful of policies: a list is as fast as a map and smaller in the bundle.
#[derive(Default)]
pub struct PolicyMarks(pub Vec<(PolicyId, Rc<Vec<Mark>>)>);

impl PolicyMarks {
    pub fn get(&self, id: &PolicyId) -> Option<&Rc<Vec<Mark>>> {
        self.0.iter().find(|(i, _)| i == id).map(|(_, m)| m)
    }
}

/// The evaluator's full trace of a check, from the scenario the run used.
pub fn explain(s: &Scenario, check: &Check) -> Option<keyflow_policy::Evaluation> {
    keyflow_sim::explain(s, check)
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
        policies: vec![NamedPolicy {
            name: policy.to_string(),
            document: doc.to_string(),
        }],
        ..Principal::new(name, PrincipalKind::User)
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
            user("App", "AppPolicy", EMPTY_POLICY),
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
        flows: vec![FlowSpec {
            params: FlowParams::SsmSecurestring(keyflow_sim::flows::ssm::Params {
                parameter: "my-secret".into(),
                writer: "Admin".into(),
                readers: vec!["App".into()],
            }),
            id: None,
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
            let missed: Vec<String> = report
                .checks()
                .filter(|c| explain(&s, c).is_none())
                .map(|c| c.id.to_string())
                .collect();
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
}
