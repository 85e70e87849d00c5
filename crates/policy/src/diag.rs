//! Diagnostics shared by validation and lints.

use serde::Serialize;

use crate::span::Span;

/// How serious a finding is, in the spirit of IAM Access Analyzer's finding types.
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

/// One finding, pointing at a span of the policy text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Stable code, e.g. `KF005` (validation) or `KF101` (lint).
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    /// A short fix hint.
    pub help: Option<String>,
}

impl Diagnostic {
    pub(crate) fn new(
        code: &'static str,
        severity: Severity,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code,
            severity,
            message: message.into(),
            span,
            help: None,
        }
    }

    pub(crate) fn error(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Error, span, message)
    }

    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}
