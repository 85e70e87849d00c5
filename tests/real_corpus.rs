//! The real-policy corpus in `tests/corpus/real/`: AWS managed policies, AWS
//! documentation examples, aws-samples data-perimeter and SCP/RCP examples, the
//! built-in scenarios' key and bucket policies — each with its origin in
//! `corpus.json`. Every finding the linter reports on them is judged one by one
//! in `findings.json` (true or false positive, with a note). This test fails when
//!
//! - a document that is valid gets an error,
//! - the linter reports a finding the table does not judge (a new finding, maybe
//!   a new false positive), or the table judges one it no longer reports,
//! - more than 2 % of the findings are judged false positives.
//!
//! `KEYFLOW_BLESS_CORPUS=1 cargo test --test real_corpus` appends every new
//! finding to `findings.json` with the verdict `unjudged` and drops stale ones; the
//! test keeps failing until each new entry is judged by hand.

use keyflow_policy::{
    PolicyKind, PositionedDiagnostic, ServiceData, Severity, lint_text, positioned,
};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

fn dir() -> std::path::PathBuf {
    keyflow_acceptance::repo_root().join("tests/corpus/real")
}

/// (file, code, line, column, severity): one finding, as the table keys it.
type Key = (String, String, u32, u32, String);

fn key_of(file: &str, d: &PositionedDiagnostic) -> Key {
    (
        file.to_owned(),
        d.code.to_string(),
        d.line,
        d.column,
        d.severity.to_string(),
    )
}

fn read_json(name: &str) -> Value {
    let text = std::fs::read_to_string(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn real_policies_lint_as_judged() {
    let manifest = read_json("corpus.json");
    let docs = manifest.as_array().expect("corpus.json is an array");
    assert!(docs.len() >= 100, "only {} documents", docs.len());
    let mut kinds = BTreeSet::new();
    let data = ServiceData::full();
    let mut found: BTreeMap<Key, String> = BTreeMap::new();
    let mut problems = Vec::new();
    for doc in docs {
        let file = doc["file"].as_str().expect("file");
        let kind_name = doc["kind"].as_str().expect("kind");
        let kind = PolicyKind::from_name(kind_name).expect("known kind");
        kinds.insert(kind_name.to_owned());
        assert!(
            doc["origin"].as_str().is_some_and(|o| o.len() > 20),
            "{file}: no origin"
        );
        let text =
            std::fs::read_to_string(dir().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let findings = positioned(lint_text(&text, kind, data), &text);
        let invalid = doc.get("invalid").and_then(Value::as_str);
        let errors: Vec<&PositionedDiagnostic> = findings
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        match invalid {
            None if !errors.is_empty() => problems.push(format!(
                "{file}: a valid document gets errors: {}",
                errors
                    .iter()
                    .map(|d| format!("{} {}:{} {}", d.code, d.line, d.column, d.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
            Some(_) if errors.is_empty() => problems.push(format!(
                "{file}: marked invalid in corpus.json, but no error is reported"
            )),
            _ => {}
        }
        for d in &findings {
            found.insert(key_of(file, d), d.message.clone());
        }
    }
    for kind in [
        "identity", "key", "bucket", "trust", "scp", "rcp", "boundary",
    ] {
        assert!(kinds.contains(kind), "no {kind} policy in the corpus");
    }

    let table = read_json("findings.json");
    let entries = table.as_array().expect("findings.json is an array");
    let mut judged: BTreeMap<Key, (String, Value)> = BTreeMap::new();
    for e in entries {
        let key: Key = (
            e["file"].as_str().unwrap_or("").to_owned(),
            e["code"].as_str().unwrap_or("").to_owned(),
            e["line"].as_u64().unwrap_or(0) as u32,
            e["column"].as_u64().unwrap_or(0) as u32,
            e["severity"].as_str().unwrap_or("").to_owned(),
        );
        let verdict = e["verdict"].as_str().unwrap_or("").to_owned();
        judged.insert(key, (verdict, e.clone()));
    }

    if std::env::var_os("KEYFLOW_BLESS_CORPUS").is_some() {
        let mut out: Vec<Value> = Vec::new();
        for (key, message) in &found {
            match judged.get(key) {
                Some((_, e)) => out.push(e.clone()),
                None => out.push(json!({
                    "file": key.0, "code": key.1, "line": key.2, "column": key.3,
                    "severity": key.4, "verdict": "unjudged", "message": message, "note": ""
                })),
            }
        }
        let text = serde_json::to_string_pretty(&out).expect("serializes") + "\n";
        std::fs::write(dir().join("findings.json"), text).expect("writes findings.json");
    }

    for (key, message) in &found {
        match judged.get(key).map(|(v, _)| v.as_str()) {
            Some("true-positive" | "false-positive") => {}
            Some(other) => {
                problems.push(format!("{key:?}: verdict `{other}`; judge it: {message}"))
            }
            None => problems.push(format!(
                "{key:?}: new finding, not judged in findings.json: {message}"
            )),
        }
    }
    for key in judged.keys() {
        if !found.contains_key(key) {
            problems.push(format!(
                "{key:?}: judged in findings.json but no longer reported"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    let total = found.len();
    let false_positives = judged
        .values()
        .filter(|(v, _)| v == "false-positive")
        .count();
    let rate = false_positives as f64 / total.max(1) as f64;
    println!(
        "real corpus: {} documents, {total} findings, {false_positives} false positives ({:.2} %)",
        docs.len(),
        rate * 100.0
    );
    assert!(
        rate < 0.02,
        "{false_positives} of {total} findings are false positives"
    );
}
