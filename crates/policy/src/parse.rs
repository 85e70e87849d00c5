//! JSON text → [`Policy`] plus validation diagnostics. Never fails: whatever cannot
//! be understood is reported with a span and left out of the AST.

use keyflow_json::{Kind, Member, Value};

use crate::ast::*;
use crate::condition::{OperatorSpec, compile_value};
use crate::diag::{Code, Diagnostic};
use crate::pattern::{Flavor, Glob};
use crate::span::Span;
use crate::variables::parse_template;

/// A parsed policy and the validation errors found while parsing.
#[derive(Clone, Debug)]
pub struct Parsed {
    pub policy: Policy,
    pub diagnostics: Vec<Diagnostic>,
}

impl Parsed {
    /// True when no error-level diagnostic was reported.
    pub fn is_valid(&self) -> bool {
        !self
            .diagnostics
            .iter()
            .any(|d| d.severity == crate::Severity::Error)
    }
}

/// Parses and validates `text` as a policy of `kind`. Never fails: broken input gives
/// a partial (maybe empty) policy plus error diagnostics. Lints are separate
/// ([`crate::lint`]).
pub fn parse(text: &str, kind: PolicyKind) -> Parsed {
    let mut p = PolicyParser {
        kind,
        diags: Vec::new(),
        duplicates: Vec::new(),
        variables: false,
    };
    // A UTF-8 byte order mark is outside the characters IAM accepts in a policy
    // document (tab, LF, CR and U+0020–U+00FF, IAM and AWS STS quotas) and makes
    // the first byte something other than `{`. Report it, then read the rest: three
    // spaces keep every span where it was.
    let unmarked;
    let text = match text.strip_prefix('\u{FEFF}') {
        Some(rest) => {
            p.diags.push(
                Diagnostic::new(
                    Code::ByteOrderMark,
                    Span::new(0, 3),
                    "The document starts with a UTF-8 byte order mark (U+FEFF); AWS accepts only a policy whose first byte is `{`.",
                )
                .with_help("save the file as UTF-8 without BOM"),
            );
            unmarked = format!("   {rest}");
            unmarked.as_str()
        }
        None => text,
    };
    p.characters(text);
    let mut policy = Policy::empty(kind);
    match keyflow_json::parse(text) {
        Ok(root) => {
            policy.span = root.span;
            p.document(&root, &mut policy);
        }
        Err(e) => {
            let d = match e.kind {
                keyflow_json::ErrorKind::Empty => Diagnostic::new(
                    Code::NotAnObject,
                    e.span,
                    "Policies must be valid JSON and the first byte must be '{'",
                )
                .with_help("fix the JSON syntax; the position is where the parser stopped"),
                // Point at the comma itself, not at the bracket after it.
                keyflow_json::ErrorKind::TrailingComma => {
                    let at = text
                        .get(..e.span.start as usize)
                        .and_then(|before| before.trim_end().strip_suffix(','))
                        .map_or(e.span.start, |b| {
                            u32::try_from(b.len()).unwrap_or(e.span.start)
                        });
                    Diagnostic::new(
                        Code::JsonSyntax,
                        Span::new(at, at.saturating_add(1)),
                        format!("Syntax errors in policy: {}.", e.kind),
                    )
                    .with_help("remove the comma after the last element")
                }
                _ => Diagnostic::new(
                    Code::JsonSyntax,
                    e.span,
                    format!("Syntax errors in policy: {}.", e.kind),
                )
                .with_help("fix the JSON syntax; the position is where the parser stopped"),
            };
            p.diags.push(d);
        }
    }
    policy.duplicate_keys = p.duplicates;
    Parsed {
        policy,
        diagnostics: p.diags,
    }
}

struct PolicyParser {
    kind: PolicyKind,
    diags: Vec<Diagnostic>,
    duplicates: Vec<Spanned<String>>,
    variables: bool,
}

fn string_of(v: &Value<'_>) -> Option<String> {
    v.as_str().map(str::to_owned)
}

impl PolicyParser {
    fn err(&mut self, code: Code, span: Span, msg: impl Into<String>) -> &mut Diagnostic {
        self.diags.push(Diagnostic::new(code, span, msg));
        let last = self.diags.len() - 1;
        &mut self.diags[last]
    }

    /// KF028: characters outside what the policy kind accepts. IAM: "Policy
    /// documents can contain only the following Unicode characters: horizontal tab
    /// (U+0009), linefeed (U+000A), carriage return (U+000D), and characters in the
    /// range U+0020 to U+00FF" (IAM and AWS STS quotas). AWS KMS: printable ASCII,
    /// printable Basic Latin and Latin-1 Supplement characters, tab, line feed and
    /// carriage return (AWS KMS Developer Guide, key policy format). One finding
    /// per run of such characters.
    fn characters(&mut self, text: &str) {
        let allowed: fn(char) -> bool = match self.kind {
            PolicyKind::KeyPolicy => {
                |c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7E}' | '\u{A0}'..='\u{FF}')
            }
            PolicyKind::Identity
            | PolicyKind::PermissionBoundary
            | PolicyKind::SessionPolicy
            | PolicyKind::TrustPolicy => |c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FF}'),
            _ => return,
        };
        // Almost every policy is ASCII: one byte scan and done.
        if text
            .bytes()
            .all(|b| b.is_ascii() && (b >= 0x20 || matches!(b, b'\t' | b'\n' | b'\r')))
        {
            return;
        }
        let what = if self.kind == PolicyKind::KeyPolicy {
            "A key policy document can include only printable ASCII and Latin-1 characters, tab, line feed and carriage return"
        } else {
            "IAM policy documents can contain only tab, line feed, carriage return and the characters U+0020 to U+00FF"
        };
        let mut run: Option<(usize, usize, char)> = None;
        let flush = |this: &mut Self, run: &mut Option<(usize, usize, char)>| {
            if let Some((start, end, first)) = run.take() {
                let span = Span::new(
                    u32::try_from(start).unwrap_or(u32::MAX),
                    u32::try_from(end).unwrap_or(u32::MAX),
                );
                this.diags.push(
                    Diagnostic::new(
                        Code::DisallowedCharacter,
                        span,
                        format!("{what}; U+{:04X} is not one of them.", u32::from(first)),
                    )
                    .with_help("replace it with an ASCII character or remove it"),
                );
            }
        };
        for (i, c) in text.char_indices() {
            if allowed(c) {
                flush(self, &mut run);
            } else {
                match &mut run {
                    Some((_, end, _)) => *end = i + c.len_utf8(),
                    None => run = Some((i, i + c.len_utf8(), c)),
                }
            }
        }
        flush(self, &mut run);
    }

    fn wrong_type(&mut self, what: &str, expected: &str, v: &Value<'_>) {
        self.err(
            Code::WrongType,
            v.span,
            format!(
                "{what} must be {expected}, not {} {}",
                article(v.type_name()),
                v.type_name()
            ),
        );
    }

    /// Records repeated keys of one object (policy linting reports them).
    fn note_duplicates(&mut self, members: &[Member<'_>]) {
        for (i, m) in members.iter().enumerate() {
            if members[..i].iter().any(|o| o.key == m.key) {
                self.duplicates.push(Spanned {
                    value: m.key.to_string(),
                    span: m.key_span,
                });
            }
        }
    }

    fn document(&mut self, root: &Value<'_>, policy: &mut Policy) {
        let Some(members) = root.as_object() else {
            self.err(
                Code::NotAnObject,
                root.span,
                "Policies must be valid JSON and the first byte must be '{'",
            )
            .help = Some("a policy is a JSON object with Version and Statement".into());
            return;
        };
        self.note_duplicates(members);
        // Version first: it decides whether variables are substituted.
        if let Some(m) = members.iter().rev().find(|m| m.key == "Version") {
            match m.value.as_str() {
                Some(v) => {
                    if v == "2012-10-17" {
                        self.variables = true;
                    } else if v != "2008-10-17" {
                        self.err(
                            Code::InvalidVersion,
                            m.value.span,
                            "Policy document must be version 2012-10-17 or greater.",
                        )
                        .help = Some("use \"Version\": \"2012-10-17\"".into());
                    }
                    policy.version = Some(Spanned {
                        value: v.to_owned(),
                        span: m.value.span,
                    });
                }
                None => self.wrong_type("Version", "a string", &m.value),
            }
        }
        policy.variables = self.variables;
        let mut statement = None;
        for m in members {
            match &*m.key {
                "Version" => {}
                "Id" => match string_of(&m.value) {
                    Some(v) => {
                        policy.id = Some(Spanned {
                            value: v,
                            span: m.value.span,
                        })
                    }
                    None => self.wrong_type("Id", "a string", &m.value),
                },
                "Statement" => statement = Some(m),
                other => {
                    let help = suggest(other, &["Version", "Id", "Statement"]);
                    let d = self.err(
                        Code::UnknownTopLevelElement,
                        m.key_span,
                        format!(
                            "Syntax errors in policy: unknown element `{other}` at the top level."
                        ),
                    );
                    d.help = Some(help.map_or_else(
                        || "the top level allows only Version, Id and Statement".into(),
                        |s| format!("did you mean `{s}`?"),
                    ));
                }
            }
        }
        let Some(st) = statement else {
            self.err(
                Code::MissingStatement,
                root.span,
                "Policy document is missing the Statement element.",
            )
            .help = Some("add \"Statement\": [ { \"Effect\": ..., \"Action\": ..., ... } ]".into());
            return;
        };
        match &st.value.kind {
            Kind::Object(_) => {
                let s = self.statement(&st.value, 0);
                policy.statements.push(s);
            }
            Kind::Array(items) => {
                if items.is_empty() {
                    self.err(
                        Code::EmptyStatement,
                        st.value.span,
                        "Statement must contain at least one statement.",
                    );
                }
                for (i, item) in items.iter().enumerate() {
                    if item.as_object().is_some() {
                        let s = self.statement(item, policy.statements.len());
                        policy.statements.push(s);
                    } else {
                        self.wrong_type(&format!("Statement[{i}]"), "an object", item);
                    }
                }
            }
            _ => self.wrong_type("Statement", "an object or an array of objects", &st.value),
        }
    }

    fn statement(&mut self, v: &Value<'_>, index: usize) -> Statement {
        let mut st = Statement {
            index,
            span: v.span,
            sid: None,
            effect: None,
            principal: None,
            action: None,
            resource: None,
            conditions: Vec::new(),
            condition_span: None,
        };
        let members = v.as_object().unwrap_or(&[]);
        self.note_duplicates(members);
        // Which of the element and its `Not` form appeared (1 and 2): a repeated
        // `Action` key is a duplicate key (KF113), not `Action` with `NotAction`.
        let mut saw_action = 0u8;
        let mut saw_resource = 0u8;
        let mut saw_principal = 0u8;
        let form = |key: &str| if key.starts_with("Not") { 2 } else { 1 };
        for m in members {
            match &*m.key {
                "Sid" => match string_of(&m.value) {
                    Some(s) => {
                        st.sid = Some(Spanned {
                            value: s,
                            span: m.value.span,
                        })
                    }
                    None => self.wrong_type("Sid", "a string", &m.value),
                },
                "Effect" => {
                    match m.value.as_str() {
                        Some("Allow") => {
                            st.effect = Some(Spanned {
                                value: Effect::Allow,
                                span: m.value.span,
                            })
                        }
                        Some("Deny") => {
                            st.effect = Some(Spanned {
                                value: Effect::Deny,
                                span: m.value.span,
                            })
                        }
                        Some(other) => {
                            let fixed = if other.eq_ignore_ascii_case("allow") {
                                "write \"Allow\" (the value is case-sensitive)".to_string()
                            } else if other.eq_ignore_ascii_case("deny") {
                                "write \"Deny\" (the value is case-sensitive)".to_string()
                            } else {
                                "Effect is either \"Allow\" or \"Deny\"".to_string()
                            };
                            self.err(
                            Code::InvalidEffect,
                            m.value.span,
                            format!("Invalid effect `{other}`: Effect must be \"Allow\" or \"Deny\"."),
                        )
                        .help = Some(fixed);
                        }
                        None => self.wrong_type("Effect", "a string", &m.value),
                    }
                }
                "Action" | "NotAction" => {
                    saw_action |= form(&m.key);
                    st.action = Some(self.actions(m));
                }
                "Resource" | "NotResource" => {
                    saw_resource |= form(&m.key);
                    st.resource = Some(self.resources(m));
                }
                "Principal" | "NotPrincipal" => {
                    saw_principal |= form(&m.key);
                    st.principal = Some(self.principals(m));
                }
                "Condition" => {
                    st.condition_span = Some(m.value.span);
                    st.conditions = self.conditions(&m.value);
                }
                other => {
                    let help = suggest(
                        other,
                        &[
                            "Sid",
                            "Effect",
                            "Principal",
                            "NotPrincipal",
                            "Action",
                            "NotAction",
                            "Resource",
                            "NotResource",
                            "Condition",
                        ],
                    );
                    self.err(
                        Code::UnknownStatementElement,
                        m.key_span,
                        format!("Syntax errors in policy: unknown statement element `{other}`."),
                    )
                    .help = Some(help.map_or_else(
                        || "a statement allows Sid, Effect, Principal/NotPrincipal, Action/NotAction, Resource/NotResource and Condition".into(),
                        |s| format!("did you mean `{s}`?"),
                    ));
                }
            }
        }
        let start = Span::at(v.span.start);
        let head = Span::new(v.span.start, v.span.start.saturating_add(1));
        let _ = start;
        if st.effect.is_none() && !members.iter().any(|m| m.key == "Effect") {
            self.err(
                Code::MissingEffect,
                head,
                "Statement is missing required element Effect.",
            )
            .help = Some("add \"Effect\": \"Allow\" or \"Deny\"".into());
        }
        let kms = self.kind == PolicyKind::KeyPolicy;
        if saw_action == 3 {
            self.err(
                Code::ActionAndNotAction,
                st.action.as_ref().map_or(head, |a| a.key_span),
                "A statement cannot contain both Action and NotAction.",
            );
        } else if saw_action == 0 && !kms {
            self.err(
                Code::MissingAction,
                head,
                "Policy statement must contain actions.",
            )
            .help = Some("add \"Action\" (or \"NotAction\")".into());
        }
        if self.kind == PolicyKind::TrustPolicy {
            if let Some(r) = &st.resource {
                let span = r.key_span;
                let name = if r.negated { "NotResource" } else { "Resource" };
                self.err(
                    Code::ResourceInTrustPolicy,
                    span,
                    format!("Has prohibited field {name}"),
                )
                .help = Some("a role trust policy names no resource; remove the element".into());
            }
        } else if saw_resource == 3 {
            self.err(
                Code::ResourceAndNotResource,
                st.resource.as_ref().map_or(head, |r| r.key_span),
                "A statement cannot contain both Resource and NotResource.",
            );
        } else if saw_resource == 0 && !kms {
            self.err(
                Code::MissingResource,
                head,
                "Policy statement must contain resources.",
            )
            .help = Some("add \"Resource\" (\"*\" or ARNs)".into());
        }
        if saw_principal == 3 {
            self.err(
                Code::PrincipalAndNotPrincipal,
                st.principal.as_ref().map_or(head, |p| p.key_span),
                "A statement cannot contain both Principal and NotPrincipal.",
            );
        }
        if self.kind.is_resource_based() {
            if saw_principal == 0 {
                self.err(
                    Code::MissingPrincipal,
                    head,
                    "Missing required field Principal",
                )
                .help = Some(format!(
                    "a {} statement must say whom it applies to, e.g. \"Principal\": {{\"AWS\": \"arn:aws:iam::111122223333:root\"}}",
                    self.kind.label()
                ));
            }
        } else if let Some(p) = &st.principal {
            let span = p.key_span;
            let msg = match self.kind {
                PolicyKind::Identity => {
                    "Policy document should not specify a principal.".to_string()
                }
                other => format!(
                    "Has prohibited field {}: a {} applies to the principals it is attached to.",
                    if p.negated {
                        "NotPrincipal"
                    } else {
                        "Principal"
                    },
                    other.label()
                ),
            };
            self.err(Code::PrincipalNotAllowed, span, msg).help = Some("remove the element".into());
        }
        st
    }

    /// A string or an array of strings; reports other shapes.
    fn string_list(&mut self, m: &Member<'_>) -> Vec<(String, Span)> {
        let mut out = Vec::new();
        match &m.value.kind {
            Kind::String(s) => out.push((s.to_string(), m.value.span)),
            Kind::Array(items) => {
                for item in items {
                    match item.as_str() {
                        Some(s) => out.push((s.to_owned(), item.span)),
                        None => self.wrong_type(&format!("each {} value", m.key), "a string", item),
                    }
                }
            }
            _ => self.wrong_type(&m.key, "a string or an array of strings", &m.value),
        }
        out
    }

    fn actions(&mut self, m: &Member<'_>) -> ActionBlock {
        let negated = m.key == "NotAction";
        let values = self.string_list(m);
        if values.is_empty() && m.value.as_array().is_some() {
            self.err(
                Code::EmptyList,
                m.value.span,
                format!("{} must not be empty.", m.key),
            );
        }
        let mut items = Vec::with_capacity(values.len());
        for (value, span) in values {
            if value != "*" {
                let colons = value.matches(':').count();
                if colons == 0 {
                    self.err(
                        Code::InvalidAction,
                        span,
                        "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
                    )
                    .help = Some(format!("write it as `service:{value}`"));
                } else if colons > 1 {
                    self.err(
                        Code::InvalidAction,
                        span,
                        "Actions/Condition can contain only one colon.",
                    );
                } else if let Some((vendor, _)) = value.split_once(':')
                    && (vendor.is_empty()
                        || !vendor
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-'))
                {
                    self.err(
                        Code::InvalidAction,
                        span,
                        format!("Vendor {vendor} is not valid"),
                    );
                }
            }
            let glob = Glob::new(&value, Flavor::Plain, true);
            items.push(ActionItem { value, span, glob });
        }
        ActionBlock {
            negated,
            key_span: m.key_span,
            span: m.value.span,
            items,
        }
    }

    fn resources(&mut self, m: &Member<'_>) -> ResourceBlock {
        let negated = m.key == "NotResource";
        let values = self.string_list(m);
        if values.is_empty() && m.value.as_array().is_some() {
            self.err(
                Code::EmptyList,
                m.value.span,
                format!("{} must not be empty.", m.key),
            );
        }
        let mut items = Vec::with_capacity(values.len());
        for (value, span) in values {
            if value != "*" && !(value.starts_with("arn:") && value.matches(':').count() >= 5) {
                self.err(
                    Code::InvalidResource,
                    span,
                    format!("Resource {value} must be in ARN format or \"*\"."),
                )
                .help = Some("ARNs look like arn:aws:service:region:account:resource".into());
            }
            let pattern = match self.variables.then(|| parse_template(&value)).flatten() {
                Some(t) => ResourcePattern::Template(t),
                None => ResourcePattern::Glob(Glob::new(&value, Flavor::Arn, false)),
            };
            items.push(ResourceItem {
                value,
                span,
                pattern,
            });
        }
        ResourceBlock {
            negated,
            key_span: m.key_span,
            span: m.value.span,
            items,
        }
    }

    fn principals(&mut self, m: &Member<'_>) -> PrincipalBlock {
        let negated = m.key == "NotPrincipal";
        let mut entries = Vec::new();
        match &m.value.kind {
            Kind::String(s) if s == "*" => entries.push(PrincipalEntry {
                principal_type: PrincipalType::Wildcard,
                value: "*".into(),
                span: m.value.span,
                matcher: PrincipalMatcher::Any,
            }),
            Kind::String(s) => {
                self.err(
                    Code::InvalidPrincipal,
                    m.value.span,
                    "Invalid principal in policy",
                )
                .help = Some(format!(
                    "a principal is \"*\" or a map such as {{\"AWS\": \"{s}\"}}"
                ));
                entries.push(PrincipalEntry {
                    principal_type: PrincipalType::Aws,
                    value: s.to_string(),
                    span: m.value.span,
                    matcher: aws_principal(s),
                });
            }
            Kind::Object(members) => {
                self.note_duplicates(members);
                for pm in members {
                    let ty = match &*pm.key {
                        "AWS" => PrincipalType::Aws,
                        "Service" => PrincipalType::Service,
                        "Federated" => PrincipalType::Federated,
                        "CanonicalUser" => PrincipalType::CanonicalUser,
                        other => {
                            let help =
                                suggest(other, &["AWS", "Service", "Federated", "CanonicalUser"]);
                            self.err(
                                Code::InvalidPrincipal,
                                pm.key_span,
                                format!(
                                    "Invalid principal in policy: unknown principal type `{other}`."
                                ),
                            )
                            .help = Some(help.map_or_else(
                                || "use AWS, Service, Federated or CanonicalUser".into(),
                                |s| format!("did you mean `{s}`?"),
                            ));
                            PrincipalType::Unknown
                        }
                    };
                    for (value, span) in self.string_list(pm) {
                        let matcher = self.principal_matcher(ty, &value, span);
                        entries.push(PrincipalEntry {
                            principal_type: ty,
                            value,
                            span,
                            matcher,
                        });
                    }
                }
            }
            _ => self.wrong_type(&m.key, "\"*\" or an object", &m.value),
        }
        PrincipalBlock {
            negated,
            key_span: m.key_span,
            span: m.value.span,
            entries,
        }
    }

    fn principal_matcher(
        &mut self,
        ty: PrincipalType,
        value: &str,
        span: Span,
    ) -> PrincipalMatcher {
        match ty {
            PrincipalType::Aws => {
                let matcher = aws_principal(value);
                if matcher == PrincipalMatcher::Never {
                    self.err(
                        Code::InvalidPrincipal,
                        span,
                        format!("Invalid principal in policy: `{value}`."),
                    )
                    .help = Some(
                        "partial wildcards are not allowed in principals; use \"*\" with an ArnLike condition on aws:PrincipalArn"
                            .into(),
                    );
                }
                matcher
            }
            PrincipalType::Service => {
                if value.contains('*') {
                    self.err(
                        Code::InvalidPrincipal,
                        span,
                        "Invalid principal in policy: service principals cannot contain wildcards.",
                    )
                    .help = Some("name the service, e.g. cloudtrail.amazonaws.com".into());
                    PrincipalMatcher::Never
                } else {
                    PrincipalMatcher::Service(value.to_ascii_lowercase())
                }
            }
            PrincipalType::Federated | PrincipalType::CanonicalUser => {
                PrincipalMatcher::Exact(value.to_owned())
            }
            PrincipalType::Wildcard => PrincipalMatcher::Any,
            PrincipalType::Unknown => PrincipalMatcher::Never,
        }
    }

    fn conditions(&mut self, v: &Value<'_>) -> Vec<Condition> {
        let mut out = Vec::new();
        let Some(ops) = v.as_object() else {
            self.wrong_type("Condition", "an object", v);
            return out;
        };
        self.note_duplicates(ops);
        for op in ops {
            let spec = OperatorSpec::parse(&op.key);
            let Some(keys) = op.value.as_object() else {
                self.wrong_type(
                    &format!("The value of condition operator {}", op.key),
                    "an object of condition keys",
                    &op.value,
                );
                continue;
            };
            self.note_duplicates(keys);
            for k in keys {
                let mut values = Vec::new();
                let mut push = |this: &mut Self, item: &Value<'_>| match &item.kind {
                    Kind::String(s) => values.push(Spanned {
                        value: s.to_string(),
                        span: item.span,
                    }),
                    Kind::Bool(b) => values.push(Spanned {
                        value: b.to_string(),
                        span: item.span,
                    }),
                    Kind::Number(n) => values.push(Spanned {
                        value: (*n).to_owned(),
                        span: item.span,
                    }),
                    _ => {
                        this.err(
                            Code::InvalidConditionValueType,
                            item.span,
                            format!(
                                "Condition values must be strings, numbers or booleans, not {} {}.",
                                article(item.type_name()),
                                item.type_name()
                            ),
                        )
                        .help = None
                    }
                };
                match &k.value.kind {
                    Kind::Array(items) => {
                        if items.is_empty() {
                            self.err(
                                Code::InvalidConditionValueType,
                                k.value.span,
                                "Condition value list must not be empty.",
                            );
                        }
                        for item in items {
                            push(self, item);
                        }
                    }
                    _ => push(self, &k.value),
                }
                let compiled = match spec {
                    Some(s) => values
                        .iter()
                        .map(|v| compile_value(s.base, &v.value, self.variables))
                        .collect(),
                    None => Vec::new(),
                };
                out.push(Condition {
                    operator: Spanned {
                        value: op.key.to_string(),
                        span: op.key_span,
                    },
                    spec,
                    key: Spanned {
                        value: k.key.to_string(),
                        span: k.key_span,
                    },
                    values,
                    values_span: k.value.span,
                    compiled,
                });
            }
        }
        out
    }
}

fn article(type_name: &str) -> &'static str {
    if type_name.starts_with(['a', 'o']) {
        "an"
    } else {
        "a"
    }
}

/// Resolves an `AWS` principal value.
pub(crate) fn aws_principal(value: &str) -> PrincipalMatcher {
    if value == "*" {
        return PrincipalMatcher::Any;
    }
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        return PrincipalMatcher::Account(value.to_owned());
    }
    if value.contains('*') || value.contains('?') {
        return PrincipalMatcher::Never;
    }
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    if let [arn, _partition, service, _region, account, resource] = parts[..]
        && arn == "arn"
    {
        match service {
            "iam" if resource == "root" => return PrincipalMatcher::Account(account.to_owned()),
            "iam" if resource.starts_with("user/") => {
                return PrincipalMatcher::User(value.to_owned());
            }
            "iam" if resource.starts_with("role/") => {
                let name = resource.rsplit('/').next().unwrap_or(resource);
                return PrincipalMatcher::Role {
                    account: account.to_owned(),
                    name: name.to_owned(),
                };
            }
            "sts" if resource.starts_with("assumed-role/") => {
                return PrincipalMatcher::Session(value.to_owned());
            }
            "sts" if resource.starts_with("federated-user/") => {
                return PrincipalMatcher::FederatedUser(value.to_owned());
            }
            _ => {}
        }
    }
    // Unique IDs (AIDA…, AROA…) and other forms compare as text.
    PrincipalMatcher::Exact(value.to_owned())
}

/// The closest candidate by edit distance, if close enough to be a likely typo.
pub(crate) fn suggest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    closest(word, candidates.iter().copied())
}

/// The candidate closest to `word` (ASCII case-insensitive edit distance) within
/// `max(len / 3, 2)` edits of the candidate's length; the first of equally close
/// ones. Work is bounded: a candidate whose length alone puts it out of reach is
/// skipped, and a distance row whose minimum exceeds the budget stops early, so
/// hostile words cost little beyond one pass over them.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let word: Vec<char> = word.chars().map(|c| c.to_ascii_lowercase()).collect();
    let mut prev: Vec<usize> = Vec::new();
    let mut cur: Vec<usize> = Vec::new();
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        let mut limit = (c.len() / 3).max(2);
        if let Some((d, _)) = best {
            // Only a strictly closer candidate replaces the first best one.
            let Some(tighter) = d.checked_sub(1) else {
                break;
            };
            limit = limit.min(tighter);
        }
        let len = c.chars().count();
        if len.abs_diff(word.len()) > limit {
            continue;
        }
        if let Some(d) = bounded_distance(&word, c, limit, &mut prev, &mut cur) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Edit distance between `a` (already ASCII-lower-cased) and `b` compared
/// ASCII-case-insensitively, or `None` once it must exceed `limit`.
fn bounded_distance(
    a: &[char],
    b: &str,
    limit: usize,
    prev: &mut Vec<usize>,
    cur: &mut Vec<usize>,
) -> Option<usize> {
    let m = b.chars().count();
    prev.clear();
    prev.extend(0..=m);
    cur.clear();
    cur.resize(m + 1, 0);
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, cb) in b.chars().enumerate() {
            let cost = usize::from(ca != cb.to_ascii_lowercase());
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            row_min = row_min.min(cur[j + 1]);
        }
        // Distances never shrink from one row to the next.
        if row_min > limit {
            return None;
        }
        std::mem::swap(prev, cur);
    }
    prev.get(m).copied().filter(|d| *d <= limit)
}

/// The plain full-matrix distance: the reference [`closest`] is tested against.
#[cfg(test)]
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str, kind: PolicyKind) -> Vec<&'static str> {
        parse(text, kind)
            .diagnostics
            .iter()
            .map(|d| d.code.as_str())
            .collect()
    }

    const ID: PolicyKind = PolicyKind::Identity;

    #[test]
    fn accepts_every_aws_form() {
        let text = r#"{"Version":"2012-10-17","Id":"x","Statement":{"Sid":"S1","Effect":"Allow",
            "Principal":{"AWS":["111122223333","arn:aws:iam::444455556666:root","arn:aws:iam::111122223333:user/A",
              "arn:aws:iam::111122223333:role/path/R","arn:aws:sts::111122223333:assumed-role/R/s",
              "arn:aws:sts::111122223333:federated-user/f","*"],"Service":"cloudtrail.amazonaws.com",
              "Federated":"cognito-identity.amazonaws.com","CanonicalUser":"79a59df9"},
            "NotAction":"s3:Delete*","NotResource":["arn:aws:s3:::b/*"],
            "Condition":{"Bool":{"aws:SecureTransport":true},"NumericLessThan":{"n":5}}}}"#;
        let p = parse(text, PolicyKind::BucketPolicy);
        assert!(p.is_valid(), "{:?}", p.diagnostics);
        let st = &p.policy.statements[0];
        assert_eq!(st.principal.as_ref().unwrap().entries.len(), 10);
        let m: Vec<_> = st
            .principal
            .as_ref()
            .unwrap()
            .entries
            .iter()
            .map(|e| e.matcher.clone())
            .collect();
        assert_eq!(m[0], PrincipalMatcher::Account("111122223333".into()));
        assert_eq!(m[1], PrincipalMatcher::Account("444455556666".into()));
        assert_eq!(
            m[3],
            PrincipalMatcher::Role {
                account: "111122223333".into(),
                name: "R".into()
            }
        );
        assert_eq!(m[6], PrincipalMatcher::Any);
        assert!(st.action.as_ref().unwrap().negated);
        assert!(st.resource.as_ref().unwrap().negated);
        assert_eq!(st.conditions.len(), 2);
        assert_eq!(st.conditions[0].values[0].value, "true");
        assert_eq!(st.conditions[1].values[0].value, "5");
        assert_eq!(st.sid.as_ref().unwrap().span.slice(text), "\"S1\"");
        // Principal "*" string form and 2008 version.
        let p = parse(
            r#"{"Version":"2008-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":["s3:*"],"Resource":"*"}]}"#,
            PolicyKind::BucketPolicy,
        );
        assert!(p.is_valid());
        assert!(!p.policy.supports_variables());
    }

    #[test]
    fn json_errors_have_positions_and_give_an_empty_policy() {
        let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [ }";
        let p = parse(text, ID);
        assert_eq!(p.diagnostics.len(), 1);
        assert_eq!(p.diagnostics[0].code, "KF001");
        assert!(
            p.diagnostics[0]
                .message
                .starts_with("Syntax errors in policy")
        );
        assert_eq!(
            p.diagnostics[0].span.start as usize,
            text.rfind('}').unwrap()
        );
        assert!(p.policy.statements.is_empty());
        assert_eq!(codes("", ID), ["KF002"]);
        assert_eq!(codes("[1]", ID), ["KF002"]);
    }

    #[test]
    fn wrong_types_and_unknown_keys() {
        assert_eq!(codes(r#"{"Statement":[],"Foo":1}"#, ID), ["KF003", "KF025"]);
        assert_eq!(codes(r#"{"Version":"2012-10-17"}"#, ID), ["KF004"]);
        assert_eq!(
            codes(
                r#"{"Version":"2020-01-01","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#,
                ID
            ),
            ["KF005"]
        );
        assert_eq!(codes(r#"{"Statement":"x"}"#, ID), ["KF006"]);
        assert_eq!(codes(r#"{"Statement":[1]}"#, ID), ["KF006"]);
        assert_eq!(
            codes(
                r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Actions":"x"}}"#,
                ID
            ),
            ["KF007"]
        );
        let d = parse(
            r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Conditon":{}}}"#,
            ID,
        );
        assert_eq!(
            d.diagnostics[0].help.as_deref(),
            Some("did you mean `Condition`?")
        );
        assert_eq!(
            codes(
                r#"{"Statement":{"Effect":"allow","Action":"s3:*","Resource":"*"}}"#,
                ID
            ),
            ["KF008"]
        );
        assert_eq!(
            codes(r#"{"Statement":{"Action":"s3:*","Resource":"*"}}"#, ID),
            ["KF009"]
        );
        assert_eq!(
            codes(
                r#"{"Statement":{"Effect":"Allow","Action":5,"Resource":"*"}}"#,
                ID
            ),
            ["KF006"]
        );
    }

    #[test]
    fn required_elements_depend_on_the_kind() {
        let no_action =
            r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Resource":"*"}}"#;
        assert_eq!(codes(no_action, PolicyKind::BucketPolicy), ["KF010"]);
        // KMS accepts a key policy statement without Action/Resource (lint reports it).
        assert!(codes(no_action, PolicyKind::KeyPolicy).is_empty());
        let no_res = r#"{"Statement":{"Effect":"Allow","Action":"s3:*"}}"#;
        assert_eq!(codes(no_res, ID), ["KF012"]);
        let e = &parse(no_res, ID).diagnostics[0];
        assert_eq!(e.message, "Policy statement must contain resources.");
        let both = r#"{"Statement":{"Effect":"Allow","Action":"s3:*","NotAction":"s3:Get*","Resource":"*","NotResource":"*"}}"#;
        assert_eq!(codes(both, ID), ["KF011", "KF013"]);
        let principal =
            r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}"#;
        let d = parse(principal, ID);
        assert_eq!(d.diagnostics[0].code, "KF014");
        assert_eq!(
            d.diagnostics[0].message,
            "Policy document should not specify a principal."
        );
        assert_eq!(codes(principal, PolicyKind::Scp), ["KF014"]);
        let no_principal = r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#;
        let d = parse(no_principal, PolicyKind::BucketPolicy);
        assert_eq!(d.diagnostics[0].message, "Missing required field Principal");
        let trust = r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Resource":"*"}}"#;
        let d = parse(trust, PolicyKind::TrustPolicy);
        assert_eq!(d.diagnostics[0].message, "Has prohibited field Resource");
        let trust_ok = r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}"#;
        assert!(codes(trust_ok, PolicyKind::TrustPolicy).is_empty());
        let both_p = r#"{"Statement":{"Effect":"Deny","Principal":"*","NotPrincipal":"*","Action":"s3:*","Resource":"*"}}"#;
        assert_eq!(codes(both_p, PolicyKind::BucketPolicy), ["KF016"]);
    }

    #[test]
    fn values_are_checked() {
        let t = |a: &str, r: &str| {
            codes(
                &format!(r#"{{"Statement":{{"Effect":"Allow","Action":{a},"Resource":{r}}}}}"#),
                ID,
            )
        };
        assert_eq!(t(r#""GetObject""#, r#""*""#), ["KF022"]);
        assert_eq!(t(r#""s3:a:b""#, r#""*""#), ["KF022"]);
        assert_eq!(t(r#""s 3:Get""#, r#""*""#), ["KF022"]);
        assert_eq!(t(r#""s3:Get""#, r#""bucket""#), ["KF023"]);
        assert_eq!(t(r#"[]"#, r#""*""#), ["KF024"]);
        let p = parse(
            r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"x"}}"#,
            ID,
        );
        assert_eq!(
            p.diagnostics[0].message,
            "Resource x must be in ARN format or \"*\"."
        );
        let bad_principal = |p: &str| {
            codes(
                &format!(
                    r#"{{"Statement":{{"Effect":"Allow","Principal":{p},"Action":"s3:*","Resource":"*"}}}}"#
                ),
                PolicyKind::BucketPolicy,
            )
        };
        assert_eq!(
            bad_principal(r#"{"AWS":"arn:aws:iam::111122223333:role/ci-*"}"#),
            ["KF021"]
        );
        assert_eq!(bad_principal(r#"{"Service":"*"}"#), ["KF021"]);
        assert_eq!(bad_principal(r#"{"Aws":"111122223333"}"#), ["KF021"]);
        assert_eq!(
            bad_principal(r#""arn:aws:iam::111122223333:root""#),
            ["KF021"]
        );
        assert_eq!(bad_principal(r#"5"#), ["KF006"]);
        let cond = |c: &str| {
            codes(
                &format!(
                    r#"{{"Statement":{{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{c}}}}}"#
                ),
                ID,
            )
        };
        assert_eq!(cond(r#"[]"#), ["KF006"]);
        assert_eq!(cond(r#"{"StringEquals":"x"}"#), ["KF006"]);
        assert_eq!(cond(r#"{"StringEquals":{"k":null}}"#), ["KF026"]);
        assert_eq!(cond(r#"{"StringEquals":{"k":[]}}"#), ["KF026"]);
        assert!(
            cond(r#"{"StringEqual":{"k":"v"}}"#).is_empty(),
            "unknown operators are lints"
        );
    }

    #[test]
    fn duplicate_keys_are_recorded() {
        let p = parse(
            r#"{"Statement":{"Effect":"Allow","Effect":"Deny","Action":"s3:*","Resource":"*"}}"#,
            ID,
        );
        assert_eq!(p.policy.duplicate_keys.len(), 1);
        assert_eq!(p.policy.duplicate_keys[0].value, "Effect");
    }

    #[test]
    fn variables_only_in_2012() {
        let t = |v: &str| {
            let text = format!(
                r#"{{"Version":"{v}","Statement":{{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${{aws:username}}/*"}}}}"#
            );
            let p = parse(&text, ID);
            matches!(
                p.policy.statements[0].resource.as_ref().unwrap().items[0].pattern,
                ResourcePattern::Template(_)
            )
        };
        assert!(t("2012-10-17"));
        assert!(!t("2008-10-17"));
    }

    #[test]
    fn never_panics_on_broken_policies() {
        let doc = r#"{"Version":"2012-10-17","Statement":[{"Sid":"a","Effect":"Allow","Principal":{"AWS":["1","*"]},"Action":["s3:Get*"],"Resource":"arn:aws:s3:::b/${aws:username}","Condition":{"ForAllValues:StringLike":{"aws:TagKeys":["a*"]},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}"#;
        for kind in [ID, PolicyKind::KeyPolicy, PolicyKind::TrustPolicy] {
            for end in 0..doc.len() {
                let _ = parse(&doc[..end], kind);
            }
            for i in 0..doc.len() {
                let mut s = doc.as_bytes().to_vec();
                s.remove(i);
                if let Ok(s) = String::from_utf8(s) {
                    let _ = parse(&s, kind);
                }
            }
        }
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            suggest("Statment", &["Statement", "Version"]),
            Some("Statement")
        );
        assert_eq!(suggest("zzz", &["Statement"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
