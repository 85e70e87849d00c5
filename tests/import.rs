//! `keyflow import`: every fixture of `tests/corpus/import/` against its reviewed
//! golden scenario and findings, the scenarios read back by the simulator, and the
//! two end-to-end flows the import issue asks for.
//!
//! Regenerate goldens with `KEYFLOW_BLESS=1 cargo test --test import` and review the diff.

use std::path::{Path, PathBuf};

use keyflow_import::{ImportOptions, Imported, Severity, Source};
use keyflow_sim::{Report, Scenario};

fn corpus() -> PathBuf {
    keyflow_acceptance::repo_root().join("tests/corpus/import")
}

fn read(name: &str) -> String {
    std::fs::read_to_string(corpus().join(name)).expect("fixture")
}

fn options(account: Option<&str>, region: Option<&str>) -> ImportOptions {
    ImportOptions {
        account: account.map(str::to_string),
        region: region.map(str::to_string),
    }
}

fn import(files: &[&str], opts: &ImportOptions) -> Imported {
    let texts: Vec<String> = files.iter().map(|f| read(f)).collect();
    let sources: Vec<Source<'_>> = files
        .iter()
        .zip(&texts)
        .map(|(name, text)| Source { name, text })
        .collect();
    keyflow_import::import(&sources, opts)
}

fn findings_text(i: &Imported) -> String {
    i.findings.iter().map(|f| format!("{f}\n")).collect()
}

fn golden(path: &Path, actual: &str) {
    if std::env::var_os("KEYFLOW_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
        std::fs::write(path, actual).expect("write golden");
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|_| {
        panic!(
            "missing golden {} (KEYFLOW_BLESS=1 writes it)",
            path.display()
        )
    });
    assert_eq!(
        actual,
        expected,
        "{} differs from the import",
        path.display()
    );
}

/// Imports, compares with the goldens, reads the scenario back and runs it.
fn check_fixture(name: &str, files: &[&str], opts: &ImportOptions) -> (Scenario, Report, Imported) {
    let imported = import(files, opts);
    let dir = corpus().join("golden");
    golden(
        &dir.join(format!("{name}.scenario.json")),
        &format!("{}\n", imported.scenario),
    );
    golden(
        &dir.join(format!("{name}.findings.txt")),
        &findings_text(&imported),
    );
    let scenario = Scenario::from_json(&imported.scenario)
        .unwrap_or_else(|e| panic!("{name}: the simulator refuses the scenario: {e}"));
    let report = keyflow_sim::run(&scenario);
    for f in &report.flows {
        assert!(!f.steps.is_empty(), "{name}: flow {} has no steps", f.id);
    }
    (scenario, report, imported)
}

fn step<'r>(report: &'r Report, flow: &str, id: &str) -> &'r keyflow_sim::Step {
    report
        .flows
        .iter()
        .find(|f| f.id == flow)
        .unwrap_or_else(|| panic!("no flow {flow}"))
        .steps
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("no step {id} in {flow}"))
}

#[test]
fn cloudformation_key_alias_bucket_policy_and_trail_run_the_cloudtrail_flow() {
    let (scenario, report, imported) = check_fixture(
        "cfn-cloudtrail-kms",
        &["cfn-cloudtrail-kms.yaml"],
        &options(Some("111122223333"), Some("eu-west-1")),
    );
    assert!(!imported.has_errors());
    // The alias resolved to the key, the trail and the bucket default name that key.
    let key = &scenario.keys[0];
    assert_eq!(key.aliases, ["alias/cloudtrail-logs"]);
    let trail = &scenario.trails[0];
    assert_eq!(trail.name, "management-events");
    assert_eq!(trail.kms_key.as_deref(), Some(key.id.as_str()));
    let bucket = scenario
        .buckets
        .iter()
        .find(|b| b.name == trail.bucket)
        .expect("trail bucket");
    assert!(
        bucket
            .policy
            .as_deref()
            .is_some_and(|p| p.contains("AWSCloudTrailWrite"))
    );
    assert!(bucket.default_encryption.bucket_key);
    // !GetAtt LogReader.Arn in the key policy is the user's ARN; ${!aws:username} survived.
    assert!(
        key.policy
            .contains("arn:aws:iam::111122223333:user/log-reader")
    );
    let reader = scenario
        .principals
        .iter()
        .find(|p| p.name == "log-reader")
        .expect("reader");
    assert!(
        reader.policies[0]
            .document
            .contains("/home/${aws:username}/*")
    );

    let flow = report
        .flows
        .iter()
        .find(|f| f.id == "cloudtrail")
        .expect("cloudtrail flow");
    let ids: Vec<&str> = flow.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "update-trail",
            "deliver-log-file",
            "deliver-digest-file",
            "read-log:log-reader"
        ]
    );
    // update-trail fails: the bucket uses an S3 Bucket Key, and current CloudTrail docs
    // require kms:Decrypt for CloudTrail then, which this key policy does not grant.
    let update = step(&report, "cloudtrail", "update-trail");
    let error = update.error.as_ref().expect("update-trail fails");
    assert_eq!(error.code, "InsufficientEncryptionPolicyException");
    let denied = update
        .checks
        .iter()
        .find(|c| !c.allowed())
        .expect("a denied check");
    assert_eq!(
        (denied.principal(), denied.action()),
        ("cloudtrail.amazonaws.com", "kms:Decrypt")
    );
    // Delivery under the trail's key and reading by the key user work.
    assert!(
        step(&report, "cloudtrail", "deliver-log-file")
            .error
            .is_none()
    );
    assert!(
        step(&report, "cloudtrail", "read-log:log-reader")
            .error
            .is_none()
    );
}

#[test]
fn terraform_key_role_and_securestring_run_the_ssm_flow_for_the_role() {
    let (scenario, report, imported) = check_fixture(
        "tf-plan-ssm-securestring",
        &["tf-plan-ssm-securestring.json"],
        &ImportOptions::default(),
    );
    assert!(!imported.has_errors());
    // Account and Region come from the plan's data sources and provider configuration.
    assert_eq!(
        (scenario.account.as_str(), scenario.region.as_str()),
        ("111122223333", "eu-west-1")
    );
    let param = &scenario.parameters[0];
    assert_eq!(param.name, "/prod/app/db-password");
    // key_id is unknown until apply; its reference leads to the plan's key.
    assert_eq!(param.key.as_deref(), Some(scenario.keys[0].id.as_str()));
    assert_eq!(scenario.keys[0].aliases, ["alias/prod-app-params"]);
    let flow = report
        .flows
        .iter()
        .find(|f| f.id == "ssm")
        .expect("ssm flow");
    assert_eq!(flow.steps[0].id, "put-parameter");
    assert!(flow.steps[0].error.is_none(), "{:?}", flow.steps[0].error);
    let read = step(&report, "ssm", "get-parameters-with-decryption:app-server");
    assert!(read.error.is_none(), "{:?}", read.error);
    assert!(
        read.checks
            .iter()
            .any(|c| c.action() == "kms:Decrypt" && c.allowed())
    );
    // The AWS managed policy's text is not in the plan: a placeholder and a finding.
    assert!(imported.findings.iter().any(|f| {
        f.severity == Severity::Warning
            && f.message
                .contains("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore")
    }));
}

#[test]
fn cdk_trail_without_a_key_imports_with_placeholders() {
    let (scenario, report, imported) = check_fixture(
        "cdk-cloudtrail-defaults",
        &["cdk-cloudtrail-defaults.template.json"],
        &ImportOptions::default(),
    );
    // No account or Region: the documented example account and a placeholder Region, said so.
    assert_eq!(scenario.account, "123456789012");
    assert!(
        imported
            .findings
            .iter()
            .any(|f| f.message.contains("using 123456789012"))
    );
    assert!(
        imported
            .findings
            .iter()
            .any(|f| f.message.contains("no Region given"))
    );
    // A trail without a key gives no CloudTrail SSE-KMS flow.
    assert!(report.flows.is_empty());
    assert_eq!(scenario.trails[0].kms_key, None);
}

#[test]
fn cdk_load_balancer_with_access_logs_runs_the_alb_flow() {
    let (_, report, _) = check_fixture(
        "cdk-alb-access-logs",
        &["cdk-alb-access-logs.template.json"],
        &options(Some("111122223333"), Some("us-west-2")),
    );
    let flow = report
        .flows
        .iter()
        .find(|f| f.id == "alb")
        .expect("alb flow");
    assert_eq!(flow.steps[0].id, "enable-access-logs");
}

#[test]
fn import_value_and_parameters_without_defaults_are_placeholders_with_positions() {
    let (scenario, _, imported) = check_fixture(
        "cfn-doc-trail-importvalue",
        &["cfn-doc-trail-importvalue.yaml"],
        &options(Some("111122223333"), Some("eu-west-1")),
    );
    let trail = &scenario.trails[0];
    assert_eq!(trail.name, "UNRESOLVED-Parameter-TrailName");
    assert_eq!(trail.bucket, "UNRESOLVED-Parameter-BucketName");
    assert_eq!(
        trail.kms_key.as_deref(),
        Some("UNRESOLVED-ImportValue-TrailKeyTest")
    );
    let f = imported
        .findings
        .iter()
        .find(|f| f.message.contains("Fn::ImportValue TrailKeyTest"))
        .expect("finding");
    // `KMSKeyId:` is on line 30; the Fn::ImportValue mapping starts on line 31.
    assert_eq!((f.line, f.column), (31, 9), "{f}");
}

#[test]
fn a_broken_template_is_a_positioned_error_and_the_other_files_still_import() {
    let (scenario, _, imported) = check_fixture(
        "bad-and-good",
        &[
            "cfn-doc-trail-bad-indentation.yaml",
            "tf-plan-ssm-securestring.json",
        ],
        &ImportOptions::default(),
    );
    assert!(imported.has_errors());
    let e = imported
        .findings
        .iter()
        .find(|f| f.severity == Severity::Error)
        .expect("error");
    assert_eq!(e.file, "cfn-doc-trail-bad-indentation.yaml");
    // `  Resources:` is line 9 of the file (after the 3-line origin header).
    assert_eq!((e.line, e.column), (9, 3), "{e}");
    assert!(e.message.starts_with("not valid YAML"), "{e}");
    assert_eq!(scenario.parameters.len(), 1);
}

#[test]
fn authorization_details_with_url_encoded_documents() {
    let (scenario, _, imported) = check_fixture(
        "iam-authorization-details",
        &["iam-authorization-details.json"],
        &options(None, Some("us-east-1")),
    );
    assert_eq!(scenario.account, "123456789012");
    let bob = scenario
        .principals
        .iter()
        .find(|p| p.name == "Bob")
        .expect("Bob");
    let docs: Vec<&str> = bob.policies.iter().map(|p| p.document.as_str()).collect();
    assert!(
        docs.iter().any(|d| d.contains("\"ssm:GetParameters\"")),
        "{docs:?}"
    );
    assert!(
        docs.iter()
            .any(|d| d.contains("\"cloudtrail:UpdateTrail\"")),
        "{docs:?}"
    );
    let alice = scenario
        .principals
        .iter()
        .find(|p| p.name == "Alice")
        .expect("Alice");
    assert_eq!(alice.policies[0].name, "Admins/AdminRoot");
    assert!(
        imported
            .findings
            .iter()
            .any(|f| f.message.contains("AmazonS3FullAccess"))
    );
}

#[test]
fn a_template_and_authorization_details_merge_into_one_world() {
    // The template's trail, the account's users: Alice (group Admins) may update trails.
    let imported = import(
        &["cfn-cloudtrail-kms.yaml", "iam-authorization-details.json"],
        &options(Some("123456789012"), Some("eu-west-1")),
    );
    let scenario = Scenario::from_json(&imported.scenario).expect("scenario");
    let params = scenario
        .flows
        .iter()
        .find_map(|f| match &f.params {
            keyflow_sim::FlowParams::CloudtrailSseKms(p) => Some(p),
            _ => None,
        })
        .expect("flow");
    assert_eq!(params.admin, "Alice");
}

#[test]
fn lint_unwraps_cli_output_and_points_into_the_original_file() {
    let o = keyflow_acceptance::keyflow(&[
        "lint",
        "tests/corpus/import/kms-get-key-policy-output.json",
    ])
    .expect("the keyflow binary runs");
    assert_eq!(o.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&o.stdout);
    let line = stdout
        .lines()
        .find(|l| l.contains("[KF101]"))
        .unwrap_or_else(|| panic!("{stdout}"));
    // Line 2, at the escaped quote that opens "StringEqual" inside the JSON string.
    let original = read("kms-get-key-policy-output.json");
    let column: usize = line
        .split(':')
        .nth(2)
        .and_then(|c| c.parse().ok())
        .expect("column");
    assert!(
        line.starts_with("tests/corpus/import/kms-get-key-policy-output.json:2:"),
        "{line}"
    );
    let text_line = original.lines().nth(1).expect("line 2");
    assert!(
        text_line[column - 1..].starts_with("\\\"StringEqual"),
        "{line}"
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("unwrapped from `aws kms get-key-policy` output"),
        "{stderr}"
    );
}

#[test]
fn every_fixture_is_listed_in_the_readme() {
    let readme = read("README.md");
    for entry in std::fs::read_dir(corpus()).expect("corpus") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".json") || name.ends_with(".yaml") {
            assert!(
                readme.contains(&format!("`{name}`")),
                "{name} has no origin in README.md"
            );
        }
    }
}

#[test]
fn the_cli_prints_the_scenario_and_findings() {
    let o = keyflow_acceptance::keyflow(&[
        "import",
        "tests/corpus/import/cfn-cloudtrail-kms.yaml",
        "--account",
        "111122223333",
        "--region",
        "eu-west-1",
    ])
    .expect("the keyflow binary runs");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    Scenario::from_json(&stdout).expect("stdout is a scenario");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.lines().any(
            |l| l.starts_with("tests/corpus/import/cfn-cloudtrail-kms.yaml:")
                && l.contains(": note: ")
        ),
        "{stderr}"
    );
    // --json wraps scenario and findings; a broken file exits 1 but prints what it could.
    let o = keyflow_acceptance::keyflow(&[
        "import",
        "--json",
        "tests/corpus/import/cfn-doc-trail-bad-indentation.yaml",
        "tests/corpus/import/tf-plan-ssm-securestring.json",
    ])
    .expect("the keyflow binary runs");
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(
        v["scenario"]["parameters"][0]["name"],
        "/prod/app/db-password"
    );
    assert!(
        v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["severity"] == "error")
    );
    // The written scenario runs with --check.
    let path = std::env::temp_dir().join(format!("keyflow-import-{}.json", std::process::id()));
    std::fs::write(&path, &*stdout).expect("write");
    let o = keyflow_acceptance::keyflow(&["run", path.to_str().expect("utf-8"), "--check"])
        .expect("the keyflow binary runs");
    let _ = std::fs::remove_file(&path);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}
