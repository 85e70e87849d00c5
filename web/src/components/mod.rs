//! Leaf views. Each reads [`crate::AppContext`] and dispatches actions; none
//! keeps state that matters beyond a render (that is all in `State`).

pub mod compare;
pub mod drafts;
pub mod editor;
pub mod expectations;
pub mod explain;
pub mod fields;
pub mod import;
pub mod matrix;
pub mod notice;
pub mod panel;
pub mod picker;
pub mod policies;
pub mod rename;
pub mod results;
pub mod settings;
pub mod share;
pub mod timeline;

use keyflow_sim::{Check, MatrixRow, Report};

use crate::state::{MatrixColumn, Selection};

/// The checks behind one matrix cell.
pub fn column_checks(row: &MatrixRow, column: MatrixColumn) -> Vec<&Check> {
    row.checks
        .iter()
        .filter(|c| {
            let a = c.action();
            match column {
                MatrixColumn::Deliver => {
                    a.ends_with("PutObject")
                        || a.contains("GenerateDataKey")
                        || a.ends_with(":Encrypt")
                }
                MatrixColumn::Read => a.ends_with("GetObject") || a.ends_with(":Decrypt"),
            }
        })
        .collect()
}

/// The check whose explanation is open.
pub fn focused_check<'a>(report: &'a Report, selection: &Selection) -> Option<&'a Check> {
    match selection {
        Selection::Check(id) => report.check(id),
        Selection::Cell {
            flow,
            principal,
            column,
        } => {
            let row = report
                .flow(flow)?
                .matrix
                .iter()
                .find(|r| &r.principal == principal)?;
            let checks = column_checks(row, *column);
            checks
                .iter()
                .find(|c| !c.allowed())
                .or(checks.last())
                .copied()
        }
    }
}

/// The check a step is "about": its first denied check, else its last one.
pub fn telling_check(checks: &[Check]) -> Option<&Check> {
    checks.iter().find(|c| !c.allowed()).or(checks.last())
}

/// The resource part of an ARN, for compact display (`user/Admin`); the
/// account root keeps its account (`root (111122223333)`), or it names no one.
pub fn short_arn(arn: &str) -> std::borrow::Cow<'_, str> {
    let Some(parsed) = keyflow_policy::Arn::parse(arn) else {
        return arn.into();
    };
    if parsed.resource == "root" {
        return format!("root ({})", parsed.account).into();
    }
    short_resource(parsed.resource).into()
}

fn short_resource(resource: &str) -> &str {
    if resource.len() > 60 {
        // Long object keys: keep the bucket and the file name.
        if let (Some(first), Some(last)) = (resource.find('/'), resource.rfind('/'))
            && first != last
        {
            return resource.get(last..).unwrap_or(resource);
        }
    }
    resource
}

/// Joins class names, skipping empty ones. Used instead of `classes!`, whose
/// expansion at every call site costs bundle size.
pub fn cls(parts: &[&str]) -> String {
    let mut out = String::new();
    for p in parts.iter().filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(p);
    }
    out
}

/// `class` when `on`, else nothing.
pub fn when(on: bool, class: &str) -> &str {
    if on { class } else { "" }
}

/// A green or red pill.
pub fn badge(ok: bool, text: &str) -> yew::Html {
    let class = if ok { "badge ok" } else { "badge deny" };
    yew::html! { <span {class}>{ text.to_string() }</span> }
}

#[cfg(test)]
mod tests {
    use super::short_arn;

    #[test]
    fn the_account_root_keeps_its_account() {
        assert_eq!(
            short_arn("arn:aws:iam::111122223333:root"),
            "root (111122223333)"
        );
        assert_eq!(
            short_arn("arn:aws:iam::111122223333:user/Admin"),
            "user/Admin"
        );
        assert_eq!(
            short_arn("cloudtrail.amazonaws.com"),
            "cloudtrail.amazonaws.com"
        );
    }
}
