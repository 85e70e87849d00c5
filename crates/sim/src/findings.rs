//! Names that do not match: a policy that names a bucket, key, trail,
//! parameter or principal in one of the scenario's own accounts that the
//! scenario does not have. Such a policy is valid, and AWS would simply not
//! match it against the scenario's resources, which is rarely what the author
//! meant (a bucket policy for `my-logs` on a bucket called `test-logs`).
//!
//! Principals and resources of other accounts (the Region's ELB account, a
//! partner) are not findings: the scenario does not model those accounts.
//! ARNs with wildcards or policy variables are not findings either.
//!
//! [`findings`] also reports keys nobody could manage
//! ([`crate::lockout::unmanageable_keys`]).

use keyflow_policy::{Arn, LineIndex};
use serde::Serialize;

use crate::edit::Edit;
use crate::flows::RefKind;
use crate::ids::PolicyId;
use crate::rename::{TextEdit, apply_edits, string_values};
use crate::scenario::{PrincipalKind, Scenario};

/// A quick fix: a label and the change that makes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fix {
    pub label: String,
    #[serde(skip)]
    pub change: FixChange,
}

/// What a quick fix changes.
#[derive(Debug, Clone, PartialEq)]
pub enum FixChange {
    /// An edit (the policy text with the name replaced, or principals to add).
    Edit(Edit),
    /// A bucket with nothing set yet.
    AddBucket(String),
    /// A key with this ID and the default key policy of the scenario's account.
    AddKey(String),
    /// A trail delivering to the scenario's first bucket.
    AddTrail(String),
    /// A SecureString parameter under the AWS managed key.
    AddParameter(String),
}

/// The default key policy the KMS API gives a new key: the account root may
/// use the key, which lets IAM policies grant access ("Default key policy",
/// AWS KMS Developer Guide,
/// https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html).
pub fn default_key_policy(account: &str) -> String {
    format!(
        "{{\n    \"Version\": \"2012-10-17\",\n    \"Id\": \"key-default-1\",\n    \"Statement\": [\n        {{\n            \"Sid\": \"Enable IAM User Permissions\",\n            \"Effect\": \"Allow\",\n            \"Principal\": {{\n                \"AWS\": \"arn:aws:iam::{account}:root\"\n            }},\n            \"Action\": \"kms:*\",\n            \"Resource\": \"*\"\n        }}\n    ]\n}}"
    )
}

impl Fix {
    /// Applies the fix; false when it no longer applies (the scenario is then unchanged).
    pub fn apply(&self, s: &mut Scenario) -> bool {
        use crate::scenario::{Bucket, Key, KeyState, Parameter, Tier, Trail};
        match &self.change {
            FixChange::Edit(e) => return crate::edit::apply(s, e.clone()),
            FixChange::AddBucket(name) => {
                if s.buckets.iter().any(|b| &b.name == name) {
                    return false;
                }
                s.buckets.push(Bucket::new(name.clone()));
            }
            FixChange::AddKey(id) => {
                if s.keys.iter().any(|k| &k.id == id) || id.is_empty() || id.contains('/') {
                    return false;
                }
                s.keys.push(Key {
                    id: id.clone(),
                    account: None,
                    description: String::new(),
                    aliases: Vec::new(),
                    policy: default_key_policy(&s.account),
                    state: KeyState::Enabled,
                    grants: Vec::new(),
                });
            }
            FixChange::AddTrail(name) => {
                let Some(bucket) = s.buckets.first().map(|b| b.name.clone()) else {
                    return false;
                };
                if s.trails.iter().any(|t| &t.name == name) {
                    return false;
                }
                s.trails.push(Trail {
                    name: name.clone(),
                    bucket,
                    prefix: String::new(),
                    kms_key: None,
                    log_file_validation: false,
                });
            }
            FixChange::AddParameter(name) => {
                if s.parameters.iter().any(|p| &p.name == name) {
                    return false;
                }
                s.parameters.push(Parameter {
                    name: name.clone(),
                    kind: Default::default(),
                    key: None,
                    tier: Tier::Standard,
                    value: "example".into(),
                });
            }
        }
        true
    }
}

/// A policy names something the scenario lacks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Stable code of the finding.
    pub code: &'static str,
    pub policy: PolicyId,
    /// Byte range of the JSON string in the policy text.
    pub start: u32,
    pub end: u32,
    /// Where the string starts (1-based).
    pub line: u32,
    pub column: u32,
    pub kind: RefKind,
    /// The name the policy uses (bucket name, key ID, alias, trail, parameter, principal).
    pub name: String,
    pub message: String,
    pub fixes: Vec<Fix>,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: warning[{}]: {}",
            self.policy, self.line, self.column, self.code, self.message
        )
    }
}

pub const CODE: &str = "unknown-name";

/// What an ARN names, when it names one thing of the scenario's kinds.
struct Named {
    kind: RefKind,
    name: String,
    /// The account the thing would live in (`None`: S3 buckets, whose ARNs carry none).
    account: Option<String>,
    /// The principal kind, for users and roles.
    principal: Option<PrincipalKind>,
    /// Byte range of the name inside the string, to replace it.
    at: std::ops::Range<usize>,
}

fn wildcard(s: &str) -> bool {
    s.contains(['*', '?']) || s.contains("${")
}

/// The offset of `part` inside `whole` (both from the same string).
fn offset(whole: &str, part: &str) -> usize {
    (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize)
}

fn named(text: &str, region: &str) -> Option<Named> {
    let arn = Arn::parse(text)?;
    // A pattern may match many names; only the name part and the account matter
    // (`arn:aws:s3:::logs/*` still names the bucket `logs`).
    if wildcard(arn.account) || wildcard(arn.region) {
        return None;
    }
    let account = arn.account().map(str::to_string);
    let at = |part: &str| offset(text, part)..offset(text, part) + part.len();
    let segments: Vec<&str> = arn.resource.split('/').collect();
    let one = |kind: RefKind, part: &str| Named {
        kind,
        name: part.to_string(),
        account: account.clone(),
        principal: None,
        at: at(part),
    };
    let found = match (arn.service, segments.as_slice()) {
        ("s3", [bucket, ..]) if !bucket.is_empty() && arn.account.is_empty() => {
            Some(one(RefKind::Bucket, bucket))
        }
        // A key in another Region is another key: only this Region's keys can match.
        ("kms", ["key", id]) if arn.region == region => Some(one(RefKind::Key, id)),
        ("kms", ["alias", ..]) if arn.region == region => {
            let name = arn.resource;
            Some(one(RefKind::Key, name))
        }
        ("cloudtrail", ["trail", name]) if arn.region == region => Some(one(RefKind::Trail, name)),
        ("ssm", ["parameter", ..]) if arn.region == region => {
            let name = arn.resource_id();
            Some(one(RefKind::Parameter, name))
        }
        ("iam", ["user", .., name]) => Some(Named {
            principal: Some(PrincipalKind::User),
            ..one(RefKind::Principal, name)
        }),
        ("iam", ["role", .., name]) => Some(Named {
            principal: Some(PrincipalKind::Role),
            ..one(RefKind::Role, name)
        }),
        ("sts", ["assumed-role", role, _]) => Some(Named {
            principal: Some(PrincipalKind::Role),
            ..one(RefKind::Role, role)
        }),
        _ => None,
    }?;
    // A name AWS would not accept for its kind names no resource at all (the
    // policy lints report malformed ARNs); only well-formed names are compared.
    use crate::rename::{NameKind, check_name};
    let kind = match found.kind {
        RefKind::Bucket => NameKind::Bucket,
        RefKind::Key if found.name.starts_with("alias/") => NameKind::Alias,
        RefKind::Key => NameKind::KeyId,
        RefKind::Trail => NameKind::Trail,
        RefKind::Parameter => NameKind::Parameter,
        _ => NameKind::IamName,
    };
    let key_id_ok = found.kind != RefKind::Key
        || found.name.starts_with("alias/")
        || found
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    (!wildcard(&found.name) && key_id_ok && check_name(kind, &found.name).is_ok()).then_some(found)
}

/// The scenario's own accounts: the home account and every account a
/// principal, key or bucket of the scenario lives in.
pub fn own_accounts(s: &Scenario) -> Vec<String> {
    let mut out = vec![s.account.clone()];
    let more = s
        .principals
        .iter()
        .filter_map(|p| p.account.clone())
        .chain(s.keys.iter().filter_map(|k| k.account.clone()))
        .chain(s.buckets.iter().filter_map(|b| b.account.clone()));
    for a in more {
        if !out.contains(&a) {
            out.push(a);
        }
    }
    out
}

/// Levenshtein distance, for ordering the rename fixes by likeness.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let here = row.get(j + 1).copied().unwrap_or(0);
            let left = row.get(j).copied().unwrap_or(0);
            let best = (prev + cost).min(here + 1).min(left + 1);
            prev = here;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = best;
            }
        }
    }
    row.last().copied().unwrap_or(0)
}

/// Every name-mismatch finding of the scenario's policies, policy by policy.
pub fn findings(s: &Scenario) -> Vec<Finding> {
    let own = own_accounts(s);
    let mut out = Vec::new();
    for field in s.policy_fields() {
        let Ok(value) = keyflow_json::parse(&field.text) else {
            continue;
        };
        let mut strings = Vec::new();
        string_values(&value, &mut strings);
        let mut lines: Option<LineIndex> = None;
        for (span, text) in strings {
            let Some(n) = named(text, &s.region) else {
                continue;
            };
            if n.account.as_ref().is_some_and(|a| !own.contains(a)) {
                continue;
            }
            let account = n.account.clone().unwrap_or_else(|| s.account.clone());
            let acct = |a: &Option<String>| a.clone().unwrap_or_else(|| s.account.clone());
            // What the scenario has of this kind (and account): candidates for a rename.
            let (have, what): (Vec<String>, &str) = match n.kind {
                RefKind::Bucket => (s.buckets.iter().map(|b| b.name.clone()).collect(), "bucket"),
                RefKind::Key if n.name.starts_with("alias/") => (
                    s.keys
                        .iter()
                        .filter(|k| acct(&k.account) == account)
                        .flat_map(|k| k.aliases.clone())
                        .collect(),
                    "key alias",
                ),
                RefKind::Key => (
                    s.keys
                        .iter()
                        .filter(|k| acct(&k.account) == account)
                        .map(|k| k.id.clone())
                        .collect(),
                    "key",
                ),
                RefKind::Trail if account == s.account => {
                    (s.trails.iter().map(|t| t.name.clone()).collect(), "trail")
                }
                RefKind::Parameter if account == s.account => (
                    s.parameters
                        .iter()
                        .map(|p| p.name.trim_start_matches('/').to_string())
                        .collect(),
                    "parameter",
                ),
                RefKind::Principal | RefKind::Role => {
                    let kind = n.principal.unwrap_or(PrincipalKind::User);
                    (
                        s.principals
                            .iter()
                            .filter(|p| p.kind == kind && acct(&p.account) == account)
                            .map(|p| p.name.clone())
                            .collect(),
                        if kind == PrincipalKind::Role {
                            "role"
                        } else {
                            "user"
                        },
                    )
                }
                _ => continue,
            };
            if have.contains(&n.name) {
                continue;
            }
            let lines = lines.get_or_insert_with(|| LineIndex::new(&field.text));
            let at = lines.position(span.start);
            let in_account = match n.kind {
                RefKind::Bucket => String::new(),
                _ => format!(" in account {account}"),
            };
            let message = if have.is_empty() {
                format!(
                    "the scenario has no {what} \"{}\"{in_account} (it has none)",
                    n.name
                )
            } else {
                format!(
                    "the scenario has no {what} \"{}\"{in_account}; it has {}",
                    n.name,
                    have.iter()
                        .map(|h| format!("\"{h}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            // The three likest names, likest first (picked, not sorted: small in the bundle).
            let mut candidates: Vec<(usize, &String)> =
                have.iter().map(|c| (distance(c, &n.name), c)).collect();
            let mut likest = Vec::new();
            while likest.len() < 3
                && let Some(i) =
                    (0..candidates.len()).min_by_key(|&i| candidates.get(i).map(|c| c.0))
            {
                likest.push(candidates.remove(i).1.clone());
            }
            let mut fixes: Vec<Fix> = likest
                .into_iter()
                .map(|c| {
                    let mut new = text.to_string();
                    new.replace_range(n.at.clone(), &c);
                    let edit = TextEdit {
                        start: span.start as usize,
                        end: span.end as usize,
                        before: text.to_string(),
                        after: new,
                    };
                    Fix {
                        label: format!("Use the scenario's {what} \"{c}\""),
                        change: FixChange::Edit(Edit::Policy {
                            id: field.id.clone(),
                            text: apply_edits(&field.text, &[edit]),
                        }),
                    }
                })
                .collect();
            let add = match n.kind {
                RefKind::Bucket => {
                    crate::rename::check_name(crate::rename::NameKind::Bucket, &n.name)
                        .ok()
                        .map(|_| FixChange::AddBucket(n.name.clone()))
                }
                RefKind::Key if !n.name.starts_with("alias/") && account == s.account => {
                    Some(FixChange::AddKey(n.name.clone()))
                }
                RefKind::Trail if !s.buckets.is_empty() => {
                    Some(FixChange::AddTrail(n.name.clone()))
                }
                RefKind::Parameter => Some(FixChange::AddParameter(format!("/{}", n.name))),
                RefKind::Principal | RefKind::Role => crate::principals_from_arn(s, text)
                    .ok()
                    .map(|list| FixChange::Edit(Edit::AddPrincipals(list))),
                _ => None,
            };
            if let Some(change) = add {
                fixes.push(Fix {
                    label: format!("Add {what} \"{}\" to the scenario", n.name),
                    change,
                });
            }
            out.push(Finding {
                code: CODE,
                policy: field.id.clone(),
                start: span.start,
                end: span.end,
                line: at.line,
                column: at.column,
                kind: n.kind,
                name: n.name,
                message,
                fixes,
            });
        }
    }
    out.extend(crate::lockout::unmanageable_keys(s));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(name: &str) -> Scenario {
        crate::builtin(name).unwrap().scenario().unwrap()
    }

    #[test]
    fn the_builtins_name_only_what_they_have() {
        for b in crate::builtins() {
            let f = findings(&b.scenario().unwrap());
            assert!(f.is_empty(), "{}: {:#?}", b.name, f);
        }
    }

    #[test]
    fn a_bucket_policy_for_another_bucket_is_found_and_fixed_both_ways() {
        let mut s = scenario("alb-logs-cmk");
        let text = s.buckets[0]
            .policy
            .clone()
            .unwrap()
            .replace("test-alb-access-logs", "my-alb-logs-111122223333");
        s.buckets[0].policy = Some(text);
        let f = findings(&s);
        assert_eq!(f.len(), 1, "{f:#?}");
        let f = &f[0];
        assert_eq!(f.kind, RefKind::Bucket);
        assert_eq!(f.name, "my-alb-logs-111122223333");
        assert_eq!((f.line, f.column), (10, 25));
        assert_eq!(
            f.message,
            "the scenario has no bucket \"my-alb-logs-111122223333\"; it has \"test-alb-access-logs\""
        );
        assert_eq!(
            f.to_string().split(": warning").next(),
            Some("bucket:test-alb-access-logs:10:25")
        );
        // Fix 1: name the scenario's bucket.
        assert_eq!(
            f.fixes[0].label,
            "Use the scenario's bucket \"test-alb-access-logs\""
        );
        let mut fixed = s.clone();
        assert!(f.fixes[0].apply(&mut fixed));
        assert!(findings(&fixed).is_empty());
        assert!(
            fixed.buckets[0]
                .policy
                .as_deref()
                .unwrap()
                .contains("\"arn:aws:s3:::test-alb-access-logs/AWSLogs/111122223333/*\"")
        );
        // Fix 2: add the bucket.
        assert_eq!(
            f.fixes[1].label,
            "Add bucket \"my-alb-logs-111122223333\" to the scenario"
        );
        let mut added = s.clone();
        assert!(f.fixes[1].apply(&mut added));
        assert!(findings(&added).is_empty());
    }

    #[test]
    fn principals_keys_trails_and_parameters_of_own_accounts_are_checked() {
        let mut s = scenario("cloudtrail-sse-kms");
        let key = s.keys[0].id.clone();
        s.keys[0].policy = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":["arn:aws:iam::123456789012:user/usr1","arn:aws:iam::123456789012:role/Role1","arn:aws:iam::777788889999:role/Partner","arn:aws:iam::123456789012:root"]}},"Action":"kms:*","Resource":["arn:aws:kms:ap-northeast-1:123456789012:key/{key}","arn:aws:kms:ap-northeast-1:123456789012:key/nope","arn:aws:cloudtrail:ap-northeast-1:123456789012:trail/other","arn:aws:ssm:ap-northeast-1:123456789012:parameter/app/x","arn:aws:iam::123456789012:user/*"]}}]}}"#
        );
        let f = findings(&s);
        let names: Vec<(&str, RefKind)> = f.iter().map(|x| (x.name.as_str(), x.kind)).collect();
        assert_eq!(
            names,
            vec![
                ("usr1", RefKind::Principal),
                ("nope", RefKind::Key),
                ("other", RefKind::Trail),
                ("app/x", RefKind::Parameter),
            ],
            "{f:#?}"
        );
        // The closest name comes first.
        assert_eq!(f[0].fixes[0].label, "Use the scenario's user \"user1\"");
        // A partner account the scenario has a principal in becomes one of its own.
        let mut with_partner = s.clone();
        with_partner.principals.push(crate::Principal {
            account: Some("777788889999".into()),
            ..crate::Principal::new("Auditor", PrincipalKind::Role)
        });
        assert!(findings(&with_partner).iter().any(|x| x.name == "Partner"));
        // Adding the principal from its ARN clears that finding.
        let add = f[0].fixes.last().unwrap();
        assert_eq!(add.label, "Add user \"usr1\" to the scenario");
        let mut t = s.clone();
        assert!(add.apply(&mut t));
        assert!(!findings(&t).iter().any(|x| x.name == "usr1"));
    }
}
