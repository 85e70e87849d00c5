//! A small JSON parser that keeps the byte span of every value and object key.
//!
//! It exists because policy diagnostics must point into the text the user typed:
//! every [`Value`] and every [`Member`] key carries a [`Span`] of byte offsets.
//! Properties the policy engine relies on:
//!
//! - it never panics, on any input; errors are a typed [`ErrorKind`] plus a [`Span`];
//! - nesting depth is bounded (default [`DEFAULT_MAX_DEPTH`]), so hostile input cannot
//!   overflow the stack;
//! - numbers keep their source text (policy values are compared as text);
//! - duplicate object keys are kept, in order (the policy linter reports them);
//! - strings without escapes borrow from the input, so parsing allocates little.

use std::borrow::Cow;
use std::fmt;

/// Default bound on nesting depth (objects and arrays).
pub const DEFAULT_MAX_DEPTH: u32 = 64;

/// A half-open range of byte offsets `[start, end)` into the parsed text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub const fn new(start: u32, end: u32) -> Self {
        Span { start, end }
    }

    /// The empty span at `offset`.
    pub const fn at(offset: u32) -> Self {
        Span {
            start: offset,
            end: offset,
        }
    }

    pub const fn len(self) -> u32 {
        self.end.saturating_sub(self.start)
    }

    pub const fn is_empty(self) -> bool {
        self.end <= self.start
    }

    /// Smallest span covering both.
    pub fn cover(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// Moves the span by `delta` bytes (used when a document is parsed out of a larger text).
    pub const fn shift(self, delta: u32) -> Span {
        Span {
            start: self.start.saturating_add(delta),
            end: self.end.saturating_add(delta),
        }
    }

    /// The text under the span, or `""` when it does not fall on char boundaries.
    pub fn slice(self, text: &str) -> &str {
        text.get(self.start as usize..self.end as usize)
            .unwrap_or("")
    }
}

/// A parsed JSON value with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Value<'a> {
    pub kind: Kind<'a>,
    pub span: Span,
}

/// The kinds of JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind<'a> {
    Null,
    Bool(bool),
    /// The number exactly as written (already checked against the JSON grammar).
    Number(&'a str),
    String(Cow<'a, str>),
    Array(Vec<Value<'a>>),
    /// Members in source order; duplicate keys are kept.
    Object(Vec<Member<'a>>),
}

/// One `"key": value` pair of an object.
#[derive(Clone, Debug, PartialEq)]
pub struct Member<'a> {
    pub key: Cow<'a, str>,
    /// Span of the key including its quotes.
    pub key_span: Span,
    pub value: Value<'a>,
}

impl<'a> Value<'a> {
    /// A short type name for messages: "object", "array", "string", ...
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "boolean",
            Kind::Number(_) => "number",
            Kind::String(_) => "string",
            Kind::Array(_) => "array",
            Kind::Object(_) => "object",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value<'a>]> {
        match &self.kind {
            Kind::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[Member<'a>]> {
        match &self.kind {
            Kind::Object(members) => Some(members),
            _ => None,
        }
    }

    /// First member with exactly this key.
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        self.as_object()?
            .iter()
            .find(|m| m.key == key)
            .map(|m| &m.value)
    }
}

/// What went wrong; the position is in [`Error::span`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The text is empty or only white space.
    Empty,
    /// The text ended inside a value.
    UnexpectedEnd,
    /// A character that cannot start or continue the expected token.
    UnexpectedChar(char),
    /// `:` expected after an object key.
    ExpectedColon,
    /// `,` or `]` expected in an array.
    ExpectedCommaOrBracket,
    /// `,` or `}` expected in an object.
    ExpectedCommaOrBrace,
    /// A string key expected in an object.
    ExpectedKey,
    /// A `,` directly before `]` or `}`.
    TrailingComma,
    /// A number that breaks the JSON grammar (leading zeros, lone `-`, `1.`, ...).
    InvalidNumber,
    /// An unknown escape such as `\x`.
    InvalidEscape,
    /// `\u` not followed by four hex digits.
    InvalidUnicodeEscape,
    /// A UTF-16 surrogate escape without its pair.
    LoneSurrogate,
    /// A raw control character (below U+0020) inside a string.
    ControlCharacter,
    /// A string that is never closed.
    UnterminatedString,
    /// Text after the top-level value.
    TrailingCharacters,
    /// Nesting deeper than the limit.
    TooDeep(u32),
    /// Input longer than 4 GiB cannot be addressed by `u32` spans.
    TooLarge,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Empty => f.write_str("the document is empty"),
            ErrorKind::UnexpectedEnd => f.write_str("unexpected end of input"),
            ErrorKind::UnexpectedChar(c) => write!(f, "unexpected character {c:?}"),
            ErrorKind::ExpectedColon => f.write_str("expected ':' after the object key"),
            ErrorKind::ExpectedCommaOrBracket => f.write_str("expected ',' or ']'"),
            ErrorKind::ExpectedCommaOrBrace => f.write_str("expected ',' or '}'"),
            ErrorKind::ExpectedKey => f.write_str("expected a string key in double quotes"),
            ErrorKind::TrailingComma => f.write_str("trailing comma is not allowed in JSON"),
            ErrorKind::InvalidNumber => f.write_str("invalid number"),
            ErrorKind::InvalidEscape => f.write_str("invalid escape sequence"),
            ErrorKind::InvalidUnicodeEscape => {
                f.write_str("invalid \\u escape (four hex digits expected)")
            }
            ErrorKind::LoneSurrogate => f.write_str("unpaired UTF-16 surrogate in \\u escape"),
            ErrorKind::ControlCharacter => {
                f.write_str("control character in string (escape it, e.g. \\n)")
            }
            ErrorKind::UnterminatedString => f.write_str("unterminated string"),
            ErrorKind::TrailingCharacters => f.write_str("unexpected text after the JSON value"),
            ErrorKind::TooDeep(limit) => write!(f, "nesting deeper than {limit} levels"),
            ErrorKind::TooLarge => f.write_str("document larger than 4 GiB"),
        }
    }
}

/// A parse error with the span where it was detected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub span: Span,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.kind, self.span.start)
    }
}

impl std::error::Error for Error {}

/// Parser options.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Maximum nesting of arrays and objects; deeper input is an [`ErrorKind::TooDeep`].
    pub max_depth: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }
}

/// Parses one JSON document with default options.
pub fn parse(text: &str) -> Result<Value<'_>, Error> {
    parse_with(text, Options::default())
}

/// Parses one JSON document.
pub fn parse_with(text: &str, options: Options) -> Result<Value<'_>, Error> {
    if u32::try_from(text.len()).is_err() {
        return Err(Error {
            kind: ErrorKind::TooLarge,
            span: Span::at(0),
        });
    }
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        max_depth: options.max_depth,
    };
    // A UTF-8 byte order mark is common in pasted files and carries no meaning.
    if text.starts_with('\u{feff}') {
        p.pos = 3;
    }
    p.skip_ws();
    if p.pos >= p.bytes.len() {
        return Err(p.error_at(ErrorKind::Empty, p.pos));
    }
    let value = p.value(0)?;
    p.skip_ws();
    if p.pos < p.bytes.len() {
        return Err(p.error_char(ErrorKind::TrailingCharacters));
    }
    Ok(value)
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    max_depth: u32,
}

// Offsets fit in u32: parse_with rejects longer input up front.
fn off(pos: usize) -> u32 {
    u32::try_from(pos).unwrap_or(u32::MAX)
}

impl<'a> Parser<'a> {
    fn error_at(&self, kind: ErrorKind, pos: usize) -> Error {
        Error {
            kind,
            span: Span::at(off(pos)),
        }
    }

    /// Error spanning the character at the current position (or empty at the end).
    fn error_char(&self, kind: ErrorKind) -> Error {
        let len = self.text[self.pos.min(self.text.len())..]
            .chars()
            .next()
            .map_or(0, char::len_utf8);
        Error {
            kind,
            span: Span::new(off(self.pos), off(self.pos + len)),
        }
    }

    fn unexpected(&self) -> Error {
        match self.text.get(self.pos..).and_then(|s| s.chars().next()) {
            Some(c) => self.error_char(ErrorKind::UnexpectedChar(c)),
            None => self.error_at(ErrorKind::UnexpectedEnd, self.pos),
        }
    }

    fn skip_ws(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn value(&mut self, depth: u32) -> Result<Value<'a>, Error> {
        let start = self.pos;
        match self.peek() {
            None => Err(self.error_at(ErrorKind::UnexpectedEnd, self.pos)),
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => {
                let s = self.string()?;
                Ok(Value {
                    kind: Kind::String(s),
                    span: Span::new(off(start), off(self.pos)),
                })
            }
            Some(b't') => self.literal("true", Kind::Bool(true)),
            Some(b'f') => self.literal("false", Kind::Bool(false)),
            Some(b'n') => self.literal("null", Kind::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.unexpected()),
        }
    }

    fn literal(&mut self, word: &'static str, kind: Kind<'a>) -> Result<Value<'a>, Error> {
        let start = self.pos;
        if self.bytes[start..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(Value {
                kind,
                span: Span::new(off(start), off(self.pos)),
            })
        } else {
            // Point at the first character that differs.
            let mut i = 0;
            while i < word.len() && self.bytes.get(start + i) == word.as_bytes().get(i) {
                i += 1;
            }
            self.pos = start + i;
            Err(self.unexpected())
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Value<'a>, Error> {
        let start = self.pos;
        let invalid = |p: &Self| Error {
            kind: ErrorKind::InvalidNumber,
            span: Span::new(off(start), off(p.pos.max(start + 1))),
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if matches!(self.peek(), Some(b'0'..=b'9')) {
                    self.digits();
                    return Err(invalid(self));
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(invalid(self)),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(invalid(self));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(invalid(self));
            }
        }
        Ok(Value {
            kind: Kind::Number(&self.text[start..self.pos]),
            span: Span::new(off(start), off(self.pos)),
        })
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let start = self.pos;
        let mut v = 0u32;
        for i in 0..4 {
            let d = match self.bytes.get(start + i) {
                Some(b) => (*b as char).to_digit(16),
                None => None,
            };
            match d {
                Some(d) => v = v * 16 + d,
                None => {
                    return Err(Error {
                        kind: ErrorKind::InvalidUnicodeEscape,
                        span: Span::new(off(start.saturating_sub(2)), off(start + i)),
                    });
                }
            }
        }
        self.pos = start + 4;
        Ok(v)
    }

    /// Parses a string starting at the opening quote; leaves `pos` after the closing quote.
    fn string(&mut self) -> Result<Cow<'a, str>, Error> {
        let open = self.pos;
        self.pos += 1;
        let content_start = self.pos;
        // Fast path: no escapes, borrow the source.
        loop {
            match self.peek() {
                None => {
                    return Err(Error {
                        kind: ErrorKind::UnterminatedString,
                        span: Span::new(off(open), off(self.pos)),
                    });
                }
                Some(b'"') => {
                    let s = &self.text[content_start..self.pos];
                    self.pos += 1;
                    return Ok(Cow::Borrowed(s));
                }
                Some(b'\\') => break,
                Some(b) if b < 0x20 => return Err(self.error_char(ErrorKind::ControlCharacter)),
                Some(_) => self.pos += 1,
            }
        }
        let mut out = String::with_capacity(self.pos - content_start + 16);
        out.push_str(&self.text[content_start..self.pos]);
        loop {
            match self.peek() {
                None => {
                    return Err(Error {
                        kind: ErrorKind::UnterminatedString,
                        span: Span::new(off(open), off(self.pos)),
                    });
                }
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    let esc = self.pos;
                    self.pos += 1;
                    let c = match self.peek() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.pos += 1;
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                                    return Err(Error {
                                        kind: ErrorKind::LoneSurrogate,
                                        span: Span::new(off(esc), off(self.pos)),
                                    });
                                }
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(Error {
                                        kind: ErrorKind::LoneSurrogate,
                                        span: Span::new(off(esc), off(self.pos)),
                                    });
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else if (0xDC00..0xE000).contains(&hi) {
                                return Err(Error {
                                    kind: ErrorKind::LoneSurrogate,
                                    span: Span::new(off(esc), off(self.pos)),
                                });
                            } else {
                                hi
                            };
                            // Surrogates were handled above, so this always succeeds.
                            out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                            continue;
                        }
                        _ => {
                            let len = self.text[self.pos.min(self.text.len())..]
                                .chars()
                                .next()
                                .map_or(0, char::len_utf8);
                            return Err(Error {
                                kind: ErrorKind::InvalidEscape,
                                span: Span::new(off(esc), off(self.pos + len)),
                            });
                        }
                    };
                    out.push(c);
                    self.pos += 1;
                }
                Some(b) if b < 0x20 => return Err(self.error_char(ErrorKind::ControlCharacter)),
                Some(_) => {
                    // Copy the run of plain bytes up to the next quote, backslash or control byte.
                    let run_start = self.pos;
                    while let Some(&b) = self.bytes.get(self.pos) {
                        if b == b'"' || b == b'\\' || b < 0x20 {
                            break;
                        }
                        self.pos += 1;
                    }
                    out.push_str(&self.text[run_start..self.pos]);
                }
            }
        }
    }

    fn array(&mut self, depth: u32) -> Result<Value<'a>, Error> {
        let start = self.pos;
        if depth > self.max_depth {
            return Err(self.error_char(ErrorKind::TooDeep(self.max_depth)));
        }
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value {
                kind: Kind::Array(items),
                span: Span::new(off(start), off(self.pos)),
            });
        }
        loop {
            self.skip_ws();
            if self.peek() == Some(b']') && !items.is_empty() {
                return Err(self.error_char(ErrorKind::TrailingComma));
            }
            items.push(self.value(depth)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value {
                        kind: Kind::Array(items),
                        span: Span::new(off(start), off(self.pos)),
                    });
                }
                None => return Err(self.error_at(ErrorKind::UnexpectedEnd, self.pos)),
                Some(_) => return Err(self.error_char(ErrorKind::ExpectedCommaOrBracket)),
            }
        }
    }

    fn object(&mut self, depth: u32) -> Result<Value<'a>, Error> {
        let start = self.pos;
        if depth > self.max_depth {
            return Err(self.error_char(ErrorKind::TooDeep(self.max_depth)));
        }
        self.pos += 1;
        let mut members = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value {
                kind: Kind::Object(members),
                span: Span::new(off(start), off(self.pos)),
            });
        }
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'"') => {}
                Some(b'}') if !members.is_empty() => {
                    return Err(self.error_char(ErrorKind::TrailingComma));
                }
                None => return Err(self.error_at(ErrorKind::UnexpectedEnd, self.pos)),
                Some(_) => return Err(self.error_char(ErrorKind::ExpectedKey)),
            }
            let key_start = self.pos;
            let key = self.string()?;
            let key_span = Span::new(off(key_start), off(self.pos));
            self.skip_ws();
            match self.peek() {
                Some(b':') => self.pos += 1,
                None => return Err(self.error_at(ErrorKind::UnexpectedEnd, self.pos)),
                Some(_) => return Err(self.error_char(ErrorKind::ExpectedColon)),
            }
            self.skip_ws();
            let value = self.value(depth)?;
            members.push(Member {
                key,
                key_span,
                value,
            });
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value {
                        kind: Kind::Object(members),
                        span: Span::new(off(start), off(self.pos)),
                    });
                }
                None => return Err(self.error_at(ErrorKind::UnexpectedEnd, self.pos)),
                Some(_) => return Err(self.error_char(ErrorKind::ExpectedCommaOrBrace)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> Error {
        parse(text).unwrap_err()
    }

    #[test]
    fn scalars_and_spans() {
        let v = parse("  true ").unwrap();
        assert_eq!(v.kind, Kind::Bool(true));
        assert_eq!(v.span, Span::new(2, 6));
        assert_eq!(parse("null").unwrap().kind, Kind::Null);
        assert_eq!(parse("-12.5e+3").unwrap().kind, Kind::Number("-12.5e+3"));
        assert_eq!(parse("0").unwrap().kind, Kind::Number("0"));
    }

    #[test]
    fn object_keys_and_values_have_spans() {
        let text = r#"{"a": [1, "x"], "b": {}}"#;
        let v = parse(text).unwrap();
        let members = v.as_object().unwrap();
        assert_eq!(members[0].key, "a");
        assert_eq!(members[0].key_span.slice(text), "\"a\"");
        assert_eq!(members[0].value.span.slice(text), "[1, \"x\"]");
        let items = members[0].value.as_array().unwrap();
        assert_eq!(items[1].span.slice(text), "\"x\"");
        assert_eq!(members[1].value.span.slice(text), "{}");
        assert_eq!(v.span, Span::new(0, text.len() as u32));
    }

    #[test]
    fn duplicate_keys_are_kept_in_order() {
        let v = parse(r#"{"k": 1, "k": 2}"#).unwrap();
        let m = v.as_object().unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].value.kind, Kind::Number("1"));
        assert_eq!(m[1].value.kind, Kind::Number("2"));
        assert_eq!(v.get("k").unwrap().kind, Kind::Number("1"));
    }

    #[test]
    fn escapes_and_surrogate_pairs() {
        let v = parse(r#""a\"b\\c\/d\n\t\u00e9\ud83d\ude00""#).unwrap();
        assert_eq!(v.as_str().unwrap(), "a\"b\\c/d\n\té😀");
        // Borrowed when there is nothing to unescape.
        match parse(r#""plain""#).unwrap().kind {
            Kind::String(Cow::Borrowed(s)) => assert_eq!(s, "plain"),
            other => panic!("expected borrowed string, got {other:?}"),
        }
    }

    #[test]
    fn lone_surrogates_and_bad_escapes_are_errors() {
        assert_eq!(err(r#""\ud83d""#).kind, ErrorKind::LoneSurrogate);
        assert_eq!(err(r#""\ude00""#).kind, ErrorKind::LoneSurrogate);
        assert_eq!(err(r#""\ud83d\u0041""#).kind, ErrorKind::LoneSurrogate);
        assert_eq!(err(r#""\x""#).kind, ErrorKind::InvalidEscape);
        assert_eq!(err(r#""\u12g4""#).kind, ErrorKind::InvalidUnicodeEscape);
        assert_eq!(err(r#""\u12"#).kind, ErrorKind::InvalidUnicodeEscape);
        assert_eq!(err("\"a\u{1}\"").kind, ErrorKind::ControlCharacter);
        assert_eq!(err("\"abc").kind, ErrorKind::UnterminatedString);
    }

    #[test]
    fn number_grammar() {
        for bad in ["01", "-", "1.", "1e", "1e+", ".5", "-a", "+1"] {
            assert!(parse(bad).is_err(), "{bad} should fail");
        }
        assert_eq!(err("01").kind, ErrorKind::InvalidNumber);
    }

    #[test]
    fn structural_errors_point_at_the_problem() {
        let e = err(r#"{"a": 1 "b": 2}"#);
        assert_eq!(e.kind, ErrorKind::ExpectedCommaOrBrace);
        assert_eq!(e.span.start, 8);
        assert_eq!(err(r#"{"a" 1}"#).kind, ErrorKind::ExpectedColon);
        assert_eq!(err("[1,]").kind, ErrorKind::TrailingComma);
        assert_eq!(err(r#"{"a":1,}"#).kind, ErrorKind::TrailingComma);
        assert_eq!(err("{a:1}").kind, ErrorKind::ExpectedKey);
        assert_eq!(err("[1 2]").kind, ErrorKind::ExpectedCommaOrBracket);
        assert_eq!(err("{} x").kind, ErrorKind::TrailingCharacters);
        assert_eq!(err("   ").kind, ErrorKind::Empty);
        assert_eq!(err("[").kind, ErrorKind::UnexpectedEnd);
        assert_eq!(err("tru").kind, ErrorKind::UnexpectedEnd);
        assert_eq!(err("trux").kind, ErrorKind::UnexpectedChar('x'));
        assert_eq!(err("é").kind, ErrorKind::UnexpectedChar('é'));
    }

    #[test]
    fn depth_is_bounded() {
        let deep = "[".repeat(100_000);
        assert_eq!(err(&deep).kind, ErrorKind::TooDeep(DEFAULT_MAX_DEPTH));
        let ok = format!("{}{}", "[".repeat(64), "]".repeat(64));
        assert!(parse(&ok).is_ok());
        let too = format!("{}{}", "[".repeat(65), "]".repeat(65));
        assert_eq!(err(&too).kind, ErrorKind::TooDeep(64));
        let objs = "{\"a\":".repeat(1000);
        assert!(matches!(err(&objs).kind, ErrorKind::TooDeep(_)));
    }

    #[test]
    fn byte_order_mark_is_skipped() {
        assert!(parse("\u{feff}{}").is_ok());
    }

    #[test]
    fn never_panics_on_truncations_of_a_document() {
        let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*"],"Resource":"*","Condition":{"NumericLessThan":{"k":-1.5e3}},"x":"\u00e9\ud83d\ude00"}]}"#;
        for end in 0..doc.len() {
            if doc.is_char_boundary(end) {
                let _ = parse(&doc[..end]);
            }
        }
        for (i, _) in doc.char_indices() {
            let mut s = doc.to_string();
            s.remove(i);
            let _ = parse(&s);
        }
    }
}
