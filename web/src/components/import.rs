//! Bring what you have: the Import dialog (templates, plans and CLI output,
//! pasted, chosen or dropped, imported by the helper into a scenario) and the
//! Export button (the scenario file `keyflow run` reads, as a download).

use yew::prelude::*;

use crate::AppContext;
use crate::helper;
use crate::hooks::{browser, helper::ask};
use crate::state::{Action, Import, State};
use crate::text::v;

/// The Import and Export buttons of the page header.
pub fn buttons(ctx: &AppContext) -> Html {
    let open = {
        let d = ctx.state.dispatcher();
        Callback::from(move |_| d.dispatch(Action::Import(Some(Import::default()))))
    };
    let export = {
        let (s, d) = (ctx.state.scenario.clone(), ctx.state.dispatcher());
        Callback::from(move |_| {
            let d = d.clone();
            ask(helper::request_export(&s), move |answer| {
                let saved = helper::parse_export(&answer)
                    .map(|(name, text)| browser::download(&name, &text));
                if !matches!(saved, Ok(true)) {
                    d.dispatch(Action::Notify(
                        "The scenario could not be exported (Web Workers or downloads are off)."
                            .into(),
                    ));
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

fn add_files(d: &UseReducerDispatcher<State>, files: Option<web_sys::FileList>) {
    let d = d.clone();
    browser::read_files(files, move |files| d.dispatch(Action::ImportFiles(files)));
}

/// The modal, while it is open. Escape or Close closes it.
pub fn import_dialog(ctx: &AppContext) -> Html {
    let Some(i) = &ctx.state.import else {
        return html! {};
    };
    let d = ctx.state.dispatcher();
    let close = {
        let d = d.clone();
        Callback::from(move |_| {
            browser::focus("import-open");
            d.dispatch(Action::Import(None))
        })
    };
    let run = {
        let d = d.clone();
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
            d.dispatch(Action::Import(Some(Import {
                working: true,
                ..i.clone()
            })));
            let d = d.clone();
            ask(request, move |answer| {
                d.dispatch(match helper::parse_import(&answer) {
                    Ok((scenario, findings)) => Action::Imported { scenario, findings },
                    Err(why) => Action::Imported {
                        scenario: None,
                        findings: why,
                    },
                })
            });
        })
    };
    let chosen = {
        let d = d.clone();
        Callback::from(move |e: Event| {
            if let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                add_files(&d, input.files());
                input.set_value("");
            }
        })
    };
    let over = Callback::from(|e: DragEvent| e.prevent_default());
    let drop = {
        let d = d.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            add_files(&d, e.data_transfer().and_then(|t| t.files()));
        })
    };
    let s = &ctx.state.scenario;
    let files: Vec<String> = i.files.iter().map(|(name, _)| v(name)).collect();
    // What came of the import, then the importer's findings, a line each.
    let result = i.findings.as_ref().map(|(loaded, findings)| {
        let head = if *loaded {
            "Imported: on screen and in Your drafts.\n"
        } else {
            "Nothing was imported.\n"
        };
        html! {
            <pre class="small import-findings" data-testid="import-result" data-loaded={loaded.to_string()}>{ head }{ findings.lines().map(v).collect::<Vec<_>>().join("\n") }</pre>
        }
    });
    html! {
        <div class="backdrop">
            <div class="dialog" id="import-dialog" role="dialog" aria-modal="true" aria-labelledby="import-title" data-testid="import-dialog"
                ondragover={over} ondrop={drop}>
                <h2 id="import-title">{ "Import" }</h2>
                <label for="import-text">{ "Paste a CloudFormation or CDK template, terraform show -json output, aws iam get-account-authorization-details output or a Keyflow scenario file" }</label>
                <textarea id="import-text" class="import-text" spellcheck="false" data-testid="import-text" />
                <label for="import-files">{ "Or choose or drop files" }</label>
                <input type="file" id="import-files" multiple=true data-testid="import-files" onchange={chosen} />
                <pre class="small" data-testid="import-file-list">{ files.join("\n") }</pre>
                <label>{ "Account ID (empty: from the files)" }<input id="import-account" value={s.account.clone()} data-testid="import-account" /></label>
                <label>{ "Region" }<input id="import-region" value={s.region.clone()} data-testid="import-region" /></label>
                { for result }
                <div class="row end">
                    <button type="button" class="btn" id="import-close" onclick={close} data-testid="import-close">{ "Close" }</button>
                    <button type="button" class="btn primary" onclick={run} data-testid="import-run">
                        { if i.working { "Importing…" } else { "Import" } }
                    </button>
                </div>
            </div>
        </div>
    }
}
