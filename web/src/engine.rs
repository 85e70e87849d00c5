//! The page's view of the engine: diagnostics per editor, the explanation of
//! one check, and the scenarios a page starts from. No DOM here; all of it
//! runs natively in tests.

use std::rc::Rc;

use keyflow_policy::LineIndex;
use keyflow_sim::{Check, PolicyId, PolicySlot, Scenario};

use crate::components::editor::{Mark, Severity};
use crate::helper::Lints;

/// Parse findings of one policy text, as editor marks. Lints come from the
/// helper (see [`crate::helper::Lints`]) and join them in [`all_marks`].
pub fn marks(text: &str, slot: PolicySlot) -> Vec<Mark> {
    let kind = slot.kind();
    let parsed = keyflow_policy::parse(text, kind);
    let index = LineIndex::new(text);
    let mut out: Vec<Mark> = parsed
        .diagnostics
        .into_iter()
        .map(|d| {
            let at = index.position(d.span.start);
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
                line: at.line,
                column: at.column,
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

/// Parse marks by policy, kept from one run to the next: only a policy whose
/// text changed is parsed again for its marks.
#[derive(Default)]
pub struct MarkCache(Vec<(PolicyId, String, Rc<Vec<Mark>>)>);

/// Two lists sorted by position, merged in order.
fn merge(a: &[Mark], b: &[Mark]) -> Vec<Mark> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        if y.range.start < x.range.start {
            out.push(y.clone());
            j += 1;
        } else {
            out.push(x.clone());
            i += 1;
        }
    }
    out.extend(a.iter().skip(i).cloned());
    out.extend(b.iter().skip(j).cloned());
    out
}

/// The helper's marks for `old` (the text it linted) carried over to `new`
/// until its answer for `new` arrives, so that the problems list and the
/// counts do not empty and refill on every keystroke: marks before the edited
/// stretch keep their place, marks after it move with the text, marks
/// touching it are dropped. Quick fixes are not carried (they name positions
/// in the old text); they come back with the answer.
fn carry_over(old: &str, new: &str, marks: &[Mark]) -> Vec<Mark> {
    let mut prefix = old
        .bytes()
        .zip(new.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    while !(old.is_char_boundary(prefix) && new.is_char_boundary(prefix)) {
        prefix -= 1;
    }
    let longest = old.len().min(new.len()) - prefix;
    let mut suffix = old
        .bytes()
        .rev()
        .zip(new.bytes().rev())
        .take(longest)
        .take_while(|(a, b)| a == b)
        .count();
    while !(old.is_char_boundary(old.len() - suffix) && new.is_char_boundary(new.len() - suffix)) {
        suffix -= 1;
    }
    let (old_end, new_end) = (old.len() - suffix, new.len() - suffix);
    let mut index = None;
    marks
        .iter()
        .filter_map(|m| {
            let (range, moved) = if m.range.end <= prefix {
                (m.range.clone(), false)
            } else if m.range.start >= old_end {
                let to_new = |at: usize| at - old_end + new_end;
                (to_new(m.range.start)..to_new(m.range.end), true)
            } else {
                return None;
            };
            let (line, column) = if moved {
                let at = index
                    .get_or_insert_with(|| LineIndex::new(new))
                    .position(u32::try_from(range.start).unwrap_or(u32::MAX));
                (at.line, at.column)
            } else {
                (m.line, m.column)
            };
            Some(Mark {
                range,
                line,
                column,
                fixes: Vec::new(),
                ..m.clone()
            })
        })
        .collect()
}

/// Marks for every policy of the scenario, in `policy_fields` order: parse
/// findings, then the helper's lints and name-mismatch findings — for a
/// policy edited since the helper saw it, its marks carried over to the new
/// text ([`carry_over`]).
pub fn all_marks(s: &Scenario, lints: Option<&Lints>, cache: &mut MarkCache) -> PolicyMarks {
    let mut next = Vec::new();
    let mut out = Vec::new();
    for f in s.policy_fields() {
        let parsed = match cache
            .0
            .iter()
            .position(|(id, text, _)| *id == f.id && *text == f.text)
        {
            Some(i) => cache.0.swap_remove(i).2,
            None => Rc::new(marks(&f.text, f.slot)),
        };
        let linted = lints.and_then(|l| {
            let text = l.scenario.policy_text(&f.id)?;
            let (_, marks) = l.by_policy.iter().find(|(id, _)| *id == f.id)?;
            Some((text, marks.as_slice()))
        });
        let extra = match linted {
            Some((text, marks)) if text == f.text => std::borrow::Cow::Borrowed(marks),
            Some((text, marks)) => std::borrow::Cow::Owned(carry_over(text, &f.text, marks)),
            None => std::borrow::Cow::Borrowed(&[][..]),
        };
        let all = if extra.is_empty() {
            Rc::clone(&parsed)
        } else {
            Rc::new(merge(&parsed, &extra))
        };
        out.push((f.id.clone(), all));
        next.push((f.id, f.text, parsed));
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

/// A built-in scenario. Read without the cross-reference checks: the
/// simulator's tests check every built-in, and the page leaves those checks
/// (and their code) to the helper.
pub fn builtin(name: &str) -> Option<Scenario> {
    Scenario::from_json_unchecked(keyflow_sim::builtin(name)?.json).ok()
}

/// The scenario a page opens with when it has nothing else.
pub fn default_scenario() -> Scenario {
    keyflow_sim::builtins()
        .iter()
        .find_map(|b| builtin(b.name))
        .unwrap_or_else(blank)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(text: &str, word: &str) -> Mark {
        let start = text.find(word).unwrap_or(usize::MAX);
        let at = LineIndex::new(text).position(u32::try_from(start).unwrap_or(0));
        Mark {
            range: start..start + word.len(),
            severity: Severity::Warning,
            code: "KF104".into(),
            message: format!("about {word}"),
            help: None,
            line: at.line,
            column: at.column,
            fixes: vec![crate::helper::QuickFix {
                policy: PolicyId::Key("k".into()),
                start: 0,
                label: "fix".into(),
            }],
        }
    }

    #[test]
    fn marks_carried_over_an_edit_stay_put_before_it_move_after_it_and_go_where_it_touched() {
        let old = "{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3\n}";
        let marks = [mark(old, "\"a\""), mark(old, "\"b\""), mark(old, "\"c\"")];
        // A line typed between "a" and "b", and "b" itself edited.
        let new = "{\n  \"a\": 1,\n  \"Id\": \"x\",\n  \"bb\": 2,\n  \"c\": 3\n}";
        let carried = carry_over(old, new, &marks);
        let on = |m: &Mark| (&new[m.range.clone()], m.line, m.column);
        assert_eq!(
            carried.iter().map(on).collect::<Vec<_>>(),
            [("\"a\"", 2, 3), ("\"c\"", 5, 3)]
        );
        assert!(
            carried.iter().all(|m| m.fixes.is_empty()),
            "fixes name old positions"
        );
        assert_eq!(carried[0].message, "about \"a\"");
        // Unchanged text: every mark as it was (but the fixes).
        assert_eq!(carry_over(old, old, &marks).len(), 3);
        // A changed character sharing its first byte with the old one ("é" → "è"):
        // positions stay on character boundaries.
        let (old, new) = ("\"é\": \"c\"", "\"è\": \"c\"");
        let carried = carry_over(old, new, &[mark(old, "\"é\""), mark(old, "\"c\"")]);
        assert_eq!(carried.len(), 1);
        assert_eq!(&new[carried[0].range.clone()], "\"c\"");
    }

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
        assert!(all_marks(&s, None, &mut MarkCache::default()).0.is_empty());
    }

    #[test]
    fn marks_are_cached_per_policy_text_and_lints_join_while_the_text_is_theirs() {
        let s = keyflow_sim::builtin("alb-logs-cmk")
            .unwrap()
            .scenario()
            .unwrap();
        let mut cache = MarkCache::default();
        let first = all_marks(&s, None, &mut cache);
        let key = PolicyId::Key(s.keys[0].id.clone());
        let again = all_marks(&s, None, &mut cache);
        assert!(Rc::ptr_eq(
            first.get(&key).unwrap(),
            again.get(&key).unwrap()
        ));
        // A bucket policy naming another bucket: the helper's finding joins the marks.
        let mut t = s.clone();
        let text = t.buckets[0]
            .policy
            .clone()
            .unwrap()
            .replace("test-alb-access-logs/", "other-logs/");
        t.buckets[0].policy = Some(text);
        let t = Rc::new(t);
        let answer = crate::helper::handle(&crate::helper::request_lint(&t));
        let lints = crate::helper::parse_lints(t.clone(), &answer).unwrap();
        let marks = all_marks(&t, Some(&lints), &mut cache);
        let bucket = PolicyId::Bucket("test-alb-access-logs".into());
        let m = marks
            .get(&bucket)
            .unwrap()
            .iter()
            .find(|m| m.code == "unknown-name")
            .unwrap();
        assert_eq!((m.line, m.severity), (10, Severity::Warning));
        // Marks stay sorted by position.
        let list = marks.get(&bucket).unwrap();
        assert!(
            list.windows(2)
                .all(|w| w[0].range.start <= w[1].range.start)
        );
        // Once the text changes, the old lints no longer apply to it.
        let mut u = (*t).clone();
        u.buckets[0].policy = s.buckets[0].policy.clone();
        let marks = all_marks(&u, Some(&lints), &mut cache);
        assert!(
            marks
                .get(&bucket)
                .unwrap()
                .iter()
                .all(|m| m.code != "unknown-name")
        );
    }

    #[test]
    fn misspelled_operator_is_marked_on_its_line() {
        let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\n    \"Effect\": \"Allow\",\n    \"Action\": \"kms:Decrypt\",\n    \"Resource\": \"*\",\n    \"Condition\": {\"StringEqual\": {\"aws:username\": \"x\"}}\n  }]\n}";
        let mut s = blank();
        s.principals.push(keyflow_sim::Principal {
            policies: vec![keyflow_sim::NamedPolicy {
                name: "p".into(),
                document: text.into(),
            }],
            ..keyflow_sim::Principal::new("u", keyflow_sim::PrincipalKind::User)
        });
        let s = Rc::new(s);
        let lints = crate::helper::parse_lints(
            s.clone(),
            &crate::helper::handle(&crate::helper::request_lint(&s)),
        )
        .unwrap();
        let m = &lints.by_policy[0].1;
        assert!(
            m.iter()
                .any(|m| m.line == 7 && m.severity == Severity::Error),
            "{m:?}"
        );
    }
}
