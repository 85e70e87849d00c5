//! Pure text helpers for the policy editor: JSON token classes for the
//! highlight overlay, a formatter, and offset conversions. No DOM here, so
//! all of it is tested natively.

use std::ops::Range;

/// What a run of editor text is, for colouring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Token {
    Key,
    Str,
    Num,
    Lit,
    Punct,
    Bad,
}

impl Token {
    pub fn class(self) -> &'static str {
        match self {
            Token::Key => "t-key",
            Token::Str => "t-str",
            Token::Num => "t-num",
            Token::Lit => "t-lit",
            Token::Punct => "t-punct",
            Token::Bad => "t-bad",
        }
    }
}

/// Splits `text` into coloured byte ranges. Whitespace is left out. Tolerant:
/// broken input still yields tokens (an unterminated string runs to the end
/// of its line), because the editor shows text while it is being typed.
pub fn tokenize(text: &str) -> Vec<(Range<usize>, Token)> {
    let bytes = text.as_bytes();
    let mut out: Vec<(Range<usize>, Token)> = Vec::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let start = i;
        match b {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'{' | b'}' | b'[' | b']' | b':' | b',' => {
                i += 1;
                out.push((start..i, Token::Punct));
            }
            b'"' => {
                i += 1;
                while let Some(&c) = bytes.get(i) {
                    match c {
                        b'\\' => i += 2,
                        b'"' => {
                            i += 1;
                            break;
                        }
                        b'\n' => break,
                        _ => i += 1,
                    }
                }
                i = i.min(bytes.len());
                out.push((start..i, Token::Str));
            }
            b'-' | b'0'..=b'9' => {
                i += 1;
                while bytes.get(i).is_some_and(|c| {
                    c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-')
                }) {
                    i += 1;
                }
                out.push((start..i, Token::Num));
            }
            _ if b.is_ascii_alphabetic() => {
                while bytes.get(i).is_some_and(u8::is_ascii_alphanumeric) {
                    i += 1;
                }
                let word = text.get(start..i).unwrap_or("");
                let kind = if matches!(word, "true" | "false" | "null") {
                    Token::Lit
                } else {
                    Token::Bad
                };
                out.push((start..i, kind));
            }
            _ => {
                // One whole character, so ranges stay on UTF-8 boundaries.
                let len = text
                    .get(start..)
                    .and_then(|s| s.chars().next())
                    .map_or(1, char::len_utf8);
                i += len;
                out.push((start..i, Token::Bad));
            }
        }
    }
    // A string followed by `:` is an object key.
    for k in 0..out.len() {
        let next_is_colon = out
            .get(k + 1)
            .is_some_and(|(r, t)| *t == Token::Punct && bytes.get(r.start) == Some(&b':'));
        if let Some((_, t)) = out.get_mut(k)
            && *t == Token::Str
            && next_is_colon
        {
            *t = Token::Key;
        }
    }
    out
}

/// Re-indents valid JSON with four spaces (the AWS console's layout), keeping key
/// order and the exact text of every string and number. Returns `None` for
/// invalid JSON, so the Format button never destroys what the user typed. It is
/// the simulator's layout, so a formatted policy travels minified in share links.
pub fn format_json(text: &str) -> Option<String> {
    keyflow_sim::jsontext::pretty(text)
}

/// User text for display outside the editor: control characters, bidi controls
/// and zero-width characters (the ones lint KF123 flags, from keyflow-policy's one
/// table) are shown as `⟨U+202E⟩` instead of being obeyed.
pub fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    keyflow_policy::hidden::visible(text)
}

/// [`visible`] as an owned string, for labels.
pub fn v(text: &str) -> String {
    visible(text).into_owned()
}

/// Byte offsets where each line starts.
pub fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    starts
}

/// 0-based line of a byte offset.
pub fn line_of(starts: &[usize], offset: usize) -> usize {
    starts.partition_point(|&s| s <= offset).saturating_sub(1)
}

/// The UTF-16 index (what a textarea's selection uses) of a byte offset.
pub fn utf16_index(text: &str, byte: usize) -> u32 {
    let mut byte = byte.min(text.len());
    while !text.is_char_boundary(byte) {
        byte -= 1;
    }
    text.get(..byte)
        .map_or(0, |s| s.encode_utf16().count() as u32)
}

/// The byte offset of a UTF-16 index (the inverse of [`utf16_index`]).
pub fn byte_index(text: &str, utf16: u32) -> usize {
    let mut units = 0u32;
    for (i, c) in text.char_indices() {
        if units >= utf16 {
            return i;
        }
        units += c.len_utf16() as u32;
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_bidi_characters_are_shown_not_obeyed() {
        assert_eq!(visible("Allow logs"), "Allow logs");
        assert_eq!(
            visible("\u{202e}evil\u{2066}x\u{7}"),
            "⟨U+202E⟩evil⟨U+2066⟩x⟨U+0007⟩"
        );
        assert_eq!(visible("日本語 é"), "日本語 é");
        assert_eq!(visible("a\u{200b}b\u{feff}"), "a⟨U+200B⟩b⟨U+FEFF⟩");
    }

    fn kinds(text: &str) -> Vec<(&str, Token)> {
        tokenize(text)
            .into_iter()
            .map(|(r, t)| (&text[r], t))
            .collect()
    }

    #[test]
    fn keys_are_strings_before_a_colon() {
        assert_eq!(
            kinds(r#"{"Effect" : "Allow", "n": [1, true]}"#),
            vec![
                ("{", Token::Punct),
                ("\"Effect\"", Token::Key),
                (":", Token::Punct),
                ("\"Allow\"", Token::Str),
                (",", Token::Punct),
                ("\"n\"", Token::Key),
                (":", Token::Punct),
                ("[", Token::Punct),
                ("1", Token::Num),
                (",", Token::Punct),
                ("true", Token::Lit),
                ("]", Token::Punct),
                ("}", Token::Punct),
            ]
        );
    }

    #[test]
    fn broken_text_still_tokenizes_on_char_boundaries() {
        let text = "{\"a\": \"unterminated\n  é, Allow }";
        let toks = tokenize(text);
        assert!(
            toks.iter()
                .all(|(r, _)| text.is_char_boundary(r.start) && text.is_char_boundary(r.end))
        );
        assert!(toks.iter().any(|(_, t)| *t == Token::Bad));
    }

    #[test]
    fn formats_and_keeps_order_and_text() {
        let text = r#"{"Version":"2012-10-17","Statement":[{"Sid":"a\"b","Effect":"Allow","Action":[],"Resource":{}}]}"#;
        let want = [
            "{",
            r#"    "Version": "2012-10-17","#,
            r#"    "Statement": ["#,
            "        {",
            r#"            "Sid": "a\"b","#,
            r#"            "Effect": "Allow","#,
            r#"            "Action": [],"#,
            r#"            "Resource": {}"#,
            "        }",
            "    ]",
            "}",
        ]
        .join("\n");
        assert_eq!(format_json(text).as_deref(), Some(want.as_str()));
        assert_eq!(format_json(&want).as_deref(), Some(want.as_str()));
    }

    #[test]
    fn format_refuses_broken_json() {
        assert!(format_json("[0, -1.5e+3, 10]").is_some());
        for bad in [
            "[01]",
            "[1.]",
            "[-]",
            "[1e]",
            "{",
            r#"{"a" 1}"#,
            r#"{"a":1,}"#,
            "[1 2]",
            "{} x",
            r#"{"a":"b}"#,
            "",
            "{a:1}",
        ] {
            assert_eq!(format_json(bad), None, "{bad}");
        }
    }

    #[test]
    fn offsets() {
        let text = "ab\né😀x\n";
        let starts = line_starts(text);
        assert_eq!(starts, vec![0, 3, 11]);
        assert_eq!(line_of(&starts, 0), 0);
        assert_eq!(line_of(&starts, 3), 1);
        assert_eq!(line_of(&starts, 11), 2);
        // é is 2 bytes / 1 unit, 😀 is 4 bytes / 2 units.
        assert_eq!(utf16_index(text, 9), 6);
        assert_eq!(byte_index(text, 6), 9);
        assert_eq!(utf16_index(text, 6), 4);
    }
}
