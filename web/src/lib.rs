//! The Keyflow playground. It only renders and edits state; every decision it
//! shows comes from the engine crates.
//!
//! One [`state::State`] lives in `use_reducer`; the report is derived from
//! its scenario with `use_memo`, so every edit re-runs every flow at once.
//! Both travel to the components through one context, [`AppContext`]. Work
//! that is rarely needed and heavy (rename refactoring, adding a flow,
//! writing share links) runs in an on-demand worker, see [`helper`].

pub mod components;
pub mod engine;
pub mod helper;
pub mod hooks;
pub mod state;
pub mod text;

use std::cell::RefCell;
use std::rc::Rc;

use keyflow_sim::{Report, Scenario};
use yew::prelude::*;

use hooks::browser;
use hooks::shown::Shown;
use state::{Action, CompareWith, Origin, State};

/// An `Rc` compared by address: for memo keys of values without `PartialEq`.
pub struct ByPtr<T>(pub Rc<T>);

impl<T> PartialEq for ByPtr<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// What one run of the scenario produced, and how long the engine took.
pub struct Run {
    pub report: Report,
    pub marks: engine::PolicyMarks,
    /// Milliseconds spent in `keyflow_sim::run` (and in parsing/linting for the editors).
    pub engine_ms: f64,
    pub lint_ms: f64,
}

/// The compare view: the earlier and the later run, and what the choice is called.
pub struct Compared {
    pub before: Report,
    pub after: Report,
    /// The what-ifs on offer for the scenario on screen.
    pub what_ifs: Vec<keyflow_sim::WhatIf>,
}

/// Handed to every view: the state handle and what is derived from it.
#[derive(Clone)]
pub struct AppContext {
    pub state: UseReducerHandle<State>,
    /// The run of the scenario on screen (marks and findings for the editors).
    pub run: Rc<Run>,
    /// The run the results column shows (an earlier one while a policy does not parse).
    pub shown: Rc<Shown>,
    /// Computed only while the compare view is in front.
    pub compare: Rc<Option<Compared>>,
}

impl PartialEq for AppContext {
    fn eq(&self, other: &Self) -> bool {
        self.state == other.state
            && Rc::ptr_eq(&self.run, &other.run)
            && Rc::ptr_eq(&self.shown, &other.shown)
            && Rc::ptr_eq(&self.compare, &other.compare)
    }
}

impl AppContext {
    pub fn dispatch(&self, action: Action) {
        self.state.dispatch(action);
    }

    /// The report the results column shows.
    pub fn report(&self) -> &Report {
        &self.shown.run.report
    }
}

/// Whole microseconds as text; avoids pulling float formatting into the bundle.
fn micros(ms: f64) -> String {
    ((ms * 1000.0).max(0.0) as u64).to_string()
}

/// Engine status line: proves the engine answered inside the page.
fn engine_line() -> String {
    format!("engine keyflow-policy {}", keyflow_policy::VERSION)
}

/// The state a page opens with: what this browser kept (or the default
/// scenario), then the share link in the fragment, if any.
fn initial_state() -> State {
    let state = hooks::persist::saved_state().unwrap_or_else(|| {
        let scenario = engine::default_scenario();
        let name = scenario.name.clone();
        State::new(scenario, Origin::Builtin(name))
    });
    match browser::fragment().filter(|f| keyflow_share::looks_like_link(f)) {
        Some(fragment) => {
            browser::clear_fragment();
            state::reduce(&state, link_action(&fragment))
        }
        None => state,
    }
}

fn link_action(fragment: &str) -> Action {
    match keyflow_share::decode(fragment) {
        Ok(scenario) => Action::LinkOpened(scenario),
        Err(e) => Action::LinkBroken {
            message: e.to_string(),
            default: engine::default_scenario(),
        },
    }
}

fn run_scenario(s: &Scenario, cache: &RefCell<engine::MarkCache>) -> Run {
    let t0 = browser::now_ms();
    let report = keyflow_sim::run(s);
    let t1 = browser::now_ms();
    let marks = engine::all_marks(s, &report.findings, &mut cache.borrow_mut());
    let t2 = browser::now_ms();
    Run {
        report,
        marks,
        engine_ms: t1 - t0,
        lint_ms: t2 - t1,
    }
}

/// The scenario the compare view sets beside the one on screen, and whether
/// it is the earlier one (own states) or the later one (what-ifs).
fn compare_other(state: &State, what_ifs: &[keyflow_sim::WhatIf]) -> Option<(Rc<Scenario>, bool)> {
    match state.compare {
        CompareWith::WhatIf(i) => {
            let w = what_ifs.get(i).or(what_ifs.first())?;
            Some((Rc::new(w.apply_to(&state.scenario)), false))
        }
        CompareWith::Checkpoint => Some((state.checkpoint.as_ref()?.scenario.clone(), true)),
        CompareWith::Builtin => {
            let name = match &state.origin {
                Origin::Builtin(n) => n.clone(),
                _ => return None,
            };
            let s = keyflow_sim::builtin(&name)?.scenario().ok()?;
            Some((Rc::new(s), true))
        }
        CompareWith::Draft(id) => Some((state.draft(id)?.scenario.clone(), true)),
    }
}

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer_eq(initial_state);
    let cache = use_mut_ref(engine::MarkCache::default);
    let run = use_memo(state.scenario.clone(), move |s| run_scenario(s, &cache));
    let shown = hooks::shown::use_shown(run.clone(), state.scenario.clone(), state.generation);
    let comparing = state.view == state::View::Compare;
    let compare = {
        let what_ifs = if comparing {
            keyflow_sim::what_ifs(&state.scenario)
        } else {
            Vec::new()
        };
        let other = comparing.then(|| compare_other(&state, &what_ifs)).flatten();
        let now = ByPtr(shown.run.clone());
        use_memo((other, now), move |(other, now)| {
            let (other, earlier) = other.as_ref()?;
            let other = keyflow_sim::run(other);
            let now = now.0.report.clone();
            let (before, after) = if *earlier { (other, now) } else { (now, other) };
            Some(Compared {
                before,
                after,
                what_ifs,
            })
        })
    };
    hooks::persist::use_persist(&state);

    // A link pasted into the address bar of the open page; Escape closes dialogs.
    {
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            let links = dispatcher.clone();
            let listener = browser::on_fragment_change(move |fragment| {
                if keyflow_share::looks_like_link(&fragment) {
                    browser::clear_fragment();
                    links.dispatch(link_action(&fragment));
                }
            });
            let keys = browser::on_key(move |key| {
                if key == "Escape" {
                    dispatcher.dispatch(Action::Escape);
                }
            });
            move || {
                browser::remove_fragment_listener();
                browser::remove_key_listener();
                drop(listener);
                drop(keys);
            }
        });
    }

    // Keyboard focus follows the rename dialog: into it when it opens or
    // fills in, back to the settings when it closes.
    {
        let phase = match &state.rename {
            None => 0,
            Some(state::Rename::Working { .. }) => 1,
            Some(state::Rename::Ready(_)) => 2,
            Some(state::Rename::Refused { .. }) => 3,
        };
        use_effect_with(phase, |&phase| match phase {
            2 => browser::focus("rename-apply"),
            1 | 3 => browser::focus("rename-close"),
            _ => {}
        });
    }

    let ctx = AppContext {
        state: state.clone(),
        run: run.clone(),
        shown,
        compare,
    };
    let skip = Callback::from(|e: MouseEvent| {
        e.prevent_default();
        browser::focus("results");
    });
    html! {
        <ContextProvider<AppContext> context={ctx.clone()}>
            <div class="app" data-testid="app" data-revision={state.revision.to_string()}
                data-engine-us={micros(run.engine_ms)} data-lint-us={micros(run.lint_ms)}>
                <a class="skip" href="#results" onclick={skip} data-testid="skip-link">{ "Skip to the results" }</a>
                <header class="topbar">
                    <h1 class="brand">{ "Keyflow" }</h1>
                    <p class="tagline">{ "How KMS key policies, bucket policies and IAM policies combine when AWS services do the work." }</p>
                    { components::share::share_button(&ctx) }
                    <p class="engine" data-testid="engine-line">{ engine_line() }</p>
                </header>
                { components::notice::notice_bar(&ctx) }
                <main class="layout">
                    <aside class="sidebar" aria-label="Scenario">
                        { components::picker::picker(&ctx) }
                        { components::drafts::drafts(&ctx) }
                        { components::settings::settings(&ctx) }
                    </aside>
                    <section class="editors" aria-label="Policies">
                        { components::policies::policies(&ctx) }
                    </section>
                    <section class="results" id="results" tabindex="-1" aria-label="Results">
                        { components::results::results(&ctx) }
                    </section>
                </main>
                { components::rename::rename_dialog(&ctx) }
            </div>
        </ContextProvider<AppContext>>
    }
}

/// The context, for components. Always present under [`App`]; components
/// render nothing without it (call other hooks before returning early).
#[hook]
pub fn use_app() -> Option<AppContext> {
    use_context::<AppContext>()
}
