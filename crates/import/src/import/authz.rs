//! `aws iam get-account-authorization-details` output: users, groups and roles with
//! their inline policies and attached managed policies, and the managed policies'
//! documents (`Policies[].PolicyVersionList`). Documents are JSON objects when the
//! AWS CLI printed them and URL-encoded strings when they come from the raw API or
//! an SDK (IAM API Reference, GetAccountAuthorizationDetails,
//! https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html).

use keyflow_sim::PrincipalKind;

use super::FileCtx;
use super::model::*;
use super::util;
use crate::node::Node;

fn list(n: Option<&Node>) -> &[Node] {
    n.and_then(Node::as_seq).unwrap_or_default()
}

fn inline(n: Option<&Node>) -> Vec<(String, String)> {
    list(n)
        .iter()
        .filter_map(|p| {
            let name = p.get_str("PolicyName")?;
            let doc = p.get("PolicyDocument")?;
            Some((name.to_string(), util::policy_text(doc)))
        })
        .collect()
}

fn attached(ctx: &FileCtx<'_>, n: Option<&Node>) -> Vec<(String, Origin)> {
    list(n)
        .iter()
        .filter_map(|p| Some((p.get_str("PolicyArn")?.to_string(), ctx.origin(p.at))))
        .collect()
}

pub(crate) fn import(ctx: &mut FileCtx<'_>, root: &Node, w: &mut World) {
    for p in list(root.get("Policies")) {
        let (Some(arn), Some(name)) = (p.get_str("Arn"), p.get_str("PolicyName")) else {
            continue;
        };
        let versions = list(p.get("PolicyVersionList"));
        let default = versions
            .iter()
            .find(|v| v.get("IsDefaultVersion").and_then(Node::as_bool) == Some(true))
            .or_else(|| {
                let id = p.get_str("DefaultVersionId");
                versions.iter().find(|v| v.get_str("VersionId") == id)
            });
        match default.and_then(|v| v.get("Document")) {
            Some(doc) => w.managed.push(ManagedB {
                arn: arn.to_string(),
                name: name.to_string(),
                document: util::policy_text(doc),
            }),
            None => ctx.warn(
                p.at,
                format!("managed policy {name} lists no default version document; skipped"),
            ),
        }
    }
    for g in list(root.get("GroupDetailList")) {
        let Some(name) = g.get_str("GroupName") else {
            continue;
        };
        w.groups.push(GroupB {
            name: name.to_string(),
            policies: inline(g.get("GroupPolicyList")),
            managed: attached(ctx, g.get("AttachedManagedPolicies")),
        });
    }
    for (key, kind) in [
        ("UserDetailList", PrincipalKind::User),
        ("RoleDetailList", PrincipalKind::Role),
    ] {
        for u in list(root.get(key)) {
            let name_key = if kind == PrincipalKind::User {
                "UserName"
            } else {
                "RoleName"
            };
            let Some(name) = u.get_str(name_key) else {
                ctx.warn(
                    u.at,
                    format!("an entry of {key} has no {name_key}; skipped"),
                );
                continue;
            };
            let mut p = PrincipalB::new(name.to_string(), kind, ctx.origin(u.at));
            p.path = u.get_str("Path").unwrap_or("/").to_string();
            let policies_key = if kind == PrincipalKind::User {
                "UserPolicyList"
            } else {
                "RolePolicyList"
            };
            p.policies = inline(u.get(policies_key));
            p.managed = attached(ctx, u.get("AttachedManagedPolicies"));
            if kind == PrincipalKind::User {
                p.groups = list(u.get("GroupList"))
                    .iter()
                    .filter_map(|g| g.as_str().map(str::to_string))
                    .collect();
            } else {
                p.trust = u.get("AssumeRolePolicyDocument").map(util::policy_text);
            }
            if let Some(b) = u
                .get("PermissionsBoundary")
                .and_then(|b| b.get_str("PermissionsBoundaryArn"))
            {
                p.boundary = Some((b.to_string(), ctx.origin(u.at)));
            }
            if let Some(arn) = u.get_str("Arn")
                && let Some(acct) = util::arn_account(arn)
                && acct != w.env.account
            {
                ctx.warn(
                    u.at,
                    format!(
                        "{name} belongs to account {acct}, not {}: simulated in the home account",
                        w.env.account
                    ),
                );
            }
            w.principals.push(p);
        }
    }
}
