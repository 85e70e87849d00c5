//! Fixture tests for the checks: each `tests/lint_fixtures/NAME.KIND.json` is
//! linted (parse errors included) with the full AWS service table, and every
//! finding — `LINE:COLUMN SEVERITY CODE` plus the help when there is one — must
//! equal `NAME.KIND.expected` line for line. `KEYFLOW_BLESS_FIXTURES=1` writes the
//! expected files from the current output (then review them by hand).

use keyflow_policy::{PolicyKind, ServiceData, lint_text, positioned};
use std::path::Path;

fn data() -> &'static ServiceData {
    static DATA: std::sync::OnceLock<ServiceData> = std::sync::OnceLock::new();
    DATA.get_or_init(|| {
        ServiceData::from_bytes(include_bytes!("../data/aws-iam-data.txt"))
            .unwrap_or_else(|_| ServiceData::empty())
    })
}

fn render(text: &str, kind: PolicyKind) -> String {
    let mut out = String::new();
    for d in positioned(lint_text(text, kind, data()), text) {
        out.push_str(&format!(
            "{}:{} {} {}",
            d.line, d.column, d.severity, d.code
        ));
        if let Some(h) = &d.help {
            out.push_str(&format!(" | {h}"));
        }
        out.push('\n');
    }
    out
}

#[test]
fn every_fixture_reports_exactly_its_expected_findings() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lint_fixtures");
    let bless = std::env::var_os("KEYFLOW_BLESS_FIXTURES").is_some();
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixture directory")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    entries.sort();
    assert!(entries.len() >= 25, "only {} fixtures", entries.len());
    let mut failures = Vec::new();
    for path in entries {
        let name = path.file_stem().and_then(|s| s.to_str()).expect("name");
        let kind_name = name.rsplit('.').next().expect("NAME.KIND.json");
        let kind = PolicyKind::from_name(kind_name).expect("known kind");
        let text = std::fs::read_to_string(&path).expect("reads");
        let got = render(&text, kind);
        let expected_path = path.with_extension("expected");
        if bless {
            std::fs::write(&expected_path, &got).expect("writes");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if got != expected {
            failures.push(format!("{name}:\n--- expected\n{expected}--- got\n{got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
