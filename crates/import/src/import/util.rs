//! Small shared pieces: the account and Region the world lives in, stand-in IDs,
//! placeholders and documented defaults.

use super::{Finding, ImportOptions, InputKind, Severity, Source};
use crate::node::{Node, NodeKind};
use crate::pos::position;

/// The account and Region every ARN is built with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Env {
    pub account: String,
    pub region: String,
}

impl Env {
    /// "For standard AWS Regions, the partition is `aws`. For resources in other
    /// partitions, the partition is `aws-partitionname`" (Pseudo parameters,
    /// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html).
    pub fn partition(&self) -> &'static str {
        if self.region.starts_with("cn-") {
            "aws-cn"
        } else if self.region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        }
    }

    /// AWS::URLSuffix: "typically amazonaws.com, but might differ by Region"
    /// (`amazonaws.com.cn` in the China Regions, same page).
    pub fn url_suffix(&self) -> &'static str {
        if self.region.starts_with("cn-") {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        }
    }
}

/// The documented example account: AWS::AccountId "Returns the AWS account ID of the
/// account in which the stack is being created, such as 123456789012" (Pseudo
/// parameters page above). Used only with a finding.
pub(crate) const PLACEHOLDER_ACCOUNT: &str = "123456789012";
/// Placeholder Region (an assumption, always reported).
pub(crate) const PLACEHOLDER_REGION: &str = "us-east-1";

pub(crate) fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// The account in an ARN such as `arn:aws:iam::111122223333:role/x`.
pub(crate) fn arn_account(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    let (arn_, _partition, _service, _region, account) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    (arn_ == "arn" && is_account(account)).then_some(account)
}

fn find_account(n: &Node, depth: usize) -> Option<String> {
    if depth > 64 {
        return None;
    }
    match &n.kind {
        NodeKind::Str(s) if s.starts_with("arn:") => {
            arn_account(s).filter(|a| *a != "aws").map(str::to_string)
        }
        NodeKind::Seq(items) => items.iter().find_map(|i| find_account(i, depth + 1)),
        NodeKind::Map(entries) => entries
            .iter()
            .find_map(|e| find_account(&e.value, depth + 1)),
        _ => None,
    }
}

/// Terraform data sources that name the account and Region.
fn terraform_env(root: &Node) -> (Option<String>, Option<String>) {
    let mut account = None;
    let mut region = None;
    for section in ["prior_state", "planned_values"] {
        let module = match section {
            "prior_state" => root.get("prior_state").and_then(|p| p.get("values")),
            _ => root.get("planned_values"),
        }
        .and_then(|v| v.get("root_module"));
        let Some(resources) = module
            .and_then(|m| m.get("resources"))
            .and_then(Node::as_seq)
        else {
            continue;
        };
        for r in resources {
            let values = r.get("values");
            match r.get_str("type") {
                Some("aws_caller_identity") => {
                    if let Some(a) = values.and_then(|v| v.get_str("account_id")) {
                        account.get_or_insert(a.to_string());
                    }
                }
                Some("aws_region") => {
                    if let Some(n) = values.and_then(|v| v.get_str("name").or(v.get_str("region")))
                    {
                        region.get_or_insert(n.to_string());
                    }
                }
                _ => {}
            }
        }
    }
    if region.is_none() {
        region = root
            .get("configuration")
            .and_then(|c| c.get("provider_config"))
            .and_then(|p| p.get("aws"))
            .and_then(|a| a.get("expressions"))
            .and_then(|e| e.get("region"))
            .and_then(|r| r.get_str("constant_value"))
            .map(str::to_string);
    }
    (account, region)
}

/// The account and Region: from the options, then the input, then placeholders
/// (each guess reported).
pub(crate) fn environment(
    options: &ImportOptions,
    parsed: &[(Source<'_>, Node, InputKind)],
    findings: &mut Vec<Finding>,
) -> Env {
    let (first_file, first_text) = parsed
        .first()
        .map_or(("(import)", ""), |(s, _, _)| (s.name, s.text));
    let mut report = |file: &str, text: &str, at: u32, severity: Severity, message: String| {
        let p = position(text, at as usize);
        findings.push(Finding {
            file: file.to_string(),
            line: p.line,
            column: p.column,
            severity,
            message,
        });
    };
    let mut account = options.account.clone().filter(|a| is_account(a));
    if let Some(bad) = options.account.as_ref().filter(|a| !is_account(a)) {
        report(
            first_file,
            first_text,
            0,
            Severity::Error,
            format!("--account \"{bad}\" is not a 12-digit account ID; ignored"),
        );
    }
    let mut region = options.region.clone().filter(|r| !r.is_empty());
    for (s, root, kind) in parsed {
        let (a, r) = match kind {
            InputKind::TerraformPlan => terraform_env(root),
            InputKind::AuthorizationDetails => (find_account(root, 0), None),
            _ => (None, None),
        };
        if account.is_none()
            && let Some(a) = a
        {
            report(
                s.name,
                s.text,
                root.at,
                Severity::Note,
                format!("account {a} taken from this file"),
            );
            account = Some(a);
        }
        if region.is_none()
            && let Some(r) = r
        {
            report(
                s.name,
                s.text,
                root.at,
                Severity::Note,
                format!("Region {r} taken from this file"),
            );
            region = Some(r);
        }
    }
    let account = account.unwrap_or_else(|| {
        report(
            first_file,
            first_text,
            0,
            Severity::Warning,
            format!(
                "no account given (--account) or found: using {PLACEHOLDER_ACCOUNT}, the example account of the AWS documentation; every ARN with it is a placeholder"
            ),
        );
        PLACEHOLDER_ACCOUNT.to_string()
    });
    let region = region.unwrap_or_else(|| {
        report(
            first_file,
            first_text,
            0,
            Severity::Warning,
            format!(
                "no Region given (--region) or found: using {PLACEHOLDER_REGION} as a placeholder"
            ),
        );
        PLACEHOLDER_REGION.to_string()
    });
    Env { account, region }
}

fn fnv(seed: &str, salt: u8) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ u64::from(salt);
    for b in seed.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A stable stand-in for an ID AWS assigns at creation (a key ID looks like a UUID).
pub(crate) fn stand_in_uuid(seed: &str) -> String {
    let a = fnv(seed, 1);
    let b = fnv(seed, 2);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        (b >> 48) & 0xfff,
        b & 0xffff_ffff_ffff
    )
}

/// A stable 16-hex-digit stand-in (the ID part of a load balancer ARN).
pub(crate) fn stand_in_hex16(seed: &str) -> String {
    format!("{:016x}", fnv(seed, 3))
}

/// The prefix of every placeholder the importer writes for a value it cannot know.
pub(crate) const PLACEHOLDER: &str = "UNRESOLVED-";

/// A visible placeholder: `UNRESOLVED-<what>` with only letters, digits, `-` and `.`,
/// so it can stand in a name, an ID or an ARN.
pub(crate) fn placeholder(what: &str) -> String {
    let mut out = String::from(PLACEHOLDER);
    let mut dash = false;
    for c in what.chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            out.push(c);
            dash = false;
        } else if !dash {
            out.push('-');
            dash = true;
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

pub(crate) fn is_placeholder(s: &str) -> bool {
    s.contains(PLACEHOLDER)
}

/// The default key policy KMS gives a key created programmatically without one:
/// "This default key policy has one policy statement that gives the AWS account that
/// owns the KMS key permission to use IAM policies to allow access to all AWS KMS
/// operations on the KMS key" (Default key policy, AWS KMS Developer Guide,
/// https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
/// The `Sid` and `Id` follow the console's form (an assumption; the API's form is not quoted there).
pub(crate) fn default_key_policy(partition: &str, account: &str) -> String {
    format!(
        "{{\n    \"Version\": \"2012-10-17\",\n    \"Id\": \"key-default-1\",\n    \"Statement\": [\n        {{\n            \"Sid\": \"Enable IAM User Permissions\",\n            \"Effect\": \"Allow\",\n            \"Principal\": {{\n                \"AWS\": \"arn:{partition}:iam::{account}:root\"\n            }},\n            \"Action\": \"kms:*\",\n            \"Resource\": \"*\"\n        }}\n    ]\n}}"
    )
}

/// A policy document as text: objects are laid out as JSON; strings are taken as
/// written after unwrapping (URL-encoded or twice-encoded documents), then laid out
/// again when they are JSON.
pub(crate) fn policy_text(node: &Node) -> String {
    match &node.kind {
        NodeKind::Str(s) => {
            let text = crate::unwrap_policy(s).map_or_else(|| s.clone(), |u| u.text);
            match keyflow_json::parse(&text) {
                Ok(v) => crate::node::to_json(&crate::node::from_json(&v, 0), None),
                Err(_) => text,
            }
        }
        _ => crate::node::to_json(node, None),
    }
}

/// A JSON document laid out like the console (4-space indent); other text as is.
pub(crate) fn pretty(text: &str) -> String {
    match keyflow_json::parse(text) {
        Ok(v) => crate::node::to_json(&crate::node::from_json(&v, 0), None),
        Err(_) => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stand_ins_are_stable_and_well_formed() {
        let id = stand_in_uuid("stack/Key");
        assert_eq!(id, stand_in_uuid("stack/Key"));
        assert_ne!(id, stand_in_uuid("stack/Other"));
        let parts: Vec<usize> = id.split('-').map(str::len).collect();
        assert_eq!(parts, [8, 4, 4, 4, 12]);
        assert_eq!(stand_in_hex16("x").len(), 16);
    }

    #[test]
    fn placeholders_are_safe_in_names_and_arns() {
        assert_eq!(
            placeholder("Fn::ImportValue TrailKeyTest"),
            "UNRESOLVED-Fn-ImportValue-TrailKeyTest"
        );
        assert!(is_placeholder("arn:aws:s3:::UNRESOLVED-x/*"));
        assert_eq!(
            arn_account("arn:aws:iam::111122223333:role/r"),
            Some("111122223333")
        );
        assert_eq!(arn_account("arn:aws:iam::aws:policy/ReadOnlyAccess"), None);
    }

    #[test]
    fn partitions_follow_the_region() {
        let env = |r: &str| Env {
            account: PLACEHOLDER_ACCOUNT.into(),
            region: r.into(),
        };
        assert_eq!(env("cn-north-1").partition(), "aws-cn");
        assert_eq!(env("cn-north-1").url_suffix(), "amazonaws.com.cn");
        assert_eq!(env("us-gov-west-1").partition(), "aws-us-gov");
        assert_eq!(env("eu-west-1").partition(), "aws");
    }
}
