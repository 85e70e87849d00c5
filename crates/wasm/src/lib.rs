//! The JavaScript boundary over the Keyflow engine, for Node runners and other
//! JS hosts (the playground itself links the engine crates directly).
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
    let scenario = if keyflow_share::looks_like_link(input) {
        keyflow_share::decode(input).map_err(|e| e.to_string())
    } else {
        keyflow_sim::Scenario::from_json(input).map_err(|e| e.to_string())
    };
    let answer = match scenario {
        Ok(s) => serde_json::json!({ "type": "success", "report": keyflow_sim::run(&s) }),
        Err(error) => serde_json::json!({ "type": "failure", "error": error }),
    };
    answer.to_string()
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
}
