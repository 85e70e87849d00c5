//! Policy variables: `${aws:username}`, `${aws:PrincipalTag/team, 'default'}` and
//! the escapes `${*}`, `${?}`, `${$}` (only under Version 2012-10-17).

use crate::context::Context;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    Lit(String),
    /// A character from `${*}`, `${?}` or `${$}`: always literal, never a wildcard.
    Esc(char),
    Var {
        key: String,
        default: Option<String>,
    },
}

/// A string with variables, compiled once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Template {
    pub(crate) parts: Vec<Part>,
}

/// Parses `${...}` references; `None` when the text has none (the common case).
pub(crate) fn parse_template(text: &str) -> Option<Template> {
    if !text.contains("${") {
        return None;
    }
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let inner = &after[..end];
        lit.push_str(&rest[..start]);
        let part = match inner {
            "*" => Some(Part::Esc('*')),
            "?" => Some(Part::Esc('?')),
            "$" => Some(Part::Esc('$')),
            _ => parse_var(inner),
        };
        match part {
            Some(p) => {
                if !lit.is_empty() {
                    parts.push(Part::Lit(std::mem::take(&mut lit)));
                }
                parts.push(p);
            }
            // Not a variable: keep the text as written.
            None => {
                lit.push_str("${");
                lit.push_str(inner);
                lit.push('}');
            }
        }
        rest = &after[end + 1..];
    }
    lit.push_str(rest);
    if !lit.is_empty() {
        parts.push(Part::Lit(lit));
    }
    if parts.iter().all(|p| matches!(p, Part::Lit(_))) {
        return None;
    }
    Some(Template { parts })
}

/// `key` or `key, 'default'`.
fn parse_var(inner: &str) -> Option<Part> {
    let (key, default) = match inner.split_once(',') {
        Some((k, d)) => {
            let d = d.trim();
            let d = d.strip_prefix('\'')?.strip_suffix('\'')?;
            (k.trim(), Some(d.to_owned()))
        }
        None => (inner.trim(), None),
    };
    if key.is_empty()
        || key
            .chars()
            .any(|c| c.is_whitespace() || c == '$' || c == '{')
    {
        return None;
    }
    Some(Part::Var {
        key: key.to_owned(),
        default,
    })
}

/// Value of a variable: a single-valued context key, else its default. Multivalued
/// keys cannot be variables.
fn lookup<'a>(key: &str, default: Option<&'a str>, ctx: &'a Context) -> Option<&'a str> {
    match ctx.get(key) {
        Some(crate::context::ContextValue::Single(s)) => Some(s),
        Some(crate::context::ContextValue::Multi(_)) => None,
        None => default,
    }
}

impl Template {
    /// Writes the substituted text; `false` when a variable has no value (the
    /// comparison then fails).
    pub(crate) fn resolve(&self, ctx: &Context, out: &mut String) -> bool {
        for part in &self.parts {
            match part {
                Part::Lit(s) => out.push_str(s),
                Part::Esc(c) => out.push(*c),
                Part::Var { key, default } => match lookup(key, default.as_deref(), ctx) {
                    Some(v) => out.push_str(v),
                    None => return false,
                },
            }
        }
        true
    }

    /// Like [`Template::resolve`] but marks which characters are literal (escapes and
    /// variable values), for building wildcard patterns.
    pub(crate) fn resolve_marked(&self, ctx: &Context, out: &mut Vec<(char, bool)>) -> bool {
        for part in &self.parts {
            match part {
                Part::Lit(s) => out.extend(s.chars().map(|c| (c, false))),
                Part::Esc(c) => out.push((*c, true)),
                Part::Var { key, default } => match lookup(key, default.as_deref(), ctx) {
                    Some(v) => out.extend(v.chars().map(|c| (c, true))),
                    None => return false,
                },
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(t: &str, ctx: &Context) -> Option<String> {
        let mut s = String::new();
        let tpl = parse_template(t)?;
        tpl.resolve(ctx, &mut s).then_some(s)
    }

    #[test]
    fn substitutes_variables_and_defaults() {
        let ctx = Context::new().with("aws:username", "alice");
        assert_eq!(
            resolve("home/${aws:username}/*", &ctx).unwrap(),
            "home/alice/*"
        );
        assert_eq!(
            resolve("t/${aws:PrincipalTag/team, 'shared'}/x", &ctx).unwrap(),
            "t/shared/x"
        );
        // Key names are case-insensitive.
        assert_eq!(resolve("${AWS:UserName}", &ctx).unwrap(), "alice");
        // Missing key without default: no value.
        let tpl = parse_template("${aws:PrincipalTag/team}").unwrap();
        assert!(!tpl.resolve(&ctx, &mut String::new()));
    }

    #[test]
    fn escapes_are_literal() {
        let tpl = parse_template("wild${*}card${?}${$}").unwrap();
        let mut marked = Vec::new();
        assert!(tpl.resolve_marked(&Context::new(), &mut marked));
        let star = marked.iter().find(|(c, _)| *c == '*').unwrap();
        assert!(star.1, "escaped star is literal");
        assert_eq!(resolve("a${$}b", &Context::new()).unwrap(), "a$b");
    }

    #[test]
    fn no_template_without_variables() {
        assert!(parse_template("plain").is_none());
        assert!(parse_template("${not closed").is_none());
        assert!(parse_template("${ }").is_none());
    }

    #[test]
    fn multivalued_keys_are_not_variables() {
        let ctx = Context::new().with("aws:TagKeys", vec!["a"]);
        assert!(resolve("${aws:TagKeys}", &ctx).is_none());
    }
}
