//! The Keyflow playground. It only renders and edits state; every decision it
//! shows comes from the engine crates.
//!
//! One [`state::State`] lives in `use_reducer`; the report is derived from
//! its scenario with `use_memo`, so every edit re-runs every flow at once.
//! Both travel to the components through one context, [`AppContext`].

pub mod components;
pub mod engine;
pub mod hooks;
pub mod state;
pub mod text;
pub mod tools;

use std::rc::Rc;

use keyflow_sim::{Report, Scenario};
use yew::prelude::*;

use hooks::browser;
use state::{Action, Origin, State};

/// What one run of the scenario produced, and how long the engine took.
pub struct Run {
    pub report: Report,
    pub marks: engine::PolicyMarks,
    /// Milliseconds spent in `keyflow_sim::run` (and in parsing/linting for the editors).
    pub engine_ms: f64,
    pub lint_ms: f64,
}

/// The compare view's what-if: the changes on offer and the run with the chosen one.
pub type Compared = Option<(Vec<keyflow_sim::WhatIf>, Report)>;

/// Handed to every view: the state handle and what is derived from it.
#[derive(Clone)]
pub struct AppContext {
    pub state: UseReducerHandle<State>,
    pub run: Rc<Run>,
    /// Computed only while the compare view is in front.
    pub compare: Rc<Compared>,
}

impl PartialEq for AppContext {
    fn eq(&self, other: &Self) -> bool {
        self.state == other.state
            && Rc::ptr_eq(&self.run, &other.run)
            && Rc::ptr_eq(&self.compare, &other.compare)
    }
}

impl AppContext {
    pub fn dispatch(&self, action: Action) {
        self.state.dispatch(action);
    }
}

/// The scenario file format without indentation.
fn compact_json(s: &Scenario) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// Whole microseconds as text; avoids pulling float formatting into the bundle.
fn micros(ms: f64) -> String {
    ((ms * 1000.0).max(0.0) as u64).to_string()
}

/// Engine status line: proves the engine answered inside the page.
fn engine_line() -> String {
    format!("engine keyflow-policy {}", keyflow_policy::VERSION)
}

/// Origin as stored next to the autosave.
fn origin_tag(origin: &Origin) -> String {
    match origin {
        Origin::Builtin(name) => format!("builtin:{name}"),
        Origin::Blank => "blank".into(),
        Origin::Shared => "shared".into(),
        Origin::Saved => "saved".into(),
    }
}

fn origin_from_tag(tag: &str) -> Origin {
    match tag.split_once(':') {
        Some(("builtin", name)) => Origin::Builtin(name.to_string()),
        _ if tag == "blank" => Origin::Blank,
        _ if tag == "shared" => Origin::Shared,
        _ => Origin::Saved,
    }
}

/// The state a page opens with: the autosave (or the default scenario), then
/// the share link in the fragment, if any.
fn initial_state() -> State {
    let saved = browser::load_saved().and_then(|s| {
        let scenario = Scenario::from_json(&s.json).ok()?;
        let mut state = State::new(scenario, origin_from_tag(&s.origin));
        state.edited = s.edited;
        Some(state)
    });
    let state = saved.unwrap_or_else(|| {
        let scenario = engine::default_scenario();
        let name = scenario.name.clone();
        State::new(scenario, Origin::Builtin(name))
    });
    match browser::fragment() {
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

fn run_scenario(s: &Scenario, tools_loaded: bool) -> Run {
    let t0 = browser::now_ms();
    let report = keyflow_sim::run(s);
    let t1 = browser::now_ms();
    let marks = engine::all_marks(s, |text, slot| {
        tools_loaded
            .then(|| tools::lint(text, slot.kind()))
            .flatten()
            .and_then(|json| engine::marks_from_tools(&json))
    });
    let t2 = browser::now_ms();
    Run {
        report,
        marks,
        engine_ms: t1 - t0,
        lint_ms: t2 - t1,
    }
}

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer_eq(initial_state);
    // boot.js loads the tools module (the linter) after first paint and says so.
    let tools_loaded = use_state(tools::loaded);
    {
        let tools_loaded = tools_loaded.clone();
        use_effect_with((), move |_| {
            let listener =
                browser::on_window_event("keyflow-tools", move || tools_loaded.set(true));
            move || drop(listener)
        });
    }
    let run = use_memo(
        (state.scenario.clone(), *tools_loaded),
        |(s, tools_loaded)| run_scenario(s, *tools_loaded),
    );
    let comparing = state.view == state::View::Compare;
    let compare = use_memo(
        (state.scenario.clone(), state.compare, comparing),
        |(s, choice, comparing)| {
            if !*comparing {
                return None;
            }
            let changes = keyflow_sim::what_ifs(s);
            let change = changes.get(*choice).or(changes.first())?.clone();
            let after = keyflow_sim::run(&change.apply_to(s));
            Some((changes, after))
        },
    );

    // Autosave every change; the share-link decision and the previous work
    // are saved too, so a reload never loses either.
    {
        let snapshot = (
            state.scenario.clone(),
            state.origin.clone(),
            state.edited,
            state.previous.clone(),
        );
        use_effect_with(snapshot, |(scenario, origin, edited, previous)| {
            // Compact JSON, not the share form: it keeps every policy's text
            // exactly (and, unlike the pretty form, adds no code to the bundle).
            let prev = previous.as_ref().map(|p| compact_json(p));
            browser::save(
                &compact_json(scenario),
                &origin_tag(origin),
                *edited,
                prev.as_deref(),
            );
        });
    }

    // A link pasted into the address bar of the open page.
    {
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            let listener = browser::on_fragment_change(move |fragment| {
                browser::clear_fragment();
                dispatcher.dispatch(link_action(&fragment));
            });
            move || {
                browser::remove_fragment_listener();
                drop(listener);
            }
        });
    }

    let ctx = AppContext {
        state: state.clone(),
        run: run.clone(),
        compare,
    };
    html! {
        <ContextProvider<AppContext> context={ctx.clone()}>
            <div class="app" data-testid="app" data-revision={state.revision.to_string()}
                data-tools={if *tools_loaded { "loaded" } else { "pending" }}
                data-engine-us={micros(run.engine_ms)} data-lint-us={micros(run.lint_ms)}>
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
                        { components::settings::settings(&ctx) }
                    </aside>
                    <section class="editors" aria-label="Policies">
                        { components::policies::policies(&ctx) }
                    </section>
                    <section class="results" aria-label="Results">
                        { components::results::results(&ctx) }
                    </section>
                </main>
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
