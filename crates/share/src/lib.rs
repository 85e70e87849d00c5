//! Share links: a whole scenario in a URL fragment, `#s=1.<payload>`.
//!
//! The payload is the scenario's canonical JSON (defaults dropped, no
//! whitespace, policies minified), compressed with raw DEFLATE and written in
//! unpadded base64url. `1` is the format version. Decoding is strict and never
//! panics: every way a link can be wrong has its own [`ShareError`].
//!
//! Nothing is sent anywhere: the fragment never leaves the browser.

mod codec;

use std::fmt;

use keyflow_sim::{Scenario, ScenarioError};

/// The format this build writes (and the newest it reads).
pub const FORMAT_VERSION: u32 = 1;
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
        }
    }
}

impl std::error::Error for ShareError {}

/// The fragment value (`s=1.<payload>`) for already-canonical JSON text.
pub fn encode_json(json: &str) -> String {
    let packed = codec::deflate(json.as_bytes());
    format!("s={FORMAT_VERSION}.{}", codec::base64url_encode(&packed))
}

/// The fragment value (`s=1.<payload>`) for a scenario.
pub fn encode(scenario: &Scenario) -> String {
    encode_json(&scenario.to_canonical_json())
}

/// A full link: `base` + `#s=1.<payload>` (an existing fragment in `base` is replaced).
pub fn url(scenario: &Scenario, base: &str) -> String {
    let base = base.split('#').next().unwrap_or(base);
    format!("{base}#{}", encode(scenario))
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

/// Decodes a link to the JSON text it carries, without reading it as a scenario.
pub fn decode_json(link: &str) -> Result<String, ShareError> {
    let value = share_param(link).ok_or(ShareError::NotAShareLink)?;
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
    let bytes = codec::inflate(&packed, MAX_INFLATED_BYTES)?;
    String::from_utf8(bytes).map_err(|_| ShareError::InvalidUtf8)
}

/// Decodes a link to the scenario it carries.
pub fn decode(link: &str) -> Result<Scenario, ShareError> {
    let json = decode_json(link)?;
    Scenario::from_canonical_json(&json).map_err(ShareError::Scenario)
}

/// Whether `text` looks like a share link rather than a file name.
pub fn looks_like_link(text: &str) -> bool {
    share_param(text).is_some() && (text.contains('#') || text.trim_start().starts_with("s="))
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
        assert!(link.starts_with("s=1."));
        assert_eq!(decode_json(&link).unwrap(), json);
    }

    #[test]
    fn versions() {
        assert_eq!(
            decode_json("s=2.AAAA"),
            Err(ShareError::UnsupportedVersion(2))
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
            ShareError::UnsupportedVersion(2).to_string(),
            "this link was made by a newer Keyflow (format 2); this version reads format 1"
        );
    }
}
