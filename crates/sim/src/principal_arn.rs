//! Principals from what a user pastes: an IAM user or role ARN, a role
//! session ARN, an account root ARN or bare account ID, or a service
//! principal, in any account.

use keyflow_policy::Arn;

use crate::edit::unique_name;
use crate::rename::{NameKind, check_name};
use crate::scenario::{Principal, PrincipalKind, Scenario};

/// The principals to add to `s` for `text` (a session brings its role when
/// the scenario lacks it). The error says why the text names no principal.
pub fn principals_from_arn(s: &Scenario, text: &str) -> Result<Vec<Principal>, String> {
    let text = text.trim();
    let account_of = |a: &str| (a != s.account).then(|| a.to_string());
    let named = |name: &str, kind: PrincipalKind, account: &str| -> Result<Principal, String> {
        check_name(NameKind::IamName, name)?;
        if let Some(p) = s.principals.iter().find(|p| p.name == name) {
            let same = p.kind == kind && p.account.as_deref().unwrap_or(&s.account) == account;
            return Err(if same {
                format!("the scenario already has {name}")
            } else {
                format!(
                    "the scenario already has a principal named \"{name}\"; rename it first (users and roles go by their IAM name)"
                )
            });
        }
        Ok(Principal {
            account: account_of(account),
            ..Principal::new(name, kind)
        })
    };
    let taken = |n: &str| s.principals.iter().any(|p| p.name == n);
    if keyflow_policy::is_account_id(text) {
        return Ok(vec![root(s, text)]);
    }
    if !text.starts_with("arn:") {
        // A service principal: `cloudtrail.amazonaws.com`.
        let service_ok = text.ends_with(".amazonaws.com")
            && text.len() > ".amazonaws.com".len()
            && text
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
        if !service_ok {
            return Err(format!(
                "\"{text}\" is not an IAM user, role, session or root ARN, an account ID or a service principal (…amazonaws.com)"
            ));
        }
        if let Some(p) = s
            .principals
            .iter()
            .find(|p| p.service.as_deref() == Some(text))
        {
            return Err(format!("the scenario already has {text} as {}", p.name));
        }
        let base = text.split('.').next().unwrap_or("service");
        let mut p = Principal::new(unique_name(base, taken), PrincipalKind::Service);
        p.service = Some(text.to_string());
        return Ok(vec![p]);
    }
    let arn = Arn::parse(text).ok_or_else(|| format!("\"{text}\" is not an ARN"))?;
    if !keyflow_policy::is_account_id(arn.account) {
        return Err(format!("\"{text}\" names no 12-digit account"));
    }
    let segments: Vec<&str> = arn.resource.split('/').collect();
    match (arn.service, segments.as_slice()) {
        ("iam", ["root"]) => Ok(vec![root(s, arn.account)]),
        ("iam", ["user", .., name]) => Ok(vec![named(name, PrincipalKind::User, arn.account)?]),
        ("iam", ["role", .., name]) => Ok(vec![named(name, PrincipalKind::Role, arn.account)?]),
        ("sts", ["assumed-role", role, session]) => {
            let mut out = Vec::new();
            let have = s.principals.iter().find(|p| p.name == *role);
            match have {
                Some(p)
                    if p.kind == PrincipalKind::Role
                        && p.account.as_deref().unwrap_or(&s.account) == arn.account => {}
                Some(_) => {
                    return Err(format!(
                        "the scenario already has a principal named \"{role}\" that is not this role"
                    ));
                }
                None => out.push(named(role, PrincipalKind::Role, arn.account)?),
            }
            let mut p = Principal::new(
                unique_name(&format!("{role}.{session}"), taken),
                PrincipalKind::AssumedRole,
            );
            p.role = Some(role.to_string());
            p.session = Some(session.to_string());
            out.push(p);
            Ok(out)
        }
        _ => Err(format!(
            "\"{text}\" is not an IAM user, role, role session or account root ARN"
        )),
    }
}

fn root(s: &Scenario, account: &str) -> Principal {
    let base = if account == s.account {
        "root".to_string()
    } else {
        format!("root-{account}")
    };
    let name = unique_name(&base, |n| s.principals.iter().any(|p| p.name == n));
    Principal {
        account: (account != s.account).then(|| account.to_string()),
        ..Principal::new(name, PrincipalKind::Root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s() -> Scenario {
        crate::builtin("cloudtrail-sse-kms")
            .unwrap()
            .scenario()
            .unwrap()
    }

    #[test]
    fn every_kind_of_principal_comes_from_its_arn() {
        let s = s();
        let p = principals_from_arn(&s, " arn:aws:iam::777788889999:role/audit/Auditor ").unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(
            (p[0].name.as_str(), p[0].kind),
            ("Auditor", PrincipalKind::Role)
        );
        assert_eq!(p[0].account.as_deref(), Some("777788889999"));
        let u = principals_from_arn(&s, "arn:aws:iam::123456789012:user/alice").unwrap();
        assert_eq!(u[0].account, None, "the home account is left implicit");
        let session =
            principals_from_arn(&s, "arn:aws:sts::777788889999:assumed-role/Auditor/alice")
                .unwrap();
        assert_eq!(session.len(), 2);
        assert_eq!(session[1].role.as_deref(), Some("Auditor"));
        assert_eq!(session[1].session.as_deref(), Some("alice"));
        // The session of a role the scenario has brings only the session.
        let mine =
            principals_from_arn(&s, "arn:aws:sts::123456789012:assumed-role/Role1/ops").unwrap();
        assert_eq!(mine.len(), 1);
        let root = principals_from_arn(&s, "777788889999").unwrap();
        assert_eq!(
            (root[0].name.as_str(), root[0].kind),
            ("root-777788889999", PrincipalKind::Root)
        );
        let svc = principals_from_arn(&s, "logs.amazonaws.com").unwrap();
        assert_eq!(svc[0].service.as_deref(), Some("logs.amazonaws.com"));
        // Each result makes a valid scenario.
        for text in [
            "arn:aws:iam::777788889999:role/audit/Auditor",
            "arn:aws:sts::777788889999:assumed-role/Auditor/alice",
            "777788889999",
            "logs.amazonaws.com",
        ] {
            let mut t = s.clone();
            t.principals.extend(principals_from_arn(&s, text).unwrap());
            assert_eq!(t.validate(), Ok(()), "{text}");
        }
    }

    #[test]
    fn what_is_not_a_principal_says_why() {
        let s = s();
        for (text, why) in [
            ("Auditor", "is not an IAM user, role, session or root ARN"),
            ("arn:aws:s3:::bucket", "names no 12-digit account"),
            ("arn:aws:iam::123:role/X", "names no 12-digit account"),
            (
                "arn:aws:iam::123456789012:policy/X",
                "is not an IAM user, role",
            ),
            ("arn:aws:iam::123456789012:user/user1", "already has user1"),
            (
                "arn:aws:iam::777788889999:user/user1",
                "already has a principal named \"user1\"",
            ),
            (
                "cloudtrail.amazonaws.com",
                "already has cloudtrail.amazonaws.com",
            ),
        ] {
            let e = principals_from_arn(&s, text).unwrap_err();
            assert!(e.contains(why), "{text}: {e}");
        }
    }
}
