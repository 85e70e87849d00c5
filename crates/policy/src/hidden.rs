//! The one table of characters that hide or reorder text: control characters
//! (C0, DEL, C1), bidirectional controls and zero-width characters. Lint KF123
//! flags them in policy strings, and the page shows them as `⟨U+202E⟩` instead
//! of obeying them ("Trojan Source"; Unicode Technical Report #36, Unicode
//! Security Considerations, <https://www.unicode.org/reports/tr36/>).

use std::borrow::Cow;

/// Bidirectional controls (marks, embeddings, overrides, isolates) and the
/// zero-width characters that hide text boundaries.
const INVISIBLE: [(char, &str); 17] = [
    ('\u{200B}', "ZERO WIDTH SPACE"),
    ('\u{200C}', "ZERO WIDTH NON-JOINER"),
    ('\u{200D}', "ZERO WIDTH JOINER"),
    ('\u{2060}', "WORD JOINER"),
    ('\u{FEFF}', "ZERO WIDTH NO-BREAK SPACE"),
    ('\u{061C}', "ARABIC LETTER MARK"),
    ('\u{200E}', "LEFT-TO-RIGHT MARK"),
    ('\u{200F}', "RIGHT-TO-LEFT MARK"),
    ('\u{202A}', "LEFT-TO-RIGHT EMBEDDING"),
    ('\u{202B}', "RIGHT-TO-LEFT EMBEDDING"),
    ('\u{202C}', "POP DIRECTIONAL FORMATTING"),
    ('\u{202D}', "LEFT-TO-RIGHT OVERRIDE"),
    ('\u{202E}', "RIGHT-TO-LEFT OVERRIDE"),
    ('\u{2066}', "LEFT-TO-RIGHT ISOLATE"),
    ('\u{2067}', "RIGHT-TO-LEFT ISOLATE"),
    ('\u{2068}', "FIRST STRONG ISOLATE"),
    ('\u{2069}', "POP DIRECTIONAL ISOLATE"),
];

/// Names (Unicode name aliases) of the C0 controls, DEL and the C1 controls.
const CONTROLS: [&str; 65] = [
    "NULL",
    "START OF HEADING",
    "START OF TEXT",
    "END OF TEXT",
    "END OF TRANSMISSION",
    "ENQUIRY",
    "ACKNOWLEDGE",
    "BELL",
    "BACKSPACE",
    "CHARACTER TABULATION",
    "LINE FEED",
    "LINE TABULATION",
    "FORM FEED",
    "CARRIAGE RETURN",
    "SHIFT OUT",
    "SHIFT IN",
    "DATA LINK ESCAPE",
    "DEVICE CONTROL ONE",
    "DEVICE CONTROL TWO",
    "DEVICE CONTROL THREE",
    "DEVICE CONTROL FOUR",
    "NEGATIVE ACKNOWLEDGE",
    "SYNCHRONOUS IDLE",
    "END OF TRANSMISSION BLOCK",
    "CANCEL",
    "END OF MEDIUM",
    "SUBSTITUTE",
    "ESCAPE",
    "FILE SEPARATOR",
    "GROUP SEPARATOR",
    "RECORD SEPARATOR",
    "UNIT SEPARATOR",
    "DELETE",
    "PADDING CHARACTER",
    "HIGH OCTET PRESET",
    "BREAK PERMITTED HERE",
    "NO BREAK HERE",
    "INDEX",
    "NEXT LINE",
    "START OF SELECTED AREA",
    "END OF SELECTED AREA",
    "CHARACTER TABULATION SET",
    "CHARACTER TABULATION WITH JUSTIFICATION",
    "LINE TABULATION SET",
    "PARTIAL LINE FORWARD",
    "PARTIAL LINE BACKWARD",
    "REVERSE LINE FEED",
    "SINGLE SHIFT TWO",
    "SINGLE SHIFT THREE",
    "DEVICE CONTROL STRING",
    "PRIVATE USE ONE",
    "PRIVATE USE TWO",
    "SET TRANSMIT STATE",
    "CANCEL CHARACTER",
    "MESSAGE WAITING",
    "START OF GUARDED AREA",
    "END OF GUARDED AREA",
    "START OF STRING",
    "SINGLE GRAPHIC CHARACTER INTRODUCER",
    "SINGLE CHARACTER INTRODUCER",
    "CONTROL SEQUENCE INTRODUCER",
    "STRING TERMINATOR",
    "OPERATING SYSTEM COMMAND",
    "PRIVACY MESSAGE",
    "APPLICATION PROGRAM COMMAND",
];

/// A character of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HiddenChar {
    pub char: char,
    /// The Unicode name (or name alias for controls).
    pub name: &'static str,
    /// A bidirectional or zero-width character rather than a control character.
    pub invisible: bool,
    /// A distinct number below 128, so callers can keep a bit set of the ones seen.
    pub id: u32,
}

/// The table entry for `c`, if it is a hidden character. Every `char::is_control`
/// character is one (C1's CSI starts terminal escape sequences just as ESC does).
pub fn hidden_char(c: char) -> Option<HiddenChar> {
    let n = u32::from(c);
    let control = match n {
        0x00..=0x1F => Some(n),
        0x7F..=0x9F => Some(n - 0x7F + 0x20),
        _ => None,
    };
    if let Some(i) = control {
        let name = CONTROLS.get(usize::try_from(i).ok()?)?;
        return Some(HiddenChar {
            char: c,
            name,
            invisible: false,
            id: i,
        });
    }
    if !matches!(n, 0x061C | 0x200B..=0x2069 | 0xFEFF) {
        return None;
    }
    let i = INVISIBLE.iter().position(|&(b, _)| b == c)?;
    Some(HiddenChar {
        char: c,
        name: INVISIBLE.get(i)?.1,
        invisible: true,
        id: u32::try_from(i).ok()? + 65,
    })
}

pub fn is_hidden(c: char) -> bool {
    hidden_char(c).is_some()
}

/// User text for display outside the editor: hidden characters are shown as
/// `⟨U+202E⟩` instead of being obeyed, so a Sid cannot reorder or hide the text
/// around it.
pub fn visible(text: &str) -> Cow<'_, str> {
    // Nearly every string is printable ASCII: one byte scan and done.
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) || !text.chars().any(is_hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_hidden(c) {
            out.push_str(&format!("⟨U+{:04X}⟩", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_control_and_listed_invisible_is_hidden_with_a_distinct_id() {
        let mut ids = std::collections::HashSet::new();
        for n in 0..=0x10FFFFu32 {
            let Some(c) = char::from_u32(n) else { continue };
            let h = hidden_char(c);
            assert_eq!(
                h.is_some() && !h.unwrap().invisible,
                c.is_control(),
                "{n:X}"
            );
            if let Some(h) = h {
                assert!(h.id < 128 && ids.insert(h.id), "{n:X}");
                assert_eq!(h.char, c);
            }
        }
        assert_eq!(ids.len(), 65 + INVISIBLE.len());
        assert_eq!(
            hidden_char('\u{202E}').unwrap().name,
            "RIGHT-TO-LEFT OVERRIDE"
        );
        assert_eq!(hidden_char('\u{7}').unwrap().name, "BELL");
        assert_eq!(hidden_char('é'), None);
    }

    #[test]
    fn visible_shows_hidden_characters_as_code_points() {
        assert_eq!(visible("Allow logs"), "Allow logs");
        assert_eq!(
            visible("\u{202e}evil\u{2066}x\u{7}"),
            "⟨U+202E⟩evil⟨U+2066⟩x⟨U+0007⟩"
        );
        assert_eq!(visible("日本語 é"), "日本語 é");
        assert_eq!(visible("a\u{200b}b\u{feff}"), "a⟨U+200B⟩b⟨U+FEFF⟩");
        assert_eq!(visible("\u{85}"), "⟨U+0085⟩");
    }
}
