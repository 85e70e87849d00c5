//! What the results column shows: the current run, or — while a policy does
//! not parse — the last run of this scenario in which every policy parsed,
//! marked stale, with the position of what does not parse.

use std::rc::Rc;

use keyflow_policy::{LineIndex, Severity};
use keyflow_sim::{PolicyId, PolicyOrigin, Scenario};
use yew::prelude::*;

use crate::{ByPtr, Run};

/// A policy text that does not parse: where, and the parser's message.
#[derive(Clone, Debug, PartialEq)]
pub struct Unparsable {
    pub policy: PolicyId,
    pub line: u32,
    pub column: u32,
    pub offset: usize,
    pub message: String,
}

/// The run on show and why it may be out of date.
pub struct Shown {
    pub run: Rc<Run>,
    /// True when `run` is an earlier result, kept while a policy does not parse.
    pub stale: bool,
    pub broken: Vec<Unparsable>,
}

/// The scenario's policies that do not parse, in the run's order.
pub fn unparsable(run: &Run, s: &Scenario) -> Vec<Unparsable> {
    run.report
        .policies
        .iter()
        .filter(|p| p.origin == PolicyOrigin::Scenario)
        .filter_map(|p| {
            let d = p
                .diagnostics
                .iter()
                .find(|d| d.severity == Severity::Error)?;
            let text = s.policy_text(&p.id).unwrap_or("");
            let at = LineIndex::new(text).position(d.span.start);
            Some(Unparsable {
                policy: p.id.clone(),
                line: at.line,
                column: at.column,
                offset: d.span.start as usize,
                message: d.message.clone(),
            })
        })
        .collect()
}

#[hook]
pub fn use_shown(run: Rc<Run>, scenario: Rc<Scenario>, generation: u32) -> Rc<Shown> {
    let last = use_mut_ref(|| None::<(u32, Rc<Run>)>);
    use_memo((ByPtr(run), generation), move |(run, generation)| {
        let run = run.0.clone();
        let broken = unparsable(&run, &scenario);
        let mut last = last.borrow_mut();
        if broken.is_empty() {
            *last = Some((*generation, run.clone()));
            return Shown {
                run,
                stale: false,
                broken,
            };
        }
        match last.as_ref() {
            Some((g, good)) if g == generation => Shown {
                run: good.clone(),
                stale: true,
                broken,
            },
            _ => Shown {
                run,
                stale: false,
                broken,
            },
        }
    })
}
