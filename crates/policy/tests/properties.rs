//! Property tests of the evaluator and the parser.

use keyflow_policy::{
    Context, Decision, OrgLevels, Policies, Policy, PolicyKind, PolicyRef, Request, evaluate,
    explain, parse,
};
use proptest::prelude::*;

const A: &str = "111122223333";
const B: &str = "444455556666";
const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/k1";
const OBJ: &str = "arn:aws:s3:::b/docs/x.txt";

#[derive(Clone, Debug)]
struct St {
    deny: bool,
    not_action: bool,
    action: &'static str,
    not_resource: bool,
    resource: &'static str,
    principal: &'static str,
    condition: Option<&'static str>,
}

fn statement() -> impl Strategy<Value = St> {
    (
        any::<bool>(),
        prop::bool::weighted(0.15),
        prop::sample::select(vec![
            "s3:*",
            "s3:Get*",
            "kms:*",
            "*",
            "kms:Decrypt",
            "s3:PutObject",
            "kms:*crypt",
        ]),
        prop::bool::weighted(0.15),
        prop::sample::select(vec![
            "*",
            "arn:aws:s3:::b/*",
            KEY,
            "arn:aws:kms:*:*:key/*",
            "arn:aws:s3:::b/${aws:username}/*",
        ]),
        prop::sample::select(vec![
            r#""*""#,
            r#"{"AWS":"111122223333"}"#,
            r#"{"AWS":"arn:aws:iam::444455556666:root"}"#,
            r#"{"AWS":"arn:aws:iam::111122223333:role/R"}"#,
            r#"{"AWS":"arn:aws:iam::111122223333:user/u"}"#,
            r#"{"Service":"cloudtrail.amazonaws.com"}"#,
        ]),
        prop::option::weighted(
            0.4,
            prop::sample::select(vec![
                r#"{"Bool":{"aws:SecureTransport":"false"}}"#,
                r#"{"StringEquals":{"aws:PrincipalTag/team":"a"}}"#,
                r#"{"StringNotEquals":{"aws:PrincipalTag/team":"a"}}"#,
                r#"{"StringEqualsIfExists":{"aws:PrincipalTag/team":"b"}}"#,
                r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["x"]}}"#,
                r#"{"Null":{"aws:PrincipalTag/team":"true"}}"#,
            ]),
        ),
    )
        .prop_map(
            |(deny, not_action, action, not_resource, resource, principal, condition)| St {
                deny,
                not_action,
                action,
                not_resource,
                resource,
                principal,
                condition,
            },
        )
}

fn render(statements: &[St], with_principal: bool) -> String {
    let body: Vec<String> = statements
        .iter()
        .map(|s| {
            let mut parts = vec![format!(
                r#""Effect":"{}""#,
                if s.deny { "Deny" } else { "Allow" }
            )];
            if with_principal {
                parts.push(format!(r#""Principal":{}"#, s.principal));
            }
            parts.push(format!(
                r#""{}":"{}""#,
                if s.not_action { "NotAction" } else { "Action" },
                s.action
            ));
            parts.push(format!(
                r#""{}":"{}""#,
                if s.not_resource {
                    "NotResource"
                } else {
                    "Resource"
                },
                s.resource
            ));
            if let Some(c) = s.condition {
                parts.push(format!(r#""Condition":{c}"#));
            }
            format!("{{{}}}", parts.join(","))
        })
        .collect();
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        body.join(",")
    )
}

#[derive(Clone, Debug)]
struct World {
    identity: Vec<Vec<St>>,
    resource: Option<Vec<St>>,
    boundary: Option<Vec<St>>,
    scps: Vec<Vec<St>>,
    request: Request,
}

fn request() -> impl Strategy<Value = Request> {
    (
        prop::sample::select(vec![
            format!("arn:aws:iam::{A}:role/R"),
            format!("arn:aws:sts::{A}:assumed-role/R/s"),
            format!("arn:aws:iam::{A}:user/u"),
            format!("arn:aws:iam::{A}:root"),
            format!("arn:aws:iam::{B}:role/X"),
            format!("arn:aws:iam::{B}:root"),
            "cloudtrail.amazonaws.com".to_string(),
        ]),
        prop::sample::select(vec![
            "s3:GetObject",
            "s3:PutObject",
            "kms:Decrypt",
            "kms:Encrypt",
        ]),
        prop::option::of(prop::sample::select(vec!["true", "false"])),
        prop::option::of(prop::sample::select(vec!["a", "b"])),
        prop::option::of(prop::sample::select(vec!["u", "v"])),
    )
        .prop_map(|(principal, action, tls, team, username)| {
            let resource = if action.starts_with("kms") { KEY } else { OBJ };
            let mut ctx = Context::new();
            if let Some(t) = tls {
                ctx.insert("aws:SecureTransport", t);
            }
            if let Some(t) = team {
                ctx.insert("aws:PrincipalTag/team", t);
            }
            if let Some(u) = username {
                ctx.insert("aws:username", u);
            }
            Request {
                principal,
                action: action.to_string(),
                resource: resource.to_string(),
                resource_account: resource.starts_with("arn:aws:s3").then(|| A.to_string()),
                context: ctx,
            }
        })
}

fn world() -> impl Strategy<Value = World> {
    let stmts = || prop::collection::vec(statement(), 1..4);
    (
        prop::collection::vec(stmts(), 0..3),
        prop::option::of(stmts()),
        prop::option::weighted(0.3, stmts()),
        prop::collection::vec(stmts(), 0..3),
        request(),
    )
        .prop_map(|(identity, resource, boundary, scps, request)| World {
            identity,
            resource,
            boundary,
            scps,
            request,
        })
}

struct Parsed {
    identity: Vec<Policy>,
    resource: Option<Policy>,
    boundary: Option<Policy>,
    scps: Vec<Policy>,
}

fn resource_kind(r: &Request) -> PolicyKind {
    if r.resource.starts_with("arn:aws:kms") {
        PolicyKind::KeyPolicy
    } else {
        PolicyKind::BucketPolicy
    }
}

fn build(w: &World) -> Parsed {
    Parsed {
        identity: w
            .identity
            .iter()
            .map(|s| parse(&render(s, false), PolicyKind::Identity).policy)
            .collect(),
        resource: w
            .resource
            .as_ref()
            .map(|s| parse(&render(s, true), resource_kind(&w.request)).policy),
        boundary: w
            .boundary
            .as_ref()
            .map(|s| parse(&render(s, false), PolicyKind::PermissionBoundary).policy),
        scps: w
            .scps
            .iter()
            .map(|s| parse(&render(s, false), PolicyKind::Scp).policy)
            .collect(),
    }
}

fn decide(p: &Parsed, r: &Request) -> Decision {
    let policies = Policies {
        identity: p
            .identity
            .iter()
            .map(|x| PolicyRef::new("identity", x))
            .collect(),
        resource: p.resource.as_ref().map(|x| PolicyRef::new("resource", x)),
        permission_boundary: p.boundary.as_ref().map(|x| PolicyRef::new("boundary", x)),
        scps: p.scps.iter().map(|x| PolicyRef::new("scp", x)).collect(),
        ..Policies::default()
    };
    let d = evaluate(r, &policies).decision;
    assert_eq!(
        d,
        explain(r, &policies).decision,
        "evaluate and explain must agree"
    );
    d
}

/// Like [`decide`], but every SCP level holds one document per statement, and an
/// optional VPC endpoint policy applies.
fn decide_split(w: &World, endpoint: Option<&Policy>) -> Decision {
    let p = build(w);
    let split: Vec<Vec<Policy>> = w
        .scps
        .iter()
        .map(|level| {
            level
                .iter()
                .map(|st| parse(&render(std::slice::from_ref(st), false), PolicyKind::Scp).policy)
                .collect()
        })
        .collect();
    let mut scps = OrgLevels::new();
    for level in &split {
        scps.push_level(level.iter().map(|x| PolicyRef::new("scp", x)));
    }
    let policies = Policies {
        identity: p
            .identity
            .iter()
            .map(|x| PolicyRef::new("identity", x))
            .collect(),
        resource: p.resource.as_ref().map(|x| PolicyRef::new("resource", x)),
        permission_boundary: p.boundary.as_ref().map(|x| PolicyRef::new("boundary", x)),
        scps,
        vpc_endpoint: endpoint.map(|x| PolicyRef::new("vpce", x)),
        ..Policies::default()
    };
    let d = evaluate(&w.request, &policies).decision;
    assert_eq!(d, explain(&w.request, &policies).decision);
    d
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// An action passes a level when any policy at that level allows it and no Deny
    /// applies, so spreading a level's statements over several policies changes nothing.
    #[test]
    fn splitting_an_scp_level_into_several_policies_changes_nothing(w in world()) {
        prop_assert_eq!(decide(&build(&w), &w.request), decide_split(&w, None));
    }

    /// The default endpoint policy (full access) changes nothing; any other endpoint
    /// policy can only take access away.
    #[test]
    fn a_vpc_endpoint_policy_never_grants(w in world(), extra in prop::collection::vec(statement(), 1..3)) {
        let before = decide(&build(&w), &w.request);
        let full = parse(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#, PolicyKind::BucketPolicy).policy;
        prop_assert_eq!(before, decide_split(&w, Some(&full)));
        let other = parse(&render(&extra, true), PolicyKind::BucketPolicy).policy;
        let after = decide_split(&w, Some(&other));
        if before != Decision::Allowed {
            prop_assert_ne!(after, Decision::Allowed);
        }
        if before == Decision::ExplicitlyDenied {
            prop_assert_eq!(after, Decision::ExplicitlyDenied);
        }
    }

    #[test]
    fn adding_a_deny_never_allows(w in world(), extra in statement(), target in 0usize..4) {
        let before = decide(&build(&w), &w.request);
        let mut w2 = w.clone();
        let mut deny = extra;
        deny.deny = true;
        match target {
            0 if !w2.identity.is_empty() => w2.identity[0].push(deny),
            1 if w2.resource.is_some() => { if let Some(r) = w2.resource.as_mut() { r.push(deny) } }
            2 if !w2.scps.is_empty() => w2.scps[0].push(deny),
            _ => w2.identity.push(vec![deny]),
        }
        let after = decide(&build(&w2), &w2.request);
        if before != Decision::Allowed {
            prop_assert_ne!(after, Decision::Allowed);
        }
        if before == Decision::ExplicitlyDenied {
            prop_assert_eq!(after, Decision::ExplicitlyDenied);
        }
    }

    #[test]
    fn order_never_matters(w in world(), seed in any::<u64>()) {
        let before = decide(&build(&w), &w.request);
        let mut w2 = w.clone();
        // Deterministic shuffle from the seed: reverse and rotate.
        let rot = |v: &mut Vec<St>| { v.reverse(); if !v.is_empty() { let k = (seed as usize) % v.len(); v.rotate_left(k); } };
        for s in &mut w2.identity { rot(s); }
        if let Some(r) = w2.resource.as_mut() { rot(r); }
        if let Some(b) = w2.boundary.as_mut() { rot(b); }
        for s in &mut w2.scps { rot(s); }
        w2.identity.reverse();
        w2.scps.reverse();
        prop_assert_eq!(before, decide(&build(&w2), &w2.request));
    }

    #[test]
    fn evaluation_is_deterministic(w in world()) {
        let p = build(&w);
        let a = decide(&p, &w.request);
        let b = decide(&p, &w.request);
        prop_assert_eq!(a, b);
    }

    #[test]
    fn parse_never_panics_on_arbitrary_text(s in ".{0,200}") {
        let _ = parse(&s, PolicyKind::Identity);
        let _ = keyflow_policy::lint_text(&s, PolicyKind::KeyPolicy, keyflow_policy::ServiceData::none());
    }

    #[test]
    fn parse_never_panics_on_mutated_policies(w in world(), cuts in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6)) {
        let mut bytes = render(w.resource.as_deref().unwrap_or(&[]), true).into_bytes();
        for (i, b) in cuts {
            if bytes.is_empty() { break; }
            let at = i.index(bytes.len());
            match b % 3 {
                0 => { bytes.remove(at); }
                1 => bytes.insert(at, b"{}[],:\"\\*$"[(b as usize) % 10]),
                _ => bytes[at] = b,
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        for kind in [PolicyKind::Identity, PolicyKind::BucketPolicy, PolicyKind::KeyPolicy, PolicyKind::TrustPolicy] {
            let parsed = parse(&text, kind);
            let _ = keyflow_policy::lint(&parsed, &text, kind, keyflow_policy::ServiceData::none());
            // A partial policy still evaluates without panicking.
            let policies = Policies { resource: Some(PolicyRef::new("r", &parsed.policy)), identity: vec![PolicyRef::new("i", &parsed.policy)], ..Policies::default() };
            let _ = explain(&w.request, &policies);
        }
    }
}
