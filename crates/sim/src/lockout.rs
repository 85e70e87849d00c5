//! The PutKeyPolicy what-if: before a new key policy is applied, AWS's own
//! lockout safety check and Keyflow's own warning.
//!
//! AWS KMS refuses a PutKeyPolicy request (without
//! `BypassPolicyLockoutSafetyCheck`) whose new policy would not let the
//! principal making the request make a later PutKeyPolicy request on the key
//! (AWS KMS API Reference, "PutKeyPolicy"). That check concerns the caller
//! only. Keyflow adds its own, labelled warning when no principal of the
//! scenario, and no account's principals, could change the key policy at all.

use keyflow_policy::Context;
use serde::Serialize;

use crate::access::{AccessCell, key_cells};
use crate::edit::{Edit, apply};
use crate::fix::docs;
use crate::flows::calls::kms_call;
use crate::ids::PolicyId;
use crate::report::{ApiError, NotEvaluated, Verdict};
use crate::scenario::Scenario;
use crate::sources::Source;
use crate::world::World;

/// The error code KMS returns when the lockout safety check fails.
pub const LOCKOUT_CODE: &str = "MalformedPolicyDocumentException";

/// The message KMS returns when the lockout safety check fails, word for word
/// as the AWS Knowledge Center article quotes it.
pub const LOCKOUT_MESSAGE: &str =
    "The new key policy will not allow you to update the key policy in the future.";

/// Keyflow's own warning, apart from AWS's check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockoutWarning {
    /// Always "Keyflow's own check".
    pub label: &'static str,
    pub text: String,
    pub source: Source,
}

/// What applying a new key policy would do to who can change it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LockoutReport {
    /// The key, as the timeline names it.
    pub key: String,
    pub key_arn: String,
    /// The scenario name of the principal making the PutKeyPolicy request.
    pub caller: String,
    pub caller_arn: String,
    /// AWS's check: the caller's later `kms:PutKeyPolicy` under the new policy.
    pub caller_decision: Verdict,
    pub caller_why: String,
    /// The error AWS returns for the request; `None` when the check passes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
    /// The CLI line for that error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cli_error: Option<String>,
    /// Who could still make a PutKeyPolicy request afterwards (access-view rows,
    /// with the conditions under which they could).
    pub can_change: Vec<AccessCell>,
    /// Keyflow's own warning when nobody could.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<LockoutWarning>,
    /// Set when the new policy does not parse: nothing above is an AWS answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_evaluated: Option<NotEvaluated>,
}

impl LockoutReport {
    /// Whether AWS would refuse the request.
    pub fn refused(&self) -> bool {
        self.error.is_some()
    }
}

/// Why the what-if cannot run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockoutError(pub String);

impl std::fmt::Display for LockoutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LockoutError {}

/// The what-if of `caller` putting `new_policy` on `key` (a key ID, alias or
/// ARN of a customer managed key of the scenario).
pub fn put_key_policy(
    s: &Scenario,
    key: &str,
    caller: &str,
    new_policy: &str,
) -> Result<LockoutReport, LockoutError> {
    let w = World::new(s);
    let info = w
        .key(key)
        .ok_or_else(|| LockoutError(format!("no key `{key}` in the scenario")))?;
    if info.scenario_index.is_none() {
        return Err(LockoutError(format!(
            "{} is an AWS managed key: nobody can change its key policy",
            info.label()
        )));
    }
    let id = PolicyId::Key(info.id.clone());
    let actor = w
        .actor(caller)
        .ok_or_else(|| LockoutError(format!("no principal `{caller}` in the scenario")))?;
    let mut after = s.clone();
    apply(
        &mut after,
        Edit::Policy {
            id,
            text: new_policy.to_string(),
        },
    );
    let w2 = World::new(&after);
    let (Some(k2), Some(actor2)) = (w2.key(key), w2.actor(caller)) else {
        return Err(LockoutError("the key or the caller disappeared".into()));
    };
    let check = kms_call(
        &w2,
        &actor2,
        "kms:PutKeyPolicy",
        k2,
        None,
        &[],
        Context::new(),
    );
    let mut report = LockoutReport {
        key: info.label(),
        key_arn: info.arn.clone(),
        caller: caller.to_string(),
        caller_arn: actor.arn.clone(),
        caller_decision: check.decision,
        caller_why: check.summary(),
        error: None,
        cli_error: None,
        can_change: Vec::new(),
        warning: None,
        not_evaluated: check.not_evaluated.clone(),
    };
    if report.not_evaluated.is_some() {
        return Ok(report);
    }
    if !check.allowed() {
        report.error = Some(ApiError {
            code: LOCKOUT_CODE.into(),
            message: LOCKOUT_MESSAGE.into(),
            source: Source::Doc(&docs::KNOWLEDGE_CENTER_LOCKOUT),
        });
        report.cli_error = Some(format!(
            "An error occurred ({LOCKOUT_CODE}) when calling the PutKeyPolicy operation: {LOCKOUT_MESSAGE}"
        ));
    }
    report.can_change = key_cells(&w2, k2, "kms:PutKeyPolicy")
        .into_iter()
        .filter(|c| c.decision == Verdict::Allowed)
        .collect();
    if report.can_change.is_empty() {
        report.warning = Some(LockoutWarning {
            label: "Keyflow's own check",
            text: format!(
                "Under the new policy no principal of this scenario, no account's principals, no AWS service and no anonymous caller could make a later kms:PutKeyPolicy request on {}: the key would become unmanageable. AWS's own check concerns only the principal making the request.",
                info.label()
            ),
            source: Source::Doc(&docs::KMS_DEFAULT_KEY_POLICY),
        });
    }
    Ok(report)
}

/// The code of the scenario finding for a key nobody can manage.
pub const UNMANAGEABLE_CODE: &str = "unmanageable-key";

/// Keys of the scenario whose current key policy lets nobody make a
/// `kms:PutKeyPolicy` request: no principal of the scenario, no account's
/// principals, no AWS service and no anonymous caller (Keyflow's own check,
/// the same as the lockout what-if's warning). A key policy that does not
/// parse is not judged.
pub fn unmanageable_keys(s: &Scenario) -> Vec<crate::findings::Finding> {
    let w = World::new(s);
    let mut out = Vec::new();
    for k in w.keys.iter().filter(|k| k.scenario_index.is_some()) {
        let cells = key_cells(&w, k, "kms:PutKeyPolicy");
        if cells
            .iter()
            .any(|c| matches!(c.decision, Verdict::Allowed | Verdict::NotEvaluated))
        {
            continue;
        }
        let text = s.policy_text(&k.policy).unwrap_or_default();
        // Point at the Statement member when the policy has one.
        let span = keyflow_json::parse(text)
            .ok()
            .and_then(|v| {
                v.as_object()?
                    .iter()
                    .find(|m| m.key == "Statement")
                    .map(|m| m.key_span)
            })
            .unwrap_or(keyflow_policy::Span { start: 0, end: 0 });
        let at = keyflow_policy::LineIndex::new(text).position(span.start);
        out.push(crate::findings::Finding {
            code: UNMANAGEABLE_CODE,
            policy: k.policy.clone(),
            start: span.start,
            end: span.end,
            line: at.line,
            column: at.column,
            kind: crate::flows::RefKind::Key,
            name: k.id.clone(),
            message: format!(
                "No principal of this scenario, no account's principals, no AWS service and no anonymous caller can make a kms:PutKeyPolicy request on {}: nobody could change this key policy (Keyflow's own check; AWS checks only the caller of PutKeyPolicy).",
                k.label()
            ),
            fixes: Vec::new(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario() -> Scenario {
        crate::builtin("ssm-securestring-cmk")
            .unwrap()
            .scenario()
            .unwrap()
    }

    const ONLY_DECRYPT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/AppServer"},"Action":"kms:Decrypt","Resource":"*"}]}"#;

    #[test]
    fn a_key_nobody_can_manage_is_a_scenario_finding() {
        let mut s = scenario();
        assert!(
            unmanageable_keys(&s).is_empty(),
            "the built-in has an administrator"
        );
        let id = PolicyId::Key(s.keys[0].id.clone());
        let text = format!(
            "{{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": {}\n}}",
            &ONLY_DECRYPT[ONLY_DECRYPT.find('[').unwrap()..ONLY_DECRYPT.len() - 1]
        );
        assert!(apply(
            &mut s,
            Edit::Policy {
                id: id.clone(),
                text
            }
        ));
        let found = unmanageable_keys(&s);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].policy, id);
        assert_eq!((found[0].line, found[0].column), (3, 3));
        assert!(
            crate::findings::findings(&s)
                .iter()
                .any(|f| f.code == UNMANAGEABLE_CODE)
        );
        // A key policy that does not parse is not judged.
        assert!(apply(
            &mut s,
            Edit::Policy {
                id,
                text: "{".into()
            }
        ));
        assert!(unmanageable_keys(&s).is_empty());
    }

    #[test]
    fn a_policy_without_administrators_locks_everyone_out() {
        let s = scenario();
        let key = &s.keys[0].id;
        let r = put_key_policy(&s, key, "Admin", ONLY_DECRYPT).unwrap();
        assert!(r.refused());
        let e = r.error.as_ref().unwrap();
        assert_eq!(e.code, LOCKOUT_CODE);
        assert_eq!(e.message, LOCKOUT_MESSAGE);
        assert!(r.warning.is_some(), "{r:?}");
        assert!(r.can_change.is_empty());
    }

    #[test]
    fn the_current_policy_keeps_the_caller_in() {
        let s = scenario();
        let key = &s.keys[0].id;
        let r = put_key_policy(&s, key, "Admin", &s.keys[0].policy).unwrap();
        assert!(!r.refused(), "{r:?}");
        assert!(r.warning.is_none());
        assert!(r.can_change.iter().any(|c| c.principal == "Admin"));
    }
}
