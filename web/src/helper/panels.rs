//! The worker's side of the panels the page asks for: "Fix it" for a failing
//! step, the access view of one key or bucket, and the PutKeyPolicy lockout
//! what-if. Each answer is a small tree of elements (`[tag, {attributes},
//! child…]`, a child being a text or another element) that the page renders
//! as it is (`components::panel`), so the page links no fix search, access
//! view or lockout check, and no markup for them. Every word and link comes
//! from the sim's typed data. Controls carry `data-act` (and `data-arg`):
//! `apply` a candidate, pick the `access` resource,
//! pick the lockout `caller`.

use keyflow_sim::access::{BUCKET_OPERATIONS, KEY_OPERATIONS};
use keyflow_sim::fix::{DiffLine, DiffOp, FixStatus, StepFix};
use keyflow_sim::sources::Source;
use keyflow_sim::{AccessCell, PolicyId, Scenario, Verdict};
use serde_json::{Value, json};

/// An element: tag, attributes (an object), children.
fn el(tag: &str, attrs: Value, kids: Vec<Value>) -> Value {
    let mut v = vec![json!(tag), attrs];
    v.extend(kids);
    Value::Array(v)
}

/// A `<p class="small">` of text.
fn p(text: &str) -> Value {
    el("p", json!({"class": "small"}), vec![json!(text)])
}

/// A source: a link for an AWS page, its label otherwise.
fn source(prefix: &str, s: &Source) -> Value {
    let tail = match s {
        Source::Doc(d) => el(
            "a",
            json!({"href": d.url, "target": "_blank", "rel": "noopener noreferrer"}),
            vec![json!(d.title)],
        ),
        other => json!(other.label()),
    };
    el("p", json!({"class": "small"}), vec![json!(prefix), tail])
}

fn list(head: &str, items: Vec<String>) -> Vec<Value> {
    vec![
        p(head),
        el(
            "ul",
            json!({"class": "small"}),
            items
                .into_iter()
                .map(|i| el("li", json!({}), vec![json!(i)]))
                .collect(),
        ),
    ]
}

/// A `<select>` whose change the page turns into an action.
fn select(
    testid: &str,
    act: &str,
    arg: &str,
    options: &[(String, String)],
    current: &str,
) -> Value {
    let options = options
        .iter()
        .map(|(value, text)| {
            let mut a = json!({ "value": value });
            if value == current {
                a["selected"] = json!("");
            }
            el("option", a, vec![json!(text)])
        })
        .collect();
    el(
        "select",
        json!({"data-testid": testid, "data-act": act, "data-arg": arg}),
        options,
    )
}

/// The changed lines of a diff with two lines of context, `…` between hunks.
/// Each line starts with `+`, `−` or a space, then its line number.
fn diff_lines(diff: &[DiffLine]) -> Vec<(DiffOp, String)> {
    let near = |i: usize| {
        let lo = i.saturating_sub(2);
        diff.iter()
            .skip(lo)
            .take(i + 3 - lo)
            .any(|d| d.op != DiffOp::Same)
    };
    let mut out = Vec::new();
    let mut gap = false;
    for (i, d) in diff.iter().enumerate() {
        if !near(i) {
            gap = true;
            continue;
        }
        if gap && !out.is_empty() {
            out.push((DiffOp::Same, "  …".to_string()));
        }
        gap = false;
        let mark = match d.op {
            DiffOp::Added => '+',
            DiffOp::Removed => '−',
            DiffOp::Same => ' ',
        };
        let n = d.after.or(d.before).unwrap_or(0);
        out.push((d.op, format!("{mark}{n:>4} {}", d.text)));
    }
    out
}

fn policy_kind(p: &PolicyId) -> &'static str {
    match p {
        PolicyId::Key(_) | PolicyId::ManagedKey(_) => "key policy",
        PolicyId::Bucket(_) => "bucket policy",
        PolicyId::Identity { .. } => "identity policy",
        PolicyId::Trust(_) => "trust policy",
        PolicyId::Boundary(_) => "permissions boundary",
        PolicyId::Scp(_) => "SCP",
        PolicyId::AwsOwned(_) => "policy",
    }
}

fn verdict_word(v: Option<Verdict>, missing: &str) -> String {
    v.map_or(missing.to_string(), |d| d.to_string())
}

/// The Fix panel: where the step stands, then each verified candidate as
/// the sim ranks it, with its Apply button.
pub fn fix_tree(f: &StepFix) -> Value {
    let n = f.candidates.len();
    let status = match f.status {
        FixStatus::Fixable => {
            format!("{n} verified repair(s), best first: ranked by how little each grants.")
        }
        FixStatus::ExpectedToFail => format!(
            "An expectation of this scenario says this step fails, so Keyflow offers no repair: {}",
            f.detail
        ),
        FixStatus::NoCandidate => format!(
            "Keyflow found no repair that passes re-running the scenario: {}",
            f.detail
        ),
        FixStatus::NotEvaluated => format!("Not evaluated: {}", f.detail),
        FixStatus::Passes => "This step passes.".to_string(),
    };
    let mut out = vec![
        el("h4", json!({}), vec![json!(format!("Fix it: {}", f.title))]),
        el(
            "p",
            json!({"data-testid": "panel-status", "data-status": f.status.as_str()}),
            vec![json!(status)],
        ),
    ];
    for c in &f.candidates {
        let rank = c.rank.to_string();
        let mut kids = vec![
            el("h4", json!({}), vec![json!(format!("#{rank} {}", c.title))]),
            el(
                "p",
                json!({"class": "small muted", "data-testid": "fix-label"}),
                vec![json!(c.label)],
            ),
            el(
                "button",
                json!({"type": "button", "class": "btn small", "data-act": "apply",
                    "data-arg": format!("{rank}\n{}", c.title), "data-testid": format!("fix-apply-{rank}")}),
                vec![json!("Apply")],
            ),
        ];
        kids.extend(c.why.iter().map(|w| p(w)));
        kids.extend(
            c.settings
                .iter()
                .map(|s| p(&format!("Setting {}: {} → {}", s.path, s.before, s.after))),
        );
        for ch in &c.changes {
            let head = format!(
                "{}{} {}{}",
                if ch.created { "new " } else { "" },
                policy_kind(&ch.policy),
                ch.policy,
                ch.path
                    .as_ref()
                    .map(|x| format!(" · {x}"))
                    .unwrap_or_default()
            );
            let lines = diff_lines(&ch.diff)
                .into_iter()
                .map(|(op, l)| {
                    let class = match op {
                        DiffOp::Added => "add",
                        DiffOp::Removed => "del",
                        DiffOp::Same => "",
                    };
                    el("span", json!({"class": class}), vec![json!(l + "\n")])
                })
                .collect();
            kids.push(el(
                "div",
                json!({"class": "diff", "data-testid": "fix-diff", "data-policy": ch.policy.to_string()}),
                vec![
                    el("p", json!({"class": "small muted"}), vec![json!(head)]),
                    el("pre", json!({}), lines),
                ],
            ));
        }
        for k in &c.conditions {
            kids.push(source(
                &format!("Condition {} {} {} — ", k.operator, k.key, k.value),
                &k.source,
            ));
        }
        // The pages the conditions cite are listed with them.
        for s in c
            .sources
            .iter()
            .filter(|s| !c.conditions.iter().any(|k| k.source == **s))
        {
            kids.push(source("Source: ", s));
        }
        kids.extend(list(
            "Checks that flip:",
            c.flips
                .iter()
                .map(|x| {
                    format!(
                        "{}: {} → {}",
                        x.id,
                        verdict_word(x.before, "not requested"),
                        verdict_word(x.after, "no longer requested")
                    )
                })
                .collect(),
        ));
        out.push(el(
            "section",
            json!({"class": "fix-cand", "data-testid": "fix-candidate", "data-rank": rank}),
            kids,
        ));
    }
    if n > 0 && !f.rejected.is_empty() {
        out.extend(list(
            "Not offered:",
            f.rejected
                .iter()
                .map(|x| format!("{}: {}", x.kind, x.why))
                .collect(),
        ));
    }
    el("div", json!({}), out)
}

/// The scenario with candidate `rank` of the step applied, and what the
/// notice says. The title must still match: the candidate the user saw.
pub fn apply_fix(
    s: &Scenario,
    flow: &str,
    step: &str,
    rank: &str,
    title: &str,
) -> Result<(Scenario, String), String> {
    let f = keyflow_sim::fix_step(s, flow, step).ok_or("the step is gone")?;
    let c = f
        .candidates
        .iter()
        .find(|c| c.rank.to_string() == rank && c.title == title)
        .ok_or("this repair no longer applies; ask for a fix again")?;
    let mut what: Vec<String> = c
        .changes
        .iter()
        .map(|p| format!("{} {}", policy_kind(&p.policy), p.policy))
        .collect();
    what.extend(c.settings.iter().map(|x| format!("setting {}", x.path)));
    let label = format!("Fix applied to {} ({})", what.join(" and "), f.title);
    Ok((c.apply_to(s), label))
}

/// A cell's answer in one word and its detail: why, then the conditions.
fn cell_text(c: &AccessCell) -> (&'static str, String) {
    let word = match c.decision {
        Verdict::Allowed if c.conditions.is_empty() => "yes",
        Verdict::Allowed => "yes, if",
        Verdict::NotEvaluated => "not evaluated",
        _ => "no",
    };
    let mut detail = c.why.clone();
    for (mark, text) in c.condition_lines() {
        detail.push_str(&format!("\n{mark}: {text}"));
    }
    (word, detail)
}

/// The keys and buckets of the scenario: (`key:ID` or `bucket:NAME`, label).
fn resources(s: &Scenario) -> Vec<(String, String)> {
    let keys = s.keys.iter().map(|k| {
        let name = k.aliases.first().unwrap_or(&k.id);
        (format!("key:{}", k.id), format!("key {name}"))
    });
    let buckets = s
        .buckets
        .iter()
        .map(|b| (format!("bucket:{}", b.name), format!("bucket {}", b.name)));
    keys.chain(buckets).collect()
}

/// The access view of one key (`key:ID`) or bucket (`bucket:NAME`; the
/// first of the scenario when `what` names none): a picker, then a table
/// of every principal against the operations that matter. Each cell holds
/// its answer and, shown on hover or focus, why and the conditions.
pub fn access_tree(s: &Scenario, what: &str) -> Result<Value, String> {
    let all = resources(s);
    let what = all
        .iter()
        .find(|r| r.0 == what)
        .or(all.first())
        .map(|r| r.0.as_str())
        .ok_or("this scenario has no keys or buckets yet")?;
    let (ops, resource): (&[&str], &str) = match what.split_once(':') {
        Some(("key", k)) => (&KEY_OPERATIONS, k),
        Some((_, b)) => (&BUCKET_OPERATIONS, b),
        None => return Err(format!("no key or bucket `{what}`")),
    };
    let columns = ops
        .iter()
        .map(|op| keyflow_sim::who_can(s, op, Some(resource)).map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    let mut head = vec![el("th", json!({}), vec![json!("principal")])];
    head.extend(
        ops.iter()
            .map(|op| el("th", json!({"scope": "col"}), vec![json!(op)])),
    );
    let mut rows = Vec::new();
    for first in columns.first().map(Vec::as_slice).unwrap_or_default() {
        let mut r = vec![el(
            "th",
            json!({"scope": "row"}),
            vec![
                el("span", json!({}), vec![json!(first.principal)]),
                el("br", json!({}), vec![]),
                el(
                    "code",
                    json!({"class": "small muted"}),
                    vec![json!(first.arn)],
                ),
            ],
        )];
        for (col, op) in columns.iter().zip(ops) {
            let (word, detail) = col
                .iter()
                .find(|c| c.principal == first.principal)
                .map_or(("—", String::new()), cell_text);
            let state = match word {
                "yes" | "yes, if" => "ok",
                "no" => "deny",
                _ => "warn",
            };
            r.push(el(
                "td",
                json!({"class": format!("cell {state}")}),
                vec![el(
                    "button",
                    json!({"type": "button", "class": "cell-btn", "title": detail, "data-op": op, "data-answer": word}),
                    vec![
                        el("span", json!({"class": format!("badge {state}")}), vec![json!(word)]),
                        el("span", json!({"class": "acc-detail small"}), vec![json!(detail)]),
                    ],
                )],
            ));
        }
        rows.push(el("tr", json!({"data-principal": first.principal}), r));
    }
    Ok(el(
        "div",
        json!({}),
        vec![
            el("h4", json!({}), vec![json!("Who can do what")]),
            el(
                "p",
                json!({"class": "small muted"}),
                vec![json!(
                    "Every principal of the scenario, any principal of each account, AWS services and anyone, asked as a service's request would be: conditions only the calling service can meet are listed, not assumed. Hover over or focus a cell for why."
                )],
            ),
            el(
                "label",
                json!({"class": "small"}),
                vec![
                    json!("Key or bucket "),
                    select("access-resource", "access", "", &all, what),
                ],
            ),
            el(
                "div",
                json!({"class": "table-wrap"}),
                vec![el(
                    "table",
                    json!({"class": "matrix access", "data-testid": "access-table", "data-resource": what}),
                    vec![
                        el("thead", json!({}), vec![el("tr", json!({}), head)]),
                        el("tbody", json!({}), rows),
                    ],
                )],
            ),
        ],
    ))
}

/// The default caller of the lockout what-if: the scenario's administrator
/// (a principal named like one), else its first principal.
pub fn default_caller(s: &Scenario) -> &str {
    s.principals
        .iter()
        .find(|p| p.name.to_ascii_lowercase().contains("admin"))
        .or(s.principals.first())
        .map_or("", |p| p.name.as_str())
}

/// The lockout what-if of `caller` (the default caller when empty) putting
/// the key policy the scenario now holds on `key`: AWS's answer, then
/// Keyflow's own warning, each with its source.
pub fn lockout_tree(s: &Scenario, key: &str, caller: &str) -> Result<Value, String> {
    let caller = if caller.is_empty() {
        default_caller(s)
    } else {
        caller
    };
    let text = s
        .policy_text(&PolicyId::Key(key.to_string()))
        .ok_or_else(|| format!("no key `{key}` in the scenario"))?;
    let r = keyflow_sim::put_key_policy(s, key, caller, text).map_err(|e| e.to_string())?;
    let callers: Vec<(String, String)> = s
        .principals
        .iter()
        .map(|p| (p.name.clone(), p.name.clone()))
        .collect();
    let mut out = vec![
        el(
            "h4",
            json!({}),
            vec![json!("Lockout check: PutKeyPolicy with this text")],
        ),
        el(
            "label",
            json!({"class": "small"}),
            vec![
                json!("Caller "),
                select("lockout-caller", "caller", key, &callers, caller),
            ],
        ),
        p(&format!(
            "PutKeyPolicy on {} by {} ({}) with the text in the editor (without BypassPolicyLockoutSafetyCheck):",
            r.key, r.caller, r.caller_arn
        )),
    ];
    if let Some(ne) = &r.not_evaluated {
        out.push(p(&format!(
            "Not evaluated: {ne}. Keyflow cannot say what AWS would answer."
        )));
        return Ok(el("div", json!({}), out));
    }
    match &r.error {
        Some(e) => {
            out.push(el(
                "p",
                json!({"class": "aws-error", "data-testid": "lockout-error"}),
                vec![
                    el("span", json!({"class": "err-code"}), vec![json!(e.code)]),
                    json!(": "),
                    el("span", json!({"class": "err-msg"}), vec![json!(e.message)]),
                ],
            ));
            if let Some(cli) = &r.cli_error {
                out.push(el("pre", json!({"class": "cli-error"}), vec![json!(cli)]));
            }
            out.push(source("AWS's answer — source: ", &e.source));
            out.push(p(&format!("Why: {}", r.caller_why)));
        }
        None => out.push(el(
            "p",
            json!({"class": "small", "data-testid": "lockout-passes"}),
            vec![json!(format!(
                "AWS's lockout check passes: {} could still change the key policy ({}).",
                r.caller, r.caller_why
            ))],
        )),
    }
    match &r.warning {
        Some(w) => {
            out.push(el(
                "p",
                json!({"class": "warn-note", "data-testid": "lockout-warning"}),
                vec![
                    el("strong", json!({}), vec![json!(format!("{}: ", w.label))]),
                    json!(w.text),
                ],
            ));
            out.push(source("Source: ", &w.source));
        }
        None => out.extend(list(
            "Who could change the key policy afterwards:",
            r.can_change
                .iter()
                .map(|c| {
                    let (word, detail) = cell_text(c);
                    format!("{} ({word}): {}", c.principal, detail.replace('\n', "; "))
                })
                .collect(),
        )),
    }
    Ok(el("div", json!({}), out))
}
