//! The service calls flows share: building steps, S3 and KMS requests (with
//! the context each service adds), and failing a step with AWS's error.

use keyflow_policy::Context;

use crate::report::{ApiError, Check, Note, NoteKind, Outcome, Step};
use crate::scenario::KeyState;
use crate::sources::Source;
use crate::world::{Actor, Call, KeyInfo, World};

/// A new step, ok until a check says otherwise.
pub(crate) fn step(
    id: impl Into<String>,
    title: impl Into<String>,
    actor: &str,
    call: &str,
) -> Step {
    Step {
        id: id.into(),
        title: title.into(),
        actor: actor.to_string(),
        call: call.to_string(),
        outcome: Outcome::Ok,
        error: None,
        cli_error: None,
        not_evaluated: None,
        applied: true,
        sets_state: false,
        checks: Vec::new(),
        result: String::new(),
        notes: Vec::new(),
        inventory: Vec::new(),
    }
}

impl Step {
    /// Ends the step with AWS's error (and the line the AWS CLI prints). A
    /// step that could not be evaluated keeps saying so: no AWS error is invented.
    pub(crate) fn fail(&mut self, error: ApiError) {
        if self.outcome == Outcome::NotEvaluated {
            return;
        }
        let operation = self
            .call
            .split_once(':')
            .map_or(self.call.as_str(), |(_, op)| op);
        self.cli_error = Some(format!(
            "An error occurred ({}) when calling the {operation} operation: {}",
            error.code, error.message
        ));
        self.error = Some(error);
        self.outcome = Outcome::Error;
    }

    /// Ends the step as failed where nobody receives an error (an asynchronous
    /// delivery): `what_happens` says what the user can see instead.
    pub(crate) fn fail_unseen(&mut self, what_happens: &str) {
        if self.outcome == Outcome::NotEvaluated {
            return;
        }
        self.outcome = Outcome::Error;
        self.error = None;
        self.cli_error = None;
        self.result = what_happens.to_string();
    }

    /// Fails the step with the AccessDenied wording for its first denied check.
    pub(crate) fn deny(&mut self, code: &str) {
        let error = self
            .checks
            .iter()
            .find(|c| !c.allowed())
            .map(|c| crate::errors::access_denied(code, c));
        if let Some(e) = error {
            self.fail(e);
        }
    }

    /// Adds a check and tells whether it allowed. A check Keyflow could not
    /// evaluate makes the whole step not evaluated.
    pub(crate) fn push(&mut self, check: Check) -> bool {
        let ok = check.allowed();
        if let Some(problem) = &check.not_evaluated
            && self.outcome != Outcome::NotEvaluated
        {
            self.outcome = Outcome::NotEvaluated;
            self.not_evaluated = Some(problem.clone());
            self.error = None;
            self.cli_error = None;
        }
        self.checks.push(check);
        ok
    }

    pub(crate) fn note(&mut self, kind: NoteKind, text: impl Into<String>, source: Source) {
        self.notes.push(Note {
            kind,
            text: text.into(),
            source,
        });
    }
}

/// `arn:aws:s3:::bucket`.
pub(crate) fn bucket_arn(bucket: &str) -> String {
    format!("arn:aws:s3:::{bucket}")
}

/// `arn:aws:s3:::bucket/key`.
pub(crate) fn object_arn(bucket: &str, key: &str) -> String {
    format!("arn:aws:s3:::{bucket}/{key}")
}

/// `prefix/rest`, or `rest` without a prefix.
pub(crate) fn prefixed(prefix: &str, rest: &str) -> String {
    let p = prefix.trim_matches('/');
    if p.is_empty() {
        rest.to_string()
    } else {
        format!("{p}/{rest}")
    }
}

/// The KMS encryption context S3 sends for an object: the bucket ARN with a
/// Bucket Key, else the object ARN (S3 User Guide, "Bucket Keys").
pub(crate) fn s3_context_arn(bucket: &str, key: &str, bucket_key: bool) -> String {
    if bucket_key {
        bucket_arn(bucket)
    } else {
        object_arn(bucket, key)
    }
}

/// A call the actor makes to an API whose resource has no resource policy.
pub(crate) fn iam_call(
    w: &World<'_>,
    actor: &Actor,
    action: &str,
    resource: &str,
    extra: Context,
) -> Check {
    w.check(Call {
        actor,
        action,
        resource: resource.to_string(),
        resource_account: actor.account.clone(),
        policy: None,
        extra,
        via: String::new(),
    })
}

/// A request to S3 on a bucket or object, under the bucket policy.
pub(crate) fn s3_call(
    w: &World<'_>,
    actor: &Actor,
    action: &str,
    bucket: &str,
    key: Option<&str>,
    extra: Context,
) -> Check {
    let b = w.bucket(bucket);
    w.check(Call {
        actor,
        action,
        resource: match key {
            Some(k) => object_arn(bucket, k),
            None => bucket_arn(bucket),
        },
        resource_account: b.map(|b| w.bucket_account(b)),
        policy: b
            .filter(|b| b.policy.is_some())
            .map(|b| crate::ids::PolicyId::Bucket(b.name.clone())),
        extra,
        via: String::new(),
    })
}

/// An actor sets a bucket's default encryption: one step with one S3 check,
/// failed with S3's AccessDenied when the check is denied. Returns the step and
/// whether the call succeeded; the caller describes the result.
pub(crate) fn put_bucket_encryption(
    w: &World<'_>,
    actor: &Actor,
    bucket: &str,
    id: &str,
    title: String,
) -> (Step, bool) {
    const CALL: &str = "s3:PutEncryptionConfiguration";
    let mut s = step(id, title, &actor.name, CALL);
    s.sets_state = true;
    let ok = s.push(s3_call(w, actor, CALL, bucket, None, Context::new()));
    if !ok {
        s.deny("AccessDenied");
    }
    (s, ok)
}

/// The encryption context a service sends, and the keys that describe it.
pub(crate) fn encryption_context(ctx: &mut Context, pairs: &[(&str, &str)]) {
    for (k, v) in pairs {
        ctx.insert(format!("kms:EncryptionContext:{k}"), *v);
    }
    if !pairs.is_empty() {
        ctx.insert(
            "kms:EncryptionContextKeys",
            pairs.iter().map(|(k, _)| k.to_string()).collect::<Vec<_>>(),
        );
    }
}

/// The AWS service that calls KMS on a principal's behalf.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    S3,
    Ssm,
}

impl Via {
    fn endpoint(self, region: &str) -> String {
        match self {
            Via::S3 => format!("s3.{region}.amazonaws.com"),
            Via::Ssm => format!("ssm.{region}.amazonaws.com"),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Via::S3 => "S3 calls KMS for the requester",
            Via::Ssm => "Systems Manager calls KMS for the caller",
        }
    }
}

/// A KMS request another service makes for `actor` (S3, SSM: forward access)
/// or, with `via: None`, a request the actor makes itself.
pub(crate) fn kms_call(
    w: &World<'_>,
    actor: &Actor,
    action: &str,
    key: &KeyInfo,
    via: Option<Via>,
    ec: &[(&str, &str)],
    mut extra: Context,
) -> Check {
    if let Some(via) = via {
        extra.insert("kms:ViaService", via.endpoint(&w.s.region));
        if !actor.is_service() {
            extra.insert("aws:ViaAWSService", "true");
        }
    }
    // A plain request written in an expectation may carry its own value.
    if let Some(a) = &actor.account
        && extra.get("kms:CallerAccount").is_none()
    {
        extra.insert("kms:CallerAccount", a.as_str());
    }
    encryption_context(&mut extra, ec);
    let mut check = w.check(Call {
        actor,
        action,
        resource: key.arn.clone(),
        resource_account: Some(key.account.clone()),
        policy: Some(key.policy.clone()),
        extra,
        via: via.map(Via::describe).unwrap_or_default().to_string(),
    });
    w.apply_grants(actor, key, &mut check);
    check
}

/// KMS refuses cryptographic operations on keys that are not enabled, after authorization.
pub(crate) fn key_state_error(key: &KeyInfo) -> Option<(&'static str, String)> {
    match key.state {
        KeyState::Enabled => None,
        KeyState::Disabled => Some(("DisabledException", format!("{} is disabled.", key.arn))),
        KeyState::PendingDeletion => Some((
            "KMSInvalidStateException",
            format!(
                "{} is pending deletion (or pending replica deletion).",
                key.arn
            ),
        )),
    }
}
