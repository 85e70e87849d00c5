//! Who may do what, decided by the policy engine (`keyflow_policy::evaluate`) with
//! the same request shape the simulator sends: a user acts as itself, a role as a
//! session of the role.

use keyflow_policy::{Context, Decision, Policies, Policy, PolicyKind, PolicyRef, Request};
use keyflow_sim::{Principal, PrincipalKind};

use super::util::Env;

/// A principal with its parsed policies.
pub(crate) struct Who {
    pub name: String,
    /// Whether requests are made through a role session.
    role: bool,
    /// The ARN requests are made with (a role acts through a session).
    arn: String,
    /// The IAM ARN (`aws:PrincipalArn`).
    principal_arn: String,
    identity: Vec<Policy>,
    boundary: Option<Policy>,
    trust: Option<String>,
}

impl Who {
    /// The importer builds users and roles only; any other kind is treated as a user.
    pub fn new(p: &Principal, env: &Env) -> Self {
        let account = &env.account;
        let partition = env.partition();
        let role = p.kind == PrincipalKind::Role;
        let (arn, principal_arn) = if role {
            (
                format!(
                    "arn:{partition}:sts::{account}:assumed-role/{}/session",
                    p.name
                ),
                format!("arn:{partition}:iam::{account}:role/{}", p.name),
            )
        } else {
            let a = format!("arn:{partition}:iam::{account}:user/{}", p.name);
            (a.clone(), a)
        };
        let parse = |text: &str, kind| keyflow_policy::parse(text, kind).policy;
        Who {
            name: p.name.clone(),
            role,
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
        self.role
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
        if self.role {
            context.insert("aws:PrincipalType", "AssumedRole");
        } else {
            context.insert("aws:PrincipalType", "User");
            context.insert("aws:username", self.name.as_str());
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
    use keyflow_sim::NamedPolicy;

    use super::*;

    fn env() -> Env {
        Env {
            account: "111122223333".into(),
            region: "eu-west-1".into(),
        }
    }

    fn principal(kind: PrincipalKind, doc: &str) -> Principal {
        let mut p = Principal::new("p", kind);
        p.policies.push(NamedPolicy {
            name: "x".into(),
            document: doc.into(),
        });
        p
    }

    #[test]
    fn decisions_come_from_the_policies() {
        let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:GetParameter*","Resource":"arn:aws:ssm:eu-west-1:111122223333:parameter/app/*"}]}"#;
        for kind in [PrincipalKind::User, PrincipalKind::Role] {
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
        let who = Who::new(&principal(PrincipalKind::User, doc), &env());
        assert!(who.can(&env(), "s3:GetObject", "arn:aws:s3:::b/p/x", None));
        assert!(!who.can(&env(), "s3:GetObject", "arn:aws:s3:::b/q/x", None));
    }
}
