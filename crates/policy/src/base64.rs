//! Base64 (RFC 4648), the one implementation in Keyflow: `BinaryEquals`
//! condition values, the ciphertext blobs of the simulated SSM, and share links.

/// Which 64-character alphabet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alphabet {
    /// `A–Z a–z 0–9 + /`, padded with `=` (RFC 4648 §4).
    Standard,
    /// `A–Z a–z 0–9 - _`, unpadded (RFC 4648 §5, as in URL fragments).
    UrlSafe,
}

impl Alphabet {
    fn table(self) -> &'static [u8; 64] {
        match self {
            Alphabet::Standard => {
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
            }
            Alphabet::UrlSafe => {
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
            }
        }
    }

    fn value(self, c: u8) -> Option<u32> {
        let v = match (self, c) {
            (_, b'A'..=b'Z') => c - b'A',
            (_, b'a'..=b'z') => c - b'a' + 26,
            (_, b'0'..=b'9') => c - b'0' + 52,
            (Alphabet::Standard, b'+') | (Alphabet::UrlSafe, b'-') => 62,
            (Alphabet::Standard, b'/') | (Alphabet::UrlSafe, b'_') => 63,
            _ => return None,
        };
        Some(u32::from(v))
    }
}

/// Encodes `data`; the standard alphabet is padded, the URL-safe one is not.
pub fn encode(data: &[u8], alphabet: Alphabet) -> String {
    let table = alphabet.table();
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let sextets = [(n >> 18) & 63, (n >> 12) & 63, (n >> 6) & 63, n & 63];
        // 1 byte → 2 characters, 2 → 3, 3 → 4.
        for s in sextets.iter().take(chunk.len() + 1) {
            out.push(char::from(table[*s as usize]));
        }
        if alphabet == Alphabet::Standard {
            for _ in chunk.len()..3 {
                out.push('=');
            }
        }
    }
    out
}

/// Where strict decoding failed, counted in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidBase64 {
    pub position: usize,
}

/// Strict decoding of unpadded text: one alphabet, no padding, no stray bits,
/// so that every payload has exactly one spelling.
pub fn decode_strict(text: &str, alphabet: Alphabet) -> Result<Vec<u8>, InvalidBase64> {
    // Reported by character position: a pasted text may hold non-ASCII characters.
    if let Some(position) = text
        .chars()
        .position(|c| !c.is_ascii() || alphabet.value(c as u8).is_none())
    {
        return Err(InvalidBase64 { position });
    }
    // From here on the text is ASCII: byte positions are character positions.
    let bytes = text.as_bytes();
    if bytes.len() % 4 == 1 {
        return Err(InvalidBase64 {
            position: bytes.len() - 1,
        });
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3 + 2);
    for (index, chunk) in bytes.chunks(4).enumerate() {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            let v = alphabet.value(*c).ok_or(InvalidBase64 {
                position: index * 4 + i,
            })?;
            n |= v << (18 - 6 * i);
        }
        let produced = chunk.len() - 1;
        let full = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        // Bits below the last whole byte must be zero, or two texts would decode alike.
        let unused_mask = match produced {
            1 => 0xFFFF,
            2 => 0xFF,
            _ => 0,
        };
        if n & unused_mask != 0 {
            return Err(InvalidBase64 {
                position: index * 4 + chunk.len() - 1,
            });
        }
        out.extend_from_slice(full.get(..produced).unwrap_or_default());
    }
    Ok(out)
}

/// Lenient decoding as AWS reads binary condition values: either alphabet,
/// padding optional; `None` for anything else.
pub fn decode_lenient(text: &str) -> Option<Vec<u8>> {
    let body = text.trim_end_matches('=');
    if text.len() - body.len() > 2 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for b in body.bytes() {
        let v = Alphabet::Standard
            .value(b)
            .or_else(|| Alphabet::UrlSafe.value(b))?;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_4648_test_vectors() {
        let vectors = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, coded) in vectors {
            assert_eq!(encode(plain.as_bytes(), Alphabet::Standard), coded);
            assert_eq!(decode_lenient(coded).unwrap(), plain.as_bytes());
            let unpadded = coded.trim_end_matches('=');
            assert_eq!(encode(plain.as_bytes(), Alphabet::UrlSafe), unpadded);
            assert_eq!(
                decode_strict(unpadded, Alphabet::UrlSafe).unwrap(),
                plain.as_bytes()
            );
        }
    }

    #[test]
    fn every_length_and_byte_round_trips() {
        let data: Vec<u8> = (0..=255u8).collect();
        for n in 0..data.len() {
            let slice = &data[..n];
            for a in [Alphabet::Standard, Alphabet::UrlSafe] {
                let text = encode(slice, a);
                assert_eq!(decode_lenient(&text).unwrap(), slice);
            }
            let url = encode(slice, Alphabet::UrlSafe);
            assert_eq!(decode_strict(&url, Alphabet::UrlSafe).unwrap(), slice);
        }
    }

    #[test]
    fn strict_decoding_refuses_other_spellings() {
        assert_eq!(
            decode_strict("Zm9v+A", Alphabet::UrlSafe),
            Err(InvalidBase64 { position: 4 })
        );
        assert_eq!(
            decode_strict("Zg==", Alphabet::UrlSafe),
            Err(InvalidBase64 { position: 2 })
        );
        // `Zh` carries stray bits below the one whole byte.
        assert_eq!(
            decode_strict("Zh", Alphabet::UrlSafe),
            Err(InvalidBase64 { position: 1 })
        );
        assert_eq!(
            decode_strict("Zm9vY", Alphabet::UrlSafe),
            Err(InvalidBase64 { position: 4 })
        );
        assert_eq!(
            decode_strict("ab\u{e9}", Alphabet::UrlSafe),
            Err(InvalidBase64 { position: 2 })
        );
        assert_eq!(decode_lenient("Zg==="), None);
        assert_eq!(decode_lenient("Z!"), None);
    }
}
