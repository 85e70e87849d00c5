//! Whole worlds: CloudFormation/CDK templates, Terraform plans and IAM
//! authorization details into one scenario.
//!
//! Every file is read on its own (a file that cannot be read gives one positioned
//! error and the others still import), into one [`model::World`]; the world is
//! then tied together (aliases to keys, policies to buckets and principals), the
//! flows its resources imply are added, and the scenario is written as JSON.

mod access;
mod authz;
mod cfn;
mod flows;
mod model;
mod tf;
mod util;

use std::fmt;

use serde::Serialize;

use crate::node::Node;
use crate::pos::position;

/// One input file.
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    /// Shown in findings (`file:line:column`); its stem also stands for the stack name.
    pub name: &'a str,
    pub text: &'a str,
}

/// Choices the input cannot carry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// The home account (12 digits); otherwise found in the input or a placeholder.
    pub account: Option<String>,
    /// The Region; otherwise found in the input or a placeholder.
    pub region: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The file (or a part of it) could not be read.
    Error,
    /// Something was guessed, left as a placeholder, or skipped.
    Warning,
    /// Something the user should know but that changes nothing.
    Note,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        })
    }
}

/// Something the importer could not do exactly, at its place in an input file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub severity: Severity,
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.file, self.line, self.column, self.severity, self.message
        )
    }
}

/// What a text is, as far as the importer can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputKind {
    /// A CloudFormation or CDK-synthesized template (JSON or YAML).
    CloudFormation,
    /// `terraform show -json` of a plan (or of a state).
    TerraformPlan,
    /// `aws iam get-account-authorization-details` output.
    AuthorizationDetails,
    /// Not something the importer reads (a policy, or unknown).
    Unknown,
}

/// The result: the scenario and what the user should check.
#[derive(Clone, Debug, PartialEq)]
pub struct Imported {
    /// The scenario as pretty JSON (the format `keyflow run` reads).
    pub scenario: String,
    pub findings: Vec<Finding>,
}

impl Imported {
    /// True when some input could not be read at all (or only in part).
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }
}

/// A parsed input file and where its findings go.
pub(crate) struct FileCtx<'a> {
    pub name: &'a str,
    pub text: &'a str,
    pub findings: &'a mut Vec<Finding>,
}

impl FileCtx<'_> {
    pub fn finding(&mut self, at: u32, severity: Severity, message: impl Into<String>) {
        let p = position(self.text, at as usize);
        self.findings.push(Finding {
            file: self.name.to_string(),
            line: p.line,
            column: p.column,
            severity,
            message: message.into(),
        });
    }

    pub fn warn(&mut self, at: u32, message: impl Into<String>) {
        self.finding(at, Severity::Warning, message);
    }

    pub fn note(&mut self, at: u32, message: impl Into<String>) {
        self.finding(at, Severity::Note, message);
    }
}

/// Parses JSON (with positions) or YAML into a [`Node`], or a positioned error.
fn parse_document(text: &str) -> Result<Node, (u32, String)> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let options = keyflow_json::Options { max_depth: 128 };
        return match keyflow_json::parse_with(text, options) {
            Ok(v) => Ok(crate::node::from_json(&v, 0)),
            Err(e) => Err((e.span.start, format!("not valid JSON: {}", e.kind))),
        };
    }
    crate::yaml::parse(text).map_err(|e| (e.offset, format!("not valid YAML: {}", e.message)))
}

fn kind_of(root: &Node) -> InputKind {
    if root.get("Resources").is_some() || root.get("AWSTemplateFormatVersion").is_some() {
        InputKind::CloudFormation
    } else if root.get("format_version").is_some()
        && (root.get("planned_values").is_some()
            || root.get("resource_changes").is_some()
            || root.get("values").is_some())
    {
        InputKind::TerraformPlan
    } else if root.get("UserDetailList").is_some()
        || root.get("RoleDetailList").is_some()
        || root.get("GroupDetailList").is_some()
        || root.get("Policies").is_some_and(|p| p.as_seq().is_some())
    {
        InputKind::AuthorizationDetails
    } else {
        InputKind::Unknown
    }
}

/// What `text` is (without importing it).
pub fn detect_kind(text: &str) -> InputKind {
    parse_document(text).map_or(InputKind::Unknown, |n| kind_of(&n))
}

/// Imports every source into one scenario. Never fails: what cannot be read is a
/// finding (an error for unreadable files, a warning for guesses and placeholders).
pub fn import(sources: &[Source<'_>], options: &ImportOptions) -> Imported {
    let mut findings = Vec::new();
    let mut parsed: Vec<(Source<'_>, Node, InputKind)> = Vec::new();
    for s in sources {
        let mut ctx = FileCtx {
            name: s.name,
            text: s.text,
            findings: &mut findings,
        };
        match parse_document(s.text) {
            Ok(root) => {
                let kind = kind_of(&root);
                if kind == InputKind::Unknown {
                    let what = if crate::unwrap_policy(s.text).is_some()
                        || root.get("Statement").is_some()
                    {
                        "a single policy document: paste it into a policy editor or run `keyflow lint` on it"
                    } else {
                        "expected a CloudFormation template (\"Resources\"), `terraform show -json` output (\"format_version\", \"planned_values\") or `aws iam get-account-authorization-details` output (\"UserDetailList\", \"RoleDetailList\")"
                    };
                    ctx.finding(
                        root.at,
                        Severity::Error,
                        format!("nothing to import: {what}"),
                    );
                } else {
                    parsed.push((*s, root, kind));
                }
            }
            Err((at, message)) => ctx.finding(at, Severity::Error, message),
        }
    }

    let env = util::environment(options, &parsed, &mut findings);
    let mut world = model::World::new(env);
    for (source, root, kind) in &parsed {
        let mut ctx = FileCtx {
            name: source.name,
            text: source.text,
            findings: &mut findings,
        };
        match kind {
            InputKind::CloudFormation => cfn::import(&mut ctx, root, &mut world),
            InputKind::TerraformPlan => tf::import(&mut ctx, root, &mut world),
            InputKind::AuthorizationDetails => authz::import(&mut ctx, root, &mut world),
            InputKind::Unknown => {}
        }
    }
    let names: Vec<&str> = parsed.iter().map(|(s, _, _)| s.name).collect();
    let scenario = world.finish(&names, &mut findings);
    findings.sort_by(|a, b| {
        (a.file.as_str(), a.line, a.column).cmp(&(b.file.as_str(), b.line, b.column))
    });
    findings.dedup();
    Imported { scenario, findings }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, options: &ImportOptions) -> (serde_json::Value, Vec<Finding>) {
        let i = import(
            &[Source {
                name: "t.yaml",
                text,
            }],
            options,
        );
        let v = serde_json::from_str(&i.scenario).expect("scenario JSON");
        (v, i.findings)
    }

    /// The scenario the simulator reads from an import.
    fn read_back(v: &serde_json::Value) -> keyflow_sim::Scenario {
        keyflow_sim::Scenario::from_json(&v.to_string()).expect("scenario reads back")
    }

    fn opts() -> ImportOptions {
        ImportOptions {
            account: Some("111122223333".into()),
            region: Some("eu-west-1".into()),
        }
    }

    fn policy(v: &serde_json::Value) -> String {
        v["principals"][0]["policies"][0]["document"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    const ROLE: &str = "Mappings:\n  Env:\n    prod:\n      Bucket: prod-data\nParameters:\n  Stage:\n    Type: String\n    Default: prod\n  Free:\n    Type: String\nConditions:\n  IsProd: !Equals [!Ref Stage, prod]\n  IsFree: !Equals [!Ref Free, x]\nResources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: app\n      Policies:\n        - PolicyName: p\n          PolicyDocument:\n            Statement:\n              - Effect: Allow\n                Action: s3:GetObject\n                Resource:\n";

    #[test]
    fn intrinsics_resolve_like_cloudformation() {
        let cases = [
            (
                "!Sub 'arn:${AWS::Partition}:s3:::${AWS::AccountId}-${AWS::Region}/${!aws:username}'",
                "arn:aws:s3:::111122223333-eu-west-1/${aws:username}",
            ),
            (
                "!Join ['', ['arn:aws:s3:::', !FindInMap [Env, !Ref Stage, Bucket], '/*']]",
                "arn:aws:s3:::prod-data/*",
            ),
            ("!Select [1, !Split [',', 'a,b,c']]", "b"),
            ("!If [IsProd, prod-only, other]", "prod-only"),
            (
                "!Sub ['${B}/x', {B: !GetAtt R.Arn}]",
                "arn:aws:iam::111122223333:role/app/x",
            ),
            (
                "!Sub '${AWS::URLSuffix} ${AWS::StackName}'",
                "amazonaws.com t",
            ),
        ];
        for (expr, want) in cases {
            let (v, _) = run(&format!("{ROLE}                  - {expr}\n"), &opts());
            let doc = policy(&v);
            assert!(doc.contains(&format!("\"{want}\"")), "{expr} gave {doc}");
        }
    }

    #[test]
    fn what_cannot_be_known_is_a_placeholder_with_a_finding() {
        for (expr, placeholder, finding) in [
            (
                "!If [IsFree, a, b]",
                "UNRESOLVED-Fn-If-IsFree",
                "Fn::If on condition IsFree",
            ),
            (
                "!ImportValue shared-bucket",
                "UNRESOLVED-ImportValue-shared-bucket",
                "Fn::ImportValue shared-bucket",
            ),
            ("!Ref Nowhere", "UNRESOLVED-Ref-Nowhere", "Ref to Nowhere"),
            (
                "!GetAtt R.RoleId",
                "UNRESOLVED-GetAtt-R.RoleId",
                "known only after the stack is created",
            ),
        ] {
            let (v, findings) = run(&format!("{ROLE}                  - {expr}\n"), &opts());
            assert!(policy(&v).contains(placeholder), "{expr}: {}", policy(&v));
            let f = findings
                .iter()
                .find(|f| f.message.contains(finding))
                .unwrap_or_else(|| panic!("{expr}: {findings:?}"));
            assert_eq!((f.severity, f.line), (Severity::Warning, 26), "{f}");
        }
    }

    #[test]
    fn aws_novalue_drops_the_property() {
        let (v, _) = run(
            &format!("{ROLE}                  - a\n                  - !Ref AWS::NoValue\n"),
            &opts(),
        );
        let doc = policy(&v);
        assert!(
            doc.contains("\"Resource\": [\n                \"a\"\n            ]"),
            "{doc}"
        );
    }

    #[test]
    fn log_file_validation_is_carried_over() {
        let t = "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: logs\n  T:\n    Type: AWS::CloudTrail::Trail\n    Properties:\n      TrailName: t\n      S3BucketName: !Ref B\n      EnableLogFileValidation: true\n";
        let (v, _) = run(t, &opts());
        assert_eq!(v["trails"][0]["log_file_validation"], true);
        let off = t.replace("true", "false");
        let (v, _) = run(&off, &opts());
        assert!(v["trails"][0].get("log_file_validation").is_none());
    }

    #[test]
    fn ownership_key_state_and_parameter_type_are_written_as_the_simulator_reads_them() {
        let bucket = |ownership: &str| {
            format!(
                "  B{ownership}:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: b-{ownership}\n      OwnershipControls:\n        Rules:\n          - ObjectOwnership: {ownership}\n"
            )
        };
        let t = format!(
            "Resources:\n{}{}{}  K:\n    Type: AWS::KMS::Key\n    Properties:\n      Enabled: false\n  P:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Name: /list\n      Type: StringList\n      Tier: Advanced\n      Value: a,b\n",
            bucket("ObjectWriter"),
            bucket("BucketOwnerEnforced"),
            bucket("Unknown"),
        );
        let (v, _) = run(&t, &opts());
        assert_eq!(v["buckets"][0]["object_ownership"], "ObjectWriter");
        // The simulator's default (and AWS's for new buckets) is left out, as is a value
        // S3 does not have.
        assert!(v["buckets"][1].get("object_ownership").is_none());
        assert!(v["buckets"][2].get("object_ownership").is_none());
        assert_eq!(v["keys"][0]["state"], "Disabled");
        assert_eq!(v["parameters"][0]["type"], "StringList");
        assert_eq!(v["parameters"][0]["tier"], "Advanced");
        let scenario = read_back(&v);
        assert_eq!(
            scenario.buckets[0].object_ownership,
            keyflow_sim::ObjectOwnership::ObjectWriter
        );
        assert_eq!(scenario.keys[0].state, keyflow_sim::KeyState::Disabled);
        assert_eq!(
            scenario.parameters[0].kind,
            keyflow_sim::ParameterType::StringList
        );
        assert_eq!(scenario.parameters[0].tier, keyflow_sim::Tier::Advanced);
    }

    #[test]
    fn two_flows_of_a_kind_get_ids() {
        let trail = |n: &str| {
            format!(
                "  T{n}:\n    Type: AWS::CloudTrail::Trail\n    Properties:\n      TrailName: t{n}\n      S3BucketName: logs\n      KMSKeyId: alias/trail\n"
            )
        };
        let t = format!(
            "Resources:\n  K:\n    Type: AWS::KMS::Key\n  A:\n    Type: AWS::KMS::Alias\n    Properties:\n      AliasName: alias/trail\n      TargetKeyId: !Ref K\n{}{}",
            trail("1"),
            trail("2")
        );
        let (v, _) = run(&t, &opts());
        assert_eq!(v["flows"][0]["flow"], "cloudtrail-sse-kms");
        assert!(v["flows"][0].get("id").is_none());
        assert_eq!(v["flows"][1]["id"], "cloudtrail-t2");
        let scenario = read_back(&v);
        let ids: Vec<&str> = scenario.flows.iter().map(|f| f.id()).collect();
        assert_eq!(ids, ["cloudtrail", "cloudtrail-t2"]);
    }

    #[test]
    fn securestring_in_a_template_is_flagged_and_kinds_are_detected() {
        let t = "Resources:\n  P:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Name: /a\n      Type: SecureString\n      Value: x\n";
        let (v, findings) = run(t, &opts());
        assert_eq!(v["parameters"][0]["type"], "SecureString");
        assert!(findings.iter().any(|f| {
            f.message
                .contains("doesn't support creating a SecureString")
        }));
        assert_eq!(detect_kind(t), InputKind::CloudFormation);
        assert_eq!(
            detect_kind("{\"format_version\":\"1.2\",\"planned_values\":{}}"),
            InputKind::TerraformPlan
        );
        assert_eq!(
            detect_kind("{\"UserDetailList\":[]}"),
            InputKind::AuthorizationDetails
        );
        assert_eq!(detect_kind("{\"Statement\":[]}"), InputKind::Unknown);
        // A bare policy is an error that says what to do instead.
        let i = import(
            &[Source {
                name: "p.json",
                text: "{\"Statement\":[]}",
            }],
            &opts(),
        );
        assert!(i.has_errors());
        assert!(
            i.findings
                .iter()
                .any(|f| f.message.contains("keyflow lint"))
        );
    }

    #[test]
    fn hostile_input_never_panics() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        for t in [
            "",
            "{",
            "Resources: [",
            "Resources:\n  X: 3\n",
            &deep,
            "Resources:\n  A:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: !Ref A\n",
        ] {
            let _ = import(&[Source { name: "h", text: t }], &ImportOptions::default());
        }
    }
}
