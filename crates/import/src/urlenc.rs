//! Percent-decoding of policy documents.
//!
//! IAM returns policy documents URL-encoded: "The policy document returned in this
//! structure is URL-encoded compliant with RFC 3986" (IAM API Reference,
//! PolicyVersion, https://docs.aws.amazon.com/IAM/latest/APIReference/API_PolicyVersion.html).
//! The AWS CLI decodes them; the raw API and several SDKs do not. RFC 3986 encodes
//! a space as `%20`, so `+` is kept as it is.

/// True when `text` looks like a URL-encoded JSON document (`%7B…`).
pub(crate) fn looks_encoded(text: &str) -> bool {
    let t = text.trim();
    t.len() >= 3 && t.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("%7B"))
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes `%XX` escapes. Returns the text and, for every byte of it (plus one for
/// the end), the offset of the source byte it came from; `None` when an escape is
/// broken or the bytes are not UTF-8.
pub(crate) fn decode(text: &str) -> Option<(String, Vec<u32>)> {
    let src = text.as_bytes();
    let mut out = Vec::with_capacity(src.len());
    let mut map = Vec::with_capacity(src.len() + 1);
    let mut i = 0usize;
    while i < src.len() {
        let b = src.get(i).copied()?;
        if b == b'%' {
            let hi = hex(src.get(i + 1).copied()?)?;
            let lo = hex(src.get(i + 2).copied()?)?;
            out.push(hi * 16 + lo);
            map.push(u32::try_from(i).ok()?);
            i += 3;
        } else {
            out.push(b);
            map.push(u32::try_from(i).ok()?);
            i += 1;
        }
    }
    map.push(u32::try_from(src.len()).ok()?);
    String::from_utf8(out).ok().map(|s| (s, map))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_maps_back() {
        let (s, map) = decode("%7B%22a%22%3A1%7D").unwrap();
        assert_eq!(s, "{\"a\":1}");
        assert_eq!(map[0], 0);
        assert_eq!(map[1], 3);
        assert_eq!(map[5], 13);
        assert_eq!(*map.last().unwrap(), 17);
        assert!(decode("%7").is_none());
        assert!(decode("%zz").is_none());
        // Invalid UTF-8 is refused, not replaced.
        assert!(decode("%FF").is_none());
        assert_eq!(decode("a+b").unwrap().0, "a+b");
        assert!(looks_encoded("  %7b%22Version"));
        assert!(!looks_encoded("{\"Version\""));
    }
}
