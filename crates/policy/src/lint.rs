//! Lints in the spirit of IAM Access Analyzer's policy checks
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html>),
//! plus the key-policy and safety checks it lacks. Codes and their learn-more
//! pages are in [`crate::Code`]; `KF0xx` come from [`crate::parse`], `KF1xx` from here.
//!
//! Every path is linear in the size of the policy: hash sets instead of list
//! searches, wildcard expansions cached per distinct pattern, a bounded number
//! of "did you mean" searches, and ARN comparisons settled by literal heads.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use crate::ast::*;
use crate::condition::{Compiled, OPERATORS, Operator, OperatorSpec, SetOperator};
use crate::data::{Action, ArnPattern, Service, ServiceData, global_key, global_key_names};
use crate::diag::{Code, Diagnostic, Severity};
use crate::hidden::hidden_char;
use crate::parse::{Parsed, closest, parse};
use crate::pattern::{Flavor, Glob};
use crate::span::Span;
use crate::variables::parse_template;

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
        PolicyKind::Scp | PolicyKind::Rcp => (5_120, false),
    }
}

/// Parse diagnostics followed by lints, sorted by position.
pub fn lint_text(text: &str, kind: PolicyKind, data: &ServiceData) -> Vec<Diagnostic> {
    let parsed = parse(text, kind);
    let mut all = parsed.diagnostics.clone();
    all.extend(lint(&parsed, text, kind, data));
    all.sort_by_key(|d| (d.span.start, d.severity));
    all
}

/// Lints a parsed policy with the given service data. Returns only lint findings
/// (not the parse diagnostics).
pub fn lint(parsed: &Parsed, text: &str, kind: PolicyKind, data: &ServiceData) -> Vec<Diagnostic> {
    let mut l = Linter {
        kind,
        policy: &parsed.policy,
        data,
        out: Vec::new(),
        hints_left: MAX_HINTS,
        expansions: HashMap::new(),
        buf: Vec::new(),
        s3_arns: None,
        unknown_prefixes: HashSet::new(),
    };
    l.run(text);
    l.out
}

/// What an `Action` item names.
enum Resolved<'a> {
    /// `*`, or a wildcard in the service prefix: any action.
    Any,
    /// A prefix the data does not list (or the item is malformed).
    Unknown,
    /// The actions of one service it matches (empty: none).
    Actions(&'a Service, Rc<[&'a Action]>),
}

struct Linter<'a> {
    kind: PolicyKind,
    policy: &'a Policy,
    data: &'a ServiceData,
    out: Vec<Diagnostic>,
    /// "Did you mean" searches left for this policy (see [`MAX_HINTS`]).
    hints_left: usize,
    /// Wildcard action patterns already expanded, by lower-cased text.
    expansions: HashMap<String, Rc<[&'a Action]>>,
    /// Scratch space for ARN overlap tables.
    buf: Vec<bool>,
    /// ARN patterns of the data whose service segment is `s3`.
    s3_arns: Option<Vec<&'a ArnPattern>>,
    /// Unknown service prefixes already reported (KF103 once per prefix).
    unknown_prefixes: HashSet<String>,
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

/// Condition keys that scope a service principal to a source (IAM User Guide,
/// "The confused deputy problem"), plus `aws:SourceOwner`, which Amazon SNS
/// documents beside `aws:SourceAccount`.
const SOURCE_KEYS: &[&str] = &[
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourceowner",
];

/// Keys a request always carries for the actions that support them, so
/// `ForAllValues` on them cannot match a request without them: `Operations` is a
/// required parameter of CreateGrant (AWS KMS API Reference, CreateGrant,
/// <https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateGrant.html>).
const ALWAYS_PRESENT_KEYS: &[&str] = &["kms:grantoperations"];

/// Tag-key lists, where `ForAllValues` alone is the documented way to say "only
/// these tag keys, if any" and a request without tags is meant to match (IAM
/// User Guide, "Controlling access to AWS resources using tags": controlling tag
/// keys with ForAllValues:StringEquals on aws:TagKeys).
const TAG_KEY_LISTS: &[&str] = &["aws:tagkeys", "s3:requestobjecttagkeys"];

impl<'a> Linter<'a> {
    fn push(&mut self, d: Diagnostic) {
        self.out.push(d);
    }

    /// The closest candidate that is not an antonym of `word`, if the hint budget
    /// allows a search.
    fn hint<'c>(
        &mut self,
        word: &str,
        candidates: impl Iterator<Item = &'c str>,
    ) -> Option<&'c str> {
        let left = self.hints_left.checked_sub(1)?;
        self.hints_left = left;
        closest(word, candidates.filter(|c| !antonyms(word, c)))
    }

    /// KF123: control characters (possible only as JSON escapes such as `\u0007`),
    /// bidirectional controls and zero-width characters in a string value. They
    /// are invisible, or reorder the text around them, so the policy a reviewer
    /// reads is not the one AWS compares ("Trojan Source").
    fn hidden_chars(&mut self, what: &str, value: &str, span: Span) {
        // Nearly every string is printable ASCII: one byte scan and done.
        if value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return;
        }
        // Distinct flagged characters in order of first appearance; a bit set keeps
        // a long hostile string linear.
        let mut seen = 0u128;
        let mut found = Vec::new();
        let (mut control, mut invisible) = (false, false);
        for c in value.chars() {
            let Some(h) = hidden_char(c) else { continue };
            if seen & (1 << h.id) == 0 {
                seen |= 1 << h.id;
                found.push(h);
                invisible |= h.invisible;
                control |= !h.invisible;
            }
        }
        if found.is_empty() {
            return;
        }
        let plural = if found.len() > 1 { "s" } else { "" };
        let kind = match (control, invisible) {
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
            .map(|h| format!("U+{:04X} {}", u32::from(h.char), h.name))
            .collect();
        if found.len() > SHOWN {
            names.push(format!("{} more", found.len() - SHOWN));
        }
        self.push(
            Diagnostic::new(
                Code::HiddenCharacter,
                span,
                format!(
                    "This {what} contains {kind}: what the policy displays is not what AWS compares."
                ),
            )
            .with_help(format!("remove {}", names.join(", "))),
        );
    }

    fn run(&mut self, text: &str) {
        let p = self.policy;
        self.size(text);
        for d in &p.duplicate_keys {
            self.push(
                Diagnostic::new(
                    Code::DuplicateKey,
                    d.span,
                    format!(
                        "Duplicate key `{}` in the same object; parsers disagree on which value wins.",
                        d.value
                    ),
                )
                .with_help("keep one key and merge the values"),
            );
        }
        if p.version.is_none() && p.span != Span::default() {
            self.push(
                Diagnostic::new(
                    Code::MissingVersion,
                    Span::new(p.span.start, p.span.start.saturating_add(1)),
                    "The policy has no Version; it is read as 2008-10-17, without policy variables.",
                )
                .with_help("add \"Version\": \"2012-10-17\""),
            );
        }
        if let Some(v) = &p.version {
            self.hidden_chars("Version", &v.value, v.span);
        }
        if let Some(id) = &p.id {
            self.hidden_chars("Id", &id.value, id.span);
        }
        // Sids. A hash set, not a list: a pasted policy can have tens of thousands
        // of statements. Case-sensitive ("a" and "A" are different Sids).
        let mut seen: HashSet<&str> = HashSet::with_capacity(p.statements.len());
        // Canonical text of each statement, for redundant statements (KF132).
        let mut bodies: HashSet<String> = HashSet::with_capacity(p.statements.len());
        for st in &p.statements {
            if let Some(sid) = &st.sid {
                if iam_kind(self.kind) && !sid.value.chars().all(|c| c.is_ascii_alphanumeric()) {
                    self.push(
                        Diagnostic::new(
                            Code::InvalidSid,
                            sid.span,
                            "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*",
                        )
                        .with_help("remove spaces and punctuation from the Sid"),
                    );
                }
                self.hidden_chars("Sid", &sid.value, sid.span);
                // An empty Sid names nothing (Amazon S3's own examples repeat
                // `"Sid": ""`); only real names must differ.
                if !sid.value.is_empty() && !seen.insert(sid.value.as_str()) {
                    // IAM rejects repeats; elsewhere Access Analyzer recommends
                    // unique Sids ("Unique Sids recommended").
                    let (sev, message) = if iam_kind(self.kind) {
                        (
                            Severity::Error,
                            "Statement IDs (SID) in a single policy must be unique.",
                        )
                    } else {
                        (
                            Severity::Warning,
                            "Statement IDs (SID) should be unique within a policy; this one repeats an earlier Sid.",
                        )
                    };
                    self.push(
                        Diagnostic::new(Code::DuplicateSid, sid.span, message)
                            .with_severity(sev)
                            .with_help(format!("rename the second `{}`", sid.value)),
                    );
                }
            }
            if !bodies.insert(canonical(st)) {
                self.push(
                    Diagnostic::new(
                        Code::RedundantStatement,
                        head(st.span),
                        "This statement grants or denies exactly what an earlier statement does: the statements are redundant.",
                    )
                    .with_help("remove one of them; editing only one copy later changes less than intended"),
                );
            }
            self.statement(st);
        }
        if self.kind == PolicyKind::KeyPolicy && !p.statements.is_empty() {
            self.key_administrators();
        }
    }

    /// KF112: the size quota of the policy kind.
    fn size(&mut self, text: &str) {
        let p = self.policy;
        let label = self.kind.label();
        let help = "split it into several policies or shorten it (wildcards, fewer statements)";
        match self.kind {
            // AWS KMS: "Key policy document size: 32 KB (32,768 bytes)"; Amazon S3:
            // "Bucket policies are limited to 20 KB in size." Hard limits.
            PolicyKind::KeyPolicy | PolicyKind::BucketPolicy => {
                let (limit, _) = size_limit(self.kind);
                if text.len() > limit {
                    self.push(
                        Diagnostic::new(
                            Code::PolicySize,
                            p.span,
                            format!(
                                "The {label} is {} bytes; AWS allows at most {limit}.",
                                text.len()
                            ),
                        )
                        .with_severity(Severity::Error)
                        .with_help(help),
                    );
                }
            }
            // AWS Organizations quotas: an SCP is at most 5,120 bytes. The console
            // removes white space between JSON elements outside quotation marks and
            // does not count it; an SDK or the AWS CLI saves the text exactly.
            // (Assumption: RCPs have the same quota; the archived quota page
            // predates them.)
            PolicyKind::Scp | PolicyKind::Rcp => {
                let (limit, _) = size_limit(self.kind);
                let compact = text.len() - whitespace_outside_strings(text);
                if compact > limit {
                    self.push(
                        Diagnostic::new(
                            Code::PolicySize,
                            p.span,
                            format!(
                                "The {label} is {compact} bytes even with white space outside strings removed (as the console saves it); AWS Organizations allows at most {limit} bytes."
                            ),
                        )
                        .with_severity(Severity::Error)
                        .with_help(help),
                    );
                } else if text.len() > limit {
                    self.push(
                        Diagnostic::new(
                            Code::PolicySize,
                            p.span,
                            format!(
                                "The {label} is {} bytes as written: over the {limit}-byte quota when saved with an SDK or the AWS CLI, which keep white space. The console removes white space outside strings and saves {compact} bytes.",
                                text.len()
                            ),
                        )
                        .with_severity(Severity::Warning)
                        .with_help("minify it before saving it with an SDK or the AWS CLI"),
                    );
                }
            }
            // IAM: customer managed policies 6,144 characters, role trust policies
            // 2,048 by default (raisable), white space not counted (IAM and AWS STS
            // quotas). Access Analyzer reports these as general warnings: AWS
            // managed policies may be larger, and inline policies count toward the
            // identity's total instead.
            PolicyKind::Identity
            | PolicyKind::PermissionBoundary
            | PolicyKind::TrustPolicy
            | PolicyKind::SessionPolicy => {
                let (limit, _) = size_limit(self.kind);
                let size = text.chars().filter(|c| !c.is_whitespace()).count();
                if size <= limit {
                    return;
                }
                let message = match self.kind {
                    PolicyKind::TrustPolicy => format!(
                        "The role trust policy has {size} characters, white space not counted; the default quota is {limit} (it can be raised with Service Quotas)."
                    ),
                    PolicyKind::SessionPolicy => format!(
                        "The session policy has {size} characters, white space not counted; AWS STS allows at most {limit}."
                    ),
                    _ => format!(
                        "The policy has {size} characters, white space not counted; a customer managed policy allows at most {limit}. (AWS managed policies may be larger; inline policies count toward the identity's total.)"
                    ),
                };
                self.push(
                    Diagnostic::new(Code::PolicySize, p.span, message)
                        .with_severity(Severity::Warning)
                        .with_help(help),
                );
            }
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
                Diagnostic::new(
                    Code::AllowInRcp,
                    e.span,
                    "The effect of Allow is only supported for the RCPFullAWSAccess policy.",
                )
                .with_help("RCPs restrict with Deny statements; AWS attaches RCPFullAWSAccess to every level for you"),
            );
        }
        if self.kind == PolicyKind::KeyPolicy && (st.action.is_none() || st.resource.is_none()) {
            let missing = if st.action.is_none() {
                "Action"
            } else {
                "Resource"
            };
            self.push(
                Diagnostic::new(
                    Code::KeyPolicyStatementIncomplete,
                    head(st.span),
                    format!("This key policy statement has no {missing}: KMS accepts it, but it has no effect."),
                )
                .with_help(format!("add \"{missing}\" (key policies use \"Resource\": \"*\")")),
            );
        }
        if let Some(pb) = &st.principal {
            self.principals(st, pb, effect);
        }
        let resolved = self.actions(st);
        if let Some(rb) = &st.resource {
            for item in &rb.items {
                self.hidden_chars("resource", &item.value, item.span);
                self.resource_item(item, variables);
                // A key ARN may name this very key (the CloudTrail console writes
                // the key's own ARN): only other ARNs are certain not to.
                if self.kind == PolicyKind::KeyPolicy
                    && !rb.negated
                    && item.value != "*"
                    && !is_kms_key_arn(&item.value)
                {
                    self.push(
                        Diagnostic::new(
                            Code::KeyPolicyResource,
                            item.span,
                            format!(
                                "In a key policy, Resource is \"*\", which means \"this KMS key\"; `{}` is not a KMS key ARN, so this statement applies to nothing.",
                                item.value
                            ),
                        )
                        .with_help("write \"Resource\": \"*\""),
                    );
                }
            }
        }
        self.applicability(st, &resolved);
        self.conditions(st, effect, variables, &resolved);
        if effect == Some(Effect::Allow) {
            self.pass_role(st, &resolved);
        }
    }

    // ------------------------------------------------------------ principals

    fn principals(&mut self, st: &Statement, pb: &PrincipalBlock, effect: Option<Effect>) {
        for e in &pb.entries {
            self.hidden_chars("principal", &e.value, e.span);
            if e.principal_type == PrincipalType::Aws
                && let Some(what) = not_a_principal(&e.value)
            {
                self.push(
                    Diagnostic::new(
                        Code::NotAPrincipal,
                        e.span,
                        format!(
                            "`{}` is {what}, which cannot be a principal in a policy.",
                            e.value
                        ),
                    )
                    .with_help(
                        "name the users or roles, or the account (arn:aws:iam::ACCOUNT:root)",
                    ),
                );
            }
        }
        if pb.negated && effect == Some(Effect::Allow) {
            // IAM User Guide, NotPrincipal: "NotPrincipal must be used with
            // "Effect":"Deny". Using it with "Effect":"Allow" is not supported."
            self.push(
                Diagnostic::new(
                    Code::AllowWithNotPrincipal,
                    pb.key_span,
                    "NotPrincipal must be used with \"Effect\": \"Deny\"; using it with \"Effect\": \"Allow\" is not supported. Where it is still accepted it grants every principal except the listed ones, anonymous users included.",
                )
                .with_help("use \"Principal\" to name who is allowed"),
            );
        }
        if pb.negated && effect == Some(Effect::Deny) {
            self.not_principal_lockout(pb);
        }
        let wildcard = !pb.negated
            && pb
                .entries
                .iter()
                .any(|e| e.matcher == PrincipalMatcher::Any);
        if wildcard && effect == Some(Effect::Allow) {
            if st.conditions.is_empty() {
                if matches!(self.kind, PolicyKind::KeyPolicy | PolicyKind::BucketPolicy) {
                    self.push(
                        Diagnostic::new(
                            Code::PublicPrincipal,
                            pb.span,
                            format!("Principal \"*\" without a condition makes this {} public.", self.kind.label()),
                        )
                        .with_help("name the principals, or add a condition such as aws:PrincipalOrgID or kms:CallerAccount"),
                    );
                }
            } else if st
                .conditions
                .iter()
                .all(|c| c.key.value.eq_ignore_ascii_case("aws:referer"))
            {
                // IAM User Guide, aws:referer: the header is set by the caller; it
                // "should not be used to prevent unauthorized parties from making
                // direct AWS requests".
                self.push(
                    Diagnostic::new(
                        Code::RefererOnly,
                        pb.span,
                        "Principal \"*\" is limited only by aws:Referer, a header any client can set to any value: anyone can make these requests directly.",
                    )
                    .with_help("aws:Referer only discourages hot-linking; name the principals or add a condition AWS sets, such as aws:PrincipalOrgID or aws:SourceVpce"),
                );
            }
        }
        if effect == Some(Effect::Allow)
            && !pb.negated
            && self.kind.is_resource_based()
            && self.kind != PolicyKind::TrustPolicy
            && let Some(svc) = pb
                .entries
                .iter()
                .find(|e| e.principal_type == PrincipalType::Service)
            && !st.conditions.iter().any(|c| scopes_source(&c.key.value))
        {
            self.push(
                Diagnostic::new(
                    Code::ServicePrincipalWithoutSource,
                    svc.span,
                    format!(
                        "Granting access to the service principal `{}` without a source condition lets the service act for any of its customers (the confused deputy problem).",
                        svc.value
                    ),
                )
                .with_help("add aws:SourceArn or aws:SourceAccount (or aws:SourceOrgID) with the resource or account the service acts for"),
            );
        }
        if effect == Some(Effect::Allow) && !pb.negated {
            self.oidc(st, pb);
        }
    }

    /// KF133: a Deny with NotPrincipal denies everyone not listed — including the
    /// account of a listed user or role, and the sessions of a listed role (IAM
    /// User Guide, NotPrincipal: "we strongly recommend that you explicitly
    /// include the ARN for a user's account, or include both the ARN for a role
    /// and the ARN for the account containing that role").
    fn not_principal_lockout(&mut self, pb: &PrincipalBlock) {
        let listed =
            |pred: &dyn Fn(&PrincipalMatcher) -> bool| pb.entries.iter().any(|e| pred(&e.matcher));
        for e in &pb.entries {
            let (account, role) = match &e.matcher {
                PrincipalMatcher::Role { account, name } => (account.as_str(), Some(name.as_str())),
                PrincipalMatcher::User(arn) => (arn_account(arn), None),
                _ => continue,
            };
            if !listed(&|m| matches!(m, PrincipalMatcher::Account(a) if a == account)) {
                self.push(
                    Diagnostic::new(
                        Code::DenyNotPrincipalLockout,
                        e.span,
                        format!(
                            "NotPrincipal names `{}` but not its account {account}: AWS may evaluate the account first, so this Deny can deny the account and everyone in it, this principal included.",
                            e.value
                        ),
                    )
                    .with_help(format!("add \"arn:aws:iam::{account}:root\" to NotPrincipal")),
                );
            } else if let Some(role) = role
                && !listed(
                    &|m| matches!(m, PrincipalMatcher::Session(s) if session_of(s, account, role)),
                )
            {
                self.push(
                    Diagnostic::new(
                        Code::DenyNotPrincipalLockout,
                        e.span,
                        format!(
                            "NotPrincipal names the role `{}` but none of its sessions: requests made with the role come from arn:aws:sts::{account}:assumed-role/{role}/SESSION, which this Deny still denies.",
                            e.value
                        ),
                    )
                    .with_help("list the assumed-role session ARN too, or use Principal \"*\" with an ArnNotEquals condition on aws:PrincipalArn"),
                );
            }
        }
    }

    /// KF138: an OIDC provider trusted without a condition on its own keys.
    fn oidc(&mut self, st: &Statement, pb: &PrincipalBlock) {
        for e in &pb.entries {
            if e.principal_type != PrincipalType::Federated {
                continue;
            }
            let Some(provider) = oidc_provider(&e.value) else {
                continue;
            };
            let prefix = format!("{provider}:");
            let keys: Vec<&str> = st
                .conditions
                .iter()
                .map(|c| c.key.value.as_str())
                .filter(|k| {
                    k.len() > prefix.len() && k[..prefix.len()].eq_ignore_ascii_case(&prefix)
                })
                .collect();
            let github = provider.eq_ignore_ascii_case("token.actions.githubusercontent.com");
            if github
                && !keys
                    .iter()
                    .any(|k| k.eq_ignore_ascii_case("token.actions.githubusercontent.com:sub"))
            {
                self.push(
                    Diagnostic::new(
                        Code::OidcWithoutCondition,
                        e.span,
                        "This trusts GitHub's OIDC provider without a condition on token.actions.githubusercontent.com:sub: workflows of any GitHub repository can assume the role.",
                    )
                    .with_help("add StringLike {\"token.actions.githubusercontent.com:sub\": \"repo:ORG/REPO:ref:refs/heads/BRANCH\"}"),
                );
            } else if !github && keys.is_empty() {
                self.push(
                    Diagnostic::new(
                        Code::OidcWithoutCondition,
                        e.span,
                        format!("This trusts the OIDC provider `{provider}` without a condition on its keys ({provider}:aud, :sub, …): any identity the provider issues tokens for can assume the role."),
                    )
                    .with_help(format!("add a condition such as StringEquals {{\"{provider}:aud\": \"…\"}}")),
                );
            }
        }
    }

    // --------------------------------------------------------------- actions

    /// What `value` names, with wildcard expansions cached.
    fn resolve(&mut self, value: &str) -> Resolved<'a> {
        if value == "*" {
            return Resolved::Any;
        }
        let Some((prefix, name)) = value.split_once(':') else {
            return Resolved::Unknown;
        };
        if prefix.contains(['*', '?']) {
            return Resolved::Any;
        }
        let data = self.data;
        let Some(svc) = data.service(prefix) else {
            return Resolved::Unknown;
        };
        if !name.contains(['*', '?']) {
            let found: Rc<[&'a Action]> = svc.action(name).into_iter().collect();
            return Resolved::Actions(svc, found);
        }
        let key = value.to_ascii_lowercase();
        if let Some(hit) = self.expansions.get(&key) {
            return Resolved::Actions(svc, hit.clone());
        }
        let glob = Glob::new(name, Flavor::Plain, true);
        let found: Rc<[&'a Action]> = svc
            .actions()
            .iter()
            .filter(|a| glob.matches(&a.name, true))
            .collect();
        self.expansions.insert(key, found.clone());
        Resolved::Actions(svc, found)
    }

    /// KF103/KF104/KF121 for each action item; returns what each item names.
    fn actions(&mut self, st: &Statement) -> Vec<Resolved<'a>> {
        let Some(ab) = &st.action else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(ab.items.len());
        for item in &ab.items {
            self.hidden_chars("action", &item.value, item.span);
            let r = self.resolve(&item.value);
            let Some((prefix, name)) = item.value.split_once(':') else {
                out.push(r);
                continue;
            };
            match &r {
                Resolved::Unknown
                    if self.data.is_complete()
                        && !prefix.is_empty()
                        && self.unknown_prefixes.insert(prefix.to_ascii_lowercase()) =>
                {
                    // Once per prefix, and no "did you mean" across services: `dms`
                    // is not a typo of `kms`.
                    self.push(Diagnostic::new(
                        Code::UnknownService,
                        item.span,
                        format!("`{prefix}` is not the prefix of any service in the AWS Service Authorization Reference (a retired service, or a misspelling): actions with it match nothing."),
                    ));
                }
                Resolved::Actions(svc, found) if found.is_empty() => {
                    let wild = name.contains(['*', '?']);
                    let suggestion = if wild {
                        None
                    } else {
                        self.hint(name, svc.actions().iter().map(|a| &*a.name))
                    };
                    let message = if wild {
                        format!("`{}` matches no action of {}.", item.value, svc.name)
                    } else {
                        format!("`{}` is not an action of {}.", item.value, svc.name)
                    };
                    let mut d = Diagnostic::new(Code::UnknownAction, item.span, message);
                    if let Some(s) = suggestion {
                        d = d.with_help(format!("did you mean `{}:{s}`?", svc.prefix));
                    }
                    self.push(d);
                }
                _ => {}
            }
            if self.kind == PolicyKind::KeyPolicy
                && prefix.eq_ignore_ascii_case("kms")
                && ["CreateKey", "ListKeys", "ListAliases"]
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(name))
            {
                self.push(
                    Diagnostic::new(
                        Code::IamOnlyKmsAction,
                        item.span,
                        format!(
                            "`{}` is valid only in IAM policies; a key policy cannot grant it.",
                            item.value
                        ),
                    )
                    .with_help("grant it in an identity-based policy"),
                );
            }
            out.push(r);
        }
        out
    }

    // ------------------------------------------------------------- resources

    fn resource_item(&mut self, item: &ResourceItem, variables: bool) {
        let v = &item.value;
        if v == "*" {
            return;
        }
        if !variables && v.contains("${") {
            self.push(
                Diagnostic::new(
                    Code::VariableWithoutVersion,
                    item.span,
                    "Policy variables need Version 2012-10-17; here `${...}` is compared as literal text.",
                )
                .with_help("set \"Version\": \"2012-10-17\""),
            );
        }
        let Some([arn, partition, service, region, account, resource]) = arn_parts(v) else {
            return; // KF023 already reported
        };
        if arn != "arn" {
            return;
        }
        let mut problem = None;
        if !matches!(partition, "aws" | "aws-cn" | "aws-us-gov" | "*")
            && !partition.contains(['*', '$'])
        {
            problem = Some(format!("unknown partition `{partition}`"));
        } else if service.is_empty() || service.contains(['*', '?']) {
            problem = Some("the service segment cannot be empty or a wildcard".to_string());
        } else if service == "s3"
            && (!region.is_empty() || !account.is_empty())
            && !v.contains("${")
            && !self.matches_some_s3_arn(v)
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
                Diagnostic::new(
                    Code::MalformedArn,
                    item.span,
                    format!("Malformed ARN: {p}."),
                )
                .with_help("ARNs look like arn:aws:service:region:account:resource"),
            );
        }
        // Variables only work in the resource part (after the fifth colon).
        if variables {
            let head_len =
                arn.len() + partition.len() + service.len() + region.len() + account.len() + 5;
            if v.get(..head_len)
                .is_some_and(|h| parse_template(h).is_some())
            {
                self.push(Diagnostic::new(
                    Code::VariableNotSubstituted,
                    item.span,
                    "Policy variables are substituted only in the resource part of an ARN (after the fifth colon).",
                ));
            }
        }
    }

    /// Whether `arn` could be one of the S3 resource types that carry a region
    /// and account (access points, jobs, Storage Lens, …).
    fn matches_some_s3_arn(&mut self, arn: &str) -> bool {
        let data = self.data;
        let patterns = self.s3_arns.get_or_insert_with(|| {
            data.arn_patterns()
                .iter()
                .filter(|p| p.service().as_deref() == Some("s3"))
                .collect()
        });
        if patterns.is_empty() {
            // No S3 data: fall back to the two shapes known without it.
            let res = arn.splitn(6, ':').nth(5).unwrap_or("");
            return res.starts_with("accesspoint/") || res.starts_with("job/");
        }
        let Some(policy) = ArnPattern::from_policy(arn) else {
            return true;
        };
        let buf = &mut self.buf;
        patterns.iter().any(|p| p.overlaps(&policy, buf))
    }

    /// KF106: no listed action applies to any listed resource (Access Analyzer:
    /// "Action does not apply to any resource(s) in statement"). An action applies
    /// to a resource when the ARN can match one of its resource types' ARN patterns
    /// — whatever service owns the type: `sts:AssumeRole` takes IAM role ARNs,
    /// `ssm:StartSession` EC2 instance ARNs.
    fn applicability(&mut self, st: &Statement, resolved: &[Resolved<'a>]) {
        let (Some(ab), Some(rb)) = (&st.action, &st.resource) else {
            return;
        };
        if ab.negated || rb.negated || ab.items.is_empty() || rb.items.is_empty() {
            return;
        }
        let mut accepted: Vec<u32> = Vec::new();
        let mut seen: HashSet<u32> = HashSet::new();
        // Services with actions that take no resource type (`Resource: "*"`).
        // Services do authorize some of them against an ARN of their own whose
        // resource part is a wildcard (the Amazon S3 User Guide grants
        // s3:ListAllMyBuckets on arn:aws:s3:::*), so such an ARN counts as `*`.
        let mut star_services: Vec<&str> = Vec::new();
        for r in resolved {
            let Resolved::Actions(svc, actions) = r else {
                return; // any action, or one the data does not know
            };
            if actions.is_empty() {
                return; // KF104 already
            }
            for a in actions.iter() {
                if a.resource_types.is_empty() && !star_services.contains(&&*svc.prefix) {
                    star_services.push(&svc.prefix);
                }
                for t in svc.types_of(a) {
                    for &id in t.arn_ids.iter() {
                        if seen.insert(id) {
                            accepted.push(id);
                        }
                    }
                }
            }
        }
        let data = self.data;
        let buf = &mut self.buf;
        let applies = rb.items.iter().any(|r| {
            if r.value == "*" || r.value.contains("${") {
                return true;
            }
            let Some(policy) = ArnPattern::from_policy(&r.value) else {
                return true; // KF023 already
            };
            // An action the reference lists without resource types takes `*`, but
            // services do authorize such actions against ARNs: Amazon S3's own
            // examples grant s3:ListAllMyBuckets on arn:aws:s3:::*, AWS's
            // AmazonECSServiceRolePolicy grants ssmmessages:OpenDataChannel on
            // arn:aws:ssm:*:*:session/*. Only AWS KMS documents that its
            // key-less operations need `*` ("Specifying KMS keys in IAM policy
            // statements": CreateKey, GenerateRandom, ListAliases, ListKeys).
            if star_services.iter().any(|s| !s.eq_ignore_ascii_case("kms")) {
                return true;
            }
            accepted
                .iter()
                .filter_map(|&id| data.arn(id))
                .any(|p| p.overlaps(&policy, buf))
        });
        if !applies {
            let sev = if self.kind == PolicyKind::BucketPolicy {
                Severity::Error
            } else {
                Severity::Warning
            };
            self.push(
                Diagnostic::new(
                    Code::ActionResourceMismatch,
                    rb.span,
                    "Action does not apply to any resource(s) in statement",
                )
                .with_severity(sev)
                .with_help("check that the resources match the actions (e.g. s3:GetObject needs arn:aws:s3:::bucket/*, s3:ListBucket needs arn:aws:s3:::bucket; kms:CreateKey needs \"*\")"),
            );
        }
    }

    // ------------------------------------------------------------ conditions

    fn conditions(
        &mut self,
        st: &Statement,
        effect: Option<Effect>,
        variables: bool,
        resolved: &[Resolved<'a>],
    ) {
        // KF139: keys of one operator block that differ only in case.
        let mut case_seen: HashMap<(u32, String), &str> = HashMap::new();
        for c in &st.conditions {
            self.hidden_chars("condition operator", &c.operator.value, c.operator.span);
            self.hidden_chars("condition key", &c.key.value, c.key.span);
            for v in &c.values {
                self.hidden_chars("condition value", &v.value, v.span);
            }
            let key_lower = c.key.value.to_ascii_lowercase();
            match case_seen.get(&(c.operator.span.start, key_lower.clone())) {
                Some(first) if *first != c.key.value => {
                    self.push(
                        Diagnostic::new(
                            Code::CaseDuplicateConditionKey,
                            c.key.span,
                            format!(
                                "The condition key `{}` appears more than once with different capitalization (`{first}`) in the same condition block; condition key names are not case-sensitive.",
                                c.key.value
                            ),
                        )
                        .with_help("keep one of them and merge the values"),
                    );
                }
                Some(_) => {}
                None => {
                    case_seen.insert((c.operator.span.start, key_lower.clone()), &c.key.value);
                }
            }
            let Some(spec) = c.spec else {
                let suggestion = match self.hints_left.checked_sub(1) {
                    Some(left) => {
                        self.hints_left = left;
                        suggest_operator(&c.operator.value)
                    }
                    None => None,
                };
                let mut d = Diagnostic::new(
                    Code::UnknownOperator,
                    c.operator.span,
                    format!(
                        "Unknown condition operator `{}`; the condition can never be true.",
                        c.operator.value
                    ),
                );
                if let Some(s) = suggestion {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                self.push(d);
                continue;
            };
            self.condition_key(c, &key_lower);
            self.values(c, spec, variables);
            self.set_operators(st, c, spec, effect, &key_lower);
            self.condition_semantics(c, spec, effect, &key_lower);
            self.unsupported_key(st, c, spec, effect, &key_lower, resolved);
        }
        self.never_matches(st);
    }

    /// KF118 (invalid values), KF107/KF119 (variables), KF136 (wildcards without Like).
    fn values(&mut self, c: &Condition, spec: OperatorSpec, variables: bool) {
        for (v, compiled) in c.values.iter().zip(&c.compiled) {
            if *compiled == Compiled::Invalid {
                self.push(
                    Diagnostic::new(
                        Code::InvalidConditionValue,
                        v.span,
                        format!(
                            "`{}` is not a valid value for {}.",
                            v.value,
                            spec.base.name()
                        ),
                    )
                    .with_help(value_hint(spec.base)),
                );
            }
            if v.value.contains("${") {
                if !variables && spec.base.takes_variables() {
                    self.push(
                        Diagnostic::new(
                            Code::VariableWithoutVersion,
                            v.span,
                            "Policy variables need Version 2012-10-17; here `${...}` is compared as literal text.",
                        )
                        .with_help("set \"Version\": \"2012-10-17\""),
                    );
                } else if !spec.base.takes_variables() && parse_template(&v.value).is_some() {
                    self.push(
                        Diagnostic::new(
                            Code::VariableNotSubstituted,
                            v.span,
                            format!("{} does not substitute policy variables.", spec.base.name()),
                        )
                        .with_help("use a String or Arn operator"),
                    );
                }
            }
            if matches!(
                spec.base,
                Operator::StringEquals
                    | Operator::StringNotEquals
                    | Operator::StringEqualsIgnoreCase
                    | Operator::StringNotEqualsIgnoreCase
            ) && has_wildcard_outside_variables(&v.value)
            {
                let like = if spec.base.is_negated() {
                    "StringNotLike"
                } else {
                    "StringLike"
                };
                self.push(
                    Diagnostic::new(
                        Code::WildcardWithoutLike,
                        v.span,
                        format!(
                            "`{}` contains * or ?, which {} compares as literal characters, not as a wildcard.",
                            v.value,
                            spec.base.name()
                        ),
                    )
                    .with_help(format!("if you meant a wildcard, use {like}")),
                );
            }
            if matches!(
                spec.base,
                Operator::StringEqualsIgnoreCase | Operator::StringNotEqualsIgnoreCase
            ) && let Some(c) = v.value.chars().find(|&c| crate::case::unfolded_letter(c))
            {
                self.push(
                    Diagnostic::new(
                        Code::CaseNotFolded,
                        v.span,
                        format!(
                            "`{c}` is a letter whose case Keyflow does not fold: Keyflow compares it exactly, and AWS does not document how {} treats it.",
                            spec.base.name()
                        ),
                    )
                    .with_help("Keyflow folds case in Latin, Greek, Cyrillic and Armenian letters only (an assumption)"),
                );
            }
        }
    }

    /// KF116 (set operator vs. key type) and KF117 (ForAllValues that an absent key satisfies).
    fn set_operators(
        &mut self,
        st: &Statement,
        c: &Condition,
        spec: OperatorSpec,
        effect: Option<Effect>,
        key_lower: &str,
    ) {
        if spec.base == Operator::Null {
            return;
        }
        let info = global_key(key_lower).or_else(|| self.data.key_info(key_lower));
        if let Some(info) = info {
            if spec.set.is_some() && !info.multivalued {
                let sev = if spec.set == Some(SetOperator::ForAllValues) {
                    Severity::SecurityWarning
                } else {
                    Severity::Warning
                };
                self.push(
                    Diagnostic::new(
                        Code::SetOperatorMismatch,
                        c.operator.span,
                        format!(
                            "`{}` is single-valued; set operators on it can be over-permissive.",
                            c.key.value
                        ),
                    )
                    .with_severity(sev)
                    .with_help(format!(
                        "use {} without ForAnyValue/ForAllValues",
                        spec.base.name()
                    )),
                );
            } else if spec.set.is_none() && info.multivalued {
                self.push(
                    Diagnostic::new(
                        Code::SetOperatorMismatch,
                        c.operator.span,
                        format!(
                            "`{}` is multivalued; use ForAnyValue: or ForAllValues:.",
                            c.key.value
                        ),
                    )
                    .with_help(format!("e.g. ForAnyValue:{}", c.operator.value)),
                );
            }
        }
        if spec.set == Some(SetOperator::ForAllValues)
            && effect == Some(Effect::Allow)
            && !ALWAYS_PRESENT_KEYS.contains(&key_lower)
            && !TAG_KEY_LISTS.contains(&key_lower)
            && !requires_presence(st, c)
        {
            self.push(
                Diagnostic::new(
                    Code::ForAllValuesWithoutNull,
                    c.operator.span,
                    format!("ForAllValues is true when `{}` is absent, so this Allow also applies to requests without it.", c.key.value),
                )
                .with_help(format!("add \"Null\": {{\"{}\": \"false\"}}", c.key.value)),
            );
        }
    }

    /// KF128, KF129, KF134, KF135: rules about particular keys.
    fn condition_semantics(
        &mut self,
        c: &Condition,
        spec: OperatorSpec,
        effect: Option<Effect>,
        key_lower: &str,
    ) {
        if self.kind == PolicyKind::KeyPolicy {
            if key_lower.starts_with("aws:resourcetag/") || key_lower == "kms:resourcealiases" {
                // AWS KMS Developer Guide, ABAC for AWS KMS: aws:ResourceTag and
                // kms:ResourceAliases are "IAM policy only".
                self.push(
                    Diagnostic::new(
                        Code::IamOnlyConditionKey,
                        c.key.span,
                        format!("AWS KMS evaluates `{}` only in IAM policies; in a key policy it does not control access as written.", c.key.value),
                    )
                    .with_help("use it in an identity-based policy that the key policy enables"),
                );
            }
            if spec.set == Some(SetOperator::ForAllValues)
                && (key_lower.starts_with("kms:encryptioncontext:")
                    || key_lower.starts_with("aws:requesttag/"))
            {
                // AWS KMS Developer Guide, AWS KMS condition keys: such a policy is
                // refused with OverlyPermissiveCondition.
                self.push(
                    Diagnostic::new(
                        Code::KmsOverlyPermissiveCondition,
                        c.operator.span,
                        format!("AWS KMS rejects ForAllValues with `{}` (OverlyPermissiveCondition): the key is single-valued, and ForAllValues also matches requests without it.", c.key.value),
                    )
                    .with_help("remove ForAllValues:"),
                );
            }
        }
        if key_lower == "aws:securetransport"
            && effect == Some(Effect::Allow)
            && matches!(
                spec.base,
                Operator::Bool | Operator::StringEquals | Operator::StringEqualsIgnoreCase
            )
            && c.values
                .iter()
                .any(|v| v.value.eq_ignore_ascii_case("false"))
        {
            self.push(
                Diagnostic::new(
                    Code::AllowWithoutSecureTransport,
                    c.key.span,
                    "This Allow applies to requests sent without TLS (aws:SecureTransport is false): it grants access over plain HTTP.",
                )
                .with_help("to refuse plain HTTP, use \"Effect\": \"Deny\" with this condition"),
            );
        }
        if key_lower == "aws:sourceip"
            && matches!(spec.base, Operator::IpAddress | Operator::NotIpAddress)
            && !c.values.is_empty()
        {
            let private: Vec<bool> = c.values.iter().map(|v| is_private_cidr(&v.value)).collect();
            let negated = spec.base == Operator::NotIpAddress;
            if private.iter().all(|p| *p) {
                let message = if negated {
                    "The values for aws:SourceIp are only private IP addresses, which aws:SourceIp never holds: this NotIpAddress is always true and has no effect."
                } else {
                    "The values for aws:SourceIp are only private IP addresses, which aws:SourceIp never holds (it works only for public address ranges): this condition never matches."
                };
                self.push(
                    Diagnostic::new(Code::PrivateSourceIp, c.values_span, message)
                        .with_help("for requests through a VPC endpoint use aws:VpcSourceIp with aws:SourceVpce or aws:SourceVpc"),
                );
            } else if private.iter().any(|p| *p) {
                for (v, _) in c.values.iter().zip(&private).filter(|(_, p)| **p) {
                    self.push(
                        Diagnostic::new(
                            Code::PrivateSourceIp,
                            v.span,
                            format!("`{}` is a private range; aws:SourceIp works only for public IP addresses, so this value never matches.", v.value),
                        )
                        .with_severity(Severity::Suggestion)
                        .with_help("remove it, or use aws:VpcSourceIp for requests through a VPC endpoint"),
                    );
                }
            }
        }
    }

    /// KF126: a service condition key that no action of the statement supports, so
    /// every request the statement matches lacks it.
    fn unsupported_key(
        &mut self,
        st: &Statement,
        c: &Condition,
        spec: OperatorSpec,
        effect: Option<Effect>,
        key_lower: &str,
        resolved: &[Resolved<'a>],
    ) {
        if spec.base == Operator::Null
            || key_lower.starts_with("aws:")
            || global_key(key_lower).is_some()
        {
            return;
        }
        let Some(ab) = &st.action else { return };
        if ab.negated || resolved.is_empty() || !self.data.is_known_key(key_lower) {
            return;
        }
        let mut names = Vec::new();
        for r in resolved {
            match r {
                Resolved::Actions(svc, actions) if !actions.is_empty() => {
                    // An action the reference lists no key for may still support
                    // some (AWS's AnthropicFullAccess conditions
                    // aws-marketplace:Subscribe on aws-marketplace:ProductId).
                    if actions
                        .iter()
                        .any(|a| svc.supports_key(a, key_lower) || !svc.documents_keys(a))
                    {
                        return;
                    }
                    if names.len() < 3 {
                        names.extend(
                            actions
                                .iter()
                                .take(3 - names.len())
                                .map(|a| format!("{}:{}", svc.prefix, a.name)),
                        );
                    }
                }
                _ => return, // any action, or an unknown one: cannot tell
            }
        }
        let what = if effect == Some(Effect::Deny) {
            "denies"
        } else {
            "grants"
        };
        let consequence = if spec.base.is_negated() || spec.if_exists {
            "the condition is always true and restricts nothing".to_string()
        } else {
            format!("the condition is never true and this statement {what} nothing")
        };
        self.push(
            Diagnostic::new(
                Code::UnsupportedConditionKey,
                c.key.span,
                format!(
                    "No action of this statement supports the condition key `{}` ({}…), so requests for them never carry it: {consequence}.",
                    c.key.value,
                    names.join(", ")
                ),
            )
            .with_help("move the condition to a statement with actions that support it, or use a key these actions support"),
        );
    }

    /// KF111: a key required absent (Null true) and tested by a positive operator;
    /// a condition without values.
    fn never_matches(&mut self, st: &Statement) {
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
                        Diagnostic::new(
                            Code::NeverMatches,
                            o.operator.span,
                            format!("This statement can never match: `{}` must be absent (Null) and also satisfy {}.", c.key.value, o.operator.value),
                        )
                        .with_help("remove one of the two conditions"),
                    );
                }
            }
            if c.values.is_empty() {
                self.push(Diagnostic::new(
                    Code::NeverMatches,
                    c.values_span,
                    "A condition without values can never match.",
                ));
            }
        }
    }

    fn condition_key(&mut self, c: &Condition, key_lower: &str) {
        let Some((prefix, _)) = key_lower.split_once(':') else {
            self.push(
                Diagnostic::new(
                    Code::UnknownConditionKey,
                    c.key.span,
                    format!("Condition key `{}` has no service prefix.", c.key.value),
                )
                .with_help("condition keys look like aws:SourceIp or kms:ViaService"),
            );
            return;
        };
        // A prefix that is no service (an OIDC provider such as
        // token.actions.githubusercontent.com, or a service the data does not
        // hold) is not checked.
        if prefix != "aws" && self.data.service(prefix).is_none() {
            return;
        }
        if self.data.is_known_key(key_lower) {
            return;
        }
        let data = self.data;
        let suggestion = if prefix == "aws" {
            self.hint(key_lower, global_key_names().filter(|k| !k.ends_with('/')))
        } else {
            // Services document keys outside the Service Authorization Reference
            // too (AWS's own AmazonDataZoneGlueManageAccessRolePolicy uses
            // lakeformation:GlueARN): a service key is reported only when it is a
            // near miss of a listed one, that is, likely a typo.
            let hit = closest(
                key_lower,
                data.key_names_with_prefix(prefix)
                    .filter(|k| !k.contains(['$', '<']) && !antonyms(key_lower, k)),
            );
            if hit.is_none() {
                return;
            }
            hit
        };
        let mut d = Diagnostic::new(
            Code::UnknownConditionKey,
            c.key.span,
            format!(
                "Unknown condition key `{}`; a key that is never in the request context is absent.",
                c.key.value
            ),
        );
        if let Some(s) = suggestion {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        self.push(d);
    }

    // ------------------------------------------------------------ statements

    /// KF137: iam:PassRole allowed on a wildcard resource without iam:PassedToService.
    fn pass_role(&mut self, st: &Statement, resolved: &[Resolved<'a>]) {
        let (Some(ab), Some(rb)) = (&st.action, &st.resource) else {
            return;
        };
        if ab.negated || rb.negated {
            return;
        }
        let Some(item) = ab.items.iter().zip(resolved).find_map(|(item, r)| match r {
            Resolved::Actions(svc, actions)
                if svc.prefix.eq_ignore_ascii_case("iam")
                    && actions
                        .iter()
                        .any(|a| a.name.eq_ignore_ascii_case("PassRole")) =>
            {
                Some(item)
            }
            _ => None,
        }) else {
            return;
        };
        // Access Analyzer leaves out role names that start with a fixed prefix
        // (`role/Service*`): only `*`, or a role name that starts with a wildcard,
        // lets the principal pass roles it was not meant to.
        let wild = rb.items.iter().any(|r| {
            r.value == "*"
                || arn_parts(&r.value).is_some_and(|[.., res]| {
                    let name = res.rsplit('/').next().unwrap_or(res);
                    res.starts_with('*') || name.starts_with('*') || name.is_empty()
                })
        });
        if wild
            && !st
                .conditions
                .iter()
                .any(|c| c.key.value.eq_ignore_ascii_case("iam:PassedToService"))
        {
            self.push(
                Diagnostic::new(
                    Code::PassRoleWildcard,
                    item.span,
                    "iam:PassRole on a wildcard resource lets the principal pass many roles, to any service, which can be more than intended.",
                )
                .with_help("name the role ARNs in Resource, or add an iam:PassedToService condition"),
            );
        }
    }

    /// KF131: a key policy in which no statement allows kms:PutKeyPolicy: after it
    /// is set, nobody can change it again (AWS KMS Developer Guide, default key
    /// policy: without the account statement the key can become unmanageable).
    fn key_administrators(&mut self) {
        let p = self.policy;
        let can = p.statements.iter().any(|st| {
            st.effect.as_ref().map(|e| e.value) == Some(Effect::Allow)
                && st.principal.is_some()
                && st.action.as_ref().is_some_and(|ab| {
                    let hit = ab
                        .items
                        .iter()
                        .any(|i| i.glob.matches("kms:putkeypolicy", true));
                    hit != ab.negated
                })
        });
        if !can {
            self.push(
                Diagnostic::new(
                    Code::NoKeyAdministrator,
                    head(p.span),
                    "No statement of this key policy allows kms:PutKeyPolicy: once it is in force nobody can change it, and the key is unmanageable.",
                )
                .with_help("keep a statement that allows kms:* (or kms:PutKeyPolicy) to the account (arn:aws:iam::ACCOUNT:root) or to key administrators"),
            );
        }
    }
}

// ------------------------------------------------------------------ helpers

fn head(span: Span) -> Span {
    Span::new(span.start, span.start.saturating_add(1))
}

/// Bytes of JSON white space outside string literals (what the Organizations
/// console removes before counting).
fn whitespace_outside_strings(text: &str) -> usize {
    let (mut in_string, mut escaped, mut n) = (false, false, 0);
    for b in text.bytes() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
        } else if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            n += 1;
        }
    }
    n
}

/// A statement's meaning without its Sid and positions, for redundancy checks.
fn canonical(st: &Statement) -> String {
    let mut out = String::new();
    let effect = match st.effect.as_ref().map(|e| e.value) {
        Some(Effect::Allow) => "A",
        Some(Effect::Deny) => "D",
        None => "?",
    };
    out.push_str(effect);
    let mut list = |tag: &str, negated: bool, mut items: Vec<String>| {
        items.sort_unstable();
        items.dedup();
        out.push('\u{1}');
        out.push_str(tag);
        if negated {
            out.push('!');
        }
        for i in items {
            out.push('\u{2}');
            out.push_str(&i);
        }
    };
    if let Some(p) = &st.principal {
        list(
            "P",
            p.negated,
            p.entries
                .iter()
                .map(|e| format!("{:?}={}", e.principal_type, e.value))
                .collect(),
        );
    }
    if let Some(a) = &st.action {
        list(
            "A",
            a.negated,
            a.items
                .iter()
                .map(|i| i.value.to_ascii_lowercase())
                .collect(),
        );
    }
    if let Some(r) = &st.resource {
        list(
            "R",
            r.negated,
            r.items.iter().map(|i| i.value.clone()).collect(),
        );
    }
    list(
        "C",
        false,
        st.conditions
            .iter()
            .map(|c| {
                let mut values: Vec<&str> = c.values.iter().map(|v| v.value.as_str()).collect();
                values.sort_unstable();
                format!(
                    "{}\u{3}{}\u{3}{}",
                    c.operator.value,
                    c.key.value.to_ascii_lowercase(),
                    values.join("\u{4}")
                )
            })
            .collect(),
    );
    out
}

/// Whether a condition key scopes a service principal to a source: the
/// confused-deputy keys, or an AWS KMS encryption context naming the source
/// resource (as CloudTrail's and CloudWatch Logs' key policies do).
fn scopes_source(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    SOURCE_KEYS.contains(&lower.as_str()) || lower.starts_with("kms:encryptioncontext:aws:")
}

/// Whether another condition of `st` requires the key of `c` to be present: a
/// `Null: false` on it, or a positive operator without IfExists that is not
/// itself ForAllValues.
fn requires_presence(st: &Statement, c: &Condition) -> bool {
    // A request that must carry a tag (aws:RequestTag/… with a positive operator)
    // carries aws:TagKeys (IAM User Guide, aws:TagKeys: the tag keys in the request).
    let tag_keys = c.key.value.eq_ignore_ascii_case("aws:TagKeys");
    st.conditions.iter().any(|o| {
        if tag_keys
            && o.key.value.len() > "aws:requesttag/".len()
            && o.key.value[.."aws:requesttag/".len()].eq_ignore_ascii_case("aws:requesttag/")
            && o.spec.is_some_and(|s| {
                s.base != Operator::Null && !s.base.is_negated() && !s.if_exists && s.set.is_none()
            })
        {
            return true;
        }
        if std::ptr::eq(o, c) || !o.key.value.eq_ignore_ascii_case(&c.key.value) {
            return false;
        }
        match o.spec {
            Some(s) if s.base == Operator::Null => o.compiled.contains(&Compiled::Null(false)),
            Some(s) => {
                !s.base.is_negated() && !s.if_exists && s.set != Some(SetOperator::ForAllValues)
            }
            None => false,
        }
    })
}

/// `*` or `?` outside `${…}` (where `${*}` and `${?}` are the literal characters).
fn has_wildcard_outside_variables(value: &str) -> bool {
    let mut rest = value;
    loop {
        let (before, after) = match rest.split_once("${") {
            Some((b, a)) => (b, Some(a)),
            None => (rest, None),
        };
        if before.contains(['*', '?']) {
            return true;
        }
        let Some(after) = after else { return false };
        match after.split_once('}') {
            Some((_, tail)) => rest = tail,
            None => return after.contains(['*', '?']),
        }
    }
}

/// Whether an IP address or CIDR lies wholly inside a private, loopback or
/// link-local range (RFC 1918, RFC 1122, RFC 3927, RFC 4193, RFC 4291).
fn is_private_cidr(value: &str) -> bool {
    let (addr, prefix) = match value.trim().split_once('/') {
        Some((a, p)) => match p.parse::<u8>() {
            Ok(p) => (a, Some(p)),
            Err(_) => return false,
        },
        None => (value.trim(), None),
    };
    if let Ok(v4) = addr.parse::<std::net::Ipv4Addr>() {
        let prefix = prefix.unwrap_or(32);
        let a = u32::from(v4);
        let ranges: [(u32, u8); 5] = [
            (0x0A00_0000, 8),  // 10.0.0.0/8
            (0xAC10_0000, 12), // 172.16.0.0/12
            (0xC0A8_0000, 16), // 192.168.0.0/16
            (0x7F00_0000, 8),  // 127.0.0.0/8
            (0xA9FE_0000, 16), // 169.254.0.0/16
        ];
        return ranges.iter().any(|&(net, len)| {
            prefix >= len
                && prefix <= 32
                && (a >> (32 - u32::from(len))) == (net >> (32 - u32::from(len)))
        });
    }
    if let Ok(v6) = addr.parse::<std::net::Ipv6Addr>() {
        let prefix = prefix.unwrap_or(128);
        let a = u128::from(v6);
        let ranges: [(u128, u8); 3] = [
            (0xfc00 << 112, 7),  // fc00::/7
            (0xfe80 << 112, 10), // fe80::/10
            (1, 128),            // ::1
        ];
        return ranges.iter().any(|&(net, len)| {
            prefix >= len
                && prefix <= 128
                && (len == 0 || (a >> (128 - u32::from(len))) == (net >> (128 - u32::from(len))))
        });
    }
    false
}

/// What an `AWS` principal value names when it is no principal: IAM groups and
/// other IAM resources (IAM User Guide, Principal: "You cannot identify a user
/// group as a principal").
fn not_a_principal(value: &str) -> Option<&'static str> {
    let [arn, _, service, _, _, resource] = arn_parts(value)?;
    if arn != "arn" || service != "iam" {
        return None;
    }
    let kinds = [
        ("group/", "an IAM group"),
        ("policy/", "an IAM policy"),
        ("instance-profile/", "an instance profile"),
        (
            "oidc-provider/",
            "an OIDC identity provider (use \"Federated\")",
        ),
        (
            "saml-provider/",
            "a SAML identity provider (use \"Federated\")",
        ),
        ("mfa/", "an MFA device"),
        ("server-certificate/", "a server certificate"),
    ];
    kinds
        .iter()
        .find(|(p, _)| resource.starts_with(p))
        .map(|(_, what)| *what)
}

/// The OIDC provider a `Federated` principal names: the host part of an
/// `oidc-provider/` ARN, or a well-known web identity provider.
fn oidc_provider(value: &str) -> Option<&str> {
    if let Some([arn, _, "iam", _, _, resource]) = arn_parts(value)
        && arn == "arn"
    {
        return resource.strip_prefix("oidc-provider/");
    }
    [
        "accounts.google.com",
        "graph.facebook.com",
        "www.amazon.com",
        "cognito-identity.amazonaws.com",
    ]
    .into_iter()
    .find(|p| value.eq_ignore_ascii_case(p))
    .map(|_| value)
}

/// `arn:PARTITION:kms:REGION:ACCOUNT:key/…` (any of the fields may be wildcards).
fn is_kms_key_arn(value: &str) -> bool {
    arn_parts(value).is_some_and(|[arn, _, service, _, _, res]| {
        arn == "arn" && matches!(service, "kms" | "*") && (res.starts_with("key/") || res == "*")
    })
}

fn arn_account(arn: &str) -> &str {
    arn_parts(arn).map_or("", |p| p[4])
}

/// Whether `session` (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/NAME`) is a session of
/// the role `role` in `account`.
fn session_of(session: &str, account: &str, role: &str) -> bool {
    arn_parts(session).is_some_and(|[_, _, _, _, acct, res]| {
        acct == account
            && res
                .strip_prefix("assumed-role/")
                .and_then(|r| r.split_once('/'))
                .is_some_and(|(r, _)| r == role)
    })
}

/// Antonym pairs: a "did you mean" that swaps one for the other inverts the
/// statement (in a Deny SCP, `iam:DeleteLoginProfile` → `CreateLoginProfile`
/// denies the opposite action).
const ANTONYMS: &[(&str, &str)] = &[
    ("create", "delete"),
    ("start", "stop"),
    ("allow", "deny"),
    ("put", "get"),
    ("attach", "detach"),
    ("enable", "disable"),
    ("add", "remove"),
    ("associate", "disassociate"),
    ("tag", "untag"),
    ("grant", "revoke"),
    ("encrypt", "decrypt"),
    ("lock", "unlock"),
    ("subscribe", "unsubscribe"),
    ("register", "deregister"),
    ("accept", "reject"),
    ("approve", "reject"),
    ("import", "export"),
    ("open", "close"),
    ("connect", "disconnect"),
    ("link", "unlink"),
    ("assign", "unassign"),
    ("label", "unlabel"),
    ("activate", "deactivate"),
    ("authorize", "revoke"),
    ("increase", "decrease"),
    ("upload", "download"),
    ("publish", "unpublish"),
    ("mount", "unmount"),
    ("set", "unset"),
    ("share", "unshare"),
    ("archive", "unarchive"),
    ("pause", "resume"),
    ("suspend", "resume"),
    ("install", "uninstall"),
    ("join", "leave"),
    ("send", "receive"),
    ("read", "write"),
    ("show", "hide"),
    ("include", "exclude"),
    ("block", "unblock"),
    ("pin", "unpin"),
    ("follow", "unfollow"),
    ("watch", "unwatch"),
    ("enter", "exit"),
    ("begin", "end"),
    ("true", "false"),
    ("greater", "less"),
    ("before", "after"),
];

/// Lower-cased words of a camel-case or separated name: `DeleteLoginProfile` →
/// `delete`, `login`, `profile`.
fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in s.chars() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Whether `a` and `b` differ by an antonym (or by a `Not`): then one is no typo
/// of the other, whatever their edit distance.
fn antonyms(a: &str, b: &str) -> bool {
    let (wa, wb) = (words(a), words(b));
    let has = |w: &[String], x: &str| w.iter().any(|t| t == x);
    if has(&wa, "not") != has(&wb, "not") {
        return true;
    }
    let (la, lb) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    // The last segment of a key or action (`kms:StopX` → `stopx`).
    let tail = |s: &str| s.rsplit([':', '/']).next().unwrap_or("").to_owned();
    let (ta, tb) = (tail(&la), tail(&lb));
    ANTONYMS.iter().any(|&(x, y)| {
        let swap = |wa: &[String], wb: &[String], x: &str, y: &str| {
            has(wa, x) && has(wb, y) && !has(wa, y) && !has(wb, x)
        };
        let prefix = |p: &str, q: &str, x: &str, y: &str| {
            p.starts_with(x) && q.starts_with(y) && !p.starts_with(y) && !q.starts_with(x)
        };
        swap(&wa, &wb, x, y)
            || swap(&wa, &wb, y, x)
            || prefix(&ta, &tb, x, y)
            || prefix(&ta, &tb, y, x)
    })
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
    let best = closest(
        rest,
        names
            .iter()
            .map(String::as_str)
            .filter(|n| !antonyms(rest, n)),
    )?;
    let full = format!("{prefix}{best}");
    OperatorSpec::parse(&full).map(|_| full)
}

#[cfg(test)]
#[path = "lint_tests.rs"]
mod tests;
