//! AWS policy language for Keyflow: parse JSON into a typed AST with spans,
//! validate it with AWS's own wording, lint it, and evaluate requests with the AWS
//! decision procedure, explaining every step.
//!
//! ```text
//! text ──parse──▶ Parsed { policy, diagnostics } ──lint──▶ more diagnostics
//! Request + Policies ──evaluate──▶ Evaluation (decision, reason, deciding statements)
//!                    ──explain───▶ Evaluation + Trace (every policy/statement/condition)
//! ```
//!
//! Parsing never fails; evaluation never panics. Matchers are compiled at parse
//! time (lower-cased actions, wildcard patterns, CIDRs, numbers, dates), so
//! evaluation allocates little.

mod arn;
mod ast;
pub mod base64;
pub mod case;
pub mod cases;
mod condition;
mod context;
pub mod data;
mod diag;
mod eval;
pub mod hidden;
mod lint;
mod lockout;
mod parse;
mod pattern;
mod span;
mod variables;

pub use arn::{Arn, is_account_id};
pub use ast::{
    ActionBlock, ActionItem, Condition, Effect, Policy, PolicyKind, PrincipalBlock, PrincipalEntry,
    PrincipalType, ResourceBlock, ResourceItem, Spanned, Statement,
};
pub use condition::{OPERATORS, Operator, OperatorSpec, SetOperator};
pub use context::{Context, ContextValue, Request};
pub use data::{DataError, ServiceData};
pub use diag::{Code, Diagnostic, PositionedDiagnostic, Severity, positioned};
pub use eval::{
    ConditionTrace, DecidingStatement, Decision, ElementTrace, Evaluation, GrantKind, OrgLevels,
    Policies, PolicyRef, PolicySlot, PolicyTrace, Reason, ServiceRule, StatementTrace, Trace,
    decision, evaluate, explain, service_rule,
};
pub use lint::{lint, lint_text, size_limit};
pub use lockout::{KeyPrincipal, key_policy_admins};
pub use parse::{Parsed, parse};
pub use span::{LineIndex, Position, Span};

/// Engine version shown by the UI and the CLI.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
