//! A test-only flow: what adding a flow takes. This module and its line in
//! `registry!` are all of it; reading, validation, serde, renames and the run
//! follow from `FlowDef`.

use keyflow_policy::Context;

use super::calls::{kms_call, step};
use super::{FieldRefMut, FlowDef, FlowRun, RefKind};
use crate::report::NoteKind;
use crate::scenario::ScenarioError;
use crate::scenario::json::Obj;
use crate::sources::{self, Source};
use crate::world::World;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Params {
    pub caller: String,
    pub key: String,
}

impl Params {
    pub(crate) fn read(o: &mut Obj<'_>) -> Result<Self, ScenarioError> {
        Ok(Params {
            caller: o.req_str("caller")?,
            key: o.req_str("key")?,
        })
    }
}

impl FlowDef for Params {
    fn default_id(&self) -> &'static str {
        "probe"
    }

    fn title(&self, _w: &World<'_>) -> String {
        "A principal describes a key".into()
    }

    fn sources(&self) -> Vec<Source> {
        vec![Source::Doc(&sources::KMS_CONDITION_KEYS)]
    }

    fn refs_mut(&mut self) -> Vec<FieldRefMut<'_>> {
        vec![
            FieldRefMut::new("caller", RefKind::Principal, &mut self.caller),
            FieldRefMut::new("key", RefKind::Key, &mut self.key),
        ]
    }

    fn run(&self, w: &World<'_>, flow: &mut FlowRun) {
        let (Some(caller), Some(key)) = (w.actor(&self.caller), w.key(&self.key)) else {
            return;
        };
        let mut s = step(
            "describe-key",
            format!("{} describes {}", caller.name, key.label()),
            &caller.name,
            "kms:DescribeKey",
        );
        if s.push(kms_call(w, &caller, "kms:DescribeKey", key, None, &[], Context::new())) {
            s.result = key.arn.clone();
        } else {
            s.deny("AccessDeniedException");
        }
        s.note(
            NoteKind::Note,
            "A direct KMS request: the key policy decides, with IAM where it delegates.",
            Source::Doc(&sources::KMS_CONDITION_KEYS),
        );
        flow.push(s);
    }
}

#[cfg(test)]
mod tests {
    use crate::{FlowKind, Named, Outcome, Scenario, run};

    const SCENARIO: &str = r#"{
        "account": "111122223333", "region": "us-east-1",
        "principals": [{"name": "Alice", "type": "user"}],
        "keys": [{"id": "k1", "aliases": ["alias/k"], "policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:user/Alice\"},\"Action\":\"kms:DescribeKey\",\"Resource\":\"*\"}]}"}],
        "flows": [{"flow": "probe", "caller": "Alice", "key": "alias/k"}],
        "expectations": [{"expect": "step", "flow": "probe", "step": "describe-key", "outcome": "ok"}]
    }"#;

    #[test]
    fn a_flow_module_and_its_registry_line_are_enough() {
        assert!(FlowKind::NAMES.contains(&"probe"));
        let s = Scenario::from_json(SCENARIO).unwrap();
        let r = run(&s);
        let flow = r.flow("probe").unwrap();
        assert_eq!(flow.steps[0].outcome, Outcome::Ok);
        assert!(r.expectations_pass());
        // Validation comes from the refs: an unknown caller is an error at its path.
        let bad = SCENARIO.replace("\"caller\": \"Alice\"", "\"caller\": \"Bob\"");
        let e = Scenario::from_json(&bad).unwrap_err();
        assert_eq!(e.to_string(), "flows[0].caller: unknown principal \"Bob\"");
        // It writes and reads back like every flow.
        assert_eq!(Scenario::from_json(&s.to_json_pretty()).unwrap(), s);
    }
}
