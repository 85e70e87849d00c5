//! The page's view of the engine: diagnostics per editor, the explanation of
//! one check, and the scenarios a page starts from. No DOM here; all of it
//! runs natively in tests.

use std::rc::Rc;

use keyflow_policy::LineIndex;
use keyflow_sim::edit::EMPTY_POLICY;
use keyflow_sim::{
    Check, FlowParams, FlowSpec, KeyState, NamedPolicy, Parameter, PolicyId, PolicySlot, Principal,
    PrincipalKind, Scenario, Tier,
};

use crate::components::editor::{Mark, Severity};

/// Parse findings of one policy text (what AWS would refuse), as editor marks:
/// what the page shows before the tools module with the linter has arrived.
pub fn marks(text: &str, slot: PolicySlot) -> Vec<Mark> {
    let parsed = keyflow_policy::parse(text, slot.kind());
    let index = LineIndex::new(text);
    let mut out: Vec<Mark> = parsed
        .diagnostics
        .into_iter()
        .map(|d| {
            let at = index.position(d.span.start);
            Mark {
                range: d.span.start as usize..d.span.end as usize,
                severity: mark_severity(d.severity.as_str()),
                code: d.code.to_string(),
                message: d.message,
                help: d.help,
                line: at.line,
                column: at.column,
            }
        })
        .collect();
    out.sort_by_key(|m| m.range.start);
    out
}

fn mark_severity(severity: &str) -> Severity {
    match severity {
        "error" => Severity::Error,
        "security-warning" | "warning" => Severity::Warning,
        _ => Severity::Info,
    }
}

/// Marks from the tools module's `lintPolicy` answer (parse findings and lints,
/// already positioned); `None` when the answer cannot be read.
pub fn marks_from_tools(json: &str) -> Option<Vec<Mark>> {
    let value = keyflow_json::parse(json).ok()?;
    if value.get("type")?.as_str()? != "success" {
        return None;
    }
    let number = |v: &keyflow_json::Value<'_>, key: &str| -> Option<u32> {
        match &v.get(key)?.kind {
            keyflow_json::Kind::Number(n) => n.parse().ok(),
            _ => None,
        }
    };
    let mut out = Vec::new();
    for f in value.get("findings")?.as_array()? {
        let span = f.get("span")?;
        let (start, end) = (number(span, "start")?, number(span, "end")?);
        out.push(Mark {
            range: start as usize..end as usize,
            severity: mark_severity(f.get("severity")?.as_str()?),
            code: f.get("code")?.as_str()?.to_string(),
            message: f.get("message")?.as_str()?.to_string(),
            help: f.get("help").and_then(|h| h.as_str()).map(str::to_string),
            line: number(f, "line")?,
            column: number(f, "column")?,
        });
    }
    Some(out)
}

/// Marks for every policy of the scenario, in `policy_fields` order.
pub fn all_marks(
    s: &Scenario,
    lint: impl Fn(&str, PolicySlot) -> Option<Vec<Mark>>,
) -> PolicyMarks {
    PolicyMarks(
        s.policy_fields()
            .into_iter()
            .map(|f| {
                let marks = lint(&f.text, f.slot).unwrap_or_else(|| marks(&f.text, f.slot));
                (f.id, Rc::new(marks))
            })
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
    fn the_tools_modules_findings_become_marks() {
        let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\n    \"Effect\": \"Allow\",\n    \"Action\": \"kms:Decrypt\",\n    \"Resource\": \"*\",\n    \"Condition\": {\"StringEqual\": {\"aws:username\": \"x\"}}\n  }]\n}";
        let kind = keyflow_policy::PolicyKind::Identity;
        let data = keyflow_policy::ServiceData::none();
        let found = keyflow_policy::positioned(keyflow_policy::lint_text(text, kind, data), text);
        let json = serde_json::json!({ "type": "success", "findings": found }).to_string();
        let m = marks_from_tools(&json).unwrap();
        let unknown = m.iter().find(|m| m.code == "KF101").unwrap();
        assert_eq!((unknown.line, unknown.severity), (7, Severity::Error));
        assert_eq!(&text[unknown.range.clone()], "\"StringEqual\"");
        assert_eq!(marks_from_tools(r#"{"type":"failure","error":"x"}"#), None);
        assert_eq!(marks_from_tools("not json"), None);
    }

    #[test]
    fn a_parse_error_is_marked_before_the_tools_module_arrives() {
        // A missing comma after "Effect": AWS refuses the document; the page says where.
        let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\n    \"Effect\": \"Allow\"\n    \"Action\": \"kms:Decrypt\",\n    \"Resource\": \"*\"\n  }]\n}";
        let m = marks(text, PolicySlot::Identity);
        assert!(
            m.iter()
                .any(|m| m.line == 5 && m.severity == Severity::Error),
            "{m:?}"
        );
    }
}
