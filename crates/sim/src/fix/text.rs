//! Policy text surgery for fixes: append statements to a policy, add one
//! value to a list inside a statement, and a line diff of the result.
//!
//! Every change keeps the user's text byte for byte outside the inserted
//! characters, so the diff the page shows is exactly the fix.

use keyflow_json::{Kind, Span, Value};
use serde::Serialize;

use crate::names::names;

names! {
    /// What a diff line does.
    pub enum DiffOp {
        Same = "same",
        Added = "added",
        Removed = "removed",
    }
}

/// One line of a policy text diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffLine {
    pub op: DiffOp,
    pub text: String,
    /// 1-based line number in the text before (`None` for an added line).
    pub before: Option<u32>,
    /// 1-based line number in the text after (`None` for a removed line).
    pub after: Option<u32>,
}

/// The whitespace that starts the line holding `offset`.
fn line_indent(text: &str, offset: usize) -> &str {
    let start = text
        .get(..offset)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let line = text.get(start..).unwrap_or("");
    let width = line.len() - line.trim_start_matches([' ', '\t']).len();
    line.get(..width).unwrap_or("")
}

/// Indents every line but the first of `block` with `indent`.
fn reindent(block: &str, indent: &str) -> String {
    let mut out = String::with_capacity(block.len() + 16);
    for (i, line) in block.lines().enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(indent);
        }
        out.push_str(line);
    }
    out
}

fn splice(text: &str, span: Span, with: &str) -> Option<String> {
    let (start, end) = (span.start as usize, span.end as usize);
    Some(format!("{}{with}{}", text.get(..start)?, text.get(end..)?))
}

/// One indentation step of the text: the indent of the top-level keys, or four spaces.
fn indent_unit(text: &str, root: &Value<'_>) -> String {
    match root.as_object().and_then(|m| m.first()) {
        Some(m) => {
            let i = line_indent(text, m.key_span.start as usize);
            if i.is_empty() {
                "    ".to_string()
            } else {
                i.to_string()
            }
        }
        None => "    ".to_string(),
    }
}

/// Appends statements (each a JSON object text) to the policy's `Statement`
/// list, laid out like the statements around them. `None` when the text is not
/// a JSON object with a `Statement` array or object.
pub fn append_statements(text: &str, statements: &[String]) -> Option<String> {
    if statements.is_empty() {
        return Some(text.to_string());
    }
    let root = keyflow_json::parse(text).ok()?;
    let member = root.as_object()?.iter().find(|m| m.key == "Statement")?;
    let multi_line = text.contains('\n');
    let unit = indent_unit(text, &root);
    let key_indent = line_indent(text, member.key_span.start as usize).to_string();
    let item_indent = format!("{key_indent}{unit}");
    let laid_out = |s: &str, indent: &str| -> String {
        if multi_line {
            let pretty = crate::jsontext::pretty(s).unwrap_or_else(|| s.to_string());
            let pretty = if unit == "    " {
                pretty
            } else {
                pretty.replace("    ", &unit)
            };
            reindent(&pretty, indent)
        } else {
            crate::jsontext::minify(s).unwrap_or_else(|| s.to_string())
        }
    };
    match &member.value.kind {
        Kind::Array(items) => match items.last() {
            Some(last) => {
                let indent = if multi_line {
                    line_indent(text, last.span.start as usize).to_string()
                } else {
                    String::new()
                };
                let mut add = String::new();
                for s in statements {
                    if multi_line {
                        add.push_str(",\n");
                        add.push_str(&indent);
                    } else {
                        add.push(',');
                    }
                    add.push_str(&laid_out(s, &indent));
                }
                splice(text, Span::at(last.span.end), &add)
            }
            None => {
                let body: Vec<String> = statements
                    .iter()
                    .map(|s| laid_out(s, &item_indent))
                    .collect();
                let array = if multi_line {
                    format!(
                        "[\n{item_indent}{}\n{key_indent}]",
                        body.join(&format!(",\n{item_indent}"))
                    )
                } else {
                    format!("[{}]", body.join(","))
                };
                splice(text, member.value.span, &array)
            }
        },
        Kind::Object(_) => {
            let original = member.value.span.slice(text);
            let mut body = vec![reindent(original, "")];
            body.extend(statements.iter().map(|s| laid_out(s, &item_indent)));
            let array = if multi_line {
                format!(
                    "[\n{item_indent}{}\n{key_indent}]",
                    body.join(&format!(",\n{item_indent}"))
                )
            } else {
                format!("[{}]", body.join(","))
            };
            splice(text, member.value.span, &array)
        }
        _ => None,
    }
}

/// A new policy document holding `statements`, in the console's layout.
pub fn new_policy(statements: &[String]) -> String {
    let compact = format!(
        "{{\"Version\":\"2012-10-17\",\"Statement\":[{}]}}",
        statements.join(",")
    );
    crate::jsontext::pretty(&compact).unwrap_or(compact)
}

fn find_at<'v, 'a>(v: &'v Value<'a>, span: Span) -> Option<&'v Value<'a>> {
    if v.span == span {
        return Some(v);
    }
    if span.start < v.span.start || span.end > v.span.end {
        return None;
    }
    match &v.kind {
        Kind::Array(items) => items.iter().find_map(|i| find_at(i, span)),
        Kind::Object(members) => members.iter().find_map(|m| find_at(&m.value, span)),
        _ => None,
    }
}

/// The span of the value of `key` inside the object at `span` (for a
/// `Principal` block: the `AWS` or `Service` list).
pub fn member_span(text: &str, span: Span, key: &str) -> Option<Span> {
    let root = keyflow_json::parse(text).ok()?;
    let object = find_at(&root, span)?;
    object
        .as_object()?
        .iter()
        .find(|m| m.key == key)
        .map(|m| m.value.span)
}

/// Adds `value` to the string or array of strings at `span`: `"a"` becomes
/// `["a", "b"]`, `["a"]` becomes `["a", "b"]` (multi-line arrays stay
/// multi-line). `None` when `span` holds neither, or already holds `value`.
pub fn add_to_list(text: &str, span: Span, value: &str) -> Option<String> {
    let root = keyflow_json::parse(text).ok()?;
    let target = find_at(&root, span)?;
    let quoted = serde_json::to_string(value).ok()?;
    match &target.kind {
        Kind::String(s) => {
            if s == value {
                return None;
            }
            let old = target.span.slice(text);
            splice(text, target.span, &format!("[{old}, {quoted}]"))
        }
        Kind::Array(items) => {
            if items.iter().any(|i| i.as_str() == Some(value)) {
                return None;
            }
            if !items.iter().all(|i| matches!(i.kind, Kind::String(_))) {
                return None;
            }
            match items.last() {
                Some(last) => {
                    let add = if target.span.slice(text).contains('\n') {
                        format!(",\n{}{quoted}", line_indent(text, last.span.start as usize))
                    } else {
                        format!(", {quoted}")
                    };
                    splice(text, Span::at(last.span.end), &add)
                }
                None => splice(text, target.span, &format!("[{quoted}]")),
            }
        }
        _ => None,
    }
}

/// The lines of `before` and `after`, aligned: unchanged lines, removed lines
/// and added lines in order (a longest-common-subsequence diff).
pub fn line_diff(before: &str, after: &str) -> Vec<DiffLine> {
    let a: Vec<&str> = before.lines().collect();
    let b: Vec<&str> = after.lines().collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut out = Vec::with_capacity(a.len().max(b.len()) + 4);
    let line = |i: usize| u32::try_from(i + 1).ok();
    for (i, t) in a.iter().enumerate().take(prefix) {
        out.push(DiffLine {
            op: DiffOp::Same,
            text: (*t).to_string(),
            before: line(i),
            after: line(i),
        });
    }
    // Longest common subsequence of the middle; a policy is a few hundred lines
    // at most, and very large middles fall back to remove-all / add-all.
    let (n, m) = (ma.len(), mb.len());
    // (op, index in the middle of `a`, index in the middle of `b`)
    let mut ops: Vec<(DiffOp, usize, usize)> = Vec::new();
    if n.saturating_mul(m) <= 4_000_000 {
        let w = m + 1;
        let mut dp = vec![0u32; (n + 1) * w];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                dp[i * w + j] = if ma[i] == mb[j] {
                    dp[(i + 1) * w + j + 1] + 1
                } else {
                    dp[(i + 1) * w + j].max(dp[i * w + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && ma[i] == mb[j] {
                ops.push((DiffOp::Same, i, j));
                i += 1;
                j += 1;
            } else if j < m && (i == n || dp[i * w + j + 1] >= dp[(i + 1) * w + j]) {
                ops.push((DiffOp::Added, i, j));
                j += 1;
            } else {
                ops.push((DiffOp::Removed, i, j));
                i += 1;
            }
        }
    } else {
        ops.extend((0..n).map(|i| (DiffOp::Removed, i, 0)));
        ops.extend((0..m).map(|j| (DiffOp::Added, n, j)));
    }
    for (op, i, j) in ops {
        out.push(match op {
            DiffOp::Same => DiffLine {
                op,
                text: ma[i].to_string(),
                before: line(prefix + i),
                after: line(prefix + j),
            },
            DiffOp::Added => DiffLine {
                op,
                text: mb[j].to_string(),
                before: None,
                after: line(prefix + j),
            },
            DiffOp::Removed => DiffLine {
                op,
                text: ma[i].to_string(),
                before: line(prefix + i),
                after: None,
            },
        });
    }
    for s in 0..suffix {
        let (i, j) = (a.len() - suffix + s, b.len() - suffix + s);
        out.push(DiffLine {
            op: DiffOp::Same,
            text: a[i].to_string(),
            before: line(i),
            after: line(j),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = "{\n    \"Version\": \"2012-10-17\",\n    \"Statement\": [\n        {\n            \"Effect\": \"Allow\",\n            \"Action\": \"s3:GetObject\",\n            \"Resource\": \"*\"\n        }\n    ]\n}";
    const NEW: &str = r#"{"Sid":"New","Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}"#;

    #[test]
    fn appended_statements_take_the_layout_of_their_neighbours() {
        let out = append_statements(POLICY, &[NEW.to_string()]).unwrap();
        assert!(out.starts_with(&POLICY[..POLICY.len() - 8]), "{out}");
        assert!(
            out.contains("        },\n        {\n            \"Sid\": \"New\",\n"),
            "{out}"
        );
        assert!(out.ends_with("        }\n    ]\n}"), "{out}");
        let diff = line_diff(POLICY, &out);
        let added: Vec<&DiffLine> = diff.iter().filter(|d| d.op == DiffOp::Added).collect();
        assert_eq!(added.len(), 6, "{diff:?}");
        assert!(diff.iter().all(|d| d.op != DiffOp::Removed));
        assert!(keyflow_json::parse(&out).is_ok());
        // A one-line policy stays on one line.
        let min = crate::jsontext::minify(POLICY).unwrap();
        let out = append_statements(&min, &[NEW.to_string()]).unwrap();
        assert!(
            !out.contains('\n') && out.ends_with(r#""Resource":"*"}]}"#),
            "{out}"
        );
    }

    #[test]
    fn empty_and_single_statement_lists() {
        let empty = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": []\n}";
        let out = append_statements(empty, &[NEW.to_string()]).unwrap();
        assert!(
            out.contains("\"Statement\": [\n    {\n      \"Sid\": \"New\""),
            "{out}"
        );
        let single = "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\"}}";
        let out = append_statements(single, &[NEW.to_string()]).unwrap();
        let v = keyflow_json::parse(&out).unwrap();
        assert_eq!(v.get("Statement").unwrap().as_array().unwrap().len(), 2);
        assert_eq!(append_statements("[]", &[NEW.to_string()]), None);
        assert!(keyflow_json::parse(&new_policy(&[NEW.to_string()])).is_ok());
    }

    #[test]
    fn values_join_their_list() {
        let text = r#"{"Principal": {"AWS": "arn:aws:iam::1:user/a"}, "Action": ["kms:Encrypt"]}"#;
        let root = keyflow_json::parse(text).unwrap();
        let principal = root.get("Principal").unwrap().span;
        let aws = member_span(text, principal, "AWS").unwrap();
        let out = add_to_list(text, aws, "arn:aws:iam::1:user/b").unwrap();
        assert!(
            out.contains(r#""AWS": ["arn:aws:iam::1:user/a", "arn:aws:iam::1:user/b"]"#),
            "{out}"
        );
        let action = root.get("Action").unwrap().span;
        let out = add_to_list(text, action, "kms:Decrypt").unwrap();
        assert!(out.contains(r#"["kms:Encrypt", "kms:Decrypt"]"#), "{out}");
        assert_eq!(add_to_list(text, action, "kms:Encrypt"), None);
        let multi = "{\n  \"A\": [\n    \"x\"\n  ]\n}";
        let span = keyflow_json::parse(multi).unwrap().get("A").unwrap().span;
        assert_eq!(
            add_to_list(multi, span, "y").unwrap(),
            "{\n  \"A\": [\n    \"x\",\n    \"y\"\n  ]\n}"
        );
    }

    #[test]
    fn the_diff_aligns_lines() {
        let d = line_diff("a\nb\nc\nd", "a\nx\nc\nd\ne");
        let ops: Vec<(DiffOp, &str)> = d.iter().map(|l| (l.op, l.text.as_str())).collect();
        assert_eq!(
            ops,
            [
                (DiffOp::Same, "a"),
                (DiffOp::Added, "x"),
                (DiffOp::Removed, "b"),
                (DiffOp::Same, "c"),
                (DiffOp::Same, "d"),
                (DiffOp::Added, "e"),
            ]
        );
        assert_eq!(d[3].before, Some(3));
        assert_eq!(d[3].after, Some(3));
        assert_eq!(d[5].after, Some(5));
    }
}
