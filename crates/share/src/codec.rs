//! The byte-level codec: raw DEFLATE and unpadded base64url, with hard limits.
//!
//! Nothing here knows about scenarios; `lib.rs` puts the scenario on top.

use keyflow_policy::base64::{self, Alphabet};
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

/// CRC-32 (IEEE 802.3, the polynomial of gzip and PNG), bit by bit: links are
/// checked once when they open, and a table would only add to the bundle.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = 0u32.wrapping_sub(crc & 1);
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

pub fn base64url_encode(data: &[u8]) -> String {
    base64::encode(data, Alphabet::UrlSafe)
}

/// Strict decoding: the URL-safe alphabet only, no padding, no stray bits, so that
/// every payload has exactly one spelling.
pub fn base64url_decode(text: &str) -> Result<Vec<u8>, ShareError> {
    base64::decode_strict(text, Alphabet::UrlSafe).map_err(|e| ShareError::InvalidBase64 {
        position: e.position,
    })
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
    fn crc32_check_value() {
        // The standard check value of CRC-32/ISO-HDLC.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
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
