//! One document tree for JSON and YAML inputs: values with the byte offset they
//! start at, object members in source order.

/// A value read from JSON or YAML, with the byte offset (in the file) where it starts.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Node {
    pub kind: NodeKind,
    pub at: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum NodeKind {
    Null,
    Bool(bool),
    /// A number as written (always valid JSON number text).
    Num(String),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Entry {
    pub key: String,
    pub key_at: u32,
    pub value: Node,
}

#[cfg_attr(not(feature = "import"), allow(dead_code))]
impl Node {
    pub fn new(kind: NodeKind, at: u32) -> Self {
        Node { kind, at }
    }

    pub fn str(s: impl Into<String>, at: u32) -> Self {
        Node::new(NodeKind::Str(s.into()), at)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.kind {
            NodeKind::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            NodeKind::Bool(b) => Some(*b),
            // CloudFormation and Terraform accept "true"/"false" strings for booleans.
            NodeKind::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
            NodeKind::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    /// First member with this key.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|e| e.key == key)
            .map(|e| &e.value)
    }

    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_str)
    }

    /// Scalars as text (numbers and booleans too), for names and IDs.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.kind {
            NodeKind::Str(s) | NodeKind::Num(s) => Some(s.clone()),
            NodeKind::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self.kind {
            NodeKind::Null => "null",
            NodeKind::Bool(_) => "a boolean",
            NodeKind::Num(_) => "a number",
            NodeKind::Str(_) => "a string",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }
}

/// Converts a span-keeping JSON value into a [`Node`]; `base` is added to offsets.
#[cfg(feature = "import")]
pub(crate) fn from_json(v: &keyflow_json::Value<'_>, base: u32) -> Node {
    use keyflow_json::Kind;
    let at = v.span.start.saturating_add(base);
    let kind = match &v.kind {
        Kind::Null => NodeKind::Null,
        Kind::Bool(b) => NodeKind::Bool(*b),
        Kind::Number(n) => NodeKind::Num((*n).to_string()),
        Kind::String(s) => NodeKind::Str(s.to_string()),
        Kind::Array(items) => NodeKind::Seq(items.iter().map(|i| from_json(i, base)).collect()),
        Kind::Object(members) => NodeKind::Map(
            members
                .iter()
                .map(|m| Entry {
                    key: m.key.to_string(),
                    key_at: m.key_span.start.saturating_add(base),
                    value: from_json(&m.value, base),
                })
                .collect(),
        ),
    };
    Node::new(kind, at)
}

/// JSON text laid out like the AWS console and `keyflow_sim::jsontext::pretty`
/// (4-space indent, `"key": value`, empty containers as `{}` / `[]`).
///
/// With `map`, every byte written also records the offset of the node it came
/// from, so positions in the JSON can be traced back to the source.
pub(crate) fn to_json(node: &Node, map: Option<&mut Vec<u32>>) -> String {
    let mut w = Writer {
        out: String::new(),
        map,
    };
    w.value(node, 0);
    if let Some(m) = w.map.as_deref_mut() {
        m.push(node.at);
    }
    w.out
}

struct Writer<'m> {
    out: String,
    map: Option<&'m mut Vec<u32>>,
}

impl Writer<'_> {
    fn put(&mut self, s: &str, at: u32) {
        self.out.push_str(s);
        if let Some(m) = self.map.as_deref_mut() {
            m.extend(std::iter::repeat_n(at, s.len()));
        }
    }

    fn newline(&mut self, depth: usize, at: u32) {
        self.put("\n", at);
        for _ in 0..depth {
            self.put("    ", at);
        }
    }

    fn string(&mut self, s: &str, at: u32) {
        let mut buf = String::with_capacity(s.len() + 2);
        buf.push('"');
        for c in s.chars() {
            match c {
                '"' => buf.push_str("\\\""),
                '\\' => buf.push_str("\\\\"),
                '\n' => buf.push_str("\\n"),
                '\r' => buf.push_str("\\r"),
                '\t' => buf.push_str("\\t"),
                '\u{8}' => buf.push_str("\\b"),
                '\u{c}' => buf.push_str("\\f"),
                c if u32::from(c) < 0x20 => {
                    buf.push_str(&format!("\\u{:04x}", u32::from(c)));
                }
                c => buf.push(c),
            }
        }
        buf.push('"');
        self.put(&buf, at);
    }

    fn value(&mut self, node: &Node, depth: usize) {
        let at = node.at;
        match &node.kind {
            NodeKind::Null => self.put("null", at),
            NodeKind::Bool(b) => self.put(if *b { "true" } else { "false" }, at),
            NodeKind::Num(n) => self.put(n, at),
            NodeKind::Str(s) => self.string(s, at),
            NodeKind::Seq(items) if items.is_empty() => self.put("[]", at),
            NodeKind::Map(entries) if entries.is_empty() => self.put("{}", at),
            NodeKind::Seq(items) => {
                self.put("[", at);
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.put(",", item.at);
                    }
                    self.newline(depth + 1, item.at);
                    self.value(item, depth + 1);
                }
                self.newline(depth, at);
                self.put("]", at);
            }
            NodeKind::Map(entries) => {
                self.put("{", at);
                for (i, e) in entries.iter().enumerate() {
                    if i > 0 {
                        self.put(",", e.key_at);
                    }
                    self.newline(depth + 1, e.key_at);
                    self.string(&e.key, e.key_at);
                    self.put(": ", e.key_at);
                    self.value(&e.value, depth + 1);
                }
                self.newline(depth, at);
                self.put("}", at);
            }
        }
    }
}

/// True when `s` is a number in JSON's grammar (so it can be written unquoted).
pub(crate) fn is_json_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if b.first() == Some(&b'-') {
        i += 1;
    }
    let int_start = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let int_len = i - int_start;
    if int_len == 0 || (int_len > 1 && b.get(int_start) == Some(&b'0')) {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        let s = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == s {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let s = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == s {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Node {
        Node::str(v, 7)
    }

    #[test]
    fn writes_the_console_layout_and_maps_every_byte() {
        let n = Node::new(
            NodeKind::Map(vec![
                Entry {
                    key: "Version".into(),
                    key_at: 1,
                    value: s("2012-10-17"),
                },
                Entry {
                    key: "Statement".into(),
                    key_at: 2,
                    value: Node::new(NodeKind::Seq(vec![]), 3),
                },
            ]),
            0,
        );
        let mut map = Vec::new();
        let text = to_json(&n, Some(&mut map));
        assert_eq!(
            text,
            "{\n    \"Version\": \"2012-10-17\",\n    \"Statement\": []\n}"
        );
        assert_eq!(map.len(), text.len() + 1);
        let v = text.find("\"2012").unwrap();
        assert_eq!(map[v], 7);
        assert_eq!(to_json(&s("a\"b\n\u{1}"), None), "\"a\\\"b\\n\\u0001\"");
    }

    #[test]
    fn json_numbers() {
        for ok in ["0", "-1", "3.25", "1e9", "12E-3"] {
            assert!(is_json_number(ok), "{ok}");
        }
        for bad in ["", "-", "01", "1.", ".5", "+1", "0x1F", "1e", "inf"] {
            assert!(!is_json_number(bad), "{bad}");
        }
    }
}
