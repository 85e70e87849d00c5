//! Drafts and the scenario on screen, kept in this browser's localStorage so
//! that a reload loses nothing.
//!
//! Keys (prefix `keyflow.v2.`): `drafts` lists the drafts, one per line
//! (`id TAB origin TAB name`); `draft.ID` holds a draft's scenario JSON;
//! `current` says what is on screen (`draft:ID` or an origin tag) and
//! `current.json` holds it when it is not a draft.

use std::rc::Rc;

use keyflow_sim::Scenario;
use yew::prelude::*;

use super::browser;
use crate::helper::scenario_json;
use crate::state::{Draft, Origin, State};

fn load_drafts() -> Vec<Draft> {
    let Some(index) = browser::get("drafts") else {
        return Vec::new();
    };
    index
        .lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, '\t');
            let id: u32 = parts.next()?.parse().ok()?;
            let origin = Origin::from_tag(parts.next()?);
            let name = parts.next()?.to_string();
            let json = browser::get(&format!("draft.{id}"))?;
            let scenario = Scenario::from_json(&json).ok()?;
            Some(Draft {
                id,
                name,
                origin,
                scenario: Rc::new(scenario),
            })
        })
        .collect()
}

/// The state an earlier visit left, if any.
pub fn saved_state() -> Option<State> {
    let drafts = load_drafts();
    let current = browser::get("current");
    let mut state = match current.as_deref() {
        Some(tag) if tag.starts_with("draft:") => {
            let id: u32 = tag.trim_start_matches("draft:").parse().ok()?;
            let d = drafts.iter().find(|d| d.id == id)?;
            let mut s = State::new((*d.scenario).clone(), d.origin.clone());
            s.draft = Some(id);
            s.edited = true;
            s
        }
        Some(tag) => {
            let json = browser::get("current.json")?;
            State::new(Scenario::from_json(&json).ok()?, Origin::from_tag(tag))
        }
        None => {
            // The single autosave of the previous version becomes a draft.
            let (json, origin, edited) = browser::legacy_autosave()?;
            let scenario = Scenario::from_json(&json).ok()?;
            let mut s = State::new(scenario, Origin::from_tag(&origin));
            if edited {
                s.drafts.push(Draft {
                    id: 1,
                    name: "Earlier work".into(),
                    origin: s.origin.clone(),
                    scenario: s.scenario.clone(),
                });
                s.draft = Some(1);
                s.edited = true;
            }
            return Some(s);
        }
    };
    state.drafts = drafts;
    Some(state)
}

fn ptr(s: &Rc<Scenario>) -> usize {
    Rc::as_ptr(s) as usize
}

/// Writes what changed after each render: drafts whose scenario changed, the
/// list of drafts, and what is on screen.
#[hook]
pub fn use_persist(state: &State) {
    let written = {
        let initial: Vec<(u32, usize)> = state
            .drafts
            .iter()
            .map(|d| (d.id, ptr(&d.scenario)))
            .collect();
        use_mut_ref(move || initial)
    };
    let key = (
        state
            .drafts
            .iter()
            .map(|d| (d.id, ptr(&d.scenario), d.name.clone()))
            .collect::<Vec<_>>(),
        state.draft,
        ptr(&state.scenario),
        state.origin.tag(),
    );
    let drafts = state.drafts.clone();
    let scenario = state.scenario.clone();
    use_effect_with(key, move |(_, draft, _, origin)| {
        let mut w = written.borrow_mut();
        for d in &drafts {
            let p = ptr(&d.scenario);
            if !w.iter().any(|&(id, q)| id == d.id && q == p) {
                browser::set(&format!("draft.{}", d.id), &scenario_json(&d.scenario));
            }
        }
        for (id, _) in w.iter() {
            if !drafts.iter().any(|d| d.id == *id) {
                browser::remove(&format!("draft.{id}"));
            }
        }
        *w = drafts.iter().map(|d| (d.id, ptr(&d.scenario))).collect();
        let index: Vec<String> = drafts
            .iter()
            .map(|d| {
                let name = d.name.replace(['\t', '\n', '\r'], " ");
                format!("{}\t{}\t{name}", d.id, d.origin.tag())
            })
            .collect();
        browser::set("drafts", &index.join("\n"));
        match draft {
            Some(id) => browser::set("current", &format!("draft:{id}")),
            None => {
                browser::set("current", origin);
                browser::set("current.json", &scenario_json(&scenario));
            }
        }
    });
}
