//! Building a scenario up: the blank scenario, and adding a flow bound to the
//! scenario's own resources.
//!
//! A new flow starts from the built-in scenario that follows its write-up:
//! that scenario is moved into this scenario's account and Region with the
//! rename refactoring, its buckets and keys are bound (in order) to the ones
//! the scenario already has, principals of the same name and kind are shared,
//! and everything else is added under names that are free. The policies that
//! come along are the write-ups' own, with the names rewritten.

use crate::edit::unique_name;
use crate::flows::FlowKind;
use crate::rename::{Target, rename, replace_key_refs};
use crate::scenario::Scenario;

/// The empty scenario "start blank" opens: an account and a Region, nothing
/// else. It is valid, and every flow can be added to it.
pub fn blank() -> Scenario {
    Scenario {
        name: "blank".into(),
        title: "Blank scenario".into(),
        description: String::new(),
        // The example account ID of the AWS documentation.
        account: "111122223333".into(),
        region: "us-east-1".into(),
        settings: Default::default(),
        principals: Vec::new(),
        keys: Vec::new(),
        buckets: Vec::new(),
        load_balancers: Vec::new(),
        trails: Vec::new(),
        parameters: Vec::new(),
        scps: Vec::new(),
        flows: Vec::new(),
        expectations: Vec::new(),
    }
}

/// The built-in scenario each flow starts from (the test-only probe has none).
pub fn template(kind: FlowKind) -> Option<&'static str> {
    Some(match kind {
        FlowKind::AlbAccessLogs => "alb-logs-cmk",
        FlowKind::CloudtrailSseKms => "cloudtrail-sse-kms",
        FlowKind::SsmSecurestring => "ssm-securestring-cmk",
        FlowKind::S3EncryptInUse => "s3-encrypt-in-use-bucket",
        #[cfg(test)]
        FlowKind::Probe => return None,
    })
}

/// A name of the form the kind accepts that nothing uses yet.
fn temporary(kind: &str, i: usize) -> String {
    match kind {
        "principal" => format!("kfTmp{i}"),
        "alias" => format!("alias/kf-tmp-{i}"),
        _ => format!("kf-tmp-{i}"),
    }
}

/// Renames each `(target, final name)` in two passes, through temporary
/// names, so that no rename collides with a name another one frees.
fn place(
    t: &mut Scenario,
    kind: &str,
    make: fn(String) -> Target,
    plan: Vec<(String, String)>,
) -> Result<(), String> {
    for (i, (from, _)) in plan.iter().enumerate() {
        *t = rename(t, &make(from.clone()), &temporary(kind, i))
            .map_err(|e| e.to_string())?
            .scenario;
    }
    for (i, (_, to)) in plan.iter().enumerate() {
        *t = rename(t, &make(temporary(kind, i)), to)
            .map_err(|e| e.to_string())?
            .scenario;
    }
    Ok(())
}

/// `s` with a flow of `kind` added, bound to its resources where it has them.
pub fn add_flow(s: &Scenario, kind: FlowKind) -> Result<Scenario, String> {
    let name = template(kind).ok_or_else(|| format!("no write-up to start a {kind} flow from"))?;
    let mut t = crate::builtin(name)
        .ok_or_else(|| format!("no built-in scenario {name}"))?
        .scenario()
        .map_err(|e| e.to_string())?;
    t.flows.truncate(1);
    t.expectations.clear();
    let moved = |t: &Scenario, target: Target, to: &str| {
        rename(t, &target, to)
            .map(|r| r.scenario)
            .map_err(|e| e.to_string())
    };
    if t.account != s.account {
        t = moved(&t, Target::Account(t.account.clone()), &s.account)?;
    }
    if t.region != s.region {
        t = moved(&t, Target::Region, &s.region)?;
    }

    // Buckets: the first template bucket becomes the scenario's first, and so on.
    let mut taken: Vec<String> = s.buckets.iter().map(|b| b.name.clone()).collect();
    let mut bound_buckets = Vec::new();
    let mut plan = Vec::new();
    for (i, b) in t.buckets.iter().enumerate() {
        let to = match s.buckets.get(i) {
            Some(own) => {
                bound_buckets.push(own.name.clone());
                own.name.clone()
            }
            None => unique_name(&b.name, |n| taken.iter().any(|x| x == n)),
        };
        taken.push(to.clone());
        plan.push((b.name.clone(), to));
    }
    place(&mut t, "bucket", Target::Bucket, plan)?;

    // Keys: bound by position too; a bound key takes the scenario key's first alias.
    let mut bound_keys = Vec::new();
    let mut plan = Vec::new();
    let mut alias_plan = Vec::new();
    let mut taken: Vec<String> = s.keys.iter().map(|k| k.id.clone()).collect();
    let mut aliases_taken: Vec<String> = s.keys.iter().flat_map(|k| k.aliases.clone()).collect();
    let mut dropped_aliases = Vec::new();
    for (i, k) in t.keys.iter().enumerate() {
        match s.keys.get(i) {
            Some(own) => {
                bound_keys.push(own.id.clone());
                plan.push((k.id.clone(), own.id.clone()));
                for (j, a) in k.aliases.iter().enumerate() {
                    match own.aliases.get(j) {
                        Some(mine) => alias_plan.push((a.clone(), mine.clone())),
                        None => dropped_aliases.push((a.clone(), own.id.clone())),
                    }
                }
            }
            None => {
                let id = unique_name(&k.id, |n| taken.iter().any(|x| x == n));
                taken.push(id.clone());
                plan.push((k.id.clone(), id));
                for a in &k.aliases {
                    let to = unique_name(a, |n| aliases_taken.iter().any(|x| x == n));
                    aliases_taken.push(to.clone());
                    alias_plan.push((a.clone(), to));
                }
            }
        }
    }
    place(&mut t, "key", Target::KeyId, plan)?;
    // Aliases the scenario's key lacks: refer to that key by its ID instead.
    for (alias, id) in &dropped_aliases {
        replace_key_refs(&mut t, alias, id);
        for k in &mut t.keys {
            k.aliases.retain(|a| a != alias);
        }
    }
    place(&mut t, "alias", Target::KeyAlias, alias_plan)?;

    // Principals: shared when the scenario has one of the same name and kind.
    let mut bound_principals = Vec::new();
    let mut plan = Vec::new();
    let mut taken: Vec<String> = s.principals.iter().map(|p| p.name.clone()).collect();
    for p in &t.principals {
        match s.principals.iter().find(|q| q.name == p.name) {
            Some(q) if q.kind == p.kind && q.account == p.account => {
                bound_principals.push(p.name.clone());
            }
            _ => {
                let to = unique_name(&p.name, |n| taken.iter().any(|x| x == n));
                taken.push(to.clone());
                plan.push((p.name.clone(), to));
            }
        }
    }
    place(&mut t, "principal", Target::Principal, plan)?;

    // Load balancers, trails and parameters are always new.
    let fresh = |own: Vec<&String>, theirs: Vec<&String>| -> Vec<(String, String)> {
        let mut taken: Vec<String> = own.into_iter().cloned().collect();
        theirs
            .into_iter()
            .map(|n| {
                let to = unique_name(n, |x| taken.iter().any(|y| y == x));
                taken.push(to.clone());
                (n.clone(), to)
            })
            .collect()
    };
    let plan = fresh(
        s.load_balancers.iter().map(|x| &x.name).collect(),
        t.load_balancers.iter().map(|x| &x.name).collect(),
    );
    place(&mut t, "lb", Target::LoadBalancer, plan)?;
    let plan = fresh(
        s.trails.iter().map(|x| &x.name).collect(),
        t.trails.iter().map(|x| &x.name).collect(),
    );
    place(&mut t, "trail", Target::Trail, plan)?;
    let plan = fresh(
        s.parameters.iter().map(|x| &x.name).collect(),
        t.parameters.iter().map(|x| &x.name).collect(),
    );
    place(&mut t, "parameter", Target::Parameter, plan)?;

    let mut out = s.clone();
    out.principals.extend(
        t.principals
            .into_iter()
            .filter(|p| !bound_principals.contains(&p.name)),
    );
    out.keys
        .extend(t.keys.into_iter().filter(|k| !bound_keys.contains(&k.id)));
    out.buckets.extend(
        t.buckets
            .into_iter()
            .filter(|b| !bound_buckets.contains(&b.name)),
    );
    out.load_balancers.extend(t.load_balancers);
    out.trails.extend(t.trails);
    out.parameters.extend(t.parameters);
    for mut flow in t.flows {
        let id = flow.id().to_string();
        if out.flows.iter().any(|f| f.id() == id) {
            flow.id = Some(unique_name(&id, |n| out.flows.iter().any(|f| f.id() == n)));
        }
        out.flows.push(flow);
    }
    out.validate().map_err(|e| e.to_string())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Outcome, run};

    #[test]
    fn blank_is_valid_and_runs_nothing() {
        let b = blank();
        assert_eq!(b.validate(), Ok(()));
        let r = run(&b);
        assert!(r.flows.is_empty());
        assert_eq!(Scenario::from_canonical_json(&b.to_canonical_json()), Ok(b));
    }

    #[test]
    fn every_flow_can_be_added_to_blank_and_runs_like_its_write_up() {
        for &kind in FlowKind::ALL {
            let Some(template) = template(kind) else {
                continue;
            };
            let mut b = blank();
            b.account = "123456789012".into();
            let s = add_flow(&b, kind).unwrap();
            assert_eq!(s.flows.len(), 1, "{kind}");
            assert_eq!(s.account, "123456789012");
            assert!(
                !s.to_json_pretty().contains("111122223333"),
                "{kind}: old account left"
            );
            // Same steps and outcomes as the built-in it comes from.
            let from = crate::builtin(template).unwrap().scenario().unwrap();
            let ours = run(&s);
            let theirs = run(&from);
            let steps = |r: &crate::Report| -> Vec<(String, Outcome)> {
                r.flows[0]
                    .steps
                    .iter()
                    .map(|x| (x.id.clone(), x.outcome))
                    .collect()
            };
            assert_eq!(steps(&ours), steps(&theirs), "{kind}");
        }
    }

    #[test]
    fn a_flow_binds_to_the_buckets_and_keys_the_scenario_has() {
        let base = crate::builtin("ssm-securestring-cmk")
            .unwrap()
            .scenario()
            .unwrap();
        // A bucket of the user's own, then the CloudTrail flow.
        let mut s = base.clone();
        s.buckets
            .push(crate::Bucket::new("my-trail-logs-111122223333"));
        let out = add_flow(&s, FlowKind::CloudtrailSseKms).unwrap();
        assert_eq!(out.buckets.len(), 1, "no second bucket");
        assert_eq!(out.trails[0].bucket, "my-trail-logs-111122223333");
        assert_eq!(out.keys.len(), 1, "the flow uses the scenario's key");
        let ct = out.flows.last().unwrap();
        let key = ct
            .params
            .refs()
            .into_iter()
            .find(|r| r.field == "key")
            .unwrap();
        assert_eq!(out.resolve_key(&key.name), Some(crate::KeyRef::Customer(0)));
        // The user's bucket has no CloudTrail policy yet: AWS refuses the trail update.
        let r = run(&out);
        let step = r.flows.last().unwrap().step("update-trail").unwrap();
        assert_eq!(step.outcome, Outcome::Error);
        // Adding the same flow twice gives two flows with their own ids and resources.
        let twice = add_flow(&out, FlowKind::CloudtrailSseKms).unwrap();
        assert_eq!(twice.flows.len(), out.flows.len() + 1);
        assert_eq!(twice.trails.len(), 2);
        let ids: Vec<&str> = twice.flows.iter().map(|f| f.id()).collect();
        assert!(
            ids.contains(&"cloudtrail") && ids.contains(&"cloudtrail-2"),
            "{ids:?}"
        );
    }
}
