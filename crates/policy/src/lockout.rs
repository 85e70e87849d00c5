//! Who can still manage a KMS key under a key policy.
//!
//! AWS KMS's policy lockout safety check (CreateKey, PutKeyPolicy) asks only
//! whether the *caller* could make a later PutKeyPolicy request (AWS KMS API
//! Reference, PutKeyPolicy, `BypassPolicyLockoutSafetyCheck`). A new policy can
//! pass that check and still leave none of the principals the team relies on able
//! to change it. [`key_policy_admins`] answers the wider question for a given set
//! of principals, with the same evaluator the simulator uses.

use crate::ast::Policy;
use crate::context::Request;
use crate::eval::{Decision, Policies, PolicyRef, decision};

/// A principal that might manage the key, with the policies in force for it.
#[derive(Clone, Copy, Debug)]
pub struct KeyPrincipal<'a> {
    /// IAM user or role ARN (a role stands for a session of it), an
    /// `assumed-role` session ARN, or `arn:aws:iam::ACCOUNT:root`.
    pub arn: &'a str,
    /// Its identity-based policies.
    pub identity_policies: &'a [&'a Policy],
    pub permission_boundary: Option<&'a Policy>,
    /// SCPs of its account, one per level of the organization.
    pub scps: &'a [&'a Policy],
}

impl<'a> KeyPrincipal<'a> {
    /// A principal with no identity policies, boundary or SCPs.
    pub fn bare(arn: &'a str) -> Self {
        KeyPrincipal {
            arn,
            identity_policies: &[],
            permission_boundary: None,
            scps: &[],
        }
    }
}

/// The ARNs of `principals` that may call `kms:PutKeyPolicy` on the key `key_arn`
/// under `key_policy` — empty when, after this policy is in force, none of them
/// could change it again (the key is unmanageable for them).
///
/// The request carries the context a console or CLI call has: `aws:PrincipalArn`,
/// `aws:PrincipalAccount`, `kms:CallerAccount` (the principal's account) and
/// `aws:SecureTransport` true. That is an assumption about how the call is made;
/// conditions on other keys (MFA, source IP, tags) are not satisfied.
pub fn key_policy_admins<'a>(
    key_policy: &Policy,
    key_arn: &str,
    principals: &[KeyPrincipal<'a>],
) -> Vec<&'a str> {
    principals
        .iter()
        .filter(|p| can_put_key_policy(key_policy, key_arn, p))
        .map(|p| p.arn)
        .collect()
}

fn can_put_key_policy(key_policy: &Policy, key_arn: &str, p: &KeyPrincipal<'_>) -> bool {
    let account = p.arn.split(':').nth(4).unwrap_or("");
    let mut request = Request::new(p.arn, "kms:PutKeyPolicy", key_arn);
    request
        .context
        .insert("aws:PrincipalArn", principal_arn(p.arn));
    request.context.insert("aws:PrincipalAccount", account);
    request.context.insert("kms:CallerAccount", account);
    request.context.insert("aws:SecureTransport", "true");
    let ids: Vec<String> = (0..p.identity_policies.len().max(p.scps.len()))
        .map(|i| format!("policy-{i}"))
        .collect();
    let id = |i: usize| ids.get(i).map_or("policy", String::as_str);
    let policies = Policies {
        identity: p
            .identity_policies
            .iter()
            .enumerate()
            .map(|(i, pol)| PolicyRef::new(id(i), pol))
            .collect(),
        resource: Some(PolicyRef::new("key-policy", key_policy)),
        permission_boundary: p.permission_boundary.map(|b| PolicyRef::new("boundary", b)),
        scps: p
            .scps
            .iter()
            .enumerate()
            .map(|(i, pol)| PolicyRef::new(id(i), pol))
            .collect(),
        rcps: Default::default(),
        session: None,
        vpc_endpoint: None,
    };
    decision(&request, &policies) == Decision::Allowed
}

/// `aws:PrincipalArn` of a caller: the role's ARN for an assumed-role session
/// (IAM User Guide, aws:PrincipalArn), else the ARN itself.
fn principal_arn(arn: &str) -> String {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if let [_, partition, "sts", _, account, resource] = parts[..]
        && let Some(rest) = resource.strip_prefix("assumed-role/")
        && let Some((role, _)) = rest.split_once('/')
    {
        return format!("arn:{partition}:iam::{account}:role/{role}");
    }
    arn.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PolicyKind, parse};

    const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const ADMIN: &str = "arn:aws:iam::111122223333:role/KeyAdmin";
    const APP: &str = "arn:aws:iam::111122223333:role/App";

    fn key_policy(statements: &str) -> Policy {
        let text = format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#);
        let p = parse(&text, PolicyKind::KeyPolicy);
        assert!(p.is_valid(), "{:?}", p.diagnostics);
        p.policy
    }

    #[test]
    fn the_default_key_policy_lets_any_principal_with_iam_permission_manage_the_key() {
        // AWS KMS default key policy: the account statement enables IAM policies.
        let kp = key_policy(
            r#"{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}"#,
        );
        let admin_policy = parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*"}}"#,
            PolicyKind::Identity,
        )
        .policy;
        let with = [&admin_policy];
        let principals = [
            KeyPrincipal {
                identity_policies: &with,
                ..KeyPrincipal::bare(ADMIN)
            },
            KeyPrincipal::bare(APP),
        ];
        assert_eq!(key_policy_admins(&kp, KEY, &principals), [ADMIN]);
    }

    #[test]
    fn a_policy_naming_only_the_app_role_leaves_the_key_unmanageable() {
        // The app may use the key; nobody may change the policy.
        let kp = key_policy(
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/App"},"Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*"}"#,
        );
        let principals = [KeyPrincipal::bare(ADMIN), KeyPrincipal::bare(APP)];
        assert!(key_policy_admins(&kp, KEY, &principals).is_empty());
    }

    #[test]
    fn a_session_of_a_named_role_counts_and_a_deny_wins() {
        let kp = key_policy(
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/KeyAdmin"},"Action":"kms:*","Resource":"*"},
               {"Effect":"Deny","Principal":"*","Action":"kms:PutKeyPolicy","Resource":"*","Condition":{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/KeyAdmin"}}}"#,
        );
        let session = "arn:aws:sts::111122223333:assumed-role/KeyAdmin/alice";
        let principals = [KeyPrincipal::bare(session), KeyPrincipal::bare(APP)];
        assert_eq!(key_policy_admins(&kp, KEY, &principals), [session]);
        assert_eq!(principal_arn(session), ADMIN);
    }
}
