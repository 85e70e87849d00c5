use super::*;

fn builtin(name: &str) -> Scenario {
    keyflow_sim::builtin(name).unwrap().scenario().unwrap()
}

fn fresh(name: &str) -> State {
    State::new(builtin(name), Origin::Builtin(name.into()))
}

fn load(s: &State, name: &str) -> State {
    reduce(
        s,
        Action::Load {
            scenario: builtin(name),
            origin: Origin::Builtin(name.into()),
        },
    )
}

fn region(s: &State, r: &str) -> State {
    reduce(s, Action::Edit(Edit::Region(r.into())))
}

#[test]
fn opens_the_key_policy_first() {
    let s = fresh("alb-logs-cmk");
    assert!(matches!(s.current_policy(), Some(PolicyId::Key(_))));
    assert!(!s.edited);
    assert!(s.drafts.is_empty());
}

#[test]
fn editing_a_policy_changes_only_that_policy_and_makes_a_draft() {
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
    assert_eq!(next.scenario.policy_text(&id), Some("{}"));
    let others = |st: &State| -> Vec<_> {
        st.scenario
            .policy_fields()
            .into_iter()
            .filter(|f| f.id != id)
            .collect()
    };
    assert_eq!(others(&s), others(&next));
    // The edited scenario is a draft named after it; the next edit updates it.
    assert_eq!(next.drafts.len(), 1);
    assert_eq!(next.draft, Some(next.drafts[0].id));
    assert_eq!(next.drafts[0].scenario, next.scenario);
    let again = region(&next, "eu-west-1");
    assert_eq!(again.drafts.len(), 1);
    assert_eq!(again.drafts[0].scenario, again.scenario);
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
fn switching_scenarios_never_drops_work() {
    // Edit A, switch, edit B, switch again: both are drafts, each restorable.
    let a = region(&fresh("alb-logs-cmk"), "eu-west-1");
    let b = region(&load(&a, "ssm-securestring-cmk"), "eu-west-2");
    let c = load(&b, "cloudtrail-sse-kms");
    assert_eq!(c.drafts.len(), 2);
    assert!(!c.edited);
    assert_eq!(c.draft, None);
    assert!(matches!(c.notice, Some(Notice::Replaced { .. })));
    let (da, db) = (c.drafts[0].clone(), c.drafts[1].clone());
    assert_ne!(da.name, db.name);
    assert_eq!(da.scenario.region, "eu-west-1");
    assert_eq!(db.scenario.region, "eu-west-2");
    let back = reduce(&c, Action::RestoreDraft(da.id));
    assert_eq!(back.scenario.region, "eu-west-1");
    assert_eq!(back.draft, Some(da.id));
    assert_ne!(back.generation, c.generation);
    // Editing the restored draft updates it, not a new one.
    let more = region(&back, "eu-north-1");
    assert_eq!(more.drafts.len(), 2);
    assert_eq!(more.draft(da.id).unwrap().scenario.region, "eu-north-1");
    let gone = reduce(&more, Action::DeleteDraft(db.id));
    assert_eq!(gone.drafts.len(), 1);
    let named = reduce(&gone, Action::NameDraft(da.id, " my account ".into()));
    assert_eq!(named.draft(da.id).unwrap().name, "my account");
}

#[test]
fn a_shared_link_waits_when_there_is_edited_work() {
    let s = fresh("alb-logs-cmk");
    let shared = builtin("ssm-securestring-cmk");
    // Nothing edited: the link opens at once.
    let opened = reduce(&s, Action::LinkOpened(shared.clone()));
    assert_eq!(*opened.scenario, shared);
    assert_eq!(opened.origin, Origin::Shared);

    let edited = region(&s, "eu-west-1");
    let waiting = reduce(&edited, Action::LinkOpened(shared.clone()));
    assert_eq!(waiting.scenario, edited.scenario);
    assert_eq!(waiting.notice, Some(Notice::SharedPending));

    let kept = reduce(&waiting, Action::KeepMine);
    assert_eq!(kept.scenario, edited.scenario);
    assert_eq!(kept.pending, None);

    let taken = reduce(&waiting, Action::TakePending);
    assert_eq!(*taken.scenario, shared);
    let Some(Notice::Replaced { draft, .. }) = taken.notice.clone() else {
        panic!("{:?}", taken.notice)
    };
    let restored = reduce(&taken, Action::RestoreDraft(draft));
    assert_eq!(restored.scenario, edited.scenario);
}

#[test]
fn a_broken_link_shows_the_default_and_keeps_edited_work() {
    let edited = region(&fresh("ssm-securestring-cmk"), "eu-west-1");
    let default = builtin("alb-logs-cmk");
    let next = reduce(
        &edited,
        Action::LinkBroken {
            message: "truncated".into(),
            default: default.clone(),
        },
    );
    assert_eq!(*next.scenario, default);
    assert!(matches!(next.notice, Some(Notice::BadLink { .. })));
    assert_eq!(next.drafts, edited.drafts);
}

#[test]
fn the_checkpoint_is_the_scenario_before_the_current_run_of_edits() {
    let s = fresh("alb-logs-cmk");
    let id = s.current_policy().unwrap();
    let text = s.scenario.policy_text(&id).unwrap().to_string();
    let typed = |st: &State, extra: &str| {
        reduce(
            st,
            Action::Edit(Edit::Policy {
                id: id.clone(),
                text: format!("{text}{extra}"),
            }),
        )
    };
    let one = typed(&s, " ");
    let two = typed(&one, "  ");
    let cp = two.checkpoint.clone().unwrap();
    assert_eq!(cp.scenario, s.scenario, "keystrokes keep the first state");
    assert!(cp.label.starts_with("Before your last edit of key:"));
    let three = region(&two, "eu-west-1");
    assert_eq!(three.checkpoint.unwrap().scenario, two.scenario);
}

#[test]
fn a_rename_preview_applies_with_its_ids() {
    let s = fresh("alb-logs-cmk");
    let target = Target::Bucket("test-alb-access-logs".into());
    let answer = crate::helper::handle(&crate::helper::request_rename(
        &s.scenario,
        &target,
        "my-logs-1",
    ));
    let preview = crate::helper::parse_rename(target, "my-logs-1", &answer).unwrap();
    let mut open = reduce(
        &s,
        Action::OpenPolicy(PolicyId::Bucket("test-alb-access-logs".into())),
    );
    open = reduce(&open, Action::Rename(Rename::Ready(preview.clone())));
    // Escape closes the dialog and changes nothing.
    let escaped = reduce(&open, Action::Escape);
    assert_eq!(escaped.rename, None);
    assert_eq!(escaped.scenario, s.scenario);
    let applied = reduce(&open, Action::ApplyRename);
    assert_eq!(applied.scenario, preview.scenario);
    assert_eq!(
        applied.open_policy,
        Some(PolicyId::Bucket("my-logs-1".into()))
    );
    assert!(applied.edited && applied.rename.is_none());
    assert_eq!(applied.drafts.len(), 1);
    assert!(applied.checkpoint.unwrap().label.contains("rename bucket"));
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
    let go = |st: &State| {
        reduce(
            st,
            Action::GoTo {
                policy: PolicyId::Key("x".into()),
                offset: 5,
            },
        )
    };
    let a = go(&s);
    let b = go(&a);
    assert_ne!(a.caret, b.caret);
    assert_eq!(b.open_policy, Some(PolicyId::Key("x".into())));
}

#[test]
fn origins_round_trip_through_their_tags() {
    for o in [
        Origin::Builtin("alb-logs-cmk".into()),
        Origin::Blank,
        Origin::Shared,
        Origin::Saved,
    ] {
        assert_eq!(Origin::from_tag(&o.tag()), o);
    }
}

/// The SSM built-in's key policy without KeyUser's statement: KeyUser's
/// decrypting read fails, and the helper's best fix repairs it.
fn fix_applied(s: &State) -> (State, Rc<Scenario>) {
    let id = PolicyId::Key(s.scenario.keys[0].id.clone());
    let mut v: serde_json::Value =
        serde_json::from_str(s.scenario.policy_text(&id).unwrap()).unwrap();
    v["Statement"].as_array_mut().unwrap().remove(1);
    let text = serde_json::to_string_pretty(&v).unwrap();
    let broken = reduce(s, Action::Edit(Edit::Policy { id, text }));
    let step = "ssm\0get-parameters-with-decryption:KeyUser";
    let fix = keyflow_sim::fix_step(&broken.scenario, "ssm", &step[4..]).unwrap();
    let title = fix.candidates[0].title.clone();
    let answer = crate::helper::handle(&crate::helper::request_apply_fix(
        &broken.scenario,
        step,
        "1",
        &title,
    ));
    let (scenario, label) = crate::helper::parse_replacement(&answer).unwrap();
    let label = label.unwrap();
    let opened = reduce(&broken, Action::Ask(Panel::Fix, Some(step.into())));
    let applied = reduce(&opened, Action::Applied { scenario, label });
    (applied, broken.scenario.clone())
}

fn outcome(s: &Scenario) -> keyflow_sim::Outcome {
    let r = keyflow_sim::run(s);
    let flow = r.flow("ssm").unwrap();
    flow.step("get-parameters-with-decryption:KeyUser")
        .unwrap()
        .outcome
}

#[test]
fn an_applied_fix_can_be_undone_from_its_notice() {
    let s = fresh("ssm-securestring-cmk");
    let (applied, broken) = fix_applied(&s);
    assert_eq!(outcome(&broken), keyflow_sim::Outcome::Error);
    assert_eq!(outcome(&applied.scenario), keyflow_sim::Outcome::Ok);
    let Some(Notice::Undo(label)) = &applied.notice else {
        panic!("{:?}", applied.notice)
    };
    assert!(
        label.starts_with("Fix applied to key policy key:"),
        "{label}"
    );
    // Applying closes the Fix panel; the change is a draft like any other.
    assert_eq!(applied.asked(Panel::Fix), None);
    assert!(applied.edited);
    assert_eq!(applied.drafts[0].scenario, applied.scenario);
    let undone = reduce(&applied, Action::Undo);
    assert!(Rc::ptr_eq(&undone.scenario, &broken));
    assert_eq!(undone.drafts[0].scenario, undone.scenario);
    assert!(undone.undo.is_none());
    assert_ne!(
        undone.form, applied.form,
        "the forms show the restored scenario"
    );
    assert_eq!(undone.notice, None);
    // Nothing left to undo: nothing changes.
    assert_eq!(reduce(&undone, Action::Undo), undone);
}

#[test]
fn undo_never_drops_later_edits() {
    let (applied, _) = fix_applied(&fresh("ssm-securestring-cmk"));
    let edited = region(&applied, "eu-west-1");
    assert!(edited.undo.is_none());
    assert_eq!(edited.notice, None, "the Undo notice goes with the stack");
    assert_eq!(reduce(&edited, Action::Undo), edited);
    // Another scenario on screen starts with nothing to undo.
    assert!(load(&applied, "alb-logs-cmk").undo.is_none());
}

#[test]
fn undo_takes_back_the_last_whole_scenario_change() {
    let s = fresh("alb-logs-cmk");
    let replace = |st: &State, title: &str| {
        let mut next = (*st.scenario).clone();
        next.title = title.into();
        reduce(
            st,
            Action::Replace {
                scenario: next,
                label: title.into(),
            },
        )
    };
    let one = replace(&s, "one");
    let two = replace(&one, "two");
    assert_eq!(two.undo.as_ref().unwrap().1, "two");
    let back = reduce(&two, Action::Undo);
    assert!(Rc::ptr_eq(&back.scenario, &one.scenario));
    assert_eq!(reduce(&back, Action::Undo), back, "one step back only");
}

#[test]
fn panels_keep_only_the_answer_to_their_question() {
    let s = fresh("ssm-securestring-cmk");
    let asked = |what: &str, tree: &str| Asked {
        what: what.into(),
        scenario: s.scenario.clone(),
        tree: Some(Ok(Rc::from(tree))),
    };
    let rows = r#"["p",{},"x"]"#;
    // A Fix answer for a closed panel, or for another step, is dropped.
    let closed = reduce(&s, Action::Answer(Panel::Fix, asked("f\0a", rows)));
    assert_eq!(closed.asked(Panel::Fix), None);
    let open = reduce(&s, Action::Ask(Panel::Fix, Some("f\0a".into())));
    assert_eq!(open.asked(Panel::Fix).unwrap().tree, None);
    let other = reduce(&open, Action::Answer(Panel::Fix, asked("f\0b", rows)));
    assert_eq!(other, open);
    let answered = reduce(&open, Action::Answer(Panel::Fix, asked("f\0a", rows)));
    assert_eq!(answered.asked(Panel::Fix), Some(&asked("f\0a", rows)));
    // Escape closes it; so does asking for nothing.
    assert_eq!(reduce(&answered, Action::Escape).asked(Panel::Fix), None);
    assert_eq!(
        reduce(&answered, Action::Ask(Panel::Fix, None)).asked(Panel::Fix),
        None
    );
    // The access view takes the answer for its default choice.
    let access = reduce(&s, Action::Answer(Panel::Access, asked("key:k", rows)));
    assert_eq!(access.asked(Panel::Access), Some(&asked("key:k", rows)));
    let picked = reduce(&access, Action::Ask(Panel::Access, Some("bucket:b".into())));
    assert_eq!(picked.asked(Panel::Access).unwrap().what, "bucket:b");
    let late = reduce(&picked, Action::Answer(Panel::Access, asked("key:k", rows)));
    assert_eq!(
        late, picked,
        "a late answer for the earlier choice is dropped"
    );
    // An answer for a scenario that has left the screen is dropped too.
    let other = load(&s, "alb-logs-cmk");
    let gone = reduce(&other, Action::Answer(Panel::Lockout, asked("k\0", rows)));
    assert_eq!(gone, other);
}

#[test]
fn an_unwrapped_paste_can_be_put_back() {
    let s = fresh("cloudtrail-sse-kms");
    let id = s.current_policy().unwrap();
    let policy = s.scenario.policy_text(&id).unwrap().to_string();
    let pasted = format!("{{\"Policy\": {policy:?}}}");
    let typed = reduce(
        &s,
        Action::Edit(Edit::Policy {
            id: id.clone(),
            text: pasted.clone(),
        }),
    );
    let note = Unwrapped {
        policy: id.clone(),
        original: pasted.clone(),
        what: "unwrapped from `aws kms get-key-policy` output".into(),
    };
    let unwrapped = reduce(&typed, Action::Unwrapped(note.clone(), policy.clone()));
    assert_eq!(unwrapped.scenario.policy_text(&id), Some(policy.as_str()));
    assert_eq!(unwrapped.unwrapped.as_ref(), Some(&note));
    assert_eq!(unwrapped.drafts.len(), 1);
    let back = reduce(&unwrapped, Action::Rewrap);
    assert_eq!(back.scenario.policy_text(&id), Some(pasted.as_str()));
    assert_eq!(back.unwrapped, None);
    // An answer for a text typed over since is dropped.
    let retyped = reduce(
        &typed,
        Action::Edit(Edit::Policy {
            id: id.clone(),
            text: "{".into(),
        }),
    );
    let late = reduce(&retyped, Action::Unwrapped(note, policy));
    assert_eq!(late.scenario.policy_text(&id), Some("{"));
    assert_eq!(late.unwrapped, None);
}

#[test]
fn an_import_takes_the_screen_as_a_draft_and_keeps_earlier_work() {
    let s = region(&fresh("alb-logs-cmk"), "eu-west-1");
    let open = reduce(&s, Action::Import(Some(Import::default())));
    let open = reduce(
        &open,
        Action::ImportFiles(vec![("a.yaml".into(), "Resources: {}".into())]),
    );
    assert_eq!(open.import.as_ref().unwrap().files.len(), 1);
    let finding = "a.yaml:1:1: note: m".to_string();
    let imported = reduce(
        &open,
        Action::Imported {
            scenario: Some(builtin("ssm-securestring-cmk")),
            findings: finding.clone(),
        },
    );
    assert_eq!(imported.origin, Origin::Imported);
    assert_eq!(imported.scenario.name, "ssm-securestring-cmk");
    // Both the earlier work and the import are drafts; the notice says so.
    assert_eq!(imported.drafts.len(), 2);
    assert_eq!(imported.draft, Some(imported.drafts[1].id));
    assert!(matches!(imported.notice, Some(Notice::Replaced { .. })));
    let dialog = imported.import.as_ref().unwrap();
    assert_eq!(dialog.findings, Some((true, finding)));
    assert!(!dialog.working);
    // Nothing imported: the screen stays, the dialog says why; Escape closes it.
    let failed = reduce(
        &open,
        Action::Imported {
            scenario: None,
            findings: "why".into(),
        },
    );
    assert!(Rc::ptr_eq(&failed.scenario, &open.scenario));
    assert_eq!(
        failed.import.as_ref().unwrap().findings,
        Some((false, "why".into()))
    );
    assert_eq!(reduce(&failed, Action::Escape).import, None);
    assert_eq!(Origin::from_tag(&Origin::Imported.tag()), Origin::Imported);
}
