//! The playground's one piece of state and its pure transitions.
//!
//! Everything the page shows is derived from [`State`]: the report comes from
//! running `state.scenario` (memoised in the app), never stored here. The
//! reducer does no I/O, so every transition is unit-tested natively.

use std::rc::Rc;

use keyflow_sim::edit::{Edit, apply};
use keyflow_sim::{CheckId, Expectation, PolicyId, Scenario};
use yew::Reducible;

/// Where the scenario on screen came from.
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    Builtin(String),
    Blank,
    Shared,
    /// Restored from this browser's autosave.
    Saved,
}

/// The check or matrix cell whose explanation is open. Both are named by
/// stable ids, so an edit that moves steps keeps the selection on the same check.
#[derive(Clone, Debug, PartialEq)]
pub enum Selection {
    Check(CheckId),
    Cell {
        flow: String,
        principal: String,
        column: MatrixColumn,
    },
}

/// The columns of an access matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatrixColumn {
    /// s3:PutObject + kms:GenerateDataKey.
    Deliver,
    /// s3:GetObject + kms:Decrypt.
    Read,
}

/// Which main view is in front.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    Timeline,
    Matrix,
    Compare,
    Expectations,
}

/// A message above the workspace.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    /// A share link could not be opened; the default scenario is shown.
    BadLink {
        message: String,
        saved_work: bool,
    },
    /// A share link arrived while this browser holds edited work.
    SharedPending,
    /// The shared scenario replaced earlier work, which can be brought back.
    Replaced,
    Info(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct State {
    pub scenario: Rc<Scenario>,
    pub origin: Origin,
    /// The policy shown in the editor.
    pub open_policy: Option<PolicyId>,
    pub selection: Option<Selection>,
    pub view: View,
    /// Move the editor caret: policy id, byte offset, and a counter so the
    /// same target can be requested twice.
    pub caret: Option<(PolicyId, usize, u32)>,
    pub notice: Option<Notice>,
    /// A shared scenario waiting for the user to choose it over their work.
    pub pending: Option<Rc<Scenario>>,
    /// The work a shared or default scenario replaced, to offer it back.
    pub previous: Option<Rc<Scenario>>,
    /// Bumped by every edit, so tests and autosave can tell renders apart.
    pub revision: u32,
    /// Whether the user changed the scenario since it was loaded.
    pub edited: bool,
    /// The share link on show, and whether the clipboard took it (`None`: not yet known).
    pub share: Option<(String, Option<bool>)>,
    /// Index into `engine::what_ifs` of the change the compare view tries.
    pub compare: usize,
}

impl State {
    pub fn new(scenario: Scenario, origin: Origin) -> Self {
        let open_policy = first_policy(&scenario);
        Self {
            scenario: Rc::new(scenario),
            origin,
            open_policy,
            selection: None,
            view: View::default(),
            caret: None,
            notice: None,
            pending: None,
            previous: None,
            revision: 0,
            edited: false,
            share: None,
            compare: 0,
        }
    }

    /// The policy in the editor, falling back to the first one.
    pub fn current_policy(&self) -> Option<PolicyId> {
        let fields = self.scenario.policy_fields();
        match &self.open_policy {
            Some(id) if fields.iter().any(|f| &f.id == id) => Some(id.clone()),
            _ => first_policy(&self.scenario),
        }
    }
}

/// The policy to open first: a key policy tells the most in these flows.
fn first_policy(s: &Scenario) -> Option<PolicyId> {
    let fields = s.policy_fields();
    let key = fields.iter().find(|f| matches!(f.id, PolicyId::Key(_)));
    key.or(fields.first()).map(|f| f.id.clone())
}

pub enum Action {
    /// Replace the scenario (picker, blank, a decided share link).
    Load {
        scenario: Scenario,
        origin: Origin,
    },
    /// A valid share link was opened. If the page holds edited, different
    /// work, ask before replacing it.
    LinkOpened(Scenario),
    /// A share link that failed to decode: say why and show the default
    /// scenario, keeping edited work restorable.
    LinkBroken {
        message: String,
        default: Scenario,
    },
    TakePending,
    KeepMine,
    RestorePrevious,
    DismissNotice,
    Notify(String),
    Edit(Edit),
    OpenPolicy(PolicyId),
    Select(Option<Selection>),
    /// Open a policy and put the caret at a byte offset (a problem was clicked).
    GoTo {
        policy: PolicyId,
        offset: usize,
    },
    Show(View),
    Pin(Expectation),
    Unpin(usize),
    ShareLink(String),
    Copied(bool),
    CloseShare,
    CompareWith(usize),
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        Rc::new(reduce(&self, action))
    }
}

/// The transition function; `Reducible::reduce` only wraps it in an `Rc`.
pub fn reduce(state: &State, action: Action) -> State {
    let mut next = state.clone();
    match action {
        Action::Load { scenario, origin } => {
            next = State::new(scenario, origin);
            next.revision = state.revision + 1;
            // Picking another scenario must not silently drop edited work.
            if state.edited {
                next.previous = Some(state.scenario.clone());
                next.notice = Some(Notice::Replaced);
            }
        }
        Action::LinkOpened(scenario) => {
            if state.edited && *state.scenario != scenario {
                next.pending = Some(Rc::new(scenario));
                next.notice = Some(Notice::SharedPending);
            } else {
                next = State::new(scenario, Origin::Shared);
                next.revision = state.revision + 1;
            }
        }
        Action::LinkBroken { message, default } => {
            let name = default.name.clone();
            next = State::new(default, Origin::Builtin(name));
            next.revision = state.revision + 1;
            let saved_work = state.edited;
            if saved_work {
                next.previous = Some(state.scenario.clone());
            }
            next.notice = Some(Notice::BadLink {
                message,
                saved_work,
            });
        }
        Action::TakePending => {
            if let Some(shared) = state.pending.clone() {
                next = State::new((*shared).clone(), Origin::Shared);
                next.previous = Some(state.scenario.clone());
                next.notice = Some(Notice::Replaced);
                next.revision = state.revision + 1;
            }
        }
        Action::KeepMine => {
            next.pending = None;
            next.notice = None;
        }
        Action::RestorePrevious => {
            if let Some(prev) = state.previous.clone() {
                next = State::new((*prev).clone(), Origin::Saved);
                next.revision = state.revision + 1;
                next.edited = true;
            }
        }
        Action::DismissNotice => next.notice = None,
        Action::Notify(text) => next.notice = Some(Notice::Info(text)),
        Action::Edit(edit) => {
            let open = match &edit {
                Edit::Policy { id, .. } => Some(id.clone()),
                _ => None,
            };
            let mut scenario = (*state.scenario).clone();
            if apply(&mut scenario, edit) {
                next.scenario = Rc::new(scenario);
                if open.is_some() {
                    next.open_policy = open;
                }
                touched(&mut next, state);
            }
        }
        Action::OpenPolicy(id) => next.open_policy = Some(id),
        Action::Select(selection) => next.selection = selection,
        Action::GoTo { policy, offset } => {
            let n = state.caret.as_ref().map_or(0, |c| c.2.wrapping_add(1));
            next.open_policy = Some(policy.clone());
            next.caret = Some((policy, offset, n));
        }
        Action::Show(view) => next.view = view,
        Action::ShareLink(url) => next.share = Some((url, None)),
        Action::Copied(ok) => {
            if let Some(share) = &mut next.share {
                share.1 = Some(ok);
            }
        }
        Action::CloseShare => next.share = None,
        Action::CompareWith(i) => next.compare = i,
        Action::Pin(expectation) => {
            let target = without_because(&expectation);
            if !state
                .scenario
                .expectations
                .iter()
                .any(|e| without_because(e) == target)
            {
                let mut scenario = (*state.scenario).clone();
                scenario.expectations.push(expectation);
                next.scenario = Rc::new(scenario);
                touched(&mut next, state);
            }
        }
        Action::Unpin(i) => {
            if i < state.scenario.expectations.len() {
                let mut scenario = (*state.scenario).clone();
                scenario.expectations.remove(i);
                next.scenario = Rc::new(scenario);
                touched(&mut next, state);
            }
        }
    }
    next
}

/// An expectation with its explanation dropped: pinning the same target twice adds it once.
fn without_because(e: &Expectation) -> Expectation {
    let mut e = e.clone();
    e.because_mut().clear();
    e
}

fn touched(next: &mut State, prev: &State) {
    next.revision = prev.revision.wrapping_add(1);
    next.edited = true;
    // A link shown before the edit no longer holds the scenario.
    next.share = None;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin(name: &str) -> Scenario {
        keyflow_sim::builtin(name).unwrap().scenario().unwrap()
    }

    fn fresh(name: &str) -> State {
        State::new(builtin(name), Origin::Builtin(name.into()))
    }

    #[test]
    fn opens_the_key_policy_first() {
        let s = fresh("alb-logs-cmk");
        assert!(matches!(s.current_policy(), Some(PolicyId::Key(_))));
        assert!(!s.edited);
    }

    #[test]
    fn editing_a_policy_changes_only_that_policy_and_marks_the_work_edited() {
        let s = fresh("ssm-securestring-cmk");
        let id: PolicyId = "identity:Intern/ReadParameters".parse().unwrap();
        let next = reduce(
            &s,
            Action::Edit(Edit::Policy {
                id: id.clone(),
                text: "{}".into(),
            }),
        );
        assert!(next.edited);
        assert_eq!(next.revision, s.revision + 1);
        assert_eq!(next.open_policy.as_ref(), Some(&id));
        let field = next
            .scenario
            .policy_fields()
            .into_iter()
            .find(|f| f.id == id)
            .unwrap();
        assert_eq!(field.text, "{}");
        let before: Vec<_> = s
            .scenario
            .policy_fields()
            .into_iter()
            .filter(|f| f.id != id)
            .collect();
        let after: Vec<_> = next
            .scenario
            .policy_fields()
            .into_iter()
            .filter(|f| f.id != id)
            .collect();
        assert_eq!(before, after);
        // An id that names nothing changes nothing.
        let same = reduce(
            &s,
            Action::Edit(Edit::Policy {
                id: PolicyId::Key("nope".into()),
                text: "{}".into(),
            }),
        );
        assert_eq!(same, s);
    }

    #[test]
    fn a_shared_link_waits_when_there_is_edited_work() {
        let s = fresh("alb-logs-cmk");
        let shared = builtin("ssm-securestring-cmk");
        // Nothing edited: the link opens at once.
        let opened = reduce(&s, Action::LinkOpened(shared.clone()));
        assert_eq!(*opened.scenario, shared);
        assert_eq!(opened.origin, Origin::Shared);

        let edited = reduce(&s, Action::Edit(Edit::Region("eu-west-1".into())));
        let waiting = reduce(&edited, Action::LinkOpened(shared.clone()));
        assert_eq!(waiting.scenario, edited.scenario);
        assert_eq!(waiting.notice, Some(Notice::SharedPending));

        let kept = reduce(&waiting, Action::KeepMine);
        assert_eq!(kept.scenario, edited.scenario);
        assert_eq!(kept.pending, None);

        let taken = reduce(&waiting, Action::TakePending);
        assert_eq!(*taken.scenario, shared);
        assert_eq!(taken.previous.as_deref(), Some(&*edited.scenario));
        let restored = reduce(&taken, Action::RestorePrevious);
        assert_eq!(restored.scenario, edited.scenario);
    }

    #[test]
    fn a_broken_link_shows_the_default_and_keeps_edited_work() {
        let edited = reduce(
            &fresh("ssm-securestring-cmk"),
            Action::Edit(Edit::Region("eu-west-1".into())),
        );
        let default = builtin("alb-logs-cmk");
        let next = reduce(
            &edited,
            Action::LinkBroken {
                message: "truncated".into(),
                default: default.clone(),
            },
        );
        assert_eq!(*next.scenario, default);
        assert!(matches!(
            next.notice,
            Some(Notice::BadLink {
                saved_work: true,
                ..
            })
        ));
        assert_eq!(next.previous, Some(edited.scenario.clone()));
    }

    #[test]
    fn loading_another_scenario_keeps_edited_work_restorable() {
        let edited = reduce(
            &fresh("alb-logs-cmk"),
            Action::Edit(Edit::BucketKeyEnabled {
                bucket: 0,
                on: true,
            }),
        );
        let next = reduce(
            &edited,
            Action::Load {
                scenario: builtin("cloudtrail-sse-kms"),
                origin: Origin::Builtin("x".into()),
            },
        );
        assert_eq!(next.notice, Some(Notice::Replaced));
        assert_eq!(next.previous, Some(edited.scenario.clone()));
        // Unedited: nothing to keep, no notice.
        let plain = reduce(
            &fresh("alb-logs-cmk"),
            Action::Load {
                scenario: builtin("cloudtrail-sse-kms"),
                origin: Origin::Blank,
            },
        );
        assert_eq!(plain.notice, None);
    }

    #[test]
    fn pin_adds_once_and_unpin_removes() {
        let s = fresh("ssm-securestring-cmk");
        let n = s.scenario.expectations.len();
        let e = Expectation::Step {
            flow: "ssm".into(),
            step: "get-parameters-no-decryption:KeyUser".into(),
            outcome: keyflow_sim::ExpectedOutcome::Ok,
            code: None,
            because: "pinned".into(),
            source: String::new(),
        };
        let once = reduce(&s, Action::Pin(e.clone()));
        let twice = reduce(&once, Action::Pin(e));
        assert_eq!(twice.scenario.expectations.len(), n + 1);
        // One the scenario already has is not added again, whatever its reason says.
        let existing = s.scenario.expectations[0].clone();
        assert_eq!(
            reduce(&s, Action::Pin(without_because(&existing)))
                .scenario
                .expectations
                .len(),
            n
        );
        let report = keyflow_sim::run(&twice.scenario);
        assert!(report.expectations.iter().all(|r| r.passed));
        let back = reduce(&twice, Action::Unpin(n));
        assert_eq!(back.scenario.expectations.len(), n);
    }

    #[test]
    fn goto_bumps_the_counter_so_repeated_clicks_move_the_caret() {
        let s = fresh("alb-logs-cmk");
        let a = reduce(
            &s,
            Action::GoTo {
                policy: PolicyId::Key("x".into()),
                offset: 5,
            },
        );
        let b = reduce(
            &a,
            Action::GoTo {
                policy: PolicyId::Key("x".into()),
                offset: 5,
            },
        );
        assert_ne!(a.caret, b.caret);
        assert_eq!(b.open_policy, Some(PolicyId::Key("x".into())));
    }
}
