//! Policies as users paste them: unwrap CLI output, URL-encoding, double encoding
//! and (with the `yaml` feature) YAML, keeping a map back to the original text.
//!
//! The shapes come from the AWS CLI reference pages' output sections:
//! - `aws kms get-key-policy`: `{"Policy": "<JSON text>", "PolicyName": "default"}`
//!   (https://docs.aws.amazon.com/cli/latest/reference/kms/get-key-policy.html);
//! - `aws s3api get-bucket-policy`: `{"Policy": "<JSON text>"}`
//!   (https://docs.aws.amazon.com/cli/latest/reference/s3api/get-bucket-policy.html);
//! - `aws iam get-policy-version`: `{"PolicyVersion": {"Document": …, "VersionId": …}}`
//!   (https://docs.aws.amazon.com/cli/latest/reference/iam/get-policy-version.html);
//! - `aws iam get-role-policy` / `get-user-policy` / `get-group-policy`:
//!   `{"RoleName": …, "PolicyName": …, "PolicyDocument": …}`
//!   (https://docs.aws.amazon.com/cli/latest/reference/iam/get-role-policy.html).
//!
//! The CLI prints `Document`/`PolicyDocument` as a JSON object; the raw API and
//! several SDKs give a URL-encoded string instead (see `urlenc`).

use std::fmt;

use keyflow_json::{Kind, Value};

use crate::urlenc;

/// One layer taken off a pasted text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "import", derive(serde::Serialize))]
#[cfg_attr(feature = "import", serde(rename_all = "kebab-case"))]
pub enum Wrapper {
    /// `aws kms get-key-policy` output.
    KmsGetKeyPolicy,
    /// `aws s3api get-bucket-policy` output.
    S3GetBucketPolicy,
    /// `aws iam get-policy-version` output.
    IamGetPolicyVersion,
    /// `aws iam get-role-policy` output.
    IamGetRolePolicy,
    /// `aws iam get-user-policy` output.
    IamGetUserPolicy,
    /// `aws iam get-group-policy` output.
    IamGetGroupPolicy,
    /// A URL-encoded document (`%7B%22Version%22…`).
    UrlEncoded,
    /// A JSON string holding the document: the document was encoded twice.
    JsonString,
    /// A YAML document, converted to JSON.
    Yaml,
}

impl Wrapper {
    /// The CLI command whose output this is, if any.
    pub fn command(self) -> Option<&'static str> {
        Some(match self {
            Wrapper::KmsGetKeyPolicy => "aws kms get-key-policy",
            Wrapper::S3GetBucketPolicy => "aws s3api get-bucket-policy",
            Wrapper::IamGetPolicyVersion => "aws iam get-policy-version",
            Wrapper::IamGetRolePolicy => "aws iam get-role-policy",
            Wrapper::IamGetUserPolicy => "aws iam get-user-policy",
            Wrapper::IamGetGroupPolicy => "aws iam get-group-policy",
            _ => return None,
        })
    }
}

impl fmt::Display for Wrapper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(cmd) = self.command() {
            return write!(f, "unwrapped from `{cmd}` output");
        }
        f.write_str(match self {
            Wrapper::UrlEncoded => "URL-decoded (IAM returns policy documents URL-encoded)",
            Wrapper::JsonString => "decoded from a JSON string (the document was encoded twice)",
            _ => "converted from YAML to JSON",
        })
    }
}

/// A pasted text with its wrappers taken off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unwrapped {
    /// What the user pasted, unchanged.
    pub original: String,
    /// The policy document inside.
    pub text: String,
    /// What was taken off, outermost first.
    pub layers: Vec<Wrapper>,
    /// For every byte of `text` (and its end), the byte of `original` it came from.
    map: Vec<u32>,
}

impl Unwrapped {
    /// The offset in [`Unwrapped::original`] of byte `offset` of [`Unwrapped::text`].
    pub fn original_offset(&self, offset: u32) -> u32 {
        let i = usize::try_from(offset).unwrap_or(usize::MAX);
        self.map.get(i).or(self.map.last()).copied().unwrap_or(0)
    }

    /// One line for the user: "unwrapped from `aws kms get-key-policy` output,
    /// then decoded from a JSON string".
    pub fn describe(&self) -> String {
        let parts: Vec<String> = self.layers.iter().map(ToString::to_string).collect();
        parts.join(", then ")
    }
}

/// Deepest stack of wrappers taken off one text.
const MAX_LAYERS: usize = 8;

/// Takes CLI wrappers, URL-encoding, double encoding and YAML off a pasted policy.
/// `None` when there is nothing to take off (a plain JSON policy, or text that is
/// neither a known wrapper nor a document): lint the original then.
pub fn unwrap_policy(text: &str) -> Option<Unwrapped> {
    let mut current = text.to_string();
    let mut map: Vec<u32> = identity_map(text.len())?;
    let mut layers = Vec::new();
    while layers.len() < MAX_LAYERS {
        let Some((layer, next, local)) = step(&current) else {
            break;
        };
        // Compose: byte i of `next` came from byte local[i] of `current`.
        let composed: Vec<u32> = local
            .iter()
            .map(|&l| {
                map.get(usize::try_from(l).unwrap_or(usize::MAX))
                    .or(map.last())
                    .copied()
                    .unwrap_or(0)
            })
            .collect();
        layers.push(layer);
        current = next;
        map = composed;
    }
    (!layers.is_empty()).then(|| Unwrapped {
        original: text.to_string(),
        text: current,
        layers,
        map,
    })
}

fn identity_map(len: usize) -> Option<Vec<u32>> {
    let len = u32::try_from(len).ok()?;
    Some((0..=len).collect())
}

type Step = (Wrapper, String, Vec<u32>);

fn step(text: &str) -> Option<Step> {
    let trimmed = text.trim_start();
    let lead = u32::try_from(text.len() - trimmed.len()).ok()?;
    let shift = |(s, m): (String, Vec<u32>)| (s, m.into_iter().map(|o| o + lead).collect());
    if urlenc::looks_encoded(trimmed) {
        let (s, m) = shift(urlenc::decode(trimmed.trim_end())?);
        return Some((Wrapper::UrlEncoded, s, m));
    }
    match trimmed.as_bytes().first() {
        Some(b'"') => {
            let v = keyflow_json::parse(text).ok()?;
            let (s, m) = string_value(text, &v)?;
            Some((Wrapper::JsonString, s, m))
        }
        Some(b'{') => match keyflow_json::parse(text) {
            Ok(v) => wrapper(text, &v),
            Err(_) => yaml_step(text),
        },
        _ => yaml_step(text),
    }
}

/// A JSON string token's decoded text, mapped to the source.
fn string_value(text: &str, v: &Value<'_>) -> Option<(String, Vec<u32>)> {
    if !matches!(v.kind, Kind::String(_)) {
        return None;
    }
    let raw = text.get(v.span.start as usize..v.span.end as usize)?;
    let (s, m) = decode_json_string(raw)?;
    Some((s, m.into_iter().map(|o| o + v.span.start).collect()))
}

/// The value a wrapper holds: a string (decoded) or an object (sliced as written).
fn inner(text: &str, v: &Value<'_>) -> Option<(String, Vec<u32>)> {
    match &v.kind {
        Kind::String(_) => string_value(text, v),
        Kind::Object(_) => {
            let s = text.get(v.span.start as usize..v.span.end as usize)?;
            let m = (v.span.start..=v.span.end).collect();
            Some((s.to_string(), m))
        }
        _ => None,
    }
}

fn wrapper(text: &str, v: &Value<'_>) -> Option<Step> {
    if v.get("Statement").is_some() {
        return None;
    }
    if let Some(p) = v.get("Policy") {
        let (s, m) = inner(text, p)?;
        // Older CLI versions print get-key-policy without "PolicyName"; then the
        // document itself tells: key policies name kms: actions, bucket policies s3 ARNs.
        let kms = v.get("PolicyName").is_some()
            || (s.contains("kms:") && !s.contains("arn:aws:s3:::") && !s.contains("\"s3:"));
        let w = if kms {
            Wrapper::KmsGetKeyPolicy
        } else {
            Wrapper::S3GetBucketPolicy
        };
        return Some((w, s, m));
    }
    if let Some(doc) = v.get("PolicyVersion").and_then(|pv| pv.get("Document")) {
        let (s, m) = inner(text, doc)?;
        return Some((Wrapper::IamGetPolicyVersion, s, m));
    }
    if let Some(doc) = v.get("PolicyDocument") {
        let w = if v.get("UserName").is_some() {
            Wrapper::IamGetUserPolicy
        } else if v.get("GroupName").is_some() {
            Wrapper::IamGetGroupPolicy
        } else {
            Wrapper::IamGetRolePolicy
        };
        let (s, m) = inner(text, doc)?;
        return Some((w, s, m));
    }
    None
}

#[cfg(feature = "yaml")]
fn yaml_step(text: &str) -> Option<Step> {
    let node = crate::yaml::parse(text).ok()?;
    // Only documents that are a policy or a known wrapper: a plain scalar is YAML too.
    let keys = ["Statement", "Policy", "PolicyVersion", "PolicyDocument"];
    if !keys.iter().any(|k| node.get(k).is_some()) {
        return None;
    }
    let mut map = Vec::new();
    let json = crate::node::to_json(&node, Some(&mut map));
    Some((Wrapper::Yaml, json, map))
}

#[cfg(not(feature = "yaml"))]
fn yaml_step(_text: &str) -> Option<Step> {
    None
}

fn hex4(s: &[u8]) -> Option<u32> {
    let t = std::str::from_utf8(s.get(..4)?).ok()?;
    u32::from_str_radix(t, 16).ok()
}

/// Decodes a JSON string token (with its quotes); maps each output byte to the
/// offset (within `raw`) of the character or escape it came from.
fn decode_json_string(raw: &str) -> Option<(String, Vec<u32>)> {
    let bytes = raw.as_bytes();
    if bytes.first() != Some(&b'"') || bytes.len() < 2 || bytes.last() != Some(&b'"') {
        return None;
    }
    let body_end = bytes.len() - 1;
    let mut out = String::with_capacity(raw.len());
    let mut map = Vec::with_capacity(raw.len());
    let mut i = 1usize;
    let push = |out: &mut String, map: &mut Vec<u32>, c: char, from: usize| {
        let before = out.len();
        out.push(c);
        let at = u32::try_from(from).unwrap_or(u32::MAX);
        map.extend(std::iter::repeat_n(at, out.len() - before));
    };
    while i < body_end {
        let b = *bytes.get(i)?;
        if b == b'\\' {
            let esc = *bytes.get(i + 1)?;
            let (c, len) = match esc {
                b'"' => ('"', 2),
                b'\\' => ('\\', 2),
                b'/' => ('/', 2),
                b'b' => ('\u{8}', 2),
                b'f' => ('\u{c}', 2),
                b'n' => ('\n', 2),
                b'r' => ('\r', 2),
                b't' => ('\t', 2),
                b'u' => {
                    let hi = hex4(bytes.get(i + 2..)?)?;
                    if (0xD800..0xDC00).contains(&hi) {
                        if bytes.get(i + 6..i + 8)? != b"\\u" {
                            return None;
                        }
                        let lo = hex4(bytes.get(i + 8..)?)?;
                        let c = 0x10000 + ((hi - 0xD800) << 10) + (lo.checked_sub(0xDC00)?);
                        (char::from_u32(c)?, 12)
                    } else {
                        (char::from_u32(hi)?, 6)
                    }
                }
                _ => return None,
            };
            push(&mut out, &mut map, c, i);
            i += len;
        } else {
            let c = raw.get(i..)?.chars().next()?;
            push(&mut out, &mut map, c, i);
            i += c.len_utf8();
        }
    }
    map.push(u32::try_from(body_end).ok()?);
    Some((out, map))
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}"#;

    fn quoted(s: &str) -> String {
        let mut q = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => q.push_str("\\\""),
                '\\' => q.push_str("\\\\"),
                '\n' => q.push_str("\\n"),
                c => q.push(c),
            }
        }
        q.push('"');
        q
    }

    fn url(s: &str) -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    }

    #[test]
    fn a_plain_policy_is_left_alone() {
        assert_eq!(unwrap_policy(POLICY), None);
        assert_eq!(unwrap_policy("{ broken"), None);
        assert_eq!(unwrap_policy(""), None);
    }

    #[test]
    fn kms_get_key_policy_output() {
        let pasted = format!(
            "{{\n    \"Policy\": {},\n    \"PolicyName\": \"default\"\n}}\n",
            quoted(POLICY)
        );
        let u = unwrap_policy(&pasted).unwrap();
        assert_eq!(u.text, POLICY);
        assert_eq!(u.layers, vec![Wrapper::KmsGetKeyPolicy]);
        assert_eq!(
            u.describe(),
            "unwrapped from `aws kms get-key-policy` output"
        );
        assert_eq!(u.original, pasted);
        // "kms:*" in the document maps to the escaped "kms:*" in the paste.
        let at = u.text.find("kms:*").unwrap() as u32;
        let o = u.original_offset(at) as usize;
        assert_eq!(&pasted[o..o + 5], "kms:*");
        // A quote inside the document maps to its backslash escape.
        let o = u.original_offset(1) as usize;
        assert_eq!(&pasted[o..o + 2], "\\\"");
    }

    #[test]
    fn bucket_policy_output_and_older_key_policy_output() {
        let bucket = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;
        let u = unwrap_policy(&format!("{{\"Policy\": {}}}", quoted(bucket))).unwrap();
        assert_eq!(u.layers, vec![Wrapper::S3GetBucketPolicy]);
        assert_eq!(u.text, bucket);
        let u = unwrap_policy(&format!("{{\"Policy\": {}}}", quoted(POLICY))).unwrap();
        assert_eq!(u.layers, vec![Wrapper::KmsGetKeyPolicy]);
    }

    #[test]
    fn policy_version_as_object_and_url_encoded() {
        let pasted = format!(
            "{{\"PolicyVersion\": {{\"Document\": {POLICY}, \"VersionId\": \"v1\", \"IsDefaultVersion\": true}}}}"
        );
        let u = unwrap_policy(&pasted).unwrap();
        assert_eq!(u.layers, vec![Wrapper::IamGetPolicyVersion]);
        assert_eq!(u.text, POLICY);
        let start = pasted.find(POLICY).unwrap() as u32;
        assert_eq!(u.original_offset(0), start);

        let pasted = format!(
            "{{\"PolicyVersion\": {{\"Document\": \"{}\", \"VersionId\": \"v1\"}}}}",
            url(POLICY)
        );
        let u = unwrap_policy(&pasted).unwrap();
        assert_eq!(
            u.layers,
            vec![Wrapper::IamGetPolicyVersion, Wrapper::UrlEncoded]
        );
        assert_eq!(u.text, POLICY);
        let at = u.text.find("Allow").unwrap() as u32;
        let o = u.original_offset(at) as usize;
        assert_eq!(&pasted[o..o + 5], "Allow");
    }

    #[test]
    fn inline_policy_outputs() {
        for (name, w) in [
            ("RoleName", Wrapper::IamGetRolePolicy),
            ("UserName", Wrapper::IamGetUserPolicy),
            ("GroupName", Wrapper::IamGetGroupPolicy),
        ] {
            let pasted = format!(
                "{{\"{name}\": \"x\", \"PolicyName\": \"p\", \"PolicyDocument\": {POLICY}}}"
            );
            let u = unwrap_policy(&pasted).unwrap();
            assert_eq!(u.layers, vec![w]);
            assert_eq!(u.text, POLICY);
        }
    }

    #[test]
    fn url_encoded_and_double_encoded_documents() {
        let u = unwrap_policy(&url(POLICY)).unwrap();
        assert_eq!(u.layers, vec![Wrapper::UrlEncoded]);
        assert_eq!(u.text, POLICY);
        let u = unwrap_policy(&quoted(POLICY)).unwrap();
        assert_eq!(u.layers, vec![Wrapper::JsonString]);
        assert_eq!(u.text, POLICY);
        let u = unwrap_policy(&quoted(&quoted(POLICY))).unwrap();
        assert_eq!(u.layers, vec![Wrapper::JsonString, Wrapper::JsonString]);
        assert_eq!(u.text, POLICY);
        assert_eq!(
            u.describe(),
            "decoded from a JSON string (the document was encoded twice), then decoded from a JSON string (the document was encoded twice)"
        );
        // A string that does not hold a document still unwraps once; the linter
        // then reports what is inside.
        assert_eq!(unwrap_policy("\"hello\"").unwrap().text, "hello");
    }

    #[test]
    fn unicode_escapes_and_surrogate_pairs() {
        let (s, m) = decode_json_string("\"a\\u00e9\\ud83d\\ude00b\"").unwrap();
        assert_eq!(s, "aé😀b");
        assert_eq!(m.len(), s.len() + 1);
        assert_eq!(m[0], 1);
        assert_eq!(m[1], 2);
        assert_eq!(m[3], 8);
        assert!(decode_json_string("\"\\ud83d\"").is_none());
    }

    #[cfg(feature = "yaml")]
    #[test]
    fn yaml_policies() {
        let pasted = "Version: '2012-10-17'\nStatement:\n  - Effect: Allow\n    Action: s3:GetObject\n    Resource: 'arn:aws:s3:::b/*'\n";
        let u = unwrap_policy(pasted).unwrap();
        assert_eq!(u.layers, vec![Wrapper::Yaml]);
        assert!(
            u.text.starts_with("{\n    \"Version\": \"2012-10-17\""),
            "{}",
            u.text
        );
        let at = u.text.find("\"s3:GetObject\"").unwrap() as u32;
        let o = u.original_offset(at) as usize;
        assert!(pasted[o..].starts_with("s3:GetObject"));
        // A YAML wrapper around a JSON string.
        let pasted = format!("PolicyDocument: '{POLICY}'\n");
        let u = unwrap_policy(&pasted).unwrap();
        assert_eq!(u.text, POLICY);
        // Plain words are YAML scalars, not policies.
        assert_eq!(unwrap_policy("hello"), None);
    }
}
