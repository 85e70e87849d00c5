//! Cross-references inside a scenario: every name a field mentions must exist.

use std::collections::{HashMap, HashSet};

use super::{Expectation, PrincipalKind, Scenario, ScenarioError};
use crate::flows::RefKind;

fn account_ok(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

fn check_account(path: &str, id: &str) -> Result<(), ScenarioError> {
    if account_ok(id) {
        Ok(())
    } else {
        Err(ScenarioError::new(
            path,
            format!("\"{id}\" is not a 12-digit account ID"),
        ))
    }
}

fn unique<'a>(
    path_of: impl Fn(usize) -> String,
    names: impl Iterator<Item = &'a str>,
    what: &str,
) -> Result<(), ScenarioError> {
    let mut seen = HashSet::new();
    for (i, n) in names.enumerate() {
        if !seen.insert(n) {
            return Err(ScenarioError::new(
                &path_of(i),
                format!("duplicate {what} \"{n}\""),
            ));
        }
    }
    Ok(())
}

fn key_ref(s: &Scenario, path: &str, reference: &str) -> Result<(), ScenarioError> {
    s.resolve_key(reference)
        .map(|_| ())
        .ok_or_else(|| ScenarioError::new(path, format!("unknown key \"{reference}\"")))
}

fn bucket_ref(s: &Scenario, path: &str, name: &str) -> Result<(), ScenarioError> {
    if s.buckets.iter().any(|b| b.name == name) {
        Ok(())
    } else {
        Err(ScenarioError::new(
            path,
            format!("unknown bucket \"{name}\""),
        ))
    }
}

fn principal_ref(s: &Scenario, path: &str, name: &str) -> Result<(), ScenarioError> {
    if s.principals.iter().any(|p| p.name == name) {
        Ok(())
    } else {
        Err(ScenarioError::new(
            path,
            format!("unknown principal \"{name}\""),
        ))
    }
}

pub fn check(s: &Scenario) -> Result<(), ScenarioError> {
    check_account("account", &s.account)?;
    unique(
        |i| format!("principals[{i}].name"),
        s.principals.iter().map(|p| p.name.as_str()),
        "principal",
    )?;
    unique(
        |i| format!("keys[{i}].id"),
        s.keys.iter().map(|k| k.id.as_str()),
        "key",
    )?;
    unique(
        |i| format!("buckets[{i}].name"),
        s.buckets.iter().map(|b| b.name.as_str()),
        "bucket",
    )?;
    unique(
        |i| format!("load_balancers[{i}].name"),
        s.load_balancers.iter().map(|b| b.name.as_str()),
        "load balancer",
    )?;
    unique(
        |i| format!("trails[{i}].name"),
        s.trails.iter().map(|t| t.name.as_str()),
        "trail",
    )?;
    unique(
        |i| format!("parameters[{i}].name"),
        s.parameters.iter().map(|p| p.name.as_str()),
        "parameter",
    )?;
    unique(
        |i| format!("flows[{i}].id"),
        s.flows.iter().map(|f| f.id()),
        "flow id",
    )?;

    for (i, p) in s.principals.iter().enumerate() {
        let at = |f: &str| format!("principals[{i}].{f}");
        // Policy ids and check ids use `/` and `:` as separators.
        if p.name.contains(['/', ':']) {
            return Err(ScenarioError::new(
                &at("name"),
                format!(
                    "\"{}\" is not a principal name: it must not contain \"/\" or \":\"",
                    p.name
                ),
            ));
        }
        if let Some(a) = &p.account {
            check_account(&at("account"), a)?;
        }
        match p.kind {
            PrincipalKind::AssumedRole => {
                let Some(role) = &p.role else {
                    return Err(ScenarioError::new(
                        &at("role"),
                        "an assumed-role principal names its role",
                    ));
                };
                if !s
                    .principals
                    .iter()
                    .any(|r| &r.name == role && r.kind == PrincipalKind::Role)
                {
                    return Err(ScenarioError::new(
                        &at("role"),
                        format!("unknown role \"{role}\""),
                    ));
                }
                if p.session.is_none() {
                    return Err(ScenarioError::new(
                        &at("session"),
                        "an assumed-role principal needs a session name",
                    ));
                }
                if !p.policies.is_empty() {
                    return Err(ScenarioError::new(
                        &at("policies"),
                        "a role session uses its role's policies",
                    ));
                }
            }
            PrincipalKind::Service => {
                if p.service.is_none() {
                    return Err(ScenarioError::new(
                        &at("service"),
                        "a service principal needs \"service\"",
                    ));
                }
                if !p.policies.is_empty() {
                    return Err(ScenarioError::new(
                        &at("policies"),
                        "service principals have no identity policies",
                    ));
                }
            }
            _ => {}
        }
        if p.trust_policy.is_some() && p.kind != PrincipalKind::Role {
            return Err(ScenarioError::new(
                &at("trust_policy"),
                "only roles have a trust policy",
            ));
        }
    }
    // How many keys carry each alias, counted once up front: scanning every key
    // for every alias is quadratic, and a pasted scenario may list many aliases.
    let mut owners: HashMap<&str, usize> = HashMap::new();
    for k in &s.keys {
        let mut own = HashSet::new();
        for a in &k.aliases {
            if own.insert(a.as_str()) {
                *owners.entry(a.as_str()).or_default() += 1;
            }
        }
    }
    for (i, k) in s.keys.iter().enumerate() {
        if k.id.contains('/') {
            return Err(ScenarioError::new(
                &format!("keys[{i}].id"),
                format!("\"{}\" is not a key ID: it must not contain \"/\"", k.id),
            ));
        }
        if let Some(a) = &k.account {
            check_account(&format!("keys[{i}].account"), a)?;
        }
        for (j, a) in k.aliases.iter().enumerate() {
            let path = format!("keys[{i}].aliases[{j}]");
            if !a.starts_with("alias/") || a.len() <= "alias/".len() {
                return Err(ScenarioError::new(
                    &path,
                    format!("alias \"{a}\" must start with \"alias/\""),
                ));
            }
            if a.starts_with("alias/aws/") {
                return Err(ScenarioError::new(
                    &path,
                    "the alias/aws/ prefix is reserved for AWS managed keys",
                ));
            }
            if owners.get(a.as_str()).copied().unwrap_or(0) > 1 {
                return Err(ScenarioError::new(
                    &path,
                    format!("alias \"{a}\" names more than one key"),
                ));
            }
        }
    }
    for (i, b) in s.buckets.iter().enumerate() {
        if let Some(a) = &b.account {
            check_account(&format!("buckets[{i}].account"), a)?;
        }
        if let Some(k) = &b.default_encryption.key {
            key_ref(s, &format!("buckets[{i}].default_encryption.key"), k)?;
        }
        for (j, o) in b.objects.iter().enumerate() {
            if let Some(k) = &o.kms_key {
                key_ref(s, &format!("buckets[{i}].objects[{j}].kms_key"), k)?;
            }
        }
    }
    for (i, lb) in s.load_balancers.iter().enumerate() {
        bucket_ref(
            s,
            &format!("load_balancers[{i}].access_logs.bucket"),
            &lb.access_logs.bucket,
        )?;
    }
    for (i, t) in s.trails.iter().enumerate() {
        bucket_ref(s, &format!("trails[{i}].bucket"), &t.bucket)?;
        if let Some(k) = &t.kms_key {
            key_ref(s, &format!("trails[{i}].kms_key"), k)?;
        }
    }
    for (i, p) in s.parameters.iter().enumerate() {
        if let Some(k) = &p.key {
            key_ref(s, &format!("parameters[{i}].key"), k)?;
        }
    }
    for (i, f) in s.flows.iter().enumerate() {
        if f.id().contains('/') {
            return Err(ScenarioError::new(
                &format!("flows[{i}].id"),
                "a flow id must not contain \"/\"",
            ));
        }
        for r in f.params.refs() {
            let at = format!("flows[{i}].{}", r.field);
            let name = r.name.as_str();
            match r.kind {
                RefKind::Principal => principal_ref(s, &at, name)?,
                RefKind::Role => {
                    principal_ref(s, &at, name)?;
                    if !s
                        .principals
                        .iter()
                        .any(|p| p.name == name && p.kind == PrincipalKind::Role)
                    {
                        return Err(ScenarioError::new(&at, format!("\"{name}\" is not a role")));
                    }
                }
                RefKind::Key => key_ref(s, &at, name)?,
                RefKind::Bucket => bucket_ref(s, &at, name)?,
                RefKind::LoadBalancer => {
                    if !s.load_balancers.iter().any(|l| l.name == name) {
                        return Err(ScenarioError::new(
                            &at,
                            format!("unknown load balancer \"{name}\""),
                        ));
                    }
                }
                RefKind::Trail => {
                    if !s.trails.iter().any(|t| t.name == name) {
                        return Err(ScenarioError::new(&at, format!("unknown trail \"{name}\"")));
                    }
                }
                RefKind::Parameter => {
                    if !s.parameters.iter().any(|p| p.name == name) {
                        return Err(ScenarioError::new(
                            &at,
                            format!("unknown parameter \"{name}\""),
                        ));
                    }
                }
            }
        }
    }
    for (i, e) in s.expectations.iter().enumerate() {
        let at = |f: &str| format!("expectations[{i}].{f}");
        match e {
            Expectation::Step { flow, .. } | Expectation::Matrix { flow, .. } => {
                if !s.flows.iter().any(|f| f.id() == flow.as_str()) {
                    return Err(ScenarioError::new(
                        &at("flow"),
                        format!("unknown flow \"{flow}\""),
                    ));
                }
            }
            Expectation::Request { principal, .. } => {
                principal_ref(s, &at("principal"), principal)?;
            }
        }
        if let Expectation::Matrix { principal, .. } = e {
            principal_ref(s, &at("principal"), principal)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::Scenario;

    #[test]
    fn an_alias_on_two_keys_is_reported_where_it_first_appears() {
        let text = r#"{"account":"111122223333","region":"us-east-1","keys":[
            {"id":"k1","aliases":["alias/a","alias/shared"],"policy":"{}"},
            {"id":"k2","aliases":["alias/shared"],"policy":"{}"}]}"#;
        let e = Scenario::from_json(text).unwrap_err();
        assert_eq!(e.path, "keys[0].aliases[1]");
        assert_eq!(e.message, "alias \"alias/shared\" names more than one key");
        // The same alias twice on one key names one key.
        let once = r#"{"account":"111122223333","region":"us-east-1","keys":[
            {"id":"k1","aliases":["alias/a","alias/a"],"policy":"{}"}]}"#;
        assert!(Scenario::from_json(once).is_ok());
    }
}
