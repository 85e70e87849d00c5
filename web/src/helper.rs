//! The on-demand helper: work the page needs rarely and that would weigh on
//! the first load — the rename refactoring, adding a flow from its write-up,
//! writing (and re-opening) a share link — runs in a Web Worker built from
//! `src/helper_main.rs` and fetched the first time it is needed.
//!
//! Requests and answers are text, fields separated by NUL (which serialized
//! JSON and share links never hold raw). This module is both ends: `request_*`
//! and `parse_*` run in the page, [`handle`] in the worker. All of it is pure
//! and tested natively.

use std::rc::Rc;

use keyflow_json::{Kind, Value};
use keyflow_sim::rename::{Change, Target};
use keyflow_sim::{FlowKind, Named, PolicyId, Scenario};

const SEP: char = '\0';

/// The scenario file format without indentation (what the helper reads).
pub fn compact_json(s: &Scenario) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

fn target_text(t: &Target) -> (&'static str, &str) {
    match t {
        Target::Account(n) => ("account", n),
        Target::Region => ("region", ""),
        Target::Principal(n) => ("principal", n),
        Target::PrincipalAccount(n) => ("principal-account", n),
        Target::Bucket(n) => ("bucket", n),
        Target::BucketAccount(n) => ("bucket-account", n),
        Target::KeyId(n) => ("key", n),
        Target::KeyAccount(n) => ("key-account", n),
        Target::KeyAlias(n) => ("alias", n),
        Target::LoadBalancer(n) => ("load-balancer", n),
        Target::Trail(n) => ("trail", n),
        Target::Parameter(n) => ("parameter", n),
    }
}

fn target_from(kind: &str, name: &str) -> Option<Target> {
    let n = name.to_string();
    Some(match kind {
        "account" => Target::Account(n),
        "region" => Target::Region,
        "principal" => Target::Principal(n),
        "principal-account" => Target::PrincipalAccount(n),
        "bucket" => Target::Bucket(n),
        "bucket-account" => Target::BucketAccount(n),
        "key" => Target::KeyId(n),
        "key-account" => Target::KeyAccount(n),
        "alias" => Target::KeyAlias(n),
        "load-balancer" => Target::LoadBalancer(n),
        "trail" => Target::Trail(n),
        "parameter" => Target::Parameter(n),
        _ => return None,
    })
}

pub fn request_rename(s: &Scenario, target: &Target, to: &str) -> String {
    let (kind, name) = target_text(target);
    ["rename", &compact_json(s), kind, name, to].join("\0")
}

pub fn request_add_flow(s: &Scenario, kind: FlowKind) -> String {
    ["add-flow", &compact_json(s), kind.as_str()].join("\0")
}

pub fn request_share(s: &Scenario, base: &str) -> String {
    ["share", &compact_json(s), base].join("\0")
}

fn ok(parts: &[&str]) -> String {
    let mut out = String::from("ok");
    for p in parts {
        out.push(SEP);
        out.push_str(p);
    }
    out
}

fn err(why: impl std::fmt::Display) -> String {
    format!("err{SEP}{why}")
}

/// The worker's side: one request in, one answer out.
pub fn handle(request: &str) -> String {
    let fields: Vec<&str> = request.split(SEP).collect();
    let scenario = |text: &str| Scenario::from_json(text).map_err(err);
    let answer = match fields.as_slice() {
        ["rename", json, kind, name, to] => (|| {
            let s = scenario(json)?;
            let target = target_from(kind, name).ok_or_else(|| err("unknown rename"))?;
            let r = keyflow_sim::rename::rename(&s, &target, to).map_err(err)?;
            let changes = serde_json::to_string(&r.changes).unwrap_or_default();
            let skipped: Vec<(String, String)> = r
                .skipped
                .iter()
                .map(|(id, why)| (id.to_string(), why.clone()))
                .collect();
            let skipped = serde_json::to_string(&skipped).unwrap_or_default();
            Ok(ok(&[&compact_json(&r.scenario), &changes, &skipped]))
        })(),
        ["add-flow", json, kind] => (|| {
            let s = scenario(json)?;
            let kind = FlowKind::from_name(kind).ok_or_else(|| err("unknown flow"))?;
            let out = keyflow_sim::compose::add_flow(&s, kind).map_err(err)?;
            Ok(ok(&[&compact_json(&out)]))
        })(),
        ["share", json, base] => (|| {
            let s = scenario(json)?;
            let url = keyflow_share::checked_url(&s, base).map_err(err)?;
            Ok(ok(&[&url]))
        })(),
        _ => Err(err("unknown request")),
    };
    answer.unwrap_or_else(|e| e)
}

/// An answer's fields: `Ok(fields)` or `Err(why)`.
fn fields(answer: &str) -> Result<Vec<&str>, String> {
    match answer.split_once(SEP) {
        Some(("ok", rest)) => Ok(rest.split(SEP).collect()),
        Some(("err", why)) => Err(why.to_string()),
        _ => Err("the helper gave no answer".into()),
    }
}

/// A scenario the helper wrote.
fn scenario_of(json: &str) -> Result<Scenario, String> {
    Scenario::from_json(json).map_err(|e| e.to_string())
}

/// What a rename would change, ready to apply.
#[derive(Clone, Debug, PartialEq)]
pub struct RenamePreview {
    pub target: Target,
    pub to: String,
    pub scenario: Rc<Scenario>,
    pub changes: Rc<Vec<Change>>,
    /// Policies left as they are (id, why).
    pub skipped: Vec<(String, String)>,
}

fn str_of<'a>(v: &'a Value<'_>, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn num_of(v: &Value<'_>, key: &str) -> u32 {
    match v.get(key).map(|x| &x.kind) {
        Some(Kind::Number(n)) => n.parse().unwrap_or(0),
        _ => 0,
    }
}

pub fn parse_rename(target: Target, to: &str, answer: &str) -> Result<RenamePreview, String> {
    let f = fields(answer)?;
    let [json, changes, skipped] = f.as_slice() else {
        return Err("the helper's answer is incomplete".into());
    };
    let scenario = scenario_of(json)?;
    let list = keyflow_json::parse(changes).map_err(|e| e.kind.to_string())?;
    let changes = list
        .as_array()
        .unwrap_or_default()
        .iter()
        .map(|c| Change {
            field: str_of(c, "field").to_string(),
            policy: c
                .get("policy")
                .and_then(Value::as_str)
                .and_then(|p| p.parse::<PolicyId>().ok()),
            line: num_of(c, "line"),
            column: num_of(c, "column"),
            before: str_of(c, "before").to_string(),
            after: str_of(c, "after").to_string(),
        })
        .collect();
    let skipped = keyflow_json::parse(skipped)
        .ok()
        .and_then(|v| {
            v.as_array().map(|items| {
                items
                    .iter()
                    .filter_map(|pair| match pair.as_array()? {
                        [a, b] => Some((a.as_str()?.to_string(), b.as_str()?.to_string())),
                        _ => None,
                    })
                    .collect()
            })
        })
        .unwrap_or_default();
    Ok(RenamePreview {
        target,
        to: to.to_string(),
        scenario: Rc::new(scenario),
        changes: Rc::new(changes),
        skipped,
    })
}

pub fn parse_scenario(answer: &str) -> Result<Scenario, String> {
    match fields(answer)?.as_slice() {
        [json] => scenario_of(json),
        _ => Err("the helper's answer is incomplete".into()),
    }
}

pub fn parse_link(answer: &str) -> Result<String, String> {
    match fields(answer)?.as_slice() {
        [url] => Ok(url.to_string()),
        _ => Err("the helper's answer is incomplete".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin(name: &str) -> Scenario {
        keyflow_sim::builtin(name).unwrap().scenario().unwrap()
    }

    #[test]
    fn a_rename_goes_there_and_back() {
        let s = builtin("alb-logs-cmk");
        let target = Target::Bucket("test-alb-access-logs".into());
        let answer = handle(&request_rename(&s, &target, "my-alb-logs-123456789012"));
        let p = parse_rename(target.clone(), "my-alb-logs-123456789012", &answer).unwrap();
        assert_eq!(p.scenario.buckets[0].name, "my-alb-logs-123456789012");
        let direct = keyflow_sim::rename::rename(&s, &target, "my-alb-logs-123456789012").unwrap();
        assert_eq!(*p.changes, direct.changes);
        assert_eq!(*p.scenario, direct.scenario);
        // A refused rename says why.
        let answer = handle(&request_rename(&s, &Target::Account(s.account.clone()), "12345"));
        assert_eq!(
            parse_rename(target, "12345", &answer).unwrap_err(),
            "\"12345\" is not a 12-digit account ID"
        );
    }

    #[test]
    fn a_flow_is_added_and_a_link_is_checked() {
        let blank = keyflow_sim::compose::blank();
        let s = parse_scenario(&handle(&request_add_flow(&blank, FlowKind::SsmSecurestring))).unwrap();
        assert_eq!(s.flows.len(), 1);
        let url = parse_link(&handle(&request_share(&s, "https://x.test/k/"))).unwrap();
        assert!(url.starts_with("https://x.test/k/#s=2."));
        assert_eq!(keyflow_share::decode(&url), Ok(s.clone()));
        // An unopenable scenario gets no link, only the reason.
        let mut broken = s.clone();
        broken.principals.clear();
        let why = parse_link(&handle(&request_share(&broken, "https://x.test/"))).unwrap_err();
        assert!(why.contains("unknown principal"), "{why}");
        assert_eq!(parse_link("garbage"), Err("the helper gave no answer".into()));
    }
}
