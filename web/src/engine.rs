//! The page's view of the engine: diagnostics per editor, the explanation of
//! one check, and the scenarios a page starts from. No DOM here; all of it
//! runs natively in tests.

use std::rc::Rc;

use keyflow_policy::LineIndex;
use keyflow_sim::findings::Finding;
use keyflow_sim::{Check, PolicyId, PolicySlot, Scenario};

use crate::components::editor::{Mark, Severity};

/// Parse and lint findings of one policy text, as editor marks.
pub fn marks(text: &str, slot: PolicySlot) -> Vec<Mark> {
    let kind = slot.kind();
    let parsed = keyflow_policy::parse(text, kind);
    let mut diags = parsed.diagnostics.clone();
    diags.extend(keyflow_policy::lint(&parsed, text, kind));
    let index = LineIndex::new(text);
    let mut out: Vec<Mark> = diags
        .into_iter()
        .map(|d| {
            let pos = index.position(d.span.start);
            Mark {
                range: d.span.start as usize..d.span.end as usize,
                severity: match d.severity {
                    keyflow_policy::Severity::Error => Severity::Error,
                    keyflow_policy::Severity::SecurityWarning
                    | keyflow_policy::Severity::Warning => Severity::Warning,
                    keyflow_policy::Severity::Suggestion => Severity::Info,
                },
                code: d.code.to_string(),
                message: d.message,
                help: d.help,
                line: pos.line,
                column: pos.column,
                fixes: Vec::new(),
            }
        })
        .collect();
    // Parse findings come first, lints after; show them in text order. Insertion
    // sort: a few findings, and no extra sort routine in the bundle.
    for i in 1..out.len() {
        let mut j = i;
        while j > 0 && out.get(j - 1).map(|m| m.range.start) > out.get(j).map(|m| m.range.start) {
            out.swap(j - 1, j);
            j -= 1;
        }
    }
    out.dedup();
    out
}

/// Lint marks by policy, kept from one run to the next: only a policy whose
/// text changed is linted again (typing in a 300 KB policy re-lints that
/// policy only).
#[derive(Default)]
pub struct MarkCache(Vec<(PolicyId, String, Rc<Vec<Mark>>)>);

/// Marks for every policy of the scenario, in `policy_fields` order: parse and
/// lint findings, then the scenario's name-mismatch findings at their place.
pub fn all_marks(s: &Scenario, findings: &[Finding], cache: &mut MarkCache) -> PolicyMarks {
    let mut next = Vec::new();
    let mut out = Vec::new();
    for f in s.policy_fields() {
        let lint = match cache.0.iter().position(|(id, text, _)| *id == f.id && *text == f.text) {
            Some(i) => cache.0.swap_remove(i).2,
            None => Rc::new(marks(&f.text, f.slot)),
        };
        let mut all = Rc::clone(&lint);
        let mine = findings.iter().filter(|x| x.policy == f.id);
        for x in mine {
            let list = Rc::make_mut(&mut all);
            let at = list.partition_point(|m| m.range.start <= x.start as usize);
            list.insert(
                at,
                Mark {
                    range: x.start as usize..x.end as usize,
                    severity: Severity::Warning,
                    code: x.code.to_string(),
                    message: x.message.clone(),
                    help: None,
                    line: x.line,
                    column: x.column,
                    fixes: x.fixes.clone(),
                },
            );
        }
        out.push((f.id.clone(), all));
        next.push((f.id, f.text, lint));
    }
    cache.0 = next;
    PolicyMarks(out)
}

/// Marks by policy id. A handful of policies: a list is as fast as a map and smaller in the bundle.
#[derive(Default)]
pub struct PolicyMarks(pub Vec<(PolicyId, Rc<Vec<Mark>>)>);

impl PolicyMarks {
    pub fn get(&self, id: &PolicyId) -> Option<&Rc<Vec<Mark>>> {
        self.0.iter().find(|(i, _)| i == id).map(|(_, m)| m)
    }
}

/// The evaluator's full trace of a check, from the scenario the run used.
pub fn explain(s: &Scenario, check: &Check) -> Option<keyflow_policy::Evaluation> {
    keyflow_sim::explain(s, check)
}

/// "Start blank": an account and a Region, no resources and no flows; flows
/// are added from the menu.
pub fn blank() -> Scenario {
    keyflow_sim::compose::blank()
}

/// The scenario a page opens with when it has nothing else.
pub fn default_scenario() -> Scenario {
    keyflow_sim::builtins()
        .iter()
        .find_map(|b| b.scenario().ok())
        .unwrap_or_else(blank)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_runs_and_every_check_explains_the_same_way() {
        for b in keyflow_sim::builtins() {
            let s = b.scenario().unwrap();
            let report = keyflow_sim::run(&s);
            let missed: Vec<String> = report
                .checks()
                .filter(|c| explain(&s, c).is_none())
                .map(|c| c.id.to_string())
                .collect();
            assert!(missed.is_empty(), "{}: {missed:#?}", b.name);
        }
    }

    #[test]
    fn blank_is_valid_and_empty() {
        let s = blank();
        assert_eq!(s.validate(), Ok(()));
        let report = keyflow_sim::run(&s);
        assert!(report.flows.is_empty());
        assert!(all_marks(&s, &[], &mut MarkCache::default()).0.is_empty());
    }

    #[test]
    fn marks_are_cached_per_policy_text_and_findings_join_them() {
        let mut s = keyflow_sim::builtin("alb-logs-cmk").unwrap().scenario().unwrap();
        let mut cache = MarkCache::default();
        let first = all_marks(&s, &[], &mut cache);
        let key = PolicyId::Key(s.keys[0].id.clone());
        let again = all_marks(&s, &[], &mut cache);
        assert!(Rc::ptr_eq(first.get(&key).unwrap(), again.get(&key).unwrap()));
        // A bucket policy naming another bucket: the finding is a warning with its fixes.
        let text = s.buckets[0].policy.clone().unwrap().replace("test-alb-access-logs/", "other-logs/");
        s.buckets[0].policy = Some(text);
        let findings = keyflow_sim::findings::findings(&s);
        let marks = all_marks(&s, &findings, &mut cache);
        let bucket = PolicyId::Bucket("test-alb-access-logs".into());
        let m = marks.get(&bucket).unwrap().iter().find(|m| m.code == "unknown-name").unwrap();
        assert_eq!((m.line, m.severity), (10, Severity::Warning));
        assert_eq!(m.fixes.len(), 2);
        // The key policy did not change: still the cached marks.
        assert!(Rc::ptr_eq(first.get(&key).unwrap(), marks.get(&key).unwrap()));
    }

    #[test]
    fn misspelled_operator_is_marked_on_its_line() {
        let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\n    \"Effect\": \"Allow\",\n    \"Action\": \"kms:Decrypt\",\n    \"Resource\": \"*\",\n    \"Condition\": {\"StringEqual\": {\"aws:username\": \"x\"}}\n  }]\n}";
        let m = marks(text, PolicySlot::Identity);
        assert!(
            m.iter()
                .any(|m| m.line == 7 && m.severity == Severity::Error),
            "{m:?}"
        );
    }
}
