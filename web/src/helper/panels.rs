//! The worker's side of the panels the page asks for: "Fix it" for a failing
//! step, the access view of one key or bucket, and the PutKeyPolicy lockout
//! what-if. Each answer is rows of text (`[kind, field…]`) that the page
//! renders as they are (`components::panel`): every word and link comes from
//! the sim's typed data, and the page holds no fix search, access view or
//! lockout check of its own.

use keyflow_sim::access::{BUCKET_OPERATIONS, ConditionRole, KEY_OPERATIONS};
use keyflow_sim::fix::{DiffLine, DiffOp, FixStatus, StepFix};
use keyflow_sim::sources::Source;
use keyflow_sim::{AccessCell, PolicyId, Scenario, Verdict};

type Row = Vec<String>;

fn row<const N: usize>(parts: [&str; N]) -> Row {
    parts.iter().map(|p| p.to_string()).collect()
}

/// A source as a row: a link for an AWS page, its label otherwise.
fn source_row(prefix: &str, s: &Source) -> Row {
    match s {
        Source::Doc(d) => row(["a", prefix, d.title, d.url]),
        other => row(["a", prefix, &other.label(), ""]),
    }
}

/// The changed lines of a diff with two lines of context, `…` between hunks.
/// Each line starts with `+`, `−` or a space, then its line number.
fn diff_lines(diff: &[DiffLine]) -> Vec<String> {
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
            out.push("  …".to_string());
        }
        gap = false;
        let mark = match d.op {
            DiffOp::Added => '+',
            DiffOp::Removed => '−',
            DiffOp::Same => ' ',
        };
        let n = d.after.or(d.before).unwrap_or(0);
        out.push(format!("{mark}{n:>4} {}", d.text));
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

/// The rows of the Fix panel: status, then each candidate as the sim ranks it.
pub fn fix_rows(f: &StepFix) -> Vec<Row> {
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
    let mut out = vec![row(["status", f.status.as_str(), &status])];
    for c in &f.candidates {
        out.push(row(["cand", &c.rank.to_string(), &c.title, c.label]));
        for w in &c.why {
            out.push(row(["p", w]));
        }
        for s in &c.settings {
            out.push(row([
                "p",
                &format!("Setting {}: {} → {}", s.path, s.before, s.after),
            ]));
        }
        for p in &c.changes {
            let mut r = row([
                "diff",
                &format!(
                    "{}{} {}{}",
                    if p.created { "new " } else { "" },
                    policy_kind(&p.policy),
                    p.policy,
                    p.path
                        .as_ref()
                        .map(|x| format!(" · {x}"))
                        .unwrap_or_default()
                ),
            ]);
            r.extend(diff_lines(&p.diff));
            out.push(r);
        }
        for k in &c.conditions {
            out.push(source_row(
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
            out.push(source_row("Source: ", s));
        }
        let mut flips = row(["ul", "Checks that flip:"]);
        flips.extend(c.flips.iter().map(|x| {
            format!(
                "{}: {} → {}",
                x.id,
                verdict_word(x.before, "not requested"),
                verdict_word(x.after, "no longer requested")
            )
        }));
        out.push(flips);
    }
    if n > 0 && !f.rejected.is_empty() {
        let mut r = row(["ul", "Not offered:"]);
        r.extend(f.rejected.iter().map(|x| format!("{}: {}", x.kind, x.why)));
        out.push(r);
    }
    out
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
fn cell_text(c: &AccessCell) -> (String, String) {
    let word = match c.decision {
        Verdict::Allowed if c.conditions.is_empty() => "yes",
        Verdict::Allowed => "yes, if",
        Verdict::NotEvaluated => "not evaluated",
        _ => "no",
    };
    let mut detail = c.why.clone();
    let mut last: Option<usize> = None;
    for k in &c.conditions {
        let mark = match (k.role, k.alternative) {
            (ConditionRole::DeniesWhen, _) => "but",
            (ConditionRole::AllowsWhen, None) => "if",
            (ConditionRole::AllowsWhen, Some(a)) if last == Some(a) => "and",
            (ConditionRole::AllowsWhen, Some(0)) => "if",
            (ConditionRole::AllowsWhen, Some(_)) => "or if",
        };
        last = k.alternative;
        detail.push_str(&format!("\n{mark}: {}", k.text));
    }
    (word.to_string(), detail)
}

/// The access table of one key (`key:ID`) or bucket (`bucket:NAME`): a row
/// `["ops", operation…]`, then per principal `["row", principal, arn,
/// (answer, detail)…]`.
pub fn access_rows(s: &Scenario, what: &str) -> Result<Vec<Row>, String> {
    let (ops, resource): (&[&str], &str) = if let Some(k) = what.strip_prefix("key:") {
        (&KEY_OPERATIONS, k)
    } else if let Some(b) = what.strip_prefix("bucket:") {
        (&BUCKET_OPERATIONS, b)
    } else {
        return Err(format!("no key or bucket `{what}`"));
    };
    let columns = ops
        .iter()
        .map(|op| keyflow_sim::who_can(s, op, Some(resource)).map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = vec![
        std::iter::once("ops")
            .chain(ops.iter().copied())
            .map(str::to_string)
            .collect::<Row>(),
    ];
    for first in columns.first().map(Vec::as_slice).unwrap_or_default() {
        let mut r = row(["row", &first.principal, &first.arn]);
        for col in &columns {
            let (word, detail) = col
                .iter()
                .find(|c| c.principal == first.principal)
                .map_or(("—".into(), String::new()), cell_text);
            r.push(word);
            r.push(detail);
        }
        out.push(r);
    }
    Ok(out)
}

/// The lockout what-if of `caller` putting the key policy the scenario now
/// holds on `key`: AWS's answer, then Keyflow's own warning.
pub fn lockout_rows(s: &Scenario, key: &str, caller: &str) -> Result<Vec<Row>, String> {
    let text = s
        .policy_text(&PolicyId::Key(key.to_string()))
        .ok_or_else(|| format!("no key `{key}` in the scenario"))?;
    let r = keyflow_sim::put_key_policy(s, key, caller, text).map_err(|e| e.to_string())?;
    let mut out = vec![row([
        "p",
        &format!(
            "PutKeyPolicy on {} by {} ({}) with the text in the editor:",
            r.key, r.caller, r.caller_arn
        ),
    ])];
    if let Some(ne) = &r.not_evaluated {
        out.push(row([
            "p",
            &format!("Not evaluated: {ne}. Keyflow cannot say what AWS would answer."),
        ]));
        return Ok(out);
    }
    match &r.error {
        Some(e) => {
            out.push(row(["err", &e.code, &e.message]));
            if let Some(cli) = &r.cli_error {
                out.push(row(["p", cli]));
            }
            out.push(source_row("AWS's answer — source: ", &e.source));
            out.push(row(["p", &format!("Why: {}", r.caller_why)]));
        }
        None => out.push(row([
            "p",
            &format!(
                "AWS's lockout check passes: {} could still change the key policy ({}).",
                r.caller, r.caller_why
            ),
        ])),
    }
    match &r.warning {
        Some(w) => {
            out.push(row(["warn", w.label, &w.text]));
            out.push(source_row("Source: ", &w.source));
        }
        None => {
            let mut who = row(["ul", "Who could change the key policy afterwards:"]);
            who.extend(r.can_change.iter().map(|c| {
                let (word, detail) = cell_text(c);
                format!("{} ({word}): {}", c.principal, detail.replace('\n', "; "))
            }));
            out.push(who);
        }
    }
    Ok(out)
}
