//! The playground's one piece of state and its pure transitions.
//!
//! Everything the page shows is derived from [`State`]: the report comes from
//! running `state.scenario` (memoised in the app), never stored here. The
//! reducer does no I/O, so every transition is unit-tested natively.
//!
//! Nothing the user edits is ever dropped: the first edit of a scenario makes
//! it a named [`Draft`], every later edit updates that draft, and picking
//! another scenario leaves the drafts where they are.

use std::rc::Rc;

use keyflow_sim::edit::{Edit, apply};
use keyflow_sim::rename::Target;
use keyflow_sim::{CheckId, Expectation, PolicyId, Scenario};
use yew::Reducible;

use crate::helper::{Panel, RenamePreview, Tree};

/// Where the scenario on screen came from.
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    Builtin(String),
    Blank,
    Shared,
    /// Restored from this browser's storage.
    Saved,
    /// Imported from templates, plans or CLI output.
    Imported,
}

impl Origin {
    /// The origin as stored in the browser.
    pub fn tag(&self) -> String {
        match self {
            Origin::Builtin(name) => format!("builtin:{name}"),
            Origin::Blank => "blank".into(),
            Origin::Shared => "shared".into(),
            Origin::Saved => "saved".into(),
            Origin::Imported => "imported".into(),
        }
    }

    pub fn from_tag(tag: &str) -> Origin {
        match tag.split_once(':') {
            Some(("builtin", name)) => Origin::Builtin(name.to_string()),
            _ if tag == "blank" => Origin::Blank,
            _ if tag == "shared" => Origin::Shared,
            _ if tag == "imported" => Origin::Imported,
            _ => Origin::Saved,
        }
    }

    /// In words, for the drafts list.
    pub fn describe(&self) -> String {
        match self {
            Origin::Builtin(name) => format!("from {name}"),
            Origin::Blank => "from blank".into(),
            Origin::Shared => "from a share link".into(),
            Origin::Saved => "restored".into(),
            Origin::Imported => "imported".into(),
        }
    }
}

/// A scenario the user edited, kept in this browser under a name.
#[derive(Clone, Debug)]
pub struct Draft {
    pub id: u32,
    pub name: String,
    pub origin: Origin,
    pub scenario: Rc<Scenario>,
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

/// What the compare view sets beside the scenario on screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareWith {
    /// One of `keyflow_sim::what_ifs` of the scenario (after = the change applied).
    WhatIf(usize),
    /// The scenario before the last edit (before = that state).
    Checkpoint,
    /// The built-in the scenario came from, as shipped.
    Builtin,
    /// A draft.
    Draft(u32),
}

/// The scenario as it was before the edits to one thing began.
#[derive(Clone, Debug)]
pub struct Checkpoint {
    /// What was being edited (a policy id, or "settings").
    pub target: String,
    pub label: String,
    pub scenario: Rc<Scenario>,
}

/// A message above the workspace.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    /// A share link could not be opened; the default scenario is shown.
    BadLink {
        message: String,
    },
    /// A share link arrived while this browser holds edited work.
    SharedPending,
    /// Other work took the screen; the earlier work is kept as a draft.
    Replaced {
        draft: u32,
        name: String,
    },
    Info(String),
    /// A whole-scenario change that Undo takes back ("Fix applied to …").
    Undo(String),
}

/// A panel's question and the helper's answer, for the scenario it was asked about.
#[derive(Clone, Debug)]
pub struct Asked {
    /// What is asked (`flow\0step`, `key:ID`, `key-id\0caller`).
    pub what: String,
    pub scenario: Rc<Scenario>,
    /// `None` while the helper works.
    pub tree: Option<Result<Tree, String>>,
}

/// The share popover.
#[derive(Clone, Debug, PartialEq)]
pub enum Share {
    /// The link is being written and checked.
    Working,
    /// A link that opens again, and whether the clipboard took it.
    Link { url: String, copied: Option<bool> },
    /// The link would not open; why. Nothing was copied.
    Refused(String),
}

/// A pasted policy the helper took out of its wrapper; what was pasted stays
/// here so it can be put back.
#[derive(Clone, Debug, PartialEq)]
pub struct Unwrapped {
    pub policy: PolicyId,
    pub original: String,
    /// What was taken off, in keyflow-import's words.
    pub what: String,
}

/// The import dialog.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Import {
    /// Files chosen or dropped (name, text).
    pub files: Rc<Vec<(String, String)>>,
    pub working: bool,
    /// The importer's findings (a line each), or why there are none; `loaded`
    /// says whether a scenario came of it.
    pub findings: Option<(bool, String)>,
}

/// The rename dialog.
#[derive(Clone, Debug, PartialEq)]
pub enum Rename {
    Working {
        target: Target,
        to: String,
    },
    Ready(RenamePreview),
    Refused {
        target: Target,
        to: String,
        why: String,
    },
}

#[derive(Clone, Debug)]
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
    /// Bumped by every edit, so tests and autosave can tell renders apart.
    pub revision: u32,
    /// Bumped when another scenario takes the screen: results of an earlier
    /// generation are never shown as this one's.
    pub generation: u32,
    /// Bumped to reset the settings forms (a cancelled rename).
    pub form: u32,
    /// Whether the user changed the scenario since it was loaded.
    pub edited: bool,
    pub drafts: Vec<Draft>,
    /// The draft the scenario on screen is saved as.
    pub draft: Option<u32>,
    pub checkpoint: Option<Checkpoint>,
    pub share: Option<Share>,
    pub rename: Option<Rename>,
    /// Something the helper is doing that the page waits for ("Adding a flow…").
    pub busy: Option<String>,
    /// A share link being opened (by the helper).
    pub opening: Option<String>,
    /// Why the last ARN pasted into "add a principal" names none.
    pub arn_error: Option<String>,
    pub compare: CompareWith,
    /// The panels from the helper, by `Panel`: the Fix panel of one step,
    /// the access view, the lockout check.
    pub panels: [Option<Asked>; 3],
    /// The scenario before the last whole-scenario change, with its label,
    /// while nothing was edited since.
    pub undo: Option<(Rc<Scenario>, String)>,
    pub unwrapped: Option<Unwrapped>,
    pub import: Option<Import>,
}

// Scenarios are compared by identity: every change makes a new `Rc`, and a
// deep comparison would put a second copy of `Scenario::eq` in the bundle.
fn same(a: &Rc<Scenario>, b: &Rc<Scenario>) -> bool {
    Rc::ptr_eq(a, b)
}

impl PartialEq for Draft {
    fn eq(&self, o: &Self) -> bool {
        self.id == o.id
            && self.name == o.name
            && self.origin == o.origin
            && same(&self.scenario, &o.scenario)
    }
}

impl PartialEq for Checkpoint {
    fn eq(&self, o: &Self) -> bool {
        self.target == o.target && same(&self.scenario, &o.scenario)
    }
}

impl PartialEq for Asked {
    fn eq(&self, o: &Self) -> bool {
        self.what == o.what && same(&self.scenario, &o.scenario) && self.tree == o.tree
    }
}

impl PartialEq for State {
    fn eq(&self, o: &Self) -> bool {
        same(&self.scenario, &o.scenario)
            && self.origin == o.origin
            && self.open_policy == o.open_policy
            && self.selection == o.selection
            && self.view == o.view
            && self.caret == o.caret
            && self.notice == o.notice
            && match (&self.pending, &o.pending) {
                (Some(a), Some(b)) => same(a, b),
                (a, b) => a.is_none() && b.is_none(),
            }
            && self.revision == o.revision
            && self.generation == o.generation
            && self.form == o.form
            && self.edited == o.edited
            && self.drafts == o.drafts
            && self.draft == o.draft
            && self.checkpoint == o.checkpoint
            && self.share == o.share
            && self.rename == o.rename
            && self.busy == o.busy
            && self.opening == o.opening
            && self.arn_error == o.arn_error
            && self.compare == o.compare
            && self.panels == o.panels
            && match (&self.undo, &o.undo) {
                (Some(a), Some(b)) => same(&a.0, &b.0),
                (a, b) => a.is_none() && b.is_none(),
            }
            && self.unwrapped == o.unwrapped
            && self.import == o.import
    }
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
            revision: 0,
            generation: 0,
            form: 0,
            edited: false,
            drafts: Vec::new(),
            draft: None,
            checkpoint: None,
            share: None,
            rename: None,
            busy: None,
            opening: None,
            arn_error: None,
            compare: CompareWith::WhatIf(0),
            panels: [None, None, None],
            undo: None,
            unwrapped: None,
            import: None,
        }
    }

    pub fn asked(&self, panel: Panel) -> Option<&Asked> {
        self.panels[panel as usize].as_ref()
    }

    /// Another scenario on screen: drafts and counters carry over, nothing else.
    fn switched(&self, scenario: Scenario, origin: Origin) -> State {
        let mut next = State::new(scenario, origin);
        next.drafts = self.drafts.clone();
        next.revision = self.revision.wrapping_add(1);
        next.generation = self.generation.wrapping_add(1);
        next.form = self.form.wrapping_add(1);
        next.view = self.view;
        next
    }

    /// The policy in the editor, falling back to the first one.
    pub fn current_policy(&self) -> Option<PolicyId> {
        let fields = self.scenario.policy_fields();
        match &self.open_policy {
            Some(id) if fields.iter().any(|f| &f.id == id) => Some(id.clone()),
            _ => first_policy(&self.scenario),
        }
    }

    pub fn draft(&self, id: u32) -> Option<&Draft> {
        self.drafts.iter().find(|d| d.id == id)
    }

    /// The notice for work that left the screen, if it was edited.
    fn kept_notice(&self) -> Option<Notice> {
        let d = self
            .draft
            .and_then(|id| self.draft(id))
            .filter(|_| self.edited)?;
        Some(Notice::Replaced {
            draft: d.id,
            name: d.name.clone(),
        })
    }
}

/// The policy to open first: a key policy tells the most in these flows.
fn first_policy(s: &Scenario) -> Option<PolicyId> {
    let fields = s.policy_fields();
    let key = fields.iter().find(|f| matches!(f.id, PolicyId::Key(_)));
    key.or(fields.first()).map(|f| f.id.clone())
}

pub enum Action {
    /// Open a share link (the helper decodes it, then `LinkOpened` or `LinkBroken`).
    Open(String),
    /// Replace the scenario (picker, blank).
    Load {
        scenario: Scenario,
        origin: Origin,
    },
    /// A valid share link was opened. If the page holds edited, different
    /// work, ask before replacing it.
    LinkOpened(Scenario),
    /// A share link that failed to decode: say why and show the default
    /// scenario; edited work stays in its draft.
    LinkBroken {
        message: String,
        default: Scenario,
    },
    TakePending,
    KeepMine,
    DismissNotice,
    Notify(String),
    Edit(Edit),
    /// A whole new scenario from the helper (a rename applied, a flow added).
    Replace {
        scenario: Scenario,
        label: String,
    },
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
    RestoreDraft(u32),
    DeleteDraft(u32),
    NameDraft(u32, String),
    Share(Share),
    Copied(bool),
    CloseShare,
    /// The rename dialog: waiting, the preview, or why not.
    Rename(Rename),
    ApplyRename,
    CancelRename,
    Busy(Option<String>),
    /// The helper found no principal in a pasted ARN: why.
    ArnRefused(String),
    /// Escape: close whatever dialog is open.
    Escape,
    CompareWith(CompareWith),
    /// Open a panel asking the helper about `what`, or close it (`None`).
    Ask(Panel, Option<String>),
    /// The helper's answer for a panel: kept if the panel still asks that
    /// (the access view also takes the answer for its default choice).
    Answer(Panel, Asked),
    /// A fix the helper applied: replaces the scenario, with an Undo notice.
    Applied {
        scenario: Scenario,
        label: String,
    },
    /// Back to the scenario before the last whole-scenario change.
    Undo,
    /// The helper took a wrapper off a policy's text: show the policy inside,
    /// if the text is still the one that was pasted.
    Unwrapped(Unwrapped, String),
    /// Put the pasted text back.
    Rewrap,
    /// Open, update or close (`None`) the import dialog.
    Import(Option<Import>),
    /// Files chosen or dropped into the import dialog.
    ImportFiles(Vec<(String, String)>),
    /// The importer's answer. A scenario takes the screen (earlier work stays
    /// a draft) and becomes a draft itself; the dialog lists the findings.
    Imported {
        scenario: Option<Scenario>,
        findings: String,
    },
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        Rc::new(reduce(&self, action))
    }
}

/// What an edit changes, for the "before your last edit" checkpoint.
fn edit_target(edit: &Edit) -> (String, String) {
    match edit {
        Edit::Policy { id, .. } => (id.to_string(), format!("Before your last edit of {id}")),
        _ => ("settings".into(), "Before your last settings change".into()),
    }
}

/// The transition function; `Reducible::reduce` only wraps it in an `Rc`.
pub fn reduce(state: &State, action: Action) -> State {
    let mut next = state.clone();
    match action {
        Action::Open(link) => next.opening = Some(link),
        Action::Load { scenario, origin } => {
            next = state.switched(scenario, origin);
            next.notice = state.kept_notice();
        }
        Action::LinkOpened(scenario) => {
            next.opening = None;
            let differs = || {
                crate::helper::compact_json(&state.scenario)
                    != crate::helper::compact_json(&scenario)
            };
            if state.edited && differs() {
                next.pending = Some(Rc::new(scenario));
                next.notice = Some(Notice::SharedPending);
            } else {
                next = state.switched(scenario, Origin::Shared);
            }
            next.opening = None;
        }
        Action::LinkBroken { message, default } => {
            let name = default.name.clone();
            next = state.switched(default, Origin::Builtin(name));
            next.notice = Some(Notice::BadLink { message });
        }
        Action::TakePending => {
            if let Some(shared) = state.pending.clone() {
                next = state.switched((*shared).clone(), Origin::Shared);
                next.notice = state.kept_notice();
            }
        }
        Action::KeepMine => {
            next.pending = None;
            next.notice = None;
        }
        Action::DismissNotice => next.notice = None,
        Action::Notify(text) => next.notice = Some(Notice::Info(text)),
        Action::Edit(edit) => {
            let open = match &edit {
                Edit::Policy { id, .. } => Some(id.clone()),
                _ => None,
            };
            let (target, label) = edit_target(&edit);
            let mut scenario = (*state.scenario).clone();
            if apply(&mut scenario, edit) {
                next.scenario = Rc::new(scenario);
                if open.is_some() {
                    next.open_policy = open;
                }
                checkpoint(&mut next, state, target, label);
                touched(&mut next, state);
                edited_since(&mut next);
            }
        }
        Action::Replace { scenario, label } => {
            next.scenario = Rc::new(scenario);
            next.busy = None;
            next.arn_error = None;
            // The forms show the new scenario (and a used "add" field empties).
            next.form = state.form.wrapping_add(1);
            checkpoint(&mut next, state, label.clone(), format!("Before: {label}"));
            touched(&mut next, state);
            next.undo = Some((state.scenario.clone(), label));
            next.panels[Panel::Fix as usize] = None;
        }
        Action::Applied { scenario, label } => {
            next = reduce(
                state,
                Action::Replace {
                    scenario,
                    label: label.clone(),
                },
            );
            next.notice = Some(Notice::Undo(label));
        }
        Action::Undo => {
            if let Some((scenario, _)) = next.undo.take() {
                next.scenario = scenario;
                next.form = state.form.wrapping_add(1);
                next.panels[Panel::Fix as usize] = None;
                touched(&mut next, state);
                next.notice = None;
            }
        }
        Action::Ask(panel, what) => {
            next.panels[panel as usize] = what.map(|what| Asked {
                what,
                scenario: state.scenario.clone(),
                tree: None,
            });
        }
        Action::Answer(panel, answer) => {
            let slot = &mut next.panels[panel as usize];
            // The access view and the lockout check ask by themselves, for
            // the scenario on screen (not one that has left it).
            let open = match slot {
                Some(a) => a.what == answer.what,
                None => panel != Panel::Fix && same(&answer.scenario, &state.scenario),
            };
            if open {
                *slot = Some(answer);
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
        Action::RestoreDraft(id) => {
            if let Some(d) = state.draft(id).cloned() {
                next = state.switched((*d.scenario).clone(), d.origin);
                next.draft = Some(id);
                next.edited = true;
                next.notice = None;
                if state.draft != Some(id) {
                    next.notice = state.kept_notice();
                }
            }
        }
        Action::DeleteDraft(id) => {
            next.drafts.retain(|d| d.id != id);
            if state.draft == Some(id) {
                next.draft = None;
            }
            if matches!(&state.notice, Some(Notice::Replaced { draft, .. }) if *draft == id) {
                next.notice = None;
            }
            if state.compare == CompareWith::Draft(id) {
                next.compare = CompareWith::WhatIf(0);
            }
        }
        Action::NameDraft(id, name) => {
            let name = name.trim().to_string();
            if let Some(d) = next.drafts.iter_mut().find(|d| d.id == id)
                && !name.is_empty()
            {
                d.name = name;
            }
        }
        Action::Share(share) => next.share = Some(share),
        Action::Copied(ok) => {
            if let Some(Share::Link { copied, .. }) = &mut next.share {
                *copied = Some(ok);
            }
        }
        Action::CloseShare => next.share = None,
        Action::Rename(r) => {
            next.busy = None;
            next.rename = Some(r);
        }
        Action::ApplyRename => {
            if let Some(Rename::Ready(p)) = &state.rename {
                let label = format!("rename {} to {}", p.target.describe(), p.to);
                next = reduce(
                    state,
                    Action::Replace {
                        scenario: (*p.scenario).clone(),
                        label,
                    },
                );
                // Ids that named the old name follow it.
                let follow = |id: &PolicyId| p.target.policy_id_after(id, &p.to);
                next.open_policy = state.open_policy.as_ref().map(follow);
                next.caret = None;
                next.selection = None;
                next.rename = None;
                next.form = state.form.wrapping_add(1);
            }
        }
        Action::CancelRename => {
            next.rename = None;
            next.busy = None;
            next.form = state.form.wrapping_add(1);
        }
        Action::Busy(what) => next.busy = what,
        Action::ArnRefused(why) => {
            next.busy = None;
            next.arn_error = Some(why);
        }
        Action::Escape => {
            if state.import.is_some() {
                next.import = None;
            } else if state.rename.is_some() {
                next.rename = None;
                next.form = state.form.wrapping_add(1);
            } else if state.asked(Panel::Fix).is_some() {
                next.panels[Panel::Fix as usize] = None;
            } else {
                next.share = None;
            }
        }
        Action::CompareWith(c) => next.compare = c,
        Action::Unwrapped(u, text) => {
            if state.scenario.policy_text(&u.policy) == Some(u.original.as_str()) {
                let id = u.policy.clone();
                next = reduce(state, Action::Edit(Edit::Policy { id, text }));
                next.unwrapped = Some(u);
            }
        }
        Action::Rewrap => {
            if let Some(u) = &state.unwrapped {
                let (id, text) = (u.policy.clone(), u.original.clone());
                next = reduce(state, Action::Edit(Edit::Policy { id, text }));
                next.unwrapped = None;
            }
        }
        Action::Import(i) => next.import = i,
        Action::ImportFiles(files) => {
            if let Some(i) = &mut next.import {
                let mut all = (*i.files).clone();
                all.extend(files);
                i.files = Rc::new(all);
            }
        }
        Action::Imported { scenario, findings } => {
            let loaded = scenario.is_some();
            if let Some(scenario) = scenario {
                next = reduce(
                    state,
                    Action::Load {
                        scenario,
                        origin: Origin::Imported,
                    },
                );
                touched(&mut next, state);
            }
            next.import = state.import.as_ref().map(|i| Import {
                working: false,
                findings: Some((loaded, findings)),
                files: i.files.clone(),
            });
        }
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
                edited_since(&mut next);
            }
        }
        Action::Unpin(i) => {
            if i < state.scenario.expectations.len() {
                let mut scenario = (*state.scenario).clone();
                scenario.expectations.remove(i);
                next.scenario = Rc::new(scenario);
                touched(&mut next, state);
                edited_since(&mut next);
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

/// A new edit target keeps the scenario before it as the checkpoint.
fn checkpoint(next: &mut State, prev: &State, target: String, label: String) {
    if next.checkpoint.as_ref().is_none_or(|c| c.target != target) {
        next.checkpoint = Some(Checkpoint {
            target,
            label,
            scenario: prev.scenario.clone(),
        });
    }
}

/// A name no other draft has: the scenario's title, numbered if need be.
fn draft_name(state: &State) -> String {
    let s = &state.scenario;
    let base = if s.title.is_empty() {
        &s.name
    } else {
        &s.title
    };
    let base = if base.is_empty() { "Untitled" } else { base };
    keyflow_sim::edit::unique_name(base, |n| state.drafts.iter().any(|d| d.name == n))
}

/// Undo takes back whole-scenario changes only while nothing was edited
/// since: it never drops later work.
fn edited_since(next: &mut State) {
    next.undo = None;
    if matches!(next.notice, Some(Notice::Undo(_))) {
        next.notice = None;
    }
}

fn touched(next: &mut State, prev: &State) {
    next.revision = prev.revision.wrapping_add(1);
    next.edited = true;
    // A link shown before the edit no longer holds the scenario.
    next.share = None;
    // The edited scenario is (or becomes) a draft.
    let scenario = next.scenario.clone();
    match next
        .draft
        .and_then(|id| next.drafts.iter_mut().find(|d| d.id == id))
    {
        Some(d) => d.scenario = scenario,
        None => {
            let id = next.drafts.iter().map(|d| d.id).max().unwrap_or(0) + 1;
            let name = draft_name(next);
            next.drafts.push(Draft {
                id,
                name,
                origin: next.origin.clone(),
                scenario,
            });
            next.draft = Some(id);
        }
    }
}

#[cfg(test)]
mod tests;
