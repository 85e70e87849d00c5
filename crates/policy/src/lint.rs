//! Lints in the spirit of IAM Access Analyzer policy validation. Codes are stable:
//! `KF0xx` come from [`crate::parse`] (AWS would reject the document), `KF1xx` from
//! here.

use crate::ast::*;
use crate::condition::{Compiled, OPERATORS, Operator, OperatorSpec, SetOperator};
use crate::data;
use crate::diag::{Diagnostic, Severity};
use crate::parse::{Parsed, closest, parse};
use crate::span::Span;
use crate::variables::parse_template;
use std::collections::HashSet;

/// Every lint code with a one-line description (for docs and the UI).
pub const LINT_CODES: &[(&str, &str)] = &[
    ("KF101", "unknown condition operator"),
    ("KF102", "unknown condition key for a modeled service"),
    ("KF103", "unknown service prefix"),
    ("KF104", "unknown action for a modeled service"),
    ("KF105", "malformed ARN"),
    (
        "KF106",
        "no action in the statement applies to any listed resource type",
    ),
    (
        "KF107",
        "policy variable in a policy without Version 2012-10-17",
    ),
    ("KF108", "Allow with NotPrincipal"),
    (
        "KF109",
        "Principal \"*\" without conditions in a key or bucket policy",
    ),
    ("KF110", "duplicate Sid"),
    ("KF111", "statement can never match"),
    ("KF112", "policy exceeds the size limit for its kind"),
    ("KF113", "duplicate JSON key"),
    (
        "KF114",
        "key policy statement without Action or Resource has no effect",
    ),
    ("KF115", "Sid with characters IAM does not accept"),
    (
        "KF116",
        "set operator on a single-valued key, or none on a multivalued key",
    ),
    ("KF117", "ForAllValues in an Allow without a Null check"),
    ("KF118", "condition value not valid for its operator"),
    ("KF119", "policy variable where it is not substituted"),
    ("KF120", "missing Version"),
    ("KF121", "action that a key policy cannot grant"),
    ("KF122", "Allow in a resource control policy"),
    (
        "KF123",
        "control or bidirectional-override character in a string",
    ),
];

/// "Did you mean" hints cost an edit-distance search each, and a pasted policy can
/// hold thousands of typos: only the first this many get a search (every typo
/// still gets its finding).
const MAX_HINTS: usize = 50;

/// AWS size limit for a kind: (limit, whether white space is excluded from the count).
pub fn size_limit(kind: PolicyKind) -> (usize, bool) {
    match kind {
        PolicyKind::KeyPolicy => (32_768, false),
        PolicyKind::BucketPolicy => (20_480, false),
        PolicyKind::Identity | PolicyKind::PermissionBoundary => (6_144, true),
        PolicyKind::TrustPolicy | PolicyKind::SessionPolicy => (2_048, true),
        PolicyKind::Scp | PolicyKind::Rcp => (5_120, true),
    }
}

/// Parse diagnostics followed by lints, sorted by position.
pub fn lint_text(text: &str, kind: PolicyKind) -> Vec<Diagnostic> {
    let parsed = parse(text, kind);
    let mut all = parsed.diagnostics.clone();
    all.extend(lint(&parsed, text, kind));
    all.sort_by_key(|d| (d.span.start, d.severity));
    all
}

/// Lints a parsed policy. Returns only lint findings (not the parse diagnostics).
pub fn lint(parsed: &Parsed, text: &str, kind: PolicyKind) -> Vec<Diagnostic> {
    let mut l = Linter {
        kind,
        policy: &parsed.policy,
        out: Vec::new(),
        hints_left: MAX_HINTS,
    };
    l.run(text);
    l.out
}

struct Linter<'a> {
    kind: PolicyKind,
    policy: &'a Policy,
    out: Vec<Diagnostic>,
    /// "Did you mean" searches left for this policy (see [`MAX_HINTS`]).
    hints_left: usize,
}

fn iam_kind(kind: PolicyKind) -> bool {
    matches!(
        kind,
        PolicyKind::Identity
            | PolicyKind::PermissionBoundary
            | PolicyKind::SessionPolicy
            | PolicyKind::TrustPolicy
    )
}

impl Linter<'_> {
    fn push(
        &mut self,
        code: &'static str,
        sev: Severity,
        span: Span,
        msg: impl Into<String>,
        help: Option<String>,
    ) {
        self.out.push(Diagnostic {
            code,
            severity: sev,
            message: msg.into(),
            span,
            help,
        });
    }

    /// Whether a "did you mean" search may still run; uses one up.
    fn take_hint(&mut self) -> bool {
        let Some(left) = self.hints_left.checked_sub(1) else {
            return false;
        };
        self.hints_left = left;
        true
    }

    /// The closest candidate, if the hint budget allows a search.
    fn hint<'c>(
        &mut self,
        word: &str,
        candidates: impl Iterator<Item = &'c str>,
    ) -> Option<&'c str> {
        if self.take_hint() {
            closest(word, candidates)
        } else {
            None
        }
    }

    /// KF123: control characters (possible only as JSON escapes such as `\u0007`)
    /// and bidirectional controls in a string value. They are invisible, or reorder
    /// the text around them, so the policy a reviewer reads is not the one AWS
    /// compares ("Trojan Source").
    fn hidden_chars(&mut self, what: &str, value: &str, span: Span) {
        // Nearly every string is printable ASCII: one byte scan and done.
        if value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return;
        }
        // Distinct flagged characters in order of first appearance; a bit set keeps
        // a long hostile string linear.
        let mut seen = 0u128;
        let mut found: Vec<char> = Vec::new();
        let (mut control, mut bidi) = (false, false);
        for c in value.chars() {
            let Some((bit, is_bidi)) = hidden_char_bit(c) else {
                continue;
            };
            if seen & (1 << bit) == 0 {
                seen |= 1 << bit;
                found.push(c);
                bidi |= is_bidi;
                control |= !is_bidi;
            }
        }
        if found.is_empty() {
            return;
        }
        let plural = if found.len() > 1 { "s" } else { "" };
        let kind = match (control, bidi) {
            (true, true) => {
                format!("control and invisible or bidirectional control character{plural}")
            }
            (false, true) => format!("invisible or bidirectional control character{plural}"),
            _ => format!("control character{plural}"),
        };
        const SHOWN: usize = 5;
        let mut names: Vec<String> = found
            .iter()
            .take(SHOWN)
            .map(|&c| format!("U+{:04X} {}", u32::from(c), hidden_char_name(c)))
            .collect();
        if found.len() > SHOWN {
            names.push(format!("{} more", found.len() - SHOWN));
        }
        self.push(
            "KF123",
            Severity::SecurityWarning,
            span,
            format!(
                "This {what} contains {kind}: what the policy displays is not what AWS compares."
            ),
            Some(format!("remove {}", names.join(", "))),
        );
    }

    fn run(&mut self, text: &str) {
        let p = self.policy;
        let (limit, no_ws) = size_limit(self.kind);
        let size = if no_ws {
            text.chars().filter(|c| !c.is_whitespace()).count()
        } else {
            text.len()
        };
        if size > limit {
            let unit = if no_ws {
                "characters, white space not counted"
            } else {
                "bytes"
            };
            self.push(
                "KF112",
                Severity::Error,
                p.span,
                format!(
                    "The {} is {size} {unit}; AWS allows at most {limit}.",
                    self.kind.label()
                ),
                Some(
                    "split it into several policies or shorten it (wildcards, fewer statements)"
                        .into(),
                ),
            );
        }
        for d in &p.duplicate_keys {
            self.push(
                "KF113",
                Severity::Warning,
                d.span,
                format!(
                    "Duplicate key `{}` in the same object; parsers disagree on which value wins.",
                    d.value
                ),
                Some("keep one key and merge the values".into()),
            );
        }
        if p.version.is_none() && p.span != Span::default() {
            self.push(
                "KF120",
                Severity::Warning,
                Span::new(p.span.start, p.span.start.saturating_add(1)),
                "The policy has no Version; it is read as 2008-10-17, without policy variables.",
                Some("add \"Version\": \"2012-10-17\"".into()),
            );
        }
        if let Some(v) = &p.version {
            self.hidden_chars("Version", &v.value, v.span);
        }
        if let Some(id) = &p.id {
            self.hidden_chars("Id", &id.value, id.span);
        }
        // Sids. A hash set, not a list: a pasted policy can have tens of thousands
        // of statements. Case-sensitive, as before ("a" and "A" are different Sids).
        let mut seen: HashSet<&str> = HashSet::with_capacity(p.statements.len());
        for st in &p.statements {
            if let Some(sid) = &st.sid {
                if iam_kind(self.kind) && !sid.value.chars().all(|c| c.is_ascii_alphanumeric()) {
                    self.push(
                        "KF115",
                        Severity::Error,
                        sid.span,
                        "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*",
                        Some("remove spaces and punctuation from the Sid".into()),
                    );
                }
                self.hidden_chars("Sid", &sid.value, sid.span);
                if !seen.insert(sid.value.as_str()) {
                    let sev = if iam_kind(self.kind) {
                        Severity::Error
                    } else {
                        Severity::Warning
                    };
                    self.push(
                        "KF110",
                        sev,
                        sid.span,
                        "Statement IDs (SID) in a single policy must be unique.",
                        Some(format!("rename the second `{}`", sid.value)),
                    );
                }
            }
            self.statement(st);
        }
    }

    fn statement(&mut self, st: &Statement) {
        let variables = self.policy.supports_variables();
        let effect = st.effect.as_ref().map(|e| e.value);
        if self.kind == PolicyKind::Rcp
            && effect == Some(Effect::Allow)
            && !is_rcp_full_access(st)
            && let Some(e) = &st.effect
        {
            self.push(
                "KF122",
                Severity::Error,
                e.span,
                "The effect of Allow is only supported for the RCPFullAWSAccess policy.",
                Some("RCPs restrict with Deny statements; AWS attaches RCPFullAWSAccess to every level for you".into()),
            );
        }
        if self.kind == PolicyKind::KeyPolicy && (st.action.is_none() || st.resource.is_none()) {
            let missing = if st.action.is_none() {
                "Action"
            } else {
                "Resource"
            };
            self.push(
                "KF114",
                Severity::Warning,
                Span::new(st.span.start, st.span.start.saturating_add(1)),
                format!("This key policy statement has no {missing}: KMS accepts it, but it has no effect."),
                Some(format!("add \"{missing}\" (key policies use \"Resource\": \"*\")")),
            );
        }
        if let Some(pb) = &st.principal {
            for e in &pb.entries {
                self.hidden_chars("principal", &e.value, e.span);
            }
            if pb.negated && effect == Some(Effect::Allow) {
                self.push(
                    "KF108",
                    Severity::SecurityWarning,
                    pb.key_span,
                    "Allow with NotPrincipal grants access to every principal except the listed ones, including anonymous users.",
                    Some("use \"Principal\" to name who is allowed".into()),
                );
            }
            let wildcard = !pb.negated
                && pb
                    .entries
                    .iter()
                    .any(|e| e.matcher == PrincipalMatcher::Any);
            if wildcard
                && effect == Some(Effect::Allow)
                && st.conditions.is_empty()
                && matches!(self.kind, PolicyKind::KeyPolicy | PolicyKind::BucketPolicy)
            {
                self.push(
                    "KF109",
                    Severity::SecurityWarning,
                    pb.span,
                    format!("Principal \"*\" without a condition makes this {} public.", self.kind.label()),
                    Some("name the principals, or add a condition such as aws:PrincipalOrgID or kms:CallerAccount".into()),
                );
            }
        }
        self.actions(st);
        if let Some(rb) = &st.resource {
            for item in &rb.items {
                self.hidden_chars("resource", &item.value, item.span);
                self.resource_item(item, variables);
            }
        }
        self.applicability(st);
        self.conditions(st, effect, variables);
    }

    fn actions(&mut self, st: &Statement) {
        let Some(ab) = &st.action else { return };
        for item in &ab.items {
            self.hidden_chars("action", &item.value, item.span);
            let Some((prefix, name)) = item.value.split_once(':') else {
                continue;
            };
            if prefix.contains(['*', '?']) {
                continue;
            }
            match data::service(prefix) {
                Some(svc) => {
                    let has_wild = name.contains(['*', '?']);
                    let any = if has_wild {
                        let glob =
                            crate::pattern::Glob::new(name, crate::pattern::Flavor::Plain, true);
                        svc.action_table()
                            .iter()
                            .any(|a| glob.matches(a.name, true))
                    } else {
                        svc.action(name).is_some()
                    };
                    if !any {
                        let suggestion = if has_wild {
                            None
                        } else {
                            self.hint(name, svc.action_table().iter().map(|a| a.name))
                        };
                        self.push(
                            "KF104",
                            Severity::Warning,
                            item.span,
                            if has_wild {
                                format!(
                                    "`{}` matches no {} action Keyflow knows.",
                                    item.value, svc.name
                                )
                            } else {
                                format!(
                                    "`{}` is not a {} action Keyflow knows.",
                                    item.value, svc.name
                                )
                            },
                            suggestion.map(|s| format!("did you mean `{}:{s}`?", svc.prefix)),
                        );
                    }
                    if self.kind == PolicyKind::KeyPolicy
                        && svc.prefix == "kms"
                        && !has_wild
                        && ["CreateKey", "ListKeys", "ListAliases"]
                            .iter()
                            .any(|a| a.eq_ignore_ascii_case(name))
                    {
                        self.push(
                            "KF121",
                            Severity::Warning,
                            item.span,
                            format!(
                                "`{}` is valid only in IAM policies; a key policy cannot grant it.",
                                item.value
                            ),
                            Some("grant it in an identity-based policy".into()),
                        );
                    }
                }
                None => {
                    if !data::is_known_prefix(prefix) {
                        let all = data::SERVICES
                            .iter()
                            .map(|s| s.prefix)
                            .chain(data::OTHER_PREFIXES.iter().copied());
                        let suggestion = self.hint(prefix, all);
                        self.push(
                            "KF103",
                            Severity::Warning,
                            item.span,
                            format!("Unknown service prefix `{prefix}`."),
                            suggestion.map(|s| format!("did you mean `{s}`?")),
                        );
                    }
                }
            }
        }
    }

    fn resource_item(&mut self, item: &ResourceItem, variables: bool) {
        let v = &item.value;
        if v == "*" {
            return;
        }
        if !variables && v.contains("${") {
            self.push(
                "KF107",
                Severity::Warning,
                item.span,
                "Policy variables need Version 2012-10-17; here `${...}` is compared as literal text.",
                Some("set \"Version\": \"2012-10-17\"".into()),
            );
        }
        let Some([arn, partition, service, region, account, resource]) = arn_parts(v) else {
            return; // KF023 already reported
        };
        if arn != "arn" {
            return;
        }
        let mut problem = None;
        if !matches!(partition, "aws" | "aws-cn" | "aws-us-gov" | "*") && !partition.contains('*') {
            problem = Some(format!("unknown partition `{partition}`"));
        } else if service.is_empty() || service.contains(['*', '?']) {
            problem = Some("the service segment cannot be empty or a wildcard".to_string());
        } else if service == "s3"
            && (!region.is_empty() || !account.is_empty())
            && !resource.starts_with("accesspoint/")
            && !resource.starts_with("job/")
        {
            problem = Some(
                "S3 bucket and object ARNs have empty region and account: arn:aws:s3:::bucket/key"
                    .to_string(),
            );
        } else if service == "iam" && !region.is_empty() {
            problem = Some(format!(
                "IAM resource {v} cannot contain region information."
            ));
        } else if !(account.is_empty()
            || account.contains(['*', '?', '$'])
            || account == "aws"
            || (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())))
        {
            problem = Some(format!(
                "the account segment `{account}` is not a 12-digit account ID"
            ));
        } else if resource.is_empty() {
            problem = Some("the resource part is empty".to_string());
        }
        if let Some(p) = problem {
            self.push(
                "KF105",
                Severity::Warning,
                item.span,
                format!("Malformed ARN: {p}."),
                Some("ARNs look like arn:aws:service:region:account:resource".into()),
            );
        }
        // Variables only work in the resource part (after the fifth colon).
        if variables {
            let head_len =
                arn.len() + partition.len() + service.len() + region.len() + account.len() + 5;
            if v.get(..head_len)
                .is_some_and(|h| parse_template(h).is_some())
            {
                self.push(
                    "KF119",
                    Severity::Warning,
                    item.span,
                    "Policy variables are substituted only in the resource part of an ARN (after the fifth colon).",
                    None,
                );
            }
        }
    }

    /// KF106: no listed action accepts any listed resource type.
    fn applicability(&mut self, st: &Statement) {
        let (Some(ab), Some(rb)) = (&st.action, &st.resource) else {
            return;
        };
        if ab.negated || rb.negated || ab.items.is_empty() || rb.items.is_empty() {
            return;
        }
        // The (service, resource type) pairs the actions accept; give up if any
        // action is outside the table. A handful of pairs however many actions are
        // listed, so checking every resource against them stays linear.
        let mut accepted: Vec<(&'static str, &'static str)> = Vec::new();
        for item in &ab.items {
            let Some((prefix, name)) = item.value.split_once(':') else {
                return;
            };
            let Some(svc) = data::service(prefix) else {
                return;
            };
            let mut accept = |types: &[&'static str]| {
                for &t in types {
                    if !accepted.contains(&(svc.prefix, t)) {
                        accepted.push((svc.prefix, t));
                    }
                }
            };
            let mut any = false;
            if name.contains(['*', '?']) {
                let glob = crate::pattern::Glob::new(name, crate::pattern::Flavor::Plain, true);
                for a in svc
                    .action_table()
                    .iter()
                    .filter(|a| glob.matches(a.name, true))
                {
                    any = true;
                    accept(&a.types);
                }
            } else if let Some((_, types)) = svc.action(name) {
                any = true;
                accept(types);
            }
            if !any {
                return; // unknown action: KF104 already
            }
        }
        let applies = rb.items.iter().any(|r| {
            if r.value == "*" || r.value.contains("${") {
                return true;
            }
            let Some([_, _, service, _, _, res]) = arn_parts(&r.value) else {
                return true;
            };
            accepted.iter().any(|(prefix, t)| {
                prefix.eq_ignore_ascii_case(service) && resource_type_possible(prefix, t, res)
            })
        });
        if !applies {
            let sev = if self.kind == PolicyKind::BucketPolicy {
                Severity::Error
            } else {
                Severity::Warning
            };
            self.push(
                "KF106",
                sev,
                rb.span,
                "Action does not apply to any resource(s) in statement",
                Some("check that the resources match the actions (e.g. s3:GetObject needs arn:aws:s3:::bucket/*, s3:ListBucket needs arn:aws:s3:::bucket; kms:CreateKey needs \"*\")".into()),
            );
        }
    }

    fn conditions(&mut self, st: &Statement, effect: Option<Effect>, variables: bool) {
        for c in &st.conditions {
            self.hidden_chars("condition operator", &c.operator.value, c.operator.span);
            self.hidden_chars("condition key", &c.key.value, c.key.span);
            for v in &c.values {
                self.hidden_chars("condition value", &v.value, v.span);
            }
            let Some(spec) = c.spec else {
                let suggestion = if self.take_hint() {
                    suggest_operator(&c.operator.value)
                } else {
                    None
                };
                self.push(
                    "KF101",
                    Severity::Error,
                    c.operator.span,
                    format!(
                        "Unknown condition operator `{}`; the condition can never be true.",
                        c.operator.value
                    ),
                    suggestion.map(|s| format!("did you mean `{s}`?")),
                );
                continue;
            };
            let key_lower = c.key.value.to_ascii_lowercase();
            self.condition_key(c, &key_lower);
            for (v, compiled) in c.values.iter().zip(&c.compiled) {
                if *compiled == Compiled::Invalid {
                    self.push(
                        "KF118",
                        Severity::Error,
                        v.span,
                        format!(
                            "`{}` is not a valid value for {}.",
                            v.value,
                            spec.base.name()
                        ),
                        Some(value_hint(spec.base).into()),
                    );
                }
                if v.value.contains("${") {
                    if !variables && spec.base.takes_variables() {
                        self.push(
                            "KF107",
                            Severity::Warning,
                            v.span,
                            "Policy variables need Version 2012-10-17; here `${...}` is compared as literal text.",
                            Some("set \"Version\": \"2012-10-17\"".into()),
                        );
                    } else if !spec.base.takes_variables() && parse_template(&v.value).is_some() {
                        self.push(
                            "KF119",
                            Severity::Warning,
                            v.span,
                            format!("{} does not substitute policy variables.", spec.base.name()),
                            Some("use a String or Arn operator".into()),
                        );
                    }
                }
            }
            let multi = data::MULTIVALUED_KEYS.contains(&key_lower.as_str());
            let single = data::is_global_key(&key_lower) && !multi;
            if spec.set.is_some() && single && spec.base != Operator::Null {
                self.push(
                    "KF116",
                    Severity::Warning,
                    c.operator.span,
                    format!(
                        "`{}` is single-valued; set operators on it can be over-permissive.",
                        c.key.value
                    ),
                    Some(format!(
                        "use {} without ForAnyValue/ForAllValues",
                        spec.base.name()
                    )),
                );
            } else if spec.set.is_none() && multi && spec.base != Operator::Null {
                self.push(
                    "KF116",
                    Severity::Warning,
                    c.operator.span,
                    format!(
                        "`{}` is multivalued; use ForAnyValue: or ForAllValues:.",
                        c.key.value
                    ),
                    Some(format!("e.g. ForAnyValue:{}", c.operator.value)),
                );
            }
            if spec.set == Some(SetOperator::ForAllValues) && effect == Some(Effect::Allow) {
                let null_checked = st.conditions.iter().any(|o| {
                    o.spec.is_some_and(|s| s.base == Operator::Null)
                        && o.key.value.eq_ignore_ascii_case(&c.key.value)
                        && o.compiled.contains(&Compiled::Null(false))
                });
                if !null_checked {
                    self.push(
                        "KF117",
                        Severity::SecurityWarning,
                        c.operator.span,
                        format!("ForAllValues is true when `{}` is absent, so this Allow also applies to requests without it.", c.key.value),
                        Some(format!("add \"Null\": {{\"{}\": \"false\"}}", c.key.value)),
                    );
                }
            }
        }
        // KF111: a key required absent (Null true) and tested by a positive operator.
        for c in &st.conditions {
            let Some(spec) = c.spec else { continue };
            if spec.base == Operator::Null
                && c.compiled.iter().all(|v| *v == Compiled::Null(true))
                && !c.compiled.is_empty()
            {
                let clash = st.conditions.iter().find(|o| {
                    o.key.value.eq_ignore_ascii_case(&c.key.value)
                        && o.spec.is_some_and(|s| {
                            s.base != Operator::Null
                                && !s.base.is_negated()
                                && !s.if_exists
                                && s.set != Some(SetOperator::ForAllValues)
                        })
                });
                if let Some(o) = clash {
                    self.push(
                        "KF111",
                        Severity::Warning,
                        o.operator.span,
                        format!("This statement can never match: `{}` must be absent (Null) and also satisfy {}.", c.key.value, o.operator.value),
                        Some("remove one of the two conditions".into()),
                    );
                }
            }
            if c.values.is_empty() {
                self.push(
                    "KF111",
                    Severity::Warning,
                    c.values_span,
                    "A condition without values can never match.",
                    None,
                );
            }
        }
    }

    fn condition_key(&mut self, c: &Condition, key_lower: &str) {
        let Some((prefix, _)) = key_lower.split_once(':') else {
            self.push(
                "KF102",
                Severity::Warning,
                c.key.span,
                format!("Condition key `{}` has no service prefix.", c.key.value),
                Some("condition keys look like aws:SourceIp or kms:ViaService".into()),
            );
            return;
        };
        let known = if prefix == "aws" {
            data::is_global_key(key_lower)
        } else if let Some(svc) = data::service(prefix) {
            svc.has_condition_key(key_lower) || svc.condition_keys.is_empty()
        } else {
            true // a service Keyflow does not model
        };
        if !known {
            let candidates: &[&str] = if prefix == "aws" {
                data::GLOBAL_CONDITION_KEYS
            } else {
                data::service(prefix).map_or(&[], |s| s.condition_keys)
            };
            let suggestion = self.hint(key_lower, candidates.iter().copied());
            self.push(
                "KF102",
                Severity::Warning,
                c.key.span,
                format!("Unknown condition key `{}`; a key that is never in the request context is absent.", c.key.value),
                suggestion.map(|s| format!("did you mean `{s}`?")),
            );
        }
    }
}

/// Bidirectional controls (marks, embeddings, overrides, isolates) and the
/// zero-width characters that hide text boundaries.
const BIDI: [(char, &str); 17] = [
    ('\u{200B}', "ZERO WIDTH SPACE"),
    ('\u{200C}', "ZERO WIDTH NON-JOINER"),
    ('\u{200D}', "ZERO WIDTH JOINER"),
    ('\u{2060}', "WORD JOINER"),
    ('\u{FEFF}', "ZERO WIDTH NO-BREAK SPACE"),
    ('\u{061C}', "ARABIC LETTER MARK"),
    ('\u{200E}', "LEFT-TO-RIGHT MARK"),
    ('\u{200F}', "RIGHT-TO-LEFT MARK"),
    ('\u{202A}', "LEFT-TO-RIGHT EMBEDDING"),
    ('\u{202B}', "RIGHT-TO-LEFT EMBEDDING"),
    ('\u{202C}', "POP DIRECTIONAL FORMATTING"),
    ('\u{202D}', "LEFT-TO-RIGHT OVERRIDE"),
    ('\u{202E}', "RIGHT-TO-LEFT OVERRIDE"),
    ('\u{2066}', "LEFT-TO-RIGHT ISOLATE"),
    ('\u{2067}', "RIGHT-TO-LEFT ISOLATE"),
    ('\u{2068}', "FIRST STRONG ISOLATE"),
    ('\u{2069}', "POP DIRECTIONAL ISOLATE"),
];

/// Names (Unicode name aliases) of the C0 controls, DEL and the C1 controls.
const CONTROLS: [&str; 65] = [
    "NULL",
    "START OF HEADING",
    "START OF TEXT",
    "END OF TEXT",
    "END OF TRANSMISSION",
    "ENQUIRY",
    "ACKNOWLEDGE",
    "BELL",
    "BACKSPACE",
    "CHARACTER TABULATION",
    "LINE FEED",
    "LINE TABULATION",
    "FORM FEED",
    "CARRIAGE RETURN",
    "SHIFT OUT",
    "SHIFT IN",
    "DATA LINK ESCAPE",
    "DEVICE CONTROL ONE",
    "DEVICE CONTROL TWO",
    "DEVICE CONTROL THREE",
    "DEVICE CONTROL FOUR",
    "NEGATIVE ACKNOWLEDGE",
    "SYNCHRONOUS IDLE",
    "END OF TRANSMISSION BLOCK",
    "CANCEL",
    "END OF MEDIUM",
    "SUBSTITUTE",
    "ESCAPE",
    "FILE SEPARATOR",
    "GROUP SEPARATOR",
    "RECORD SEPARATOR",
    "UNIT SEPARATOR",
    "DELETE",
    "PADDING CHARACTER",
    "HIGH OCTET PRESET",
    "BREAK PERMITTED HERE",
    "NO BREAK HERE",
    "INDEX",
    "NEXT LINE",
    "START OF SELECTED AREA",
    "END OF SELECTED AREA",
    "CHARACTER TABULATION SET",
    "CHARACTER TABULATION WITH JUSTIFICATION",
    "LINE TABULATION SET",
    "PARTIAL LINE FORWARD",
    "PARTIAL LINE BACKWARD",
    "REVERSE LINE FEED",
    "SINGLE SHIFT TWO",
    "SINGLE SHIFT THREE",
    "DEVICE CONTROL STRING",
    "PRIVATE USE ONE",
    "PRIVATE USE TWO",
    "SET TRANSMIT STATE",
    "CANCEL CHARACTER",
    "MESSAGE WAITING",
    "START OF GUARDED AREA",
    "END OF GUARDED AREA",
    "START OF STRING",
    "SINGLE GRAPHIC CHARACTER INTRODUCER",
    "SINGLE CHARACTER INTRODUCER",
    "CONTROL SEQUENCE INTRODUCER",
    "STRING TERMINATOR",
    "OPERATING SYSTEM COMMAND",
    "PRIVACY MESSAGE",
    "APPLICATION PROGRAM COMMAND",
];

/// For a character KF123 flags: a distinct bit below 128 and whether it is a
/// bidirectional control. Controls are every `char::is_control` character (C0,
/// DEL, C1): C1's CSI starts terminal escape sequences just as ESC does.
fn hidden_char_bit(c: char) -> Option<(u32, bool)> {
    let n = u32::from(c);
    match n {
        0x00..=0x1F => Some((n, false)),
        0x7F..=0x9F => Some((n - 0x7F + 0x20, false)),
        0x061C | 0x200B..=0x2069 | 0xFEFF => BIDI
            .iter()
            .position(|&(b, _)| b == c)
            .and_then(|i| u32::try_from(i).ok())
            .map(|i| (i + 65, true)),
        _ => None,
    }
}

fn hidden_char_name(c: char) -> &'static str {
    let n = u32::from(c);
    let control = match n {
        0x00..=0x1F => Some(n),
        0x7F..=0x9F => Some(n - 0x7F + 0x20),
        _ => None,
    };
    control
        .and_then(|i| CONTROLS.get(usize::try_from(i).ok()?).copied())
        .or_else(|| BIDI.iter().find(|&&(b, _)| b == c).map(|&(_, name)| name))
        .unwrap_or("control character")
}

fn value_hint(op: Operator) -> &'static str {
    match op {
        Operator::Bool | Operator::Null => "use \"true\" or \"false\"",
        Operator::IpAddress | Operator::NotIpAddress => {
            "use an IPv4/IPv6 address or CIDR, e.g. 203.0.113.0/24"
        }
        Operator::BinaryEquals => "use a base64-encoded value",
        o if o.name().starts_with("Date") => "use ISO 8601 (2025-01-31T00:00:00Z) or epoch seconds",
        _ => "use a number",
    }
}

fn resource_type_possible(prefix: &str, ty: &str, res: &str) -> bool {
    if res == "*" {
        return true;
    }
    let wild = res.contains(['*', '?']);
    if prefix == "s3" {
        return match ty {
            "bucket" => {
                !res.contains('/') && !res.starts_with("accesspoint") && !res.starts_with("job")
            }
            "object" => res.contains('/') || wild,
            "accesspoint" => {
                res.starts_with("accesspoint/")
                    || (wild && "accesspoint/".starts_with(literal_head(res)))
            }
            "job" => res.starts_with("job/") || (wild && "job/".starts_with(literal_head(res))),
            _ => true,
        };
    }
    let Some(svc) = data::service(prefix) else {
        return true;
    };
    let Some((_, type_prefix)) = svc.resource_types.iter().find(|(n, _)| *n == ty) else {
        return true;
    };
    res.starts_with(type_prefix) || (wild && type_prefix.starts_with(literal_head(res)))
}

fn literal_head(s: &str) -> &str {
    let end = s.find(['*', '?']).unwrap_or(s.len());
    &s[..end]
}

/// The six colon-separated parts of an ARN (the last keeps its colons).
fn arn_parts(v: &str) -> Option<[&str; 6]> {
    let mut it = v.splitn(6, ':');
    Some([
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
    ])
}

/// The one Allow an RCP may hold: AWS's own `RCPFullAWSAccess` statement.
fn is_rcp_full_access(st: &Statement) -> bool {
    let only_star = |values: &mut dyn Iterator<Item = &str>| {
        let all: Vec<&str> = values.collect();
        all == ["*"]
    };
    st.conditions.is_empty()
        && st.principal.as_ref().is_some_and(|p| {
            !p.negated && p.entries.iter().all(|e| e.matcher == PrincipalMatcher::Any)
        })
        && st
            .action
            .as_ref()
            .is_some_and(|a| !a.negated && only_star(&mut a.items.iter().map(|i| i.value.as_str())))
        && st
            .resource
            .as_ref()
            .is_some_and(|r| !r.negated && only_star(&mut r.items.iter().map(|i| i.value.as_str())))
}

/// Suggests the operator a misspelling probably meant, keeping a set prefix.
fn suggest_operator(op: &str) -> Option<String> {
    let (prefix, rest) = ["ForAnyValue:", "ForAllValues:"]
        .iter()
        .find_map(|p| {
            // `get` rather than slicing: the operator is user text and may not be ASCII.
            let head = op.get(..p.len())?;
            head.eq_ignore_ascii_case(p)
                .then(|| (*p, op.get(p.len()..).unwrap_or("")))
        })
        .unwrap_or(("", op));
    let mut names: Vec<String> = Vec::new();
    for o in OPERATORS {
        names.push(o.name().to_string());
        if o != Operator::Null {
            names.push(format!("{}IfExists", o.name()));
        }
    }
    let best = closest(rest, names.iter().map(String::as_str))?;
    let full = format!("{prefix}{best}");
    OperatorSpec::parse(&full).map(|_| full)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_width_characters_are_flagged_too() {
        let text = "{\"Version\":\"2012-10-17\",\"Statement\":{\"Sid\":\"a\u{200B}b\u{FEFF}\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"111122223333\"},\"Action\":\"kms:*\",\"Resource\":\"*\"}}";
        let found = lint_text(text, PolicyKind::KeyPolicy);
        let d = found.iter().find(|d| d.code == "KF123").unwrap();
        assert_eq!(
            d.help.as_deref(),
            Some("remove U+200B ZERO WIDTH SPACE, U+FEFF ZERO WIDTH NO-BREAK SPACE")
        );
    }

    #[test]
    fn allow_in_an_rcp_is_an_error_except_full_access() {
        let full = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}"#;
        assert!(!codes(full, PolicyKind::Rcp).contains(&"KF122"));
        let narrow = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}"#;
        assert!(codes(narrow, PolicyKind::Rcp).contains(&"KF122"));
        assert!(!codes(narrow, PolicyKind::BucketPolicy).contains(&"KF122"));
    }

    #[test]
    fn operator_suggestion_survives_non_ascii_text() {
        // Found by the property test: a multi-byte character where a set prefix would end.
        assert_eq!(
            suggest_operator("StringNotE\u{fffd}uals"),
            Some("StringNotEquals".into())
        );
        assert_eq!(suggest_operator("ForAnyValu\u{e9}:StringEquals"), None);
    }

    fn codes(text: &str, kind: PolicyKind) -> Vec<&'static str> {
        lint_text(text, kind).into_iter().map(|d| d.code).collect()
    }

    fn stmt(body: &str) -> String {
        format!(r#"{{"Version":"2012-10-17","Statement":[{body}]}}"#)
    }

    #[test]
    fn misspelled_operator_gets_a_suggestion() {
        let text = stmt(
            r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEqual":{"aws:SourceVpc":"vpc-1"}}}"#,
        );
        let d = lint_text(&text, PolicyKind::Identity);
        let op = d.iter().find(|d| d.code == "KF101").unwrap();
        assert_eq!(op.help.as_deref(), Some("did you mean `StringEquals`?"));
        assert_eq!(op.severity, Severity::Error);
        assert_eq!(op.span.slice(&text), "\"StringEqual\"");
        assert_eq!(
            suggest_operator("ForAnyValue:stringlike").as_deref(),
            Some("ForAnyValue:StringLike")
        );
        assert_eq!(
            suggest_operator("StringEqualsIfExist").as_deref(),
            Some("StringEqualsIfExists")
        );
    }

    #[test]
    fn unknown_keys_services_and_actions() {
        let text = stmt(
            r#"{"Effect":"Allow","Action":["kms:Decrypto","s4:GetObject","ec2:RunInstances","kms:Get*"],"Resource":"*","Condition":{"StringEquals":{"kms:ViaServce":"x","aws:SourceIP":"y","ec2:Whatever":"z"}}}"#,
        );
        let d = lint_text(&text, PolicyKind::Identity);
        let kf104: Vec<_> = d.iter().filter(|d| d.code == "KF104").collect();
        assert_eq!(kf104.len(), 1);
        assert_eq!(
            kf104[0].help.as_deref(),
            Some("did you mean `kms:Decrypt`?")
        );
        assert_eq!(d.iter().filter(|d| d.code == "KF103").count(), 1);
        // aws:SourceIP is the same key as aws:SourceIp (names are case-insensitive).
        let kf102: Vec<_> = d.iter().filter(|d| d.code == "KF102").collect();
        assert_eq!(kf102.len(), 1);
        assert_eq!(
            kf102[0].help.as_deref(),
            Some("did you mean `kms:viaservice`?")
        );
    }

    #[test]
    fn public_principal_and_not_principal() {
        let text = stmt(
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#,
        );
        let c = codes(&text, PolicyKind::BucketPolicy);
        assert!(c.contains(&"KF109"));
        assert!(c.contains(&"KF108"));
        let with_cond = stmt(
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}}"#,
        );
        assert!(!codes(&with_cond, PolicyKind::BucketPolicy).contains(&"KF109"));
    }

    #[test]
    fn sids() {
        let text = stmt(
            r#"{"Sid":"A b","Effect":"Allow","Action":"s3:GetObject","Resource":"*"},{"Sid":"A b","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#,
        );
        let d = lint_text(&text, PolicyKind::Identity);
        assert!(
            d.iter()
                .any(|d| d.code == "KF115" && d.severity == Severity::Error)
        );
        assert!(
            d.iter()
                .any(|d| d.code == "KF110" && d.severity == Severity::Error)
        );
        // Key policies allow spaces in Sids; a duplicate is only a warning there.
        let kp = text.replace("s3:GetObject", "kms:Decrypt").replace(
            "\"Allow\",",
            "\"Allow\",\"Principal\":{\"AWS\":\"111122223333\"},",
        );
        let d = lint_text(&kp, PolicyKind::KeyPolicy);
        assert!(!d.iter().any(|d| d.code == "KF115"));
        assert!(
            d.iter()
                .any(|d| d.code == "KF110" && d.severity == Severity::Warning)
        );
    }

    #[test]
    fn resource_types_and_arns() {
        let text = stmt(
            r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket"}"#,
        );
        let d = lint_text(&text, PolicyKind::BucketPolicy);
        assert!(
            d.iter()
                .any(|d| d.code == "KF106" && d.severity == Severity::Error)
        );
        let ok = stmt(
            r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":["s3:GetObject","s3:ListBucket"],"Resource":"arn:aws:s3:::bucket"}"#,
        );
        assert!(!codes(&ok, PolicyKind::BucketPolicy).contains(&"KF106"));
        let create = stmt(
            r#"{"Effect":"Allow","Action":"kms:CreateKey","Resource":"arn:aws:kms:us-east-1:111122223333:key/k"}"#,
        );
        assert!(codes(&create, PolicyKind::Identity).contains(&"KF106"));
        let bad =
            stmt(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:*:::b/*"}"#);
        assert!(codes(&bad, PolicyKind::Identity).contains(&"KF105"));
        let iam = stmt(
            r#"{"Effect":"Allow","Action":"iam:GetRole","Resource":"arn:aws:iam:us-east-1:111122223333:role/x"}"#,
        );
        assert!(codes(&iam, PolicyKind::Identity).contains(&"KF105"));
    }

    #[test]
    fn variables_and_versions() {
        let text = r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*"}]}"#;
        assert!(codes(text, PolicyKind::Identity).contains(&"KF107"));
        let none = r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
        assert!(codes(none, PolicyKind::Identity).contains(&"KF120"));
        let num = stmt(
            r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":"${aws:username}"}}}"#,
        );
        let c = codes(&num, PolicyKind::Identity);
        assert!(c.contains(&"KF118"));
        assert!(c.contains(&"KF119"));
    }

    #[test]
    fn set_operators_and_never_matching() {
        let text = stmt(
            r#"{"Effect":"Allow","Action":"kms:TagResource","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]},"ForAnyValue:IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"StringEquals":{"aws:CalledVia":"x"}}}"#,
        );
        let c = codes(&text, PolicyKind::Identity);
        assert!(c.contains(&"KF117"));
        assert_eq!(c.iter().filter(|c| **c == "KF116").count(), 2);
        let never = stmt(
            r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"Null":{"aws:SourceVpc":"true"},"StringEquals":{"aws:SourceVpc":"vpc-1"}}}"#,
        );
        assert!(codes(&never, PolicyKind::Identity).contains(&"KF111"));
    }

    #[test]
    fn size_duplicates_and_key_policy_quirks() {
        let big = stmt(&format!(
            r#"{{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::{}/*"}}"#,
            "b".repeat(7000)
        ));
        assert!(codes(&big, PolicyKind::Identity).contains(&"KF112"));
        assert!(!codes(&big, PolicyKind::KeyPolicy).contains(&"KF112"));
        let dup = r#"{"Version":"2012-10-17","Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
        assert!(codes(dup, PolicyKind::Identity).contains(&"KF113"));
        let kp = stmt(
            r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kms:CreateKey"}"#,
        );
        let c = codes(&kp, PolicyKind::KeyPolicy);
        assert!(c.contains(&"KF114"));
        assert!(c.contains(&"KF121"));
        assert!(!c.contains(&"KF012"));
    }

    #[test]
    fn duplicate_sids_are_case_sensitive_and_every_repeat_is_flagged() {
        let st = |sid: &str| {
            format!(
                r#"{{"Sid":"{sid}","Effect":"Allow","Principal":{{"AWS":"111122223333"}},"Action":"kms:Decrypt","Resource":"*"}}"#
            )
        };
        let text = stmt(&[st("A"), st("a"), st("B"), st("A"), st("A")].join(","));
        let d = lint_text(&text, PolicyKind::KeyPolicy);
        let dups: Vec<&str> = d
            .iter()
            .filter(|d| d.code == "KF110")
            .map(|d| d.span.slice(&text))
            .collect();
        // The first "A" is fine; "a" is a different Sid; both later "A"s repeat it.
        assert_eq!(dups, ["\"A\"", "\"A\""]);
        let starts: Vec<u32> = d
            .iter()
            .filter(|d| d.code == "KF110")
            .map(|d| d.span.start)
            .collect();
        let first = text.find("\"A\"").and_then(|i| u32::try_from(i).ok());
        assert!(starts.iter().all(|s| Some(*s) > first));
    }

    #[test]
    fn many_unique_sids_lint_in_linear_time() {
        // A guard against the quadratic list search coming back (seconds to minutes
        // at this size), not a benchmark: generous even for a debug build.
        let body: Vec<String> = (0..20_000)
            .map(|i| {
                format!(
                    r#"{{"Sid":"S{i}","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::111122223333:role/R{i}"}},"Action":["kms:Decrypt"],"Resource":"*"}}"#
                )
            })
            .collect();
        let text = stmt(&body.join(","));
        let parsed = parse(&text, PolicyKind::KeyPolicy);
        let start = std::time::Instant::now();
        let d = lint(&parsed, &text, PolicyKind::KeyPolicy);
        let took = start.elapsed();
        assert!(!d.iter().any(|d| d.code == "KF110"));
        assert!(took < std::time::Duration::from_secs(2), "{took:?}");
    }

    #[test]
    fn action_lookup_is_case_insensitive_and_wildcards_still_expand() {
        let text = stmt(
            r#"{"Effect":"Allow","Action":["KMS:decrypt","s3:getobject","s3:Get*Tagging","s3:Nope*","kms:DECRYPTO"],"Resource":"*"}"#,
        );
        let d = lint_text(&text, PolicyKind::Identity);
        let kf104: Vec<_> = d.iter().filter(|d| d.code == "KF104").collect();
        assert_eq!(kf104.len(), 2, "{kf104:?}");
        assert!(kf104[0].message.contains("matches no"));
        assert_eq!(kf104[0].help, None);
        assert_eq!(
            kf104[1].help.as_deref(),
            Some("did you mean `kms:Decrypt`?")
        );
        // KF106 still expands wildcards into resource types: object actions only.
        let objects = stmt(
            r#"{"Effect":"Allow","Action":["s3:GetObject*Tagging","s3:PUTOBJECT"],"Resource":"arn:aws:s3:::bucket"}"#,
        );
        assert!(codes(&objects, PolicyKind::Identity).contains(&"KF106"));
        let bucket = objects.replace("s3:PUTOBJECT", "s3:listbucket");
        assert!(!codes(&bucket, PolicyKind::Identity).contains(&"KF106"));
        // The key-policy-only check is case-insensitive too.
        let kp = stmt(
            r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kms:listKEYS","Resource":"*"}"#,
        );
        assert!(codes(&kp, PolicyKind::KeyPolicy).contains(&"KF121"));
    }

    #[test]
    fn only_the_first_unknown_actions_get_a_hint() {
        let actions: Vec<String> = (0..200).map(|i| format!("\"s3:GetObjec{i}\"")).collect();
        let text = stmt(&format!(
            r#"{{"Effect":"Allow","Action":[{}],"Resource":"*"}}"#,
            actions.join(",")
        ));
        let d = lint_text(&text, PolicyKind::Identity);
        let kf104: Vec<_> = d.iter().filter(|d| d.code == "KF104").collect();
        assert_eq!(kf104.len(), 200);
        assert!(
            kf104[..MAX_HINTS]
                .iter()
                .all(|d| d.help.as_deref() == Some("did you mean `s3:GetObject`?")),
            "{:?}",
            kf104[0]
        );
        assert!(kf104[MAX_HINTS..].iter().all(|d| d.help.is_none()));
    }

    #[test]
    fn many_unknown_and_known_actions_lint_in_linear_time() {
        // Guards, not benchmarks: each unknown action once cost milliseconds (an
        // edit-distance search over the service) and each known one tens of
        // microseconds (the table re-parsed per lookup).
        let unknown: Vec<String> = (0..20_000)
            .map(|i| format!("\"s3:GetObject{i}\""))
            .collect();
        let known: Vec<&str> = [
            "\"s3:GetObject\"",
            "\"kms:Decrypt\"",
            "\"ssm:GetParameter\"",
        ]
        .into_iter()
        .cycle()
        .take(20_000)
        .collect();
        for list in [unknown.join(","), known.join(",")] {
            let text = stmt(&format!(
                r#"{{"Effect":"Allow","Action":[{list}],"Resource":["arn:aws:s3:::b/*","arn:aws:kms:us-east-1:111122223333:key/k"]}}"#
            ));
            let parsed = parse(&text, PolicyKind::Identity);
            let start = std::time::Instant::now();
            let d = lint(&parsed, &text, PolicyKind::Identity);
            let took = start.elapsed();
            assert!(d.iter().any(|d| d.code == "KF112"));
            assert!(took < std::time::Duration::from_secs(2), "{took:?}");
        }
    }

    #[test]
    fn bounded_suggestions_match_the_plain_search() {
        // The reference: full edit distance against every candidate, first best wins.
        fn plain<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
            let lower = word.to_ascii_lowercase();
            candidates
                .iter()
                .map(|c| {
                    (
                        crate::parse::edit_distance(&lower, &c.to_ascii_lowercase()),
                        *c,
                    )
                })
                .filter(|(d, c)| *d <= (c.len() / 3).max(2))
                .min_by_key(|(d, _)| *d)
                .map(|(_, c)| c)
        }
        let mut words: Vec<String> = vec![
            String::new(),
            "x".into(),
            "GetObjectt".into(),
            "getobj".into(),
            "PutBucketPolicyy".into(),
            "DescribeKye".into(),
            "Décrypt".into(),
            "GetObject12345".into(),
            "ListAllMyBucketz".into(),
        ];
        for svc in data::SERVICES {
            for a in svc.action_table() {
                words.push(a.name.to_ascii_uppercase());
                words.push(a.name[1..].to_string());
                words.push(format!("{}s", a.name));
            }
        }
        for svc in data::SERVICES {
            let names: Vec<&str> = svc.action_table().iter().map(|a| a.name).collect();
            for w in &words {
                assert_eq!(
                    closest(w, names.iter().copied()),
                    plain(w, &names),
                    "{w} in {}",
                    svc.prefix
                );
            }
        }
    }

    #[test]
    fn control_and_bidi_characters_are_flagged_in_every_string_of_every_kind() {
        let text = stmt(
            r#"{"Sid":"a\u202Eb","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/\u2066x\u2069"},"Action":"s3:Get\u0007Object","Resource":"arn:aws:s3:::b\u200F/*","Condition":{"StringEquals":{"aws:user\u001bname":"al\nice\u061C"}}}"#,
        );
        for kind in PolicyKind::ALL {
            let d: Vec<_> = lint_text(&text, kind)
                .into_iter()
                .filter(|d| d.code == "KF123")
                .collect();
            let got: Vec<(&str, Option<&str>)> = d
                .iter()
                .map(|d| (d.span.slice(&text), d.help.as_deref()))
                .collect();
            assert_eq!(
                got,
                [
                    (
                        r#""a\u202Eb""#,
                        Some("remove U+202E RIGHT-TO-LEFT OVERRIDE")
                    ),
                    (
                        r#""arn:aws:iam::111122223333:role/\u2066x\u2069""#,
                        Some("remove U+2066 LEFT-TO-RIGHT ISOLATE, U+2069 POP DIRECTIONAL ISOLATE")
                    ),
                    (r#""s3:Get\u0007Object""#, Some("remove U+0007 BELL")),
                    (
                        r#""arn:aws:s3:::b\u200F/*""#,
                        Some("remove U+200F RIGHT-TO-LEFT MARK")
                    ),
                    (r#""aws:user\u001bname""#, Some("remove U+001B ESCAPE")),
                    (
                        r#""al\nice\u061C""#,
                        Some("remove U+000A LINE FEED, U+061C ARABIC LETTER MARK")
                    ),
                ],
                "{kind:?}"
            );
            assert!(d.iter().all(|d| d.severity == Severity::SecurityWarning));
            assert!(d[0].message.contains("Sid"), "{}", d[0].message);
            assert!(
                d[5].message
                    .contains("control and invisible or bidirectional control characters")
            );
        }
        // IAM's own Sid alphabet rule stays KF115, alongside.
        assert!(codes(&text, PolicyKind::Identity).contains(&"KF115"));
        // Ordinary non-ASCII text is not flagged, and many distinct characters are
        // summarised.
        let plain = stmt(
            r#"{"Sid":"Ünïcödé","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/日本/*"}"#,
        );
        assert!(!codes(&plain, PolicyKind::BucketPolicy).contains(&"KF123"));
        let many = stmt(
            r#"{"Sid":"\u0001\u0002\u0003\u0004\u0005\u0006\u0001","Effect":"Deny","Action":"*","Resource":"*"}"#,
        );
        let d = lint_text(&many, PolicyKind::Scp);
        let h = d
            .iter()
            .find(|d| d.code == "KF123")
            .and_then(|d| d.help.clone());
        assert_eq!(
            h.as_deref(),
            Some(
                "remove U+0001 START OF HEADING, U+0002 START OF TEXT, U+0003 END OF TEXT, U+0004 END OF TRANSMISSION, U+0005 ENQUIRY, 1 more"
            )
        );
        assert!(LINT_CODES.iter().any(|(c, _)| *c == "KF123"));
    }

    #[test]
    fn lint_codes_are_unique_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for (code, _) in LINT_CODES {
            assert!(seen.insert(*code));
        }
    }
}
