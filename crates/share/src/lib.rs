//! Share links: a whole scenario in a URL fragment, `#s=2.<payload>`.
//!
//! The payload is the scenario's canonical JSON (defaults dropped, no
//! whitespace, policies minified), compressed with raw DEFLATE, preceded by
//! the CRC-32 of the JSON (4 bytes, big-endian) and written in unpadded
//! base64url. `2` is the format version; format 1 links (the same without the
//! check) still open. The check makes a link with one character changed fail
//! to open instead of opening altered policies. Whitespace anywhere in a link
//! is ignored, so a link that an email client wrapped over lines still opens.
//! Decoding is strict and never panics: every way a link can be wrong has its
//! own [`ShareError`].
//!
//! Nothing is sent anywhere: the fragment never leaves the browser.

mod codec;

use std::fmt;

use keyflow_sim::{Scenario, ScenarioError};

/// The format this build writes (and the newest it reads).
pub const FORMAT_VERSION: u32 = 2;
/// Longest fragment payload accepted; far above any real scenario, far below
/// what would be costly to decode.
pub const MAX_LINK_CHARS: usize = 64 * 1024;
/// Most bytes a payload may inflate to.
pub const MAX_INFLATED_BYTES: usize = 256 * 1024;
/// Where links point when no base URL is given.
pub const DEFAULT_BASE_URL: &str = "https://keyflow.invalid/";

/// Why a link could not be opened.
#[derive(Debug, Clone, PartialEq)]
pub enum ShareError {
    /// No `s=` parameter in the fragment.
    NotAShareLink,
    /// `s=` without a `VERSION.` prefix, or a version that is not a number.
    BadVersion(String),
    /// Made by a newer Keyflow.
    UnsupportedVersion(u32),
    /// The payload is longer than [`MAX_LINK_CHARS`].
    TooLong { length: usize, limit: usize },
    /// `s=1.` with nothing after it.
    EmptyPayload,
    /// A character outside unpadded base64url, or stray bits at the end.
    InvalidBase64 { position: usize },
    /// The compressed stream ends early (the link was cut).
    Truncated,
    /// The compressed stream is not valid DEFLATE.
    Corrupt,
    /// Bytes follow the end of the compressed stream.
    TrailingData,
    /// The payload expands past [`MAX_INFLATED_BYTES`].
    InflatedTooLarge { limit: usize },
    /// The inflated payload is not UTF-8 text.
    InvalidUtf8,
    /// The inflated text is not a valid scenario.
    Scenario(ScenarioError),
    /// The data decompresses, but not to the text the link was made from.
    IntegrityMismatch,
    /// The link opens to a scenario that differs from the one it was made from.
    Changed,
}

impl fmt::Display for ShareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAShareLink => {
                write!(
                    f,
                    "this is not a Keyflow share link (expected a fragment like #s=1.…)"
                )
            }
            Self::BadVersion(v) => write!(
                f,
                "the share link has no valid format version (found \"{v}\")"
            ),
            Self::UnsupportedVersion(v) => write!(
                f,
                "this link was made by a newer Keyflow (format {v}); this version reads format {FORMAT_VERSION}"
            ),
            Self::TooLong { length, limit } => {
                write!(
                    f,
                    "the share link is too long ({length} characters; the limit is {limit})"
                )
            }
            Self::EmptyPayload => write!(f, "the share link has no data after the version"),
            Self::InvalidBase64 { position } => write!(
                f,
                "the share link is damaged: character {} of its data is not valid base64url",
                position + 1
            ),
            Self::Truncated => write!(
                f,
                "the share link is truncated: its data ends early (copy the whole link)"
            ),
            Self::Corrupt => write!(f, "the share link is damaged: its data does not decompress"),
            Self::TrailingData => {
                write!(
                    f,
                    "the share link is damaged: extra data follows the end of the scenario"
                )
            }
            Self::InflatedTooLarge { limit } => {
                write!(
                    f,
                    "the share link expands past {} KiB; refusing to open it",
                    limit / 1024
                )
            }
            Self::InvalidUtf8 => write!(f, "the share link is damaged: its data is not UTF-8 text"),
            Self::Scenario(e) => write!(f, "the share link holds an invalid scenario: {e}"),
            Self::IntegrityMismatch => write!(
                f,
                "the share link is damaged: its check does not match its data (a character was changed)"
            ),
            Self::Changed => write!(
                f,
                "the share link would open a different scenario than the one on screen"
            ),
        }
    }
}

impl std::error::Error for ShareError {}

/// The fragment value (`s=2.<payload>`) for already-canonical JSON text.
pub fn encode_json(json: &str) -> String {
    let mut packed = codec::crc32(json.as_bytes()).to_be_bytes().to_vec();
    packed.extend(codec::deflate(json.as_bytes()));
    format!("s={FORMAT_VERSION}.{}", codec::base64url_encode(&packed))
}

/// The fragment value (`s=2.<payload>`) for a scenario.
pub fn encode(scenario: &Scenario) -> String {
    encode_json(&scenario.to_canonical_json())
}

/// A full link: `base` + `#s=2.<payload>` (an existing fragment in `base` is replaced).
pub fn url(scenario: &Scenario, base: &str) -> String {
    let base = base.split('#').next().unwrap_or(base);
    format!("{base}#{}", encode(scenario))
}

/// A link that opens again: the scenario is encoded, then decoded and
/// compared, so a link is only offered when it opens to this very scenario.
/// The error says why it would not (e.g. a flow naming a principal the
/// scenario no longer has).
pub fn checked_url(scenario: &Scenario, base: &str) -> Result<String, ShareError> {
    scenario.validate().map_err(ShareError::Scenario)?;
    let link = url(scenario, base);
    match decode(&link) {
        Ok(back) if back == *scenario => Ok(link),
        Ok(_) => Err(ShareError::Changed),
        Err(e) => Err(e),
    }
}

/// Finds the `s=` value in a full URL, a bare fragment (`#s=…`) or `s=…` itself.
fn share_param(link: &str) -> Option<&str> {
    let link = link.trim();
    let fragment = match link.split_once('#') {
        Some((_, after)) => after,
        None => link,
    };
    fragment.split('&').find_map(|part| part.strip_prefix("s="))
}

/// Whitespace a browser writes percent-encoded into a pasted link's fragment.
const ENCODED_SPACE: [&str; 4] = ["%20", "%0A", "%0D", "%09"];

/// The link without whitespace, plain or percent-encoded: mail clients wrap
/// long links over lines. base64url never holds either.
fn unwrapped(link: &str) -> std::borrow::Cow<'_, str> {
    let encoded = |s: &str| {
        ENCODED_SPACE
            .iter()
            .any(|e| s.contains(e) || s.contains(&e.to_ascii_lowercase()))
    };
    if !link.chars().any(char::is_whitespace) && !encoded(link) {
        return std::borrow::Cow::Borrowed(link);
    }
    let mut out: String = link.chars().filter(|c| !c.is_whitespace()).collect();
    for e in ENCODED_SPACE {
        out = out.replace(e, "").replace(&e.to_ascii_lowercase(), "");
    }
    std::borrow::Cow::Owned(out)
}

/// Decodes a link to the JSON text it carries, without reading it as a scenario.
pub fn decode_json(link: &str) -> Result<String, ShareError> {
    // Far past any wrapped link: refused before the whitespace is even looked at.
    if link.len() > 4 * MAX_LINK_CHARS {
        return Err(ShareError::TooLong {
            length: link.len(),
            limit: MAX_LINK_CHARS,
        });
    }
    let link = unwrapped(link);
    let value = share_param(&link).ok_or(ShareError::NotAShareLink)?;
    let (version, payload) = value
        .split_once('.')
        .ok_or_else(|| ShareError::BadVersion(value.chars().take(12).collect()))?;
    // Digits only: `str::parse` would also take `+1`, a second spelling of `1`.
    let digits = version.bytes().all(|b| b.is_ascii_digit());
    let version: u32 = match version.parse() {
        Ok(v) if v > 0 && digits && !version.starts_with('0') => v,
        _ => return Err(ShareError::BadVersion(version.chars().take(12).collect())),
    };
    if version > FORMAT_VERSION {
        return Err(ShareError::UnsupportedVersion(version));
    }
    if payload.len() > MAX_LINK_CHARS {
        return Err(ShareError::TooLong {
            length: payload.len(),
            limit: MAX_LINK_CHARS,
        });
    }
    if payload.is_empty() {
        return Err(ShareError::EmptyPayload);
    }
    let packed = codec::base64url_decode(payload)?;
    if version == 1 {
        let bytes = codec::inflate(&packed, MAX_INFLATED_BYTES)?;
        return String::from_utf8(bytes).map_err(|_| ShareError::InvalidUtf8);
    }
    let (check, stream) = match packed.split_first_chunk::<4>() {
        Some((check, stream)) => (u32::from_be_bytes(*check), stream),
        None => return Err(ShareError::Truncated),
    };
    let bytes = codec::inflate(stream, MAX_INFLATED_BYTES)?;
    if codec::crc32(&bytes) != check {
        return Err(ShareError::IntegrityMismatch);
    }
    String::from_utf8(bytes).map_err(|_| ShareError::InvalidUtf8)
}

/// Decodes a link to the scenario it carries.
pub fn decode(link: &str) -> Result<Scenario, ShareError> {
    let json = decode_json(link)?;
    Scenario::from_canonical_json(&json).map_err(ShareError::Scenario)
}

/// Whether `text` looks like a share link rather than a file name.
pub fn looks_like_link(text: &str) -> bool {
    let text = unwrapped(text);
    share_param(&text).is_some() && (text.contains('#') || text.starts_with("s="))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_parameter_in_every_form() {
        assert_eq!(share_param("https://x.test/play#s=1.abc"), Some("1.abc"));
        assert_eq!(share_param("#s=1.abc"), Some("1.abc"));
        assert_eq!(share_param("s=1.abc"), Some("1.abc"));
        assert_eq!(share_param("#tab=2&s=1.abc"), Some("1.abc"));
        assert_eq!(share_param("https://x.test/"), None);
    }

    #[test]
    fn json_round_trip() {
        let json = r#"{"a":[1,2,3],"b":"x"}"#;
        let link = encode_json(json);
        assert!(link.starts_with("s=2."));
        assert_eq!(decode_json(&link).unwrap(), json);
    }

    fn scenario(name: &str) -> Scenario {
        keyflow_sim::builtin(name).unwrap().scenario().unwrap()
    }

    #[test]
    fn every_one_character_change_is_refused() {
        let s = scenario("ssm-securestring-cmk");
        let link = encode(&s);
        let payload = link.strip_prefix("s=2.").unwrap();
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut opened = 0;
        for (i, c) in payload.char_indices() {
            // Two replacements per position: the next and the previous letter of the alphabet.
            let at = alphabet.find(c).unwrap();
            for step in [1, 63] {
                let other = alphabet.as_bytes()[(at + step) % 64] as char;
                let mut bad = payload.to_string();
                bad.replace_range(i..i + 1, &other.to_string());
                match decode(&format!("s=2.{bad}")) {
                    Ok(back) => {
                        // DEFLATE ignores a few bits (the padding before a stored block,
                        // the bits after the last block): a change there opens the same
                        // scenario. Nothing altered opens.
                        assert_eq!(back, s, "position {i} of {}", payload.len());
                        opened += 1;
                    }
                    Err(e) => assert!(!e.to_string().is_empty()),
                }
            }
        }
        assert!(opened <= 4, "{opened}");
    }

    #[test]
    fn a_link_wrapped_over_lines_opens() {
        let s = scenario("alb-logs-cmk");
        let link = url(&s, "https://x.test/keyflow/");
        let wrapped: String = link
            .chars()
            .collect::<Vec<_>>()
            .chunks(72)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join("\r\n  ");
        assert!(wrapped.contains('\n'));
        assert!(looks_like_link(&wrapped));
        assert_eq!(decode(&wrapped), Ok(s.clone()));
        // Pasted into an address bar, the break comes back percent-encoded.
        let pasted = wrapped.replace("\r\n  ", "%0A%20%20");
        assert_eq!(decode(&pasted), Ok(s));
    }

    #[test]
    fn format_1_links_still_open() {
        let s = scenario("cloudtrail-sse-kms");
        let json = s.to_canonical_json();
        let v1 = format!(
            "#s=1.{}",
            codec::base64url_encode(&codec::deflate(json.as_bytes()))
        );
        assert_eq!(decode(&v1), Ok(s));
    }

    #[test]
    fn a_link_is_checked_before_it_is_offered() {
        let s = scenario("cloudtrail-sse-kms");
        let link = checked_url(&s, "https://x.test/").unwrap();
        assert_eq!(decode(&link), Ok(s.clone()));
        // A flow naming a principal that is gone: no link, and the reason.
        let mut broken = s.clone();
        broken.principals.retain(|p| p.name != "user1");
        let e = checked_url(&broken, "https://x.test/").unwrap_err();
        assert_eq!(
            e.to_string(),
            "the share link holds an invalid scenario: flows[0].readers[0]: unknown principal \"user1\""
        );
    }

    #[test]
    fn versions() {
        assert_eq!(
            decode_json("s=3.AAAA"),
            Err(ShareError::UnsupportedVersion(3))
        );
        assert!(matches!(
            decode_json("s=x.AAAA"),
            Err(ShareError::BadVersion(_))
        ));
        assert!(matches!(
            decode_json("s=01.AAAA"),
            Err(ShareError::BadVersion(_))
        ));
        assert!(matches!(
            decode_json("s=AAAA"),
            Err(ShareError::BadVersion(_))
        ));
        assert!(matches!(
            decode_json("s=+1.AAAA"),
            Err(ShareError::BadVersion(_))
        ));
        assert_eq!(
            ShareError::UnsupportedVersion(3).to_string(),
            "this link was made by a newer Keyflow (format 3); this version reads format 2"
        );
    }
}
