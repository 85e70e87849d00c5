use super::*;
use crate::{builtin, builtins, run};

fn scenario(name: &str) -> Scenario {
    builtin(name).unwrap().scenario().unwrap()
}

/// Every step's flow, id, outcome and error code, in order.
fn outcomes(s: &Scenario) -> Vec<(String, String, String, Option<String>)> {
    run(s)
        .flows
        .iter()
        .flat_map(|f| {
            f.steps.iter().map(|st| {
                (
                    f.id.clone(),
                    st.id.clone(),
                    st.outcome.to_string(),
                    st.error.as_ref().map(|e| e.code.clone()),
                )
            })
        })
        .collect()
}

fn all_policy_text(s: &Scenario) -> String {
    s.policy_fields()
        .iter()
        .map(|f| f.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_bucket_rename_rewrites_every_reference_and_keeps_the_layout() {
    let s = scenario("alb-logs-cmk");
    let r = rename(
        &s,
        &Target::Bucket("test-alb-access-logs".into()),
        "my-alb-logs-123456789012",
    )
    .unwrap();
    let t = &r.scenario;
    assert_eq!(t.buckets[0].name, "my-alb-logs-123456789012");
    assert_eq!(
        t.load_balancers[0].access_logs.bucket,
        "my-alb-logs-123456789012"
    );
    let text = all_policy_text(t);
    assert!(!text.contains("test-alb-access-logs"), "{text}");
    assert!(text.contains("\"arn:aws:s3:::my-alb-logs-123456789012/AWSLogs/111122223333/*\""));
    // Only the names changed: the rest of each text is byte for byte the same.
    let before = s.buckets[0].policy.as_ref().unwrap();
    let after = t.buckets[0].policy.as_ref().unwrap();
    assert_eq!(
        before.replace("test-alb-access-logs", "my-alb-logs-123456789012"),
        *after
    );
    // Bucket field, LB field, bucket policy, LogReader's two resources.
    let fields: Vec<&str> = r.changes.iter().map(|c| c.field.as_str()).collect();
    assert!(fields.contains(&"buckets[0].name"), "{fields:?}");
    assert!(fields.contains(&"load_balancers[0].access_logs.bucket"));
    let in_policies = r.changes.iter().filter(|c| c.policy.is_some()).count();
    assert_eq!(in_policies, 3, "{:#?}", r.changes);
    let c = r
        .changes
        .iter()
        .find(|c| c.policy == Some(PolicyId::Bucket("test-alb-access-logs".into())))
        .unwrap();
    assert_eq!(c.line, 10);
    assert!(
        c.to_string()
            .contains("→ arn:aws:s3:::my-alb-logs-123456789012/")
    );
    assert_eq!(outcomes(&s), outcomes(t));
}

#[test]
fn a_principal_rename_keeps_its_steps_expectations_and_share_link() {
    let s = scenario("cloudtrail-sse-kms-restricted");
    let before = run(&s);
    let r = rename(&s, &Target::Principal("user1".into()), "auditor").unwrap();
    let t = &r.scenario;
    let after = run(t);
    let steps = |rep: &crate::Report| rep.flows[0].steps.len();
    assert_eq!(steps(&before), steps(&after));
    assert!(after.flows[0].step("read-log:auditor").is_some());
    assert!(
        after.flows[0]
            .matrix
            .iter()
            .any(|m| m.principal == "auditor")
    );
    assert!(after.expectations_pass(), "{:#?}", after.expectations);
    assert_eq!(before.expectations.len(), after.expectations.len());
    assert!(all_policy_text(t).contains("arn:aws:iam::123456789012:user/auditor"));
    assert!(!all_policy_text(t).contains("user/user1\""));
    // The share form reads back.
    assert_eq!(
        Scenario::from_canonical_json(&t.to_canonical_json()).as_ref(),
        Ok(t)
    );
    // The step ids in expectations follow.
    let steps_ids: Vec<String> = t
        .expectations
        .iter()
        .filter_map(|e| match e {
            Expectation::Matrix { principal, .. } => Some(principal.clone()),
            _ => None,
        })
        .collect();
    assert!(steps_ids.contains(&"auditor".to_string()));
    // A role's sessions' ARNs follow the role.
    let s = scenario("cloudtrail-sse-kms");
    let r = rename(&s, &Target::Principal("Role1".into()), "TrailAdmin").unwrap();
    assert_eq!(r.scenario.principals[1].role.as_deref(), Some("TrailAdmin"));
    assert_eq!(outcomes(&s), outcomes(&r.scenario));
}

#[test]
fn an_account_rename_reaches_every_arn_name_and_field() {
    let s = scenario("cloudtrail-sse-kms");
    let r = rename(&s, &Target::Account("123456789012".into()), "444455556666").unwrap();
    let t = &r.scenario;
    assert_eq!(t.account, "444455556666");
    let json = t.to_json_pretty();
    assert!(!json.contains("123456789012"), "{json}");
    // The bucket named after the account follows, and so does the trail that uses it.
    assert_eq!(
        t.buckets[0].name,
        "aws-cloudtrail-logs-444455556666-1a2b3c4d"
    );
    assert_eq!(t.trails[0].bucket, t.buckets[0].name);
    assert_eq!(outcomes(&s), outcomes(t));
    assert!(run(t).expectations_pass());
    // Twelve digits only.
    let e = rename(&s, &Target::Account("123456789012".into()), "12345").unwrap_err();
    assert_eq!(e.to_string(), "\"12345\" is not a 12-digit account ID");
}

#[test]
fn a_region_rename_moves_endpoints_and_the_elb_account() {
    let mut s = scenario("alb-logs-cmk");
    s.settings.elb_log_writer = crate::ElbLogWriter::ElbAccount;
    // The legacy bucket policy of the Region's ELB account (ap-northeast-1).
    s.buckets[0].policy = Some(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::582318560864:root"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::test-alb-access-logs/AWSLogs/111122223333/*"}]}"#.into(),
    );
    let r = rename(&s, &Target::Region, "us-east-1").unwrap();
    let text = all_policy_text(&r.scenario);
    assert!(text.contains("elasticloadbalancing.us-east-1.amazonaws.com"));
    assert!(text.contains("arn:aws:iam::127311923021:root"));
    assert!(!text.contains("ap-northeast-1"));
    assert_eq!(outcomes(&s), outcomes(&r.scenario));
    assert!(rename(&s, &Target::Region, "mars").is_err());
}

#[test]
fn key_ids_and_aliases_rename_with_their_references() {
    let s = scenario("ssm-securestring-cmk");
    let id = s.keys[0].id.clone();
    let alias = s.keys[0].aliases[0].clone();
    let r = rename(
        &s,
        &Target::KeyId(id.clone()),
        "11111111-2222-3333-4444-555555555555",
    )
    .unwrap();
    assert!(!r.scenario.to_json_pretty().contains(&id));
    assert_eq!(outcomes(&s), outcomes(&r.scenario));
    let r = rename(&s, &Target::KeyAlias(alias.clone()), "alias/app-secrets").unwrap();
    assert!(
        !r.scenario
            .to_json_pretty()
            .contains(&format!("\"{alias}\""))
    );
    assert_eq!(outcomes(&s), outcomes(&r.scenario));
    assert!(rename(&s, &Target::KeyAlias(alias.clone()), "alias/aws/mine").is_err());
    assert!(rename(&s, &Target::KeyAlias(alias), "mine").is_err());
}

#[test]
fn moving_a_principal_to_another_account_rewrites_its_arns() {
    let s = scenario("cloudtrail-sse-kms");
    let r = rename(
        &s,
        &Target::PrincipalAccount("user2".into()),
        "777788889999",
    )
    .unwrap();
    let p = r
        .scenario
        .principals
        .iter()
        .find(|p| p.name == "user2")
        .unwrap();
    assert_eq!(p.account.as_deref(), Some("777788889999"));
    // And back: the home account is written as none.
    let back = rename(&r.scenario, &Target::PrincipalAccount("user2".into()), "").unwrap();
    assert_eq!(back.scenario, s);
}

#[test]
fn every_rename_and_its_inverse_restore_the_scenario() {
    let fresh = "zz-renamed-9";
    for b in builtins() {
        let s = b.scenario().unwrap();
        let mut targets: Vec<(Target, String, Target)> = Vec::new();
        for p in &s.principals {
            targets.push((
                Target::Principal(p.name.clone()),
                "Zq9".into(),
                Target::Principal("Zq9".into()),
            ));
        }
        for x in &s.buckets {
            targets.push((
                Target::Bucket(x.name.clone()),
                fresh.into(),
                Target::Bucket(fresh.into()),
            ));
        }
        for k in &s.keys {
            targets.push((
                Target::KeyId(k.id.clone()),
                fresh.into(),
                Target::KeyId(fresh.into()),
            ));
            for a in &k.aliases {
                let to = "alias/zz-renamed".to_string();
                targets.push((
                    Target::KeyAlias(a.clone()),
                    to.clone(),
                    Target::KeyAlias(to),
                ));
            }
        }
        for l in &s.load_balancers {
            targets.push((
                Target::LoadBalancer(l.name.clone()),
                fresh.into(),
                Target::LoadBalancer(fresh.into()),
            ));
        }
        for t in &s.trails {
            targets.push((
                Target::Trail(t.name.clone()),
                fresh.into(),
                Target::Trail(fresh.into()),
            ));
        }
        for p in &s.parameters {
            targets.push((
                Target::Parameter(p.name.clone()),
                fresh.into(),
                Target::Parameter(fresh.into()),
            ));
        }
        targets.push((
            Target::Account(s.account.clone()),
            "909090909090".into(),
            Target::Account("909090909090".into()),
        ));
        for (target, to, back) in targets {
            let old = match &target {
                Target::Principal(n)
                | Target::Bucket(n)
                | Target::KeyId(n)
                | Target::KeyAlias(n)
                | Target::LoadBalancer(n)
                | Target::Trail(n)
                | Target::Parameter(n)
                | Target::Account(n) => n.clone(),
                _ => unreachable!(),
            };
            let there =
                rename(&s, &target, &to).unwrap_or_else(|e| panic!("{}: {target:?}: {e}", b.name));
            assert!(!there.changes.is_empty(), "{}: {target:?}", b.name);
            assert_eq!(
                outcomes(&s).len(),
                outcomes(&there.scenario).len(),
                "{}: {target:?}",
                b.name
            );
            let again = rename(&there.scenario, &back, &old).unwrap();
            assert_eq!(again.scenario, s, "{}: {target:?} and back", b.name);
        }
    }
}

#[test]
fn names_are_checked_against_aws_rules() {
    assert!(check_name(NameKind::Bucket, "my-alb-logs-123456789012").is_ok());
    for bad in ["ab", "My-Bucket", "-logs", "a..b", "logs_1"] {
        assert!(check_name(NameKind::Bucket, bad).is_err(), "{bad}");
    }
    assert!(check_name(NameKind::IamName, "Auditor+ops@x").is_ok());
    assert!(check_name(NameKind::IamName, "a/b").is_err());
    assert!(check_name(NameKind::LoadBalancer, "internal-lb").is_err());
    assert!(check_name(NameKind::Trail, "ab").is_err());
    assert!(check_name(NameKind::Parameter, "/prd/db-pass").is_ok());
    assert!(check_name(NameKind::Parameter, "/aws/x").is_err());
    assert!(check_name(NameKind::Region, "us-gov-west-1").is_ok());
    let s = scenario("alb-logs-cmk");
    let taken = rename(&s, &Target::Principal("Admin".into()), "LogReader").unwrap_err();
    assert_eq!(
        taken.to_string(),
        "the scenario already has a principal \"LogReader\""
    );
    assert!(rename(&s, &Target::Bucket("nope".into()), "fine-name").is_err());
}

#[test]
fn a_policy_that_does_not_parse_is_reported_not_rewritten() {
    let mut s = scenario("alb-logs-cmk");
    let text = s.buckets[0].policy.clone().unwrap().replacen(',', "", 1);
    s.buckets[0].policy = Some(text.clone());
    let r = rename(
        &s,
        &Target::Bucket("test-alb-access-logs".into()),
        "other-logs",
    )
    .unwrap();
    assert_eq!(r.skipped.len(), 1);
    assert_eq!(
        r.skipped[0].0,
        PolicyId::Bucket("test-alb-access-logs".into())
    );
    assert!(
        r.skipped[0].1.starts_with("not valid JSON (line "),
        "{}",
        r.skipped[0].1
    );
    assert_eq!(r.scenario.buckets[0].policy.as_deref(), Some(text.as_str()));
}

#[test]
fn tokens_only_match_whole() {
    assert_eq!(
        replace_token("a/111122223333/b 1111222233334", "111122223333", "X", digit).as_deref(),
        Some("a/X/b 1111222233334")
    );
    assert_eq!(
        replace_token("us-east-10", "us-east-1", "eu-west-1", region_char),
        None
    );
    assert_eq!(
        replace_token(
            "s3.us-east-1.amazonaws.com",
            "us-east-1",
            "eu-west-1",
            region_char
        )
        .as_deref(),
        Some("s3.eu-west-1.amazonaws.com")
    );
    assert_eq!(json_string("a\"b\\\n\u{1}"), "\"a\\\"b\\\\\\n\\u0001\"");
}
