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
    /// Milliseconds spent in `keyflow_sim::run_flows`.
    pub engine_ms: f64,
}

/// The editors' marks and how long the page spent on them (parsing; lints
/// and findings come from the helper).
pub struct Marks {
    pub by_policy: engine::PolicyMarks,
    pub ms: f64,
}

/// Handed to every view: the state handle and what is derived from it.
#[derive(Clone)]
pub struct AppContext {
    pub state: UseReducerHandle<State>,
    /// The run of the scenario on screen.
    pub run: Rc<Run>,
    /// The editors' marks for the scenario on screen.
    pub marks: Rc<Marks>,
    /// The run the results column shows (an earlier one while a policy does not parse).
    pub shown: Rc<Shown>,
    /// The compare view's tables (from the helper), for the choice they answer.
    pub compare: Rc<Option<(CompareKey, Rc<helper::Compared>)>>,
}

impl PartialEq for AppContext {
    fn eq(&self, other: &Self) -> bool {
        self.state == other.state
            && Rc::ptr_eq(&self.run, &other.run)
            && Rc::ptr_eq(&self.marks, &other.marks)
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
/// scenario), and the share link in the fragment, if any, to open.
fn initial_state() -> State {
    let mut state = hooks::persist::saved_state().unwrap_or_else(|| {
        let scenario = engine::default_scenario();
        let name = scenario.name.clone();
        State::new(scenario, Origin::Builtin(name))
    });
    if let Some(fragment) = browser::fragment().filter(|f| is_link(f)) {
        browser::clear_fragment();
        state.opening = Some(fragment);
    }
    state
}

/// Whether a fragment is meant as a share link (`s=…`); the helper reads it.
/// Other fragments (`#results` from the skip link) are left alone.
fn is_link(fragment: &str) -> bool {
    fragment.trim_start().starts_with("s=") || fragment.contains("&s=")
}

/// The helper opens a link; the answer becomes the action that shows it.
fn open_link(link: &str, dispatcher: UseReducerDispatcher<State>) {
    hooks::helper::ask(helper::request_open(link), move |answer| {
        dispatcher.dispatch(match helper::parse_scenario(&answer) {
            Ok(scenario) => Action::LinkOpened(scenario),
            Err(message) => Action::LinkBroken {
                message,
                default: engine::default_scenario(),
            },
        })
    });
}

fn run_scenario(s: &Scenario) -> Run {
    let t0 = browser::now_ms();
    let report = keyflow_sim::run_flows(s);
    Run {
        report,
        engine_ms: browser::now_ms() - t0,
    }
}

/// What a compare answer is for: the choice and the scenarios it compared.
#[derive(Clone, PartialEq)]
pub struct CompareKey(CompareWith, usize, usize);

/// The scenario the compare view sets beside the one on screen (for the
/// earlier states the page keeps), the helper request, and its key.
fn compare_request(state: &State) -> Option<(String, CompareKey)> {
    let ptr = |s: &Rc<Scenario>| Rc::as_ptr(s) as usize;
    let now = &state.scenario;
    let (request, other) = match state.compare {
        CompareWith::WhatIf(i) => (
            helper::request_compare(now, helper::CompareRequest::WhatIf(i)),
            0,
        ),
        CompareWith::Builtin => match &state.origin {
            Origin::Builtin(name) => (
                helper::request_compare(now, helper::CompareRequest::Builtin(name)),
                1,
            ),
            _ => return None,
        },
        CompareWith::Checkpoint => {
            let e = &state.checkpoint.as_ref()?.scenario;
            (
                helper::request_compare(now, helper::CompareRequest::Earlier(e)),
                ptr(e),
            )
        }
        CompareWith::Draft(id) => {
            let e = &state.draft(id)?.scenario;
            (
                helper::request_compare(now, helper::CompareRequest::Earlier(e)),
                ptr(e),
            )
        }
    };
    Some((request, CompareKey(state.compare, ptr(now), other)))
}

/// Keeps a panel's answer (`state::Asked`) in step with the scenario: asks
/// the helper about `want` whenever the answer on hand is for another
/// question or an earlier scenario, one request at a time. The request is
/// sent while rendering (no effect: one less generic instance in the
/// bundle); the in-flight flag makes a repeated render ask once.
#[hook]
fn use_answer(state: &UseReducerHandle<State>, panel: helper::Panel, want: Option<String>) {
    let in_flight = use_mut_ref(|| false);
    // An answer the panel no longer wants changes no state: render anyway, to ask again.
    let update = use_force_update();
    let Some(what) = want else { return };
    let fresh = state.asked(panel).is_some_and(|a| {
        a.tree.is_some() && a.what == what && Rc::ptr_eq(&a.scenario, &state.scenario)
    });
    if fresh || *in_flight.borrow() {
        return;
    }
    *in_flight.borrow_mut() = true;
    let scenario = state.scenario.clone();
    let dispatcher = state.dispatcher();
    hooks::helper::ask(
        helper::request_panel(panel, &helper::scenario_json(&scenario), &what),
        move |answer| {
            *in_flight.borrow_mut() = false;
            update.force_update();
            let tree = Some(helper::parse_tree(&answer));
            dispatcher.dispatch(Action::Answer(
                panel,
                state::Asked {
                    what,
                    scenario,
                    tree,
                },
            ));
        },
    );
}

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer_eq(initial_state);
    let run = use_memo(ByPtr(state.scenario.clone()), |s| run_scenario(&s.0));

    // Lints and findings come from the helper, once the user starts working
    // (an edit, or a click or focus in the workspace): a visitor who only
    // reads never loads it. One request at a time; a newer text asks again.
    let interacted = use_state_eq(|| false);
    let armed = *interacted || state.edited;
    let lints = use_state(|| None::<Rc<helper::Lints>>);
    {
        let in_flight = use_mut_ref(|| false);
        let lints = lints.clone();
        let current = (*lints).clone();
        let key = (
            ByPtr(state.scenario.clone()),
            current.as_ref().map(|l| ByPtr(l.scenario.clone())),
            armed,
        );
        use_effect_with(key, move |(scenario, done, armed)| {
            let fresh = done.as_ref().is_some_and(|d| Rc::ptr_eq(&d.0, &scenario.0));
            if *armed && !fresh && !*in_flight.borrow() {
                *in_flight.borrow_mut() = true;
                let scenario = scenario.0.clone();
                let request = helper::request_lint_json(&helper::scenario_json(&scenario));
                hooks::helper::ask(request, move |answer| {
                    *in_flight.borrow_mut() = false;
                    if let Ok(l) = helper::parse_lints(scenario, &answer) {
                        lints.set(Some(Rc::new(l)));
                    }
                });
            }
        });
    }
    let marks = {
        let cache = use_mut_ref(engine::MarkCache::default);
        let key = (
            ByPtr(state.scenario.clone()),
            (*lints).as_ref().map(|l| ByPtr(l.clone())),
        );
        use_memo(key, move |(s, lints)| {
            let t0 = browser::now_ms();
            let by_policy =
                engine::all_marks(&s.0, lints.as_ref().map(|l| &*l.0), &mut cache.borrow_mut());
            Marks {
                by_policy,
                ms: browser::now_ms() - t0,
            }
        })
    };
    let shown = hooks::shown::use_shown(run.clone(), state.scenario.clone(), state.generation);
    // The compare view asks the helper to run both sides; the answer is kept
    // with the choice it answers, so a stale answer is never shown as current.
    let compare = use_state(|| Rc::new(None::<(CompareKey, Rc<helper::Compared>)>));
    {
        let comparing = state.view == state::View::Compare;
        let wanted = comparing.then(|| compare_request(&state)).flatten();
        let key = wanted.as_ref().map(|(_, k)| k.clone());
        let compare = compare.clone();
        use_effect_with(key, move |key| {
            if let (Some((request, _)), Some(key)) = (wanted, key.clone()) {
                hooks::helper::ask(request, move |answer| {
                    let rows = helper::parse_compare(&answer).unwrap_or_default();
                    compare.set(Rc::new(Some((key, Rc::new(rows)))));
                });
            }
        });
    }
    hooks::persist::use_persist(&state);
    // The Fix panel, the access view (when in front) and the lockout check
    // follow every edit.
    let what = |p: helper::Panel| state.asked(p).map(|a| a.what.clone());
    use_answer(&state, helper::Panel::Fix, what(helper::Panel::Fix));
    let access = (state.view == state::View::Matrix)
        .then(|| what(helper::Panel::Access).unwrap_or_default());
    use_answer(&state, helper::Panel::Access, access);
    // The lockout check of the key policy in the editor, once the user
    // works (like the lints): the caller chosen for that key, else the default.
    let lockout = match state.current_policy() {
        Some(keyflow_sim::PolicyId::Key(key)) if armed => Some(
            what(helper::Panel::Lockout)
                .filter(|w| w.split('\0').next() == Some(key.as_str()))
                .unwrap_or(key + "\0"),
        ),
        _ => None,
    };
    use_answer(&state, helper::Panel::Lockout, lockout);

    // A link to open: in the address bar at start, or pasted into it later.
    {
        let dispatcher = state.dispatcher();
        use_effect_with(state.opening.clone(), move |link| {
            if let Some(link) = link {
                open_link(link, dispatcher);
            }
        });
    }
    // A link pasted into the address bar of the open page; Escape closes dialogs.
    {
        let dispatcher = state.dispatcher();
        use_effect_with((), move |_| {
            let links = dispatcher.clone();
            let listener = browser::on_fragment_change(move |fragment| {
                if is_link(&fragment) {
                    browser::clear_fragment();
                    links.dispatch(Action::Open(fragment));
                }
            });
            let keys = browser::on_key(move |key| {
                if key == "Escape" {
                    browser::focus_while("import-dialog", "import-open");
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

    // Keyboard focus follows the dialogs: into the rename dialog when it
    // opens or fills in, back to the settings when it closes; into the import
    // dialog's text when it opens (Close and Escape give it back to its button).
    {
        let phase = match &state.rename {
            _ if state.import.is_some() => 4,
            None => 0,
            Some(state::Rename::Working { .. }) => 1,
            Some(state::Rename::Ready(_)) => 2,
            Some(state::Rename::Refused { .. }) => 3,
        };
        use_effect_with(phase, |&phase| match phase {
            2 => browser::focus("rename-apply"),
            1 | 3 => browser::focus("rename-close"),
            4 => browser::focus("import-text"),
            _ => {}
        });
    }

    let ctx = AppContext {
        state: state.clone(),
        run: run.clone(),
        marks: marks.clone(),
        shown,
        compare: (*compare).clone(),
    };
    let arm = {
        let interacted = interacted.clone();
        Callback::from(move |_: FocusEvent| interacted.set(true))
    };
    let arm_pointer = {
        let interacted = interacted.clone();
        Callback::from(move |_: PointerEvent| interacted.set(true))
    };
    let skip = Callback::from(|e: MouseEvent| {
        e.prevent_default();
        browser::focus("results");
    });
    html! {
        <ContextProvider<AppContext> context={ctx.clone()}>
            <div class="app" data-testid="app" data-revision={state.revision.to_string()}
                data-engine-us={micros(run.engine_ms)} data-lint-us={micros(marks.ms)}
                data-lints={(*lints).as_ref().is_some_and(|l| Rc::ptr_eq(&l.scenario, &state.scenario)).to_string()}>
                <a class="skip" href="#results" onclick={skip} data-testid="skip-link">{ "Skip to the results" }</a>
                <header class="topbar">
                    <h1 class="brand">{ "Keyflow" }</h1>
                    <p class="tagline">{ "How KMS key policies, bucket policies and IAM policies combine when AWS services do the work." }</p>
                    { components::import::buttons(&ctx) }
                    { components::share::share_button(&ctx) }
                    <p class="engine" data-testid="engine-line">{ engine_line() }</p>
                </header>
                { components::notice::notice_bar(&ctx) }
                <main class="layout" onfocusin={arm.clone()} onpointerdown={arm_pointer}>
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
                { components::import::import_dialog(&ctx) }
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
