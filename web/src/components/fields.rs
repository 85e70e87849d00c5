//! One text field for every name the user can change: it checks the value
//! when it is committed (Enter or leaving the field), says why it is refused
//! right under the field, and hands a valid value on.

use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct FieldProps {
    pub label: AttrValue,
    pub value: AttrValue,
    pub testid: AttrValue,
    /// `Some(why)` refuses the value.
    pub check: Callback<String, Option<String>>,
    pub on_commit: Callback<String>,
    #[prop_or_default]
    pub placeholder: AttrValue,
    /// Text for a button that commits (for fields that add something).
    #[prop_or_default]
    pub button: AttrValue,
    /// A change of this number puts the field back to `value` (a cancelled rename).
    #[prop_or_default]
    pub reset: u32,
}

#[function_component(Field)]
pub fn field(p: &FieldProps) -> Html {
    let error = use_state_eq(|| None::<String>);
    let input = use_node_ref();
    // What the field shows: the typed text, so that a re-render elsewhere never
    // puts back the old value under the user's fingers; a new value from the
    // scenario replaces it.
    // Control and bidi characters are spelled out here too, never obeyed.
    let shown = crate::text::v(&p.value);
    let typed = use_state_eq(|| shown.clone());
    {
        let (typed, error) = (typed.clone(), error.clone());
        use_effect_with((p.value.clone(), p.reset), move |(v, _)| {
            typed.set(crate::text::v(v));
            error.set(None);
        });
    }
    let oninput = {
        let typed = typed.clone();
        Callback::from(move |e: InputEvent| {
            typed.set(e.target_unchecked_into::<HtmlInputElement>().value());
        })
    };
    let commit = {
        let (error, input, check, on_commit, value) = (
            error.clone(),
            input.clone(),
            p.check.clone(),
            p.on_commit.clone(),
            shown,
        );

        move || {
            let Some(el) = input.cast::<HtmlInputElement>() else {
                return;
            };
            let v = el.value().trim().to_string();
            if v == value.as_str() {
                error.set(None);
                return;
            }
            match check.emit(v.clone()) {
                Some(why) => error.set(Some(why)),
                None => {
                    error.set(None);
                    on_commit.emit(v);
                }
            }
        }
    };
    let onchange = {
        let commit = commit.clone();
        Callback::from(move |_: Event| commit())
    };
    let onclick = Callback::from(move |_: MouseEvent| commit());
    let invalid = error.is_some();
    let id = format!("f-{}", p.testid);
    html! {
        <div class="field">
            <label for={id.clone()}>{ p.label.clone() }</label>
            <div class="row">
                <input {id} ref={input} value={(*typed).clone()} placeholder={p.placeholder.clone()} {onchange} {oninput}
                    aria-invalid={invalid.to_string()} data-testid={p.testid.clone()} spellcheck="false" autocomplete="off" />
                if !p.button.is_empty() {
                    <button type="button" class="btn tiny" {onclick} data-testid={format!("{}-add", p.testid)}>{ p.button.clone() }</button>
                }
            </div>
            if let Some(why) = &*error {
                <span class="field-error" role="alert" data-testid={format!("{}-error", p.testid)}>{ crate::text::v(why) }</span>
            }
        </div>
    }
}
