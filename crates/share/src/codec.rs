//! The byte-level codec: raw DEFLATE and unpadded base64url, with hard limits.
//!
//! Nothing here knows about scenarios; `lib.rs` puts the scenario on top.

use miniz_oxide::inflate::TINFLStatus;
use miniz_oxide::inflate::core::{DecompressorOxide, decompress, inflate_flags};

use crate::ShareError;

/// DEFLATE level: links are made rarely and opened often, so spend the CPU.
const LEVEL: u8 = 9;

pub fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec(data, LEVEL)
}

/// Inflates `input`, refusing to produce more than `cap` bytes so that a hostile
/// link cannot make us allocate without bound.
pub fn inflate(input: &[u8], cap: usize) -> Result<Vec<u8>, ShareError> {
    let flags = inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    let mut out = vec![
        0u8;
        input
            .len()
            .saturating_mul(4)
            .max(256)
            .min(cap.saturating_add(1))
    ];
    let mut state = DecompressorOxide::default();
    let mut rest = input;
    let mut out_pos = 0usize;
    loop {
        let (status, consumed, written) = decompress(&mut state, rest, &mut out, out_pos, flags);
        out_pos = out_pos.saturating_add(written);
        rest = rest.get(consumed..).unwrap_or_default();
        match status {
            TINFLStatus::Done => {
                if out_pos > cap {
                    return Err(ShareError::InflatedTooLarge { limit: cap });
                }
                // Raw DEFLATE has no checksum; bytes after the final block are the
                // one sign of tampering the stream itself can show.
                if !rest.is_empty() {
                    return Err(ShareError::TrailingData);
                }
                out.truncate(out_pos);
                return Ok(out);
            }
            TINFLStatus::HasMoreOutput => {
                if out.len() > cap {
                    return Err(ShareError::InflatedTooLarge { limit: cap });
                }
                let grown = out.len().saturating_mul(2).min(cap.saturating_add(1));
                out.resize(grown, 0);
            }
            TINFLStatus::FailedCannotMakeProgress | TINFLStatus::NeedsMoreInput => {
                return Err(ShareError::Truncated);
            }
            _ => return Err(ShareError::Corrupt),
        }
    }
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

pub fn base64url_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let sextets = [(n >> 18) & 63, (n >> 12) & 63, (n >> 6) & 63, n & 63];
        // 1 byte → 2 characters, 2 → 3, 3 → 4; no padding.
        for s in sextets.iter().take(chunk.len() + 1) {
            out.push(char::from(ALPHABET[*s as usize]));
        }
    }
    out
}

fn sextet(c: u8) -> Option<u32> {
    let v = match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => return None,
    };
    Some(u32::from(v))
}

/// Strict decoding: the URL-safe alphabet only, no padding, no stray bits, so that
/// every payload has exactly one spelling.
pub fn base64url_decode(text: &str) -> Result<Vec<u8>, ShareError> {
    // A character outside the alphabet is reported by its position in characters
    // (the message counts characters, and a pasted link may hold non-ASCII text).
    if let Some(position) = text
        .chars()
        .position(|c| !c.is_ascii() || sextet(c as u8).is_none())
    {
        return Err(ShareError::InvalidBase64 { position });
    }
    // From here on the text is ASCII: byte positions are character positions.
    let bytes = text.as_bytes();
    if bytes.len() % 4 == 1 {
        return Err(ShareError::InvalidBase64 {
            position: bytes.len() - 1,
        });
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3 + 2);
    for (index, chunk) in bytes.chunks(4).enumerate() {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            let v = sextet(*c).ok_or(ShareError::InvalidBase64 {
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
            return Err(ShareError::InvalidBase64 {
                position: index * 4 + chunk.len() - 1,
            });
        }
        out.extend_from_slice(full.get(..produced).unwrap_or_default());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_every_length() {
        let data: Vec<u8> = (0..=255u8).collect();
        for len in 0..40 {
            let slice = &data[..len];
            let text = base64url_encode(slice);
            assert!(!text.contains('='));
            assert_eq!(base64url_decode(&text).unwrap(), slice);
        }
    }

    #[test]
    fn base64_known_vector() {
        assert_eq!(base64url_encode(b"\xfb\xff"), "-_8");
        assert_eq!(base64url_encode(b"Man"), "TWFu");
        assert_eq!(base64url_encode(b"Ma"), "TWE");
    }

    #[test]
    fn base64_rejects_padding_bad_chars_and_stray_bits() {
        assert!(matches!(
            base64url_decode("TWE="),
            Err(ShareError::InvalidBase64 { position: 3 })
        ));
        assert!(matches!(
            base64url_decode("TW+u"),
            Err(ShareError::InvalidBase64 { position: 2 })
        ));
        assert!(matches!(
            base64url_decode("TWF"),
            Err(ShareError::InvalidBase64 { .. })
        ));
        assert!(matches!(
            base64url_decode("TWFuT"),
            Err(ShareError::InvalidBase64 { .. })
        ));
        // Positions count characters, and a bad character is found wherever it is.
        assert_eq!(
            base64url_decode("TWFé"),
            Err(ShareError::InvalidBase64 { position: 3 })
        );
        assert_eq!(
            base64url_decode("ééTWFuT"),
            Err(ShareError::InvalidBase64 { position: 0 })
        );
    }

    #[test]
    fn inflate_respects_cap_and_detects_damage() {
        let big = vec![b'a'; 10_000];
        let packed = deflate(&big);
        assert_eq!(inflate(&packed, 10_000).unwrap(), big);
        assert!(matches!(
            inflate(&packed, 9_999),
            Err(ShareError::InflatedTooLarge { .. })
        ));
        assert!(matches!(
            inflate(&packed[..packed.len() - 2], 20_000),
            Err(ShareError::Truncated)
        ));
        let mut extra = packed.clone();
        extra.push(0);
        assert!(matches!(
            inflate(&extra, 20_000),
            Err(ShareError::TrailingData)
        ));
        assert!(matches!(
            inflate(&[0xff, 0xff, 0xff], 100),
            Err(ShareError::Corrupt | ShareError::Truncated)
        ));
    }
}
