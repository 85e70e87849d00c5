//! The policy editor: a plain `<textarea>` over a highlighted `<pre>`.
//!
//! The textarea owns the text and the caret; its own text is transparent, so
//! what you see is the `<pre>` behind it, which carries the colours, the
//! diagnostic squiggles and the highlighted statement. Both grow with the
//! text and sit in one scroll box, so they never drift apart. Text is only
//! ever rendered as text nodes.

use std::ops::Range;
use std::rc::Rc;

use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use crate::text::{self, Token};

/// Pixel height of one editor line; must match `--line` in style.css.
const LINE_PX: f64 = 20.0;
/// Top padding of the code box in pixels; must match style.css.
const PAD_PX: f64 = 8.0;
/// Longer texts render only the lines in view (and this many around them):
/// a 300 KB policy is ten thousand lines, and only some forty are visible.
const WINDOW_MARGIN: usize = 60;
const VIRTUAL_FROM_LINES: usize = 400;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn class(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// A diagnostic as the editor shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    pub range: Range<usize>,
    pub severity: Severity,
    pub code: String,
    pub message: String,
    pub help: Option<String>,
    /// 1-based, for the problems list.
    pub line: u32,
    pub column: u32,
    /// Quick fixes (name-mismatch findings have them).
    pub fixes: Vec<crate::helper::QuickFix>,
}

#[derive(Properties, PartialEq)]
pub struct EditorProps {
    /// Stable id used in `data-testid`s (`editor-<id>`).
    pub id: AttrValue,
    pub label: AttrValue,
    pub text: Rc<str>,
    pub marks: Rc<Vec<Mark>>,
    /// The statement that decided the selected check.
    #[prop_or_default]
    pub highlight: Option<Range<usize>>,
    /// Move the caret here; the counter makes a repeated click move it again.
    #[prop_or_default]
    pub caret: Option<(usize, u32)>,
    pub on_change: Callback<String>,
}

#[function_component(Editor)]
pub fn editor(props: &EditorProps) -> Html {
    let area = use_node_ref();
    let scroller = use_node_ref();
    let code = use_node_ref();
    let pre = use_node_ref();
    let gutter_ref = use_node_ref();
    let hover_line = use_state_eq(|| None::<usize>);
    // The first and last line in view, for long texts.
    let view = use_state_eq(|| (0usize, 60usize));

    // The textarea is uncontrolled: writing its value on every render would
    // move the caret, so only outside changes (Format, load) are written.
    {
        let area = area.clone();
        use_effect_with(props.text.clone(), move |t| {
            if let Some(el) = area.cast::<HtmlTextAreaElement>()
                && el.value() != **t
            {
                el.set_value(t);
            }
        });
    }

    {
        let area = area.clone();
        let scroller = scroller.clone();
        let text = props.text.clone();
        use_effect_with(props.caret, move |caret| {
            if let (Some((offset, _)), Some(el)) = (caret, area.cast::<HtmlTextAreaElement>()) {
                let at = text::utf16_index(&text, *offset);
                let _ = el.focus();
                let _ = el.set_selection_range(at, at);
                let line = text::line_of(&text::line_starts(&text), *offset);
                reveal_line(&scroller, line);
            }
        });
    }

    {
        let scroller = scroller.clone();
        let text = props.text.clone();
        use_effect_with(props.highlight.clone(), move |hl| {
            if let Some(range) = hl {
                let line = text::line_of(&text::line_starts(&text), range.start);
                reveal_line(&scroller, line);
            }
        });
    }

    let oninput = {
        let on_change = props.on_change.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(el) = e.target_dyn_into::<HtmlTextAreaElement>() {
                on_change.emit(el.value());
            }
        })
    };

    let starts = text::line_starts(&props.text);
    let lines = starts.len();
    let virtual_ = lines > VIRTUAL_FROM_LINES;
    let (first, last) = if virtual_ {
        let (top, bottom) = *view;
        (
            top.saturating_sub(WINDOW_MARGIN),
            (bottom + WINDOW_MARGIN).min(lines),
        )
    } else {
        (0, lines)
    };
    let window_start = starts.get(first).copied().unwrap_or(0);
    let window_end = starts.get(last).copied().unwrap_or(props.text.len());
    let mut by_line: Vec<Vec<&Mark>> = vec![Vec::new(); last.saturating_sub(first)];
    for m in props.marks.iter() {
        let line = text::line_of(&starts, m.range.start.min(props.text.len()));
        if let Some(list) = line.checked_sub(first).and_then(|l| by_line.get_mut(l)) {
            list.push(m);
        }
    }

    // Long texts: the code box is as tall as all the lines, the rendered
    // window sits at its place. Sizes go through the CSSOM (the CSP refuses
    // `style` attributes).
    {
        let (code, pre, gutter_ref) = (code.clone(), pre.clone(), gutter_ref.clone());
        let widest = if virtual_ {
            props
                .text
                .lines()
                .map(|l| l.chars().count())
                .max()
                .unwrap_or(0)
        } else {
            0
        };
        use_effect_with(
            (virtual_, lines, first, widest),
            move |&(on, lines, first, widest)| {
                // Whole pixels as integers: float formatting would add kilobytes to the bundle.
                let px = |n: usize| format!("{n}px");
                let (line, pad) = (LINE_PX as usize, PAD_PX as usize);
                let (height, top, width) = if on {
                    (
                        px(lines * line + 2 * pad),
                        px(pad + first * line),
                        format!("calc({widest}ch + 24px)"),
                    )
                } else {
                    (String::new(), String::new(), String::new())
                };
                if let Some(el) = code.cast::<web_sys::Element>() {
                    crate::hooks::browser::set_style(&el, "height", &height);
                    crate::hooks::browser::set_style(&el, "min-width", &width);
                }
                if let Some(el) = pre.cast::<web_sys::Element>() {
                    crate::hooks::browser::set_style(&el, "padding-top", &top);
                }
                if let Some(el) = gutter_ref.cast::<web_sys::Element>() {
                    crate::hooks::browser::set_style(&el, "padding-top", &top);
                    crate::hooks::browser::set_style(&el, "height", &height);
                }
            },
        );
    }
    let onscroll = {
        let view = view.clone();
        Callback::from(move |e: Event| {
            let el = e.target_unchecked_into::<web_sys::Element>();
            let top = (f64::from(el.scroll_top()) / LINE_PX) as usize;
            let rows = (f64::from(el.client_height()) / LINE_PX) as usize + 1;
            view.set((top, top + rows));
        })
    };

    let onmousemove = {
        let hover_line = hover_line.clone();
        Callback::from(move |e: MouseEvent| {
            let y = f64::from(e.offset_y()) - PAD_PX;
            hover_line.set((y >= 0.0).then(|| (y / LINE_PX) as usize));
        })
    };
    let onmouseleave = {
        let hover_line = hover_line.clone();
        Callback::from(move |_| hover_line.set(None))
    };
    let hover_title = hover_line
        .and_then(|l| by_line.get(l.checked_sub(first)?))
        .filter(|list| !list.is_empty())
        .map(|list| {
            list.iter()
                .map(|m| describe(m))
                .collect::<Vec<_>>()
                .join("\n")
        });

    let format = {
        let on_change = props.on_change.clone();
        let text = props.text.clone();
        Callback::from(move |_| {
            if let Some(formatted) = text::format_json(&text)
                && *formatted != *text
            {
                on_change.emit(formatted);
            }
        })
    };
    let can_format = !props.marks.iter().any(|m| m.code == "KF001");

    let gutter = by_line.iter().enumerate().map(|(i, marks)| {
        let worst = marks.iter().map(|m| m.severity).min_by_key(|s| *s as u8);
        let class = match worst {
            Some(s) => format!("ln ln-{}", s.class()),
            None => "ln".to_string(),
        };
        let title = (!marks.is_empty()).then(|| {
            marks
                .iter()
                .map(|m| describe(m))
                .collect::<Vec<_>>()
                .join("\n")
        });
        html! { <div {class} {title}>{ first + i + 1 }</div> }
    });

    // The window's text, and the marks and highlight moved into it.
    let window = props.text.get(window_start..window_end).unwrap_or("");
    let shift = |r: &Range<usize>| -> Option<Range<usize>> {
        (r.end >= window_start && r.start <= window_end).then(|| {
            r.start.saturating_sub(window_start).min(window.len())
                ..r.end.saturating_sub(window_start).min(window.len())
        })
    };
    let window_marks: Vec<Mark> = if virtual_ {
        props
            .marks
            .iter()
            .filter_map(|m| {
                Some(Mark {
                    range: shift(&m.range)?,
                    ..m.clone()
                })
            })
            .collect()
    } else {
        props.marks.to_vec()
    };
    let highlight = props.highlight.as_ref().and_then(shift);

    let id = &props.id;
    let errors = props
        .marks
        .iter()
        .filter(|m| m.severity == Severity::Error)
        .count();
    let warnings = props.marks.len() - errors;
    html! {
        <div class="editor" data-testid={format!("editor-{id}")}>
            <div class="editor-bar">
                <label class="editor-label" for={format!("ta-{id}")}>{ props.label.clone() }</label>
                <span class="editor-counts" data-testid={format!("editor-counts-{id}")}>
                    if errors > 0 { <span class="count-error">{ format!("{errors} error{}", plural(errors)) }</span> }
                    if warnings > 0 { <span class="count-warning">{ format!("{warnings} warning{}", plural(warnings)) }</span> }
                    if props.marks.is_empty() { <span class="count-ok">{ "no problems" }</span> }
                </span>
                <button type="button" class="btn small" onclick={format} disabled={!can_format}
                    title={if can_format { "Re-indent this policy" } else { "Fix the JSON errors first" }}
                    data-testid={format!("format-{id}")}>{ "Format" }</button>
            </div>
            <div class="editor-scroll" ref={scroller} {onscroll}>
                <div class="gutter" aria-hidden="true" ref={gutter_ref}>{ for gutter }</div>
                <div class="code" ref={code}>
                    <pre class="code-hl" aria-hidden="true" ref={pre}>{ render_segments(window, &window_marks, highlight.as_ref()) }</pre>
                    <textarea ref={area} id={format!("ta-{id}")} class="code-input"
                        spellcheck="false" autocomplete="off" wrap="off"
                        data-testid={format!("textarea-{id}")}
                        title={hover_title}
                        {oninput} {onmousemove} {onmouseleave} />
                </div>
            </div>
        </div>
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn describe(m: &Mark) -> String {
    let mut s = format!(
        "{}:{} {} [{}]: {}",
        m.line,
        m.column,
        m.severity.class(),
        m.code,
        m.message
    );
    if let Some(help) = &m.help {
        s.push_str("\n  help: ");
        s.push_str(help);
    }
    s
}

/// Scrolls the editor box so that `line` (0-based) is in view.
fn reveal_line(scroller: &NodeRef, line: usize) {
    if let Some(el) = scroller.cast::<web_sys::Element>() {
        let top = PAD_PX + line as f64 * LINE_PX;
        let view = f64::from(el.client_height());
        let current = f64::from(el.scroll_top());
        if top < current || top + LINE_PX > current + view {
            el.set_scroll_top((top - view / 3.0).max(0.0) as i32);
        }
    }
}

/// The highlighted text as spans: token colour, squiggle for diagnostics,
/// band for the deciding statement.
fn render_segments(text: &str, marks: &[Mark], highlight: Option<&Range<usize>>) -> Html {
    let segs = segments(text, marks, highlight);
    let nodes = segs.into_iter().map(|(range, class)| {
        let slice = text.get(range).unwrap_or("").to_string();
        if class.is_empty() {
            html! { {slice} }
        } else {
            html! { <span {class}>{ slice }</span> }
        }
    });
    // A trailing newline would otherwise collapse, leaving the pre one line short.
    html! { <>{ for nodes }{ "\n " }</> }
}

/// Splits `text` at every token, mark and highlight boundary; each piece
/// gets the classes that apply to it. Pure, so it is unit-tested.
pub fn segments(
    text: &str,
    marks: &[Mark],
    highlight: Option<&Range<usize>>,
) -> Vec<(Range<usize>, String)> {
    let len = text.len();
    let fix = |r: &Range<usize>| -> Range<usize> {
        let clamp = |mut i: usize| {
            i = i.min(len);
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let (s, e) = (clamp(r.start), clamp(r.end.max(r.start)));
        if s < e {
            s..e
        } else if s > 0 {
            // An empty span (e.g. "unexpected end") marks the character before it.
            let prev = text
                .get(..s)
                .and_then(|t| t.chars().next_back())
                .map_or(1, char::len_utf8);
            s - prev..s
        } else {
            0..text
                .get(..)
                .and_then(|t| t.chars().next())
                .map_or(0, char::len_utf8)
        }
    };
    let tokens = text::tokenize(text);
    let marks: Vec<(Range<usize>, Severity)> =
        marks.iter().map(|m| (fix(&m.range), m.severity)).collect();
    let hl = highlight.map(fix);

    let mut cuts: Vec<usize> = vec![0, len];
    for (r, _) in &tokens {
        cuts.extend([r.start, r.end]);
    }
    for (r, _) in &marks {
        cuts.extend([r.start, r.end]);
    }
    if let Some(r) = &hl {
        cuts.extend([r.start, r.end]);
    }
    cuts.sort_unstable();
    cuts.dedup();

    let mut out: Vec<(Range<usize>, String)> = Vec::new();
    let mut tok = tokens.iter().peekable();
    for pair in cuts.windows(2) {
        let [a, b] = [
            pair.first().copied().unwrap_or(0),
            pair.get(1).copied().unwrap_or(0),
        ];
        while tok.peek().is_some_and(|(r, _)| r.end <= a) {
            tok.next();
        }
        let mut class = String::new();
        if let Some((r, t)) = tok.peek()
            && r.start <= a
        {
            class.push_str(Token::class(*t));
        }
        if let Some(sev) = marks
            .iter()
            .filter(|(r, _)| r.start <= a && a < r.end)
            .map(|(_, s)| *s)
            .min_by_key(|s| *s as u8)
        {
            push_class(&mut class, &format!("sq-{}", sev.class()));
        }
        if hl.as_ref().is_some_and(|r| r.start <= a && a < r.end) {
            push_class(&mut class, "hl-decide");
        }
        match out.last_mut() {
            Some((r, c)) if *c == class && r.end == a => r.end = b,
            _ => out.push((a..b, class)),
        }
    }
    out
}

fn push_class(class: &mut String, add: &str) {
    if !class.is_empty() {
        class.push(' ');
    }
    class.push_str(add);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(range: Range<usize>) -> Mark {
        Mark {
            range,
            severity: Severity::Error,
            code: "E".into(),
            message: "m".into(),
            help: None,
            line: 1,
            column: 1,
            fixes: Vec::new(),
        }
    }

    #[test]
    fn segments_cover_the_text_exactly() {
        let text = "{\"a\": [1, \"é\"]}";
        let segs = segments(text, &[mark(2..8)], Some(&(0..4)));
        let joined: String = segs.iter().map(|(r, _)| &text[r.clone()]).collect();
        assert_eq!(joined, text);
        assert!(segs.iter().any(|(_, c)| c.contains("sq-error")));
        assert!(segs.first().is_some_and(|(_, c)| c.contains("hl-decide")));
    }

    #[test]
    fn empty_and_out_of_range_marks_still_show() {
        let text = "{\"a\": ";
        let segs = segments(text, &[mark(99..99)], None);
        assert!(segs.last().is_some_and(|(_, c)| c.contains("sq-error")));
        let segs = segments("", &[mark(0..0)], None);
        assert!(segs.is_empty());
    }
}
