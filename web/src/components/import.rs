//! Bring what you have: the Import dialog (templates, plans and CLI output,
//! pasted, chosen or dropped, imported by the helper into a scenario) and the
//! Export button (the scenario file `keyflow run` reads, as a download).

use yew::prelude::*;

use crate::AppContext;
use crate::helper;
use crate::hooks::{browser, helper::ask};
use crate::state::{Action, Import};
use crate::text::v;

/// The file name of an export: the scenario's name with what file systems
/// refuse spelled as `-`.
pub fn export_name(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let safe = safe.trim_matches('.');
    format!(
        "{}.keyflow.json",
        if safe.is_empty() { "scenario" } else { safe }
    )
}

/// The Import and Export buttons of the page header.
pub fn buttons(ctx: &AppContext) -> Html {
    let open = {
        let ctx = ctx.clone();
        Callback::from(move |_| ctx.dispatch(Action::Import(Some(Import::default()))))
    };
    let export = {
        let ctx = ctx.clone();
        Callback::from(move |_| {
            let name = export_name(&ctx.state.scenario.name);
            let d = ctx.state.dispatcher();
            ask(helper::request_export(&ctx.state.scenario), move |answer| {
                let done = helper::parse_export(&answer).and_then(|text| {
                    browser::download(&name, &text)
                        .then_some(())
                        .ok_or_else(|| "this browser refused the download".to_string())
                });
                if let Err(why) = done {
                    d.dispatch(Action::Notify(format!(
                        "The scenario could not be exported: {why}"
                    )));
                }
            });
        })
    };
    html! {
        <div class="io">
            <button type="button" class="btn" id="import-open" data-testid="import-open" onclick={open}>{ "Import" }</button>
            <button type="button" class="btn" data-testid="export" onclick={export}>{ "Export" }</button>
        </div>
    }
}

fn add_files(ctx: &AppContext, files: Option<web_sys::FileList>) {
    let d = ctx.state.dispatcher();
    browser::read_files(files, move |read| {
        d.dispatch(match read {
            Ok(files) => Action::ImportFiles(files),
            Err(why) => Action::Notify(why),
        })
    });
}

/// The modal, while it is open. Escape or Close closes it.
pub fn import_dialog(ctx: &AppContext) -> Html {
    let Some(i) = &ctx.state.import else {
        return html! {};
    };
    let close = {
        let ctx = ctx.clone();
        Callback::from(move |_| ctx.dispatch(Action::Import(None)))
    };
    let run = {
        let ctx = ctx.clone();
        let i = i.clone();
        Callback::from(move |_| {
            let mut files = (*i.files).clone();
            let pasted = browser::value_of("import-text");
            if !pasted.trim().is_empty() {
                files.insert(0, ("pasted".into(), pasted));
            }
            let request = helper::request_import(
                &files,
                &browser::value_of("import-account"),
                &browser::value_of("import-region"),
            );
            ctx.dispatch(Action::Import(Some(Import {
                working: true,
                ..i.clone()
            })));
            let d = ctx.state.dispatcher();
            ask(request, move |answer| {
                d.dispatch(match helper::parse_import(&answer) {
                    Ok((scenario, findings)) => Action::Imported {
                        scenario,
                        findings,
                        error: None,
                    },
                    Err(why) => Action::Imported {
                        scenario: None,
                        findings: Vec::new(),
                        error: Some(why),
                    },
                })
            });
        })
    };
    let chosen = {
        let ctx = ctx.clone();
        Callback::from(move |e: Event| {
            if let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                add_files(&ctx, input.files());
                input.set_value("");
            }
        })
    };
    let over = Callback::from(|e: DragEvent| e.prevent_default());
    let drop = {
        let ctx = ctx.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            add_files(&ctx, e.data_transfer().and_then(|t| t.files()));
        })
    };
    let s = &ctx.state.scenario;
    let findings = i.findings.as_ref().map(|(loaded, list)| {
        let rows = list.iter().map(|f| {
            html! {
                <li class={format!("sev-{}", f.severity)} data-testid="import-finding">
                    <span class="pos">{ format!("{}:{}:{}", v(&f.file), f.line, f.column) }</span>
                    { format!(" {}: {}", f.severity, v(&f.message)) }
                </li>
            }
        });
        html! {
            <div data-testid="import-result" data-loaded={loaded.to_string()}>
                <p>{ if *loaded { "Imported: the scenario is on screen and kept in Your drafts." } else { "Nothing was imported." } }</p>
                if !list.is_empty() { <ul class="small import-findings">{ for rows }</ul> }
            </div>
        }
    });
    html! {
        <div class="backdrop">
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="import-title" data-testid="import-dialog"
                ondragover={over} ondrop={drop}>
                <h2 id="import-title">{ "Import" }</h2>
                <p class="small muted">{ "CloudFormation or CDK templates (JSON or YAML), Terraform plans (terraform show -json) and aws iam get-account-authorization-details output become one scenario; a Keyflow scenario file (an export) opens as it is. Your work on screen stays in Your drafts." }</p>
                <label for="import-text">{ "Paste a file" }</label>
                <textarea id="import-text" class="import-text" spellcheck="false" data-testid="import-text" />
                <label for="import-files">{ "Or choose or drop files" }</label>
                <input type="file" id="import-files" multiple=true data-testid="import-files" onchange={chosen} />
                <ul class="small">{ for i.files.iter().map(|(name, text)| html! {
                    <li data-testid="import-file">{ format!("{} ({} bytes)", v(name), text.len()) }</li>
                }) }</ul>
                <div class="io">
                    <label>{ "Account ID " }<input id="import-account" value={s.account.clone()} data-testid="import-account" /></label>
                    <label>{ "Region " }<input id="import-region" value={s.region.clone()} data-testid="import-region" /></label>
                </div>
                <p class="small muted">{ "Leave them empty to take them from the files." }</p>
                if let Some(why) = &i.error { <p class="field-error" role="alert" data-testid="import-error">{ v(why) }</p> }
                { for findings }
                <div class="row end">
                    <button type="button" class="btn" id="import-close" onclick={close} data-testid="import-close">{ "Close" }</button>
                    <button type="button" class="btn primary" onclick={run} disabled={i.working} data-testid="import-run">
                        { if i.working { "Importing…" } else { "Import" } }
                    </button>
                </div>
            </div>
        </div>
    }
}
