//! The on-demand helper: work that would weigh on the page's first load runs
//! in a Web Worker built from `src/helper_main.rs`, fetched the first time it
//! is needed (the first edit, a rename, a share link in the address bar):
//! the lints and name-mismatch findings the editors show (off the main
//! thread, so a 300 KB policy types smoothly), quick fixes, the rename
//! refactoring, adding a flow from its write-up, writing a share link and
//! opening one, taking CLI output or encoding off a pasted policy, importing
//! templates and plans, writing the scenario file for export; and the panels
//! (`panels`): "Fix it" for a failing step, the access view of a key or
//! bucket, the PutKeyPolicy lockout what-if.
//!
//! Requests and answers are text, fields separated by NUL (which serialized
//! JSON and share links never hold raw). This module is both ends: `request_*`
//! and `parse_*` run in the page, [`handle`] in the worker. All of it is pure
//! and tested natively.

use std::rc::Rc;

use keyflow_json::{Kind, Value};
use keyflow_sim::rename::{Change, Target};
use keyflow_sim::{FlowKind, Named, PolicyId, Scenario};

use crate::components::editor::{Mark, Severity};

mod panels;

const SEP: char = '\0';

/// A panel whose content comes from the helper (see `panels`); its number
/// is its place in `State::panels`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    /// "Fix it" for one step; `what` is `flow\0step`.
    Fix,
    /// Who can do what on one key (`key:ID`) or bucket (`bucket:NAME`).
    Access,
    /// The PutKeyPolicy what-if; `what` is `key-id\0caller`.
    Lockout,
}

/// A panel's answer: its element tree as JSON (`[tag, {attributes}, child…]`).
pub type Tree = Rc<str>;

/// Asks about `what` for one panel, of a scenario serialised by [`scenario_json`]
/// (or [`compact_json`]).
pub fn request_panel(panel: Panel, scenario_json: &str, what: &str) -> String {
    let verb = match panel {
        Panel::Fix => "fix-step",
        Panel::Access => "access",
        Panel::Lockout => "lockout",
    };
    [verb, scenario_json, what].join("\0")
}

/// Applies the candidate of rank `rank` (and title `title`) for the step
/// `what` (`flow\0step`).
pub fn request_apply_fix(s: &Scenario, what: &str, rank: &str, title: &str) -> String {
    ["apply-fix", &compact_json(s), what, rank, title].join("\0")
}

/// The scenario file format without indentation (what the helper reads).
pub fn compact_json(s: &Scenario) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

thread_local! {
    /// The marks of each policy of the last lint request, by kind and text ([`lint`]).
    static LINTED: std::cell::RefCell<Vec<(keyflow_policy::PolicyKind, String, serde_json::Value)>> =
        const { std::cell::RefCell::new(Vec::new()) };
    static LAST_JSON: std::cell::RefCell<Option<(std::rc::Weak<Scenario>, Rc<str>)>> =
        const { std::cell::RefCell::new(None) };
}

/// The page's scenario as [`compact_json`], serialised once: an edit sends the
/// same scenario to the helper twice (its lints, the lockout check) and keeps
/// it in localStorage, three serialisations of a 300 KB key policy per
/// keystroke before. Scenarios are never changed in place (a change is a new
/// `Rc`), and the cache holds a `Weak`, so its address cannot be reused by
/// another scenario while cached.
pub fn scenario_json(s: &Rc<Scenario>) -> Rc<str> {
    LAST_JSON.with(|last| {
        let mut last = last.borrow_mut();
        if let Some((of, json)) = last.as_ref()
            && std::ptr::eq(of.as_ptr(), Rc::as_ptr(s))
        {
            return Rc::clone(json);
        }
        let json: Rc<str> = compact_json(s).into();
        *last = Some((Rc::downgrade(s), Rc::clone(&json)));
        json
    })
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

/// What the compare view sets beside the scenario on screen.
pub enum CompareRequest<'a> {
    /// The i-th what-if of the scenario (before = now, after = changed).
    WhatIf(usize),
    /// A built-in as shipped (before = it, after = now).
    Builtin(&'a str),
    /// An earlier state (before = it, after = now).
    Earlier(&'a Scenario),
}

pub fn request_compare(s: &Scenario, with: CompareRequest<'_>) -> String {
    let now = compact_json(s);
    match with {
        CompareRequest::WhatIf(i) => ["compare", &now, &format!("w{i}")].join("\0"),
        CompareRequest::Builtin(name) => ["compare", &now, &format!("b{name}")].join("\0"),
        CompareRequest::Earlier(e) => ["compare", &now, "e", &compact_json(e)].join("\0"),
    }
}

/// Both runs and what flips between them, as the compare view lists it.
fn compare(now: &Scenario, choice: &str, earlier: Option<&str>) -> Result<String, String> {
    use serde_json::json;
    let what_ifs = keyflow_sim::what_ifs(now);
    let (before, after) = if let Some(i) = choice.strip_prefix('w') {
        let i: usize = i.parse().unwrap_or(0);
        let w = what_ifs
            .get(i)
            .or(what_ifs.first())
            .ok_or("nothing to try on this scenario")?;
        (
            keyflow_sim::run_flows(now),
            keyflow_sim::run_flows(&w.apply_to(now)),
        )
    } else if let Some(name) = choice.strip_prefix('b') {
        let b = keyflow_sim::builtin(name).ok_or("no such built-in")?;
        let s = b.scenario().map_err(|e| e.to_string())?;
        (keyflow_sim::run_flows(&s), keyflow_sim::run_flows(now))
    } else {
        let s = Scenario::from_json_unchecked(earlier.unwrap_or("")).map_err(|e| e.to_string())?;
        (keyflow_sim::run_flows(&s), keyflow_sim::run_flows(now))
    };
    let steps = keyflow_sim::diff(&before, &after);
    let state = |r: &keyflow_sim::Report, flow: &str, id: &str| {
        r.flow(flow).and_then(|f| f.step(id)).map(|s| {
            let (code, message) = s
                .error
                .as_ref()
                .map_or((String::new(), String::new()), |e| {
                    (e.code.clone(), e.message.clone())
                });
            json!([s.outcome.as_str(), code, message])
        })
    };
    let mut flows = Vec::new();
    let ids: Vec<&String> = after
        .flows
        .iter()
        .map(|f| &f.id)
        .chain(
            before
                .flows
                .iter()
                .map(|f| &f.id)
                .filter(|id| after.flow(id).is_none()),
        )
        .collect();
    for id in ids {
        let (fa, fb) = (after.flow(id), before.flow(id));
        let title = fa.or(fb).map(|f| f.title.clone()).unwrap_or_default();
        let mut rows = Vec::new();
        let mut seen: Vec<&String> = Vec::new();
        for st in fa.iter().chain(fb.iter()).flat_map(|f| f.steps.iter()) {
            if seen.contains(&&st.id) {
                continue;
            }
            seen.push(&st.id);
            let changed = steps.iter().any(|d| &d.flow == id && d.step == st.id);
            rows.push(json!([
                st.id,
                st.title,
                changed,
                state(&before, id, &st.id),
                state(&after, id, &st.id)
            ]));
        }
        flows.push(json!([id, title, rows]));
    }
    let verdict = |v: Option<keyflow_sim::Verdict>| match v {
        None => "—",
        Some(keyflow_sim::Verdict::Allowed) => "yes",
        Some(keyflow_sim::Verdict::NotEvaluated) => "not evaluated",
        Some(_) => "no",
    };
    let cells: Vec<serde_json::Value> = keyflow_sim::matrix_changes(&before, &after)
        .into_iter()
        .map(|c| {
            json!([
                c.flow,
                c.principal,
                c.column,
                verdict(c.before),
                verdict(c.after)
            ])
        })
        .collect();
    let decisions: Vec<String> = steps
        .iter()
        .flat_map(|d| d.decisions.iter().map(move |x| format!("{}: {x}", d.step)))
        .collect();
    let labels: Vec<&str> = what_ifs.iter().map(|w| w.label.as_str()).collect();
    Ok(
        json!({"what_ifs": labels, "flows": flows, "cells": cells, "decisions": decisions})
            .to_string(),
    )
}

/// One step in both runs, before and after.
#[derive(Clone, Debug, PartialEq)]
pub struct StepRow {
    pub id: String,
    pub title: String,
    pub changed: bool,
    pub before: Option<StepSide>,
    pub after: Option<StepSide>,
}

/// How a step ended in one run: its outcome and AWS error (code, message).
#[derive(Clone, Debug, PartialEq)]
pub struct StepSide {
    pub outcome: keyflow_sim::Outcome,
    pub code: String,
    pub message: String,
}

fn step_side(v: &Value<'_>) -> Option<StepSide> {
    let [outcome, code, message] = strings(v)?;
    Some(StepSide {
        outcome: keyflow_sim::Named::from_name(&outcome)?,
        code,
        message,
    })
}

/// The compare view's tables, from the helper.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Compared {
    pub what_ifs: Vec<String>,
    /// Flow id, title, rows.
    pub flows: Vec<(String, String, Vec<StepRow>)>,
    /// Flow, principal, column, before, after.
    pub cells: Vec<[String; 5]>,
    pub decisions: Vec<String>,
}

fn strings<const N: usize>(v: &Value<'_>) -> Option<[String; N]> {
    let items = v.as_array()?;
    let mut out: [String; N] = std::array::from_fn(|_| String::new());
    for (slot, item) in out.iter_mut().zip(items) {
        *slot = item.as_str()?.to_string();
    }
    (items.len() == N).then_some(out)
}

pub fn parse_compare(answer: &str) -> Result<Compared, String> {
    let f = fields(answer)?;
    let v = keyflow_json::parse(f.first().ok_or("the helper's answer is incomplete")?)
        .map_err(|e| e.kind.to_string())?;
    let list = |key: &str| v.get(key).and_then(Value::as_array).unwrap_or_default();
    let text = |x: &Value<'_>| x.as_str().unwrap_or("").to_string();
    let flows = list("flows")
        .iter()
        .filter_map(|f| {
            let [id, title, rows] = f.as_array()? else {
                return None;
            };
            let rows = rows
                .as_array()?
                .iter()
                .filter_map(|r| {
                    let [id, title, changed, before, after] = r.as_array()? else {
                        return None;
                    };
                    Some(StepRow {
                        id: text(id),
                        title: text(title),
                        changed: matches!(changed.kind, Kind::Bool(true)),
                        before: step_side(before),
                        after: step_side(after),
                    })
                })
                .collect();
            Some((text(id), text(title), rows))
        })
        .collect();
    Ok(Compared {
        what_ifs: list("what_ifs").iter().map(text).collect(),
        flows,
        cells: list("cells").iter().filter_map(strings).collect(),
        decisions: list("decisions").iter().map(text).collect(),
    })
}

pub fn request_add_principal(s: &Scenario, arn: &str) -> String {
    ["add-principal", &compact_json(s), arn].join("\0")
}

pub fn request_lint(s: &Scenario) -> String {
    request_lint_json(&compact_json(s))
}

/// [`request_lint`] for a scenario already serialised ([`scenario_json`]).
pub fn request_lint_json(scenario_json: &str) -> String {
    ["lint", scenario_json].join("\0")
}

pub fn request_open(link: &str) -> String {
    ["open", link].join("\0")
}

/// Whether a policy editor's text may be a wrapper (`aws kms get-key-policy`
/// output, URL-encoded, YAML, a JSON string) worth asking the helper about:
/// text that is not a JSON object, or an object with a `Policy`,
/// `PolicyVersion` or `PolicyDocument` member and no `Statement`. A policy
/// being typed holds no `"Policy…` key, so it costs one substring search.
pub fn worth_unwrapping(text: &str) -> bool {
    let t = text.trim_start();
    if !t.starts_with('{') {
        return !t.is_empty();
    }
    if !t.contains("\"Policy") {
        return false;
    }
    let keys = top_keys(t);
    !keys.contains(&"Statement")
        && keys
            .iter()
            .any(|k| matches!(*k, "Policy" | "PolicyVersion" | "PolicyDocument"))
}

/// The member names of a JSON text's outer object, by a scan that tracks
/// only nesting and strings (the page links no second JSON reader for this).
fn top_keys(t: &str) -> Vec<&str> {
    let b = t.as_bytes();
    let (mut keys, mut depth, mut want_key, mut i) = (Vec::new(), 0u32, false, 0);
    while let Some(&c) = b.get(i) {
        match c {
            b'{' | b'[' => {
                depth += 1;
                want_key = depth == 1;
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            b',' => want_key = depth == 1,
            b'"' => {
                let start = i + 1;
                i += 1;
                while let Some(&c) = b.get(i) {
                    match c {
                        b'\\' => i += 1,
                        b'"' => break,
                        _ => {}
                    }
                    i += 1;
                }
                if want_key {
                    keys.push(t.get(start..i).unwrap_or(""));
                    want_key = false;
                }
            }
            _ => {}
        }
        i += 1;
    }
    keys
}

/// The text with NUL (the protocol's separator) spelled as U+FFFD.
fn field(text: &str) -> String {
    text.replace(SEP, "\u{fffd}")
}

pub fn request_unwrap(text: &str) -> String {
    ["unwrap", &field(text)].join("\0")
}

/// The policy inside a pasted wrapper and what was taken off, or `None`.
pub fn parse_unwrap(answer: &str) -> Result<Option<(String, String)>, String> {
    match fields(answer)?.as_slice() {
        [_, ""] => Ok(None),
        [text, what] => Ok(Some((text.to_string(), what.to_string()))),
        _ => Err("the helper's answer is incomplete".into()),
    }
}

/// Files to import (name, text), and the account and Region to use (empty:
/// found in the input or a placeholder).
pub fn request_import(files: &[(String, String)], account: &str, region: &str) -> String {
    let mut parts = vec!["import".to_string(), field(account), field(region)];
    for (name, text) in files {
        parts.push(field(name));
        parts.push(field(text));
    }
    parts.join("\0")
}

/// The imported scenario (none when nothing could be read) and the
/// importer's findings, one `file:line:column: severity: message` a line.
pub fn parse_import(answer: &str) -> Result<(Option<Scenario>, String), String> {
    match fields(answer)?.as_slice() {
        [json, findings] => Ok((
            match *json {
                "" => None,
                json => Some(scenario_of(json)?),
            },
            findings.to_string(),
        )),
        _ => Err("the helper's answer is incomplete".into()),
    }
}

/// Runs the importer; the scenario is left out when nothing of it came from the input.
fn import(account: &str, region: &str, files: &[&str]) -> Result<String, String> {
    let sources: Vec<keyflow_import::Source<'_>> = files
        .chunks(2)
        .filter_map(|c| match c {
            [name, text] => Some(keyflow_import::Source { name, text }),
            _ => None,
        })
        .collect();
    if sources.is_empty() {
        return Err(err("nothing to import: paste a template or choose files"));
    }
    // A Keyflow scenario file (`keyflow import` output, an export) opens as it is.
    if let [one] = sources.as_slice()
        && let Ok(s) = Scenario::from_json(one.text)
    {
        return Ok(ok(&[&compact_json(&s), ""]));
    }
    let given = |v: &str| (!v.trim().is_empty()).then(|| v.trim().to_string());
    let options = keyflow_import::ImportOptions {
        account: given(account),
        region: given(region),
    };
    let imported = keyflow_import::import(&sources, &options);
    let s = Scenario::from_json(&imported.scenario).map_err(err)?;
    let empty =
        s.flows.is_empty() && s.keys.is_empty() && s.buckets.is_empty() && s.principals.is_empty();
    let json = if empty {
        String::new()
    } else {
        compact_json(&s)
    };
    let findings: Vec<String> = imported
        .findings
        .iter()
        .map(|f| f.to_string().replace(SEP, ""))
        .collect();
    Ok(ok(&[&json, &findings.join("\n")]))
}

/// The scenario file `keyflow run` reads, written by the helper (the pretty
/// printer stays out of the first load).
pub fn request_export(s: &Scenario) -> String {
    ["export", &compact_json(s)].join("\0")
}

/// The export's file name and text.
pub fn parse_export(answer: &str) -> Result<(String, String), String> {
    match fields(answer)?.as_slice() {
        [name, text] => Ok((name.to_string(), text.to_string())),
        _ => Err("the helper's answer is incomplete".into()),
    }
}

/// The file name of an export: the scenario's name with what file systems
/// refuse spelled as `-`.
pub fn export_name(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let safe = safe.trim_matches('.');
    format!(
        "{}.keyflow.json",
        if safe.is_empty() { "scenario" } else { safe }
    )
}

/// A quick fix is named by its finding (policy and offset) and its label, so
/// it applies to the scenario on screen even if other findings came and went.
pub fn request_fix(s: &Scenario, fix: &QuickFix) -> String {
    [
        "fix",
        &compact_json(s),
        &fix.policy.to_string(),
        &fix.start.to_string(),
        &fix.label,
    ]
    .join("\0")
}

/// A quick fix as the editor offers it.
#[derive(Clone, Debug, PartialEq)]
pub struct QuickFix {
    pub policy: PolicyId,
    pub start: u32,
    pub label: String,
}

fn severity_name(s: keyflow_policy::Severity) -> &'static str {
    match s {
        keyflow_policy::Severity::Error => "error",
        keyflow_policy::Severity::SecurityWarning | keyflow_policy::Severity::Warning => "warning",
        keyflow_policy::Severity::Suggestion => "info",
    }
}

/// The marks of one policy text as the lint answer carries them.
fn policy_marks(text: &str, kind: keyflow_policy::PolicyKind) -> serde_json::Value {
    let parsed = keyflow_policy::parse(text, kind);
    let lines = keyflow_policy::LineIndex::new(text);
    keyflow_policy::lint(&parsed, text, kind, keyflow_policy::ServiceData::full())
        .into_iter()
        .map(|d| {
            let at = lines.position(d.span.start);
            serde_json::json!([
                d.span.start,
                d.span.end,
                severity_name(d.severity),
                d.code.as_str(),
                d.message,
                d.help,
                at.line,
                at.column
            ])
        })
        .collect()
}

/// The lints of every policy and the scenario's findings, as JSON.
fn lint(s: &Scenario) -> String {
    use serde_json::json;
    // A policy's lints depend on its text and kind alone, and an edit changes
    // one policy: the others' marks are taken from the previous request's.
    let mut previous = LINTED.with(|l| std::mem::take(&mut *l.borrow_mut()));
    let mut linted = Vec::new();
    let policies: Vec<serde_json::Value> = s
        .policy_fields()
        .into_iter()
        .map(|f| {
            let kind = f.slot.kind();
            let marks = match previous
                .iter()
                .position(|(k, text, _)| *k == kind && *text == f.text)
            {
                Some(i) => previous.swap_remove(i).2,
                None => policy_marks(&f.text, kind),
            };
            let entry = json!([f.id.to_string(), marks.clone()]);
            linted.push((kind, f.text, marks));
            entry
        })
        .collect();
    LINTED.with(|l| *l.borrow_mut() = linted);
    let findings: Vec<serde_json::Value> = keyflow_sim::findings::findings(s)
        .into_iter()
        .map(|f| {
            let fixes: Vec<&str> = f.fixes.iter().map(|x| x.label.as_str()).collect();
            json!([
                f.policy.to_string(),
                f.start,
                f.end,
                "warning",
                f.code,
                f.message,
                null,
                f.line,
                f.column,
                fixes
            ])
        })
        .collect();
    json!({"policies": policies, "findings": findings}).to_string()
}

fn fix(s: &Scenario, policy: &str, start: &str, label: &str) -> Result<Scenario, String> {
    let found = keyflow_sim::findings::findings(s)
        .into_iter()
        .find(|f| f.policy.to_string() == policy && f.start.to_string() == start)
        .ok_or("the problem is gone")?;
    let fix = found
        .fixes
        .into_iter()
        .find(|x| x.label == label)
        .ok_or("the fix is gone")?;
    let mut out = s.clone();
    if !fix.apply(&mut out) {
        return Err(format!("\"{label}\" does not apply any more"));
    }
    Ok(out)
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
        // The page's own text: read without the cross-reference checks, so that
        // a scenario the checks refuse still gets its lints.
        ["lint", json] => Scenario::from_json_unchecked(json)
            .map(|s| ok(&[&lint(&s)]))
            .map_err(err),
        ["fix", json, policy, start, label] => (|| {
            let s = Scenario::from_json_unchecked(json).map_err(err)?;
            Ok(ok(&[&compact_json(
                &fix(&s, policy, start, label).map_err(err)?,
            )]))
        })(),
        ["compare", now, choice, rest @ ..] => (|| {
            let now = Scenario::from_json_unchecked(now).map_err(err)?;
            compare(&now, choice, rest.first().copied())
                .map(|json| ok(&[&json]))
                .map_err(err)
        })(),
        ["add-principal", json, arn] => (|| {
            let mut s = Scenario::from_json_unchecked(json).map_err(err)?;
            let list = keyflow_sim::principals_from_arn(&s, arn).map_err(err)?;
            if !keyflow_sim::edit::apply(&mut s, keyflow_sim::edit::Edit::AddPrincipals(list)) {
                return Err(err("the principal could not be added"));
            }
            Ok(ok(&[&compact_json(&s)]))
        })(),
        ["fix-step", json, flow, step] => (|| {
            let s = Scenario::from_json_unchecked(json).map_err(err)?;
            let f = keyflow_sim::fix_step(&s, flow, step).ok_or_else(|| err("the step is gone"))?;
            Ok(ok(&[&panels::fix_tree(&f).to_string()]))
        })(),
        ["apply-fix", json, flow, step, rank, title] => (|| {
            let s = Scenario::from_json_unchecked(json).map_err(err)?;
            let (fixed, label) = panels::apply_fix(&s, flow, step, rank, title).map_err(err)?;
            Ok(ok(&[&compact_json(&fixed), &label]))
        })(),
        ["access", json, what] => (|| {
            let s = Scenario::from_json_unchecked(json).map_err(err)?;
            let tree = panels::access_tree(&s, what).map_err(err)?;
            Ok(ok(&[&tree.to_string()]))
        })(),
        ["lockout", json, key, caller] => (|| {
            let s = Scenario::from_json_unchecked(json).map_err(err)?;
            let tree = panels::lockout_tree(&s, key, caller).map_err(err)?;
            Ok(ok(&[&tree.to_string()]))
        })(),
        ["unwrap", text] => Ok(match keyflow_import::unwrap_policy(text) {
            Some(u) => ok(&[&u.text, &u.describe()]),
            None => ok(&["", ""]),
        }),
        ["import", account, region, files @ ..] => import(account, region, files),
        ["export", json] => Scenario::from_json_unchecked(json)
            .map(|s| ok(&[&export_name(&s.name), &s.to_json_pretty()]))
            .map_err(err),
        ["open", link] => keyflow_share::decode(link)
            .map(|s| ok(&[&compact_json(&s)]))
            .map_err(err),
        _ => Err(err("unknown request")),
    };
    answer.unwrap_or_else(|e| e)
}

/// A panel's tree from the helper's answer.
pub fn parse_tree(answer: &str) -> Result<Tree, String> {
    match fields(answer)?.as_slice() {
        [tree] => Ok(Rc::from(*tree)),
        _ => Err("the helper's answer is incomplete".into()),
    }
}

/// A scenario from the helper, and what its change is called when the
/// answer names it (a repair applied: the notice offers to undo it).
pub fn parse_replacement(answer: &str) -> Result<(Scenario, Option<String>), String> {
    match fields(answer)?.as_slice() {
        [json] => Ok((scenario_of(json)?, None)),
        [json, label] => Ok((scenario_of(json)?, Some(label.to_string()))),
        _ => Err("the helper's answer is incomplete".into()),
    }
}

/// An answer's fields: `Ok(fields)` or `Err(why)`.
fn fields(answer: &str) -> Result<Vec<&str>, String> {
    match answer.split_once(SEP) {
        Some(("ok", rest)) => Ok(rest.split(SEP).collect()),
        Some(("err", why)) => Err(why.to_string()),
        _ => Err("the helper gave no answer".into()),
    }
}

/// A scenario the helper wrote (and checked).
fn scenario_of(json: &str) -> Result<Scenario, String> {
    Scenario::from_json_unchecked(json).map_err(|e| e.to_string())
}

/// What a rename would change, ready to apply.
#[derive(Clone, Debug)]
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

impl PartialEq for RenamePreview {
    fn eq(&self, o: &Self) -> bool {
        self.target == o.target
            && self.to == o.to
            && Rc::ptr_eq(&self.scenario, &o.scenario)
            && Rc::ptr_eq(&self.changes, &o.changes)
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

/// Lint and finding marks by policy, for the scenario they were made for.
#[derive(Clone, Debug)]
pub struct Lints {
    pub scenario: Rc<Scenario>,
    pub by_policy: Vec<(PolicyId, Vec<Mark>)>,
}

fn mark_of(m: &[Value<'_>], policy: &PolicyId) -> Option<Mark> {
    let num = |i: usize| match m.get(i).map(|v| &v.kind) {
        Some(Kind::Number(n)) => n.parse::<u32>().ok(),
        _ => None,
    };
    let text = |i: usize| m.get(i).and_then(Value::as_str).map(str::to_string);
    let severity = match m.get(2)?.as_str()? {
        "error" => Severity::Error,
        "warning" => Severity::Warning,
        _ => Severity::Info,
    };
    let fixes = m
        .get(8)
        .and_then(Value::as_array)
        .unwrap_or_default()
        .iter()
        .filter_map(|l| {
            Some(QuickFix {
                policy: policy.clone(),
                start: num(0)?,
                label: l.as_str()?.to_string(),
            })
        })
        .collect();
    Some(Mark {
        range: num(0)? as usize..num(1)? as usize,
        severity,
        code: text(3)?,
        message: text(4)?,
        help: text(5),
        line: num(6)?,
        column: num(7)?,
        fixes,
    })
}

pub fn parse_lints(scenario: Rc<Scenario>, answer: &str) -> Result<Lints, String> {
    let f = fields(answer)?;
    let json = f.first().ok_or("the helper's answer is incomplete")?;
    let v = keyflow_json::parse(json).map_err(|e| e.kind.to_string())?;
    let mut by_policy: Vec<(PolicyId, Vec<Mark>)> = Vec::new();
    let rows = |key: &str| v.get(key).and_then(Value::as_array).unwrap_or_default();
    for p in rows("policies") {
        let Some([id, marks]) = p.as_array() else {
            continue;
        };
        let Some(id) = id.as_str().and_then(|i| i.parse::<PolicyId>().ok()) else {
            continue;
        };
        let marks = marks
            .as_array()
            .unwrap_or_default()
            .iter()
            .filter_map(|m| mark_of(m.as_array()?, &id))
            .collect();
        by_policy.push((id, marks));
    }
    for x in rows("findings") {
        let Some((head, rest)) = x.as_array().and_then(|a| a.split_first()) else {
            continue;
        };
        let Some(id) = head.as_str().and_then(|i| i.parse::<PolicyId>().ok()) else {
            continue;
        };
        let Some(mark) = mark_of(rest, &id) else {
            continue;
        };
        match by_policy.iter_mut().find(|(p, _)| *p == id) {
            Some((_, list)) => list.push(mark),
            None => by_policy.push((id, vec![mark])),
        }
    }
    Ok(Lints {
        scenario,
        by_policy,
    })
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
    use keyflow_sim::Outcome;

    fn builtin(name: &str) -> Scenario {
        keyflow_sim::builtin(name).unwrap().scenario().unwrap()
    }

    #[test]
    fn a_scenario_is_serialised_once_and_a_changed_one_again() {
        let first = Rc::new(builtin("alb-logs-cmk"));
        let json = scenario_json(&first);
        assert_eq!(*json, compact_json(&first));
        assert!(
            Rc::ptr_eq(&json, &scenario_json(&first)),
            "asked again: the same text"
        );
        // An edit is a new scenario: serialised anew, even when equal.
        let mut edited = (*first).clone();
        edited.account = "210987654321".into();
        let edited = Rc::new(edited);
        assert_eq!(*scenario_json(&edited), compact_json(&edited));
        let copy = Rc::new((*first).clone());
        assert!(!Rc::ptr_eq(&json, &scenario_json(&copy)));
        assert_eq!(*scenario_json(&copy), *json);
    }

    #[test]
    fn lints_kept_from_the_last_request_are_the_ones_a_fresh_lint_gives() {
        let first = builtin("cloudtrail-sse-kms");
        let before = handle(&request_lint(&first));
        let mut edited = first.clone();
        edited.keys[0].policy = edited.keys[0]
            .policy
            .replacen("StringEquals", "StringEqual", 1);
        assert_ne!(edited.keys[0].policy, first.keys[0].policy);
        let kept = handle(&request_lint(&edited));
        assert_ne!(kept, before, "the edited policy is linted anew");
        LINTED.with(|l| l.borrow_mut().clear());
        assert_eq!(kept, handle(&request_lint(&edited)));
        // Back to the first text: its marks come back, not the edit's.
        assert_eq!(handle(&request_lint(&first)), before);
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
        let answer = handle(&request_rename(
            &s,
            &Target::Account(s.account.clone()),
            "12345",
        ));
        assert_eq!(
            parse_rename(target, "12345", &answer).unwrap_err(),
            "\"12345\" is not a 12-digit account ID"
        );
    }

    #[test]
    fn lints_and_findings_come_back_with_their_fixes() {
        let mut s = builtin("alb-logs-cmk");
        let text = s.buckets[0]
            .policy
            .clone()
            .unwrap()
            .replace("test-alb-access-logs/", "other-logs/");
        s.buckets[0].policy = Some(text);
        let key = PolicyId::Key(s.keys[0].id.clone());
        s.keys[0].policy = s.keys[0]
            .policy
            .replace("\"StringEquals\"", "\"StringEqual\"");
        let s = Rc::new(s);
        let lints = parse_lints(s.clone(), &handle(&request_lint(&s))).unwrap();
        let of = |id: &PolicyId| &lints.by_policy.iter().find(|(p, _)| p == id).unwrap().1;
        let op = of(&key).iter().find(|m| m.code == "KF101").unwrap();
        assert_eq!(op.severity, Severity::Error);
        assert!(op.message.contains("StringEqual"));
        let bucket = PolicyId::Bucket("test-alb-access-logs".into());
        let finding = of(&bucket)
            .iter()
            .find(|m| m.code == "unknown-name")
            .unwrap();
        assert_eq!((finding.line, finding.severity), (10, Severity::Warning));
        assert_eq!(finding.fixes.len(), 2);
        // The fix goes through the helper too, by its finding and label.
        let fixed = parse_scenario(&handle(&request_fix(&s, &finding.fixes[0]))).unwrap();
        assert!(
            fixed.buckets[0]
                .policy
                .as_deref()
                .unwrap()
                .contains("test-alb-access-logs/AWSLogs")
        );
        let gone = handle(&request_fix(&fixed, &finding.fixes[0]));
        assert_eq!(parse_scenario(&gone).unwrap_err(), "the problem is gone");
    }

    #[test]
    fn the_compare_tables_come_from_the_helper() {
        let s = builtin("alb-logs-cmk");
        let c = parse_compare(&handle(&request_compare(&s, CompareRequest::WhatIf(0)))).unwrap();
        assert!(c.what_ifs[0].starts_with("ALB log delivery"));
        let (_, _, rows) = &c.flows[0];
        let deliver = rows.iter().find(|r| r.id == "deliver-log").unwrap();
        assert!(deliver.changed);
        assert_eq!(deliver.before.as_ref().unwrap().outcome, Outcome::Ok);
        assert_eq!(deliver.after.as_ref().unwrap().outcome, Outcome::Error);
        assert!(!rows.iter().find(|r| r.id == "read-log").unwrap().changed);
        // An earlier state: before = it, after = the scenario on screen.
        let mut now = s.clone();
        let sse = keyflow_sim::edit::Edit::BucketSse {
            bucket: 0,
            sse: keyflow_sim::Sse::S3,
        };
        assert!(keyflow_sim::edit::apply(&mut now, sse));
        let c =
            parse_compare(&handle(&request_compare(&now, CompareRequest::Earlier(&s)))).unwrap();
        let enable = c.flows[0]
            .2
            .iter()
            .find(|r| r.id == "enable-access-logs")
            .unwrap();
        assert!(enable.changed);
        assert_eq!(
            enable.before.as_ref().unwrap().code,
            "InvalidConfigurationRequest"
        );
        // The built-in as shipped, and matrix cells that flip.
        let t = builtin("cloudtrail-sse-kms-restricted");
        let mut u = t.clone();
        u.keys[0].policy = u.keys[0].policy.replace("user/user1", "user/user2");
        let c = parse_compare(&handle(&request_compare(
            &u,
            CompareRequest::Builtin("cloudtrail-sse-kms-restricted"),
        )))
        .unwrap();
        assert!(
            c.cells
                .iter()
                .any(|x| x[1] == "user2" && x[2] == "read" && x[4] == "yes"),
            "{:?}",
            c.cells
        );
    }

    #[test]
    fn principals_come_from_arns_in_the_helper() {
        let s = builtin("cloudtrail-sse-kms");
        let out = parse_scenario(&handle(&request_add_principal(
            &s,
            "arn:aws:iam::777788889999:role/Auditor",
        )))
        .unwrap();
        let p = out.principals.last().unwrap();
        assert_eq!(
            (p.name.as_str(), p.account.as_deref()),
            ("Auditor", Some("777788889999"))
        );
        let why = parse_scenario(&handle(&request_add_principal(&s, "Auditor"))).unwrap_err();
        assert!(
            why.contains("is not an IAM user, role, session or root ARN"),
            "{why}"
        );
    }

    #[test]
    fn links_are_opened_by_the_helper() {
        let s = builtin("ssm-securestring-cmk");
        let link = keyflow_share::url(&s, "https://x.test/");
        assert_eq!(parse_scenario(&handle(&request_open(&link))), Ok(s));
        let why = parse_scenario(&handle(&request_open("#s=9.AAAA"))).unwrap_err();
        assert!(why.contains("newer Keyflow"), "{why}");
    }

    fn corpus(name: &str) -> String {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/corpus/import/");
        std::fs::read_to_string(format!("{root}{name}")).unwrap()
    }

    #[test]
    fn pasted_cli_output_is_unwrapped_by_the_helper() {
        let policy = builtin("cloudtrail-sse-kms").keys[0].policy.clone();
        let pasted = serde_json::json!({"Policy": policy, "PolicyName": "default"}).to_string();
        assert!(worth_unwrapping(&pasted));
        let (text, what) = parse_unwrap(&handle(&request_unwrap(&pasted)))
            .unwrap()
            .unwrap();
        assert_eq!(text, policy);
        assert_eq!(what, "unwrapped from `aws kms get-key-policy` output");
        // URL-encoded and YAML texts are asked about; a policy is not, nor is
        // a policy being typed.
        assert!(worth_unwrapping("%7B%22Version%22%3A%222012-10-17%22%7D"));
        assert!(worth_unwrapping("Version: '2012-10-17'\nStatement: []"));
        assert!(!worth_unwrapping(&policy));
        assert!(!worth_unwrapping("{\"Version\": \"2012-10-17\", \"Statem"));
        assert!(!worth_unwrapping("  "));
        // A policy whose Sid starts with "Policy" is not a wrapper; nested
        // objects do not count, strings with braces and quotes are skipped.
        assert!(!worth_unwrapping(
            r#"{"Statement": [{"Sid": "PolicyAdmin", "Policy": 1}]}"#
        ));
        assert!(!worth_unwrapping(
            r#"{"Id": "{\"Policy\": [", "Statement": []}"#
        ));
        assert!(worth_unwrapping(
            r#"{"PolicyVersion": {"Document": {"Statement": []}, "VersionId": "v1"}}"#
        ));
        assert!(worth_unwrapping(
            r#"{"RoleName": "r", "PolicyName": "p", "PolicyDocument": {"Statement": []}}"#
        ));
        // A plain policy comes back as nothing to unwrap.
        assert_eq!(parse_unwrap(&handle(&request_unwrap(&policy))), Ok(None));
        let yaml = "Version: '2012-10-17'\nStatement:\n  - Effect: Allow\n    Action: s3:GetObject\n    Resource: '*'\n";
        let (text, what) = parse_unwrap(&handle(&request_unwrap(yaml)))
            .unwrap()
            .unwrap();
        assert!(text.contains("\"s3:GetObject\""), "{text}");
        assert_eq!(what, "converted from YAML to JSON");
    }

    #[test]
    fn a_template_is_imported_by_the_helper_with_its_findings() {
        let files = [(
            "cfn-cloudtrail-kms.yaml".to_string(),
            corpus("cfn-cloudtrail-kms.yaml"),
        )];
        let answer = handle(&request_import(&files, "111122223333", " eu-west-1 "));
        let (scenario, findings) = parse_import(&answer).unwrap();
        let s = scenario.unwrap();
        assert_eq!(
            (s.account.as_str(), s.region.as_str()),
            ("111122223333", "eu-west-1")
        );
        assert!(
            s.flows
                .iter()
                .any(|f| f.kind() == FlowKind::CloudtrailSseKms)
        );
        // The same scenario and findings as `keyflow import`.
        let direct = keyflow_import::import(
            &[keyflow_import::Source {
                name: &files[0].0,
                text: &files[0].1,
            }],
            &keyflow_import::ImportOptions {
                account: Some("111122223333".into()),
                region: Some("eu-west-1".into()),
            },
        );
        assert_eq!(s, Scenario::from_json(&direct.scenario).unwrap());
        let lines: Vec<String> = direct.findings.iter().map(ToString::to_string).collect();
        assert_eq!(findings, lines.join("\n"));
        assert!(
            findings.starts_with("cfn-cloudtrail-kms.yaml:10:1: note: AWS::StackName"),
            "{findings}"
        );
    }

    #[test]
    fn a_broken_file_is_a_positioned_error_and_loads_nothing() {
        let files = [(
            "bad.yaml".to_string(),
            corpus("cfn-doc-trail-bad-indentation.yaml"),
        )];
        let (scenario, findings) = parse_import(&handle(&request_import(&files, "", ""))).unwrap();
        assert!(scenario.is_none());
        assert!(
            findings
                .lines()
                .any(|l| l.starts_with("bad.yaml:9:3: error: not valid YAML")),
            "{findings}"
        );
        // With a good file beside it, the good one still imports.
        let both = [
            files[0].clone(),
            (
                "plan.json".to_string(),
                corpus("tf-plan-ssm-securestring.json"),
            ),
        ];
        let (scenario, _) = parse_import(&handle(&request_import(&both, "", ""))).unwrap();
        assert_eq!(scenario.unwrap().account, "111122223333");
        // A scenario file (an export, `keyflow import` output) opens as it is.
        let s = builtin("alb-logs-cmk");
        let file = [("s.keyflow.json".to_string(), s.to_json_pretty())];
        let (back, findings) = parse_import(&handle(&request_import(&file, "", ""))).unwrap();
        assert_eq!((back, findings), (Some(s), String::new()));
        // Nothing to import is said, not crashed on.
        assert_eq!(
            parse_import(&handle(&request_import(&[], "", ""))).unwrap_err(),
            "nothing to import: paste a template or choose files"
        );
    }

    #[test]
    fn the_export_is_the_scenario_file_keyflow_run_reads() {
        let s = builtin("alb-logs-cmk");
        let (name, text) = parse_export(&handle(&request_export(&s))).unwrap();
        assert_eq!(name, "alb-logs-cmk.keyflow.json");
        assert_eq!(text, s.to_json_pretty());
        assert_eq!(Scenario::from_json(&text).unwrap(), s);
        assert_eq!(export_name("alb-logs/cmk ü"), "alb-logs-cmk--.keyflow.json");
        assert_eq!(export_name(".."), "scenario.keyflow.json");
    }

    #[test]
    fn a_flow_is_added_and_a_link_is_checked() {
        let blank = keyflow_sim::compose::blank();
        let s = parse_scenario(&handle(&request_add_flow(
            &blank,
            FlowKind::SsmSecurestring,
        )))
        .unwrap();
        assert_eq!(s.flows.len(), 1);
        let url = parse_link(&handle(&request_share(&s, "https://x.test/k/"))).unwrap();
        assert!(url.starts_with("https://x.test/k/#s=2."));
        assert_eq!(keyflow_share::decode(&url), Ok(s.clone()));
        // An unopenable scenario gets no link, only the reason.
        let mut broken = s.clone();
        broken.principals.clear();
        let why = parse_link(&handle(&request_share(&broken, "https://x.test/"))).unwrap_err();
        assert!(why.contains("unknown principal"), "{why}");
        assert_eq!(
            parse_link("garbage"),
            Err("the helper gave no answer".into())
        );
    }
}

#[cfg(test)]
mod panel_tests {
    use super::*;
    use keyflow_sim::Outcome;
    use serde_json::Value as J;

    fn builtin(name: &str) -> Scenario {
        keyflow_sim::builtin(name).unwrap().scenario().unwrap()
    }

    /// The SSM built-in with statement `i` of its key policy removed.
    fn ssm_without(i: usize) -> Scenario {
        let mut s = builtin("ssm-securestring-cmk");
        let mut v: J = serde_json::from_str(&s.keys[0].policy).unwrap();
        v["Statement"].as_array_mut().unwrap().remove(i);
        s.keys[0].policy = serde_json::to_string_pretty(&v).unwrap();
        s
    }

    fn tree(answer: &str) -> Result<J, String> {
        parse_tree(answer).map(|t| serde_json::from_str(&t).unwrap())
    }

    fn ask(panel: Panel, s: &Scenario, what: &str) -> J {
        tree(&handle(&request_panel(panel, &compact_json(s), what))).unwrap()
    }

    /// Every element of the tree whose attribute `key` is `value`.
    fn find<'a>(v: &'a J, key: &str, value: &str, out: &mut Vec<&'a J>) {
        if let Some(items) = v.as_array() {
            if items[1][key] == value {
                out.push(v);
            }
            for k in &items[2..] {
                find(k, key, value, out);
            }
        }
    }

    fn all<'a>(v: &'a J, key: &str, value: &str) -> Vec<&'a J> {
        let mut out = Vec::new();
        find(v, key, value, &mut out);
        out
    }

    fn text(v: &J) -> String {
        match v {
            J::String(s) => s.clone(),
            J::Array(items) => items[2..].iter().map(text).collect(),
            _ => String::new(),
        }
    }

    /// Every element's tag is one the page renders.
    fn tags_ok(v: &J) {
        if let Some(items) = v.as_array() {
            let tag = items[0].as_str().unwrap();
            assert!(crate::components::panel::TAGS.contains(&tag), "{tag}");
            for (k, _) in items[1].as_object().unwrap() {
                assert!(crate::components::panel::ATTRS.contains(&k.as_str()), "{k}");
            }
            items[2..].iter().for_each(tags_ok);
        }
    }

    const STEP: &str = "get-parameters-with-decryption:KeyUser";

    fn outcome(s: &Scenario, step: &str) -> Outcome {
        let r = keyflow_sim::run(s);
        r.flow("ssm").unwrap().step(step).unwrap().outcome
    }

    #[test]
    fn fix_candidates_come_ranked_with_their_diff_label_sources_and_flips() {
        let s = ssm_without(1);
        assert_eq!(outcome(&s, STEP), Outcome::Error);
        let what = format!("ssm\0{STEP}");
        let t = ask(Panel::Fix, &s, &what);
        tags_ok(&t);
        assert_eq!(all(&t, "data-status", "fixable").len(), 1);
        let direct = keyflow_sim::fix_step(&s, "ssm", STEP).unwrap();
        let cands = all(&t, "data-testid", "fix-candidate");
        assert_eq!(cands.len(), direct.candidates.len());
        for (c, d) in cands.iter().zip(&direct.candidates) {
            assert_eq!(c[1]["data-rank"], d.rank.to_string());
            assert!(text(c).starts_with(&format!("#{} {}", d.rank, d.title)));
            assert_eq!(
                text(all(c, "data-testid", "fix-label")[0]),
                keyflow_sim::fix::FIX_LABEL
            );
            let apply = all(c, "data-act", "apply")[0];
            assert_eq!(apply[1]["data-arg"], format!("{}\n{}", d.rank, d.title));
        }
        // The best candidate's statement is in its diff as added lines, with context.
        let diff = all(cands[0], "data-testid", "fix-diff")[0];
        assert!(text(diff).starts_with("key policy key:"), "{}", text(diff));
        let added = all(diff, "class", "add");
        assert!(
            added
                .iter()
                .any(|l| text(l).starts_with('+') && text(l).contains("kms:ViaService"))
        );
        assert!(
            all(diff, "class", "")
                .iter()
                .any(|l| text(l).starts_with(' '))
        );
        // Conditions name their AWS page; the flips name the step's check.
        let cond = text(cands[0])
            .contains("Condition StringEquals kms:ViaService ssm.ap-northeast-1.amazonaws.com — AWS KMS condition keys: kms:ViaService");
        assert!(cond, "{}", text(cands[0]));
        assert!(cands[0].to_string().contains(
            "\"href\":\"https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service\""
        ));
        assert!(
            text(cands[0]).contains(&format!(
                "ssm/{STEP}/kms:Decrypt#0: ImplicitlyDenied → Allowed"
            )) || text(cands[0]).contains(&format!(
                "ssm/{STEP}/kms:Decrypt: ImplicitlyDenied → Allowed"
            )),
            "{}",
            text(cands[0])
        );

        // Applying the first candidate: the step passes, and the notice says where.
        let answer = handle(&request_apply_fix(
            &s,
            &what,
            "1",
            &direct.candidates[0].title,
        ));
        let (fixed, label) = parse_replacement(&answer).unwrap();
        let label = label.unwrap();
        assert_eq!(outcome(&fixed, STEP), Outcome::Ok);
        assert_eq!(fixed, direct.candidates[0].apply_to(&s));
        assert!(
            label.starts_with("Fix applied to key policy key:"),
            "{label}"
        );
        // A candidate the user did not see is never applied.
        let why =
            parse_replacement(&handle(&request_apply_fix(&s, &what, "1", "other"))).unwrap_err();
        assert!(why.contains("no longer applies"), "{why}");
    }

    #[test]
    fn a_step_an_expectation_expects_to_fail_gets_no_repair() {
        let s = builtin("ssm-securestring-cmk");
        let t = ask(Panel::Fix, &s, "ssm\0get-parameters-with-decryption:Intern");
        assert_eq!(all(&t, "data-status", "expected-to-fail").len(), 1);
        assert!(all(&t, "data-testid", "fix-candidate").is_empty());
        let why = tree(&handle(&request_panel(
            Panel::Fix,
            &compact_json(&s),
            "ssm\0nope",
        )))
        .unwrap_err();
        assert_eq!(why, "the step is gone");
    }

    #[test]
    fn the_documented_setting_is_offered_for_alb_logs_under_sse_kms() {
        let mut s = builtin("alb-logs-cmk");
        // Without the expectation that says it fails, the step gets its documented repair.
        s.expectations.clear();
        let t = ask(Panel::Fix, &s, "alb\0enable-access-logs");
        assert_eq!(all(&t, "data-status", "fixable").len(), 1);
        let best = all(&t, "data-testid", "fix-candidate")[0];
        assert!(text(best).contains("Setting buckets[0]."), "{}", text(best));
        assert!(text(best).contains("→ SSE-S3"), "{}", text(best));
        assert!(
            all(&t, "data-testid", "fix-diff").is_empty(),
            "no policy is written"
        );
        assert!(
            best.to_string()
                .contains("\"href\":\"https://docs.aws.amazon.com/")
        );
    }

    #[test]
    fn the_access_table_covers_every_principal_and_operation() {
        let s = builtin("alb-logs-cmk");
        let t = ask(Panel::Access, &s, "bucket:test-alb-access-logs");
        tags_ok(&t);
        let table = all(&t, "data-testid", "access-table")[0];
        assert_eq!(table[1]["data-resource"], "bucket:test-alb-access-logs");
        let heads: Vec<String> = all(table, "scope", "col").into_iter().map(text).collect();
        assert_eq!(
            heads,
            [
                "s3:GetObject",
                "s3:PutObject",
                "s3:DeleteObject",
                "s3:PutBucketPolicy"
            ]
        );
        let row = |name: &str| all(table, "data-principal", name)[0];
        for p in &s.principals {
            row(&p.name);
        }
        row("any AWS service");
        row("anyone");
        row("any principal of account 111122223333");
        // ELB's delivery may write only under its prefix: "yes, if" and the condition.
        let put = all(row("ELBLogDelivery"), "data-op", "s3:PutObject")[0];
        assert_eq!(put[1]["data-answer"], "yes, if");
        assert!(
            put[1]["title"]
                .as_str()
                .unwrap()
                .contains("\nif: only for objects matching")
        );
        assert_eq!(
            all(row("ELBLogDelivery"), "data-op", "s3:GetObject")[0][1]["data-answer"],
            "no"
        );
        // The picker lists every key and bucket, the shown one selected.
        let picker = all(&t, "data-act", "access")[0];
        assert_eq!(all(picker, "selected", "").len(), 1);
        assert_eq!(picker.as_array().unwrap().len() - 2, 2);
        // Every built-in: a table for every key and bucket; an unknown choice shows the first.
        for b in keyflow_sim::builtins() {
            let s = b.scenario().unwrap();
            let ids = s
                .keys
                .iter()
                .map(|k| format!("key:{}", k.id))
                .chain(s.buckets.iter().map(|x| format!("bucket:{}", x.name)));
            for id in ids {
                let t = ask(Panel::Access, &s, &id);
                let width = if id.starts_with("key:") { 7 } else { 4 };
                assert_eq!(all(&t, "scope", "col").len(), width, "{id}");
                assert!(all(&t, "class", "cell-btn").len() >= 4 * width, "{id}");
            }
            let t = ask(Panel::Access, &s, "");
            let first = s.keys.first().map(|k| format!("key:{}", k.id));
            let first = first.or(s.buckets.first().map(|b| format!("bucket:{}", b.name)));
            assert_eq!(
                all(&t, "data-testid", "access-table")[0][1]["data-resource"],
                first.unwrap()
            );
        }
    }

    #[test]
    fn the_lockout_check_gives_aws_error_and_keyflow_own_warning_apart() {
        let s = builtin("ssm-securestring-cmk");
        let key = s.keys[0].id.clone();
        // As shipped: the administrator (the default caller) keeps the key.
        let t = ask(Panel::Lockout, &s, &format!("{key}\0"));
        tags_ok(&t);
        assert!(text(&t).contains("by Admin (arn:aws:iam::111122223333:user/Admin)"));
        assert_eq!(all(&t, "data-testid", "lockout-passes").len(), 1);
        assert!(all(&t, "data-testid", "lockout-error").is_empty());
        assert!(all(&t, "data-testid", "lockout-warning").is_empty());
        let caller = all(&t, "data-act", "caller")[0];
        assert_eq!(caller[1]["data-arg"], key.as_str());
        // Without the statement that delegates to the account, AWS refuses, and nobody could manage it.
        let t = ask(Panel::Lockout, &ssm_without(0), &format!("{key}\0Admin"));
        let e = text(all(&t, "data-testid", "lockout-error")[0]);
        assert_eq!(
            e,
            format!(
                "{}: {}",
                keyflow_sim::lockout::LOCKOUT_CODE,
                keyflow_sim::lockout::LOCKOUT_MESSAGE
            )
        );
        assert!(text(&t).contains("AWS's answer — source: AWS Knowledge Center"));
        let w = text(all(&t, "data-testid", "lockout-warning")[0]);
        assert!(w.starts_with("Keyflow's own check: "), "{w}");
        // KeyUser may not change the key policy even as shipped: refused, but the key stays manageable.
        let t = ask(Panel::Lockout, &s, &format!("{key}\0KeyUser"));
        assert_eq!(all(&t, "data-testid", "lockout-error").len(), 1);
        assert!(all(&t, "data-testid", "lockout-warning").is_empty());
        let why = tree(&handle(&request_panel(
            Panel::Lockout,
            &compact_json(&s),
            "nope\0Admin",
        )))
        .unwrap_err();
        assert!(why.contains("no key `nope`"), "{why}");
    }
}
