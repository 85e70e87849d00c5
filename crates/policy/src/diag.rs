//! Diagnostics shared by validation and lints: the one table of codes, and the one
//! positioned shape every renderer (CLI text and JSON, the JS boundary, the editor)
//! uses.

use serde::Serialize;

use crate::span::{LineIndex, Span};

/// How serious a finding is: IAM Access Analyzer's four finding types.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html>
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// AWS would reject the policy, or the engine cannot evaluate it as written.
    Error,
    /// Valid, but grants more than intended is likely.
    SecurityWarning,
    /// Valid, but probably not what was meant.
    Warning,
    /// Could be written better.
    Suggestion,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::SecurityWarning => "security-warning",
            Severity::Warning => "warning",
            Severity::Suggestion => "suggestion",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

const IAM: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/";

/// Defines [`Code`] and its table: variant, code string, default severity, summary
/// and the AWS page (relative to the IAM User Guide unless it starts with `https:`)
/// that states the rule.
macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $sev:ident, $summary:literal, $url:literal; )*) => {
        /// Every diagnostic Keyflow reports. `KF0xx` come from validation (AWS
        /// would reject the document), `KF1xx` from lints. Codes are stable.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in code order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The stable code string, e.g. `KF101`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// A one-line description (for docs, `--help` and the UI).
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => $summary,)* }
            }

            /// The severity a finding of this code has unless the policy kind
            /// changes it (e.g. a duplicate Sid is an error only in IAM policies).
            pub fn default_severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$sev,)* }
            }

            fn page(self) -> &'static str {
                match self { $(Code::$variant => $url,)* }
            }
        }
    };
}

codes! {
    /// The text is not valid JSON.
    JsonSyntax = "KF001", Error, "JSON syntax error", "reference_policies_grammar.html";
    /// Empty document or a top-level value that is not an object.
    NotAnObject = "KF002", Error, "the document is not a JSON object", "reference_policies_grammar.html";
    UnknownTopLevelElement = "KF003", Error, "unknown top-level element", "reference_policies_elements.html";
    MissingStatement = "KF004", Error, "missing Statement", "reference_policies_elements_statement.html";
    InvalidVersion = "KF005", Error, "invalid Version", "reference_policies_elements_version.html";
    WrongType = "KF006", Error, "element of the wrong JSON type", "reference_policies_grammar.html";
    UnknownStatementElement = "KF007", Error, "unknown statement element", "reference_policies_elements.html";
    InvalidEffect = "KF008", Error, "Effect other than Allow or Deny", "reference_policies_elements_effect.html";
    MissingEffect = "KF009", Error, "missing Effect", "reference_policies_elements_effect.html";
    MissingAction = "KF010", Error, "missing Action", "reference_policies_elements_action.html";
    ActionAndNotAction = "KF011", Error, "both Action and NotAction", "reference_policies_elements_notaction.html";
    MissingResource = "KF012", Error, "missing Resource", "reference_policies_elements_resource.html";
    ResourceAndNotResource = "KF013", Error, "both Resource and NotResource", "reference_policies_elements_notresource.html";
    PrincipalNotAllowed = "KF014", Error, "Principal in a policy kind that takes none", "reference_policies_elements_principal.html";
    MissingPrincipal = "KF015", Error, "missing Principal in a resource-based policy", "reference_policies_elements_principal.html";
    PrincipalAndNotPrincipal = "KF016", Error, "both Principal and NotPrincipal", "reference_policies_elements_notprincipal.html";
    ResourceInTrustPolicy = "KF017", Error, "Resource in a role trust policy", "access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-error-role-trust-policy-syntax-error-resource";
    InvalidPrincipal = "KF021", Error, "invalid principal", "reference_policies_elements_principal.html";
    InvalidAction = "KF022", Error, "action not in service:action form", "reference_policies_elements_action.html";
    InvalidResource = "KF023", Error, "resource that is neither an ARN nor \"*\"", "reference-arns.html";
    EmptyList = "KF024", Error, "empty Action or Resource list", "reference_policies_grammar.html";
    EmptyStatement = "KF025", Error, "empty Statement list", "reference_policies_elements_statement.html";
    InvalidConditionValueType = "KF026", Error, "condition value of the wrong JSON type", "reference_policies_elements_condition.html";
    /// A UTF-8 byte order mark before the document.
    ByteOrderMark = "KF027", Error, "UTF-8 byte order mark before the document", "reference_iam-quotas.html#reference_iam-quotas-names";
    /// A character outside the set IAM or KMS accepts in a policy document.
    DisallowedCharacter = "KF028", Error, "character the policy kind does not accept", "reference_iam-quotas.html#reference_iam-quotas-names";

    UnknownOperator = "KF101", Error, "unknown condition operator", "reference_policies_elements_condition_operators.html";
    UnknownConditionKey = "KF102", Warning, "unknown condition key", "reference_policies_condition-keys.html";
    UnknownService = "KF103", Warning, "unknown service prefix", "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html";
    UnknownAction = "KF104", Warning, "unknown action", "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html";
    MalformedArn = "KF105", Warning, "malformed ARN", "reference-arns.html";
    ActionResourceMismatch = "KF106", Warning, "no action of the statement applies to any listed resource", "access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-error-unsupported-resource-arn-in-policy";
    VariableWithoutVersion = "KF107", Warning, "policy variable without Version 2012-10-17", "reference_policies_variables.html";
    AllowWithNotPrincipal = "KF108", Error, "Allow with NotPrincipal is not supported", "reference_policies_elements_notprincipal.html";
    PublicPrincipal = "KF109", SecurityWarning, "Principal \"*\" without conditions in a key or bucket policy", "reference_policies_elements_principal.html#principal-anonymous";
    DuplicateSid = "KF110", Error, "duplicate Sid", "access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-error-unique-sids-required";
    NeverMatches = "KF111", Warning, "statement can never match", "reference_policies_elements_condition_operators.html#Conditions_Null";
    PolicySize = "KF112", Warning, "policy over the size quota of its kind", "reference_iam-quotas.html";
    DuplicateKey = "KF113", Warning, "duplicate JSON key", "reference_policies_grammar.html";
    KeyPolicyStatementIncomplete = "KF114", Warning, "key policy statement without Action or Resource has no effect", "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html";
    InvalidSid = "KF115", Error, "Sid with characters IAM does not accept", "reference_policies_elements_sid.html";
    SetOperatorMismatch = "KF116", Warning, "set operator on a single-valued key, or none on a multivalued key", "access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-security-warning-forallvalues-with-single-valued-key";
    ForAllValuesWithoutNull = "KF117", SecurityWarning, "ForAllValues in an Allow that a request without the key also satisfies", "reference_policies_condition-single-vs-multi-valued-context-keys.html";
    InvalidConditionValue = "KF118", Error, "condition value not valid for its operator", "access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-error-invalid-condition-data-type";
    VariableNotSubstituted = "KF119", Warning, "policy variable where it is not substituted", "access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-error-variable-unsupported-in-element";
    MissingVersion = "KF120", Warning, "missing Version", "access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-general-warning-missing-version";
    IamOnlyKmsAction = "KF121", Warning, "KMS action that a key policy cannot grant", "https://docs.aws.amazon.com/kms/latest/developerguide/kms-api-permissions-reference.html";
    AllowInRcp = "KF122", Error, "Allow in a resource control policy", "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html";
    HiddenCharacter = "KF123", SecurityWarning, "control, bidirectional or zero-width character in a string", "https://www.unicode.org/reports/tr36/";
    ServicePrincipalWithoutSource = "KF124", SecurityWarning, "service principal allowed without aws:SourceArn or aws:SourceAccount (confused deputy)", "confused-deputy.html#cross-service-confused-deputy-prevention";
    RefererOnly = "KF125", SecurityWarning, "public principal protected only by aws:Referer", "reference_policies_condition-keys.html#condition-keys-referer";
    UnsupportedConditionKey = "KF126", Warning, "condition key that no action of the statement supports", "access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-error-unsupported-action-for-condition-key";
    KeyPolicyResource = "KF127", Warning, "key policy Resource other than \"*\"", "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html#key-policy-elements";
    IamOnlyConditionKey = "KF128", Warning, "condition key AWS KMS evaluates only in IAM policies", "https://docs.aws.amazon.com/kms/latest/developerguide/abac.html#about-abac-kms";
    KmsOverlyPermissiveCondition = "KF129", Error, "ForAllValues on an encryption-context or request-tag key, which AWS KMS rejects", "https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html";
    NotAPrincipal = "KF130", Error, "principal that cannot be a principal (such as an IAM group)", "reference_policies_elements_principal.html";
    NoKeyAdministrator = "KF131", Warning, "no statement of the key policy allows kms:PutKeyPolicy", "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam";
    RedundantStatement = "KF132", Suggestion, "statement identical to an earlier one", "access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-suggestion-redundant-statement";
    DenyNotPrincipalLockout = "KF133", Warning, "Deny with NotPrincipal that also denies the named principal's account or sessions", "reference_policies_elements_notprincipal.html";
    AllowWithoutSecureTransport = "KF134", SecurityWarning, "Allow conditioned on aws:SecureTransport false", "reference_policies_condition-keys.html#condition-keys-securetransport";
    PrivateSourceIp = "KF135", Error, "aws:SourceIp with private addresses", "access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-error-private-ip-address";
    WildcardWithoutLike = "KF136", Warning, "wildcard in a value of an operator that does not match patterns", "access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-general-warning-wildcard-without-like-operator";
    PassRoleWildcard = "KF137", SecurityWarning, "iam:PassRole on a wildcard resource", "access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-security-warning-pass-role-with-star-in-resource";
    OidcWithoutCondition = "KF138", SecurityWarning, "OIDC trust without a condition key of the provider", "access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-security-warning-missing-condition-key-for-oidc-principal";
    CaseDuplicateConditionKey = "KF139", Error, "condition keys that differ only in case", "access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-error-duplicate-keys-with-different-case";
    /// Keyflow's own limit, not AWS's: see `case.rs`.
    CaseNotFolded = "KF140", Suggestion, "IgnoreCase value with a letter whose case Keyflow does not fold", "reference_policies_elements_condition_operators.html#Conditions_String";
}

impl Code {
    /// The AWS page that states the rule (a learn-more link).
    pub fn url(self) -> std::borrow::Cow<'static, str> {
        let page = self.page();
        if page.starts_with("https:") {
            std::borrow::Cow::Borrowed(page)
        } else {
            std::borrow::Cow::Owned(format!("{IAM}{page}"))
        }
    }

    /// The code for a `KF…` string.
    pub fn parse(code: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == code)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Serialized as its `KF…` string, so JSON output keeps the shape it always had.
impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// One finding, pointing at a span of the policy text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    /// A short fix hint.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A finding with the code's default severity.
    pub(crate) fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.default_severity(),
            message: message.into(),
            span,
            help: None,
        }
    }

    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub(crate) fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}

/// A finding with its positions resolved: what the CLI prints, `lintPolicy`
/// returns and the editor marks. Lines and columns are 1-based; columns count
/// Unicode scalar values; `utf16_start`/`utf16_end` are 0-based offsets into the
/// whole text in UTF-16 code units (a JavaScript string index).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PositionedDiagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    pub url: String,
    /// Byte span in the text.
    pub span: Span,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub utf16_start: u32,
    pub utf16_end: u32,
}

impl PositionedDiagnostic {
    /// Resolves `d` against the index of the text it was found in. Constant work
    /// per finding (see [`LineIndex::position`]), so a minified policy with
    /// tens of thousands of findings positions them in linear time.
    pub fn new(d: Diagnostic, index: &LineIndex) -> Self {
        let start = index.position(d.span.start);
        let end = index.position(d.span.end);
        PositionedDiagnostic {
            code: d.code,
            severity: d.severity,
            url: d.code.url().into_owned(),
            message: d.message,
            help: d.help,
            span: d.span,
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
            utf16_start: start.utf16_offset,
            utf16_end: end.utf16_offset,
        }
    }
}

/// Positions every finding of one text, keeping their order.
pub fn positioned(diagnostics: Vec<Diagnostic>, text: &str) -> Vec<PositionedDiagnostic> {
    let index = LineIndex::new(text);
    diagnostics
        .into_iter()
        .map(|d| PositionedDiagnostic::new(d, &index))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_ordered_and_documented() {
        let mut last = "";
        for c in Code::ALL {
            let s = c.as_str();
            assert!(s.len() == 5 && s.starts_with("KF"), "{s}");
            assert!(
                s > last,
                "{s} after {last}: codes must be unique and in order"
            );
            last = s;
            assert!(!c.summary().is_empty());
            assert!(c.url().starts_with("https://"), "{s}");
            assert_eq!(Code::parse(s), Some(*c));
            // Validation codes are errors by default.
            if s.starts_with("KF0") {
                assert_eq!(c.default_severity(), Severity::Error, "{s}");
            }
        }
        assert_eq!(Code::parse("KF999"), None);
    }

    #[test]
    fn a_code_serializes_as_its_string() {
        let d = Diagnostic::new(Code::UnknownOperator, Span::new(1, 3), "m");
        let json = serde_json::to_string(&d).unwrap();
        assert!(
            json.starts_with(r#"{"code":"KF101","severity":"error""#),
            "{json}"
        );
        assert_eq!(Code::DuplicateSid, "KF110");
    }

    #[test]
    fn positions_carry_utf16_offsets_and_ends() {
        let text = "{\n\"é😀\": 1}";
        let start = text.find('"').unwrap() as u32;
        let d = Diagnostic::new(Code::WrongType, Span::new(start, start + 8), "m");
        let p = &positioned(vec![d], text)[0];
        assert_eq!((p.line, p.column, p.end_line, p.end_column), (2, 1, 2, 5));
        // `{`, `\n` before; `"é😀"` is 1 + 1 + 2 + 1 UTF-16 units.
        assert_eq!((p.utf16_start, p.utf16_end), (2, 7));
        assert!(p.url.starts_with("https://docs.aws.amazon.com/IAM/"));
    }
}
