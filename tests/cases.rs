//! Runs request/decision cases through the library: the public AWS-documented cases
//! (from `../shared`, or the copy in `tests/corpus/cases/`) and Keyflow's own corpus
//! in `tests/corpus/policy/*.json`. Every case must agree with its expected decision.

use std::path::PathBuf;

use keyflow_policy::cases::{Case, parse_cases};
use keyflow_policy::{Decision, LineIndex, explain};

fn load(path: &PathBuf) -> Vec<Case> {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    parse_cases(&text).unwrap_or_else(|e| {
        let p = LineIndex::new(&text).position(e.span.start);
        panic!("{}:{}:{}: {}", path.display(), p.line, p.column, e.message)
    })
}

/// Evaluates every case; returns the names of disagreeing cases.
fn disagreements(cases: &[Case]) -> Vec<String> {
    let mut bad = Vec::new();
    for case in cases {
        let fast = case.evaluate();
        let traced = explain(&case.request, &case.policies());
        assert_eq!(
            fast.decision, traced.decision,
            "{}: evaluate and explain differ",
            case.name
        );
        assert_eq!(fast.deciding, traced.deciding, "{}", case.name);
        if fast.decision == Decision::ExplicitlyDenied {
            assert!(
                !fast.deciding.is_empty(),
                "{}: an explicit deny names its statements",
                case.name
            );
        }
        assert_eq!(fast.service_rule, traced.service_rule, "{}", case.name);
        if !case.agrees(&fast) {
            let rule = |r: Option<keyflow_policy::ServiceRule>| r.map_or("none", |r| r.code());
            bad.push(format!(
                "{}: expected {} (service rule {}), got {} (service rule {}) ({})",
                case.name,
                case.expected,
                rule(case.expected_service_rule),
                fast.decision,
                rule(fast.service_rule),
                fast.reason
            ));
        }
    }
    bad
}

fn public_cases_path() -> PathBuf {
    match keyflow_acceptance::shared_dir() {
        Some(dir) if dir.join("cases/public.json").is_file() => dir.join("cases/public.json"),
        _ => keyflow_acceptance::repo_root().join("tests/corpus/cases/public.json"),
    }
}

#[test]
fn public_cases_all_agree() {
    let cases = load(&public_cases_path());
    assert!(
        cases.len() >= 76,
        "expected the 76 public cases, found {}",
        cases.len()
    );
    let bad = disagreements(&cases);
    assert!(
        bad.is_empty(),
        "{} disagreements:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn corpus_copy_matches_shared_when_present() {
    let copy = keyflow_acceptance::repo_root().join("tests/corpus/cases/public.json");
    let copy_cases = load(&copy);
    assert!(disagreements(&copy_cases).is_empty());
    if let Some(dir) = keyflow_acceptance::shared_dir() {
        let shared = load(&dir.join("cases/public.json"));
        let names = |cs: &[Case]| cs.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(&copy_cases),
            names(&shared),
            "tests/corpus/cases/public.json is stale"
        );
    }
}

#[test]
fn own_corpus_all_agree() {
    let dir = keyflow_acceptance::repo_root().join("tests/corpus/policy");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut total = 0;
    let mut decisions = std::collections::HashSet::new();
    let mut bad = Vec::new();
    for f in &files {
        let cases = load(f);
        total += cases.len();
        decisions.extend(cases.iter().map(|c| c.expected));
        bad.extend(
            disagreements(&cases)
                .into_iter()
                .map(|b| format!("{}: {b}", f.display())),
        );
    }
    assert!(
        total >= 60,
        "the corpus should hold at least 60 cases, found {total}"
    );
    assert_eq!(decisions.len(), 3, "the corpus covers all three decisions");
    assert!(
        bad.is_empty(),
        "{} disagreements:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn corpus_policies_parse_cleanly() {
    // Documents in the corpus are valid AWS policies, except where a case is about an invalid one.
    let dir = keyflow_acceptance::repo_root().join("tests/corpus/policy");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        for case in load(&path) {
            for parsed in case.all_policies() {
                assert!(parsed.is_valid(), "{}: {:?}", case.name, parsed.diagnostics);
            }
        }
    }
}
