//! Panels whose rows come from the helper worker (`crate::helper::Panel`):
//! the rows are rendered as they are, so every word and link is the sim's.
//! Row kinds: `p` text, `a` text and a link to an AWS page, `diff` a policy
//! diff (`+` added, `−` removed), `ul` a list, `err` AWS's error, `warn`
//! Keyflow's own warning, `status` where a Fix request stands.

use yew::prelude::*;

use crate::state::Asked;
use crate::text::v;

fn row(r: &[String]) -> Html {
    let f = |i: usize| r.get(i).map(|x| v(x)).unwrap_or_default();
    let kind = f(0);
    match kind.as_str() {
        "diff" => html! {
            <div class="diff" data-testid="fix-diff">
                <p class="small muted">{ f(1) }</p>
                <pre>{ for r.iter().skip(2).map(|l| {
                    let class = match l.chars().next() { Some('+') => "add", Some('−') => "del", _ => "" };
                    html! { <span {class}>{ v(l) }{ "\n" }</span> }
                }) }</pre>
            </div>
        },
        "a" => html! {
            <p class="small" data-kind="a">{ f(1) }
                if f(3).starts_with("https://") {
                    <a href={f(3)} target="_blank" rel="noopener noreferrer">{ f(2) }</a>
                } else { { f(2) } }
            </p>
        },
        "ul" => html! {
            <div data-kind="ul"><p class="small">{ f(1) }</p>
                <ul class="small">{ for r.iter().skip(2).map(|x| html! { <li>{ v(x) }</li> }) }</ul></div>
        },
        "err" => html! {
            <p class="aws-error" data-testid="panel-error"><span class="err-code">{ f(1) }</span>{ ": " }<span class="err-msg">{ f(2) }</span></p>
        },
        "warn" => html! {
            <p class="warn-note" data-testid="panel-warning"><strong>{ f(1) }{ ": " }</strong>{ f(2) }</p>
        },
        "status" => html! { <p data-testid="panel-status" data-status={f(1)}>{ f(2) }</p> },
        _ => html! { <p class="small">{ f(1) }</p> },
    }
}

pub fn rows(rows: &[Vec<String>]) -> Html {
    rows.iter().map(|r| row(r)).collect()
}

/// The helper at work, why it could not answer, or `body` over its rows.
pub fn answer(asked: &Asked, body: impl Fn(&[Vec<String>]) -> Html) -> Html {
    match &asked.rows {
        None => html! { <p class="busy small" role="status">{ "Asking Keyflow's helper…" }</p> },
        Some(Err(why)) => html! { <p class="small deny-text">{ v(why) }</p> },
        Some(Ok(r)) => body(r),
    }
}

/// A labelled `<select>` over (value, text) options; `pick` gets the value chosen.
pub fn choice(
    testid: &str,
    label: &str,
    options: Vec<(String, String)>,
    current: &str,
    pick: Callback<String>,
) -> Html {
    let onchange = Callback::from(move |e: Event| {
        pick.emit(
            e.target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value(),
        )
    });
    html! {
        <label class="small">{ label }{ " " }
            <select data-testid={testid.to_string()} {onchange}>
                { for options.into_iter().map(|(value, text)| {
                    let selected = value == current;
                    html! { <option {selected} {value}>{ v(&text) }</option> }
                }) }
            </select>
        </label>
    }
}
