//! Order-preserving JSON text helpers for policy texts in share links.
//!
//! `serde_json::Value` would sort object keys, so a policy's layout would change
//! on the way through a link; these work on the characters instead.

/// Drops whitespace outside strings; `None` if `text` is not valid JSON.
pub fn minify(text: &str) -> Option<String> {
    keyflow_json::parse(text).ok()?;
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    Some(out)
}

/// Lays valid JSON out with a 4-space indent (the AWS console's style); `None`
/// if `text` is not valid JSON.
pub fn pretty(text: &str) -> Option<String> {
    let min = minify(text)?;
    let chars: Vec<char> = min.chars().collect();
    let mut out = String::with_capacity(min.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("    ");
        }
    };
    for (i, &c) in chars.iter().enumerate() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                let close = if c == '{' { '}' } else { ']' };
                // Empty containers stay `{}` / `[]`.
                if chars.get(i + 1) != Some(&close) {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                let open = if c == '}' { '{' } else { '[' };
                if i > 0 && chars.get(i - 1) != Some(&open) {
                    depth = depth.saturating_sub(1);
                    newline(&mut out, depth);
                }
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            _ => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minify_keeps_order_and_strings() {
        let text = "{\n  \"b\" : [1, 2],\n  \"a\": \"x y\\\" z\"\n}";
        assert_eq!(minify(text).unwrap(), "{\"b\":[1,2],\"a\":\"x y\\\" z\"}");
        assert_eq!(minify("{ not json"), None);
    }

    #[test]
    fn pretty_matches_console_layout() {
        let text = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[],\"Condition\":{}}]}";
        let expected = "{\n    \"Version\": \"2012-10-17\",\n    \"Statement\": [\n        {\n            \"Effect\": \"Allow\",\n            \"Action\": [],\n            \"Condition\": {}\n        }\n    ]\n}";
        assert_eq!(pretty(text).unwrap(), expected);
        assert_eq!(pretty(expected).unwrap(), expected);
    }
}
