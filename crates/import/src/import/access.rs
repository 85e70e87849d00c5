//! Who may do what, decided by the policy engine (`keyflow_policy::evaluate`) with
//! the same request shape the simulator sends: a user acts as itself, a role as a
//! session of the role.

use keyflow_policy::{Context, Decision, Policies, Policy, PolicyKind, PolicyRef, Request};

use super::out::{PrincipalOut, PrincipalType};
use super::util::Env;

/// A principal with its parsed policies.
pub(crate) struct Who {
    pub name: String,
    pub kind: PrincipalType,
    /// The ARN requests are made with (a role acts through a session).
    arn: String,
    /// The IAM ARN (`aws:PrincipalArn`).
    principal_arn: String,
    identity: Vec<Policy>,
    boundary: Option<Policy>,
    trust: Option<String>,
}

impl Who {
    pub fn new(p: &PrincipalOut, env: &Env) -> Self {
        let account = &env.account;
        let partition = env.partition();
        let (arn, principal_arn) = match p.kind {
            PrincipalType::User => {
                let a = format!("arn:{partition}:iam::{account}:user/{}", p.name);
                (a.clone(), a)
            }
            PrincipalType::Role => (
                format!(
                    "arn:{partition}:sts::{account}:assumed-role/{}/session",
                    p.name
                ),
                format!("arn:{partition}:iam::{account}:role/{}", p.name),
            ),
        };
        let parse = |text: &str, kind| keyflow_policy::parse(text, kind).policy;
        Who {
            name: p.name.clone(),
            kind: p.kind,
            arn,
            principal_arn,
            identity: p
                .policies
                .iter()
                .map(|n| parse(&n.document, PolicyKind::Identity))
                .collect(),
            boundary: p
                .permission_boundary
                .as_deref()
                .map(|t| parse(t, PolicyKind::PermissionBoundary)),
            trust: p.trust_policy.clone(),
        }
    }

    /// True when this is a role whose trust policy names `service`.
    pub fn trusts(&self, service: &str) -> bool {
        self.kind == PrincipalType::Role
            && self
                .trust
                .as_deref()
                .is_some_and(|t| t.contains(&format!("\"{service}\"")))
    }

    /// Would AWS allow this principal `action` on `resource` (with an optional
    /// resource policy, e.g. the bucket policy)?
    pub fn can(
        &self,
        env: &Env,
        action: &str,
        resource: &str,
        resource_policy: Option<&Policy>,
    ) -> bool {
        let mut context = Context::new();
        context.insert("aws:PrincipalArn", self.principal_arn.as_str());
        context.insert("aws:PrincipalAccount", env.account.as_str());
        context.insert("aws:PrincipalIsAWSService", "false");
        context.insert("aws:RequestedRegion", env.region.as_str());
        context.insert("aws:SecureTransport", "true");
        match self.kind {
            PrincipalType::User => {
                context.insert("aws:PrincipalType", "User");
                context.insert("aws:username", self.name.as_str());
            }
            PrincipalType::Role => context.insert("aws:PrincipalType", "AssumedRole"),
        }
        let request = Request {
            principal: self.arn.clone(),
            action: action.to_string(),
            resource: resource.to_string(),
            resource_account: Some(env.account.clone()),
            context,
        };
        let ids: Vec<String> = (0..self.identity.len())
            .map(|i| format!("identity/{i}"))
            .collect();
        let policies = Policies {
            identity: self
                .identity
                .iter()
                .zip(&ids)
                .map(|(p, id)| PolicyRef::new(id, p))
                .collect(),
            resource: resource_policy.map(|p| PolicyRef::new("resource", p)),
            permission_boundary: self
                .boundary
                .as_ref()
                .map(|p| PolicyRef::new("boundary", p)),
            ..Policies::default()
        };
        keyflow_policy::evaluate(&request, &policies).decision == Decision::Allowed
    }
}

#[cfg(test)]
mod tests {
    use super::super::out::NamedPolicyOut;
    use super::*;

    fn env() -> Env {
        Env {
            account: "111122223333".into(),
            region: "eu-west-1".into(),
        }
    }

    fn principal(kind: PrincipalType, doc: &str) -> PrincipalOut {
        PrincipalOut {
            name: "p".into(),
            kind,
            policies: vec![NamedPolicyOut {
                name: "x".into(),
                document: doc.into(),
            }],
            permission_boundary: None,
            trust_policy: None,
        }
    }

    #[test]
    fn decisions_come_from_the_policies() {
        let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:GetParameter*","Resource":"arn:aws:ssm:eu-west-1:111122223333:parameter/app/*"}]}"#;
        for kind in [PrincipalType::User, PrincipalType::Role] {
            let who = Who::new(&principal(kind, doc), &env());
            assert!(who.can(
                &env(),
                "ssm:GetParameters",
                "arn:aws:ssm:eu-west-1:111122223333:parameter/app/db",
                None
            ));
            assert!(!who.can(
                &env(),
                "ssm:PutParameter",
                "arn:aws:ssm:eu-west-1:111122223333:parameter/app/db",
                None
            ));
            assert!(!who.can(
                &env(),
                "ssm:GetParameter",
                "arn:aws:ssm:eu-west-1:111122223333:parameter/other",
                None
            ));
        }
        // Policy variables see the user name.
        let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*"}]}"#;
        let who = Who::new(&principal(PrincipalType::User, doc), &env());
        assert!(who.can(&env(), "s3:GetObject", "arn:aws:s3:::b/p/x", None));
        assert!(!who.can(&env(), "s3:GetObject", "arn:aws:s3:::b/q/x", None));
    }
}
