//! The JavaScript boundary over the Keyflow engine: for Node runners and other
//! JS hosts, and, built for the browser, the page's tools module (the linter
//! with the AWS service table, the importer, fix suggestions, the access view),
//! which the page loads after first paint.
//!
//! Every export takes and returns plain data and never throws for bad input:
//! answers are tagged JSON (`{"type":"success",…}` or `{"type":"failure","error":…}`);
//! the `CaseSet` handle, kept for timing runs, reports a bad file through `error()`.

use keyflow_policy::cases::{Case, parse_cases};
use keyflow_policy::{PolicyKind, ServiceData, lint_text, positioned};
use wasm_bindgen::prelude::*;

/// Engine version, as shown by the playground and the CLI.
#[wasm_bindgen]
pub fn version() -> String {
    keyflow_policy::VERSION.to_owned()
}

/// A cases file read once, so a host can time evaluation without parsing.
#[wasm_bindgen]
pub struct CaseSet {
    cases: Vec<Case>,
    error: Option<String>,
}

#[wasm_bindgen]
impl CaseSet {
    /// Reads a JSON array in the shared case format; see `error()` if it was malformed.
    #[wasm_bindgen(constructor)]
    pub fn new(json: &str) -> CaseSet {
        match parse_cases(json) {
            Ok(cases) => CaseSet { cases, error: None },
            Err(e) => CaseSet {
                cases: Vec::new(),
                error: Some(e.to_string()),
            },
        }
    }

    pub fn error(&self) -> Option<String> {
        self.error.clone()
    }

    pub fn len(&self) -> usize {
        self.cases.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cases.is_empty()
    }

    pub fn name(&self, index: usize) -> Option<String> {
        self.cases.get(index).map(|c| c.name.clone())
    }

    /// The decision for case `index` (`Allowed`, `ImplicitlyDenied`, `ExplicitlyDenied`).
    pub fn evaluate(&self, index: usize) -> Option<String> {
        self.cases
            .get(index)
            .map(|c| c.evaluate().decision.to_string())
    }
}

/// Decides one case given as a JSON object: `{"type":"success","decision":…,
/// "service_rule":…}` or `{"type":"failure","error":…}`.
#[wasm_bindgen(js_name = decideCaseJson)]
pub fn decide_case_json(json: &str) -> String {
    let answer = match parse_cases(&format!("[{json}]")) {
        Ok(cases) => match cases.first() {
            Some(c) => {
                let e = c.evaluate();
                serde_json::json!({
                    "type": "success",
                    "decision": e.decision,
                    "service_rule": e.service_rule,
                })
            }
            None => serde_json::json!({ "type": "failure", "error": "no case" }),
        },
        Err(e) => serde_json::json!({ "type": "failure", "error": e.to_string() }),
    };
    answer.to_string()
}

/// Decides every case of a cases file, parsing included:
/// `{"type":"success","decisions":[…]}` or `{"type":"failure","error":…}`.
#[wasm_bindgen(js_name = decideCasesJson)]
pub fn decide_cases_json(json: &str) -> String {
    let answer = match parse_cases(json) {
        Ok(cases) => {
            let decisions: Vec<_> = cases.iter().map(|c| c.evaluate().decision).collect();
            serde_json::json!({ "type": "success", "decisions": decisions })
        }
        Err(e) => serde_json::json!({ "type": "failure", "error": e.to_string() }),
    };
    answer.to_string()
}

/// Parse errors and lints of one policy (with the full AWS service table), as JSON:
/// `{"type":"success","findings":[…]}`, each finding the fields of
/// `keyflow_policy::PositionedDiagnostic` (`code`, `severity`, `message`, `help`,
/// `url`, `span`, `line`, `column`, `end_line`, `end_column`, `utf16_start`,
/// `utf16_end`). `kind` is a short kind name (`key`, `bucket`, `identity`, …) or
/// empty to guess from the content. Linting cannot fail.
#[wasm_bindgen(js_name = lintPolicy)]
pub fn lint_policy(text: &str, kind: &str) -> String {
    let kind = PolicyKind::from_name(kind).unwrap_or_else(|| PolicyKind::guess(text));
    let findings = positioned(lint_text(text, kind, ServiceData::full()), text);
    serde_json::json!({ "type": "success", "findings": findings }).to_string()
}

/// Runs a scenario (JSON, or a share link) and returns the report as JSON:
/// `{"type":"success","report":…}` or `{"type":"failure","error":…}`.
#[wasm_bindgen(js_name = runScenario)]
pub fn run_scenario(input: &str) -> String {
    match scenario(input) {
        Ok(s) => {
            serde_json::json!({ "type": "success", "report": keyflow_sim::run(&s) }).to_string()
        }
        Err(e) => failure(e),
    }
}

/// Reads a scenario given as JSON or as a share link.
fn scenario(input: &str) -> Result<keyflow_sim::Scenario, String> {
    if keyflow_share::looks_like_link(input) {
        keyflow_share::decode(input).map_err(|e| e.to_string())
    } else {
        keyflow_sim::Scenario::from_json(input).map_err(|e| e.to_string())
    }
}

fn failure(error: impl std::fmt::Display) -> String {
    serde_json::json!({ "type": "failure", "error": error.to_string() }).to_string()
}

/// Unwraps pasted CLI output (`aws kms get-key-policy`, …), URL-encoded and YAML
/// policies: `{"type":"success","unwrapped":null}` when there is nothing to take
/// off, else `{"text", "description"}`.
#[wasm_bindgen(js_name = unwrapPolicy)]
pub fn unwrap_policy(text: &str) -> String {
    let unwrapped = keyflow_import::unwrap_policy(text)
        .map(|u| serde_json::json!({ "text": u.text, "description": u.describe() }));
    serde_json::json!({ "type": "success", "unwrapped": unwrapped }).to_string()
}

/// Imports CloudFormation/CDK templates, Terraform plans and authorization
/// details. `files` is `[{"name", "text"}, …]`; `account` and `region` may be
/// empty. Answers `{"type":"success","scenario": JSON text,"findings":[…]}`.
#[wasm_bindgen(js_name = importScenario)]
pub fn import_scenario(files: &str, account: &str, region: &str) -> String {
    let value = match keyflow_json::parse(files) {
        Ok(v) => v,
        Err(e) => return failure(format!("files: {}", e.kind)),
    };
    let Some(items) = value.as_array() else {
        return failure("files: expected an array of {name, text}");
    };
    let mut named = Vec::new();
    for item in items {
        let (Some(name), Some(text)) = (
            item.get("name").and_then(|v| v.as_str()),
            item.get("text").and_then(|v| v.as_str()),
        ) else {
            return failure("files: every file needs a name and a text");
        };
        named.push((name.to_string(), text.to_string()));
    }
    let sources: Vec<keyflow_import::Source<'_>> = named
        .iter()
        .map(|(name, text)| keyflow_import::Source { name, text })
        .collect();
    let options = keyflow_import::ImportOptions {
        account: (!account.is_empty()).then(|| account.to_string()),
        region: (!region.is_empty()).then(|| region.to_string()),
    };
    let imported = keyflow_import::import(&sources, &options);
    serde_json::json!({
        "type": "success",
        "scenario": imported.scenario,
        "findings": imported.findings,
    })
    .to_string()
}

/// The repairs Keyflow can verify for one failing step:
/// `{"type":"success","fix": StepFix|null, "scenarios":[one scenario per candidate]}`,
/// each scenario (canonical JSON) with that candidate applied, ready to load.
#[wasm_bindgen(js_name = fixStep)]
pub fn fix_step(scenario_input: &str, flow: &str, step: &str) -> String {
    let s = match scenario(scenario_input) {
        Ok(s) => s,
        Err(e) => return failure(e),
    };
    let fix = keyflow_sim::fix_step(&s, flow, step);
    let scenarios: Vec<String> = fix
        .iter()
        .flat_map(|f| f.candidates.iter())
        .map(|c| c.apply_to(&s).to_canonical_json())
        .collect();
    serde_json::json!({ "type": "success", "fix": fix, "scenarios": scenarios }).to_string()
}

/// Who can do what with every key and bucket of the scenario:
/// `{"type":"success","cells":[AccessCell, …]}`.
#[wasm_bindgen(js_name = accessView)]
pub fn access_view(scenario_input: &str) -> String {
    match scenario(scenario_input) {
        Ok(s) => serde_json::json!({
            "type": "success",
            "cells": keyflow_sim::access_view(&s),
        })
        .to_string(),
        Err(e) => failure(e),
    }
}

/// What a PutKeyPolicy by `caller` with `new_policy` would do to key `key`:
/// AWS's lockout check and Keyflow's own warning (`LockoutReport`).
#[wasm_bindgen(js_name = putKeyPolicy)]
pub fn put_key_policy(scenario_input: &str, key: &str, caller: &str, new_policy: &str) -> String {
    let s = match scenario(scenario_input) {
        Ok(s) => s,
        Err(e) => return failure(e),
    };
    match keyflow_sim::put_key_policy(&s, key, caller, new_policy) {
        Ok(report) => serde_json::json!({ "type": "success", "report": report }).to_string(),
        Err(e) => failure(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CASE: &str = r#"{"name":"n","expected":"Allowed","request":{"principal":"arn:aws:iam::111122223333:user/a","action":"s3:GetObject","resource":"arn:aws:s3:::b/k","resource_account":"111122223333","context":{}},
        "identity_policies":[{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}],"resource_policy":null,"scps":[]}"#;

    #[test]
    fn decides_a_case_and_reports_bad_input_as_a_value() {
        let v: serde_json::Value = serde_json::from_str(&decide_case_json(CASE)).unwrap();
        assert_eq!(
            (v["type"].as_str(), v["decision"].as_str()),
            (Some("success"), Some("Allowed"))
        );
        let v: serde_json::Value = serde_json::from_str(&decide_case_json("{")).unwrap();
        assert_eq!(v["type"], "failure");
        assert!(v["error"].is_string());
        let v: serde_json::Value = serde_json::from_str(&decide_cases_json(&format!(
            "[{CASE},{}]",
            CASE.replace("\"name\":\"n\"", "\"name\":\"m\"")
        )))
        .unwrap();
        assert_eq!(v["decisions"], serde_json::json!(["Allowed", "Allowed"]));
        let set = CaseSet::new(&format!("[{CASE}]"));
        assert_eq!(set.error(), None);
        assert_eq!(set.evaluate(0).as_deref(), Some("Allowed"));
        assert_eq!(set.evaluate(1), None);
        assert!(CaseSet::new("{}").error().is_some());
    }

    #[test]
    fn lint_reports_positions_and_run_reports_failures_as_values() {
        let text = "{\"Version\":\"2012-10-17\",\n\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\",\n\"Condition\":{\"StringEqual\":{\"aws:SourceAccount\":\"1\"}}}}";
        let found: serde_json::Value =
            serde_json::from_str(&lint_policy(text, "identity")).unwrap();
        assert_eq!(found["type"], "success");
        let unknown = found["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == "KF101")
            .unwrap();
        assert_eq!(unknown["line"], 3);
        assert_eq!(unknown["column"], 14);
        assert_eq!(
            unknown["utf16_start"],
            text.find("\"StringEqual\"").unwrap()
        );
        assert!(
            unknown["url"]
                .as_str()
                .unwrap()
                .starts_with("https://docs.aws.amazon.com/")
        );
        let bad: serde_json::Value = serde_json::from_str(&run_scenario("{")).unwrap();
        assert_eq!(bad["type"], "failure");
        let builtin = keyflow_sim::builtins().first().unwrap();
        let good: serde_json::Value = serde_json::from_str(&run_scenario(builtin.json)).unwrap();
        assert_eq!(good["type"], "success");
        assert!(
            good["report"]["flows"]
                .as_array()
                .is_some_and(|f| !f.is_empty())
        );
    }

    fn answer(json: &str) -> serde_json::Value {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn the_tools_exports_answer_with_tagged_json() {
        // aws kms get-key-policy output, as pasted.
        let pasted = r#"{"Policy": "{\"Version\":\"2012-10-17\",\"Statement\":[]}", "PolicyName": "default"}"#;
        let v = answer(&unwrap_policy(pasted));
        assert!(
            v["unwrapped"]["description"]
                .as_str()
                .unwrap()
                .contains("get-key-policy")
        );
        assert_eq!(
            answer(&unwrap_policy("{}"))["unwrapped"],
            serde_json::Value::Null
        );

        let template = "Resources:\n  K:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Version: '2012-10-17'\n        Statement:\n          - Effect: Allow\n            Principal: {AWS: !Sub 'arn:aws:iam::${AWS::AccountId}:root'}\n            Action: 'kms:*'\n            Resource: '*'\n";
        let files = serde_json::json!([{ "name": "t.yaml", "text": template }]).to_string();
        let v = answer(&import_scenario(&files, "111122223333", "eu-west-1"));
        assert_eq!(v["type"], "success");
        let imported = keyflow_sim::Scenario::from_json(v["scenario"].as_str().unwrap()).unwrap();
        assert_eq!(imported.keys.len(), 1);
        assert_eq!(answer(&import_scenario("{", "", ""))["type"], "failure");

        let builtin = keyflow_sim::builtin("ssm-securestring-cmk").unwrap().json;
        let v = answer(&access_view(builtin));
        assert!(v["cells"].as_array().is_some_and(|c| !c.is_empty()));
        // A failing step no expectation expects to fail gets verified candidates.
        let mut s = keyflow_sim::Scenario::from_json(builtin).unwrap();
        s.expectations.clear();
        let v = answer(&fix_step(
            &s.to_json_pretty(),
            "ssm",
            "get-parameters-with-decryption:Intern",
        ));
        let candidates = v["fix"]["candidates"].as_array().unwrap();
        assert!(!candidates.is_empty());
        let fixed = keyflow_sim::Scenario::from_canonical_json(v["scenarios"][0].as_str().unwrap())
            .unwrap();
        let report = keyflow_sim::run(&fixed);
        let step = report
            .flow("ssm")
            .unwrap()
            .step("get-parameters-with-decryption:Intern")
            .unwrap();
        assert!(step.is_ok());

        let key = &s.keys[0];
        let v = answer(&put_key_policy(
            builtin,
            &key.id,
            "Admin",
            "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:user/KeyUser\"},\"Action\":\"kms:Decrypt\",\"Resource\":\"*\"}]}",
        ));
        assert_eq!(v["type"], "success");
        assert!(
            v["report"]["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("will not allow you to update the key policy"))
        );
    }
}
